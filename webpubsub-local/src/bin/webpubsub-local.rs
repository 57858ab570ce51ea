//! `webpubsub-local [--port N] [--access-key K] [--host ADDRESS] [--event-handler SPEC]... [--config FILE] [limits...]`: runs the local
//! Web PubSub service, prints the connection string to use, and serves until Ctrl-C. Every flag
//! can also come from the environment variable named in `--help`.

use clap::{Parser, ValueEnum};
use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;
use webpubsub_local::{HubSettings, Limits, Service};

/// A local Azure Web PubSub service for development and tests.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Log lines on stderr as text or as JSON objects; `RUST_LOG` filters them
    /// (default `webpubsub_local=info`).
    #[arg(long, env = "WEBPUBSUB_LOCAL_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// Port to listen on (0 picks a free port).
    #[arg(long, env = "WEBPUBSUB_LOCAL_PORT", default_value_t = 8080)]
    port: u16,
    /// AccessKey that signs tokens (default: a random key).
    #[arg(long, env = "WEBPUBSUB_LOCAL_ACCESS_KEY", value_parser = non_empty, hide_env_values = true)]
    access_key: Option<String>,
    /// IP address to bind.
    #[arg(long, env = "WEBPUBSUB_LOCAL_HOST", default_value = "127.0.0.1")]
    host: IpAddr,
    /// Host name clients use, for the printed connection string and minted token audiences
    /// (default: the bound address; 127.0.0.1 when bound to 0.0.0.0 or ::).
    #[arg(long, env = "WEBPUBSUB_LOCAL_PUBLIC_HOST")]
    public_host: Option<String>,
    /// Largest REST body or client WebSocket message, in bytes (Azure: 1 MiB).
    #[arg(long, env = "WEBPUBSUB_LOCAL_MAX_MESSAGE_BYTES")]
    max_message_bytes: Option<usize>,
    /// Longest OData filter, in bytes.
    #[arg(long, env = "WEBPUBSUB_LOCAL_MAX_FILTER_LENGTH")]
    max_filter_length: Option<usize>,
    /// Deepest nesting of parentheses and `not` in a filter (at most 64).
    #[arg(long, env = "WEBPUBSUB_LOCAL_MAX_FILTER_DEPTH")]
    max_filter_depth: Option<usize>,
    /// Open TCP connections, HTTP and WebSocket together (keep it below `ulimit -n`).
    #[arg(long, env = "WEBPUBSUB_LOCAL_MAX_CONNECTIONS")]
    max_connections: Option<usize>,
    /// Seconds a client may take to send request headers (also the keep-alive idle time) or a body.
    #[arg(long, env = "WEBPUBSUB_LOCAL_HEADER_READ_TIMEOUT_SECS", value_parser = clap::value_parser!(u64).range(1..))]
    header_read_timeout_secs: Option<u64>,
    /// Seconds a WebSocket may stay silent (not even a pong) before it is closed.
    #[arg(long, env = "WEBPUBSUB_LOCAL_IDLE_TIMEOUT_SECS", value_parser = clap::value_parser!(u64).range(1..))]
    idle_timeout_secs: Option<u64>,
    /// Bytes that may wait for one WebSocket connection before it is closed as too slow.
    #[arg(long, env = "WEBPUBSUB_LOCAL_OUTBOUND_QUEUE_BYTES")]
    outbound_queue_bytes: Option<usize>,
    /// Recent ackIds remembered per connection to detect duplicates.
    #[arg(long, env = "WEBPUBSUB_LOCAL_ACK_ID_WINDOW")]
    ack_id_window: Option<usize>,
    /// Seconds a dropped reliable connection waits to be resumed.
    #[arg(long, env = "WEBPUBSUB_LOCAL_RECOVERY_WINDOW_SECS")]
    recovery_window_secs: Option<u64>,
    /// Bytes of unacknowledged messages all dropped reliable connections may keep together;
    /// past it the oldest drops are removed first.
    #[arg(long, env = "WEBPUBSUB_LOCAL_RECOVERY_BYTES")]
    recovery_bytes: Option<usize>,
    /// Seconds an upstream event handler may take to answer one event.
    #[arg(long, env = "WEBPUBSUB_LOCAL_UPSTREAM_TIMEOUT_SECS", value_parser = clap::value_parser!(u64).range(1..))]
    upstream_timeout_secs: Option<u64>,
    /// An upstream event handler: `HUB=URL[;user=PATTERN][;system=EVENTS]`, e.g.
    /// `chat=http://localhost:3000/eventhandler/{event};user=*;system=connect,connected,disconnected`.
    /// `{hub}` and `{event}` in the URL are replaced per event; PATTERN is `*`, a comma list of
    /// event names, or `-` for none (default `*`); EVENTS is a comma list of connect, connected,
    /// disconnected (default none). Repeat the flag for more handlers (earlier ones win); the
    /// environment variable, read only when no --event-handler flag is given, takes several
    /// separated by spaces.
    #[arg(
        long = "event-handler",
        env = "WEBPUBSUB_LOCAL_EVENT_HANDLERS",
        value_delimiter = ' '
    )]
    event_handlers: Vec<String>,
    /// A JSON file of hub settings, as Azure's hub resource shapes them:
    /// `{"hubs": {"chat": {"eventHandlers": [{"urlTemplate": "http://...", "userEventPattern": "*",
    /// "systemEvents": ["connect"]}]}}}`. Its handlers come before those of --event-handler.
    #[arg(long, env = "WEBPUBSUB_LOCAL_CONFIG")]
    config: Option<std::path::PathBuf>,
    /// Do not serve the dashboard at /_dashboard (it is unauthenticated and mints client
    /// tokens for its test client: turn it off where others can reach the port).
    #[arg(long, env = "WEBPUBSUB_LOCAL_NO_DASHBOARD")]
    no_dashboard: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

/// Logs to stderr (stdout carries only the connection string).
fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("webpubsub_local=info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

fn non_empty(s: &str) -> Result<String, String> {
    if s.is_empty() {
        Err("must not be empty".into())
    } else {
        Ok(s.to_owned())
    }
}

impl Args {
    fn limits(&self) -> Limits {
        let mut l = Limits::default();
        let secs = Duration::from_secs;
        if let Some(v) = self.max_message_bytes {
            l.max_message_bytes = v;
        }
        if let Some(v) = self.max_filter_length {
            l.max_filter_length = v;
        }
        if let Some(v) = self.max_filter_depth {
            l.max_filter_depth = v;
        }
        if let Some(v) = self.max_connections {
            l.max_connections = v;
        }
        if let Some(v) = self.header_read_timeout_secs {
            l.header_read_timeout = secs(v);
        }
        if let Some(v) = self.idle_timeout_secs {
            l.idle_timeout = secs(v);
        }
        if let Some(v) = self.outbound_queue_bytes {
            l.outbound_queue_bytes = v;
        }
        if let Some(v) = self.ack_id_window {
            l.ack_id_window = v;
        }
        if let Some(v) = self.recovery_window_secs {
            l.recovery_window = secs(v);
        }
        if let Some(v) = self.recovery_bytes {
            l.recovery_bytes = v;
        }
        if let Some(v) = self.upstream_timeout_secs {
            l.upstream_timeout = secs(v);
        }
        l
    }

    /// Hub settings from --config, then --event-handler.
    fn hub_settings(&self) -> Result<HubSettings, String> {
        let mut settings = match &self.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                HubSettings::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))?
            }
            None => HubSettings::default(),
        };
        for spec in self.event_handlers.iter().filter(|s| !s.is_empty()) {
            settings.add_spec(spec).map_err(|e| e.to_string())?;
        }
        Ok(settings)
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    init_logging(args.log_format);
    let settings = match args.hub_settings() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let mut builder = Service::builder()
        .limits(args.limits())
        .hub_settings(settings)
        .dashboard(!args.no_dashboard);
    if let Some(key) = args.access_key {
        builder = builder.access_key(key);
    }
    if let Some(host) = args.public_host {
        builder = builder.public_host(host);
    }
    let service = match builder
        .start_on(SocketAddr::new(args.host, args.port))
        .await
    {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("{}", service.connection_string());
    tracing::info!(
        bound = %service.local_addr(),
        endpoint = %service.endpoint(),
        "webpubsub-local listening (Ctrl-C to stop)"
    );
    if !args.no_dashboard {
        tracing::info!("dashboard: {}/_dashboard", service.endpoint());
    }
    if let Err(e) = tokio::signal::ctrl_c().await {
        eprintln!("error: cannot wait for Ctrl-C: {e}");
    }
    service.shutdown().await;
    ExitCode::SUCCESS
}
