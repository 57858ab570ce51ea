//! The `webpubsub-local` binary prints a usable connection string and serves on it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

#[test]
fn prints_connection_string_and_serves() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_webpubsub-local"))
        .args(["--port", "0", "--access-key", "binary-test-key"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let fields: Vec<&str> = line.trim().split(';').collect();
    assert_eq!(fields[0], "Endpoint=http://127.0.0.1");
    assert_eq!(fields[1], "AccessKey=binary-test-key");
    assert_eq!(fields[2], "Version=1.0");
    let port: u16 = fields[3].strip_prefix("Port=").unwrap().parse().unwrap();

    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(stream, "HEAD /api/health?api-version=2024-01-01 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
}

#[test]
fn rejects_unknown_arguments() {
    let output = Command::new(env!("CARGO_BIN_EXE_webpubsub-local"))
        .arg("--nope")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unexpected argument '--nope'"));
    let output = Command::new(env!("CARGO_BIN_EXE_webpubsub-local"))
        .args(["--max-connections", "many"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn prints_its_version() {
    let output = Command::new(env!("CARGO_BIN_EXE_webpubsub-local"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        text.trim(),
        format!("webpubsub-local {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn flags_come_from_the_environment_too() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_webpubsub-local"))
        .env("WEBPUBSUB_LOCAL_PORT", "0")
        .env("WEBPUBSUB_LOCAL_ACCESS_KEY", "key-from-env")
        .env("WEBPUBSUB_LOCAL_MAX_CONNECTIONS", "100")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(line.contains(";AccessKey=key-from-env;"), "{line}");
    assert!(!line.contains("Port=8080;"), "{line}");
}

#[test]
fn logs_requests_as_json_lines_without_secrets() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_webpubsub-local"))
        .args([
            "--port",
            "0",
            "--access-key",
            "log-test-key",
            "--log-format",
            "json",
        ])
        .env("RUST_LOG", "webpubsub_local=info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port: u16 = line
        .split(';')
        .find_map(|f| f.strip_prefix("Port="))
        .unwrap()
        .parse()
        .unwrap();
    let secret_token = "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjF9.c2VjcmV0LXNpZ25hdHVyZQ";
    for request in [
        format!(
            "HEAD /api/health?api-version=2024-01-01 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
        ),
        format!(
            "POST /api/hubs/h/:send?api-version=2024-01-01&access_token={secret_token} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {secret_token}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        ),
    ] {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
    }
    let _ = child.kill();
    let mut logs = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    let _ = child.wait();
    let lines: Vec<serde_json::Value> = logs
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    let refused = lines
        .iter()
        .find(|l| l["fields"]["message"] == "REST request refused")
        .unwrap_or_else(|| panic!("{logs}"));
    assert_eq!(refused["fields"]["status"], 401);
    assert_eq!(refused["fields"]["path"], "/api/hubs/h/:send");
    assert!(
        lines
            .iter()
            .any(|l| l["fields"]["message"] == "REST request")
    );
    assert!(
        !logs.contains("c2VjcmV0LXNpZ25hdHVyZQ"),
        "a token in the logs: {logs}"
    );
    assert!(
        !logs.contains("log-test-key"),
        "the key in the logs: {logs}"
    );
}
