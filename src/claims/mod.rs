//! Offline claims: what a token says about itself, decoded from its bytes.
//!
//! One decoder per family turns a matched secret into [`Claims`] (kind,
//! issuer, subject, account, scopes, issue and expiry times) without any
//! network call and without trusting signatures: a leaked token is evidence,
//! not an authority. The audit stage holds these claims against the
//! lifecycle policy.
//!
//! Decoders by family: `jwt` (JWT, OIDC, Entra, JWT-SVID, UCAN 0.x), `aws`
//! (key kind, account id), `sas` (Azure SAS parameters), `macaroon` (PyPI
//! caveats, lnd and other v1/v2 macaroons), `biscuit` (Datalog facts and
//! time checks), `gitlab` (routable-token ids), `google` (service-account
//! JSON), `pem` and `der` (private-key type, size, encryption) and `prefix`
//! (GitHub, Slack, Stripe, Google and npm kinds, lifetimes, checksums).
//!
//! Decoders take hostile bytes: every length and offset is checked, nothing
//! panics, and a malformed token simply yields fewer claims.

mod aws;
mod biscuit;
mod der;
mod gitlab;
mod google;
mod jwt;
mod macaroon;
mod pem;
mod prefix;
mod sas;

use std::collections::BTreeMap;

use serde::{Serialize, Serializer};
use time::OffsetDateTime;

/// Decoded facts about one token. Absent facts are `None`/empty.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Claims {
    /// What kind of token this is, e.g. `github.pat.classic`, `aws.access_key.long_term`.
    pub kind: Option<String>,
    /// Who issued it (JWT `iss`, a host).
    pub issuer: Option<String>,
    /// Whom it stands for (JWT `sub`, a user id).
    pub subject: Option<String>,
    /// The account it belongs to (AWS account id, Slack team, ...).
    pub account: Option<String>,
    /// Granted scopes, roles or permissions.
    pub scopes: Vec<String>,
    /// When it was issued.
    #[serde(serialize_with = "rfc3339_opt")]
    pub issued_at: Option<OffsetDateTime>,
    /// When it expires.
    #[serde(serialize_with = "rfc3339_opt")]
    pub expires_at: Option<OffsetDateTime>,
    /// The token format says it never expires (a JWT without `exp`, an AWS
    /// long-term key, a classic PAT). False when unknown.
    #[serde(skip)]
    pub never_expires: bool,
    /// The token is a test-mode key or a documented example.
    #[serde(skip)]
    pub test_or_example: bool,
    /// The fixed lifetime of this kind of token when the token itself does
    /// not say when it expires (GitHub `ghs_` 1 hour, Google `ya29.` 1 hour).
    /// The audit bounds the expiry by the earliest time the token was seen.
    #[serde(skip)]
    pub lifetime: Option<time::Duration>,
    /// The token is unsigned (JWT `alg: none`): any verifier that accepts it
    /// accepts a forgery.
    #[serde(skip)]
    pub unsigned: bool,
    /// Further decoded facts (JWT `alg`, `aud`, emails, checksum verdict).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// Decodes what `secret`, matched by the rule `rule_id` of `family`, says
/// about itself. `None` when the family carries nothing decodable.
pub fn decode(rule_id: &str, family: &str, secret: &[u8]) -> Option<Claims> {
    let text = std::str::from_utf8(secret).ok()?;
    if family == "jwt" || (text.starts_with("eyJ") && text.matches('.').count() == 2) {
        return jwt::decode(text);
    }
    let decoded = match family {
        "aws" => aws::decode(rule_id, text),
        "azure" if sas::is_sas(text) => sas::decode(text),
        "pypi" => macaroon::decode_pypi(rule_id, text),
        "macaroon" => macaroon::decode_text(rule_id, text),
        "biscuit" => biscuit::decode(text),
        "gitlab" => gitlab::decode(rule_id, text),
        "google" if text.trim_start().starts_with('{') => google::service_account(text),
        "private_key" => pem::decode(rule_id, text),
        _ => None,
    };
    decoded.or_else(|| prefix::decode(rule_id, family, text))
}

impl Claims {
    /// Empty claims of `kind`.
    pub fn of_kind(kind: impl Into<String>) -> Claims {
        Claims {
            kind: Some(kind.into()),
            ..Claims::default()
        }
    }

    /// Records a fixed lifetime, also as a readable `lifetime` extra.
    fn set_lifetime(&mut self, lifetime: time::Duration) {
        self.lifetime = Some(lifetime);
        self.extra
            .insert("lifetime".into(), human_span(lifetime).into());
    }
}

/// "5 years", "200 days", "3 hours": the largest whole unit.
pub fn human_span(d: time::Duration) -> String {
    let days = d.whole_days();
    let plural = |n: i64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    if days >= 365 {
        plural(days / 365, "year")
    } else if days >= 1 {
        plural(days, "day")
    } else if d.whole_hours() >= 1 {
        plural(d.whole_hours(), "hour")
    } else {
        plural(d.whole_minutes(), "minute")
    }
}

/// Parses an RFC 3339 time, or a bare `YYYY-MM-DD` date (midnight UTC).
pub fn parse_time(s: &str) -> Option<OffsetDateTime> {
    use time::format_description::well_known::Rfc3339;
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(t);
    }
    let date = time::Date::parse(
        s.get(..10)?,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()?;
    if s.len() == 10 {
        return Some(date.midnight().assume_utc());
    }
    // Azure SAS and others write `2026-09-30T17:42Z` (no seconds).
    let rest = s.get(10..)?.strip_prefix('T')?.strip_suffix('Z')?;
    let mut hm = rest.split(':').map(|p| p.parse::<u8>().ok());
    let (h, m) = (hm.next()??, hm.next()??);
    let time = time::Time::from_hms(h, m, 0).ok()?;
    Some(date.with_time(time).assume_utc())
}

/// Formats a time as RFC 3339 in UTC.
pub fn rfc3339(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn rfc3339_opt<S: Serializer>(t: &Option<OffsetDateTime>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&rfc3339(*t)),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every decoder, fed truncations and byte flips of real tokens and
    /// random bytes, returns without panicking.
    #[test]
    fn hostile_bytes_never_panic() {
        let samples: &[(&str, &str, String)] = &[
            ("jwt.token", "jwt", "eyJhbGciOiJub25lIn0.eyJleHAiOm51bGwsImF0dCI6W3siY2FuIjoiKiJ9XX0.".into()),
            ("aws.access_key_id.long_term", "aws", "AKIAZAVB57H55F3T4BKH".into()),
            ("azure.storage.sas_token", "azure", "sv=2022-11-02&sp=rw&se=2026-01-01T00:00Z&sig=ab%3D".into()),
            ("pypi.token", "pypi", "pypi-AgEIcHlwaS5vcmcCJDhjNTk0OGUyLTMzODAtNGFkMS05MzZhLTI0NzU3NmE2ODI0NwACEFsxLFsiYWNtZS1zZGsiXV0AAixbMixbIjllZDZmZTBlLTNjN2QtNDMxNC05OTNmLWQyZWUwZTFmNTJmZSJdXQAABiBvstArGWBQmmLDaGQsCaxCHhvbXkJJ7D-VMQS-Rcp65Q".into()),
            ("macaroon.lnd", "macaroon", "0201036c6e640203abcd0002077469 6d65".replace(' ', "")),
            ("biscuit.token", "biscuit", biscuit::tests::token(Some(5), false)),
            ("gitlab.pat.routable", "gitlab", "glpat-AAECAwQFBgcICQoLDA0OD2M6MQpvOjEKdToybjljDg.01.160nlwcj6".into()),
            ("google.service_account.key", "google", r#"{"type":"service_account","private_key":"-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----"}"#.into()),
            ("private_key.pem", "private_key", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZWQyNTUxOQ\n-----END OPENSSH PRIVATE KEY-----".into()),
            ("github.pat.classic", "github", "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".into()),
            ("slack.webhook.incoming", "slack", "https://hooks.slack.com/services/T0000000000/B0/x".into()),
            ("stripe.secret_key.live", "stripe", "sk_live_abc".into()),
        ];
        let mut x: u32 = 0x9e37_79b9;
        let mut rand = move || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x
        };
        for (rule, family, token) in samples {
            assert!(decode(rule, family, token.as_bytes()).is_some(), "{rule}");
            let bytes = token.as_bytes();
            for n in 0..bytes.len() {
                let _ = decode(rule, family, &bytes[..n]);
                let mut flipped = bytes.to_vec();
                flipped[n] ^= 1 << (rand() % 8);
                let _ = decode(rule, family, &flipped);
            }
            for len in [0usize, 1, 7, 64, 300] {
                let noise: Vec<u8> = (0..len).map(|_| rand() as u8).collect();
                let _ = decode(rule, family, &noise);
            }
        }
    }

    #[test]
    fn times_parse_in_the_forms_tokens_use() {
        for (s, want) in [
            ("2026-09-30T17:42:09Z", Some(1790790129)),
            ("2026-09-30T17:42Z", Some(1790790120)),
            ("2026-09-30", Some(1790726400)),
            ("2026-13-30", None),
            ("2026-09-30T25:00Z", None),
            ("", None),
            ("2026-09-30Tx", None),
        ] {
            assert_eq!(parse_time(s).map(|t| t.unix_timestamp()), want, "{s}");
        }
    }
}
