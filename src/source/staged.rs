//! The staged source: only the lines a commit would add (pre-commit).
//!
//! Diffs the index against HEAD (or against the empty tree before the first
//! commit) with renames detected, so a moved file adds nothing. The added
//! lines of each file are laid out at their own line numbers in a buffer
//! whose other lines are empty, and that buffer is scanned: line numbers are
//! those of the staged file, and text that was already committed is never
//! seen. The work tree is never read.

use std::path::Path;

use git2::{Delta, DiffFindOptions, DiffOptions, Patch, Repository};

use super::fs::Context;
use super::stream::{Sniff, Streamer};
use crate::finding::{Finding, Location, SourceKind};

/// Scans what is staged in `repo`.
pub fn scan_index(ctx: &Context<'_>, repo: &Repository) -> Vec<Finding> {
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
    let mut opts = DiffOptions::new();
    opts.context_lines(0).ignore_submodules(true);
    let mut diff = match repo.diff_tree_to_index(head.as_ref(), None, Some(&mut opts)) {
        Ok(d) => d,
        Err(e) => {
            ctx.diag.report(
                "unreadable repository",
                format!("{name}: index"),
                e.message(),
            );
            return Vec::new();
        }
    };
    if let Err(e) = diff.find_similar(Some(DiffFindOptions::new().renames(true))) {
        ctx.diag.report(
            "unreadable repository",
            format!("{name}: rename detection"),
            e.message(),
        );
    }
    let mut out = Vec::new();
    let mut streamer = Streamer::default();
    let mut added = Vec::new();
    for i in 0..diff.deltas().len() {
        let Some(delta) = diff.get_delta(i) else {
            continue;
        };
        if matches!(
            delta.status(),
            Delta::Deleted | Delta::Unmodified | Delta::Ignored | Delta::Untracked
        ) {
            continue;
        }
        let path = delta
            .new_file()
            .path()
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        let input = format!("{name}: staged {path}");
        let patch = match Patch::from_diff(&diff, i) {
            Ok(Some(p)) => p,
            Ok(None) => continue,
            Err(e) => {
                ctx.diag.report("corrupt git object", &input, e.message());
                continue;
            }
        };
        if patch.delta().flags().is_binary() {
            ctx.diag.note("binary file skipped");
            continue;
        }
        if let Err(e) = added_lines(&patch, &mut added) {
            ctx.diag.report("corrupt git object", &input, e.message());
            continue;
        }
        if added.is_empty() {
            continue;
        }
        let location = Location::new(SourceKind::Staged, path);
        ctx.scan_reader(
            &mut streamer,
            added.as_slice(),
            Sniff::Off,
            &location,
            &input,
            &mut out,
        );
    }
    out
}

/// Writes the added lines of `patch` into `buf` at their new line numbers,
/// every other line left empty.
fn added_lines(patch: &Patch<'_>, buf: &mut Vec<u8>) -> Result<(), git2::Error> {
    buf.clear();
    let mut next_line = 1u32;
    for hunk in 0..patch.num_hunks() {
        for l in 0..patch.num_lines_in_hunk(hunk)? {
            let line = patch.line_in_hunk(hunk, l)?;
            if line.origin() != '+' {
                continue;
            }
            let Some(n) = line.new_lineno() else {
                continue;
            };
            if n < next_line {
                continue;
            }
            buf.resize(buf.len() + (n - next_line) as usize, b'\n');
            buf.extend_from_slice(line.content());
            if !line.content().ends_with(b"\n") {
                buf.push(b'\n');
            }
            next_line = n + 1;
        }
    }
    Ok(())
}

/// Finds the repository that contains `dir`, as git does for `git commit`.
pub fn discover(dir: &Path) -> Result<Repository, git2::Error> {
    Repository::discover(dir)
}
