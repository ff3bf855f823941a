//! `--format table`: a comfy-table for people, always redacted, with the
//! token kind, expiry and flags at a glance. Text from inputs is escaped.

use std::io::{self, Write};

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};

use super::ReportContext;
use crate::claims::{human_span, rfc3339};
use crate::diag::sanitize;
use crate::finding::Finding;

pub fn write(findings: &[Finding], ctx: &ReportContext<'_>, w: &mut dyn Write) -> io::Result<()> {
    if findings.is_empty() {
        return writeln!(w, "No findings.");
    }
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header([
            "Severity",
            "Rule",
            "Where",
            "Secret",
            "Kind / expiry",
            "Flags",
        ]);
    for f in findings {
        let mut place = format!("{}:{}", f.location.path, f.location.line);
        if let Some(c) = &f.location.commit {
            place += &format!(" @{}", &c[..c.len().min(10)]);
        }
        if let Some(ch) = &f.location.channel {
            place += &format!(" #{ch}");
        }
        if let Some(t) = &f.location.ticket {
            place += &format!(" {t}");
        }
        if let Some(c) = &f.location.comment_id {
            place += &format!(" comment {c}");
        }
        if f.location.in_head == Some(false) {
            place += "\n(history only: not at HEAD)";
        }
        if !f.location.decoded.is_empty() {
            place += &format!("\n(inside {})", f.location.decoded.join(" > "));
        }
        let kind = f.claims.as_ref().map_or(String::new(), |c| {
            let expiry = match (c.expires_at, c.never_expires, c.lifetime) {
                (Some(t), _, _) => format!("expires {}", rfc3339(t)),
                (None, true, _) => "never expires".to_string(),
                (None, false, Some(l)) => format!("lives {}", human_span(l)),
                _ => String::new(),
            };
            [c.kind.clone().unwrap_or_default(), expiry]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join("\n")
        });
        let flags: Vec<&str> = f.lifecycle.iter().map(|l| l.flag).collect();
        let secret = if ctx.show_secrets {
            f.secret_text()
        } else {
            f.redacted()
        };
        table.add_row([
            f.severity.to_string(),
            f.rule.clone(),
            sanitize(&place),
            sanitize(&secret),
            kind,
            flags.join(", "),
        ]);
    }
    writeln!(w, "{table}")
}
