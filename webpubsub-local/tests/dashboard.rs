//! The dashboard at `/_dashboard`: its JSON and switches over plain HTTP, and the page itself in
//! headless Chromium (Debian's `/usr/bin/chromium`), driven over the Chrome DevTools Protocol:
//! the test client connects with a minted token and joins a group, a REST broadcast appears on
//! the page, and a screenshot goes to `target/dashboard.png`.
//!
//! The CDP client is the handful of calls this needs (create a page, evaluate, screenshot) over
//! tokio-tungstenite, already a dev-dependency; a CDP crate (chromiumoxide, fantoccini with
//! chromedriver) would add a large dependency tree or a second browser driver for five calls.

mod common;

use axum::response::IntoResponse;
use base64::Engine;
use common::*;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;
use webpubsub_local::{EventHandler, Service, SystemEvent, UserEvents};

#[tokio::test]
async fn the_state_lists_connections_and_calls_without_secrets() {
    let service = start().await;
    let _ws = raw_client(&service, "hubA", Some("ann"), &["g1"]).await;
    let state = call(&service, "GET", "/_dashboard/api/state", None, b"").await;
    assert_eq!(state.status, 200);
    let body = state.json();
    assert_eq!(body["hubs"][0]["name"], "huba");
    let c = &body["hubs"][0]["connections"][0];
    assert_eq!(c["userId"], "ann");
    assert_eq!(c["groups"], json!(["g1"]));
    assert_eq!(c["subprotocol"], Value::Null);
    let rest = body["rest"].as_array().unwrap();
    assert!(
        rest.iter()
            .any(|r| r["path"] == "/api/hubs/hubA/:generateToken" && r["status"] == 200)
    );
    let page = call(&service, "GET", "/_dashboard", None, b"").await;
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let page = String::from_utf8(page.body).unwrap();
    assert!(
        !page.contains("src=\"http") && !page.contains("href=\"http"),
        "no external resources"
    );
    for text in [page.as_str(), &body.to_string()] {
        assert!(!text.contains(KEY), "the access key never shows");
    }
    // The test client's URL carries a token for the hub, signed with the key.
    let minted = call(
        &service,
        "POST",
        "/_dashboard/api/client-url?hub=hubA&user=web",
        None,
        b"",
    )
    .await;
    assert_eq!(minted.status, 200);
    let url = minted.json()["url"].as_str().unwrap().to_owned();
    let token = url.split("access_token=").nth(1).unwrap();
    let mut ws = connect_with(&service, "hubA", token, Some("json.webpubsub.azure.v1"))
        .await
        .unwrap();
    assert_eq!(next_json(&mut ws).await["userId"], "web");
    let bad = call(
        &service,
        "POST",
        "/_dashboard/api/client-url?hub=1bad",
        None,
        b"",
    )
    .await;
    assert_eq!(bad.status, 400);
    service.shutdown().await;
}

#[tokio::test]
async fn the_dashboard_can_be_turned_off() {
    let service = Service::builder()
        .access_key(KEY)
        .dashboard(false)
        .start_on("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    for path in ["/_dashboard", "/_dashboard/api/state"] {
        assert_eq!(
            call(&service, "GET", path, None, b"").await.status,
            404,
            "{path}"
        );
    }
    let minted = call(
        &service,
        "POST",
        "/_dashboard/api/client-url?hub=h",
        None,
        b"",
    )
    .await;
    assert_eq!(minted.status, 404);
    service.shutdown().await;
}

/// Headless Chromium, killed when dropped.
struct Browser {
    child: Child,
    _profile: TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh directory under the system temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "webpubsub-local-chromium-{}-{}",
            std::process::id(),
            now()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Starts Chromium and returns it with its DevTools WebSocket URL.
fn launch() -> (Browser, String) {
    let profile = TempDir::new();
    let mut child = Command::new("/usr/bin/chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1280,1100",
            "--remote-debugging-port=0",
        ])
        .arg(format!("--user-data-dir={}", profile.0.display()))
        .arg("about:blank")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("/usr/bin/chromium starts (install Debian's chromium package)");
    let stderr = child.stderr.take().expect("piped stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(url) = line.split("DevTools listening on ").nth(1) {
                let _ = tx.send(url.trim().to_owned());
            }
        }
    });
    let browser = Browser {
        child,
        _profile: profile,
    };
    let url = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("Chromium prints its DevTools URL");
    (browser, url)
}

/// A Chrome DevTools Protocol connection to the browser, with one attached page.
struct Cdp {
    ws: Ws,
    next_id: u64,
    session: Option<String>,
}

impl Cdp {
    async fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut request = json!({"id": id, "method": method, "params": params});
        if let Some(s) = &self.session {
            request["sessionId"] = json!(s);
        }
        self.ws
            .send(Message::Text(request.to_string().into()))
            .await
            .unwrap();
        loop {
            let frame = tokio::time::timeout(GUARD, self.ws.next())
                .await
                .expect("a CDP answer in time")
                .expect("CDP open")
                .expect("CDP frame");
            let Message::Text(text) = frame else { continue };
            let answer: Value = serde_json::from_str(&text).unwrap();
            if answer["id"] == id {
                assert!(answer.get("error").is_none(), "{method}: {answer}");
                return answer["result"].clone();
            }
        }
    }

    /// Evaluates `expression` in the page and returns its value.
    async fn eval(&mut self, expression: &str) -> Value {
        let r = self
            .call(
                "Runtime.evaluate",
                json!({"expression": expression, "returnByValue": true, "awaitPromise": true}),
            )
            .await;
        assert!(r.get("exceptionDetails").is_none(), "{expression}: {r}");
        r["result"]["value"].clone()
    }

    /// Waits until `expression` is true in the page.
    async fn wait_for(&mut self, expression: &str, what: &str) {
        let deadline = Instant::now() + GUARD;
        while Instant::now() < deadline {
            // Before the page has loaded, the expression may throw: that counts as not yet.
            let r = self
                .call(
                    "Runtime.evaluate",
                    json!({"expression": expression, "returnByValue": true}),
                )
                .await;
            if r["result"]["value"] == json!(true) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let page = self.eval("document.body.innerText").await;
        panic!("timed out waiting for {what}; the page shows:\n{page}");
    }
}

fn screenshot_path() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("dashboard.png")
}

#[tokio::test]
#[cfg_attr(
    not(chromium),
    ignore = "Chromium is not installed: apt-get install chromium (CI installs it)"
)]
async fn a_rest_broadcast_appears_on_the_page_in_a_real_browser() {
    // An upstream app, so the page has deliveries to show.
    let upstream = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let upstream_url = format!("http://{}/events/{{event}}", upstream.local_addr().unwrap());
    let app = axum::Router::new().fallback(|r: axum::extract::Request| async move {
        if r.method() == axum::http::Method::OPTIONS {
            ([("WebHook-Allowed-Origin", "*")], "").into_response()
        } else {
            axum::http::StatusCode::NO_CONTENT.into_response()
        }
    });
    tokio::spawn(async move { axum::serve(upstream, app).await });
    let handler = EventHandler::new(upstream_url)
        .unwrap()
        .user_events(UserEvents::None)
        .system_events([SystemEvent::Connect, SystemEvent::Connected]);
    let service = Service::builder()
        .access_key(KEY)
        .event_handler("dash", handler)
        .start_on("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let _other = raw_client(&service, "dash", Some("raw-user"), &["room"]).await;

    let (_browser, devtools) = launch();
    let (ws, _) = tokio_tungstenite::connect_async(devtools.as_str())
        .await
        .unwrap();
    let mut cdp = Cdp {
        ws,
        next_id: 0,
        session: None,
    };
    let page_url = format!("{}/_dashboard", service.endpoint());
    let target = cdp
        .call("Target.createTarget", json!({"url": page_url}))
        .await;
    let attached = cdp
        .call(
            "Target.attachToTarget",
            json!({"targetId": target["targetId"], "flatten": true}),
        )
        .await;
    cdp.session = attached["sessionId"].as_str().map(str::to_owned);
    cdp.wait_for(
        "document.readyState === 'complete' && document.getElementById('connections').innerText.includes('raw-user')",
        "the connections table",
    )
    .await;

    // The test client: connect with a minted token, join a group.
    cdp.eval(
        "document.getElementById('hub').value = 'dash'; document.getElementById('user').value = 'browser';
         document.getElementById('connect').click(); true",
    )
    .await;
    cdp.wait_for(
        "document.getElementById('status').className === 'ok'",
        "the test client to connect",
    )
    .await;
    cdp.eval("document.getElementById('join').click(); true")
        .await;
    cdp.wait_for(
        "document.getElementById('received').innerText.includes('ack 1: ok')",
        "the join ack",
    )
    .await;

    // What REST sends appears on the page.
    send_text(
        &service,
        &format!("/api/hubs/dash/:send?{API}"),
        "hello from REST",
    )
    .await;
    send_text(
        &service,
        &format!("/api/hubs/dash/groups/room/:send?{API}"),
        "to the room",
    )
    .await;
    cdp.wait_for(
        "document.getElementById('received').innerText.includes('server text: hello from REST')",
        "the REST broadcast on the page",
    )
    .await;
    cdp.wait_for(
        "document.getElementById('received').innerText.includes('group:room text: to the room')",
        "the group message on the page",
    )
    .await;
    // The page's own send reaches the group (the browser's client is in it, so it sees it too).
    cdp.eval(
        "document.getElementById('message').value = 'typed in the page';
         document.getElementById('send').click(); true",
    )
    .await;
    cdp.wait_for(
        "document.getElementById('received').innerText.includes('group:room text: typed in the page')",
        "the page's own group message",
    )
    .await;
    // The live tables: the browser's connection with its user, subprotocol and group, the
    // broadcast among the REST calls, the connect/connected deliveries.
    cdp.wait_for(
        "(() => { const t = document.getElementById('connections').innerText;
                  return t.includes('browser') && t.includes('json.webpubsub.azure.v1') && t.includes('room'); })()",
        "the test client in the connections table",
    )
    .await;
    cdp.wait_for(
        "document.getElementById('rest').innerText.includes('POST /api/hubs/dash/:send\t202')",
        "the broadcast among the REST calls",
    )
    .await;
    cdp.wait_for(
        "document.getElementById('deliveries').innerText.includes('dash/connected')",
        "upstream deliveries",
    )
    .await;
    let html = cdp.eval("document.documentElement.outerHTML").await;
    assert!(
        !html.as_str().unwrap().contains(KEY),
        "the access key is not on the page"
    );
    assert!(
        !html.as_str().unwrap().contains("access_token"),
        "no token is on the page"
    );

    let shot = cdp
        .call("Page.captureScreenshot", json!({"format": "png"}))
        .await;
    let png = base64::engine::general_purpose::STANDARD
        .decode(shot["data"].as_str().unwrap())
        .unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    let path = screenshot_path();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, png).unwrap();
    println!("screenshot: {}", path.display());
    service.shutdown().await;
}
