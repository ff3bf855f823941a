//! Rules as data: load the embedded `rules/*.toml` and `--rules DIR` into a
//! [`RuleSet`].
//!
//! A rule is a regex with a `secret` group plus the literal keywords that feed
//! the prefilter (see `rules/README.md` for the schema). Built-in regexes are
//! compiled lazily, on the first keyword hit, so that start-up stays cheap
//! for the pre-commit hook: most scans touch a handful of rules. Rules from
//! `--rules` are compiled eagerly so that a typo is an error up front.

pub mod check;

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use regex::bytes::Regex;
use serde::Deserialize;

use crate::matcher::validate::Validator;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));
}

/// Rule files whose name is not a rule file (the policy, read elsewhere).
const NOT_RULE_FILES: &[&str] = &["policy.toml"];

/// The built-in file `name` (for example `policy.toml`), if embedded.
pub fn embedded_file(name: &str) -> Option<&'static str> {
    embedded::EMBEDDED
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
}

/// A rule-loading problem, naming the file and rule.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML of the rule schema.
    #[error("{file}: {message}")]
    Parse {
        /// The file.
        file: String,
        /// The parser's message, with line and column.
        message: String,
    },
    /// A rule is malformed.
    #[error("{file}: rule {id}: {message}")]
    Rule {
        /// The file.
        file: String,
        /// The rule id.
        id: String,
        /// What is wrong.
        message: String,
    },
}

/// One rule as written in a TOML file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// Unique id, `family.kind[.variant]`.
    pub id: String,
    /// Human name.
    pub name: String,
    /// Issuer family.
    pub family: String,
    /// What an attacker gains.
    #[serde(default)]
    pub description: String,
    /// Regex with a named group `secret`.
    pub pattern: String,
    /// Literals, one of which occurs in every match.
    pub keywords: Vec<String>,
    /// Optional named check of the secret.
    #[serde(default)]
    pub validator: Option<String>,
    /// Optional minimum Shannon entropy (bits per byte) of the secret.
    #[serde(default)]
    pub min_entropy: Option<f64>,
    /// Bytes searched after a keyword hit.
    #[serde(default)]
    pub window: Option<usize>,
    /// Lowercase fragments of the assigned name (the identifier that runs
    /// into the match, up to the secret) that mark a value as not secret:
    /// `nexttoken` for AWS pagination tokens, `csrf` for form tokens.
    #[serde(default)]
    pub ignore_names: Vec<String>,
    /// Name of the liveness verifier.
    #[serde(default)]
    pub verifier: Option<String>,
    /// Texts that must produce a finding of this rule.
    #[serde(default)]
    pub examples: Vec<String>,
    /// Texts that must not.
    #[serde(default)]
    pub negative_examples: Vec<String>,
    /// Where the format is documented.
    #[serde(default)]
    pub references: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    #[serde(default)]
    rules: Vec<RuleSpec>,
}

/// Bytes searched after a keyword hit unless a rule says otherwise.
pub const DEFAULT_WINDOW: usize = 1024;

/// A loaded rule: its spec, parsed validator and lazily compiled regex.
pub struct Rule {
    /// As written.
    pub spec: RuleSpec,
    /// The file it came from (for messages).
    pub file: String,
    /// The parsed validator.
    pub validator: Option<Validator>,
    /// Index of the `secret` group, once compiled.
    regex: OnceLock<(Regex, usize)>,
}

impl fmt::Debug for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rule").field("id", &self.spec.id).finish()
    }
}

impl Rule {
    /// The rule id.
    pub fn id(&self) -> &str {
        &self.spec.id
    }

    /// Bytes searched after a keyword hit.
    pub fn window(&self) -> usize {
        self.spec.window.unwrap_or(DEFAULT_WINDOW)
    }

    /// Whether this is a catch-all rule that yields to specific ones.
    pub fn is_generic(&self) -> bool {
        self.spec.family == "generic"
    }

    /// The compiled regex and the index of its `secret` group. Built-in
    /// patterns are proven to compile by the test suite, and user patterns
    /// are compiled at load time, so the first use cannot fail.
    pub fn regex(&self) -> (&Regex, usize) {
        let (re, group) = self.regex.get_or_init(|| {
            compile(&self.spec.pattern).expect("rule patterns are compiled when loaded or tested")
        });
        (re, *group)
    }

    /// Compiles now, reporting a bad pattern.
    pub fn compile_now(&self) -> Result<(), String> {
        if self.regex.get().is_some() {
            return Ok(());
        }
        let compiled = compile(&self.spec.pattern)?;
        let _ = self.regex.set(compiled);
        Ok(())
    }
}

fn compile(pattern: &str) -> Result<(Regex, usize), String> {
    // Byte-oriented: `\w`, `\s` and `\b` are ASCII, which is what token
    // formats mean and compiles far smaller than Unicode classes.
    let re = regex::bytes::RegexBuilder::new(pattern)
        .unicode(false)
        .size_limit(1 << 24)
        .build()
        .map_err(|e| e.to_string())?;
    let group = re
        .capture_names()
        .position(|n| n == Some("secret"))
        .ok_or("pattern has no named group `secret`")?;
    Ok((re, group))
}

/// Every rule of a scan, in a fixed order (built-ins by file, then `--rules`).
#[derive(Debug, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
}

impl RuleSet {
    /// The built-in rules.
    pub fn builtin() -> Result<RuleSet, Error> {
        let mut set = RuleSet::default();
        for (name, text) in embedded::EMBEDDED {
            if NOT_RULE_FILES.contains(name) {
                continue;
            }
            set.add_text(name, text, false)?;
        }
        Ok(set)
    }

    /// Built-ins plus every `*.toml` in `dirs`.
    pub fn load(dirs: &[PathBuf]) -> Result<RuleSet, Error> {
        let mut set = RuleSet::builtin()?;
        for dir in dirs {
            set.add_path(dir)?;
        }
        Ok(set)
    }

    /// Only the rules found at `path` (a directory of `*.toml` or one file).
    pub fn from_path(path: &Path) -> Result<RuleSet, Error> {
        let mut set = RuleSet::default();
        set.add_path(path)?;
        Ok(set)
    }

    /// Adds the rules at `path` (a directory of `*.toml`, or one file),
    /// compiling them now.
    pub fn add_path(&mut self, path: &Path) -> Result<(), Error> {
        let io = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let files: Vec<PathBuf> = if path.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(io)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                .filter(|p| {
                    p.file_name()
                        .is_some_and(|n| !NOT_RULE_FILES.contains(&n.to_string_lossy().as_ref()))
                })
                .collect();
            files.sort();
            files
        } else {
            vec![path.to_path_buf()]
        };
        for file in files {
            let text = std::fs::read_to_string(&file).map_err(|source| Error::Io {
                path: file.clone(),
                source,
            })?;
            self.add_text(&file.display().to_string(), &text, true)?;
        }
        Ok(())
    }

    /// Parses one rule file's text and appends its rules.
    pub fn add_text(&mut self, file: &str, text: &str, compile_now: bool) -> Result<(), Error> {
        let parsed: RuleFile = toml::from_str(text).map_err(|e| Error::Parse {
            file: file.to_string(),
            message: e.to_string().trim_end().replace('\n', " "),
        })?;
        let mut ids: HashSet<String> = self.rules.iter().map(|r| r.spec.id.clone()).collect();
        for spec in parsed.rules {
            let id = spec.id.clone();
            let bad = |message: String| Error::Rule {
                file: file.to_string(),
                id: id.clone(),
                message,
            };
            if !ids.insert(spec.id.clone()) {
                return Err(bad("duplicate rule id".into()));
            }
            let valid_id = !spec.id.is_empty()
                && spec.id.split('.').all(|part| {
                    !part.is_empty()
                        && part.bytes().all(|b| {
                            b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-'
                        })
                });
            if !valid_id {
                return Err(bad("id must be lowercase dot-separated words".into()));
            }
            if spec.keywords.is_empty() || spec.keywords.iter().any(|k| k.len() < 2) {
                return Err(bad("needs keywords of at least 2 bytes".into()));
            }
            if spec.window.is_some_and(|w| w > crate::matcher::MAX_WINDOW) {
                return Err(bad(format!(
                    "window is at most {}",
                    crate::matcher::MAX_WINDOW
                )));
            }
            let validator = match &spec.validator {
                None => None,
                Some(name) => Some(
                    Validator::parse(name)
                        .ok_or_else(|| bad(format!("unknown validator {name:?}")))?,
                ),
            };
            let rule = Rule {
                spec,
                file: file.to_string(),
                validator,
                regex: OnceLock::new(),
            };
            if compile_now {
                rule.compile_now().map_err(bad)?;
            }
            self.rules.push(rule);
        }
        Ok(())
    }

    /// The rules in order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}
