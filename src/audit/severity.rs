//! The severity model: one function from a family's impact and a finding's
//! lifecycle flags to `low`, `medium`, `high` or `critical`.
//!
//! | condition | result |
//! |---|---|
//! | `expired` or `test_or_example` | `low`, whatever else holds |
//! | otherwise | the family's impact (policy), then one step up for each of `broad_scope`, `sprawled`, `alg_none` and `outlived_offboarding` (at most `critical`) |
//! | a `severity_overrides` entry for the rule (policy) | that severity, replacing all of the above |
//! | liveness `live` | at least `high` |
//! | liveness `dead` | `low` |
//!
//! `no_expiry` and `long_expiry` do not raise severity on their own: almost
//! every leaked static key has no expiry, and raising them all would make
//! the flag noise. They are reported so that a person can act on them.

use crate::finding::{Flag, Severity};

/// The overall severity of a finding with base `impact` and `flags`.
pub fn overall(impact: Severity, flags: &[Flag]) -> Severity {
    let has = |name: &str| flags.iter().any(|f| f.flag == name);
    if has("expired") || has("test_or_example") {
        return Severity::Low;
    }
    let mut s = impact;
    for raising in [
        "broad_scope",
        "sprawled",
        "alg_none",
        "outlived_offboarding",
    ] {
        if has(raising) {
            s = s.raise();
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(name: &'static str) -> Flag {
        Flag {
            flag: name,
            severity: Severity::Medium,
            detail: String::new(),
        }
    }

    #[test]
    fn table() {
        assert_eq!(overall(Severity::High, &[]), Severity::High);
        assert_eq!(overall(Severity::High, &[f("no_expiry")]), Severity::High);
        assert_eq!(
            overall(Severity::Medium, &[f("broad_scope")]),
            Severity::High
        );
        assert_eq!(
            overall(Severity::Medium, &[f("broad_scope"), f("sprawled")]),
            Severity::Critical
        );
        assert_eq!(
            overall(Severity::Critical, &[f("sprawled")]),
            Severity::Critical
        );
        assert_eq!(
            overall(Severity::Critical, &[f("broad_scope"), f("expired")]),
            Severity::Low
        );
        assert_eq!(
            overall(Severity::High, &[f("test_or_example")]),
            Severity::Low
        );
    }

    #[test]
    fn every_rule_of_the_table() {
        use Severity::*;
        // Impact alone, whatever it is; no_expiry and long_expiry do not raise.
        for s in [Low, Medium, High, Critical] {
            assert_eq!(overall(s, &[]), s);
            assert_eq!(overall(s, &[f("no_expiry"), f("long_expiry")]), s);
            assert_eq!(overall(s, &[f("expired")]), Low);
            assert_eq!(overall(s, &[f("test_or_example"), f("broad_scope")]), Low);
        }
        // Each raising flag is one step.
        for raising in [
            "broad_scope",
            "sprawled",
            "alg_none",
            "outlived_offboarding",
        ] {
            assert_eq!(overall(Low, &[f(raising)]), Medium, "{raising}");
            assert_eq!(overall(High, &[f(raising)]), Critical, "{raising}");
        }
        assert_eq!(
            overall(Low, &[f("broad_scope"), f("sprawled"), f("alg_none")]),
            Critical
        );
        // Expired wins over raising flags.
        assert_eq!(overall(Critical, &[f("sprawled"), f("expired")]), Low);
    }
}
