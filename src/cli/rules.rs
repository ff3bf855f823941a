//! `sprawl rules list` and `sprawl rules check [DIR]`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use clap::Subcommand;
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};

use sprawl::rules::{check, RuleSet};

#[derive(Subcommand, Debug)]
pub enum RulesCommand {
    /// List every rule: id, family, name, keywords, validator.
    List {
        /// Also load the rule files in DIR.
        #[arg(long = "rules", value_name = "DIR")]
        rules: Vec<PathBuf>,
    },
    /// Prove each rule's examples and negative examples; exit 1 on any failure.
    ///
    /// With DIR (a directory of rule files, or one file), checks only those
    /// rules; without it, the built-in rules.
    Check {
        /// Rule files to check instead of the built-in ones.
        dir: Option<PathBuf>,
    },
}

pub fn run(cmd: RulesCommand) -> Result<u8> {
    match cmd {
        RulesCommand::List { rules } => {
            let set = RuleSet::load(&rules)?;
            let mut table = Table::new();
            table
                .load_preset(UTF8_FULL_CONDENSED)
                .set_content_arrangement(ContentArrangement::Disabled)
                .set_header(["ID", "Family", "Name", "Keywords", "Validator"]);
            for r in set.rules() {
                table.add_row([
                    r.id(),
                    &r.spec.family,
                    &r.spec.name,
                    &r.spec.keywords.join(" "),
                    r.spec.validator.as_deref().unwrap_or(""),
                ]);
            }
            let mut out = std::io::stdout().lock();
            writeln!(out, "{table}")?;
            writeln!(out, "{} rules", set.len())?;
            Ok(0)
        }
        RulesCommand::Check { dir } => {
            let set = match &dir {
                Some(d) => RuleSet::from_path(d)?,
                None => RuleSet::builtin()?,
            };
            let failures = check::check(&set);
            for f in &failures {
                eprintln!("FAIL {f}");
            }
            let examples: usize = set
                .rules()
                .iter()
                .map(|r| r.spec.examples.len() + r.spec.negative_examples.len())
                .sum();
            if failures.is_empty() {
                println!("{} rules, {} examples: all proven", set.len(), examples);
                Ok(0)
            } else {
                println!(
                    "{} rules, {} examples: {} failures",
                    set.len(),
                    examples,
                    failures.len()
                );
                Ok(1)
            }
        }
    }
}
