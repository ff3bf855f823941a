//! Embeds every `rules/*.toml` file in the binary.
//!
//! A generated list of `include_str!` calls (rather than a directory macro) so
//! that adding a rule file re-runs the build: cargo watches the directory.

use std::{env, fs, path::Path};

fn main() {
    println!("cargo:rerun-if-changed=rules");
    // Read at run time: a build script compiled in another checkout (a
    // copied target/ dir) must still embed this checkout's rules.
    let manifest = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&manifest).join("rules");
    let mut files: Vec<_> = fs::read_dir(&dir)
        .expect("rules/ exists")
        .map(|e| e.expect("readable rules/ entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    let mut out = String::from("/// Built-in rule and policy files: (file name, contents).\npub static EMBEDDED: &[(&str, &str)] = &[\n");
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy();
        out += &format!(
            "    ({name:?}, include_str!({:?})),\n",
            f.display().to_string()
        );
    }
    out += "];\n";
    let dest = Path::new(&env::var("OUT_DIR").unwrap()).join("embedded_rules.rs");
    fs::write(dest, out).expect("write embedded_rules.rs");
}
