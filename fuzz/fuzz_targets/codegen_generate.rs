//! The whole generator, as build scripts run it: the bytes as an Arazzo document beside the
//! test fixtures' OpenAPI and AsyncAPI descriptions (`arazzo-codegen/tests/features`, which
//! are also the seeds), loaded, checked and emitted through `Generator::generate`. It must
//! return, and never with an `internal` diagnostic (the generator's own bug: a link it did not
//! load, or emitted code that does not parse).
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use arazzo_codegen::Generator;

/// The fixtures live in the repository; each fuzzing process copies them to a directory of
/// its own (the repository is never written), where the input is written as a document. The
/// directory (about 100 kB) is left behind: libFuzzer has no hook at exit.
fn workdir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let fixtures =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../arazzo-codegen/tests/features");
        let dir = std::env::temp_dir().join(format!("arazzo-fuzz-generate-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a fuzzing work directory");
        for entry in std::fs::read_dir(&fixtures).expect("arazzo-codegen/tests/features") {
            let path = entry.expect("a fixture").path();
            if path.is_file()
                && let Some(name) = path.file_name()
            {
                std::fs::copy(&path, dir.join(name)).expect("a copied fixture");
            }
        }
        dir
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let doc = workdir().join("input.arazzo.yml");
    std::fs::write(&doc, data).expect("the input written");
    if let Err(failure) = Generator::new().generate(&doc) {
        assert!(
            failure.diagnostics.iter().all(|d| d.code != "internal"),
            "{failure}"
        );
    }
});
