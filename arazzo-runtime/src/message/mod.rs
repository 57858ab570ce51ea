//! Messages for AsyncAPI `send` and `receive` steps, and the transport they travel over.
//!
//! A [`Transport`] opens a [`Connection`] (an outbound [`MessageSender`] and an inbound
//! [`MessageStream`]) from a [`ConnectRequest`]. The runtime ships [`WebSocket`] (`ws`/`wss`)
//! and uses it for those protocols unless the [`Client`](crate::Client) was given another one
//! with [`ClientBuilder::transport_for_source`](crate::ClientBuilder::transport_for_source) or
//! [`ClientBuilder::transport_for_protocol`](crate::ClientBuilder::transport_for_protocol).
//!
//! # How generated code drives messages
//!
//! The calls below are under `arazzo_runtime::__private::message` (generated code only; `rt`
//! stands for `::arazzo_runtime::__private`). One [`Connections`](crate::__private::message::Connections)
//! value lives for one workflow call: a connection is identified by (source, server, resolved
//! channel address, connect-time query and headers); the first step that needs it opens it,
//! later steps with the same identity reuse it, and it closes when the workflow ends.
//!
//! ```no_run
//! # async fn doc(client: &arazzo_runtime::Client, address: String, token: String, group: String) -> Result<(), arazzo_runtime::WorkflowError> {
//! # use arazzo_runtime::__private as rt;
//! # const WEB_PUB_SUB_CLIENT_SERVER_URL: &str = "wss://{host}{pathname}";
//! let mut connections = rt::message::Connections::new(client);
//! // A step on a channel: the identity of its connection; query/header values are the step's
//! // `in: query` / `in: header` parameters that the AsyncAPI bindings put on the connect.
//! let conn = connections
//!     .connect(rt::message::Endpoint {
//!         source: "webPubSubClient",
//!         server: "production",
//!         default_url: WEB_PUB_SUB_CLIENT_SERVER_URL, // "wss://{host}{pathname}"
//!         address: &address,                           // resolved channel, percent-encoded
//!         subprotocol: Some("json.webpubsub.azure.v1"),
//!         security: &[],                               // as for HTTP requests
//!     })
//!     .query("access_token", &token)
//!     .open("joinGroup")                               // the step that needs it first
//!     .await?;
//! // A `receive` step: registers its listener at once, does not wait.
//! let ack = connections.receive("receiveAck", conn);
//! // A `send` step.
//! connections
//!     .send("joinGroup", conn, rt::message::Message::json(rt::serde_json::json!({
//!         "type": "joinGroup", "group": group, "ackId": 1
//!     })))
//!     .await?;
//! // Where the receive is needed (a `dependsOn`, an output, the workflow's end): its
//! // `correlationId` location and value, its filter, its `timeout` in ms.
//! let message = ack
//!     .wait(
//!         &rt::message::Match::any()
//!             .payload_eq("/ackId", 1)
//!             .filter(|m| m.payload_pointer_eq("/type", "ack")),
//!         Some(5_000),
//!     )
//!     .await?;
//! let success: bool = message.payload_pointer("receiveAck", "/success")?;
//! connections.close().await; // the workflow's end (dropping it closes abruptly)
//! # Ok(())
//! # }
//! ```
//!
//! A step `timeout` around anything else (an HTTP request with its body, a connect, a send) is
//! `rt::timeout::within(step, timeout_ms, future).await`, which fails with
//! [`WorkflowError::Timeout`]; [`WorkflowError::is_timeout`] tells it apart for `onFailure`.
//! The client's whole-workflow deadline needs the workflow's body wrapped once:
//! `rt::deadline::workflow(client, "workflowId", Box::pin(steps)).await` (see its docs).
//!
//! # Bounds
//!
//! Each pending `receive` buffers at most [`ClientBuilder::inbound_buffer`](crate::ClientBuilder::inbound_buffer)
//! messages (default [`DEFAULT_INBOUND_BUFFER`]) between its start and its wait; when more
//! arrive and none of the buffered ones matches, the wait fails with
//! [`WorkflowError::InboundOverflow`]. Inbound messages larger than
//! [`ClientBuilder::max_response_size`](crate::ClientBuilder::max_response_size) end the
//! connection with an error (the WebSocket transport refuses them as it reads).

mod websocket;

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::WorkflowError;
use crate::error::short_type_name;

pub use websocket::WebSocket;

/// How many messages a pending `receive` holds before it is awaited, unless the client says
/// otherwise.
pub const DEFAULT_INBOUND_BUFFER: usize = 1024;

/// A boxed future, as the object-safe transport traits return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a message step did, as [`StepHook::after_message`](crate::StepHook::after_message)
/// sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MessageAction {
    /// A connection was opened (by the first step that needs it; a reused one is not reported).
    Connect,
    /// A `send` step's message went out.
    Send,
    /// A `receive` step's wait ended.
    Receive,
}

/// One message step's operation, once it is over, for
/// [`StepHook::after_message`](crate::StepHook::after_message).
#[derive(Debug)]
#[non_exhaustive]
pub struct MessageStep<'a> {
    /// What the step did.
    pub action: MessageAction,
    /// How long it took: the connect, the send, or for a `receive`, from the moment the step
    /// was reached (when it started listening, as its `timeout` counts) to its match or failure.
    pub elapsed: Duration,
    /// The message a `receive` took.
    pub message: Option<&'a Message>,
    /// Why it failed (then the workflow sees this error too, or its `onFailure` handles it).
    pub error: Option<&'a WorkflowError>,
}

/// Opens connections for one protocol. Implement it to plug in a protocol (or a test double)
/// with [`ClientBuilder::transport_for_protocol`](crate::ClientBuilder::transport_for_protocol)
/// or [`ClientBuilder::transport_for_source`](crate::ClientBuilder::transport_for_source).
pub trait Transport: Send + Sync + 'static {
    /// Opens a connection. The request's URL, query and headers already carry the client's
    /// credentials and hooks' changes. Errors must not quote the URL's query or header values.
    fn connect(&self, request: ConnectRequest)
    -> BoxFuture<'_, Result<Connection, TransportError>>;
}

/// The outbound half of a connection.
pub trait MessageSender: Send + 'static {
    /// Sends one message.
    fn send(&mut self, message: Message) -> BoxFuture<'_, Result<(), TransportError>>;
    /// Closes the connection politely (a WebSocket close frame, say).
    fn close(&mut self) -> BoxFuture<'_, Result<(), TransportError>>;
}

/// The inbound half of a connection: the messages the server sends, in order.
pub trait MessageStream: Send + 'static {
    /// The next message; `None` once the connection has ended. After an error the runtime
    /// reads no further.
    fn next(&mut self) -> BoxFuture<'_, Option<Result<Message, TransportError>>>;
}

/// An open connection, as a [`Transport`] returns it.
pub struct Connection {
    pub(crate) sender: Box<dyn MessageSender>,
    pub(crate) inbound: Box<dyn MessageStream>,
}

impl Connection {
    /// A connection from its two halves. The runtime reads `inbound` on a task of its own so
    /// that steps can send while a `receive` listens.
    pub fn new(sender: impl MessageSender, inbound: impl MessageStream) -> Self {
        Self {
            sender: Box::new(sender),
            inbound: Box::new(inbound),
        }
    }
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection").finish_non_exhaustive()
    }
}

/// What a transport is asked to open. `Debug` leaves out the query and header values (an
/// `access_token` travels in the query).
pub struct ConnectRequest {
    pub(crate) url: url::Url,
    pub(crate) headers: HeaderMap,
    pub(crate) subprotocol: Option<String>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) max_message_size: usize,
}

impl ConnectRequest {
    /// The resolved URL: server URL, channel address and connect-time query (credentials
    /// included).
    pub fn url(&self) -> &url::Url {
        &self.url
    }

    /// Connect-time headers (credentials and hooks' headers included).
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The subprotocol the server binding names (`json.webpubsub.azure.v1`, say).
    pub fn subprotocol(&self) -> Option<&str> {
        self.subprotocol.as_deref()
    }

    /// The client's timeout, which should bound the connect.
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// The largest inbound message to accept, in bytes.
    pub fn max_message_size(&self) -> usize {
        self.max_message_size
    }
}

impl fmt::Debug for ConnectRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectRequest")
            .field("scheme", &self.url.scheme())
            .field("host", &self.url.host_str())
            .field("path", &self.url.path())
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("subprotocol", &self.subprotocol)
            .finish_non_exhaustive()
    }
}

/// Why a transport failed. The message is shown to users: no URL queries, header values or
/// tokens in it.
#[derive(Debug, Clone)]
pub struct TransportError {
    message: String,
    status: Option<u16>,
}

impl TransportError {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            status: None,
        }
    }

    /// The HTTP status of a refused handshake (401 for a wrong token, say).
    #[must_use]
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// The HTTP status of a refused handshake, when there was one.
    pub fn status(&self) -> Option<u16> {
        self.status
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TransportError {}

/// A message's payload.
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    /// JSON (a text frame that parses as JSON is received as this).
    Json(Value),
    /// Text that is not JSON.
    Text(String),
    /// Binary data.
    Binary(Bytes),
}

/// One message sent or received: a payload and headers (a JSON object; empty on WebSocket,
/// whose frames have none).
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    payload: Payload,
    headers: Value,
}

impl Message {
    /// A message with this payload and no headers.
    pub fn new(payload: Payload) -> Self {
        Self {
            payload,
            headers: Value::Object(serde_json::Map::new()),
        }
    }

    /// A JSON message.
    pub fn json(payload: Value) -> Self {
        Self::new(Payload::Json(payload))
    }

    /// A text message.
    pub fn text(payload: impl Into<String>) -> Self {
        Self::new(Payload::Text(payload.into()))
    }

    /// A binary message.
    pub fn binary(payload: impl Into<Bytes>) -> Self {
        Self::new(Payload::Binary(payload.into()))
    }

    /// Sets the message's headers (a JSON object, as the AsyncAPI message's `headers` schema
    /// describes them).
    #[must_use]
    pub fn with_headers(mut self, headers: Value) -> Self {
        self.headers = headers;
        self
    }

    /// `$message.payload`.
    pub fn payload(&self) -> &Payload {
        &self.payload
    }

    /// `$message.header`: the headers object.
    pub fn headers(&self) -> &Value {
        &self.headers
    }

    /// `$message.payload` as a condition operand: the JSON, or the text as a JSON string
    /// (binary payloads as lossy text).
    pub fn payload_operand(&self) -> Cow<'_, Value> {
        match &self.payload {
            Payload::Json(json) => Cow::Borrowed(json),
            Payload::Text(text) => Cow::Owned(Value::String(text.clone())),
            Payload::Binary(bytes) => {
                Cow::Owned(Value::String(String::from_utf8_lossy(bytes).into_owned()))
            }
        }
    }

    /// The value at a JSON pointer in a JSON payload, if there is one.
    pub fn payload_value(&self, pointer: &str) -> Option<&Value> {
        match &self.payload {
            Payload::Json(json) => json.pointer(pointer),
            _ => None,
        }
    }

    /// The value at a JSON pointer in the headers, if there is one.
    pub fn header_value(&self, pointer: &str) -> Option<&Value> {
        self.headers.pointer(pointer)
    }

    /// A payload pointer as a condition operand: `null` when missing.
    pub fn payload_pointer_or_null(&self, pointer: &str) -> &Value {
        self.payload_value(pointer).unwrap_or(&Value::Null)
    }

    /// A header pointer as a condition operand: `null` when missing.
    pub fn header_pointer_or_null(&self, pointer: &str) -> &Value {
        self.header_value(pointer).unwrap_or(&Value::Null)
    }

    /// Whether the payload's value at `pointer` equals `literal` under the criteria's rules.
    pub fn payload_pointer_eq(&self, pointer: &str, literal: impl Into<Value>) -> bool {
        crate::__private::cond::eq(self.payload_pointer_or_null(pointer), &literal.into())
    }

    /// Whether the headers' value at `pointer` equals `literal` under the criteria's rules.
    pub fn header_pointer_eq(&self, pointer: &str, literal: impl Into<Value>) -> bool {
        crate::__private::cond::eq(self.header_pointer_or_null(pointer), &literal.into())
    }

    /// The error for a `receive` step whose success criterion `criterion` this message does
    /// not meet. It quotes the start of the payload with secret-looking JSON members masked,
    /// as response bodies are.
    pub fn criteria_failed(&self, step: &'static str, criterion: &'static str) -> WorkflowError {
        let payload = match &self.payload {
            Payload::Json(json) => crate::redact::body_excerpt(json.to_string().as_bytes(), &[]),
            Payload::Text(text) => crate::redact::body_excerpt(text.as_bytes(), &[]),
            Payload::Binary(bytes) => format!("({} bytes of binary data)", bytes.len()),
        };
        crate::trace::criteria_failed(step, criterion, None, 1);
        WorkflowError::MessageCriteriaNotMet {
            step,
            criterion,
            payload,
        }
    }

    /// `$message.payload#<pointer>` decoded as `T` (a missing value decodes as `null`).
    /// Errors name `step`.
    pub fn payload_pointer<T: DeserializeOwned>(
        &self,
        step: &'static str,
        pointer: &str,
    ) -> Result<T, WorkflowError> {
        // The whole of a text or binary payload is a string.
        if pointer.is_empty() && !matches!(self.payload, Payload::Json(_)) {
            let whole = self.payload_operand();
            return decode(step, "$message.payload".to_owned(), Some(&whole));
        }
        let found = self.payload_value(pointer);
        decode(step, format!("$message.payload#{pointer}"), found)
    }

    /// `$message.header#<pointer>` decoded as `T`. Errors name `step`.
    pub fn header_pointer<T: DeserializeOwned>(
        &self,
        step: &'static str,
        pointer: &str,
    ) -> Result<T, WorkflowError> {
        decode(
            step,
            format!("$message.header#{pointer}"),
            self.headers.pointer(pointer),
        )
    }
}

fn decode<T: DeserializeOwned>(
    step: &'static str,
    location: String,
    found: Option<&Value>,
) -> Result<T, WorkflowError> {
    T::deserialize(found.unwrap_or(&Value::Null)).map_err(|err| WorkflowError::Decode {
        step,
        location,
        expected: short_type_name::<T>(),
        detail: if found.is_none() {
            "the message has no value there".to_owned()
        } else {
            err.to_string()
        },
    })
}
