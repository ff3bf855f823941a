//! Macaroons: the libmacaroons v2 binary format, its v1 text packets, and
//! PyPI's caveats on top (TOKENS.md §9, §21).
//!
//! A macaroon is a location, an identifier and a chain of caveats, each
//! HMAC-bound to the one before. Anyone can read the caveats; only the
//! issuer can check the signature, so nothing here is trusted, just read.
//! PyPI writes its caveats as JSON: `[0, exp, nbf]` expiry, `[1, [names]]`
//! projects, `[2, [ids]]` project ids, `[3, user]` the owner, `[4, ...]` a
//! trusted publisher, and legacy `{"version": 1, "permissions": ...}`
//! objects. A PyPI token without a project caveat is account-wide.

use base64::Engine;
use serde_json::Value;
use time::OffsetDateTime;

use super::{parse_time, Claims};
use crate::matcher::validate::decode_base64;

/// A parsed macaroon: location, identifier and caveats.
#[derive(Debug, Default, PartialEq)]
pub struct Macaroon {
    /// Where it is used (the issuer's host).
    pub location: Option<String>,
    /// The issuer's identifier for it (PyPI: the token id).
    pub identifier: Vec<u8>,
    /// Caveats in order.
    pub caveats: Vec<Caveat>,
}

/// One caveat: first-party when `location` and `verification_id` are absent.
#[derive(Debug, Default, PartialEq)]
pub struct Caveat {
    /// The third party's location, for third-party caveats.
    pub location: Option<String>,
    /// The predicate (first-party) or the third party's caveat id.
    pub id: Vec<u8>,
    /// The encrypted verification key of a third-party caveat.
    pub verification_id: Option<Vec<u8>>,
}

/// Parses a v2 binary macaroon: version byte 2, then fields `type varint-len
/// data` grouped into sections ended by a 0 byte (header, each caveat, an
/// empty section), then the signature field (type 6).
pub fn parse_v2(bytes: &[u8]) -> Option<Macaroon> {
    let (&version, mut rest) = bytes.split_first()?;
    if version != 2 {
        return None;
    }
    let mut next_section = || -> Option<Vec<(u8, Vec<u8>)>> {
        let mut fields = Vec::new();
        loop {
            let (&ty, after) = rest.split_first()?;
            rest = after;
            if ty == 0 {
                return Some(fields);
            }
            let (len, after) = varint(rest)?;
            let len = usize::try_from(len).ok()?;
            let data = after.get(..len)?;
            rest = &after[len..];
            fields.push((ty, data.to_vec()));
        }
    };
    let header = next_section()?;
    let mut m = Macaroon::default();
    for (ty, data) in header {
        match ty {
            1 => m.location = Some(String::from_utf8_lossy(&data).into_owned()),
            2 => m.identifier = data,
            _ => {}
        }
    }
    // At most a few hundred caveats fit in any token the rules can match.
    for _ in 0..1024 {
        let section = next_section()?;
        if section.is_empty() {
            break;
        }
        let mut c = Caveat::default();
        for (ty, data) in section {
            match ty {
                1 => c.location = Some(String::from_utf8_lossy(&data).into_owned()),
                2 => c.id = data,
                4 => c.verification_id = Some(data),
                _ => {}
            }
        }
        m.caveats.push(c);
    }
    Some(m)
}

/// Parses a v1 macaroon: base64 of packets `HHHH key value\n`, where `HHHH`
/// is the packet length in hex including itself.
pub fn parse_v1(bytes: &[u8]) -> Option<Macaroon> {
    let mut m = Macaroon::default();
    let mut rest = bytes;
    let mut saw_identifier = false;
    while !rest.is_empty() {
        let len = usize::from_str_radix(std::str::from_utf8(rest.get(..4)?).ok()?, 16).ok()?;
        let packet = rest.get(4..len)?.strip_suffix(b"\n")?;
        rest = &rest[len..];
        let sp = packet.iter().position(|&b| b == b' ')?;
        let (key, value) = (&packet[..sp], packet[sp + 1..].to_vec());
        match key {
            b"location" if m.caveats.is_empty() => {
                m.location = Some(String::from_utf8_lossy(&value).into_owned())
            }
            b"identifier" => {
                m.identifier = value;
                saw_identifier = true;
            }
            b"cid" => m.caveats.push(Caveat {
                id: value,
                ..Caveat::default()
            }),
            b"vid" => {
                if let Some(c) = m.caveats.last_mut() {
                    c.verification_id = Some(value);
                }
            }
            b"cl" => {
                if let Some(c) = m.caveats.last_mut() {
                    c.location = Some(String::from_utf8_lossy(&value).into_owned());
                }
            }
            _ => {}
        }
    }
    saw_identifier.then_some(m)
}

fn varint(bytes: &[u8]) -> Option<(u64, &[u8])> {
    let mut v: u64 = 0;
    for (i, &b) in bytes.iter().enumerate().take(10) {
        v |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some((v, &bytes[i + 1..]));
        }
    }
    None
}

/// Claims of a serialized macaroon found in text: hex (as lnd writes them),
/// base64 of the v2 binary, or base64 of v1 packets.
pub fn decode_text(rule_id: &str, text: &str) -> Option<Claims> {
    let text = text.trim();
    let bytes = if text.len() % 2 == 0 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        hex(text)?
    } else {
        decode_base64(text.as_bytes())?
    };
    let m = parse_v2(&bytes).or_else(|| parse_v1(&bytes))?;
    Some(generic(rule_id, &m))
}

/// Claims any macaroon carries: location, identifier, caveat predicates, and
/// an expiry from the conventional `time-before` / `time < ` caveats.
fn generic(rule_id: &str, m: &Macaroon) -> Claims {
    let mut c = Claims::of_kind(rule_id);
    c.issuer = m.location.clone();
    let mut first_party = Vec::new();
    let mut third_party = Vec::new();
    for cav in &m.caveats {
        let text = String::from_utf8_lossy(&cav.id).into_owned();
        if cav.verification_id.is_some() {
            third_party.push(cav.location.clone().unwrap_or_default());
            continue;
        }
        let expiry = text
            .strip_prefix("time-before ")
            .or_else(|| text.strip_prefix("time < "))
            .and_then(|t| parse_time(t.trim()));
        if let Some(t) = expiry {
            c.expires_at = Some(c.expires_at.map_or(t, |e: OffsetDateTime| e.min(t)));
        }
        first_party.push(text);
    }
    c.never_expires = c.expires_at.is_none() && third_party.is_empty();
    if !m.identifier.is_empty() {
        let id = match std::str::from_utf8(&m.identifier) {
            Ok(s) if !s.chars().any(char::is_control) => s.to_string(),
            _ => base64::engine::general_purpose::STANDARD.encode(&m.identifier),
        };
        c.extra.insert("identifier".into(), id.into());
    }
    c.extra.insert("caveats".into(), first_party.into());
    if !third_party.is_empty() {
        c.extra
            .insert("third_party_caveats".into(), third_party.into());
    }
    c
}

fn hex(text: &str) -> Option<Vec<u8>> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Claims of a PyPI token `pypi-<base64url v2 macaroon>`.
pub fn decode_pypi(rule_id: &str, text: &str) -> Option<Claims> {
    let body = text.strip_prefix("pypi-")?;
    let m = parse_v2(&decode_base64(body.as_bytes())?)?;
    let mut c = generic(rule_id, &m);
    c.never_expires = true;
    c.extra.remove("caveats");
    if let Ok(id) = std::str::from_utf8(&m.identifier) {
        c.extra.insert("token_id".into(), id.into());
        c.extra.remove("identifier");
    }
    let mut projects: Vec<String> = Vec::new();
    let mut restricted = false;
    let mut account_wide = false;
    let expiry = |c: &mut Claims, exp: Option<i64>, nbf: Option<i64>| {
        let t = |s: i64| OffsetDateTime::from_unix_timestamp(s).ok();
        if let Some(e) = exp.and_then(t) {
            c.expires_at = Some(c.expires_at.map_or(e, |x| x.min(e)));
            c.never_expires = false;
        }
        if let Some(n) = nbf.and_then(t) {
            c.issued_at = Some(c.issued_at.map_or(n, |x| x.max(n)));
        }
    };
    for cav in &m.caveats {
        let Ok(v) = serde_json::from_slice::<Value>(&cav.id) else {
            continue;
        };
        match &v {
            Value::Array(a) => match a.first().and_then(Value::as_i64) {
                Some(0) => expiry(
                    &mut c,
                    a.get(1).and_then(Value::as_i64),
                    a.get(2).and_then(Value::as_i64),
                ),
                Some(1) => {
                    restricted = true;
                    projects.extend(strings(a.get(1)));
                }
                Some(2) => {
                    restricted = true;
                    c.extra
                        .insert("project_ids".into(), strings(a.get(1)).into());
                }
                Some(3) => c.subject = a.get(1).and_then(Value::as_str).map(str::to_string),
                Some(4) => {
                    c.kind = Some(format!("{rule_id}.trusted_publisher"));
                    c.extra
                        .insert("oidc_publisher".into(), a.get(1).cloned().into());
                }
                _ => {}
            },
            Value::Object(o) => {
                match o.get("permissions") {
                    Some(Value::String(p)) if p == "user" => account_wide = true,
                    Some(Value::Object(p)) => {
                        restricted = true;
                        projects.extend(strings(p.get("projects")));
                    }
                    _ => {}
                }
                if o.contains_key("exp") || o.contains_key("nbf") {
                    expiry(
                        &mut c,
                        o.get("exp").and_then(Value::as_i64),
                        o.get("nbf").and_then(Value::as_i64),
                    );
                }
            }
            _ => {}
        }
    }
    if restricted {
        c.scopes = projects
            .into_iter()
            .map(|p| format!("project:{p}"))
            .collect();
    } else {
        // No project caveat: every project of the account (TOKENS.md §9.4).
        c.scopes = vec!["user".into()];
    }
    c.extra
        .insert("account_wide".into(), (account_wide || !restricted).into());
    Some(c)
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    /// Serializes a v2 binary macaroon with first-party caveats.
    pub fn v2(location: &str, id: &[u8], caveats: &[&[u8]]) -> Vec<u8> {
        let field = |out: &mut Vec<u8>, ty: u8, data: &[u8]| {
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
        };
        let mut out = vec![2];
        field(&mut out, 1, location.as_bytes());
        field(&mut out, 2, id);
        out.push(0);
        for c in caveats {
            field(&mut out, 2, c);
            out.push(0);
        }
        out.push(0);
        field(&mut out, 6, &[7u8; 32]);
        out
    }

    fn pypi(caveats: &[&[u8]]) -> String {
        let m = v2("pypi.org", b"8c5948e2-3380-4ad1-936a-247576a68247", caveats);
        format!("pypi-{}", URL_SAFE_NO_PAD.encode(m))
    }

    #[test]
    fn builtin_rule_example_is_project_scoped_without_expiry() {
        let t = "pypi-AgEIcHlwaS5vcmcCJDhjNTk0OGUyLTMzODAtNGFkMS05MzZhLTI0NzU3NmE2ODI0NwACEFsxLFsiYWNtZS1zZGsiXV0AAixbMixbIjllZDZmZTBlLTNjN2QtNDMxNC05OTNmLWQyZWUwZTFmNTJmZSJdXQAABiBvstArGWBQmmLDaGQsCaxCHhvbXkJJ7D-VMQS-Rcp65Q";
        let c = decode_pypi("pypi.token", t).unwrap();
        assert_eq!(c.issuer.as_deref(), Some("pypi.org"));
        assert_eq!(c.scopes, vec!["project:acme-sdk"]);
        assert_eq!(c.extra["token_id"], "8c5948e2-3380-4ad1-936a-247576a68247");
        assert_eq!(c.extra["account_wide"], false);
        assert!(c.never_expires && c.expires_at.is_none());
    }

    #[test]
    fn pypi_caveats_expiry_user_and_account_wide() {
        let t = pypi(&[
            br#"[0,1893456000,1861920000]"#,
            br#"[3,"0b0e9b2c-1d2e-4f00-9a4e-2f7c1c9f8a11"]"#,
        ]);
        let c = decode_pypi("pypi.token", &t).unwrap();
        assert_eq!(c.expires_at.unwrap().unix_timestamp(), 1893456000);
        assert_eq!(c.issued_at.unwrap().unix_timestamp(), 1861920000);
        assert!(!c.never_expires);
        assert_eq!(
            c.subject.as_deref(),
            Some("0b0e9b2c-1d2e-4f00-9a4e-2f7c1c9f8a11")
        );
        assert_eq!(c.scopes, vec!["user"]);
        let legacy = pypi(&[br#"{"version":1,"permissions":{"projects":["a","b"]}}"#]);
        assert_eq!(
            decode_pypi("pypi.token", &legacy).unwrap().scopes,
            vec!["project:a", "project:b"]
        );
        let user = pypi(&[br#"{"version":1,"permissions":"user"}"#]);
        let c = decode_pypi("pypi.token", &user).unwrap();
        assert_eq!(c.scopes, vec!["user"]);
        assert_eq!(c.extra["account_wide"], true);
    }

    #[test]
    fn generic_macaroon_in_hex_and_base64_with_time_before() {
        let m = v2(
            "lnd",
            b"\x03abc",
            &[b"time-before 2030-01-01T00:00:00Z", b"ipaddr 10.0.0.1"],
        );
        let hex: String = m.iter().map(|b| format!("{b:02x}")).collect();
        let c = decode_text("macaroon.lnd", &hex).unwrap();
        assert_eq!(c.issuer.as_deref(), Some("lnd"));
        assert_eq!(
            super::super::rfc3339(c.expires_at.unwrap()),
            "2030-01-01T00:00:00Z"
        );
        assert_eq!(c.extra["caveats"][1], "ipaddr 10.0.0.1");
        let b64 = URL_SAFE_NO_PAD.encode(&m);
        assert_eq!(
            decode_text("macaroon.v2", &b64).unwrap().issuer.as_deref(),
            Some("lnd")
        );
        let c = decode_text("m", &hex.replace("74696d65", "78696d65")).unwrap();
        assert!(c.never_expires);
    }

    #[test]
    fn v1_packets() {
        let packet = |k: &str, v: &str| {
            let body = format!("{k} {v}\n");
            format!("{:04x}{body}", body.len() + 4)
        };
        let text = [
            packet("location", "https://svc.example"),
            packet("identifier", "key-7"),
            packet("cid", "time < 2029-05-01T00:00:00Z"),
            packet("signature", "sig"),
        ]
        .concat();
        let m = parse_v1(text.as_bytes()).unwrap();
        assert_eq!(m.location.as_deref(), Some("https://svc.example"));
        assert_eq!(m.caveats.len(), 1);
        let b64 = base64::engine::general_purpose::STANDARD.encode(&text);
        let c = decode_text("macaroon.v1", &b64).unwrap();
        assert_eq!(c.expires_at.unwrap().year(), 2029);
    }

    #[test]
    fn truncated_and_garbage_input_never_panics() {
        let full = v2("pypi.org", b"id", &[b"[1,[\"p\"]]"]);
        for n in 0..full.len() {
            let _ = parse_v2(&full[..n]);
            let _ = parse_v1(&full[..n]);
        }
        for g in [
            &[
                2u8, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            ][..],
            &[2, 9, 200],
            b"0004",
            b"zzzz",
            b"0003x",
        ] {
            let _ = parse_v2(g);
            let _ = parse_v1(g);
        }
        for t in ["pypi-", "pypi-AgEI", "pypi-!!!!", "", "0", "zz"] {
            let _ = decode_pypi("pypi.token", t);
            let _ = decode_text("m", t);
        }
    }
}
