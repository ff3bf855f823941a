//! Token kinds implied by prefixes (GitHub, Slack, Stripe, Google, npm),
//! with what the prefix says about lifetime, mode and reach.
//!
//! These tokens are opaque: the prefix is all there is to decode, but it
//! tells a classic PAT (no expiry) from an installation token (1 hour), a
//! live key from a test key, and a refresh token from an access token
//! (TOKENS.md §1, §3, §5, §7).

use time::Duration;

use super::Claims;
use crate::matcher::validate::github_checksum_ok;

/// Claims from a token's prefix; every matched token gets at least a kind.
pub fn decode(rule_id: &str, family: &str, text: &str) -> Option<Claims> {
    let mut c = Claims::of_kind(rule_id);
    match family {
        "github" => github(text, &mut c),
        "stripe" => stripe(text, &mut c),
        "slack" => slack(text, &mut c),
        "google" => google(text, &mut c),
        "npm" if text.starts_with("npm_") => {
            c.kind = Some("npm.token".into());
            c.extra.insert(
                "checksum_valid".into(),
                github_checksum_ok(text.as_bytes()).into(),
            );
        }
        _ => {}
    }
    Some(c)
}

fn github(text: &str, c: &mut Claims) {
    // Lifetimes: docs.github.com "refreshing user access tokens" (ghu_ 8 h,
    // ghr_ 6 months) and installation tokens (ghs_ 1 h), TOKENS.md §1.5.
    let (kind, lifetime) = match text.get(..4) {
        Some("ghp_") => ("github.pat.classic", None),
        Some("gho_") => ("github.oauth", None),
        Some("ghu_") => ("github.user_to_server", Some(Duration::hours(8))),
        Some("ghs_") => ("github.server_to_server", Some(Duration::hours(1))),
        Some("ghr_") => ("github.refresh", Some(Duration::days(183))),
        _ if text.starts_with("github_pat_") => ("github.pat.fine_grained", None),
        _ => return,
    };
    c.kind = Some(kind.to_string());
    // Classic PATs and OAuth tokens may never expire; fine-grained PATs
    // carry an expiry the token does not reveal.
    c.never_expires = matches!(kind, "github.pat.classic" | "github.oauth");
    if let Some(l) = lifetime {
        c.set_lifetime(l);
    }
    // The CRC32 covers 36-char bodies only; longer ghr_ and fine-grained
    // tokens have no checksum that can be checked offline (TOKENS.md §0.1).
    if kind != "github.pat.fine_grained" && text.len() == 40 {
        c.extra.insert(
            "checksum_valid".into(),
            github_checksum_ok(text.as_bytes()).into(),
        );
    }
}

fn stripe(text: &str, c: &mut Claims) {
    let class = match text.split('_').next() {
        Some("sk") => "secret_key",
        Some("rk") => "restricted_key",
        Some("pk") => "publishable_key",
        Some("whsec") => {
            c.kind = Some("stripe.webhook_secret".into());
            c.never_expires = true;
            return;
        }
        _ => return,
    };
    let mode = if text.contains("_test_") {
        "test"
    } else if text.contains("_live_") {
        "live"
    } else {
        return;
    };
    c.kind = Some(format!("stripe.{class}.{mode}"));
    c.extra.insert("mode".into(), mode.into());
    c.test_or_example = mode == "test";
    c.never_expires = true;
    // A secret key is unrestricted across the whole API and cannot be
    // narrowed (docs.stripe.com/keys); a restricted key's reach is unknown.
    if class == "secret_key" {
        c.scopes.push("*".into());
    }
}

fn slack(text: &str, c: &mut Claims) {
    let kind = if text.starts_with("xoxe.") {
        "slack.token.rotating"
    } else if text.starts_with("xoxe-") || text.starts_with("xoxr-") {
        "slack.token.refresh"
    } else if text.starts_with("xoxb-") {
        "slack.token.bot"
    } else if text.starts_with("xoxp-") {
        "slack.token.user"
    } else if text.starts_with("xoxa-") {
        "slack.token.workspace"
    } else if text.starts_with("xapp-") {
        "slack.token.app"
    } else if text.starts_with("xoxc-") || text.starts_with("xoxd-") {
        "slack.token.session"
    } else if text.contains("hooks.slack.com") {
        "slack.webhook"
    } else {
        return;
    };
    c.kind = Some(kind.to_string());
    c.never_expires = matches!(
        kind,
        "slack.token.bot"
            | "slack.token.user"
            | "slack.token.workspace"
            | "slack.token.app"
            | "slack.webhook"
    );
    // Rotating access tokens live 12 hours (docs.slack.dev token rotation).
    if kind == "slack.token.rotating" {
        c.set_lifetime(Duration::hours(12));
    }
    if let Some(team) = text
        .split('/')
        .find(|p| p.starts_with('T') && p.len() > 8 && p.bytes().all(|b| b.is_ascii_alphanumeric()))
    {
        c.account = Some(team.to_string());
    }
}

fn google(text: &str, c: &mut Claims) {
    if text.starts_with("ya29.") {
        // User and service-account access tokens: opaque, at most about an
        // hour (cloud.google.com/docs/authentication/token-types).
        c.kind = Some("google.oauth.access_token".into());
        c.set_lifetime(Duration::hours(1));
    } else if text.starts_with("1//") {
        c.kind = Some("google.oauth.refresh_token".into());
        c.never_expires = true;
    } else if text.starts_with("AIza") {
        c.kind = Some("google.api_key".into());
        c.never_expires = true;
    } else if text.starts_with("GOCSPX-") {
        c.kind = Some("google.oauth.client_secret".into());
        c.never_expires = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(rule: &str, family: &str, text: &str) -> Claims {
        decode(rule, family, text).unwrap()
    }

    #[test]
    fn github_kinds_lifetimes_and_checksums() {
        let good = "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";
        let c = kind("github.pat.classic", "github", good);
        assert_eq!(c.kind.as_deref(), Some("github.pat.classic"));
        assert!(c.never_expires && c.lifetime.is_none());
        assert_eq!(c.extra["checksum_valid"], true);
        let bad = "ghp_SYNTHETICtestTOKEN00000000000010Sg58";
        assert_eq!(kind("x", "github", bad).extra["checksum_valid"], false);
        let ghs = kind("x", "github", "ghs_abcdefghijklmnopqrstuvwxyz01232LolCm");
        assert_eq!(ghs.kind.as_deref(), Some("github.server_to_server"));
        assert_eq!(ghs.lifetime, Some(Duration::hours(1)));
        assert_eq!(ghs.extra["lifetime"], "1 hour");
        assert!(!ghs.never_expires);
        let ghu = kind("x", "github", "ghu_abcdefghijklmnopqrstuvwxyz01232LolCm");
        assert_eq!(ghu.lifetime, Some(Duration::hours(8)));
        let ghr = kind("x", "github", &format!("ghr_{}", "a1".repeat(38)));
        assert_eq!(ghr.kind.as_deref(), Some("github.refresh"));
        assert!(!ghr.extra.contains_key("checksum_valid"));
        let fine = kind("x", "github", &format!("github_pat_11{}", "A".repeat(80)));
        assert_eq!(fine.kind.as_deref(), Some("github.pat.fine_grained"));
        assert!(!fine.never_expires && !fine.extra.contains_key("checksum_valid"));
    }

    #[test]
    fn stripe_classes_and_modes() {
        let sk = kind("r", "stripe", "sk_live_gs0QYRb0Zphq44Ijahaumjpr");
        assert_eq!(sk.kind.as_deref(), Some("stripe.secret_key.live"));
        assert_eq!(sk.scopes, vec!["*"]);
        assert!(!sk.test_or_example && sk.never_expires);
        let rk = kind("r", "stripe", "rk_test_gs0QYRb0Zphq44Ijahaumjpr");
        assert_eq!(rk.kind.as_deref(), Some("stripe.restricted_key.test"));
        assert!(rk.test_or_example && rk.scopes.is_empty());
        let pk = kind("r", "stripe", "pk_live_gs0QYRb0Zphq44Ijahaumjpr");
        assert_eq!(pk.kind.as_deref(), Some("stripe.publishable_key.live"));
        assert_eq!(
            kind("r", "stripe", "whsec_abc").kind.as_deref(),
            Some("stripe.webhook_secret")
        );
    }

    #[test]
    fn slack_kinds() {
        for (t, k, never) in [
            ("xoxb-1-2-abc", "slack.token.bot", true),
            ("xoxp-1-2-abc", "slack.token.user", true),
            ("xapp-1-A1-2-abc", "slack.token.app", true),
            ("xoxe.xoxp-1-abc", "slack.token.rotating", false),
            ("xoxe-1-abc", "slack.token.refresh", false),
            (
                "https://hooks.slack.com/services/T0123ABCD9/B0123/abc",
                "slack.webhook",
                true,
            ),
        ] {
            let c = kind("r", "slack", t);
            assert_eq!(c.kind.as_deref(), Some(k), "{t}");
            assert_eq!(c.never_expires, never, "{t}");
        }
        let hook = kind(
            "r",
            "slack",
            "https://hooks.slack.com/services/T0123ABCD9/B0123/abc",
        );
        assert_eq!(hook.account.as_deref(), Some("T0123ABCD9"));
        assert_eq!(
            kind("r", "slack", "xoxe.xoxp-1-abc").lifetime,
            Some(Duration::hours(12))
        );
    }

    #[test]
    fn google_access_vs_refresh() {
        let at = kind("r", "google", "ya29.a0AfB_byC");
        assert_eq!(at.kind.as_deref(), Some("google.oauth.access_token"));
        assert_eq!(at.lifetime, Some(Duration::hours(1)));
        let rt = kind("r", "google", "1//0abc");
        assert_eq!(rt.kind.as_deref(), Some("google.oauth.refresh_token"));
        assert!(rt.never_expires && rt.lifetime.is_none());
    }

    #[test]
    fn garbage_never_panics() {
        for fam in ["github", "stripe", "slack", "google", "npm", "other"] {
            for t in ["", "_", "gh", "ghp_", "sk_", "x/T/", "é", "ya29", "\u{0}"] {
                let _ = decode("r", fam, t);
            }
        }
    }
}
