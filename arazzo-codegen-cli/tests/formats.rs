//! `--format json` and `--format sarif` on the generator's fixtures: every field of a
//! diagnostic reaches the output, with its location. The SARIF log is validated against the
//! official schema in `tests/sarif_schema.rs`.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn codegen_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../arazzo-codegen")
}

fn cli(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_arazzo-codegen"))
        .args(args)
        .current_dir(codegen_dir())
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn json_lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn json_prints_one_object_per_diagnostic_with_its_location() {
    let fixture = "tests/bad/several-errors.arazzo.yml";
    let (code, stdout, stderr) = cli(&["check", "--format", "json", fixture]);
    assert_eq!(code, 1);
    assert_eq!(
        stderr, "",
        "machine formats keep stderr for failures to run"
    );
    let lines = json_lines(&stdout);
    // The .stderr fixture shows 5 errors and 1 warning.
    assert_eq!(lines.len(), 6, "{stdout}");
    let unknown = lines.iter().find(|d| d["code"] == "unknown-input").unwrap();
    assert_eq!(
        unknown,
        &serde_json::json!({
            "document": fixture,
            "code": "unknown-input",
            "severity": "error",
            "message": "`$inputs.hubb` is not declared in the workflow's inputs",
            "location": {"path": fixture, "line": 67, "column": 20, "end_line": 67, "end_column": 32},
            "label": "not an input of this workflow",
            "secondary": [],
            "help": "did you mean `$inputs.hub`?",
            "notes": [],
        })
    );
    let warning = lines
        .iter()
        .find(|d| d["code"] == "unbraced-expression")
        .unwrap();
    assert_eq!(warning["severity"], "warning");
}

#[test]
fn json_carries_secondary_labels_and_notes() {
    let fixture = "tests/bad/duplicate-step-id.arazzo.yml";
    let (code, stdout, _) = cli(&["check", "--format", "json", fixture]);
    assert_eq!(code, 1);
    let lines = json_lines(&stdout);
    let with_secondary = lines
        .iter()
        .find(|d| d["secondary"].as_array().is_some_and(|s| !s.is_empty()))
        .unwrap_or_else(|| panic!("no secondary label in {stdout}"));
    let label = &with_secondary["secondary"][0];
    assert_eq!(label["location"]["path"], fixture);
    assert!(label["location"]["line"].as_u64().unwrap() >= 1);
    assert!(label["text"].as_str().is_some_and(|t| !t.is_empty()));

    let (_, stdout, _) = cli(&[
        "check",
        "--format",
        "json",
        "--deny",
        "unbraced-expression",
        "tests/bad/strict-unbraced.arazzo.yml",
    ]);
    let denied = &json_lines(&stdout)[0];
    assert_eq!(denied["severity"], "error");
    assert_eq!(
        denied["notes"][0],
        "`unbraced-expression` is denied by this build's settings"
    );
}

#[test]
fn json_of_a_clean_check_is_empty_and_exits_0() {
    let (code, stdout, stderr) = cli(&[
        "check",
        "--format",
        "json",
        "--allow",
        "unbraced-expression",
        "../specs/arazzo/generate-token-then-broadcast.arazzo.yml",
    ]);
    assert_eq!((code, stdout.as_str(), stderr.as_str()), (0, "", ""));
}

/// The SARIF log `check --format sarif` prints for `fixtures`.
fn sarif(fixtures: &[&str]) -> (i32, Value) {
    let mut args = vec!["check", "--format", "sarif"];
    args.extend_from_slice(fixtures);
    let (code, stdout, _) = cli(&args);
    (code, serde_json::from_str(&stdout).unwrap())
}

#[test]
fn sarif_has_the_fields_code_scanning_reads() {
    let (code, log) = sarif(&[
        "tests/bad/several-errors.arazzo.yml",
        "tests/bad/duplicate-step-id.arazzo.yml",
    ]);
    assert_eq!(code, 1);
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "arazzo-codegen");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert!(
        driver["informationUri"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    let rules = driver["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    assert!(results.len() >= 7, "{results:?}");
    for result in results {
        let rule = &rules[result["ruleIndex"].as_u64().unwrap() as usize];
        assert_eq!(rule["id"], result["ruleId"]);
        assert!(rule["shortDescription"]["text"].is_string());
        assert!(rule["helpUri"].as_str().unwrap().starts_with("https://"));
        assert!(matches!(
            result["level"].as_str(),
            Some("error" | "warning")
        ));
        let location = &result["locations"][0]["physicalLocation"];
        let uri = location["artifactLocation"]["uri"].as_str().unwrap();
        assert!(uri.starts_with("tests/bad/"), "relative: {uri}");
        assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        let region = &location["region"];
        for key in ["startLine", "startColumn", "endLine", "endColumn"] {
            assert!(region[key].as_u64().unwrap() >= 1, "{key} in {region}");
        }
    }
    // Every code reported has exactly one rule.
    let mut ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    ids.dedup();
    assert_eq!(ids.len(), rules.len());
    let unknown = results
        .iter()
        .find(|r| r["ruleId"] == "unknown-input")
        .unwrap();
    assert_eq!(
        unknown["locations"][0]["physicalLocation"]["region"],
        serde_json::json!({"startLine": 67, "startColumn": 20, "endLine": 67, "endColumn": 32})
    );
    assert!(
        unknown["message"]["text"]
            .as_str()
            .unwrap()
            .ends_with("\nhelp: did you mean `$inputs.hub`?")
    );
    let related = results
        .iter()
        .find(|r| r.get("relatedLocations").is_some())
        .expect("duplicate-step-id's secondary label is a related location");
    assert!(related["relatedLocations"][0]["message"]["text"].is_string());
    assert!(
        run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
            .as_str()
            .unwrap()
            .starts_with("file:///")
    );
}

#[test]
fn generate_with_a_machine_format_needs_an_output_file() {
    let fixture = "../specs/arazzo/generate-token-then-broadcast.arazzo.yml";
    let (code, _, stderr) = cli(&["generate", "--format", "json", fixture]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--output"), "{stderr}");
    let out = std::env::temp_dir().join(format!("formats-gen-{}.rs", std::process::id()));
    let (code, stdout, _) = cli(&[
        "generate",
        "--format",
        "json",
        fixture,
        "-o",
        out.to_str().unwrap(),
    ]);
    let written = std::fs::read_to_string(&out).unwrap();
    std::fs::remove_file(&out).unwrap();
    assert_eq!(code, 0);
    assert!(written.contains("pub fn generate_token_then_broadcast("));
    assert_eq!(json_lines(&stdout).len(), 2, "its two unbraced expressions");
}
