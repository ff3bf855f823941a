//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning accepts it.
//!
//! One `reportingDescriptor` per rule that produced a result, one result per
//! occurrence with `ruleId`, `ruleIndex`, `level` (critical and high →
//! `error`, medium → `warning`, low → `note`), a message naming the token,
//! its severity and flags, a physical location with a relative URI, and the
//! fingerprint under `partialFingerprints` so that code scanning tracks one
//! alert per secret. `security-severity` drives GitHub's severity column.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::{json, Value};

use super::ReportContext;
use crate::finding::{Finding, Severity};

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "2.0",
    }
}

pub fn write(findings: &[Finding], ctx: &ReportContext<'_>, w: &mut dyn Write) -> io::Result<()> {
    let mut rule_index: BTreeMap<&str, usize> = BTreeMap::new();
    let mut descriptors: Vec<Value> = Vec::new();
    let mut results = Vec::new();
    for f in findings {
        let index = *rule_index.entry(&f.rule).or_insert_with(|| {
            let rule = ctx.rules.rules().iter().find(|r| r.id() == f.rule);
            let name = rule.map_or(f.rule.as_str(), |r| r.spec.name.as_str());
            let description = rule.map_or("", |r| r.spec.description.as_str());
            descriptors.push(json!({
                "id": f.rule,
                "name": f.rule.replace(['.', '-'], "_"),
                "shortDescription": {"text": name},
                "fullDescription": {"text": if description.is_empty() { name } else { description }},
                "help": {"text": format!("{name}: revoke it at the issuer, then remove it from every place it was found.")},
                "defaultConfiguration": {"level": "error"},
                "properties": {"tags": ["security", "secret", f.family.as_str()], "security-severity": "8.0"},
            }));
            descriptors.len() - 1
        });
        let flags: Vec<String> = f
            .lifecycle
            .iter()
            .map(|l| format!("{}: {}", l.flag, l.detail))
            .collect();
        let mut message = format!("{} {} ({} severity)", f.rule, f.redacted(), f.severity);
        if !flags.is_empty() {
            message += &format!("; {}", flags.join("; "));
        }
        results.push(json!({
            "ruleId": f.rule,
            "ruleIndex": index,
            "level": level(f.severity),
            "message": {"text": message},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": f.location.path},
                    "region": {"startLine": f.location.line, "startColumn": f.location.column.max(1)},
                }
            }],
            "partialFingerprints": {"sprawl/fingerprint/v1": f.fingerprint.to_string()},
            "properties": {
                "severity": f.severity,
                "security-severity": security_severity(f.severity),
                "source": f.location.source,
                "flags": f.lifecycle.iter().map(|l| l.flag).collect::<Vec<_>>(),
                "commit": f.location.commit,
            },
        }));
    }
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "sprawl",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": descriptors,
            }},
            "results": results,
            "properties": {"summary": ctx.summary},
        }],
    });
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    w.write_all(b"\n")
}
