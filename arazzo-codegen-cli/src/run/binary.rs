//! The cached binary that runs one workflow: a scratch crate (the conformance runner's
//! machinery: `scratch_manifest`, `cargo_build`) whose `main` includes the generated code,
//! reads the inputs as JSON on stdin, prints each step and the outputs.
//!
//! The binary is kept at `<target-dir>/arazzo-run/<hash>/workflow`, the hash covering the
//! generated code, the `main`, the runtime's path and this command's version: running the same
//! document again starts at once, and any change rebuilds.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use sha2::{Digest, Sha256};

use super::Options;
use super::entry::Entry;
use crate::conformance::compile;

/// Where the binary for `code` is (built now if it was not cached), and whether it was built.
pub(crate) fn build(
    options: &Options,
    workflow: &str,
    code: &str,
    entry: &Entry,
) -> Result<(PathBuf, bool), String> {
    let runtime = std::fs::canonicalize(&options.runtime).map_err(|e| {
        format!(
            "no arazzo-runtime crate at {} ({e}): pass --runtime <path>",
            options.runtime.display()
        )
    })?;
    let main = main_rs(workflow, entry);
    let hash = key(code, &main, &runtime);
    let dir = options.target_dir.join("arazzo-run").join(&hash);
    let binary = dir.join(format!("workflow{}", std::env::consts::EXE_SUFFIX));
    if binary.is_file() {
        return Ok((binary, false));
    }
    let krate = dir.join("crate");
    let write = |name: &str, text: &str| write_if_changed(&krate.join(name), text);
    std::fs::create_dir_all(krate.join("src"))
        .map_err(|e| format!("cannot create {}: {e}", krate.display()))?;
    // The package name carries the hash: builds of other documents in the same target
    // directory leave their binaries beside this one instead of over it.
    let name = format!("arazzo-run-{}", &hash[..16]);
    write(
        "Cargo.toml",
        &compile::scratch_manifest(
            &name,
            &runtime,
            &["access-key"],
            "serde_json = \"1\"\ntokio = { version = \"1\", features = [\"rt\"] }\n",
        ),
    )?;
    if let Some(lock) = &options.lockfile
        && let Ok(text) = std::fs::read_to_string(lock)
    {
        write("Cargo.lock", &text)?;
    }
    write("src/flow.rs", code)?;
    write("src/main.rs", &main)?;
    let build = compile::cargo_build(&krate, &options.target_dir, Stdio::inherit())?;
    if !build.success {
        let mut errors: Vec<String> = build.errors.into_values().collect();
        errors.extend(build.other);
        return Err(format!(
            "the generated code for workflow `{workflow}` does not compile (crate kept in {}):\n{}",
            krate.display(),
            errors.join("\n")
        ));
    }
    let built = options
        .target_dir
        .join("debug")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    // Copied under a name of its own, then renamed: a concurrent run of the same document
    // sees either no binary or a whole one.
    let partial = dir.join(format!("workflow.{}.partial", std::process::id()));
    std::fs::copy(&built, &partial)
        .and_then(|_| std::fs::rename(&partial, &binary))
        .map_err(|e| {
            format!(
                "cannot copy {} to {}: {e}",
                built.display(),
                binary.display()
            )
        })?;
    Ok((binary, true))
}

/// Writes `text` to `path` unless it holds it already, through a temporary file and a rename:
/// two runs of one document share the crate folder, and cargo in one must never read a file
/// the other has half written.
fn write_if_changed(path: &Path, text: &str) -> Result<(), String> {
    if std::fs::read(path).is_ok_and(|old| old == text.as_bytes()) {
        return Ok(());
    }
    let mut partial = path.as_os_str().to_owned();
    partial.push(format!(".{}.partial", std::process::id()));
    std::fs::write(&partial, text)
        .and_then(|()| std::fs::rename(&partial, path))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn key(code: &str, main: &str, runtime: &Path) -> String {
    let mut hasher = Sha256::new();
    for part in [
        env!("CARGO_PKG_VERSION"),
        &runtime.to_string_lossy(),
        main,
        code,
    ] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hasher.finalize().iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The scratch crate's `main`. Arguments (from `arazzo-codegen run`, not users):
/// `[--verbose] [--json-output FILE] [--server NAME=URL]...`; on stdin, JSON
/// `{"inputs": {...}, "accessKey": "..." | null}`.
fn main_rs(workflow: &str, entry: &Entry) -> String {
    let function = &entry.function;
    let (read_inputs, call) = match &entry.inputs {
        Some(inputs) => (
            format!(
                "let inputs: flow::{inputs} = serde_json::from_value(inputs)\n        \
                 .map_err(|e| format!(\"the inputs do not fit workflow `{{WORKFLOW}}`: {{e}}\"))?;"
            ),
            format!("flow::{function}(&client, inputs)"),
        ),
        None => (String::new(), format!("flow::{function}(&client)")),
    };
    TEMPLATE
        .replace("__WORKFLOW__", &format!("{workflow:?}"))
        .replace("__READ_INPUTS__", &read_inputs)
        .replace("__CALL__", &call)
}

const TEMPLATE: &str = r#"//! Runs one workflow for `arazzo-codegen run`; generated, cached and rebuilt by it.
use std::collections::HashMap;
use std::io::Read as _;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Instant;

#[allow(dead_code, unused_imports, unused_mut)]
mod flow {
    include!("flow.rs");
}

const WORKFLOW: &str = __WORKFLOW__;

/// Prints each HTTP step's status and time (and with --verbose, its method and path; never
/// the query or headers, which may hold secrets), and each message step's connect, send and
/// receive with its time.
struct Steps {
    verbose: bool,
    started: Mutex<HashMap<&'static str, Instant>>,
}

impl arazzo_runtime::StepHook for Steps {
    fn before_send<'a>(
        &'a self,
        step: &'static str,
        request: &'a mut arazzo_runtime::reqwest::Request,
    ) -> arazzo_runtime::message::BoxFuture<'a, Result<(), arazzo_runtime::HookError>> {
        if self.verbose {
            eprintln!("step {step}: {} {}", request.method(), request.url().path());
        }
        if let Ok(mut started) = self.started.lock() {
            started.insert(step, Instant::now());
        }
        Box::pin(async { Ok(()) })
    }

    fn after_response<'a>(
        &'a self,
        step: &'static str,
        response: &'a arazzo_runtime::Response,
    ) -> arazzo_runtime::message::BoxFuture<'a, ()> {
        let started = self.started.lock().ok().and_then(|mut s| s.remove(step));
        let time = started.map_or_else(String::new, |t| format!(" in {}", millis(t)));
        eprintln!("step {step}: {}{time}", response.status());
        Box::pin(async {})
    }

    fn after_message<'a>(
        &'a self,
        step: &'static str,
        event: &'a arazzo_runtime::message::MessageStep<'a>,
    ) -> arazzo_runtime::message::BoxFuture<'a, ()> {
        use arazzo_runtime::message::MessageAction;
        let (done, action) = match event.action {
            MessageAction::Connect => ("connected", "connect"),
            MessageAction::Send => ("sent", "send"),
            MessageAction::Receive => ("received", "receive"),
            _ => ("done", "step"),
        };
        let time = format!("{:.1} ms", event.elapsed.as_secs_f64() * 1000.0);
        // A failure's reason is the workflow's error (or its onFailure's business): the line
        // only says when. Payloads are never printed: they may carry secrets.
        if event.error.is_some() {
            eprintln!("step {step}: {action} failed in {time}");
        } else {
            eprintln!("step {step}: {done} in {time}");
        }
        Box::pin(async {})
    }
}

/// Time since `start`, as `12.3 ms`.
fn millis(start: Instant) -> String {
    format!("{:.1} ms", start.elapsed().as_secs_f64() * 1000.0)
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<ExitCode, String> {
    let mut verbose = false;
    let mut json_output = None;
    let mut servers = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--verbose" => verbose = true,
            "--json-output" => json_output = args.next(),
            "--server" => {
                let spec = args.next().unwrap_or_default();
                let (name, url) = spec.split_once('=').ok_or("--server takes NAME=URL")?;
                servers.push((name.to_owned(), url.to_owned()));
            }
            other => return Err(format!("unexpected argument `{other}`")),
        }
    }
    let mut stdin = String::new();
    std::io::stdin()
        .read_to_string(&mut stdin)
        .map_err(|e| format!("cannot read the inputs: {e}"))?;
    // Never quote `stdin` in an error: it holds the access key.
    let mut envelope: serde_json::Value =
        serde_json::from_str(&stdin).map_err(|_| "stdin is not the run's JSON envelope")?;
    let access_key = envelope
        .get("accessKey")
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned);
    #[allow(unused_variables)] // read only when the workflow takes inputs
    let inputs = envelope
        .get_mut("inputs")
        .map(serde_json::Value::take)
        .unwrap_or_default();
    __READ_INPUTS__
    let hook = Steps {
        verbose,
        started: Mutex::new(HashMap::new()),
    };
    let mut builder = arazzo_runtime::Client::builder().step_hook(hook);
    if let Some(key) = access_key {
        builder = builder.hook(arazzo_runtime::access_key::AccessKeyCredential::new(key));
    }
    for (name, url) in servers {
        builder = builder.base_url(name, url);
    }
    let client = builder
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let started = Instant::now();
    match runtime.block_on(__CALL__) {
        Ok(outputs) => {
            let json = serde_json::to_string_pretty(&outputs)
                .map_err(|e| format!("cannot print the outputs: {e}"))?;
            eprintln!("workflow {WORKFLOW}: ok in {}", millis(started));
            println!("{json}");
            if let Some(path) = json_output {
                std::fs::write(&path, format!("{json}\n"))
                    .map_err(|e| format!("cannot write {path}: {e}"))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            // The error's text starts with the step that failed.
            eprintln!(
                "error: workflow `{WORKFLOW}` failed after {}: {e}",
                millis(started)
            );
            Ok(ExitCode::from(1))
        }
    }
}
"#;
