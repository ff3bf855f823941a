//! Runs the `sprawl` binary on files in a tempdir and parses its output.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// A temporary directory with helpers to write files and run sprawl there.
pub struct Env {
    pub dir: tempfile::TempDir,
}

/// The result of one run.
pub struct Run {
    pub args: Vec<String>,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The JSONL findings on stdout.
    pub fn findings(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                serde_json::from_str(l).unwrap_or_else(|e| panic!("{self}\nnot JSON ({e}): {l}"))
            })
            .collect()
    }

    /// Findings whose `secret` equals `secret` (needs --show-secrets).
    pub fn with_secret(&self, secret: &str) -> Vec<Value> {
        self.findings()
            .into_iter()
            .filter(|f| f["secret"] == secret)
            .collect()
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "sprawl {:?}\nexit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.args, self.code, self.stdout, self.stderr
        )
    }
}

impl Env {
    pub fn new() -> Env {
        Env {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `rel` with `contents`, creating parents.
    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, contents).unwrap();
        p
    }

    /// Runs sprawl with `args` in the tempdir.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_stdin(args, None)
    }

    /// Runs sprawl with `args` and `stdin`.
    pub fn run_stdin(&self, args: &[&str], stdin: Option<&[u8]>) -> Run {
        self.run_in(self.root(), args, stdin)
    }

    /// Runs sprawl with `args` and `stdin` in directory `dir`.
    pub fn run_in(&self, dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Run {
        let mut child = Command::new(env!("CARGO_BIN_EXE_sprawl"))
            .args(args)
            .current_dir(dir)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn sprawl");
        if let Some(input) = stdin {
            let mut pipe = child.stdin.take().unwrap();
            let input = input.to_vec();
            std::thread::spawn(move || {
                let _ = pipe.write_all(&input);
            });
        }
        let Output {
            status,
            stdout,
            stderr,
        } = child.wait_with_output().expect("wait sprawl");
        Run {
            args: args.iter().map(|s| s.to_string()).collect(),
            code: status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        }
    }

    /// `scan --format jsonl --show-secrets --no-store` over `paths`.
    pub fn scan(&self, paths: &[&str]) -> Run {
        let mut args = vec!["scan", "--format", "jsonl", "--show-secrets", "--no-store"];
        args.extend_from_slice(paths);
        self.run(&args)
    }
}

/// The git command, when this machine has one (tests that need the real git
/// say so and skip without it).
pub fn git_cli() -> Option<&'static str> {
    Command::new("git")
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|_| "git")
}

/// Synthetic credentials, different in each call site by seed.
pub mod tokens {
    /// A checksum-valid GitHub classic PAT.
    pub fn github_pat(seed: u32) -> String {
        let body: String = random_alnum(seed, 30);
        let crc = crc32fast::hash(body.as_bytes());
        format!("ghp_{body}{}", base62(crc))
    }

    /// A Slack bot token.
    pub fn slack_bot(seed: u32) -> String {
        format!(
            "xoxb-{}-{}-{}",
            digits(seed, 12),
            digits(seed + 1, 13),
            random_alnum(seed + 2, 24)
        )
    }

    /// A GitLab PAT (legacy form).
    pub fn gitlab_pat(seed: u32) -> String {
        format!("glpat-{}", random_alnum(seed, 20))
    }

    fn rng(seed: u32) -> impl FnMut() -> u32 {
        let mut x = seed.wrapping_mul(2654435761).wrapping_add(0x9e3779b9) | 1;
        move || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x
        }
    }

    pub fn random_alnum(seed: u32, n: usize) -> String {
        const A: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        let mut r = rng(seed);
        (0..n)
            .map(|_| A[(r() % A.len() as u32) as usize] as char)
            .collect()
    }

    fn digits(seed: u32, n: usize) -> String {
        let mut r = rng(seed);
        (0..n)
            .map(|i| (b'1' + (r() % 9) as u8 - (i > 0 && r() % 2 == 0) as u8) as char)
            .collect()
    }

    fn base62(mut v: u32) -> String {
        const A: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        let mut out = vec![b'0'; 6];
        for i in (0..6).rev() {
            out[i] = A[(v % 62) as usize];
            v /= 62;
        }
        String::from_utf8(out).unwrap()
    }
}
