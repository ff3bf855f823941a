//! `sprawl scan --git`: history scans of real repositories built with git2.

use serde_json::Value;

use crate::gitfix::{GitFixture, ALICE, BOB};
use crate::harness::{tokens, Env, Run};

fn scan_git(env: &Env, repo: &str, extra: &[&str]) -> Run {
    let mut args = vec![
        "scan",
        "--format",
        "jsonl",
        "--show-secrets",
        "--no-store",
        "--git",
        repo,
    ];
    args.extend_from_slice(extra);
    env.run(&args)
}

/// The one finding of `secret`, failing with the whole run otherwise.
fn only(run: &Run, secret: &str) -> Value {
    let found = run.with_secret(secret);
    assert_eq!(found.len(), 1, "expected one finding of {secret}\n{run}");
    found.into_iter().next().unwrap()
}

fn assert_origin(
    f: &Value,
    fx: &GitFixture,
    commit: git2::Oid,
    email: &str,
    path: &str,
    line: u64,
) {
    assert_eq!(f["source"], "git", "{f}");
    assert_eq!(f["commit"], commit.to_string(), "{f}");
    assert_eq!(f["author_email"], email, "{f}");
    assert_eq!(f["timestamp"], fx.time_of(commit), "{f}");
    assert_eq!(f["path"], path, "{f}");
    assert_eq!(f["line"], line, "{f}");
}

#[test]
fn every_ref_is_scanned_and_each_blob_attributed_once() {
    let env = Env::new();
    let mut fx = GitFixture::init(&env.path("repo"));
    let removed = tokens::github_pat(10);
    let side = tokens::slack_bot(11);
    let tagged = tokens::gitlab_pat(12);
    let stashed_old = tokens::github_pat(13);
    let stashed_new = tokens::github_pat(14);
    let noted = tokens::slack_bot(15);
    let kept = tokens::gitlab_pat(16);
    let orphaned = tokens::github_pat(17);

    let c1 = fx.commit_files(&ALICE, "initial", &[("README.md", "# app\n")]);
    let c2 = fx.commit_files(
        &ALICE,
        "config",
        &[(
            "config.py",
            &format!("import os\n\nTOKEN = \"{removed}\"\n"),
        )],
    );
    fx.commit_files(
        &BOB,
        "read token from env",
        &[("config.py", "import os\n\nTOKEN = os.environ[\"TOKEN\"]\n")],
    );

    // A side branch never merged: its blob is in two commits.
    fx.branch("feature/notify");
    let c4 = fx.commit_files(
        &BOB,
        "notify",
        &[("deploy/notify.sh", &format!("#!/bin/sh\n\nSLACK={side}\n"))],
    );
    fx.commit_files(&BOB, "docs", &[("README.md", "# app\n\nnotifies\n")]);
    fx.checkout("main");

    // Tagged, then amended: reachable only from the tag.
    let c6 = fx.commit_files(
        &ALICE,
        "mirror",
        &[("ci/mirror.yml", &format!("token: {tagged}\n"))],
    );
    fx.tag("v1.0.0-rc1", &ALICE);
    fx.stage("ci/mirror.yml", "token: $GITLAB_TOKEN\n");
    fx.amend("mirror");

    // Two stashes: the older one lives only in the stash reflog.
    fx.stash(&ALICE, "README.md", &format!("# app\n{stashed_old}\n"));
    fx.stash(&ALICE, "README.md", &format!("# app\n{stashed_new}\n"));

    // A note, and a secret still at HEAD.
    fx.note(&BOB, c1, &format!("reviewed with {noted}\n"));
    let c7 = fx.commit_files(&BOB, "keep", &[("src/keep.env", &format!("K={kept}\n"))]);

    // An orphan branch, tagged lightweight.
    fx.orphan("gh-pages");
    let c8 = fx.commit_files(
        &ALICE,
        "pages",
        &[("index.html", &format!("<!-- {orphaned} -->\n"))],
    );
    fx.lightweight_tag("pages-snapshot", c8);
    fx.checkout("main");

    let run = scan_git(&env, "repo", &[]);
    assert_eq!(run.code, 1, "{run}");

    let f = only(&run, &removed);
    assert_origin(&f, &fx, c2, ALICE.email, "config.py", 3);
    assert_eq!(f["in_head"], false, "{f}");
    let f = only(&run, &side);
    assert_origin(&f, &fx, c4, BOB.email, "deploy/notify.sh", 3);
    let f = only(&run, &tagged);
    assert_origin(&f, &fx, c6, ALICE.email, "ci/mirror.yml", 1);
    let f = only(&run, &kept);
    assert_origin(&f, &fx, c7, BOB.email, "src/keep.env", 1);
    assert_eq!(f["in_head"], true, "{f}");
    let f = only(&run, &orphaned);
    assert_origin(&f, &fx, c8, ALICE.email, "index.html", 1);
    assert_eq!(only(&run, &stashed_old)["line"], 2, "{run}");
    assert_eq!(only(&run, &stashed_new)["path"], "README.md", "{run}");
    only(&run, &noted);
    assert!(run.stderr.contains("scanned"), "{run}");

    let table = env.run(&["scan", "--no-store", "--format", "table", "--git", "repo"]);
    assert!(table.stdout.contains("history only"), "{table}");
    assert!(
        table
            .stdout
            .contains(&format!("config.py:3 @{}", &c2.to_string()[..10])),
        "{table}"
    );
}

#[test]
fn merges_and_renames_keep_the_introducing_commit() {
    let env = Env::new();
    let mut fx = GitFixture::init(&env.path("repo"));
    let secret = tokens::github_pat(20);
    fx.commit_files(&ALICE, "initial", &[("README.md", "# app\n")]);
    fx.branch("topic");
    let introduced = fx.commit_files(
        &BOB,
        "add deploy key",
        &[("old/name.txt", &format!("line one\nkey {secret}\n"))],
    );
    fx.checkout("main");
    fx.commit_files(&ALICE, "unrelated", &[("a.txt", "a\n")]);
    fx.merge(&ALICE, "topic");
    fx.rename("old/name.txt", "new/name.txt");
    fx.commit(&ALICE, "move");

    let run = scan_git(&env, "repo", &[]);
    let f = only(&run, &secret);
    assert_origin(&f, &fx, introduced, BOB.email, "old/name.txt", 2);
    assert_eq!(f["in_head"], true, "{f}");
}

#[test]
fn a_detached_head_and_its_reflog_are_scanned() {
    let env = Env::new();
    let mut fx = GitFixture::init(&env.path("repo"));
    let detached = tokens::gitlab_pat(30);
    let reflog_only = tokens::github_pat(31);
    fx.commit_files(&ALICE, "initial", &[("README.md", "# app\n")]);
    fx.detach();
    fx.commit_files(
        &ALICE,
        "experiment",
        &[("x.txt", &format!("{reflog_only}\n"))],
    );
    // Back to main: that commit is now reachable only from HEAD's reflog.
    fx.checkout("main");
    fx.detach();
    let c = fx.commit_files(&BOB, "detached", &[("y.txt", &format!("{detached}\n"))]);
    let run = scan_git(&env, "repo", &[]);
    assert_eq!(only(&run, &detached)["commit"], c.to_string(), "{run}");
    only(&run, &reflog_only);
}

#[test]
fn bare_clones_are_scanned_from_their_object_database() {
    let env = Env::new();
    let mut fx = GitFixture::init(&env.path("work"));
    let secret = tokens::slack_bot(40);
    let c = fx.commit_files(
        &ALICE,
        "hook",
        &[("hook.env", &format!("SLACK={secret}\n"))],
    );
    let url = env.path("work").display().to_string();
    git2::build::RepoBuilder::new()
        .bare(true)
        .clone(&url, &env.path("bare.git"))
        .expect("bare clone");
    let run = scan_git(&env, "bare.git", &[]);
    assert_eq!(run.code, 1, "{run}");
    assert_eq!(only(&run, &secret)["commit"], c.to_string(), "{run}");

    let Some(git) = crate::harness::git_cli() else {
        eprintln!("skipped the mirror clone: no git command");
        return;
    };
    let status = std::process::Command::new(git)
        .args(["clone", "-q", "--mirror", &url, "mirror.git"])
        .current_dir(env.root())
        .status()
        .unwrap();
    assert!(status.success());
    let run = scan_git(&env, "mirror.git", &[]);
    assert_eq!(only(&run, &secret)["commit"], c.to_string(), "{run}");
}

#[test]
fn binary_blobs_are_skipped_unless_asked() {
    let env = Env::new();
    let mut fx = GitFixture::init(&env.path("repo"));
    let secret = tokens::github_pat(50);
    let mut blob = b"\x89PNG\r\n\x1a\n\0\0\0".to_vec();
    blob.extend_from_slice(secret.as_bytes());
    fx.stage("logo.png", &blob);
    fx.commit(&ALICE, "logo");
    let run = scan_git(&env, "repo", &[]);
    assert!(run.with_secret(&secret).is_empty(), "{run}");
    assert_eq!(run.code, 0, "{run}");
    let run = scan_git(&env, "repo", &["--scan-binary"]);
    only(&run, &secret);
}

#[test]
fn corrupt_and_missing_objects_are_named_and_the_scan_goes_on() {
    let env = Env::new();
    let mut fx = GitFixture::init(&env.path("repo"));
    let good = tokens::github_pat(60);
    let lost = tokens::gitlab_pat(61);
    fx.commit_files(&ALICE, "good", &[("good.txt", &format!("{good}\n"))]);
    fx.commit_files(
        &ALICE,
        "bad",
        &[
            ("corrupt.txt", &format!("{lost}\n")),
            ("missing.txt", "this blob will be deleted\n"),
        ],
    );
    let tree = fx.repo.head().unwrap().peel_to_tree().unwrap();
    let corrupt = tree.get_name("corrupt.txt").unwrap().id();
    let missing = tree.get_name("missing.txt").unwrap().id();
    let path = fx.loose_object_path(corrupt);
    let mut perms = std::fs::metadata(&path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&path, perms).unwrap();
    std::fs::write(&path, b"\x78\x9c this is not zlib").unwrap();
    std::fs::remove_file(fx.loose_object_path(missing)).unwrap();

    let run = scan_git(&env, "repo", &[]);
    assert_eq!(run.code, 1, "{run}");
    only(&run, &good);
    assert!(run.stderr.contains(&corrupt.to_string()), "{run}");
    assert!(run.stderr.contains(&missing.to_string()), "{run}");
    assert!(run.stderr.contains("2 corrupt git object"), "{run}");
}

#[test]
fn submodules_lfs_pointers_and_big_blobs_are_named_not_scanned() {
    let env = Env::new();
    let mut fx = GitFixture::init(&env.path("repo"));
    let big_secret = tokens::github_pat(70);
    let small_secret = tokens::gitlab_pat(71);
    let mut big = "filler line\n".repeat(200);
    big.push_str(&big_secret);
    fx.stage("big.txt", &big);
    fx.stage(
        "assets/model.bin",
        "version https://git-lfs.github.com/spec/v1\n\
         oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n",
    );
    fx.stage("small.txt", format!("{small_secret}\n"));
    // A gitlink (submodule) entry, added to the index by hand.
    let mut index = fx.repo.index().unwrap();
    let head_like = git2::Oid::from_str("1234567890abcdef1234567890abcdef12345678").unwrap();
    index
        .add(&git2::IndexEntry {
            ctime: git2::IndexTime::new(0, 0),
            mtime: git2::IndexTime::new(0, 0),
            dev: 0,
            ino: 0,
            mode: 0o160000,
            uid: 0,
            gid: 0,
            file_size: 0,
            id: head_like,
            flags: 0,
            flags_extended: 0,
            path: b"vendor/lib".to_vec(),
        })
        .unwrap();
    index.write().unwrap();
    fx.commit(&ALICE, "assets");

    let run = scan_git(&env, "repo", &["--max-blob-size", "1K"]);
    only(&run, &small_secret);
    assert!(run.with_secret(&big_secret).is_empty(), "{run}");
    assert!(
        run.stderr.contains("big.txt") && run.stderr.contains("max-blob-size"),
        "{run}"
    );
    assert!(
        run.stderr.contains("assets/model.bin") && run.stderr.contains("LFS"),
        "{run}"
    );
    assert!(
        run.stderr.contains("vendor/lib") && run.stderr.contains("submodule"),
        "{run}"
    );
    let run = scan_git(&env, "repo", &[]);
    only(&run, &big_secret);
}

#[test]
fn a_shallow_clone_says_history_is_truncated() {
    let Some(git) = crate::harness::git_cli() else {
        eprintln!("skipped: no git command to make a shallow clone");
        return;
    };
    let env = Env::new();
    let mut fx = GitFixture::init(&env.path("origin"));
    let old = tokens::github_pat(80);
    let new = tokens::slack_bot(81);
    fx.commit_files(&ALICE, "old", &[("old.txt", &format!("{old}\n"))]);
    fx.commit_files(&ALICE, "new", &[("new.txt", &format!("{new}\n"))]);
    fx.remove("old.txt");
    fx.commit(&ALICE, "drop old");
    let url = format!("file://{}", env.path("origin").display());
    let status = std::process::Command::new(git)
        .args(["clone", "-q", "--depth", "1", &url, "shallow"])
        .current_dir(env.root())
        .status()
        .unwrap();
    assert!(status.success());
    let run = scan_git(&env, "shallow", &[]);
    only(&run, &new);
    assert!(run.with_secret(&old).is_empty(), "{run}");
    assert!(run.stderr.contains("history is truncated"), "{run}");
    assert!(!run.stderr.contains("corrupt"), "{run}");
}

#[test]
fn a_path_that_is_not_a_repository_exits_2() {
    let env = Env::new();
    env.write("plain/file.txt", "nothing\n");
    let run = scan_git(&env, "plain", &[]);
    assert_eq!(run.code, 2, "{run}");
    assert!(
        run.stderr.contains("plain") && run.stderr.contains("not a git repository"),
        "{run}"
    );
}

#[test]
fn sprawl_toml_and_inline_markers_allow_findings() {
    let env = Env::new();
    let mut fx = GitFixture::init(&env.path("repo"));
    let fixture = tokens::github_pat(90);
    let marked = tokens::gitlab_pat(91);
    let real = tokens::slack_bot(92);
    fx.commit_files(
        &ALICE,
        "tests",
        &[
            ("tests/fixtures/auth.txt", &format!("{fixture}\n")),
            (
                "src/a.py",
                &format!("T = \"{marked}\"  # sprawl:allow test double\n"),
            ),
            ("src/b.py", &format!("S = \"{real}\"\n")),
        ],
    );
    env.write(
        "repo/.sprawl.toml",
        "[allow]\npaths = [\"tests/fixtures/**\"]\n",
    );
    let run = scan_git(&env, "repo", &[]);
    only(&run, &real);
    assert!(run.with_secret(&fixture).is_empty(), "{run}");
    assert!(run.with_secret(&marked).is_empty(), "{run}");
    assert!(run.stderr.contains("1 allowed by .sprawl.toml"), "{run}");

    env.write("repo/.sprawl.toml", "[allow]\npathz = []\n");
    let run = scan_git(&env, "repo", &[]);
    assert_eq!(run.code, 2, "{run}");
    assert!(
        run.stderr.contains(".sprawl.toml") && run.stderr.contains("pathz"),
        "{run}"
    );
}
