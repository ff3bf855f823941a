//! Allowlisting a repository's known false positives: `.sprawl.toml`.
//!
//! A repository can keep, at its root, a file that names paths (globs
//! relative to the scanned root or the path in the commit), rule ids and
//! fingerprints whose findings are not reported:
//!
//! ```toml
//! [allow]
//! paths = ["tests/fixtures/**", "docs/*.md"]
//! rules = ["generic.password.assignment"]
//! fingerprints = ["9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"]
//! ```
//!
//! The inline `sprawl:allow` marker on a line is handled by the matcher, and
//! `--baseline` by the scan; this file is for what belongs to the repository.

use std::collections::HashSet;
use std::path::Path;

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;

use crate::finding::{Finding, Fingerprint};

/// The file name looked up at a repository's or scanned directory's root.
pub const FILE_NAME: &str = ".sprawl.toml";

/// Errors in a `.sprawl.toml`, naming the file.
#[derive(Debug, thiserror::Error)]
pub enum AllowError {
    /// The file exists but cannot be read.
    #[error("{path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The TOML is malformed or has an unknown key (the message has the line).
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: String,
        /// The parser's message, with line and column.
        message: String,
    },
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    allow: Section,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Section {
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    rules: Vec<String>,
    #[serde(default)]
    fingerprints: Vec<String>,
}

/// What the loaded `.sprawl.toml` files allow, merged.
#[derive(Default, Debug)]
pub struct Allowlist {
    paths: Option<GlobSet>,
    globs: Vec<Glob>,
    rules: HashSet<String>,
    fingerprints: HashSet<Fingerprint>,
}

impl Allowlist {
    /// Adds `dir/.sprawl.toml` if it exists.
    pub fn add_dir(&mut self, dir: &Path) -> Result<(), AllowError> {
        let path = dir.join(FILE_NAME);
        if !path.is_file() {
            return Ok(());
        }
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(&path).map_err(|source| AllowError::Read {
            path: shown.clone(),
            source,
        })?;
        self.add_text(&shown, &text)
    }

    /// Adds the allowlist in `text`, named `name` in errors.
    pub fn add_text(&mut self, name: &str, text: &str) -> Result<(), AllowError> {
        let parse = |message: String| AllowError::Parse {
            path: name.to_string(),
            message,
        };
        let file: File = toml::from_str(text).map_err(|e| parse(e.to_string()))?;
        for p in &file.allow.paths {
            let glob = Glob::new(p).map_err(|e| parse(format!("allow.paths: {e}")))?;
            self.globs.push(glob);
        }
        let mut set = GlobSetBuilder::new();
        for g in &self.globs {
            set.add(g.clone());
        }
        self.paths = Some(set.build().map_err(|e| parse(e.to_string()))?);
        self.rules.extend(file.allow.rules);
        for fp in &file.allow.fingerprints {
            let parsed = Fingerprint::parse(fp).ok_or_else(|| {
                parse(format!(
                    "allow.fingerprints: {fp:?} is not 64 hex digits (a SHA-256 fingerprint)"
                ))
            })?;
            self.fingerprints.insert(parsed);
        }
        Ok(())
    }

    /// Whether nothing is allowed.
    pub fn is_empty(&self) -> bool {
        self.globs.is_empty() && self.rules.is_empty() && self.fingerprints.is_empty()
    }

    /// Whether `finding` is allowed (left out of the report).
    pub fn allows(&self, finding: &Finding) -> bool {
        self.rules.contains(&finding.rule)
            || self.fingerprints.contains(&finding.fingerprint)
            || self
                .paths
                .as_ref()
                .is_some_and(|set| set.is_match(&finding.location.path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Location, SourceKind};

    fn finding(rule: &str, path: &str, secret: &[u8]) -> Finding {
        Finding::new(
            rule,
            "x",
            secret.to_vec(),
            Location::new(SourceKind::File, path),
        )
    }

    #[test]
    fn paths_rules_and_fingerprints() {
        let mut a = Allowlist::default();
        let fp = Fingerprint::of(b"s3cr3t");
        a.add_text(
            "t",
            &format!(
                "[allow]\npaths = [\"tests/fixtures/**\"]\nrules = [\"generic.x\"]\nfingerprints = [\"{fp}\"]\n"
            ),
        )
        .unwrap();
        assert!(a.allows(&finding("a.b", "tests/fixtures/deep/k.txt", b"z")));
        assert!(!a.allows(&finding("a.b", "src/k.txt", b"z")));
        assert!(a.allows(&finding("generic.x", "src/k.txt", b"z")));
        assert!(a.allows(&finding("a.b", "src/k.txt", b"s3cr3t")));
    }

    #[test]
    fn errors_name_the_file_and_key() {
        let mut a = Allowlist::default();
        let e = a
            .add_text("repo/.sprawl.toml", "[allow]\npathz = []\n")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("repo/.sprawl.toml: "), "{e}");
        assert!(e.contains("pathz") && e.contains("line 2"), "{e}");
        let e = a
            .add_text("f", "[allow]\nfingerprints = [\"abc\"]\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("not 64 hex digits"), "{e}");
    }
}
