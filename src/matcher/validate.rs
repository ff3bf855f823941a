//! Named structure and checksum checks that a rule can require of its secret.
//!
//! Checksums give precision that no regex can: a random look-alike of a
//! GitHub token passes its CRC32 with probability 2⁻³². Each validator is a
//! pure function of the secret bytes, so it runs in the hot path without
//! allocation where possible.

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;

/// A check named by a rule's `validator` field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Validator {
    /// GitHub/npm: last 6 chars are base62 CRC32 of the 30 before.
    GithubCrc32,
    /// GitLab routable token: last 7 chars are base36 CRC32 of the rest.
    GitlabRoutable,
    /// A structurally valid JWT that is not the jwt.io sample.
    Jwt,
    /// A PyPI token whose body is a v2 binary macaroon.
    PypiMacaroon,
    /// Decodes as base64.
    Base64,
    /// A PEM private key block with a base64 body.
    PrivateKey,
    /// Not all hexadecimal.
    NotHexHash,
    /// A Google service-account key file: a JSON object with
    /// `"type": "service_account"` and a PEM `private_key`.
    ServiceAccountJson,
    /// A URL whose password is not a placeholder.
    UrlPassword,
    /// A bare password that is not trivial, a placeholder or a variable.
    Password,
    /// A context-found secret that looks random: letters and digits, not
    /// a code identifier.
    GenericSecret,
}

impl Validator {
    /// The validator called `name` in rule files.
    pub fn parse(name: &str) -> Option<Validator> {
        Some(match name {
            "github_crc32" => Validator::GithubCrc32,
            "gitlab_routable" => Validator::GitlabRoutable,
            "jwt" => Validator::Jwt,
            "pypi_macaroon" => Validator::PypiMacaroon,
            "base64" => Validator::Base64,
            "private_key" => Validator::PrivateKey,
            "not_hex_hash" => Validator::NotHexHash,
            "service_account_json" => Validator::ServiceAccountJson,
            "url_password" => Validator::UrlPassword,
            "password" => Validator::Password,
            "generic_secret" => Validator::GenericSecret,
            _ => return None,
        })
    }

    /// Whether `secret` passes.
    pub fn check(self, secret: &[u8]) -> bool {
        match self {
            Validator::GithubCrc32 => github_checksum_ok(secret),
            Validator::GitlabRoutable => gitlab_checksum_ok(secret),
            Validator::Jwt => jwt_ok(secret),
            Validator::PypiMacaroon => secret
                .strip_prefix(b"pypi-")
                .and_then(decode_base64)
                .is_some_and(|m| m.len() > 8 && m[0] == 2 && m[1] == 1),
            Validator::Base64 => decode_base64(secret).is_some(),
            Validator::PrivateKey => private_key_ok(secret),
            Validator::NotHexHash => !secret.iter().all(u8::is_ascii_hexdigit),
            Validator::ServiceAccountJson => service_account_json_ok(secret),
            Validator::UrlPassword => url_password_ok(secret),
            Validator::Password => password_ok(secret),
            Validator::GenericSecret => generic_secret_ok(secret),
        }
    }
}

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const BASE36: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// `value` in `alphabet`'s base, most significant digit first, left-padded
/// with the zero digit to `width`.
fn encode_base(mut value: u32, alphabet: &[u8], width: usize) -> [u8; 8] {
    let mut out = [alphabet[0]; 8];
    let base = alphabet.len() as u32;
    let mut i = width;
    while value > 0 && i > 0 {
        i -= 1;
        out[i] = alphabet[(value % base) as usize];
        value /= base;
    }
    out
}

/// The GitHub/npm checksum: the body after the last `_` is 30 random chars
/// and 6 chars of base62 CRC32 of them (TOKENS.md §0.1).
pub fn github_checksum_ok(token: &[u8]) -> bool {
    let Some(us) = token.iter().rposition(|&b| b == b'_') else {
        return false;
    };
    let body = &token[us + 1..];
    if body.len() != 36 {
        return false;
    }
    let (random, check) = body.split_at(30);
    encode_base(crc32fast::hash(random), BASE62, 6)[..6] == *check
}

/// The GitLab routable-token checksum: the last 7 chars are base36 CRC32 of
/// everything before them, prefix included (TOKENS.md §2.1).
pub fn gitlab_checksum_ok(token: &[u8]) -> bool {
    if token.len() < 8 {
        return false;
    }
    let (rest, check) = token.split_at(token.len() - 7);
    encode_base(crc32fast::hash(rest), BASE36, 7)[..7] == *check
}

/// Decodes standard or URL-safe base64, with or without padding.
pub fn decode_base64(data: &[u8]) -> Option<Vec<u8>> {
    [URL_SAFE_NO_PAD, URL_SAFE, STANDARD, STANDARD_NO_PAD]
        .iter()
        .find_map(|e| e.decode(data).ok())
}

/// The payload of the jwt.io debugger's sample token, which is all over
/// documentation and tests.
const JWT_IO_SAMPLE_PAYLOAD: &str =
    "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ";

fn jwt_ok(token: &[u8]) -> bool {
    let mut parts = token.split(|&b| b == b'.');
    let (Some(header), Some(payload)) = (parts.next(), parts.next()) else {
        return false;
    };
    if payload.starts_with(JWT_IO_SAMPLE_PAYLOAD.as_bytes()) {
        return false;
    }
    let json_object = |part: &[u8]| {
        decode_base64(part)
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .filter(|v| v.is_object())
    };
    let Some(header) = json_object(header) else {
        return false;
    };
    header.get("alg").is_some() && json_object(payload).is_some()
}

fn private_key_ok(block: &[u8]) -> bool {
    // Keys pasted into JSON or YAML strings carry `\n` escapes.
    let text = String::from_utf8_lossy(block).replace("\\n", "\n");
    let body: String = text
        .lines()
        .map(str::trim)
        .filter(|l| {
            !l.starts_with("-----") && !l.starts_with('=') && !l.contains(':') && !l.is_empty()
        })
        .collect();
    body.len() >= 64 && decode_base64(body.as_bytes()).is_some()
}

fn url_password_ok(url: &[u8]) -> bool {
    let Some(scheme_end) = memchr::memmem::find(url, b"://") else {
        return false;
    };
    let rest = &url[scheme_end + 3..];
    let Some(at) = rest.iter().rposition(|&b| b == b'@') else {
        return false;
    };
    let userinfo = &rest[..at];
    let Some(colon) = userinfo.iter().position(|&b| b == b':') else {
        return false;
    };
    password_ok(&userinfo[colon + 1..])
}

/// Passwords that are defaults or words, not secrets.
const TRIVIAL_PASSWORDS: &[&[u8]] = &[
    b"pass",
    b"passwd",
    b"pwd",
    b"secret",
    b"admin",
    b"root",
    b"user",
    b"guest",
    b"test",
    b"postgres",
    b"mysql",
    b"redis",
    b"rabbitmq",
    b"x-oauth-basic",
    b"none",
    b"null",
    b"true",
    b"false",
    b"undefined",
    b"string",
];

fn password_ok(password: &[u8]) -> bool {
    let lower = password.to_ascii_lowercase();
    password.len() >= 4
        && !code_identifier(password)
        && !crate::matcher::placeholder::is_placeholder(password)
        && memchr::memmem::find(&lower, b"password").is_none()
        && !TRIVIAL_PASSWORDS.iter().any(|t| lower == *t)
        && !password.iter().all(|&b| b == b'*' || b == b'.')
        && !matches!(password[0], b'%' | b'{' | b'[' | b'(' | b'$' | b'<')
}

/// Whether `s` reads as a name in code rather than a secret: a type or
/// constant after a `password:` or `token:` field (`UNICODE_STRING`,
/// `InputScope`, `MSV1_0_PROTOCOL_MESSAGE_TYPE`, `userpass_end`). Such names
/// are `_`-joined segments that are words of three or more characters,
/// capital-and-digit acronyms (`X509`) or short numbers, with camel-case
/// words inside a segment, and few digits overall; generated secrets break
/// into short fragments (`q8`, `Zr2`) or carry many digits.
fn code_identifier(s: &[u8]) -> bool {
    if s.len() < 6 || !s[0].is_ascii_alphabetic() {
        return false;
    }
    let digits = s.iter().filter(|b| b.is_ascii_digit()).count();
    if digits * 5 > s.len() || !s.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_') {
        return false;
    }
    let mut words = 0;
    for segment in s.split(|&b| b == b'_') {
        if !segment.is_empty() && segment.len() <= 3 && segment.iter().all(u8::is_ascii_digit) {
            continue;
        }
        match camel_words(segment) {
            Some(n) => words += n,
            None => return false,
        }
    }
    // One word in capitals and no digits (`RASCONNSTATE`) is a constant too.
    words >= 2 || (digits == 0 && !s.iter().any(u8::is_ascii_lowercase))
}

/// The number of words in a `_`-free name, or None when a piece is not a
/// word. Splits before each capital that follows a lowercase letter or a
/// digit, or that starts a word after an acronym (`XMLParser`).
fn camel_words(s: &[u8]) -> Option<usize> {
    if s.is_empty() {
        return None;
    }
    let mut words = 0;
    let mut start = 0;
    for i in 1..=s.len() {
        let boundary = i == s.len()
            || (s[i].is_ascii_uppercase()
                && (!s[i - 1].is_ascii_uppercase()
                    || s.get(i + 1).is_some_and(u8::is_ascii_lowercase)));
        if boundary {
            let word = &s[start..i];
            let lower = word.iter().filter(|b| b.is_ascii_lowercase()).count();
            let acronym = lower == 0 && word.len() >= 2 && word[0].is_ascii_uppercase();
            let plain =
                lower >= 2 && word.len() >= 3 && word[1..].iter().all(|b| !b.is_ascii_uppercase());
            if !(acronym || plain) {
                return None;
            }
            words += 1;
            start = i;
        }
    }
    Some(words)
}

fn generic_secret_ok(secret: &[u8]) -> bool {
    let digits = secret.iter().filter(|b| b.is_ascii_digit()).count();
    let letters = secret.iter().filter(|b| b.is_ascii_alphabetic()).count();
    // A dotted identifier path (`settings.api_key`, `os.environ.get`).
    let identifier_path = secret.contains(&b'.')
        && secret.split(|&b| b == b'.').all(|p| {
            !p.is_empty()
                && !p[0].is_ascii_digit()
                && p.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_')
        });
    digits >= 2 && letters >= 2 && !identifier_path && password_ok(secret)
}

/// Parses the key file as JSON: a real key file always parses, and its
/// private key must be a PEM block with a base64 body.
fn service_account_json_ok(secret: &[u8]) -> bool {
    let Ok(serde_json::Value::Object(key)) = serde_json::from_slice(secret) else {
        return false;
    };
    key.get("type").and_then(|t| t.as_str()) == Some("service_account")
        && key
            .get("private_key")
            .and_then(|k| k.as_str())
            .is_some_and(|pem| private_key_ok(pem.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_checksum_vectors_from_tokens_md() {
        assert!(github_checksum_ok(
            b"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"
        ));
        assert!(github_checksum_ok(
            b"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"
        ));
        assert!(!github_checksum_ok(
            b"ghp_SYNTHETICtestTOKEN00000000000010Sg58"
        ));
        assert!(!github_checksum_ok(b"ghp_short"));
    }

    #[test]
    fn names_in_code_are_not_secrets() {
        for name in [
            "UNICODE_STRING",
            "LARGE_INTEGER",
            "DOT11_DIALOG_TOKEN",
            "CERTENROLL_OBJECTID",
            "InputScope",
            "X509CertificateTemplatePrivateKeyFlag",
            "XMLParserOptions",
            "MSV1_0_PROTOCOL_MESSAGE_TYPE",
            "STORAGE_OFFLOAD_TOKEN_0_0",
            "Uri_PROPERTY",
            "userpass_end",
            "RASCONNSTATE",
        ] {
            assert!(code_identifier(name.as_bytes()), "{name}");
            assert!(!password_ok(name.as_bytes()), "{name}");
        }
        for secret in [
            "q8Zr2LmX0vTb7Kc",
            "nW3xR8bL6qT1",
            "HX7_K2P9_QZ4M",
            "Vh7kQ2pL9mzW4",
            "hunter2hunter2",
            "Tr0ub4dor3",
            "CorrectHorseBatteryStaple9!",
        ] {
            assert!(!code_identifier(secret.as_bytes()), "{secret}");
        }
    }

    #[test]
    fn service_account_json_needs_type_and_a_pem_key() {
        let body = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj".repeat(4);
        let key = |kind: &str, pem: &str| {
            format!(r#"{{"type": "{kind}", "private_key_id": "ab", "private_key": "{pem}"}}"#)
        };
        let pem = format!("-----BEGIN PRIVATE KEY-----\\n{body}\\n-----END PRIVATE KEY-----\\n");
        assert!(service_account_json_ok(
            key("service_account", &pem).as_bytes()
        ));
        assert!(!service_account_json_ok(
            key("authorized_user", &pem).as_bytes()
        ));
        assert!(!service_account_json_ok(
            key("service_account", "REDACTED").as_bytes()
        ));
        assert!(!service_account_json_ok(
            b"{\"type\": \"service_account\", trailing"
        ));
    }

    #[test]
    fn gitlab_routable_vector_from_tokens_md() {
        assert!(gitlab_checksum_ok(
            b"glpat-AAECAwQFBgcICQoLDA0OD2M6MQpvOjEKdToybjljDg.01.160nlwcj6"
        ));
        assert!(!gitlab_checksum_ok(
            b"glpat-AAECAwQFBgcICQoLDA0OD2M6MQpvOjEKdToybjljDg.01.160nlwcj7"
        ));
    }

    #[test]
    fn jwt_structure_and_sample_rejection() {
        let sample = b"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
        assert!(!Validator::Jwt.check(sample));
        let own = b"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJzdmMtY2kiLCJpYXQiOjE3MDAwMDAwMDB9.c2lnbmF0dXJlLWJ5dGVz";
        assert!(Validator::Jwt.check(own));
        assert!(!Validator::Jwt.check(b"eyJub3QiOiJqd3QifQ.eyJhIjoxfQ.x"));
    }

    #[test]
    fn url_passwords() {
        assert!(url_password_ok(
            b"postgres://app:Zk3vQ9pL2xW7@db.internal:5432/app"
        ));
        assert!(!url_password_ok(b"postgres://app:password@db:5432/app"));
        assert!(!url_password_ok(b"postgres://app:${DB_PASSWORD}@db/app"));
        assert!(!url_password_ok(b"https://example.com/path"));
        assert!(password_ok(b"Tr0ub4dor&3"));
        assert!(!password_ok(b"password123"));
        assert!(!password_ok(b"$DB_PASS"));
    }

    #[test]
    fn generic_secrets_look_random() {
        assert!(generic_secret_ok(b"q8Zr2LmX0vTb7KcW"));
        assert!(!generic_secret_ok(b"settings.bot_token"));
        assert!(!generic_secret_ok(b"os.environ.get"));
        assert!(!generic_secret_ok(b"v2.config.x9"));
        assert!(!generic_secret_ok(b"abcdefghijklmnop"));
    }

    #[test]
    fn not_hex_hash() {
        assert!(!Validator::NotHexHash.check(b"da39a3ee5e6b4b0d3255bfef95601890afd80709"));
        assert!(Validator::NotHexHash.check(b"Zk3vQ9pL2xW7"));
    }
}
