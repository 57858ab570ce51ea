//! Starting, addressing and stopping the service.

use crate::limits::Limits;
use crate::server::{self, Gate};
use crate::state::Registry;
use crate::upstream::{EventHandler, HubSettings, Upstream};
use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use percent_encoding::percent_decode_str;
use rand::RngCore;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// A string that never shows up in Debug output.
#[derive(Clone)]
pub(crate) struct Secret(String);

impl Secret {
    /// The secret itself, for signing and verifying.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// What every request handler shares.
pub(crate) struct Shared {
    pub(crate) registry: Registry,
    pub(crate) access_key: Secret,
    /// `http://host:port`, no trailing slash.
    pub(crate) endpoint: String,
    /// `host:port` of `endpoint`.
    pub(crate) endpoint_authority: String,
    pub(crate) limits: Limits,
    /// Open TCP connections against `limits.max_connections`.
    pub(crate) gate: Arc<Gate>,
    /// Upstream event handlers, when any hub has one.
    pub(crate) upstream: Option<crate::upstream::Upstream>,
    /// Recent REST calls and upstream deliveries, for the dashboard.
    pub(crate) activity: Arc<crate::dashboard::Activity>,
    /// Whether `/_dashboard` is served.
    pub(crate) dashboard: bool,
}

/// Errors starting the service.
#[derive(Debug)]
pub enum Error {
    /// Binding or inspecting the listening socket failed.
    Io(std::io::Error),
    /// The HTTP client for upstream event handlers could not be made.
    Upstream(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(e) => write!(f, "could not listen: {e}"),
            Error::Upstream(e) => write!(f, "could not prepare upstream event handlers: {e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io(e) => Some(e),
            Error::Upstream(_) => None,
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e)
    }
}

/// The local Web PubSub service. Start one with [`Service::builder`].
#[derive(Debug)]
pub struct Service;

impl Service {
    /// A builder with a random access key.
    pub fn builder() -> ServiceBuilder {
        ServiceBuilder::default()
    }
}

/// Configures a [`Service`] before it starts.
#[derive(Default)]
pub struct ServiceBuilder {
    access_key: Option<Secret>,
    public_host: Option<String>,
    limits: Limits,
    hubs: HubSettings,
    no_dashboard: bool,
}

impl fmt::Debug for ServiceBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceBuilder")
            .field(
                "access_key",
                &self.access_key.as_ref().map(|_| "<redacted>"),
            )
            .field("public_host", &self.public_host)
            .field("limits", &self.limits)
            .field("hubs", &self.hubs)
            .field("dashboard", &!self.no_dashboard)
            .finish()
    }
}

impl ServiceBuilder {
    /// Uses `key` as the AccessKey (tokens are signed with its UTF-8 bytes). Without this a
    /// random key is made.
    pub fn access_key(mut self, key: impl Into<String>) -> Self {
        self.access_key = Some(Secret(key.into()));
        self
    }

    /// The host name clients use to reach the service, for [`RunningService::endpoint`] and
    /// the audience of generated client tokens. Defaults to the bound IP address
    /// (`127.0.0.1` when bound to an unspecified address).
    pub fn public_host(mut self, host: impl Into<String>) -> Self {
        self.public_host = Some(host.into());
        self
    }

    /// Replaces the default [`Limits`].
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Serves the dashboard at `/_dashboard` (the default) or not. It is unauthenticated and
    /// mints client tokens for its test client: turn it off where others can reach the port.
    pub fn dashboard(mut self, on: bool) -> Self {
        self.no_dashboard = !on;
        self
    }

    /// Adds upstream event handlers (appended after any set before).
    pub fn hub_settings(mut self, settings: HubSettings) -> Self {
        self.hubs.extend(settings);
        self
    }

    /// Adds one upstream event handler to `hub` (after the ones it has).
    pub fn event_handler(mut self, hub: &str, handler: EventHandler) -> Self {
        self.hubs.add(hub, handler);
        self
    }

    /// Binds `addr` (port 0 picks a free port) and serves until [`RunningService::shutdown`].
    pub async fn start_on(self, addr: SocketAddr) -> Result<RunningService, Error> {
        let listener = TcpListener::bind(addr).await?;
        let local_addr = listener.local_addr()?;
        let host = self.public_host.unwrap_or_else(|| {
            let ip = if local_addr.ip().is_unspecified() {
                std::net::IpAddr::from([127, 0, 0, 1])
            } else {
                local_addr.ip()
            };
            match ip {
                std::net::IpAddr::V6(v6) => format!("[{v6}]"),
                std::net::IpAddr::V4(v4) => v4.to_string(),
            }
        });
        let access_key = self.access_key.unwrap_or_else(random_key);
        let endpoint_authority = format!("{host}:{}", local_addr.port());
        let limits = self.limits;
        let gate = Gate::new(limits.max_connections);
        let activity = Arc::new(crate::dashboard::Activity::default());
        let upstream = if self.hubs.is_empty() {
            None
        } else {
            Some(
                Upstream::new(
                    self.hubs,
                    access_key.clone(),
                    endpoint_authority.clone(),
                    limits.upstream_timeout,
                    limits.max_message_bytes,
                    Arc::clone(&activity),
                )
                .map_err(|e| Error::Upstream(e.to_string()))?,
            )
        };
        let shared = Arc::new(Shared {
            registry: Registry::new(limits.outbound_queue_bytes, limits.recovery_bytes),
            access_key,
            endpoint: format!("http://{endpoint_authority}"),
            endpoint_authority,
            gate: Arc::clone(&gate),
            limits,
            upstream,
            activity,
            dashboard: !self.no_dashboard,
        });
        let app = Router::new()
            .fallback(dispatch)
            .with_state(Arc::clone(&shared));
        let (stop_tx, stop_rx) = watch::channel(false);
        let header_read_timeout = shared.limits.header_read_timeout;
        let task = tokio::spawn(server::serve(
            listener,
            app,
            gate,
            header_read_timeout,
            stop_rx,
        ));
        Ok(RunningService {
            shared,
            local_addr,
            stop: stop_tx,
            task: Some(task),
        })
    }
}

fn random_key() -> Secret {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    Secret(STANDARD.encode(bytes))
}

/// A started service. Dropping it without [`RunningService::shutdown`] leaves the server
/// task running until the runtime stops.
pub struct RunningService {
    shared: Arc<Shared>,
    local_addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl fmt::Debug for RunningService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunningService")
            .field("endpoint", &self.shared.endpoint)
            .field("access_key", &"<redacted>")
            .finish()
    }
}

impl RunningService {
    /// `http://HOST:PORT`, the REST endpoint (WebSocket clients use `ws://HOST:PORT`).
    pub fn endpoint(&self) -> String {
        self.shared.endpoint.clone()
    }

    /// `Endpoint=http://HOST;AccessKey=KEY;Version=1.0;Port=PORT;`, the form Microsoft's
    /// SDKs accept. Contains the key: treat it as a secret.
    pub fn connection_string(&self) -> String {
        let host = self
            .shared
            .endpoint_authority
            .rsplit_once(':')
            .map_or(self.shared.endpoint_authority.as_str(), |(h, _)| h);
        format!(
            "Endpoint=http://{host};AccessKey={};Version=1.0;Port={};",
            self.shared.access_key.expose(),
            self.local_addr.port()
        )
    }

    /// The AccessKey, for signing tokens in tests. Treat it as a secret.
    pub fn access_key(&self) -> &str {
        self.shared.access_key.expose()
    }

    /// Open TCP connections (HTTP and WebSocket), as counted against
    /// [`Limits::max_connections`].
    pub fn open_connections(&self) -> usize {
        self.shared.gate.open()
    }

    /// The bound socket address.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Closes every WebSocket connection (reason `Service shutdown`), stops accepting, and
    /// waits for the server to finish.
    pub async fn shutdown(mut self) {
        self.shared.registry.close_everything("Service shutdown");
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

/// Routes by decoded path segments: `/api/...` is REST, `/client/hubs/{hub}` is WebSocket.
async fn dispatch(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let segments: Option<Vec<String>> = request
        .uri()
        .path()
        .split('/')
        .skip(1)
        .map(|s| {
            percent_decode_str(s)
                .decode_utf8()
                .ok()
                .map(|c| c.into_owned())
        })
        .collect();
    let Some(mut segments) = segments else {
        return (StatusCode::BAD_REQUEST, "the path is not valid UTF-8").into_response();
    };
    // Tolerate one trailing slash.
    if segments.len() > 1 && segments.last().is_some_and(String::is_empty) {
        segments.pop();
    }
    match segments.first().map(String::as_str) {
        Some("api") => crate::rest::handle(&shared, request, &segments).await,
        Some("_dashboard") if shared.dashboard => {
            crate::dashboard::handle(&shared, &request, &segments)
        }
        Some("client") => match segments.as_slice() {
            [_, hubs, hub] if hubs == "hubs" => {
                let hub = hub.clone();
                crate::client::handle(shared, request, &hub).await
            }
            _ => StatusCode::NOT_FOUND.into_response(),
        },
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}
