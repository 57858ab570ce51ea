//! `Generator::type_attribute` and `::derive`: the attributes land on the types their path
//! selects, after the generated derives, and the code compiles and behaves accordingly
//! (trybuild builds and runs it against the real runtime).

use std::path::Path;

use arazzo_codegen::Generator;

const DOCUMENT: &str = "tests/features/parameters.arazzo.yml";

fn generator() -> Generator {
    Generator::new()
        .derive(".", ["Eq", "Hash"])
        .type_attribute("find-owner-pet", "#[non_exhaustive]")
        .type_attribute(
            "FindOwnerPetInputs",
            r#"#[serde(rename_all = "UPPERCASE")]"#,
        )
        // Selects nothing in this document: no error.
        .type_attribute("another-workflow", "#[deprecated]")
}

#[test]
fn attributes_follow_the_derives_of_the_types_their_path_selects() {
    let code = generator().generate(Path::new(DOCUMENT)).unwrap().code;
    assert!(
        code.contains(
            "#[derive(Clone, Debug, PartialEq, ::arazzo_runtime::__private::serde::Deserialize)]\n\
             #[serde(crate = \"::arazzo_runtime::__private::serde\")]\n\
             #[derive(Eq, Hash)]\n\
             #[non_exhaustive]\n\
             #[serde(rename_all = \"UPPERCASE\")]\n\
             pub struct FindOwnerPetInputs {"
        ),
        "{code}"
    );
    assert!(
        code.contains(
            "#[derive(Clone, Debug, PartialEq)]\n\
             #[derive(Eq, Hash)]\n\
             #[non_exhaustive]\n\
             pub struct FindOwnerPetOutputs {"
        ),
        "{code}"
    );
    assert!(!code.contains("deprecated"), "{code}");
    // Same settings, same bytes.
    assert_eq!(
        code,
        generator().generate(Path::new(DOCUMENT)).unwrap().code
    );
    // Without attributes the code is what it always was.
    let plain = Generator::new().generate(Path::new(DOCUMENT)).unwrap().code;
    assert!(!plain.contains("Hash") && !plain.contains("non_exhaustive"));
}

#[test]
fn generated_types_with_attributes_compile_and_use_them() {
    let code = generator().generate(Path::new(DOCUMENT)).unwrap().code;
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("type-attributes");
    std::fs::create_dir_all(&dir).unwrap();
    let main = dir.join("derive_and_attributes.rs");
    let program = format!(
        "{code}\n{}",
        r##"
fn main() {
    // `rename_all` reaches the fields without their own `rename`; those keep theirs.
    let inputs: FindOwnerPetInputs = ::arazzo_runtime::serde_json::from_str(
        r#"{"ownerId": 7, "petName": "Rex", "SESSION": "s", "TAGS": ["a"], "FIELDS": [],
            "traceId": "t", "LIMIT": 3}"#,
    )
    .unwrap();
    assert_eq!(inputs.session, "s");
    assert_eq!(inputs.limit, 3);
    // `Eq` and `Hash`: the types go into a set.
    let mut set = ::std::collections::HashSet::new();
    set.insert(inputs.clone());
    assert!(set.contains(&inputs));
    let outputs = FindOwnerPetOutputs { name: "Rex".into() };
    // `Serialize` through the runtime: the JSON names.
    assert_eq!(
        ::arazzo_runtime::serde_json::to_string(&outputs).unwrap(),
        r#"{"name":"Rex"}"#
    );
    let outputs_set: ::std::collections::HashSet<_> = [outputs.clone(), outputs].into();
    assert_eq!(outputs_set.len(), 1);
}
"##
    );
    std::fs::write(&main, program).unwrap();
    trybuild::TestCases::new().pass(&main);
}

/// An outputs struct gets `Serialize` from one runtime call, unless a `#[serde(...)]` of the
/// user's is on it: only serde's derive reads those, so then it derives.
#[test]
fn a_serde_attribute_on_the_outputs_brings_the_derive_back() {
    let plain = Generator::new().generate(Path::new(DOCUMENT)).unwrap().code;
    assert!(
        plain.contains(
            "impl ::arazzo_runtime::__private::serde::Serialize for FindOwnerPetOutputs {"
        ),
        "{plain}"
    );
    let code = Generator::new()
        .type_attribute(
            "FindOwnerPetOutputs",
            r#"#[serde(rename_all = "UPPERCASE")]"#,
        )
        .generate(Path::new(DOCUMENT))
        .unwrap()
        .code;
    assert!(
        code.contains(
            "#[derive(Clone, Debug, PartialEq, ::arazzo_runtime::__private::serde::Serialize)]\n\
             #[serde(crate = \"::arazzo_runtime::__private::serde\")]\n\
             #[serde(rename_all = \"UPPERCASE\")]\n\
             pub struct FindOwnerPetOutputs {"
        ),
        "{code}"
    );
    assert!(
        !code.contains("Serialize for FindOwnerPetOutputs"),
        "{code}"
    );
}

#[test]
fn an_attribute_that_does_not_parse_is_an_error_naming_it() {
    let failure = Generator::new()
        .type_attribute(".", "#[derive(Eq")
        .derive("x", ["Hash", "not a path"])
        .generate(Path::new(DOCUMENT))
        .unwrap_err();
    let messages: Vec<&str> = failure
        .diagnostics
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(failure.diagnostics.len(), 2, "{failure}");
    assert!(
        failure
            .diagnostics
            .iter()
            .all(|d| d.code == "invalid-option")
    );
    assert!(
        messages[0]
            .starts_with("the type attribute `#[derive(Eq` (for `.`) is not a Rust attribute"),
        "{messages:?}"
    );
    assert!(
        messages[1].starts_with("the type attribute `#[derive(Hash, not a path)]` (for `x`)"),
        "{messages:?}"
    );
}

/// Workflows with the same inputs share one inputs type, unless an attribute selects one of
/// them: an alias would carry the other workflow's attributes.
#[test]
fn an_attribute_keeps_a_workflows_own_inputs_type_where_it_would_share_one() {
    let document = Path::new("tests/features/shared-inputs.arazzo.yml");
    let plain = Generator::new().generate(document).unwrap().code;
    for alias in [
        "pub type SecondInputs = FirstInputs;",
        "pub type SecondInputsOwner = FirstInputsOwner;",
        "pub type FourthInputs = FirstInputs;",
    ] {
        assert!(plain.contains(alias), "{alias}\n{plain}");
    }
    assert!(plain.contains("pub struct ThirdInputs {"), "{plain}");
    let attributed = Generator::new()
        .type_attribute("fourth", "#[non_exhaustive]")
        .generate(document)
        .unwrap()
        .code;
    assert!(
        attributed.contains("#[non_exhaustive]\npub struct FourthInputs {"),
        "{attributed}"
    );
    assert!(attributed.contains("pub type SecondInputs = FirstInputs;"));
}
