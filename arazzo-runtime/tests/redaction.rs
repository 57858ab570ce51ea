//! Response bodies quoted in errors keep secrets out, against a real server on 127.0.0.1 that
//! echoes the credentials it was sent.

use arazzo_runtime::testing::{Reply, TestServer};
use arazzo_runtime::{Client, Credential, SchemeKind, Secret};
use serde_json::json;

const BEARER: &[&[(&str, SchemeKind)]] = &[&[("auth", SchemeKind::Bearer)]];

#[tokio::test]
async fn a_quoted_body_masks_sent_credentials_and_secret_members() {
    let server = TestServer::builder()
        .on_request("GET", "/me", |request| {
            let token = request
                .header("authorization")
                .and_then(|v| v.strip_prefix("Bearer "))
                .unwrap_or("none");
            let body = json!({
                "error": format!("token {token} is expired"),
                "refresh_token": "r-123456789",
                "user": "ann",
            });
            Reply::json(401, body.to_string())
        })
        .start()
        .await
        .unwrap();
    let client = Client::builder()
        .credential(
            "auth",
            Credential::Bearer(Secret::new("live-bearer-0123456789".to_owned())),
        )
        .build()
        .unwrap();
    let response = client
        .request(reqwest::Method::GET, "s", server.url(), "/me")
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

#[tokio::test]
async fn a_quoted_body_masks_an_authorization_header_sent_without_credentials() {
    // The generated code passes a bearer input as a header; the client has no credentials.
    let server = TestServer::builder()
        .on_request("GET", "/me", |request| {
            let sent = request.header("authorization").unwrap_or("none").to_owned();
            Reply::json(
                401,
                json!({ "error": format!("{sent} is expired") }).to_string(),
            )
        })
        .start()
        .await
        .unwrap();
    let client = Client::builder().build().unwrap();
    let response = client
        .request(reqwest::Method::GET, "s", server.url(), "/me")
        .header("Authorization", "Bearer header-token-0123456789")
        .send("me")
        .await
        .unwrap();
    let err = response.criteria_failed("$statusCode == 200");
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("header-token-0123456789"), "{shown}");
    assert!(
        shown.contains(r#""error":"Bearer *** is expired""#),
        "{shown}"
    );
}
