//! Proves the service with Microsoft's own SDKs: starts it in-process on an ephemeral port with a
//! random access key, then runs `interop/node/interop.mjs` (@azure/web-pubsub,
//! @azure/web-pubsub-client, ws) and `interop/python/interop.py` (azure-messaging-webpubsubservice,
//! azure-messaging-webpubsubclient, websocket-client) against it with the connection string in
//! `WEBPUBSUB_CONNECTION_STRING`, and requires both to exit 0. A third test runs
//! `interop/node/upstream.mjs`: Microsoft's `@azure/web-pubsub-express` as the upstream event
//! handler of a service started with its URL, exercised by the Node (and Python) client SDKs.
//!
//! The SDKs come from `bash .ci/install-interop.sh`. When they are missing the tests report as
//! ignored (build.rs sets `cfg(interop_node)` / `cfg(interop_python)` when they are installed),
//! except under CI (env `CI` set), where they run and missing SDKs are a failure.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io::Read;
use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use webpubsub_local::{EventHandler, Service, SystemEvent, UserEvents};

/// Upper bound for one script run; the scripts bound each of their waits far below this.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(300);

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the crate lives inside the workspace")
        .to_path_buf()
}

/// A fresh random access key (std only: RandomState is seeded from the OS per instance).
fn random_key() -> String {
    (0..4)
        .map(|i| {
            let mut h = RandomState::new().build_hasher();
            h.write_u32(i);
            format!("{:016x}", h.finish())
        })
        .collect()
}

/// Fails the test: it was meant to run (the SDKs looked installed, or CI) but cannot.
fn missing(what: &str) {
    panic!(
        "{what}; install the SDKs with `bash .ci/install-interop.sh` (needs node >= 20 with npm \
         and python3), then rerun `cargo test -p webpubsub-local --test sdk_interop`"
    );
}

/// Runs `program args` with the connection string, kills it past SCRIPT_TIMEOUT, and returns
/// (success, combined output).
fn run_script(
    program: &Path,
    args: &[PathBuf],
    cwd: &Path,
    connection_string: &str,
) -> (bool, String) {
    let child = script(program, args, cwd)
        .env("WEBPUBSUB_CONNECTION_STRING", connection_string)
        .stdin(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("could not start {}: {e}", program.display()));
    finish(child, String::new())
}

fn script(program: &Path, args: &[PathBuf], cwd: &Path) -> Command {
    let mut command = Command::new(program);
    command
        .args(args)
        .current_dir(cwd)
        .env("PYTHONUNBUFFERED", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Collects a started script's output until it exits (killed past SCRIPT_TIMEOUT); `before` is
/// output already read from its stdout.
fn finish(mut child: std::process::Child, before: String) -> (bool, String) {
    let stdout = child.stdout.take();
    let mut stderr = child.stderr.take().expect("piped stderr");
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(mut stdout) = stdout {
            let _ = stdout.read_to_string(&mut s);
        }
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for the script") {
            break Some(status);
        }
        if started.elapsed() > SCRIPT_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let out = before + &out_reader.join().unwrap_or_default();
    let err = err_reader.join().unwrap_or_default();
    let mut text = format!("--- stdout ---\n{out}");
    if !err.trim().is_empty() {
        text.push_str(&format!("--- stderr ---\n{err}"));
    }
    match status {
        Some(status) if status.success() => (true, text),
        Some(status) => (false, format!("{text}--- exit: {status} ---\n")),
        None => (
            false,
            format!("{text}--- killed after {SCRIPT_TIMEOUT:?} ---\n"),
        ),
    }
}

/// Starts a service, runs one script against it from a blocking thread, shuts the service down.
async fn check_against_service(program: PathBuf, args: Vec<PathBuf>, label: &str) {
    let key = random_key();
    let service = Service::builder()
        .access_key(key)
        .start_on(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("the service starts on an ephemeral port");
    let connection_string = service.connection_string();
    let cwd = repo_root();
    let (ok, output) =
        tokio::task::spawn_blocking(move || run_script(&program, &args, &cwd, &connection_string))
            .await
            .expect("the script runner thread");
    service.shutdown().await;
    assert!(ok, "{label} reported failures:\n{output}");
    println!("{label}:\n{output}");
}

/// `node` if it runs and the npm packages are installed under interop/node.
fn node_setup(root: &Path) -> Result<PathBuf, String> {
    let modules = root.join("interop/node/node_modules");
    for package in [
        "@azure/web-pubsub",
        "@azure/web-pubsub-client",
        "@azure/web-pubsub-express",
        "express",
        "ws",
    ] {
        if !modules.join(package).join("package.json").is_file() {
            return Err(format!(
                "npm package {package} is not installed in {}",
                modules.display()
            ));
        }
    }
    match Command::new("node").arg("--version").output() {
        Ok(out) if out.status.success() => Ok(PathBuf::from("node")),
        _ => Err("`node` is not on PATH".to_string()),
    }
}

/// The interop venv's python (or `python3`) if it imports both SDKs and websocket-client.
fn python_setup(root: &Path) -> Result<PathBuf, String> {
    let venv = root.join("interop/.venv/bin/python3");
    let candidates = [venv, PathBuf::from("python3")];
    for python in &candidates {
        let imports = Command::new(python)
            .args([
                "-c",
                "import azure.messaging.webpubsubservice, azure.messaging.webpubsubclient, websocket",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if imports.is_ok_and(|s| s.success()) {
            return Ok(python.clone());
        }
    }
    Err(
        "the Python packages azure-messaging-webpubsubservice / azure-messaging-webpubsubclient / \
         websocket-client are not importable (interop/.venv nor python3)"
            .to_string(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(interop_node),
    ignore = "Microsoft's Node SDKs are not installed: bash .ci/install-interop.sh"
)]
async fn microsoft_node_sdks_interoperate() {
    let root = repo_root();
    match node_setup(&root) {
        Ok(node) => {
            let script = root.join("interop/node/interop.mjs");
            check_against_service(node, vec![script], "Node SDKs (interop/node/interop.mjs)").await;
        }
        Err(why) => missing(&why),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(interop_python),
    ignore = "Microsoft's Python SDKs are not installed: bash .ci/install-interop.sh"
)]
async fn microsoft_python_sdks_interoperate() {
    let root = repo_root();
    match python_setup(&root) {
        Ok(python) => {
            let script = root.join("interop/python/interop.py");
            check_against_service(
                python,
                vec![script],
                "Python SDKs (interop/python/interop.py)",
            )
            .await;
        }
        Err(why) => missing(&why),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(interop_node),
    ignore = "Microsoft's Node SDKs are not installed: bash .ci/install-interop.sh"
)]
async fn microsoft_express_event_handler_receives_events() {
    let root = repo_root();
    let node = match node_setup(&root) {
        Ok(node) => node,
        Err(why) => return missing(&why),
    };
    let label = "@azure/web-pubsub-express upstream (interop/node/upstream.mjs)";
    let mut command = script(&node, &[root.join("interop/node/upstream.mjs")], &root);
    // The Python client SDK joins in when installed (always under CI, where its absence fails
    // the Python interop test anyway).
    if let Ok(python) = python_setup(&root) {
        command.env("INTEROP_PYTHON", python);
    }
    let mut child = command
        .stdin(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("could not start node: {e}"));
    // The app announces its URL first; the service then starts with it as the hub's handler.
    let stdout = child.stdout.take().expect("piped stdout");
    let (url, mut reader) = tokio::task::spawn_blocking(move || {
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        let _ = reader.read_line(&mut line);
        (line, reader)
    })
    .await
    .expect("reading the app's first line");
    let Some(url) = url.trim().strip_prefix("UPSTREAM ").map(str::to_owned) else {
        let _ = child.kill();
        let (_, output) = finish(child, url);
        panic!("{label} did not announce its URL:\n{output}");
    };
    let handler = EventHandler::new(url)
        .expect("the app's URL")
        .user_events(UserEvents::All)
        .system_events([
            SystemEvent::Connect,
            SystemEvent::Connected,
            SystemEvent::Disconnected,
        ]);
    let service = Service::builder()
        .access_key(random_key())
        .event_handler("expresshub", handler)
        .start_on(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("the service starts on an ephemeral port");
    let mut stdin = child.stdin.take().expect("piped stdin");
    writeln!(stdin, "{}", service.connection_string()).expect("writing to the app");
    drop(stdin);
    let (ok, output) = tokio::task::spawn_blocking(move || {
        let mut rest = String::new();
        let _ = reader.read_to_string(&mut rest);
        finish(child, rest)
    })
    .await
    .expect("the script runner thread");
    service.shutdown().await;
    assert!(ok, "{label} reported failures:\n{output}");
    println!("{label}:\n{output}");
}
