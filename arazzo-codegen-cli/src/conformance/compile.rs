//! Compiling every generated file in one scratch crate, and blaming errors on documents.
//!
//! The crate (in a temporary folder) depends on `arazzo-runtime` by path, is its own
//! workspace, and includes each document's code as `mod doc_<n>` under `#![deny(warnings)]`
//! (only `dead_code` is allowed: nothing calls the generated functions). Cargo's target
//! directory is kept between runs, so a rerun compiles only the scratch crate. rustc's JSON
//! messages name the file each error is in; documents with errors are set aside and the rest
//! rebuilt, until what remains compiles.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::Options;

/// What compiling found.
#[derive(Debug, Clone, Default)]
pub(crate) struct Compiled {
    /// The documents (by the index they were passed with) that do not compile, each with its
    /// first error.
    pub(crate) failed: Vec<(usize, String)>,
    /// How many `cargo build` runs it took.
    pub(crate) rounds: usize,
}

/// Compiles `documents` (an index and the generated code of each) together.
pub(crate) fn compile_all(
    options: &Options,
    documents: &[(usize, &str)],
) -> Result<Compiled, String> {
    if documents.is_empty() {
        return Ok(Compiled::default());
    }
    if !options.runtime.join("Cargo.toml").is_file() {
        return Err(format!(
            "no arazzo-runtime crate at {}: pass --runtime <path>",
            options.runtime.display()
        ));
    }
    let scratch = Scratch::new()?;
    let result = scratch
        .prepare(options, documents)
        .and_then(|()| scratch.build_until_clean(options, documents));
    scratch.remove();
    result
}

/// The temporary crate.
struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn new() -> Result<Self, String> {
        let dir = std::env::temp_dir().join(format!("arazzo-conformance-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("src"))
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        Ok(Self { dir })
    }

    fn write(&self, name: &str, contents: &str) -> Result<(), String> {
        let path = self.dir.join(name);
        std::fs::write(&path, contents).map_err(|e| format!("cannot write {}: {e}", path.display()))
    }

    fn prepare(&self, options: &Options, documents: &[(usize, &str)]) -> Result<(), String> {
        let runtime = std::fs::canonicalize(&options.runtime)
            .map_err(|e| format!("cannot find {}: {e}", options.runtime.display()))?;
        self.write("Cargo.toml", &manifest(&runtime))?;
        if let Some(lock) = &options.lockfile {
            // A missing or unreadable lockfile only costs a fresh resolution.
            if let Ok(text) = std::fs::read_to_string(lock) {
                self.write("Cargo.lock", &text)?;
            }
        }
        for (index, code) in documents {
            self.write(&format!("src/doc_{index}.rs"), code)?;
        }
        Ok(())
    }

    fn build_until_clean(
        &self,
        options: &Options,
        documents: &[(usize, &str)],
    ) -> Result<Compiled, String> {
        let mut remaining: Vec<usize> = documents.iter().map(|(i, _)| *i).collect();
        let mut compiled = Compiled::default();
        while !remaining.is_empty() {
            self.write("src/lib.rs", &lib_rs(&remaining))?;
            compiled.rounds += 1;
            let build = self.cargo_build(options)?;
            if build.success {
                break;
            }
            if build.errors.is_empty() {
                return Err(format!(
                    "the scratch crate in {} does not compile, and no error is in generated code:\n{}",
                    self.dir.display(),
                    build.other.join("\n")
                ));
            }
            remaining.retain(|i| !build.errors.contains_key(i));
            compiled.failed.extend(build.errors);
        }
        compiled.failed.sort();
        Ok(compiled)
    }

    fn cargo_build(&self, options: &Options) -> Result<Build, String> {
        // Cargo's progress lines reach the user as they happen.
        cargo_build(&self.dir, &options.target_dir, Stdio::inherit())
    }

    fn remove(&self) {
        // Leftovers in the temporary folder are harmless; nothing to report.
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs `cargo build --message-format=json` on the crate in `dir` and reads the result;
/// `stderr` takes cargo's progress lines.
pub(crate) fn cargo_build(dir: &Path, target_dir: &Path, stderr: Stdio) -> Result<Build, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(&cargo)
        .arg("build")
        .arg("--message-format=json")
        .arg("--manifest-path")
        .arg(dir.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target_dir)
        .stderr(stderr)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", Path::new(&cargo).display()))?;
    Ok(Build::parse(
        &String::from_utf8_lossy(&output.stdout),
        output.status.success(),
    ))
}

fn manifest(runtime: &Path) -> String {
    scratch_manifest("arazzo-conformance-scratch", runtime, &[], "")
}

/// A scratch crate's `Cargo.toml`: package `name`, `arazzo-runtime` from `runtime` with every
/// criteria engine this CLI checks (so that conformance and `run` share one build of it in a
/// target directory), then `extra` dependency lines. It is its own workspace.
pub(crate) fn scratch_manifest(
    name: &str,
    runtime: &Path,
    features: &[&str],
    extra: &str,
) -> String {
    // XPath 3.1 only when this CLI checks it (its `xpath31` feature): the generated code of a
    // document with XPath 3.1 needs the runtime's, and xee is a heavy build otherwise.
    let xpath31: &[&str] = if cfg!(feature = "xpath31") {
        &["xpath31"]
    } else {
        &[]
    };
    let features: String = features
        .iter()
        .chain(xpath31)
        .map(|f| format!(", \"{f}\""))
        .collect();
    format!(
        "[package]\n\
         name = \"{name}\"\n\
         version = \"0.0.0\"\n\
         edition = \"2024\"\n\
         publish = false\n\n\
         [dependencies]\n\
         arazzo-runtime = {{ path = {}, features = [\"regex\", \"jsonpath\", \"xpath\"{features}] }}\n\
         {extra}\n\
         # Not part of any enclosing workspace.\n\
         [workspace]\n",
        toml_string(&runtime.to_string_lossy())
    )
}

fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn lib_rs(documents: &[usize]) -> String {
    let mut out = String::from(
        "//! Every generated file of a conformance run, compiled together.\n\
         #![deny(warnings)]\n\
         // Nothing calls the generated functions.\n\
         #![allow(dead_code)]\n\n",
    );
    for i in documents {
        out.push_str(&format!(
            "mod doc_{i} {{\n    include!(\"doc_{i}.rs\");\n}}\n"
        ));
    }
    out
}

/// One `cargo build`'s result, read from its JSON messages.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Build {
    pub(crate) success: bool,
    /// The first error in each document's file, by document index.
    pub(crate) errors: BTreeMap<usize, String>,
    /// Errors in no generated file (first lines).
    pub(crate) other: Vec<String>,
}

impl Build {
    fn parse(stdout: &str, success: bool) -> Self {
        let mut build = Build {
            success,
            ..Build::default()
        };
        for line in stdout.lines() {
            let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            if message["reason"] != "compiler-message" || message["message"]["level"] != "error" {
                continue;
            }
            let diagnostic = &message["message"];
            let text = diagnostic["rendered"]
                .as_str()
                .or_else(|| diagnostic["message"].as_str())
                .unwrap_or("error")
                .lines()
                .next()
                .unwrap_or("error")
                .to_owned();
            match blame(diagnostic) {
                Some((index, line)) => {
                    build
                        .errors
                        .entry(index)
                        .or_insert_with(|| format!("{text} (line {line})"));
                }
                None => build.other.push(text),
            }
        }
        build
    }
}

/// The document an error is in, and the line: the first span (or the macro call a span
/// expands from) in a `doc_<n>.rs`.
fn blame(diagnostic: &serde_json::Value) -> Option<(usize, u64)> {
    let spans = diagnostic["spans"].as_array()?;
    let mut primary_first: Vec<&serde_json::Value> = spans.iter().collect();
    primary_first.sort_by_key(|s| s["is_primary"] != true);
    for span in primary_first {
        let mut current = Some(span);
        while let Some(s) = current {
            if let Some(index) = s["file_name"].as_str().and_then(doc_index) {
                return Some((index, s["line_start"].as_u64().unwrap_or(0)));
            }
            current = s.get("expansion").map(|e| &e["span"]);
        }
    }
    None
}

/// `src/doc_12.rs` → 12.
fn doc_index(file: &str) -> Option<usize> {
    let name = Path::new(file).file_name()?.to_str()?;
    name.strip_prefix("doc_")?.strip_suffix(".rs")?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A message as `cargo build --message-format=json` prints it (trimmed to what is read).
    const MESSAGE: &str = r#"{"reason":"compiler-message","package_id":"path+file:///tmp/x#0.0.0","message":{"rendered":"error[E0425]: cannot find value `x` in this scope\n --> src/doc_7.rs:3:5\n","message":"cannot find value `x` in this scope","level":"error","spans":[{"file_name":"src/doc_7.rs","line_start":3,"is_primary":true,"expansion":null}]}}"#;

    #[test]
    fn errors_are_blamed_on_the_document_file_they_are_in() {
        let other = r#"{"reason":"compiler-message","message":{"rendered":"error: aborting due to 1 previous error\n","message":"aborting","level":"error","spans":[]}}"#;
        let finished = r#"{"reason":"build-finished","success":false}"#;
        let build = Build::parse(&format!("{MESSAGE}\n{other}\n{finished}\n"), false);
        assert_eq!(
            build.errors.get(&7).map(String::as_str),
            Some("error[E0425]: cannot find value `x` in this scope (line 3)")
        );
        assert_eq!(build.other, vec!["error: aborting due to 1 previous error"]);
    }

    #[test]
    fn errors_inside_a_macro_are_blamed_on_its_call() {
        let inner = MESSAGE.replace(
            r#""file_name":"src/doc_7.rs","line_start":3,"is_primary":true,"expansion":null"#,
            r#""file_name":"/rt/src/lib.rs","line_start":9,"is_primary":true,"expansion":{"span":{"file_name":"src/doc_2.rs","line_start":40,"expansion":null}}"#,
        );
        let build = Build::parse(&inner, false);
        assert!(
            build
                .errors
                .get(&2)
                .is_some_and(|e| e.ends_with("(line 40)"))
        );
    }

    #[test]
    fn the_scratch_crate_includes_each_document_and_is_its_own_workspace() {
        let lib = lib_rs(&[0, 3]);
        assert!(lib.contains("mod doc_3 {\n    include!(\"doc_3.rs\");\n}"));
        assert!(lib.contains("#![deny(warnings)]"));
        let manifest = manifest(Path::new("/a \"b\"/arazzo-runtime"));
        let engines = if cfg!(feature = "xpath31") {
            r#"["regex", "jsonpath", "xpath", "xpath31"]"#
        } else {
            r#"["regex", "jsonpath", "xpath"]"#
        };
        assert!(manifest.contains(&format!(
            r#"arazzo-runtime = {{ path = "/a \"b\"/arazzo-runtime", features = {engines} }}"#
        )));
        assert!(manifest.ends_with("[workspace]\n"));
    }
}
