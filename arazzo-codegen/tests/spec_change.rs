//! The spec-change fixture set (issue #9): one workflow, `tests/spec_change/flow.arazzo.yml`,
//! checked against its OpenAPI as written (`openapi/base.yml`) and against each edit a provider
//! makes to an API (`openapi/<change>.yml`). The build must tell the user what broke: every
//! change gives its diagnostic, and the rendered diagnostics equal
//! `tests/spec_change/expected/<change>.txt` byte for byte (`ok` when there are none).
//!
//! Regenerate the expected files with `BLESS=1 cargo test -p arazzo-codegen --test spec_change`,
//! then review every changed file by eye.

use std::path::Path;

use arazzo_codegen::Generator;

#[path = "support/expected.rs"]
mod expected;

const DIR: &str = "tests/spec_change";

/// Each OpenAPI variant and the code of the first diagnostic it must give (`None`: none).
const CHANGES: &[(&str, Option<&str>)] = &[
    ("base", None),
    ("rename-property", Some("undeclared-property")),
    ("change-type", Some("type-mismatch")),
    ("drop-status", Some("undocumented-status")),
    ("required-parameter", Some("missing-parameter")),
    ("remove-operation", Some("unknown-operation")),
];

/// The workflow checked against `openapi/<change>.yml` (mapped from the `shop.openapi.yml` it
/// names): the first diagnostic's code and everything rendered.
fn check(change: &str) -> (Option<&'static str>, String) {
    let openapi = format!("{DIR}/openapi/{change}.yml");
    let result = Generator::new()
        .map("shop.openapi.yml", openapi)
        .check(&Path::new(DIR).join("flow.arazzo.yml"));
    match result {
        Ok(checked) => {
            let first = checked.diagnostics.first().map(|d| d.code);
            let text = if checked.warnings.is_empty() {
                "ok\n".to_owned()
            } else {
                checked.warnings.join("\n")
            };
            (first, text)
        }
        Err(failure) => (
            failure.diagnostics.first().map(|d| d.code),
            failure.rendered,
        ),
    }
}

#[test]
fn every_spec_change_reports_what_broke() {
    let mut problems = Vec::new();
    for (change, code) in CHANGES {
        let (first, actual) = check(change);
        if first != *code {
            problems.push(format!(
                "{change}: first diagnostic {first:?}, wanted {code:?}\n{actual}"
            ));
        }
        let expected_file = Path::new(DIR)
            .join("expected")
            .join(format!("{change}.txt"));
        if let Err(problem) = expected::compare(&expected_file, &actual) {
            problems.push(format!("{change}: {problem}"));
        }
    }
    assert!(
        problems.is_empty(),
        "BLESS=1 rewrites the expected files; review them:\n\n{}",
        problems.join("\n\n")
    );
}

#[test]
fn every_variant_is_tested() {
    for entry in std::fs::read_dir(Path::new(DIR).join("openapi")).unwrap() {
        let path = entry.unwrap().path();
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        assert!(
            CHANGES.iter().any(|(c, _)| *c == stem),
            "{} is not in CHANGES",
            path.display()
        );
    }
}
