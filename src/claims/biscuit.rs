//! Biscuit tokens: base64url protobuf blocks of Datalog, readable by anyone
//! (TOKENS.md §22).
//!
//! `Biscuit { rootKeyId = 1; authority = 2; blocks = 3; proof = 4 }`, each
//! block a `SignedBlock { block = 1; nextKey = 2; signature = 3 }` whose
//! `block` is a `Block { symbols = 1; context = 2; version = 3; facts = 4;
//! rules = 5; checks = 6 }`. Facts become scopes (`right("file1", "read")`),
//! a `user(...)` fact the subject, the earliest date in any check the expiry
//! (`check if time($t), $t < 2030-01-01T00:00:00Z`), and each block's
//! signature its revocation id. A proof with `nextSecret` can still be
//! attenuated by whoever holds it; `finalSignature` means sealed.

use time::OffsetDateTime;

use super::Claims;
use crate::matcher::validate::decode_base64;

/// Symbols every Biscuit v3+ table starts with (SPECIFICATIONS.md).
const DEFAULT_SYMBOLS: [&str; 28] = [
    "read",
    "write",
    "resource",
    "operation",
    "right",
    "time",
    "role",
    "owner",
    "tenant",
    "namespace",
    "user",
    "team",
    "service",
    "admin",
    "email",
    "group",
    "member",
    "ip_address",
    "client",
    "client_ip",
    "domain",
    "path",
    "version",
    "cluster",
    "node",
    "hostname",
    "nonce",
    "query",
];

/// Index of the first symbol a token defines itself.
const OFFSET: u64 = 1024;

/// Claims of a Biscuit token.
pub fn decode(text: &str) -> Option<Claims> {
    let bytes = decode_base64(text.trim().trim_start_matches("biscuit:").as_bytes())?;
    let mut root_key_id = None;
    let mut signed = Vec::new();
    let mut sealed = None;
    for (field, value) in fields(&bytes)? {
        match (field, value) {
            (1, Value::Varint(v)) => root_key_id = Some(v),
            (2 | 3, Value::Bytes(b)) => signed.push(b),
            (4, Value::Bytes(b)) => {
                sealed = fields(b)?.into_iter().find_map(|(f, _)| match f {
                    1 => Some(false),
                    2 => Some(true),
                    _ => None,
                })
            }
            _ => {}
        }
    }
    let sealed = sealed?;
    let mut c = Claims::of_kind("biscuit.token");
    let mut symbols: Vec<String> = Vec::new();
    let mut revocation_ids = Vec::new();
    let mut expiry: Option<u64> = None;
    for sb in &signed {
        let mut block = None;
        for (f, v) in fields(sb)? {
            match (f, v) {
                (1, Value::Bytes(b)) => block = Some(b),
                (3, Value::Bytes(sig)) => revocation_ids.push(hex(sig)),
                _ => {}
            }
        }
        let block = block?;
        let parsed = fields(block)?;
        for (f, v) in &parsed {
            if let (1, Value::Bytes(s)) = (f, v) {
                symbols.push(String::from_utf8_lossy(s).into_owned());
            }
        }
        for (f, v) in parsed {
            match (f, v) {
                (4, Value::Bytes(fact)) => {
                    if let Some((name, terms)) = fact_text(fact, &symbols) {
                        if name == "user" && c.subject.is_none() {
                            c.subject = terms.first().map(|t| t.trim_matches('"').to_string());
                        }
                        c.scopes.push(format!("{name}({})", terms.join(", ")));
                    }
                }
                (6, Value::Bytes(check)) => {
                    let mut dates = Vec::new();
                    collect_dates(check, 0, &mut dates);
                    if let Some(&d) = dates.iter().min() {
                        expiry = Some(expiry.map_or(d, |e| e.min(d)));
                    }
                }
                _ => {}
            }
        }
    }
    c.expires_at = expiry
        .and_then(|d| i64::try_from(d).ok())
        .and_then(|d| OffsetDateTime::from_unix_timestamp(d).ok());
    c.never_expires = c.expires_at.is_none();
    c.extra.insert("blocks".into(), signed.len().into());
    c.extra.insert("sealed".into(), sealed.into());
    if let Some(id) = root_key_id {
        c.extra.insert("root_key_id".into(), id.into());
    }
    c.extra
        .insert("revocation_ids".into(), revocation_ids.into());
    Some(c)
}

/// A protobuf field value.
#[derive(Clone, Copy)]
enum Value<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Fixed,
}

/// The fields of one protobuf message; `None` when it is malformed.
fn fields(mut b: &[u8]) -> Option<Vec<(u64, Value<'_>)>> {
    let mut out = Vec::new();
    while !b.is_empty() {
        let (key, rest) = varint(b)?;
        b = rest;
        let value = match key & 7 {
            0 => {
                let (v, rest) = varint(b)?;
                b = rest;
                Value::Varint(v)
            }
            1 | 5 => {
                let n = if key & 7 == 1 { 8 } else { 4 };
                b = b.get(n..)?;
                Value::Fixed
            }
            2 => {
                let (len, rest) = varint(b)?;
                let len = usize::try_from(len).ok()?;
                let data = rest.get(..len)?;
                b = &rest[len..];
                Value::Bytes(data)
            }
            _ => return None,
        };
        out.push((key >> 3, value));
        if out.len() > 4096 {
            return None;
        }
    }
    Some(out)
}

fn varint(b: &[u8]) -> Option<(u64, &[u8])> {
    let mut v: u64 = 0;
    for (i, &byte) in b.iter().enumerate().take(10) {
        v |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((v, &b[i + 1..]));
        }
    }
    None
}

fn symbol(symbols: &[String], i: u64) -> String {
    if i < OFFSET {
        DEFAULT_SYMBOLS
            .get(i as usize)
            .map_or(format!("#{i}"), |s| s.to_string())
    } else {
        usize::try_from(i - OFFSET)
            .ok()
            .and_then(|j| symbols.get(j))
            .cloned()
            .unwrap_or_else(|| format!("#{i}"))
    }
}

/// `FactV2 { predicate = 1 }`, `PredicateV2 { name = 1; terms = 2 }`.
fn fact_text(fact: &[u8], symbols: &[String]) -> Option<(String, Vec<String>)> {
    let pred = fields(fact)?.into_iter().find_map(|(f, v)| match (f, v) {
        (1, Value::Bytes(p)) => Some(p),
        _ => None,
    })?;
    let mut name = None;
    let mut terms = Vec::new();
    for (f, v) in fields(pred)? {
        match (f, v) {
            (1, Value::Varint(n)) => name = Some(symbol(symbols, n)),
            (2, Value::Bytes(t)) => terms.push(term_text(t, symbols)),
            _ => {}
        }
    }
    Some((name?, terms))
}

/// `TermV2 { variable = 1; integer = 2; string = 3; date = 4; bytes = 5; bool = 6; set = 7 }`.
fn term_text(t: &[u8], symbols: &[String]) -> String {
    match fields(t).as_deref() {
        Some([(1, Value::Varint(v))]) => format!("${v}"),
        Some([(2, Value::Varint(v))]) => (*v as i64).to_string(),
        Some([(3, Value::Varint(v))]) => format!("{:?}", symbol(symbols, *v)),
        Some([(4, Value::Varint(v))]) => i64::try_from(*v)
            .ok()
            .and_then(|d| OffsetDateTime::from_unix_timestamp(d).ok())
            .map_or(v.to_string(), super::rfc3339),
        Some([(5, Value::Bytes(b))]) => format!("hex:{}", hex(b)),
        Some([(6, Value::Varint(v))]) => (*v != 0).to_string(),
        _ => "…".to_string(),
    }
}

/// Every date term below a check: `CheckV2 { queries = 1 }` → `RuleV2 {
/// body = 2; expressions = 3 }` → predicates' terms and `Op { value = 1 }`.
fn collect_dates(msg: &[u8], depth: usize, out: &mut Vec<u64>) {
    if depth > 8 {
        return;
    }
    let Some(fs) = fields(msg) else { return };
    // A TermV2 holding a date is a message with the single field 4.
    if depth > 0 {
        if let [(4, Value::Varint(d))] = fs.as_slice() {
            out.push(*d);
            return;
        }
    }
    for (_, v) in fs {
        if let Value::Bytes(b) = v {
            collect_dates(b, depth + 1, out);
        }
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE;
    use base64::Engine;

    fn key(field: u64, wire: u64) -> Vec<u8> {
        varint_bytes((field << 3) | wire)
    }

    fn varint_bytes(mut v: u64) -> Vec<u8> {
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

    fn bytes(field: u64, data: &[u8]) -> Vec<u8> {
        [
            key(field, 2),
            varint_bytes(data.len() as u64),
            data.to_vec(),
        ]
        .concat()
    }

    fn uint(field: u64, v: u64) -> Vec<u8> {
        [key(field, 0), varint_bytes(v)].concat()
    }

    /// A fact `name(terms...)`, each term a string symbol index.
    fn fact(name: u64, strings: &[u64]) -> Vec<u8> {
        let terms: Vec<u8> = strings
            .iter()
            .flat_map(|s| bytes(2, &uint(3, *s)))
            .collect();
        bytes(4, &bytes(1, &[uint(1, name), terms].concat()))
    }

    /// `check if time($t), $t < DATE`, as the expression ops carry it.
    fn time_check(date: u64) -> Vec<u8> {
        let body = bytes(2, &[uint(1, 5), bytes(2, &uint(1, 0))].concat());
        let ops = [
            bytes(1, &bytes(1, &uint(1, 0))),
            bytes(1, &bytes(1, &uint(4, date))),
        ]
        .concat();
        let rule = [bytes(1, &uint(1, 99)), body, bytes(3, &ops)].concat();
        bytes(6, &bytes(1, &rule))
    }

    /// A token whose authority block says `user("alice")`,
    /// `right("file1", "read")` and checks the time before `expires`.
    pub fn token(expires: Option<u64>, sealed: bool) -> String {
        let block = [
            bytes(1, b"alice"),
            bytes(1, b"file1"),
            uint(3, 3),
            fact(10, &[1024]),
            fact(4, &[1025, 0]),
            expires.map_or(Vec::new(), time_check),
        ]
        .concat();
        let next_key = [uint(1, 0), bytes(2, &[9; 32])].concat();
        let signed = [bytes(1, &block), bytes(2, &next_key), bytes(3, &[0xab; 64])].concat();
        let proof = bytes(if sealed { 2 } else { 1 }, &[5; 32]);
        let token = [bytes(2, &signed), bytes(4, &proof)].concat();
        URL_SAFE.encode(token)
    }

    #[test]
    fn facts_subject_expiry_and_revocation_ids() {
        let t = token(Some(1_893_456_000), false);
        assert!(t.starts_with('E'), "TOKENS.md: no rootKeyId ⇒ 'E'");
        let c = decode(&t).unwrap();
        assert_eq!(c.subject.as_deref(), Some("alice"));
        assert_eq!(
            c.scopes,
            vec![r#"user("alice")"#, r#"right("file1", "read")"#]
        );
        assert_eq!(c.expires_at.unwrap().unix_timestamp(), 1_893_456_000);
        assert_eq!(c.extra["sealed"], false);
        assert_eq!(c.extra["revocation_ids"][0], "ab".repeat(64));
        let sealed = decode(&token(None, true)).unwrap();
        assert!(sealed.never_expires && sealed.extra["sealed"] == true);
    }

    #[test]
    fn truncated_and_garbage_never_panic() {
        let raw = URL_SAFE.decode(token(Some(5), false)).unwrap();
        for n in 0..raw.len() {
            let _ = decode(&URL_SAFE.encode(&raw[..n]));
        }
        for g in ["", "E", "!!!!", "EiAK", "CAES", "//////////8="] {
            let _ = decode(g);
        }
        let deep: Vec<u8> = (0..200).flat_map(|_| [0x32, 0x7f]).collect();
        let _ = decode(&URL_SAFE.encode(deep));
    }
}
