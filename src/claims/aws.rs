//! AWS access key ids: long-term vs temporary, and the account id encoded in
//! the key id (TOKENS.md §4.2).

use super::Claims;

/// Claims of an AWS key id; secrets (40-char keys) carry nothing.
pub fn decode(rule_id: &str, text: &str) -> Option<Claims> {
    let kind = match text.get(..4)? {
        "AKIA" => "aws.access_key.long_term",
        "ASIA" => "aws.access_key.temporary",
        "ABIA" => "aws.bearer_token",
        "ACCA" => "aws.context_credential",
        _ => {
            return Some(Claims {
                kind: Some(rule_id.to_string()),
                never_expires: rule_id.contains("secret"),
                ..Claims::default()
            })
        }
    };
    Some(Claims {
        kind: Some(kind.to_string()),
        account: account_id(text),
        never_expires: kind == "aws.access_key.long_term",
        ..Claims::default()
    })
}

/// The 12-digit account id of a key id such as `AKIA…`: base32-decode the 16
/// characters after the prefix, take the first 6 bytes big-endian, mask and
/// shift. Not defined for old keys whose fifth character is `I` or `J`.
pub fn account_id(key_id: &str) -> Option<String> {
    let body = key_id.as_bytes().get(4..20)?;
    if matches!(body[0], b'I' | b'J') {
        return None;
    }
    let mut bits: u128 = 0;
    for &c in body {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'2'..=b'7' => c - b'2' + 26,
            _ => return None,
        };
        bits = (bits << 5) | v as u128;
    }
    // 16 chars × 5 bits = 80 bits = 10 bytes; the first 6 bytes are the top 48.
    let z = (bits >> 32) as u64;
    Some(format!("{:012}", (z & 0x7FFF_FFFF_FF80) >> 7))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_from_key_id_matches_trufflehog_vector() {
        // TruffleHog's test key id maps to 619888638459 (TOKENS.md §4.2).
        assert_eq!(
            account_id("AKIAZAVB57H55F3T4BKH").as_deref(),
            Some("619888638459")
        );
        assert_eq!(account_id("AKIAIOSFODNN7EXAMPLE"), None);
    }

    #[test]
    fn long_term_keys_never_expire() {
        let c = decode("aws.access_key_id", "AKIAYVP4CIPPERUVIFXG").unwrap();
        assert!(c.never_expires);
        assert_eq!(c.kind.as_deref(), Some("aws.access_key.long_term"));
        assert!(
            !decode("aws.access_key_id", "ASIAYVP4CIPPERUVIFXG")
                .unwrap()
                .never_expires
        );
    }
}
