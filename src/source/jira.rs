//! The Jira source (`--jira PATH`): issue exports in the three shapes Jira
//! writes them.
//!
//! - REST search JSON (`{"issues": [{"key", "fields": {...}}]}`, also a bare
//!   array of issues or one issue), a file or a directory of pages. Issues
//!   are parsed one by one as the array is read, so a truncated page keeps
//!   the issues before the cut. REST v3 rich text (Atlassian Document
//!   Format) is reduced to its text nodes and link targets.
//! - Jira Cloud's CSV export: one row per issue, repeated `Comment` columns of
//!   the form `date;accountId;body`. A row whose field count is off (a broken
//!   quote swallows the rows after it) is reported, scanned as text, and
//!   parsing resumes on the next line.
//! - The XML/RSS export (`<item>` with `<key>`, `<summary>`, `<description>`,
//!   `<comments><comment id author created>`, `<customfields>`).
//!
//! Summary, description, environment and text custom fields make one record
//! per issue (`comment_id` null, the reporter as `author_email`, the issue's
//! creation time); each comment is a record of its own with its id, author
//! (email, else account id) and creation time. Records of one file are
//! scanned as one [`TextBatch`].

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::fs::Context;
use super::stream::{count_newlines, Streamer};
use super::text::{line_of, TextBatch};
use crate::finding::{Finding, Location, SourceKind};

/// Files larger than this are not parsed (reported instead).
const MAX_FILE: u64 = 1 << 30;

/// Where a record sits, to find a hit's line in the raw file.
enum Anchor {
    /// A string written in the record (its id), searched for.
    Text(String),
    /// The byte offset where the record starts.
    Offset(usize),
}

/// Provenance of one record.
struct Record {
    ticket: Option<String>,
    comment_id: Option<String>,
    author: Option<String>,
    timestamp: Option<String>,
    anchor: Anchor,
}

/// The records of one export file, being collected.
#[derive(Default)]
struct Collect {
    batch: TextBatch,
    records: Vec<Record>,
}

impl Collect {
    fn record(&mut self, r: Record) {
        self.batch.record();
        self.records.push(r);
    }

    fn push(&mut self, text: &str) {
        self.batch.push(text);
    }
}

/// Scans every Jira export in `paths`.
pub fn scan_exports(ctx: &Context<'_>, paths: &[PathBuf]) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut streamer = Streamer::default();
    for path in paths {
        if path.is_dir() {
            for (_, rel) in super::slack::list_dir(ctx, path) {
                let full = path.join(&rel);
                scan_file(ctx, &mut streamer, &full, &rel, &mut out);
            }
        } else {
            let shown = path.display().to_string().replace('\\', "/");
            scan_file(ctx, &mut streamer, path, &shown, &mut out);
        }
    }
    out
}

/// The shape of an export file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    Json,
    Csv,
    Xml,
}

fn shape_of(path: &Path, raw: &[u8]) -> Shape {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    match ext.as_deref() {
        Some("json") => Shape::Json,
        Some("csv") => Shape::Csv,
        Some("xml") | Some("rss") => Shape::Xml,
        _ => match raw
            .iter()
            .find(|b| !b.is_ascii_whitespace() && **b != 0xEF && **b != 0xBB && **b != 0xBF)
        {
            Some(b'{') | Some(b'[') => Shape::Json,
            Some(b'<') => Shape::Xml,
            _ => Shape::Csv,
        },
    }
}

fn scan_file(
    ctx: &Context<'_>,
    streamer: &mut Streamer,
    path: &Path,
    rel: &str,
    out: &mut Vec<Finding>,
) {
    let input = path.display().to_string();
    match std::fs::metadata(path) {
        Ok(m) if m.len() > MAX_FILE => {
            ctx.diag
                .report("malformed export", &input, "larger than 1 GiB: not parsed");
            return;
        }
        Ok(_) => {}
        Err(e) => {
            ctx.diag.report("unreadable", &input, e);
            return;
        }
    }
    let raw = match std::fs::read(path) {
        Ok(r) => r,
        Err(e) => {
            ctx.diag.report("unreadable", &input, e);
            return;
        }
    };
    let mut c = Collect::default();
    let shape = shape_of(path, &raw);
    match shape {
        Shape::Json => collect_json(ctx, &raw, &input, &mut c),
        Shape::Csv => collect_csv(ctx, &raw, &input, &mut c),
        Shape::Xml => collect_xml(ctx, &raw, &input, &mut c),
    }
    let base = Location::new(SourceKind::Jira, rel);
    for (i, hit) in c.batch.scan(ctx, streamer, &input, raw.len() as u64) {
        let r = &c.records[i];
        let mut loc = base.clone();
        loc.ticket = r.ticket.clone();
        loc.comment_id = r.comment_id.clone();
        loc.author_email = r.author.clone();
        loc.timestamp = r.timestamp.clone();
        (loc.line, loc.column) = match &r.anchor {
            Anchor::Text(t) => line_of(&raw, format!("\"{t}\"").as_bytes(), &hit.secret),
            Anchor::Offset(at) => {
                let at = (*at).min(raw.len());
                let (l, col) = line_of(&raw[at..], b"", &hit.secret);
                let before = count_newlines(&raw[..at]) as u64;
                let col = if l == 1 {
                    let start = memchr::memrchr(b'\n', &raw[..at]).map_or(0, |p| p + 1);
                    col + (at - start) as u64
                } else {
                    col
                };
                (l + before, col)
            }
        };
        ctx.finding(hit, loc, out);
    }
}

// ---------------------------------------------------------------- JSON

/// Hands each issue of a search page (`issues` array), a bare array, or a
/// single issue to a closure as it is parsed.
struct Page<'f>(&'f mut dyn FnMut(&Value));

impl<'de> DeserializeSeed<'de> for Page<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Page<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a Jira search result, an array of issues, or an issue")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(issue) = seq.next_element::<Value>()? {
            (self.0)(&issue);
        }
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut single = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "issues" => map.next_value_seed(Page(&mut *self.0))?,
                "key" | "fields" | "id" => {
                    single.insert(key, map.next_value::<Value>()?);
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if single.contains_key("fields") {
            (self.0)(&Value::Object(single));
        }
        Ok(())
    }
}

fn collect_json(ctx: &Context<'_>, raw: &[u8], input: &str, c: &mut Collect) {
    let mut issues = 0usize;
    let mut each = |issue: &Value| {
        issues += 1;
        collect_issue(issue, c);
    };
    let mut de = serde_json::Deserializer::from_slice(raw);
    let parsed = Page(&mut each).deserialize(&mut de).and_then(|()| de.end());
    if let Err(e) = parsed {
        ctx.diag.report(
            "malformed export",
            input,
            format!("malformed Jira JSON: {e} ({issues} issues before it scanned)"),
        );
    }
}

fn str_at<'v>(v: &'v Value, path: &[&str]) -> Option<&'v str> {
    let mut v = v;
    for k in path {
        v = v.get(k)?;
    }
    v.as_str()
}

/// A user object's email, else its account id (else its name, Server).
fn who(user: Option<&Value>) -> Option<String> {
    let user = user?;
    ["emailAddress", "accountId", "name", "key"]
        .iter()
        .find_map(|k| {
            user.get(k)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        })
        .map(str::to_string)
}

fn collect_issue(issue: &Value, c: &mut Collect) {
    let key = issue.get("key").and_then(Value::as_str).map(str::to_string);
    let empty = Value::Null;
    let fields = issue.get("fields").unwrap_or(&empty);
    c.record(Record {
        ticket: key.clone(),
        comment_id: None,
        author: who(fields.get("reporter")).or_else(|| who(fields.get("creator"))),
        timestamp: str_at(fields, &["created"]).and_then(jira_time),
        anchor: Anchor::Text(key.clone().unwrap_or_default()),
    });
    if let Some(map) = fields.as_object() {
        for (name, value) in map {
            let text_field = matches!(name.as_str(), "summary" | "description" | "environment")
                || name.starts_with("customfield_");
            if text_field {
                rich_text(value, c);
            }
        }
    }
    let comments = fields
        .get("comment")
        .and_then(|v| v.get("comments"))
        .and_then(Value::as_array);
    for comment in comments.into_iter().flatten() {
        let id = comment.get("id").and_then(|v| match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        });
        c.record(Record {
            ticket: key.clone(),
            comment_id: id.clone(),
            author: who(comment.get("author")),
            timestamp: str_at(comment, &["created"]).and_then(jira_time),
            anchor: Anchor::Text(id.unwrap_or_default()),
        });
        if let Some(body) = comment.get("body") {
            rich_text(body, c);
        }
    }
}

/// Text of a field: a string, a list of strings or options, or ADF (the
/// text nodes and every string attribute: link targets, mentions, code).
fn rich_text(value: &Value, c: &mut Collect) {
    match value {
        Value::String(s) => c.push(s),
        Value::Array(items) => items.iter().for_each(|v| rich_text(v, c)),
        Value::Object(map) => {
            for key in ["text", "value", "name"] {
                if let Some(Value::String(s)) = map.get(key) {
                    c.push(s);
                }
            }
            if let Some(Value::Object(attrs)) = map.get("attrs") {
                for v in attrs.values() {
                    if let Value::String(s) = v {
                        c.push(s);
                    }
                }
            }
            for key in ["content", "marks"] {
                if let Some(v) = map.get(key) {
                    rich_text(v, c);
                }
            }
        }
        _ => {}
    }
}

// ---------------------------------------------------------------- CSV

fn collect_csv(ctx: &Context<'_>, raw: &[u8], input: &str, c: &mut Collect) {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(raw);
    let headers = match reader.byte_headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            ctx.diag
                .report("malformed export", input, format!("CSV header: {e}"));
            return;
        }
    };
    let names: Vec<String> = headers
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().to_string())
        .collect();
    let col = |want: &[&str]| {
        want.iter()
            .find_map(|w| names.iter().position(|n| n.eq_ignore_ascii_case(w)))
    };
    let cols = CsvColumns {
        key: col(&["Issue key", "Key"]),
        reporter: col(&[
            "Reporter Email",
            "Reporter email",
            "Reporter Id",
            "Reporter",
        ]),
        created: col(&["Created"]),
        comments: names
            .iter()
            .enumerate()
            .filter(|(_, n)| n.eq_ignore_ascii_case("Comment") || n.starts_with("Comment ["))
            .map(|(i, _)| i)
            .collect(),
        width: names.len(),
    };
    let mut offset = 0usize; // where `reader` started in `raw`
    let mut line_base = 0u64; // lines before `offset`
    loop {
        let mut resume = None;
        let mut record = csv::ByteRecord::new();
        loop {
            match reader.read_byte_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {
                    let at = offset + record.position().map_or(0, |p| p.byte() as usize);
                    cols.collect(&record, at, c);
                }
                Err(e) => {
                    let pos = match e.kind() {
                        csv::ErrorKind::UnequalLengths { pos, .. } => pos.clone(),
                        csv::ErrorKind::Utf8 { pos, .. } => pos.clone(),
                        _ => e.position().cloned(),
                    };
                    let Some(pos) = pos else {
                        ctx.diag
                            .report("malformed export", input, format!("CSV: {e}"));
                        break;
                    };
                    let at = offset + pos.byte() as usize;
                    let line = line_base + pos.line();
                    let reason = match e.kind() {
                        csv::ErrorKind::UnequalLengths { len, expected_len, .. } => format!(
                            "line {line}: record has {len} fields, the header {expected_len} (a broken quote?); the line is scanned as text and parsing resumes after it"
                        ),
                        _ => format!("line {line}: {e}"),
                    };
                    ctx.diag.report("malformed export", input, reason);
                    let end = memchr::memchr(b'\n', &raw[at..]).map_or(raw.len(), |i| at + i + 1);
                    c.record(Record {
                        ticket: None,
                        comment_id: None,
                        author: None,
                        timestamp: None,
                        anchor: Anchor::Offset(at),
                    });
                    c.push(&String::from_utf8_lossy(&raw[at..end]));
                    resume = Some((end, line));
                    break;
                }
            }
        }
        match resume {
            Some((end, line)) if end > offset && end < raw.len() => {
                offset = end;
                line_base = line;
                reader = csv::ReaderBuilder::new()
                    .has_headers(false)
                    .flexible(false)
                    .from_reader(&raw[offset..]);
                reader.set_byte_headers(headers.clone());
            }
            _ => break,
        }
    }
}

struct CsvColumns {
    key: Option<usize>,
    reporter: Option<usize>,
    created: Option<usize>,
    comments: Vec<usize>,
    width: usize,
}

impl CsvColumns {
    fn collect(&self, record: &csv::ByteRecord, at: usize, c: &mut Collect) {
        if record.len() != self.width {
            return;
        }
        let cell = |i: Option<usize>| {
            i.and_then(|i| record.get(i))
                .map(|b| String::from_utf8_lossy(b).trim().to_string())
                .filter(|s| !s.is_empty())
        };
        let key = cell(self.key);
        c.record(Record {
            ticket: key.clone(),
            comment_id: None,
            author: cell(self.reporter),
            timestamp: cell(self.created).as_deref().and_then(jira_time),
            anchor: Anchor::Offset(at),
        });
        for (i, field) in record.iter().enumerate() {
            if !self.comments.contains(&i) && !field.is_empty() {
                c.push(&String::from_utf8_lossy(field));
            }
        }
        for (n, &i) in self.comments.iter().enumerate() {
            let Some(field) = record.get(i).filter(|f| !f.is_empty()) else {
                continue;
            };
            let text = String::from_utf8_lossy(field);
            let (when, author, body) = split_csv_comment(&text);
            c.record(Record {
                ticket: key.clone(),
                // The CSV export has no comment ids: the comment's position.
                comment_id: Some(format!("#{}", n + 1)),
                author,
                timestamp: when,
                anchor: Anchor::Offset(at),
            });
            c.push(body);
        }
    }
}

/// `date;accountId;body` → (RFC 3339 time, author, body); a cell not in
/// that form is all body.
fn split_csv_comment(cell: &str) -> (Option<String>, Option<String>, &str) {
    let mut parts = cell.splitn(3, ';');
    if let (Some(date), Some(author), Some(body)) = (parts.next(), parts.next(), parts.next()) {
        if let Some(when) = jira_time(date.trim()) {
            let author = Some(author.trim().to_string()).filter(|a| !a.is_empty());
            return (Some(when), author, body);
        }
    }
    (None, None, cell)
}

// ---------------------------------------------------------------- XML

/// The issue being read from an `<item>`.
#[derive(Default)]
struct XmlIssue {
    at: usize,
    key: Option<String>,
    reporter: Option<String>,
    created: Option<String>,
    texts: Vec<String>,
    comments: Vec<XmlComment>,
}

struct XmlComment {
    at: usize,
    id: Option<String>,
    author: Option<String>,
    created: Option<String>,
    body: String,
}

fn collect_xml(ctx: &Context<'_>, raw: &[u8], input: &str, c: &mut Collect) {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(raw);
    reader.config_mut().check_end_names = true;
    let mut buf = Vec::new();
    let mut path: Vec<String> = Vec::new();
    let mut issue: Option<XmlIssue> = None;
    let mut text = String::new();
    let mut issues = 0usize;
    loop {
        let at = reader.buffer_position() as usize;
        let event = match reader.read_event_into(&mut buf) {
            Ok(e) => e,
            Err(e) => {
                let pos = reader.error_position() as usize;
                let line = count_newlines(&raw[..pos.min(raw.len())]) + 1;
                ctx.diag.report(
                    "malformed export",
                    input,
                    format!(
                        "malformed Jira XML: line {line}: {e} ({issues} issues before it scanned)"
                    ),
                );
                break;
            }
        };
        match event {
            Event::Start(start) => {
                let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                text.clear();
                let attr = |k: &str| {
                    start
                        .try_get_attribute(k)
                        .ok()
                        .flatten()
                        .and_then(|a| {
                            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                .ok()
                                .map(Cow::into_owned)
                        })
                        .filter(|s| !s.is_empty())
                };
                match name.as_str() {
                    "item" => {
                        issue = Some(XmlIssue {
                            at,
                            ..XmlIssue::default()
                        })
                    }
                    "reporter" => {
                        if let Some(i) = issue.as_mut() {
                            i.reporter = attr("email")
                                .or_else(|| attr("accountid"))
                                .or_else(|| attr("username"));
                        }
                    }
                    "comment" => {
                        if let Some(i) = issue.as_mut() {
                            i.comments.push(XmlComment {
                                at,
                                id: attr("id"),
                                author: attr("author"),
                                created: attr("created").as_deref().and_then(jira_time),
                                body: String::new(),
                            });
                        }
                    }
                    _ => {}
                }
                path.push(name);
            }
            Event::Text(t) => text.push_str(&t.xml10_content().unwrap_or_default()),
            Event::CData(t) => text.push_str(&String::from_utf8_lossy(&t)),
            Event::GeneralRef(r) => {
                let name = r.decode().unwrap_or_default();
                if let Ok(Some(ch)) = r.resolve_char_ref() {
                    text.push(ch);
                } else if let Some(s) = quick_xml::escape::resolve_predefined_entity(&name) {
                    text.push_str(s);
                } else {
                    text.push('&');
                    text.push_str(&name);
                    text.push(';');
                }
            }
            Event::End(_) => {
                let name = path.pop().unwrap_or_default();
                let parent = path.last().map(String::as_str).unwrap_or("");
                if let Some(i) = issue.as_mut() {
                    let value = std::mem::take(&mut text);
                    match (parent, name.as_str()) {
                        (_, "item") => {
                            issues += 1;
                            if let Some(done) = issue.take() {
                                emit_xml_issue(done, c);
                            }
                        }
                        ("item", "key") => i.key = Some(value.trim().to_string()),
                        ("item", "created") => i.created = jira_time(value.trim()),
                        ("item", "reporter") if i.reporter.is_none() => {
                            i.reporter = Some(value.trim().to_string());
                        }
                        ("item", "summary" | "title" | "description" | "environment")
                        | (_, "customfieldvalue") => i.texts.push(value),
                        ("comments", "comment") => {
                            if let Some(last) = i.comments.last_mut() {
                                last.body = value;
                            }
                        }
                        _ => {}
                    }
                }
                text.clear();
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if let Some(partial) = issue.take() {
        emit_xml_issue(partial, c);
    }
}

fn emit_xml_issue(issue: XmlIssue, c: &mut Collect) {
    c.record(Record {
        ticket: issue.key.clone(),
        comment_id: None,
        author: issue.reporter.clone(),
        timestamp: issue.created.clone(),
        anchor: Anchor::Offset(issue.at),
    });
    for t in &issue.texts {
        c.push(t);
    }
    for comment in issue.comments {
        c.record(Record {
            ticket: issue.key.clone(),
            comment_id: comment.id,
            author: comment.author,
            timestamp: comment.created,
            anchor: Anchor::Offset(comment.at),
        });
        c.push(&comment.body);
    }
}

// ---------------------------------------------------------------- times

/// A Jira time as RFC 3339: REST (`2024-03-05T16:02:11.000-0800`), RFC 3339
/// itself, RSS (`Mon, 4 Mar 2024 10:22:31 +0000`, RFC 2822), or the CSV
/// export's `04/Mar/24 10:22 AM` (no zone in the file: read as UTC).
pub fn jira_time(s: &str) -> Option<String> {
    use time::format_description::well_known::{Rfc2822, Rfc3339};
    use time::OffsetDateTime;
    let s = s.trim();
    if OffsetDateTime::parse(s, &Rfc3339).is_ok() {
        return Some(s.to_string());
    }
    let b = s.as_bytes();
    if b.len() > 5
        && matches!(b[b.len() - 5], b'+' | b'-')
        && b[b.len() - 4..].iter().all(u8::is_ascii_digit)
    {
        let fixed = format!("{}:{}", &s[..s.len() - 2], &s[s.len() - 2..]);
        if OffsetDateTime::parse(&fixed, &Rfc3339).is_ok() {
            return Some(fixed);
        }
    }
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc2822) {
        return t.format(&Rfc3339).ok();
    }
    csv_time(s)
}

/// `dd/Mon/yy h:mm AM` (Jira's default CSV date format), as UTC.
fn csv_time(s: &str) -> Option<String> {
    let (date, rest) = s.split_once(' ')?;
    let mut d = date.split('/');
    let day: u8 = d.next()?.parse().ok()?;
    let month = d.next()?;
    let year: i32 = d.next()?.parse().ok()?;
    let year = if year < 100 { 2000 + year } else { year };
    let months = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let m = months.iter().position(|n| month.eq_ignore_ascii_case(n))?;
    let month = time::Month::try_from(m as u8 + 1).ok()?;
    let (clock, period) = rest.trim().split_once(' ').unwrap_or((rest.trim(), ""));
    let (h, min) = clock.split_once(':')?;
    let mut hour: u8 = h.parse().ok()?;
    let minute: u8 = min.parse().ok()?;
    match period.to_ascii_uppercase().as_str() {
        "AM" if hour == 12 => hour = 0,
        "PM" if hour < 12 => hour += 12,
        "AM" | "PM" | "" => {}
        _ => return None,
    }
    let date = time::Date::from_calendar_date(year, month, day).ok()?;
    let t = date.with_hms(hour, minute, 0).ok()?.assume_utc();
    t.format(&time::format_description::well_known::Rfc3339)
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jira_times_become_rfc3339() {
        assert_eq!(
            jira_time("2024-03-05T16:02:11.000-0800").as_deref(),
            Some("2024-03-05T16:02:11.000-08:00")
        );
        assert_eq!(
            jira_time("2024-03-04T10:22:31Z").as_deref(),
            Some("2024-03-04T10:22:31Z")
        );
        assert_eq!(
            jira_time("Mon, 4 Mar 2024 10:22:31 +0000").as_deref(),
            Some("2024-03-04T10:22:31Z")
        );
        assert_eq!(
            jira_time("04/Mar/24 10:22 PM").as_deref(),
            Some("2024-03-04T22:22:00Z")
        );
        assert_eq!(
            jira_time("04/Mar/24 12:05 AM").as_deref(),
            Some("2024-03-04T00:05:00Z")
        );
        assert_eq!(jira_time("yesterday"), None);
        assert_eq!(jira_time("31/Feb/24 10:00 AM"), None);
    }

    #[test]
    fn csv_comment_cells_split_into_date_author_body() {
        let (when, who, body) = split_csv_comment("04/Mar/24 10:22 AM;5b10ac8d;use tok;en");
        assert_eq!(when.as_deref(), Some("2024-03-04T10:22:00Z"));
        assert_eq!(who.as_deref(), Some("5b10ac8d"));
        assert_eq!(body, "use tok;en");
        assert_eq!(split_csv_comment("plain; text").2, "plain; text");
    }

    #[test]
    fn adf_text_and_links_are_collected() {
        let adf: Value = serde_json::from_str(
            r#"{"type":"doc","version":1,"content":[{"type":"paragraph","content":[
                {"type":"text","text":"see "},
                {"type":"text","text":"here","marks":[{"type":"link","attrs":{"href":"https://x.example/?t=abc"}}]}]}]}"#,
        )
        .unwrap();
        let mut c = Collect::default();
        c.batch.record();
        rich_text(&adf, &mut c);
        let text = String::from_utf8_lossy(c.batch.bytes()).into_owned();
        assert!(text.contains("see "), "{text}");
        assert!(text.contains("here"), "{text}");
        assert!(text.contains("https://x.example/?t=abc"), "{text}");
        assert!(!text.contains("paragraph"), "{text}");
    }
    use proptest::prelude::*;

    use crate::source::fs::testing::with_context;

    fn collect(shape: Shape, raw: &[u8]) -> usize {
        with_context(|ctx| {
            let mut c = Collect::default();
            match shape {
                Shape::Json => collect_json(ctx, raw, "x", &mut c),
                Shape::Csv => collect_csv(ctx, raw, "x", &mut c),
                Shape::Xml => collect_xml(ctx, raw, "x", &mut c),
            }
            assert_eq!(c.records.len(), c.batch.records());
            c.records.len()
        })
    }

    const JSON: &str = r#"{"issues": [{"key": "A-1", "fields": {"summary": "s", "description": {"type": "doc", "content": [{"type": "text", "text": "t"}]},
        "reporter": {"emailAddress": "a@x"}, "created": "2024-03-04T09:30:00.000+0000",
        "comment": {"comments": [{"id": "1", "author": {"accountId": "q"}, "body": "b", "created": "2024-03-04T09:30:00.000+0000"}]}}}]}"#;
    const CSV: &str = "Summary,Issue key,Reporter,Created,Description,Comment,Comment\ns,A-1,r,04/Mar/24 9:30 AM,\"multi\nline\",\"04/Mar/24 9:31 AM;acc;body\",\nt,A-2,r,x,d,,\n";
    const XML: &str = "<rss><channel><item><key>A-1</key><summary>s</summary><description>&lt;p&gt;d&#65;&lt;/p&gt;</description><reporter accountid=\"q\">R</reporter><comments><comment id=\"1\" author=\"q\" created=\"Mon, 4 Mar 2024 10:22:31 +0000\">c</comment></comments></item></channel></rss>";

    #[test]
    fn samples_give_their_records() {
        assert_eq!(collect(Shape::Json, JSON.as_bytes()), 2);
        assert_eq!(collect(Shape::Csv, CSV.as_bytes()), 3);
        assert_eq!(collect(Shape::Xml, XML.as_bytes()), 2);
    }

    fn mutate(base: &str, cut: usize, flips: &[(usize, u8)]) -> Vec<u8> {
        let mut raw = base.as_bytes().to_vec();
        raw.truncate(cut.min(raw.len()));
        for &(at, byte) in flips {
            if at < raw.len() {
                raw[at] = byte;
            }
        }
        raw
    }

    proptest! {
        #[test]
        fn parsers_survive_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..1500)) {
            for shape in [Shape::Json, Shape::Csv, Shape::Xml] {
                collect(shape, &bytes);
            }
        }

        #[test]
        fn parsers_survive_cuts_and_flips(
            cut in 0usize..700,
            flips in proptest::collection::vec((0usize..700, any::<u8>()), 0..6),
        ) {
            collect(Shape::Json, &mutate(JSON, cut, &flips));
            collect(Shape::Csv, &mutate(CSV, cut, &flips));
            collect(Shape::Xml, &mutate(XML, cut, &flips));
        }

        #[test]
        fn times_never_panic(s in "\\PC{0,40}") {
            jira_time(&s);
        }
    }
}
