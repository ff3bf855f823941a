//! `sprawl scan`: options → [`ScanConfig`] → scan → report → exit code.

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{bail, Context as _, Result};
use clap::{Args, ValueEnum};

use sprawl::audit::Policy;
use sprawl::diag::Diagnostics;
use sprawl::finding::{Fingerprint, Severity};
use sprawl::report::{self, Format, ReportContext};
use sprawl::rules::RuleSet;
use sprawl::scan::{self, Engine, ScanConfig};
use sprawl::source::{git, staged};

use super::{EXIT_FINDINGS, EXIT_USAGE};

#[derive(Args, Debug)]
pub struct ScanArgs {
    /// Files or directories to scan; `-` reads stdin.
    ///
    /// Hidden and git-ignored files are scanned; `.git/` internals are not
    /// (use --git for history). Defaults to the current directory.
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,

    /// Scan the full history of the repository at PATH (repeatable).
    ///
    /// Every blob reachable from any ref (branches, remotes, tags, notes, the
    /// stash, reflogs, a detached HEAD) is scanned once, attributed to the
    /// earliest commit that introduced it. Bare and mirror clones work too.
    #[arg(long = "git", value_name = "PATH")]
    git: Vec<PathBuf>,

    /// Scan only the lines added in the index of the repository here (pre-commit).
    ///
    /// Diffs the index against HEAD; the work tree is never read.
    #[arg(long)]
    staged: bool,

    /// Skip git blobs larger than SIZE (bytes, or with K, M, G), with a note.
    #[arg(long, value_name = "SIZE", default_value = "256M", value_parser = parse_size)]
    max_blob_size: u64,
    /// A Slack workspace export to scan: the .zip or its unpacked directory (repeatable).
    ///
    /// Messages, edits, blocks, attachments, file previews and thread
    /// replies are scanned; findings carry channel, user, email and time.
    #[arg(long = "slack", value_name = "PATH")]
    slack: Vec<PathBuf>,

    /// A Jira export to scan (repeatable): REST search JSON (a file or a
    /// directory of pages), the Cloud CSV export, or the XML/RSS export.
    #[arg(long = "jira", value_name = "PATH")]
    jira: Vec<PathBuf>,

    /// Output format [default: table on a terminal, jsonl otherwise].
    #[arg(long, value_enum)]
    format: Option<FormatArg>,

    /// Write the report to FILE instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,

    /// Print secrets in full (default: redacted).
    #[arg(long)]
    show_secrets: bool,

    /// Exit 1 only for findings at or above this severity.
    #[arg(long, value_enum, default_value = "any", value_name = "LEVEL")]
    fail_on: FailOn,

    /// Leave out findings whose fingerprint is listed in FILE (as written by --format json).
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,

    /// Add the rule files in DIR to the built-in rules (repeatable).
    #[arg(long = "rules", value_name = "DIR")]
    rules: Vec<PathBuf>,

    /// Lifecycle policy overrides (TOML): max lifetime per family, broad scopes, sprawl threshold.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,

    /// Worker threads [default: all cores].
    #[arg(short = 'j', long = "threads", value_name = "N")]
    threads: Option<usize>,

    /// Scan files that look binary (NUL bytes) instead of skipping them.
    #[arg(long)]
    scan_binary: bool,

    /// Follow symbolic links (loops are detected and reported).
    #[arg(short = 'L', long = "follow")]
    follow: bool,

    /// The SQLite datastore (not built yet: giving it is an error, so that
    /// no one believes findings were kept).
    #[arg(long, value_name = "FILE")]
    store: Option<PathBuf>,

    /// Keep nothing in the datastore (what every scan does until the
    /// datastore lands).
    #[arg(long, conflicts_with = "store")]
    no_store: bool,

    /// Do not decode base64, percent-encoded and JSON-escaped text to look
    /// for secrets inside it.
    ///
    /// By default such runs are decoded (up to 3 layers deep) and scanned;
    /// a secret found so has `decoded` set to the chain, e.g. ["base64"].
    #[arg(long)]
    no_decode: bool,

    /// No progress bar and no summary line on stderr.
    #[arg(short = 'q', long)]
    quiet: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum FormatArg {
    Table,
    Json,
    Jsonl,
    Sarif,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
enum FailOn {
    None,
    Any,
    Low,
    Medium,
    High,
    Critical,
}

impl FailOn {
    /// The lowest severity that fails, or None when nothing fails.
    fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::None => None,
            FailOn::Any | FailOn::Low => Some(Severity::Low),
            FailOn::Medium => Some(Severity::Medium),
            FailOn::High => Some(Severity::High),
            FailOn::Critical => Some(Severity::Critical),
        }
    }
}

pub fn run(args: ScanArgs) -> Result<u8> {
    let mut paths = args.paths.clone();
    if paths.is_empty()
        && args.git.is_empty()
        && !args.staged
        && args.slack.is_empty()
        && args.jira.is_empty()
    {
        paths.push(PathBuf::from("."));
    }
    let mut allow_dirs: Vec<PathBuf> = paths.iter().filter(|p| p.is_dir()).cloned().collect();
    for repo in &args.git {
        match git::open(repo) {
            Ok(r) => allow_dirs.extend(r.workdir().map(PathBuf::from)),
            Err(e) => {
                eprintln!(
                    "sprawl: --git {}: not a git repository ({})",
                    sprawl::diag::sanitize(&repo.display().to_string()),
                    e.message()
                );
                return Ok(EXIT_USAGE);
            }
        }
    }
    let staged_dir = std::env::current_dir().context("cannot read the current directory")?;
    if args.staged {
        match staged::discover(&staged_dir) {
            Ok(r) => allow_dirs.extend(r.workdir().map(PathBuf::from)),
            Err(e) => {
                eprintln!(
                    "sprawl: --staged: {} is not in a git repository ({})",
                    sprawl::diag::sanitize(&staged_dir.display().to_string()),
                    e.message()
                );
                return Ok(EXIT_USAGE);
            }
        }
    }
    for p in paths.iter().chain(&args.slack).chain(&args.jira) {
        if p.as_os_str() != "-" {
            if let Err(e) = std::fs::metadata(p) {
                eprintln!(
                    "sprawl: {}: {e}",
                    sprawl::diag::sanitize(&p.display().to_string())
                );
                return Ok(EXIT_USAGE);
            }
        }
    }
    if let Some(store) = &args.store {
        bail!(
            "--store {}: this build has no datastore yet; scan with --no-store",
            store.display()
        );
    }
    let rules = RuleSet::load(&args.rules)?;
    let mut config = ScanConfig::new(paths);
    config.git = args.git.clone();
    config.staged = args.staged.then_some(staged_dir);
    config.max_blob_size = args.max_blob_size;
    allow_dirs.dedup();
    for dir in &allow_dirs {
        config.allowlist.add_dir(dir)?;
    }
    config.slack = args.slack.clone();
    config.jira = args.jira.clone();
    if let Some(n) = args.threads {
        if n == 0 {
            bail!("--threads must be at least 1");
        }
        config.walk.threads = n;
    }
    config.walk.scan_binary = args.scan_binary;
    config.walk.follow_links = args.follow;
    config.progress = !args.quiet && std::io::stderr().is_terminal();
    if let Some(p) = &args.policy {
        config.policy = Policy::load(p)?;
    }
    if let Some(b) = &args.baseline {
        config.baseline = read_baseline(b)?;
    }
    let format = match args.format {
        Some(FormatArg::Table) => Format::Table,
        Some(FormatArg::Json) => Format::Json,
        Some(FormatArg::Jsonl) => Format::Jsonl,
        Some(FormatArg::Sarif) => Format::Sarif,
        None if args.output.is_none() && std::io::stdout().is_terminal() => Format::Table,
        None => Format::Jsonl,
    };
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(BufWriter::new(
            File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    };

    let mut engine = Engine::new(rules);
    engine.decode = !args.no_decode;
    let diag = Diagnostics::new();
    let result = scan::run(&engine, &config, &diag);
    let ctx = ReportContext {
        rules: &engine.rules,
        summary: &result.summary,
        show_secrets: args.show_secrets,
    };
    report::write(format, &result.findings, &ctx, &mut out)?;
    out.flush()?;
    if !args.quiet {
        eprintln!("{}", result.summary.line());
    }
    let failing = args
        .fail_on
        .threshold()
        .is_some_and(|t| result.findings.iter().any(|f| f.severity >= t));
    if failing && args.staged {
        eprintln!("{STAGED_BLOCKED}");
    }
    // An index that could not be read means nothing staged was checked: a
    // hook must not let that pass as "clean".
    let unread = [staged::UNSUPPORTED_INDEX, staged::CORRUPT_INDEX];
    if args.staged
        && unread
            .iter()
            .any(|k| result.summary.errors.contains_key(*k))
    {
        return Ok(EXIT_USAGE);
    }
    Ok(if failing { EXIT_FINDINGS } else { 0 })
}

/// What a blocked commit prints: what happened and how to allow a false
/// positive.
const STAGED_BLOCKED: &str = "sprawl: commit blocked: the staged changes add the secrets above.
  Remove them (and rotate any that were real), then `git add` again.
  A false positive? Put `sprawl:allow` in a comment on its line, list its path,
  rule or fingerprint under [allow] in .sprawl.toml, or pass --baseline FILE.";

/// Parses a size: bytes, or a number with K, M or G (powers of 1024).
fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let (digits, unit) = match t.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => t.split_at(i),
        None => (t, ""),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{text:?} is not a size (bytes, or a number with K, M or G)"))?;
    let shift = match unit
        .trim_end_matches(['b', 'B'])
        .to_ascii_uppercase()
        .as_str()
    {
        "" => 0,
        "K" | "KI" => 10,
        "M" | "MI" => 20,
        "G" | "GI" => 30,
        _ => return Err(format!("{text:?}: unknown unit {unit:?} (use K, M or G)")),
    };
    n.checked_mul(1 << shift)
        .ok_or_else(|| format!("{text:?} is too large"))
}

/// Fingerprints from a `--format json` report (or a JSONL one).
fn read_baseline(path: &PathBuf) -> Result<HashSet<Fingerprint>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read baseline {}", path.display()))?;
    let mut set = HashSet::new();
    let mut add = |v: &serde_json::Value| {
        if let Some(fp) = v
            .get("fingerprint")
            .and_then(|f| f.as_str())
            .and_then(Fingerprint::parse)
        {
            set.insert(fp);
        }
    };
    match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(doc) => match doc.get("findings").and_then(|f| f.as_array()) {
            Some(items) => items.iter().for_each(&mut add),
            None => bail!(
                "{}: not a sprawl JSON report (no `findings` array)",
                path.display()
            ),
        },
        Err(_) => {
            for (n, line) in text
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
            {
                let v: serde_json::Value = serde_json::from_str(line)
                    .with_context(|| format!("{}: line {}: not JSON", path.display(), n + 1))?;
                add(&v);
            }
        }
    }
    Ok(set)
}
