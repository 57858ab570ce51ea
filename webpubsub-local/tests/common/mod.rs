//! Shared helpers for the integration tests: a started service, HS256 token minting (written
//! independently of the service's own code), a minimal HTTP/1.1 client over a raw TCP
//! socket, and WebSocket clients from tokio-tungstenite.
#![allow(dead_code)] // Each test binary uses a different subset of these helpers.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures_util::{SinkExt, StreamExt};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use webpubsub_local::{Limits, RunningService, Service};

pub const KEY: &str = "test-access-key-0123456789";
pub const API: &str = "api-version=2024-01-01";
/// Guards every wait so a broken service fails a test instead of hanging it.
pub const GUARD: Duration = Duration::from_secs(20);

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

pub async fn start() -> RunningService {
    start_with(Limits::default()).await
}

/// A service with the given limits.
pub async fn start_with(limits: Limits) -> RunningService {
    Service::builder()
        .access_key(KEY)
        .limits(limits)
        .start_on("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

/// The close frame a client gets, skipping everything before it: `(code, reason)`.
pub async fn close_of(ws: &mut Ws) -> (u16, String) {
    loop {
        match tokio::time::timeout(GUARD, ws.next())
            .await
            .expect("a close in time")
        {
            Some(Ok(Message::Close(Some(frame)))) => {
                return (u16::from(frame.code), frame.reason.to_string());
            }
            Some(Ok(Message::Close(None))) | None | Some(Err(_)) => {
                panic!("the socket ended without a close frame")
            }
            Some(Ok(_)) => {}
        }
    }
}

/// Percent-encodes a query value.
pub fn q(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Signs `claims` as HS256 with `key`, or with a custom header.
pub fn sign_with_header(header: &Value, claims: &Value, key: &str) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(input.as_bytes());
    format!(
        "{input}.{}",
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    )
}

pub fn sign(claims: &Value, key: &str) -> String {
    sign_with_header(&json!({"alg": "HS256", "typ": "JWT"}), claims, key)
}

/// A REST token for `url` valid for five minutes.
pub fn rest_token(url: &str) -> String {
    sign(&json!({"aud": url, "exp": now() + 300, "iat": now()}), KEY)
}

#[derive(Debug)]
pub struct Http {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Http {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("body {:?}: {e}", String::from_utf8_lossy(&self.body)))
    }
}

/// Sends one HTTP/1.1 request to the service and reads the whole response.
pub async fn raw_request(
    service: &RunningService,
    method: &str,
    path_and_query: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> Http {
    let addr = service.local_addr();
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let mut head = format!(
        "{method} {path_and_query} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\nContent-Length: {}\r\n",
        addr.port(),
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(GUARD, stream.read_to_end(&mut raw))
        .await
        .unwrap()
        .unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("response head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| {
            l.split_once(':')
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        })
        .collect();
    Http {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

/// A signed REST call; `path_and_query` gets `api-version=2024-01-01` unless it names one.
pub async fn call(
    service: &RunningService,
    method: &str,
    path_and_query: &str,
    content_type: Option<&str>,
    body: &[u8],
) -> Http {
    let pq = with_api_version(path_and_query);
    let url = format!("{}{}", service.endpoint(), pq);
    let mut headers = vec![("Authorization", format!("Bearer {}", rest_token(&url)))];
    if let Some(ct) = content_type {
        headers.push(("Content-Type", ct.to_owned()));
    }
    raw_request(service, method, &pq, &headers, body).await
}

pub fn with_api_version(path_and_query: &str) -> String {
    if path_and_query.contains("api-version=") {
        path_and_query.to_owned()
    } else if path_and_query.contains('?') {
        format!("{path_and_query}&{API}")
    } else {
        format!("{path_and_query}?{API}")
    }
}

/// POSTs a text/plain send and checks the 202.
pub async fn send_text(service: &RunningService, path_and_query: &str, text: &str) {
    let r = call(
        service,
        "POST",
        path_and_query,
        Some("text/plain"),
        text.as_bytes(),
    )
    .await;
    assert_eq!(
        r.status,
        202,
        "{path_and_query}: {:?}",
        String::from_utf8_lossy(&r.body)
    );
}

/// A client token minted through `:generateToken`.
pub async fn client_token(
    service: &RunningService,
    hub: &str,
    user: Option<&str>,
    roles: &[&str],
    groups: &[&str],
) -> String {
    let mut q = String::new();
    if let Some(u) = user {
        q.push_str(&format!("&userId={u}"));
    }
    for r in roles {
        q.push_str(&format!("&role={r}"));
    }
    for g in groups {
        q.push_str(&format!("&group={g}"));
    }
    let r = call(
        service,
        "POST",
        &format!("/api/hubs/{hub}/:generateToken?{API}{q}"),
        None,
        b"",
    )
    .await;
    assert_eq!(r.status, 200);
    r.json()["token"].as_str().unwrap().to_owned()
}

/// Connects a WebSocket client with `token`, offering `protocol` if given.
pub async fn connect_with(
    service: &RunningService,
    hub: &str,
    token: &str,
    protocol: Option<&str>,
) -> Result<Ws, tokio_tungstenite::tungstenite::Error> {
    let url = format!(
        "ws://127.0.0.1:{}/client/hubs/{hub}?access_token={token}",
        service.local_addr().port()
    );
    let mut request = url.into_client_request().unwrap();
    if let Some(p) = protocol {
        request
            .headers_mut()
            .insert("Sec-WebSocket-Protocol", p.parse().unwrap());
    }
    tokio::time::timeout(GUARD, tokio_tungstenite::connect_async(request))
        .await
        .unwrap()
        .map(|(ws, _)| ws)
}

/// A raw client of `user` (with roles/groups) on `hub`.
pub async fn raw_client(
    service: &RunningService,
    hub: &str,
    user: Option<&str>,
    groups: &[&str],
) -> Ws {
    let token = client_token(service, hub, user, &[], groups).await;
    connect_with(service, hub, &token, None).await.unwrap()
}

/// A JSON client; returns it and its connection id (from the `connected` message).
pub async fn json_client(
    service: &RunningService,
    hub: &str,
    user: Option<&str>,
    roles: &[&str],
    protocol: &str,
) -> (Ws, String) {
    let token = client_token(service, hub, user, roles, &[]).await;
    let mut ws = connect_with(service, hub, &token, Some(protocol))
        .await
        .unwrap();
    let connected = next_json(&mut ws).await;
    assert_eq!(connected["type"], "system");
    assert_eq!(connected["event"], "connected");
    let id = connected["connectionId"].as_str().unwrap().to_owned();
    (ws, id)
}

/// A raw client and its connection id. Raw clients are never told their id, so the client
/// joins a fresh probe group through its token and the id is read from the group listing.
pub async fn raw_client_with_id(
    service: &RunningService,
    hub: &str,
    user: Option<&str>,
) -> (Ws, String) {
    static PROBE: AtomicUsize = AtomicUsize::new(0);
    let group = format!("probe{}", PROBE.fetch_add(1, Ordering::SeqCst));
    let ws = raw_client(service, hub, user, &[&group]).await;
    let ids = group_members(service, hub, &group).await;
    assert_eq!(ids.len(), 1);
    (ws, ids[0].clone())
}

/// The next non-ping frame.
pub async fn next_message(ws: &mut Ws) -> Message {
    loop {
        let m = tokio::time::timeout(GUARD, ws.next())
            .await
            .expect("a frame in time")
            .expect("open")
            .expect("ok");
        match m {
            Message::Ping(_) | Message::Pong(_) => continue,
            other => return other,
        }
    }
}

pub async fn next_text(ws: &mut Ws) -> String {
    match next_message(ws).await {
        Message::Text(t) => t.to_string(),
        other => panic!("expected text, got {other:?}"),
    }
}

pub async fn next_json(ws: &mut Ws) -> Value {
    serde_json::from_str(&next_text(ws).await).unwrap()
}

pub async fn send_json(ws: &mut Ws, value: Value) {
    ws.send(Message::Text(value.to_string().into()))
        .await
        .unwrap();
}

/// Connection ids in `group`, via the 2024-12-01 listing.
pub async fn group_members(service: &RunningService, hub: &str, group: &str) -> Vec<String> {
    let r = call(
        service,
        "GET",
        &format!("/api/hubs/{hub}/groups/{group}/connections?api-version=2024-12-01"),
        None,
        b"",
    )
    .await;
    assert_eq!(r.status, 200);
    let mut ids: Vec<String> = r.json()["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["connectionId"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}
