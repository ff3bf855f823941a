//! The staged source: only the lines a commit would add (pre-commit).
//!
//! Compares the index with HEAD (or the empty tree before the first commit).
//! The index is read by [`super::index`], which skips every directory its
//! cache tree proves unchanged, so a small change in a repository of 100k
//! files costs a few tree reads. Renames are detected (an exact move adds
//! nothing; a moved and edited file is diffed against where it came from).
//! The added lines of each file are laid out at their own line numbers in a
//! buffer whose other lines are empty, and that buffer is scanned: line
//! numbers are those of the staged file, and text that was already committed
//! is never seen. The work tree is never read.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::fs::Context;
use super::index::{self, Change, IndexError, IndexFile};
use super::stream::{Sniff, Streamer};
use crate::finding::{Finding, Location, SourceKind};
use git2::{Oid, Repository};

/// Scans what is staged in `repo`.
pub fn scan_index(ctx: &Context<'_>, repo: &Repository) -> Vec<Finding> {
    super::git::tune_libgit2();
    let name = repo
        .workdir()
        .unwrap_or_else(|| repo.path())
        .display()
        .to_string();
    let head = match repo.head() {
        Ok(h) => match h.peel_to_tree() {
            Ok(t) => Some(t),
            Err(e) => {
                ctx.diag
                    .report("corrupt git object", format!("{name}: HEAD"), e.message());
                None
            }
        },
        // No commit yet: everything staged is added.
        Err(_) => None,
    };
    let index_path = index_file(repo);
    let index = match IndexFile::open(&index_path) {
        Ok(Ok(ix)) => ix,
        // No index yet: nothing is staged.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
        Err(e) => {
            ctx.diag.report("unreadable", index_path.display(), e);
            return Vec::new();
        }
        Ok(Err(e @ IndexError::Unsupported(_))) => {
            ctx.diag.report(
                UNSUPPORTED_INDEX,
                index_path.display(),
                format!("{e}; sprawl cannot read that yet, so nothing staged was checked"),
            );
            return Vec::new();
        }
        Ok(Err(e)) => {
            ctx.diag.report(CORRUPT_INDEX, index_path.display(), e);
            return Vec::new();
        }
    };
    match index::staged_changes(repo, &index, head.as_ref().map(|t| t.id())) {
        Ok(staged) => scan_changes(ctx, repo, &name, staged),
        Err(e) => {
            ctx.diag
                .report("corrupt git object", format!("{name}: HEAD"), e.message());
            Vec::new()
        }
    }
}

/// The error kind of an index that could not be read at all: the command
/// exits 2, since nothing staged was checked.
pub const UNSUPPORTED_INDEX: &str = "unsupported index";
/// The error kind of a malformed index file.
pub const CORRUPT_INDEX: &str = "corrupt index";

/// The index file git uses: `$GIT_INDEX_FILE` when set (as during
/// `git commit PATH...`, relative to the current directory), else
/// `.git/index`.
fn index_file(repo: &Repository) -> PathBuf {
    match std::env::var_os("GIT_INDEX_FILE") {
        Some(p) if !p.is_empty() => {
            let p = PathBuf::from(p);
            std::env::current_dir().map_or(p.clone(), |cwd| cwd.join(&p))
        }
        _ => repo.path().join("index"),
    }
}

/// At most this many (added, deleted) pairs are compared for renames, as
/// git's `diff.renameLimit` bounds its own search.
const RENAME_PAIRS: usize = 1000;

fn scan_changes(
    ctx: &Context<'_>,
    repo: &Repository,
    name: &str,
    staged: index::Staged,
) -> Vec<Finding> {
    let deleted: HashSet<Oid> = staged.deleted.iter().copied().collect();
    let mut out = Vec::new();
    let mut streamer = Streamer::default();
    let mut added = Vec::new();
    let mut pairs = 0usize;
    for change in staged.changes {
        let Change { path, new, mut old } = change;
        let input = format!("{name}: staged {path}");
        if old.is_none() && deleted.contains(&new) {
            continue; // moved, unchanged
        }
        let new_blob = match repo.find_blob(new) {
            Ok(b) => b,
            Err(e) => {
                ctx.diag.report("corrupt git object", &input, e.message());
                continue;
            }
        };
        if old.is_none() && !staged.deleted.is_empty() && pairs < RENAME_PAIRS {
            old = staged.deleted.iter().copied().find(|&d| {
                pairs += 1;
                pairs <= RENAME_PAIRS
                    && repo
                        .find_blob(d)
                        .is_ok_and(|b| similar(b.content(), new_blob.content()))
            });
        }
        let location = Location::new(SourceKind::Staged, path);
        let Some(old) = old else {
            // A new file: every line is added.
            ctx.scan_reader(
                &mut streamer,
                new_blob.content(),
                Sniff::Text,
                &location,
                &input,
                &mut out,
            );
            continue;
        };
        let old_blob = match repo.find_blob(old) {
            Ok(b) => b,
            Err(e) => {
                ctx.diag.report("corrupt git object", &input, e.message());
                continue;
            }
        };
        if memchr::memchr(0, &new_blob.content()[..new_blob.size().min(8000)]).is_some() {
            ctx.diag.note("binary file skipped");
            continue;
        }
        added_between(old_blob.content(), new_blob.content(), &mut added);
        if !added.is_empty() {
            ctx.scan_reader(
                &mut streamer,
                added.as_slice(),
                Sniff::Off,
                &location,
                &input,
                &mut out,
            );
        }
    }
    out
}

/// Lays out the lines of `new` that a line diff against `old` shows as
/// added, at their own line numbers. Computed here rather than with
/// libgit2's blob patch, which loads the whole index to look up
/// `.gitattributes` for every file.
fn added_between(old: &[u8], new: &[u8], buf: &mut Vec<u8>) {
    buf.clear();
    let diff = similar::TextDiff::configure()
        .algorithm(similar::Algorithm::Myers)
        .timeout(std::time::Duration::from_millis(200))
        .diff_lines(old, new);
    let lines = diff.new_slices();
    let mut next = 0usize; // index of the next line `buf` would hold
    for op in diff.ops() {
        let range = match *op {
            similar::DiffOp::Insert {
                new_index, new_len, ..
            }
            | similar::DiffOp::Replace {
                new_index, new_len, ..
            } => new_index..new_index + new_len,
            _ => continue,
        };
        buf.resize(buf.len() + (range.start - next), b'\n');
        for line in &lines[range.clone()] {
            buf.extend_from_slice(line);
            if !line.ends_with(b"\n") {
                buf.push(b'\n');
            }
        }
        next = range.end;
    }
}

/// Whether `new` is an edited copy of `old`: sizes within a factor of two and
/// at least half of its lines found in `old` (git's default rename score).
fn similar(old: &[u8], new: &[u8]) -> bool {
    let (a, b) = (old.len().max(1), new.len().max(1));
    if a > 2 * b || b > 2 * a {
        return false;
    }
    let lines: HashSet<&[u8]> = old.split(|&c| c == b'\n').collect();
    let total = new.split(|&c| c == b'\n').count();
    let shared = new
        .split(|&c| c == b'\n')
        .filter(|l| lines.contains(l))
        .count();
    shared * 2 >= total
}

/// Finds the repository that contains `dir`, as git does for `git commit`.
pub fn discover(dir: &Path) -> Result<Repository, git2::Error> {
    Repository::discover(dir)
}
