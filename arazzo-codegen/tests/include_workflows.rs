//! `arazzo_runtime::include_workflows!` with a name the builder did not generate: a compile
//! error that lists the names it did, from the index `Builder::compile` writes beside them
//! (rustc alone would only say it could not read `$OUT_DIR/<name>.rs`). trybuild compiles the
//! crates against the real runtime, with `OUT_DIR` pointing at what the builder wrote.

use std::path::Path;

use arazzo_codegen::Builder;

#[test]
fn an_unknown_name_lists_the_generated_ones_and_a_known_one_compiles() {
    // Shaped like cargo's `build/<crate>-<hash>/out`, which trybuild writes as `$OUT_DIR[..]`
    // in the expected output, so it does not depend on where the repository is.
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("include-workflows-0000000000000000/out");
    std::fs::create_dir_all(&out).unwrap();
    Builder::new()
        .out_dir(&out)
        .compile(&[
            "tests/features/parameters.arazzo.yml",
            "tests/features/inputs.arazzo.yml",
        ])
        .unwrap();
    let index = std::fs::read_to_string(out.join("arazzo-codegen-modules.rs")).unwrap();
    assert!(
        index.contains(r#"($runtime:tt, "inputs") => {};"#)
            && index.contains(r#"($runtime:tt, "parameters") => {};"#),
        "{index}"
    );
    // The crates read `OUT_DIR` when they compile: this test runs itself again with it set
    // (setting it here would need `unsafe`, which the workspace forbids).
    if std::env::var_os("OUT_DIR").is_none() {
        let status = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "an_unknown_name_lists_the_generated_ones_and_a_known_one_compiles",
            ])
            .env("OUT_DIR", &out)
            .status()
            .unwrap();
        assert!(status.success(), "the trybuild run failed (output above)");
        return;
    }
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/include_workflows_known.rs");
    cases.compile_fail("tests/ui/include_workflows_unknown.rs");
}
