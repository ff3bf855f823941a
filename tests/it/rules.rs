//! `sprawl rules list`, `sprawl rules check`, `--rules DIR`, and every rule
//! family's examples found by a real scan.

use std::collections::BTreeSet;

use crate::harness::Env;

const ACME: &str = r#"
[[rules]]
id = "acme.api_key"
name = "Acme API key"
family = "acme"
pattern = '''\b(?P<secret>acme_[a-z0-9]{16})\b'''
keywords = ["acme_"]
examples = ["key = acme_q1w2e3r4t5y6u7i8"]
negative_examples = ["acme_short"]
"#;

#[test]
fn list_shows_at_least_150_rules() {
    let env = Env::new();
    let run = env.run(&["rules", "list"]);
    assert_eq!(run.code, 0, "{run}");
    let rows = run.stdout.lines().filter(|l| l.contains(".")).count();
    assert!(rows >= 150, "{rows} rows");
    assert!(run.stdout.contains("github.pat.classic"));
}

#[test]
fn check_passes_builtin_and_names_failures_in_a_dir() {
    let env = Env::new();
    assert_eq!(env.run(&["rules", "check"]).code, 0);
    env.write("mine/acme.toml", ACME.replace("q1w2e3r4t5y6u7i8", "q1w2"));
    let run = env.run(&["rules", "check", "mine"]);
    assert_eq!(run.code, 1, "{run}");
    assert!(
        run.stderr.contains("acme.api_key") && run.stderr.contains("example 1"),
        "{run}"
    );
}

#[test]
fn extra_rules_are_used_by_scan_and_bad_ones_rejected() {
    let env = Env::new();
    env.write("mine/acme.toml", ACME);
    env.write("src/app.txt", "ACME=acme_z9x8c7v6b5n4m3l2\n");
    let run = env.run(&[
        "scan",
        "--no-store",
        "--format",
        "jsonl",
        "--rules",
        "mine",
        "src",
    ]);
    assert_eq!(run.code, 1, "{run}");
    assert_eq!(run.findings()[0]["rule"], "acme.api_key");
    env.write("bad/x.toml", ACME.replace("(?P<secret>", "(?P<secret"));
    let bad = env.run(&["scan", "--no-store", "--rules", "bad", "src"]);
    assert_eq!(bad.code, 2, "{bad}");
    assert!(bad.stderr.contains("acme.api_key"), "{bad}");
}

/// Writes every built-in rule's examples into one file per family and scans
/// them with the binary: each family is found through the whole pipeline.
#[test]
fn every_family_is_found_by_a_real_scan() {
    let env = Env::new();
    let set = sprawl::rules::RuleSet::builtin().unwrap();
    let mut families = BTreeSet::new();
    for rule in set.rules() {
        families.insert(rule.spec.family.clone());
        let file = format!("corpus/{}/{}.txt", rule.spec.family, rule.id());
        env.write(&file, rule.spec.examples.join("\n\n") + "\n");
    }
    let run = env.run(&["scan", "--no-store", "--format", "jsonl", "corpus"]);
    assert_eq!(run.code, 1);
    let found: BTreeSet<String> = run
        .findings()
        .iter()
        .map(|f| f["family"].as_str().unwrap().to_string())
        .collect();
    let missing: Vec<_> = families.difference(&found).collect();
    assert!(missing.is_empty(), "families not found: {missing:?}");
    let rules_found: BTreeSet<String> = run
        .findings()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect();
    let rules_missing: Vec<_> = set
        .rules()
        .iter()
        .map(|r| r.id().to_string())
        .filter(|id| !rules_found.contains(id))
        .collect();
    assert!(
        rules_missing.is_empty(),
        "rules not found: {rules_missing:?}"
    );
}
