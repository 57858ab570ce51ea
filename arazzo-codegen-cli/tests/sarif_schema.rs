//! `check --format sarif` output against the official SARIF 2.1.0 JSON schema.
//!
//! The schema is not vendored: `scripts/fetch-sarif-schema.sh` puts it in
//! `target/sarif-schema/` (or point `SARIF_SCHEMA` at a copy). Ignored by default, so a
//! checkout without it reports the test as ignored rather than passed; `.ci/run` fetches the
//! schema and runs it with `--ignored`, where a missing schema fails.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn schema_path() -> PathBuf {
    std::env::var_os("SARIF_SCHEMA").map_or_else(
        || {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../target/sarif-schema/sarif-2.1.0-rtm.5.json")
        },
        PathBuf::from,
    )
}

fn sarif(args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_arazzo-codegen"))
        .args(["check", "--format", "sarif"])
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../arazzo-codegen"))
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
#[ignore = "needs the SARIF 2.1.0 schema: run arazzo-codegen-cli/scripts/fetch-sarif-schema.sh, then --ignored"]
fn sarif_output_is_valid_against_the_sarif_2_1_0_schema() {
    let path = schema_path();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "no SARIF schema at {} ({e}): run arazzo-codegen-cli/scripts/fetch-sarif-schema.sh",
            path.display()
        )
    });
    let mut schema: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-04/schema#");
    // The one pattern of the official schema that only ECMAScript reads (on `run.language`
    // and `toolComponent.language`, which this log does not write): its stray `]` is a
    // literal there, an error for Rust's regex. Escaping it keeps ECMAScript's meaning.
    let patched = patch_patterns(
        &mut schema,
        "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$",
        "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\\]?$",
    );
    assert_eq!(
        patched, 2,
        "the schema is not the one this test was written for"
    );
    let validator = jsonschema::draft4::new(&schema).unwrap();
    // Errors, warnings, secondary labels (related locations), a denied warning, a document
    // that cannot be read (no location), and a clean run with no results.
    let logs = [
        sarif(&[
            "tests/bad/several-errors.arazzo.yml",
            "tests/bad/duplicate-step-id.arazzo.yml",
            "--deny",
            "unbraced-expression",
        ]),
        sarif(&["tests/bad/no-such-file.arazzo.yml"]),
        sarif(&[
            "--allow",
            "unbraced-expression",
            "../specs/arazzo/generate-token-then-broadcast.arazzo.yml",
        ]),
    ];
    for log in &logs {
        let errors: Vec<String> = validator
            .iter_errors(log)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}\n{log:#}", errors.join("\n"));
    }
    assert!(!logs[0]["runs"][0]["results"].as_array().unwrap().is_empty());
    assert_eq!(logs[1]["runs"][0]["results"][0]["ruleId"], "cannot-read");
    assert_eq!(logs[2]["runs"][0]["results"], serde_json::json!([]));
    // The validator is not vacuous: a result without its message is refused.
    let mut broken = logs[0].clone();
    broken["runs"][0]["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("message");
    assert!(!validator.is_valid(&broken));
}

/// Replaces every `pattern` equal to `from` with `to`; returns how many.
fn patch_patterns(value: &mut Value, from: &str, to: &str) -> usize {
    match value {
        Value::Object(map) => map
            .iter_mut()
            .map(|(key, v)| {
                if key == "pattern" && v == from {
                    *v = to.into();
                    1
                } else {
                    patch_patterns(v, from, to)
                }
            })
            .sum(),
        Value::Array(items) => items.iter_mut().map(|v| patch_patterns(v, from, to)).sum(),
        _ => 0,
    }
}
