//! A step's `timeout` bounds the whole request, body reading included, against a real server
//! on 127.0.0.1 that answers the head at once and then stalls the body.

use std::time::Duration;

use arazzo_runtime::__private::timeout::within;
use arazzo_runtime::Client;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[tokio::test]
async fn a_stalled_body_times_the_step_out() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 1024];
        let _ = socket.read(&mut buf).await;
        socket
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"partial\":")
            .await
            .unwrap();
        // Hold the socket open, the body unfinished, until the test ends.
        tokio::time::sleep(Duration::from_secs(30)).await;
    });
    let client = Client::builder().build().unwrap();
    let started = std::time::Instant::now();
    let err = within(
        "slowBody",
        300,
        client
            .request(reqwest::Method::GET, "s", &url, "/slow")
            .send("slowBody"),
    )
    .await
    .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(err.to_string(), "step `slowBody`: timed out after 300 ms");
    assert!(started.elapsed() < Duration::from_secs(10));
    server.abort();
}
