//! A client built from a `reqwest_middleware` stack (feature `middleware`), against a real
//! server on 127.0.0.1: the middleware sees each step's request after the runtime's
//! credentials, may change it (the server gets the change), sees the response, and its own
//! error fails the step without leaking the query or a credential.

#[cfg(feature = "middleware")]
mod with_middleware {
    use std::sync::{Arc, Mutex};

    use arazzo_runtime::reqwest_middleware::{self, ClientWithMiddleware, Middleware, Next};
    use arazzo_runtime::testing::{Reply, TestServer};
    use arazzo_runtime::{Client, Credential, SchemeKind, WorkflowError};
    use futures_util::future::BoxFuture;
    use hyper::http::Extensions;
    use reqwest::{Request, Response};

    type Handler = dyn for<'a> Fn(
            Request,
            &'a mut Extensions,
            Next<'a>,
        ) -> BoxFuture<'a, reqwest_middleware::Result<Response>>
        + Send
        + Sync;

    /// A middleware from a function (reqwest_middleware implements `Middleware` for these).
    fn middleware(handler: Box<Handler>) -> Arc<dyn Middleware> {
        Arc::new(handler)
    }

    /// Stamps a header on every request and records what it saw going out and coming back.
    fn stamp(seen: Arc<Mutex<Vec<String>>>) -> Arc<dyn Middleware> {
        middleware(Box::new(move |mut request, extensions, next| {
            let authorization = request
                .headers()
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("none")
                .to_owned();
            request
                .headers_mut()
                .insert("x-stamped-by", "middleware".parse().unwrap());
            let seen = Arc::clone(&seen);
            Box::pin(async move {
                let response = next.run(request, extensions).await?;
                seen.lock()
                    .unwrap()
                    .push(format!("{authorization} -> {}", response.status()));
                Ok(response)
            })
        }))
    }

    /// A middleware that refuses, quoting the URL it was given (as a careless one might).
    fn refuse() -> Arc<dyn Middleware> {
        middleware(Box::new(|request, _, _| {
            let url = request.url().to_string();
            Box::pin(async move {
                Err(reqwest_middleware::Error::middleware(
                    std::io::Error::other(format!("refused {url}")),
                ))
            })
        }))
    }

    const BEARER: &[&[(&str, SchemeKind)]] = &[&[("auth", SchemeKind::Bearer)]];

    #[tokio::test]
    async fn a_middleware_sees_and_changes_each_request() {
        let server = TestServer::builder()
            .on("GET", "/pets/1", Reply::json(200, r#"{"name":"Rex"}"#))
            .start()
            .await
            .unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        arazzo_runtime::install_crypto_provider();
        let stack = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
            .with_arc(stamp(Arc::clone(&seen)))
            .build();
        let client = Client::builder()
            .middleware_client(stack)
            .credential("auth", Credential::Bearer("t0ken".into()))
            .build()
            .unwrap();
        let response = client
            .request(reqwest::Method::GET, "pets", server.url(), "/pets/1")
            .security(BEARER)
            .send("getPet")
            .await
            .unwrap();
        assert_eq!(response.body_pointer::<String>("/name").unwrap(), "Rex");
        assert_eq!(*seen.lock().unwrap(), ["Bearer t0ken -> 200 OK"]);
        let sent = server.requests();
        assert_eq!(sent[0].header("x-stamped-by"), Some("middleware"));
        assert_eq!(sent[0].header("authorization"), Some("Bearer t0ken"));
    }

    #[tokio::test]
    async fn a_middleware_error_fails_the_step_without_secrets() {
        let server = TestServer::builder().start().await.unwrap();
        arazzo_runtime::install_crypto_provider();
        let stack = ClientWithMiddleware::new(reqwest::Client::new(), vec![refuse()]);
        let client = Client::builder()
            .middleware_client(stack)
            .credential("auth", Credential::Bearer("t0ken-s3cret".into()))
            .build()
            .unwrap();
        let err = client
            .request(reqwest::Method::GET, "pets", server.url(), "/pets")
            .query("api_key", "q-s3cret")
            .security(BEARER)
            .send("listPets")
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                WorkflowError::Middleware {
                    step: "listPets",
                    ..
                }
            ),
            "{err:?}"
        );
        let shown = err.to_string();
        assert!(
            shown.starts_with("step `listPets`: a middleware failed the request: refused "),
            "{shown}"
        );
        assert!(shown.contains("/pets?***"), "{shown}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(
            server.requests().is_empty(),
            "the stack stopped the request"
        );
    }
}

/// Shows up as ignored, rather than vanishing, when the feature is off.
#[cfg(not(feature = "middleware"))]
#[test]
#[ignore = "needs the `middleware` feature (the crate's dev-dependency on itself enables it)"]
fn middleware_tests_need_the_feature() {}
