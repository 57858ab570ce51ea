//! What generated code sends, run for real: `tests/e2e/requests.arazzo.yml` is generated,
//! compiled under `deny(warnings)` by trybuild, and run against the runtime's recording
//! `TestServer` on 127.0.0.1. It proves the one rule for absent values in every location
//! (README, Decisions), the reading of `Bearer $steps.login.token`, a computed form payload
//! sent as form fields, a `$`-word that is no expression and undeclared query and header
//! parameters sent as written, that
//! `payload: {}` compiles without an unused `mut`, and that JSONPath criteria written as
//! comparisons pass and fail as the RFC 9535 queries their warnings print.

use std::path::Path;

use arazzo_codegen::Generator;

const DOCUMENT: &str = "tests/e2e/requests.arazzo.yml";

#[test]
fn the_document_warns_where_it_is_read_leniently() {
    let generated = Generator::new().generate(Path::new(DOCUMENT)).unwrap();
    let codes: Vec<(&str, String)> = generated
        .diagnostics
        .iter()
        .map(|d| (d.code, d.message.clone()))
        .collect();
    assert!(codes.contains(&(
        "lenient-expression",
        "`$steps.login.token` is not an Arazzo 1.0.1 expression; read as `$steps.login.outputs.token`".into()
    )), "{codes:?}");
    assert!(codes.contains(&(
        "not-an-expression",
        "`$dependencies.x.token` looks like a runtime expression, but `$dependencies` is not one: it is sent as written".into()
    )), "{codes:?}");
    assert!(codes.contains(&(
        "undeclared-parameter",
        "operation `getItem` declares no header parameter `X-Api-Version`; it is sent as written".into()
    )), "{codes:?}");
    // One `lenient-jsonpath` warning per `lenient-*` workflow; the queries they print, used
    // as written by the `corrected-*` workflows, draw none.
    let lenient_jsonpath: Vec<&str> = generated
        .diagnostics
        .iter()
        .filter(|d| d.code == "lenient-jsonpath")
        .filter_map(|d| d.help.as_deref())
        .collect();
    assert_eq!(
        lenient_jsonpath,
        [
            r#"write `condition: $[?$.status == "completed"]`"#,
            "write `condition: $[?$.ok == true]`",
            "write `condition: $[?$.count != 0]`",
            "write `condition: $[?length($.items) > 0]`",
            "write `condition: $[?$.ok == true && length($.items) >= 1 || $.state == 'done']`",
        ]
    );
    assert!(
        !generated
            .diagnostics
            .iter()
            .any(|d| d.code == "suspicious-criterion"),
        "{codes:?}"
    );
    let help = generated
        .diagnostics
        .iter()
        .find(|d| d.code == "lenient-expression")
        .and_then(|d| d.help.clone());
    assert_eq!(
        help.as_deref(),
        Some("write `Bearer {$steps.login.outputs.token}`")
    );
    // Under `strict` the lenient reading is an error.
    let strict = Generator::new()
        .strict(true)
        .check(Path::new(DOCUMENT))
        .unwrap_err();
    assert!(
        strict
            .diagnostics
            .iter()
            .any(|d| d.is_error() && d.code == "invalid-expression"),
        "{strict}"
    );
    assert_eq!(
        strict
            .diagnostics
            .iter()
            .filter(|d| d.is_error() && d.code == "lenient-jsonpath")
            .count(),
        5,
        "{strict}"
    );
}

#[test]
fn generated_requests_send_what_the_document_says() {
    let code = Generator::new().generate(Path::new(DOCUMENT)).unwrap().code;
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("requests");
    std::fs::create_dir_all(&dir).unwrap();
    let main = dir.join("requests.rs");
    // `deny(warnings)` holds the generated code to what users compile it with; `dead_code`
    // is allowed because a binary uses only some of the generated items.
    let program = format!(
        "#![deny(warnings)]\n#![allow(dead_code)]\n{code}\n{}",
        include_str!("e2e/requests_main.rs")
    );
    std::fs::write(&main, program).unwrap();
    trybuild::TestCases::new().pass(&main);
}
