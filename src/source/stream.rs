//! Streams one input through the matcher in overlapping chunks.
//!
//! Any input is a `Read`: a file, stdin, a gzip stream, a transcoded UTF-16
//! file. It is read into a reusable buffer of at most [`CHUNK`] new bytes plus
//! the carried context, so a 10 GB log is scanned in bounded memory. A match
//! is accepted only if its secret starts in the chunk's accept region:
//! `[HEAD, len - TAIL)` for inner chunks, which the next chunk re-reads with
//! [`HEAD`] bytes of context before it. A match crossing a chunk boundary is
//! therefore found exactly once, as long as it is shorter than [`TAIL`].
//!
//! The first bytes decide the encoding: a NUL in the first 8 KiB means binary
//! (skipped unless asked) or UTF-16 (recognised by a BOM or by NULs at every
//! other byte, then transcoded to UTF-8 and scanned).

use std::io::{self, Read};

use super::decode::{Decoded, Layers};
use crate::matcher::{Matcher, RawMatch, Scratch};
use crate::rules::RuleSet;

/// New bytes read per chunk. Smaller chunks measured slower: each matcher
/// call has a fixed cost that a larger chunk amortises.
pub const CHUNK: usize = 1 << 20;
/// Bytes held back at the end of an inner chunk: more than the longest
/// match (a keyword's lookbehind plus the largest rule window).
pub const TAIL: usize = crate::matcher::MAX_WINDOW + crate::matcher::LOOKBEHIND + 4096;
/// Context kept before the accept region of the next chunk.
pub const HEAD: usize = 4 << 10;
/// How much of the start is sniffed for NUL bytes.
const SNIFF: usize = 8 << 10;

/// One match with its position in the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    /// Index of the rule.
    pub rule: usize,
    /// The secret bytes.
    pub secret: Vec<u8>,
    /// 1-based line of the first byte.
    pub line: u64,
    /// 1-based byte column of the first byte.
    pub column: u64,
    /// Byte offset of the first byte in the (decoded) input; for a secret
    /// found in encoded text, of the encoded run.
    pub offset: u64,
    /// The decodings that revealed the secret, outermost first; empty for
    /// a secret in the text as read.
    pub decoded: Vec<&'static str>,
}

/// How an input was scanned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Scanned this many bytes.
    Scanned(u64),
    /// Skipped as binary after sniffing.
    Binary,
}

/// Whether to sniff for binary content and UTF-16.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sniff {
    /// Skip binary inputs, transcode UTF-16.
    Text,
    /// Scan binary inputs as bytes (still transcoding UTF-16).
    Binary,
    /// Scan as given (already decoded text).
    Off,
}

/// Reusable per-thread state for scanning inputs.
#[derive(Default)]
pub struct Streamer {
    buf: Vec<u8>,
    scratch: Scratch,
    raw: Vec<RawMatch>,
    /// Search encoded runs too (see [`super::decode`]).
    decode: bool,
    layers: Layers,
    decoded: Vec<Decoded>,
}

/// An I/O error after part of the input was scanned: what was found before
/// it is kept in the caller's hits.
#[derive(Debug)]
pub struct PartialRead {
    /// Bytes scanned before the error.
    pub scanned: u64,
    /// The error.
    pub error: io::Error,
}

impl Streamer {
    /// Turns decoding layers on or off (off by default).
    pub fn set_decode(&mut self, on: bool) {
        self.decode = on;
    }

    /// Streams `reader` through the matcher, appending hits to `out`.
    pub fn scan_reader<R: Read>(
        &mut self,
        rules: &RuleSet,
        matcher: &Matcher,
        mut reader: R,
        sniff: Sniff,
        out: &mut Vec<Hit>,
    ) -> Result<Outcome, PartialRead> {
        let mut buf = std::mem::take(&mut self.buf);

        let result = self.stream(rules, matcher, &mut reader, &mut buf, sniff, out);
        if buf.capacity() <= CHUNK + TAIL + HEAD + SNIFF {
            self.buf = buf;
        }
        result
    }

    fn stream(
        &mut self,
        rules: &RuleSet,
        matcher: &Matcher,
        reader: &mut dyn Read,
        buf: &mut Vec<u8>,
        sniff: Sniff,
        out: &mut Vec<Hit>,
    ) -> Result<Outcome, PartialRead> {
        // `buf` is zero-initialised storage that only grows; `len` bytes of it
        // hold input, so small files do not pay for clearing a chunk each.
        let mut len = 0usize;
        let mut base: u64 = 0; // input offset of buf[0]
        let mut accept_from = 0usize;
        let mut lines = LineCounter::default();
        let mut first = true;
        loop {
            let target = accept_from + CHUNK + TAIL;
            // A read error ends the input: what was read before it is still
            // scanned, then the error is returned.
            let (eof, error) = match fill(reader, buf, &mut len, target) {
                Ok(eof) => (eof, None),
                Err(e) => (true, Some(e)),
            };
            if first {
                first = false;
                if sniff != Sniff::Off {
                    let head = &buf[..len.min(SNIFF)];
                    if let (None, Some(order)) = (&error, utf16_order(head)) {
                        let mut taken = std::mem::take(buf);
                        taken.truncate(len);
                        let decoded = Utf16Reader::new(io::Cursor::new(taken).chain(reader), order);
                        return self.stream(rules, matcher, &mut { decoded }, buf, Sniff::Off, out);
                    }
                    if sniff == Sniff::Text && memchr::memchr(0, head).is_some() {
                        return Ok(Outcome::Binary);
                    }
                }
            }
            let data = &buf[..len];
            let accept_to = if eof { len } else { len - TAIL };
            self.raw.clear();
            matcher.find(rules, data, &mut self.scratch, &mut self.raw);
            self.decoded.clear();
            if self.decode {
                self.layers.scan(
                    rules,
                    matcher,
                    data,
                    accept_from..accept_to,
                    &self.raw,
                    &mut self.decoded,
                );
            }
            let mut found = std::mem::take(&mut self.decoded);
            found.sort_by_key(|d| d.at);
            let decoded_runs = &found;
            // A generic match on an encoded run whose decoded text holds a
            // token is that same credential: the decoded token, with its
            // specific rule, stands for it.
            let covered = |m: &RawMatch| {
                rules.rules()[m.rule].spec.family == "generic"
                    && decoded_runs.iter().any(|d| {
                        d.at <= m.start
                            && m.end <= d.end
                            && rules.rules()[d.rule].spec.family != "generic"
                    })
            };
            let mut raw = self
                .raw
                .iter()
                .filter(|m| m.start >= accept_from && m.start < accept_to && !covered(m))
                .peekable();
            let mut decoded = found.iter().cloned().peekable();
            // Both in text order, so that lines are counted forward once.
            loop {
                let take_raw = match (raw.peek(), decoded.peek()) {
                    (Some(r), Some(d)) => r.start <= d.at,
                    (Some(_), None) => true,
                    (None, Some(_)) => false,
                    (None, None) => break,
                };
                let mut hit = if take_raw {
                    let m = raw.next().expect("peeked");
                    lines.hit(data, m)
                } else {
                    let d = decoded.next().expect("peeked");
                    let (line, column) = lines.position(data, d.at);
                    Hit {
                        rule: d.rule,
                        secret: d.secret,
                        line,
                        column,
                        offset: d.at as u64,
                        decoded: d.chain,
                    }
                };
                hit.offset += base;
                out.push(hit);
            }
            drop(decoded);
            found.clear();
            self.decoded = found; // keep the allocation
            if let Some(error) = error {
                return Err(PartialRead {
                    scanned: base + len as u64,
                    error,
                });
            }
            if eof {
                return Ok(Outcome::Scanned(base + len as u64));
            }
            let keep_from = accept_to - HEAD.min(accept_to);
            lines.advance(data, keep_from);
            lines.shift(keep_from);
            buf.copy_within(keep_from..len, 0);
            len -= keep_from;
            base += keep_from as u64;
            accept_from = accept_to - keep_from;
        }
    }
}

/// Reads until `len` reaches `target` or the input ends; true at EOF.
/// `buf` grows (zeroed) to `target` once and is then reused.
fn fill(
    reader: &mut dyn Read,
    buf: &mut Vec<u8>,
    len: &mut usize,
    target: usize,
) -> io::Result<bool> {
    if buf.len() < target {
        buf.resize(target, 0);
    }
    while *len < target {
        match reader.read(&mut buf[*len..target]) {
            Ok(0) => return Ok(true),
            Ok(n) => *len += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(false)
}

/// Line numbers by counting newlines lazily, only up to where a hit or a
/// chunk boundary needs them.
#[derive(Default)]
struct LineCounter {
    /// Buffer index up to which newlines are counted.
    pos: usize,
    /// Newlines before `pos` since the start of the input.
    newlines: u64,
    /// Buffer index just after the last newline before `pos` (may be
    /// negative once shifted out, hence i64).
    line_start: i64,
}

impl LineCounter {
    fn advance(&mut self, buf: &[u8], to: usize) {
        if to <= self.pos {
            return;
        }
        let seg = &buf[self.pos..to];
        self.newlines += count_newlines(seg) as u64;
        if let Some(i) = memchr::memrchr(b'\n', seg) {
            self.line_start = (self.pos + i + 1) as i64;
        }
        self.pos = to;
    }

    fn shift(&mut self, by: usize) {
        self.pos -= by;
        self.line_start -= by as i64;
    }

    fn hit(&mut self, buf: &[u8], m: &RawMatch) -> Hit {
        let (line, column) = self.position(buf, m.start);
        Hit {
            rule: m.rule,
            secret: buf[m.start..m.end].to_vec(),
            line,
            column,
            offset: m.start as u64,
            decoded: Vec::new(),
        }
    }

    /// The 1-based line and column of `at`, which must not lie before the
    /// last position asked for.
    fn position(&mut self, buf: &[u8], at: usize) -> (u64, u64) {
        self.advance(buf, at);
        (self.newlines + 1, (at as i64 - self.line_start + 1) as u64)
    }
}

/// Counts `\n` bytes; written so that it vectorizes.
pub fn count_newlines(bytes: &[u8]) -> usize {
    let mut n = 0usize;
    for chunk in bytes.chunks(4096) {
        n += chunk.iter().filter(|&&b| b == b'\n').count();
    }
    n
}

/// Byte order of UTF-16 text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Order {
    Little,
    Big,
}

/// Recognises UTF-16 by its BOM, or by NUL bytes at most odd (LE) or even
/// (BE) positions, as ASCII-heavy UTF-16 text has.
fn utf16_order(head: &[u8]) -> Option<Order> {
    match head {
        [0xFF, 0xFE, ..] => return Some(Order::Little),
        [0xFE, 0xFF, ..] => return Some(Order::Big),
        _ => {}
    }
    if head.len() < 16 {
        return None;
    }
    let pairs = head.len() / 2;
    let (mut even, mut odd) = (0usize, 0usize);
    for p in head.chunks_exact(2) {
        even += (p[0] == 0) as usize;
        odd += (p[1] == 0) as usize;
    }
    if odd * 10 >= pairs * 7 && even * 10 <= pairs {
        Some(Order::Little)
    } else if even * 10 >= pairs * 7 && odd * 10 <= pairs {
        Some(Order::Big)
    } else {
        None
    }
}

/// Transcodes a UTF-16 byte stream to UTF-8 (lossily, with U+FFFD for
/// unpaired surrogates), dropping a BOM.
struct Utf16Reader<R> {
    inner: R,
    order: Order,
    pending: Vec<u8>,
    out: Vec<u8>,
    out_pos: usize,
    started: bool,
    eof: bool,
}

impl<R: Read> Utf16Reader<R> {
    fn new(inner: R, order: Order) -> Self {
        Utf16Reader {
            inner,
            order,
            pending: Vec::new(),
            out: Vec::new(),
            out_pos: 0,
            started: false,
            eof: false,
        }
    }

    fn refill(&mut self) -> io::Result<()> {
        let mut raw = [0u8; 16 << 10];
        let n = self.inner.read(&mut raw)?;
        if n == 0 {
            self.eof = true;
        }
        self.pending.extend_from_slice(&raw[..n]);
        let usable = if self.eof {
            self.pending.len()
        } else {
            self.pending.len() & !1
        };
        let units = self.pending[..usable].chunks(2).map(|p| {
            let (a, b) = (p[0], *p.get(1).unwrap_or(&0));
            match self.order {
                Order::Little => u16::from_le_bytes([a, b]),
                Order::Big => u16::from_be_bytes([a, b]),
            }
        });
        // Keep a trailing high surrogate for the next round.
        let mut units: Vec<u16> = units.collect();
        let mut carry = Vec::new();
        if !self.eof {
            if let Some(&last) = units.last() {
                if (0xD800..0xDC00).contains(&last) {
                    units.pop();
                    carry.extend_from_slice(&self.pending[usable - 2..usable]);
                }
            }
        }
        carry.extend_from_slice(&self.pending[usable..]);
        self.pending = carry;
        self.out.clear();
        self.out_pos = 0;
        let mut skip_bom = !self.started;
        self.started = true;
        for c in char::decode_utf16(units) {
            let c = c.unwrap_or(char::REPLACEMENT_CHARACTER);
            if skip_bom {
                skip_bom = false;
                if c == '\u{feff}' {
                    continue;
                }
            }
            let mut tmp = [0u8; 4];
            self.out
                .extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
        }
        Ok(())
    }
}

impl<R: Read> Read for Utf16Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.out_pos == self.out.len() {
            if self.eof {
                return Ok(0);
            }
            self.refill()?;
        }
        let n = buf.len().min(self.out.len() - self.out_pos);
        buf[..n].copy_from_slice(&self.out[self.out_pos..self.out_pos + n]);
        self.out_pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> RuleSet {
        let mut set = RuleSet::default();
        set.add_text(
            "t.toml",
            r#"
[[rules]]
id = "acme.key"
name = "Acme"
family = "acme"
pattern = '''\b(?P<secret>acme_[a-z0-9]{12})\b'''
keywords = ["acme_"]
"#,
            true,
        )
        .unwrap();
        set
    }

    fn scan(input: &[u8], sniff: Sniff) -> (Result<Outcome, PartialRead>, Vec<Hit>) {
        let set = rules();
        let m = Matcher::new(&set);
        let mut out = Vec::new();
        let r = Streamer::default().scan_reader(&set, &m, input, sniff, &mut out);
        (r, out)
    }

    #[test]
    fn secret_across_every_chunk_boundary_is_found_once() {
        let token = b"acme_q1w2e3r4t5y6";
        // Place the token so that it straddles the first accept boundary at
        // each offset around it.
        let boundary = CHUNK; // accept_to of the first chunk = CHUNK + TAIL - TAIL
        for shift in [0usize, 1, 5, 16, 17, 100, HEAD, TAIL] {
            let start = boundary - shift.min(boundary);
            let mut data = vec![b'.'; CHUNK * 2 + 1000];
            for i in (0..data.len()).step_by(80) {
                data[i] = b'\n';
            }
            data[start - 1] = b' ';
            data[start..start + token.len()].copy_from_slice(token);
            data[start + token.len()] = b' ';
            let (r, hits) = scan(&data, Sniff::Text);
            assert!(matches!(r, Ok(Outcome::Scanned(n)) if n == data.len() as u64));
            assert_eq!(hits.len(), 1, "shift {shift}");
            assert_eq!(hits[0].offset, start as u64);
            assert_eq!(
                hits[0].line,
                data[..start].iter().filter(|&&b| b == b'\n').count() as u64 + 1
            );
        }
    }

    #[test]
    fn lines_and_columns() {
        let (_, hits) = scan(b"a\nbb\n  x acme_q1w2e3r4t5y6\r\n", Sniff::Text);
        assert_eq!((hits[0].line, hits[0].column), (3, 5));
    }

    #[test]
    fn binary_is_skipped_unless_asked() {
        let data = b"\x89PNG\0\0\x01acme_q1w2e3r4t5y6 \xff\xfe";
        assert!(matches!(scan(data, Sniff::Text).0, Ok(Outcome::Binary)));
        let (r, hits) = scan(data, Sniff::Binary);
        assert!(matches!(r, Ok(Outcome::Scanned(_))));
        assert_eq!(hits.len(), 1);
    }

    #[test]
    fn utf16_with_and_without_bom() {
        let text = "line one\nkey = acme_q1w2e3r4t5y6\n";
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(|u| u.to_le_bytes()))
            .collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
        for data in [le, be] {
            let (_, hits) = scan(&data, Sniff::Text);
            assert_eq!(hits.len(), 1);
            assert_eq!(hits[0].secret, b"acme_q1w2e3r4t5y6");
            assert_eq!(hits[0].line, 2);
        }
    }

    #[test]
    fn invalid_utf8_is_scanned_as_bytes() {
        let (_, hits) = scan(b"\xc3\x28 \xff acme_q1w2e3r4t5y6 \xa0", Sniff::Text);
        assert_eq!(hits.len(), 1);
    }

    struct FailAfter<'a>(&'a [u8]);
    impl Read for FailAfter<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "corrupt"));
            }
            let n = buf.len().min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn an_error_mid_stream_keeps_earlier_hits() {
        let mut data = b"acme_q1w2e3r4t5y6\n".to_vec();
        data.resize(CHUNK + TAIL + 10, b'x');
        let set = rules();
        let m = Matcher::new(&set);
        let mut out = Vec::new();
        let r = Streamer::default().scan_reader(&set, &m, FailAfter(&data), Sniff::Text, &mut out);
        assert!(r.is_err());
        assert_eq!(out.len(), 1);
    }
}
