//! Response bodies quoted in errors keep secrets out, against a real server on 127.0.0.1 that
//! echoes the credentials it was sent.

use arazzo_runtime::{Client, Credential, SchemeKind, Secret};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const BEARER: &[&[(&str, SchemeKind)]] = &[&[("auth", SchemeKind::Bearer)]];

#[tokio::test]
async fn a_quoted_body_masks_sent_credentials_and_secret_members() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut buf = vec![0u8; 8192];
        let n = socket.read(&mut buf).await.unwrap();
        let head = String::from_utf8_lossy(&buf[..n]).into_owned();
        let token = head
            .lines()
            .find_map(|l| l.strip_prefix("authorization: Bearer "))
            .unwrap_or("none")
            .to_owned();
        let body = format!(
            r#"{{"error":"token {token} is expired","refresh_token":"r-123456789","user":"ann"}}"#
        );
        let answer = format!(
            "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        socket.write_all(answer.as_bytes()).await.unwrap();
    });
    let client = Client::builder()
        .credential(
            "auth",
            Credential::Bearer(Secret::new("live-bearer-0123456789".to_owned())),
        )
        .build()
        .unwrap();
    let response = client
        .request(reqwest::Method::GET, "s", &url, "/me")
        .security(BEARER)
        .send("me")
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let err = response.criteria_failed("$statusCode == 200");
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("live-bearer-0123456789"), "{shown}");
    assert!(!shown.contains("r-123456789"), "{shown}");
    assert!(
        shown.contains(r#""error":"token *** is expired""#),
        "{shown}"
    );
    assert!(shown.contains(r#""user":"ann""#), "{shown}");
    // A secret-named value read as the wrong type is not quoted either.
    let decode = response.body_pointer::<i64>("/refresh_token").unwrap_err();
    assert!(!decode.to_string().contains("r-123456789"), "{decode}");
}
