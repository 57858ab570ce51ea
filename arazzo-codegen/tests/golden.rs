//! Golden files: the code generated for each document in `tests/golden/`, byte for byte.
//! Regenerate with `BLESS=1 cargo test -p arazzo-codegen --test golden` and review the diff.
//! `tests/compile_golden.rs` compiles every golden file with `#![deny(warnings)]`.

use std::path::Path;

use arazzo_codegen::Generator;

/// (Arazzo document, golden file), paths relative to this crate.
const CASES: &[(&str, &str)] = &[
    (
        "../specs/arazzo/generate-token-then-broadcast.arazzo.yml",
        "tests/golden/generate_token_then_broadcast.rs",
    ),
    // Feature fixtures: one small API each; `tests/features_e2e.rs` runs them against a server.
    (
        "tests/features/json-body.arazzo.yml",
        "tests/golden/features_json_body.rs",
    ),
    (
        "tests/features/form-body.arazzo.yml",
        "tests/golden/features_form_body.rs",
    ),
    (
        "tests/features/parameters.arazzo.yml",
        "tests/golden/features_parameters.rs",
    ),
    (
        "tests/features/operation-path.arazzo.yml",
        "tests/golden/features_operation_path.rs",
    ),
    (
        "tests/features/two-sources.arazzo.yml",
        "tests/golden/features_two_sources.rs",
    ),
    (
        "tests/features/openapi-versions.arazzo.yml",
        "tests/golden/features_openapi_versions.rs",
    ),
    (
        "tests/features/conditions.arazzo.yml",
        "tests/golden/features_conditions.rs",
    ),
    (
        "tests/features/inputs.arazzo.yml",
        "tests/golden/features_inputs.rs",
    ),
    (
        "tests/features/edge-cases.arazzo.yml",
        "tests/golden/features_edge_cases.rs",
    ),
    (
        "tests/features/query-styles.arazzo.yml",
        "tests/golden/features_query_styles.rs",
    ),
    (
        "tests/features/refs.arazzo.yml",
        "tests/golden/features_refs.rs",
    ),
    (
        "tests/features/methods.arazzo.yml",
        "tests/golden/features_methods.rs",
    ),
    (
        "tests/features/criteria-kinds.arazzo.yml",
        "tests/golden/features_criteria_kinds.rs",
    ),
    // Flow fixtures: actions, sub-workflows, criteria; `tests/flows_e2e.rs` runs them.
    (
        "tests/flows/actions.arazzo.yml",
        "tests/golden/flows_actions.rs",
    ),
    (
        "tests/flows/subflows.arazzo.yml",
        "tests/golden/flows_subflows.rs",
    ),
    (
        "tests/flows/criteria.arazzo.yml",
        "tests/golden/flows_criteria.rs",
    ),
    (
        "tests/flows/pet-adoption.arazzo.yml",
        "tests/golden/flows_pet_adoption.rs",
    ),
    (
        "tests/flows/loan-checkout.arazzo.yml",
        "tests/golden/flows_loan_checkout.rs",
    ),
    (
        "tests/flows/train-booking.arazzo.yml",
        "tests/golden/flows_train_booking.rs",
    ),
    (
        "tests/features/request-styles.arazzo.yml",
        "tests/golden/request_styles.rs",
    ),
    (
        "tests/features/request-auth.arazzo.yml",
        "tests/golden/request_auth.rs",
    ),
    (
        "tests/features/request-bodies.arazzo.yml",
        "tests/golden/request_bodies.rs",
    ),
];

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
