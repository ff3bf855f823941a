//! The audit stage: decodes claims, sets lifecycle flags and computes each
//! finding's severity against a [`Policy`].
//!
//! Runs once over all findings of a scan, after matching, because the
//! `sprawled` flag needs every occurrence of a fingerprint, and a token of
//! fixed lifetime (GitHub `ghs_`, Google `ya29.`) is judged expired from the
//! earliest time any occurrence was seen (a commit or message time). Claims
//! are decoded once per distinct fingerprint.

pub mod policy;
pub mod severity;

use std::collections::{HashMap, HashSet};

use time::OffsetDateTime;

pub use policy::Policy;

use crate::claims::{self, human_span, Claims};
use crate::finding::{Finding, Fingerprint, Flag, Severity};

/// Decodes claims and sets `claims`, `lifecycle` and `severity` on every finding.
pub fn assess(findings: &mut [Finding], policy: &Policy, now: OffsetDateTime) {
    let mut places: HashMap<Fingerprint, HashSet<String>> = HashMap::new();
    let mut first_seen: HashMap<Fingerprint, OffsetDateTime> = HashMap::new();
    for f in findings.iter() {
        places
            .entry(f.fingerprint)
            .or_default()
            .insert(f.location.place_key());
        if let Some(t) = f.location.timestamp.as_deref().and_then(claims::parse_time) {
            let e = first_seen.entry(f.fingerprint).or_insert(t);
            *e = (*e).min(t);
        }
    }
    let mut decoded: HashMap<Fingerprint, Option<Claims>> = HashMap::new();
    for f in findings.iter_mut() {
        let claims = decoded
            .entry(f.fingerprint)
            .or_insert_with(|| claims::decode(&f.rule, &f.family, &f.secret))
            .clone();
        let seen = Seen {
            places: places.get(&f.fingerprint).map_or(1, HashSet::len),
            first: first_seen.get(&f.fingerprint).copied(),
        };
        f.lifecycle = flags(&f.family, claims.as_ref(), &seen, policy, now);
        f.severity = severity::overall(policy.impact(&f.family, &f.rule), &f.lifecycle);
        if let Some(s) = policy.severity_override(&f.rule) {
            f.severity = s;
        }
        f.claims = claims;
    }
}

/// Where and when one token was seen within a scan.
#[derive(Clone, Copy, Debug, Default)]
pub struct Seen {
    /// Distinct places (path + commit, message or comment).
    pub places: usize,
    /// The earliest commit, message or comment time of any occurrence.
    pub first: Option<OffsetDateTime>,
}

/// The lifecycle flags of one token, given where and when it was seen.
pub fn flags(
    family: &str,
    claims: Option<&Claims>,
    seen: &Seen,
    policy: &Policy,
    now: OffsetDateTime,
) -> Vec<Flag> {
    let spread = seen.places;
    let mut out = Vec::new();
    let mut flag = |flag: &'static str, severity: Severity, detail: String| {
        out.push(Flag {
            flag,
            severity,
            detail,
        })
    };
    if let Some(c) = claims {
        let day = |t: OffsetDateTime| t.date().to_string();
        if c.test_or_example {
            flag(
                "test_or_example",
                Severity::Low,
                "test-mode or documented example key; it cannot reach live data, but remove it"
                    .into(),
            );
        }
        match (c.expires_at, c.lifetime.zip(seen.first)) {
            (Some(exp), _) if exp <= now => flag(
                "expired",
                Severity::Low,
                format!("expired {}; harmless unless the issuer ignores expiry, remove it anyway", day(exp)),
            ),
            (Some(exp), _) => {
                let max = policy.max_lifetime_days(family);
                if let Some(iat) = c.issued_at {
                    let lifetime = exp - iat;
                    if lifetime > time::Duration::days(max as i64) {
                        flag(
                            "long_expiry",
                            Severity::Medium,
                            format!(
                                "expires {}, {} after issue; policy max {} days: reissue with a shorter lifetime",
                                day(exp),
                                human_span(lifetime),
                                max
                            ),
                        );
                    }
                } else if exp - now > time::Duration::days(max as i64) {
                    flag(
                        "long_expiry",
                        Severity::Medium,
                        format!("expires {}, more than {} days from now: reissue with a shorter lifetime", day(exp), max),
                    );
                }
            }
            // A token of fixed lifetime was issued before it was first
            // seen, so it expired by then + lifetime at the latest.
            (None, Some((lifetime, first))) => {
                if first + lifetime <= now {
                    flag(
                        "expired",
                        Severity::Low,
                        format!(
                            "{} tokens live at most {}; first seen {}, so it expired by {}; remove it anyway",
                            c.kind.as_deref().unwrap_or(family),
                            human_span(lifetime),
                            claims::rfc3339(first),
                            claims::rfc3339(first + lifetime)
                        ),
                    );
                }
            }
            (None, _) if c.never_expires => flag(
                "no_expiry",
                Severity::Medium,
                "never expires: it stays valid until someone revokes it; rotate it and prefer expiring credentials".into(),
            ),
            (None, _) => {}
        }
        if c.unsigned {
            flag(
                "alg_none",
                Severity::High,
                "unsigned token (alg: none): any verifier that accepts it accepts forgeries; make the verifier require a signature".into(),
            );
        }
        let broad: Vec<&str> = c
            .scopes
            .iter()
            .map(String::as_str)
            .filter(|s| policy.is_broad(family, s))
            .collect();
        if !broad.is_empty() {
            flag(
                "broad_scope",
                Severity::High,
                format!(
                    "grants {}: narrow it to what the task needs",
                    broad.join(", ")
                ),
            );
        }
    }
    let threshold = policy.sprawl_threshold_for(family);
    if spread >= threshold {
        flag(
            "sprawled",
            Severity::Medium,
            format!(
                "found in {spread} places (threshold {}): every copy must go when it is rotated",
                threshold
            ),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn claims(iat: Option<OffsetDateTime>, exp: Option<OffsetDateTime>, scopes: &[&str]) -> Claims {
        Claims {
            issued_at: iat,
            expires_at: exp,
            never_expires: exp.is_none(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            ..Claims::default()
        }
    }

    fn names(flags: &[Flag]) -> Vec<&'static str> {
        flags.iter().map(|f| f.flag).collect()
    }

    const NOW: OffsetDateTime = datetime!(2026-11-23 12:00 UTC);

    fn at(places: usize) -> Seen {
        Seen {
            places,
            first: None,
        }
    }

    #[test]
    fn lifetime_boundary_is_exclusive_at_90_days() {
        let p = Policy::default();
        let iat = datetime!(2026-10-01 00:00 UTC);
        let exactly = claims(Some(iat), Some(iat + time::Duration::days(90)), &[]);
        assert!(names(&flags("jwt", Some(&exactly), &at(1), &p, NOW)).is_empty());
        let longer = claims(
            Some(iat),
            Some(iat + time::Duration::days(90) + time::Duration::seconds(1)),
            &[],
        );
        assert_eq!(
            names(&flags("jwt", Some(&longer), &at(1), &p, NOW)),
            vec!["long_expiry"]
        );
    }

    #[test]
    fn exp_equal_to_now_is_expired() {
        let c = claims(None, Some(NOW), &[]);
        assert_eq!(
            names(&flags("jwt", Some(&c), &at(1), &Policy::default(), NOW)),
            vec!["expired"]
        );
    }

    #[test]
    fn no_expiry_broad_scope_and_sprawl() {
        let c = claims(None, None, &["admin", "read"]);
        let f = flags("jwt", Some(&c), &at(3), &Policy::default(), NOW);
        assert_eq!(names(&f), vec!["no_expiry", "broad_scope", "sprawled"]);
        assert_eq!(
            f[1].detail,
            "grants admin: narrow it to what the task needs"
        );
    }

    #[test]
    fn long_expiry_detail_is_actionable() {
        let iat = datetime!(2026-04-02 00:00 UTC);
        let c = claims(Some(iat), Some(datetime!(2031-04-02 00:00 UTC)), &[]);
        let f = flags("jwt", Some(&c), &at(1), &Policy::default(), NOW);
        assert_eq!(
            f[0].detail,
            "expires 2031-04-02, 5 years after issue; policy max 90 days: reissue with a shorter lifetime"
        );
    }

    #[test]
    fn fixed_lifetime_expires_from_first_sighting() {
        let c = Claims {
            kind: Some("github.server_to_server".into()),
            lifetime: Some(time::Duration::hours(1)),
            ..Claims::default()
        };
        let p = Policy::default();
        let seen = |first| Seen {
            places: 1,
            first: Some(first),
        };
        // Exactly one hour after the first sighting: expired (exp equal to now).
        let f = flags(
            "github",
            Some(&c),
            &seen(NOW - time::Duration::hours(1)),
            &p,
            NOW,
        );
        assert_eq!(names(&f), vec!["expired"]);
        assert_eq!(
            f[0].detail,
            "github.server_to_server tokens live at most 1 hour; first seen 2026-11-23T11:00:00Z, so it expired by 2026-11-23T12:00:00Z; remove it anyway"
        );
        let just = seen(NOW - time::Duration::hours(1) + time::Duration::seconds(1));
        assert!(names(&flags("github", Some(&c), &just, &p, NOW)).is_empty());
        // No time of sighting (a plain file): no verdict.
        assert!(names(&flags("github", Some(&c), &at(1), &p, NOW)).is_empty());
    }

    #[test]
    fn alg_none_is_flagged_and_raises_severity() {
        let c = Claims {
            unsigned: true,
            expires_at: Some(NOW + time::Duration::hours(1)),
            ..Claims::default()
        };
        let f = flags("jwt", Some(&c), &at(1), &Policy::default(), NOW);
        assert_eq!(names(&f), vec!["alg_none"]);
        assert_eq!(severity::overall(Severity::High, &f), Severity::Critical);
    }

    #[test]
    fn assess_decodes_once_and_uses_the_earliest_timestamp() {
        use crate::finding::{Location, SourceKind};
        let tok = b"ghs_abcdefghijklmnopqrstuvwxyz01232LolCm".to_vec();
        let mut a = Location::new(SourceKind::Git, "a.yml");
        a.timestamp = Some("2026-11-20T00:00:00Z".into());
        a.commit = Some("c1".into());
        let mut b = Location::new(SourceKind::Git, "a.yml");
        b.timestamp = Some("2026-11-23T11:30:00Z".into());
        b.commit = Some("c2".into());
        let mut findings = vec![
            Finding::new("github.app.installation", "github", tok.clone(), b),
            Finding::new("github.app.installation", "github", tok, a),
        ];
        assess(&mut findings, &Policy::default(), NOW);
        for f in &findings {
            assert_eq!(names(&f.lifecycle), vec!["expired"]);
            assert_eq!(f.severity, Severity::Low);
            assert!(f.lifecycle[0]
                .detail
                .contains("first seen 2026-11-20T00:00:00Z"));
        }
    }
}
