//! Fan-out benchmark: `cargo bench -p webpubsub-local`.
//!
//! Starts the service, connects N raw WebSocket clients (N = 1, 10, 100), broadcasts M text
//! messages through REST `:send` over one keep-alive HTTP connection, and waits until every
//! client has every message. Prints deliveries per second for each N and the ratio to N = 1
//! measured in the same run.
//!
//! Then the same broadcast to 100 clients with a slow upstream event handler attached (an axum
//! app on 127.0.0.1 that takes 50 ms per event) while 10 more clients keep sending it frames,
//! against the same setup without a handler (the frames are then ignored): rounds alternate,
//! and the median ratio says whether upstream delivery holds up fan-out.

#[path = "../tests/common/mod.rs"]
mod common;

use common::*;
use futures_util::SinkExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use webpubsub_local::{EventHandler, RunningService, Service, SystemEvent, UserEvents};

const MESSAGES: usize = 1000;
const CLIENT_COUNTS: [usize; 3] = [1, 10, 100];

/// One keep-alive HTTP/1.1 connection for the broadcasts.
struct KeepAlive {
    stream: TcpStream,
    buffer: Vec<u8>,
}

impl KeepAlive {
    async fn post(&mut self, host: &str, path_and_query: &str, token: &str, body: &str) -> u16 {
        let request = format!(
            "POST {path_and_query} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        self.stream.write_all(request.as_bytes()).await.unwrap();
        loop {
            if let Some(end) = self.buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buffer[..end]).to_ascii_lowercase();
                let length: usize = head
                    .lines()
                    .find_map(|l| {
                        l.strip_prefix("content-length:")
                            .map(|v| v.trim().parse().unwrap())
                    })
                    .unwrap_or(0);
                if self.buffer.len() >= end + 4 + length {
                    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
                    self.buffer.drain(..end + 4 + length);
                    return status;
                }
            }
            let mut chunk = [0u8; 4096];
            let n = self.stream.read(&mut chunk).await.unwrap();
            assert!(n > 0, "the service closed the keep-alive connection");
            self.buffer.extend_from_slice(&chunk[..n]);
        }
    }
}

const SLOW_ROUNDS: usize = 9;
const CHATTERS: usize = 10;
const UPSTREAM_DELAY: Duration = Duration::from_millis(50);

/// An upstream app that answers every event after UPSTREAM_DELAY; returns its URL.
async fn slow_upstream() -> String {
    async fn answer(request: axum::extract::Request) -> axum::response::Response {
        use axum::response::IntoResponse;
        if request.method() == axum::http::Method::OPTIONS {
            return ([("WebHook-Allowed-Origin", "*")], "").into_response();
        }
        tokio::time::sleep(UPSTREAM_DELAY).await;
        axum::http::StatusCode::NO_CONTENT.into_response()
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/events", listener.local_addr().unwrap());
    let router = axum::Router::new().fallback(answer);
    tokio::spawn(async move { axum::serve(listener, router).await });
    url
}

async fn service_with(upstream: Option<&str>) -> RunningService {
    let mut builder = Service::builder().access_key(KEY);
    if let Some(url) = upstream {
        let handler = EventHandler::new(url)
            .unwrap()
            .user_events(UserEvents::All)
            .system_events([SystemEvent::Connected, SystemEvent::Disconnected]);
        builder = builder.event_handler("bench", handler);
    }
    builder
        .start_on("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

async fn run(clients: usize) -> f64 {
    let service = start().await;
    let rate = broadcast(&service, clients).await;
    service.shutdown().await;
    rate
}

/// Deliveries/s of the broadcast to `clients` while CHATTERS other clients send frames (to the
/// upstream, when the hub has one).
async fn run_with_chatter(upstream: Option<&str>, clients: usize) -> f64 {
    let service = service_with(upstream).await;
    let token = client_token(&service, "bench", None, &[], &[]).await;
    let stop = Arc::new(AtomicBool::new(false));
    let mut chatters = Vec::new();
    for _ in 0..CHATTERS {
        let mut ws = connect_with(&service, "bench", &token, None).await.unwrap();
        let stop = Arc::clone(&stop);
        chatters.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                if ws
                    .send(Message::Text("to the upstream".into()))
                    .await
                    .is_err()
                {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }));
    }
    let rate = broadcast(&service, clients).await;
    stop.store(true, Ordering::Relaxed);
    for c in chatters {
        c.abort();
    }
    service.shutdown().await;
    rate
}

async fn broadcast(service: &RunningService, clients: usize) -> f64 {
    let hub = "bench";
    let token = client_token(service, hub, None, &[], &[]).await;
    let mut readers = Vec::with_capacity(clients);
    for _ in 0..clients {
        let mut ws = connect_with(service, hub, &token, None).await.unwrap();
        readers.push(tokio::spawn(async move {
            for i in 0..MESSAGES {
                let text = next_text(&mut ws).await;
                assert_eq!(text, format!("m{i}"), "lost or reordered");
            }
        }));
    }
    let host = format!("127.0.0.1:{}", service.local_addr().port());
    let path = format!("/api/hubs/{hub}/:send?{API}");
    // One token serves every broadcast: they all address the same URL.
    let rest = rest_token(&format!("{}{path}", service.endpoint()));
    let mut http = KeepAlive {
        stream: TcpStream::connect(service.local_addr()).await.unwrap(),
        buffer: Vec::new(),
    };
    let started = Instant::now();
    for i in 0..MESSAGES {
        assert_eq!(http.post(&host, &path, &rest, &format!("m{i}")).await, 202);
    }
    for reader in readers {
        reader.await.unwrap();
    }
    let elapsed = started.elapsed().as_secs_f64();
    (clients * MESSAGES) as f64 / elapsed
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[tokio::main]
async fn main() {
    println!("fan-out: {MESSAGES} REST broadcasts to N raw WebSocket clients");
    println!("{:>5} {:>18} {:>12}", "N", "deliveries/s", "vs N=1");
    let mut baseline = None;
    for clients in CLIENT_COUNTS {
        let rate = run(clients).await;
        let base = *baseline.get_or_insert(rate);
        println!("{clients:>5} {rate:>18.0} {:>11.2}x", rate / base);
    }
    let url = slow_upstream().await;
    println!(
        "\nfan-out to 100 clients while {CHATTERS} clients send to a {} ms upstream handler \
         ({SLOW_ROUNDS} alternating rounds)",
        UPSTREAM_DELAY.as_millis()
    );
    let (mut without, mut with, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..SLOW_ROUNDS {
        let a = run_with_chatter(None, 100).await;
        let b = run_with_chatter(Some(&url), 100).await;
        without.push(a);
        with.push(b);
        ratios.push(b / a);
    }
    println!(
        "  no handler:   {:>10.0} deliveries/s (median)",
        median(without)
    );
    println!(
        "  slow handler: {:>10.0} deliveries/s (median)",
        median(with)
    );
    let spread = {
        let mut r = ratios.clone();
        r.sort_by(f64::total_cmp);
        (r[0], r[r.len() - 1])
    };
    println!(
        "  ratio with/without: {:.2} (median of rounds; range {:.2}..{:.2})",
        median(ratios),
        spread.0,
        spread.1
    );
}
