//! Hostile documents: inputs built to crash or exhaust the generator. Each must end in
//! diagnostics (or code), never a stack overflow, and the diagnostics must stay small. These
//! run on the test harness's 2 MiB threads in a debug build, stricter than a build script's
//! main thread.

use std::path::{Path, PathBuf};

use arazzo_codegen::Generator;

/// A directory holding `doc` as `hostile.arazzo.yml` next to the library OpenAPI fixture.
fn write(name: &str, doc: &str) -> PathBuf {
    // Under target/tmp, overwritten by each run: nothing accumulates in the system's /tmp.
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("hostile-{name}"));
    std::fs::create_dir_all(&dir).unwrap();
    let openapi = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/features/library.openapi.yml");
    std::fs::copy(openapi, dir.join("library.openapi.yml")).unwrap();
    let bodies =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/features/request-bodies.openapi.yml");
    std::fs::copy(bodies, dir.join("request-bodies.openapi.yml")).unwrap();
    let path = dir.join("hostile.arazzo.yml");
    std::fs::write(&path, doc).unwrap();
    path
}

/// A one-step workflow whose success criteria are `criteria` (YAML list items, indented).
fn with_criteria(criteria: &str) -> String {
    format!(
        r#"arazzo: 1.0.1
info:
  title: hostile
  version: 1.0.0
sourceDescriptions:
  - name: library
    url: ./library.openapi.yml
    type: openapi
workflows:
  - workflowId: w
    steps:
      - stepId: search
        operationId: searchBooks
        parameters:
          - name: author
            in: query
            value: Austen
        successCriteria:
{criteria}
"#
    )
}

fn rendered_errors(path: &Path) -> String {
    match Generator::new().generate(path) {
        Ok(_) => String::new(),
        Err(failure) => failure.rendered,
    }
}

#[test]
fn a_flat_chain_of_ten_thousand_terms_generates() {
    for join in [" && ", " || "] {
        let condition = vec!["$statusCode == 200"; 10_000].join(join);
        let path = write(
            if join.contains('&') { "and" } else { "or" },
            &with_criteria(&format!("          - condition: {condition}")),
        );
        let generated = Generator::new().generate(&path);
        assert!(generated.is_ok(), "{}", rendered_errors(&path));
    }
}

#[test]
fn deep_jsonpath_and_xpath_are_located_errors() {
    let jsonpath = format!("$[?{}@.a{}]", "(".repeat(900), ")".repeat(900));
    let xpath = format!("{}1{}", "(".repeat(570), ")".repeat(570));
    let criteria = format!(
        "          - context: $response.body\n            condition: '{jsonpath}'\n            type: jsonpath\n          - context: $response.body\n            condition: '{xpath}'\n            type: xpath"
    );
    let errors = rendered_errors(&write("paths", &with_criteria(&criteria)));
    assert!(
        errors.contains("JSONPath condition nests more than 64 levels"),
        "{errors}"
    );
    assert!(
        errors.contains("XPath condition nests more than 64 levels"),
        "{errors}"
    );
    assert!(errors.contains("hostile.arazzo.yml:"), "{errors}");
}

/// A one-step workflow whose request body payload is `payload` (a flow-style YAML value).
fn with_payload(payload: &str) -> String {
    format!(
        r#"arazzo: 1.0.1
info:
  title: hostile
  version: 1.0.0
sourceDescriptions:
  - name: bodies
    url: ./request-bodies.openapi.yml
    type: openapi
workflows:
  - workflowId: w
    inputs:
      type: object
      properties:
        x: {{type: string}}
    steps:
      - stepId: create
        operationId: createPet
        requestBody:
          contentType: application/json
          payload: {payload}
"#
    )
}

#[test]
fn deeply_nested_documents_are_located_errors() {
    for (name, payload) in [
        (
            "yaml-seq",
            format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000)),
        ),
        (
            "yaml-map",
            format!("{}1{}", "{a: ".repeat(100_000), "}".repeat(100_000)),
        ),
    ] {
        let errors = rendered_errors(&write(name, &with_payload(&payload)));
        // saphyr-parser's own limit may stop it first; either way a located error.
        assert!(
            errors.contains("nested more than 256 levels deep")
                || errors.contains("recursion limit exceeded"),
            "{name}: {errors}"
        );
        assert!(errors.contains("hostile.arazzo.yml:"), "{name}: {errors}");
    }
    // JSON documents go through the same loader.
    let json = format!(
        r#"{{"arazzo": "1.0.1", "info": {}1{}}}"#,
        r#"{"a": "#.repeat(100_000),
        "}".repeat(100_000)
    );
    let dir = write("json", "");
    let path = dir.with_file_name("hostile.arazzo.json");
    std::fs::write(&path, json).unwrap();
    let errors = rendered_errors(&path);
    assert!(
        errors.contains("nested more than 256 levels deep")
            || errors.contains("recursion limit exceeded"),
        "{errors}"
    );
    assert!(errors.contains("hostile.arazzo.json:"), "{errors}");
}

#[test]
fn payloads_just_under_the_nesting_limit_are_walked_without_overflow() {
    // Every pass over a payload (selectors, expressions, emitting) must survive the deepest
    // value the loader lets through.
    let payload = format!("{}'$inputs.x'{}", "{a: ".repeat(240), "}".repeat(240));
    let _ = rendered_errors(&write("deep-payload", &with_payload(&payload)));
    let payload = format!("{}1{}", "[".repeat(240), "]".repeat(240));
    let _ = rendered_errors(&write("deep-array", &with_payload(&payload)));
}

/// Everything the generator would print for `path`: the failure, or the warnings.
fn output(path: &Path) -> String {
    match Generator::new().generate(path) {
        Ok(generated) => generated.warnings.concat(),
        Err(failure) => failure.rendered,
    }
}

/// The hostile documents of about `size` bytes the size bounds and the bench script use.
fn hostile_documents(size: usize) -> Vec<(&'static str, String)> {
    let repeat = |unit: &str| unit.repeat(size / unit.len());
    vec![
        // 22 KB of these once printed 88 MB: each help quoted the whole string.
        (
            "unbraced",
            with_payload(&format!("'{}'", repeat("a $inputs.x "))),
        ),
        (
            "unbraced-many-strings",
            with_payload(&format!(
                "{{{}}}",
                (0..size / 2400)
                    .map(|i| format!("k{i}: '{}'", "a $inputs.x ".repeat(200)))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        ),
        (
            "long-line-errors",
            with_payload(&format!("'{}'", repeat("{$nope} "))),
        ),
        (
            "long-condition",
            with_criteria(&format!(
                "          - condition: {}true",
                repeat("$statusCode == 200 && ")
            )),
        ),
        (
            "many-steps",
            with_criteria("          - condition: $statusCode == 200")
                + &repeat("      - stepId: s\n        operationId: nope\n"),
        ),
    ]
}

/// Writes the hostile documents of 1 MiB to `ARAZZO_HOSTILE_DIR` for `scripts/hostile-bench.sh`,
/// which times `arazzo-codegen check` on each. Ignored: it measures nothing by itself.
#[test]
#[ignore = "writes the 1 MiB documents for scripts/hostile-bench.sh"]
fn write_hostile_documents() {
    let dir = PathBuf::from(std::env::var("ARAZZO_HOSTILE_DIR").unwrap());
    for (name, doc) in hostile_documents(1024 * 1024) {
        let path = write(name, &doc);
        let to = dir.join(name);
        std::fs::create_dir_all(&to).unwrap();
        for file in [
            "hostile.arazzo.yml",
            "library.openapi.yml",
            "request-bodies.openapi.yml",
        ] {
            std::fs::copy(path.with_file_name(file), to.join(file)).unwrap();
        }
    }
}

#[test]
fn output_stays_small_whatever_the_document_holds() {
    for (name, doc) in hostile_documents(256 * 1024) {
        let out = output(&write(name, &doc));
        // At most 100 diagnostics, each clipped: well under 1 MiB, whatever the input.
        assert!(
            out.len() < 512 * 1024,
            "{name}: {} bytes of output",
            out.len()
        );
    }
}

#[test]
fn many_diagnostics_end_in_a_count_of_the_rest() {
    let text = "a $inputs.x ".repeat(200);
    let doc = with_payload(&format!("{{a: '{text}', b: '{text}', c: '{text}'}}"));
    let out = output(&write("count", &doc));
    assert!(out.contains("and 500 more warnings, not shown"), "{out}");
    assert_eq!(out.matches("warning[arazzo::").count(), 100, "{out}");
}

#[test]
fn a_string_embedding_too_many_expressions_is_an_error() {
    let doc = with_payload(&format!("'{}'", "{$inputs.x}".repeat(257)));
    let out = output(&write("embedded", &doc));
    assert!(
        out.contains("embeds more than 256 runtime expressions"),
        "{out}"
    );
    let doc = with_payload(&format!("'{}'", "{$inputs.x}".repeat(256)));
    let out = output(&write("embedded-ok", &doc));
    assert!(!out.contains("embeds more than"), "{out}");
}

#[test]
fn invalid_utf8_is_located_at_its_byte_offset() {
    let path = write("utf8", "");
    let mut bytes = with_criteria("          - condition: $statusCode == 200").into_bytes();
    let at = bytes.len() - 5;
    bytes[at] = 0xff;
    std::fs::write(&path, &bytes).unwrap();
    let out = output(&path);
    assert!(
        out.contains(&format!("invalid byte at offset {at}")),
        "{out}"
    );
    assert!(out.contains("hostile.arazzo.yml:"), "{out}");
}
