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

use super::{Head, ReportContext};
use crate::finding::{Finding, Fingerprint, Location};
use crate::scan::Summary;

#[derive(Serialize)]
struct Item<'a> {
    #[serde(flatten)]
    head: Head<'a>,
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
                head: Head::of(f, ctx.show_secrets),
                locations: Vec::new(),
            });
            items.len() - 1
        });
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
