//! One module per file in `golden/`: the module list is the folder, so adding a golden file is
//! all it takes to compile it (and `tests/golden.rs` to compare it). With `BLESS` set the
//! modules are left out, so that `BLESS=1 cargo test -p arazzo-golden --test golden` can
//! rewrite golden files that no longer compile against a changed runtime.

use std::path::Path;
use std::{env, fs};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = Path::new(&env::var("CARGO_MANIFEST_DIR")?).join("golden");
    println!("cargo::rerun-if-changed={}", dir.display());
    println!("cargo::rerun-if-env-changed=BLESS");
    let bless = env::var_os("BLESS").is_some();
    let mut names: Vec<String> = fs::read_dir(&dir)?
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".rs").map(str::to_owned)
        })
        .collect();
    names.sort();
    let mut out = String::new();
    for name in names.iter().filter(|_| !bless) {
        let path = dir.join(format!("{name}.rs"));
        out.push_str(&format!(
            "/// The code generated into `golden/{name}.rs`.\npub mod {name} {{\n    include!({:?});\n}}\n",
            path.display().to_string()
        ));
    }
    fs::write(Path::new(&env::var("OUT_DIR")?).join("goldens.rs"), out)?;
    Ok(())
}
