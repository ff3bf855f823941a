//! Many small texts (chat messages, ticket comments) scanned in one pass.
//!
//! An export holds thousands of short records. Scanning each on its own
//! would pay the matcher's fixed per-call cost thousands of times, so a
//! [`TextBatch`] lays the texts of one export file end to end (records apart
//! by a blank line) and streams the whole batch once; each hit is mapped back
//! to its record by offset. The same secret found twice in one record (a
//! Slack message's `text` and its `blocks` say the same thing) is one hit.
//!
//! [`line_of`] gives the line in the export file where a secret sits, by
//! searching the raw file only when there is a hit, so the common case of no
//! hit costs nothing.

use std::collections::HashSet;

use super::fs::Context;
use super::stream::{Hit, Sniff, Streamer};

/// Texts of many records, laid end to end; reused from file to file.
#[derive(Default)]
pub struct TextBatch {
    buf: Vec<u8>,
    /// Offset in `buf` where each record's text starts.
    starts: Vec<usize>,
}

impl TextBatch {
    /// Empties the batch, keeping its storage.
    pub fn clear(&mut self) {
        self.buf.clear();
        self.starts.clear();
    }

    /// Starts a new record and returns its index; texts pushed from now on
    /// belong to it.
    pub fn record(&mut self) -> usize {
        self.starts.push(self.buf.len());
        self.starts.len() - 1
    }

    /// Adds one text to the current record.
    pub fn push(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        debug_assert!(!self.starts.is_empty(), "push before record");
        self.buf.extend_from_slice(text.as_bytes());
        self.buf.extend_from_slice(b"\n\n");
    }

    /// Number of records.
    pub fn records(&self) -> usize {
        self.starts.len()
    }

    /// The texts, end to end.
    pub fn bytes(&self) -> &[u8] {
        &self.buf
    }

    /// Bytes of text held.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// Whether no text was pushed.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Scans the batch as the text of one input named `input`, `size` bytes
    /// long (counted in the summary), and returns each hit with its record,
    /// one per (record, rule, secret), in text order.
    pub fn scan(
        &self,
        ctx: &Context<'_>,
        streamer: &mut Streamer,
        input: &str,
        size: u64,
    ) -> Vec<(usize, Hit)> {
        let hits = ctx.hits_of(streamer, &self.buf[..], Sniff::Off, input, Some(size));
        let mut seen = HashSet::new();
        let mut out = Vec::with_capacity(hits.len());
        for hit in hits {
            let record = self.record_at(hit.offset as usize);
            if seen.insert((record, hit.rule, hit.secret.clone())) {
                out.push((record, hit));
            }
        }
        out
    }

    fn record_at(&self, offset: usize) -> usize {
        self.starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1)
    }
}

/// The 1-based (line, column) in `raw` where `secret` first occurs at or
/// after the first occurrence of `anchor` (a record's id as it is written in
/// the file), else where it first occurs anywhere, else where `anchor` is,
/// else (1, 1).
pub fn line_of(raw: &[u8], anchor: &[u8], secret: &[u8]) -> (u64, u64) {
    let at = if anchor.is_empty() {
        None
    } else {
        memchr::memmem::find(raw, anchor)
    };
    let from = at.unwrap_or(0);
    let pos = memchr::memmem::find(&raw[from..], secret)
        .map(|p| p + from)
        .or_else(|| memchr::memmem::find(raw, secret))
        .or(at);
    match pos {
        Some(p) => {
            let line = super::stream::count_newlines(&raw[..p]) as u64 + 1;
            let line_start = memchr::memrchr(b'\n', &raw[..p]).map_or(0, |i| i + 1);
            (line, (p - line_start) as u64 + 1)
        }
        None => (1, 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_found_by_offset_even_around_empty_ones() {
        let mut b = TextBatch::default();
        b.record();
        b.push("first");
        b.record(); // empty
        b.record();
        b.push("third");
        assert_eq!(b.records(), 3);
        assert_eq!(b.record_at(0), 0);
        assert_eq!(b.record_at(4), 0);
        assert_eq!(b.record_at(7), 2);
    }

    #[test]
    fn line_of_prefers_the_occurrence_after_the_anchor() {
        let raw = b"[\n {\"ts\": \"1\", \"t\": \"tok\"},\n {\"ts\": \"2\",\n  \"t\": \"tok\"}\n]";
        assert_eq!(line_of(raw, b"\"2\"", b"tok").0, 4);
        assert_eq!(line_of(raw, b"\"1\"", b"tok"), (2, 20));
        assert_eq!(line_of(raw, b"\"9\"", b"tok").0, 2);
        assert_eq!(line_of(raw, b"\"2\"", b"none").0, 3);
        assert_eq!(line_of(raw, b"", b"none"), (1, 1));
    }
}
