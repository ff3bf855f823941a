//! Matcher throughput on realistic data (criterion, `Throughput::Bytes`).
//!
//!     cargo bench --bench matcher
//!
//! Each group scans 16 MiB of generated text of one kind (see
//! benches/corpus) with all built-in rules, through the production streamer.

mod corpus;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use sprawl::matcher::Matcher;
use sprawl::rules::RuleSet;
use sprawl::source::stream::{Sniff, Streamer};

fn bench(c: &mut Criterion) {
    let rules = RuleSet::builtin().expect("built-in rules");
    let matcher = Matcher::new(&rules);
    let mut group = c.benchmark_group("scan");
    for kind in [
        corpus::Kind::Rust,
        corpus::Kind::Python,
        corpus::Kind::Log,
        corpus::Kind::MinifiedJs,
        corpus::Kind::PackageLock,
    ] {
        let mut rng = corpus::Rng::new(7);
        let mut text = String::new();
        corpus::generate(kind, 16 << 20, &mut rng, &mut text);
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.sample_size(10);
        group.bench_function(format!("{kind:?}"), |b| {
            let mut streamer = Streamer::default();
            let mut hits = Vec::new();
            b.iter(|| {
                hits.clear();
                streamer
                    .scan_reader(&rules, &matcher, text.as_bytes(), Sniff::Text, &mut hits)
                    .unwrap();
                hits.len()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
