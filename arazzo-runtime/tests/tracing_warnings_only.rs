//! A subscriber that takes warnings only still hears of a failed step, though nothing listens
//! to the step's span (the runtime then skips the span and its clock). Alone in its test
//! binary, as `tracing_spans.rs` is: tracing caches per call site whether anyone listens.

/// Shows up as ignored, rather than vanishing, when the feature is off.
#[cfg(not(feature = "tracing"))]
#[test]
#[ignore = "needs the default `tracing` feature"]
fn warnings_need_the_tracing_feature() {}

#[cfg(feature = "tracing")]
mod support;

#[cfg(feature = "tracing")]
mod warnings {
    use arazzo_runtime::Client;

    use crate::support::Captured;

    #[tokio::test(flavor = "current_thread")]
    async fn a_failed_step_is_a_warning_naming_it_without_its_span() {
        // A port nothing listens on: the request fails to connect.
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", closed.local_addr().unwrap());
        drop(closed);

        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_max_level(tracing::Level::WARN)
            .with_ansi(false)
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);

        let client = Client::builder().build().unwrap();
        let failed = arazzo_runtime::__private::deadline::workflow(
            &client,
            "placeOrder",
            Box::pin(async {
                client
                    .request(reqwest::Method::GET, "s", &url, "/stock")
                    .send("checkStock")
                    .await
                    .map(|_| ())
            }),
        )
        .await;
        assert!(failed.is_err());

        let out = captured.text();
        assert!(out.contains("WARN"), "{out}");
        assert!(out.contains("step failed"), "{out}");
        assert!(out.contains("checkStock"), "{out}");
        // Info spans are off: no workflow or step span reached the subscriber.
        assert!(!out.contains("arazzo.step"), "{out}");
        assert!(!out.contains("arazzo.workflow"), "{out}");
    }
}
