//! One run of the pipeline over one Arazzo document: load → check → plan → emit.

use std::path::{Path, PathBuf};

use crate::check::{self, Options};
use crate::diagnostic::Diagnostic;
use crate::load::Files;

/// The stack [`Generator::generate`] runs on (64 MiB). Reserved address space, not memory:
/// only the pages a deep document touches are committed.
const STACK_SIZE: usize = 64 * 1024 * 1024;

/// Runs the pipeline. Configure it once and run it on each document.
#[derive(Debug, Clone, Default)]
pub struct Generator {
    maps: Vec<(String, PathBuf)>,
    options: Options,
    /// As given to [`Generator::runtime_path`]; `None` for `::arazzo_runtime`.
    runtime_path: Option<String>,
    /// Warning codes given to [`Generator::allow`] and [`Generator::deny`], in call order
    /// (a later call for the same code wins).
    levels: Vec<(String, Level)>,
}

/// What [`Generator::allow`] and [`Generator::deny`] make of a warning code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Allow,
    Deny,
}

/// The codes of the warnings [`Generator::allow`] and [`Generator::deny`] take, sorted.
/// Errors cannot be allowed: they stop generation.
pub const LINTS: &[&str] = &[
    "duplicate-operation-id",
    "ignored-context",
    "indistinct-message",
    "invalid-id",
    "invalid-openapi",
    "jsonpath-draft",
    "lenient-expression",
    "lenient-jsonpath",
    "literal-output",
    "message-headers-over-websocket",
    "no-server",
    "not-an-expression",
    "optional-path-parameter",
    "suspicious-criterion",
    "unbraced-expression",
    "undeclared-parameter",
    "undeclared-property",
    "undocumented-status",
];

/// A successful run: the generated code, and warnings worth showing.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The formatted Rust source (empty from [`Generator::check`], which stops before it).
    pub code: String,
    /// Rendered warnings (empty when there are none).
    pub warnings: Vec<String>,
    /// The same warnings as data, each with its [`Location`](crate::Location).
    pub diagnostics: Vec<Diagnostic>,
    /// Every file read (the Arazzo document, OpenAPI descriptions, `$ref` targets).
    pub files_read: Vec<PathBuf>,
    /// The cargo features of `arazzo-runtime` the code needs (`regex`, `jsonpath`, `xpath`:
    /// one per criterion type it evaluates; `xpath31` for XPath 3.1 criteria and selectors). Without them it fails to compile with a message
    /// naming the feature.
    pub runtime_features: Vec<&'static str>,
}

/// A failed run: every diagnostic, rendered rustc-style.
#[derive(Clone)]
pub struct Failure {
    /// The diagnostics (errors and warnings) as data, each with its
    /// [`Location`](crate::Location).
    pub diagnostics: Vec<Diagnostic>,
    /// All of them rendered, with a closing summary line.
    pub rendered: String,
    /// Every file read before the run stopped.
    pub files_read: Vec<PathBuf>,
}

impl std::fmt::Debug for Failure {
    // build.rs prints a returned error with `Debug`: show the diagnostics as rustc would.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.rendered)
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.rendered)
    }
}

impl std::error::Error for Failure {}

impl Generator {
    /// A generator with no URL remaps and warnings for unbraced expressions.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads source descriptions whose URL starts with `from` from `to` instead (for URLs
    /// that cannot be fetched at build time).
    pub fn map(mut self, from: impl Into<String>, to: impl Into<PathBuf>) -> Self {
        self.maps.push((from.into(), to.into()));
        self
    }

    /// Makes the lenient readings errors: an unbraced expression inside a longer string, a
    /// pre-1.0.1 expression form, a JSONPath criterion written as a comparison.
    pub fn strict(mut self, strict: bool) -> Self {
        self.options.strict = strict;
        self
    }

    /// How many steps a branching workflow may run before it fails (default 1000).
    pub fn step_budget(mut self, steps: usize) -> Self {
        self.options.step_budget = steps;
        self
    }

    /// Which serde traits generated types implement: `Deserialize` on inputs structs when
    /// `inputs`, `Serialize` on outputs structs when `outputs` (both by default). Each costs
    /// compile time in the crate that includes the code; turn off what it does not use.
    pub fn serde(mut self, inputs: bool, outputs: bool) -> Self {
        self.options.serde = crate::plan::Serde { inputs, outputs };
        self
    }

    /// Silences warnings with this code (one of [`LINTS`]), as `#[allow(...)]` does in Rust:
    /// for a document kept as its author wrote it. Any other code is an `invalid-option`
    /// error.
    pub fn allow(mut self, code: impl Into<String>) -> Self {
        self.levels.push((code.into(), Level::Allow));
        self
    }

    /// Makes warnings with this code (one of [`LINTS`]) errors, as `#[deny(...)]` does.
    pub fn deny(mut self, code: impl Into<String>) -> Self {
        self.levels.push((code.into(), Level::Deny));
        self
    }

    /// Adds `attribute` (an outer attribute, `#[non_exhaustive]`, `#[serde(rename_all =
    /// "camelCase")]`) to the generated types `path` selects, as `prost-build`'s
    /// `type_attribute` does: `"."` every type; a workflow id the types of that workflow (its
    /// inputs struct, the enums and structs the inputs use, its outputs struct, the types of
    /// message outputs); any other path the generated type of that name (`BuyPetInputs`). A
    /// path that selects nothing in a document is no error there (one builder compiles many
    /// documents). The attributes follow the generated derives, in call order. One that does
    /// not parse is an `invalid-option` error naming it.
    pub fn type_attribute(mut self, path: impl Into<String>, attribute: impl Into<String>) -> Self {
        self.options
            .type_attributes
            .push(crate::plan::TypeAttribute {
                path: path.into(),
                attribute: attribute.into(),
            });
        self
    }

    /// Adds `#[derive(...)]` with `derives` (`["Eq", "Hash"]`, `["::std::hash::Hash"]`) to the
    /// types `path` selects, as [`type_attribute`](Self::type_attribute) does. Generated types
    /// already derive `Clone`, `PartialEq` and (unless an output is a credential) `Debug`,
    /// plus the serde traits [`serde`](Self::serde) asks for.
    pub fn derive<I, S>(self, path: impl Into<String>, derives: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let list: Vec<String> = derives.into_iter().map(|d| d.as_ref().to_owned()).collect();
        self.type_attribute(path, format!("#[derive({})]", list.join(", ")))
    }

    /// The path generated code names the runtime crate by (default `::arazzo_runtime`), as
    /// `prost-build`'s `prost_path`: for a crate that re-exports the runtime, say
    /// `"::my_sdk::runtime"`. Every path into the runtime in the generated code starts with it.
    pub fn runtime_path(mut self, path: impl Into<String>) -> Self {
        self.runtime_path = Some(path.into());
        self
    }

    /// Checks `path` and generates its code.
    ///
    /// The work runs on a thread of its own with a 64 MiB stack, so the nesting limits
    /// (see the README's "Limits") hold whatever thread calls this: test threads and some
    /// build environments have 2 MiB, and unoptimised builds use large frames.
    pub fn generate(&self, path: &Path) -> Result<Generated, Failure> {
        self.on_big_stack(path, true)
    }

    /// Checks `path` as [`generate`](Self::generate) does, with the same diagnostics, but
    /// stops before emitting code: the result's `code` is empty. For `arazzo-codegen check`
    /// and [`Builder::check`](crate::Builder::check), where emission was most of the time.
    pub fn check(&self, path: &Path) -> Result<Generated, Failure> {
        self.on_big_stack(path, false)
    }

    fn on_big_stack(&self, path: &Path, emit: bool) -> Result<Generated, Failure> {
        std::thread::scope(|scope| {
            let worker = std::thread::Builder::new()
                .name("arazzo-codegen".into())
                .stack_size(STACK_SIZE)
                .spawn_scoped(scope, || self.generate_here(path, emit));
            match worker {
                Ok(handle) => handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                // No thread to be had: run here, on the caller's stack.
                Err(_) => self.generate_here(path, emit),
            }
        })
    }

    fn generate_here(&self, path: &Path, emit: bool) -> Result<Generated, Failure> {
        let mut files = Files::new(self.maps.clone());
        let fail = |files: &Files, mut diagnostics: Vec<Diagnostic>| {
            crate::diagnostic::locate_all(&mut diagnostics, files);
            Failure {
                rendered: render(&diagnostics, files, path, emit),
                files_read: files.paths().into_iter().map(Path::to_path_buf).collect(),
                diagnostics,
            }
        };
        let unknown: Vec<Diagnostic> = self
            .levels
            .iter()
            .filter(|(code, _)| !LINTS.contains(&code.as_str()))
            .map(|(code, _)| unknown_lint(code))
            .collect();
        if !unknown.is_empty() {
            return Err(fail(&files, unknown));
        }
        let runtime = self.runtime_path.as_deref();
        if let Some(shown) = runtime
            && syn::parse_str::<syn::Path>(shown).is_err()
        {
            let d = Diagnostic::error(
                "invalid-option",
                format!("the runtime path `{shown}` is not a Rust path"),
            )
            .help("write a path such as `::arazzo_runtime` or `crate::runtime`");
            return Err(fail(&files, vec![d]));
        }
        let bad_attributes: Vec<Diagnostic> = self
            .options
            .type_attributes
            .iter()
            .filter_map(invalid_type_attribute)
            .collect();
        if !bad_attributes.is_empty() {
            return Err(fail(&files, bad_attributes));
        }
        let file = match files.load_all(path) {
            Ok(file) => file,
            Err(d) => return Err(fail(&files, vec![d])),
        };
        let (plan, mut diagnostics) = check::check(&files, file, &self.options);
        self.apply_levels(&mut diagnostics);
        let plan = plan.filter(|_| !diagnostics.iter().any(Diagnostic::is_error));
        let Some(plan) = plan else {
            return Err(fail(&files, diagnostics));
        };
        let emitted = if emit {
            crate::emit::emit(&plan, runtime)
        } else {
            Ok(String::new())
        };
        let code = match emitted {
            Ok(code) => code,
            Err(err) => {
                let d = Diagnostic::error(
                    "internal",
                    format!("the generated code did not parse: {err}"),
                )
                .help("this is a bug in arazzo-codegen: please report it with the Arazzo document");
                return Err(fail(&files, vec![d]));
            }
        };
        Ok(Generated {
            runtime_features: plan
                .runtime_features()
                .into_iter()
                .map(|f| f.name())
                .collect(),
            code,
            warnings: {
                let (shown, _, hidden) = crate::diagnostic::shown(&diagnostics);
                let mut warnings: Vec<String> = shown.iter().map(|d| d.render(&files)).collect();
                if hidden > 0 {
                    warnings.push(format!("note: and {hidden} more warnings, not shown\n"));
                }
                warnings
            },
            diagnostics: {
                crate::diagnostic::locate_all(&mut diagnostics, &files);
                diagnostics
            },
            files_read: files.paths().into_iter().map(Path::to_path_buf).collect(),
        })
    }

    /// Drops allowed warnings and turns denied ones into errors.
    fn apply_levels(&self, diagnostics: &mut Vec<Diagnostic>) {
        if self.levels.is_empty() {
            return;
        }
        let level = |code: &str| {
            self.levels
                .iter()
                .rev()
                .find(|(c, _)| c == code)
                .map(|&(_, level)| level)
        };
        diagnostics.retain_mut(|d| {
            if d.is_error() {
                return true;
            }
            match level(d.code) {
                Some(Level::Allow) => false,
                Some(Level::Deny) => {
                    d.severity = crate::diagnostic::Severity::Error;
                    d.notes
                        .push(format!("`{}` is denied by this build's settings", d.code));
                    true
                }
                None => true,
            }
        });
    }
}

/// The error for a type attribute that is not one outer attribute (`#[...]`) whose
/// contents parse, or for an empty path; `None` when it is fine.
fn invalid_type_attribute(a: &crate::plan::TypeAttribute) -> Option<Diagnostic> {
    use syn::parse::Parser;
    if a.path.is_empty() {
        return Some(
            Diagnostic::error(
                "invalid-option",
                format!(
                    "the type attribute `{}` has an empty path, which selects no type",
                    a.attribute
                ),
            )
            .help("use `.` for every type, a workflow id or a generated type's name"),
        );
    }
    let problem = match syn::Attribute::parse_outer.parse_str(&a.attribute) {
        // rustc would be the first to read a derive's list: check it names paths here.
        Ok(attrs) if attrs.len() == 1 && attrs[0].path().is_ident("derive") => {
            match attrs[0].parse_args_with(
                syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
            ) {
                Ok(_) => return None,
                Err(e) => format!("the derive list does not parse: {e}"),
            }
        }
        Ok(attrs) if attrs.len() == 1 => return None,
        Ok(attrs) if attrs.is_empty() => "it holds no attribute".to_owned(),
        Ok(_) => "it holds more than one attribute; add each on its own".to_owned(),
        Err(e) => e.to_string(),
    };
    Some(
        Diagnostic::error(
            "invalid-option",
            format!(
                "the type attribute `{}` (for `{}`) is not a Rust attribute: {problem}",
                a.attribute, a.path
            ),
        )
        .help("write one outer attribute, such as `#[non_exhaustive]` or `#[derive(Eq, Hash)]`"),
    )
}

/// The error for an `allow`/`deny` code that names no warning.
fn unknown_lint(code: &str) -> Diagnostic {
    let close = crate::suggest::similar(code, LINTS);
    let help = if close.is_empty() {
        format!(
            "the codes that can be allowed or denied are {}",
            crate::suggest::one_of(LINTS)
        )
    } else {
        format!("did you mean {}?", crate::suggest::one_of(&close))
    };
    Diagnostic::error(
        "invalid-option",
        format!("`{code}` is not the code of a warning, so it cannot be allowed or denied"),
    )
    .help(help)
}

/// Every diagnostic rendered, then the trailer: what failed (generation, or the check when
/// `emit` is off) and how many errors and warnings.
fn render(diagnostics: &[Diagnostic], files: &Files, path: &Path, emit: bool) -> String {
    let mut out = String::new();
    let (shown, hidden_errors, hidden_warnings) = crate::diagnostic::shown(diagnostics);
    for d in shown {
        out.push_str(&d.render(files));
        out.push('\n');
    }
    if hidden_errors + hidden_warnings > 0 {
        out.push_str(&format!(
            "note: and {hidden_errors} more errors and {hidden_warnings} more warnings, not shown\n\n"
        ));
    }
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    let plural = |n: usize, w: &str| {
        if n == 1 {
            format!("1 {w}")
        } else {
            format!("{n} {w}s")
        }
    };
    out.push_str(&format!(
        "error: {} `{}`: {}",
        if emit {
            "could not generate"
        } else {
            "check failed for"
        },
        path.display(),
        plural(errors, "error")
    ));
    if warnings > 0 {
        out.push_str(&format!(" and {}", plural(warnings, "warning")));
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_runtime_path_that_is_not_a_path_is_an_error() {
        let failure = Generator::new()
            .runtime_path("not a path!")
            .generate(Path::new("tests/features/conditions.arazzo.yml"))
            .unwrap_err();
        assert_eq!(failure.diagnostics[0].code, "invalid-option");
        assert!(
            failure.rendered.contains("`not a path!`"),
            "{}",
            failure.rendered
        );
    }

    #[test]
    #[cfg(all(feature = "regex", feature = "jsonpath", feature = "xpath"))]
    fn reports_the_runtime_features_the_criteria_need() {
        let features = |document: &str| {
            Generator::new()
                .generate(Path::new(document))
                .unwrap()
                .runtime_features
        };
        assert_eq!(
            features("tests/features/criteria-kinds.arazzo.yml"),
            ["regex", "jsonpath", "xpath"]
        );
        assert!(features("tests/features/conditions.arazzo.yml").is_empty());
    }

    /// Without the criteria features, each criterion they check is an error at the criterion
    /// that names its feature and how to turn it on, and the rest of the document is checked.
    #[test]
    #[cfg(not(any(feature = "regex", feature = "jsonpath", feature = "xpath")))]
    fn a_criterion_whose_feature_is_off_is_an_error_naming_it() {
        let failure = Generator::new()
            .generate(Path::new("tests/features/criteria-kinds.arazzo.yml"))
            .unwrap_err();
        let rendered = &failure.rendered;
        for (feature, what) in [
            ("regex", "a regex criterion"),
            ("jsonpath", "a JSONPath query"),
            ("xpath", "an XPath 1.0 condition"),
        ] {
            let error = failure
                .diagnostics
                .iter()
                .find(|d| d.message.contains(&format!("`{feature}` feature")))
                .unwrap_or_else(|| panic!("no error for `{feature}`:\n{rendered}"));
            assert_eq!(error.code, "invalid-criterion", "{rendered}");
            assert!(
                error.message.starts_with(&format!("checking {what} ")),
                "{rendered}"
            );
            assert!(error.location.is_some(), "not located: {rendered}");
            let help = error.help.as_deref().unwrap_or_default();
            assert!(
                help.contains(&format!("features = [\"{feature}\"]")),
                "{rendered}"
            );
        }
        // Nothing else: the simple conditions and the rest of the document pass.
        assert!(
            failure
                .diagnostics
                .iter()
                .all(|d| d.message.contains("feature, which this build turned off")),
            "{rendered}"
        );
    }
}
