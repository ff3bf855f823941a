//! Claims, lifecycle flags, severity and `--policy`, through the real binary
//! on real tokens: HMAC-signed JWTs, PyPI macaroons in the v2 binary format,
//! SAS URLs, checksummed GitHub tokens, AWS key ids of known accounts, and a
//! PEM key built from its DER structure.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::harness::{tokens, Env};

const DAY: i64 = 86_400;

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A JWT signed with HMAC-SHA256 under a test key.
fn jwt(header: Value, payload: Value) -> String {
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(payload.to_string())
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(b"sprawl-test-key-0123456789abcdef").unwrap();
    mac.update(signing_input.as_bytes());
    let sig = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{signing_input}.{sig}")
}

fn hs256(payload: Value) -> String {
    jwt(json!({"alg": "HS256", "typ": "JWT"}), payload)
}

/// A libmacaroons v2 binary macaroon: location, identifier, first-party
/// caveats, and an HMAC-SHA256 signature chained over them.
fn macaroon(location: &str, id: &[u8], caveats: &[&str]) -> Vec<u8> {
    fn field(out: &mut Vec<u8>, ty: u8, data: &[u8]) {
        out.push(ty);
        let mut n = data.len();
        loop {
            let b = (n & 0x7f) as u8;
            n >>= 7;
            out.push(if n > 0 { b | 0x80 } else { b });
            if n == 0 {
                break;
            }
        }
        out.extend_from_slice(data);
    }
    let hmac = |key: &[u8], data: &[u8]| {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
        mac.update(data);
        mac.finalize().into_bytes().to_vec()
    };
    let mut m = vec![2];
    field(&mut m, 1, location.as_bytes());
    field(&mut m, 2, id);
    m.push(0);
    let mut sig = hmac(b"root-key", id);
    for c in caveats {
        field(&mut m, 2, c.as_bytes());
        m.push(0);
        sig = hmac(&sig, c.as_bytes());
    }
    m.push(0);
    field(&mut m, 6, &sig);
    m
}

/// A PyPI token: `pypi-` + base64url of a v2 binary macaroon at pypi.org.
fn pypi(caveats: &[&str]) -> String {
    let m = macaroon("pypi.org", b"5d4c6a0e-9b1f-4c3a-8e2d-7f6b5a4c3d2e", caveats);
    format!("pypi-{}", URL_SAFE_NO_PAD.encode(m))
}

/// Protobuf: a length-delimited field and a varint field.
fn pb_bytes(field: u64, data: &[u8]) -> Vec<u8> {
    [
        pb_varint((field << 3) | 2),
        pb_varint(data.len() as u64),
        data.to_vec(),
    ]
    .concat()
}

fn pb_uint(field: u64, v: u64) -> Vec<u8> {
    [pb_varint(field << 3), pb_varint(v)].concat()
}

fn pb_varint(mut v: u64) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        out.push(if v > 0 { b | 0x80 } else { b });
        if v == 0 {
            return out;
        }
    }
}

/// A Biscuit whose authority block holds `user(USER)`, `right(RES, "read")`
/// and `check if time($t), $t < EXPIRES`.
fn biscuit(user: &str, res: &str, expires: u64) -> String {
    let fact = |name: u64, syms: &[u64]| {
        let terms: Vec<u8> = syms
            .iter()
            .flat_map(|s| pb_bytes(2, &pb_uint(3, *s)))
            .collect();
        pb_bytes(4, &pb_bytes(1, &[pb_uint(1, name), terms].concat()))
    };
    let ops = [
        pb_bytes(1, &pb_bytes(1, &pb_uint(1, 0))),
        pb_bytes(1, &pb_bytes(1, &pb_uint(4, expires))),
    ]
    .concat();
    let body = pb_bytes(2, &[pb_uint(1, 5), pb_bytes(2, &pb_uint(1, 0))].concat());
    let check = pb_bytes(
        6,
        &pb_bytes(
            1,
            &[pb_bytes(1, &pb_uint(1, 1026)), body, pb_bytes(3, &ops)].concat(),
        ),
    );
    let block = [
        pb_bytes(1, user.as_bytes()),
        pb_bytes(1, res.as_bytes()),
        pb_bytes(1, b"query"),
        pb_uint(3, 3),
        fact(10, &[1024]),
        fact(4, &[1025, 0]),
        check,
    ]
    .concat();
    let next_key = [pb_uint(1, 0), pb_bytes(2, &[0x5c; 32])].concat();
    let signed = [
        pb_bytes(1, &block),
        pb_bytes(2, &next_key),
        pb_bytes(3, &[0xa7; 64]),
    ]
    .concat();
    let token = [pb_bytes(2, &signed), pb_bytes(4, &pb_bytes(1, &[0x3e; 32]))].concat();
    base64::engine::general_purpose::URL_SAFE.encode(token)
}

/// An AWS access key id whose encoded account id is `account`.
fn aws_key_id(prefix: &str, account: u64, seed: u32) -> String {
    let z: u64 = (account << 7) | u64::from(seed % 128);
    let mut bytes = z.to_be_bytes()[2..].to_vec();
    bytes.extend(seed.wrapping_mul(2654435761).to_be_bytes());
    const B32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut bits: u128 = 0;
    for b in &bytes {
        bits = (bits << 8) | u128::from(*b);
    }
    let body: String = (0..16)
        .rev()
        .map(|i| B32[((bits >> (5 * i)) & 31) as usize] as char)
        .collect();
    format!("{prefix}{body}")
}

fn rfc3339(secs: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(secs).unwrap();
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

fn flags(f: &Value) -> Vec<String> {
    f["lifecycle"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["flag"].as_str().unwrap().to_string())
        .collect()
}

fn one(run: &crate::harness::Run, secret: &str) -> Value {
    let hits = run.with_secret(secret);
    assert!(!hits.is_empty(), "{secret} not found\n{run}");
    hits[0].clone()
}

#[test]
fn jwt_claims_and_lifecycle_flags() {
    let env = Env::new();
    let t = now();
    let long = hs256(json!({
        "iss": "https://auth.acme-corp.example", "sub": "svc-deploy", "aud": ["ledger", "billing"],
        "iat": t - DAY, "exp": t - DAY + 5 * 365 * DAY, "scope": "deploy:write admin",
        "azp": "ci-client", "preferred_username": "deploy-bot", "upn": "deploy@acme-corp.example",
    }));
    let exactly_90 = hs256(json!({"sub": "a", "iat": t - DAY, "exp": t - DAY + 90 * DAY}));
    let just_over = hs256(json!({"sub": "b", "iat": t - DAY, "exp": t - DAY + 90 * DAY + 1}));
    let expired = hs256(json!({"sub": "c", "iat": t - 10 * DAY, "exp": t - DAY, "scope": "admin"}));
    let no_exp = hs256(json!({"sub": "d", "iat": t - 200 * DAY}));
    let nbf_only = hs256(json!({"sub": "e", "nbf": t - DAY, "exp": t + 400 * DAY}));
    let unsigned = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(json!({"sub": "f", "exp": t + 3600}).to_string())
    );
    let svid = jwt(
        json!({"alg": "ES256", "typ": "JWT"}),
        json!({"sub": "spiffe://prod.acme/ns/billing/sa/api", "aud": ["a"], "exp": t + 300, "iat": t}),
    );
    let ucan = jwt(
        json!({"alg": "EdDSA", "typ": "JWT", "ucv": "0.9.1"}),
        json!({"iss": "did:key:z6Mk1", "aud": "did:key:z6Mk2", "exp": null,
               "att": [{"with": "storage://did:key:z6Mk1/", "can": "*"}]}),
    );
    let lines: Vec<String> = [
        &long,
        &exactly_90,
        &just_over,
        &expired,
        &no_exp,
        &nbf_only,
        &unsigned,
        &svid,
        &ucan,
    ]
    .iter()
    .enumerate()
    .map(|(i, j)| format!("TOKEN_{i}={j}"))
    .collect();
    env.write("deploy/.env", lines.join("\n"));
    let run = env.scan(&["."]);

    let f = one(&run, &long);
    let c = &f["claims"];
    assert_eq!(c["issuer"], "https://auth.acme-corp.example");
    assert_eq!(c["subject"], "svc-deploy");
    assert_eq!(c["issued_at"], rfc3339(t - DAY));
    assert_eq!(c["expires_at"], rfc3339(t - DAY + 5 * 365 * DAY));
    assert_eq!(c["scopes"], json!(["deploy:write", "admin"]));
    assert_eq!(c["account"], "ci-client");
    assert_eq!(c["extra"]["preferred_username"], "deploy-bot");
    assert_eq!(c["extra"]["upn"], "deploy@acme-corp.example");
    assert_eq!(c["extra"]["aud"], json!(["ledger", "billing"]));
    assert_eq!(flags(&f), vec!["long_expiry", "broad_scope"]);
    let detail = f["lifecycle"][0]["detail"].as_str().unwrap();
    assert!(
        detail.contains("5 years after issue; policy max 90 days"),
        "{detail}"
    );
    assert_eq!(
        f["severity"], "critical",
        "high impact, raised by broad_scope"
    );

    assert!(flags(&one(&run, &exactly_90)).is_empty());
    assert_eq!(flags(&one(&run, &just_over)), vec!["long_expiry"]);
    let e = one(&run, &expired);
    assert_eq!(flags(&e), vec!["expired", "broad_scope"]);
    assert_eq!(e["severity"], "low");
    let n = one(&run, &no_exp);
    assert_eq!(flags(&n), vec!["no_expiry"]);
    assert!(n["claims"]["expires_at"].is_null());
    let nbf = one(&run, &nbf_only);
    assert_eq!(nbf["claims"]["issued_at"], rfc3339(t - DAY));
    assert_eq!(flags(&nbf), vec!["long_expiry"]);
    let u = one(&run, &unsigned);
    assert_eq!(flags(&u), vec!["alg_none"]);
    assert_eq!(u["severity"], "critical");
    assert_eq!(one(&run, &svid)["claims"]["kind"], "jwt.svid");
    let uc = one(&run, &ucan);
    assert_eq!(uc["claims"]["kind"], "jwt.ucan");
    assert_eq!(uc["claims"]["scopes"], json!(["*"]));
    assert_eq!(flags(&uc), vec!["no_expiry", "broad_scope"]);
}

#[test]
fn pypi_macaroon_caveats() {
    let env = Env::new();
    let t = now();
    let account_wide = pypi(&[r#"{"version":1,"permissions":"user"}"#]);
    let project = pypi(&[
        r#"[1,["acme-sdk"]]"#,
        r#"[3,"0b0e9b2c-1d2e-4f00-9a4e-2f7c1c9f8a11"]"#,
    ]);
    let expiring = pypi(&[
        r#"[1,["acme-sdk"]]"#,
        &format!("[0,{},{}]", t + 600, t - 300),
    ]);
    env.write(
        ".pypirc",
        format!("[pypi]\npassword = {account_wide}\n[a]\npassword = {project}\n[b]\npassword = {expiring}\n"),
    );
    let run = env.scan(&["."]);
    let a = one(&run, &account_wide);
    assert_eq!(a["claims"]["issuer"], "pypi.org");
    assert_eq!(a["claims"]["scopes"], json!(["user"]));
    assert_eq!(
        a["claims"]["extra"]["token_id"],
        "5d4c6a0e-9b1f-4c3a-8e2d-7f6b5a4c3d2e"
    );
    assert_eq!(flags(&a), vec!["no_expiry", "broad_scope"]);
    let p = one(&run, &project);
    assert_eq!(p["claims"]["scopes"], json!(["project:acme-sdk"]));
    assert_eq!(
        p["claims"]["subject"],
        "0b0e9b2c-1d2e-4f00-9a4e-2f7c1c9f8a11"
    );
    assert_eq!(flags(&p), vec!["no_expiry"]);
    let e = one(&run, &expiring);
    assert_eq!(e["claims"]["expires_at"], rfc3339(t + 600));
    assert!(flags(&e).is_empty(), "{e}");
}

#[test]
fn azure_sas_url_parameters() {
    let env = Env::new();
    let sig = "PBndJ5FkfgqFU0ZtSY8dm2Sr0I2p5bhbwguLL9gSBT4%3D";
    let far = format!(
        "https://q4zk2vb8m1xa.blob.core.windows.net/?sv=2022-11-02&ss=bf&srt=sco&sp=rwdl&se=2031-04-02T00:00:00Z&st=2026-04-02T00:00:00Z&spr=https&sip=10.1.0.0-10.1.255.255&sig={sig}"
    );
    let read = format!(
        "https://q4zk2vb8m1xa.blob.core.windows.net/c/f.csv?sv=2022-11-02&sr=b&sig={}&sp=r&se=2020-01-01T00:00:00Z",
        sig.replace("PB", "QC")
    );
    env.write("backup.sh", format!("curl \"{far}\"\ncurl \"{read}\"\n"));
    let run = env.scan(&["."]);
    let f = &run.findings()[0];
    assert_eq!(f["rule"], "azure.storage.sas_token", "{run}");
    let c = &f["claims"];
    assert_eq!(c["kind"], "azure.sas.account");
    assert_eq!(c["expires_at"], "2031-04-02T00:00:00Z");
    assert_eq!(c["issued_at"], "2026-04-02T00:00:00Z");
    assert_eq!(c["scopes"], json!(["read", "write", "delete", "list"]));
    assert_eq!(c["extra"]["sip"], "10.1.0.0-10.1.255.255");
    assert_eq!(c["extra"]["services"], json!(["blob", "file"]));
    assert_eq!(flags(f), vec!["long_expiry", "broad_scope"]);
    let detail = f["lifecycle"][0]["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("expires 2031-04-02, 5 years after issue; policy max 90 days"),
        "{detail}"
    );
    let r = &run.findings()[1];
    assert_eq!(r["claims"]["kind"], "azure.sas.service", "{run}");
    assert_eq!(r["claims"]["scopes"], json!(["read"]));
    assert_eq!(flags(r), vec!["expired"]);
    assert_eq!(r["severity"], "low");
}

#[test]
fn github_checksums_kinds_and_aws_accounts() {
    let env = Env::new();
    let good = tokens::github_pat(7);
    let mut bad = good.clone();
    let last = bad.pop().unwrap();
    bad.push(if last == 'A' { 'B' } else { 'A' });
    let ghs = format!("ghs_{}", &good[4..]);
    let akia = aws_key_id("AKIA", 123_456_789_012, 3);
    let asia = aws_key_id("ASIA", 42_424_242_424, 9);
    env.write(
        "ci.env",
        format!("GH={good}\nGH_BAD={bad}\nGITHUB_TOKEN={ghs}\nAWS_ACCESS_KEY_ID={akia}\nTMP_KEY={asia}\n"),
    );
    let run = env.scan(&["."]);
    let g = one(&run, &good);
    assert_eq!(g["claims"]["kind"], "github.pat.classic");
    assert_eq!(g["claims"]["extra"]["checksum_valid"], true);
    assert_eq!(flags(&g), vec!["no_expiry"]);
    assert!(
        run.with_secret(&bad).is_empty(),
        "a wrong checksum is not a token\n{run}"
    );
    let s = one(&run, &ghs);
    assert_eq!(s["claims"]["kind"], "github.server_to_server");
    assert_eq!(s["claims"]["extra"]["lifetime"], "1 hour");
    assert!(
        flags(&s).is_empty(),
        "no time of sighting, so no verdict: {s}"
    );
    let a = one(&run, &akia);
    assert_eq!(a["claims"]["kind"], "aws.access_key.long_term");
    assert_eq!(a["claims"]["account"], "123456789012");
    assert_eq!(flags(&a), vec!["no_expiry"]);
    let t = one(&run, &asia);
    assert_eq!(t["claims"]["kind"], "aws.access_key.temporary");
    assert_eq!(t["claims"]["account"], "042424242424");
    assert!(!flags(&t).contains(&"no_expiry".to_string()));
}

#[test]
fn private_key_type_size_and_stripe_test_mode() {
    fn tlv(tag: u8, v: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        if v.len() < 0x80 {
            out.push(v.len() as u8);
        } else {
            out.extend([0x82, (v.len() >> 8) as u8, v.len() as u8]);
        }
        out.extend_from_slice(v);
        out
    }
    let mut n = vec![0x42u8; 257];
    n[0] = 0;
    n[1] = 0xc7;
    let der = tlv(
        0x30,
        &[
            tlv(2, &[0]),
            tlv(2, &n),
            tlv(2, &[1, 0, 1]),
            tlv(2, &[0x5a; 128]),
        ]
        .concat(),
    );
    let b64 = STANDARD.encode(der);
    let body: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let pem = format!(
        "-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----",
        body.join("\n")
    );
    let stripe = format!("sk_test_{}", tokens::random_alnum(5, 24));
    let env = Env::new();
    env.write("deploy/id_rsa", format!("{pem}\n"));
    env.write("app.py", format!("stripe.api_key = \"{stripe}\"\n"));
    let run = env.scan(&["."]);
    let k = one(&run, &pem);
    assert_eq!(k["claims"]["kind"], "private_key.rsa");
    assert_eq!(k["claims"]["extra"]["bits"], 2048);
    assert_eq!(k["claims"]["extra"]["encrypted"], false);
    assert_eq!(k["severity"], "critical");
    let s = one(&run, &stripe);
    assert_eq!(s["claims"]["kind"], "stripe.secret_key.test");
    assert_eq!(
        flags(&s),
        vec!["test_or_example", "no_expiry", "broad_scope"]
    );
    assert_eq!(s["severity"], "low");
}

#[test]
fn sprawled_at_the_threshold() {
    let env = Env::new();
    let pat = tokens::github_pat(11);
    env.write("a.txt", format!("{pat}\n"));
    env.write("b.txt", format!("{pat}\n"));
    let run = env.scan(&["."]);
    assert!(
        !flags(&one(&run, &pat)).contains(&"sprawled".to_string()),
        "2 < 3"
    );
    env.write("c/d.txt", format!("x {pat}\n"));
    let run = env.scan(&["."]);
    let f = one(&run, &pat);
    assert_eq!(flags(&f), vec!["no_expiry", "sprawled"]);
    assert!(f["lifecycle"][1]["detail"]
        .as_str()
        .unwrap()
        .contains("found in 3 places (threshold 3)"));
}

#[test]
fn policy_file_overrides_lifetime_scopes_threshold_and_severity() {
    let env = Env::new();
    let t = now();
    let token =
        hs256(json!({"sub": "x", "iat": t - DAY, "exp": t + 200 * DAY, "scope": "ledger:write"}));
    let pat = tokens::github_pat(21);
    env.write("a.env", format!("T={token}\nG={pat}\n"));
    env.write("b.env", format!("G={pat}\n"));
    let run = env.scan(&["."]);
    assert_eq!(flags(&one(&run, &token)), vec!["long_expiry"]);
    assert_eq!(one(&run, &token)["severity"], "high");
    env.write(
        "policy.toml",
        "[defaults]\nsprawl_threshold = 2\n\n[family.jwt]\nmax_lifetime_days = 365\nbroad_scopes = [\"ledger:write\"]\n\n[severity_overrides]\n\"github.pat.classic\" = \"low\"\n",
    );
    let run = env.run(&[
        "scan",
        "--format",
        "jsonl",
        "--show-secrets",
        "--no-store",
        "--policy",
        "policy.toml",
        ".",
    ]);
    let j = one(&run, &token);
    assert_eq!(
        flags(&j),
        vec!["broad_scope"],
        "365-day policy, ledger:write broad"
    );
    assert_eq!(j["severity"], "critical");
    let g = one(&run, &pat);
    assert_eq!(flags(&g), vec!["no_expiry", "sprawled"]);
    assert_eq!(
        g["severity"], "low",
        "the override replaces the computed severity"
    );
    // --fail-on follows the overridden severity.
    let run = env.run(&[
        "scan",
        "--no-store",
        "--policy",
        "policy.toml",
        "--fail-on",
        "critical",
        "b.env",
    ]);
    assert_eq!(run.code, 0, "{run}");
}

#[test]
fn bad_policy_file_names_file_line_and_key() {
    let env = Env::new();
    env.write("x.txt", "nothing\n");
    env.write(
        "p.toml",
        "[defaults]\nsprawl_threshold = 3\n\n[family.jwt]\nmax_lifetime_days = \"forever\"\n",
    );
    let run = env.run(&["scan", "--no-store", "--policy", "p.toml", "x.txt"]);
    assert_eq!(run.code, 2, "{run}");
    for needle in ["p.toml", "line 5", "max_lifetime_days"] {
        assert!(run.stderr.contains(needle), "{needle} missing\n{run}");
    }
    env.write("q.toml", "[family.slack]\nimpact = \"huge\"\n");
    let run = env.run(&["scan", "--no-store", "--policy", "q.toml", "x.txt"]);
    assert_eq!(run.code, 2, "{run}");
    assert!(
        run.stderr.contains("q.toml") && run.stderr.contains("family.slack.impact"),
        "{run}"
    );
    env.write("r.toml", "[family.jwt]\nmax_days = 3\n");
    let run = env.run(&["scan", "--no-store", "--policy", "r.toml", "x.txt"]);
    assert_eq!(run.code, 2, "{run}");
    assert!(
        run.stderr.contains("r.toml") && run.stderr.contains("max_days"),
        "{run}"
    );
}

#[test]
fn table_and_sarif_show_kind_expiry_severity_and_flags() {
    let env = Env::new();
    let t = now();
    let token = hs256(
        json!({"sub": "x", "iat": t - DAY, "exp": t - DAY + 5 * 365 * DAY, "scope": "admin"}),
    );
    env.write("cfg.yaml", format!("token: {token}\n"));
    let run = env.run(&["scan", "--no-store", "--format", "table", "."]);
    for needle in ["jwt", "expires ", "long_expiry, broad_scope", "critical"] {
        assert!(run.stdout.contains(needle), "{needle}\n{run}");
    }
    let run = env.run(&["scan", "--no-store", "--format", "sarif", "."]);
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    let r = &doc["runs"][0]["results"][0];
    assert_eq!(r["level"], "error");
    let msg = r["message"]["text"].as_str().unwrap();
    assert!(
        msg.contains("critical severity")
            && msg.contains("long_expiry: expires")
            && msg.contains("broad_scope: grants admin"),
        "{msg}"
    );
    assert_eq!(
        r["properties"]["flags"],
        json!(["long_expiry", "broad_scope"])
    );
    let run = env.run(&["scan", "--no-store", "--format", "json", "."]);
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    let f = &doc["findings"][0];
    assert_eq!(f["severity"], "critical");
    assert!(f["claims"]["expires_at"].is_string() && f["lifecycle"].is_array());
}

#[test]
fn biscuit_and_lnd_macaroon_claims() {
    let env = Env::new();
    let t = now() as u64;
    let b = biscuit("alice", "ledger/2026", t + 400 * DAY as u64);
    let lnd: String = macaroon(
        "lnd",
        b"\x03node-admin-7f3a91c2",
        &["time-before 2020-01-01T00:00:00Z"],
    )
    .iter()
    .map(|x| format!("{x:02x}"))
    .collect();
    env.write(
        "ops/.env",
        format!("BISCUIT_TOKEN={b}\nLND_MACAROON={lnd}\n"),
    );
    let run = env.scan(&["."]);
    let f = one(&run, &b);
    assert_eq!(f["claims"]["kind"], "biscuit.token");
    assert_eq!(f["claims"]["subject"], "alice");
    assert_eq!(
        f["claims"]["scopes"],
        json!([r#"user("alice")"#, r#"right("ledger/2026", "read")"#])
    );
    assert_eq!(
        f["claims"]["expires_at"],
        rfc3339((t + 400 * DAY as u64) as i64)
    );
    assert_eq!(f["claims"]["extra"]["sealed"], false);
    assert_eq!(flags(&f), vec!["long_expiry"]);
    let m = one(&run, &lnd);
    assert_eq!(m["claims"]["issuer"], "lnd");
    assert_eq!(m["claims"]["expires_at"], "2020-01-01T00:00:00Z");
    assert_eq!(flags(&m), vec!["expired"]);
    assert_eq!(m["severity"], "low");
}
