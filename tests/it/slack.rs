//! `--slack`: a multi-channel workspace export (threads, bots, edits,
//! attachments, a private channel, a DM), unpacked and zipped, with exact
//! provenance; and the bad exports: a malformed day file, a missing
//! users.json, a truncated zip.

use std::io::Write;
use std::path::Path;

use serde_json::{json, Value};

use crate::harness::{tokens, Env};

/// Slack escapes `/` as `\/` and indents by 4.
fn slack_json(v: &Value) -> String {
    let mut buf = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
    serde::Serialize::serialize(v, &mut ser).unwrap();
    String::from_utf8(buf).unwrap().replace('/', "\\/") + "\n"
}

fn msg(user: &str, ts: &str, text: &str) -> Value {
    json!({
        "client_msg_id": "0b9a0c1e-8f7d-4b6a-9c2e-1f3a5b7c9d0e",
        "type": "message",
        "text": text,
        "user": user,
        "ts": ts,
        "blocks": [{"type": "rich_text", "block_id": "Xy1Z", "elements": [
            {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}]}],
        "team": "T024ACME1",
        "user_profile": {"real_name": "Someone", "name": "someone"}
    })
}

struct Workspace {
    files: Vec<(String, String)>,
}

/// Tokens planted in [`workspace`], with where each must be reported.
struct Planted {
    token: String,
    channel: &'static str,
    user: &'static str,
    email: Option<&'static str>,
    timestamp: &'static str,
    message_ts: &'static str,
    path: &'static str,
}

fn workspace() -> (Workspace, Vec<Planted>) {
    let pat = tokens::github_pat(101);
    let bot = tokens::slack_bot(102);
    let edited = tokens::gitlab_pat(103);
    let attach = tokens::github_pat(104);
    let private = tokens::gitlab_pat(105);
    let dm = tokens::slack_bot(106);
    let file_preview = tokens::github_pat(107);
    let reply = tokens::gitlab_pat(108);

    let users = json!([
        {"id": "U01ALICE", "name": "alice", "profile": {"email": "alice@acme.example", "real_name": "Alice"}},
        {"id": "U02BOB", "name": "bob", "profile": {"email": "bob@acme.example"}},
        {"id": "U03NOMAIL", "name": "guest", "profile": {"real_name": "Guest"}},
        {"id": "U04DEPLOY", "name": "deploybot", "is_bot": true, "profile": {"bot_id": "B04DEPLOY"}}
    ]);
    let channels = json!([
        {"id": "C01DEPLOY", "name": "deploys", "members": ["U01ALICE", "U02BOB"]},
        {"id": "C02GENERAL", "name": "general", "members": ["U01ALICE"]}
    ]);
    let groups = json!([{"id": "G01SEC", "name": "sec-private"}]);
    let dms = json!([{"id": "D01ALBOB", "members": ["U01ALICE", "U02BOB"]}]);

    let mut parent = msg("U01ALICE", "1709543700.000100", "who has the mirror token?");
    parent["thread_ts"] = json!("1709543700.000100");
    parent["replies"] = json!([{"user": "U02BOB", "ts": "1709543760.000200"}]);
    parent["reply_count"] = json!(1);
    let mut thread_reply = msg("U02BOB", "1709543760.000200", &format!("here: {reply}"));
    thread_reply["thread_ts"] = json!("1709543700.000100");
    thread_reply["parent_user_id"] = json!("U01ALICE");
    let bot_msg = json!({"type": "message", "subtype": "bot_message", "bot_id": "B04DEPLOY",
        "username": "deploybot", "ts": "1709543800.000300", "text": format!("deployed with {bot}")});
    let mut edit = msg("U02BOB", "1709543900.000400", "fixed, removed the token");
    edit["edited"] = json!({"user": "U02BOB", "ts": "1709543950.000000"});
    let changed = json!({"type": "message", "subtype": "message_changed", "ts": "1709543950.000500",
        "message": {"type": "message", "user": "U02BOB", "text": "fixed", "ts": "1709543900.000400"},
        "previous_message": {"type": "message", "user": "U02BOB", "text": format!("try {edited}"), "ts": "1709543900.000400"}});
    let mut with_attachment = msg("U01ALICE", "1709630000.000600", "see the CI log");
    with_attachment["attachments"] = json!([{"fallback": "CI log", "title": "build #88",
        "text": format!("export GITHUB_TOKEN={attach}"), "fields": [{"title": "env", "value": "prod"}]}]);
    let mut with_file = msg("U03NOMAIL", "1709630100.000700", "uploaded the env file");
    with_file["files"] = json!([{"id": "F01ENV", "name": ".env", "title": "prod env",
        "mimetype": "text/plain", "preview": format!("GH={file_preview}\nDEBUG=0")}]);

    let files = vec![
        ("users.json".to_string(), slack_json(&users)),
        ("channels.json".to_string(), slack_json(&channels)),
        ("groups.json".to_string(), slack_json(&groups)),
        ("dms.json".to_string(), slack_json(&dms)),
        ("mpims.json".to_string(), slack_json(&json!([]))),
        (
            "deploys/2024-03-04.json".to_string(),
            slack_json(&json!([
                msg("U01ALICE", "1709543640.000050", &format!("new PAT {pat}")),
                parent,
                thread_reply,
                bot_msg,
                edit,
                changed
            ])),
        ),
        (
            "general/2024-03-05.json".to_string(),
            slack_json(&json!([with_attachment, with_file])),
        ),
        (
            "sec-private/2024-03-05.json".to_string(),
            slack_json(&json!([msg(
                "U02BOB",
                "1709631000.000800",
                &format!("{private} rotate pls")
            )])),
        ),
        (
            "D01ALBOB/2024-03-06.json".to_string(),
            slack_json(&json!([msg(
                "U01ALICE",
                "1709717400.000900",
                &format!("dm: {dm}")
            )])),
        ),
    ];
    let p = |token: &String, channel, user, email, timestamp, message_ts, path| Planted {
        token: token.clone(),
        channel,
        user,
        email,
        timestamp,
        message_ts,
        path,
    };
    let d = "deploys/2024-03-04.json";
    let planted = vec![
        p(
            &pat,
            "deploys",
            "U01ALICE",
            Some("alice@acme.example"),
            "2024-03-04T09:14:00.00005Z",
            "1709543640.000050",
            d,
        ),
        p(
            &reply,
            "deploys",
            "U02BOB",
            Some("bob@acme.example"),
            "2024-03-04T09:16:00.0002Z",
            "1709543760.000200",
            d,
        ),
        p(
            &bot,
            "deploys",
            "B04DEPLOY",
            None,
            "2024-03-04T09:16:40.0003Z",
            "1709543800.000300",
            d,
        ),
        p(
            &edited,
            "deploys",
            "U02BOB",
            Some("bob@acme.example"),
            "2024-03-04T09:19:10.0005Z",
            "1709543950.000500",
            d,
        ),
        p(
            &attach,
            "general",
            "U01ALICE",
            Some("alice@acme.example"),
            "2024-03-05T09:13:20.0006Z",
            "1709630000.000600",
            "general/2024-03-05.json",
        ),
        p(
            &file_preview,
            "general",
            "U03NOMAIL",
            None,
            "2024-03-05T09:15:00.0007Z",
            "1709630100.000700",
            "general/2024-03-05.json",
        ),
        p(
            &private,
            "sec-private",
            "U02BOB",
            Some("bob@acme.example"),
            "2024-03-05T09:30:00.0008Z",
            "1709631000.000800",
            "sec-private/2024-03-05.json",
        ),
        p(
            &dm,
            "D01ALBOB",
            "U01ALICE",
            Some("alice@acme.example"),
            "2024-03-06T09:30:00.0009Z",
            "1709717400.000900",
            "D01ALBOB/2024-03-06.json",
        ),
    ];
    (Workspace { files }, planted)
}

impl Workspace {
    fn write_dir(&self, env: &Env, dir: &str) {
        for (rel, text) in &self.files {
            env.write(&format!("{dir}/{rel}"), text);
        }
    }

    fn zip_bytes(&self) -> Vec<u8> {
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let mut dirs = std::collections::BTreeSet::new();
        for (rel, text) in &self.files {
            if let Some((dir, _)) = rel.rsplit_once('/') {
                if dirs.insert(dir.to_string()) {
                    z.add_directory(dir, opts).unwrap();
                }
            }
            z.start_file(rel.as_str(), opts).unwrap();
            z.write_all(text.as_bytes()).unwrap();
        }
        z.finish().unwrap().into_inner()
    }
}

fn check(run: &crate::harness::Run, planted: &[Planted], path_prefix: &str) {
    assert_eq!(run.code, 1, "{run}");
    for p in planted {
        let found = run.with_secret(&p.token);
        assert_eq!(found.len(), 1, "{} once\n{run}", p.token);
        let f = &found[0];
        assert_eq!(f["source"], "slack", "{f}");
        assert_eq!(f["channel"], p.channel, "{f}");
        assert_eq!(f["user"], p.user, "{f}");
        assert_eq!(f["author_email"], json!(p.email), "{f}");
        assert_eq!(f["timestamp"], p.timestamp, "{f}");
        assert_eq!(f["message_ts"], p.message_ts, "{f}");
        assert_eq!(f["path"], format!("{path_prefix}{}", p.path), "{f}");
        let line = f["line"].as_u64().unwrap();
        assert!(line > 1, "line {line} in {f}");
    }
    assert_eq!(run.findings().len(), planted.len(), "{run}");
}

#[test]
fn slack_export_directory_with_exact_provenance() {
    let env = Env::new();
    let (ws, planted) = workspace();
    ws.write_dir(&env, "export");
    let run = env.scan(&["--slack", "export"]);
    check(&run, &planted, "");
    assert!(!run.stderr.contains("error"), "{run}");
}

#[test]
fn slack_export_zip_with_exact_provenance() {
    let env = Env::new();
    let (ws, planted) = workspace();
    env.write("acme.zip", ws.zip_bytes());
    let run = env.scan(&["--slack", "acme.zip"]);
    check(&run, &planted, "acme.zip!/");
}

#[test]
fn slack_zip_with_a_top_folder() {
    let env = Env::new();
    let (mut ws, planted) = workspace();
    for f in &mut ws.files {
        f.0 = format!("Acme Slack export/{}", f.0);
    }
    env.write("acme.zip", ws.zip_bytes());
    let run = env.scan(&["--slack", "acme.zip"]);
    check(&run, &planted, "acme.zip!/Acme Slack export/");
}

#[test]
fn slack_thread_reply_keeps_thread_ts() {
    let env = Env::new();
    let (ws, planted) = workspace();
    ws.write_dir(&env, "export");
    let run = env.scan(&["--slack", "export"]);
    let reply = &run.with_secret(&planted[1].token)[0];
    assert_eq!(reply["thread_ts"], "1709543700.000100", "{reply}");
    let top = &run.with_secret(&planted[0].token)[0];
    assert!(top.get("thread_ts").is_none(), "{top}");
}

#[test]
fn slack_malformed_day_file_is_named_and_the_rest_scanned() {
    let env = Env::new();
    let (ws, planted) = workspace();
    ws.write_dir(&env, "export");
    let early = tokens::github_pat(120);
    let bad = format!(
        "[\n    {{\"type\": \"message\", \"user\": \"U01ALICE\", \"ts\": \"1709800000.000100\", \"text\": \"{early}\"}},\n    {{\"type\": \"message\", \"user\": "
    );
    env.write("export/general/2024-03-07.json", bad);
    let run = env.scan(&["--slack", "export"]);
    assert_eq!(run.code, 1, "{run}");
    assert!(
        run.stderr
            .contains("general/2024-03-07.json: malformed day file: EOF while parsing"),
        "{run}"
    );
    assert!(run.stderr.contains("line 3 column"), "{run}");
    assert!(run.stderr.contains("1 malformed export"), "{run}");
    // The message before the error is kept; every other day file is scanned.
    assert_eq!(run.with_secret(&early).len(), 1, "{run}");
    for p in &planted {
        assert_eq!(run.with_secret(&p.token).len(), 1, "{run}");
    }
}

#[test]
fn slack_missing_users_json_still_scans_messages() {
    let env = Env::new();
    let (mut ws, planted) = workspace();
    ws.files.retain(|(rel, _)| rel != "users.json");
    ws.write_dir(&env, "export");
    let run = env.scan(&["--slack", "export"]);
    assert_eq!(run.code, 1, "{run}");
    assert!(run.stderr.contains("no users.json"), "{run}");
    assert!(run.stderr.contains("1 malformed export"), "{run}");
    for p in &planted {
        let f = run.with_secret(&p.token);
        assert_eq!(f.len(), 1, "{run}");
        assert_eq!(f[0]["author_email"], Value::Null);
        assert_eq!(f[0]["user"], p.user);
    }
}

#[test]
fn slack_truncated_zip_is_reported_and_read_as_far_as_it_goes() {
    let env = Env::new();
    let (ws, planted) = workspace();
    let bytes = ws.zip_bytes();
    // Cut inside the central directory: every local entry survives.
    let cut = bytes.len() - 60;
    env.write("cut.zip", &bytes[..cut]);
    let run = env.scan(&["--slack", "cut.zip"]);
    assert_eq!(run.code, 1, "{run}");
    assert!(run.stderr.contains("cut.zip: "), "{run}");
    assert!(run.stderr.contains("corrupt zip"), "{run}");
    for p in &planted {
        let f = run.with_secret(&p.token);
        assert_eq!(f.len(), 1, "{} in {run}", p.token);
        assert_eq!(f[0]["channel"], p.channel);
        assert_eq!(f[0]["author_email"], json!(p.email));
    }
}

#[test]
fn slack_export_path_that_does_not_exist_exits_2() {
    let env = Env::new();
    let run = env.scan(&["--slack", "nope.zip"]);
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.contains("nope.zip"), "{run}");
}

#[test]
fn slack_flag_alone_does_not_scan_the_current_directory() {
    let env = Env::new();
    let (ws, _) = workspace();
    ws.write_dir(&env, "export");
    env.write("stray.txt", tokens::github_pat(130));
    let run = env.scan(&["--slack", "export"]);
    assert!(
        run.with_secret(&tokens::github_pat(130)).is_empty(),
        "{run}"
    );
    assert!(Path::new(&env.path("stray.txt")).exists());
}
