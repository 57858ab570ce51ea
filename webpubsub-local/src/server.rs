//! The accept loop: HTTP/1.1 connections served by hyper with a header-read timeout and a
//! connection limit. `axum::serve` has neither knob, hence this loop.
//!
//! At the limit, a new connection displaces the oldest connection that has not sent a request
//! yet, so a crowd of idle sockets cannot lock real clients out; only when every connection is
//! in use does the newcomer get a 503.

use axum::Router;
use axum::extract::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::task::{AbortHandle, JoinSet};
use tower_service::Service as _;

/// How long a refused connection gets to take its 503.
const REFUSAL_WRITE: Duration = Duration::from_secs(1);
/// Refusals written at once; past that a refused socket is just closed.
const REFUSALS_IN_FLIGHT: usize = 64;
/// Pause after a failed accept (e.g. out of descriptors) so the loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(20);
/// How long shutdown waits for in-flight HTTP requests.
const DRAIN: Duration = Duration::from_secs(5);

/// Counts open connections against the limit.
pub(crate) struct Gate {
    max: usize,
    state: Mutex<GateState>,
}

#[derive(Default)]
struct GateState {
    next_id: u64,
    /// Connections that have not sent a request yet, oldest first (ids grow); the handle is
    /// set once the serving task exists.
    waiting: BTreeMap<u64, Option<AbortHandle>>,
    /// Connections that have sent a request (HTTP keep-alive or WebSocket).
    working: HashSet<u64>,
}

impl Gate {
    pub(crate) fn new(max: usize) -> Arc<Gate> {
        Arc::new(Gate {
            max: max.max(1),
            state: Mutex::default(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, GateState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A slot for a new connection, displacing the oldest waiting one at the limit; `None`
    /// when every slot is working.
    fn admit(self: &Arc<Self>) -> Option<Arc<Slot>> {
        let mut s = self.lock();
        if s.waiting.len() + s.working.len() >= self.max {
            let Some((_, handle)) = s.waiting.pop_first() else {
                tracing::warn!(
                    max = self.max,
                    "connection refused: at the connection limit"
                );
                return None;
            };
            tracing::debug!("an idle connection made way for a new one (connection limit)");
            if let Some(h) = handle {
                h.abort();
            }
        }
        let id = s.next_id;
        s.next_id += 1;
        s.waiting.insert(id, None);
        Some(Arc::new(Slot {
            gate: Arc::clone(self),
            id,
        }))
    }

    fn set_handle(&self, id: u64, handle: AbortHandle) {
        if let Some(h) = self.lock().waiting.get_mut(&id) {
            *h = Some(handle);
        }
    }

    fn working(&self, id: u64) {
        let mut s = self.lock();
        if s.waiting.remove(&id).is_some() {
            s.working.insert(id);
        }
    }

    fn release(&self, id: u64) {
        let mut s = self.lock();
        s.waiting.remove(&id);
        s.working.remove(&id);
    }

    /// Open connections now.
    pub(crate) fn open(&self) -> usize {
        let s = self.lock();
        s.waiting.len() + s.working.len()
    }
}

/// One connection's place under the limit, held by its HTTP task and, after an upgrade, by
/// its WebSocket; freed when the last holder drops it.
pub(crate) struct Slot {
    gate: Arc<Gate>,
    id: u64,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.gate.release(self.id);
    }
}

/// Serves `router` on `listener` until `stop` turns true, then lets in-flight requests finish
/// (at most [`DRAIN`]).
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    gate: Arc<Gate>,
    header_read_timeout: Duration,
    mut stop: watch::Receiver<bool>,
) {
    let refusals = Arc::new(Semaphore::new(REFUSALS_IN_FLIGHT));
    let mut tasks = JoinSet::new();
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = stop.wait_for(|s| *s) => break,
        };
        while tasks.try_join_next().is_some() {}
        let Ok((stream, _)) = accepted else {
            tokio::time::sleep(ACCEPT_BACKOFF).await;
            continue;
        };
        let Some(slot) = gate.admit() else {
            if let Ok(permit) = Arc::clone(&refusals).try_acquire_owned() {
                tasks.spawn(async move {
                    refuse(stream).await;
                    drop(permit);
                });
            }
            continue;
        };
        let id = slot.id;
        let handle = tasks.spawn(connection(
            stream,
            router.clone(),
            slot,
            header_read_timeout,
            stop.clone(),
        ));
        gate.set_handle(id, handle);
    }
    let _ = tokio::time::timeout(DRAIN, async { while tasks.join_next().await.is_some() {} }).await;
    tasks.abort_all();
}

/// Serves one connection; its slot travels into each request so a WebSocket keeps it.
async fn connection(
    stream: TcpStream,
    router: Router,
    slot: Arc<Slot>,
    header_read_timeout: Duration,
    mut stop: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let service_slot = Arc::clone(&slot);
    let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
        service_slot.gate.working(service_slot.id);
        request.extensions_mut().insert(Arc::clone(&service_slot));
        let mut router = router.clone();
        async move { router.call(request.map(axum::body::Body::new)).await }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout);
    let conn = builder
        .serve_connection(TokioIo::new(stream), service)
        .with_upgrades();
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => return,
        _ = stop.wait_for(|s| *s) => conn.as_mut().graceful_shutdown(),
    }
    let _ = conn.await;
    drop(slot);
}

/// Tells a connection over the limit why it is closed.
async fn refuse(mut stream: TcpStream) {
    let body = r#"{"code":"ServiceUnavailable","message":"too many connections: the service is at its connection limit","target":null,"details":[],"inner":{"code":"ServiceUnavailable"}}"#;
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nx-ms-error-code: ServiceUnavailable\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let _ = tokio::time::timeout(REFUSAL_WRITE, async {
        let _ = stream.write_all(response.as_bytes()).await;
        let _ = stream.shutdown().await;
    })
    .await;
}
