//! The Slack source (`--slack PATH`): a workspace export, the .zip or its
//! unpacked directory.
//!
//! An export holds `users.json` (user id → name, email), the channel lists
//! `channels.json`, `groups.json`, `mpims.json` and `dms.json`, and one
//! folder per conversation with a day file (`2024-03-04.json`, a JSON array
//! of messages) per day. The lists are read first; then the day files are
//! handed to worker threads, each parsing one day file at a time (a zip entry
//! is inflated into memory one entry at a time, never the whole export) and
//! scanning every string of every message that a person or bot wrote: text,
//! edits, blocks, attachments, file titles and previews, thread replies.
//! Metadata (ids, timestamps, avatars, reactions) is skipped.
//!
//! Each finding carries `channel` (the name, a DM's id), `user`, the user's
//! email from users.json as `author_email`, `timestamp` (RFC 3339 of `ts`),
//! `message_ts`/`thread_ts`, and `path` = the day file inside the export
//! (`EXPORT.zip!/deploys/2024-03-04.json` for a zip). Messages are parsed one
//! by one, so a malformed day file keeps the messages before the error; it is
//! reported and the next day file is scanned. A zip whose central directory
//! is lost (truncated download) is read as a stream of local entries.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use serde::de::{DeserializeSeed, SeqAccess, Visitor};
use serde_json::Value;

use super::archive;
use super::fs::Context;
use super::stream::{Sniff, Streamer};
use super::text::{line_of, TextBatch};
use crate::finding::{Finding, Location, SourceKind};

/// A day file larger than this is scanned as plain text instead of parsed.
const MAX_DAY_FILE: u64 = 256 << 20;

/// The workspace lists every worker reads from.
#[derive(Default)]
struct Workspace {
    /// User id (and bot id) → email, where the export has one.
    emails: HashMap<String, Option<String>>,
    /// Conversation id → name (the id for DMs), to name folders kept by id.
    names: HashMap<String, String>,
}

impl Workspace {
    fn channel_of(&self, folder: &str) -> String {
        self.names
            .get(folder)
            .cloned()
            .unwrap_or_else(|| folder.to_string())
    }

    fn email(&self, user: &str) -> Option<String> {
        self.emails.get(user).cloned().flatten()
    }
}

/// One file in the export: its path inside the export and, in a zip, its
/// index.
#[derive(Clone, Debug)]
struct Item {
    name: String,
    index: usize,
}

/// Where the export's files live.
enum Store {
    Dir(PathBuf),
    Zip(PathBuf),
}

/// A worker's handle on the store.
enum Reader {
    Dir(PathBuf),
    Zip(zip::ZipArchive<BufReader<File>>),
}

impl Reader {
    /// The whole of `item`, at most `limit` bytes; `Ok(None)` if larger.
    fn read(&mut self, item: &Item, limit: u64) -> io::Result<Option<Vec<u8>>> {
        match self {
            Reader::Dir(root) => {
                let path = root.join(&item.name);
                if std::fs::metadata(&path)?.len() > limit {
                    return Ok(None);
                }
                std::fs::read(path).map(Some)
            }
            Reader::Zip(z) => {
                let entry = z.by_index(item.index).map_err(io::Error::other)?;
                if entry.size() > limit {
                    return Ok(None);
                }
                let mut buf = Vec::with_capacity(entry.size() as usize);
                entry.take(limit + 1).read_to_end(&mut buf)?;
                Ok(Some(buf))
            }
        }
    }

    /// Streams `item` as plain text through the matcher.
    fn scan_plain(
        &mut self,
        ctx: &Context<'_>,
        streamer: &mut Streamer,
        item: &Item,
        loc: &Location,
        input: &str,
        out: &mut Vec<Finding>,
    ) {
        match self {
            Reader::Dir(root) => match File::open(root.join(&item.name)) {
                Ok(f) => ctx.scan_reader(streamer, f, Sniff::Text, loc, input, out),
                Err(e) => ctx.diag.report("unreadable", input, e),
            },
            Reader::Zip(z) => match z.by_index(item.index) {
                Ok(entry) => ctx.scan_reader(streamer, entry, Sniff::Text, loc, input, out),
                Err(e) => ctx.diag.report("corrupt zip", input, e),
            },
        }
    }
}

/// Scans every export in `paths` with up to `threads` workers each.
pub fn scan_exports(ctx: &Context<'_>, paths: &[PathBuf], threads: usize) -> Vec<Finding> {
    let mut out = Vec::new();
    for path in paths {
        scan_export(ctx, path, threads.max(1), &mut out);
    }
    out
}

fn scan_export(ctx: &Context<'_>, path: &Path, threads: usize, out: &mut Vec<Finding>) {
    let shown = path.display().to_string().replace('\\', "/");
    let (store, names) = if path.is_dir() {
        (Store::Dir(path.to_path_buf()), list_dir(ctx, path))
    } else {
        match archive::open_zip(path) {
            Ok(z) => {
                let names = (0..z.len())
                    .filter_map(|i| z.name_for_index(i).map(|n| (i, n.to_string())))
                    .collect();
                (Store::Zip(path.to_path_buf()), names)
            }
            Err(e) => {
                ctx.diag.report(
                    "corrupt zip",
                    &shown,
                    format!("{e}; reading its entries as a stream instead"),
                );
                scan_zip_stream(ctx, path, &shown, out);
                return;
            }
        }
    };
    let items: Vec<Item> = names
        .into_iter()
        .filter(|(_, n)| !n.ends_with('/'))
        .map(|(index, name)| Item { name, index })
        .collect();
    let root = export_root(items.iter().map(|i| i.name.as_str()));
    let mut reader = match open_reader(&store) {
        Ok(r) => r,
        Err(e) => {
            ctx.diag.report("unreadable", &shown, e);
            return;
        }
    };
    let input_of = |item: &Item| match &store {
        Store::Dir(_) => format!("{shown}/{}", item.name),
        Store::Zip(_) => format!("{shown}!/{}", item.name),
    };
    let path_of = |item: &Item| match &store {
        Store::Dir(_) => item.name.clone(),
        Store::Zip(_) => format!("{shown}!/{}", item.name),
    };

    // The lists first, in this thread.
    let mut ws = Workspace::default();
    let mut lists = HashMap::new();
    for item in &items {
        if let Some(rest) = item.name.strip_prefix(&root) {
            if LISTS.contains(&rest) {
                lists.insert(rest.to_string(), item.clone());
            }
        }
    }
    for list in LISTS {
        match lists.get(list) {
            Some(item) => match reader.read(item, MAX_DAY_FILE) {
                Ok(Some(raw)) => {
                    if let Err(e) = ws.add_list(list, &raw) {
                        ctx.diag
                            .report("malformed export", input_of(item), format!("{list}: {e}"));
                    }
                }
                Ok(None) => {
                    ctx.diag
                        .report("malformed export", input_of(item), "too large to parse")
                }
                Err(e) => ctx.diag.report("unreadable", input_of(item), e),
            },
            None if list == "users.json" => ctx.diag.report(
                "malformed export",
                &shown,
                "no users.json: messages are scanned without the posters' emails",
            ),
            None => {}
        }
    }

    // Then every file, in parallel: day files parsed, the rest streamed.
    let next = AtomicUsize::new(0);
    let found = Mutex::new(Vec::new());
    let work = |reader: &mut Reader| {
        let mut streamer = Streamer::default();
        let mut batch = TextBatch::default();
        let mut mine = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else { break };
            let rel = item.name.strip_prefix(&root).unwrap_or(&item.name);
            let input = input_of(item);
            let loc = Location::new(SourceKind::Slack, path_of(item));
            match day_file_folder(rel) {
                Some(folder) => match reader.read(item, MAX_DAY_FILE) {
                    Ok(Some(raw)) => {
                        let day = Day {
                            ws: &ws,
                            channel: ws.channel_of(folder),
                            raw: &raw,
                            loc: &loc,
                            input: &input,
                        };
                        day.scan(ctx, &mut streamer, &mut batch, &mut mine);
                    }
                    Ok(None) => {
                        ctx.diag.note("oversized day file scanned as text");
                        reader.scan_plain(ctx, &mut streamer, item, &loc, &input, &mut mine);
                    }
                    Err(e) => ctx.diag.report("unreadable", &input, e),
                },
                None => reader.scan_plain(ctx, &mut streamer, item, &loc, &input, &mut mine),
            }
        }
        found.lock().expect("findings lock").append(&mut mine);
    };
    let workers = threads.min(items.len()).max(1);
    std::thread::scope(|s| {
        for _ in 1..workers {
            s.spawn(|| match open_reader(&store) {
                Ok(mut r) => work(&mut r),
                Err(e) => ctx.diag.report("unreadable", &shown, e),
            });
        }
        work(&mut reader);
    });
    out.append(&mut found.into_inner().expect("findings lock"));
}

/// The workspace lists, in the order they are read.
const LISTS: [&str; 5] = [
    "users.json",
    "channels.json",
    "groups.json",
    "mpims.json",
    "dms.json",
];

fn open_reader(store: &Store) -> io::Result<Reader> {
    Ok(match store {
        Store::Dir(p) => Reader::Dir(p.clone()),
        Store::Zip(p) => Reader::Zip(archive::open_zip(p).map_err(io::Error::other)?),
    })
}

/// Files below `root`, as `/`-separated relative paths (index 0 for all).
pub(crate) fn list_dir(ctx: &Context<'_>, root: &Path) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) => {
                ctx.diag.report("unreadable", dir.display(), e);
                continue;
            }
        };
        for entry in entries.flatten() {
            let Ok(ft) = entry.file_type() else { continue };
            let path = entry.path();
            if ft.is_dir() {
                stack.push(path);
            } else if ft.is_file() {
                let rel = path.strip_prefix(root).unwrap_or(&path);
                out.push((0, rel.to_string_lossy().replace('\\', "/")));
            } else {
                ctx.diag.note("not a regular file");
            }
        }
    }
    out.sort_by(|a, b| a.1.cmp(&b.1));
    out
}

/// The folder prefix that holds `users.json` or `channels.json` (an export
/// zipped with its top folder), or "".
fn export_root<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let mut best: Option<&str> = None;
    for name in names {
        let (dir, file) = name.rsplit_once('/').unwrap_or(("", name));
        if (file == "users.json" || file == "channels.json")
            && best.is_none_or(|b| dir.len() < b.len())
        {
            best = Some(dir);
        }
    }
    match best {
        Some("") | None => String::new(),
        Some(dir) => format!("{dir}/"),
    }
}

/// The conversation folder of a day file (`FOLDER/DAY.json`), else None.
fn day_file_folder(rel: &str) -> Option<&str> {
    let (folder, file) = rel.split_once('/')?;
    (!file.contains('/') && file.ends_with(".json") && !folder.is_empty()).then_some(folder)
}

impl Workspace {
    fn add_list(&mut self, list: &str, raw: &[u8]) -> Result<(), serde_json::Error> {
        let items: Vec<Value> = serde_json::from_slice(raw)?;
        for item in &items {
            let Some(id) = item.get("id").and_then(Value::as_str) else {
                continue;
            };
            if list == "users.json" {
                let profile = item.get("profile");
                let email = profile
                    .and_then(|p| p.get("email"))
                    .or_else(|| item.get("email"))
                    .and_then(Value::as_str)
                    .filter(|e| !e.is_empty())
                    .map(str::to_string);
                if let Some(bot) = profile
                    .and_then(|p| p.get("bot_id"))
                    .and_then(Value::as_str)
                {
                    self.emails.insert(bot.to_string(), email.clone());
                }
                self.emails.insert(id.to_string(), email);
            } else {
                let name = item
                    .get("name")
                    .and_then(Value::as_str)
                    .filter(|_| list != "dms.json")
                    .unwrap_or(id);
                self.names.insert(id.to_string(), name.to_string());
            }
        }
        Ok(())
    }
}

/// Who posted one message and when.
#[derive(Default)]
struct Posted {
    user: Option<String>,
    ts: Option<String>,
    thread_ts: Option<String>,
}

/// One day file being scanned.
struct Day<'a> {
    ws: &'a Workspace,
    channel: String,
    raw: &'a [u8],
    loc: &'a Location,
    input: &'a str,
}

impl Day<'_> {
    fn scan(
        &self,
        ctx: &Context<'_>,
        streamer: &mut Streamer,
        batch: &mut TextBatch,
        out: &mut Vec<Finding>,
    ) {
        batch.clear();
        let mut posted: Vec<Posted> = Vec::new();
        let mut each = |msg: Value| {
            batch.record();
            posted.push(poster(&msg));
            collect_text(&msg, batch);
        };
        let mut de = serde_json::Deserializer::from_slice(self.raw);
        let parsed = Messages(&mut each)
            .deserialize(&mut de)
            .and_then(|()| de.end());
        if let Err(e) = parsed {
            ctx.diag.report(
                "malformed export",
                self.input,
                format!(
                    "malformed day file: {e} ({} messages before it scanned)",
                    posted.len()
                ),
            );
        }
        for (record, hit) in batch.scan(ctx, streamer, self.input, self.raw.len() as u64) {
            let p = &posted[record];
            let mut loc = self.loc.clone();
            loc.channel = Some(self.channel.clone());
            loc.author_email = p.user.as_deref().and_then(|u| self.ws.email(u));
            loc.user = p.user.clone();
            loc.timestamp = p.ts.as_deref().and_then(ts_to_rfc3339);
            let anchor = p.ts.as_deref().map(|t| format!("\"{t}\""));
            (loc.line, loc.column) = line_of(
                self.raw,
                anchor.as_deref().unwrap_or("").as_bytes(),
                &hit.secret,
            );
            loc.message_ts = p.ts.clone();
            loc.thread_ts = p.thread_ts.clone().filter(|t| Some(t) != p.ts.as_ref());
            ctx.finding(hit, loc, out);
        }
    }
}

/// Hands each element of a JSON array to a closure as it is parsed, so the
/// elements before a syntax error are kept.
struct Messages<'f>(&'f mut dyn FnMut(Value));

impl<'de> DeserializeSeed<'de> for Messages<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Messages<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON array of messages")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(msg) = seq.next_element::<Value>()? {
            (self.0)(msg);
        }
        Ok(())
    }
}

/// The poster of a message: `user`, else the edited message's user (a
/// `message_changed` event), else the bot id.
fn poster(msg: &Value) -> Posted {
    let str_of = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let inner = msg.get("message");
    let user = str_of(msg, "user")
        .or_else(|| inner.and_then(|m| str_of(m, "user")))
        .or_else(|| str_of(msg, "bot_id"))
        .or_else(|| inner.and_then(|m| str_of(m, "bot_id")));
    Posted {
        user,
        ts: str_of(msg, "ts").or_else(|| inner.and_then(|m| str_of(m, "ts"))),
        thread_ts: str_of(msg, "thread_ts"),
    }
}

/// Keys whose values are metadata, never text someone wrote.
const METADATA: &[&str] = &[
    "type",
    "subtype",
    "ts",
    "thread_ts",
    "latest_reply",
    "client_msg_id",
    "team",
    "user_team",
    "source_team",
    "user",
    "bot_id",
    "app_id",
    "block_id",
    "parent_user_id",
    "reply_users",
    "replies",
    "user_profile",
    "bot_profile",
    "reactions",
    "edited",
    "icons",
    "style",
    "action_id",
    "id",
    "mimetype",
    "filetype",
    "pretty_type",
    "mode",
    "event_ts",
    "channel",
];

/// Pushes every string in `value` except those under metadata keys.
fn collect_text(value: &Value, batch: &mut TextBatch) {
    match value {
        Value::String(s) => batch.push(s),
        Value::Array(items) => items.iter().for_each(|v| collect_text(v, batch)),
        Value::Object(map) => {
            for (k, v) in map {
                if !METADATA.contains(&k.as_str()) && !k.starts_with("image_") {
                    collect_text(v, batch);
                }
            }
        }
        _ => {}
    }
}

/// Slack's `ts` (`"1709543740.000200"`, seconds and micros) as RFC 3339 UTC.
pub fn ts_to_rfc3339(ts: &str) -> Option<String> {
    let (secs, frac) = ts.split_once('.').unwrap_or((ts, ""));
    let secs: i64 = secs.parse().ok()?;
    let frac = frac.get(..frac.len().min(9))?;
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let nanos: i64 = if frac.is_empty() {
        0
    } else {
        frac.parse::<i64>().ok()? * 10i64.pow(9 - frac.len() as u32)
    };
    let when =
        time::OffsetDateTime::from_unix_timestamp(secs).ok()? + time::Duration::nanoseconds(nanos);
    when.format(&time::format_description::well_known::Rfc3339)
        .ok()
}

/// A zip without a readable central directory: its local entries read in
/// order, twice (the lists first, then the rest), each as far as it goes.
fn scan_zip_stream(ctx: &Context<'_>, path: &Path, shown: &str, out: &mut Vec<Finding>) {
    let mut ws = Workspace::default();
    let mut streamer = Streamer::default();
    let mut batch = TextBatch::default();
    for pass in 0..2 {
        let file = match File::open(path) {
            Ok(f) => f,
            Err(e) => {
                ctx.diag.report("unreadable", shown, e);
                return;
            }
        };
        let mut reader = BufReader::new(file);
        loop {
            let entry = match zip::read::read_zipfile_from_stream(&mut reader) {
                Ok(Some(e)) => e,
                Ok(None) => break,
                Err(e) => {
                    if pass == 1 {
                        ctx.diag
                            .report("corrupt zip", shown, format!("{e}; later entries lost"));
                    }
                    break;
                }
            };
            let name = entry.name().to_string();
            if entry.is_dir() {
                continue;
            }
            let input = format!("{shown}!/{name}");
            let file_name = name.rsplit('/').next().unwrap_or(&name);
            let is_list = LISTS.contains(&file_name) && name.matches('/').count() <= 1;
            let mut raw = Vec::new();
            let read = entry.take(MAX_DAY_FILE).read_to_end(&mut raw);
            if pass == 0 {
                if is_list && read.is_ok() {
                    if let Err(e) = ws.add_list(file_name, &raw) {
                        ctx.diag.report("malformed export", &input, e);
                    }
                }
                continue;
            }
            if let Err(e) = read {
                ctx.diag.report(
                    "corrupt zip",
                    &input,
                    format!("{e} (the part read before it is scanned)"),
                );
            }
            let loc = Location::new(SourceKind::Slack, input.clone());
            let folder = name
                .rsplit_once('/')
                .and_then(|(dir, _)| dir.rsplit('/').next())
                .filter(|_| name.ends_with(".json") && !is_list);
            match folder {
                Some(folder) => Day {
                    ws: &ws,
                    channel: ws.channel_of(folder),
                    raw: &raw,
                    loc: &loc,
                    input: &input,
                }
                .scan(ctx, &mut streamer, &mut batch, out),
                None => ctx.scan_reader(&mut streamer, &raw[..], Sniff::Text, &loc, &input, out),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ts_is_converted_to_utc() {
        assert_eq!(
            ts_to_rfc3339("1709543740.000200").as_deref(),
            Some("2024-03-04T09:15:40.0002Z")
        );
        assert_eq!(
            ts_to_rfc3339("1709543740").as_deref(),
            Some("2024-03-04T09:15:40Z")
        );
        assert_eq!(ts_to_rfc3339("x.1"), None);
        assert_eq!(ts_to_rfc3339("1.2e3"), None);
        assert_eq!(ts_to_rfc3339("99999999999999999999"), None);
    }

    #[test]
    fn day_files_and_export_root() {
        assert_eq!(day_file_folder("deploys/2024-03-04.json"), Some("deploys"));
        assert_eq!(day_file_folder("users.json"), None);
        assert_eq!(day_file_folder("a/b/c.json"), None);
        let names = ["top/users.json", "top/deploys/2024-03-04.json"];
        assert_eq!(export_root(names.into_iter()), "top/");
        assert_eq!(export_root(["users.json"].into_iter()), "");
    }

    #[test]
    fn text_skips_metadata_and_keeps_what_people_wrote() {
        let msg: Value = serde_json::from_str(
            r#"{"type":"message","user":"U1","ts":"1.2","text":"hello",
               "attachments":[{"fallback":"fb","fields":[{"title":"t","value":"v"}]}],
               "files":[{"id":"F1","title":"notes","preview":"pv"}],
               "user_profile":{"real_name":"Alice"}}"#,
        )
        .unwrap();
        let mut b = TextBatch::default();
        b.record();
        collect_text(&msg, &mut b);
        let text = String::from_utf8(b.bytes().to_vec()).unwrap();
        for want in ["hello", "fb", "v", "notes", "pv"] {
            assert!(text.contains(want), "{want} in {text:?}");
        }
        for not in ["message", "U1", "Alice", "F1"] {
            assert!(!text.contains(not), "{not} in {text:?}");
        }
    }
    use proptest::prelude::*;

    use crate::source::fs::testing::with_context;

    const TOKEN: &str = "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";

    fn day_file() -> String {
        serde_json::to_string_pretty(&serde_json::json!([
            {"type": "message", "user": "U1", "ts": "1709543740.000200", "text": format!("key {TOKEN}"),
             "blocks": [{"type": "rich_text", "elements": [{"type": "text", "text": "x"}]}]},
            {"type": "message", "subtype": "bot_message", "bot_id": "B1", "ts": "1709543741.000300",
             "attachments": [{"text": "build ok", "fields": [{"value": "v"}]}]},
            {"type": "message", "subtype": "message_changed", "ts": "1709543750.000400",
             "message": {"user": "U2", "text": "edited", "ts": "1709543740.000200"},
             "previous_message": {"user": "U2", "text": "old"}}
        ]))
        .unwrap()
    }

    fn scan_day(raw: &[u8]) -> Vec<Finding> {
        with_context(|ctx| {
            let ws = Workspace::default();
            let loc = Location::new(SourceKind::Slack, "c/2024-03-04.json");
            let day = Day {
                ws: &ws,
                channel: "c".into(),
                raw,
                loc: &loc,
                input: "c/2024-03-04.json",
            };
            let mut out = Vec::new();
            day.scan(
                ctx,
                &mut Streamer::default(),
                &mut TextBatch::default(),
                &mut out,
            );
            out
        })
    }

    #[test]
    fn a_whole_day_file_gives_its_token() {
        let found = scan_day(day_file().as_bytes());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].location.user.as_deref(), Some("U1"));
    }

    proptest! {
        #[test]
        fn day_file_parser_survives_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..1500)) {
            scan_day(&bytes);
        }

        #[test]
        fn day_file_parser_survives_cuts_and_flips(
            cut in 0usize..2000,
            flips in proptest::collection::vec((0usize..2000, any::<u8>()), 0..6),
        ) {
            let text = day_file();
            let first_end = text.find("\n    },").unwrap() + 7;
            let mut raw = text.into_bytes();
            raw.truncate(cut.min(raw.len()));
            let intact = raw.len() >= first_end;
            for (at, byte) in &flips {
                if *at >= first_end && *at < raw.len() {
                    raw[*at] = *byte;
                }
            }
            let found = scan_day(&raw);
            // The first message survives whatever happens after it.
            if intact {
                prop_assert!(found.iter().any(|f| f.secret == TOKEN.as_bytes()));
            }
        }

        #[test]
        fn ts_never_panics(ts in "\\PC{0,30}") {
            ts_to_rfc3339(&ts);
        }

        #[test]
        fn lists_survive_any_json(v in "\\PC{0,200}") {
            let mut ws = Workspace::default();
            for list in LISTS {
                let _ = ws.add_list(list, v.as_bytes());
            }
        }
    }
}
