//! The build.rs API, in the style of `prost-build`.

use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, FileId, SourceText};
use crate::generator::{Failure, Generated, Generator};

/// Generates Rust for Arazzo documents from a build script:
///
/// ```no_run
/// // build.rs
/// fn main() -> Result<(), Box<dyn std::error::Error>> {
///     arazzo_codegen::Builder::new()
///         .compile(&["../specs/arazzo/generate-token-then-broadcast.arazzo.yml"])?;
///     Ok(())
/// }
/// ```
///
/// and in the crate: `arazzo_runtime::include_workflows!("generate-token-then-broadcast");`.
/// Each document becomes `$OUT_DIR/<name>.rs`, `<name>` being its file name without
/// `.arazzo.yml` (or `.yaml`, `.json`). Every file read is reported with
/// `cargo::rerun-if-changed`; warnings become `cargo::warning` lines; errors fail the build
/// with every diagnostic, rendered rustc-style.
#[derive(Debug, Clone, Default)]
pub struct Builder {
    generator: Generator,
    out_dir: Option<PathBuf>,
}

impl Builder {
    /// A builder writing to `$OUT_DIR`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Writes generated files to `dir` instead of `$OUT_DIR`.
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// Reads source descriptions whose URL starts with `from` from the local path `to`.
    pub fn map(mut self, from: impl Into<String>, to: impl Into<PathBuf>) -> Self {
        self.generator = self.generator.map(from, to);
        self
    }

    /// Makes the lenient readings errors instead of warnings: an unbraced expression inside a
    /// longer string (`"Bearer $inputs.token"`), a pre-1.0.1 expression form, a JSONPath
    /// criterion written as a comparison (`$.status == "done"`).
    pub fn strict(mut self, strict: bool) -> Self {
        self.generator = self.generator.strict(strict);
        self
    }

    /// How many steps a branching workflow may run before it fails with
    /// `WorkflowError::StepBudgetExceeded` (default 1000): ends `goto` loops.
    pub fn step_budget(mut self, steps: usize) -> Self {
        self.generator = self.generator.step_budget(steps);
        self
    }

    /// Which serde traits generated types implement: `Deserialize` on inputs structs when
    /// `inputs` (to read inputs from JSON or config), `Serialize` on outputs structs when
    /// `outputs` (to write them out); both by default. Each costs compile time.
    pub fn serde(mut self, inputs: bool, outputs: bool) -> Self {
        self.generator = self.generator.serde(inputs, outputs);
        self
    }

    /// Silences warnings with this code (one of [`LINTS`](crate::LINTS)), as `#[allow(...)]`
    /// does in Rust: for a document kept exactly as its author wrote it. Any other code fails
    /// the build with an `invalid-option` error.
    pub fn allow(mut self, code: impl Into<String>) -> Self {
        self.generator = self.generator.allow(code);
        self
    }

    /// Makes warnings with this code (one of [`LINTS`](crate::LINTS)) errors, as
    /// `#[deny(...)]` does.
    pub fn deny(mut self, code: impl Into<String>) -> Self {
        self.generator = self.generator.deny(code);
        self
    }

    /// Adds `attribute` (`#[non_exhaustive]`, `#[serde(rename_all = "camelCase")]`) to the
    /// generated types `path` selects, like `prost-build`'s `type_attribute`: `"."` every
    /// type, a workflow id that workflow's types (inputs, the types inputs use, outputs,
    /// message output types), another path the generated type of that name. An attribute
    /// that does not parse fails the build with an `invalid-option` error naming it. See
    /// [`Generator::type_attribute`].
    pub fn type_attribute(mut self, path: impl Into<String>, attribute: impl Into<String>) -> Self {
        self.generator = self.generator.type_attribute(path, attribute);
        self
    }

    /// Adds `#[derive(...)]` with `derives` (`["Eq", "Hash"]`) to the types `path` selects
    /// (as [`type_attribute`](Self::type_attribute)). Generated types already derive
    /// `Clone`, `PartialEq` and `Debug`.
    pub fn derive<I, S>(mut self, path: impl Into<String>, derives: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.generator = self.generator.derive(path, derives);
        self
    }

    /// The path generated code names the runtime crate by (default `::arazzo_runtime`), like
    /// `prost-build`'s `prost_path`: for a crate that re-exports `arazzo_runtime`.
    pub fn runtime_path(mut self, path: impl Into<String>) -> Self {
        self.generator = self.generator.runtime_path(path);
        self
    }

    /// Checks and generates each document. All documents are checked even when one fails;
    /// the error then holds every diagnostic of every failing document.
    pub fn compile(&self, documents: &[impl AsRef<Path>]) -> Result<(), BuildError> {
        self.run(documents, true)
    }

    /// Checks each document without writing code (for a crate that only guards specs).
    pub fn check(&self, documents: &[impl AsRef<Path>]) -> Result<(), BuildError> {
        self.run(documents, false)
    }

    fn run(&self, documents: &[impl AsRef<Path>], write: bool) -> Result<(), BuildError> {
        let out_dir = match (&self.out_dir, write) {
            // `check` writes nothing, even with an `out_dir` set.
            (_, false) => None,
            (Some(dir), true) => Some(dir.clone()),
            (None, true) => Some(std::env::var_os("OUT_DIR").map(PathBuf::from).ok_or_else(
                || {
                    BuildError::Io(
                        "OUT_DIR is not set: call `compile` from a build script or set `out_dir`"
                            .into(),
                    )
                },
            )?),
        };
        // The criteria engines the runtime this crate depends on was built with, when it
        // depends on `arazzo-runtime` directly (its build script passes them on).
        let runtime = std::env::var("DEP_ARAZZO_RUNTIME_FEATURES").ok();
        let mut failures = Vec::new();
        for doc in documents {
            let path = doc.as_ref();
            let result = if write {
                self.generator.generate(path)
            } else {
                self.generator.check(path)
            };
            match result {
                Ok(generated)
                    if write && !missing_features(&generated, runtime.as_deref()).is_empty() =>
                {
                    rerun(&generated.files_read);
                    let missing = missing_features(&generated, runtime.as_deref());
                    failures.push(missing_feature_failure(
                        path,
                        &missing,
                        generated.files_read,
                    ));
                }
                Ok(generated) => {
                    rerun(&generated.files_read);
                    for warning in &generated.warnings {
                        for line in warning.lines() {
                            println!("cargo::warning={line}");
                        }
                    }
                    if let Some(dir) = &out_dir {
                        let module = module_name(path);
                        if let Some(first) = claim(dir, &module, path) {
                            failures.push(duplicate_module(&module, &first, path));
                            continue;
                        }
                        let target = dir.join(format!("{module}.rs"));
                        write_if_changed(&target, &generated.code).map_err(|e| {
                            BuildError::Io(format!("cannot write {}: {e}", target.display()))
                        })?;
                    }
                }
                Err(failure) => {
                    rerun(&failure.files_read);
                    failures.push(failure);
                }
            }
        }
        if let Some(dir) = &out_dir {
            let target = dir.join(INDEX);
            write_if_changed(&target, &index(dir))
                .map_err(|e| BuildError::Io(format!("cannot write {}: {e}", target.display())))?;
        }
        if failures.is_empty() {
            Ok(())
        } else {
            Err(BuildError::Invalid(failures))
        }
    }
}

/// Why `Builder::compile` failed.
pub enum BuildError {
    /// Documents with errors, each with all its diagnostics.
    Invalid(Vec<Failure>),
    /// A file could not be written.
    Io(String),
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BuildError::Invalid(failures) => {
                for failure in failures {
                    write!(f, "\n{failure}")?;
                }
                Ok(())
            }
            BuildError::Io(message) => f.write_str(message),
        }
    }
}

impl std::fmt::Debug for BuildError {
    // build.rs's `main` prints errors with `Debug`: show the rendered diagnostics.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for BuildError {}

/// The features `generated` needs that `available` (the runtime's, comma-separated) lacks;
/// none when the runtime's features are unknown.
fn missing_features(generated: &Generated, available: Option<&str>) -> Vec<&'static str> {
    let Some(available) = available else {
        return Vec::new();
    };
    generated
        .runtime_features
        .iter()
        .copied()
        .filter(|f| !available.split(',').any(|a| a == *f))
        .collect()
}

/// A build error naming the features to enable, before the generated code fails to compile.
fn missing_feature_failure(path: &Path, missing: &[&str], files_read: Vec<PathBuf>) -> Failure {
    let quoted: Vec<String> = missing.iter().map(|f| format!("\"{f}\"")).collect();
    let diagnostic = Diagnostic::error(
        "missing-runtime-feature",
        format!(
            "`{}` has {} success criteria{}, which arazzo-runtime evaluates only with its {} feature{}",
            path.display(),
            missing.join(" and "),
            // Both engines also evaluate Selector Objects.
            if missing.iter().any(|f| matches!(*f, "jsonpath" | "xpath31")) {
                " or selectors"
            } else {
                ""
            },
            missing.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(" and "),
            if missing.len() == 1 { "" } else { "s" }
        ),
    )
    .help(format!(
        "enable {} where the crate depends on the runtime: arazzo-runtime = {{ ..., features = [{}] }}",
        if missing.len() == 1 { "it" } else { "them" },
        quoted.join(", ")
    ));
    let rendered = format!(
        "{}\nerror: could not generate `{}`: 1 error\n",
        diagnostic.render(&NoSource),
        path.display()
    );
    Failure {
        diagnostics: vec![diagnostic],
        rendered,
        files_read,
    }
}

/// Diagnostics without a place in a file render without a snippet.
struct NoSource;

impl SourceText for NoSource {
    fn source(&self, _: FileId) -> Option<(String, &str)> {
        None
    }
}

fn rerun(paths: &[PathBuf]) {
    for p in paths {
        println!("cargo::rerun-if-changed={}", p.display());
    }
}

/// The modules this build script wrote, by output directory: (directory, module, document).
/// A build script is one process, so this sees every `compile` call of one build.
static WRITTEN: std::sync::Mutex<Vec<(PathBuf, String, PathBuf)>> =
    std::sync::Mutex::new(Vec::new());

/// Records that `document` is generated into `dir` as `module`; the document that already
/// claimed that module in this build, if another one did.
fn claim(dir: &Path, module: &str, document: &Path) -> Option<PathBuf> {
    let mut written = WRITTEN
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let same = |d: &Path| d == document || d.canonicalize().ok() == document.canonicalize().ok();
    if let Some((_, _, first)) = written.iter().find(|(d, m, _)| d == dir && m == module) {
        return (!same(first)).then(|| first.clone());
    }
    written.push((dir.to_owned(), module.to_owned(), document.to_owned()));
    None
}

/// Records that an earlier process of the same build script generated `document` into
/// `dir`, so that this process's module index lists it too: `arazzo-build` runs one
/// generator process per `compile` call. Not public API.
#[doc(hidden)]
pub fn __generated_earlier(dir: &Path, document: &Path) {
    claim(dir, &module_name(document), document);
}

/// The file beside the modules that `arazzo_runtime::include_workflows!` reads to tell a name
/// that was never generated from one that was.
const INDEX: &str = "arazzo-codegen-modules.rs";

/// The index of the modules written into `dir` in this build: a macro that accepts each
/// module's name and hands any other name, with the list, to the runtime's
/// `__unknown_workflows!` (a compile error listing them). rustc's own error for a missing
/// `include!` file names only the path it tried.
fn index(dir: &Path) -> String {
    let written = WRITTEN
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let mut modules: Vec<&str> = written
        .iter()
        .filter(|(d, _, _)| d == dir)
        .map(|(_, m, _)| m.as_str())
        .collect();
    modules.sort_unstable();
    let arms: String = modules
        .iter()
        .map(|m| format!("    ($runtime:tt, {m:?}) => {{}};\n"))
        .collect();
    let listed: Vec<String> = modules.iter().map(|m| format!("`{m}`")).collect();
    format!(
        "// Written by arazzo-codegen's Builder: the modules `include_workflows!` can include.\n\
         macro_rules! __arazzo_codegen_modules {{\n\
         {arms}    ($runtime:tt, $other:tt) => {{\n        \
         $runtime::__unknown_workflows!($other, {:?});\n    \
         }};\n\
         }}\n",
        listed.join(", ")
    )
}

/// The build error for two documents that would both be `$OUT_DIR/<module>.rs`.
fn duplicate_module(module: &str, first: &Path, second: &Path) -> Failure {
    let diagnostic = Diagnostic::error(
        "duplicate-module",
        format!(
            "`{}` and `{}` would both be generated into `{module}.rs`",
            first.display(),
            second.display()
        ),
    )
    .help("each document's file name (without `.arazzo.yml`) names its module: rename one of them");
    let rendered = format!(
        "{}\nerror: could not generate `{}`: 1 error\n",
        diagnostic.render(&NoSource),
        second.display()
    );
    Failure {
        diagnostics: vec![diagnostic],
        rendered,
        files_read: Vec::new(),
    }
}

/// `specs/arazzo/generate-token-then-broadcast.arazzo.yml` → `generate-token-then-broadcast`.
pub fn module_name(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for suffix in [
        ".arazzo.yml",
        ".arazzo.yaml",
        ".arazzo.json",
        ".yml",
        ".yaml",
        ".json",
    ] {
        if let Some(stem) = name.strip_suffix(suffix) {
            return stem.to_owned();
        }
    }
    name
}

/// Leaves an unchanged file alone, so its mtime does not trigger rebuilds.
fn write_if_changed(path: &Path, contents: &str) -> std::io::Result<()> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == contents) {
        return Ok(());
    }
    std::fs::write(path, contents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(all(feature = "regex", feature = "jsonpath", feature = "xpath"))]
    fn a_feature_the_runtime_lacks_is_a_build_error_naming_it() {
        let generated = Generator::new()
            .generate(Path::new("tests/features/criteria-kinds.arazzo.yml"))
            .unwrap();
        assert!(
            missing_features(&generated, None).is_empty(),
            "unknown: no check"
        );
        assert!(missing_features(&generated, Some("regex,jsonpath,xpath")).is_empty());
        let missing = missing_features(&generated, Some("regex"));
        assert_eq!(missing, ["jsonpath", "xpath"]);
        let failure = missing_feature_failure(Path::new("x.arazzo.yml"), &missing, Vec::new());
        assert_eq!(
            failure.rendered,
            "error[arazzo::missing-runtime-feature]: `x.arazzo.yml` has jsonpath and xpath success criteria or selectors, which arazzo-runtime evaluates only with its `jsonpath` and `xpath` features\n\
             help: enable them where the crate depends on the runtime: arazzo-runtime = { ..., features = [\"jsonpath\", \"xpath\"] }\n\
             \n\
             error: could not generate `x.arazzo.yml`: 1 error\n"
        );
    }

    #[test]
    #[cfg(all(feature = "regex", feature = "jsonpath", feature = "xpath"))]
    fn two_documents_of_one_module_name_are_a_build_error_naming_both() {
        let tmp =
            std::env::temp_dir().join(format!("arazzo-duplicate-module-{}", std::process::id()));
        let (a, b, out) = (tmp.join("a"), tmp.join("b"), tmp.join("out"));
        for dir in [&a, &b, &out] {
            std::fs::create_dir_all(dir).unwrap();
        }
        for dir in [&a, &b] {
            for file in ["requests.arazzo.yml", "requests.openapi.yml"] {
                std::fs::copy(Path::new("tests/e2e").join(file), dir.join(file)).unwrap();
            }
        }
        let (first, second) = (a.join("requests.arazzo.yml"), b.join("requests.arazzo.yml"));
        let err = Builder::new()
            .out_dir(&out)
            .compile(&[&first, &second])
            .unwrap_err();
        let BuildError::Invalid(failures) = &err else {
            panic!("{err}");
        };
        assert_eq!(failures.len(), 1, "{err}");
        let d = &failures[0].diagnostics[0];
        assert_eq!(d.code, "duplicate-module");
        assert_eq!(
            d.message,
            format!(
                "`{}` and `{}` would both be generated into `requests.rs`",
                first.display(),
                second.display()
            )
        );
        // The first one was written; the same document again is no conflict.
        assert!(out.join("requests.rs").is_file());
        Builder::new().out_dir(&out).compile(&[&first]).unwrap();
        std::fs::remove_dir_all(&tmp).unwrap();
    }

    #[test]
    fn module_names_drop_the_suffix() {
        assert_eq!(module_name(Path::new("a/b/x-y.arazzo.yml")), "x-y");
        assert_eq!(module_name(Path::new("flow.arazzo.json")), "flow");
        assert_eq!(module_name(Path::new("flow.yaml")), "flow");
    }
}
