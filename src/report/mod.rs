//! Reports: the findings of a scan written to a `Write` in one of four
//! formats, plus the summary line on stderr.
//!
//! Wire formats (field names fixed by INTERFACE.md):
//! - `jsonl`: one object per occurrence, location fields flat beside the
//!   finding fields; `secret` only with `--show-secrets`.
//! - `json`: `{"findings": [...], "summary": {...}}` with one item per
//!   distinct fingerprint and its occurrences under `locations`.
//! - `sarif`: SARIF 2.1.0, one result per occurrence, severity as `level`.
//! - `table`: comfy-table for people, always redacted.

mod json;
mod sarif;
mod table;

use std::io::{self, Write};

use serde::Serialize;

use crate::claims::Claims;
use crate::finding::{Finding, Fingerprint, Flag, Location, Severity};
use crate::rules::RuleSet;
use crate::scan::Summary;

/// An output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A table for people.
    Table,
    /// One JSON document.
    Json,
    /// One JSON object per line.
    Jsonl,
    /// SARIF 2.1.0.
    Sarif,
}

/// What a report needs besides the findings.
pub struct ReportContext<'a> {
    /// The rules, for names and descriptions.
    pub rules: &'a RuleSet,
    /// Totals.
    pub summary: &'a Summary,
    /// Print secrets in full.
    pub show_secrets: bool,
}

/// Writes `findings` in `format`.
pub fn write(
    format: Format,
    findings: &[Finding],
    ctx: &ReportContext<'_>,
    w: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Jsonl => {
            for f in findings {
                serde_json::to_writer(&mut *w, &Record::of(f, ctx.show_secrets))?;
                w.write_all(b"\n")?;
            }
            Ok(())
        }
        Format::Json => json::write(findings, ctx, w),
        Format::Sarif => sarif::write(findings, ctx, w),
        Format::Table => table::write(findings, ctx, w),
    }
}

/// The fields of a finding that do not depend on where it was seen; shared
/// by the JSONL record and the JSON item.
#[derive(Serialize)]
pub struct Head<'a> {
    rule: &'a str,
    family: &'a str,
    fingerprint: Fingerprint,
    redacted: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
    claims: Option<&'a Claims>,
    lifecycle: &'a [Flag],
    severity: Severity,
}

impl<'a> Head<'a> {
    /// The head of `f`.
    pub fn of(f: &'a Finding, show_secrets: bool) -> Head<'a> {
        Head {
            rule: &f.rule,
            family: &f.family,
            fingerprint: f.fingerprint,
            redacted: f.redacted(),
            secret: show_secrets.then(|| f.secret_text()),
            claims: f.claims.as_ref(),
            lifecycle: &f.lifecycle,
            severity: f.severity,
        }
    }
}

/// One JSONL line: a finding with its location flattened in.
#[derive(Serialize)]
pub struct Record<'a> {
    #[serde(flatten)]
    head: Head<'a>,
    #[serde(flatten)]
    location: &'a Location,
}

impl<'a> Record<'a> {
    /// The record of `f`.
    pub fn of(f: &'a Finding, show_secrets: bool) -> Record<'a> {
        Record {
            head: Head::of(f, show_secrets),
            location: &f.location,
        }
    }
}
