//! `GitFixture`: real repositories built with git2 in a tempdir, commit by
//! commit, with fixed authors and times so that attribution can be asserted.

use std::path::{Path, PathBuf};

use git2::{Oid, Repository, Signature, Time};

/// A repository with a work tree, driven through its index like `git add`.
pub struct GitFixture {
    pub repo: Repository,
    /// Seconds since the epoch of the next commit; each commit adds an hour.
    clock: i64,
}

/// Who made a commit.
pub struct Person {
    pub name: &'static str,
    pub email: &'static str,
}

pub const ALICE: Person = Person {
    name: "Alice Nguyen",
    email: "alice@acme.example",
};
pub const BOB: Person = Person {
    name: "Bob Marsh",
    email: "bob@acme.example",
};

impl GitFixture {
    /// A new repository at `dir` on branch `main`.
    pub fn init(dir: &Path) -> GitFixture {
        let mut opts = git2::RepositoryInitOptions::new();
        opts.initial_head("main");
        let repo = Repository::init_opts(dir, &opts).expect("git init");
        GitFixture {
            repo,
            clock: 1_700_000_000,
        }
    }

    pub fn workdir(&self) -> PathBuf {
        self.repo.workdir().expect("work tree").to_path_buf()
    }

    /// Writes a file in the work tree and stages it.
    pub fn stage(&self, path: &str, contents: impl AsRef<[u8]>) {
        let full = self.workdir().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(&full, contents).unwrap();
        let mut index = self.repo.index().unwrap();
        index.add_path(Path::new(path)).unwrap();
        index.write().unwrap();
    }

    /// Removes a file from the work tree and the index.
    pub fn remove(&self, path: &str) {
        let _ = std::fs::remove_file(self.workdir().join(path));
        let mut index = self.repo.index().unwrap();
        index.remove_path(Path::new(path)).unwrap();
        index.write().unwrap();
    }

    /// Moves a file, as `git mv`.
    pub fn rename(&self, from: &str, to: &str) {
        let data = std::fs::read(self.workdir().join(from)).unwrap();
        self.remove(from);
        self.stage(to, data);
    }

    fn signature(&mut self, who: &Person) -> Signature<'static> {
        self.clock += 3600;
        Signature::new(who.name, who.email, &Time::new(self.clock, 60)).unwrap()
    }

    /// Commits the index on HEAD; returns the commit id.
    pub fn commit(&mut self, who: &Person, message: &str) -> Oid {
        let sig = self.signature(who);
        let tree = self.write_tree();
        let parent = self.repo.head().ok().and_then(|h| h.peel_to_commit().ok());
        let parents: Vec<&git2::Commit> = parent.iter().collect();
        self.repo
            .commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)
            .unwrap()
    }

    /// Stages `files` and commits them.
    pub fn commit_files(&mut self, who: &Person, message: &str, files: &[(&str, &str)]) -> Oid {
        for (path, contents) in files {
            self.stage(path, contents);
        }
        self.commit(who, message)
    }

    /// Replaces the HEAD commit with one of the index, as `git commit --amend`.
    pub fn amend(&mut self, message: &str) -> Oid {
        let tree = self.write_tree();
        let head = self.repo.head().unwrap().peel_to_commit().unwrap();
        head.amend(Some("HEAD"), None, None, None, Some(message), Some(&tree))
            .unwrap()
    }

    /// A merge commit of HEAD and `other` with the index's tree.
    pub fn merge(&mut self, who: &Person, other: &str) -> Oid {
        let sig = self.signature(who);
        let theirs = self
            .repo
            .revparse_single(other)
            .unwrap()
            .peel_to_commit()
            .unwrap();
        let mut index = self.repo.index().unwrap();
        let their_tree = theirs.tree().unwrap();
        // Take every path of theirs that ours lacks (a clean merge).
        their_tree
            .walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
                if entry.kind() == Some(git2::ObjectType::Blob) {
                    let path = format!("{dir}{}", entry.name().unwrap());
                    if index.get_path(Path::new(&path), 0).is_none() {
                        let blob = self.repo.find_blob(entry.id()).unwrap();
                        let full = self.repo.workdir().unwrap().join(&path);
                        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
                        std::fs::write(&full, blob.content()).unwrap();
                        index.add_path(Path::new(&path)).unwrap();
                    }
                }
                git2::TreeWalkResult::Ok
            })
            .unwrap();
        index.write().unwrap();
        let tree = self.write_tree();
        let ours = self.repo.head().unwrap().peel_to_commit().unwrap();
        self.repo
            .commit(
                Some("HEAD"),
                &sig,
                &sig,
                &format!("Merge {other}"),
                &tree,
                &[&ours, &theirs],
            )
            .unwrap()
    }

    /// Creates branch `name` at HEAD and checks it out.
    pub fn branch(&self, name: &str) {
        let head = self.repo.head().unwrap().peel_to_commit().unwrap();
        self.repo.branch(name, &head, false).unwrap();
        self.checkout(name);
    }

    /// Checks out branch `name` (work tree and index follow).
    pub fn checkout(&self, name: &str) {
        let refname = format!("refs/heads/{name}");
        let obj = self.repo.revparse_single(&refname).unwrap();
        self.repo
            .checkout_tree(&obj, Some(git2::build::CheckoutBuilder::new().force()))
            .unwrap();
        self.repo.set_head(&refname).unwrap();
    }

    /// Points HEAD at the current commit directly (detached).
    pub fn detach(&self) {
        let head = self.repo.head().unwrap().peel_to_commit().unwrap();
        self.repo.set_head_detached(head.id()).unwrap();
    }

    /// An orphan branch: the next commit has no parent.
    pub fn orphan(&self, name: &str) {
        self.repo.set_head(&format!("refs/heads/{name}")).unwrap();
        let mut index = self.repo.index().unwrap();
        index.clear().unwrap();
        index.write().unwrap();
    }

    /// An annotated tag on HEAD.
    pub fn tag(&mut self, name: &str, who: &Person) {
        let sig = self.signature(who);
        let head = self
            .repo
            .head()
            .unwrap()
            .peel(git2::ObjectType::Commit)
            .unwrap();
        self.repo.tag(name, &head, &sig, "release", false).unwrap();
    }

    /// A lightweight tag on `target`.
    pub fn lightweight_tag(&self, name: &str, target: Oid) {
        let obj = self.repo.find_object(target, None).unwrap();
        self.repo.tag_lightweight(name, &obj, false).unwrap();
    }

    /// Stashes the work tree change of `path` to `contents`.
    pub fn stash(&mut self, who: &Person, path: &str, contents: &str) -> Oid {
        std::fs::write(self.workdir().join(path), contents).unwrap();
        let sig = self.signature(who);
        self.repo.stash_save(&sig, "wip", None).unwrap()
    }

    /// A note on `target` with `text`.
    pub fn note(&mut self, who: &Person, target: Oid, text: &str) {
        let sig = self.signature(who);
        self.repo
            .note(&sig, &sig, None, target, text, false)
            .unwrap();
    }

    pub fn write_tree(&self) -> git2::Tree<'_> {
        let mut index = self.repo.index().unwrap();
        let id = index.write_tree().unwrap();
        self.repo.find_tree(id).unwrap()
    }

    /// The file of a loose object.
    pub fn loose_object_path(&self, oid: Oid) -> PathBuf {
        let hex = oid.to_string();
        self.repo
            .path()
            .join("objects")
            .join(&hex[..2])
            .join(&hex[2..])
    }

    /// The RFC 3339 time of commit `oid`, as sprawl prints it.
    pub fn time_of(&self, oid: Oid) -> String {
        let t = self.repo.find_commit(oid).unwrap().time();
        let offset = time::UtcOffset::from_whole_seconds(t.offset_minutes() * 60).unwrap();
        time::OffsetDateTime::from_unix_timestamp(t.seconds())
            .unwrap()
            .to_offset(offset)
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    }
}
