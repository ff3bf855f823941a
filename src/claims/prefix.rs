//! Token kinds implied by prefixes (GitHub, Slack, Stripe, ...), with what
//! the prefix says about lifetime and mode.

use super::Claims;
use crate::matcher::validate::github_checksum_ok;

/// Claims from a token's prefix; every matched token gets at least a kind.
pub fn decode(rule_id: &str, family: &str, text: &str) -> Option<Claims> {
    let mut c = Claims {
        kind: Some(rule_id.to_string()),
        ..Claims::default()
    };
    match family {
        "github" => github(text, &mut c),
        "stripe" => {
            c.test_or_example = text.contains("_test_");
            c.never_expires = true;
        }
        "slack" => slack(text, &mut c),
        "npm" if text.starts_with("npm_") => {
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
    let (kind, never) = match text.get(..4) {
        Some("ghp_") => ("github.pat.classic", true),
        Some("gho_") => ("github.oauth", true),
        Some("ghu_") => ("github.user_to_server", false),
        Some("ghs_") => ("github.server_to_server", false),
        Some("ghr_") => ("github.refresh", false),
        _ if text.starts_with("github_pat_") => ("github.pat.fine_grained", false),
        _ => return,
    };
    c.kind = Some(kind.to_string());
    c.never_expires = never;
    if kind != "github.pat.fine_grained" {
        c.extra.insert(
            "checksum_valid".into(),
            github_checksum_ok(text.as_bytes()).into(),
        );
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
    } else if text.starts_with("xapp-") {
        "slack.token.app"
    } else if text.contains("hooks.slack.com") {
        "slack.webhook"
    } else {
        return;
    };
    c.kind = Some(kind.to_string());
    c.never_expires = matches!(
        kind,
        "slack.token.bot" | "slack.token.user" | "slack.token.app" | "slack.webhook"
    );
    if let Some(team) = text.split('/').find(|p| p.starts_with('T') && p.len() > 8) {
        c.account = Some(team.to_string());
    }
}
