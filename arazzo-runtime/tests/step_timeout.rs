//! A step's `timeout` bounds the whole request, body reading included, against a real server
//! on 127.0.0.1 that answers the head at once and then stalls the body.

use std::time::Duration;

use arazzo_runtime::__private::timeout::within;
use arazzo_runtime::Client;
use arazzo_runtime::testing::{Reply, TestServer};
use tokio::net::TcpListener;

#[tokio::test]
async fn a_stalled_body_times_the_step_out() {
    let server = TestServer::builder()
        .on(
            "GET",
            "/slow",
            Reply::status(200).body_parts(["{\"partial\":", "1}"], Duration::from_secs(30)),
        )
        .start()
        .await
        .unwrap();
    let client = Client::builder().build().unwrap();
    let started = std::time::Instant::now();
    let err = within(
        "slowBody",
        300,
        client
            .request(reqwest::Method::GET, "s", server.url(), "/slow")
            .send("slowBody"),
    )
    .await
    .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(err.to_string(), "step `slowBody`: timed out after 300 ms");
    assert!(started.elapsed() < Duration::from_secs(10));
}

mod deadline {
    use std::time::Duration;

    use arazzo_runtime::__private::deadline::workflow as run;
    use arazzo_runtime::testing::{Reply, TestServer};
    use arazzo_runtime::{Client, WorkflowError};

    /// A server that never answers (within any test's patience).
    async fn silent() -> TestServer {
        TestServer::builder()
            .on(
                "GET",
                "/hang",
                Reply::status(200).delay(Duration::from_secs(3600)),
            )
            .start()
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn the_workflow_deadline_names_the_running_step_and_nested_calls_share_it() {
        let server = silent().await;
        let client = Client::builder()
            .workflow_deadline(Duration::from_millis(300))
            .build()
            .unwrap();
        let err = run(
            &client,
            "outer",
            Box::pin(async {
                // A nested workflow does not restart the clock.
                run(
                    &client,
                    "inner",
                    Box::pin(async {
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        Ok::<_, WorkflowError>(())
                    }),
                )
                .await?;
                client
                    .request(reqwest::Method::GET, "s", server.url(), "/hang")
                    .send("hang")
                    .await
                    .map(|_| ())
            }),
        )
        .await
        .unwrap_err();
        assert!(
            matches!(err, WorkflowError::DeadlineExceeded { step: "hang", .. }),
            "{err:?}"
        );
        assert!(!err.is_timeout());
        assert_eq!(
            err.to_string(),
            "step `hang`: the workflow ran past its deadline of 300 ms"
        );

        let before_any_step = run(
            &client,
            "idle",
            Box::pin(async {
                tokio::time::sleep(Duration::from_secs(30)).await;
                Ok::<_, WorkflowError>(())
            }),
        )
        .await
        .unwrap_err();
        assert_eq!(before_any_step.step(), "idle");

        let free = Client::builder().build().unwrap();
        // Without a deadline the steps run as they are, and their outputs come back.
        let quick = run(&free, "quick", Box::pin(async { Ok(5) })).await;
        assert_eq!(quick.ok(), Some(5));
    }
}

#[tokio::test]
async fn a_transport_error_shows_its_cause_but_not_the_query() {
    // A port nothing listens on: bind one, then free it.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = Client::builder().build().unwrap();
    let err = client
        .request(reqwest::Method::GET, "s", &url, "/x")
        .query("api_key", "q-s3cret")
        .send("unreachable")
        .await
        .unwrap_err();
    let shown = err.to_string();
    assert!(
        shown.starts_with("step `unreachable`: the request failed: "),
        "{shown}"
    );
    assert!(shown.to_lowercase().contains("refused"), "{shown}");
    assert!(
        !shown.contains("q-s3cret") && !format!("{err:?}").contains("q-s3cret"),
        "{shown}"
    );
}
