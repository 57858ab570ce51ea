//! A scripted, recording HTTP server on 127.0.0.1 for testing your workflows (feature
//! `testing`): point a source's base URL at it, script what each operation answers, run the
//! workflow, then look at what it sent.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use arazzo_runtime::testing::{Reply, TestServer};
//!
//! let server = TestServer::builder()
//!     .on("POST", "/api/hubs/chat/:generateToken", Reply::json(200, r#"{"token":"t"}"#))
//!     .on("POST", "/api/hubs/chat/:send", Reply::status(202))
//!     .start()
//!     .await?;
//! let client = arazzo_runtime::Client::builder()
//!     .base_url("webPubSub", server.url())
//!     .build()?;
//! // ... run a generated workflow with `client` ...
//! let sent = server.requests();
//! assert_eq!(sent[0].method, "POST");
//! # Ok(()) }
//! ```

use std::collections::{BTreeMap, VecDeque};
use std::convert::Infallible;
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// The largest request body the server records (larger ones are answered 413).
const MAX_RECORDED_BODY: usize = 16 << 20;

/// One scripted answer.
#[derive(Clone, Debug)]
pub struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Bytes,
}

impl Reply {
    /// A status with an empty body.
    pub fn status(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }

    /// A status with a JSON body (`Content-Type: application/json`).
    pub fn json(status: u16, body: impl Into<String>) -> Self {
        Self::status(status)
            .header("content-type", "application/json")
            .body(body.into())
    }

    /// Adds a response header.
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the body.
    #[must_use]
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }
}

/// A request the server received, as it came (header names lowercase).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    /// `GET`, `POST`...
    pub method: String,
    /// The path, still percent-encoded.
    pub path: String,
    /// The raw query, if any.
    pub query: Option<String>,
    /// Every header, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Bytes,
}

impl Recorded {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// Scripts a [`TestServer`].
#[derive(Default, Debug)]
pub struct TestServerBuilder {
    routes: BTreeMap<(String, String), VecDeque<Reply>>,
}

impl TestServerBuilder {
    /// Answers `method` on `path` (exact, without the query) with `reply`. Several replies
    /// for one route are given in turn; the last one repeats.
    #[must_use]
    pub fn on(mut self, method: &str, path: &str, reply: Reply) -> Self {
        self.routes
            .entry((method.to_ascii_uppercase(), path.to_owned()))
            .or_default()
            .push_back(reply);
        self
    }

    /// Starts the server on an ephemeral port of 127.0.0.1. A request no route matches is
    /// answered 404 with a body naming the method and path (and recorded all the same).
    pub async fn start(self) -> std::io::Result<TestServer> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let state = Arc::new(State {
            routes: Mutex::new(self.routes),
            recorded: Mutex::new(Vec::new()),
        });
        let shared = Arc::clone(&state);
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let state = Arc::clone(&shared);
                tokio::spawn(async move {
                    let service = service_fn(move |request| {
                        let state = Arc::clone(&state);
                        async move { Ok::<_, Infallible>(state.answer(request).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(socket), service)
                        .await;
                });
            }
        });
        Ok(TestServer { url, state, task })
    }
}

/// A running scripted server; it stops when dropped.
#[derive(Debug)]
pub struct TestServer {
    url: String,
    state: Arc<State>,
    task: JoinHandle<()>,
}

impl TestServer {
    /// Starts scripting a server.
    pub fn builder() -> TestServerBuilder {
        TestServerBuilder::default()
    }

    /// `http://127.0.0.1:<port>`, for [`ClientBuilder::base_url`](crate::ClientBuilder::base_url).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.state.recorded).clone()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[derive(Debug)]
struct State {
    routes: Mutex<BTreeMap<(String, String), VecDeque<Reply>>>,
    recorded: Mutex<Vec<Recorded>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing panics while holding these locks; a poisoned one still holds consistent data.
    mutex.lock().unwrap_or_else(|poison| poison.into_inner())
}

impl State {
    async fn answer(&self, request: hyper::Request<Incoming>) -> hyper::Response<Full<Bytes>> {
        let (parts, body) = request.into_parts();
        let method = parts.method.as_str().to_owned();
        let path = parts.uri.path().to_owned();
        let body = match Limited::new(body, MAX_RECORDED_BODY).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(_) => return plain(413, "request body too large or unreadable".to_owned()),
        };
        lock(&self.recorded).push(Recorded {
            method: method.clone(),
            path: path.clone(),
            query: parts.uri.query().map(str::to_owned),
            headers: parts
                .headers
                .iter()
                .map(|(n, v)| {
                    (
                        n.as_str().to_owned(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body,
        });
        let reply = {
            let mut routes = lock(&self.routes);
            routes
                .get_mut(&(method.clone(), path.clone()))
                .and_then(|queue| {
                    if queue.len() > 1 {
                        queue.pop_front()
                    } else {
                        queue.front().cloned()
                    }
                })
        };
        let Some(reply) = reply else {
            return plain(404, format!("no scripted reply for {method} {path}"));
        };
        let mut response = hyper::Response::new(Full::new(reply.body));
        *response.status_mut() =
            hyper::StatusCode::from_u16(reply.status).unwrap_or(hyper::StatusCode::OK);
        for (name, value) in reply.headers {
            if let (Ok(name), Ok(value)) = (
                hyper::header::HeaderName::from_bytes(name.as_bytes()),
                hyper::header::HeaderValue::from_str(&value),
            ) {
                response.headers_mut().append(name, value);
            }
        }
        response
    }
}

fn plain(status: u16, text: String) -> hyper::Response<Full<Bytes>> {
    let mut response = hyper::Response::new(Full::new(Bytes::from(text)));
    *response.status_mut() =
        hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Client;

    #[tokio::test]
    async fn scripted_replies_in_turn_and_every_request_recorded() {
        let server = TestServer::builder()
            .on("POST", "/orders", Reply::json(201, r#"{"id":1}"#))
            .on(
                "GET",
                "/orders/1",
                Reply::status(503).header("retry-after", "0"),
            )
            .on("GET", "/orders/1", Reply::json(200, r#"{"state":"open"}"#))
            .start()
            .await
            .unwrap();
        let client = Client::builder().build().unwrap();
        let created = client
            .request(reqwest::Method::POST, "shop", server.url(), "/orders")
            .query("dry", "no")
            .json_body("application/json", &serde_json::json!({"sku": "a"}))
            .send("create")
            .await
            .unwrap();
        assert_eq!(created.status(), 201);
        let mut statuses = Vec::new();
        for _ in 0..3 {
            let got = client
                .request(reqwest::Method::GET, "shop", server.url(), "/orders/1")
                .send("get")
                .await
                .unwrap();
            statuses.push(got.status());
        }
        assert_eq!(statuses, [503, 200, 200], "in turn, the last repeating");
        let missing = client
            .request(reqwest::Method::DELETE, "shop", server.url(), "/orders/1")
            .send("delete")
            .await
            .unwrap();
        assert_eq!(missing.status(), 404);
        assert_eq!(
            missing.body_text(),
            "no scripted reply for DELETE /orders/1"
        );

        let sent = server.requests();
        assert_eq!(sent.len(), 5);
        assert_eq!(sent[0].method, "POST");
        assert_eq!(sent[0].query.as_deref(), Some("dry=no"));
        assert_eq!(sent[0].header("Content-Type"), Some("application/json"));
        assert_eq!(sent[0].json(), Some(serde_json::json!({"sku": "a"})));
    }
}
