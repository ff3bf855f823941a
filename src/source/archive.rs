//! Archives read through: a `.zip` on the filesystem is scanned entry by
//! entry, each entry streamed through the matcher as a file at
//! `ARCHIVE!/inner/path`.
//!
//! Entries are inflated as they are read (the `zip` crate, pure-Rust
//! deflate), so an archive of any size is scanned in bounded memory. An
//! entry that is itself `.gz` is read through; a `.zip` inside a zip (up to
//! [`MAX_NESTED`] bytes, [`MAX_DEPTH`] deep) is inflated into memory and read
//! the same way. An archive whose central directory is lost (a truncated
//! download) is reported and then read as a stream of local entries, so the
//! entries before the cut are still scanned; a corrupt entry is reported and
//! the next one is read.

use std::fs::File;
use std::io::{BufReader, Cursor, Read, Seek};
use std::path::Path;

use zip::result::ZipResult;
use zip::ZipArchive;

use super::fs::Context;
use super::stream::{Sniff, Streamer};
use crate::finding::{Finding, Location, SourceKind};

/// The largest nested zip inflated into memory.
pub const MAX_NESTED: u64 = 64 << 20;
/// How deep zips inside zips are read.
pub const MAX_DEPTH: usize = 2;

/// Opens the zip at `path` and reads its central directory.
pub fn open_zip(path: &Path) -> ZipResult<ZipArchive<BufReader<File>>> {
    let file = File::open(path)?;
    ZipArchive::new(BufReader::with_capacity(64 << 10, file))
}

/// Whether `path` names a zip archive (by extension).
pub fn is_zip(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"))
}

/// Names for one archive: `rel` for locations, `shown` for messages.
struct Names<'a> {
    rel: &'a str,
    shown: &'a str,
}

/// Scans the zip at `path` (reported as `rel`) entry by entry.
pub fn scan_zip_file(
    ctx: &Context<'_>,
    streamer: &mut Streamer,
    path: &Path,
    rel: &str,
    sniff: Sniff,
    out: &mut Vec<Finding>,
) {
    let shown = path.display().to_string();
    let names = Names { rel, shown: &shown };
    match open_zip(path) {
        Ok(mut z) => scan_archive(ctx, streamer, &mut z, &names, sniff, 0, out),
        Err(e) => {
            ctx.diag.report(
                "corrupt zip",
                &shown,
                format!("{e}; reading its entries as a stream instead"),
            );
            match File::open(path) {
                Ok(f) => scan_stream(ctx, streamer, BufReader::new(f), &names, sniff, out),
                Err(e) => ctx.diag.report("unreadable", &shown, e),
            }
        }
    }
}

fn scan_archive<R: Read + Seek>(
    ctx: &Context<'_>,
    streamer: &mut Streamer,
    z: &mut ZipArchive<R>,
    names: &Names<'_>,
    sniff: Sniff,
    depth: usize,
    out: &mut Vec<Finding>,
) {
    for i in 0..z.len() {
        let name = z.name_for_index(i).unwrap_or("?").to_string();
        let entry = match z.by_index(i) {
            Ok(e) => e,
            Err(e) => {
                ctx.diag
                    .report("corrupt zip", format!("{}!/{name}", names.shown), e);
                continue;
            }
        };
        if entry.is_dir() {
            continue;
        }
        let inner = entry.name().to_string();
        let rel = format!("{}!/{inner}", names.rel);
        let shown = format!("{}!/{inner}", names.shown);
        if is_zip(Path::new(&inner)) && depth < MAX_DEPTH && entry.size() <= MAX_NESTED {
            let mut bytes = Vec::with_capacity(entry.size() as usize);
            if let Err(e) = entry.take(MAX_NESTED).read_to_end(&mut bytes) {
                ctx.diag.report("corrupt zip", &shown, e);
                continue;
            }
            let inner_names = Names {
                rel: &rel,
                shown: &shown,
            };
            match ZipArchive::new(Cursor::new(bytes)) {
                Ok(mut nested) => scan_archive(
                    ctx,
                    streamer,
                    &mut nested,
                    &inner_names,
                    sniff,
                    depth + 1,
                    out,
                ),
                Err(e) => ctx.diag.report("corrupt zip", &shown, e),
            }
            continue;
        }
        scan_entry(ctx, streamer, entry, &inner, &rel, &shown, sniff, out);
    }
}

#[allow(clippy::too_many_arguments)]
fn scan_entry<R: Read>(
    ctx: &Context<'_>,
    streamer: &mut Streamer,
    entry: R,
    inner: &str,
    rel: &str,
    shown: &str,
    sniff: Sniff,
    out: &mut Vec<Finding>,
) {
    let loc = Location::new(SourceKind::File, rel);
    if Path::new(inner)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
    {
        let gz = flate2::read::MultiGzDecoder::new(entry);
        ctx.scan_reader(streamer, gz, sniff, &loc, shown, out);
    } else {
        ctx.scan_reader(streamer, entry, sniff, &loc, shown, out);
    }
}

/// Reads local entries in order until the stream ends or breaks.
fn scan_stream<R: Read>(
    ctx: &Context<'_>,
    streamer: &mut Streamer,
    mut reader: R,
    names: &Names<'_>,
    sniff: Sniff,
    out: &mut Vec<Finding>,
) {
    loop {
        match zip::read::read_zipfile_from_stream(&mut reader) {
            Ok(Some(entry)) => {
                if entry.is_dir() {
                    continue;
                }
                let inner = entry.name().to_string();
                let rel = format!("{}!/{inner}", names.rel);
                let shown = format!("{}!/{inner}", names.shown);
                scan_entry(ctx, streamer, entry, &inner, &rel, &shown, sniff, out);
            }
            Ok(None) => break,
            Err(e) => {
                ctx.diag.report(
                    "corrupt zip",
                    names.shown,
                    format!("{e}; later entries lost"),
                );
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use proptest::prelude::*;

    use super::*;
    use crate::source::fs::testing::with_context;

    const TOKEN: &str = "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";

    fn sample() -> Vec<u8> {
        let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        z.start_file("a.log", opts).unwrap();
        z.write_all(format!("one {TOKEN}\n").as_bytes()).unwrap();
        z.start_file("b/c.txt", opts).unwrap();
        z.write_all(b"two three four\n").unwrap();
        z.finish().unwrap().into_inner()
    }

    /// Findings from the bytes read as an archive, then as a stream.
    fn scan_both(bytes: &[u8]) -> (usize, usize) {
        with_context(|ctx| {
            let names = Names {
                rel: "x.zip",
                shown: "x.zip",
            };
            let mut streamer = Streamer::default();
            let mut by_dir = Vec::new();
            if let Ok(mut z) = ZipArchive::new(Cursor::new(bytes)) {
                scan_archive(
                    ctx,
                    &mut streamer,
                    &mut z,
                    &names,
                    Sniff::Text,
                    0,
                    &mut by_dir,
                );
            }
            let mut by_stream = Vec::new();
            scan_stream(
                ctx,
                &mut streamer,
                bytes,
                &names,
                Sniff::Text,
                &mut by_stream,
            );
            (by_dir.len(), by_stream.len())
        })
    }

    #[test]
    fn both_readers_find_the_token() {
        assert_eq!(scan_both(&sample()), (1, 1));
    }

    proptest! {
        #[test]
        fn zip_readers_survive_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..1200)) {
            scan_both(&bytes);
        }

        #[test]
        fn zip_readers_survive_cuts_and_flips(
            cut in 0usize..400,
            flips in proptest::collection::vec((0usize..400, any::<u8>()), 0..4),
        ) {
            let mut bytes = sample();
            let whole = bytes.len();
            bytes.truncate(cut.min(whole));
            for (at, b) in &flips {
                if *at < bytes.len() {
                    bytes[*at] = *b;
                }
            }
            let (_, by_stream) = scan_both(&bytes);
            // The first entry, intact, is read even without a directory.
            let first_entry_end = 30 + "a.log".len() + 60;
            if flips.is_empty() && bytes.len() >= first_entry_end.min(whole) && bytes.len() > 120 {
                prop_assert_eq!(by_stream, 1);
            }
        }
    }
}
