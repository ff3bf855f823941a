//! Google service-account JSON keys: project, client email, key id, and
//! the embedded private key's type and size (TOKENS.md §5.2).
//!
//! The rule captures the whole key object, so that the decoder sees the
//! `client_email` (the service account the key authenticates as) and the
//! `private_key_id` (the id to delete in IAM). User-managed keys are valid
//! for up to 10 years unless an org policy caps them: they never expire for
//! the purpose of the lifecycle audit.

use serde_json::Value;

use super::{pem, Claims};

/// Claims of a service-account key object.
pub fn service_account(text: &str) -> Option<Claims> {
    let v: Value = serde_json::from_str(text).ok()?;
    let field = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let kind = match field("type").as_deref() {
        Some("service_account") => "google.service_account.key",
        Some("authorized_user") => "google.authorized_user",
        _ => return None,
    };
    let mut c = Claims::of_kind(kind);
    c.never_expires = true;
    c.subject = field("client_email");
    c.account = field("project_id");
    c.issuer = field("token_uri");
    for key in ["private_key_id", "client_id", "universe_domain"] {
        if let Some(s) = field(key) {
            c.extra.insert(key.into(), s.into());
        }
    }
    if let Some(key) = field("private_key").and_then(|k| pem::pem(&k)) {
        c.extra.insert("key_type".into(), key.ty.into());
        if let Some(bits) = key.bits {
            c.extra.insert("bits".into(), bits.into());
        }
    }
    Some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_email_key_id_and_key_size() {
        let pem = super::super::pem::tests::pem_block(
            "PRIVATE KEY",
            &{
                use super::super::pem::tests::{rsa_der, tlv};
                let alg = tlv(
                    0x30,
                    &tlv(6, &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 1, 1, 1]),
                );
                tlv(0x30, &[tlv(2, &[0]), alg, tlv(4, &rsa_der(2048))].concat())
            },
            "",
        );
        let json = serde_json::json!({
            "type": "service_account",
            "project_id": "billing-etl-860598",
            "private_key_id": "b2b18bad33d13a5d06a7dea8a6219324002fd8f6",
            "private_key": pem,
            "client_email": "etl-runner@billing-etl-860598.iam.gserviceaccount.com",
        })
        .to_string();
        let c = service_account(&json).unwrap();
        assert_eq!(
            c.subject.as_deref(),
            Some("etl-runner@billing-etl-860598.iam.gserviceaccount.com")
        );
        assert_eq!(c.account.as_deref(), Some("billing-etl-860598"));
        assert_eq!(
            c.extra["private_key_id"],
            "b2b18bad33d13a5d06a7dea8a6219324002fd8f6"
        );
        assert_eq!(c.extra["key_type"], "rsa");
        assert_eq!(c.extra["bits"], 2048);
        assert!(c.never_expires);
    }

    #[test]
    fn other_json_is_not_a_key() {
        for t in ["{}", "{\"type\":\"x\"}", "[", "{\"type\":1}", ""] {
            assert!(service_account(t).is_none());
        }
    }
}
