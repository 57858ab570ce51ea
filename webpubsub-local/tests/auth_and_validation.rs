//! Rejected tokens give 401 and change nothing; bad parameters give 400 with Microsoft's error
//! body and `x-ms-error-code`.

mod common;

use common::*;
use serde_json::json;

/// Sends `text` to all with the given Authorization header value (if any).
async fn send_with(
    service: &webpubsub_local::RunningService,
    auth: Option<String>,
    text: &str,
) -> Http {
    let mut headers = vec![("Content-Type", "text/plain".to_owned())];
    if let Some(a) = auth {
        headers.push(("Authorization", a));
    }
    raw_request(
        service,
        "POST",
        &format!("/api/hubs/hub/:send?{API}"),
        &headers,
        text.as_bytes(),
    )
    .await
}

#[tokio::test]
async fn bad_rest_tokens_are_401_and_change_nothing() {
    let service = start().await;
    let mut ws = raw_client(&service, "hub", Some("alice"), &[]).await;
    let url = format!("{}/api/hubs/hub/:send?{API}", service.endpoint());
    let bare_url = format!("{}/api/hubs/hub/:send", service.endpoint());
    let good = |aud: &str| json!({"aud": aud, "exp": now() + 300});
    let cases: Vec<(&str, Option<String>)> = vec![
        ("missing", None),
        ("not bearer", Some(format!("Basic {}", rest_token(&url)))),
        ("malformed", Some("Bearer not.a.jwt".into())),
        ("two parts", Some("Bearer abc.def".into())),
        (
            "expired",
            Some(format!(
                "Bearer {}",
                sign(&json!({"aud": url, "exp": now() - 3600}), KEY)
            )),
        ),
        (
            "not yet valid",
            Some(format!(
                "Bearer {}",
                sign(
                    &json!({"aud": url, "exp": now() + 7200, "nbf": now() + 3600}),
                    KEY
                )
            )),
        ),
        (
            "no exp",
            Some(format!("Bearer {}", sign(&json!({"aud": url}), KEY))),
        ),
        (
            "wrong key",
            Some(format!("Bearer {}", sign(&good(&url), "another-key"))),
        ),
        (
            "wrong aud path",
            Some(format!(
                "Bearer {}",
                sign(
                    &good(&format!("{}/api/hubs/other/:send", service.endpoint())),
                    KEY
                )
            )),
        ),
        (
            "wrong aud port",
            Some(format!(
                "Bearer {}",
                sign(&good("http://127.0.0.1:1/api/hubs/hub/:send"), KEY)
            )),
        ),
        (
            "wrong aud query",
            Some(format!(
                "Bearer {}",
                sign(&good(&format!("{bare_url}?api-version=2024-12-01")), KEY)
            )),
        ),
        (
            "alg none",
            Some(format!("Bearer {}", {
                use base64::Engine;
                let e = |v: serde_json::Value| {
                    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
                };
                format!(
                    "{}.{}.",
                    e(json!({"alg": "none", "typ": "JWT"})),
                    e(good(&url))
                )
            })),
        ),
        (
            "alg HS512 header",
            Some(format!(
                "Bearer {}",
                sign_with_header(&json!({"alg": "HS512"}), &good(&url), KEY)
            )),
        ),
    ];
    for (name, auth) in cases {
        let r = send_with(&service, auth, name).await;
        assert_eq!(r.status, 401, "{name}");
        assert_eq!(r.header("x-ms-error-code"), Some("Unauthorized"), "{name}");
        assert_eq!(r.json()["code"], "Unauthorized", "{name}");
    }
    // A state-changing call with a bad token changes nothing either.
    let r = raw_request(
        &service,
        "PUT",
        &format!("/api/hubs/hub/users/alice/groups/g?{API}"),
        &[("Authorization", "Bearer x.y.z".into())],
        b"",
    )
    .await;
    assert_eq!(r.status, 401);
    assert_eq!(
        call(&service, "HEAD", "/api/hubs/hub/groups/g", None, b"")
            .await
            .status,
        404
    );

    // Accepted forms: audience with or without the query, with a trailing slash.
    for aud in [url.clone(), bare_url.clone(), format!("{bare_url}/")] {
        let r = send_with(
            &service,
            Some(format!("Bearer {}", sign(&good(&aud), KEY))),
            "ok",
        )
        .await;
        assert_eq!(r.status, 202, "{aud}");
        assert_eq!(next_text(&mut ws).await, "ok");
    }
    service.shutdown().await;
}

#[tokio::test]
async fn bad_client_tokens_are_refused_before_the_upgrade() {
    let service = start().await;
    let aud = format!("{}/client/hubs/hub", service.endpoint());
    let cases = [
        (
            "expired",
            sign(&json!({"aud": aud, "exp": now() - 3600}), KEY),
        ),
        (
            "wrong key",
            sign(&json!({"aud": aud, "exp": now() + 300}), "nope"),
        ),
        (
            "wrong hub",
            sign(
                &json!({"aud": format!("{}/client/hubs/other", service.endpoint()), "exp": now() + 300}),
                KEY,
            ),
        ),
        ("malformed", "garbage".to_owned()),
        ("missing", String::new()),
    ];
    for (name, token) in cases {
        match connect_with(&service, "hub", &token, None).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                assert_eq!(response.status(), 401, "{name}")
            }
            other => panic!("{name}: expected a 401, got {other:?}"),
        }
    }
    assert_eq!(
        call(&service, "HEAD", "/api/hubs/hub/users/nobody", None, b"")
            .await
            .status,
        404
    );
    // A hand-signed token with the right audience works, case differences in it aside.
    let token = sign(
        &json!({"aud": aud.to_uppercase().replace("HTTP", "http"), "exp": now() + 300, "sub": "x"}),
        KEY,
    );
    let _ws = connect_with(&service, "hub", &token, None).await.unwrap();
    assert_eq!(
        call(&service, "HEAD", "/api/hubs/hub/users/x", None, b"")
            .await
            .status,
        200
    );
    service.shutdown().await;
}

async fn expect_invalid(
    service: &webpubsub_local::RunningService,
    method: &str,
    path: &str,
    ct: Option<&str>,
    body: &[u8],
    target: &str,
) {
    let r = call(service, method, path, ct, body).await;
    assert_eq!(
        r.status,
        400,
        "{path}: {}",
        String::from_utf8_lossy(&r.body)
    );
    let code = r
        .header("x-ms-error-code")
        .unwrap_or_else(|| panic!("{path}: no x-ms-error-code"))
        .to_owned();
    if method != "HEAD" {
        let body = r.json();
        assert_eq!(body["code"], code.as_str(), "{path}");
        assert_eq!(body["target"], target, "{path}");
        assert!(
            body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{path}"
        );
        assert!(body["details"].is_array(), "{path}");
        assert!(body.get("inner").is_some(), "{path}");
    }
}

#[tokio::test]
async fn validation_errors_carry_microsofts_error_body() {
    let service = start().await;
    let long_group = "g".repeat(1025);
    let text = Some("text/plain");
    expect_invalid(&service, "POST", "/api/hubs/1abc/:send", text, b"x", "hub").await;
    expect_invalid(&service, "POST", "/api/hubs/a-b/:send", text, b"x", "hub").await;
    expect_invalid(
        &service,
        "POST",
        &format!("/api/hubs/{}/:send", "h".repeat(129)),
        text,
        b"x",
        "hub",
    )
    .await;
    expect_invalid(
        &service,
        "POST",
        "/api/hubs/hub/groups/%20%20/:send",
        text,
        b"x",
        "group",
    )
    .await;
    expect_invalid(
        &service,
        "POST",
        &format!("/api/hubs/hub/groups/{long_group}/:send"),
        text,
        b"x",
        "group",
    )
    .await;
    expect_invalid(
        &service,
        "PUT",
        "/api/hubs/hub/permissions/admin/connections/c1",
        None,
        b"",
        "permission",
    )
    .await;
    expect_invalid(
        &service,
        "POST",
        "/api/hubs/hub/:generateToken?minutesToExpire=0",
        None,
        b"",
        "minutesToExpire",
    )
    .await;
    expect_invalid(
        &service,
        "POST",
        "/api/hubs/hub/:generateToken?clientType=MQTT",
        None,
        b"",
        "clientType",
    )
    .await;
    expect_invalid(
        &service,
        "POST",
        "/api/hubs/hub/:send?messageTtlSeconds=301",
        text,
        b"x",
        "messageTtlSeconds",
    )
    .await;
    expect_invalid(
        &service,
        "POST",
        "/api/hubs/hub/:send?messageTtlSeconds=-1",
        text,
        b"x",
        "messageTtlSeconds",
    )
    .await;
    expect_invalid(
        &service,
        "POST",
        "/api/hubs/hub/:send?filter=userId%20eq",
        text,
        b"x",
        "filter",
    )
    .await;
    expect_invalid(
        &service,
        "POST",
        "/api/hubs/hub/:send?api-version=2023-07-01",
        text,
        b"x",
        "api-version",
    )
    .await;
    expect_invalid(
        &service,
        "POST",
        "/api/hubs/hub/connections//:send",
        text,
        b"x",
        "connectionId",
    )
    .await;
    expect_invalid(
        &service,
        "POST",
        "/api/hubs/hub/users//:send",
        text,
        b"x",
        "userId",
    )
    .await;
    expect_invalid(
        &service,
        "POST",
        "/api/hubs/hub/:send",
        Some("application/json"),
        b"{not json",
        "message",
    )
    .await;
    expect_invalid(
        &service,
        "POST",
        "/api/hubs/hub/:addToGroups",
        Some("application/json"),
        br#"{"groups":["  "]}"#,
        "group",
    )
    .await;
    expect_invalid(
        &service,
        "POST",
        "/api/hubs/hub/:addToGroups",
        Some("application/json"),
        br#"{"groups":["g"],"filter":"nope"}"#,
        "filter",
    )
    .await;
    expect_invalid(
        &service,
        "HEAD",
        "/api/hubs/hub/groups/%20",
        None,
        b"",
        "group",
    )
    .await;

    // api-version is required, and 2024-12-01 is accepted.
    let url = format!("{}/api/hubs/hub/:send", service.endpoint());
    let r = raw_request(
        &service,
        "POST",
        "/api/hubs/hub/:send",
        &[
            ("Authorization", format!("Bearer {}", rest_token(&url))),
            ("Content-Type", "text/plain".into()),
        ],
        b"x",
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["target"], "api-version");
    let r = call(
        &service,
        "POST",
        "/api/hubs/hub/:send?api-version=2024-12-01",
        text,
        b"x",
    )
    .await;
    assert_eq!(r.status, 202);
    service.shutdown().await;
}
