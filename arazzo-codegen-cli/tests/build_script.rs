//! `arazzo_build::Builder` runs this crate's binary (`arazzo-codegen build-script`) where
//! `arazzo_codegen::Builder` runs the generator in-process: the two must write the same files
//! and fail with the same text. The last test builds a real crate with cargo.

use std::path::{Path, PathBuf};
use std::process::Command;

const BINARY: &str = env!("CARGO_BIN_EXE_arazzo-codegen");
const TOKEN_THEN_BROADCAST: &str = "../specs/arazzo/generate-token-then-broadcast.arazzo.yml";
const RECEIVE_BROADCAST: &str = "../specs/arazzo/web-pubsub-receive-broadcast.arazzo.yml";
const PETSTORE: &str = "../examples/petstore/specs/petstore.arazzo.yml";
const BAD: &str = "../arazzo-codegen/tests/bad/action-unknown-step.arazzo.yml";

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("build_script")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Every file in `dir`, by name, with its bytes.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut all: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    all.sort();
    all
}

#[test]
fn the_binary_writes_the_same_files_as_the_library_with_every_setting() {
    let (library, binary) = (scratch("same-library"), scratch("same-binary"));
    // Every setting, some twice and in an order that matters (`allow` then `deny`), and two
    // `compile` calls into one directory: the module index lists both calls' modules.
    macro_rules! configure {
        ($builder:expr, $dir:expr) => {
            $builder
                .out_dir($dir)
                .map("https://nowhere.example/petstore.yml", "unused.yml")
                .strict(false)
                .step_budget(50)
                .serde(false, true)
                .allow("unbraced-expression")
                .deny("unbraced-expression")
                .allow("unbraced-expression")
                .type_attribute(".", "#[allow(missing_docs)]")
                .derive("generate-token-then-broadcast", ["Eq"])
                .runtime_path("::arazzo_runtime")
        };
    }
    let lib = configure!(arazzo_codegen::Builder::new(), &library);
    lib.compile(&[TOKEN_THEN_BROADCAST, RECEIVE_BROADCAST])
        .unwrap();
    lib.compile(&[PETSTORE]).unwrap();
    let bin = configure!(arazzo_build::Builder::new().codegen_path(BINARY), &binary);
    bin.compile(&[TOKEN_THEN_BROADCAST, RECEIVE_BROADCAST])
        .unwrap();
    bin.compile(&[PETSTORE]).unwrap();

    let (from_library, from_binary) = (files(&library), files(&binary));
    let names: Vec<&str> = from_binary.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "arazzo-codegen-modules.rs",
            "generate-token-then-broadcast.rs",
            "petstore.rs",
            "web-pubsub-receive-broadcast.rs"
        ]
    );
    for ((name, a), (_, b)) in from_library.iter().zip(&from_binary) {
        assert!(a == b, "{name} differs between the library and the binary");
    }
    let index = String::from_utf8_lossy(&from_binary[0].1).into_owned();
    assert!(index.contains("\"petstore\"") && index.contains("\"web-pubsub-receive-broadcast\""));
    let code = String::from_utf8_lossy(&from_binary[1].1).into_owned();
    assert!(code.contains("#[derive(Eq)]") && code.contains("#[allow(missing_docs)]"));
}

#[test]
fn errors_come_back_rendered_as_the_library_renders_them() {
    let dir = scratch("errors");
    let from_library = arazzo_codegen::Builder::new()
        .out_dir(&dir)
        .compile(&[BAD, PETSTORE])
        .unwrap_err()
        .to_string();
    let error = arazzo_build::Builder::new()
        .codegen_path(BINARY)
        .out_dir(&dir)
        .compile(&[BAD, PETSTORE])
        .unwrap_err();
    assert!(matches!(error, arazzo_build::BuildError::Invalid(_)));
    assert_eq!(error.to_string(), from_library);
    assert_eq!(
        format!("{error:?}"),
        from_library,
        "build.rs's main prints Debug"
    );
    assert!(from_library.contains("action-unknown-step.arazzo.yml:59:21"));
    // An unknown lint is the library's `invalid-option`, not a failure of the protocol.
    let error = arazzo_build::Builder::new()
        .codegen_path(BINARY)
        .allow("no-such-lint")
        .check(&[PETSTORE])
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("invalid-option") && error.contains("no-such-lint"),
        "{error}"
    );
}

#[test]
fn check_writes_nothing_and_passes_a_valid_document() {
    let dir = scratch("check");
    arazzo_build::Builder::new()
        .codegen_path(BINARY)
        .out_dir(&dir)
        .check(&[PETSTORE])
        .unwrap();
    assert!(files(&dir).is_empty());
}

#[test]
fn a_binary_that_is_missing_or_of_another_version_says_how_to_install_the_right_one() {
    let missing = scratch("missing").join("arazzo-codegen");
    let error = arazzo_build::Builder::new()
        .codegen_path(&missing)
        .check(&[PETSTORE])
        .unwrap_err()
        .to_string();
    assert!(
        error.contains(&format!("cannot run `{}`", missing.display())),
        "{error}"
    );
    assert!(
        error.contains("cargo install arazzo-codegen-cli --version 0.1.0 --locked"),
        "{error}"
    );
    assert!(
        arazzo_build::BuildError::NotFound(None)
            .to_string()
            .contains("set ARAZZO_CODEGEN to its path")
    );

    // An older binary, as `cargo install` left it: only `--version` matters before the run.
    let old = scratch("old").join("arazzo-codegen");
    std::fs::write(&old, "#!/bin/sh\necho 'arazzo-codegen 0.0.9'\n").unwrap();
    let chmod = Command::new("chmod").arg("+x").arg(&old).status().unwrap();
    assert!(chmod.success());
    let error = arazzo_build::Builder::new()
        .codegen_path(&old)
        .check(&[PETSTORE])
        .unwrap_err();
    assert!(matches!(
        &error,
        arazzo_build::BuildError::WrongVersion { found, .. } if found == "0.0.9"
    ));
    let error = error.to_string();
    assert!(
        error.contains("is arazzo-codegen 0.0.9, but this build's arazzo-build is 0.1.0"),
        "{error}"
    );
}

#[test]
fn arguments_from_another_arazzo_build_are_refused_with_exit_status_2() {
    let output = Command::new(BINARY)
        .args(["build-script", "--protocol", "0", "--", PETSTORE])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("protocol 0, this binary 1"), "{stderr}");
}

/// A crate whose build script uses `arazzo-build`, built by cargo: the document's error fails
/// the build at its line and column, and a fixed document builds and reruns on change.
#[test]
fn a_real_build_script_fails_at_the_documents_line_and_column_then_builds() {
    let krate = scratch("crate");
    let build = Path::new(env!("CARGO_MANIFEST_DIR")).join("../arazzo-build");
    let build = build.canonicalize().unwrap();
    std::fs::write(
        krate.join("Cargo.toml"),
        format!(
            "[package]\nname = \"uses-arazzo-build\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\
             publish = false\n\n[workspace]\n\n[build-dependencies]\n\
             arazzo-build = {{ path = {:?} }}\n",
            build.display().to_string()
        ),
    )
    .unwrap();
    std::fs::create_dir_all(krate.join("src")).unwrap();
    std::fs::write(krate.join("src/lib.rs"), "").unwrap();
    std::fs::write(
        krate.join("build.rs"),
        "fn main() -> Result<(), Box<dyn std::error::Error>> {\n    \
         arazzo_build::Builder::new().check(&[\"doc.arazzo.yml\"])?;\n    Ok(())\n}\n",
    )
    .unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let bad = std::fs::read_to_string(
        repo.join("arazzo-codegen/tests/bad/action-unknown-step.arazzo.yml"),
    )
    .unwrap();
    // The fixture names its OpenAPI file relative to where it lives.
    let openapi = repo.join("specs/openapi").canonicalize().unwrap();
    let bad = bad.replace("../../../specs/openapi", &openapi.display().to_string());
    std::fs::write(krate.join("doc.arazzo.yml"), &bad).unwrap();
    let cargo = || {
        let mut c = Command::new(env!("CARGO"));
        c.arg("build")
            .current_dir(&krate)
            .env("ARAZZO_CODEGEN", BINARY)
            .env("CARGO_TARGET_DIR", krate.join("target"))
            .env_remove("RUSTFLAGS");
        c
    };
    let output = cargo().output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(stderr.contains("error[arazzo::unknown-step]"), "{stderr}");
    assert!(stderr.contains("doc.arazzo.yml:59:21"), "{stderr}");
    assert!(
        stderr.contains("help: did you mean `broadcast`?"),
        "{stderr}"
    );

    std::fs::write(
        krate.join("doc.arazzo.yml"),
        bad.replace("broadcst", "broadcast"),
    )
    .unwrap();
    let output = cargo().output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
}
