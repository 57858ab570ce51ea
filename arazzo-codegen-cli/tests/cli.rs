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
        .map(|f| checked(&std::fs::read_to_string(expected_path(Path::new(f))).unwrap()))
        .collect();
    assert_eq!(stderr, expected);
}

/// A fixture's expected text (rendered by `generate`) as `check` ends it.
fn checked(generated: &str) -> String {
    generated.replace("error: could not generate `", "error: check failed for `")
}

#[test]
fn cli_check_strict_turns_the_warning_into_an_error() {
    let fixture = "tests/bad/strict-unbraced.arazzo.yml";
    let (code, _, stderr) = cli(&["check", "--strict", fixture]);
    assert_eq!(code, 1, "stderr:\n{stderr}");
    let expected = checked(&std::fs::read_to_string(expected_path(Path::new(fixture))).unwrap());
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
    assert!(
        stderr.ends_with(&format!(
            "ok: {document}\nok: 1 document checked, 2 warnings\n"
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("error"), "{stderr}");
}

#[test]
fn cli_check_map_follows_the_help_of_the_remote_url_diagnostic() {
    let fixture = "tests/bad/source-https-url.arazzo.yml";
    let local = "../specs/openapi/microsoft-azure-web-pubsub-openapi.yml";
    let map = format!("https://example.com/openapi/web-pubsub.yml={local}");
    let (code, _, stderr) = cli(&["check", "--map", &map, fixture]);
    assert_eq!(code, 0, "stderr:\n{stderr}");
    assert_eq!(
        stderr,
        format!("ok: {fixture}\nok: 1 document checked, 0 warnings\n")
    );

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

#[test]
fn cli_check_allow_silences_a_code_and_deny_makes_it_an_error() {
    let fixture = "tests/bad/strict-unbraced.arazzo.yml";
    let (code, _, stderr) = cli(&["check", "--allow", "unbraced-expression", fixture]);
    assert_eq!(code, 0, "stderr:\n{stderr}");
    assert_eq!(
        stderr,
        format!("ok: {fixture}\nok: 1 document checked, 0 warnings\n")
    );
    let (code, _, stderr) = cli(&["check", "--deny", "unbraced-expression", fixture]);
    assert_eq!(code, 1, "stderr:\n{stderr}");
    assert!(
        stderr.starts_with("error[arazzo::unbraced-expression]")
            && stderr.contains("= note: `unbraced-expression` is denied by this build's settings"),
        "{stderr}"
    );
    let (code, _, stderr) = cli(&["check", "--allow", "unbraced-expresion", fixture]);
    assert_eq!(code, 1, "stderr:\n{stderr}");
    assert!(
        stderr.contains("error[arazzo::invalid-option]")
            && stderr.contains("did you mean `unbraced-expression`?"),
        "{stderr}"
    );
}

#[test]
fn cli_check_summary_counts_documents_and_warnings() {
    let (code, _, stderr) = cli(&[
        "check",
        "tests/bad/strict-unbraced.arazzo.yml",
        "../specs/arazzo/generate-token-then-broadcast.arazzo.yml",
    ]);
    assert_eq!(code, 0, "stderr:\n{stderr}");
    assert!(
        stderr.ends_with("ok: 2 documents checked, 3 warnings\n"),
        "{stderr}"
    );
    // No summary when a document fails: its own trailer says what went wrong.
    let (code, _, stderr) = cli(&["check", "tests/bad/unknown-input.arazzo.yml"]);
    assert_eq!(code, 1);
    assert!(!stderr.contains("checked,"), "{stderr}");
}

#[test]
fn cli_colour_is_off_into_a_pipe_and_always_paints_the_same_text() {
    let fixture = "tests/bad/several-errors.arazzo.yml";
    let (_, _, plain) = cli(&["check", fixture]);
    let (_, _, never) = cli(&["check", "--color", "never", fixture]);
    assert_eq!(plain, never);
    assert!(!plain.contains('\u{1b}'));
    let (code, _, painted) = cli(&["check", "--color", "always", fixture]);
    assert_eq!(code, 1);
    assert!(
        painted.contains("\u{1b}[1m\u{1b}[91merror[arazzo::unsupported-version]"),
        "{painted}"
    );
    assert_eq!(anstream::adapter::strip_str(&painted).to_string(), plain);
    // NO_COLOR is honoured under `auto` (here also a pipe, so this shows it does no harm).
    let out = Command::new(env!("CARGO_BIN_EXE_arazzo-codegen"))
        .args(["check", fixture])
        .env("NO_COLOR", "1")
        .env("CLICOLOR_FORCE", "1")
        .current_dir(codegen_dir())
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(out.stderr).unwrap(), plain);
}
