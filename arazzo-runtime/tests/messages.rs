//! The message transport through the calls generated code makes (`__private::message`):
//! WebSocket against the real local Web PubSub service on 127.0.0.1, and a transport plugged
//! in by the user (an in-memory one, through the public trait).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use arazzo_runtime::__private::message::{Connections, Endpoint, Match};
use arazzo_runtime::access_key::AccessKeyCredential;
use arazzo_runtime::message::{
    BoxFuture, ConnectRequest, Connection, Message, MessageSender, MessageStream, Payload,
    Transport, TransportError,
};
use arazzo_runtime::{
    Client, Credential, KeyLocation, Requirements, SchemeKind, Secret, WorkflowError,
};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use webpubsub_local::{RunningService, Service};

const KEY: &str = "runtime-test-access-key-0123456789";
const SUBPROTOCOL: &str = "json.webpubsub.azure.v1";
/// Bounds every test wait that is not itself under test.
const GUARD_MS: u64 = 10_000;

async fn service() -> RunningService {
    Service::builder()
        .access_key(KEY)
        .start_on("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

fn client(service: &RunningService, inbound_buffer: Option<usize>) -> Client {
    let mut builder = Client::builder()
        .base_url("rest", service.endpoint())
        .base_url("pubsub", service.endpoint())
        .hook(AccessKeyCredential::new(KEY))
        .timeout(Duration::from_secs(10));
    if let Some(n) = inbound_buffer {
        builder = builder.inbound_buffer(n);
    }
    builder.build().unwrap()
}

/// A client token for hub `chat` that may join and leave groups (REST `:generateToken`).
async fn token(client: &Client) -> String {
    let response = client
        .request(
            reqwest::Method::POST,
            "rest",
            "http://unused",
            "/api/hubs/chat/:generateToken",
        )
        .query("api-version", "2024-01-01")
        .query("role", "webpubsub.joinLeaveGroup")
        .send("generateToken")
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", response.body_text());
    response.body_pointer("/token").unwrap()
}

/// Broadcasts JSON to a group through REST.
async fn broadcast(client: &Client, group: &str, data: &Value) {
    let path = format!("/api/hubs/chat/groups/{group}/:send");
    let response = client
        .request(reqwest::Method::POST, "rest", "http://unused", &path)
        .query("api-version", "2024-01-01")
        .json_body("application/json", data)
        .send("broadcast")
        .await
        .unwrap();
    assert_eq!(response.status(), 202, "{}", response.body_text());
}

fn endpoint() -> Endpoint<'static> {
    Endpoint {
        source: "pubsub",
        server: "local",
        default_url: "wss://example.invalid",
        address: "/client/hubs/chat",
        subprotocol: Some(SUBPROTOCOL),
        security: &[],
    }
}

/// Joins `group` on `conn`, the ack received by its `ackId` correlation.
async fn join(
    connections: &mut Connections<'_>,
    conn: arazzo_runtime::__private::message::ConnId,
    group: &str,
    ack_id: u64,
) {
    let ack = connections.receive("joinAck", conn);
    connections
        .send(
            "joinGroup",
            conn,
            Message::json(json!({"type": "joinGroup", "group": group, "ackId": ack_id})),
        )
        .await
        .unwrap();
    let ack = ack
        .wait(
            &Match::any()
                .payload_eq("/ackId", ack_id)
                .filter(|m| m.payload_pointer_eq("/type", "ack")),
            Some(GUARD_MS),
        )
        .await
        .unwrap();
    assert!(ack.payload_pointer_eq("/success", true), "{ack:?}");
}

#[tokio::test]
async fn joins_a_group_and_receives_a_rest_broadcast_over_one_reused_websocket() {
    let service = service().await;
    let client = client(&service, None);
    let token = token(&client).await;
    let mut connections = Connections::new(&client);
    let conn = connections
        .connect(endpoint())
        .query("access_token", &token)
        .open("connect")
        .await
        .unwrap();
    join(&mut connections, conn, "g1", 1).await;

    let receiving = connections.receive("groupMessage", conn);
    broadcast(&client, "g1", &json!({"hello": "world"})).await;
    let message = receiving
        .wait(
            &Match::any()
                .payload_eq("/type", "message")
                .payload_eq("/group", "g1"),
            Some(GUARD_MS),
        )
        .await
        .unwrap();
    let data: Value = message.payload_pointer("groupMessage", "/data").unwrap();
    assert_eq!(data, json!({"hello": "world"}));
    let from: String = message.payload_pointer("groupMessage", "/from").unwrap();
    assert_eq!(from, "group");
    let missing = message
        .payload_pointer::<String>("groupMessage", "/nope")
        .unwrap_err();
    assert!(
        missing.to_string().contains("$message.payload#/nope"),
        "{missing}"
    );

    // The same identity is the same connection: no new socket at the service (which also
    // counts the REST client's pooled HTTP connection).
    let sockets = service.open_connections();
    let again = connections
        .connect(endpoint())
        .query("access_token", &token)
        .open("sendAgain")
        .await
        .unwrap();
    assert_eq!(again, conn);
    assert_eq!(service.open_connections(), sockets);

    connections.close().await;
    for _ in 0..200 {
        if service.open_connections() < sockets {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        service.open_connections(),
        sockets - 1,
        "closed at the workflow's end"
    );
}

#[tokio::test]
async fn a_correlation_that_never_matches_times_out_naming_the_step() {
    let service = service().await;
    let client = client(&service, None);
    let token = token(&client).await;
    let mut connections = Connections::new(&client);
    let conn = connections
        .connect(endpoint())
        .query("access_token", &token)
        .open("connect")
        .await
        .unwrap();
    let ack = connections.receive("waitAck", conn);
    connections
        .send(
            "joinGroup",
            conn,
            Message::json(json!({"type": "joinGroup", "group": "g", "ackId": 5})),
        )
        .await
        .unwrap();
    let err = ack
        .wait(&Match::any().payload_eq("/ackId", 999), Some(200))
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(err.step(), "waitAck");
    assert_eq!(err.to_string(), "step `waitAck`: timed out after 200 ms");
}

#[tokio::test]
async fn a_wrong_token_fails_the_connect_naming_the_step_and_not_the_token() {
    let service = service().await;
    let client = client(&service, None);
    let mut connections = Connections::new(&client);
    let err = connections
        .connect(endpoint())
        .query("access_token", "not-a-valid-token-s3cr3t")
        .open("connect")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            WorkflowError::Connect {
                step: "connect",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.status(), Some(401));
    let text = format!("{err} {err:?}");
    assert!(
        text.contains("step `connect`") && text.contains("401"),
        "{text}"
    );
    assert!(!text.contains("s3cr3t"), "{text}");
}

#[tokio::test]
async fn the_inbound_buffer_is_bounded_and_its_overflow_is_an_error() {
    let service = service().await;
    let client = client(&service, Some(3));
    let token = token(&client).await;
    let mut connections = Connections::new(&client);
    let conn = connections
        .connect(endpoint())
        .query("access_token", &token)
        .open("connect")
        .await
        .unwrap();
    join(&mut connections, conn, "busy", 1).await;

    let overflowing = connections.receive("neverMatched", conn);
    let first = connections.receive("first", conn);
    for n in 0..4 {
        broadcast(&client, "busy", &json!({"n": n})).await;
    }
    // Messages reach listeners in order: once the marker is in, the four before it were
    // handed to (or refused by) the other two.
    let marker = connections.receive("marker", conn);
    broadcast(&client, "busy", &json!({"n": "marker"})).await;
    marker
        .wait(
            &Match::any().payload_eq("/data/n", "marker"),
            Some(GUARD_MS),
        )
        .await
        .unwrap();

    let err = overflowing
        .wait(&Match::any().payload_eq("/data/n", 99), Some(GUARD_MS))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            WorkflowError::InboundOverflow {
                step: "neverMatched",
                limit: 3
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("more than 3 messages"), "{err}");
    // A match among the buffered messages is still found after an overflow.
    let got = first
        .wait(&Match::any().payload_eq("/data/n", 0), Some(GUARD_MS))
        .await
        .unwrap();
    assert!(got.payload_pointer_eq("/data/n", 0));
}

// ----- A transport plugged in by the user: in memory, through the public trait -----

/// What the in-memory transport saw of the connects.
#[derive(Default, Clone)]
struct Seen(Arc<Mutex<Vec<String>>>);

/// An in-memory "server" per connection that echoes each message back as
/// `{"echo": <payload>}`, and ends the connection on `"bye"`.
struct Memory {
    seen: Seen,
}

struct MemSender(mpsc::UnboundedSender<Message>);
struct MemInbound(mpsc::UnboundedReceiver<Message>);

impl Transport for Memory {
    fn connect(
        &self,
        request: ConnectRequest,
    ) -> BoxFuture<'_, Result<Connection, TransportError>> {
        Box::pin(async move {
            self.seen.0.lock().unwrap().push(format!(
                "{} {} {:?}",
                request.url().path(),
                request.url().query().unwrap_or_default(),
                request.subprotocol()
            ));
            if request.url().path().ends_with("/refuse") {
                return Err(TransportError::new("refused by the test server").with_status(403));
            }
            let (to_server, mut at_server) = mpsc::unbounded_channel::<Message>();
            let (to_client, at_client) = mpsc::unbounded_channel();
            tokio::spawn(async move {
                while let Some(message) = at_server.recv().await {
                    if message.payload() == &Payload::Text("bye".into()) {
                        break;
                    }
                    let echoed = match message.payload() {
                        Payload::Json(json) => json.clone(),
                        other => json!(format!("{other:?}")),
                    };
                    if to_client
                        .send(Message::json(json!({ "echo": echoed })))
                        .is_err()
                    {
                        break;
                    }
                }
            });
            Ok(Connection::new(MemSender(to_server), MemInbound(at_client)))
        })
    }
}

impl MessageSender for MemSender {
    fn send(&mut self, message: Message) -> BoxFuture<'_, Result<(), TransportError>> {
        let sent = self
            .0
            .send(message)
            .map_err(|_| TransportError::new("the test server is gone"));
        Box::pin(async move { sent })
    }

    fn close(&mut self) -> BoxFuture<'_, Result<(), TransportError>> {
        Box::pin(async { Ok(()) })
    }
}

impl MessageStream for MemInbound {
    fn next(&mut self) -> BoxFuture<'_, Option<Result<Message, TransportError>>> {
        Box::pin(async move { self.0.recv().await.map(Ok) })
    }
}

const KEY_IN_QUERY: Requirements = &[&[(
    "bus_key",
    SchemeKind::ApiKey {
        name: "key",
        location: KeyLocation::Query,
    },
)]];

fn memory_endpoint(address: &'static str) -> Endpoint<'static> {
    Endpoint {
        source: "bus",
        server: "memory",
        default_url: "mem://bus",
        address,
        subprotocol: Some("echo.v1"),
        security: KEY_IN_QUERY,
    }
}

#[tokio::test]
async fn a_user_plugged_transport_drives_the_same_calls() {
    let seen = Seen::default();
    let client = Client::builder()
        .transport_for_protocol("mem", Memory { seen: seen.clone() })
        .credential("bus_key", Credential::ApiKey(Secret::new("k3y".to_owned())))
        .build()
        .unwrap();
    let mut connections = Connections::new(&client);
    let conn = connections
        .connect(memory_endpoint("/rooms/1"))
        .query("user", "ann")
        .open("open")
        .await
        .unwrap();
    let echo = connections.receive("echo", conn);
    connections
        .send("say", conn, Message::json(json!({"id": 7, "text": "hi"})))
        .await
        .unwrap();
    let got = echo
        .wait(&Match::any().payload_eq("/echo/id", 7), Some(GUARD_MS))
        .await
        .unwrap();
    let text: String = got.payload_pointer("echo", "/echo/text").unwrap();
    assert_eq!(text, "hi");
    // The credential went where the scheme says, the subprotocol came along; a different
    // query is another connection.
    let other = connections
        .connect(memory_endpoint("/rooms/1"))
        .query("user", "bob")
        .open("open2")
        .await
        .unwrap();
    assert_ne!(other, conn);
    assert_eq!(
        *seen.0.lock().unwrap(),
        [
            "/rooms/1 user=ann&key=k3y Some(\"echo.v1\")",
            "/rooms/1 user=bob&key=k3y Some(\"echo.v1\")"
        ]
    );

    // The server ending the connection fails a waiting receive with the reason.
    let after_bye = connections.receive("afterBye", conn);
    connections
        .send("bye", conn, Message::text("bye"))
        .await
        .unwrap();
    let err = after_bye
        .wait(&Match::any(), Some(GUARD_MS))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            WorkflowError::Message {
                step: "afterBye",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("closed"), "{err}");

    let refused = connections
        .connect(memory_endpoint("/refuse"))
        .open("refused")
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(403));
    assert!(refused.to_string().contains("step `refused`"), "{refused}");
}

#[tokio::test]
async fn a_protocol_without_a_transport_is_an_error_naming_it() {
    let client = Client::builder().build().unwrap();
    let mut connections = Connections::new(&client);
    let err = connections
        .connect(Endpoint {
            source: "broker",
            server: "prod",
            default_url: "mqtt://broker.example",
            address: "/orders",
            subprotocol: None,
            security: &[],
        })
        .open("publish")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            WorkflowError::Connect {
                step: "publish",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("protocol `mqtt`"), "{err}");
}

fn memory_client() -> Client {
    Client::builder()
        .transport_for_protocol(
            "mem",
            Memory {
                seen: Seen::default(),
            },
        )
        .credential("bus_key", Credential::ApiKey(Secret::new("k3y".to_owned())))
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_correlation_id_matches_exactly_not_as_criteria_compare() {
    let client = memory_client();
    let mut connections = Connections::new(&client);
    let conn = connections
        .connect(memory_endpoint("/rooms/2"))
        .open("open")
        .await
        .unwrap();
    let exact = connections.receive("exact", conn);
    let numeric = connections.receive("numeric", conn);
    for id in [json!("ABC"), json!("abc"), json!(7)] {
        connections
            .send("say", conn, Message::json(json!({ "id": id })))
            .await
            .unwrap();
    }
    // The criteria's `==` ignores case; a correlation id must not, or it takes another's reply.
    let got = exact
        .wait(&Match::any().payload_eq("/echo/id", "abc"), Some(GUARD_MS))
        .await
        .unwrap();
    assert_eq!(got.payload_value("/echo/id"), Some(&json!("abc")));
    // A document writes correlation ids as text; the number 7 is the id "7".
    let got = numeric
        .wait(&Match::any().payload_eq("/echo/id", "7"), Some(GUARD_MS))
        .await
        .unwrap();
    assert_eq!(got.payload_value("/echo/id"), Some(&json!(7)));
}

#[tokio::test]
async fn a_receive_timeout_counts_from_when_the_step_was_reached() {
    let client = memory_client();
    let mut connections = Connections::new(&client);
    let conn = connections
        .connect(memory_endpoint("/rooms/3"))
        .open("open")
        .await
        .unwrap();
    let pending = connections.receive("late", conn);
    // The steps run between reaching the receive and joining it use up its timeout.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let waited = std::time::Instant::now();
    let err = pending.wait(&Match::any(), Some(200)).await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(err.step(), "late");
    assert!(
        waited.elapsed() < Duration::from_millis(150),
        "the wait began a fresh timeout: {:?}",
        waited.elapsed()
    );
}

#[tokio::test]
async fn a_message_failing_a_criterion_names_the_step_and_masks_secrets() {
    let client = memory_client();
    let mut connections = Connections::new(&client);
    let conn = connections
        .connect(memory_endpoint("/rooms/4"))
        .open("open")
        .await
        .unwrap();
    let reply = connections.receive("reply", conn);
    connections
        .send(
            "say",
            conn,
            Message::json(json!({"success": false, "accessToken": "s3cr3t-value"})),
        )
        .await
        .unwrap();
    let message = reply.wait(&Match::any(), Some(GUARD_MS)).await.unwrap();
    let err = message.criteria_failed("reply", "$message.payload#/echo/success == true");
    assert_eq!(err.step(), "reply");
    let shown = format!("{err} {err:?}");
    assert!(
        shown.contains("step `reply`: success criterion `$message.payload#/echo/success == true` not met by the received message"),
        "{shown}"
    );
    assert!(shown.contains("\"success\":false"), "{shown}");
    assert!(!shown.contains("s3cr3t-value"), "{shown}");
}

/// Records what `StepHook::after_message` hears, as `step action outcome`.
#[derive(Default, Clone)]
struct MessageAudit(Arc<Mutex<Vec<String>>>);

impl arazzo_runtime::StepHook for MessageAudit {
    fn after_message<'a>(
        &'a self,
        step: &'static str,
        event: &'a arazzo_runtime::message::MessageStep<'a>,
    ) -> BoxFuture<'a, ()> {
        let outcome = match (event.message, event.error) {
            (Some(message), None) => format!(
                "received {}",
                message.payload_value("/type").cloned().unwrap_or_default()
            ),
            (None, Some(err)) => format!("failed: {err}"),
            (None, None) => "ok".to_owned(),
            (Some(_), Some(_)) => "both".to_owned(),
        };
        let line = format!("{step} {:?} {outcome}", event.action);
        let elapsed = event.elapsed;
        Box::pin(async move {
            assert!(elapsed < Duration::from_millis(GUARD_MS), "{elapsed:?}");
            self.0.lock().unwrap().push(line);
        })
    }
}

#[tokio::test]
async fn a_step_hook_hears_each_connect_send_and_receive_with_its_outcome() {
    let service = service().await;
    let audit = MessageAudit::default();
    let client = Client::builder()
        .base_url("rest", service.endpoint())
        .base_url("pubsub", service.endpoint())
        .hook(AccessKeyCredential::new(KEY))
        .step_hook(audit.clone())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let token = token(&client).await;
    let mut connections = Connections::new(&client);
    let conn = connections
        .connect(endpoint())
        .query("access_token", &token)
        .open("connect")
        .await
        .unwrap();
    join(&mut connections, conn, "g1", 1).await;
    // Reused: nothing is opened, so nothing is reported.
    connections
        .connect(endpoint())
        .query("access_token", &token)
        .open("reuse")
        .await
        .unwrap();
    let never = connections.receive("never", conn);
    let err = never
        .wait(&Match::any().payload_eq("/ackId", 999), Some(100))
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    let refused = connections
        .connect(endpoint())
        .query("access_token", "not-a-token")
        .open("badConnect")
        .await
        .unwrap_err();
    assert_eq!(refused.step(), "badConnect");
    connections.close().await;
    let heard = audit.0.lock().unwrap().clone();
    assert_eq!(heard.len(), 5, "{heard:#?}");
    assert_eq!(heard[0], "connect Connect ok");
    assert_eq!(heard[1], "joinGroup Send ok");
    assert_eq!(heard[2], "joinAck Receive received \"ack\"");
    assert_eq!(
        heard[3],
        "never Receive failed: step `never`: timed out after 100 ms"
    );
    assert!(
        heard[4].starts_with("badConnect Connect failed: step `badConnect`"),
        "{heard:#?}"
    );
    assert!(!heard[4].contains("not-a-token"), "{heard:#?}");
}
