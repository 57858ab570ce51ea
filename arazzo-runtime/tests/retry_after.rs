//! The cap on honoured `Retry-After`, with the client's setting and a real server on
//! 127.0.0.1: within the cap the retry waits; beyond it the step fails naming the delay.

use std::time::{Duration, Instant};

use arazzo_runtime::__private::steps::Steps;
use arazzo_runtime::testing::{Reply, TestServer};
use arazzo_runtime::{Client, WorkflowError};

/// A server answering every request 429 with `Retry-After: <secs>`.
async fn throttling(secs: u64) -> TestServer {
    TestServer::builder()
        .on(
            "GET",
            "/",
            Reply::status(429).header("retry-after", secs.to_string()),
        )
        .start()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_client_cap_decides_whether_a_retry_after_is_honoured() {
    let client = Client::builder()
        .max_retry_after(Duration::from_secs(1))
        .build()
        .unwrap();

    let server = throttling(30).await;
    let response = client
        .request(reqwest::Method::GET, "s", server.url(), "/")
        .send("poll")
        .await
        .unwrap();
    let mut steps = Steps::new(["poll"], 10);
    steps.step().unwrap();
    let started = Instant::now();
    assert!(!steps.retry(&response, 3, 0.0, None).await);
    assert!(started.elapsed() < Duration::from_secs(1));
    let err = response.criteria_failed("$statusCode == 200");
    assert!(
        matches!(err, WorkflowError::RetryAfterTooLong { step: "poll", requested, .. } if requested == Duration::from_secs(30)),
        "{err:?}"
    );

    let server = throttling(1).await;
    let response = client
        .request(reqwest::Method::GET, "s", server.url(), "/")
        .send("poll")
        .await
        .unwrap();
    let mut steps = Steps::new(["poll"], 10);
    steps.step().unwrap();
    let started = Instant::now();
    assert!(steps.retry(&response, 3, 0.0, None).await);
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert!(matches!(
        response.criteria_failed("$statusCode == 200"),
        WorkflowError::CriteriaNotMet { .. }
    ));
}

/// Retries run out: the error says how many attempts ran, and the server saw each of them.
#[tokio::test]
async fn criteria_unmet_after_retries_say_how_many_attempts_ran() {
    use arazzo_runtime::__private::deadline::workflow as run;

    let server = TestServer::builder()
        .on("GET", "/poll", Reply::status(503).body("busy"))
        .start()
        .await
        .unwrap();
    let client = Client::builder().build().unwrap();
    let err = run(
        &client,
        "wait",
        Box::pin(async {
            let mut steps = Steps::new(["poll", "after"], 10);
            while let Some(step) = steps.step()? {
                let path = if step == 0 { "/poll" } else { "/after" };
                let response = client
                    .request(reqwest::Method::GET, "s", server.url(), path)
                    .send(["poll", "after"][step])
                    .await?;
                if response.status() != 200 {
                    if steps.retry(&response, 2, 0.0, None).await {
                        continue;
                    }
                    return Err(response.criteria_failed("$statusCode == 200"));
                }
                steps.succeeded().advance();
            }
            Ok(())
        }),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            err,
            WorkflowError::CriteriaNotMet {
                step: "poll",
                status: 503,
                attempts: 3,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "step `poll`: success criterion `$statusCode == 200` not met (HTTP status 503, after 3 \
         attempts); response body: busy"
    );
    assert_eq!(server.requests().len(), 3);

    // A step that was not retried says nothing of attempts.
    let once = client
        .request(reqwest::Method::GET, "s", server.url(), "/poll")
        .send("poll")
        .await
        .unwrap()
        .criteria_failed("$statusCode == 200");
    assert!(matches!(
        once,
        WorkflowError::CriteriaNotMet { attempts: 1, .. }
    ));
    assert!(!once.to_string().contains("attempts"), "{once}");
}
