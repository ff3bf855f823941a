//! Decoding layers: tokens inside base64 (Kubernetes Secrets,
//! `.dockerconfigjson`, Basic auth), percent-encoding and JSON escapes are
//! found at the encoded run, with the decoding chain; `--no-decode` turns
//! the layers off; a token visible both raw and decoded is reported once.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use serde_json::{json, Value};

use crate::harness::{tokens, Env, Run};

fn only(run: &Run, secret: &str) -> Value {
    let found = run.with_secret(secret);
    assert_eq!(found.len(), 1, "{secret} once\n{run}");
    found.into_iter().next().unwrap()
}

#[test]
fn decode_kubernetes_secret_base64_value() {
    let env = Env::new();
    let pat = tokens::github_pat(301);
    let yaml = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: ci\ntype: Opaque\ndata:\n  GITHUB_TOKEN: {}\n",
        STANDARD.encode(&pat)
    );
    env.write("k8s/secret.yaml", yaml);
    let run = env.scan(&["k8s"]);
    let f = only(&run, &pat);
    assert_eq!(f["rule"], "github.pat.classic");
    assert_eq!(f["decoded"], json!(["base64"]));
    assert_eq!(
        run.findings().len(),
        1,
        "the base64 form is not a second finding: {run}"
    );
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(7), Some(17))
    );
    assert_eq!(f["path"], "secret.yaml");
    let table = env.run(&["scan", "--no-store", "--format", "table", "k8s"]);
    assert!(table.stdout.contains("(inside base64)"), "{table}");
    let off = env.run(&[
        "scan",
        "--format",
        "jsonl",
        "--show-secrets",
        "--no-store",
        "--no-decode",
        "k8s",
    ]);
    assert!(off.with_secret(&pat).is_empty(), "{off}");
}

#[test]
fn decode_dockerconfigjson_two_layers() {
    let env = Env::new();
    let pat = tokens::gitlab_pat(302);
    let auth = STANDARD.encode(format!("deploy-bot:{pat}"));
    let config = json!({"auths": {"registry.gitlab.com": {"auth": auth}}}).to_string();
    let yaml = format!(
        "apiVersion: v1\nkind: Secret\ntype: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: {}\n",
        STANDARD.encode(config)
    );
    env.write("pull-secret.yaml", &yaml);
    env.write(
        "config.json",
        json!({"auths": {"r.example": {"auth": auth}}}).to_string(),
    );
    let run = env.scan(&["pull-secret.yaml", "config.json"]);
    let found = run.with_secret(&pat);
    assert_eq!(found.len(), 2, "{run}");
    let outer = found
        .iter()
        .find(|f| f["path"] == "pull-secret.yaml")
        .unwrap();
    assert_eq!(outer["decoded"], json!(["base64", "base64"]));
    assert_eq!(
        (outer["line"].as_u64(), outer["column"].as_u64()),
        (Some(5), Some(22))
    );
    let inner = found.iter().find(|f| f["path"] == "config.json").unwrap();
    assert_eq!(inner["decoded"], json!(["base64"]));
}

#[test]
fn decode_basic_auth_header_reveals_the_token() {
    let env = Env::new();
    let pat = tokens::github_pat(303);
    let basic = STANDARD.encode(format!("x-access-token:{pat}"));
    env.write(
        "curl.txt",
        format!("curl -H 'Authorization: Basic {basic}' https://api.github.com/user\n"),
    );
    let run = env.scan(&["curl.txt"]);
    let f = only(&run, &pat);
    assert_eq!(f["decoded"], json!(["base64"]));
    // The header is that same credential: reported once, as the token.
    assert_eq!(run.findings().len(), 1, "{run}");
    // A Basic header whose decoded text names no known token is still
    // reported, raw, by the generic rule.
    let opaque = STANDARD.encode("build-bot:Z8q2LmX0vTb7Kc");
    env.write("other.txt", format!("Authorization: Basic {opaque}\n"));
    let run = env.scan(&["other.txt"]);
    let header = only(&run, &opaque);
    assert_eq!(header["rule"], "generic.basic_auth");
    assert!(header.get("decoded").is_none(), "{header}");
}

#[test]
fn decode_url_safe_base64() {
    let env = Env::new();
    let token = tokens::slack_bot(304);
    let text = format!("{token} ~?~ {token}");
    let enc = URL_SAFE_NO_PAD.encode(&text);
    assert!(enc.contains('-') || enc.contains('_'), "{enc}");
    env.write("state.txt", format!("state={enc}\n"));
    let run = env.scan(&["state.txt"]);
    let found = run.with_secret(&token);
    assert_eq!(found.len(), 1, "twice in one run, reported once: {run}");
    assert_eq!(found[0]["decoded"], json!(["base64"]));
}

#[test]
fn decode_json_log_with_unicode_escapes() {
    let env = Env::new();
    let pat = tokens::github_pat(305);
    let escaped: String = format!("Bearer {pat}")
        .chars()
        .map(|c| {
            if c == '_' {
                "\\u005f".to_string()
            } else {
                c.to_string()
            }
        })
        .collect();
    let line = format!(
        "{{\"ts\":\"2024-03-05T10:00:00Z\",\"msg\":\"request\",\"url\":\"https:\\u002f\\u002fapi.github.com\\/user\",\"auth\":\"{escaped}\"}}\n"
    );
    env.write(
        "app.jsonl",
        format!("{{\"ts\":\"x\",\"msg\":\"start\"}}\n{line}"),
    );
    let run = env.scan(&["app.jsonl"]);
    let f = only(&run, &pat);
    assert_eq!(f["decoded"], json!(["json-escape"]));
    assert_eq!(f["line"], 2);
}

#[test]
fn decode_percent_encoded_query_string() {
    let env = Env::new();
    let token = tokens::slack_bot(306);
    let encoded = token.replace('-', "%2D");
    env.write(
        "access.log",
        format!("10.1.2.3 - - [05/Mar/2024:10:00:00 +0000] \"GET /hooks/in?token={encoded}&ch=ops HTTP/1.1\" 200 17\n"),
    );
    let run = env.scan(&["access.log"]);
    let f = only(&run, &token);
    assert_eq!(f["decoded"], json!(["percent"]));
    assert_eq!(f["line"], 1);
    assert_eq!(f["column"], 48, "{f}");
}

#[test]
fn decode_does_not_report_a_raw_token_twice() {
    let env = Env::new();
    let pat = tokens::github_pat(307);
    // The token needs no decoding, but its run holds escapes.
    env.write(
        "log.json",
        format!("{{\"url\":\"https:\\/\\/ci.example\\/cb?t={pat}\"}}\n"),
    );
    env.write("q.log", format!("GET /cb?a=%20&t={pat} HTTP/1.1\n"));
    let run = env.scan(&["log.json", "q.log"]);
    let found = run.with_secret(&pat);
    assert_eq!(found.len(), 2, "{run}");
    for f in found {
        assert!(
            f.get("decoded").is_none(),
            "raw hit kept, decoded dropped: {f}"
        );
    }
}

#[test]
fn decode_in_slack_messages_too() {
    let env = Env::new();
    let pat = tokens::github_pat(308);
    let day = json!([{"type": "message", "user": "U1", "ts": "1709543740.000200",
        "text": format!("here is the secret manifest: `GITHUB_TOKEN: {}`", STANDARD.encode(&pat))}]);
    env.write("export/users.json", "[]");
    env.write("export/ops/2024-03-04.json", day.to_string());
    let run = env.scan(&["--slack", "export"]);
    let f = only(&run, &pat);
    assert_eq!(f["decoded"], json!(["base64"]));
    assert_eq!(f["channel"], "ops");
    assert_eq!(f["source"], "slack");
}
