//! The filesystem source: every regular file below the given paths, in
//! parallel, plus stdin for `-`.
//!
//! Uses the `ignore` crate's parallel walker with every ignore mechanism
//! switched off: a leaked `.env` is usually hidden and git-ignored, so both
//! are scanned. Only `.git` (repository internals, scanned by `--git`
//! instead) and `.sprawl` (the datastore) are pruned. Symbolic links are not
//! followed unless `--follow`, in which case loops are detected by the
//! walker and reported. FIFOs, sockets and devices are skipped, never opened,
//! so a scan cannot hang on them.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use ignore::{WalkBuilder, WalkState};

use super::stream::{Hit, Outcome, PartialRead, Sniff, Streamer};
use crate::diag::Diagnostics;
use crate::finding::{Finding, Location, SourceKind};
use crate::scan::Engine;

/// Counters shared by the scan threads.
#[derive(Default, Debug)]
pub struct Counters {
    /// Inputs scanned (files, blobs, export records' files).
    pub files: AtomicU64,
    /// Bytes scanned, after decompression and transcoding.
    pub bytes: AtomicU64,
}

/// Options of the filesystem walk.
#[derive(Clone, Debug, Default)]
pub struct WalkOptions {
    /// Worker threads.
    pub threads: usize,
    /// Scan files that look binary.
    pub scan_binary: bool,
    /// Follow symbolic links.
    pub follow_links: bool,
}

/// Everything a source needs to scan and report.
pub struct Context<'a> {
    /// Rules and matcher.
    pub engine: &'a Engine,
    /// Error reporting.
    pub diag: &'a Diagnostics,
    /// Shared counters.
    pub counters: &'a Counters,
    /// Progress, when stderr is a terminal.
    pub progress: Option<&'a indicatif::ProgressBar>,
}

impl Context<'_> {
    /// Streams `reader` and turns its hits into findings at `location`,
    /// naming `input` in any error; findings made before an error are kept.
    pub fn scan_reader<R: Read>(
        &self,
        streamer: &mut Streamer,
        reader: R,
        sniff: Sniff,
        location: &Location,
        input: &str,
        out: &mut Vec<Finding>,
    ) {
        let hits = self.hits(streamer, reader, sniff, input);
        self.findings(hits, location, out);
    }

    /// Streams `reader` and returns its hits, counting it as one input and
    /// naming `input` in any error; hits made before an error are kept.
    pub fn hits<R: Read>(
        &self,
        streamer: &mut Streamer,
        reader: R,
        sniff: Sniff,
        input: &str,
    ) -> Vec<Hit> {
        self.hits_of(streamer, reader, sniff, input, None)
    }

    /// [`Context::hits`] for text extracted from an input of `size` bytes
    /// (an export file's messages): the input counts with its own size.
    pub fn hits_of<R: Read>(
        &self,
        streamer: &mut Streamer,
        reader: R,
        sniff: Sniff,
        input: &str,
        size: Option<u64>,
    ) -> Vec<Hit> {
        let mut hits = Vec::new();
        streamer.set_decode(self.engine.decode);
        let result = streamer.scan_reader(
            &self.engine.rules,
            self.engine.matcher(),
            reader,
            sniff,
            &mut hits,
        );
        match result {
            Ok(Outcome::Scanned(n)) => self.count(size.unwrap_or(n)),
            Ok(Outcome::Binary) => self.diag.note("binary file skipped"),
            Err(PartialRead { scanned, error }) => {
                self.count(size.unwrap_or(scanned));
                let kind = if error.kind() == std::io::ErrorKind::InvalidData
                    || error.kind() == std::io::ErrorKind::InvalidInput
                {
                    "corrupt data"
                } else {
                    "read error"
                };
                self.diag.report(
                    kind,
                    input,
                    format!("{error} (after {scanned} bytes; findings before it kept)"),
                );
            }
        }
        hits
    }

    fn count(&self, bytes: u64) {
        self.counters.files.fetch_add(1, Ordering::Relaxed);
        self.counters.bytes.fetch_add(bytes, Ordering::Relaxed);
        if let Some(p) = self.progress {
            p.inc(bytes);
        }
    }

    /// Turns hits into findings at `location`.
    pub fn findings(&self, hits: Vec<Hit>, location: &Location, out: &mut Vec<Finding>) {
        for hit in hits {
            let mut loc = location.clone();
            loc.line = hit.line;
            loc.column = hit.column;
            self.finding(hit, loc, out);
        }
    }

    /// Turns one hit into a finding at `loc`, whose line and column the
    /// caller has set.
    pub fn finding(&self, hit: Hit, loc: Location, out: &mut Vec<Finding>) {
        let rule = &self.engine.rules.rules()[hit.rule];
        let mut loc = loc;
        loc.decoded = hit.decoded.iter().map(|d| d.to_string()).collect();
        out.push(Finding::new(rule.id(), &rule.spec.family, hit.secret, loc));
    }
}

/// Scans `paths` (directories, files, or `-` for stdin).
pub fn scan_paths(ctx: &Context<'_>, paths: &[PathBuf], opts: &WalkOptions) -> Vec<Finding> {
    let found = Mutex::new(Vec::new());
    for path in paths {
        if path.as_os_str() == "-" {
            let mut out = Vec::new();
            let loc = Location::new(SourceKind::Stdin, "-");
            ctx.scan_reader(
                &mut Streamer::default(),
                std::io::stdin().lock(),
                sniff(opts),
                &loc,
                "stdin",
                &mut out,
            );
            found.lock().expect("findings lock").extend(out);
        } else if path.is_dir() {
            walk(ctx, path, opts, &found);
        } else if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
            // A FIFO, socket or device named on the command line: never opened.
            ctx.diag.note("not a regular file");
        } else {
            let mut out = Vec::new();
            scan_file(
                ctx,
                &mut Streamer::default(),
                path,
                &path.display().to_string().replace('\\', "/"),
                opts,
                &mut out,
            );
            found.lock().expect("findings lock").extend(out);
        }
    }
    found.into_inner().expect("findings lock")
}

fn sniff(opts: &WalkOptions) -> Sniff {
    if opts.scan_binary {
        Sniff::Binary
    } else {
        Sniff::Text
    }
}

/// One walker thread's state; its findings move to the shared list when the
/// thread's closure is dropped at the end of the walk.
struct Worker<'a> {
    streamer: Streamer,
    out: Vec<Finding>,
    shared: &'a Mutex<Vec<Finding>>,
}

impl Drop for Worker<'_> {
    fn drop(&mut self) {
        if let Ok(mut shared) = self.shared.lock() {
            shared.append(&mut self.out);
        }
    }
}

fn walk(ctx: &Context<'_>, root: &Path, opts: &WalkOptions, found: &Mutex<Vec<Finding>>) {
    let walker = WalkBuilder::new(root)
        .hidden(false)
        .ignore(false)
        .git_ignore(false)
        .git_global(false)
        .git_exclude(false)
        .parents(false)
        .require_git(false)
        .follow_links(opts.follow_links)
        .threads(opts.threads.max(1))
        .filter_entry(|e| {
            let name = e.file_name();
            !(name == ".git" || (name == ".sprawl" && e.file_type().is_some_and(|t| t.is_dir())))
        })
        .build_parallel();
    walker.run(|| {
        let mut worker = Worker {
            streamer: Streamer::default(),
            out: Vec::new(),
            shared: found,
        };
        Box::new(move |entry| {
            let entry = match entry {
                Ok(e) => e,
                Err(err) => {
                    let kind = if err.is_io() {
                        "unreadable"
                    } else {
                        "walk error"
                    };
                    let kind = if err.to_string().contains("loop") {
                        "symlink loop"
                    } else {
                        kind
                    };
                    ctx.diag.report(kind, root.display(), err);
                    return WalkState::Continue;
                }
            };
            let Some(ft) = entry.file_type() else {
                return WalkState::Continue;
            };
            if ft.is_dir() {
                return WalkState::Continue;
            }
            if ft.is_symlink() {
                ctx.diag.note("symlink not followed");
                return WalkState::Continue;
            }
            let rel = entry.path().strip_prefix(root).unwrap_or(entry.path());
            let rel = rel.to_string_lossy().replace('\\', "/");
            if !ft.is_file() {
                ctx.diag.note("not a regular file");
                return WalkState::Continue;
            }
            scan_file(
                ctx,
                &mut worker.streamer,
                entry.path(),
                &rel,
                opts,
                &mut worker.out,
            );
            WalkState::Continue
        })
    });
}

/// Scans one regular file (read through if `.gz`); the caller has checked
/// that it is one, so that a FIFO is never opened.
pub fn scan_file(
    ctx: &Context<'_>,
    streamer: &mut Streamer,
    path: &Path,
    rel: &str,
    opts: &WalkOptions,
    out: &mut Vec<Finding>,
) {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) => {
            ctx.diag.report("unreadable", path.display(), e);
            return;
        }
    };
    let loc = Location::new(SourceKind::File, rel);
    let input = path.display().to_string();
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
    {
        let gz =
            flate2::read::MultiGzDecoder::new(std::io::BufReader::with_capacity(64 << 10, file));
        ctx.scan_reader(streamer, gz, sniff(opts), &loc, &input, out);
    } else if super::archive::is_zip(path) {
        drop(file);
        super::archive::scan_zip_file(ctx, streamer, path, rel, sniff(opts), out);
    } else {
        ctx.scan_reader(streamer, file, sniff(opts), &loc, &input, out);
    }
}

/// A shared context over the built-in rules for unit and property tests.
#[cfg(test)]
pub(crate) mod testing {
    use std::sync::OnceLock;

    use super::{Context, Counters};
    use crate::diag::Diagnostics;
    use crate::rules::RuleSet;
    use crate::scan::Engine;

    /// Runs `f` with a quiet context over the built-in rules.
    pub fn with_context<T>(f: impl FnOnce(&Context<'_>) -> T) -> T {
        static ENGINE: OnceLock<Engine> = OnceLock::new();
        static DIAG: OnceLock<Diagnostics> = OnceLock::new();
        static COUNTERS: OnceLock<Counters> = OnceLock::new();
        let engine =
            ENGINE.get_or_init(|| Engine::new(RuleSet::builtin().expect("built-in rules")));
        let ctx = Context {
            engine,
            diag: DIAG.get_or_init(Diagnostics::quiet),
            counters: COUNTERS.get_or_init(Counters::default),
            progress: None,
        };
        f(&ctx)
    }
}
