//! Fan-out benchmark: `cargo bench -p webpubsub-local`.
//!
//! Starts the service, connects N raw WebSocket clients (N = 1, 10, 100), broadcasts M text
//! messages through REST `:send` over one keep-alive HTTP connection, and waits until every
//! client has every message. Prints deliveries per second for each N and the ratio to N = 1
//! measured in the same run.

#[path = "../tests/common/mod.rs"]
mod common;

use common::*;
use std::time::Instant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

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

async fn run(clients: usize) -> f64 {
    let service = start().await;
    let hub = "bench";
    let token = client_token(&service, hub, None, &[], &[]).await;
    let mut readers = Vec::with_capacity(clients);
    for _ in 0..clients {
        let mut ws = connect_with(&service, hub, &token, None).await.unwrap();
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
    service.shutdown().await;
    (clients * MESSAGES) as f64 / elapsed
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
}
