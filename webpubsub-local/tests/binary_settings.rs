//! The binary's three sources of hub settings: a JSON `--config` file, `--event-handler` flags
//! and `WEBPUBSUB_LOCAL_EVENT_HANDLERS`, each proved by a real upstream that refuses `connect`
//! (so a client of that hub gets 401 only if the handler is in place).

mod common;

use axum::response::IntoResponse;
use common::*;
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

const BIN: &str = env!("CARGO_BIN_EXE_webpubsub-local");

/// Starts the binary with `args` (and the handlers variable) and returns it with its port.
fn start_binary(args: &[String], env: Option<&str>) -> (Child, u16) {
    let mut command = Command::new(BIN);
    command
        .args(["--port", "0", "--access-key", KEY])
        .args(args);
    if let Some(env) = env {
        command.env("WEBPUBSUB_LOCAL_EVENT_HANDLERS", env);
    }
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line
        .trim()
        .trim_end_matches(';')
        .rsplit("Port=")
        .next()
        .unwrap()
        .parse()
        .unwrap();
    (child, port)
}

async fn connect(port: u16, hub: &str) -> Result<(), tokio_tungstenite::tungstenite::Error> {
    let claims =
        json!({"aud": format!("http://127.0.0.1:{port}/client/hubs/{hub}"), "exp": now() + 60});
    let url = format!(
        "ws://127.0.0.1:{port}/client/hubs/{hub}?access_token={}",
        sign(&claims, KEY)
    );
    tokio_tungstenite::connect_async(url).await.map(|_| ())
}

#[tokio::test]
async fn config_file_flags_and_environment_each_add_handlers() {
    let hubs_seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let seen = Arc::clone(&hubs_seen);
    let app = axum::Router::new().fallback(move |r: axum::extract::Request| {
        let seen = Arc::clone(&seen);
        async move {
            if r.method() == axum::http::Method::OPTIONS {
                return ([("WebHook-Allowed-Origin", "*")], "").into_response();
            }
            let hub = r
                .headers()
                .get("ce-hub")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            seen.lock().unwrap().push(hub.to_owned());
            (axum::http::StatusCode::UNAUTHORIZED, "who are you").into_response()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let config = std::env::temp_dir().join(format!("wpl-hubs-{}.json", std::process::id()));
    let doc = json!({"hubs": {"fromfile": {"eventHandlers": [
        {"urlTemplate": format!("{base}/{{hub}}/{{event}}"), "systemEvents": ["connect"]}]}}});
    std::fs::write(&config, doc.to_string()).unwrap();
    // Flags beat the environment, as for every other flag: the variable is read only when
    // no --event-handler is given, so it gets a process of its own.
    let (mut first, port) = start_binary(
        &[
            "--config".into(),
            config.display().to_string(),
            "--event-handler".into(),
            format!("fromflag={base}/x;system=connect"),
        ],
        None,
    );
    let env = format!("fromenv={base}/y;system=connect other={base}/z;user=*");
    let (mut second, env_port) = start_binary(&[], Some(&env));
    for (hub, port) in [
        ("fromfile", port),
        ("fromflag", port),
        ("fromenv", env_port),
    ] {
        match connect(port, hub).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(r)) => {
                assert_eq!(r.status().as_u16(), 401, "{hub}");
            }
            other => panic!("{hub}: expected the handler's 401, got {other:?}"),
        }
    }
    // A hub without a connect handler is not asked.
    assert!(connect(port, "plain").await.is_ok());
    assert!(connect(env_port, "fromflag").await.is_ok());
    for child in [&mut first, &mut second] {
        let _ = child.kill();
        let _ = child.wait();
    }
    let _ = std::fs::remove_file(&config);
    assert_eq!(
        *hubs_seen.lock().unwrap(),
        ["fromfile", "fromflag", "fromenv"]
    );
}

#[test]
fn bad_settings_stop_the_binary_with_the_reason() {
    let output = Command::new(BIN)
        .args(["--port", "0", "--event-handler", "chat=ftp://nowhere/"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not an absolute http:// URL"));
    let output = Command::new(BIN)
        .args(["--port", "0", "--config", "/nonexistent/hubs.json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot read /nonexistent/hubs.json"));
}
