//! Rejects strings that have a secret's shape but are not secrets: documented
//! examples, placeholders, templates and low-entropy filler.
//!
//! Applied to every candidate of every rule, before validators. The word list
//! is deliberately short: a word that can occur by chance in a random 40-byte
//! token (probability about len × 36⁻ⁿ for an n-letter word) must have n ≥ 4.
//! Test-mode keys (`sk_test_`) are not placeholders: they are reported and
//! flagged `test_or_example` by the audit.

/// Words that mark a documented example or a placeholder (compared ASCII
/// case-insensitively).
const WORDS: &[&[u8]] = &[
    b"example",
    b"xxxx",
    b"placeholder",
    b"your_",
    b"your-",
    b"yourtoken",
    b"yourkey",
    b"yourapikey",
    b"yoursecret",
    b"changeme",
    b"change_me",
    b"redacted",
    b"dummy",
    b"sample",
    b"fake",
    b"replace_me",
    b"replaceme",
    b"insert_",
    b"notreal",
    b"abcdefgh",
    b"12345678",
    b"token_here",
    b"key_here",
    b"secret_here",
    b"password_here",
    b"********",
    b"\xe2\x80\xa2\xe2\x80\xa2", // ••
];

/// Whether `secret` is a placeholder rather than a credential.
pub fn is_placeholder(secret: &[u8]) -> bool {
    // Templates and variables: ${VAR}, {{ var }}, <token>, %(name)s, $VAR.
    if contains(secret, b"${") || contains(secret, b"{{") || contains(secret, b"%(") {
        return true;
    }
    if secret.first() == Some(&b'<')
        || secret.last() == Some(&b'>')
        || secret.first() == Some(&b'$')
    {
        return true;
    }
    // Long encoded blobs (PEM bodies) can contain short words by chance.
    if secret.len() <= 300 && WORDS.iter().any(|w| contains_ci(secret, w)) {
        return true;
    }
    // One repeated character in the part after any prefix.
    let body = secret
        .iter()
        .rposition(|&b| matches!(b, b'_' | b'-' | b'.'))
        .map_or(secret, |i| &secret[i + 1..]);
    if body.len() >= 6 && body.iter().all(|&b| b == body[0]) {
        return true;
    }
    let distinct = distinct_bytes(secret);
    secret.len() >= 12 && distinct <= 3
}

/// Shannon entropy of `bytes` in bits per byte.
pub fn entropy(bytes: &[u8]) -> f64 {
    if bytes.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in bytes {
        counts[b as usize] += 1;
    }
    let n = bytes.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

fn distinct_bytes(bytes: &[u8]) -> usize {
    let mut seen = [false; 256];
    bytes.iter().for_each(|&b| seen[b as usize] = true);
    seen.iter().filter(|&&s| s).count()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(hay, needle).is_some()
}

fn contains_ci(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_documented_examples_and_templates() {
        for s in [
            "AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "xoxb-your-token-here",
            "sk_live_${STRIPE_KEY}",
            "{{ secrets.TOKEN }}",
            "<your-api-key>",
            "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "ghp_000000000000000000000000000000000000",
            "$GITHUB_TOKEN",
            "changeme123456",
        ] {
            assert!(is_placeholder(s.as_bytes()), "{s}");
        }
    }

    #[test]
    fn keeps_random_tokens() {
        for s in [
            "ghp_Zq3vN8kLm2Pw9XyR4tUa7BcDe1FgHj5K0sWq",
            "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
            "AKIAZ7VQ2KD3HQ4JX5LM",
        ] {
            assert!(!is_placeholder(s.as_bytes()), "{s}");
        }
    }

    #[test]
    fn entropy_of_uniform_and_constant() {
        assert_eq!(entropy(b"aaaa"), 0.0);
        assert!((entropy(b"abcd") - 2.0).abs() < 1e-9);
    }
}
