//! The `build.rs` front end of `arazzo-codegen` that runs an installed `arazzo-codegen`
//! binary, as `prost-build` runs `protoc`.
//!
//! `arazzo_codegen::Builder` compiles the whole generator (YAML reader, checker, `syn`,
//! `prettyplease`) into every build that uses it, at opt-level 0, before the build script can
//! run: a third more build time for a small crate. This crate has no dependencies; the binary
//! (`cargo install arazzo-codegen-cli`, once per machine) does the work and writes the same
//! files, the same `cargo::` lines and the same diagnostics.
//!
//! ```no_run
//! // build.rs
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     arazzo_build::Builder::new()
//!         .compile(&["specs/arazzo/generate-token-then-broadcast.arazzo.yml"])?;
//!     Ok(())
//! }
//! ```
//!
//! and in the crate, as with `arazzo-codegen`:
//! `arazzo_runtime::include_workflows!("generate-token-then-broadcast");`.

#![deny(missing_docs)]

#[doc(hidden)]
pub mod __protocol {
    //! Not public API: the argument list `arazzo-codegen build-script` reads.
    pub use crate::protocol::*;
}
mod protocol;

use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use protocol::{Op, Request};

/// The environment variable naming the binary, as `PROTOC` does for `prost-build`.
pub const ENV: &str = "ARAZZO_CODEGEN";

/// The most of the binary's error output kept: its rendered diagnostics. More is cut, with a
/// line saying so, rather than held without bound.
const MAX_STDERR: u64 = 16 << 20;

/// Generates Rust for Arazzo documents from a build script by running the `arazzo-codegen`
/// binary: the same settings as `arazzo_codegen::Builder`, the same output. Each document
/// becomes `$OUT_DIR/<name>.rs`; every file read is reported with `cargo::rerun-if-changed`;
/// warnings become `cargo::warning` lines; errors fail the build with every diagnostic,
/// rendered rustc-style.
///
/// The binary is the one [`codegen_path`](Self::codegen_path) names, else `$ARAZZO_CODEGEN`,
/// else `arazzo-codegen` on `PATH`; it must be this crate's version.
#[derive(Debug, Clone, Default)]
pub struct Builder {
    ops: Vec<Op>,
    out_dir: Option<PathBuf>,
    codegen: Option<PathBuf>,
}

impl Builder {
    /// A builder writing to `$OUT_DIR`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs this `arazzo-codegen` binary, over `$ARAZZO_CODEGEN` and `PATH`.
    pub fn codegen_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.codegen = Some(path.into());
        self
    }

    /// Writes generated files to `dir` instead of `$OUT_DIR`.
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// Reads source descriptions whose URL starts with `from` from the local path `to`.
    pub fn map(self, from: impl Into<String>, to: impl Into<PathBuf>) -> Self {
        self.op(Op::Map(from.into(), to.into()))
    }

    /// Makes the lenient readings errors instead of warnings: an unbraced expression inside a
    /// longer string, a pre-1.0.1 expression form, a JSONPath criterion written as a
    /// comparison.
    pub fn strict(self, strict: bool) -> Self {
        self.op(Op::Strict(strict))
    }

    /// How many steps a branching workflow may run before it fails with
    /// `WorkflowError::StepBudgetExceeded` (default 1000): ends `goto` loops.
    pub fn step_budget(self, steps: usize) -> Self {
        self.op(Op::StepBudget(steps))
    }

    /// Which serde traits generated types get: `Deserialize` on inputs structs when `inputs`,
    /// `Serialize` on outputs structs when `outputs`; both by default.
    pub fn serde(self, inputs: bool, outputs: bool) -> Self {
        self.op(Op::Serde(inputs, outputs))
    }

    /// Silences warnings with this code, as `#[allow(...)]` does. An unknown code fails the
    /// build with an `invalid-option` error.
    pub fn allow(self, code: impl Into<String>) -> Self {
        self.op(Op::Allow(code.into()))
    }

    /// Makes warnings with this code errors, as `#[deny(...)]` does.
    pub fn deny(self, code: impl Into<String>) -> Self {
        self.op(Op::Deny(code.into()))
    }

    /// Adds `attribute` to the generated types `path` selects (`"."` every type, a workflow id
    /// that workflow's types, another path the generated type of that name), like
    /// `prost-build`'s `type_attribute`.
    pub fn type_attribute(self, path: impl Into<String>, attribute: impl Into<String>) -> Self {
        self.op(Op::TypeAttribute(path.into(), attribute.into()))
    }

    /// Adds `#[derive(...)]` with `derives` (`["Eq", "Hash"]`) to the types `path` selects.
    pub fn derive<I, S>(self, path: impl Into<String>, derives: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let derives = derives.into_iter().map(|d| d.as_ref().to_owned()).collect();
        self.op(Op::Derive(path.into(), derives))
    }

    /// The path generated code names the runtime crate by (default `::arazzo_runtime`).
    pub fn runtime_path(self, path: impl Into<String>) -> Self {
        self.op(Op::RuntimePath(path.into()))
    }

    /// Checks and generates each document. All documents are checked even when one fails;
    /// the error then holds every diagnostic of every failing document.
    pub fn compile(&self, documents: &[impl AsRef<Path>]) -> Result<(), BuildError> {
        self.run(documents, true)
    }

    /// Checks each document without writing code.
    pub fn check(&self, documents: &[impl AsRef<Path>]) -> Result<(), BuildError> {
        self.run(documents, false)
    }

    fn op(mut self, op: Op) -> Self {
        self.ops.push(op);
        self
    }

    fn run(&self, documents: &[impl AsRef<Path>], write: bool) -> Result<(), BuildError> {
        println!("cargo::rerun-if-env-changed={ENV}");
        let binary = self.binary()?;
        println!("cargo::rerun-if-changed={}", binary.display());
        let found = version(&binary)?;
        if found != env!("CARGO_PKG_VERSION") {
            return Err(BuildError::WrongVersion {
                path: binary,
                found,
            });
        }
        // Keyed by the setting, not the directory: the generator process reads `$OUT_DIR`.
        let dir = write.then(|| self.out_dir.clone());
        let documents: Vec<PathBuf> = documents.iter().map(|d| d.as_ref().to_owned()).collect();
        let request = Request {
            ops: self.ops.clone(),
            out_dir: self.out_dir.clone(),
            earlier: dir.as_ref().map(earlier).unwrap_or_default(),
            write,
            documents: documents.clone(),
        };
        let mut args: Vec<OsString> = vec!["build-script".into()];
        args.extend(request.encode());
        let (status, stderr) = run(&binary, &args)?;
        match status {
            Some(0) => {
                if let Some(dir) = dir {
                    remember(&dir, &documents);
                }
                Ok(())
            }
            Some(code) if code == i32::from(protocol::EXIT_INVALID) => {
                Err(BuildError::Invalid(stderr))
            }
            Some(code) if code == i32::from(protocol::EXIT_IO) => {
                Err(BuildError::Io(stderr.trim_end().to_owned()))
            }
            _ => Err(BuildError::Io(format!(
                "`{} build-script` stopped ({}): {}",
                binary.display(),
                status.map_or("killed by a signal".into(), |c| format!("exit status {c}")),
                stderr.trim_end()
            ))),
        }
    }

    /// The binary to run: [`codegen_path`](Self::codegen_path), `$ARAZZO_CODEGEN`, or
    /// `arazzo-codegen` on `PATH`.
    fn binary(&self) -> Result<PathBuf, BuildError> {
        if let Some(path) = &self.codegen {
            return Ok(path.clone());
        }
        if let Some(path) = std::env::var_os(ENV).filter(|p| !p.is_empty()) {
            return Ok(PathBuf::from(path));
        }
        let name = format!("arazzo-codegen{}", std::env::consts::EXE_SUFFIX);
        std::env::var_os("PATH")
            .iter()
            .flat_map(std::env::split_paths)
            .map(|dir| dir.join(&name))
            .find(|candidate| candidate.is_file())
            .ok_or(BuildError::NotFound(None))
    }
}

/// The version `binary --version` prints (`arazzo-codegen 0.1.0`).
fn version(binary: &Path) -> Result<String, BuildError> {
    let output = Command::new(binary)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| BuildError::NotFound(Some((binary.to_owned(), e.to_string()))))?;
    let text = String::from_utf8_lossy(&output.stdout);
    match text.trim().strip_prefix("arazzo-codegen ") {
        Some(v) if output.status.success() => Ok(v.to_owned()),
        _ => Err(BuildError::NotFound(Some((
            binary.to_owned(),
            format!(
                "`--version` printed {:?}, not `arazzo-codegen <version>`",
                text.trim()
            ),
        )))),
    }
}

/// Runs `binary args` with this process's standard output (so cargo reads its `cargo::`
/// lines) and returns its exit code and error output.
fn run(binary: &Path, args: &[OsString]) -> Result<(Option<i32>, String), BuildError> {
    let cannot = |e: std::io::Error| BuildError::NotFound(Some((binary.to_owned(), e.to_string())));
    let mut child = Command::new(binary)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::inherit())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(cannot)?;
    let mut stderr = Vec::new();
    if let Some(pipe) = child.stderr.as_mut() {
        pipe.take(MAX_STDERR)
            .read_to_end(&mut stderr)
            .map_err(|e| BuildError::Io(format!("reading {}: {e}", binary.display())))?;
        // Whatever is past the limit is drained, so the child never blocks on a full pipe.
        let cut = std::io::copy(pipe, &mut std::io::sink()).unwrap_or(0) > 0;
        if cut {
            stderr.extend_from_slice(b"\n(the rest of the generator's output was cut)\n");
        }
    }
    let status = child.wait().map_err(cannot)?;
    Ok((status.code(), String::from_utf8_lossy(&stderr).into_owned()))
}

/// Documents generated by earlier `compile` calls of this build script, by `out_dir` setting
/// (`None`: `$OUT_DIR`); each call runs a generator process of its own, which lists them in
/// the module index.
type Generated = Vec<(Option<PathBuf>, PathBuf)>;
static GENERATED: std::sync::Mutex<Generated> = std::sync::Mutex::new(Vec::new());

fn earlier(dir: &Option<PathBuf>) -> Vec<PathBuf> {
    GENERATED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .iter()
        .filter(|(d, _)| d == dir)
        .map(|(_, document)| document.clone())
        .collect()
}

fn remember(dir: &Option<PathBuf>, documents: &[PathBuf]) {
    let mut generated = GENERATED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    for document in documents {
        let entry = (dir.to_owned(), document.clone());
        if !generated.contains(&entry) {
            generated.push(entry);
        }
    }
}

/// Why [`Builder::compile`] failed.
pub enum BuildError {
    /// No `arazzo-codegen` binary was found (`None`), or the one found could not be run
    /// (its path and why).
    NotFound(Option<(PathBuf, String)>),
    /// The binary is another version than this crate.
    WrongVersion {
        /// Where it is.
        path: PathBuf,
        /// The version it reports.
        found: String,
    },
    /// Documents with errors: every diagnostic, rendered rustc-style.
    Invalid(String),
    /// A file could not be written, or the generator stopped abnormally.
    Io(String),
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let version = env!("CARGO_PKG_VERSION");
        let install = format!("cargo install arazzo-codegen-cli --version {version} --locked");
        match self {
            BuildError::NotFound(None) => write!(
                f,
                "arazzo-build could not find the `arazzo-codegen` binary: it runs the generator \
                 instead of compiling it into this build\n  \
                 = help: install it once with `{install}`, or set {ENV} to its path\n  \
                 = help: or depend on `arazzo-codegen` and call `arazzo_codegen::Builder`, which \
                 needs no binary"
            ),
            BuildError::NotFound(Some((path, why))) => write!(
                f,
                "arazzo-build cannot run `{}`: {why}\n  = help: {ENV} or `codegen_path` must \
                 name the `arazzo-codegen` binary; install it with `{install}`",
                path.display()
            ),
            BuildError::WrongVersion { path, found } => write!(
                f,
                "`{}` is arazzo-codegen {found}, but this build's arazzo-build is {version}: \
                 the binary writes the code, the crate must match it\n  = help: `{install}`, \
                 or set {ENV} to a {version} binary",
                path.display()
            ),
            BuildError::Invalid(rendered) => f.write_str(rendered),
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
