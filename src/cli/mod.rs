//! The command line: clap definitions, one file per subcommand. Each
//! subcommand turns its arguments into the library's configuration types and
//! returns an exit code; the library never sees clap.

mod hook;
mod rules;
mod scan;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Finds leaked tokens, decodes what they grant, and tells whether they are
/// still dangerous and whose they are.
#[derive(Parser, Debug)]
#[command(name = "sprawl", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Find tokens in files, stdin, git history, staged changes and exports.
    Scan(Box<scan::ScanArgs>),
    /// List the rules or prove their examples.
    #[command(subcommand)]
    Rules(rules::RulesCommand),
    /// Install the git pre-commit hook.
    #[command(subcommand)]
    Hook(hook::HookCommand),
}

/// Exit code: findings at or above the threshold.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code: usage error or an input that cannot be opened at all.
pub const EXIT_USAGE: u8 = 2;

/// Parses the command line and runs it.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_USAGE } else { 0 });
        }
    };
    let result = match cli.command {
        Command::Scan(args) => scan::run(*args),
        Command::Rules(cmd) => rules::run(cmd),
        Command::Hook(cmd) => hook::run(cmd),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            eprintln!("sprawl: {}", sprawl::diag::sanitize(&format!("{e:#}")));
            ExitCode::from(EXIT_USAGE)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
