//! `sprawl scan --staged` and `sprawl hook install`: the pre-commit path.

use std::path::Path;

use crate::gitfix::{GitFixture, ALICE};
use crate::harness::{git_cli, tokens, Env, Run};

fn staged(env: &Env, repo: &Path) -> Run {
    env.run_in(
        repo,
        &[
            "scan",
            "--staged",
            "--format",
            "jsonl",
            "--show-secrets",
            "--no-store",
        ],
        None,
    )
}

#[test]
fn only_added_lines_of_the_index_are_scanned() {
    let env = Env::new();
    let mut fx = GitFixture::init(&env.path("repo"));
    let committed = tokens::slack_bot(1);
    let added = tokens::github_pat(2);
    let unstaged = tokens::gitlab_pat(3);
    let in_new_file = tokens::gitlab_pat(4);
    fx.commit_files(
        &ALICE,
        "initial",
        &[
            (
                "src/config.js",
                &format!("// config\nslack: '{committed}',\nend\n"),
            ),
            ("src/gone.js", "module.exports = {};\n"),
            (
                "src/moved.js",
                &format!("// moved\nconst k = '{committed}';\n"),
            ),
        ],
    );
    // A modification adding one line, a new file, a deletion and a pure rename.
    fx.stage(
        "src/config.js",
        format!("// config\nslack: '{committed}',\ngithub: '{added}',\nend\n"),
    );
    fx.stage("src/new.env", format!("\n\nTOKEN={in_new_file}\n"));
    fx.remove("src/gone.js");
    fx.rename("src/moved.js", "lib/moved.js");
    // Work-tree changes that are not staged.
    std::fs::write(
        fx.workdir().join("src/config.js"),
        format!("// config\nunstaged: '{unstaged}'\n"),
    )
    .unwrap();
    std::fs::write(fx.workdir().join("untracked.txt"), format!("{unstaged}\n")).unwrap();

    let run = staged(&env, &fx.workdir());
    assert_eq!(run.code, 1, "{run}");
    let f = run.with_secret(&added);
    assert_eq!(f.len(), 1, "{run}");
    assert_eq!(f[0]["source"], "staged");
    assert_eq!(f[0]["path"], "src/config.js");
    assert_eq!(f[0]["line"], 3);
    let f = run.with_secret(&in_new_file);
    assert_eq!(
        (f[0]["path"].as_str(), f[0]["line"].as_u64()),
        (Some("src/new.env"), Some(3)),
        "{run}"
    );
    assert!(run.with_secret(&committed).is_empty(), "{run}");
    assert!(run.with_secret(&unstaged).is_empty(), "{run}");
    assert_eq!(run.findings().len(), 2, "{run}");
    assert!(run.stderr.contains("commit blocked"), "{run}");
    assert!(run.stderr.contains("sprawl:allow"), "{run}");

    // Once committed, nothing is staged: exit 0.
    fx.commit(&ALICE, "add");
    let run = staged(&env, &fx.workdir());
    assert_eq!(run.code, 0, "{run}");
    assert!(run.findings().is_empty(), "{run}");
}

#[test]
fn a_moved_and_edited_file_reports_only_its_new_lines() {
    let env = Env::new();
    let mut fx = GitFixture::init(&env.path("repo"));
    let old = tokens::slack_bot(20);
    let new = tokens::github_pat(21);
    let body: String = (0..30)
        .map(|i| format!("line {i} of the deploy notes\n"))
        .collect();
    fx.commit_files(
        &ALICE,
        "notes",
        &[("docs/deploy.md", &format!("{body}SLACK={old}\n"))],
    );
    fx.rename("docs/deploy.md", "runbooks/deploy.md");
    fx.stage(
        "runbooks/deploy.md",
        format!("{body}SLACK={old}\nGITHUB={new}\n"),
    );
    let run = staged(&env, &fx.workdir());
    assert!(run.with_secret(&old).is_empty(), "{run}");
    let f = run.with_secret(&new);
    assert_eq!(f.len(), 1, "{run}");
    assert_eq!(
        (f[0]["path"].as_str(), f[0]["line"].as_u64()),
        (Some("runbooks/deploy.md"), Some(32))
    );
}

#[test]
fn every_index_format_gives_the_same_answer() {
    let Some(git) = git_cli() else {
        eprintln!("skipped: no git command to rewrite the index");
        return;
    };
    let env = Env::new();
    let mut fx = GitFixture::init(&env.path("repo"));
    let committed = tokens::slack_bot(30);
    let added = tokens::gitlab_pat(31);
    let files: Vec<(String, String)> = (0..40)
        .map(|i| {
            (
                format!("pkg{}/sub{}/f{i}.txt", i % 4, i % 3),
                format!("file {i}\n"),
            )
        })
        .collect();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_str()))
        .collect();
    fx.commit_files(&ALICE, "tree", &refs);
    fx.commit_files(
        &ALICE,
        "key",
        &[("pkg1/sub1/key.env", &format!("A={committed}\n"))],
    );
    fx.stage("pkg1/sub1/key.env", format!("A={committed}\nB={added}\n"));
    fx.stage("pkg2/new/file.txt", "nothing here\n");
    let git_run = |args: &[&str]| {
        let out = std::process::Command::new(git)
            .args(args)
            .current_dir(fx.workdir())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    for setup in [
        &["update-index", "--index-version", "2"][..],
        &["update-index", "--index-version", "3"],
        &["update-index", "--index-version", "4"],
    ] {
        git_run(setup);
        let run = staged(&env, &fx.workdir());
        let f = run.with_secret(&added);
        assert_eq!(f.len(), 1, "{setup:?}\n{run}");
        assert_eq!(
            (f[0]["path"].as_str(), f[0]["line"].as_u64()),
            (Some("pkg1/sub1/key.env"), Some(2))
        );
        assert_eq!(run.findings().len(), 1, "{setup:?}\n{run}");
    }
    // A split index is not read yet: said plainly, and never a clean exit.
    git_run(&["update-index", "--split-index"]);
    let run = staged(&env, &fx.workdir());
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.contains("no-split-index"), "{run}");
}

#[test]
fn a_corrupt_index_is_named() {
    let env = Env::new();
    let mut fx = GitFixture::init(&env.path("repo"));
    fx.commit_files(&ALICE, "initial", &[("README.md", "# x\n")]);
    std::fs::write(fx.repo.path().join("index"), b"DIRC\0\0\0\x02 truncated").unwrap();
    let run = staged(&env, &fx.workdir());
    assert!(
        run.stderr.contains("index") && run.stderr.contains("corrupt"),
        "{run}"
    );
    assert!(run.stderr.contains("1 errors"), "{run}");
    assert_eq!(run.code, 2, "{run}");
}

#[test]
fn the_first_commit_diffs_against_the_empty_tree() {
    let env = Env::new();
    let fx = GitFixture::init(&env.path("repo"));
    let secret = tokens::github_pat(5);
    fx.stage("a/b.txt", format!("x\n{secret}\n"));
    let run = staged(&env, &fx.workdir().join("a"));
    assert_eq!(run.code, 1, "{run}");
    let f = run.with_secret(&secret);
    assert_eq!(
        (f[0]["path"].as_str(), f[0]["line"].as_u64()),
        (Some("a/b.txt"), Some(2))
    );
}

#[test]
fn inline_marker_and_sprawl_toml_allow_staged_findings() {
    let env = Env::new();
    let mut fx = GitFixture::init(&env.path("repo"));
    fx.commit_files(&ALICE, "initial", &[("README.md", "# x\n")]);
    let marked = tokens::github_pat(6);
    let fixture = tokens::gitlab_pat(7);
    fx.stage(
        "src/a.py",
        format!("T = '{marked}'  # sprawl:allow documented test token\n"),
    );
    fx.stage("tests/fixtures/t.txt", format!("{fixture}\n"));
    std::fs::write(
        fx.workdir().join(".sprawl.toml"),
        "[allow]\npaths = [\"tests/fixtures/**\"]\n",
    )
    .unwrap();
    let run = staged(&env, &fx.workdir());
    assert_eq!(run.code, 0, "{run}");
    assert!(run.findings().is_empty(), "{run}");
}

#[test]
fn outside_a_repository_staged_exits_2() {
    let env = Env::new();
    env.write("plain/x.txt", "x\n");
    let run = staged(&env, &env.path("plain"));
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.contains("not in a git repository"), "{run}");
}

#[test]
fn hook_install_honours_hooks_path_and_never_clobbers_silently() {
    let env = Env::new();
    let fx = GitFixture::init(&env.path("repo"));
    let dir = fx.workdir();
    let run = env.run_in(&dir, &["hook", "install"], None);
    assert_eq!(run.code, 0, "{run}");
    let hook = fx.repo.path().join("hooks/pre-commit");
    let text = std::fs::read_to_string(&hook).unwrap();
    assert!(text.contains("scan --staged"), "{text}");
    // Reinstalling our own hook is fine.
    assert_eq!(env.run_in(&dir, &["hook", "install"], None).code, 0);

    // core.hooksPath, with someone else's hook there.
    fx.repo
        .config()
        .unwrap()
        .set_str("core.hooksPath", ".githooks")
        .unwrap();
    std::fs::create_dir_all(dir.join(".githooks")).unwrap();
    std::fs::write(dir.join(".githooks/pre-commit"), "#!/bin/sh\nrun-lint\n").unwrap();
    let run = env.run_in(&dir, &["hook", "install"], None);
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.contains("--force"), "{run}");
    assert_eq!(
        std::fs::read_to_string(dir.join(".githooks/pre-commit")).unwrap(),
        "#!/bin/sh\nrun-lint\n"
    );
    let run = env.run_in(&dir, &["hook", "install", "--force"], None);
    assert_eq!(run.code, 0, "{run}");
    assert!(std::fs::read_to_string(dir.join(".githooks/pre-commit"))
        .unwrap()
        .contains("scan --staged"));
    assert_eq!(
        std::fs::read_to_string(dir.join(".githooks/pre-commit.sprawl-backup")).unwrap(),
        "#!/bin/sh\nrun-lint\n"
    );
}

#[test]
fn the_installed_hook_blocks_a_real_git_commit() {
    let Some(git) = git_cli() else {
        eprintln!("skipped: no git command to run the hook through `git commit`");
        return;
    };
    let env = Env::new();
    let mut fx = GitFixture::init(&env.path("repo"));
    fx.commit_files(&ALICE, "initial", &[("README.md", "# x\n")]);
    let dir = fx.workdir();
    assert_eq!(env.run_in(&dir, &["hook", "install"], None).code, 0);
    // The hook runs the `sprawl` on PATH: make that the binary under test.
    let bin = env.path("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_sprawl"), bin.join("sprawl")).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let commit = |message: &str| {
        std::process::Command::new(git)
            .args([
                "-c",
                "user.name=A",
                "-c",
                "user.email=a@example.org",
                "commit",
                "-q",
                "-m",
                message,
            ])
            .current_dir(&dir)
            .env("PATH", &path)
            .output()
            .unwrap()
    };
    let secret = tokens::github_pat(8);
    fx.stage("deploy.env", format!("GITHUB_TOKEN={secret}\n"));
    let out = commit("add deploy env");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "the hook let the commit through: {stderr}"
    );
    assert!(stderr.contains("commit blocked"), "{stderr}");
    assert_eq!(
        fx.repo.head().unwrap().peel_to_commit().unwrap().message(),
        Some("initial")
    );

    fx.stage("deploy.env", "GITHUB_TOKEN=${GITHUB_TOKEN}\n");
    let out = commit("add deploy env");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
