//! Upstream event handlers: the service calls the app's webhook for `connect`, `connected`,
//! `disconnected` and user events, as Azure Web PubSub does
//! (<https://learn.microsoft.com/azure/azure-web-pubsub/reference-cloud-events>).
//!
//! `connect` is blocking: the client's handshake waits for it (bounded by
//! [`crate::Limits::upstream_timeout`]). Everything else for a connection goes through one
//! worker task per connection, in order: `connected`, then user events (each waits for its
//! response, which goes back to the client; a failed one closes the connection), then
//! `disconnected`. Nothing here holds a hub's
//! lock while waiting, so a slow upstream never delays fan-out to other connections.

mod cloudevents;
mod settings;

pub use settings::{EventHandler, HubSettings, SettingsError, SystemEvent, UserEvents};

pub(crate) use cloudevents::{Identity, rfc3339};

use crate::message::{Data, Delivery, Origin};
use crate::names::HubName;
use crate::service::{Secret, Shared};
use crate::state::{Narrowing, Scope};
use axum::body::Bytes;
use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use serde_json::{Map, Value};
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// User events waiting for one connection's worker; past it the reader waits (backpressure on
/// that client only). With 1 MiB messages that is at most the outbound queue's 16 MiB.
const QUEUE: usize = 16;
/// Attempts for the non-blocking `connected`/`disconnected` events, and the pause before the
/// first retry (doubling after): Azure retries these on failure; it does not document how often.
const ATTEMPTS: u32 = 3;
const RETRY_PAUSE: Duration = Duration::from_millis(500);

/// The service's side of every hub's event handlers.
pub(crate) struct Upstream {
    pub(crate) settings: HubSettings,
    client: reqwest::Client,
    keys: Vec<Secret>,
    /// `WebHook-Request-Origin`: the service's `host:port`.
    origin: String,
    timeout: Duration,
    max_body: usize,
    /// Validation URLs whose abuse-protection handshake succeeded.
    validated: Mutex<HashSet<String>>,
    next_id: AtomicU64,
    /// Where deliveries are recorded for the dashboard.
    activity: Arc<crate::dashboard::Activity>,
}

/// An upstream answer.
struct Reply {
    status: StatusCode,
    content_type: Option<String>,
    /// `ce-connectionState` of the response: the connection's new state, when present.
    state: Option<String>,
    body: Bytes,
}

/// Why a delivery did not get an answer.
#[derive(Debug)]
enum Failure {
    /// The abuse-protection handshake was refused or failed.
    Validation(String),
    /// Connecting, sending or reading failed, or took longer than the timeout.
    Transport(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Validation(why) => write!(f, "abuse-protection validation failed: {why}"),
            Failure::Transport(why) => f.write_str(why),
        }
    }
}

/// What a successful `connect` decided.
#[derive(Debug, Default)]
pub(crate) struct Accepted {
    pub(crate) user_id: Option<String>,
    pub(crate) groups: Vec<String>,
    pub(crate) roles: Vec<String>,
    pub(crate) subprotocol: Option<String>,
    pub(crate) state: Option<String>,
}

/// A refused `connect`: the HTTP status the client gets, and why.
#[derive(Debug)]
pub(crate) struct Refused {
    pub(crate) status: StatusCode,
    pub(crate) message: String,
}

impl Upstream {
    pub(crate) fn new(
        settings: HubSettings,
        key: Secret,
        origin: String,
        timeout: Duration,
        max_body: usize,
        activity: Arc<crate::dashboard::Activity>,
    ) -> Result<Upstream, reqwest::Error> {
        // In a build where reqwest has rustls without a chosen provider (feature unification
        // with the workspace's `rustls-no-provider`), building a client panics unless a
        // process-wide provider is installed. An error only means one already is.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            // Handlers are local apps: never through a proxy from the environment, never
            // redirected elsewhere.
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(timeout)
            .build()?;
        Ok(Upstream {
            settings,
            client,
            keys: vec![key],
            origin,
            timeout,
            max_body,
            validated: Mutex::default(),
            next_id: AtomicU64::new(1),
            activity,
        })
    }

    /// Whether `hub` has any handler (then its connections get a worker).
    pub(crate) fn serves(&self, hub: &HubName) -> bool {
        self.settings.system(hub, SystemEvent::Connected).is_some()
            || self
                .settings
                .system(hub, SystemEvent::Disconnected)
                .is_some()
            || self.settings.has_user_events(hub)
    }

    /// The abuse-protection handshake for `handler` of `hub`, once per validation URL:
    /// `OPTIONS` with `WebHook-Request-Origin`, answered with a 2xx and `WebHook-Allowed-Origin`
    /// of `*` or our origin (<https://github.com/cloudevents/spec/blob/v1.0/http-webhook.md#4-abuse-protection>;
    /// Azure resolves `{event}` to `validate` for it).
    async fn validate(&self, handler: &EventHandler, hub: &str) -> Result<(), Failure> {
        let url = handler.url(hub, "validate");
        if self.lock_validated().contains(&url) {
            return Ok(());
        }
        let request = self
            .client
            .request(reqwest::Method::OPTIONS, &url)
            .header("WebHook-Request-Origin", &self.origin)
            // Microsoft's handler SDKs answer the handshake only for requests marked as Web
            // PubSub's (@azure/web-pubsub-express checks this header first).
            .header("ce-awpsversion", "1.0")
            .send();
        let response = tokio::time::timeout(self.timeout, request)
            .await
            .map_err(|_| Failure::Validation(format!("no answer within {:?}", self.timeout)))?
            .map_err(|e| Failure::Validation(describe(&e)))?;
        if !response.status().is_success() {
            return Err(Failure::Validation(format!(
                "OPTIONS answered {}",
                response.status()
            )));
        }
        let allowed = response
            .headers()
            .get_all("WebHook-Allowed-Origin")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .any(|o| o == "*" || o.eq_ignore_ascii_case(&self.origin));
        if !allowed {
            return Err(Failure::Validation(format!(
                "WebHook-Allowed-Origin does not allow `{}`",
                self.origin
            )));
        }
        self.lock_validated().insert(url);
        Ok(())
    }

    fn lock_validated(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.validated.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Sends one event and reads the answer (body at most the message limit), all within the
    /// timeout.
    async fn post(
        &self,
        handler: &EventHandler,
        who: &Identity,
        (ce_type, event): (&str, &str),
        state: Option<&str>,
        content_type: &str,
        body: Bytes,
    ) -> Result<Reply, Failure> {
        let result = self
            .exchange(handler, who, (ce_type, event), state, content_type, body)
            .await;
        let outcome = match &result {
            Ok(r) => Ok(r.status.as_u16()),
            Err(e) => Err(e.to_string()),
        };
        self.activity
            .upstream(who.hub.as_str(), event, &who.connection_id, outcome);
        result
    }

    async fn exchange(
        &self,
        handler: &EventHandler,
        who: &Identity,
        (ce_type, event): (&str, &str),
        state: Option<&str>,
        content_type: &str,
        body: Bytes,
    ) -> Result<Reply, Failure> {
        self.validate(handler, who.hub.as_str()).await?;
        let id = format!("{}", self.next_id.fetch_add(1, Ordering::Relaxed));
        let keys: Vec<&str> = self.keys.iter().map(Secret::expose).collect();
        let headers = cloudevents::headers(who, ce_type, event, &id, state, &keys, &self.origin);
        let url = handler.url(who.hub.as_str(), event);
        let exchange = async {
            let mut response = self
                .client
                .post(&url)
                .headers(headers)
                .header(CONTENT_TYPE, content_type)
                .body(body)
                .send()
                .await
                .map_err(|e| Failure::Transport(describe(&e)))?;
            let header = |name: &str| {
                response
                    .headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            };
            let (content_type, state) = (header("content-type"), header("ce-connectionstate"));
            let mut body = Vec::new();
            while let Some(chunk) = response
                .chunk()
                .await
                .map_err(|e| Failure::Transport(describe(&e)))?
            {
                if body.len() + chunk.len() > self.max_body {
                    return Err(Failure::Transport(format!(
                        "the response body is larger than {} bytes",
                        self.max_body
                    )));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(Reply {
                status: response.status(),
                content_type,
                state,
                body: Bytes::from(body),
            })
        };
        let reply = tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| Failure::Transport(format!("no answer within {:?}", self.timeout)))??;
        tracing::debug!(
            hub = who.hub.as_str(),
            connection_id = who.connection_id,
            event,
            status = reply.status.as_u16(),
            "upstream event delivered"
        );
        Ok(reply)
    }

    /// The blocking `connect` event, when `who.hub` has a handler for it. `body` is the
    /// request's `claims`/`query`/`headers`/`subprotocols` object.
    pub(crate) async fn connect(
        &self,
        who: &Identity,
        body: Value,
    ) -> Option<Result<Accepted, Refused>> {
        let handler = self.settings.system(&who.hub, SystemEvent::Connect)?;
        let body = Bytes::from(body.to_string());
        let result = self
            .post(
                handler,
                who,
                ("azure.webpubsub.sys.connect", "connect"),
                None,
                "application/json",
                body,
            )
            .await;
        Some(match result {
            Err(failure) => {
                tracing::warn!(hub = who.hub.as_str(), connection_id = who.connection_id, %failure, "connect event failed: refusing the client");
                Err(Refused {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    message: format!("the upstream connect handler failed: {failure}"),
                })
            }
            Ok(reply) => accept(reply),
        })
    }

    /// Starts the worker of connection `who` (`connected`, user events, `disconnected`), when
    /// its hub has handlers for any of them.
    pub(crate) fn start(
        shared: &Arc<Shared>,
        who: Identity,
        state: Option<String>,
    ) -> Option<EventQueue> {
        let upstream = shared.upstream.as_ref()?;
        if !upstream.serves(&who.hub) {
            return None;
        }
        let (tx, rx) = mpsc::channel(QUEUE);
        let reason = Arc::new(Mutex::new(None));
        tokio::spawn(work(
            Arc::clone(shared),
            who,
            state,
            rx,
            Arc::clone(&reason),
        ));
        Some(EventQueue { tx, reason })
    }

    /// Sends a non-blocking system event, retrying transport failures and 5xx answers.
    async fn notify(&self, event: SystemEvent, who: &Identity, state: Option<&str>, body: &Value) {
        let Some(handler) = self.settings.system(&who.hub, event) else {
            return;
        };
        let ce_type = format!("azure.webpubsub.sys.{}", event.name());
        let body = Bytes::from(body.to_string());
        let mut pause = RETRY_PAUSE;
        for attempt in 1..=ATTEMPTS {
            let result = self
                .post(
                    handler,
                    who,
                    (&ce_type, event.name()),
                    state,
                    "application/json",
                    body.clone(),
                )
                .await;
            let why = match result {
                Ok(r) if !r.status.is_server_error() => return,
                Ok(r) => format!("answered {}", r.status),
                Err(e) => e.to_string(),
            };
            tracing::warn!(
                hub = who.hub.as_str(),
                connection_id = who.connection_id,
                event = event.name(),
                attempt,
                why,
                "upstream event failed"
            );
            if attempt < ATTEMPTS {
                tokio::time::sleep(pause).await;
                pause *= 2;
            }
        }
    }
}

/// Reads a `connect` answer: 2xx accepts (a JSON body may set `userId`, `groups`, `roles`,
/// `subprotocol`); 401 and 403 refuse with that status; anything else refuses with 500.
fn accept(reply: Reply) -> Result<Accepted, Refused> {
    let status = reply.status;
    if !status.is_success() {
        let detail = String::from_utf8_lossy(&reply.body);
        let detail: String = detail.chars().take(512).collect();
        let status = match status.as_u16() {
            400 | 401 | 403 => status,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        return Err(Refused {
            status,
            message: format!(
                "the upstream connect handler answered {}{}{detail}",
                reply.status,
                if detail.is_empty() { "" } else { ": " }
            ),
        });
    }
    let mut accepted = Accepted {
        state: reply.state,
        ..Accepted::default()
    };
    if reply.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(accepted);
    }
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&reply.body) else {
        return Err(Refused {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: "the upstream connect handler answered a body that is not a JSON object"
                .into(),
        });
    };
    let strings = |key: &str| -> Vec<String> {
        body.get(key)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    accepted.user_id = body
        .get("userId")
        .and_then(Value::as_str)
        .map(str::to_owned);
    accepted.groups = strings("groups");
    accepted.roles = strings("roles");
    accepted.subprotocol = body
        .get("subprotocol")
        .and_then(Value::as_str)
        .map(str::to_owned);
    Ok(accepted)
}

fn describe(e: &reqwest::Error) -> String {
    // reqwest's Display includes the URL, which carries nothing secret here (tokens never go
    // into handler URLs), but its source chain is the useful part.
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// A user event for the worker.
pub(crate) struct UserEvent {
    /// `message` for simple clients, else the JSON client's event name.
    pub(crate) name: String,
    pub(crate) data: Data,
    /// The JSON client's `ackId`, answered once the upstream has.
    pub(crate) ack_id: Option<u64>,
}

/// A connection's way to its worker; dropping it (the connection is gone) makes the worker
/// send `disconnected` after the events already queued.
pub(crate) struct EventQueue {
    tx: mpsc::Sender<UserEvent>,
    reason: Arc<Mutex<Option<String>>>,
}

impl EventQueue {
    /// A sender for one event (cloned so nothing is held under the hub's lock while waiting).
    pub(crate) fn sender(&self) -> mpsc::Sender<UserEvent> {
        self.tx.clone()
    }

    /// Records why the connection ends, for the `disconnected` event.
    pub(crate) fn set_reason(&self, reason: &str) {
        let mut r = self.reason.lock().unwrap_or_else(|p| p.into_inner());
        r.get_or_insert_with(|| reason.to_owned());
    }
}

/// One connection's events, in order.
async fn work(
    shared: Arc<Shared>,
    who: Identity,
    mut state: Option<String>,
    mut rx: mpsc::Receiver<UserEvent>,
    reason: Arc<Mutex<Option<String>>>,
) {
    let Some(upstream) = shared.upstream.as_ref() else {
        return;
    };
    upstream
        .notify(
            SystemEvent::Connected,
            &who,
            state.as_deref(),
            &Value::Object(Map::new()),
        )
        .await;
    while let Some(event) = rx.recv().await {
        if !user_event(&shared, upstream, &who, &mut state, event).await {
            // The connection is being closed: what it sent after the failure is not delivered.
            break;
        }
    }
    drop(rx);
    let mut body = Map::new();
    if let Some(r) = reason.lock().unwrap_or_else(|p| p.into_inner()).take() {
        body.insert("reason".into(), r.into());
    }
    upstream
        .notify(
            SystemEvent::Disconnected,
            &who,
            state.as_deref(),
            &Value::Object(body),
        )
        .await;
}

/// Delivers one user event and answers the client: a 200 body goes back as a message of the
/// response's content type; a JSON client's `ackId` is acked (with `InternalServerError` when
/// the upstream failed or answered an error, and then the connection is closed). Returns
/// whether the connection goes on.
async fn user_event(
    shared: &Shared,
    upstream: &Upstream,
    who: &Identity,
    state: &mut Option<String>,
    event: UserEvent,
) -> bool {
    let Some(handler) = upstream.settings.user(&who.hub, &event.name) else {
        // Only events with a handler are queued; settings do not change at run time.
        return true;
    };
    let (content_type, body) = match &event.data {
        Data::Text(t) => ("text/plain; charset=utf-8", Bytes::from(t.clone())),
        Data::Json(text, _) => ("application/json", Bytes::from(text.clone())),
        Data::Binary(b) => ("application/octet-stream", b.clone()),
    };
    let ce_type = format!("azure.webpubsub.user.{}", event.name);
    let result = upstream
        .post(
            handler,
            who,
            (&ce_type, &event.name),
            state.as_deref(),
            content_type,
            body,
        )
        .await;
    let id = who.connection_id.clone();
    let outcome = match result {
        Ok(reply) if reply.status.is_success() => {
            if let Some(s) = reply.state {
                *state = Some(s);
            }
            if reply.status != StatusCode::NO_CONTENT && !reply.body.is_empty() {
                let data = data_of(reply.content_type.as_deref(), reply.body);
                let delivery = Delivery::new(&data, Origin::Server);
                shared.registry.with_hub(&who.hub, |h| {
                    h.send(Scope::Connection(&id), &Narrowing::default(), &delivery)
                });
            }
            Ok(())
        }
        Ok(reply) => Err(format!("the upstream answered {}", reply.status)),
        Err(e) => Err(e.to_string()),
    };
    if let Err(why) = &outcome {
        tracing::warn!(
            hub = who.hub.as_str(),
            connection_id = id,
            event = event.name,
            why,
            "user event failed"
        );
    }
    if let Some(ack) = event.ack_id {
        let text = match &outcome {
            Ok(()) => crate::message::ack(ack.into(), None),
            Err(why) => crate::message::ack(ack.into(), Some(("InternalServerError", why))),
        };
        shared.registry.with_hub(&who.hub, |h| h.control(&id, text));
    }
    match outcome {
        Ok(()) => true,
        Err(why) => {
            // Microsoft's handler SDKs document that a failed user-event answer makes the
            // service close the client's connection (@azure/web-pubsub-express
            // `UserEventResponseHandler.fail`: "the service will close the client WebSocket
            // connection"): closed after the ack and anything queued before it.
            let reason = format!("the upstream event handler failed: {why}");
            shared.registry.with_hub(&who.hub, |h| {
                h.close(std::slice::from_ref(&id), Some(&reason))
            });
            false
        }
    }
}

/// A response body as message data, by its content type (`application/json`, `text/*`, else
/// binary).
fn data_of(content_type: Option<&str>, body: Bytes) -> Data {
    let mime = content_type
        .and_then(|c| c.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if mime == "application/json"
        && let Ok(value) = serde_json::from_slice::<Value>(&body)
    {
        return Data::Json(String::from_utf8_lossy(&body).into_owned(), value);
    }
    if (mime.starts_with("text/") || mime == "application/json")
        && let Ok(text) = String::from_utf8(body.to_vec())
    {
        return Data::Text(text);
    }
    Data::Binary(body)
}
