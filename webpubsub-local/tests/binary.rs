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
