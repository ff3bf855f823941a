//! `sprawl hook install`: the git pre-commit hook that runs `scan --staged`.
//!
//! The hook goes where git looks for it: `core.hooksPath` when set (relative
//! paths taken from the work tree root, as git does), else `.git/hooks`. A
//! different hook already there is never overwritten silently: without
//! `--force` the command refuses and says so; with it, the old hook is kept
//! beside the new one as `pre-commit.sprawl-backup`.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use clap::Subcommand;

use super::EXIT_USAGE;

#[derive(Subcommand, Debug)]
pub enum HookCommand {
    /// Install a pre-commit hook in the repository here that blocks commits adding secrets.
    Install {
        /// Replace a different pre-commit hook (kept as pre-commit.sprawl-backup).
        #[arg(long)]
        force: bool,
    },
}

/// The line that marks a hook as ours, so that reinstalling updates it.
const MARKER: &str = "# sprawl pre-commit hook, written by `sprawl hook install`.";

/// The hook script. It prefers the `sprawl` on PATH when the hook runs and
/// falls back to the binary that installed it.
fn script(installed_from: &Path) -> String {
    let fallback = installed_from.display().to_string().replace('\'', r"'\''");
    format!(
        "#!/bin/sh\n{MARKER}\n\
         # Scans only the lines this commit adds. To allow a false positive, put\n\
         # `sprawl:allow` in a comment on its line or list it in .sprawl.toml.\n\
         SPRAWL=$(command -v sprawl 2>/dev/null || echo '{fallback}')\n\
         exec \"$SPRAWL\" scan --staged --no-store --format table\n"
    )
}

pub fn run(cmd: HookCommand) -> Result<u8> {
    let HookCommand::Install { force } = cmd;
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let repo = match git2::Repository::discover(&cwd) {
        Ok(r) => r,
        Err(e) => {
            eprintln!(
                "sprawl: hook install: {} is not in a git repository ({})",
                sprawl::diag::sanitize(&cwd.display().to_string()),
                e.message()
            );
            return Ok(EXIT_USAGE);
        }
    };
    let dir = hooks_dir(&repo)?;
    let hook = dir.join("pre-commit");
    let exe = std::env::current_exe().context("cannot find the sprawl binary")?;
    let new = script(&exe);
    match std::fs::read_to_string(&hook) {
        Ok(old) if old == new => {
            println!(
                "sprawl: the pre-commit hook is already installed: {}",
                hook.display()
            );
            return Ok(0);
        }
        Ok(old) if !old.contains(MARKER) && !force => {
            eprintln!(
                "sprawl: {} already holds a different pre-commit hook; not overwritten.\n  \
                 Run `sprawl hook install --force` to replace it (it is kept as pre-commit.sprawl-backup),\n  \
                 or call `sprawl scan --staged` from your own hook.",
                hook.display()
            );
            return Ok(EXIT_USAGE);
        }
        Ok(old) if !old.contains(MARKER) => {
            let backup = dir.join("pre-commit.sprawl-backup");
            std::fs::write(&backup, old)
                .with_context(|| format!("cannot back up the old hook to {}", backup.display()))?;
            println!("sprawl: kept the old hook as {}", backup.display());
        }
        _ => {}
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    std::fs::write(&hook, new).with_context(|| format!("cannot write {}", hook.display()))?;
    make_executable(&hook)?;
    println!("sprawl: installed the pre-commit hook: {}", hook.display());
    Ok(0)
}

/// `core.hooksPath` if set, else the repository's `hooks` directory.
fn hooks_dir(repo: &git2::Repository) -> Result<PathBuf> {
    let config = repo.config().context("cannot read the git config")?;
    match config.get_path("core.hooksPath") {
        Ok(p) if p.is_absolute() => Ok(p),
        Ok(p) => Ok(repo.workdir().unwrap_or_else(|| repo.path()).join(p)),
        Err(_) => Ok(repo.path().join("hooks")),
    }
}

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .with_context(|| format!("cannot make {} executable", path.display()))
}

#[cfg(not(unix))]
fn make_executable(_: &Path) -> Result<()> {
    Ok(())
}
