//! Fan-out benchmark: `cargo bench -p webpubsub-local`.
//!
//! Starts the service, connects N raw WebSocket clients (N = 1, 10, 100, 1000), broadcasts M
//! text messages through REST `:send` over one keep-alive HTTP connection, and waits until
//! every client has every message. The same clients and broadcasts then run against the floor,
//! a minimal server on the same WebSocket stack that only fans the frame out; the two
//! alternate for a few rounds. Prints deliveries per second of both, their ratio, and the
//! median REST 202 latency of both.
//!
//! Then the same broadcast to 100 clients with a slow upstream event handler attached (an axum
//! app on 127.0.0.1 that takes 50 ms per event) while 10 more clients keep sending it frames,
//! against the same setup without a handler (the frames are then ignored): rounds alternate,
//! and the median ratio says whether upstream delivery holds up fan-out.

#[path = "../tests/common/mod.rs"]
mod common;

use common::*;
use futures_util::SinkExt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use webpubsub_local::{EventHandler, RunningService, Service, SystemEvent, UserEvents};

const MESSAGES: usize = 1000;
const CLIENT_COUNTS: [usize; 4] = [1, 10, 100, 1000];
/// Rounds per N by default; each round runs the service and then the floor.
const ROUNDS: usize = 3;
/// Longest one fan-out run may take (1000 clients on a loaded 2-core machine take seconds).
const DEADLINE: Duration = Duration::from_secs(120);

/// The read buffer of each server-side socket, the floor's as the service's (`READ_BUFFER` in
/// `src/client.rs`): tungstenite zero-fills it before every read, so a floor left at the 128 KiB
/// default would pay a cost the service does not and flatter the service.
const SERVER_READ_BUFFER: usize = 16 * 1024;

/// One keep-alive HTTP/1.1 connection for the broadcasts.
struct KeepAlive {
    stream: TcpStream,
    buffer: Vec<u8>,
}

impl KeepAlive {
    async fn post(&mut self, host: &str, path_and_query: &str, token: &str, body: &str) -> u16 {
        let request = format!(
            "POST {path_and_query} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        self.stream.write_all(request.as_bytes()).await.unwrap();
        loop {
            if let Some(end) = self.buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buffer[..end]).to_ascii_lowercase();
                let length: usize = head
                    .lines()
                    .find_map(|l| {
                        l.strip_prefix("content-length:")
                            .map(|v| v.trim().parse().unwrap())
                    })
                    .unwrap_or(0);
                if self.buffer.len() >= end + 4 + length {
                    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
                    self.buffer.drain(..end + 4 + length);
                    return status;
                }
            }
            let mut chunk = [0u8; 4096];
            let n = self.stream.read(&mut chunk).await.unwrap();
            assert!(n > 0, "the service closed the keep-alive connection");
            self.buffer.extend_from_slice(&chunk[..n]);
        }
    }
}

const SLOW_ROUNDS: usize = 9;
const CHATTERS: usize = 10;
const UPSTREAM_DELAY: Duration = Duration::from_millis(50);

/// An upstream app that answers every event after UPSTREAM_DELAY; returns its URL.
async fn slow_upstream() -> String {
    async fn answer(request: axum::extract::Request) -> axum::response::Response {
        use axum::response::IntoResponse;
        if request.method() == axum::http::Method::OPTIONS {
            return ([("WebHook-Allowed-Origin", "*")], "").into_response();
        }
        tokio::time::sleep(UPSTREAM_DELAY).await;
        axum::http::StatusCode::NO_CONTENT.into_response()
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/events", listener.local_addr().unwrap());
    let router = axum::Router::new().fallback(answer);
    tokio::spawn(async move { axum::serve(listener, router).await });
    url
}

async fn service_with(upstream: Option<&str>) -> RunningService {
    let mut builder = Service::builder().access_key(KEY);
    if let Some(url) = upstream {
        let handler = EventHandler::new(url)
            .unwrap()
            .user_events(UserEvents::All)
            .system_events([SystemEvent::Connected, SystemEvent::Disconnected]);
        builder = builder.event_handler("bench", handler);
    }
    builder
        .start_on("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

/// One fan-out run: deliveries/s and the REST 202 latencies.
struct Run {
    rate: f64,
    latencies: Vec<Duration>,
}

async fn run_service(clients: usize) -> Run {
    let service = start().await;
    let result = broadcast(&service, clients).await;
    service.shutdown().await;
    result
}

/// Deliveries/s of the broadcast to `clients` while CHATTERS other clients send frames (to the
/// upstream, when the hub has one).
async fn run_with_chatter(upstream: Option<&str>, clients: usize) -> f64 {
    let service = service_with(upstream).await;
    let token = client_token(&service, "bench", None, &[], &[]).await;
    let stop = Arc::new(AtomicBool::new(false));
    let mut chatters = Vec::new();
    for _ in 0..CHATTERS {
        let mut ws = connect_with(&service, "bench", &token, None).await.unwrap();
        let stop = Arc::clone(&stop);
        chatters.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                if ws
                    .send(Message::Text("to the upstream".into()))
                    .await
                    .is_err()
                {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }));
    }
    let rate = broadcast(&service, clients).await.rate;
    stop.store(true, Ordering::Relaxed);
    for c in chatters {
        c.abort();
    }
    service.shutdown().await;
    rate
}

/// Where the clients connect and the broadcasts go.
struct Target {
    ws_url: String,
    http: SocketAddr,
    path: String,
    token: String,
}

async fn broadcast(service: &RunningService, clients: usize) -> Run {
    fan_out(&service_target(service).await, clients).await
}

/// Where the service's clients connect and its broadcasts go (hub `bench`).
async fn service_target(service: &RunningService) -> Target {
    let hub = "bench";
    let token = client_token(service, hub, None, &[], &[]).await;
    let path = format!("/api/hubs/{hub}/:send?{API}");
    // One token serves every broadcast: they all address the same URL.
    let rest = rest_token(&format!("{}{path}", service.endpoint()));
    Target {
        ws_url: format!(
            "ws://127.0.0.1:{}/client/hubs/{hub}?access_token={token}",
            service.local_addr().port()
        ),
        http: service.local_addr(),
        path,
        token: rest,
    }
}

/// Connects `clients` raw WebSocket clients to `target`, POSTs MESSAGES texts over one
/// keep-alive connection and waits (bounded by DEADLINE) until every client has every message.
async fn fan_out(target: &Target, clients: usize) -> Run {
    // tungstenite zero-fills its whole read buffer (128 KiB by default) before every read:
    // for frames this small that memset was a fifth of the run's CPU, all of it client side,
    // which hid the servers' own cost. 4 KiB holds many of these frames.
    let client_config = WebSocketConfig::default().read_buffer_size(4096);
    let mut readers = Vec::with_capacity(clients);
    for _ in 0..clients {
        let (mut ws, _) = tokio::time::timeout(
            GUARD,
            tokio_tungstenite::connect_async_with_config(
                target.ws_url.as_str(),
                Some(client_config),
                false,
            ),
        )
        .await
        .expect("connected in time")
        .expect("connected");
        readers.push(tokio::spawn(async move {
            for i in 0..MESSAGES {
                let text = next_text(&mut ws).await;
                assert_eq!(text, format!("m{i}"), "lost or reordered");
            }
        }));
    }
    let host = format!("127.0.0.1:{}", target.http.port());
    let mut http = KeepAlive {
        stream: TcpStream::connect(target.http).await.unwrap(),
        buffer: Vec::new(),
    };
    let mut latencies = Vec::with_capacity(MESSAGES);
    let started = Instant::now();
    let deadline = started + DEADLINE;
    for i in 0..MESSAGES {
        let sent = Instant::now();
        let status = tokio::time::timeout_at(
            deadline.into(),
            http.post(&host, &target.path, &target.token, &format!("m{i}")),
        )
        .await
        .expect("the broadcasts finish within the deadline");
        latencies.push(sent.elapsed());
        assert_eq!(status, 202);
    }
    for reader in readers {
        tokio::time::timeout_at(deadline.into(), reader)
            .await
            .expect("every client has every message within the deadline")
            .unwrap();
    }
    let elapsed = started.elapsed().as_secs_f64();
    Run {
        rate: (clients * MESSAGES) as f64 / elapsed,
        latencies,
    }
}

/// The floor: the least a server on the service's own stack (axum's WebSocket over hyper and
/// tungstenite) does to fan a REST-triggered frame out. `POST /send` wraps the body in one
/// frame and queues a clone (a reference count) to every socket's writer, which batches
/// writes as the service's writer does; no auth, no hubs, no selection, no queue bounds.
/// Its sockets are set up as the service's: TCP_NODELAY and a [`SERVER_READ_BUFFER`] read
/// buffer.
async fn run_floor(clients: usize) -> Run {
    let (target, server) = start_floor().await;
    let result = fan_out(&target, clients).await;
    server.abort();
    result
}

/// Starts the floor; returns where to reach it and its task (abort it to stop).
async fn start_floor() -> (Target, tokio::task::JoinHandle<std::io::Result<()>>) {
    use axum::extract::State;
    use axum::extract::ws::{Message as WsMessage, Utf8Bytes, WebSocket, WebSocketUpgrade};
    use futures_util::StreamExt;
    use futures_util::stream::SplitSink;
    use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
    type Peers = Arc<Mutex<Vec<UnboundedSender<WsMessage>>>>;

    /// Reads until the client goes; a separate task writes (as in the service), so a wake
    /// for a queued frame does not also poll the socket for reading.
    async fn socket(socket: WebSocket, rx: UnboundedReceiver<WsMessage>) {
        let (sink, mut stream) = socket.split();
        let writer = tokio::spawn(write(sink, rx));
        while let Some(Ok(_)) = stream.next().await {}
        writer.abort();
    }
    async fn write(
        mut sink: SplitSink<WebSocket, WsMessage>,
        mut rx: UnboundedReceiver<WsMessage>,
    ) {
        while let Some(first) = rx.recv().await {
            let mut item = Some(first);
            let mut written = 0;
            while let Some(frame) = item.take() {
                if sink.feed(frame).await.is_err() {
                    return;
                }
                written += 1;
                if written < 64 {
                    item = rx.try_recv().ok();
                }
            }
            if sink.flush().await.is_err() {
                return;
            }
        }
    }
    /// Registers the peer before answering 101, as the service does, so a client that has
    /// connected misses no broadcast.
    async fn upgrade(State(peers): State<Peers>, ws: WebSocketUpgrade) -> axum::response::Response {
        let (tx, rx) = unbounded_channel();
        peers.lock().unwrap().push(tx);
        ws.read_buffer_size(SERVER_READ_BUFFER)
            .on_upgrade(move |ws| socket(ws, rx))
    }
    async fn send(State(peers): State<Peers>, body: String) -> axum::http::StatusCode {
        let frame = WsMessage::Text(Utf8Bytes::from(body));
        for peer in peers.lock().unwrap().iter() {
            let _ = peer.send(frame.clone());
        }
        axum::http::StatusCode::ACCEPTED
    }

    let peers: Peers = Arc::default();
    let router = axum::Router::new()
        .route("/ws", axum::routing::get(upgrade))
        .route("/send", axum::routing::post(send))
        .with_state(peers);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // The service's socket settings (src/server.rs sets TCP_NODELAY on every connection): with
    // Nagle's algorithm left on, the kernel coalesces the small frames of a burst into fewer
    // segments, which made this floor about a quarter faster than the same code with
    // TCP_NODELAY, a difference of settings rather than of work.
    let listener = {
        use axum::serve::ListenerExt;
        listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        })
    };
    let server = tokio::spawn(async move { axum::serve(listener, router).await });
    let target = Target {
        ws_url: format!("ws://{addr}/ws"),
        http: addr,
        path: "/send".into(),
        token: rest_token("unused"),
    };
    (target, server)
}

/// One side of the interleaved comparison: its clients (counting what they receive) and its
/// keep-alive REST connection.
struct Side {
    target: Target,
    host: String,
    http: KeepAlive,
    clients: usize,
    /// Messages every client has received, summed over clients.
    received: Arc<AtomicUsize>,
    /// Woken by the client whose message completes a window.
    done: Arc<tokio::sync::Notify>,
    /// The count that completes the current window.
    goal: Arc<AtomicUsize>,
    sent: usize,
    readers: Vec<tokio::task::JoinHandle<()>>,
}

impl Side {
    async fn connect(target: Target, clients: usize, total: usize) -> Side {
        let received = Arc::new(AtomicUsize::new(0));
        let done = Arc::new(tokio::sync::Notify::new());
        let goal = Arc::new(AtomicUsize::new(usize::MAX));
        let config = WebSocketConfig::default().read_buffer_size(4096);
        let mut readers = Vec::with_capacity(clients);
        for _ in 0..clients {
            let (mut ws, _) = tokio::time::timeout(
                GUARD,
                tokio_tungstenite::connect_async_with_config(
                    target.ws_url.as_str(),
                    Some(config),
                    false,
                ),
            )
            .await
            .expect("connected in time")
            .expect("connected");
            let (received, done, goal) = (received.clone(), done.clone(), goal.clone());
            readers.push(tokio::spawn(async move {
                for i in 0..total {
                    let text = next_text(&mut ws).await;
                    assert_eq!(text, format!("m{i}"), "lost or reordered");
                    if received.fetch_add(1, Ordering::AcqRel) + 1 == goal.load(Ordering::Acquire) {
                        done.notify_one();
                    }
                }
            }));
        }
        let host = format!("127.0.0.1:{}", target.http.port());
        let http = KeepAlive {
            stream: TcpStream::connect(target.http).await.unwrap(),
            buffer: Vec::new(),
        };
        Side {
            target,
            host,
            http,
            clients,
            received,
            done,
            goal,
            sent: 0,
            readers,
        }
    }

    /// Broadcasts `count` messages and waits until every client has them: the window's time.
    async fn window(&mut self, count: usize, latencies: &mut Vec<Duration>) -> Duration {
        let goal = (self.sent + count) * self.clients;
        self.goal.store(goal, Ordering::Release);
        let started = Instant::now();
        for _ in 0..count {
            let sent = Instant::now();
            let path = &self.target.path;
            let body = format!("m{}", self.sent);
            let status = tokio::time::timeout(
                DEADLINE,
                self.http.post(&self.host, path, &self.target.token, &body),
            )
            .await
            .expect("a broadcast within the deadline");
            assert_eq!(status, 202);
            latencies.push(sent.elapsed());
            self.sent += 1;
        }
        while self.received.load(Ordering::Acquire) < goal {
            // Re-checked every millisecond too: the last client may count before `goal` is read.
            let _ = tokio::time::timeout(Duration::from_millis(1), self.done.notified()).await;
            assert!(
                started.elapsed() < DEADLINE,
                "every client has the window's messages"
            );
        }
        started.elapsed()
    }
}

/// The service and the floor side by side, each with `clients` clients: they take turns in
/// windows of `per_window` broadcasts (waiting until every client has them), so a burst of
/// other load on the machine hits both sides' windows alike. Prints the median ratio of the
/// rounds (a window of each side) with its IQR and range, and both REST 202 p50s.
async fn interleaved(clients: usize, rounds: usize, per_window: usize) {
    let total = rounds * per_window;
    let service = start().await;
    let (floor_target, floor_server) = start_floor().await;
    let mut sides = [
        Side::connect(service_target(&service).await, clients, total).await,
        Side::connect(floor_target, clients, total).await,
    ];
    let mut latencies = [Vec::new(), Vec::new()];
    let mut ratios = Vec::with_capacity(rounds);
    let mut busy = [Duration::ZERO; 2];
    for round in 0..rounds {
        // Which side goes first alternates, so neither always follows the other's tail.
        let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
        let mut took = [Duration::ZERO; 2];
        for i in order {
            took[i] = sides[i].window(per_window, &mut latencies[i]).await;
            busy[i] += took[i];
        }
        // Throughput ratio service / floor = floor's time / service's time.
        ratios.push(took[1].as_secs_f64() / took[0].as_secs_f64());
    }
    for side in &mut sides {
        for reader in side.readers.drain(..) {
            reader.await.unwrap();
        }
    }
    let rate = |i: usize| (clients * total) as f64 / busy[i].as_secs_f64();
    ratios.sort_by(f64::total_cmp);
    let q = |f: f64| ratios[((ratios.len() - 1) as f64 * f).round() as usize];
    let [s_lat, f_lat] = latencies;
    let (s50, f50) = (p50(s_lat), p50(f_lat));
    println!(
        "{clients:>5} {:>14.0} {:>14.0} {:>6.2} (IQR {:.2}..{:.2}, range {:.2}..{:.2}) {:>8.0} us {:>8.0} us {:>6.2}x",
        rate(0),
        rate(1),
        q(0.5),
        q(0.25),
        q(0.75),
        q(0.0),
        q(1.0),
        s50.as_secs_f64() * 1e6,
        f50.as_secs_f64() * 1e6,
        s50.as_secs_f64() / f50.as_secs_f64(),
    );
    floor_server.abort();
    service.shutdown().await;
}

fn p50(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn range(v: &[f64]) -> (f64, f64) {
    let mut r = v.to_vec();
    r.sort_by(f64::total_cmp);
    (r[0], r[r.len() - 1])
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// What to run: `--clients 1000` (comma-separated counts, default 1,10,100,1000), `--rounds N`
/// (default 3), `--no-upstream` (skip the slow-handler comparison), `--only service|floor`
/// (run one side, for a profiler; no ratio then), `--interleaved K` (instead of whole runs, the
/// two sides take turns in windows of K broadcasts, `--rounds` windows each). Anything else
/// (cargo's `--bench`) is ignored.
struct Options {
    clients: Vec<usize>,
    rounds: usize,
    upstream: bool,
    only: Option<String>,
    /// Broadcasts per window in the interleaved comparison; `None` runs rounds of whole runs.
    window: Option<usize>,
}

fn options() -> Options {
    let mut o = Options {
        clients: CLIENT_COUNTS.to_vec(),
        rounds: ROUNDS,
        upstream: true,
        only: None,
        window: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--clients" => {
                let list = args
                    .next()
                    .expect("--clients takes a list such as 100,1000");
                o.clients = list
                    .split(',')
                    .map(|n| n.trim().parse().expect("--clients takes numbers"))
                    .collect();
            }
            "--rounds" => {
                o.rounds = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|&n| n > 0)
                    .expect("--rounds takes a positive number");
            }
            "--no-upstream" => o.upstream = false,
            "--interleaved" => {
                let n = args.next().and_then(|n| n.parse().ok()).filter(|&n| n > 0);
                o.window = Some(n.expect("--interleaved takes broadcasts per window"));
            }
            "--only" => {
                let side = args.next().filter(|s| s == "service" || s == "floor");
                o.only = Some(side.expect("--only takes service or floor"));
            }
            _ => {}
        }
    }
    o
}

#[tokio::main]
async fn main() {
    let options = options();
    let rounds = options.rounds;
    if let Some(per_window) = options.window {
        println!(
            "interleaved: the service and the floor (both with TCP_NODELAY and {} KiB read \
             buffers) take turns in windows of {per_window} broadcasts, {rounds} rounds; ratio = \
             floor's window time / service's (median of rounds)",
            SERVER_READ_BUFFER / 1024
        );
        println!(
            "{:>5} {:>14} {:>14} {:>38} {:>11} {:>11} {:>7}",
            "N", "service del/s", "floor del/s", "ratio", "service p50", "floor p50", "p50"
        );
        for &clients in &options.clients {
            interleaved(clients, rounds, per_window).await;
        }
        return;
    }
    if let Some(side) = &options.only {
        for &clients in &options.clients {
            for _ in 0..rounds {
                let run = if side == "service" {
                    run_service(clients).await
                } else {
                    run_floor(clients).await
                };
                let p50 = p50(run.latencies);
                println!(
                    "{side} N={clients}: {:.0} deliveries/s, 202 p50 {:.0} us",
                    run.rate,
                    p50.as_secs_f64() * 1e6
                );
            }
        }
        return;
    }
    println!(
        "fan-out: {MESSAGES} REST broadcasts to N raw WebSocket clients, the service against \
         a minimal axum WebSocket server (the floor; both with TCP_NODELAY and {} KiB read \
         buffers), alternating, {rounds} rounds (medians)",
        SERVER_READ_BUFFER / 1024
    );
    println!(
        "{:>5} {:>14} {:>14} {:>13} {:>13} {:>13} {:>11}",
        "N", "service del/s", "floor del/s", "ratio", "service p50", "floor p50", "p50 ratio"
    );
    for &clients in &options.clients {
        let (mut service, mut floor, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        let (mut service_lat, mut floor_lat) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            let s = run_service(clients).await;
            let f = run_floor(clients).await;
            ratios.push(s.rate / f.rate);
            service.push(s.rate);
            floor.push(f.rate);
            service_lat.extend(s.latencies);
            floor_lat.extend(f.latencies);
        }
        let (low, high) = range(&ratios);
        let (s50, f50) = (p50(service_lat), p50(floor_lat));
        println!(
            "{clients:>5} {:>14.0} {:>14.0} {:>5.2} ({low:.2}..{high:.2}) {:>10.0} us {:>10.0} us {:>10.2}x",
            median(service),
            median(floor),
            median(ratios),
            s50.as_secs_f64() * 1e6,
            f50.as_secs_f64() * 1e6,
            s50.as_secs_f64() / f50.as_secs_f64(),
        );
    }
    if !options.upstream {
        return;
    }
    let url = slow_upstream().await;
    println!(
        "\nfan-out to 100 clients while {CHATTERS} clients send to a {} ms upstream handler \
         ({SLOW_ROUNDS} alternating rounds)",
        UPSTREAM_DELAY.as_millis()
    );
    let (mut without, mut with, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..SLOW_ROUNDS {
        let a = run_with_chatter(None, 100).await;
        let b = run_with_chatter(Some(&url), 100).await;
        without.push(a);
        with.push(b);
        ratios.push(b / a);
    }
    println!(
        "  no handler:   {:>10.0} deliveries/s (median)",
        median(without)
    );
    println!(
        "  slow handler: {:>10.0} deliveries/s (median)",
        median(with)
    );
    let spread = range(&ratios);
    println!(
        "  ratio with/without: {:.2} (median of rounds; range {:.2}..{:.2})",
        median(ratios),
        spread.0,
        spread.1
    );
}
