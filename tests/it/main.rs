//! Integration tests: one binary, a module per command or concern. Each test
//! builds real inputs in a tempdir and runs the real `sprawl` binary.

mod bad_input;
mod decode;
mod formats;
mod harness;
mod jira;
mod logs;
mod rules;
mod scan;
mod slack;
