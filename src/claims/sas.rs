//! Azure Storage shared access signatures: permissions, services, resource
//! types, start, expiry, protocol and IP range, read from the query string
//! (TOKENS.md §6.2).
//!
//! A SAS is self-describing: `sp` lists the permissions, `se` the expiry,
//! `st` the start, `ss`/`srt` the services and resource types of an account
//! SAS, `sr` the resource of a service SAS, `spr` and `sip` the allowed
//! protocols and addresses. A user-delegation SAS also names the Entra
//! object (`skoid`) and tenant (`sktid`) whose key signed it. The secret may
//! be a bare query string, a URL or a connection-string value.

use super::{parse_time, Claims};

/// Whether `text` looks like a SAS query string (has `sv=` and `sig=`).
pub fn is_sas(text: &str) -> bool {
    text.contains("sig=") && text.contains("sv=")
}

/// Claims of a SAS token.
pub fn decode(text: &str) -> Option<Claims> {
    let query = text.rsplit_once('?').map_or(text, |(_, q)| q);
    let query = query
        .split_once("SharedAccessSignature=")
        .map_or(query, |(_, q)| q);
    let mut params = std::collections::BTreeMap::new();
    for pair in query.split(['&', ';']) {
        if let Some((k, v)) = pair.split_once('=') {
            params
                .entry(k.to_ascii_lowercase())
                .or_insert(percent_decode(v));
        }
    }
    params.get("sig")?;
    let get = |k: &str| params.get(k).map(String::as_str);
    let kind = if get("skoid").is_some() {
        "azure.sas.user_delegation"
    } else if get("ss").is_some() || get("srt").is_some() {
        "azure.sas.account"
    } else {
        "azure.sas.service"
    };
    let mut c = Claims::of_kind(kind);
    c.expires_at = get("se").and_then(parse_time);
    c.issued_at = get("st").and_then(parse_time);
    // Without `se` the expiry lives in a stored access policy (`si`).
    c.never_expires = c.expires_at.is_none() && get("si").is_none();
    c.subject = get("skoid").map(str::to_string);
    c.account = get("sktid").map(str::to_string);
    if let Some(sp) = get("sp") {
        let account_sas = kind == "azure.sas.account";
        for letter in sp.chars() {
            if let Some(name) = permission(letter, account_sas) {
                if !c.scopes.iter().any(|s| s == name) {
                    c.scopes.push(name.to_string());
                }
            }
        }
    }
    for key in [
        "sv", "sp", "ss", "srt", "sr", "spr", "sip", "si", "sktid", "skoid",
    ] {
        if let Some(v) = get(key) {
            c.extra.insert(key.into(), v.into());
        }
    }
    if let Some(ss) = get("ss") {
        let names: Vec<&str> = ss
            .chars()
            .filter_map(|s| match s {
                'b' => Some("blob"),
                'f' => Some("file"),
                'q' => Some("queue"),
                't' => Some("table"),
                _ => None,
            })
            .collect();
        c.extra.insert("services".into(), names.into());
    }
    if let Some(srt) = get("srt") {
        let names: Vec<&str> = srt
            .chars()
            .filter_map(|s| match s {
                's' => Some("service"),
                'c' => Some("container"),
                'o' => Some("object"),
                _ => None,
            })
            .collect();
        c.extra.insert("resource_types".into(), names.into());
    }
    c.extra
        .insert("ip_restricted".into(), get("sip").is_some().into());
    c.extra.insert(
        "https_only".into(),
        get("spr")
            .is_some_and(|p| p.split(',').all(|x| x.trim() == "https"))
            .into(),
    );
    Some(c)
}

/// The permission named by one letter of `sp` (Create Account/Service SAS
/// docs). `d` and `x`/`y` differ between account and service SAS only in
/// what they delete; both are destructive.
fn permission(letter: char, account_sas: bool) -> Option<&'static str> {
    Some(match letter {
        'r' => "read",
        'a' => "add",
        'c' => "create",
        'w' => "write",
        'd' => "delete",
        'x' if account_sas => "delete_version",
        'x' => "execute",
        'y' => "permanent_delete",
        'l' => "list",
        'u' => "update",
        'p' => "process",
        't' => "tag",
        'f' => "filter",
        'i' => "set_immutability_policy",
        'm' => "move",
        'e' => "execute",
        'o' => "ownership",
        _ => return None,
    })
}

/// `%3A` → `:`; invalid escapes are kept as written.
fn percent_decode(v: &str) -> String {
    let bytes = v.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACCOUNT: &str = "?sv=2022-11-02&ss=bfqt&srt=sco&sp=rwdlacupiytfx&se=2026-09-30T17:42:09Z&st=2025-09-30T09:42:09Z&spr=https&sig=PBndJ5FkfgqFU0ZtSY8dm2Sr0I2p5bhbwguLL9gSBT4%3D";

    #[test]
    fn account_sas_parameters() {
        let c = decode(ACCOUNT).unwrap();
        assert_eq!(c.kind.as_deref(), Some("azure.sas.account"));
        assert_eq!(
            super::super::rfc3339(c.expires_at.unwrap()),
            "2026-09-30T17:42:09Z"
        );
        assert_eq!(
            super::super::rfc3339(c.issued_at.unwrap()),
            "2025-09-30T09:42:09Z"
        );
        assert!(c
            .scopes
            .starts_with(&["read".into(), "write".into(), "delete".into()]));
        assert!(c.scopes.contains(&"permanent_delete".into()));
        assert_eq!(
            c.extra["services"],
            serde_json::json!(["blob", "file", "queue", "table"])
        );
        assert_eq!(
            c.extra["resource_types"],
            serde_json::json!(["service", "container", "object"])
        );
        assert_eq!(c.extra["spr"], "https");
        assert_eq!(c.extra["https_only"], true);
        assert_eq!(c.extra["ip_restricted"], false);
        assert!(!c.never_expires);
    }

    #[test]
    fn service_and_user_delegation_sas_in_urls_and_connection_strings() {
        let url = "https://acct.blob.core.windows.net/c/f.bak?sp=r&st=2025-09-30T09:42Z&se=2025-10-01T09:42Z&sip=10.0.0.1-10.0.0.9&spr=https,http&sv=2022-11-02&sr=b&sig=Ej0u%2FvW8%3D";
        let c = decode(url).unwrap();
        assert_eq!(c.kind.as_deref(), Some("azure.sas.service"));
        assert_eq!(c.scopes, vec!["read"]);
        assert_eq!(
            super::super::rfc3339(c.expires_at.unwrap()),
            "2025-10-01T09:42:00Z"
        );
        assert_eq!(c.extra["sip"], "10.0.0.1-10.0.0.9");
        assert_eq!(c.extra["https_only"], false);
        let ud = "BlobEndpoint=https://a.blob.core.windows.net/;SharedAccessSignature=sv=2022-11-02&sr=c&sp=rl&se=2026-01-01&skoid=4c1e0b1a-7d5e&sktid=72f988bf-86f1&sig=abc%3D";
        let c = decode(ud).unwrap();
        assert_eq!(c.kind.as_deref(), Some("azure.sas.user_delegation"));
        assert_eq!(c.subject.as_deref(), Some("4c1e0b1a-7d5e"));
        assert_eq!(c.account.as_deref(), Some("72f988bf-86f1"));
        assert_eq!(c.scopes, vec!["read", "list"]);
    }

    #[test]
    fn no_se_means_no_expiry_unless_a_stored_policy_holds_it() {
        assert!(
            decode("sv=2022-11-02&sr=b&sp=r&sig=x")
                .unwrap()
                .never_expires
        );
        assert!(!decode("sv=2022-11-02&si=pol&sig=x").unwrap().never_expires);
    }

    #[test]
    fn garbage_never_panics() {
        for t in [
            "",
            "sig",
            "sig=",
            "?&&==%",
            "sv=&sig=%",
            "sig=%4",
            "se=%ZZ&sig=1",
            "sp=é&sig=%e9",
        ] {
            let _ = decode(t);
        }
        assert_eq!(percent_decode("a%3Ab%"), "a:b%");
    }
}
