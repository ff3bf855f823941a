//! Just enough DER (X.690) and SSH wire format to read a private key's type
//! and size: tag-length-value items, integers' bit lengths, object ids.
//!
//! Keys arrive from hostile text, so every read is bounds-checked and
//! returns `None` rather than panicking; multi-byte tags and indefinite
//! lengths (not DER) are refused.

/// One DER item: its tag byte and its contents.
#[derive(Clone, Copy, Debug)]
pub struct Item<'a> {
    /// The tag byte (0x30 SEQUENCE, 0x02 INTEGER, 0x04 OCTET STRING, 0x06 OID, 0xa0 `[0]`).
    pub tag: u8,
    /// The contents octets.
    pub value: &'a [u8],
}

/// Reads one item from the front of `input`; returns it and the rest.
pub fn item(input: &[u8]) -> Option<(Item<'_>, &[u8])> {
    let (&tag, rest) = input.split_first()?;
    if tag & 0x1f == 0x1f {
        return None;
    }
    let (&first, mut rest) = rest.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let bytes = rest.get(..n)?;
        rest = &rest[n..];
        bytes
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b))
    };
    let value = rest.get(..len)?;
    Some((Item { tag, value }, &rest[len..]))
}

/// The items inside a constructed item's contents, up to the first bad one.
pub fn children(mut value: &[u8]) -> Vec<Item<'_>> {
    let mut out = Vec::new();
    while let Some((i, rest)) = item(value) {
        out.push(i);
        value = rest;
        if out.len() > 64 {
            break;
        }
    }
    out
}

/// The bit length of an unsigned big-endian integer (leading zeros dropped).
pub fn bits(value: &[u8]) -> usize {
    let mut v = value;
    while let Some((&0, rest)) = v.split_first() {
        v = rest;
    }
    match v.first() {
        Some(&b) => (v.len() - 1) * 8 + (8 - b.leading_zeros() as usize),
        None => 0,
    }
}

/// Dotted form of an OBJECT IDENTIFIER's contents.
pub fn oid(value: &[u8]) -> Option<String> {
    let (&first, rest) = value.split_first()?;
    let mut parts = vec![u64::from(first / 40), u64::from(first % 40)];
    let mut acc: u64 = 0;
    for &b in rest {
        acc = acc.checked_mul(128)? | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            parts.push(acc);
            acc = 0;
        }
    }
    Some(
        parts
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join("."),
    )
}

/// An SSH wire-format reader: `uint32` lengths before strings and mpints.
pub struct Ssh<'a>(pub &'a [u8]);

impl<'a> Ssh<'a> {
    /// The next length-prefixed string.
    pub fn string(&mut self) -> Option<&'a [u8]> {
        let len = u32::from_be_bytes(self.0.get(..4)?.try_into().ok()?) as usize;
        let s = self.0.get(4..4usize.checked_add(len)?)?;
        self.0 = &self.0[4 + len..];
        Some(s)
    }

    /// The next big-endian `uint32`.
    pub fn u32(&mut self) -> Option<u32> {
        let v = u32::from_be_bytes(self.0.get(..4)?.try_into().ok()?);
        self.0 = &self.0[4..];
        Some(v)
    }
}

/// Type and size of an SSH public key blob (`ssh-rsa`, `ssh-ed25519`, ...).
pub fn ssh_public_key(blob: &[u8]) -> Option<(String, Option<usize>)> {
    let mut r = Ssh(blob);
    let ty = String::from_utf8_lossy(r.string()?).into_owned();
    let size = match ty.as_str() {
        "ssh-rsa" => {
            r.string()?; // e
            Some(bits(r.string()?))
        }
        "ssh-dss" => Some(bits(r.string()?)),
        "ssh-ed25519" | "sk-ssh-ed25519@openssh.com" => Some(256),
        "ssh-ed448" => Some(456),
        t if t.starts_with("ecdsa-sha2-nistp") => t[16..].parse().ok(),
        _ => None,
    };
    Some((ty, size))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_bits_and_oids() {
        let (i, rest) = item(&[0x02, 0x03, 0x00, 0x80, 0x01, 0xff]).unwrap();
        assert_eq!((i.tag, bits(i.value), rest.len()), (2, 16, 1));
        assert_eq!(
            oid(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01]).unwrap(),
            "1.2.840.113549.1.1.1"
        );
        let long = [&[0x04, 0x82, 0x01, 0x00][..], &[0u8; 256]].concat();
        assert_eq!(item(&long).unwrap().0.value.len(), 256);
    }

    #[test]
    fn hostile_input_is_refused() {
        for bad in [
            &[][..],
            &[0x30],
            &[0x30, 0x85, 1, 1, 1, 1, 1],
            &[0x1f, 1, 1],
            &[0x30, 0x82, 0xff, 0xff, 0],
        ] {
            assert!(item(bad).is_none(), "{bad:?}");
        }
        assert!(oid(&[0x2a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]).is_none());
        assert!(Ssh(&[0xff, 0xff, 0xff, 0xff, 0]).string().is_none());
        assert!(ssh_public_key(&[0, 0, 0, 7, b's']).is_none());
        assert_eq!(bits(&[0, 0]), 0);
    }
}
