//! Pack index files (`objects/pack/*.idx`, version 2): where each object
//! sits in its pack.
//!
//! Reading blobs in pack order is what makes a history scan cheap: a delta's
//! base is stored before it, usually right before, so the base is still in
//! libgit2's delta-base cache when the delta is read. In discovery (commit)
//! order the same bases are inflated again and again. libgit2 does not expose
//! offsets, so the index files are read here; an object in no index (loose,
//! or an index this reader cannot parse) simply sorts last.

use std::path::Path;

use git2::Oid;

/// One parsed `.idx` file.
struct PackIndex {
    data: Vec<u8>,
    count: usize,
}

/// Every pack index of a repository.
#[derive(Default)]
pub struct PackOrder {
    packs: Vec<PackIndex>,
}

const MAGIC: &[u8] = b"\xfftOc";
const HEADER: usize = 8 + 256 * 4;

impl PackOrder {
    /// Reads the pack indexes under `git_dir/objects/pack`; unreadable or
    /// unknown ones are left out (their objects then sort last).
    pub fn load(git_dir: &Path) -> PackOrder {
        let mut order = PackOrder::default();
        let Ok(dir) = std::fs::read_dir(git_dir.join("objects").join("pack")) else {
            return order;
        };
        let mut paths: Vec<_> = dir
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "idx"))
            .collect();
        paths.sort();
        for path in paths {
            if let Some(idx) = std::fs::read(&path).ok().and_then(PackIndex::parse) {
                order.packs.push(idx);
            }
        }
        order
    }

    /// A sort key: (pack number, offset), or `u64::MAX` for objects in no
    /// pack index.
    pub fn key(&self, oid: Oid) -> (u32, u64) {
        for (i, pack) in self.packs.iter().enumerate() {
            if let Some(offset) = pack.offset(oid) {
                return (i as u32, offset);
            }
        }
        (u32::MAX, u64::MAX)
    }
}

impl PackIndex {
    fn parse(data: Vec<u8>) -> Option<PackIndex> {
        if data.len() < HEADER || &data[..4] != MAGIC || be32(&data, 4)? != 2 {
            return None;
        }
        let count = be32(&data, 8 + 255 * 4)? as usize;
        // oids, crc32s, 4-byte offsets, then the trailer's two checksums.
        let needed = HEADER
            .checked_add(count.checked_mul(20 + 4 + 4)?)?
            .checked_add(40)?;
        (data.len() >= needed).then_some(PackIndex { data, count })
    }

    fn offset(&self, oid: Oid) -> Option<u64> {
        let id = oid.as_bytes();
        let first = id[0] as usize;
        let lo = if first == 0 {
            0
        } else {
            be32(&self.data, 8 + (first - 1) * 4)? as usize
        };
        let hi = (be32(&self.data, 8 + first * 4)? as usize).min(self.count);
        let oids = &self.data[HEADER..HEADER + self.count * 20];
        let (mut lo, mut hi) = (lo.min(hi), hi);
        while lo < hi {
            let mid = (lo + hi) / 2;
            match oids[mid * 20..mid * 20 + 20].cmp(id) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return self.entry_offset(mid),
            }
        }
        None
    }

    fn entry_offset(&self, i: usize) -> Option<u64> {
        let small = HEADER + self.count * 24;
        let v = be32(&self.data, small + i * 4)?;
        if v & 0x8000_0000 == 0 {
            return Some(v as u64);
        }
        // Packs over 2 GiB: the offset is in the table of 8-byte offsets.
        let large = small + self.count * 4 + (v & 0x7fff_ffff) as usize * 8;
        Some(u64::from_be_bytes(
            self.data.get(large..large + 8)?.try_into().ok()?,
        ))
    }
}

fn be32(d: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(d.get(at..at + 4)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_agree_with_pack_order_written_by_libgit2() {
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init_bare(dir.path()).unwrap();
        let blobs: Vec<Oid> = (0..50)
            .map(|i| repo.blob(format!("blob {i}\n").as_bytes()).unwrap())
            .collect();
        // Pack the loose objects with libgit2's packbuilder.
        let mut pb = repo.packbuilder().unwrap();
        for b in &blobs {
            pb.insert_object(*b, None).unwrap();
        }
        let pack_dir = dir.path().join("objects/pack");
        std::fs::create_dir_all(&pack_dir).unwrap();
        let odb = repo.odb().unwrap();
        let mut writer = odb.packwriter().unwrap();
        pb.foreach(|chunk| std::io::Write::write_all(&mut writer, chunk).is_ok())
            .unwrap();
        writer.commit().unwrap();
        let order = PackOrder::load(dir.path());
        assert_eq!(order.packs.len(), 1);
        let mut keys: Vec<(u32, u64)> = blobs.iter().map(|b| order.key(*b)).collect();
        assert!(keys.iter().all(|k| k.0 == 0 && k.1 >= 12), "{keys:?}");
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), blobs.len());
        let missing = Oid::from_str("0123456789abcdef0123456789abcdef01234567").unwrap();
        assert_eq!(order.key(missing), (u32::MAX, u64::MAX));
    }

    #[test]
    fn truncated_indexes_are_refused_not_read() {
        assert!(PackIndex::parse(b"\xfftOc\0\0\0\x02".to_vec()).is_none());
        let mut fake = MAGIC.to_vec();
        fake.extend_from_slice(&2u32.to_be_bytes());
        fake.extend_from_slice(&[0xff; 1024]); // claims 4 billion objects
        assert!(PackIndex::parse(fake).is_none());
    }
}
