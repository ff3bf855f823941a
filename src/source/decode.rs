//! Decoding layers: secrets hidden inside base64, percent-encoding and JSON
//! string escapes.
//!
//! After the matcher has searched a chunk, [`Layers::scan`] finds candidate
//! encoded runs in it cheaply: base64 (standard or URL-safe) runs of at least
//! [`MIN_BASE64`] characters, runs holding `%XX`, and runs holding `\uXXXX`
//! or `\/`. Each run is decoded into one reusable buffer per level (runs
//! apart by a newline) and kept only if it decodes to text; the buffer is
//! searched with the same matcher, and searched again for encoded runs, down
//! to [`MAX_DEPTH`] levels and at most [`BUDGET`] decoded bytes per level and
//! chunk. So a Kubernetes Secret's `data:` value, the `auth` inside a
//! `.dockerconfigjson`, a `Basic` header and a `\u002f`-escaped log line all
//! give up their tokens.
//!
//! A hit in decoded text is reported at the start of the outermost encoded
//! run, with the chain of decodings outermost first (`["base64",
//! "json-escape"]`). A secret that the level above already found inside the
//! same run (a JSON-escaped URL whose token needed no unescaping, a SAS URL
//! whose signature ends in `%3D`) is not reported twice; nor is the encoded run itself when only a `generic` rule
//! saw it (`password: <base64>`, a `Basic` header) and the decoded text
//! names the token (see [`crate::source::stream`]). Nothing is allocated per byte: the candidate search is a
//! table lookup per byte plus `memchr` for `%` and `\`.

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;

use crate::matcher::{Matcher, RawMatch, Scratch};
use crate::rules::RuleSet;

/// Levels of decoding below the raw text.
pub const MAX_DEPTH: usize = 3;
/// The shortest base64 run considered (15 decoded bytes).
pub const MIN_BASE64: usize = 20;
/// The longest run decoded; longer runs are cut.
pub const MAX_RUN: usize = 64 << 10;
/// Decoded bytes per level per chunk.
pub const BUDGET: usize = 8 << 20;

/// One decoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Base64, standard or URL-safe alphabet, padded or not.
    Base64,
    /// `%XX` escapes.
    Percent,
    /// JSON string escapes (`\uXXXX`, `\/`, `\n`, ...).
    JsonEscape,
}

impl Kind {
    /// The name used in the `decoded` output field.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Base64 => "base64",
            Kind::Percent => "percent",
            Kind::JsonEscape => "json-escape",
        }
    }
}

/// A match found in decoded text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoded {
    /// Index of the rule.
    pub rule: usize,
    /// The secret bytes (decoded).
    pub secret: Vec<u8>,
    /// Offset in the scanned chunk of the outermost encoded run.
    pub at: usize,
    /// End (exclusive) of the outermost encoded run.
    pub end: usize,
    /// The decodings, outermost first.
    pub chain: Vec<&'static str>,
}

/// One decoded run: where its text went and where it came from.
#[derive(Clone, Copy, Debug)]
struct Seg {
    /// Start of the decoded text in this level's buffer.
    out: usize,
    /// The encoded run in the level above, half-open.
    from: usize,
    to: usize,
    kind: Kind,
}

#[derive(Default)]
struct Level {
    buf: Vec<u8>,
    segs: Vec<Seg>,
    found: Vec<RawMatch>,
}

/// Reusable per-thread state for decoding layers.
#[derive(Default)]
pub struct Layers {
    levels: Vec<Level>,
    scratch: Scratch,
}

/// Bytes of the base64 alphabets (standard and URL-safe), without `=`.
static BASE64: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || c == b'+' || c == b'/' || c == b'-' || c == b'_';
        b += 1;
    }
    t
};

/// Calls `sink(start, alpha_end, end)` for every maximal base64 run of at
/// least MIN_BASE64 alphabet bytes that starts in `lo..hi` (`end` after up
/// to two `=`). Blocks of 64 bytes are classified at once (a bit mask that
/// compiles to SIMD compares); only a block that may hold part of a long
/// enough run is looked at byte by byte.
fn base64_candidates(
    input: &[u8],
    lo: usize,
    hi: usize,
    sink: &mut dyn FnMut(usize, usize, usize),
) {
    let mut pos = lo; // runs before `pos` are done
    let mut carry = 0usize; // alphabet bytes just before `block`
    let mut block = lo;
    while block < hi {
        if block + 64 > input.len() {
            base64_runs(
                input,
                pos.max(block.saturating_sub(carry)),
                hi,
                lo,
                hi,
                sink,
            );
            break;
        }
        let m = alphabet_mask(input[block..block + 64].try_into().expect("64 bytes"));
        let cross = carry > 0 && carry + m.trailing_ones() as usize >= MIN_BASE64;
        if cross || runs_of_min_length(m) != 0 {
            let from = pos.max(block.saturating_sub(carry));
            pos = base64_runs(input, from, block + 64, lo, hi, sink);
        }
        carry = if m == u64::MAX {
            carry + 64
        } else {
            m.leading_ones() as usize
        };
        block += 64;
        if pos > block {
            // A run went past this block: go on after it.
            block = pos;
            carry = 0;
        }
    }
    if block >= hi && carry > 0 {
        // A run that starts before `hi` and goes on past it.
        base64_runs(input, pos.max(block - carry), hi, lo, hi, sink);
    }
}

/// Bit j set when byte j is in a base64 alphabet: sixteen bytes at a time
/// with SSE2 compares and a movemask.
#[cfg(target_arch = "x86_64")]
#[inline]
#[allow(unused_unsafe)]
fn alphabet_mask(block: &[u8; 64]) -> u64 {
    use std::arch::x86_64::*;
    let mut m = 0u64;
    for k in 0..4 {
        let half =
            |at: usize| u64::from_le_bytes(block[at..at + 8].try_into().expect("8 bytes")) as i64;
        let (lo, hi) = (half(16 * k), half(16 * k + 8));
        // SAFETY: SSE2 is part of the x86_64 baseline, and none of these
        // intrinsics touches memory. (`unsafe` is needed before Rust 1.87.)
        let bits = unsafe {
            let v = _mm_set_epi64x(hi, lo);
            // (x - a) as u8 < n, as a signed compare after a bias of 0x80.
            let below = |x: __m128i, a: u8, n: u8| {
                let biased = _mm_add_epi8(x, _mm_set1_epi8(0x80u8.wrapping_sub(a) as i8));
                _mm_cmplt_epi8(biased, _mm_set1_epi8((0x80u8 + n) as i8))
            };
            let lower = _mm_or_si128(v, _mm_set1_epi8(0x20));
            let letter = below(lower, b'a', 26);
            let digit = below(v, b'0', 10);
            let is = |c: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(c as i8));
            let sym = _mm_or_si128(
                _mm_or_si128(is(b'+'), is(b'/')),
                _mm_or_si128(is(b'-'), is(b'_')),
            );
            _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(letter, digit), sym)) as u16
        };
        m |= (bits as u64) << (16 * k);
    }
    m
}

/// Bit j set when byte j is in a base64 alphabet: eight bytes at a time
/// in a `u64` (SWAR), without branches.
#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn alphabet_mask(block: &[u8; 64]) -> u64 {
    swar_alphabet_mask(block)
}

/// The portable [`alphabet_mask`].
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn swar_alphabet_mask(block: &[u8; 64]) -> u64 {
    let mut m = 0u64;
    for (k, word) in block.chunks_exact(8).enumerate() {
        let w = u64::from_le_bytes(word.try_into().expect("8 bytes"));
        m |= (alphabet_bits(w) as u64) << (8 * k);
    }
    m
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;
const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;

/// High bit of each byte of `x` (bytes < 0x80) set where the byte >= `lo`.
#[inline]
fn ge(x: u64, lo: u8) -> u64 {
    (x + ONES * (0x80 - lo as u64)) & HIGH
}

/// High bit of each byte of `x` set where the byte equals `c`.
#[inline]
fn eq(x: u64, c: u8) -> u64 {
    let t = x ^ (ONES * c as u64);
    !(((t & LOW7) + LOW7) | t | LOW7)
}

/// Bit i set when byte i of `w` is in a base64 alphabet.
#[inline]
fn alphabet_bits(w: u64) -> u8 {
    let x = w & LOW7;
    let lower = x | (ONES * 0x20);
    let letter = ge(lower, b'a') & !ge(lower, b'z' + 1);
    let digit = ge(x, b'0') & !ge(x, b'9' + 1);
    let sym = eq(x, b'+') | eq(x, b'/') | eq(x, b'-') | eq(x, b'_');
    let hit = (letter | digit | sym) & !w & HIGH;
    // Gather the eight high bits into one byte (byte i → bit i).
    (((hit >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56) as u8
}

/// Bit j set when bits j+1-MIN_BASE64 ..= j of `m` are all set.
#[inline]
fn runs_of_min_length(m: u64) -> u64 {
    const _: () = assert!(MIN_BASE64 == 20);
    let mut t = m & (m << 1); // 2
    t &= t << 2; // 4
    t &= t << 4; // 8
    t &= t << 8; // 16
    t & (t << 4) // 20
}

/// Base64 runs of at least MIN_BASE64 bytes whose probe byte lies in
/// `pos..to` and whose start lies in `lo..hi`, handed to `sink`;
/// returns where the next search starts. A run of at least MIN_BASE64
/// bytes starting in [p, p + MIN_BASE64) covers the byte at
/// p + MIN_BASE64 - 1, so only every MIN_BASE64-th byte is looked at until
/// one is in the alphabet.
fn base64_runs(
    input: &[u8],
    mut pos: usize,
    to: usize,
    lo: usize,
    hi: usize,
    sink: &mut dyn FnMut(usize, usize, usize),
) -> usize {
    while pos < to {
        let probe = pos + MIN_BASE64 - 1;
        if probe >= input.len() {
            return input.len();
        }
        if !BASE64[input[probe] as usize] {
            pos = probe + 1;
            continue;
        }
        let mut start = probe;
        while start > 0 && BASE64[input[start - 1] as usize] {
            start -= 1;
        }
        let mut alpha_end = probe + 1;
        while alpha_end < input.len() && BASE64[input[alpha_end] as usize] {
            alpha_end += 1;
        }
        let mut end = alpha_end;
        while end < input.len() && end - alpha_end < 2 && input[end] == b'=' {
            end += 1;
        }
        // A run that starts before `lo` belongs to the chunk before.
        if alpha_end - start >= MIN_BASE64 && start >= lo && start < hi {
            sink(start, alpha_end, end);
        }
        pos = end.max(alpha_end + 1);
    }
    pos
}

/// Bytes that end a percent-encoded or JSON-escaped run.
fn is_delimiter(c: u8) -> bool {
    c <= b' ' || matches!(c, b'"' | b'\'' | b'<' | b'>' | b'`' | 0x7f)
}

const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(true);
const STANDARD: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::STANDARD, LENIENT);
const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::URL_SAFE, LENIENT);

impl Layers {
    /// Decodes the encoded runs of `hay` that start in `accept`, searches
    /// the results with `matcher` (recursively), and appends what it finds
    /// to `out`. `raw` holds the matches the matcher found in `hay` itself.
    pub fn scan(
        &mut self,
        rules: &RuleSet,
        matcher: &Matcher,
        hay: &[u8],
        accept: std::ops::Range<usize>,
        raw: &[RawMatch],
        out: &mut Vec<Decoded>,
    ) {
        if self.levels.len() < MAX_DEPTH {
            self.levels.resize_with(MAX_DEPTH, Level::default);
        }
        for depth in 0..MAX_DEPTH {
            let (above, below) = self.levels.split_at_mut(depth);
            let level = &mut below[0];
            level.buf.clear();
            level.segs.clear();
            level.found.clear();
            let input: &[u8] = match above.last() {
                None => hay,
                Some(prev) => &prev.buf,
            };
            let (lo, hi) = if depth == 0 {
                (accept.start, accept.end)
            } else {
                (0, input.len())
            };
            if lo >= hi {
                break;
            }
            find_runs(input, lo, hi, level);
            if level.segs.is_empty() {
                break;
            }
            matcher.find(rules, &level.buf, &mut self.scratch, &mut level.found);
            let level = &below[0];
            let found_above: &[RawMatch] = match above.last() {
                None => raw,
                Some(prev) => &prev.found,
            };
            for m in &level.found {
                let seg = level.segs[seg_at(&level.segs, m.start)];
                let secret = &level.buf[m.start..m.end];
                let input: &[u8] = match above.last() {
                    None => hay,
                    Some(prev) => &prev.buf,
                };
                // Percent and JSON escapes leave letters and digits as they
                // are, so a match of the same rule in the escaped run is this
                // credential spelled with escapes (a SAS URL's `%3D`);
                // base64 changes every byte, so only an identical secret is.
                let seen_above = found_above.iter().any(|r| {
                    r.rule == m.rule
                        && r.start < seg.to
                        && r.end > seg.from
                        && (seg.kind != Kind::Base64 || &input[r.start..r.end] == secret)
                });
                if seen_above {
                    continue;
                }
                // Walk up to the raw chunk, collecting the chain.
                let mut chain = vec![seg.kind.name()];
                let (mut at, mut end) = (seg.from, seg.to);
                for up in above.iter().rev() {
                    let s = up.segs[seg_at(&up.segs, at)];
                    chain.push(s.kind.name());
                    (at, end) = (s.from, s.to);
                }
                chain.reverse();
                let d = Decoded {
                    rule: m.rule,
                    secret: secret.to_vec(),
                    at,
                    end,
                    chain,
                };
                if !out.contains(&d) {
                    out.push(d);
                }
            }
        }
    }
}

fn seg_at(segs: &[Seg], out: usize) -> usize {
    segs.partition_point(|s| s.out <= out).saturating_sub(1)
}

/// Finds the encoded runs that start in `lo..hi` of `input` and decodes
/// each into `level`.
fn find_runs(input: &[u8], lo: usize, hi: usize, level: &mut Level) {
    base64_candidates(input, lo, hi, &mut |start, alpha_end, end| {
        decode_base64(input, start, alpha_end, end, level)
    });
    // Percent-encoding.
    let mut last_end = 0;
    for p in memchr::memchr_iter(b'%', &input[lo..hi]).map(|p| p + lo) {
        if p < last_end || !is_percent_escape(input, p) {
            continue;
        }
        let (start, end) = run_around(input, p);
        last_end = end;
        // A run with an escape before `lo` belongs to the chunk before.
        let earlier = (start..lo).any(|q| input[q] == b'%' && is_percent_escape(input, q));
        if !earlier {
            decode_percent(input, start, end, level);
        }
    }
    // JSON escapes.
    let mut last_end = 0;
    for p in memchr::memchr_iter(b'\\', &input[lo..hi]).map(|p| p + lo) {
        if p < last_end || !is_json_escape(input, p) {
            continue;
        }
        let (start, end) = run_around(input, p);
        last_end = end;
        let earlier = (start..lo).any(|q| input[q] == b'\\' && is_json_escape(input, q));
        if !earlier {
            decode_json_escapes(input, start, end, level);
        }
    }
    level.segs.sort_by_key(|s| s.out);
}

fn is_percent_escape(input: &[u8], p: usize) -> bool {
    input.len() > p + 2 && input[p + 1].is_ascii_hexdigit() && input[p + 2].is_ascii_hexdigit()
}

fn is_json_escape(input: &[u8], p: usize) -> bool {
    match input.get(p + 1) {
        Some(b'/') => true,
        Some(b'u') => input.len() > p + 5 && input[p + 2..p + 6].iter().all(u8::is_ascii_hexdigit),
        _ => false,
    }
}

/// The run of non-delimiter bytes around `p` (an escaped `\"` does not end
/// it), at most [`MAX_RUN`] long.
fn run_around(input: &[u8], p: usize) -> (usize, usize) {
    let floor = p.saturating_sub(MAX_RUN / 2);
    let mut start = p;
    while start > floor {
        let c = input[start - 1];
        if is_delimiter(c) && !(c == b'"' && start >= 2 && input[start - 2] == b'\\') {
            break;
        }
        start -= 1;
    }
    let ceil = (p + MAX_RUN / 2).min(input.len());
    let mut end = p;
    while end < ceil {
        let c = input[end];
        if c == b'\\' && end + 1 < ceil {
            end += 2;
            continue;
        }
        if is_delimiter(c) {
            break;
        }
        end += 1;
    }
    (start, end.min(input.len()))
}

/// Whether decoded bytes are text: valid UTF-8 (a cut last character
/// allowed) with few control characters.
fn is_text(bytes: &[u8]) -> bool {
    let valid = match std::str::from_utf8(bytes) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && bytes.len() - e.valid_up_to() < 4,
    };
    if !valid {
        return false;
    }
    let controls = bytes
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'))
        .count();
    controls * 20 <= bytes.len()
}

fn begin(level: &Level) -> Option<usize> {
    (level.buf.len() < BUDGET).then_some(level.buf.len())
}

fn commit(level: &mut Level, out: usize, from: usize, to: usize, kind: Kind) {
    level.buf.push(b'\n');
    level.segs.push(Seg {
        out,
        from,
        to,
        kind,
    });
}

fn decode_base64(input: &[u8], start: usize, alpha_end: usize, end: usize, level: &mut Level) {
    let Some(out) = begin(level) else { return };
    let run = &input[start..alpha_end.min(start + MAX_RUN)];
    let url = run.iter().any(|&c| c == b'-' || c == b'_');
    if url && run.iter().any(|&c| c == b'+' || c == b'/') {
        return; // both alphabets: a path or an identifier, not base64
    }
    // Hex digests and lowercase words decode to noise; skip them cheaply.
    if !run.iter().any(u8::is_ascii_uppercase) || !run.iter().any(u8::is_ascii_lowercase) {
        return;
    }
    let engine = if url { &URL_SAFE } else { &STANDARD };
    let usable = run.len() - run.len() % 4;
    let run = if run.len() % 4 == 1 {
        &run[..usable]
    } else {
        run
    };
    // Base64 of ASCII text starts each 4-character group with one of the
    // first 32 letters of the alphabet (A-Z, a-f): the top bit of the first
    // byte is clear. Identifiers and paths rarely do; allow a few misses for
    // UTF-8 text.
    let groups = run.len().min(88) / 4;
    let misses = run
        .chunks_exact(4)
        .take(groups)
        .filter(|g| !matches!(g[0], b'A'..=b'Z' | b'a'..=b'f'))
        .count();
    if misses * 4 > groups {
        return;
    }
    // Look at a prefix first, so that long binary blobs cost little.
    let probe = &run[..run.len().min(88)];
    let probe = &probe[..probe.len() - probe.len() % 4];
    let mut head = [0u8; 66];
    match engine.decode_slice(probe, &mut head) {
        Ok(n) if is_text(&head[..n]) => {}
        _ => return,
    }
    if engine.decode_vec(run, &mut level.buf).is_err() || !is_text(&level.buf[out..]) {
        level.buf.truncate(out);
        return;
    }
    commit(level, out, start, end, Kind::Base64);
}

fn hex(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => c - b'A' + 10,
    }
}

fn decode_percent(input: &[u8], start: usize, end: usize, level: &mut Level) {
    let Some(out) = begin(level) else { return };
    let run = &input[start..end];
    let mut i = 0;
    while i < run.len() {
        if run[i] == b'%' && is_percent_escape(run, i) {
            level.buf.push(hex(run[i + 1]) << 4 | hex(run[i + 2]));
            i += 3;
        } else {
            level.buf.push(run[i]);
            i += 1;
        }
    }
    if !is_text(&level.buf[out..]) {
        level.buf.truncate(out);
        return;
    }
    commit(level, out, start, end, Kind::Percent);
}

fn decode_json_escapes(input: &[u8], start: usize, end: usize, level: &mut Level) {
    let Some(out) = begin(level) else { return };
    let run = &input[start..end];
    let mut i = 0;
    while i < run.len() {
        if run[i] != b'\\' || i + 1 >= run.len() {
            level.buf.push(run[i]);
            i += 1;
            continue;
        }
        let simple = match run[i + 1] {
            b'/' => Some(b'/'),
            b'\\' => Some(b'\\'),
            b'"' => Some(b'"'),
            b'n' => Some(b'\n'),
            b't' => Some(b'\t'),
            b'r' => Some(b'\r'),
            b'b' => Some(8),
            b'f' => Some(12),
            _ => None,
        };
        if let Some(c) = simple {
            level.buf.push(c);
            i += 2;
            continue;
        }
        match unicode_escape(run, i) {
            Some((ch, used)) => {
                let mut tmp = [0u8; 4];
                level
                    .buf
                    .extend_from_slice(ch.encode_utf8(&mut tmp).as_bytes());
                i += used;
            }
            None => {
                level.buf.push(b'\\');
                i += 1;
            }
        }
    }
    if !is_text(&level.buf[out..]) {
        level.buf.truncate(out);
        return;
    }
    commit(level, out, start, end, Kind::JsonEscape);
}

/// `\uXXXX` (or a surrogate pair) at `i`: the character and bytes used.
fn unicode_escape(run: &[u8], i: usize) -> Option<(char, usize)> {
    let unit = |at: usize| -> Option<u32> {
        if run.len() < at + 6 || run[at] != b'\\' || run[at + 1] != b'u' {
            return None;
        }
        let digits = std::str::from_utf8(&run[at + 2..at + 6]).ok()?;
        u32::from_str_radix(digits, 16).ok()
    };
    let hi = unit(i)?;
    if (0xD800..0xDC00).contains(&hi) {
        if let Some(lo) = unit(i + 6).filter(|lo| (0xDC00..0xE000).contains(lo)) {
            let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
            return char::from_u32(c).map(|c| (c, 12));
        }
        return Some((char::REPLACEMENT_CHARACTER, 6));
    }
    Some((char::from_u32(hi).unwrap_or(char::REPLACEMENT_CHARACTER), 6))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runs(input: &str) -> Vec<(Kind, String)> {
        let mut level = Level::default();
        find_runs(input.as_bytes(), 0, input.len(), &mut level);
        level
            .segs
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let end = level.segs.get(i + 1).map_or(level.buf.len(), |n| n.out);
                let text = String::from_utf8_lossy(&level.buf[s.out..end - 1]).into_owned();
                (s.kind, text)
            })
            .collect()
    }

    #[test]
    fn base64_of_ascii_and_some_utf8_passes_the_group_check_identifiers_do_not() {
        use base64::engine::general_purpose::STANDARD as S;
        let text = "Zugangsschlüssel für das Deployment: ghp_xxxxxxxxxxxxxxxxxxxxxxxxxx";
        let got = runs(&format!("k: {}\n", S.encode(text)));
        assert_eq!(got, vec![(Kind::Base64, text.to_string())]);
        // Long camel-case identifiers are base64 alphabet, but their groups
        // start with letters past `f`: not decoded at all.
        assert!(runs("x = getElementsByClassNameOrTheWholeDocumentTree;\n").is_empty());
    }

    #[test]
    fn base64_standard_and_url_safe() {
        use base64::engine::general_purpose::{STANDARD as S, URL_SAFE_NO_PAD as U};
        let secret = "user:a-token-with?odd>>bytes~~";
        let std = S.encode(secret);
        let url = U.encode(secret);
        assert_ne!(std, url);
        for enc in [std, url] {
            let got = runs(&format!("auth: {enc}\n"));
            assert_eq!(got, vec![(Kind::Base64, secret.to_string())], "{enc}");
        }
    }

    #[test]
    fn base64_that_is_not_text_or_not_base64_is_skipped() {
        assert!(runs("sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=").is_empty());
        assert!(runs("src/source/some_long_module_name/with_path").is_empty());
        assert!(
            runs("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855").is_empty()
        );
        assert!(runs("KEY=short").is_empty());
    }

    #[test]
    fn percent_and_json_escapes() {
        assert_eq!(
            runs("GET /cb?token=ab%2Fcd%3D%3D&x=1 HTTP/1.1"),
            vec![(Kind::Percent, "/cb?token=ab/cd==&x=1".to_string())]
        );
        assert_eq!(
            runs(r#"{"url":"https:\/\/h.example\/p?t=\u0061b\"c"}"#),
            vec![(Kind::JsonEscape, "https://h.example/p?t=ab\"c".to_string())]
        );
        assert_eq!(
            runs(r"\ud83d\ude00\/"),
            vec![(Kind::JsonEscape, "😀/".to_string())]
        );
        assert!(runs("100% sure, 50%off").is_empty());
        assert!(runs(r"C:\new\table").is_empty());
    }

    /// Every maximal run the slow way.
    fn naive_runs(input: &[u8], lo: usize, hi: usize) -> Vec<(usize, usize, usize)> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < input.len() {
            if !BASE64[input[i] as usize] {
                i += 1;
                continue;
            }
            let start = i;
            while i < input.len() && BASE64[input[i] as usize] {
                i += 1;
            }
            let mut end = i;
            while end < input.len() && end - i < 2 && input[end] == b'=' {
                end += 1;
            }
            if i - start >= MIN_BASE64 && start >= lo && start < hi {
                out.push((start, i, end));
            }
            i = end;
        }
        out
    }

    #[test]
    fn block_search_finds_the_same_runs_as_a_byte_loop() {
        let mut x: u64 = 0x9e3779b97f4a7c15;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for round in 0..3000 {
            let len = (next() % 700) as usize;
            let mut input = Vec::with_capacity(len);
            while input.len() < len {
                let run = (next() % if round % 3 == 0 { 140 } else { 30 }) as usize;
                for _ in 0..run {
                    input.push(b"aZ09+/-_"[(next() % 8) as usize]);
                }
                input.push(b" =.\n%"[(next() % 5) as usize]);
            }
            let lo = if len > 0 {
                (next() as usize) % (len / 2 + 1)
            } else {
                0
            };
            let hi = (lo + (next() as usize) % (len + 1)).min(len);
            let mut got = Vec::new();
            base64_candidates(&input, lo, hi, &mut |s, a, e| got.push((s, a, e)));
            assert_eq!(
                got,
                naive_runs(&input, lo, hi),
                "round {round} lo {lo} hi {hi} len {len} {:?}",
                String::from_utf8_lossy(&input)
            );
        }
    }

    /// Found by `block_search_finds_the_same_runs_as_a_byte_loop` (round
    /// 223): a run starting just before `hi` and ending past it was missed
    /// once the block loop had stepped past `hi`.
    #[test]
    fn regression_run_starting_before_hi_in_the_last_block() {
        let input: &[u8] = b"+0a/9+009Za0a-0/-+/-_Z 0a000-/-++/+//-/a9a_Za\nZa9/aa9//09_/0-09Z9Z./0a0_Z0+a/-0__99_/-_-.-/ZZZa--/-Z9_/+-_0_/0- _Z/0-+a+-9Z- +0-a//++Z9+\n+_0++-a0 -0/9Z+0Z9_-/__9/0.-Za0Z9_--0a// a9_+a0a+9-/--/___+/99aa-.Z0+0+.a9--/Z9a--/%-__-_99a.-+a9099-+--+a_\n+%%9a0-_9/aaa-_=-Z%+/0aa90Z_9_a0++ 0_a/0-0-0_/+-00Z-/Za+0a+-__9_%";
        let mut got = Vec::new();
        base64_candidates(input, 90, 287, &mut |s, a, e| got.push((s, a, e)));
        assert_eq!(got, naive_runs(input, 90, 287));
        assert_eq!(got.last(), Some(&(280, 309, 309)));
    }

    #[test]
    fn block_masks_match_the_table() {
        let mut block = [0u8; 64];
        for start in 0..=255u8 {
            for (j, b) in block.iter_mut().enumerate() {
                *b = start.wrapping_add((j as u8).wrapping_mul(37));
            }
            let want = block
                .iter()
                .enumerate()
                .fold(0u64, |m, (j, &b)| m | ((BASE64[b as usize] as u64) << j));
            assert_eq!(alphabet_mask(&block), want, "from {start}");
            assert_eq!(swar_alphabet_mask(&block), want, "from {start}");
        }
    }

    #[test]
    fn swar_mask_matches_the_table() {
        for b in 0..=255u8 {
            for pos in 0..8 {
                let mut word = [b'.'; 8];
                word[pos] = b;
                let bits = alphabet_bits(u64::from_le_bytes(word));
                assert_eq!(
                    bits,
                    (BASE64[b as usize] as u8) << pos,
                    "byte {b:#x} at {pos}"
                );
            }
        }
    }

    #[test]
    fn hostile_runs_never_panic() {
        for s in [
            "%",
            "%4",
            "\\",
            "\\u12",
            "\\ud800",
            "====",
            "A=B=C",
            "\\u00zz%zz",
        ] {
            runs(s);
        }
    }
    use proptest::prelude::*;

    use crate::source::fs::testing::with_context;

    fn layers(hay: &[u8], lo: usize, hi: usize) -> Vec<Decoded> {
        with_context(|ctx| {
            let rules = &ctx.engine.rules;
            let matcher = ctx.engine.matcher();
            let mut raw = Vec::new();
            matcher.find(rules, hay, &mut Scratch::default(), &mut raw);
            let mut out = Vec::new();
            Layers::default().scan(rules, matcher, hay, lo..hi, &raw, &mut out);
            out
        })
    }

    proptest! {
        #[test]
        fn layers_survive_any_bytes(
            bytes in proptest::collection::vec(any::<u8>(), 0..3000),
            a in 0usize..3000,
            b in 0usize..3000,
        ) {
            let (lo, hi) = (a.min(b).min(bytes.len()), a.max(b).min(bytes.len()));
            for d in layers(&bytes, lo, hi) {
                prop_assert!(d.at >= lo && d.at < hi.max(lo + 1));
            }
        }

        #[test]
        fn an_encoded_token_is_found_wherever_it_sits(
            prefix in "[a-z =:\"\\n]{0,80}",
            suffix in "[a-z =:\"\\n]{0,80}",
            how in 0usize..4,
        ) {
            use base64::engine::general_purpose::{STANDARD as S, URL_SAFE_NO_PAD as U};
            let token = "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";
            let (encoded, chain) = match how {
                0 => (S.encode(format!("x:{token}")), vec!["base64"]),
                1 => (U.encode(format!("{token}?")), vec!["base64"]),
                2 => (format!("t%3D{}", token.replace('_', "%5F")), vec!["percent"]),
                _ => (S.encode(format!("{{\"auth\":\"{}\"}}", S.encode(format!("u:{token}")))), vec!["base64", "base64"]),
            };
            let hay = format!("{prefix} {encoded} {suffix}");
            let found = layers(hay.as_bytes(), 0, hay.len());
            let hit = found.iter().find(|d| d.secret == token.as_bytes());
            prop_assert!(hit.is_some(), "{hay:?} gave {found:?}");
            let hit = hit.unwrap();
            prop_assert_eq!(&hit.chain, &chain);
            prop_assert_eq!(hit.at, prefix.len() + 1);
        }
    }
}
