//! Logs: rotated `.gz` logs and `.zip` archives are read through (paths
//! `a.zip!/inner`), JSON-lines logs, Authorization headers and basic-auth
//! URLs; a corrupt gzip and a truncated zip are reported and the rest kept.

use std::io::Write;

use flate2::write::GzEncoder;
use flate2::Compression;

use crate::harness::{tokens, Env, Run};

fn gzip(text: &str) -> Vec<u8> {
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    gz.write_all(text.as_bytes()).unwrap();
    gz.finish().unwrap()
}

fn zip_of(files: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in files {
        z.start_file(*name, opts).unwrap();
        z.write_all(bytes).unwrap();
    }
    z.finish().unwrap().into_inner()
}

fn only(run: &Run, secret: &str) -> serde_json::Value {
    let found = run.with_secret(secret);
    assert_eq!(found.len(), 1, "{secret} once\n{run}");
    found.into_iter().next().unwrap()
}

fn json_log(lines: usize, at: usize, planted: &str) -> String {
    let mut out = String::new();
    for i in 0..lines {
        if i == at {
            out += planted;
        } else {
            out += &format!(
                "{{\"ts\":\"2024-03-05T10:{:02}:00Z\",\"level\":\"info\",\"msg\":\"GET /health\",\"status\":200}}",
                i % 60
            );
        }
        out.push('\n');
    }
    out
}

#[test]
fn logs_rotated_gzip_json_lines_with_authorization_header() {
    let env = Env::new();
    let pat = tokens::github_pat(401);
    let planted = format!(
        "{{\"ts\":\"2024-03-05T10:07:00Z\",\"level\":\"debug\",\"req\":{{\"headers\":{{\"Authorization\":\"token {pat}\"}}}}}}"
    );
    env.write("var/log/app.log.1.gz", gzip(&json_log(500, 321, &planted)));
    env.write("var/log/app.log", json_log(10, 99, ""));
    let run = env.scan(&["var"]);
    let f = only(&run, &pat);
    assert_eq!(f["path"], "log/app.log.1.gz");
    assert_eq!(f["line"], 322);
    assert_eq!(f["source"], "file");
}

#[test]
fn logs_zip_archive_entries_and_nested_gzip() {
    let env = Env::new();
    let a = tokens::gitlab_pat(402);
    let b = tokens::slack_bot(403);
    let c = tokens::github_pat(404);
    let inner = zip_of(&[("deep.txt", format!("x\n{c}\n").into_bytes())]);
    let bytes = zip_of(&[
        (
            "logs/web.log",
            format!("line\nAuthorization: Bearer {a}\n").into_bytes(),
        ),
        (
            "logs/old/web.log.2.gz",
            gzip(&format!("a\nb\nSLACK_TOKEN={b}\n")),
        ),
        ("bundle.zip", inner),
    ]);
    env.write("support/bundle-2024-03-05.zip", bytes);
    let run = env.scan(&["support"]);
    let f = only(&run, &a);
    assert_eq!(f["path"], "bundle-2024-03-05.zip!/logs/web.log");
    assert_eq!(f["line"], 2);
    let f = only(&run, &b);
    assert_eq!(f["path"], "bundle-2024-03-05.zip!/logs/old/web.log.2.gz");
    assert_eq!(f["line"], 3);
    let f = only(&run, &c);
    assert_eq!(f["path"], "bundle-2024-03-05.zip!/bundle.zip!/deep.txt");
    assert_eq!(f["line"], 2);
}

#[test]
fn logs_basic_auth_url_password() {
    let env = Env::new();
    env.write(
        "worker.log",
        "2024-03-05 10:00:01 INFO cloning https://deploy:Zk3vQ9pL2xW7mN@git.acme-corp.io/ops/infra.git\n",
    );
    let run = env.scan(&["worker.log"]);
    let f = only(&run, "Zk3vQ9pL2xW7mN");
    assert_eq!(f["rule"], "generic.url_password");
    assert_eq!(f["column"], 49);
}

#[test]
fn logs_corrupt_gzip_is_reported_and_other_files_scanned() {
    let env = Env::new();
    let early = tokens::github_pat(410);
    let late = tokens::gitlab_pat(411);
    let mut gz = gzip(&format!("{early}\n{}", "filler line\n".repeat(20000)));
    let mid = gz.len() / 2;
    for byte in &mut gz[mid..mid + 64] {
        *byte ^= 0x5a;
    }
    env.write("app.log.3.gz", gz);
    env.write("app.log", format!("ok {late}\n"));
    let run = env.scan(&["."]);
    assert_eq!(run.code, 1, "{run}");
    assert!(run.stderr.contains("app.log.3.gz: "), "{run}");
    assert!(run.stderr.contains("findings before it kept"), "{run}");
    assert_eq!(
        run.with_secret(&early).len(),
        1,
        "found before the damage: {run}"
    );
    assert_eq!(run.with_secret(&late).len(), 1, "{run}");
}

#[test]
fn logs_truncated_zip_keeps_the_entries_before_the_cut() {
    let env = Env::new();
    let a = tokens::github_pat(420);
    let b = tokens::gitlab_pat(421);
    let bytes = zip_of(&[
        ("first.log", format!("{a}\n").into_bytes()),
        (
            "second.log",
            format!("{}\n{b}\n", "pad ".repeat(5000)).into_bytes(),
        ),
    ]);
    // Cut three quarters in: the central directory is lost.
    let cut = bytes.len() * 3 / 4;
    env.write("logs.zip", &bytes[..cut]);
    let run = env.scan(&["logs.zip"]);
    assert!(run.stderr.contains("logs.zip: "), "{run}");
    assert!(run.stderr.contains("corrupt zip"), "{run}");
    let f = only(&run, &a);
    assert_eq!(f["path"], "logs.zip!/first.log");
}
