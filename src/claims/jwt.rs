//! JWT claims (RFC 7519 and the OAuth/OIDC additions), decoded without
//! verifying the signature.
//!
//! Reads `exp`, `iat`, `nbf`, `iss`, `sub`, `aud`, scopes from `scope`
//! (space-separated), `scp` and `roles`, and identities from `email`, `upn`,
//! `preferred_username` and `azp`. A header `alg: none` is recorded, since
//! such a token is accepted by misconfigured verifiers without any key.
//! The kind tells JWT-based families apart: Entra and Google ID tokens by
//! issuer, SPIFFE JWT-SVIDs by a `spiffe://` subject, UCAN 0.x by the `ucv`
//! header (its `att` capabilities become scopes).

use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::Claims;
use crate::matcher::validate::decode_base64;

/// Claims of a compact JWS `header.payload.signature`.
pub fn decode(token: &str) -> Option<Claims> {
    let mut parts = token.split('.');
    let header = json_object(parts.next()?)?;
    let payload = json_object(parts.next()?)?;
    let mut c = Claims {
        issuer: string(&payload, "iss"),
        subject: string(&payload, "sub"),
        // The lifetime runs from issue; `nbf` stands in when `iat` is absent.
        issued_at: time(&payload, "iat").or_else(|| time(&payload, "nbf")),
        expires_at: time(&payload, "exp"),
        ..Claims::default()
    };
    // UCAN writes an explicit `"exp": null` for "never expires".
    c.never_expires = payload.get("exp").is_none_or(Value::is_null);
    c.kind = Some(kind(&header, &payload).to_string());
    for key in ["scope", "scp", "roles", "scopes", "permissions", "wids"] {
        match payload.get(key) {
            Some(Value::String(s)) => c.scopes.extend(s.split_whitespace().map(str::to_string)),
            Some(Value::Array(items)) => c
                .scopes
                .extend(items.iter().filter_map(Value::as_str).map(str::to_string)),
            _ => {}
        }
    }
    // UCAN 0.x capabilities: `att: [{"with": resource, "can": ability}]`.
    if let Some(Value::Array(att)) = payload.get("att") {
        for cap in att {
            if let Some(can) = cap.get("can").and_then(Value::as_str) {
                c.scopes.push(can.to_string());
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    c.scopes.retain(|s| seen.insert(s.clone()));
    c.account = ["tid", "azp", "client_id", "appid"]
        .iter()
        .find_map(|k| string(&payload, k));
    if let Some(alg) = header.get("alg") {
        c.unsigned = alg.as_str().is_some_and(|a| a.eq_ignore_ascii_case("none"));
        c.extra.insert("alg".into(), alg.clone());
    }
    for key in ["typ", "kid", "jku", "x5u", "ucv"] {
        if let Some(v) = header.get(key) {
            c.extra.insert(format!("header.{key}"), v.clone());
        }
    }
    for key in [
        "aud",
        "email",
        "upn",
        "unique_name",
        "preferred_username",
        "azp",
        "oid",
        "client_id",
        "nbf",
        "jti",
    ] {
        if let Some(v) = payload.get(key) {
            c.extra.insert(key.into(), v.clone());
        }
    }
    if let Some(spiffe) = c
        .subject
        .as_deref()
        .and_then(|s| s.strip_prefix("spiffe://"))
    {
        let domain = spiffe.split('/').next().unwrap_or_default();
        c.extra.insert("trust_domain".into(), domain.into());
    }
    Some(c)
}

/// The flavour of JWT, from its claims.
fn kind(header: &Map<String, Value>, payload: &Map<String, Value>) -> &'static str {
    let iss = payload.get("iss").and_then(Value::as_str).unwrap_or("");
    let sub = payload.get("sub").and_then(Value::as_str).unwrap_or("");
    if header.get("ucv").is_some() {
        "jwt.ucan"
    } else if sub.starts_with("spiffe://") {
        "jwt.svid"
    } else if iss.contains("login.microsoftonline.com") || iss.contains("sts.windows.net") {
        "jwt.entra"
    } else if iss.contains("accounts.google.com") {
        "jwt.google_id"
    } else if header
        .get("typ")
        .and_then(Value::as_str)
        .is_some_and(|t| t.eq_ignore_ascii_case("at+jwt"))
    {
        "jwt.access_token"
    } else {
        "jwt"
    }
}

fn json_object(part: &str) -> Option<Map<String, Value>> {
    match serde_json::from_slice(&decode_base64(part.as_bytes())?).ok()? {
        Value::Object(m) => Some(m),
        _ => None,
    }
}

fn string(m: &Map<String, Value>, key: &str) -> Option<String> {
    m.get(key).and_then(Value::as_str).map(str::to_string)
}

fn time(m: &Map<String, Value>, key: &str) -> Option<OffsetDateTime> {
    let secs = m.get(key)?.as_f64()?;
    OffsetDateTime::from_unix_timestamp(secs as i64).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;

    fn jwt(header: &str, payload: &str) -> String {
        format!(
            "{}.{}.c2ln",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(payload)
        )
    }

    #[test]
    fn reads_registered_and_scope_claims() {
        let t = jwt(
            r#"{"alg":"HS256","typ":"JWT"}"#,
            r#"{"iss":"https://auth.acme","sub":"svc","iat":1700000000,"exp":1800000000,"scope":"admin read","roles":["ops"]}"#,
        );
        let c = decode(&t).unwrap();
        assert_eq!(c.issuer.as_deref(), Some("https://auth.acme"));
        assert_eq!(c.subject.as_deref(), Some("svc"));
        assert_eq!(c.scopes, vec!["admin", "read", "ops"]);
        assert_eq!(c.expires_at.unwrap().unix_timestamp(), 1800000000);
        assert!(!c.never_expires);
    }

    #[test]
    fn missing_exp_means_never_expires_and_alg_none_is_kept() {
        let c = decode(&jwt(r#"{"alg":"none"}"#, r#"{"sub":"x"}"#)).unwrap();
        assert!(c.never_expires);
        assert_eq!(c.expires_at, None);
        assert_eq!(c.extra["alg"], "none");
    }

    #[test]
    fn nbf_identities_and_flavours() {
        let c = decode(&jwt(
            r#"{"alg":"RS256","kid":"k1"}"#,
            r#"{"iss":"https://login.microsoftonline.com/72f9/v2.0","tid":"72f9","nbf":1700000000,"exp":1700003600,"upn":"a@b.example","preferred_username":"alice","azp":"app-1","scp":"User.Read Mail.Send","wids":["62e90394-69f5-4237-9190-012177145e10"]}"#,
        ))
        .unwrap();
        assert_eq!(c.kind.as_deref(), Some("jwt.entra"));
        assert_eq!(c.issued_at.unwrap().unix_timestamp(), 1700000000);
        assert_eq!(c.account.as_deref(), Some("72f9"));
        assert_eq!(c.extra["upn"], "a@b.example");
        assert_eq!(c.extra["preferred_username"], "alice");
        assert_eq!(c.extra["azp"], "app-1");
        assert_eq!(c.extra["header.kid"], "k1");
        assert_eq!(
            c.scopes,
            vec![
                "User.Read",
                "Mail.Send",
                "62e90394-69f5-4237-9190-012177145e10"
            ]
        );
        assert!(!c.unsigned);
        let svid = decode(&jwt(
            r#"{"alg":"ES256"}"#,
            r#"{"sub":"spiffe://prod.acme/ns/x","aud":["a","b"],"exp":1}"#,
        ))
        .unwrap();
        assert_eq!(svid.kind.as_deref(), Some("jwt.svid"));
        assert_eq!(svid.extra["trust_domain"], "prod.acme");
        let ucan = decode(&jwt(
            r#"{"alg":"EdDSA","ucv":"0.9.1"}"#,
            r#"{"iss":"did:key:a","exp":null,"att":[{"with":"x","can":"crud/read"},{"with":"y","can":"*"}]}"#,
        ))
        .unwrap();
        assert_eq!(ucan.kind.as_deref(), Some("jwt.ucan"));
        assert!(ucan.never_expires);
        assert_eq!(ucan.scopes, vec!["crud/read", "*"]);
        let google = decode(&jwt(
            r#"{"alg":"RS256"}"#,
            r#"{"iss":"https://accounts.google.com","email":"a@gmail.com"}"#,
        ))
        .unwrap();
        assert_eq!(google.kind.as_deref(), Some("jwt.google_id"));
    }

    #[test]
    fn alg_none_sets_unsigned() {
        let c = decode(&jwt(r#"{"alg":"None"}"#, r#"{"sub":"x"}"#)).unwrap();
        assert!(c.unsigned);
    }

    #[test]
    fn hostile_input_never_panics() {
        let big = jwt(
            r#"{"alg":"HS256"}"#,
            r#"{"exp":1e300,"iat":-1e300,"nbf":"x","scope":7,"att":[1,{"can":2}]}"#,
        );
        let c = decode(&big).unwrap();
        assert_eq!(c.expires_at, None);
        for t in [
            "",
            ".",
            "..",
            "eyJ.eyJ.",
            "e30.e30",
            "e30.W10.",
            "!!!.???.",
            &big[..big.len() / 2],
        ] {
            let _ = decode(t);
        }
    }
}
