//! The server side: a minimal Azure-like HTTP server in a process of its own, so its CPU time
//! is not the client's and a slower client cannot slow it down (or the other way round) the way
//! it did when both shared one tokio runtime.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStdin, Command, Stdio};

use arazzo_suite::{Recorded, RecordingServer, Reply};

/// The flag that makes the bench binary run as the server.
pub const SERVE_FLAG: &str = "--serve";

/// What Web PubSub answers to the two requests of the flow, with nothing else to do: the
/// cheaper the server, the larger the client's share of each workflow's time.
pub fn azure_like(request: &Recorded) -> Reply {
    if request.path().ends_with("/:generateToken") {
        Reply::json(
            200,
            &serde_json::json!({"token": "client-token-for-browsers"}),
        )
    } else {
        Reply::empty(202)
    }
}

/// The server process, killed when dropped.
pub struct ServerProcess {
    child: Child,
    // Held open only so the child sees end-of-file (and exits) if this process dies first.
    _stdin: Option<ChildStdin>,
    url: String,
}

impl ServerProcess {
    /// Starts this same executable with [`SERVE_FLAG`] and reads the URL it prints.
    pub fn spawn() -> Result<Self, String> {
        let exe =
            std::env::current_exe().map_err(|e| format!("cannot find the bench binary: {e}"))?;
        let mut child = Command::new(exe)
            .arg(SERVE_FLAG)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start the server process: {e}"))?;
        let stdin = child.stdin.take();
        let mut line = String::new();
        let read = match child.stdout.take() {
            Some(stdout) => BufReader::new(stdout).read_line(&mut line),
            None => Ok(0),
        };
        let url = line.trim().to_owned();
        let server = Self {
            child,
            _stdin: stdin,
            url,
        };
        match read {
            Ok(_) if server.url.starts_with("http://") => Ok(server),
            Ok(_) => Err(format!(
                "the server process printed `{}`, not its URL",
                server.url
            )),
            Err(e) => Err(format!("cannot read the server's URL: {e}")),
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        // The child may have exited already; either way there is nothing left to do.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs as the server: one thread (a current-thread runtime), its URL on stdout, and an exit
/// as soon as stdin closes, so a bench that dies never leaves it behind.
pub fn serve() -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("server runtime: {e}"))?;
    std::thread::spawn(|| {
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        std::process::exit(0);
    });
    runtime.block_on(async {
        let server = RecordingServer::start_quiet(azure_like)
            .await
            .map_err(|e| format!("server: {e}"))?;
        println!("{}", server.url());
        std::future::pending::<()>().await;
        Ok(())
    })
}
