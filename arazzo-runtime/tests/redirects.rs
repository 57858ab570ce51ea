//! The redirect rule, against real servers on 127.0.0.1: a same-origin redirect is followed;
//! a redirect to another origin is returned as the status, and the other origin never sees
//! the request (its body or its credentials).

use std::sync::{Arc, Mutex};

use arazzo_runtime::{Client, Credential, SchemeKind, Secret};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A server answering each request with `answer(request head)`; records every request head.
async fn server(
    answer: impl Fn(&str) -> String + Send + Sync + 'static,
) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let answer = Arc::new(answer);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let log = Arc::clone(&log);
            let answer = Arc::clone(&answer);
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let n = socket.read(&mut buf).await.unwrap_or(0);
                let head = String::from_utf8_lossy(&buf[..n]).into_owned();
                log.lock().unwrap().push(head.clone());
                let _ = socket.write_all(answer(&head).as_bytes()).await;
            });
        }
    });
    (url, seen)
}

fn redirect(status: u16, to: &str) -> String {
    format!(
        "HTTP/1.1 {status} Moved\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
}

const OK: &str = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";

const BEARER: &[&[(&str, SchemeKind)]] = &[&[("auth", SchemeKind::Bearer)]];

#[tokio::test]
async fn a_cross_origin_redirect_is_returned_and_the_other_origin_sees_nothing() {
    let (other, other_seen) = server(|_| OK.to_owned()).await;
    let target = format!("{other}/landing");
    let (origin, origin_seen) = server(move |_| redirect(307, &target)).await;
    let client = Client::builder()
        .credential("auth", Credential::Bearer(Secret::new("t0ken".to_owned())))
        .build()
        .unwrap();
    let response = client
        .request(reqwest::Method::POST, "s", &origin, "/upload")
        .security(BEARER)
        .json_body("application/json", &serde_json::json!({"secret": "body"}))
        .send("upload")
        .await
        .unwrap();
    assert_eq!(response.status(), 307);
    assert_eq!(
        response.header("location"),
        Some(format!("{other}/landing").as_str())
    );
    assert_eq!(origin_seen.lock().unwrap().len(), 1);
    assert!(origin_seen.lock().unwrap()[0].contains("Bearer t0ken"));
    assert!(
        other_seen.lock().unwrap().is_empty(),
        "the other origin got a request"
    );
}

#[tokio::test]
async fn a_same_origin_redirect_is_followed() {
    let (origin, seen) = server(|head| {
        if head.starts_with("GET /old ") {
            redirect(302, "/new")
        } else {
            OK.to_owned()
        }
    })
    .await;
    let client = Client::builder().build().unwrap();
    let response = client
        .request(reqwest::Method::GET, "s", &origin, "/old")
        .send("fetch")
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.body_text(), "ok");
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert!(seen[1].starts_with("GET /new "), "{}", seen[1]);
}

#[tokio::test]
async fn a_same_origin_redirect_loop_ends_with_an_error() {
    let (origin, _) = server(|_| redirect(302, "/again")).await;
    let client = Client::builder().build().unwrap();
    let err = client
        .request(reqwest::Method::GET, "s", &origin, "/again")
        .send("loop")
        .await
        .unwrap_err();
    assert_eq!(err.step(), "loop");
    assert!(err.to_string().contains("redirect"), "{err}");
}
