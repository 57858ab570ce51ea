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
//!
//! Replies can also be late ([`Reply::delay`]), slow or stalled part-way
//! ([`Reply::body_parts`]), larger than a client's limit ([`Reply::body_repeated`]),
//! redirects ([`Reply::redirect`]), or computed from the request
//! ([`TestServerBuilder::on_request`]), so timeouts, limits and redirect rules can be tested
//! too. The server speaks correct HTTP/1.1 only; a test of a misbehaving peer (a malformed
//! head, a body shorter than its declared length) needs a raw socket.

use std::collections::{BTreeMap, VecDeque};
use std::convert::Infallible;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, Limited, StreamBody};
use hyper::body::Frame;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// The largest request body the server records (larger ones are answered 413).
const MAX_RECORDED_BODY: usize = 16 << 20;

/// One scripted answer: a status, headers and a body, optionally late or slow (to test
/// timeouts) or large (to test size limits).
#[derive(Clone, Debug)]
pub struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Body,
    delay: Duration,
}

/// How a reply's body is sent.
#[derive(Clone, Debug)]
enum Body {
    /// At once, with its length.
    Full(Bytes),
    /// Chunked, a part at a time, waiting `interval` before each part after the first.
    Parts {
        parts: Vec<Bytes>,
        interval: Duration,
    },
    /// Chunked, `part` `times` times.
    Repeated { part: Bytes, times: u64 },
}

impl Reply {
    /// A status with an empty body.
    pub fn status(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Body::Full(Bytes::new()),
            delay: Duration::ZERO,
        }
    }

    /// A redirect: `status` (301, 302, 303, 307, 308) with `Location: location`.
    pub fn redirect(status: u16, location: impl Into<String>) -> Self {
        Self::status(status).header("location", location)
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
        self.body = Body::Full(body.into());
        self
    }

    /// Sends the body in `parts` (chunked), waiting `interval` before each part after the
    /// first: a slow body, or with a long interval one that stalls part-way.
    #[must_use]
    pub fn body_parts<P: Into<Bytes>>(
        mut self,
        parts: impl IntoIterator<Item = P>,
        interval: Duration,
    ) -> Self {
        self.body = Body::Parts {
            parts: parts.into_iter().map(Into::into).collect(),
            interval,
        };
        self
    }

    /// Sends `part` `times` times as the body (chunked), without holding it all: a body
    /// larger than a client's limit (`u64::MAX` times is one that never ends).
    #[must_use]
    pub fn body_repeated(mut self, part: impl Into<Bytes>, times: u64) -> Self {
        self.body = Body::Repeated {
            part: part.into(),
            times,
        };
        self
    }

    /// Waits `delay` before answering at all (a slow or, with a long delay, silent server).
    #[must_use]
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

/// What answers one route.
#[derive(Clone)]
enum Script {
    /// Replies in turn, the last one repeating.
    Replies(VecDeque<Reply>),
    /// A reply computed from the request.
    Computed(Arc<dyn Fn(&Recorded) -> Reply + Send + Sync>),
}

impl fmt::Debug for Script {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Replies(replies) => f.debug_tuple("Replies").field(replies).finish(),
            Self::Computed(_) => f.write_str("Computed(..)"),
        }
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
    routes: BTreeMap<(String, String), Script>,
}

impl TestServerBuilder {
    /// Answers `method` on `path` (exact, without the query) with `reply`. Several replies
    /// for one route are given in turn; the last one repeats.
    #[must_use]
    pub fn on(mut self, method: &str, path: &str, reply: Reply) -> Self {
        let script = self
            .routes
            .entry((method.to_ascii_uppercase(), path.to_owned()))
            .or_insert_with(|| Script::Replies(VecDeque::new()));
        match script {
            Script::Replies(replies) => replies.push_back(reply),
            Script::Computed(_) => *script = Script::Replies(VecDeque::from([reply])),
        }
        self
    }

    /// Answers `method` on `path` with what `reply` computes from each request (to echo a
    /// header or a body field back, say). Replaces replies scripted for the route before.
    #[must_use]
    pub fn on_request(
        mut self,
        method: &str,
        path: &str,
        reply: impl Fn(&Recorded) -> Reply + Send + Sync + 'static,
    ) -> Self {
        self.routes.insert(
            (method.to_ascii_uppercase(), path.to_owned()),
            Script::Computed(Arc::new(reply)),
        );
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
    routes: Mutex<BTreeMap<(String, String), Script>>,
    recorded: Mutex<Vec<Recorded>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing panics while holding these locks; a poisoned one still holds consistent data.
    mutex.lock().unwrap_or_else(|poison| poison.into_inner())
}

impl State {
    async fn answer(&self, request: hyper::Request<Incoming>) -> hyper::Response<ReplyBody> {
        let (parts, body) = request.into_parts();
        let method = parts.method.as_str().to_owned();
        let path = parts.uri.path().to_owned();
        let body = match Limited::new(body, MAX_RECORDED_BODY).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(_) => return plain(413, "request body too large or unreadable".to_owned()),
        };
        let recorded = Recorded {
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
        };
        let script = lock(&self.routes)
            .get_mut(&(method.clone(), path.clone()))
            .and_then(|script| match script {
                Script::Replies(queue) if queue.len() > 1 => queue.pop_front().map(Ok),
                Script::Replies(queue) => queue.front().cloned().map(Ok),
                Script::Computed(reply) => Some(Err(Arc::clone(reply))),
            });
        // Computed outside the lock: the user's function may take its time.
        let reply = script.map(|script| script.unwrap_or_else(|compute| compute(&recorded)));
        lock(&self.recorded).push(recorded);
        let Some(reply) = reply else {
            return plain(404, format!("no scripted reply for {method} {path}"));
        };
        if !reply.delay.is_zero() {
            tokio::time::sleep(reply.delay).await;
        }
        let mut response = hyper::Response::new(reply.body.into_body());
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

/// The body type of every answer.
type ReplyBody = BoxBody<Bytes, Infallible>;

impl Body {
    fn into_body(self) -> ReplyBody {
        match self {
            Body::Full(bytes) => Full::new(bytes).boxed(),
            Body::Parts { parts, interval } => {
                let parts = parts.into_iter().enumerate().map(Ok::<_, Infallible>);
                let stream = futures_util::stream::iter(parts).then(move |part| async move {
                    let (i, bytes) = part?;
                    if i > 0 && !interval.is_zero() {
                        tokio::time::sleep(interval).await;
                    }
                    Ok(Frame::data(bytes))
                });
                BodyExt::boxed(StreamBody::new(stream))
            }
            Body::Repeated { part, times } => {
                let stream = futures_util::stream::repeat(part)
                    .take(usize::try_from(times).unwrap_or(usize::MAX))
                    .map(|bytes| Ok::<_, Infallible>(Frame::data(bytes)));
                BodyExt::boxed(StreamBody::new(stream))
            }
        }
    }
}

fn plain(status: u16, text: String) -> hyper::Response<ReplyBody> {
    let mut response = hyper::Response::new(Full::new(Bytes::from(text)).boxed());
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

    #[tokio::test]
    async fn late_slow_large_and_computed_replies() {
        let tick = Duration::from_millis(60);
        let server = TestServer::builder()
            .on(
                "GET",
                "/slow",
                Reply::status(200)
                    .delay(tick)
                    .body_parts(["a", "b", "c"], tick),
            )
            .on("GET", "/big", Reply::status(200).body_repeated("xy", 1000))
            .on_request("POST", "/echo", |request| {
                Reply::status(200).body(request.body.clone())
            })
            .start()
            .await
            .unwrap();
        let client = Client::builder().build().unwrap();
        let get = |path: &'static str| {
            client
                .request(reqwest::Method::GET, "t", server.url(), path)
                .send("get")
        };
        let started = std::time::Instant::now();
        assert_eq!(get("/slow").await.unwrap().body_text(), "abc");
        assert!(started.elapsed() >= tick * 3, "{:?}", started.elapsed());
        assert_eq!(get("/big").await.unwrap().body_bytes().len(), 2000);
        let echoed = client
            .request(reqwest::Method::POST, "t", server.url(), "/echo")
            .text_body("text/plain", "ping")
            .send("echo")
            .await
            .unwrap();
        assert_eq!(echoed.body_text(), "ping");
        assert_eq!(server.requests().len(), 3);
    }
}
