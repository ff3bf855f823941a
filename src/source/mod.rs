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
pub mod jira;
pub mod slack;
pub mod stream;
pub mod text;
