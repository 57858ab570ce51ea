//! The end-to-end tests' HTTP server is `arazzo_runtime::testing::TestServer` (the one users get
//! with feature `testing`). This module is the tests' view of it: a request as the tests assert
//! it (the request target with its percent-encoding intact, a header that must have been sent at
//! most once, no chunked bodies), a handler shared by several routes, and JSON/text/XML replies
//! from values. Shared by the test crates that `mod support;` it; each uses only part of it.
#![allow(dead_code)]

use std::sync::Arc;

pub(crate) use arazzo_runtime::testing::{Reply, TestServer, TestServerBuilder};

/// One request as it arrived.
#[derive(Debug, Clone)]
pub(crate) struct Recorded {
    pub(crate) method: String,
    /// The request target exactly as sent: path and query, still percent-encoded.
    pub(crate) target: String,
    /// Header names lower-cased (values of one name together).
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Recorded {
    fn from_server(r: &arazzo_runtime::testing::Recorded) -> Self {
        let target = match &r.query {
            Some(query) => format!("{}?{query}", r.path),
            None => r.path.clone(),
        };
        Self {
            method: r.method.clone(),
            target,
            headers: r.headers.clone(),
            body: r.body.to_vec(),
        }
    }

    pub(crate) fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }

    /// The body as JSON; fails the test if it is not.
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    /// `GET /items/a1`: method and target, as the tests list calls.
    pub(crate) fn call(&self) -> String {
        format!("{} {}", self.method, self.target)
    }

    /// The single value of header `name`; fails the test if it was sent more than once.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        let values: Vec<&str> = self
            .headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect();
        assert!(
            values.len() <= 1,
            "header {name} sent {} times",
            values.len()
        );
        values.first().copied()
    }
}

/// A JSON reply from a value.
pub(crate) fn json_reply(status: u16, body: serde_json::Value) -> Reply {
    Reply::json(status, body.to_string())
}

/// A `text/plain; charset=utf-8` reply.
pub(crate) fn text_reply(status: u16, body: &str) -> Reply {
    Reply::status(status)
        .header("content-type", "text/plain; charset=utf-8")
        .body(body.to_owned())
}

/// An `application/xml` reply.
pub(crate) fn xml_reply(status: u16, body: &str) -> Reply {
    Reply::status(status)
        .header("content-type", "application/xml")
        .body(body.to_owned())
}

/// A running [`TestServer`]; it stops when dropped.
pub(crate) struct Server {
    pub(crate) url: String,
    inner: TestServer,
}

impl Server {
    /// Starts a scripted server.
    pub(crate) async fn start(script: TestServerBuilder) -> Self {
        let inner = script.start().await.unwrap();
        Self {
            url: inner.url().to_owned(),
            inner,
        }
    }

    /// Starts a server answering every route in `routes` (`"GET /pets/7"`: method and path,
    /// without the query) with what `handler` computes; any other request gets a 404.
    pub(crate) async fn routes(
        routes: &[&str],
        handler: impl Fn(&Recorded) -> Reply + Send + Sync + 'static,
    ) -> Self {
        let handler = Arc::new(handler);
        let script = routes.iter().fold(TestServer::builder(), |script, route| {
            let (method, path) = route.split_once(' ').unwrap();
            let handler = Arc::clone(&handler);
            script.on_request(method, path, move |r| handler(&Recorded::from_server(r)))
        });
        Self::start(script).await
    }

    /// Every request so far, in arrival order. Fails the test if one had a chunked body:
    /// the runtime sends every body with its length.
    pub(crate) fn requests(&self) -> Vec<Recorded> {
        let requests: Vec<Recorded> = self
            .inner
            .requests()
            .iter()
            .map(Recorded::from_server)
            .collect();
        for r in &requests {
            assert!(
                !r.headers.iter().any(|(n, _)| n == "transfer-encoding"),
                "{}: bodies are sent with a length",
                r.call()
            );
        }
        requests
    }

    /// Every request as `METHOD target`, in arrival order.
    pub(crate) fn calls(&self) -> Vec<String> {
        self.requests().iter().map(Recorded::call).collect()
    }
}
