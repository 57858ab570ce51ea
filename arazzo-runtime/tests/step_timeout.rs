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

mod deadline {
    use std::time::Duration;

    use arazzo_runtime::__private::deadline::run;
    use arazzo_runtime::{Client, WorkflowError};
    use tokio::io::AsyncReadExt;
    use tokio::net::TcpListener;

    /// A server that accepts and reads requests and never answers; returns its URL.
    async fn silent() -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut buf = [0u8; 1024];
                    while socket.read(&mut buf).await.is_ok_and(|n| n > 0) {}
                });
            }
        });
        url
    }

    #[tokio::test]
    async fn the_workflow_deadline_names_the_running_step_and_nested_calls_share_it() {
        let url = silent().await;
        let client = Client::builder()
            .workflow_deadline(Duration::from_millis(300))
            .build()
            .unwrap();
        let err = run(&client, "outer", async {
            // A nested workflow does not restart the clock.
            run(&client, "inner", async {
                tokio::time::sleep(Duration::from_millis(200)).await;
                Ok::<_, WorkflowError>(())
            })
            .await?;
            client
                .request(reqwest::Method::GET, "s", &url, "/hang")
                .send("hang")
                .await
                .map(|_| ())
        })
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

        let before_any_step = run(&client, "idle", async {
            tokio::time::sleep(Duration::from_secs(30)).await;
            Ok::<_, WorkflowError>(())
        })
        .await
        .unwrap_err();
        assert_eq!(before_any_step.step(), "idle");

        let free = Client::builder().build().unwrap();
        assert_eq!(
            run(&free, "quick", async { Ok::<_, WorkflowError>(5) })
                .await
                .ok(),
            Some(5)
        );
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
