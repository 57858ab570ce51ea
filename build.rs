//! Checks every Arazzo document under `specs/`, so `cargo build` at the root fails, with
//! rustc-style diagnostics, on any mistake in any spec (crates generate their own code).

use std::path::{Path, PathBuf};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo::rerun-if-changed=specs");
    let mut documents = Vec::new();
    collect(Path::new("specs"), &mut documents)?;
    documents.sort();
    arazzo_codegen::Builder::new()
        // As in pubsub-flows: the user's document is kept verbatim, unbraced `Bearer
        // $inputs.accessToken` and all, and is read as braced.
        .allow("unbraced-expression")
        .check(&documents)?;
    Ok(())
}

/// Every `*.arazzo.yml` / `.yaml` / `.json` below `dir`.
fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else if path.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
            [".arazzo.yml", ".arazzo.yaml", ".arazzo.json"]
                .iter()
                .any(|s| n.ends_with(s))
        }) {
            out.push(path);
        }
    }
    Ok(())
}
