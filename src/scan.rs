//! One scan, end to end: sources → matcher → audit → (baseline) → findings.
//!
//! [`run`] takes a library-level [`ScanConfig`] (the CLI builds it; this
//! module never sees clap), scans every input in parallel, assesses the
//! findings against the policy, drops what the baseline lists, and returns
//! the findings sorted by place together with a [`Summary`].

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde::Serialize;
use time::OffsetDateTime;

use crate::allow::Allowlist;
use crate::audit::{self, Policy};
use crate::diag::Diagnostics;
use crate::finding::{Finding, Fingerprint};
use crate::matcher::Matcher;
use crate::rules::RuleSet;
use crate::source::fs::{self, Context, Counters, WalkOptions};
use crate::source::git::{self, GitOptions};
use crate::source::staged;
use crate::source::{jira, slack};

/// Rules plus their prefilter, built on first use.
pub struct Engine {
    /// The rules.
    pub rules: RuleSet,
    /// Search base64, percent-encoded and JSON-escaped runs too
    /// ([`crate::source::decode`]); on by default.
    pub decode: bool,
    matcher: OnceLock<Matcher>,
}

impl Engine {
    /// An engine over `rules`.
    pub fn new(rules: RuleSet) -> Engine {
        Engine {
            rules,
            decode: true,
            matcher: OnceLock::new(),
        }
    }

    /// The keyword automaton, built on first call.
    pub fn matcher(&self) -> &Matcher {
        self.matcher.get_or_init(|| Matcher::new(&self.rules))
    }
}

/// What to scan and how, independent of the command line.
#[derive(Debug)]
pub struct ScanConfig {
    /// Files and directories; `-` is stdin.
    pub paths: Vec<PathBuf>,
    /// Walk options (threads, binary, symlinks).
    pub walk: WalkOptions,
    /// Show a progress bar on stderr.
    pub progress: bool,
    /// Lifecycle policy.
    pub policy: Policy,
    /// The scan's time, for `expired`.
    pub now: OffsetDateTime,
    /// Fingerprints to leave out.
    pub baseline: HashSet<Fingerprint>,
    /// Repositories whose whole history to scan (`--git`).
    pub git: Vec<PathBuf>,
    /// Scan what is staged in the repository containing this directory
    /// (`--staged`).
    pub staged: Option<PathBuf>,
    /// Blobs over this size are skipped with a note (`--max-blob-size`).
    pub max_blob_size: u64,
    /// What the repositories' `.sprawl.toml` files allow.
    pub allowlist: Allowlist,
    /// Slack workspace exports (`--slack`).
    pub slack: Vec<PathBuf>,
    /// Jira exports (`--jira`).
    pub jira: Vec<PathBuf>,
}

impl ScanConfig {
    /// A configuration scanning `paths` with defaults.
    pub fn new(paths: Vec<PathBuf>) -> ScanConfig {
        ScanConfig {
            paths,
            walk: WalkOptions {
                threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
                ..WalkOptions::default()
            },
            progress: false,
            policy: Policy::default(),
            now: OffsetDateTime::now_utc(),
            baseline: HashSet::new(),
            git: Vec::new(),
            staged: None,
            max_blob_size: GitOptions::default().max_blob_size,
            allowlist: Allowlist::default(),
            slack: Vec::new(),
            jira: Vec::new(),
        }
    }
}

/// Totals of one scan, printed on stderr and embedded in `--format json`.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Summary {
    /// Inputs scanned.
    pub files: u64,
    /// Bytes scanned.
    pub bytes: u64,
    /// Wall time in seconds.
    pub elapsed_seconds: f64,
    /// Occurrences reported.
    pub findings: usize,
    /// Distinct secrets reported.
    pub distinct_secrets: usize,
    /// Occurrences left out because the baseline lists them.
    pub baselined: usize,
    /// Occurrences left out by a `.sprawl.toml` allowlist.
    pub allowed: usize,
    /// Errors by kind.
    pub errors: BTreeMap<String, u64>,
    /// Inputs skipped on purpose, by kind.
    pub skipped: BTreeMap<String, u64>,
}

impl Summary {
    /// The one-line human summary.
    pub fn line(&self) -> String {
        let mb = self.bytes as f64 / 1e6;
        let rate = if self.elapsed_seconds > 0.0 {
            mb / self.elapsed_seconds
        } else {
            0.0
        };
        let mut s = format!(
            "sprawl: scanned {} inputs, {:.1} MB in {:.2}s ({:.0} MB/s); {} findings ({} distinct secrets)",
            self.files, mb, self.elapsed_seconds, rate, self.findings, self.distinct_secrets
        );
        if self.baselined > 0 {
            s += &format!(", {} in baseline", self.baselined);
        }
        if self.allowed > 0 {
            s += &format!(", {} allowed by {}", self.allowed, crate::allow::FILE_NAME);
        }
        let errors: u64 = self.errors.values().sum();
        if errors > 0 {
            let kinds: Vec<String> = self
                .errors
                .iter()
                .map(|(k, n)| format!("{n} {k}"))
                .collect();
            s += &format!("; {errors} errors ({})", kinds.join(", "));
        }
        if !self.skipped.is_empty() {
            let kinds: Vec<String> = self
                .skipped
                .iter()
                .map(|(k, n)| format!("{n} {k}"))
                .collect();
            s += &format!("; skipped {}", kinds.join(", "));
        }
        s
    }
}

/// The outcome of [`run`].
pub struct ScanResult {
    /// Every occurrence, sorted by place.
    pub findings: Vec<Finding>,
    /// Totals.
    pub summary: Summary,
}

/// Scans everything `config` names.
pub fn run(engine: &Engine, config: &ScanConfig, diag: &Diagnostics) -> ScanResult {
    let started = Instant::now();
    let counters = Counters::default();
    let progress = config.progress.then(progress_bar);
    let ctx = Context {
        engine,
        diag,
        counters: &counters,
        progress: progress.as_ref(),
    };
    let mut findings = fs::scan_paths(&ctx, &config.paths, &config.walk);
    let git_opts = GitOptions {
        threads: config.walk.threads,
        max_blob_size: config.max_blob_size,
        scan_binary: config.walk.scan_binary,
    };
    for repo in &config.git {
        findings.extend(git::scan_repo(&ctx, repo, &git_opts));
    }
    if let Some(dir) = &config.staged {
        match staged::discover(dir) {
            Ok(repo) => findings.extend(staged::scan_index(&ctx, &repo)),
            Err(e) => diag.report("unreadable repository", dir.display(), e.message()),
        }
    }
    findings.extend(slack::scan_exports(
        &ctx,
        &config.slack,
        config.walk.threads,
    ));
    findings.extend(jira::scan_exports(&ctx, &config.jira));
    if let Some(p) = &progress {
        p.finish_and_clear();
    }
    let before = findings.len();
    findings.retain(|f| !config.allowlist.allows(f));
    let allowed = before - findings.len();
    finish(findings.as_mut(), config);
    let before = findings.len();
    findings.retain(|f| !config.baseline.contains(&f.fingerprint));
    let mut summary = summarize(
        &findings,
        before - findings.len(),
        &counters,
        diag,
        started.elapsed(),
    );
    summary.allowed = allowed;
    ScanResult { findings, summary }
}

/// Sorts and assesses findings from any source.
pub fn finish(findings: &mut [Finding], config: &ScanConfig) {
    findings.sort_by(|a, b| {
        (
            a.location.source,
            &a.location.path,
            a.location.line,
            a.location.column,
            &a.rule,
        )
            .cmp(&(
                b.location.source,
                &b.location.path,
                b.location.line,
                b.location.column,
                &b.rule,
            ))
    });
    audit::assess(findings, &config.policy, config.now);
}

fn summarize(
    findings: &[Finding],
    baselined: usize,
    counters: &Counters,
    diag: &Diagnostics,
    elapsed: Duration,
) -> Summary {
    let distinct: HashSet<_> = findings.iter().map(|f| f.fingerprint).collect();
    Summary {
        files: counters.files.load(Ordering::Relaxed),
        bytes: counters.bytes.load(Ordering::Relaxed),
        elapsed_seconds: elapsed.as_secs_f64(),
        findings: findings.len(),
        distinct_secrets: distinct.len(),
        baselined,
        allowed: 0,
        errors: diag
            .errors()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        skipped: diag
            .skipped()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    }
}

fn progress_bar() -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} {bytes} scanned ({bytes_per_sec}) {elapsed}",
        )
        .expect("valid progress template"),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}
