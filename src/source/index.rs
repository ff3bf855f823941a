//! The git index file, read directly, and what it stages against HEAD.
//!
//! `--staged` must feel instant in repositories of 100k files. libgit2 spends
//! most of that time loading the index: a SHA-1 over the whole file, path
//! validation and a hash map per entry. Here the file is parsed in one pass
//! into offsets ([`IndexFile`]), and its cache-tree extension (`TREE`) says
//! which directories still match a tree object: where that tree is HEAD's, the
//! directory is unchanged and never looked at. Only the directories on the
//! path to a staged change are compared with HEAD ([`staged_changes`]).
//!
//! Formats 2, 3 and 4 are read. An index that needs an extension this reader
//! does not know (a split index, a sparse index) is
//! [`IndexError::Unsupported`]; libgit2 cannot read those either.

use std::collections::HashMap;
use std::ops::Range;

use git2::{ObjectType, Oid, Repository};

/// Why the index could not be read here.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// Well-formed, but uses a feature this reader leaves to libgit2.
    #[error("index uses {0}")]
    Unsupported(String),
    /// Malformed or truncated.
    #[error("corrupt index: {0}")]
    Corrupt(&'static str),
}

/// One staged file, as offsets: 16 bytes an entry, since an index may hold
/// hundreds of thousands.
#[derive(Clone, Copy, Debug)]
struct Entry {
    /// The path: in the file (formats 2, 3) or in `paths` (format 4).
    path_start: u32,
    path_len: u32,
    /// Offset of the entry in the file; its object id is at `at + 40`.
    at: u32,
    /// File mode (0o100644, 0o100755, 0o120000, 0o160000).
    mode: u32,
}

/// The bytes of an index file: mapped, or read (tests, tiny files).
enum Bytes {
    Mapped(memmap2::Mmap),
    Owned(Vec<u8>),
}

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Mapped(m) => m,
            Bytes::Owned(v) => v,
        }
    }
}

/// One directory of the cache-tree extension.
#[derive(Debug)]
struct CacheNode {
    name: Range<usize>,
    /// The tree object the directory's entries make, if still valid.
    oid: Option<Oid>,
    children: Vec<usize>,
}

/// A parsed index: entries sorted by path, and the cache tree.
pub struct IndexFile {
    data: Bytes,
    /// Paths of format 4 (prefix-compressed) are rebuilt here.
    paths: Vec<u8>,
    entries: Vec<Entry>,
    /// `nodes[0]` is the root when present.
    nodes: Vec<CacheNode>,
}

/// Entry flag: the entry has a second flags word (format 3 and later).
const EXTENDED: u16 = 0x4000;
/// Extended flag: `git add -N`, an intent to add with no content yet.
const INTENT_TO_ADD: u16 = 0x2000;

impl IndexFile {
    /// Maps and parses the index file at `path`.
    pub fn open(path: &std::path::Path) -> std::io::Result<Result<IndexFile, IndexError>> {
        let file = std::fs::File::open(path)?;
        // SAFETY: git never rewrites an index in place: it writes
        // `index.lock` and renames it over, so the mapped bytes do not change
        // while we read them (git maps the index the same way).
        let map = unsafe { memmap2::Mmap::map(&file)? };
        Ok(IndexFile::parse_bytes(Bytes::Mapped(map)))
    }

    /// Parses the bytes of an index file.
    pub fn parse(data: Vec<u8>) -> Result<IndexFile, IndexError> {
        IndexFile::parse_bytes(Bytes::Owned(data))
    }

    fn parse_bytes(data: Bytes) -> Result<IndexFile, IndexError> {
        let corrupt = IndexError::Corrupt;
        if data.len() > u32::MAX as usize {
            return Err(IndexError::Unsupported("an index over 4 GiB".into()));
        }
        if data.len() < 12 + 20 || &data[..4] != b"DIRC" {
            return Err(corrupt("no DIRC header"));
        }
        let version = be32(&data, 4).ok_or(corrupt("truncated header"))?;
        if !(2..=4).contains(&version) {
            return Err(IndexError::Unsupported(format!("format version {version}")));
        }
        let count = be32(&data, 8).ok_or(corrupt("truncated header"))? as usize;
        let end = data.len() - 20; // the trailing checksum
        let mut index = IndexFile {
            paths: Vec::new(),
            entries: Vec::with_capacity(count.min(end / 62)),
            nodes: Vec::new(),
            data: Bytes::Owned(Vec::new()),
        };
        let mut pos = 12;
        let mut prev: Range<usize> = 0..0;
        for _ in 0..count {
            if pos + 62 > end {
                return Err(corrupt("truncated entry"));
            }
            let at = pos as u32;
            let mode = be32(&data, pos + 24).ok_or(corrupt("truncated entry"))?;
            let flags = be16(&data, pos + 60).ok_or(corrupt("truncated entry"))?;
            let mut p = pos + 62;
            let mut extended = 0;
            if version >= 3 && flags & EXTENDED != 0 {
                extended = be16(&data, p).ok_or(corrupt("truncated entry"))?;
                p += 2;
            }
            let path = if version == 4 {
                let (strip, n) = varint(&data[p..end]).ok_or(corrupt("bad path prefix"))?;
                p += n;
                let nul = memchr::memchr(0, &data[p..end]).ok_or(corrupt("unterminated path"))?;
                let keep = prev
                    .len()
                    .checked_sub(strip)
                    .ok_or(corrupt("bad path prefix"))?;
                let start = index.paths.len();
                index
                    .paths
                    .extend_from_within(prev.start..prev.start + keep);
                index.paths.extend_from_slice(&data[p..p + nul]);
                p += nul + 1;
                pos = p;
                start..index.paths.len()
            } else {
                let nul = memchr::memchr(0, &data[p..end]).ok_or(corrupt("unterminated path"))?;
                let path = p..p + nul;
                // Entries are NUL-padded to a multiple of 8 bytes.
                pos += (p - pos + nul + 8) & !7;
                path
            };
            prev = path.clone();
            let stage = (flags >> 12) & 3;
            // Conflict stages and `git add -N` placeholders are not content
            // a commit records; skip-worktree entries (sparse checkouts) are.
            if stage == 0 && extended & INTENT_TO_ADD == 0 {
                index.entries.push(Entry {
                    path_start: path.start as u32,
                    path_len: path.len() as u32,
                    at,
                    mode,
                });
            }
        }
        while pos + 8 <= end {
            let sig = &data[pos..pos + 4];
            let size = be32(&data, pos + 4).ok_or(corrupt("truncated extension"))? as usize;
            let body = pos + 8..pos + 8 + size;
            if body.end > end {
                return Err(corrupt("truncated extension"));
            }
            match sig {
                b"TREE" => {
                    let mut at = body.start;
                    index.cache_node(&data, &mut at, body.end, 0)?;
                }
                b"link" => {
                    return Err(IndexError::Unsupported(
                        "a split index (`git update-index --no-split-index` turns it off)".into(),
                    ))
                }
                b"sdir" => return Err(IndexError::Unsupported(
                    "a sparse index (`git sparse-checkout init --no-sparse-index` turns it off)"
                        .into(),
                )),
                // A lowercase first letter marks an extension a reader must understand.
                _ if sig[0].is_ascii_lowercase() => {
                    return Err(IndexError::Unsupported(format!(
                        "the required extension {:?}",
                        String::from_utf8_lossy(sig)
                    )))
                }
                _ => {}
            }
            pos = body.end;
        }
        index.data = data;
        if version != 4 {
            index.paths.clear();
        }
        Ok(index)
    }

    /// Reads one cache-tree node and its children, preorder.
    fn cache_node(
        &mut self,
        data: &[u8],
        at: &mut usize,
        end: usize,
        depth: usize,
    ) -> Result<usize, IndexError> {
        let corrupt = IndexError::Corrupt;
        // Deeper than any path git accepts: a hostile file, not a tree.
        if depth > 4096 {
            return Err(corrupt("cache tree too deep"));
        }
        let field = |at: &mut usize, stop: u8| -> Result<Range<usize>, IndexError> {
            let n = memchr::memchr(stop, &data[*at..end]).ok_or(corrupt("bad cache tree"))?;
            let r = *at..*at + n;
            *at += n + 1;
            Ok(r)
        };
        let name = field(at, 0)?;
        let count: i64 = ascii_int(&data[field(at, b' ')?])?;
        let subtrees: i64 = ascii_int(&data[field(at, b'\n')?])?;
        let oid = if count >= 0 {
            if *at + 20 > end {
                return Err(corrupt("bad cache tree"));
            }
            let oid =
                Oid::from_bytes(&data[*at..*at + 20]).map_err(|_| corrupt("bad cache tree"))?;
            *at += 20;
            Some(oid)
        } else {
            None
        };
        let me = self.nodes.len();
        self.nodes.push(CacheNode {
            name,
            oid,
            children: Vec::new(),
        });
        for _ in 0..subtrees.max(0) {
            let child = self.cache_node(data, at, end, depth + 1)?;
            self.nodes[me].children.push(child);
        }
        Ok(me)
    }

    fn path(&self, e: &Entry) -> &[u8] {
        let range = e.path_start as usize..(e.path_start + e.path_len) as usize;
        if self.paths.is_empty() {
            &self.data[range]
        } else {
            &self.paths[range]
        }
    }

    fn oid(&self, e: &Entry) -> Oid {
        let at = e.at as usize + 40;
        Oid::from_bytes(&self.data[at..at + 20]).expect("20 bytes make an object id")
    }

    fn child(&self, node: usize, name: &[u8]) -> Option<usize> {
        self.nodes[node]
            .children
            .iter()
            .copied()
            .find(|&c| &self.data[self.nodes[c].name.clone()] == name)
    }
}

fn be32(d: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(d.get(at..at + 4)?.try_into().ok()?))
}

fn be16(d: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(d.get(at..at + 2)?.try_into().ok()?))
}

/// Git's offset varint (format 4 path prefixes): each continuation adds one
/// before shifting, so that every value has exactly one encoding.
fn varint(d: &[u8]) -> Option<(usize, usize)> {
    let mut i = 0;
    let mut b = *d.first()?;
    let mut v = (b & 0x7f) as usize;
    while b & 0x80 != 0 {
        i += 1;
        b = *d.get(i)?;
        v = v.checked_add(1)?.checked_mul(128)? | (b & 0x7f) as usize;
    }
    Some((v, i + 1))
}

fn ascii_int(s: &[u8]) -> Result<i64, IndexError> {
    std::str::from_utf8(s)
        .ok()
        .and_then(|t| t.parse().ok())
        .ok_or(IndexError::Corrupt("bad cache tree count"))
}

/// A file the commit would change: its staged blob and, when it existed in
/// HEAD under that path, the blob there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Path in the new tree.
    pub path: String,
    /// The staged blob.
    pub new: Oid,
    /// The blob in HEAD at that path (or the file it was renamed from).
    pub old: Option<Oid>,
}

/// What the index changes against `head` (None before the first commit):
/// changed and added files, plus the blobs of files deleted or moved away.
pub struct Staged {
    /// Added or modified files (gitlinks excluded).
    pub changes: Vec<Change>,
    /// Blobs at paths that the index no longer has.
    pub deleted: Vec<Oid>,
}

/// Compares the index with the tree of HEAD, descending only into
/// directories whose cache-tree entry is invalid or differs from HEAD.
pub fn staged_changes(
    repo: &Repository,
    index: &IndexFile,
    head: Option<Oid>,
) -> Result<Staged, git2::Error> {
    let mut out = Staged {
        changes: Vec::new(),
        deleted: Vec::new(),
    };
    let root = (!index.nodes.is_empty()).then_some(0);
    compare(repo, index, b"", head, root, &index.entries, &mut out)?;
    Ok(out)
}

fn compare(
    repo: &Repository,
    index: &IndexFile,
    prefix: &[u8],
    head: Option<Oid>,
    cache: Option<usize>,
    entries: &[Entry],
    out: &mut Staged,
) -> Result<(), git2::Error> {
    if let (Some(h), Some(c)) = (head, cache) {
        if index.nodes[c].oid == Some(h) {
            return Ok(()); // the directory is what HEAD has
        }
    }
    // HEAD's entries in this directory: name → (id, mode).
    let tree = head.map(|h| repo.find_tree(h)).transpose()?;
    let mut theirs: HashMap<Vec<u8>, (Oid, i32)> = HashMap::new();
    if let Some(t) = &tree {
        for e in t.iter() {
            theirs.insert(e.name_bytes().to_vec(), (e.id(), e.filemode()));
        }
    }
    let mut i = 0;
    while i < entries.len() {
        let path = index.path(&entries[i]);
        let rel = &path[prefix.len()..];
        if let Some(slash) = memchr::memchr(b'/', rel) {
            let dir = &rel[..slash];
            let sub_prefix = &path[..prefix.len() + slash + 1];
            let mut j = i + 1;
            while j < entries.len() && index.path(&entries[j]).starts_with(sub_prefix) {
                j += 1;
            }
            let head_sub = theirs
                .remove(dir)
                .and_then(|(id, mode)| (mode == 0o040000).then_some(id));
            let cache_sub = cache.and_then(|c| index.child(c, dir));
            compare(
                repo,
                index,
                sub_prefix,
                head_sub,
                cache_sub,
                &entries[i..j],
                out,
            )?;
            i = j;
            continue;
        }
        let e = &entries[i];
        i += 1;
        let old = theirs.remove(rel);
        if e.mode == 0o160000 {
            continue; // a submodule: its commits are not ours to scan
        }
        let old_blob =
            old.and_then(|(id, mode)| (mode != 0o040000 && mode != 0o160000).then_some(id));
        let oid = index.oid(e);
        if old_blob == Some(oid) {
            continue;
        }
        out.changes.push(Change {
            path: String::from_utf8_lossy(path).into_owned(),
            new: oid,
            old: old_blob,
        });
    }
    // What HEAD has here and the index lacks: deleted or moved away.
    for (_, (id, mode)) in theirs {
        match mode {
            0o040000 => collect_blobs(repo, id, &mut out.deleted)?,
            0o160000 => {}
            _ => out.deleted.push(id),
        }
    }
    Ok(())
}

fn collect_blobs(repo: &Repository, tree: Oid, out: &mut Vec<Oid>) -> Result<(), git2::Error> {
    let tree = repo.find_tree(tree)?;
    tree.walk(git2::TreeWalkMode::PreOrder, |_, e| {
        if e.kind() == Some(ObjectType::Blob) {
            out.push(e.id());
        }
        git2::TreeWalkResult::Ok
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A repository whose index libgit2 wrote in `version`, with a valid
    /// cache tree, and the index's bytes.
    fn written_index(version: u32) -> (tempfile::TempDir, Repository, Oid, Vec<u8>) {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        for path in [
            "a.txt",
            "src/lib.rs",
            "src/deep/x.rs",
            "src/deep/y.rs",
            "src-b/z",
        ] {
            let full = dir.path().join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(&full, format!("content of {path}\n")).unwrap();
        }
        let tree = {
            let mut index = repo.index().unwrap();
            index.set_version(version).unwrap();
            index
                .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
                .unwrap();
            let tree = index.write_tree().unwrap();
            index.write().unwrap();
            tree
        };
        let bytes = std::fs::read(repo.path().join("index")).unwrap();
        (dir, repo, tree, bytes)
    }

    #[test]
    fn reads_what_libgit2_writes_in_every_format() {
        for version in [2, 3, 4] {
            let (_dir, repo, tree, bytes) = written_index(version);
            let ix = IndexFile::parse(bytes).unwrap();
            let theirs: Vec<(Vec<u8>, Oid)> = repo
                .index()
                .unwrap()
                .iter()
                .map(|e| (e.path, e.id))
                .collect();
            let ours: Vec<(Vec<u8>, Oid)> = ix
                .entries
                .iter()
                .map(|e| (ix.path(e).to_vec(), ix.oid(e)))
                .collect();
            assert_eq!(ours, theirs, "format {version}");
            assert_eq!(ix.nodes[0].oid, Some(tree), "format {version}");
            // Against its own tree nothing is staged, and no tree is read.
            let staged = staged_changes(&repo, &ix, Some(tree)).unwrap();
            assert!(staged.changes.is_empty() && staged.deleted.is_empty());
            // Before the first commit, everything is.
            let staged = staged_changes(&repo, &ix, None).unwrap();
            assert_eq!(staged.changes.len(), 5, "format {version}");
        }
    }

    #[test]
    fn truncated_or_flipped_bytes_never_panic() {
        let (_dir, repo, tree, bytes) = written_index(4);
        for len in 0..bytes.len() {
            if let Ok(ix) = IndexFile::parse(bytes[..len].to_vec()) {
                let _ = staged_changes(&repo, &ix, Some(tree));
            }
        }
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0xa5;
            if let Ok(ix) = IndexFile::parse(b) {
                let _ = staged_changes(&repo, &ix, Some(tree));
            }
        }
    }

    #[test]
    fn offset_varints_as_git_writes_them() {
        assert_eq!(varint(&[0x00]), Some((0, 1)));
        assert_eq!(varint(&[0x7f]), Some((127, 1)));
        assert_eq!(varint(&[0x80, 0x00]), Some((128, 2)));
        assert_eq!(varint(&[0x80, 0x7f]), Some((255, 2)));
        assert_eq!(varint(&[0x80]), None);
    }
}
