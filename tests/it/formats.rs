//! Output formats, exit codes, --fail-on, --baseline, -o and redaction.

use serde_json::Value;

use crate::harness::{tokens, Env};

fn sample(env: &Env) -> (String, String) {
    let pat = tokens::github_pat(40);
    let stripe_test = format!("sk_test_{}", tokens::random_alnum(41, 24));
    env.write(
        "app/config.py",
        format!("GITHUB_TOKEN = \"{pat}\"\nSTRIPE = \"{stripe_test}\"\n"),
    );
    (pat, stripe_test)
}

#[test]
fn jsonl_is_redacted_by_default_and_full_with_show_secrets() {
    let env = Env::new();
    let (pat, _) = sample(&env);
    for format in ["jsonl", "json", "sarif", "table"] {
        let run = env.run(&["scan", "--no-store", "--format", format, "."]);
        assert_eq!(run.code, 1, "{run}");
        assert!(
            !run.stdout.contains(&pat[8..]),
            "{format} leaks the secret:\n{run}"
        );
        assert!(!run.stderr.contains(&pat[8..]), "{run}");
    }
    let run = env.scan(&["."]);
    let f = run.with_secret(&pat);
    assert_eq!(f[0]["redacted"], "ghp_…[40]");
    assert_eq!(f[0]["fingerprint"].as_str().unwrap().len(), 64);
}

#[test]
fn a_private_key_inside_a_json_string_is_redacted_to_its_header() {
    let env = Env::new();
    let body = tokens::random_alnum(50, 64);
    env.write(
        "deploy/key.json",
        format!(
            "{{\"key\": \"-----BEGIN RSA PRIVATE KEY-----\\n{body}\\n{body}\\n{body}\\n-----END RSA PRIVATE KEY-----\\n\"}}\n"
        ),
    );
    for format in ["jsonl", "json", "sarif", "table"] {
        let run = env.run(&["scan", "--no-store", "--format", format, "."]);
        assert_eq!(run.code, 1, "{run}");
        assert!(
            !run.stdout.contains(&body),
            "{format} leaks the key:\n{run}"
        );
    }
    let run = env.run(&["scan", "--no-store", "--format", "jsonl", "."]);
    assert_eq!(
        run.findings()[0]["redacted"],
        "-----BEGIN RSA PRIVATE KEY-----…",
        "{run}"
    );
}

#[test]
fn json_groups_occurrences_by_fingerprint() {
    let env = Env::new();
    let pat = tokens::github_pat(42);
    env.write("a.txt", format!("{pat}\n"));
    env.write("b/c.txt", format!("\n\n{pat}\n"));
    let run = env.run(&["scan", "--no-store", "--format", "json", "."]);
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{run}");
    let locs: Vec<(String, u64)> = findings[0]["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["path"].as_str().unwrap().to_string(),
                l["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        locs,
        vec![("a.txt".to_string(), 1), ("b/c.txt".to_string(), 3)]
    );
    assert_eq!(doc["summary"]["distinct_secrets"], 1);
    assert!(findings[0].get("secret").is_none());
}

#[test]
fn sarif_has_what_github_code_scanning_requires() {
    let env = Env::new();
    let (pat, _) = sample(&env);
    let run = env.run(&["scan", "--no-store", "--format", "sarif", "."]);
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["version"], "2.1.0");
    assert!(doc["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let run0 = &doc["runs"][0];
    assert_eq!(run0["tool"]["driver"]["name"], "sprawl");
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    for r in rules {
        assert!(r["id"].is_string() && r["shortDescription"]["text"].is_string());
    }
    let results = run0["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "{}", run.stdout);
    for r in results {
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], r["ruleId"]);
        assert!(["error", "warning", "note"].contains(&r["level"].as_str().unwrap()));
        assert!(r["message"]["text"].is_string());
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "app/config.py");
        assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(r["partialFingerprints"]
            .as_object()
            .unwrap()
            .values()
            .all(Value::is_string));
    }
    assert!(!run.stdout.contains(&pat[8..]));
}

#[test]
fn test_keys_are_low_and_fail_on_filters_by_severity() {
    let env = Env::new();
    let stripe_test = format!("sk_test_{}", tokens::random_alnum(43, 24));
    env.write(
        "pay.js",
        format!("const stripe = Stripe('{stripe_test}');\n"),
    );
    let run = env.scan(&["."]);
    let f = run.with_secret(&stripe_test);
    assert_eq!(f.len(), 1, "{run}");
    assert_eq!(f[0]["severity"], "low");
    assert!(f[0]["lifecycle"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["flag"] == "test_or_example"));
    assert_eq!(run.code, 1);
    let high = env.run(&[
        "scan",
        "--no-store",
        "--format",
        "jsonl",
        "--fail-on",
        "high",
        ".",
    ]);
    assert_eq!(high.code, 0, "{high}");
    assert_eq!(high.findings().len(), 1);
    let none = env.run(&[
        "scan",
        "--no-store",
        "--format",
        "jsonl",
        "--fail-on",
        "none",
        ".",
    ]);
    assert_eq!(none.code, 0);
}

#[test]
fn baseline_written_as_json_silences_known_findings() {
    let env = Env::new();
    let (pat, stripe_test) = sample(&env);
    let base = env.run(&[
        "scan",
        "--no-store",
        "--format",
        "json",
        "-o",
        "baseline.json",
        "app",
    ]);
    assert_eq!(base.code, 1, "{base}");
    assert!(base.stdout.is_empty());
    let again = env.run(&[
        "scan",
        "--no-store",
        "--format",
        "jsonl",
        "--baseline",
        "baseline.json",
        "app",
    ]);
    assert_eq!(again.code, 0, "{again}");
    assert!(again.findings().is_empty());
    let fresh = tokens::github_pat(44);
    env.write("app/new.py", format!("T = '{fresh}'\n"));
    let third = env.run(&[
        "scan",
        "--no-store",
        "--format",
        "jsonl",
        "--show-secrets",
        "--baseline",
        "baseline.json",
        "app",
    ]);
    assert_eq!(third.code, 1);
    assert_eq!(third.findings().len(), 1, "{third}");
    assert_eq!(third.with_secret(&fresh).len(), 1);
    let _ = (pat, stripe_test);
}

#[test]
fn table_shows_kind_and_flags() {
    let env = Env::new();
    sample(&env);
    let run = env.run(&["scan", "--no-store", "--format", "table", "."]);
    assert!(run.stdout.contains("github.pat.classic"), "{run}");
    assert!(run.stdout.contains("never expires"), "{run}");
    assert!(run.stdout.contains("app/config.py:1"), "{run}");
    assert!(run.stderr.contains("findings"), "{run}");
}
