//! What claim decoding and policy evaluation add to a filesystem scan
//! (criterion). Target: under 5% of the scan's wall time.
//!
//!     cargo bench --bench claims
//!     SPRAWL_CORPUS=/tmp/corpus-claims cargo bench --bench claims
//!
//! Without `SPRAWL_CORPUS` it writes a finding-dense tree to a tempdir:
//! 32 MiB of generated code, configs, logs and lockfiles (benches/corpus)
//! with every built-in rule example planted three times, in different
//! files, so that the audit sees thousands of findings and real sprawl.
//! With it, it scans that directory (e.g. one written by
//! `cargo run --release --example gen_corpus -- /tmp/corpus-claims 256 42`).
//! `scan` is the whole `scan::run` (walk, match, assess); `assess` is
//! `audit::assess` alone over the same findings, claims cleared each time.

mod corpus;

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use time::OffsetDateTime;

use sprawl::audit::{self, Policy};
use sprawl::diag::Diagnostics;
use sprawl::rules::RuleSet;
use sprawl::scan::{self, Engine, ScanConfig};

fn dense_tree(dir: &std::path::Path) {
    let rules = RuleSet::builtin().expect("built-in rules");
    let examples: Vec<&str> = rules
        .rules()
        .iter()
        .flat_map(|r| r.spec.examples.iter().map(String::as_str))
        .collect();
    let mut rng = corpus::Rng::new(42);
    let (mut written, mut files) = (0usize, 0usize);
    let mut text = String::new();
    while written < 32 << 20 || files < examples.len() * 3 {
        let kind = corpus::Kind::draw(&mut rng);
        text.clear();
        corpus::generate(kind, kind.size(&mut rng).min(64 << 10), &mut rng, &mut text);
        text.push('\n');
        text.push_str(examples[files % examples.len()]);
        text.push('\n');
        let path = dir.join(format!(
            "d{:03}/f{files:06}.{}",
            files / 200,
            kind.extension()
        ));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &text).unwrap();
        written += text.len();
        files += 1;
    }
}

fn bench(c: &mut Criterion) {
    let tmp = tempfile::tempdir().unwrap();
    let root = match std::env::var_os("SPRAWL_CORPUS") {
        Some(p) => PathBuf::from(p),
        None => {
            dense_tree(tmp.path());
            tmp.path().to_path_buf()
        }
    };
    let engine = Engine::new(RuleSet::builtin().expect("built-in rules"));
    let mut config = ScanConfig::new(vec![root]);
    config.walk.threads = 2;
    let diag = Diagnostics::quiet();
    let first = scan::run(&engine, &config, &diag);
    eprintln!(
        "claims bench: {} files, {:.1} MB, {} findings, {} distinct",
        first.summary.files,
        first.summary.bytes as f64 / 1e6,
        first.summary.findings,
        first.summary.distinct_secrets
    );
    let mut fresh = first.findings.clone();
    for f in &mut fresh {
        f.claims = None;
        f.lifecycle.clear();
    }
    let policy = Policy::default();
    let now = OffsetDateTime::now_utc();
    let mut group = c.benchmark_group("claims");
    group.sample_size(10);
    group.bench_function("scan", |b| {
        b.iter(|| scan::run(&engine, &config, &diag).findings.len())
    });
    group.bench_function("assess", |b| {
        b.iter_batched_ref(
            || fresh.clone(),
            |findings| audit::assess(findings, &policy, now),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
