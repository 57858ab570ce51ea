//! Upstream event handlers against a real axum app on 127.0.0.1: the abuse-protection
//! handshake, every `ce-*` attribute and the signature, blocking `connect` (accepting with
//! user/groups/roles, refusing with 401/403/500), `connected`/`disconnected` with retries,
//! user events from simple and JSON clients with their answers, connection state, timeouts,
//! bounded bodies, and fan-out that never waits for an upstream.

mod common;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use common::*;
use futures_util::SinkExt;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Notify, mpsc};
use tokio_tungstenite::tungstenite::Message;
use webpubsub_local::{EventHandler, Limits, RunningService, Service, SystemEvent, UserEvents};

/// One request the upstream saw.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    headers: HeaderMap,
    body: Bytes,
}

impl Seen {
    fn h(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

type Answer = Arc<dyn Fn(&Seen) -> Response + Send + Sync>;

struct App {
    seen: mpsc::UnboundedSender<Seen>,
    answer: Answer,
    /// User events wait for this when set (to hold an upstream call open).
    hold: Option<Arc<Notify>>,
}

async fn app(State(app): State<Arc<App>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let seen = Seen {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        headers: parts.headers,
        body,
    };
    let _ = app.seen.send(seen.clone());
    if let Some(hold) = &app.hold
        && seen.h("ce-type").starts_with("azure.webpubsub.user.")
    {
        hold.notified().await;
    }
    (app.answer)(&seen)
}

/// Starts an upstream app; returns its base URL and what it sees.
async fn upstream(
    answer: Answer,
    hold: Option<Arc<Notify>>,
) -> (String, mpsc::UnboundedReceiver<Seen>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let state = Arc::new(App {
        seen: tx,
        answer,
        hold,
    });
    let router = axum::Router::new().fallback(app).with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (format!("http://{addr}"), rx)
}

/// The usual well-behaved answer: the handshake allowed, 204 for everything else.
fn allow(seen: &Seen) -> Option<Response> {
    (seen.method == "OPTIONS").then(|| ([("WebHook-Allowed-Origin", "*")], "").into_response())
}

async fn service_with(base: &str, limits: Limits, handler: EventHandler) -> RunningService {
    let _ = base;
    Service::builder()
        .access_key(KEY)
        .limits(limits)
        .event_handler("chat", handler)
        .start_on("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

fn all_events(base: &str) -> EventHandler {
    EventHandler::new(format!("{base}/upstream/{{hub}}/{{event}}"))
        .unwrap()
        .user_events(UserEvents::All)
        .system_events([
            SystemEvent::Connect,
            SystemEvent::Connected,
            SystemEvent::Disconnected,
        ])
}

async fn next_seen(rx: &mut mpsc::UnboundedReceiver<Seen>) -> Seen {
    tokio::time::timeout(GUARD, rx.recv())
        .await
        .expect("an upstream request in time")
        .expect("upstream open")
}

fn expected_signature(connection_id: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(KEY.as_bytes()).unwrap();
    mac.update(connection_id.as_bytes());
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256={hex}")
}

#[tokio::test]
async fn connect_sets_the_user_and_every_event_carries_the_cloudevents_attributes() {
    let answer: Answer =
        Arc::new(|seen: &Seen| {
            if let Some(r) = allow(seen) {
                return r;
            }
            match seen.h("ce-type") {
            "azure.webpubsub.sys.connect" => (
                [("ce-connectionState", "c3RhdGUx"), ("Content-Type", "application/json")],
                json!({"userId": "alice", "groups": ["g1"], "roles": ["webpubsub.sendToGroup"]})
                    .to_string(),
            )
                .into_response(),
            "azure.webpubsub.user.message" => (
                [("Content-Type", "text/plain"), ("ce-connectionState", "c3RhdGUy")],
                format!("echo:{}", String::from_utf8_lossy(&seen.body)),
            )
                .into_response(),
            _ => StatusCode::NO_CONTENT.into_response(),
        }
        });
    let (base, mut seen) = upstream(answer, None).await;
    let service = service_with(&base, Limits::default(), all_events(&base)).await;
    let authority = format!("127.0.0.1:{}", service.local_addr().port());
    let token = client_token(&service, "chat", None, &[], &[]).await;
    let mut ws = connect_with(&service, "chat", &token, None).await.unwrap();

    let validate = next_seen(&mut seen).await;
    assert_eq!(validate.method, "OPTIONS");
    assert_eq!(validate.path, "/upstream/chat/validate");
    assert_eq!(validate.h("webhook-request-origin"), authority);
    assert_eq!(validate.h("ce-awpsversion"), "1.0");

    let connect = next_seen(&mut seen).await;
    assert_eq!(connect.method, "POST");
    assert_eq!(connect.path, "/upstream/chat/connect");
    let id = connect.h("ce-connectionid").to_owned();
    assert_eq!(id.len(), 22);
    for (name, value) in [
        ("ce-specversion", "1.0"),
        ("ce-type", "azure.webpubsub.sys.connect"),
        ("ce-awpsversion", "1.0"),
        ("ce-hub", "chat"),
        ("ce-eventname", "connect"),
        ("content-type", "application/json"),
        ("webhook-request-origin", authority.as_str()),
    ] {
        assert_eq!(connect.h(name), value, "{name}");
    }
    assert_eq!(connect.h("ce-source"), format!("/hubs/chat/client/{id}"));
    assert_eq!(connect.h("ce-signature"), expected_signature(&id));
    assert!(!connect.h("ce-id").is_empty());
    let time = connect.h("ce-time");
    assert!(
        time.len() == 20 && time.ends_with('Z') && &time[10..11] == "T",
        "{time}"
    );
    assert!(connect.headers.get("ce-userid").is_none());
    let body = connect.json();
    assert!(body["claims"]["aud"].is_array(), "{body}");
    assert!(
        body["query"].get("access_token").is_none(),
        "the token stays in the service"
    );
    assert!(body["headers"]["host"].is_array());
    assert_eq!(body["subprotocols"], json!([]));

    let connected = next_seen(&mut seen).await;
    assert_eq!(connected.h("ce-type"), "azure.webpubsub.sys.connected");
    assert_eq!(connected.h("ce-userid"), "alice");
    assert_eq!(connected.h("ce-connectionstate"), "c3RhdGUx");
    assert_eq!(connected.json(), json!({}));
    // The connect answer's groups apply.
    assert_eq!(
        group_members(&service, "chat", "g1").await,
        vec![id.clone()]
    );

    ws.send(Message::Text("hi".into())).await.unwrap();
    let message = next_seen(&mut seen).await;
    assert_eq!(message.path, "/upstream/chat/message");
    assert_eq!(message.h("ce-type"), "azure.webpubsub.user.message");
    assert_eq!(message.h("ce-eventname"), "message");
    assert!(message.h("content-type").starts_with("text/plain"));
    assert_eq!(&message.body[..], b"hi");
    assert_eq!(next_text(&mut ws).await, "echo:hi");
    ws.send(Message::Binary(vec![1, 2, 3].into()))
        .await
        .unwrap();
    let binary = next_seen(&mut seen).await;
    assert_eq!(binary.h("content-type"), "application/octet-stream");
    assert_eq!(&binary.body[..], &[1, 2, 3]);
    // The state the message answer set travels on.
    assert_eq!(binary.h("ce-connectionstate"), "c3RhdGUy");

    ws.close(None).await.unwrap();
    let disconnected = next_seen(&mut seen).await;
    assert_eq!(
        disconnected.h("ce-type"),
        "azure.webpubsub.sys.disconnected"
    );
    assert_eq!(disconnected.h("ce-connectionid"), id);
    assert_eq!(disconnected.h("ce-connectionstate"), "c3RhdGUy");
    service.shutdown().await;
}

#[tokio::test]
async fn connect_refusals_reach_the_client_with_their_status() {
    for (upstream_status, client_status) in [(401, 401), (403, 403), (500, 500), (404, 500)] {
        let answer: Answer = Arc::new(move |seen: &Seen| {
            allow(seen).unwrap_or_else(|| {
                (StatusCode::from_u16(upstream_status).unwrap(), "no entry").into_response()
            })
        });
        let (base, _seen) = upstream(answer, None).await;
        let service = service_with(&base, Limits::default(), all_events(&base)).await;
        let token = client_token(&service, "chat", Some("u"), &[], &[]).await;
        match connect_with(&service, "chat", &token, None).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(r)) => {
                assert_eq!(
                    r.status().as_u16(),
                    client_status,
                    "upstream {upstream_status}"
                );
            }
            other => panic!("upstream {upstream_status}: expected a refusal, got {other:?}"),
        }
        service.shutdown().await;
    }
}

#[tokio::test]
async fn an_upstream_that_does_not_allow_our_origin_gets_no_events() {
    let answer: Answer = Arc::new(|seen: &Seen| {
        if seen.method == "OPTIONS" {
            ([("WebHook-Allowed-Origin", "elsewhere.example")], "").into_response()
        } else {
            StatusCode::NO_CONTENT.into_response()
        }
    });
    let (base, mut seen) = upstream(answer, None).await;
    let service = service_with(&base, Limits::default(), all_events(&base)).await;
    let token = client_token(&service, "chat", Some("u"), &[], &[]).await;
    match connect_with(&service, "chat", &token, None).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => {
            assert_eq!(r.status().as_u16(), 500);
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(next_seen(&mut seen).await.method, "OPTIONS");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        seen.try_recv().is_err(),
        "nothing is posted to an unvalidated upstream"
    );
    service.shutdown().await;
}

#[tokio::test]
async fn json_client_events_are_answered_as_messages_then_acked() {
    let answer: Answer = Arc::new(|seen: &Seen| {
        if let Some(r) = allow(seen) {
            return r;
        }
        match seen.h("ce-eventname") {
            "echo" => (
                [("Content-Type", "application/json")],
                json!({"got": serde_json::from_slice::<Value>(&seen.body).unwrap()}).to_string(),
            )
                .into_response(),
            "quiet" => StatusCode::NO_CONTENT.into_response(),
            _ => (StatusCode::INTERNAL_SERVER_ERROR, "boom").into_response(),
        }
    });
    let (base, mut seen) = upstream(answer, None).await;
    let handler = EventHandler::new(format!("{base}/events"))
        .unwrap()
        .user_events(UserEvents::Named(vec![
            "echo".into(),
            "quiet".into(),
            "fail".into(),
        ]));
    let service = service_with(&base, Limits::default(), handler).await;
    let (mut ws, id) = json_client(
        &service,
        "chat",
        Some("bob"),
        &[],
        "json.webpubsub.azure.v1",
    )
    .await;

    send_json(
        &mut ws,
        json!({"type":"event","event":"echo","dataType":"json","data":{"n":1},"ackId":1}),
    )
    .await;
    assert_eq!(next_seen(&mut seen).await.method, "OPTIONS");
    let event = next_seen(&mut seen).await;
    assert_eq!(event.h("ce-type"), "azure.webpubsub.user.echo");
    assert_eq!(event.h("ce-subprotocol"), "json.webpubsub.azure.v1");
    assert_eq!(event.h("ce-userid"), "bob");
    assert_eq!(event.h("ce-signature"), expected_signature(&id));
    assert_eq!(event.h("content-type"), "application/json");
    assert_eq!(event.json(), json!({"n": 1}));
    assert_eq!(
        next_json(&mut ws).await,
        json!({"type":"message","from":"server","dataType":"json","data":{"got":{"n":1}}})
    );
    assert_eq!(
        next_json(&mut ws).await,
        json!({"type":"ack","ackId":1,"success":true})
    );

    send_json(
        &mut ws,
        json!({"type":"event","event":"quiet","dataType":"text","data":"t","ackId":2}),
    )
    .await;
    let quiet = next_seen(&mut seen).await;
    assert!(quiet.h("content-type").starts_with("text/plain"));
    assert_eq!(
        next_json(&mut ws).await,
        json!({"type":"ack","ackId":2,"success":true})
    );

    // No handler takes `other`: acked at once, nothing posted.
    send_json(
        &mut ws,
        json!({"type":"event","event":"other","data":"x","ackId":4}),
    )
    .await;
    assert_eq!(
        next_json(&mut ws).await,
        json!({"type":"ack","ackId":4,"success":true})
    );
    assert!(seen.try_recv().is_err());

    // An error answer: acked with InternalServerError, then the connection is closed, as
    // Microsoft's handler SDKs document for a failed user event.
    send_json(
        &mut ws,
        json!({"type":"event","event":"fail","dataType":"binary","data":"AQI=","ackId":3}),
    )
    .await;
    let fail = next_seen(&mut seen).await;
    assert_eq!(&fail.body[..], &[1, 2]);
    let ack = next_json(&mut ws).await;
    assert_eq!(ack["success"], false);
    assert_eq!(ack["error"]["name"], "InternalServerError");
    assert_eq!(next_json(&mut ws).await["event"], "disconnected");
    let (code, reason) = close_of(&mut ws).await;
    assert_eq!(code, 1008);
    assert!(reason.contains("upstream event handler failed"), "{reason}");
    service.shutdown().await;
}

#[tokio::test]
async fn connect_may_pick_the_subprotocol_and_grant_roles() {
    let answer: Answer = Arc::new(|seen: &Seen| {
        allow(seen).unwrap_or_else(|| {
            (
                [("Content-Type", "application/json")],
                json!({"subprotocol": "json.webpubsub.azure.v1", "roles": ["webpubsub.joinLeaveGroup"]})
                    .to_string(),
            )
                .into_response()
        })
    });
    let (base, mut seen) = upstream(answer, None).await;
    let handler = EventHandler::new(format!("{base}/{{event}}"))
        .unwrap()
        .user_events(UserEvents::None)
        .system_events([SystemEvent::Connect]);
    let service = service_with(&base, Limits::default(), handler).await;
    let token = client_token(&service, "chat", None, &[], &[]).await;
    let mut ws = connect_with(
        &service,
        "chat",
        &token,
        Some("json.reliable.webpubsub.azure.v1, json.webpubsub.azure.v1"),
    )
    .await
    .unwrap();
    let _ = next_seen(&mut seen).await;
    let connect = next_seen(&mut seen).await;
    assert_eq!(
        connect.json()["subprotocols"],
        json!([
            "json.reliable.webpubsub.azure.v1",
            "json.webpubsub.azure.v1"
        ])
    );
    let connected = next_json(&mut ws).await;
    assert_eq!(connected["event"], "connected");
    assert!(
        connected.get("reconnectionToken").is_none(),
        "the handler chose the non-reliable protocol"
    );
    send_json(&mut ws, json!({"type":"joinGroup","group":"g","ackId":1})).await;
    assert_eq!(
        next_json(&mut ws).await["success"],
        true,
        "the role from connect applies"
    );
    service.shutdown().await;
}

#[tokio::test]
async fn connected_is_retried_after_a_server_error() {
    let calls = Arc::new(Mutex::new(0));
    let counter = Arc::clone(&calls);
    let answer: Answer = Arc::new(move |seen: &Seen| {
        if let Some(r) = allow(seen) {
            return r;
        }
        let mut n = counter.lock().unwrap();
        *n += 1;
        if *n == 1 {
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        } else {
            StatusCode::OK.into_response()
        }
    });
    let (base, mut seen) = upstream(answer, None).await;
    let handler = EventHandler::new(format!("{base}/{{event}}"))
        .unwrap()
        .system_events([SystemEvent::Connected]);
    let service = service_with(&base, Limits::default(), handler).await;
    let _ws = raw_client(&service, "chat", Some("u"), &[]).await;
    let _ = next_seen(&mut seen).await;
    let first = next_seen(&mut seen).await;
    let second = next_seen(&mut seen).await;
    assert_eq!(first.h("ce-type"), "azure.webpubsub.sys.connected");
    assert_eq!(second.h("ce-type"), "azure.webpubsub.sys.connected");
    assert_eq!(first.h("ce-connectionid"), second.h("ce-connectionid"));
    assert_ne!(first.h("ce-id"), "");
    service.shutdown().await;
}

#[tokio::test]
async fn slow_and_oversized_answers_fail_the_event_within_the_limits() {
    let answer: Answer = Arc::new(|seen: &Seen| {
        allow(seen)
            .unwrap_or_else(|| ([("Content-Type", "text/plain")], "x".repeat(4096)).into_response())
    });
    let hold = Arc::new(Notify::new());
    let (base, mut seen) = upstream(answer, Some(Arc::clone(&hold))).await;
    let handler = EventHandler::new(format!("{base}/{{event}}"))
        .unwrap()
        .user_events(UserEvents::All);
    let mut limits = Limits::default();
    limits.upstream_timeout = Duration::from_millis(300);
    limits.max_message_bytes = 1024;
    let service = service_with(&base, limits, handler).await;
    let (mut ws, _) = json_client(&service, "chat", None, &[], "json.webpubsub.azure.v1").await;
    // Held past the timeout: the ack says so and the connection is closed.
    send_json(
        &mut ws,
        json!({"type":"event","event":"e","data":"x","ackId":1}),
    )
    .await;
    let ack = next_json(&mut ws).await;
    assert_eq!(ack["error"]["name"], "InternalServerError", "{ack}");
    assert!(
        ack["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no answer within")
    );
    assert_eq!(close_of(&mut ws).await.0, 1008);
    let _ = next_seen(&mut seen).await;
    let _ = next_seen(&mut seen).await;
    // Answered at once, but over the body limit.
    hold.notify_one();
    let (mut ws, _) = json_client(&service, "chat", None, &[], "json.webpubsub.azure.v1").await;
    send_json(
        &mut ws,
        json!({"type":"event","event":"e","data":"x","ackId":2}),
    )
    .await;
    let _ = next_seen(&mut seen).await;
    hold.notify_one();
    let ack = next_json(&mut ws).await;
    assert_eq!(ack["ackId"], 2);
    assert!(
        ack["error"]["message"]
            .as_str()
            .unwrap()
            .contains("larger than 1024"),
        "{ack}"
    );
    service.shutdown().await;
}

#[tokio::test]
async fn a_held_upstream_call_never_delays_fan_out_to_other_connections() {
    let answer: Answer =
        Arc::new(|seen: &Seen| allow(seen).unwrap_or_else(|| StatusCode::OK.into_response()));
    let hold = Arc::new(Notify::new());
    let (base, mut seen) = upstream(answer, Some(Arc::clone(&hold))).await;
    let handler = EventHandler::new(format!("{base}/{{event}}"))
        .unwrap()
        .user_events(UserEvents::All);
    let service = service_with(&base, Limits::default(), handler).await;
    let mut sender = raw_client(&service, "chat", Some("a"), &[]).await;
    let mut other = raw_client(&service, "chat", Some("b"), &[]).await;
    sender
        .send(Message::Text("to upstream".into()))
        .await
        .unwrap();
    let _ = next_seen(&mut seen).await;
    let held = next_seen(&mut seen).await;
    assert_eq!(held.h("ce-type"), "azure.webpubsub.user.message");
    // The upstream has not answered (it waits for `hold`), yet broadcasts flow to everyone,
    // the sender included.
    send_text(
        &service,
        &format!("/api/hubs/chat/:send?{API}"),
        "broadcast",
    )
    .await;
    assert_eq!(next_text(&mut other).await, "broadcast");
    assert_eq!(next_text(&mut sender).await, "broadcast");
    hold.notify_one();
    service.shutdown().await;
}

#[tokio::test]
async fn disconnected_carries_the_close_reason_and_an_unreachable_upstream_refuses_connect() {
    let answer: Answer =
        Arc::new(|seen: &Seen| allow(seen).unwrap_or_else(|| StatusCode::OK.into_response()));
    let (base, mut seen) = upstream(answer, None).await;
    let handler = EventHandler::new(format!("{base}/{{event}}"))
        .unwrap()
        .system_events([SystemEvent::Disconnected]);
    let service = service_with(&base, Limits::default(), handler).await;
    let (_ws, id) = raw_client_with_id(&service, "chat", Some("u")).await;
    let r = call(
        &service,
        "DELETE",
        &format!("/api/hubs/chat/connections/{id}?{API}&reason=bye%20now"),
        None,
        b"",
    )
    .await;
    assert_eq!(r.status, 204);
    let _ = next_seen(&mut seen).await;
    let disconnected = next_seen(&mut seen).await;
    assert_eq!(
        disconnected.h("ce-type"),
        "azure.webpubsub.sys.disconnected"
    );
    assert_eq!(disconnected.json(), json!({"reason": "bye now"}));
    service.shutdown().await;

    // Nothing listens at the handler's address: the client is refused with 500.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let nowhere = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let service = service_with(&nowhere, Limits::default(), all_events(&nowhere)).await;
    let token = client_token(&service, "chat", None, &[], &[]).await;
    match connect_with(&service, "chat", &token, None).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => {
            assert_eq!(r.status().as_u16(), 500);
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    service.shutdown().await;
}
