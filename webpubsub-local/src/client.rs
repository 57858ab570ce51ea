//! The WebSocket endpoint `/client/hubs/{hub}`: token check before the upgrade, subprotocol
//! choice, then one reader loop and one writer task per connection. The writer drains the
//! connection's queue, so everything a connection receives arrives in the order it was queued.

use crate::auth::{self, Addressed};
use crate::jwt;
use crate::message::{self, Data, Delivery, Origin, Outbound, Protocol};
use crate::rest::{ApiError, Query, validate_group, validate_hub};
use crate::service::Shared;
use crate::state::{Connection, Grant, Permission, Scope};
use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{FromRequestParts, Request};
use axum::http::header::SEC_WEBSOCKET_PROTOCOL;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};

/// Close code for connections the service ends; Microsoft's clients do not try to recover
/// a connection closed with it.
const SERVER_CLOSE_CODE: u16 = 1008;

/// How long to wait for the client's close reply after we sent ours.
const CLOSE_GRACE: Duration = Duration::from_secs(5);

/// Frames written before a flush, so bursts go out in few syscalls.
const WRITE_BATCH: usize = 64;

/// What a verified client token grants.
struct Admission {
    user_id: Option<String>,
    groups: Vec<String>,
    grants: HashSet<Grant>,
}

/// Handles `GET /client/hubs/{hub}`.
pub(crate) async fn handle(shared: Arc<Shared>, request: Request, hub: &str) -> Response {
    if let Err(e) = validate_hub(hub) {
        return e.into_response();
    }
    let (mut parts, _body) = request.into_parts();
    let query = Query::parse(parts.uri.query());
    let token = query
        .get("access_token")
        .or_else(|| auth::bearer(&parts.headers));
    let addressed = Addressed {
        host: auth::host(&parts.headers),
        endpoint_authority: &shared.endpoint_authority,
        path: parts.uri.path(),
        query: None,
    };
    let claims = match auth::check_client(token, shared.access_key.expose(), &addressed) {
        Ok(c) => c,
        Err(e) => return ApiError::unauthorized(e.message()).into_response(),
    };
    let mut groups = jwt::string_list(&claims, "webpubsub.group");
    groups.retain(|g| validate_group(g).is_ok());
    let admission = Admission {
        user_id: claims.get("sub").and_then(Value::as_str).map(str::to_owned),
        groups,
        grants: jwt::string_list(&claims, "role")
            .iter()
            .filter_map(|r| Permission::from_role(r))
            .collect(),
    };
    let offers = parts
        .headers
        .get_all(SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok());
    let (protocol, name) = Protocol::negotiate(offers);
    let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
        Ok(u) => u,
        Err(rejection) => return rejection.into_response(),
    };
    let upgrade = match name {
        Some(n) => upgrade.protocols([n]),
        None => upgrade,
    };
    // Register before answering 101, so a client whose handshake completed is already
    // reachable; frames queued before the socket is ready wait in its queue.
    let id = random_id(22);
    let (tx, rx) = mpsc::unbounded_channel();
    if protocol != Protocol::Raw {
        let reconnection = (protocol == Protocol::ReliableJson).then(|| random_id(32));
        // Queued before the connection is registered, so it is the first frame out.
        let _ = tx.send(Outbound::Control(message::connected(
            &id,
            admission.user_id.as_deref(),
            reconnection.as_deref(),
        )));
    }
    let connection = Connection {
        user_id: admission.user_id.clone(),
        groups: HashSet::new(),
        grants: admission.grants,
        out: tx.clone(),
    };
    shared
        .registry
        .with_hub(hub, |h| h.add(&id, connection, &admission.groups));
    let live = Live {
        shared,
        hub: hub.to_owned(),
        id,
        user_id: admission.user_id,
    };
    let failed = Live {
        shared: Arc::clone(&live.shared),
        hub: live.hub.clone(),
        id: live.id.clone(),
        user_id: None,
    };
    upgrade
        .on_failed_upgrade(move |_| failed.unregister())
        .on_upgrade(move |socket| run(socket, live, protocol, tx, rx))
}

fn random_id(len: usize) -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

/// A registered connection.
struct Live {
    shared: Arc<Shared>,
    hub: String,
    id: String,
    user_id: Option<String>,
}

impl Live {
    fn unregister(&self) {
        self.shared
            .registry
            .with_hub(&self.hub, |h| h.remove(&self.id));
    }
}

/// Lives as long as the socket: reads client frames, then unregisters the connection.
async fn run(
    socket: WebSocket,
    live: Live,
    protocol: Protocol,
    tx: UnboundedSender<Outbound>,
    rx: UnboundedReceiver<Outbound>,
) {
    let (sink, mut stream) = socket.split();
    let mut writer = tokio::spawn(write(sink, rx, protocol));
    let mut session = Session {
        shared: &live.shared,
        hub: &live.hub,
        id: &live.id,
        user_id: live.user_id.as_deref(),
        tx: &tx,
        ack_ids: HashSet::new(),
    };
    let grace = tokio::time::sleep(Duration::from_secs(365 * 24 * 3600));
    tokio::pin!(grace);
    let mut writer_done = false;
    loop {
        tokio::select! {
            frame = stream.next() => match frame {
                Some(Ok(Message::Text(text))) if protocol != Protocol::Raw => session.request(&text),
                // Keep reading after the client's close frame: the next read sends our reply
                // and then ends the stream, which clients wait for.
                Some(Err(_)) | None => break,
                // Raw clients' data would go to an upstream, which this service does not have.
                Some(Ok(_)) => {}
            },
            _ = &mut writer, if !writer_done => {
                writer_done = true;
                grace.as_mut().reset(tokio::time::Instant::now() + CLOSE_GRACE);
            }
            _ = &mut grace => break,
        }
    }
    live.unregister();
}

/// The writer task: renders queue items for `protocol` and writes them in order.
async fn write(
    mut sink: futures_util::stream::SplitSink<WebSocket, Message>,
    mut rx: UnboundedReceiver<Outbound>,
    protocol: Protocol,
) {
    let mut sequence = 0u64;
    while let Some(first) = rx.recv().await {
        let mut item = Some(first);
        let mut written = 0;
        while let Some(next) = item.take() {
            let frame = match next {
                Outbound::Deliver(d) => d.frame(protocol, &mut sequence),
                Outbound::Control(_) if protocol == Protocol::Raw => continue,
                Outbound::Control(text) => Message::Text(Utf8Bytes::from(text)),
                Outbound::Close(reason) => {
                    close(&mut sink, protocol, reason).await;
                    return;
                }
            };
            if sink.feed(frame).await.is_err() {
                return;
            }
            written += 1;
            if written < WRITE_BATCH {
                item = rx.try_recv().ok();
            }
        }
        if sink.flush().await.is_err() {
            return;
        }
    }
}

async fn close(
    sink: &mut futures_util::stream::SplitSink<WebSocket, Message>,
    protocol: Protocol,
    reason: Option<String>,
) {
    let reason = reason.unwrap_or_default();
    if protocol != Protocol::Raw {
        let _ = sink
            .feed(Message::Text(Utf8Bytes::from(message::disconnected(
                &reason,
            ))))
            .await;
    }
    let frame = CloseFrame {
        code: SERVER_CLOSE_CODE,
        reason: Utf8Bytes::from(truncate(&reason, 123)),
    };
    let _ = sink.send(Message::Close(Some(frame))).await;
}

/// `text` cut to at most `max` bytes on a character boundary (close reasons are limited).
fn truncate(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// A JSON client's view for handling its requests.
struct Session<'a> {
    shared: &'a Shared,
    hub: &'a str,
    id: &'a str,
    user_id: Option<&'a str>,
    tx: &'a UnboundedSender<Outbound>,
    ack_ids: HashSet<u64>,
}

/// A failed request: the ack error's name and message.
type Refusal = (&'static str, String);

impl Session<'_> {
    /// Handles one JSON protocol frame.
    fn request(&mut self, text: &str) {
        let Ok(Value::Object(request)) = serde_json::from_str::<Value>(text) else {
            return;
        };
        let kind = request.get("type").and_then(Value::as_str).unwrap_or("");
        let ack_id = request.get("ackId").and_then(Value::as_u64);
        if kind == "ping" {
            let _ = self.tx.send(Outbound::Control(r#"{"type":"pong"}"#.into()));
            return;
        }
        if kind == "sequenceAck" {
            // Nothing is ever resent (no reconnection), so acknowledgements need no bookkeeping.
            return;
        }
        if let Some(ack) = ack_id
            && !self.ack_ids.insert(ack)
        {
            self.ack(
                ack,
                Err((
                    "Duplicate",
                    "the ackId was already used on this connection".into(),
                )),
            );
            return;
        }
        let result = match kind {
            "joinGroup" => self.join_or_leave(&request, true),
            "leaveGroup" => self.join_or_leave(&request, false),
            "sendToGroup" => self.send_to_group(&request),
            // No upstream event handler exists here, so an event is accepted and dropped.
            "event" => Ok(()),
            other => Err(("BadRequest", format!("unknown request type `{other}`"))),
        };
        if let Some(ack) = ack_id {
            self.ack(ack, result);
        }
    }

    fn ack(&self, ack_id: u64, result: Result<(), Refusal>) {
        let text = match &result {
            Ok(()) => message::ack(ack_id, None),
            Err((name, msg)) => message::ack(ack_id, Some((name, msg))),
        };
        let _ = self.tx.send(Outbound::Control(text));
    }

    fn group(request: &serde_json::Map<String, Value>) -> Result<&str, Refusal> {
        let group = request.get("group").and_then(Value::as_str).unwrap_or("");
        validate_group(group)
            .map_err(|_| ("BadRequest", "a valid `group` is required".to_string()))?;
        Ok(group)
    }

    fn join_or_leave(
        &self,
        request: &serde_json::Map<String, Value>,
        join: bool,
    ) -> Result<(), Refusal> {
        let group = Self::group(request)?;
        self.shared.registry.with_hub(self.hub, |h| {
            let allowed = h
                .connections
                .get(self.id)
                .is_some_and(|c| c.allowed(Permission::JoinLeaveGroup, group));
            if !allowed {
                return Err((
                    "Forbidden",
                    format!("the connection may not join or leave group `{group}`"),
                ));
            }
            if join {
                h.join(self.id, group);
            } else {
                h.leave(self.id, group);
            }
            Ok(())
        })
    }

    fn send_to_group(&self, request: &serde_json::Map<String, Value>) -> Result<(), Refusal> {
        let group = Self::group(request)?;
        let data = client_data(request)?;
        let no_echo = request
            .get("noEcho")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let delivery = Delivery::new(
            &data,
            Origin::Client {
                group,
                user_id: self.user_id,
            },
        );
        self.shared.registry.with_hub(self.hub, |h| {
            let allowed = h
                .connections
                .get(self.id)
                .is_some_and(|c| c.allowed(Permission::SendToGroup, group));
            if !allowed {
                return Err((
                    "Forbidden",
                    format!("the connection may not send to group `{group}`"),
                ));
            }
            let mut narrowing = crate::state::Narrowing::default();
            if no_echo {
                narrowing.excluded.insert(self.id.to_owned());
            }
            h.send(&h.select(Scope::Group(group), &narrowing), &delivery);
            Ok(())
        })
    }
}

/// The `dataType`/`data` of a client request.
fn client_data(request: &serde_json::Map<String, Value>) -> Result<Data, Refusal> {
    let data = request.get("data").cloned().unwrap_or(Value::Null);
    match request
        .get("dataType")
        .and_then(Value::as_str)
        .unwrap_or("json")
    {
        "text" => match data {
            Value::String(s) => Ok(Data::Text(s)),
            _ => Err(("BadRequest", "text data must be a string".into())),
        },
        "json" => Ok(Data::Json(data.to_string(), data)),
        "binary" => data
            .as_str()
            .and_then(|s| STANDARD.decode(s).ok())
            .map(|b| Data::Binary(Bytes::from(b)))
            .ok_or(("BadRequest", "binary data must be a base64 string".into())),
        other => Err(("BadRequest", format!("unsupported dataType `{other}`"))),
    }
}
