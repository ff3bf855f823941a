//! `--format json`: one document, one item per distinct fingerprint.
//!
//! ```text
//! {"findings": [{"rule", "family", "fingerprint", "redacted", "secret"?,
//!                "claims", "lifecycle", "severity", "locations": [LOCATION...]}],
//!  "summary": {...}}
//! ```
//! A LOCATION carries the JSONL location fields (`source`, `path`, `line`,
//! `commit`, ...). This document is also the `--baseline` format.

use std::collections::HashMap;
use std::io::{self, Write};

use serde::Serialize;

use super::ReportContext;
use crate::claims::Claims;
use crate::finding::{Finding, Fingerprint, Flag, Location, Severity};
use crate::scan::Summary;

#[derive(Serialize)]
struct Item<'a> {
    rule: &'a str,
    family: &'a str,
    fingerprint: Fingerprint,
    redacted: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
    claims: Option<&'a Claims>,
    lifecycle: &'a [Flag],
    severity: Severity,
    locations: Vec<&'a Location>,
}

#[derive(Serialize)]
struct Document<'a> {
    findings: Vec<Item<'a>>,
    summary: &'a Summary,
}

pub fn write(findings: &[Finding], ctx: &ReportContext<'_>, w: &mut dyn Write) -> io::Result<()> {
    let mut items: Vec<Item<'_>> = Vec::new();
    let mut index: HashMap<Fingerprint, usize> = HashMap::new();
    for f in findings {
        let i = *index.entry(f.fingerprint).or_insert_with(|| {
            items.push(Item {
                rule: &f.rule,
                family: &f.family,
                fingerprint: f.fingerprint,
                redacted: f.redacted(),
                secret: ctx.show_secrets.then(|| f.secret_text()),
                claims: f.claims.as_ref(),
                lifecycle: &f.lifecycle,
                severity: f.severity,
                locations: Vec::new(),
            });
            items.len() - 1
        });
        items[i].severity = items[i].severity.max(f.severity);
        items[i].locations.push(&f.location);
    }
    serde_json::to_writer_pretty(
        &mut *w,
        &Document {
            findings: items,
            summary: ctx.summary,
        },
    )?;
    w.write_all(b"\n")
}
