//! `rules check`: proves every rule's examples through the production matcher.
//!
//! Each example must yield a finding of its own rule and each negative
//! example none of it, with every other rule of the set present, exactly as
//! in a scan (keywords, windows, placeholder filter, validator, overlap
//! resolution). Also checks what a loader cannot: the pattern compiles, has a
//! `secret` group, and every example's match contains a keyword.

use super::RuleSet;
use crate::matcher::{Matcher, Scratch};

/// One failed proof.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The rule file.
    pub file: String,
    /// The rule id.
    pub rule: String,
    /// What failed, naming the example by index.
    pub message: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: rule {}: {}", self.file, self.rule, self.message)
    }
}

/// Checks every rule of `set`; an empty result means all proofs hold.
pub fn check(set: &RuleSet) -> Vec<Failure> {
    let mut failures = Vec::new();
    let mut compiled = true;
    for rule in set.rules() {
        if let Err(e) = rule.compile_now() {
            compiled = false;
            failures.push(Failure {
                file: rule.file.clone(),
                rule: rule.id().to_string(),
                message: format!("pattern does not compile: {e}"),
            });
        }
    }
    if !compiled {
        return failures;
    }
    let matcher = Matcher::new(set);
    let mut scratch = Scratch::default();
    let mut found = Vec::new();
    for (index, rule) in set.rules().iter().enumerate() {
        let mut fail = |message: String| {
            failures.push(Failure {
                file: rule.file.clone(),
                rule: rule.id().to_string(),
                message,
            })
        };
        if rule.spec.examples.is_empty() {
            fail("has no examples".into());
        }
        if rule.spec.negative_examples.is_empty() {
            fail("has no negative_examples".into());
        }
        for (i, example) in rule.spec.examples.iter().enumerate() {
            found.clear();
            matcher.find(set, example.as_bytes(), &mut scratch, &mut found);
            let own: Vec<_> = found.iter().filter(|m| m.rule == index).collect();
            if own.is_empty() {
                let others: Vec<&str> = found.iter().map(|m| set.rules()[m.rule].id()).collect();
                let why = if others.is_empty() {
                    String::new()
                } else {
                    format!(" (taken by {})", others.join(", "))
                };
                fail(format!("example {} yields no finding{why}", i + 1));
            }
            let (re, _) = rule.regex();
            if let Some(m) = re.find(example.as_bytes()) {
                let text = String::from_utf8_lossy(m.as_bytes());
                let lower = text.to_ascii_lowercase();
                let contains = |k: &String| {
                    if crate::matcher::is_word(k) {
                        lower.contains(k.as_str())
                    } else {
                        text.contains(k.as_str())
                    }
                };
                if !rule.spec.keywords.iter().any(contains) {
                    fail(format!(
                        "example {}: the match contains none of the keywords",
                        i + 1
                    ));
                }
            }
        }
        for (i, example) in rule.spec.negative_examples.iter().enumerate() {
            found.clear();
            matcher.find(set, example.as_bytes(), &mut scratch, &mut found);
            if found.iter().any(|m| m.rule == index) {
                fail(format!("negative example {} yields a finding", i + 1));
            }
        }
    }
    failures
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_rule_proves_its_examples() {
        let set = RuleSet::builtin().expect("built-in rules load");
        assert!(set.len() >= 150, "only {} built-in rules", set.len());
        let failures: Vec<String> = check(&set).iter().map(|f| f.to_string()).collect();
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn names_each_failing_example() {
        let mut set = RuleSet::default();
        set.add_text(
            "t.toml",
            r#"
[[rules]]
id = "acme.key"
name = "Acme"
family = "acme"
pattern = '''(?P<secret>acme_[a-z0-9]{12})'''
keywords = ["acme_"]
examples = ["acme_q1w2e3r4t5y6", "acme_short"]
negative_examples = ["acme_p0o9i8u7y6t5"]
"#,
            true,
        )
        .unwrap();
        let failures: Vec<String> = check(&set).iter().map(|f| f.message.clone()).collect();
        assert_eq!(
            failures,
            vec![
                "example 2 yields no finding",
                "negative example 1 yields a finding"
            ]
        );
    }
}
