//! `sprawl scan` over files, directories, stdin and compressed files.

use crate::harness::{tokens, Env};

#[test]
fn finds_tokens_in_hidden_and_ignored_files_but_not_git_internals() {
    let env = Env::new();
    let pat = tokens::github_pat(1);
    let slack = tokens::slack_bot(2);
    let inside_git = tokens::gitlab_pat(3);
    env.write(".gitignore", ".env\n");
    env.write(".env", format!("# local\nGITHUB_TOKEN={pat}\n"));
    env.write(
        ".config/notify.yaml",
        format!("slack:\n  token: \"{slack}\"\n"),
    );
    env.write(
        ".git/config",
        format!(
            "[remote \"origin\"]\n\turl = https://oauth2:{inside_git}@gitlab.example.org/x.git\n"
        ),
    );
    let run = env.scan(&["."]);
    assert_eq!(run.code, 1, "{run}");
    let f = run.with_secret(&pat);
    assert_eq!(f.len(), 1, "{run}");
    assert_eq!(f[0]["path"], ".env");
    assert_eq!(f[0]["line"], 2);
    assert_eq!(f[0]["rule"], "github.pat.classic");
    assert_eq!(f[0]["source"], "file");
    assert_eq!(f[0]["claims"]["kind"], "github.pat.classic");
    let s = run.with_secret(&slack);
    assert_eq!(s.len(), 1, "{run}");
    assert_eq!(s[0]["path"], ".config/notify.yaml");
    assert!(
        run.findings()
            .iter()
            .all(|f| !f["path"].as_str().unwrap().starts_with(".git/")),
        "{run}"
    );
}

#[test]
fn github_token_with_a_wrong_checksum_is_not_reported() {
    let env = Env::new();
    let pat = tokens::github_pat(4);
    let mut wrong = pat.clone();
    let last = wrong.pop().unwrap();
    wrong.push(if last == 'a' { 'b' } else { 'a' });
    env.write("a.txt", format!("good={pat}\nbad={wrong}\n"));
    let run = env.scan(&["a.txt"]);
    assert_eq!(run.with_secret(&pat).len(), 1, "{run}");
    assert!(run.with_secret(&wrong).is_empty(), "{run}");
}

#[test]
fn every_read_path_agrees_file_stdin_and_gzip() {
    use std::io::Write;
    let env = Env::new();
    let pat = tokens::github_pat(5);
    let text = format!("line one\nline two\n  export GITHUB_TOKEN={pat}\n");
    env.write("plain.log", &text);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text.as_bytes()).unwrap();
    env.write("rotated.log.1.gz", gz.finish().unwrap());
    let files = env.scan(&["."]);
    let piped = env.run_stdin(
        &[
            "scan",
            "--format",
            "jsonl",
            "--show-secrets",
            "--no-store",
            "-",
        ],
        Some(text.as_bytes()),
    );
    let mut seen = Vec::new();
    for f in files
        .with_secret(&pat)
        .into_iter()
        .chain(piped.with_secret(&pat))
    {
        seen.push((
            f["source"].as_str().unwrap().to_string(),
            f["path"].as_str().unwrap().to_string(),
            f["line"].as_u64().unwrap(),
            f["column"].as_u64().unwrap(),
        ));
    }
    seen.sort();
    assert_eq!(
        seen,
        vec![
            ("file".into(), "plain.log".into(), 3, 23),
            ("file".into(), "rotated.log.1.gz".into(), 3, 23),
            ("stdin".into(), "-".into(), 3, 23),
        ],
        "{files}\n{piped}"
    );
}

#[test]
fn utf16_files_are_transcoded_and_scanned() {
    let env = Env::new();
    let pat = tokens::github_pat(6);
    let text = format!("$env:GH = \"{pat}\"\r\n");
    let bytes: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    env.write("setup.ps1", bytes);
    let run = env.scan(&["."]);
    assert_eq!(run.with_secret(&pat).len(), 1, "{run}");
}

#[test]
fn threads_option_gives_the_same_findings() {
    let env = Env::new();
    for i in 0..40 {
        env.write(
            &format!("d{}/f{i}.txt", i % 5),
            format!("x\ntoken: {}\n", tokens::slack_bot(100 + i)),
        );
    }
    let one = env.run(&["scan", "--format", "jsonl", "--no-store", "-j", "1", "."]);
    let two = env.run(&["scan", "--format", "jsonl", "--no-store", "-j", "2", "."]);
    assert_eq!(one.findings().len(), 40, "{one}");
    assert_eq!(one.stdout, two.stdout);
}

#[test]
fn same_token_in_three_places_is_sprawled() {
    let env = Env::new();
    let pat = tokens::github_pat(7);
    for name in ["a.env", "b.env", "c.env"] {
        env.write(name, format!("T={pat}\n"));
    }
    let run = env.scan(&["."]);
    for f in run.with_secret(&pat) {
        let flags: Vec<&str> = f["lifecycle"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["flag"].as_str().unwrap())
            .collect();
        assert!(flags.contains(&"sprawled"), "{run}");
        assert_eq!(f["severity"], "critical");
    }
}
