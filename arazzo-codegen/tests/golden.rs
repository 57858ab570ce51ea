//! Golden files: the code generated for each document in `tests/golden/`, byte for byte.
//! Regenerate with `BLESS=1 cargo test -p arazzo-codegen --test golden` and review the diff.
//! `tests/compile_golden.rs` compiles every golden file with `#![deny(warnings)]`.

use std::path::Path;

use arazzo_codegen::Generator;

/// (Arazzo document, golden file), paths relative to this crate.
const CASES: &[(&str, &str)] = &[(
    "../specs/arazzo/generate-token-then-broadcast.arazzo.yml",
    "tests/golden/generate_token_then_broadcast.rs",
)];

#[test]
fn generated_code_matches_the_golden_files() {
    let bless = std::env::var_os("BLESS").is_some();
    let mut stale = Vec::new();
    for (document, golden) in CASES {
        let generated = match Generator::new().generate(Path::new(document)) {
            Ok(g) => g.code,
            Err(failure) => panic!("{document} failed to generate:\n{failure}"),
        };
        if bless {
            std::fs::write(golden, &generated).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(golden).unwrap_or_default();
        if expected != generated {
            stale.push(*golden);
        }
    }
    assert!(
        stale.is_empty(),
        "generated code differs from {stale:?}; run with BLESS=1 and review the diff"
    );
}

#[test]
fn generation_is_deterministic() {
    for (document, _) in CASES {
        let once = Generator::new().generate(Path::new(document)).unwrap().code;
        let twice = Generator::new().generate(Path::new(document)).unwrap().code;
        assert_eq!(
            once, twice,
            "{document} generated different bytes on a second run"
        );
    }
}
