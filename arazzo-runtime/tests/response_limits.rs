//! The maximum response size, against real servers on 127.0.0.1: a declared length over the
//! limit is refused before reading, and an endless chunked body stops being read at the limit.

use std::time::Duration;

use arazzo_runtime::testing::{Reply, TestServer};
use arazzo_runtime::{Client, WorkflowError};

/// A server answering `GET path` with `reply`.
async fn server(path: &str, reply: Reply) -> TestServer {
    TestServer::builder()
        .on("GET", path, reply)
        .start()
        .await
        .unwrap()
}

const CHUNK: &str = include_str!("data/4k.txt");

#[tokio::test]
async fn a_declared_length_over_the_limit_is_refused() {
    // Declares a gigabyte (and would send it): refused from the header, before reading.
    let big = server(
        "/big",
        Reply::status(200)
            .header("content-length", "1000000000")
            .body_repeated(&b"xxxxxxxx"[..], 125_000_000),
    )
    .await;
    let client = Client::builder().max_response_size(1024).build().unwrap();
    let err = client
        .request(reqwest::Method::GET, "s", big.url(), "/big")
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
    let endless = server("/stream", Reply::status(200).body_repeated(CHUNK, u64::MAX)).await;
    let client = Client::builder()
        .max_response_size(64 * 1024)
        .build()
        .unwrap();
    let err = tokio::time::timeout(
        Duration::from_secs(20),
        client
            .request(reqwest::Method::GET, "s", endless.url(), "/stream")
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
    let ok = server("/ok", Reply::status(200).body("{\"a\":1}\n")).await;
    let client = Client::builder().max_response_size(8).build().unwrap();
    let response = client
        .request(reqwest::Method::GET, "s", ok.url(), "/ok")
        .send("ok")
        .await
        .unwrap();
    assert_eq!(response.body_pointer::<i64>("/a").unwrap(), 1);
}
