//! A workflow call's message connections, and its `send` and `receive` steps. The calls
//! generated code makes are shown in the public `arazzo_runtime::message` module's docs.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::client::{Client, Requirements};
use crate::error::WorkflowError;
use crate::message::{
    ConnectRequest, MessageAction, MessageSender, MessageStep, MessageStream, TransportError,
};
use crate::request::{Boxed, Request};

pub use crate::message::{Message, Payload};

/// How long a `receive` without a `timeout` waits when the client has no timeout either: a
/// server that never answers must not hang the workflow for ever.
pub const DEFAULT_RECEIVE_TIMEOUT: Duration = Duration::from_secs(300);

/// Where a message step's connection goes, as generated code knows it from the AsyncAPI
/// description.
#[derive(Clone, Copy, Debug)]
pub struct Endpoint<'a> {
    /// The source description's name (the key of [`Client`]'s base URL and transport).
    pub source: &'static str,
    /// The AsyncAPI server's name.
    pub server: &'static str,
    /// The server's URL, `protocol://host/pathname`; `ClientBuilder::base_url(source, ..)`
    /// replaces it (an `http`/`https` override is taken as `ws`/`wss`).
    pub default_url: &'static str,
    /// The resolved channel address, percent-encoded (`/client/hubs/chat`).
    pub address: &'a str,
    /// The subprotocol the server's binding names.
    pub subprotocol: Option<&'static str>,
    /// The operation's security requirements, applied to the connect as to HTTP requests.
    pub security: Requirements,
}

/// An open connection of one workflow call (an index into its [`Connections`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnId(usize);

/// The message connections of one workflow call. Dropping it ends them abruptly; the
/// workflow's end calls [`Connections::close`].
pub struct Connections<'c> {
    client: &'c Client,
    open: Vec<Open>,
}

struct Open {
    identity: String,
    sender: Box<dyn MessageSender>,
    shared: Arc<Shared>,
    pump: JoinHandle<()>,
}

impl<'c> Connections<'c> {
    /// No connections yet.
    pub fn new(client: &'c Client) -> Self {
        Self {
            client,
            open: Vec::new(),
        }
    }

    /// Starts describing the connection a step needs; add its connect-time query and headers
    /// and [`Connect::open`] it.
    pub fn connect<'a>(&'a mut self, endpoint: Endpoint<'a>) -> Connect<'a, 'c> {
        let base = self
            .client
            .base_url_parsed(endpoint.source, endpoint.default_url)
            .map(|mut base| {
                let ws = match base.scheme() {
                    "http" => Some("ws"),
                    "https" => Some("wss"),
                    _ => None,
                };
                // http and ws are both special schemes: switching between them cannot fail.
                if let Some(ws) = ws {
                    let _ = base.set_scheme(ws);
                }
                base
            });
        let request = Request::new(self.client, reqwest::Method::GET, base, endpoint.address)
            .security(endpoint.security);
        Connect {
            connections: self,
            endpoint,
            request,
        }
    }

    /// Sends `message` on `conn` (bounded by the client's timeout). Errors name `step`.
    pub fn send(
        &mut self,
        step: &'static str,
        conn: ConnId,
        message: Message,
    ) -> Boxed<'_, Result<(), WorkflowError>> {
        Box::pin(async move {
            super::deadline::enter(step);
            let client = self.client;
            let started = tokio::time::Instant::now();
            let result = crate::trace::step(
                step,
                "send",
                "",
                ("", ""),
                self.send_traced(step, conn, message),
                |_| None,
            )
            .await;
            let event = MessageStep {
                action: MessageAction::Send,
                elapsed: started.elapsed(),
                message: None,
                error: result.as_ref().err(),
            };
            report(client, step, &event).await;
            result
        })
    }

    async fn send_traced(
        &mut self,
        step: &'static str,
        conn: ConnId,
        message: Message,
    ) -> Result<(), WorkflowError> {
        let timeout = self.client.timeout();
        let open = self.get(step, conn)?;
        let sending = open.sender.send(message);
        let sent = match timeout {
            Some(after) => tokio::time::timeout(after, sending)
                .await
                .map_err(|_| WorkflowError::Timeout { step, after })?,
            None => sending.await,
        };
        sent.map_err(|source| WorkflowError::Message { step, source })
    }

    /// A `receive` step reached: from now on every message `conn` receives is kept for it (up
    /// to the client's inbound buffer) until [`Receiving::wait`] finds its match.
    pub fn receive(&self, step: &'static str, conn: ConnId) -> Receiving {
        let reached = tokio::time::Instant::now();
        let client = self.client.clone();
        let limit = self.client.inbound_buffer();
        let default_timeout = self.client.timeout().unwrap_or(DEFAULT_RECEIVE_TIMEOUT);
        let (tx, rx) = mpsc::channel(limit);
        let overflowed = Arc::new(AtomicBool::new(false));
        let Some(open) = self.open.get(conn.0) else {
            // A `ConnId` only comes from this value, so this is a generator bug, reported.
            return Receiving {
                client,
                step,
                rx,
                overflowed,
                shared: Arc::new(Shared::ended(TransportError::new(
                    "the step's connection was never opened",
                ))),
                limit,
                default_timeout,
                reached,
            };
        };
        {
            let mut state = open.shared.lock();
            // Once the connection has ended, the sender is dropped here and the wait reports
            // why.
            if state.ended.is_none() {
                state.listeners.push(Listener {
                    tx,
                    overflowed: Arc::clone(&overflowed),
                });
            }
        }
        Receiving {
            client,
            step,
            rx,
            overflowed,
            shared: Arc::clone(&open.shared),
            limit,
            default_timeout,
            reached,
        }
    }

    /// Closes every connection (a close frame on WebSocket), ignoring errors: the workflow's
    /// result is already decided.
    pub fn close(mut self) -> Boxed<'c, ()> {
        Box::pin(async move {
            for open in &mut self.open {
                let closing = open.sender.close();
                let _ = tokio::time::timeout(CLOSE_GRACE, closing).await;
                open.pump.abort();
            }
        })
    }

    fn get(&mut self, step: &'static str, conn: ConnId) -> Result<&mut Open, WorkflowError> {
        self.open
            .get_mut(conn.0)
            .ok_or_else(|| WorkflowError::Message {
                step,
                source: TransportError::new("the step's connection was never opened"),
            })
    }
}

/// How long a polite close may take before the connection is just dropped.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

impl Drop for Connections<'_> {
    fn drop(&mut self) {
        for open in &self.open {
            open.pump.abort();
        }
    }
}

/// A connection being described: its connect-time query and headers.
#[must_use = "a connection is only opened by `open`"]
pub struct Connect<'a, 'c> {
    connections: &'a mut Connections<'c>,
    endpoint: Endpoint<'a>,
    request: Request<'c>,
}

impl<'a, 'c> Connect<'a, 'c> {
    /// A connect-time query parameter (`access_token`).
    pub fn query(mut self, name: &'static str, value: impl super::param::ParamValue) -> Self {
        self.request = self.request.query(name, value);
        self
    }

    /// A connect-time query parameter when `value` is present.
    pub fn query_opt(
        mut self,
        name: &'static str,
        value: Option<impl super::param::ParamValue>,
    ) -> Self {
        self.request = self.request.query_opt(name, value);
        self
    }

    /// A connect-time (handshake) header.
    pub fn header(mut self, name: &'static str, value: impl super::param::ParamValue) -> Self {
        self.request = self.request.header(name, value);
        self
    }

    /// A connect-time header when `value` is present.
    pub fn header_opt(
        mut self,
        name: &'static str,
        value: Option<impl super::param::ParamValue>,
    ) -> Self {
        self.request = self.request.header_opt(name, value);
        self
    }

    /// The connection with this identity: the one already open, or a new one opened now
    /// (credentials and hooks applied as to HTTP requests, bounded by the client's timeout).
    /// Errors name `step`.
    pub fn open(self, step: &'static str) -> Boxed<'a, Result<ConnId, WorkflowError>> {
        Box::pin(async move {
            super::deadline::enter(step);
            let client = self.connections.client;
            let started = tokio::time::Instant::now();
            let result = crate::trace::step(
                step,
                "connect",
                "GET",
                ("", ""),
                self.open_traced(step),
                |_| None,
            )
            .await;
            // A reused connection is no event: nothing was opened.
            let opened = match &result {
                Ok((_, reused)) => !reused,
                Err(_) => true,
            };
            if opened {
                let event = MessageStep {
                    action: MessageAction::Connect,
                    elapsed: started.elapsed(),
                    message: None,
                    error: result.as_ref().err(),
                };
                report(client, step, &event).await;
            }
            result.map(|(conn, _)| conn)
        })
    }

    /// The connection, and whether it was open already.
    async fn open_traced(self, step: &'static str) -> Result<(ConnId, bool), WorkflowError> {
        let Self {
            connections,
            endpoint,
            request,
        } = self;
        let identity = format!(
            "{}\n{}\n{}",
            endpoint.source,
            endpoint.server,
            request.identity()
        );
        if let Some(found) = connections.open.iter().position(|o| o.identity == identity) {
            return Ok((ConnId(found), true));
        }
        let client = connections.client;
        let built = request.build(step)?;
        let protocol = built.url().scheme().to_owned();
        let transport = client
            .transport(endpoint.source, &protocol)
            .ok_or_else(|| WorkflowError::Connect {
                step,
                source: TransportError::new(format!(
                    "no message transport for protocol `{protocol}`: plug one in with \
                     ClientBuilder::transport_for_protocol"
                )),
            })?;
        let connect = ConnectRequest {
            url: built.url().clone(),
            headers: built.headers().clone(),
            subprotocol: endpoint.subprotocol.map(str::to_owned),
            timeout: client.timeout(),
            max_message_size: client.max_response_size(),
        };
        let connection = transport
            .connect(connect)
            .await
            .map_err(|source| WorkflowError::Connect { step, source })?;
        let shared = Arc::new(Shared::default());
        let pump = tokio::spawn(pump(connection.inbound, Arc::clone(&shared)));
        connections.open.push(Open {
            identity,
            sender: connection.sender,
            shared,
            pump,
        });
        Ok((ConnId(connections.open.len() - 1), false))
    }
}

/// What the reading task shares with the steps: who listens, and why the connection ended.
#[derive(Default)]
struct Shared {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    listeners: Vec<Listener>,
    ended: Option<TransportError>,
}

struct Listener {
    tx: mpsc::Sender<Message>,
    overflowed: Arc<AtomicBool>,
}

impl Shared {
    fn ended(reason: TransportError) -> Self {
        Self {
            state: Mutex::new(State {
                listeners: Vec::new(),
                ended: Some(reason),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing panics while holding the lock; a poisoned one still holds consistent data.
        self.state
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    /// Hands `message` to every listener. A listener whose buffer is full is marked and
    /// dropped (its wait reports the overflow once it has looked at what it holds); a dropped
    /// listener (its step is over) is forgotten.
    fn dispatch(&self, message: Message) {
        let mut state = self.lock();
        state
            .listeners
            .retain(|listener| match listener.tx.try_send(message.clone()) {
                Ok(()) => true,
                Err(mpsc::error::TrySendError::Full(_)) => {
                    listener.overflowed.store(true, Ordering::Release);
                    false
                }
                Err(mpsc::error::TrySendError::Closed(_)) => false,
            });
    }
}

/// Reads a connection's inbound messages for as long as it is open. Messages nobody listens
/// for are dropped: a `receive` sees what arrives after it was reached.
async fn pump(mut inbound: Box<dyn MessageStream>, shared: Arc<Shared>) {
    let reason = loop {
        match inbound.next().await {
            Some(Ok(message)) => shared.dispatch(message),
            Some(Err(err)) => break err,
            None => break TransportError::new("the server closed the connection"),
        }
    };
    let mut state = shared.lock();
    state.ended = Some(reason);
    state.listeners.clear();
}

/// Which message a `receive` step takes: every condition must hold.
#[derive(Default)]
pub struct Match<'a> {
    payload: Vec<(&'a str, Value)>,
    header: Vec<(&'a str, Value)>,
    filters: Vec<Filter<'a>>,
}

/// A `receive` step's own condition on a message.
type Filter<'a> = Box<dyn Fn(&Message) -> bool + Send + Sync + 'a>;

impl<'a> Match<'a> {
    /// Any message.
    pub fn any() -> Self {
        Self::default()
    }

    /// The payload's value at `pointer` is `value` exactly (a `correlationId` in the payload):
    /// strings compare case and all, unlike the criteria's `==`; a number also matches its
    /// decimal text, since a document writes `correlationId` values as strings.
    pub fn payload_eq(mut self, pointer: &'a str, value: impl Into<Value>) -> Self {
        self.payload.push((pointer, value.into()));
        self
    }

    /// The headers' value at `pointer` is `value` exactly (a `correlationId` in the headers),
    /// as [`Match::payload_eq`] compares.
    pub fn header_eq(mut self, pointer: &'a str, value: impl Into<Value>) -> Self {
        self.header.push((pointer, value.into()));
        self
    }

    /// `filter` holds for the message (the step's success criteria, say, when they select
    /// rather than fail).
    pub fn filter(mut self, filter: impl Fn(&Message) -> bool + Send + Sync + 'a) -> Self {
        self.filters.push(Box::new(filter));
        self
    }

    fn matches(&self, message: &Message) -> bool {
        self.payload
            .iter()
            .all(|(pointer, value)| same_id(message.payload_value(pointer), value))
            && self
                .header
                .iter()
                .all(|(pointer, value)| same_id(message.header_value(pointer), value))
            && self.filters.iter().all(|filter| filter(message))
    }
}

/// Whether a received correlation id is `expected`: equal JSON, or a number and a string
/// holding the same decimal text (`ackId: 1` against `"1"`).
fn same_id(found: Option<&Value>, expected: &Value) -> bool {
    match (found, expected) {
        (None, _) => false,
        (Some(Value::Number(n)), Value::String(s)) | (Some(Value::String(s)), Value::Number(n)) => {
            n.to_string() == *s
        }
        (Some(found), expected) => found == expected,
    }
}

/// A reached `receive` step, listening.
pub struct Receiving {
    /// Whose step hooks hear of the wait's end.
    client: Client,
    step: &'static str,
    rx: mpsc::Receiver<Message>,
    overflowed: Arc<AtomicBool>,
    shared: Arc<Shared>,
    limit: usize,
    default_timeout: Duration,
    /// When the step was reached: its `timeout` counts from here, not from the wait.
    reached: tokio::time::Instant,
}

impl Receiving {
    /// The first message since the step was reached that `matcher` accepts, at most
    /// `timeout_ms` after the step was reached (the step's `timeout`, which counts the steps
    /// run in between; without one the client's timeout, else
    /// [`DEFAULT_RECEIVE_TIMEOUT`]). Fails with [`WorkflowError::Timeout`], with
    /// [`WorkflowError::InboundOverflow`] when the buffer overflowed before a match, or with
    /// [`WorkflowError::Message`] when the connection ended first.
    pub fn wait<'m>(
        self,
        matcher: &'m Match<'_>,
        timeout_ms: Option<u64>,
    ) -> Boxed<'m, Result<Message, WorkflowError>> {
        Box::pin(async move {
            let step = self.step;
            super::deadline::enter(step);
            let client = self.client.clone();
            let reached = self.reached;
            let result = crate::trace::step(
                step,
                "receive",
                "",
                ("", ""),
                self.wait_traced(matcher, timeout_ms),
                |_| None,
            )
            .await;
            let event = MessageStep {
                action: MessageAction::Receive,
                elapsed: reached.elapsed(),
                message: result.as_ref().ok(),
                error: result.as_ref().err(),
            };
            report(&client, step, &event).await;
            result
        })
    }

    async fn wait_traced(
        mut self,
        matcher: &Match<'_>,
        timeout_ms: Option<u64>,
    ) -> Result<Message, WorkflowError> {
        let step = self.step;
        let after = timeout_ms.map_or(self.default_timeout, Duration::from_millis);
        let finding = async {
            while let Some(message) = self.rx.recv().await {
                if matcher.matches(&message) {
                    return Ok(message);
                }
            }
            if self.overflowed.load(Ordering::Acquire) {
                return Err(WorkflowError::InboundOverflow {
                    step,
                    limit: self.limit,
                });
            }
            let source = self
                .shared
                .lock()
                .ended
                .clone()
                .unwrap_or_else(|| TransportError::new("the connection ended"));
            Err(WorkflowError::Message { step, source })
        };
        tokio::time::timeout_at(self.reached + after, finding)
            .await
            .unwrap_or_else(|_| {
                crate::trace::timeout(step, after);
                Err(WorkflowError::Timeout { step, after })
            })
    }
}

/// Tells the client's step hooks that a message step's operation is over.
async fn report(client: &Client, step: &'static str, event: &MessageStep<'_>) {
    for hook in client.step_hooks() {
        hook.after_message(step, event).await;
    }
}
