//! The `arazzo-codegen` command on the generator's own fixtures: exit codes, and the same
//! rendered diagnostics as the library (`arazzo-codegen/tests/diagnostics.rs` checks those
//! against `tests/bad/*.stderr`). Runs from `arazzo-codegen/`, where the fixtures' paths and
//! the expected files' paths are relative.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The generator crate's directory, where its fixtures live.
fn codegen_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../arazzo-codegen")
}

/// `tests/bad/<name>.stderr` for `tests/bad/<name>.arazzo.yml`.
fn expected_path(fixture: &Path) -> PathBuf {
    let name = fixture
        .file_name()
        .and_then(|f| f.to_str())
        .unwrap_or_default();
    let stem = name
        .strip_suffix(".arazzo.yml")
        .or_else(|| name.strip_suffix(".arazzo.json"))
        .unwrap_or(name);
    codegen_dir()
        .join("tests/bad")
        .join(format!("{stem}.stderr"))
}

/// Runs the command from the generator crate's directory.
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

#[test]
fn cli_check_exits_1_and_prints_the_same_diagnostics() {
    let fixtures = [
        "tests/bad/unknown-input.arazzo.yml",
        "tests/bad/several-errors.arazzo.yml",
    ];
    let (code, stdout, stderr) = cli(&["check", fixtures[0], fixtures[1]]);
    assert_eq!(code, 1, "stderr:\n{stderr}");
    assert_eq!(stdout, "");
    let expected: String = fixtures
        .iter()
        .map(|f| std::fs::read_to_string(expected_path(Path::new(f))).unwrap())
        .collect();
    assert_eq!(stderr, expected);
}

#[test]
fn cli_check_strict_turns_the_warning_into_an_error() {
    let fixture = "tests/bad/strict-unbraced.arazzo.yml";
    let (code, _, stderr) = cli(&["check", "--strict", fixture]);
    assert_eq!(code, 1, "stderr:\n{stderr}");
    let expected = std::fs::read_to_string(expected_path(Path::new(fixture))).unwrap();
    assert_eq!(stderr, expected);
    let (code, _, stderr) = cli(&["check", fixture]);
    assert_eq!(code, 0, "without --strict it is a warning:\n{stderr}");
    assert!(
        stderr.contains("warning[arazzo::unbraced-expression]"),
        "{stderr}"
    );
}

#[test]
fn cli_check_accepts_the_users_document() {
    let document = "../specs/arazzo/generate-token-then-broadcast.arazzo.yml";
    let (code, stdout, stderr) = cli(&["check", document]);
    assert_eq!(code, 0, "stderr:\n{stderr}");
    assert_eq!(stdout, "");
    assert!(stderr.ends_with(&format!("ok: {document}\n")), "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
}

#[test]
fn cli_check_map_follows_the_help_of_the_remote_url_diagnostic() {
    let fixture = "tests/bad/source-https-url.arazzo.yml";
    let local = "../specs/openapi/microsoft-azure-web-pubsub-openapi.yml";
    let map = format!("https://example.com/openapi/web-pubsub.yml={local}");
    let (code, _, stderr) = cli(&["check", "--map", &map, fixture]);
    assert_eq!(code, 0, "stderr:\n{stderr}");
    assert_eq!(stderr, format!("ok: {fixture}\n"));

    let (code, _, stderr) = cli(&[
        "check",
        "--map",
        "https://example.com/openapi/=../specs/openapi/",
        fixture,
    ]);
    assert_eq!(code, 1, "the mapped file does not exist:\n{stderr}");
    assert!(
        stderr.contains("resolved to `../specs/openapi/web-pubsub.yml`")
            && stderr.contains(
                "= note: `https://example.com/openapi/` is mapped to `../specs/openapi/`"
            ),
        "{stderr}"
    );
}
