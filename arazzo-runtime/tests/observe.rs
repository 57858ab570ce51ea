//! The async step hook: it sees the step id, the request before it is sent and the response
//! after, against a real server on 127.0.0.1.

use std::sync::{Arc, Mutex};

use arazzo_runtime::message::BoxFuture;
use arazzo_runtime::{Client, HookError, Response, StepHook};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A server that answers every request 200 `{"ok":true}`, recording each request head.
async fn server() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buf = vec![0u8; 8192];
            let n = socket.read(&mut buf).await.unwrap_or(0);
            log.lock()
                .unwrap()
                .push(String::from_utf8_lossy(&buf[..n]).into_owned());
            let _ = socket
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\nConnection: close\r\n\r\n{\"ok\":true}")
                .await;
        }
    });
    (url, seen)
}

#[derive(Default, Clone)]
struct Audit(Arc<Mutex<Vec<String>>>);

impl StepHook for Audit {
    fn before_send<'a>(
        &'a self,
        step: &'static str,
        request: &'a mut reqwest::Request,
    ) -> BoxFuture<'a, Result<(), HookError>> {
        Box::pin(async move {
            // Something async, as a vault lookup would be.
            tokio::task::yield_now().await;
            self.0
                .lock()
                .unwrap()
                .push(format!("before {step} {}", request.method()));
            request.headers_mut().insert(
                "x-audit",
                "yes".parse().map_err(|_| HookError("bad".into()))?,
            );
            if step == "forbidden" {
                return Err(HookError("the audit hook refused the step".into()));
            }
            Ok(())
        })
    }

    fn after_response<'a>(
        &'a self,
        step: &'static str,
        response: &'a Response,
    ) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            self.0
                .lock()
                .unwrap()
                .push(format!("after {step} {}", response.status()));
        })
    }
}

#[tokio::test]
async fn a_step_hook_sees_the_step_the_request_and_the_response() {
    let (url, seen) = server().await;
    let audit = Audit::default();
    let client = Client::builder().step_hook(audit.clone()).build().unwrap();
    client
        .request(reqwest::Method::POST, "s", &url, "/orders")
        .send("createOrder")
        .await
        .unwrap();
    let err = client
        .request(reqwest::Method::GET, "s", &url, "/x")
        .send("forbidden")
        .await
        .unwrap_err();
    assert_eq!(err.step(), "forbidden");
    assert!(err.to_string().contains("the audit hook refused"), "{err}");
    assert_eq!(
        *audit.0.lock().unwrap(),
        [
            "before createOrder POST",
            "after createOrder 200",
            "before forbidden GET"
        ]
    );
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1, "the refused step sent nothing");
    assert!(seen[0].contains("x-audit: yes"), "{}", seen[0]);
}
