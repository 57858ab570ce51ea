//! Bad-spec fixtures: every `tests/bad/<name>.arazzo.yml` (or `.arazzo.json`) must fail, and its
//! rendered diagnostics must equal `tests/bad/<name>.stderr` byte for byte: location, snippet,
//! carets, label and help. A file name containing `strict` runs in strict mode; one starting
//! `warn-` must instead generate with warnings, which are its expected text.
//!
//! Regenerate the expected files with `BLESS=1 cargo test -p arazzo-codegen --test diagnostics`,
//! then review every changed `.stderr` by eye. Paths in the output are relative to this crate
//! (cargo runs tests here), so the expected files do not depend on the machine.
//! `tests/bad/pending/` holds fixtures whose diagnostics are still wrong; they are not run.
//! A fixture with XPath 3.1 has a second expectation, `<name>.no-xpath31.stderr`, for a build
//! without the `xpath31` feature: `cargo test -p arazzo-codegen` compares that one (BLESS it
//! there), `cargo test --workspace` (which turns the feature on) the other.

use std::path::{Path, PathBuf};

use arazzo_codegen::Generator;

#[path = "support/expected.rs"]
mod expected;

const BAD: &str = "tests/bad";

/// The fixtures, sorted, as paths relative to this crate.
fn fixtures() -> Vec<PathBuf> {
    documents(BAD)
}

/// `unknown-input` for `tests/bad/unknown-input.arazzo.yml`.
fn fixture_name(path: &Path) -> Option<String> {
    let file = path.file_name()?.to_str()?;
    file.strip_suffix(".arazzo.yml")
        .or_else(|| file.strip_suffix(".arazzo.json"))
        .map(str::to_owned)
}

/// `<name>.stderr`; built without the `xpath31` feature, `<name>.no-xpath31.stderr` where one
/// exists (the XPath 3.1 fixtures: the error that names the feature instead of xee's).
fn expected_path(fixture: &Path) -> PathBuf {
    let name = fixture_name(fixture).unwrap();
    let without = Path::new(BAD).join(format!("{name}.{NO_XPATH31}.stderr"));
    if !cfg!(feature = "xpath31") && without.exists() {
        return without;
    }
    Path::new(BAD).join(format!("{name}.stderr"))
}

/// The infix of the expectations of a build without the `xpath31` feature.
const NO_XPATH31: &str = "no-xpath31";

fn rendered(fixture: &Path) -> Result<String, String> {
    let name = fixture_name(fixture).unwrap();
    let strict = name.contains("strict");
    // A `warn-` fixture shows warnings: it must generate, and its rendered warnings are the
    // expected text (one after another, as build.rs prints them).
    let warns = name.starts_with("warn-");
    match Generator::new().strict(strict).generate(fixture) {
        Ok(generated) if warns && !generated.warnings.is_empty() => {
            Ok(generated.warnings.join("\n"))
        }
        Ok(_) if warns => Err(format!("{} has no warnings", fixture.display())),
        Ok(_) => Err(format!(
            "{} generated code; it must fail",
            fixture.display()
        )),
        Err(failure) if warns => Err(format!(
            "{} must generate with warnings, but failed:\n{failure}",
            fixture.display()
        )),
        Err(failure) => Ok(failure.rendered),
    }
}

#[test]
fn every_bad_spec_fails_with_the_expected_diagnostics() {
    let fixtures = fixtures();
    assert!(
        fixtures.len() >= 24,
        "expected at least 24 fixtures in {BAD}, found {}",
        fixtures.len()
    );
    let mut problems = Vec::new();
    for fixture in &fixtures {
        let actual = match rendered(fixture) {
            Ok(text) => text,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        if let Err(problem) = expected::compare(&expected_path(fixture), &actual) {
            problems.push(format!("{}: {problem}", fixture.display()));
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {} fixtures failed (BLESS=1 rewrites the .stderr files; review them):\n\n{}",
        problems.len(),
        fixtures.len(),
        problems.join("\n\n")
    );
}

#[test]
fn every_expected_file_has_a_fixture() {
    let names: Vec<String> = fixtures().iter().filter_map(|p| fixture_name(p)).collect();
    for entry in std::fs::read_dir(BAD).unwrap() {
        let path = entry.unwrap().path();
        if let Some(stem) = path
            .file_name()
            .and_then(|f| f.to_str())
            .and_then(|f| f.strip_suffix(".stderr"))
            .map(|f| f.strip_suffix(&format!(".{NO_XPATH31}")).unwrap_or(f))
        {
            assert!(
                names.iter().any(|n| n == stem),
                "{} has no fixture {stem}.arazzo.yml or .arazzo.json",
                path.display()
            );
        }
    }
}

/// Every Arazzo document in `dir`, sorted.
fn documents(dir: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| fixture_name(p).is_some())
        .collect();
    out.sort();
    out
}

/// `check` stops before emission: what it reports must be what `generate` reports, for the
/// bad fixtures (errors, some with warnings) and the good ones (some with warnings).
#[test]
fn check_reports_exactly_what_generate_reports() {
    let (mut failed, mut warned) = (0, 0);
    let all = [
        documents(BAD),
        documents("tests/features"),
        documents("tests/flows"),
    ]
    .concat();
    for doc in &all {
        let strict = fixture_name(doc).unwrap().contains("strict");
        let generator = Generator::new().strict(strict);
        match (generator.generate(doc), generator.check(doc)) {
            (Ok(generated), Ok(checked)) => {
                assert_eq!(generated.warnings, checked.warnings, "{}", doc.display());
                assert_eq!(
                    generated.files_read,
                    checked.files_read,
                    "{}",
                    doc.display()
                );
                assert_eq!(
                    generated.runtime_features,
                    checked.runtime_features,
                    "{}",
                    doc.display()
                );
                assert!(!generated.code.is_empty() && checked.code.is_empty());
                warned += usize::from(!checked.warnings.is_empty());
            }
            (Err(generated), Err(checked)) => {
                // Only the trailer says which of the two failed.
                assert_eq!(
                    generated
                        .rendered
                        .replace("error: could not generate `", "error: check failed for `"),
                    checked.rendered,
                    "{}",
                    doc.display()
                );
                assert_eq!(
                    generated.files_read,
                    checked.files_read,
                    "{}",
                    doc.display()
                );
                failed += 1;
                warned += usize::from(checked.diagnostics.iter().any(|d| !d.is_error()));
            }
            (generated, checked) => panic!(
                "{}: generate {} but check {}",
                doc.display(),
                if generated.is_ok() {
                    "succeeded"
                } else {
                    "failed"
                },
                if checked.is_ok() {
                    "succeeded"
                } else {
                    "failed"
                },
            ),
        }
    }
    assert!(failed >= 24, "only {failed} failing documents compared");
    assert!(
        warned >= 2,
        "only {warned} documents with warnings compared"
    );
}

/// `LINTS` names every warning code the generator can emit: a new warning whose code is
/// missing could not be allowed or denied.
#[test]
fn lints_list_every_warning_code_in_the_source() {
    let pattern = regex::Regex::new(r#"warning\(\s*"([a-z0-9-]+)""#).unwrap();
    let mut found = std::collections::BTreeSet::new();
    let mut pending = vec![PathBuf::from("src")];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs")
                && !path.ends_with("diagnostic.rs")
            {
                let text = std::fs::read_to_string(&path).unwrap();
                found.extend(pattern.captures_iter(&text).map(|c| c[1].to_owned()));
            }
        }
    }
    let listed: std::collections::BTreeSet<String> = arazzo_codegen::LINTS
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(found, listed);
    assert!(arazzo_codegen::LINTS.is_sorted());
}

#[test]
fn allow_silences_a_warning_and_deny_makes_it_an_error() {
    let fixture = Path::new("tests/bad/strict-unbraced.arazzo.yml");
    let warned = Generator::new().generate(fixture).unwrap();
    assert_eq!(warned.diagnostics.len(), 1);
    assert_eq!(warned.diagnostics[0].code, "unbraced-expression");
    assert_eq!(warned.warnings.len(), 1);

    let allowed = Generator::new()
        .allow("unbraced-expression")
        .generate(fixture)
        .unwrap();
    assert!(allowed.diagnostics.is_empty() && allowed.warnings.is_empty());
    assert_eq!(allowed.code, warned.code);

    let denied = Generator::new()
        .deny("unbraced-expression")
        .check(fixture)
        .unwrap_err();
    assert_eq!(denied.diagnostics.len(), 1);
    assert!(denied.diagnostics[0].is_error());
    assert!(
        denied
            .rendered
            .starts_with("error[arazzo::unbraced-expression]")
            && denied
                .rendered
                .contains("= note: `unbraced-expression` is denied by this build's settings"),
        "{}",
        denied.rendered
    );
    // The last word on a code wins, as with rustc's flags.
    assert!(
        Generator::new()
            .deny("unbraced-expression")
            .allow("unbraced-expression")
            .generate(fixture)
            .is_ok()
    );
}

#[test]
fn allowing_a_code_that_names_no_warning_is_an_error_with_a_suggestion() {
    let failure = Generator::new()
        .allow("unbraced-expresion")
        .generate(Path::new("tests/features/conditions.arazzo.yml"))
        .unwrap_err();
    assert_eq!(failure.diagnostics.len(), 1);
    assert_eq!(failure.diagnostics[0].code, "invalid-option");
    assert!(
        failure
            .rendered
            .contains("help: did you mean `unbraced-expression`?"),
        "{}",
        failure.rendered
    );
    // Errors are not lints.
    let failure = Generator::new()
        .allow("unknown-input")
        .generate(Path::new("tests/features/conditions.arazzo.yml"))
        .unwrap_err();
    assert!(
        failure
            .rendered
            .contains("`unknown-input` is not the code of a warning")
    );
}

/// Every diagnostic's `location` says what its rendered `-->` line says.
#[test]
fn locations_match_the_rendered_arrows() {
    let mut seen = 0;
    for fixture in fixtures() {
        let strict = fixture_name(&fixture).unwrap().contains("strict");
        let Err(failure) = Generator::new().strict(strict).generate(&fixture) else {
            continue;
        };
        for d in &failure.diagnostics {
            let (Some(span), Some(location)) = (d.span, &d.location) else {
                continue;
            };
            let arrow = format!(
                "--> {}:{}:{}\n",
                location.path, location.line, location.column
            );
            assert!(
                failure.rendered.contains(&arrow),
                "{}: {arrow:?} not in\n{}",
                fixture.display(),
                failure.rendered
            );
            assert!((location.end_line, location.end_column) >= (location.line, location.column));
            assert_eq!(
                span.start == span.end,
                (location.line, location.column) == (location.end_line, location.end_column)
            );
            for label in &d.secondary {
                assert!(label.location.is_some(), "{}: {label:?}", fixture.display());
            }
            seen += 1;
        }
    }
    assert!(seen >= 50, "only {seen} located diagnostics compared");
}
