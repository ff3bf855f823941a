//! GitLab routable tokens: the organization, user, cell, group and project
//! ids encoded in the token (TOKENS.md §2.1, §2.2).
//!
//! `<prefix><B64>.<VV>.<LL><CRC7>`: unpadded URL-safe base64 of `random(16)
//! ‖ payload ‖ len(payload)`, where the payload is `key:value` lines with
//! base36 integers (`c` cell, `g` group, `o` organization, `p` project,
//! `u` user). An older layout put the payload first and the random bytes
//! after it, ending in the byte 16; both are read. Legacy tokens carry nothing.

use super::Claims;
use crate::matcher::validate::{decode_base64, gitlab_checksum_ok};

/// Claims of a GitLab token; `None` for a token without routing payload.
pub fn decode(rule_id: &str, text: &str) -> Option<Claims> {
    let dash = text.find('-')?;
    let b64 = text[dash + 1..].split('.').next()?;
    if !text.contains('.') {
        return None;
    }
    let bytes = decode_base64(b64.as_bytes())?;
    let fields = payload(&bytes)?;
    let mut c = Claims::of_kind(rule_id);
    c.extra.insert(
        "checksum_valid".into(),
        gitlab_checksum_ok(text.as_bytes()).into(),
    );
    for (k, v) in fields {
        let name = match k.as_str() {
            "o" => "organization_id",
            "u" => "user_id",
            "c" => "cell_id",
            "g" => "group_id",
            "p" => "project_id",
            "t" => "token_type",
            _ => continue,
        };
        let value = u64::from_str_radix(&v, 36).map_or(v.clone(), |n| n.to_string());
        match name {
            "user_id" => c.subject = Some(value.clone()),
            "organization_id" => c.account = Some(value.clone()),
            _ => {}
        }
        c.extra.insert(name.into(), value.into());
    }
    Some(c)
}

/// The `key:value` lines of the payload, trying the current layout (length
/// in the last byte, payload before it) and then the older one.
fn payload(bytes: &[u8]) -> Option<Vec<(String, String)>> {
    let (&len, body) = bytes.split_last()?;
    let len = usize::from(len);
    let current = body.len().checked_sub(len).and_then(|s| body.get(s..));
    let older = (len == 16)
        .then(|| body.len().checked_sub(16).and_then(|e| body.get(..e)))
        .flatten();
    [current, older].into_iter().flatten().find_map(lines)
}

fn lines(payload: &[u8]) -> Option<Vec<(String, String)>> {
    let text = std::str::from_utf8(payload).ok()?;
    let fields: Vec<(String, String)> = text
        .split('\n')
        .map(|l| {
            l.split_once(':')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect::<Option<_>>()?;
    fields.iter().any(|(k, _)| k == "o").then_some(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_md_vector_decodes_user_and_org() {
        let t = "glpat-AAECAwQFBgcICQoLDA0OD2M6MQpvOjEKdToybjljDg.01.160nlwcj6";
        let c = decode("gitlab.pat.routable", t).unwrap();
        assert_eq!(c.subject.as_deref(), Some("123456"));
        assert_eq!(c.account.as_deref(), Some("1"));
        assert_eq!(c.extra["cell_id"], "1");
        assert_eq!(c.extra["checksum_valid"], true);
    }

    #[test]
    fn legacy_and_garbage_carry_nothing() {
        for t in [
            "glpat-abcdefghijklmnopqrst",
            "glpat-",
            "-",
            "glpat-!!.01.x",
            "glpat-AAAA.01.x",
            "",
            "glpat-/w.1",
        ] {
            assert!(decode("gitlab.pat", t).is_none(), "{t}");
        }
    }
}
