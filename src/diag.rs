//! Non-fatal input problems: named on stderr as they happen, counted by kind.
//!
//! One bad input never stops a scan. Every source reports what it could not
//! read through [`Diagnostics::report`], which prints `sprawl: INPUT: REASON`
//! (escaped, since paths and export text are attacker-controlled) and counts
//! the kind for the summary. Kinds that are routine rather than errors
//! (binary files skipped, FIFOs) are counted with [`Diagnostics::note`] and
//! printed only once as a total.

use std::collections::BTreeMap;
use std::fmt::Display;
use std::io::Write;
use std::sync::Mutex;

/// Counts of problems by kind, shared by all scan threads.
#[derive(Default)]
pub struct Diagnostics {
    counts: Mutex<BTreeMap<&'static str, u64>>,
    skipped: Mutex<BTreeMap<&'static str, u64>>,
    quiet: bool,
}

impl Diagnostics {
    /// Diagnostics that print each error to stderr.
    pub fn new() -> Diagnostics {
        Diagnostics::default()
    }

    /// Diagnostics that only count (tests, `--quiet`).
    pub fn quiet() -> Diagnostics {
        Diagnostics {
            quiet: true,
            ..Diagnostics::default()
        }
    }

    /// An input that could not be read, or only in part: printed and counted.
    pub fn report(&self, kind: &'static str, input: impl Display, reason: impl Display) {
        bump(&self.counts, kind);
        self.print(input, reason);
    }

    /// An input skipped on purpose that a person should hear about (a blob
    /// over the size limit, a submodule, a shallow clone): printed and
    /// counted among the skips, not the errors.
    pub fn skip(&self, kind: &'static str, input: impl Display, reason: impl Display) {
        bump(&self.skipped, kind);
        self.print(input, reason);
    }

    /// An input skipped on purpose (binary file, FIFO): counted, not printed.
    pub fn note(&self, kind: &'static str) {
        bump(&self.skipped, kind);
    }

    fn print(&self, input: impl Display, reason: impl Display) {
        if !self.quiet {
            let line = format!("sprawl: {input}: {reason}");
            let _ = writeln!(std::io::stderr().lock(), "{}", sanitize(&line));
        }
    }

    /// Errors by kind.
    pub fn errors(&self) -> BTreeMap<&'static str, u64> {
        self.counts.lock().expect("diag lock").clone()
    }

    /// Deliberate skips by kind.
    pub fn skipped(&self) -> BTreeMap<&'static str, u64> {
        self.skipped.lock().expect("diag lock").clone()
    }

    /// Total number of errors.
    pub fn error_count(&self) -> u64 {
        self.counts.lock().expect("diag lock").values().sum()
    }
}

fn bump(counts: &Mutex<BTreeMap<&'static str, u64>>, kind: &'static str) {
    *counts.lock().expect("diag lock").entry(kind).or_default() += 1;
}

/// Escapes control and bidirectional-override characters so that hostile
/// file names and export text cannot rewrite the terminal.
pub fn sanitize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let bidi = matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}');
        if (c.is_control() && c != '\t') || bidi {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_kind() {
        let d = Diagnostics::quiet();
        d.report("unreadable", "a.txt", "permission denied");
        d.report("unreadable", "b.txt", "permission denied");
        d.report("corrupt gzip", "c.gz", "invalid header");
        d.note("binary");
        assert_eq!(d.error_count(), 3);
        assert_eq!(d.errors()["unreadable"], 2);
        assert_eq!(d.skipped()["binary"], 1);
    }

    #[test]
    fn escapes_terminal_controls() {
        assert_eq!(sanitize("a\x1b[31mb"), "a\\u{1b}[31mb");
        assert_eq!(sanitize("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(sanitize("plain\tpath"), "plain\tpath");
    }
}
