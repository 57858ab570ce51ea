//! The redirect rule, against real servers on 127.0.0.1: a same-origin redirect is followed;
//! a redirect to another origin is returned as the status, and the other origin never sees
//! the request (its body or its credentials).

use arazzo_runtime::testing::{Reply, TestServer};
use arazzo_runtime::{Client, Credential, SchemeKind, Secret};

const BEARER: &[&[(&str, SchemeKind)]] = &[&[("auth", SchemeKind::Bearer)]];

#[tokio::test]
async fn a_cross_origin_redirect_is_returned_and_the_other_origin_sees_nothing() {
    let other = TestServer::builder()
        .on("POST", "/landing", Reply::status(200).body("ok"))
        .start()
        .await
        .unwrap();
    let target = format!("{}/landing", other.url());
    let origin = TestServer::builder()
        .on("POST", "/upload", Reply::redirect(307, target.clone()))
        .start()
        .await
        .unwrap();
    let client = Client::builder()
        .credential("auth", Credential::Bearer(Secret::new("t0ken".to_owned())))
        .build()
        .unwrap();
    let response = client
        .request(reqwest::Method::POST, "s", origin.url(), "/upload")
        .security(BEARER)
        .json_body("application/json", &serde_json::json!({"secret": "body"}))
        .send("upload")
        .await
        .unwrap();
    assert_eq!(response.status(), 307);
    assert_eq!(response.header("location"), Some(target.as_str()));
    let sent = origin.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].header("authorization"), Some("Bearer t0ken"));
    assert!(
        other.requests().is_empty(),
        "the other origin got a request"
    );
}

#[tokio::test]
async fn a_same_origin_redirect_is_followed() {
    let origin = TestServer::builder()
        .on("GET", "/old", Reply::redirect(302, "/new"))
        .on("GET", "/new", Reply::status(200).body("ok"))
        .start()
        .await
        .unwrap();
    let client = Client::builder().build().unwrap();
    let response = client
        .request(reqwest::Method::GET, "s", origin.url(), "/old")
        .send("fetch")
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.body_text(), "ok");
    let paths: Vec<_> = origin.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/old", "/new"]);
}

#[tokio::test]
async fn a_same_origin_redirect_loop_ends_with_an_error() {
    let origin = TestServer::builder()
        .on("GET", "/again", Reply::redirect(302, "/again"))
        .start()
        .await
        .unwrap();
    let client = Client::builder().build().unwrap();
    let err = client
        .request(reqwest::Method::GET, "s", origin.url(), "/again")
        .send("loop")
        .await
        .unwrap_err();
    assert_eq!(err.step(), "loop");
    assert!(err.to_string().contains("redirect"), "{err}");
}
