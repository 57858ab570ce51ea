//! What hostile clients cost the service (issue 8), measured on a separately started service
//! process (so its peak RSS is its own), loopback only, every loop bounded:
//!
//! 1. 20,000 idle TCP connections: health-probe latency and failures before and while they
//!    are open, and the service's peak RSS.
//! 2. A WebSocket client that never reads while 1 MiB messages are sent to it (at most 200):
//!    the service's peak RSS, whether the client was disconnected, probe latency meanwhile.
//! 3. A 5,000-term filter on one hub while another hub is probed: the probe's worst latency.
//! 4. The same filter while its own hub is probed: the probe's worst latency against one
//!    filter request's time (the filter is evaluated in batches, the hub's lock released in
//!    between, so the ratio stays well below 1).
//!
//! `cargo bench -p webpubsub-local --bench resources`; `WEBPUBSUB_LOCAL_BIN=/path/to/binary`
//! measures another build of the service (same flags: `--port`, `--access-key`);
//! `RESOURCES_SCENARIOS=3,4` runs only those.
//! Figures are printed; compare runs on the same machine, not against other machines.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const KEY: &str = "resources-bench-key";
/// Idle connections in scenario 1, opened by two helper processes (one process may not hold
/// 20,000 sockets under the usual descriptor limit).
const IDLE: usize = 20_000;
const PROBES: usize = 200;
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);
/// WebSocket clients on the filtered hub in scenarios 3 and 4: each filter request then
/// evaluates 5,000 terms against each of them.
const FILTER_CLIENTS: usize = 2_000;

fn main() {
    if let Ok(n) = std::env::var("RESOURCES_HOLD") {
        hold(n.parse().unwrap_or(0));
        return;
    }
    let bin = std::env::var("WEBPUBSUB_LOCAL_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_webpubsub-local").to_owned());
    println!("service binary: {bin}");
    let only = std::env::var("RESOURCES_SCENARIOS").unwrap_or_default();
    let run = |n: &str| only.is_empty() || only.split(',').any(|s| s.trim() == n);
    if run("1") {
        idle_connections(&bin);
    }
    if run("2") {
        never_reading_client(&bin);
    }
    if run("3") {
        heavy_filter(&bin, "b");
    }
    if run("4") {
        heavy_filter(&bin, "a");
    }
}

/// A service process and its address.
struct Served {
    child: Child,
    addr: SocketAddr,
}

impl Served {
    fn start(bin: &str) -> Served {
        let mut child = Command::new(bin)
            .args(["--port", "0", "--access-key", KEY])
            // Scenario 3 needs a filter longer than the default limit; older builds ignore it.
            .env("WEBPUBSUB_LOCAL_MAX_FILTER_LENGTH", "1048576")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the service");
        let mut line = String::new();
        let mut out = BufReader::new(child.stdout.take().expect("stdout"));
        out.read_line(&mut line).expect("connection string");
        let port: u16 = line
            .split(';')
            .find_map(|f| f.strip_prefix("Port="))
            .and_then(|p| p.trim().parse().ok())
            .expect("a port in the connection string");
        Served {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
        }
    }

    /// Peak resident set size so far (VmHWM), in MiB.
    fn peak_rss_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    }

    fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn token(aud: &str) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(json!({"aud": aud, "exp": now() + 3600}).to_string())
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(KEY.as_bytes()).expect("any key length");
    mac.update(input.as_bytes());
    format!(
        "{input}.{}",
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    )
}

/// One request on a new connection; the status, or None on error/timeout.
fn request(addr: SocketAddr, method: &str, pq: &str, ctype: &str, body: &[u8]) -> Option<u16> {
    let mut s = TcpStream::connect_timeout(&addr, PROBE_TIMEOUT).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    s.set_write_timeout(Some(Duration::from_secs(30))).ok()?;
    let url = format!("http://{addr}{pq}");
    let head = format!(
        "{method} {pq} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        token(&url),
        body.len()
    );
    s.write_all(head.as_bytes()).ok()?;
    s.write_all(body).ok()?;
    let mut buf = [0u8; 16];
    s.read_exact(&mut buf[..12]).ok()?;
    std::str::from_utf8(&buf[9..12]).ok()?.parse().ok()
}

/// `HEAD /api/health` on a new connection, PROBES times (stopping after 10 failures): (p50 ms,
/// p99 ms, failures).
fn probe(addr: SocketAddr) -> (f64, f64, usize) {
    let mut times = Vec::new();
    let mut failures = 0;
    for _ in 0..PROBES {
        if failures >= 10 {
            break;
        }
        let started = Instant::now();
        let ok = (|| {
            let mut s = TcpStream::connect_timeout(&addr, PROBE_TIMEOUT).ok()?;
            s.set_read_timeout(Some(PROBE_TIMEOUT)).ok()?;
            write!(
                s,
                "HEAD /api/health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
            )
            .ok()?;
            let mut buf = [0u8; 12];
            s.read_exact(&mut buf).ok()?;
            (&buf[9..12] == b"200").then_some(())
        })();
        match ok {
            Some(()) => times.push(started.elapsed().as_secs_f64() * 1000.0),
            None => failures += 1,
        }
    }
    times.sort_by(f64::total_cmp);
    let at = |q: f64| {
        times
            .get(((times.len() as f64 - 1.0) * q) as usize)
            .copied()
            .unwrap_or(f64::NAN)
    };
    (at(0.5), at(0.99), failures)
}

/// Helper process: opens `n` idle connections to RESOURCES_ADDR, prints how many, then holds
/// them until its stdin closes (at most 120 s).
fn hold(n: usize) {
    let addr: SocketAddr = std::env::var("RESOURCES_ADDR")
        .ok()
        .and_then(|a| a.parse().ok())
        .expect("RESOURCES_ADDR");
    let mut held = Vec::with_capacity(n);
    for _ in 0..n {
        match TcpStream::connect_timeout(&addr, PROBE_TIMEOUT) {
            Ok(s) => held.push(s),
            Err(_) => break,
        }
    }
    println!("{}", held.len());
    let _ = std::io::stdout().flush();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut sink = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut sink);
        let _ = tx.send(());
    });
    let _ = rx.recv_timeout(Duration::from_secs(120));
}

fn idle_connections(bin: &str) {
    println!("\n== 1. {IDLE} idle TCP connections");
    let mut served = Served::start(bin);
    let (p50, p99, failed) = probe(served.addr);
    println!(
        "before: probe p50 {p50:.2} ms, p99 {p99:.2} ms, {failed}/{PROBES} failed; peak RSS {:.1} MiB",
        served.peak_rss_mib()
    );
    let me = std::env::current_exe().expect("own path");
    let started = Instant::now();
    let mut holders: Vec<Child> = (0..2)
        .map(|_| {
            Command::new(&me)
                .env("RESOURCES_HOLD", (IDLE / 2).to_string())
                .env("RESOURCES_ADDR", served.addr.to_string())
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .expect("a holder process")
        })
        .collect();
    let mut opened = 0;
    for h in &mut holders {
        let mut line = String::new();
        if let Some(out) = h.stdout.take() {
            let _ = BufReader::new(out).read_line(&mut line);
        }
        opened += line.trim().parse::<usize>().unwrap_or(0);
    }
    println!(
        "opened {opened} idle connections in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let (p50, p99, failed) = probe(served.addr);
    println!(
        "while open: probe p50 {p50:.2} ms, p99 {p99:.2} ms, {failed}/{PROBES} failed; service alive: {}; peak RSS {:.1} MiB",
        served.alive(),
        served.peak_rss_mib()
    );
    for mut h in holders {
        drop(h.stdin.take());
        let _ = h.wait();
    }
}

fn never_reading_client(bin: &str) {
    println!("\n== 2. a WebSocket client that never reads, 1 MiB messages sent to it");
    let served = Served::start(bin);
    let addr = served.addr;
    let path = "/client/hubs/slow";
    let client_token = token(&format!("http://{addr}{path}"));
    let mut ws = TcpStream::connect(addr).expect("connect");
    write!(
        ws,
        "GET {path}?access_token={client_token} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    .expect("handshake");
    let mut head = [0u8; 12];
    ws.read_exact(&mut head).expect("101");
    assert_eq!(&head[9..12], b"101", "upgrade");
    // From here on the client reads nothing.
    let body = vec![b'x'; 1024 * 1024];
    let started = Instant::now();
    let mut sent = 0;
    for _ in 0..200 {
        if request(
            addr,
            "POST",
            "/api/hubs/slow/:send?api-version=2024-01-01",
            "application/octet-stream",
            &body,
        ) != Some(202)
        {
            break;
        }
        sent += 1;
    }
    let gone = request(
        addr,
        "HEAD",
        "/api/hubs/slow/users/nobody?api-version=2024-01-01",
        "text/plain",
        b"",
    );
    let (p50, p99, failed) = probe(addr);
    println!(
        "sent {sent} MiB in {:.1} s; peak RSS {:.1} MiB; probe p50 {p50:.2} ms, p99 {p99:.2} ms, {failed}/{PROBES} failed (REST answering: {gone:?})",
        started.elapsed().as_secs_f64(),
        served.peak_rss_mib()
    );
    drop(ws);
}

/// Ten 5,000-term filter requests on hub a while `probed` is probed with HEAD requests.
fn heavy_filter(bin: &str, probed: &'static str) {
    if probed == "a" {
        println!("\n== 4. a 5,000-term filter on hub a while hub a itself is probed");
    } else {
        println!("\n== 3. a 5,000-term filter on hub a while hub {probed} is probed");
    }
    let served = Served::start(bin);
    let addr = served.addr;
    let filter = (0..5_000)
        .map(|i| format!("userId eq 'u{i}'"))
        .collect::<Vec<_>>()
        .join(" or ");
    // Raw WebSocket clients on hub a so the filter has connections to evaluate.
    let mut clients = Vec::new();
    for i in 0..FILTER_CLIENTS {
        let path = "/client/hubs/a";
        let t = token(&format!("http://{addr}{path}"));
        let Ok(mut s) = TcpStream::connect(addr) else {
            break;
        };
        let _ = write!(
            s,
            "GET {path}?access_token={t}&n={i} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        clients.push(s);
    }
    // The upgrades are answered and every socket's reader has run once.
    let _ = request(
        addr,
        "HEAD",
        "/api/hubs/a/users/nobody?api-version=2024-01-01",
        "text/plain",
        b"",
    );
    std::thread::sleep(Duration::from_millis(500));
    println!(
        "{} WebSocket clients on hub a: service peak RSS {:.0} MiB",
        clients.len(),
        served.peak_rss_mib()
    );
    let body = serde_json::to_vec(&json!({"groups": ["x"], "filter": filter})).expect("json");
    let heavy = std::thread::spawn(move || {
        let started = Instant::now();
        let mut statuses = Vec::new();
        for _ in 0..10 {
            statuses.push(request(
                addr,
                "POST",
                "/api/hubs/a/:addToGroups?api-version=2024-01-01",
                "application/json",
                &body,
            ));
        }
        (started.elapsed(), statuses)
    });
    let mut latencies = Vec::new();
    while !heavy.is_finished() && latencies.len() < 10_000 {
        let started = Instant::now();
        let _ = request(
            addr,
            "HEAD",
            &format!("/api/hubs/{probed}/users/nobody?api-version=2024-01-01"),
            "text/plain",
            b"",
        );
        latencies.push(started.elapsed());
    }
    let (took, statuses) = heavy.join().unwrap_or_default();
    latencies.sort();
    let at = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let one = took / 10;
    println!(
        "10 heavy filter requests on hub a took {:.2} s (statuses {:?}); {} requests to hub {probed} meanwhile: p50 {:.1} ms, p99 {:.1} ms, worst {:.1} ms; p99 / one filter request = {:.2}",
        took.as_secs_f64(),
        statuses.first(),
        latencies.len(),
        ms(at(0.5)),
        ms(at(0.99)),
        ms(at(1.0)),
        at(0.99).as_secs_f64() / one.as_secs_f64().max(1e-9)
    );
    drop(clients);
}
