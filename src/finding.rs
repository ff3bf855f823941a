//! Types shared by every stage: what was found, where, and how bad it is.
//!
//! A [`Finding`] is one occurrence of one secret at one [`Location`]. The
//! reports group occurrences by [`Fingerprint`] where a format wants one entry
//! per distinct secret (`--format json`, the store).

use std::fmt;

use serde::{Serialize, Serializer};
use sha2::{Digest, Sha256};

use crate::claims::Claims;

/// SHA-256 of the exact secret bytes: the identity of a secret everywhere
/// (output, baseline, store), so that the plaintext never has to be kept.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint(pub [u8; 32]);

impl Fingerprint {
    /// The fingerprint of `secret`.
    pub fn of(secret: &[u8]) -> Fingerprint {
        Fingerprint(Sha256::digest(secret).into())
    }

    /// Parses 64 hex digits (either case).
    pub fn parse(hex: &str) -> Option<Fingerprint> {
        let hex = hex.trim();
        if hex.len() != 64 || !hex.is_ascii() {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(Fingerprint(out))
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Serialize for Fingerprint {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// How urgent a finding is, in increasing order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Test keys, expired tokens, low-impact identifiers.
    Low,
    /// Limited impact or uncertain (generic matches).
    Medium,
    /// A working credential for a service.
    High,
    /// Broad, long-lived access to infrastructure, code or money.
    Critical,
}

impl Severity {
    /// The lowercase name used in output and options.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Parses `low`, `medium`, `high` or `critical`.
    pub fn parse(s: &str) -> Option<Severity> {
        Some(match s {
            "low" => Severity::Low,
            "medium" => Severity::Medium,
            "high" => Severity::High,
            "critical" => Severity::Critical,
            _ => return None,
        })
    }

    /// One step up, saturating at critical.
    pub fn raise(self) -> Severity {
        match self {
            Severity::Low => Severity::Medium,
            Severity::Medium => Severity::High,
            _ => Severity::Critical,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which kind of input a finding came from (the `source` output field).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// A file below a scanned path.
    File,
    /// Standard input.
    Stdin,
    /// A blob in git history.
    Git,
    /// Lines added in the git index.
    Staged,
    /// A Slack export.
    Slack,
    /// A Jira export.
    Jira,
}

/// Where one occurrence is. Serialized flat into each JSONL record and into
/// the `locations` items of `--format json`; absent provenance is `null`.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Location {
    /// The kind of input.
    pub source: SourceKind,
    /// Path relative to the scanned root, the path in the commit, or
    /// `ARCHIVE!/inner/path` inside an archive or export.
    pub path: String,
    /// 1-based line of the secret's first byte.
    pub line: u64,
    /// 1-based byte column of the secret's first byte on its line.
    pub column: u64,
    /// The commit that introduced the blob (git).
    pub commit: Option<String>,
    /// Who committed or posted it.
    pub author_email: Option<String>,
    /// RFC 3339 time of the commit, message or comment.
    pub timestamp: Option<String>,
    /// Slack channel name, without `#`.
    pub channel: Option<String>,
    /// Slack user id.
    pub user: Option<String>,
    /// Jira issue key.
    pub ticket: Option<String>,
    /// Jira comment id.
    pub comment_id: Option<String>,
    /// Slack: the message's raw `ts`, its id within the channel.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_ts: Option<String>,
    /// Slack: the `thread_ts` of the thread a reply belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thread_ts: Option<String>,
    /// Whether the secret is still present at HEAD of the default branch (git).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_head: Option<bool>,
    /// The repository, as given to `--git` (git).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// The decoding chain when the secret was found inside encoded text.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub decoded: Vec<String>,
}

impl Location {
    /// A location with only a source and path; line and column are filled in
    /// by the scan.
    pub fn new(source: SourceKind, path: impl Into<String>) -> Location {
        Location {
            source,
            path: path.into(),
            line: 0,
            column: 0,
            commit: None,
            author_email: None,
            timestamp: None,
            channel: None,
            user: None,
            ticket: None,
            comment_id: None,
            message_ts: None,
            thread_ts: None,
            in_head: None,
            repository: None,
            decoded: Vec::new(),
        }
    }

    /// What makes two occurrences distinct places for the `sprawled` flag:
    /// the path plus the commit, message or comment.
    pub fn place_key(&self) -> String {
        let extra = self
            .commit
            .as_deref()
            .or(self.message_ts.as_deref())
            .or(self.timestamp.as_deref())
            .unwrap_or("");
        format!(
            "{:?}\u{0}{}\u{0}{}\u{0}{}\u{0}{}",
            self.source,
            self.path,
            extra,
            self.ticket.as_deref().unwrap_or(""),
            self.comment_id.as_deref().unwrap_or("")
        )
    }
}

/// One lifecycle flag with what a person can do about it.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Flag {
    /// One of the flag names of INTERFACE.md.
    pub flag: &'static str,
    /// How much this flag alone matters.
    pub severity: Severity,
    /// An actionable sentence.
    pub detail: String,
}

/// One occurrence of a secret.
#[derive(Clone, Debug)]
pub struct Finding {
    /// The id of the rule that matched.
    pub rule: String,
    /// The issuer family.
    pub family: String,
    /// The exact secret bytes (never written out unless `--show-secrets`).
    pub secret: Vec<u8>,
    /// SHA-256 of `secret`.
    pub fingerprint: Fingerprint,
    /// Where it was found.
    pub location: Location,
    /// What the token says about itself, decoded offline.
    pub claims: Option<Claims>,
    /// Lifecycle flags.
    pub lifecycle: Vec<Flag>,
    /// Overall severity.
    pub severity: Severity,
}

impl Finding {
    /// A new occurrence, before the audit sets claims, flags and severity.
    pub fn new(rule: &str, family: &str, secret: Vec<u8>, location: Location) -> Finding {
        Finding {
            rule: rule.to_string(),
            family: family.to_string(),
            fingerprint: Fingerprint::of(&secret),
            secret,
            location,
            claims: None,
            lifecycle: Vec::new(),
            severity: Severity::Medium,
        }
    }

    /// The secret as text (lossy for the rare non-UTF-8 secret).
    pub fn secret_text(&self) -> String {
        String::from_utf8_lossy(&self.secret).into_owned()
    }

    /// A redacted form that names the token kind but not its secret part:
    /// the first few characters (a prefix such as `ghp_` is not secret),
    /// an ellipsis, and the length.
    pub fn redacted(&self) -> String {
        redact(&self.secret_text())
    }
}

/// See [`Finding::redacted`]. PEM blocks keep only their `-----BEGIN ...-----`
/// header, whether their lines are broken or `\n`-escaped. What is kept is the token's public prefix
/// (up to the last `_`, `-` or `.` in the first 14 characters) or at most 4
/// characters.
pub fn redact(secret: &str) -> String {
    // A PEM block keeps its header only: up to the `-----` that closes the
    // BEGIN line, since the block may sit in a JSON or TOML string with `\n`
    // escapes instead of line breaks.
    if let Some(rest) = secret.trim_start().strip_prefix("-----BEGIN") {
        let header_len = rest.find("-----").map_or(0, |i| i + 5);
        let header = &rest[..header_len.min(rest.len())];
        return format!("-----BEGIN{header}…");
    }
    let chars: Vec<char> = secret.chars().collect();
    let keep = chars
        .iter()
        .take(14)
        .rposition(|c| matches!(c, '_' | '-' | '.'))
        .map(|i| i + 1)
        .filter(|&k| k < chars.len() / 2)
        .unwrap_or((chars.len() / 4).min(4));
    let head: String = chars[..keep].iter().collect();
    format!("{head}…[{}]", chars.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_is_sha256_hex() {
        let fp = Fingerprint::of(b"abc");
        assert_eq!(
            fp.to_string(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(Fingerprint::parse(&fp.to_string()), Some(fp));
        assert_eq!(Fingerprint::parse("zz"), None);
    }

    #[test]
    fn redaction_hides_the_random_part() {
        let r = redact("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");
        assert_eq!(r, "ghp_…[40]");
        assert!(!r.contains("10Sg59"));
        assert_eq!(redact("short"), "s…[5]");
        assert_eq!(redact("AKIAZ7VQ2KD3HQ4JX5LM"), "AKIA…[20]");
        assert_eq!(
            redact("-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----"),
            "-----BEGIN RSA PRIVATE KEY-----…"
        );
        // Escaped newlines (a key inside a JSON string): the body stays hidden.
        let escaped =
            r"-----BEGIN PRIVATE KEY-----\nMIICXAIBAAKBgQA4tOZS5E2n8jcN\n-----END PRIVATE KEY-----";
        assert_eq!(redact(escaped), "-----BEGIN PRIVATE KEY-----…");
        assert_eq!(redact("-----BEGIN without an end"), "-----BEGIN…");
    }

    #[test]
    fn severity_orders_and_raises() {
        assert!(Severity::Low < Severity::Critical);
        assert_eq!(Severity::High.raise(), Severity::Critical);
        assert_eq!(Severity::Critical.raise(), Severity::Critical);
        assert_eq!(Severity::parse("medium"), Some(Severity::Medium));
    }
}
