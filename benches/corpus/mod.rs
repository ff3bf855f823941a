//! A reproducible generator of realistic scan input: source code, configs,
//! logs, minified JavaScript and lockfiles, with rule examples planted in a
//! small fraction of files. Shared by `benches/matcher.rs` and
//! `examples/gen_corpus.rs` (which writes a tree to disk).
#![allow(dead_code)]

use std::fmt::Write as _;

/// A small, fast, seeded PRNG (xorshift64*): the same seed gives the same corpus.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const WORDS: &[&str] = &[
    "account",
    "request",
    "response",
    "handler",
    "config",
    "value",
    "result",
    "error",
    "index",
    "buffer",
    "client",
    "server",
    "session",
    "user",
    "order",
    "payment",
    "invoice",
    "ledger",
    "cache",
    "queue",
    "worker",
    "event",
    "stream",
    "record",
    "schema",
    "table",
    "column",
    "filter",
    "update",
    "delete",
    "create",
    "parse",
    "render",
    "total_count",
    "timeout",
    "retry",
    "status",
    "message",
    "context",
    "logger",
    "metrics",
    "module",
    "package",
    "version",
    "build",
    "deploy",
    "region",
    "bucket",
    "object",
    "payload",
    "header",
    "router",
    "service",
];

fn ident(r: &mut Rng) -> String {
    let a = r.pick(WORDS);
    let b = r.pick(WORDS);
    match r.below(3) {
        0 => format!("{a}_{b}"),
        1 => {
            let mut s = a.to_string();
            s.push_str(&b[..1].to_uppercase());
            s.push_str(&b[1..]);
            s
        }
        _ => a.to_string(),
    }
}

fn hex(r: &mut Rng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b"0123456789abcdef"[r.below(16)]))
        .collect()
}

/// Kinds of generated file.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    Rust,
    Python,
    JavaScript,
    Go,
    Yaml,
    Json,
    Log,
    MinifiedJs,
    PackageLock,
    CargoLock,
}

impl Kind {
    pub fn extension(self) -> &'static str {
        match self {
            Kind::Rust => "rs",
            Kind::Python => "py",
            Kind::JavaScript => "js",
            Kind::Go => "go",
            Kind::Yaml => "yaml",
            Kind::Json => "json",
            Kind::Log => "log",
            Kind::MinifiedJs => "min.js",
            Kind::PackageLock => "package-lock.json",
            Kind::CargoLock => "Cargo.lock",
        }
    }

    /// A kind drawn with weights resembling a polyglot monorepo.
    pub fn draw(r: &mut Rng) -> Kind {
        match r.below(100) {
            0..=14 => Kind::Rust,
            15..=29 => Kind::Python,
            30..=44 => Kind::JavaScript,
            45..=54 => Kind::Go,
            55..=62 => Kind::Yaml,
            63..=70 => Kind::Json,
            71..=82 => Kind::Log,
            83..=90 => Kind::MinifiedJs,
            91..=95 => Kind::PackageLock,
            _ => Kind::CargoLock,
        }
    }

    /// A typical size for the kind.
    pub fn size(self, r: &mut Rng) -> usize {
        match self {
            Kind::Log => 64 * 1024 + r.below(1 << 20),
            Kind::MinifiedJs => 32 * 1024 + r.below(256 * 1024),
            Kind::PackageLock | Kind::CargoLock => 16 * 1024 + r.below(256 * 1024),
            _ => 1024 + r.below(24 * 1024),
        }
    }
}

/// Appends about `size` bytes of `kind` text to `out`.
pub fn generate(kind: Kind, size: usize, r: &mut Rng, out: &mut String) {
    let end = out.len() + size;
    while out.len() < end {
        let (a, b, c) = (ident(r), ident(r), ident(r));
        let n = r.below(10_000);
        let _ = match kind {
            Kind::Rust => writeln!(out, "    let {a} = {b}.{c}(&{a}, {n})?; // {b} {c}"),
            Kind::Python => writeln!(out, "    {a} = self.{b}.get(\"{c}\", {n})  # {b}"),
            Kind::JavaScript => writeln!(out, "  const {a} = await {b}.{c}({{ id: {n}, name: '{c}' }});"),
            Kind::Go => writeln!(out, "\t{a}, err := {b}.{c}(ctx, {n})\n\tif err != nil {{ return nil, err }}"),
            Kind::Yaml => writeln!(out, "  {a}:\n    {b}: \"{c}-{n}\"\n    enabled: true"),
            Kind::Json => writeln!(out, "  \"{a}\": {{\"{b}\": \"{c}\", \"count\": {n}}},"),
            Kind::Log => writeln!(
                out,
                "2026-11-0{}T12:{:02}:{:02}Z INFO  {a} {b} request_id={} duration_ms={n} status=200 uri=/v1/{c}",
                1 + r.below(9),
                r.below(60),
                r.below(60),
                hex(r, 16)
            ),
            Kind::MinifiedJs => write!(out, "function {a}(e,t){{return e.{b}?t.{c}({n}):e}}var {b}=\"{c}\";"),
            Kind::PackageLock => writeln!(
                out,
                "    \"node_modules/{a}\": {{\n      \"version\": \"{}.{}.{}\",\n      \"resolved\": \"https://registry.npmjs.org/{a}/-/{a}-1.0.{n}.tgz\",\n      \"integrity\": \"sha512-{}\"\n    }},",
                r.below(9), r.below(20), r.below(50), hex(r, 86)
            ),
            Kind::CargoLock => writeln!(
                out,
                "[[package]]\nname = \"{a}\"\nversion = \"0.{}.{}\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"{}\"\n",
                r.below(20), r.below(30), hex(r, 64)
            ),
        };
    }
}
