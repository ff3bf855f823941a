//! Private keys: type, size and whether a passphrase protects them, read
//! from PEM blocks (PKCS#1, PKCS#8, SEC1, DSA, OpenSSH, PGP) and PuTTY files
//! (TOKENS.md §25).
//!
//! Keys never expire, so every key is `no_expiry`; what varies is reach
//! (the type and size say what it is for) and urgency (an encrypted key
//! needs its passphrase too). The body is parsed only as far as the public
//! parameters, never the private ones.

use super::der::{self, Item};
use super::Claims;
use crate::matcher::validate::decode_base64;

/// Claims of a private key block.
pub fn decode(rule_id: &str, text: &str) -> Option<Claims> {
    // Keys pasted into JSON or YAML strings carry `\n` escapes.
    let text = text.replace("\\r\\n", "\n").replace("\\n", "\n");
    let key = if text.starts_with("PuTTY-User-Key-File-") {
        putty(&text)
    } else {
        pem(&text)?
    };
    let mut c = Claims::of_kind(format!("private_key.{}", key.ty));
    if rule_id.starts_with("google.") {
        c.kind = Some(rule_id.to_string());
    }
    c.never_expires = true;
    c.extra.insert("key_type".into(), key.ty.into());
    c.extra.insert("format".into(), key.format.into());
    if let Some(bits) = key.bits {
        c.extra.insert("bits".into(), bits.into());
    }
    c.extra.insert("encrypted".into(), key.encrypted.into());
    Some(c)
}

/// What a key block reveals.
#[derive(Debug, PartialEq)]
pub struct Key {
    /// `rsa`, `ec`, `ed25519`, `dsa`, `pgp`, an SSH type, or `unknown`.
    pub ty: String,
    /// Modulus or curve size in bits.
    pub bits: Option<usize>,
    /// Protected by a passphrase.
    pub encrypted: bool,
    /// `pkcs1`, `pkcs8`, `sec1`, `openssh`, `putty`, `pgp`.
    pub format: &'static str,
}

impl Key {
    fn new(ty: &str, bits: Option<usize>, format: &'static str) -> Key {
        Key {
            ty: ty.to_string(),
            bits,
            encrypted: false,
            format,
        }
    }
}

/// Parses the first PEM private-key block of `text`.
pub fn pem(text: &str) -> Option<Key> {
    let begin = text.find("-----BEGIN ")?;
    let after = &text[begin + 11..];
    let label_end = after.find("-----")?;
    let label = &after[..label_end];
    let block = &after[label_end + 5..];
    let end = block.find("-----END").unwrap_or(block.len());
    let mut encrypted = false;
    let mut body = String::new();
    for line in block[..end].lines().map(str::trim) {
        if line.contains(':') {
            encrypted |= line.starts_with("Proc-Type:") && line.contains("ENCRYPTED");
        } else if !line.starts_with('=') {
            body.push_str(line);
        }
    }
    if label.starts_with("PGP PRIVATE KEY") {
        return Some(Key::new("pgp", None, "pgp"));
    }
    if label == "ENCRYPTED PRIVATE KEY" {
        return Some(Key {
            encrypted: true,
            ..Key::new("unknown", None, "pkcs8")
        });
    }
    let der = decode_base64(body.as_bytes());
    let mut key = match (label, der) {
        (_, _) if encrypted => Key::new(label_type(label), None, "pkcs1"),
        ("OPENSSH PRIVATE KEY", Some(d)) => openssh(&d)?,
        ("PRIVATE KEY", Some(d)) => pkcs8(&d),
        ("RSA PRIVATE KEY", Some(d)) => Key::new("rsa", rsa_bits(&d), "pkcs1"),
        ("DSA PRIVATE KEY", Some(d)) => Key::new("dsa", seq_int_bits(&d, 1), "pkcs1"),
        ("EC PRIVATE KEY", Some(d)) => Key::new("ec", sec1_bits(&d), "sec1"),
        _ => Key::new(label_type(label), None, "pem"),
    };
    key.encrypted |= encrypted;
    Some(key)
}

fn label_type(label: &str) -> &'static str {
    match label.split_whitespace().next() {
        Some("RSA") => "rsa",
        Some("EC") => "ec",
        Some("DSA") => "dsa",
        Some("OPENSSH") => "openssh",
        _ => "unknown",
    }
}

/// The contents of the outer SEQUENCE.
fn sequence(d: &[u8]) -> Option<Vec<Item<'_>>> {
    let (outer, _) = der::item(d)?;
    (outer.tag == 0x30).then(|| der::children(outer.value))
}

/// PKCS#1 `RSAPrivateKey ::= SEQUENCE { version, modulus, ... }`.
fn rsa_bits(d: &[u8]) -> Option<usize> {
    seq_int_bits(d, 1)
}

/// Bits of the INTEGER at `index` of the outer SEQUENCE.
fn seq_int_bits(d: &[u8], index: usize) -> Option<usize> {
    let items = sequence(d)?;
    let i = items.get(index)?;
    (i.tag == 0x02).then(|| der::bits(i.value))
}

/// SEC1 `ECPrivateKey ::= SEQUENCE { 1, OCTET STRING, [0] curve OID, ... }`.
fn sec1_bits(d: &[u8]) -> Option<usize> {
    let items = sequence(d)?;
    let params = items.iter().find(|i| i.tag == 0xa0)?;
    let (curve, _) = der::item(params.value)?;
    curve_bits(&der::oid(curve.value)?)
}

fn curve_bits(oid: &str) -> Option<usize> {
    Some(match oid {
        "1.2.840.10045.3.1.7" => 256, // P-256
        "1.3.132.0.10" => 256,        // secp256k1
        "1.3.132.0.34" => 384,        // P-384
        "1.3.132.0.35" => 521,        // P-521
        "1.2.840.10045.3.1.1" => 192, // P-192
        _ => return None,
    })
}

/// PKCS#8 `PrivateKeyInfo ::= SEQUENCE { version, AlgorithmIdentifier, OCTET STRING }`.
fn pkcs8(d: &[u8]) -> Key {
    let parse = || -> Option<Key> {
        let items = sequence(d)?;
        let alg = der::children(items.get(1)?.value);
        let oid = der::oid(alg.first()?.value)?;
        Some(match oid.as_str() {
            "1.2.840.113549.1.1.1" | "1.2.840.113549.1.1.10" => {
                Key::new("rsa", rsa_bits(items.get(2)?.value), "pkcs8")
            }
            "1.2.840.10045.2.1" => {
                let curve = alg.get(1).and_then(|p| der::oid(p.value));
                Key::new("ec", curve.as_deref().and_then(curve_bits), "pkcs8")
            }
            "1.3.101.112" => Key::new("ed25519", Some(256), "pkcs8"),
            "1.3.101.113" => Key::new("ed448", Some(456), "pkcs8"),
            "1.3.101.110" => Key::new("x25519", Some(256), "pkcs8"),
            "1.3.101.111" => Key::new("x448", Some(448), "pkcs8"),
            "1.2.840.10040.4.1" => {
                let p = alg.get(1).map(|s| der::children(s.value));
                let bits = p
                    .as_ref()
                    .and_then(|p| p.first())
                    .map(|i| der::bits(i.value));
                Key::new("dsa", bits, "pkcs8")
            }
            _ => Key::new("unknown", None, "pkcs8"),
        })
    };
    parse().unwrap_or_else(|| Key::new("unknown", None, "pkcs8"))
}

/// `openssh-key-v1\0`, cipher, kdf, kdf options, key count, public key.
fn openssh(d: &[u8]) -> Option<Key> {
    let mut r = der::Ssh(d.strip_prefix(b"openssh-key-v1\0")?);
    let cipher = r.string()?;
    r.string()?;
    r.string()?;
    if r.u32()? == 0 {
        return None;
    }
    let (ty, bits) = der::ssh_public_key(r.string()?)?;
    Some(Key {
        encrypted: cipher != b"none",
        ..Key::new(ssh_type(&ty), bits, "openssh")
    })
}

fn ssh_type(ty: &str) -> &str {
    match ty {
        "ssh-rsa" => "rsa",
        "ssh-dss" => "dsa",
        "ssh-ed25519" => "ed25519",
        t if t.starts_with("ecdsa-") => "ec",
        t => t,
    }
}

/// A PuTTY `.ppk`: key type on the first line, `Encryption:` header, the
/// public blob in `Public-Lines`.
fn putty(text: &str) -> Key {
    let mut lines = text.lines();
    let ty = lines
        .next()
        .and_then(|l| l.split_once(": "))
        .map_or("unknown", |(_, t)| t.trim())
        .to_string();
    let mut encrypted = false;
    let mut bits = None;
    while let Some(line) = lines.next() {
        if let Some(e) = line.strip_prefix("Encryption: ") {
            encrypted = e.trim() != "none";
        } else if let Some(n) = line.strip_prefix("Public-Lines: ") {
            let n: usize = n.trim().parse().unwrap_or(0).min(64);
            let blob: String = lines.by_ref().take(n).map(str::trim).collect();
            bits = decode_base64(blob.as_bytes())
                .and_then(|b| der::ssh_public_key(&b))
                .and_then(|(_, bits)| bits);
        }
    }
    Key {
        encrypted,
        ..Key::new(ssh_type(&ty), bits, "putty")
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;

    /// A DER item.
    pub fn tlv(tag: u8, value: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        if value.len() < 0x80 {
            out.push(value.len() as u8);
        } else {
            out.extend([0x82, (value.len() >> 8) as u8, value.len() as u8]);
        }
        out.extend_from_slice(value);
        out
    }

    /// A PKCS#1 RSA key structure with a `bits`-bit modulus (the numbers are
    /// filler, not a usable key).
    pub fn rsa_der(bits: usize) -> Vec<u8> {
        let mut n = vec![0u8; bits / 8 + 1];
        n[1] = 0xc5;
        n[bits / 8] = 0x01;
        let ints = [
            tlv(2, &[0]),
            tlv(2, &n),
            tlv(2, &[1, 0, 1]),
            tlv(2, &[0x42; 64]),
        ]
        .concat();
        tlv(0x30, &ints)
    }

    pub fn pem_block(label: &str, der: &[u8], headers: &str) -> String {
        let b64 = STANDARD.encode(der);
        let lines: Vec<&str> = b64
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        format!(
            "-----BEGIN {label}-----\n{headers}{}\n-----END {label}-----\n",
            lines.join("\n")
        )
    }

    fn ssh_string(s: &[u8]) -> Vec<u8> {
        [&(s.len() as u32).to_be_bytes()[..], s].concat()
    }

    #[test]
    fn rsa_pkcs1_and_pkcs8_sizes() {
        let k = pem(&pem_block("RSA PRIVATE KEY", &rsa_der(2048), "")).unwrap();
        assert_eq!(k, Key::new("rsa", Some(2048), "pkcs1"));
        let alg = tlv(
            0x30,
            &[
                tlv(6, &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 1, 1, 1]),
                tlv(5, &[]),
            ]
            .concat(),
        );
        let p8 = tlv(0x30, &[tlv(2, &[0]), alg, tlv(4, &rsa_der(4096))].concat());
        let c = decode("private_key.pem", &pem_block("PRIVATE KEY", &p8, "")).unwrap();
        assert_eq!(c.kind.as_deref(), Some("private_key.rsa"));
        assert_eq!(c.extra["bits"], 4096);
        assert_eq!(c.extra["encrypted"], false);
        assert!(c.never_expires);
    }

    #[test]
    fn ec_ed25519_and_encrypted_keys() {
        let p256 = [0x2a, 0x86, 0x48, 0xce, 0x3d, 3, 1, 7];
        let sec1 = tlv(
            0x30,
            &[tlv(2, &[1]), tlv(4, &[9; 32]), tlv(0xa0, &tlv(6, &p256))].concat(),
        );
        assert_eq!(
            pem(&pem_block("EC PRIVATE KEY", &sec1, "")).unwrap(),
            Key::new("ec", Some(256), "sec1")
        );
        let ed = tlv(
            0x30,
            &[
                tlv(2, &[0]),
                tlv(0x30, &tlv(6, &[0x2b, 101, 112])),
                tlv(4, &[4; 34]),
            ]
            .concat(),
        );
        assert_eq!(
            pem(&pem_block("PRIVATE KEY", &ed, "")).unwrap().ty,
            "ed25519"
        );
        let enc = pem(&pem_block(
            "RSA PRIVATE KEY",
            &[7; 300],
            "Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\n",
        ))
        .unwrap();
        assert!(enc.encrypted && enc.ty == "rsa" && enc.bits.is_none());
        let p8e = pem(&pem_block("ENCRYPTED PRIVATE KEY", &[7; 300], "")).unwrap();
        assert!(p8e.encrypted);
    }

    #[test]
    fn openssh_and_putty() {
        let mut n = vec![0u8; 257];
        n[1] = 0xd1;
        let rsa_pub = [
            ssh_string(b"ssh-rsa"),
            ssh_string(&[1, 0, 1]),
            ssh_string(&n),
        ]
        .concat();
        let body = |cipher: &[u8]| {
            [
                &b"openssh-key-v1\0"[..],
                &ssh_string(cipher),
                &ssh_string(b"none"),
                &ssh_string(b""),
                &1u32.to_be_bytes(),
                &ssh_string(&rsa_pub),
            ]
            .concat()
        };
        let k = pem(&pem_block("OPENSSH PRIVATE KEY", &body(b"none"), "")).unwrap();
        assert_eq!(k, Key::new("rsa", Some(2048), "openssh"));
        let k = pem(&pem_block("OPENSSH PRIVATE KEY", &body(b"aes256-ctr"), "")).unwrap();
        assert!(k.encrypted);
        let ed_pub = [ssh_string(b"ssh-ed25519"), ssh_string(&[3; 32])].concat();
        let ppk = format!(
            "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: aes256-cbc\nComment: x\nPublic-Lines: 1\n{}\nPrivate-Lines: 1\nAAAA\nPrivate-MAC: 00\n",
            STANDARD.encode(&ed_pub)
        );
        let c = decode("private_key.putty", &ppk).unwrap();
        assert_eq!(c.kind.as_deref(), Some("private_key.ed25519"));
        assert_eq!(c.extra["bits"], 256);
        assert_eq!(c.extra["encrypted"], true);
    }

    #[test]
    fn json_escaped_and_garbage_blocks_never_panic() {
        let escaped = pem_block("RSA PRIVATE KEY", &rsa_der(1024), "").replace('\n', "\\n");
        assert_eq!(pem(&escaped.replace("\\n", "\n")).unwrap().bits, Some(1024));
        assert_eq!(
            decode("private_key.pem", &escaped).unwrap().extra["bits"],
            1024
        );
        let full = pem_block("OPENSSH PRIVATE KEY", b"openssh-key-v1\0\0\0\0\x04none", "");
        for n in 0..full.len() {
            let _ = decode("private_key.pem", &full[..n]);
        }
        for g in [
            "-----BEGIN ",
            "-----BEGIN X-----",
            "-----BEGIN PRIVATE KEY-----\n!!!\n-----END PRIVATE KEY-----",
            "PuTTY-User-Key-File-3",
            "PuTTY-User-Key-File-3: x\nPublic-Lines: 99999\n",
        ] {
            let _ = decode("private_key.pem", g);
        }
    }
}
