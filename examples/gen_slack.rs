//! Writes a reproducible, realistic Slack workspace export for benchmarks:
//! the unpacked directory and the same export as a .zip.
//!
//!     cargo run --release --example gen_slack -- DIR [MEGABYTES] [SEED]
//!
//! DIR gets users.json, channels.json and one folder per channel with a day
//! file per day: messages with `text` and the same text in `blocks`, user
//! profiles, thread parents and replies, bot messages, edits, attachments,
//! as Slack writes them (indent 4, `/` escaped). About one message in 5000
//! carries a built-in rule example. DIR.zip holds the same files (deflate).
//! MEGABYTES (default 1024) is the size of the unpacked day files.

#[path = "../benches/corpus/mod.rs"]
mod corpus;

use std::io::Write;
use std::path::PathBuf;

use serde_json::{json, Value};

const WORDS: &[&str] = &[
    "deploy",
    "the",
    "build",
    "is",
    "green",
    "again",
    "rollback",
    "prod",
    "staging",
    "who",
    "owns",
    "this",
    "alert",
    "pager",
    "fired",
    "at",
    "night",
    "please",
    "review",
    "my",
    "PR",
    "merged",
    "ticket",
    "latency",
    "p99",
    "went",
    "up",
    "after",
    "release",
    "cache",
    "miss",
    "rate",
    "db",
    "migration",
    "done",
    "lunch",
    "anyone",
    "coffee",
    "meeting",
    "moved",
    "to",
    "Thursday",
    "thanks",
    "fixed",
    "in",
    "main",
    "k8s",
    "pod",
    "restarts",
    "OOM",
    "limits",
    "bumped",
    "memory",
    "logs",
    "show",
    "timeouts",
    "from",
    "billing-api",
    "retry",
    "with",
    "backoff",
    "LGTM",
    "ship",
    "it",
];

fn sentence(rng: &mut corpus::Rng, out: &mut String) {
    let n = 6 + rng.below(30);
    for i in 0..n {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(rng.pick::<&str>(WORDS));
    }
    if rng.below(4) == 0 {
        out.push_str(&format!(
            " https://ci.acme.example/builds/{}",
            rng.next() % 100000
        ));
    }
}

fn slack_json(v: &Value) -> String {
    let mut buf = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
    serde::Serialize::serialize(v, &mut ser).expect("serialize");
    String::from_utf8(buf).expect("utf-8").replace('/', "\\/") + "\n"
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(
        args.next()
            .expect("usage: gen_slack DIR [MEGABYTES] [SEED]"),
    );
    let megabytes: usize = args
        .next()
        .map_or(1024, |s| s.parse().expect("MEGABYTES is a number"));
    let seed: u64 = args
        .next()
        .map_or(42, |s| s.parse().expect("SEED is a number"));
    let rules = sprawl::rules::RuleSet::builtin().expect("built-in rules");
    let examples: Vec<&str> = rules
        .rules()
        .iter()
        .flat_map(|r| r.spec.examples.iter().map(String::as_str))
        .filter(|e| !e.contains('\n'))
        .collect();
    let mut rng = corpus::Rng::new(seed);
    let users: Vec<(String, String)> = (0..200)
        .map(|i| (format!("U{:08}", 10_000_000 + i), format!("user{i}")))
        .collect();
    let channels: Vec<String> = (0..40).map(|i| format!("team-{i:02}")).collect();
    std::fs::create_dir_all(&dir)?;
    let mut files: Vec<(String, String)> = Vec::new();
    files.push((
        "users.json".into(),
        slack_json(&Value::Array(
            users
                .iter()
                .map(|(id, name)| {
                    json!({"id": id, "team_id": "T0ACME", "name": name, "deleted": false,
                        "real_name": name, "is_bot": false,
                        "profile": {"real_name": name, "display_name": name, "email": format!("{name}@acme.example")}})
                })
                .collect(),
        )),
    ));
    files.push((
        "channels.json".into(),
        slack_json(&Value::Array(
            channels
                .iter()
                .enumerate()
                .map(|(i, name)| json!({"id": format!("C{:08}", i), "name": name, "created": 1_690_000_000, "members": []}))
                .collect(),
        )),
    ));
    for (rel, text) in &files {
        std::fs::write(dir.join(rel), text)?;
    }
    let target = megabytes << 20;
    let (mut written, mut day_files, mut planted) = (0usize, 0usize, 0usize);
    let mut day = 0u64;
    let mut text = String::new();
    while written < target {
        for channel in &channels {
            let mut messages = Vec::new();
            let count = 50 + rng.below(250);
            let mut ts = 1_704_067_200 + day * 86_400 + 8 * 3600;
            let mut parent: Option<String> = None;
            for seq in 0..count {
                ts += 1 + rng.next() % 120;
                let ts_s = format!("{ts}.{:06}", seq * 100);
                text.clear();
                sentence(&mut rng, &mut text);
                if rng.below(5_000) == 0 {
                    text.push(' ');
                    text.push_str(rng.pick::<&str>(&examples));
                    planted += 1;
                }
                let (uid, name) = rng.pick(&users).clone();
                let mut m = json!({
                    "client_msg_id": format!("{:016x}-{:04x}", rng.next(), seq),
                    "type": "message", "text": text, "user": uid, "ts": ts_s,
                    "blocks": [{"type": "rich_text", "block_id": format!("{:05x}", rng.next() % 0xfffff),
                        "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}]}],
                    "team": "T0ACME", "user_team": "T0ACME", "source_team": "T0ACME",
                    "user_profile": {"avatar_hash": format!("{:012x}", rng.next() % (1 << 48)),
                        "image_72": "https://avatars.slack-edge.com/2024-01-01/72.png",
                        "first_name": name, "real_name": name, "display_name": name, "team": "T0ACME", "name": name}
                });
                match rng.below(10) {
                    0 => {
                        m["thread_ts"] = json!(ts_s);
                        m["reply_count"] = json!(1);
                        parent = Some(ts_s.clone());
                    }
                    1 => {
                        if let Some(p) = &parent {
                            m["thread_ts"] = json!(p);
                            m["parent_user_id"] = json!(users[0].0);
                        }
                    }
                    2 => m["edited"] = json!({"user": uid, "ts": format!("{}.000000", ts + 30)}),
                    3 => {
                        let mut a = String::new();
                        sentence(&mut rng, &mut a);
                        m["attachments"] = json!([{"fallback": a, "text": a, "title": "build log", "color": "36a64f"}]);
                    }
                    _ => {}
                }
                messages.push(m);
            }
            let body = slack_json(&Value::Array(messages));
            let date = time::Date::from_julian_day(2_460_311 + day as i32).expect("date");
            let rel = format!("{channel}/{date}.json");
            std::fs::create_dir_all(dir.join(channel))?;
            std::fs::write(dir.join(&rel), &body)?;
            written += body.len();
            day_files += 1;
            files.push((rel, String::new()));
            if written >= target {
                break;
            }
        }
        day += 1;
    }
    // The same export as a zip, entry by entry.
    let zip_path = dir.with_extension("zip");
    let mut z = zip::ZipWriter::new(std::fs::File::create(&zip_path)?);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1));
    for (rel, _) in &files {
        z.start_file(rel.as_str(), opts)?;
        z.write_all(&std::fs::read(dir.join(rel))?)?;
    }
    z.finish()?;
    eprintln!(
        "wrote {day_files} day files, {} MB, {planted} planted examples, to {} and {}",
        written >> 20,
        dir.display(),
        zip_path.display()
    );
    Ok(())
}
