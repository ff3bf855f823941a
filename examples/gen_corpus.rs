//! Writes a reproducible, realistic corpus tree for benchmarks.
//!
//!     cargo run --release --example gen_corpus -- DIR [MEGABYTES] [SEED]
//!
//! Files are code, configs, logs, minified JS and lockfiles; about one file
//! in 150 gets a built-in rule example planted at a random line. The list of
//! planted examples goes to DIR/../planted.tsv (rule id, path), so recall can
//! be measured by a scan of DIR.

#[path = "../benches/corpus/mod.rs"]
mod corpus;

use std::io::Write;
use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(
        args.next()
            .expect("usage: gen_corpus DIR [MEGABYTES] [SEED]"),
    );
    let megabytes: usize = args
        .next()
        .map_or(1024, |s| s.parse().expect("MEGABYTES is a number"));
    let seed: u64 = args
        .next()
        .map_or(42, |s| s.parse().expect("SEED is a number"));
    let rules = sprawl::rules::RuleSet::builtin().expect("built-in rules");
    let examples: Vec<(&str, &str)> = rules
        .rules()
        .iter()
        .flat_map(|r| r.spec.examples.iter().map(move |e| (r.id(), e.as_str())))
        .collect();
    let mut rng = corpus::Rng::new(seed);
    let planted_path = dir.with_extension("planted.tsv");
    let mut planted = std::io::BufWriter::new(std::fs::File::create(&planted_path)?);
    let target = megabytes << 20;
    let (mut written, mut files) = (0usize, 0usize);
    let mut text = String::new();
    while written < target {
        let kind = corpus::Kind::draw(&mut rng);
        let size = kind.size(&mut rng);
        text.clear();
        corpus::generate(kind, size, &mut rng, &mut text);
        let rel = format!(
            "pkg{:03}/mod{:02}/file{files:06}.{}",
            files / 500,
            (files / 50) % 10,
            kind.extension()
        );
        if rng.below(150) == 0 {
            let (rule, example) = *rng.pick(&examples);
            let mut at = rng.below(text.len().max(1));
            while !text.is_char_boundary(at) || (at > 0 && text.as_bytes()[at - 1] != b'\n') {
                at = (at + 1).min(text.len());
                if at == text.len() {
                    break;
                }
            }
            text.insert_str(at, &format!("{example}\n"));
            writeln!(planted, "{rule}\t{rel}")?;
        }
        let path = dir.join(&rel);
        std::fs::create_dir_all(path.parent().expect("has parent"))?;
        std::fs::write(&path, &text)?;
        written += text.len();
        files += 1;
    }
    eprintln!(
        "wrote {files} files, {} MB, to {}; planted list in {}",
        written >> 20,
        dir.display(),
        planted_path.display()
    );
    Ok(())
}
