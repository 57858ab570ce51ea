//! `arazzo-codegen run`: one workflow of a document, run for real without writing Rust.
//!
//! The document is generated as for a build script, the code compiled once into a cached
//! binary (the conformance runner's scratch crate; see `run/binary.rs`) and that binary run
//! with the inputs. There is no second interpreter of the workflow's semantics: what runs is
//! exactly the code a user's crate would compile.

mod access_key;
mod binary;
mod entry;

pub use access_key::AccessKey;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use arazzo_codegen::{Failure, Generator};

/// How to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// The Arazzo document.
    pub document: PathBuf,
    /// The `workflowId` to run.
    pub workflow: String,
    /// The workflow's inputs, as a JSON object.
    pub inputs: serde_json::Value,
    /// Base URLs by source description name, over the OpenAPI `servers`.
    pub servers: Vec<(String, String)>,
    /// Print each request's method and path too.
    pub verbose: bool,
    /// Also write the outputs (JSON) to this file.
    pub json_output: Option<PathBuf>,
    /// Sign every HTTP request with this AccessKey (a JWT per request URL).
    pub access_key: Option<AccessKey>,
    /// The `arazzo-runtime` crate the binary is built against.
    pub runtime: PathBuf,
    /// Cargo's target directory; the binaries are cached under `arazzo-run/` in it.
    pub target_dir: PathBuf,
    /// A `Cargo.lock` to start the scratch crate from.
    pub lockfile: Option<PathBuf>,
}

impl Options {
    /// Options with this workspace's runtime, lockfile and `target/conformance` (shared with
    /// the conformance runner, so the runtime and its dependencies are built once for both).
    pub fn new(document: impl Into<PathBuf>, workflow: impl Into<String>) -> Self {
        let defaults = crate::conformance::Options::new(PathBuf::new());
        Self {
            document: document.into(),
            workflow: workflow.into(),
            inputs: serde_json::Value::Object(serde_json::Map::new()),
            servers: Vec::new(),
            verbose: false,
            json_output: None,
            access_key: None,
            runtime: defaults.runtime,
            target_dir: defaults.target_dir,
            lockfile: defaults.lockfile,
        }
    }
}

/// Why a run did not get as far as the workflow.
#[derive(Debug)]
pub enum Error {
    /// The document has errors (rendered rustc-style).
    Generate(Box<Failure>),
    /// Anything else: no such workflow, the code does not compile, the binary cannot start.
    Setup(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Generate(failure) => f.write_str(&failure.rendered),
            Error::Setup(message) => writeln!(f, "error: {message}"),
        }
    }
}

/// Generates, builds (or reuses) and runs the workflow. Step lines go to stderr and the
/// outputs to stdout as the binary prints them; returns its exit status: 0 when the workflow
/// succeeded, 1 when it failed (the error names the step), 2 when its inputs did not fit.
pub fn run(generator: &Generator, options: &Options) -> Result<i32, Error> {
    let generated = generator
        .generate(&options.document)
        .map_err(|f| Error::Generate(Box::new(f)))?;
    for warning in &generated.warnings {
        eprintln!("{warning}");
    }
    let entry = entry::find(&generated.code, &options.workflow).map_err(Error::Setup)?;
    let (binary, built) =
        binary::build(options, &options.workflow, &generated.code, &entry).map_err(Error::Setup)?;
    if built {
        eprintln!("built {}", display(&binary));
    }
    let mut command = Command::new(&binary);
    if options.verbose {
        command.arg("--verbose");
    }
    if let Some(path) = &options.json_output {
        command.arg("--json-output").arg(path);
    }
    for (name, url) in &options.servers {
        command.arg("--server").arg(format!("{name}={url}"));
    }
    let mut child = command
        .stdin(Stdio::piped())
        .spawn()
        .map_err(|e| Error::Setup(format!("cannot start {}: {e}", display(&binary))))?;
    if let Some(mut stdin) = child.stdin.take() {
        // The inputs and the key travel on stdin, never as arguments `ps` shows.
        let envelope = serde_json::json!({
            "inputs": options.inputs,
            "accessKey": options.access_key.as_ref().map(AccessKey::expose),
        });
        // A binary that exits before reading (it cannot) closes the pipe: its status says why.
        let _ = stdin.write_all(envelope.to_string().as_bytes());
    }
    let status = child
        .wait()
        .map_err(|e| Error::Setup(format!("{} did not finish: {e}", display(&binary))))?;
    // A signal leaves no code: count it as a failure of the run.
    Ok(status.code().unwrap_or(1))
}

fn display(path: &Path) -> String {
    path.display().to_string()
}
