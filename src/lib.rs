//! sprawl: a token-sprawl scanner and lifecycle auditor.
//!
//! The pipeline, one module per stage, each handing one type to the next:
//!
//! ```text
//! source ──Blob/Read──▶ matcher ──RawMatch──▶ (Finding) ──▶ claims ──Claims──▶ audit ──▶ report
//!  fs, stdin, .gz,       keywords → regex       finding.rs     offline decode     flags,     table, json,
//!  git history, staged   → validators                                              severity   jsonl, sarif
//! ```
//!
//! - [`source`] enumerates inputs (files, stdin, git history, the index) and
//!   streams them in overlapping chunks.
//! - [`matcher`] runs one keyword prefilter (SIMD literal search) over the bytes, then
//!   only the hit rules' regexes on windows around the hits.
//! - [`rules`] loads the TOML rules embedded from `rules/` and `--rules`.
//! - [`claims`] decodes what a token says about itself (JWT, AWS, SAS,
//!   macaroons, Biscuit, keys, prefixes).
//! - [`audit`] holds claims against the lifecycle policy: flags and severity.
//! - [`allow`] reads a repository's `.sprawl.toml` allowlist.
//! - [`report`] writes the findings; [`diag`] counts what could not be read.
//! - [`scan`] ties the stages together for one scan.
#![warn(missing_docs)]

pub mod allow;
pub mod audit;
pub mod claims;
pub mod diag;
pub mod finding;
pub mod matcher;
pub mod report;
pub mod rules;
pub mod scan;
pub mod source;
