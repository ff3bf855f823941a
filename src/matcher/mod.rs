//! The matching engine: keyword prefilter, windowed regex, filters.
//!
//! One prefilter pass finds every rule keyword in the raw bytes: an
//! aho-corasick DFA over all keywords, lowercased and matched ASCII
//! case-insensitively, reporting overlapping hits, with aho-corasick's own
//! prefilter in front. Token literals with capitals (`AKIA`, `eyJ`) are then
//! checked for their exact spelling on the hit; lowercase words and prefixes
//! (`token`, `ghp_`) match in any case. (The previous prefilter, one regex
//! alternation of the keywords, spent a fifth of its time on real source
//! building lazy-DFA states for text it had not seen, and ran at 75% of
//! ripgrep's speed there; the aho-corasick DFA is built whole, cheaply
//! enough that start-up stays under 10 ms, and runs faster than ripgrep on
//! the same tree.) Each hit names the rules that own the keyword; for each
//! such rule the bytes from [`LOOKBEHIND`] before the hit to the rule's
//! window after it are searched with its regex. Windows of one rule
//! that touch are merged first, so a region is searched at most once per
//! rule. A candidate survives the placeholder filter, the rule's entropy floor
//! and its validator; overlapping survivors of different rules are reduced to
//! the most specific one ([`resolve_overlaps`]).
//!
//! Nothing is allocated per byte: the prefilter walks the haystack, and the
//! per-rule bookkeeping lives in a reusable [`Scratch`].

pub mod placeholder;
pub mod validate;

use std::collections::HashMap;

use crate::rules::RuleSet;

/// Bytes searched before a keyword hit: room for `password = ` style context.
pub const LOOKBEHIND: usize = 256;

/// The largest window a rule may ask for after a keyword hit. The streamer
/// holds back this much (plus [`LOOKBEHIND`]) at the end of each chunk, so
/// that a match of any rule is found whole, exactly once.
pub const MAX_WINDOW: usize = 12 << 10;

/// One accepted match; offsets are half-open byte offsets into the haystack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawMatch {
    /// Index of the rule in the [`RuleSet`].
    pub rule: usize,
    /// Start of the secret.
    pub start: usize,
    /// End of the secret (exclusive).
    pub end: usize,
}

/// The compiled prefilter over a rule set.
pub struct Matcher {
    /// Every keyword, lowercased, matched ASCII case-insensitively.
    prefilter: aho_corasick::AhoCorasick,
    /// Per automaton pattern: which rules it stands for, in which spelling.
    keywords: Vec<Keyword>,
    /// For each rule, its window after a hit.
    windows: Vec<usize>,
}

/// One lowercased keyword of the automaton.
#[derive(Default)]
struct Keyword {
    /// The rules that name it.
    rules: Vec<u32>,
    /// Some rule names it in lowercase: a hit in any case counts.
    any_case: bool,
    /// Otherwise, the exact spellings (`AKIA`, `eyJ`) a hit must have.
    spellings: Vec<Vec<u8>>,
}

/// Per-thread working memory for [`Matcher::find`].
#[derive(Default)]
pub struct Scratch {
    /// Windows to search: (rule, start, end), merged per rule.
    windows: Vec<(u32, usize, usize)>,
}

/// Whether a keyword is a context word or lowercase literal (matched
/// case-insensitively) rather than an exact token literal with capitals
/// (`AKIA`, `SK0`, `eyJ`).
pub fn is_word(keyword: &str) -> bool {
    !keyword.bytes().any(|b| b.is_ascii_uppercase())
}

impl Matcher {
    /// Builds the prefilter over every keyword of `rules`.
    pub fn new(rules: &RuleSet) -> Matcher {
        // One automaton pattern per lowercased keyword; what each stands for
        // is gathered from every rule that names it.
        let mut patterns: Vec<Vec<u8>> = Vec::new();
        let mut keywords: Vec<Keyword> = Vec::new();
        let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
        for (i, rule) in rules.rules().iter().enumerate() {
            for kw in &rule.spec.keywords {
                let lower = kw.to_ascii_lowercase().into_bytes();
                let k = *index.entry(lower.clone()).or_insert_with(|| {
                    patterns.push(lower);
                    keywords.push(Keyword::default());
                    keywords.len() - 1
                });
                let entry = &mut keywords[k];
                if !entry.rules.contains(&(i as u32)) {
                    entry.rules.push(i as u32);
                }
                if is_word(kw) {
                    entry.any_case = true;
                } else if !entry.spellings.iter().any(|s| s == kw.as_bytes()) {
                    entry.spellings.push(kw.as_bytes().to_vec());
                }
            }
        }
        let prefilter = aho_corasick::AhoCorasick::builder()
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .match_kind(aho_corasick::MatchKind::Standard)
            .ascii_case_insensitive(true)
            .prefilter(true)
            .build(&patterns)
            .expect("keyword automaton");
        Matcher {
            prefilter,
            keywords,
            windows: rules.rules().iter().map(|r| r.window()).collect(),
        }
    }

    /// Finds every accepted match in `hay`, appending to `out` sorted by start.
    pub fn find(
        &self,
        rules: &RuleSet,
        hay: &[u8],
        scratch: &mut Scratch,
        out: &mut Vec<RawMatch>,
    ) {
        let first = out.len();
        self.collect_windows(hay, scratch);
        for &(rule_index, start, end) in &scratch.windows {
            let rule = &rules.rules()[rule_index as usize];
            let (re, group) = rule.regex();
            let region = &hay[start..end];
            let mut locs = re.capture_locations();
            let mut at = 0;
            while at <= region.len() {
                let Some(m) = re.captures_read_at(&mut locs, region, at) else {
                    break;
                };
                if let Some((s, e)) = locs.get(group) {
                    let secret = &region[s..e];
                    if accept(rule, secret)
                        && !allowed_inline(hay, start + s)
                        && !ignored_name(rule, hay, start + m.start(), start + s)
                    {
                        out.push(RawMatch {
                            rule: rule_index as usize,
                            start: start + s,
                            end: start + e,
                        });
                    }
                }
                at = if m.end() > m.start() {
                    m.end()
                } else {
                    m.end() + 1
                };
            }
        }
        resolve_overlaps(rules, &mut out[first..]);
        let mut keep = first;
        for i in first..out.len() {
            if out[i].end > out[i].start {
                out[keep] = out[i];
                keep += 1;
            }
        }
        out.truncate(keep);
    }

    /// Turns keyword hits into merged per-rule windows in `scratch.windows`.
    fn collect_windows(&self, hay: &[u8], scratch: &mut Scratch) {
        let out = &mut scratch.windows;
        out.clear();
        let mut add = |owners: &[u32], at: usize| {
            let from = at.saturating_sub(LOOKBEHIND);
            for &rule in owners {
                let to = (at + self.windows[rule as usize]).min(hay.len());
                match out.last_mut() {
                    Some((r, _, end)) if *r == rule && from <= *end => *end = (*end).max(to),
                    _ => out.push((rule, from, to)),
                }
            }
        };
        for hit in self.prefilter.find_overlapping_iter(hay) {
            let k = &self.keywords[hit.pattern().as_usize()];
            let text = &hay[hit.start()..hit.end()];
            if k.any_case || k.spellings.iter().any(|s| s == text) {
                add(&k.rules, hit.start());
            }
        }
        // Merge per rule: sort by (rule, start), then fold overlaps.
        out.sort_unstable();
        let mut merged = 0;
        for i in 0..out.len() {
            let (rule, from, to) = out[i];
            if merged > 0 && out[merged - 1].0 == rule && from <= out[merged - 1].2 {
                out[merged - 1].2 = out[merged - 1].2.max(to);
            } else {
                out[merged] = (rule, from, to);
                merged += 1;
            }
        }
        out.truncate(merged);
    }
}

/// The marker that, anywhere on the line where a secret starts, allowlists
/// it (in a comment, say: `# sprawl:allow test fixture`).
pub const ALLOW_MARKER: &[u8] = b"sprawl:allow";

/// Whether the line containing `at` carries [`ALLOW_MARKER`]. Runs only on
/// accepted candidates, never per byte.
fn allowed_inline(hay: &[u8], at: usize) -> bool {
    let from = memchr::memrchr(b'\n', &hay[..at]).map_or(0, |i| i + 1);
    let to = memchr::memchr(b'\n', &hay[at..]).map_or(hay.len(), |i| at + i);
    memchr::memmem::find(&hay[from..to], ALLOW_MARKER).is_some()
}

/// Whether the name a value is assigned to carries one of the rule's
/// `ignore_names`: the identifier running into the match (`Next` before
/// `Token`) plus the match up to the secret. Runs only on accepted candidates.
fn ignored_name(rule: &crate::rules::Rule, hay: &[u8], at: usize, secret: usize) -> bool {
    if rule.spec.ignore_names.is_empty() {
        return false;
    }
    let mut from = at;
    while from > 0
        && at - from < 64
        && (hay[from - 1].is_ascii_alphanumeric() || matches!(hay[from - 1], b'_' | b'-' | b'.'))
    {
        from -= 1;
    }
    let name = hay[from..secret].to_ascii_lowercase();
    rule.spec
        .ignore_names
        .iter()
        .any(|n| memchr::memmem::find(&name, n.as_bytes()).is_some())
}

/// The filters every candidate passes: not a placeholder, enough entropy, and
/// the rule's validator.
fn accept(rule: &crate::rules::Rule, secret: &[u8]) -> bool {
    if secret.is_empty() || placeholder::is_placeholder(secret) {
        return false;
    }
    if let Some(min) = rule.spec.min_entropy {
        if placeholder::entropy(secret) < min {
            return false;
        }
    }
    rule.validator.is_none_or(|v| v.check(secret))
}

/// Sorts `matches` by position and empties (start = end) every match that
/// overlaps a more specific one: a specific family beats `generic`, a rule
/// with a validator beats one without, and a longer secret beats a shorter one.
/// Identical spans of equal rank keep the earlier rule.
fn resolve_overlaps(rules: &RuleSet, matches: &mut [RawMatch]) {
    matches.sort_by_key(|m| (m.start, m.end, m.rule));
    let rank = |m: &RawMatch| {
        let r = &rules.rules()[m.rule];
        (
            !r.is_generic(),
            r.validator.is_some(),
            m.end - m.start,
            std::cmp::Reverse(m.rule),
        )
    };
    for i in 0..matches.len() {
        for j in i + 1..matches.len() {
            if matches[j].start >= matches[i].end {
                break;
            }
            if matches[i].end == matches[i].start || matches[j].end == matches[j].start {
                continue;
            }
            let loser = if rank(&matches[i]) >= rank(&matches[j]) {
                j
            } else {
                i
            };
            matches[loser].end = matches[loser].start;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(toml: &str) -> RuleSet {
        let mut set = RuleSet::default();
        set.add_text("test.toml", toml, true).unwrap();
        set
    }

    const TWO: &str = r#"
[[rules]]
id = "acme.key"
name = "Acme key"
family = "acme"
pattern = '''\b(?P<secret>acme_[a-z0-9]{12})\b'''
keywords = ["acme_"]

[[rules]]
id = "generic.assign"
name = "Generic"
family = "generic"
pattern = '''(?i)key\s*=\s*(?P<secret>[a-z0-9_]{12,})'''
keywords = ["key"]
"#;

    fn run(set: &RuleSet, hay: &[u8]) -> Vec<(String, String)> {
        let m = Matcher::new(set);
        let mut out = Vec::new();
        m.find(set, hay, &mut Scratch::default(), &mut out);
        out.iter()
            .map(|x| {
                (
                    set.rules()[x.rule].id().to_string(),
                    String::from_utf8_lossy(&hay[x.start..x.end]).into_owned(),
                )
            })
            .collect()
    }

    #[test]
    fn finds_each_secret_once_and_specific_rule_wins() {
        let s = set(TWO);
        let got = run(
            &s,
            b"KEY = acme_q1w2e3r4t5y6\nother acme_z9x8c7v6b5n4 acme_z9x8c7v6b5n4",
        );
        assert_eq!(
            got,
            vec![
                ("acme.key".into(), "acme_q1w2e3r4t5y6".into()),
                ("acme.key".into(), "acme_z9x8c7v6b5n4".into()),
                ("acme.key".into(), "acme_z9x8c7v6b5n4".into()),
            ]
        );
    }

    #[test]
    fn keywords_are_case_insensitive_and_windows_merge() {
        let s = set(TWO);
        let hay = "key = q1w2e3r4t5y6u7 KEY = p0o9i8u7y6t5r4";
        let got = run(&s, hay.as_bytes());
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].1, "p0o9i8u7y6t5r4");
    }

    #[test]
    fn inline_marker_allows_its_line_only() {
        let s = set(TWO);
        let got = run(
            &s,
            b"a = acme_q1w2e3r4t5y6 # sprawl:allow fixture\nb = acme_z9x8c7v6b5n4\n",
        );
        assert_eq!(got, vec![("acme.key".into(), "acme_z9x8c7v6b5n4".into())]);
    }

    #[test]
    fn literals_with_capitals_match_only_as_written() {
        let s = set(r#"
[[rules]]
id = "acme.id"
name = "Acme id"
family = "acme"
pattern = '''(?i)\b(?P<secret>AKMX[a-z0-9]{12})\b'''
keywords = ["AKMX"]
"#);
        assert_eq!(run(&s, b"id AKMXq1w2e3r4t5y6").len(), 1);
        assert!(run(&s, b"id akmxq1w2e3r4t5y6").is_empty());
    }

    #[test]
    fn placeholders_are_rejected() {
        let s = set(TWO);
        assert!(run(&s, b"acme_xxxxxxxxxxxx acme_aaaaaaaaaaaa").is_empty());
    }
}
