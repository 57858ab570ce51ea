//! The async step hook: it sees the step id, the request before it is sent and the response
//! after, against a real server on 127.0.0.1.

use std::sync::{Arc, Mutex};

use arazzo_runtime::message::BoxFuture;
use arazzo_runtime::testing::{Reply, TestServer};
use arazzo_runtime::{Client, HookError, Response, StepHook};

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
    let server = TestServer::builder()
        .on("POST", "/orders", Reply::json(200, r#"{"ok":true}"#))
        .start()
        .await
        .unwrap();
    let audit = Audit::default();
    let client = Client::builder().step_hook(audit.clone()).build().unwrap();
    client
        .request(reqwest::Method::POST, "s", server.url(), "/orders")
        .send("createOrder")
        .await
        .unwrap();
    let err = client
        .request(reqwest::Method::GET, "s", server.url(), "/x")
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
    let sent = server.requests();
    assert_eq!(sent.len(), 1, "the refused step sent nothing");
    assert_eq!(sent[0].header("x-audit"), Some("yes"));
}
