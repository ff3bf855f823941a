//! Sources: where bytes come from, and where they were.
//!
//! Each source enumerates its inputs, streams them through
//! [`stream::Streamer`] and turns hits into [`crate::finding::Finding`]s at a
//! [`crate::finding::Location`] that carries the input's provenance (path,
//! commit, channel, ticket). Problems with single inputs go to
//! [`crate::diag::Diagnostics`]; the source carries on.
//!
//! [`fs`] walks files (and stdin), [`archive`] reads `.zip` entries through,
//! [`slack`] and [`jira`] parse exports into records scanned as one
//! [`text::TextBatch`] per file, and [`decode`] adds the decoding layers to
//! every stream.

pub mod archive;
pub mod decode;
pub mod fs;
pub mod git;
pub mod index;
pub mod jira;
pub mod packidx;
pub mod slack;
pub mod staged;
pub mod stream;
pub mod text;

// The git sources in a line each:
// - `git`: every blob reachable from any ref, once, with the commit that
//   introduced it; `packidx` gives pack order for reading them.
// - `staged`: the lines the index adds against HEAD; `index` reads the index
//   file and its cache tree.
