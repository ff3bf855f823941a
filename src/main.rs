//! The `sprawl` binary: parse, run, print the error chain, exit.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
