//! Bad input: named on stderr, counted, and the rest is still scanned.

use crate::harness::{tokens, Env};

#[test]
fn binary_junk_is_skipped_and_counted_unless_scan_binary() {
    let env = Env::new();
    let pat = tokens::github_pat(20);
    let mut junk = b"\x7fELF\x02\x01\x01\0\0\0".to_vec();
    junk.extend((0..5000u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8));
    junk.extend(format!(" {pat} ").as_bytes());
    env.write("bin/tool", &junk);
    env.write("ok.txt", format!("t={}\n", tokens::slack_bot(21)));
    let run = env.scan(&["."]);
    assert_eq!(run.code, 1, "{run}");
    assert!(run.with_secret(&pat).is_empty(), "{run}");
    assert!(run.stderr.contains("1 binary file skipped"), "{run}");
    let with = env.run(&[
        "scan",
        "--format",
        "jsonl",
        "--show-secrets",
        "--no-store",
        "--scan-binary",
        ".",
    ]);
    assert_eq!(with.with_secret(&pat).len(), 1, "{with}");
}

#[test]
fn invalid_utf8_around_a_token_is_scanned() {
    let env = Env::new();
    let pat = tokens::github_pat(22);
    let mut bytes = b"\xc3\x28\xa0\xa1 latin1 caf\xe9\n".to_vec();
    bytes.extend(format!("token={pat}\n").as_bytes());
    bytes.extend(b"\xff\xfe tail\n");
    env.write("mixed.txt", bytes);
    let run = env.scan(&["mixed.txt"]);
    let f = run.with_secret(&pat);
    assert_eq!(f.len(), 1, "{run}");
    assert_eq!(f[0]["line"], 2);
}

#[test]
fn a_single_100_mb_line_is_streamed_with_tokens_found_once() {
    let env = Env::new();
    let a = tokens::github_pat(23);
    let b = tokens::github_pat(24);
    let size = 100 << 20;
    let mut line = Vec::with_capacity(size + 200);
    while line.len() < size / 2 {
        line.extend_from_slice(b"{\"k\":\"v\",\"n\":12345},");
    }
    line.extend(format!("\"auth\":\"{a}\",").as_bytes());
    while line.len() < size {
        line.extend_from_slice(b"{\"k\":\"v\",\"n\":12345},");
    }
    line.extend(format!("\"last\":\"{b}\"").as_bytes());
    env.write("huge.json", &line);
    let run = env.scan(&["huge.json"]);
    assert_eq!(run.with_secret(&a).len(), 1, "{}", run.stderr);
    let last = run.with_secret(&b);
    assert_eq!(last.len(), 1, "{}", run.stderr);
    assert_eq!(last[0]["line"], 1);
    assert_eq!(
        last[0]["column"].as_u64().unwrap() as usize,
        line.len() - b.len()
    );
}

#[cfg(unix)]
#[test]
fn permission_denied_is_named_and_counted() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    let p = env.write(
        "secret/locked.env",
        format!("T={}\n", tokens::github_pat(25)),
    );
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&p).is_ok() {
        eprintln!("skipped permission_denied_is_named_and_counted: running as root, permissions are not enforced");
        return;
    }
    let pat = tokens::github_pat(26);
    env.write("open.env", format!("T={pat}\n"));
    let run = env.scan(&["."]);
    assert_eq!(run.code, 1, "{run}");
    assert_eq!(run.with_secret(&pat).len(), 1);
    assert!(
        run.stderr.contains("locked.env") && run.stderr.contains("ermission denied"),
        "{run}"
    );
    assert!(run.stderr.contains("1 unreadable"), "{run}");
}

#[cfg(unix)]
#[test]
fn symlink_loop_is_reported_when_following() {
    let env = Env::new();
    std::fs::create_dir_all(env.path("a/b")).unwrap();
    std::os::unix::fs::symlink(env.path("a"), env.path("a/b/loop")).unwrap();
    let pat = tokens::github_pat(27);
    env.write("a/b/c.txt", format!("T={pat}\n"));
    let plain = env.scan(&["."]);
    assert_eq!(plain.with_secret(&pat).len(), 1, "{plain}");
    let follow = env.run(&[
        "scan",
        "--format",
        "jsonl",
        "--show-secrets",
        "--no-store",
        "-L",
        ".",
    ]);
    assert_eq!(follow.with_secret(&pat).len(), 1, "{follow}");
    assert!(follow.stderr.contains("symlink loop"), "{follow}");
    assert_eq!(follow.code, 1);
}

#[cfg(unix)]
#[test]
fn fifo_is_skipped_not_hung_on() {
    let env = Env::new();
    let fifo = env.path("pipe");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(status.success());
    let pat = tokens::github_pat(28);
    env.write("next.txt", format!("T={pat}\n"));
    let run = env.scan(&["."]);
    assert_eq!(run.with_secret(&pat).len(), 1, "{run}");
    assert!(run.stderr.contains("1 not a regular file"), "{run}");
    // Named explicitly on the command line, too.
    let named = env.scan(&["pipe", "next.txt"]);
    assert_eq!(named.with_secret(&pat).len(), 1, "{named}");
}

#[test]
fn corrupt_gzip_is_named_and_findings_before_the_damage_are_kept() {
    use std::io::Write;
    let env = Env::new();
    let pat = tokens::github_pat(29);
    let mut text = format!("T={pat}\n").into_bytes();
    // Incompressible filler, so that truncation cuts the deflate stream.
    text.extend((0..400_000u32).map(|i| b'a' + ((i.wrapping_mul(2654435761) >> 7) % 26) as u8));
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&text).unwrap();
    let mut bytes = gz.finish().unwrap();
    bytes.truncate(bytes.len() * 2 / 3);
    env.write("app.log.2.gz", &bytes);
    env.write("not-gzip.gz", b"this is not gzip at all");
    let other = tokens::github_pat(30);
    env.write("fine.txt", format!("T={other}\n"));
    let run = env.scan(&["."]);
    assert_eq!(run.code, 1, "{run}");
    assert_eq!(run.with_secret(&pat).len(), 1, "{run}");
    assert_eq!(run.with_secret(&other).len(), 1, "{run}");
    assert!(run.stderr.contains("app.log.2.gz"), "{run}");
    assert!(run.stderr.contains("not-gzip.gz"), "{run}");
    assert!(run.stderr.contains("2 errors"), "{run}");
}

#[test]
fn a_missing_path_is_a_usage_error() {
    let env = Env::new();
    let run = env.scan(&["does-not-exist"]);
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.contains("does-not-exist"), "{run}");
}
