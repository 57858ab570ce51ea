//! With the default `tracing` feature, the spans and events a subscriber receives for a run
//! against a real server on 127.0.0.1. Alone in its test binary: tracing caches per call site
//! whether anyone listens, and a test running at the same time without a subscriber would race
//! with this one's.

/// Shows up as ignored, rather than vanishing, when the feature is off.
#[cfg(not(feature = "tracing"))]
#[test]
#[ignore = "needs the default `tracing` feature"]
fn spans_need_the_tracing_feature() {}

#[cfg(feature = "tracing")]
mod support;

#[cfg(feature = "tracing")]
mod spans {
    use arazzo_runtime::Client;
    use arazzo_runtime::testing::{Reply, TestServer};

    use crate::support::Captured;

    #[tokio::test(flavor = "current_thread")]
    async fn spans_name_workflow_step_method_and_status_but_never_the_query() {
        let server = TestServer::builder()
            .on("GET", "/stock", Reply::json(200, r#"{"ok":true}"#))
            .on("GET", "/busy", Reply::status(503))
            .on("GET", "/busy", Reply::status(200))
            .start()
            .await
            .unwrap();
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
            .with_ansi(false)
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);

        let client = Client::builder().build().unwrap();
        arazzo_runtime::__private::deadline::workflow(
            &client,
            "placeOrder",
            Box::pin(async {
                client
                    .request(reqwest::Method::GET, "s", server.url(), "/stock")
                    .operation("getStock", "/stock")
                    .query("api_key", "q-s3cret")
                    .header("x-token", "h-s3cret")
                    .send("checkStock")
                    .await
                    .map(|_| ())
            }),
        )
        .await
        .unwrap();
        // A step a `retry` action reran: its second span says so.
        arazzo_runtime::__private::deadline::workflow(
            &client,
            "waitForStock",
            Box::pin(async {
                let mut steps = arazzo_runtime::__private::steps::Steps::new(["poll"], 10);
                while steps.step()?.is_some() {
                    let response = client
                        .request(reqwest::Method::GET, "s", server.url(), "/busy")
                        .send("poll")
                        .await?;
                    if response.status() != 200 && steps.retry(&response, 1, 0.0, None).await {
                        continue;
                    }
                    steps.succeeded().advance();
                }
                Ok::<_, arazzo_runtime::WorkflowError>(())
            }),
        )
        .await
        .unwrap();
        // A goto, an end and a criterion that does not hold each leave an event.
        let failed = arazzo_runtime::__private::deadline::workflow(
            &client,
            "reroute",
            Box::pin(async {
                let mut steps =
                    arazzo_runtime::__private::steps::Steps::new(["first", "second"], 10);
                while let Some(step) = steps.step()? {
                    if step == 0 {
                        steps.goto(1);
                        continue;
                    }
                    let response = client
                        .request(reqwest::Method::GET, "s", server.url(), "/stock")
                        .send("second")
                        .await?;
                    if response.status() != 201 {
                        steps.end();
                        return Err(response.criteria_failed("$statusCode == 201"));
                    }
                }
                Ok::<_, arazzo_runtime::WorkflowError>(())
            }),
        )
        .await;
        assert!(failed.is_err());
        arazzo_runtime::__private::timeout::within("slow", 10, async {
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
            Ok(())
        })
        .await
        .unwrap_err();

        let out = captured.text();
        assert!(out.contains("arazzo.workflow"), "{out}");
        assert!(out.contains("placeOrder"), "{out}");
        assert!(out.contains("arazzo.step"), "{out}");
        assert!(out.contains("checkStock"), "{out}");
        assert!(
            out.contains("method=\"GET\"") || out.contains("method=GET"),
            "{out}"
        );
        assert!(out.contains("status=200"), "{out}");
        assert!(
            out.contains("path=\"/stock\"") || out.contains("path=/stock"),
            "{out}"
        );
        assert!(out.contains("operation=\"getStock\""), "{out}");
        assert!(out.contains("latency_ms="), "{out}");
        assert!(out.contains("attempt=1"), "{out}");
        let polls: Vec<&str> = out
            .lines()
            .filter(|l| l.contains("step=\"poll\""))
            .collect();
        assert!(
            polls
                .iter()
                .any(|l| l.contains("attempt=2") && l.contains("status=200")),
            "{out}"
        );
        assert!(
            out.contains("timed out") && out.contains("after_ms=10"),
            "{out}"
        );
        assert!(
            out.lines().any(|l| l.contains("goto")
                && l.contains("step=\"first\"")
                && l.contains("to=\"second\"")),
            "{out}"
        );
        assert!(
            out.lines()
                .any(|l| l.contains(" end") && l.contains("step=\"second\"")),
            "{out}"
        );
        assert!(
            out.lines().any(|l| l.contains("success criteria not met")
                && l.contains("criterion=\"$statusCode == 201\"")
                && l.contains("status=200")),
            "{out}"
        );
        assert!(!out.contains("s3cret"), "{out}");
    }
}
