//! Integration tests: one binary, a module per command or concern. Each test
//! builds real inputs in a tempdir and runs the real `sprawl` binary.

mod bad_input;
mod claims;
mod decode;
mod formats;
mod git;
mod gitfix;
mod harness;
mod jira;
mod logs;
mod rules;
mod scan;
mod slack;
mod staged;
