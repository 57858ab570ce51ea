//! The maximum response size, against real servers on 127.0.0.1: a declared length over the
//! limit is refused before reading, and an endless chunked body stops being read at the limit.

use std::time::Duration;

use arazzo_runtime::{Client, WorkflowError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A server that answers one request with `head` and then writes `chunk` until the client
/// goes away; returns its URL.
async fn server(head: &'static str, chunk: &'static [u8]) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 4096];
        let _ = socket.read(&mut buf).await;
        if socket.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        while socket.write_all(chunk).await.is_ok() {}
    });
    url
}

#[tokio::test]
async fn a_declared_length_over_the_limit_is_refused() {
    let url = server(
        "HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n",
        b"xxxxxxxx",
    )
    .await;
    let client = Client::builder().max_response_size(1024).build().unwrap();
    let err = client
        .request(reqwest::Method::GET, "s", &url, "/big")
        .send("download")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            WorkflowError::ResponseTooLarge {
                step: "download",
                limit: 1024
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("limit of 1024 bytes"), "{err}");
}

#[tokio::test]
async fn an_endless_chunked_body_stops_at_the_limit() {
    // 4 KiB chunks for ever.
    const CHUNK: &[u8] = concat!("1000\r\n", include_str!("data/4k.txt"), "\r\n").as_bytes();
    let url = server(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
        CHUNK,
    )
    .await;
    let client = Client::builder()
        .max_response_size(64 * 1024)
        .build()
        .unwrap();
    let err = tokio::time::timeout(
        Duration::from_secs(20),
        client
            .request(reqwest::Method::GET, "s", &url, "/stream")
            .send("stream"),
    )
    .await
    .expect("reading stops at the limit")
    .unwrap_err();
    assert!(
        matches!(err, WorkflowError::ResponseTooLarge { step: "stream", .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_body_within_the_limit_is_read_whole() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 4096];
        let _ = socket.read(&mut buf).await;
        let _ = socket
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n{\"a\":1}\n")
            .await;
    });
    let client = Client::builder().max_response_size(8).build().unwrap();
    let response = client
        .request(reqwest::Method::GET, "s", &url, "/ok")
        .send("ok")
        .await
        .unwrap();
    assert_eq!(response.body_pointer::<i64>("/a").unwrap(), 1);
}
