//! The WebSocket endpoint `/client/hubs/{hub}`: token check before the upgrade, subprotocol
//! choice, then one reader loop and one writer task per connection. The writer drains the
//! connection's queue, so everything a connection receives arrives in the order it was queued.

use crate::auth::{self, Addressed};
use crate::jwt;
use crate::link::{AckWindow, KillSwitch, Link, Reliable};
use crate::message::{self, Delivery, Origin, Outbound, Protocol};
use crate::names::{HubName, validate_group, validate_user};
use crate::request::{self, ClientRequest, Invalid};
use crate::rest::{ApiError, Query};
use crate::server::Slot;
use crate::service::Shared;
use crate::state::{Connection, Grant, Narrowing, Permission, Scope};
use crate::upstream::{Identity, Upstream, UserEvent};
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{FromRequestParts, Request};
use axum::http::header::SEC_WEBSOCKET_PROTOCOL;
use axum::response::{IntoResponse, Response};
use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::mpsc::{self, UnboundedReceiver};
use tokio::time::Instant;

/// Close code for connections the service ends; Microsoft's clients do not try to recover
/// a connection closed with it (Azure documents it as "the connection id was removed":
/// <https://learn.microsoft.com/azure/azure-web-pubsub/howto-develop-reliable-clients>).
pub(crate) const SERVER_CLOSE_CODE: u16 = 1008;

/// Close code for a client message over the size limit (RFC 6455 "message too big").
const TOO_BIG_CLOSE_CODE: u16 = 1009;

/// How long to wait for the client's close reply after we sent ours.
const CLOSE_GRACE: Duration = Duration::from_secs(5);

/// How long a close frame may take to write to a client that does not read.
const CLOSE_WRITE: Duration = Duration::from_secs(1);

/// Frames written before a flush, so bursts go out in few syscalls.
const WRITE_BATCH: usize = 64;

/// Most bytes one socket read takes. tungstenite 0.29 zero-fills this much of its read
/// buffer before every read (`FrameCodec::read_in` resizes the buffer, then truncates it
/// back), including the reads that find nothing, and tokio-tungstenite wakes the reader on
/// every write readiness too. Its 128 KiB default made each wake a 128 KiB memset and left
/// 128 KiB resident per connection; 16 KiB still takes a 1 MiB message in 64 reads. The
/// buffer belongs to tungstenite, so its size is the knob we have.
const READ_BUFFER: usize = 16 * 1024;

/// What a verified client token grants.
struct Admission {
    claims: serde_json::Map<String, Value>,
    user_id: Option<String>,
    groups: Vec<String>,
    grants: HashSet<Grant>,
}

/// Handles `GET /client/hubs/{hub}`: a new connection with an access token, or the recovery
/// of a reliable connection with `awps_connection_id` and `awps_reconnection_token`.
pub(crate) async fn handle(shared: Arc<Shared>, request: Request, hub: &str) -> Response {
    // Checked and keyed once: the connection's every hub look-up uses this key.
    let hub_name = match HubName::parse(hub) {
        Ok(name) => name,
        Err(e) => return ApiError::invalid("hub", e).into_response(),
    };
    let (mut parts, _body) = request.into_parts();
    // The connection's place under the connection limit, held for the socket's life.
    let slot = parts.extensions.remove::<Arc<Slot>>();
    let query = Query::parse(parts.uri.query());
    let offers = parts
        .headers
        .get_all(SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok());
    let offered: Vec<String> = offers
        .flat_map(|h| h.split(','))
        .map(|o| o.trim().to_owned())
        .filter(|o| !o.is_empty())
        .collect();
    let (mut protocol, negotiated) = Protocol::negotiate(offered.iter().map(String::as_str));
    let mut name = negotiated.map(str::to_owned);
    let recovery = query.get("awps_connection_id").map(|id| {
        (
            id.to_owned(),
            query
                .get("awps_reconnection_token")
                .unwrap_or("")
                .to_owned(),
        )
    });
    let new_id = random_id(22);
    let mut state = None;
    let admission = if recovery.is_some() {
        // Recovery needs no access token: the reconnection token stands for it.
        None
    } else {
        let admitted = match admit(&shared, &parts, &query) {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!(hub, status = e.status.as_u16(), reason = ?e.message, "client connection refused");
                return e.into_response();
            }
        };
        let who = Identity {
            hub: hub_name.clone(),
            connection_id: new_id.clone(),
            user_id: admitted.user_id.clone(),
            subprotocol: None,
        };
        match connect_event(&shared, &who, admitted, &parts, &query, &offered).await {
            Ok((a, chosen, s)) => {
                if let Some(chosen) = chosen {
                    protocol = Protocol::named(&chosen).unwrap_or(Protocol::Raw);
                    name = Some(chosen);
                }
                state = s;
                Some(a)
            }
            Err(e) => {
                tracing::warn!(hub, status = e.status.as_u16(), reason = ?e.message, "client connection refused by the connect handler");
                return e.into_response();
            }
        }
    };
    let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
        Ok(u) => u,
        Err(rejection) => return rejection.into_response(),
    };
    let max = shared.limits.max_message_bytes;
    let upgrade = upgrade
        .max_message_size(max)
        .max_frame_size(max)
        .read_buffer_size(READ_BUFFER);
    let upgrade = match name.clone() {
        Some(n) => upgrade.protocols([n]),
        None => upgrade,
    };
    let (tx, rx) = mpsc::unbounded_channel();
    let mut link = Link::new(tx, protocol);
    let (id, user_id) = match (admission, recovery) {
        (Some(admission), _) => {
            let id = new_id;
            let who = Identity {
                hub: hub_name.clone(),
                connection_id: id.clone(),
                user_id: admission.user_id.clone(),
                subprotocol: name,
            };
            register(&shared, who, protocol, &admission, &link, state);
            tracing::info!(hub, connection_id = %id, user_id = ?admission.user_id, ?protocol, "client connected");
            (id, admission.user_id)
        }
        (None, Some((id, token))) => {
            let resumed = if protocol == Protocol::ReliableJson {
                // No access token here: look the hub up, never create it.
                shared
                    .registry
                    .with_existing_hub(&hub_name, |h| h.resume(&id, &token, link.clone()))
                    .unwrap_or(Err("the connection does not exist"))
            } else {
                Err("only the json.reliable.webpubsub.azure.v1 subprotocol can recover")
            };
            match resumed {
                Ok((generation, user_id)) => {
                    tracing::info!(hub, connection_id = %id, generation, "client connection resumed");
                    link.generation = generation;
                    (id, user_id)
                }
                Err(why) => {
                    tracing::warn!(hub, connection_id = ?id, why, "client connection recovery refused");
                    // Azure answers with close code 1008: the client then stops recovering.
                    let reason = format!("cannot recover connection: {why}");
                    return upgrade.on_upgrade(move |socket| refuse(socket, reason));
                }
            }
        }
        (None, None) => return ApiError::unauthorized("missing access token").into_response(),
    };
    let live = Live {
        shared,
        hub: hub_name,
        id,
        user_id,
        protocol,
        link,
        _slot: slot,
    };
    let failed = live.handle();
    upgrade
        .on_failed_upgrade(move |_| failed.end())
        .on_upgrade(move |socket| run(socket, live, rx))
}

/// Checks the access token and reads what it grants.
fn admit(
    shared: &Shared,
    parts: &axum::http::request::Parts,
    query: &Query,
) -> Result<Admission, ApiError> {
    let token = query
        .get("access_token")
        .or_else(|| auth::bearer(&parts.headers));
    let addressed = Addressed {
        host: auth::host(&parts.headers),
        endpoint_authority: &shared.endpoint_authority,
        path: parts.uri.path(),
        query: None,
    };
    let claims = auth::check_client(token, shared.access_key.expose(), &addressed)
        .map_err(|e| ApiError::unauthorized(e.message()))?;
    let user_id = claims.get("sub").and_then(Value::as_str).map(str::to_owned);
    if let Some(user) = &user_id {
        validate_user(user).map_err(|e| ApiError::invalid("sub", e))?;
    }
    let mut groups = jwt::string_list(&claims, "webpubsub.group");
    groups.retain(|g| validate_group(g).is_ok());
    let grants = jwt::string_list(&claims, "role")
        .iter()
        .filter_map(|r| Permission::from_role(r))
        .collect();
    Ok(Admission {
        claims,
        user_id,
        groups,
        grants,
    })
}

/// The hub's blocking `connect` event, when it has a handler: the handler may refuse the
/// client (its 401/403 become the client's status) or set its user, groups, roles and
/// subprotocol (<https://learn.microsoft.com/azure/azure-web-pubsub/reference-cloud-events#connect>).
/// Returns the admission, the subprotocol the handler chose, and the connection state.
async fn connect_event(
    shared: &Shared,
    who: &Identity,
    mut admission: Admission,
    parts: &axum::http::request::Parts,
    query: &Query,
    offered: &[String],
) -> Result<(Admission, Option<String>, Option<String>), ApiError> {
    let Some(upstream) = shared.upstream.as_ref() else {
        return Ok((admission, None, None));
    };
    let list = |pairs: &mut dyn Iterator<Item = (String, String)>| {
        let mut map = serde_json::Map::new();
        for (k, v) in pairs {
            if let Value::Array(a) = map.entry(k).or_insert_with(|| Value::Array(Vec::new())) {
                a.push(Value::String(v));
            }
        }
        Value::Object(map)
    };
    // Claims as Azure sends them: each claim a list of strings.
    let claims = list(&mut admission.claims.iter().flat_map(|(k, v)| {
        let values: Vec<String> = match v {
            Value::Array(a) => a.iter().map(claim_text).collect(),
            other => vec![claim_text(other)],
        };
        values.into_iter().map(move |v| (k.clone(), v))
    }));
    // The credentials stay here: the handler sees neither the token nor the Authorization header.
    let query = list(
        &mut query
            .pairs()
            .iter()
            .filter(|(k, _)| k != "access_token")
            .cloned(),
    );
    let headers = list(&mut parts.headers.iter().filter_map(|(k, v)| {
        (k != axum::http::header::AUTHORIZATION)
            .then(|| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .flatten()
    }));
    let body = serde_json::json!({
        "claims": claims,
        "query": query,
        "headers": headers,
        "subprotocols": offered,
        "clientCertificates": [],
    });
    let accepted = match upstream.connect(who, body).await {
        None => return Ok((admission, None, None)),
        Some(Err(refused)) => {
            return Err(ApiError::from_status(refused.status, refused.message));
        }
        Some(Ok(a)) => a,
    };
    let bad = |what: &str, e: String| {
        ApiError::from_status(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            format!("the upstream connect handler answered an invalid {what}: {e}"),
        )
    };
    if let Some(user) = accepted.user_id {
        validate_user(&user).map_err(|e| bad("userId", e.to_string()))?;
        admission.user_id = Some(user);
    }
    for group in accepted.groups {
        validate_group(&group).map_err(|e| bad("group", e.to_string()))?;
        admission.groups.push(group);
    }
    admission.grants.extend(
        accepted
            .roles
            .iter()
            .filter_map(|r| Permission::from_role(r)),
    );
    let chosen = match accepted.subprotocol {
        Some(p) if offered.iter().any(|o| o.eq_ignore_ascii_case(&p)) => Some(p),
        Some(p) => {
            return Err(bad(
                "subprotocol",
                format!("`{p}` is not one the client offered"),
            ));
        }
        None => None,
    };
    Ok((admission, chosen, accepted.state))
}

fn claim_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Registers a new connection before answering 101, so a client whose handshake completed is
/// already reachable; frames queued before the socket is ready wait in its queue.
fn register(
    shared: &Arc<Shared>,
    who: Identity,
    protocol: Protocol,
    admission: &Admission,
    link: &Link,
    state: Option<String>,
) {
    let (hub, id) = (who.hub.clone(), who.connection_id.clone());
    let (hub, id) = (&hub, id.as_str());
    let reliable = (protocol == Protocol::ReliableJson).then(|| Reliable::new(random_id(32)));
    if protocol != Protocol::Raw {
        // Queued before the connection is registered, so it is the first frame out.
        link.push(
            Outbound::Control(message::connected(
                id,
                admission.user_id.as_deref(),
                reliable.as_ref().map(Reliable::token),
            )),
            usize::MAX,
        );
    }
    let connection = Connection {
        user_id: admission.user_id.clone(),
        groups: HashSet::new(),
        grants: admission.grants.clone(),
        link: Some(link.clone()),
        reliable,
        ack_ids: AckWindow::new(shared.limits.ack_id_window),
        subprotocol: who.subprotocol.clone(),
        upstream: Upstream::start(shared, who, state),
    };
    shared
        .registry
        .with_hub(hub, |h| h.add(id, connection, &admission.groups));
}

/// Accepts the socket only to close it with code 1008 and `reason`.
async fn refuse(socket: WebSocket, reason: String) {
    let (mut sink, _stream) = socket.split();
    let _ = tokio::time::timeout(
        CLOSE_WRITE,
        close(&mut sink, Protocol::Raw, SERVER_CLOSE_CODE, &reason),
    )
    .await;
}

fn random_id(len: usize) -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

/// A registered connection and its current socket.
struct Live {
    shared: Arc<Shared>,
    hub: HubName,
    id: String,
    user_id: Option<String>,
    protocol: Protocol,
    link: Link,
    /// Keeps the TCP connection counted while the socket lives.
    _slot: Option<Arc<Slot>>,
}

/// What ending a socket needs (the upgrade-failure path gets its own).
struct Ending {
    shared: Arc<Shared>,
    hub: HubName,
    id: String,
    generation: u64,
}

impl Live {
    /// Removes the connection at once (no recovery) and closes this socket with `reason`.
    fn end_now(&self, reason: String) {
        let (id, generation) = (self.id.as_str(), self.link.generation);
        self.shared
            .registry
            .with_hub(&self.hub, |h| h.drop_current(id, generation, reason));
    }

    /// Hands a user event to the connection's upstream worker, waiting while its queue is
    /// full (only this client waits). Events without a handler are dropped; a JSON client's
    /// `ackId` is then acked at once, as Azure does without a handler.
    async fn to_upstream(&self, event: UserEvent) {
        let id = self.id.as_str();
        let handled = self
            .shared
            .upstream
            .as_ref()
            .is_some_and(|u| u.settings.user(&self.hub, &event.name).is_some());
        let sender = handled
            .then(|| {
                self.shared.registry.with_hub(&self.hub, |h| {
                    h.connections
                        .get(id)
                        .and_then(|c| c.upstream.as_ref().map(|u| u.sender()))
                })
            })
            .flatten();
        let ack_id = event.ack_id;
        let error = match sender {
            Some(tx) => match tx.send(event).await {
                // The worker acks it.
                Ok(()) => return,
                // The worker stopped: the connection is being closed after a failed event.
                Err(_) => Some(("InternalServerError", "the connection is closing")),
            },
            None => None,
        };
        if let Some(ack) = ack_id {
            self.shared.registry.with_hub(&self.hub, |h| {
                h.control(id, message::ack(ack.into(), error))
            });
        }
    }

    fn handle(&self) -> Ending {
        Ending {
            shared: Arc::clone(&self.shared),
            hub: self.hub.clone(),
            id: self.id.clone(),
            generation: self.link.generation,
        }
    }
}

impl Ending {
    /// The socket is gone: a reliable connection waits out its recovery window, any other
    /// connection is removed.
    fn end(self) {
        let waiting = self
            .shared
            .registry
            .with_hub(&self.hub, |h| h.detach(&self.id, self.generation));
        if waiting {
            let window = self.shared.limits.recovery_window;
            tokio::spawn(async move {
                tokio::time::sleep(window).await;
                self.shared
                    .registry
                    .with_hub(&self.hub, |h| h.expire(&self.id, self.generation));
            });
        }
    }
}

/// Lives as long as the socket: reads client frames, pings an idle client, then detaches.
async fn run(socket: WebSocket, live: Live, rx: UnboundedReceiver<Outbound>) {
    let (sink, mut stream) = socket.split();
    let (queued, switch) = live.link.parts();
    let mut writer = tokio::spawn(write(sink, rx, live.protocol, queued, switch));
    let idle = live.shared.limits.idle_timeout;
    let queue_limit = live.shared.limits.outbound_queue_bytes;
    let every = (idle / 3).max(Duration::from_millis(10));
    let mut ping = tokio::time::interval_at(Instant::now() + every, every);
    let mut last_heard = Instant::now();
    let mut session = Session { live: &live };
    let grace = tokio::time::sleep(Duration::from_secs(365 * 24 * 3600));
    tokio::pin!(grace);
    let mut writer_done = false;
    let mut reading = true;
    let mut closed_by_client = false;
    loop {
        tokio::select! {
            frame = stream.next(), if reading => {
                last_heard = Instant::now();
                match frame {
                    Some(Ok(Message::Text(text))) if live.protocol != Protocol::Raw => {
                        if let Some(event) = session.request(&text) {
                            live.to_upstream(event).await;
                        }
                    }
                    // A simple client's frames are its `message` user events.
                    Some(Ok(Message::Text(text))) => {
                        live.to_upstream(UserEvent {
                            name: "message".into(),
                            data: message::Data::Text(text.as_str().to_owned()),
                            ack_id: None,
                        })
                        .await;
                    }
                    Some(Ok(Message::Binary(bytes))) if live.protocol == Protocol::Raw => {
                        live.to_upstream(UserEvent {
                            name: "message".into(),
                            data: message::Data::Binary(bytes),
                            ack_id: None,
                        })
                        .await;
                    }
                    // The JSON subprotocols are text only; Azure terminates violators.
                    Some(Ok(Message::Binary(_))) if live.protocol != Protocol::Raw => {
                        live.end_now(
                            "invalid message: binary frames are not part of the JSON subprotocols"
                                .into(),
                        );
                    }
                    Some(Err(e)) => {
                        reading = false;
                        if too_big(e) {
                            let reason = format!(
                                "the message is larger than the limit of {} bytes",
                                live.shared.limits.max_message_bytes
                            );
                            // The first reason wins, so this close code is the one sent.
                            live.link.kill_with(TOO_BIG_CLOSE_CODE, reason.clone());
                            live.end_now(reason);
                        } else {
                            break;
                        }
                    }
                    // Keep reading after the client's close frame: the next read sends our
                    // reply and then ends the stream, which clients wait for.
                    None => break,
                    // A client that says goodbye ends its connection: no recovery window
                    // (that is for sockets that drop), and `disconnected` goes out now.
                    Some(Ok(Message::Close(_))) => closed_by_client = true,
                    // Pings and pongs: tungstenite answers them.
                    Some(Ok(_)) => {}
                }
            }
            _ = ping.tick() => {
                if last_heard.elapsed() >= idle {
                    let reason = format!(
                        "idle timeout: nothing received from the client for {} ms",
                        idle.as_millis()
                    );
                    live.end_now(reason);
                    // Whether or not it was still registered, this socket is done.
                    live.link.kill("idle timeout".into());
                } else if !live.link.push(Outbound::Ping, queue_limit) {
                    live.end_now("the client does not read what is sent to it".into());
                }
            }
            _ = &mut writer, if !writer_done => {
                writer_done = true;
                if !reading {
                    break;
                }
                grace.as_mut().reset(Instant::now() + CLOSE_GRACE);
            }
            _ = &mut grace => break,
        }
    }
    // A writer stuck on a client that never reads must not outlive the connection.
    writer.abort();
    tracing::info!(
        hub = live.hub.as_str(),
        connection_id = live.id,
        closed_by_client,
        "client socket closed"
    );
    if closed_by_client {
        live.end_now("the client closed the connection".into());
    }
    live.handle().end();
}

/// Whether a read error is a message over the size limit.
fn too_big(e: axum::Error) -> bool {
    e.into_inner()
        .downcast_ref::<tungstenite::Error>()
        .is_some_and(|e| matches!(e, tungstenite::Error::Capacity(_)))
}

/// The writer task: renders queue items for `protocol` and writes them in order, until the
/// queue ends, a close is queued, or the kill switch fires (then it closes at once).
async fn write(
    mut sink: SplitSink<WebSocket, Message>,
    mut rx: UnboundedReceiver<Outbound>,
    protocol: Protocol,
    queued: Arc<AtomicUsize>,
    switch: Arc<KillSwitch>,
) {
    let killed = tokio::select! {
        // The switch first: it is an atomic load while unfired, and it wins a tie.
        biased;
        why = switch.fired() => Some(why),
        _ = drain(&mut sink, &mut rx, protocol, &queued) => None,
    };
    if let Some((code, reason)) = killed {
        let _ = tokio::time::timeout(CLOSE_WRITE, close(&mut sink, protocol, code, &reason)).await;
    }
}

/// Writes queue items until the queue ends or holds a close. The bytes of a batch stay
/// counted against the queue limit until the whole batch is fed to the socket (one atomic
/// update per batch rather than per frame, and never less than what still waits).
async fn drain(
    sink: &mut SplitSink<WebSocket, Message>,
    rx: &mut UnboundedReceiver<Outbound>,
    protocol: Protocol,
    queued: &AtomicUsize,
) {
    while let Some(first) = rx.recv().await {
        let mut item = Some(first);
        let mut written = 0;
        let mut taken = 0;
        while let Some(next) = item.take() {
            taken += next.cost();
            let frame = match next {
                Outbound::Frame(frame, _) => frame,
                Outbound::Sequenced(d, sequence) => d.frame(protocol, Some(sequence)),
                Outbound::Control(_) if protocol == Protocol::Raw => continue,
                Outbound::Control(text) => Message::Text(Utf8Bytes::from(text)),
                Outbound::Ping => Message::Ping(axum::body::Bytes::new()),
                Outbound::Close(reason) => {
                    let reason = reason.unwrap_or_default();
                    close(sink, protocol, SERVER_CLOSE_CODE, &reason).await;
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
        queued.fetch_sub(taken, Ordering::AcqRel);
        if sink.flush().await.is_err() {
            return;
        }
    }
}

async fn close(
    sink: &mut SplitSink<WebSocket, Message>,
    protocol: Protocol,
    code: u16,
    reason: &str,
) {
    if protocol != Protocol::Raw {
        let _ = sink
            .feed(Message::Text(Utf8Bytes::from(message::disconnected(
                reason,
            ))))
            .await;
    }
    let frame = CloseFrame {
        code,
        reason: Utf8Bytes::from(truncate(reason, 123)),
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

/// A JSON client's requests, handled against its hub.
struct Session<'a> {
    live: &'a Live,
}

/// A failed request: the ack error's name and message.
type Refusal = (&'static str, String);

impl Session<'_> {
    fn with_hub<R>(&self, f: impl FnOnce(&mut crate::state::Hub) -> R) -> R {
        self.live.shared.registry.with_hub(&self.live.hub, f)
    }

    fn reply(&self, text: String) {
        let id = self.live.id.as_str();
        self.with_hub(|h| h.control(id, text));
    }

    /// Handles one JSON protocol frame; a custom event is returned for the upstream.
    fn request(&mut self, text: &str) -> Option<UserEvent> {
        let id = self.live.id.as_str();
        let request = match request::parse(text) {
            Ok(r) => r,
            Err(Invalid::Ack { ack_id, message }) => {
                self.reply(message::ack(ack_id, Some(("BadRequest", &message))));
                return None;
            }
            Err(Invalid::Violation(reason)) => {
                // Azure terminates clients that violate the subprotocol.
                self.live.end_now(reason);
                return None;
            }
        };
        let ack_id = match &request {
            ClientRequest::Ping => {
                self.reply(r#"{"type":"pong"}"#.into());
                return None;
            }
            ClientRequest::SequenceAck(n) => {
                let n = *n;
                self.with_hub(|h| h.sequence_ack(id, n));
                return None;
            }
            ClientRequest::Membership { ack_id, .. }
            | ClientRequest::SendToGroup { ack_id, .. }
            | ClientRequest::Event { ack_id, .. } => *ack_id,
        };
        if let Some(ack) = ack_id {
            let fresh = self.with_hub(|h| {
                h.connections
                    .get_mut(id)
                    .is_some_and(|c| c.ack_ids.insert(ack))
            });
            if !fresh {
                self.ack(
                    ack,
                    Err((
                        "Duplicate",
                        format!("the message with ackId {ack} has been processed"),
                    )),
                );
                return None;
            }
        }
        let result = match request {
            ClientRequest::Membership { join, group, .. } => self.join_or_leave(&group, join),
            ClientRequest::SendToGroup {
                group,
                data,
                no_echo,
                ..
            } => self.send_to_group(&group, &data, no_echo),
            // Acked by the upstream worker once the handler answered (or at once without one).
            ClientRequest::Event { name, data, ack_id } => {
                return Some(UserEvent { name, data, ack_id });
            }
            ClientRequest::Ping | ClientRequest::SequenceAck(_) => Ok(()),
        };
        if let Some(ack) = ack_id {
            self.ack(ack, result);
        }
        None
    }

    fn ack(&self, ack_id: u64, result: Result<(), Refusal>) {
        let text = match &result {
            Ok(()) => message::ack(ack_id.into(), None),
            Err((name, msg)) => message::ack(ack_id.into(), Some((name, msg))),
        };
        self.reply(text);
    }

    fn join_or_leave(&self, group: &str, join: bool) -> Result<(), Refusal> {
        let id = self.live.id.as_str();
        self.with_hub(|h| {
            let allowed = h
                .connections
                .get(id)
                .is_some_and(|c| c.allowed(Permission::JoinLeaveGroup, group));
            if !allowed {
                return Err((
                    "Forbidden",
                    format!("the connection may not join or leave group `{group}`"),
                ));
            }
            if join {
                h.join(id, group);
            } else {
                h.leave(id, group);
            }
            Ok(())
        })
    }

    fn send_to_group(
        &self,
        group: &str,
        data: &message::Data,
        no_echo: bool,
    ) -> Result<(), Refusal> {
        let id = self.live.id.as_str();
        let delivery = Delivery::new(
            data,
            Origin::Client {
                group,
                user_id: self.live.user_id.as_deref(),
            },
        );
        self.with_hub(|h| {
            let allowed = h
                .connections
                .get(id)
                .is_some_and(|c| c.allowed(Permission::SendToGroup, group));
            if !allowed {
                return Err((
                    "Forbidden",
                    format!("the connection may not send to group `{group}`"),
                ));
            }
            let mut narrowing = Narrowing::default();
            if no_echo {
                narrowing.excluded.insert(id.to_owned());
            }
            h.send(Scope::Group(group), &narrowing, &delivery);
            Ok(())
        })
    }
}
