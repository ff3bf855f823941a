//! Offline claims: what a token says about itself, decoded from its bytes.
//!
//! One decoder per family turns a matched secret into [`Claims`] (kind,
//! issuer, subject, account, scopes, issue and expiry times) without any
//! network call and without trusting signatures: a leaked token is evidence,
//! not an authority. The audit stage holds these claims against the
//! lifecycle policy.

mod aws;
mod jwt;
mod prefix;

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
    match family {
        "aws" => aws::decode(rule_id, text),
        _ => prefix::decode(rule_id, family, text),
    }
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
