//! The main job: the generated `generate_token_then_broadcast` and `receive_group_broadcast`
//! flows, end to end.
//!
//! ```text
//! cargo run -p pubsub-flows --example token-then-broadcast -- [--message TEXT] [--hub HUB]
//!     [--connection-string "Endpoint=https://<name>.webpubsub.azure.com;AccessKey=...;Version=1.0;"]
//! ```
//!
//! Without a connection string (argument or `WEBPUBSUB_CONNECTION_STRING`) it starts the local
//! Web PubSub service in-process on an ephemeral port. Then, as an app server and a browser
//! would: run 1 of the flow mints the client token (its broadcast reaches an empty hub); a
//! WebSocket subscriber connects with that token; run 2 broadcasts the message; the
//! subscriber prints what it received. Then the generated `receive_group_broadcast` flow does
//! all of that in one workflow (REST and AsyncAPI WebSocket steps: mint a token, connect and
//! join group `lobby`, broadcast through REST, receive) and prints what its client received.
//! Exits 0 only when both received the message.
//!
//! With `RUST_LOG` set (e.g. `RUST_LOG=arazzo=debug`), the runtime's `tracing` spans and events
//! go to standard error, each span as it closes: the workflow and each step with its operation,
//! method, path template, status, attempt and latency.

use std::process::ExitCode;
use std::time::Duration;

use futures_util::StreamExt;
use pubsub_flows::credentials::{ConnectionString, client_for};
use pubsub_flows::{
    GenerateTokenThenBroadcastInputs, ReceiveGroupBroadcastInputs, generate_token_then_broadcast,
    receive_group_broadcast,
};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Message, http::HeaderValue};

const SUBPROTOCOL: &str = "json.webpubsub.azure.v1";

/// The group `receive_group_broadcast` joins and broadcasts to.
const GROUP: &str = "lobby";

/// What to run: the message, the hub, and a real service's connection string (else local).
pub struct Args {
    /// The text to broadcast.
    pub message: String,
    /// The hub.
    pub hub: String,
    /// A real service's connection string.
    pub connection_string: Option<String>,
}

/// What the command line asks for.
pub enum Command {
    /// Run the job.
    Run(Args),
    /// Print [`USAGE`] and exit 0.
    Help,
}

/// The `--help` text.
pub const USAGE: &str =
    "usage: token-then-broadcast [--message TEXT] [--hub HUB] [--connection-string CS]

Runs the generated generate-token-then-broadcast flow twice: once to mint a client token for a
WebSocket subscriber, once to broadcast --message (default: a greeting) to hub --hub (default:
chat). Then runs the generated receive-group-broadcast flow, whose own WebSocket client joins
group `lobby` of the hub and receives the message it broadcasts there. Without
--connection-string (or WEBPUBSUB_CONNECTION_STRING) it starts the local Web PubSub service.
Exits 0 only when both received the message.";

/// Reads the command line (and `WEBPUBSUB_CONNECTION_STRING`).
pub fn parse_args(command_line: impl Iterator<Item = String>) -> Result<Command, String> {
    let mut args = Args {
        message: "Hello from an Arazzo workflow!".to_owned(),
        hub: "chat".to_owned(),
        connection_string: std::env::var("WEBPUBSUB_CONNECTION_STRING").ok(),
    };
    let mut it = command_line;
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--message" | "-m" => args.message = value("--message")?,
            "--hub" => args.hub = value("--hub")?,
            "--connection-string" => args.connection_string = Some(value("--connection-string")?),
            "--help" | "-h" => return Ok(Command::Help),
            other => return Err(format!("unknown argument `{other}` (try --help)")),
        }
    }
    Ok(Command::Run(args))
}

#[tokio::main]
async fn main() -> ExitCode {
    if std::env::var_os("RUST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
            .with_writer(std::io::stderr)
            .try_init();
    }
    let outcome = match parse_args(std::env::args().skip(1)) {
        Ok(Command::Run(args)) => run(args).await,
        Ok(Command::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => Err(message),
    };
    match outcome {
        Ok(_) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the job; returns what the subscriber received.
pub async fn run(args: Args) -> Result<String, String> {
    // Keep the local service alive for the whole run when there is no real one.
    let (conn, local) = match &args.connection_string {
        Some(text) => (
            ConnectionString::parse(text).map_err(|e| e.to_string())?,
            None,
        ),
        None => {
            let service = webpubsub_local::Service::builder()
                .start_on(([127, 0, 0, 1], 0).into())
                .await
                .map_err(|e| format!("cannot start the local Web PubSub service: {e}"))?;
            let conn =
                ConnectionString::parse(&service.connection_string()).map_err(|e| e.to_string())?;
            println!("local Web PubSub service at {}", service.endpoint());
            (conn, Some(service))
        }
    };
    let client = client_for(&conn).map_err(|e| format!("cannot build the HTTP client: {e}"))?;
    // The AccessKey credential signs each request itself, so this input is only a placeholder.
    let inputs = |message: &str| {
        let mut inputs =
            GenerateTokenThenBroadcastInputs::new("signed-per-request", args.hub.clone(), message);
        inputs.user_id = Some("subscriber-1".into());
        inputs
    };

    let first = generate_token_then_broadcast(&client, inputs("(nobody is listening yet)"))
        .await
        .map_err(|e| format!("run 1 failed: {e}"))?;
    println!(
        "run 1: minted a client token ({} chars) for hub `{}`; broadcast status {}",
        first.token.len(),
        args.hub,
        first.broadcast_status
    );

    let ws_url = format!(
        "{}/client/hubs/{}?access_token={}",
        conn.endpoint().replacen("http", "ws", 1),
        args.hub,
        first.token
    );
    let mut request = ws_url
        .into_client_request()
        .map_err(|e| format!("bad WebSocket URL: {e}"))?;
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        HeaderValue::from_static(SUBPROTOCOL),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .map_err(|e| format!("the subscriber could not connect with the minted token: {e}"))?;
    let connected = next_json(&mut socket).await?;
    println!(
        "subscriber connected as user `{}` (connection {})",
        connected["userId"].as_str().unwrap_or("?"),
        connected["connectionId"].as_str().unwrap_or("?")
    );

    let second = generate_token_then_broadcast(&client, inputs(&args.message))
        .await
        .map_err(|e| format!("run 2 failed: {e}"))?;
    println!("run 2: broadcast status {}", second.broadcast_status);

    let received = next_json(&mut socket).await?;
    let data = received["data"].as_str().unwrap_or_default().to_owned();
    println!("subscriber received: {received}");
    if data != args.message {
        return Err(format!(
            "the subscriber received `{data}`, not the broadcast message"
        ));
    }
    println!("ok: the broadcast reached the subscriber");

    // The same proof as one generated workflow: its client is a member of the group when the
    // REST broadcast goes out, and the workflow returns the message the client received.
    let flow = receive_group_broadcast(
        &client,
        ReceiveGroupBroadcastInputs::new(
            "signed-per-request",
            args.hub.clone(),
            GROUP,
            args.message.clone(),
        ),
    )
    .await
    .map_err(|e| format!("receive-group-broadcast failed: {e}"))?;
    println!(
        "receive-group-broadcast: REST status {}; its client received {} in group `{}`: {:?}",
        flow.broadcast_status, flow.received.data, flow.received.group, flow.received
    );
    if let Some(service) = local {
        service.shutdown().await;
    }
    if flow.received_text == args.message.as_str() {
        println!("ok: the generated flow received its own broadcast");
        Ok(data)
    } else {
        Err(format!(
            "the generated flow received `{}`, not the broadcast message",
            flow.received_text
        ))
    }
}

/// The next JSON text frame, within 10 seconds.
async fn next_json<S>(socket: &mut S) -> Result<serde_json::Value, String>
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .map_err(|_| "the subscriber waited 10 s and received nothing".to_owned())?
            .ok_or("the service closed the subscriber's connection")?
            .map_err(|e| format!("the subscriber's connection failed: {e}"))?;
        if let Message::Text(text) = frame {
            return serde_json::from_str(text.as_str())
                .map_err(|e| format!("not JSON from the service: {e}"));
        }
    }
}
