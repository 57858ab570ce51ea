//! Every REST operation: status codes, and effects observed by real WebSocket clients.

mod common;

use common::*;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

const JSON_V1: &str = "json.webpubsub.azure.v1";

#[tokio::test]
async fn health_is_200_without_a_token() {
    let service = start().await;
    let r = raw_request(
        &service,
        "HEAD",
        "/api/health?api-version=2024-01-01",
        &[],
        b"",
    )
    .await;
    assert_eq!(r.status, 200);
    service.shutdown().await;
}

#[tokio::test]
async fn send_to_all_reaches_every_protocol_in_its_own_shape() {
    let service = start().await;
    let mut raw = raw_client(&service, "chat", Some("alice"), &[]).await;
    let (mut json, _) = json_client(&service, "chat", Some("carol"), &[], JSON_V1).await;

    send_text(&service, "/api/hubs/chat/:send", "hello").await;
    assert_eq!(next_text(&mut raw).await, "hello");
    assert_eq!(
        next_json(&mut json).await,
        json!({"type":"message","from":"server","dataType":"text","data":"hello"})
    );

    let r = call(
        &service,
        "POST",
        "/api/hubs/chat/:send",
        Some("application/json"),
        br#"{"x": 1}"#,
    )
    .await;
    assert_eq!(r.status, 202);
    assert_eq!(next_text(&mut raw).await, r#"{"x": 1}"#);
    assert_eq!(
        next_json(&mut json).await,
        json!({"type":"message","from":"server","dataType":"json","data":{"x":1}})
    );

    let r = call(
        &service,
        "POST",
        "/api/hubs/chat/:send",
        Some("application/octet-stream"),
        &[0, 1, 2],
    )
    .await;
    assert_eq!(r.status, 202);
    assert_eq!(
        next_message(&mut raw).await,
        Message::Binary(vec![0u8, 1, 2].into())
    );
    assert_eq!(
        next_json(&mut json).await,
        json!({"type":"message","from":"server","dataType":"binary","data":"AAEC"})
    );

    // The colon may arrive escaped, and the content type may carry a charset.
    let r = call(
        &service,
        "POST",
        "/api/hubs/chat/%3Asend",
        Some("text/plain; charset=utf-8"),
        b"escaped",
    )
    .await;
    assert_eq!(r.status, 202);
    assert_eq!(next_text(&mut raw).await, "escaped");
    service.shutdown().await;
}

/// Hub names are case-insensitive (the hub's key is made once per call or connection): a client
/// of `Chat` and a client of `chat` share one hub, whichever spelling a REST call uses.
#[tokio::test]
async fn hub_names_ignore_case() {
    let service = start().await;
    let mut upper = raw_client(&service, "Chat", Some("alice"), &["g"]).await;
    let mut lower = raw_client(&service, "chat", Some("bob"), &[]).await;

    send_text(&service, "/api/hubs/CHAT/:send", "to all").await;
    assert_eq!(next_text(&mut upper).await, "to all");
    assert_eq!(next_text(&mut lower).await, "to all");

    send_text(&service, "/api/hubs/chat/groups/g/:send", "to g").await;
    send_text(&service, "/api/hubs/cHaT/users/bob/:send", "to bob").await;
    assert_eq!(next_text(&mut upper).await, "to g");
    assert_eq!(next_text(&mut lower).await, "to bob");
    let r = call(&service, "HEAD", "/api/hubs/CHAT/users/alice", None, b"").await;
    assert_eq!(
        r.status, 200,
        "alice connected to `Chat` is found through `CHAT`"
    );
}

#[tokio::test]
async fn excluded_user_and_connection_sends_pick_exactly_their_targets() {
    let service = start().await;
    let (mut a, a_id) = raw_client_with_id(&service, "hub1", Some("alice")).await;
    let (mut b, b_id) = raw_client_with_id(&service, "hub1", Some("bob")).await;
    let mut other_hub = raw_client(&service, "hub2", Some("alice"), &[]).await;

    send_text(
        &service,
        &format!("/api/hubs/hub1/:send?excluded={a_id}&excluded=nobody"),
        "not for a",
    )
    .await;
    send_text(&service, "/api/hubs/hub1/users/alice/:send", "for alice").await;
    send_text(
        &service,
        &format!("/api/hubs/hub1/connections/{b_id}/:send"),
        "for b",
    )
    .await;
    send_text(
        &service,
        "/api/hubs/hub1/connections/unknown/:send",
        "for nobody",
    )
    .await;
    send_text(&service, "/api/hubs/hub2/:send", "hub2 only").await;

    assert_eq!(next_text(&mut a).await, "for alice");
    assert_eq!(next_text(&mut b).await, "not for a");
    assert_eq!(next_text(&mut b).await, "for b");
    assert_eq!(next_text(&mut other_hub).await, "hub2 only");
    // Nothing else was queued: the next frames are these markers.
    send_text(
        &service,
        &format!("/api/hubs/hub1/connections/{a_id}/:send"),
        "marker a",
    )
    .await;
    send_text(&service, "/api/hubs/hub1/users/bob/:send", "marker b").await;
    assert_eq!(next_text(&mut a).await, "marker a");
    assert_eq!(next_text(&mut b).await, "marker b");
    service.shutdown().await;
}

#[tokio::test]
async fn connection_group_membership_and_existence() {
    let service = start().await;
    let (mut a, a_id) = raw_client_with_id(&service, "hub", Some("alice")).await;
    let (mut json, json_id) = json_client(&service, "hub", Some("carol"), &[], JSON_V1).await;

    assert_eq!(
        call(
            &service,
            "HEAD",
            &format!("/api/hubs/hub/connections/{a_id}"),
            None,
            b""
        )
        .await
        .status,
        200
    );
    assert_eq!(
        call(
            &service,
            "HEAD",
            "/api/hubs/hub/connections/missing",
            None,
            b""
        )
        .await
        .status,
        404
    );
    assert_eq!(
        call(&service, "HEAD", "/api/hubs/hub/groups/g1", None, b"")
            .await
            .status,
        404
    );

    assert_eq!(
        call(
            &service,
            "PUT",
            &format!("/api/hubs/hub/groups/g1/connections/{a_id}"),
            None,
            b""
        )
        .await
        .status,
        200
    );
    assert_eq!(
        call(
            &service,
            "PUT",
            &format!("/api/hubs/hub/groups/g1/connections/{json_id}"),
            None,
            b""
        )
        .await
        .status,
        200
    );
    assert_eq!(
        call(
            &service,
            "PUT",
            "/api/hubs/hub/groups/g1/connections/missing",
            None,
            b""
        )
        .await
        .status,
        404
    );
    assert_eq!(
        call(&service, "HEAD", "/api/hubs/hub/groups/g1", None, b"")
            .await
            .status,
        200
    );

    send_text(&service, "/api/hubs/hub/groups/g1/:send", "to g1").await;
    assert_eq!(next_text(&mut a).await, "to g1");
    assert_eq!(
        next_json(&mut json).await,
        json!({"type":"message","from":"group","group":"g1","dataType":"text","data":"to g1"})
    );

    send_text(
        &service,
        &format!("/api/hubs/hub/groups/g1/:send?excluded={json_id}"),
        "g1 but not json",
    )
    .await;
    assert_eq!(next_text(&mut a).await, "g1 but not json");

    assert_eq!(
        call(
            &service,
            "DELETE",
            &format!("/api/hubs/hub/groups/g1/connections/{a_id}"),
            None,
            b""
        )
        .await
        .status,
        204
    );
    assert_eq!(
        call(
            &service,
            "PUT",
            &format!("/api/hubs/hub/groups/g2/connections/{json_id}"),
            None,
            b""
        )
        .await
        .status,
        200
    );
    assert_eq!(
        call(
            &service,
            "DELETE",
            &format!("/api/hubs/hub/connections/{json_id}/groups"),
            None,
            b""
        )
        .await
        .status,
        204
    );
    assert_eq!(
        call(&service, "HEAD", "/api/hubs/hub/groups/g1", None, b"")
            .await
            .status,
        404
    );
    assert_eq!(
        call(&service, "HEAD", "/api/hubs/hub/groups/g2", None, b"")
            .await
            .status,
        404
    );

    send_text(&service, "/api/hubs/hub/groups/g1/:send", "nobody left").await;
    send_text(&service, "/api/hubs/hub/:send", "marker").await;
    assert_eq!(next_text(&mut a).await, "marker");
    assert_eq!(next_json(&mut json).await["data"], "marker");
    service.shutdown().await;
}

#[tokio::test]
async fn user_group_membership_covers_current_and_future_connections() {
    let service = start().await;
    assert_eq!(
        call(&service, "HEAD", "/api/hubs/hub/users/dave", None, b"")
            .await
            .status,
        404
    );
    // Added before dave has any connection.
    assert_eq!(
        call(
            &service,
            "PUT",
            "/api/hubs/hub/users/dave/groups/team",
            None,
            b""
        )
        .await
        .status,
        200
    );
    let mut first = raw_client(&service, "hub", Some("dave"), &[]).await;
    assert_eq!(
        call(&service, "HEAD", "/api/hubs/hub/users/dave", None, b"")
            .await
            .status,
        200
    );
    send_text(&service, "/api/hubs/hub/groups/team/:send", "team 1").await;
    assert_eq!(next_text(&mut first).await, "team 1");

    assert_eq!(
        call(
            &service,
            "PUT",
            "/api/hubs/hub/users/dave/groups/other",
            None,
            b""
        )
        .await
        .status,
        200
    );
    let mut second = raw_client(&service, "hub", Some("dave"), &[]).await;
    send_text(&service, "/api/hubs/hub/groups/other/:send", "other").await;
    assert_eq!(next_text(&mut first).await, "other");
    assert_eq!(next_text(&mut second).await, "other");

    assert_eq!(
        call(
            &service,
            "DELETE",
            "/api/hubs/hub/users/dave/groups/team",
            None,
            b""
        )
        .await
        .status,
        204
    );
    assert_eq!(
        call(&service, "HEAD", "/api/hubs/hub/groups/team", None, b"")
            .await
            .status,
        404
    );
    assert_eq!(
        call(
            &service,
            "DELETE",
            "/api/hubs/hub/users/dave/groups",
            None,
            b""
        )
        .await
        .status,
        204
    );
    assert_eq!(
        call(&service, "HEAD", "/api/hubs/hub/groups/other", None, b"")
            .await
            .status,
        404
    );
    // Removal also covers later connections.
    let mut third = raw_client(&service, "hub", Some("dave"), &[]).await;
    send_text(&service, "/api/hubs/hub/groups/other/:send", "gone").await;
    send_text(&service, "/api/hubs/hub/users/dave/:send", "marker").await;
    for ws in [&mut first, &mut second, &mut third] {
        assert_eq!(next_text(ws).await, "marker");
    }
    service.shutdown().await;
}

#[tokio::test]
async fn add_and_remove_connections_by_filter() {
    let service = start().await;
    let (_a, a_id) = raw_client_with_id(&service, "hub", Some("alice")).await;
    let (_b, b_id) = raw_client_with_id(&service, "hub", Some("bob")).await;
    let body = json!({"groups": ["x", "y"], "filter": "userId eq 'alice'"}).to_string();
    let r = call(
        &service,
        "POST",
        "/api/hubs/hub/:addToGroups",
        Some("application/json"),
        body.as_bytes(),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        group_members(&service, "hub", "x").await,
        vec![a_id.clone()]
    );
    assert_eq!(
        group_members(&service, "hub", "y").await,
        vec![a_id.clone()]
    );

    let body = json!({"groups": ["x"]}).to_string();
    let r = call(
        &service,
        "POST",
        "/api/hubs/hub/:addToGroups",
        Some("application/json"),
        body.as_bytes(),
    )
    .await;
    assert_eq!(r.status, 200);
    let mut both = vec![a_id.clone(), b_id.clone()];
    both.sort();
    assert_eq!(group_members(&service, "hub", "x").await, both);

    let body = json!({"groups": ["x", "y"], "filter": "userId ne 'bob'"}).to_string();
    let r = call(
        &service,
        "POST",
        "/api/hubs/hub/:removeFromGroups",
        Some("application/json"),
        body.as_bytes(),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(group_members(&service, "hub", "x").await, vec![b_id]);
    assert!(group_members(&service, "hub", "y").await.is_empty());
    service.shutdown().await;
}

#[tokio::test]
async fn group_connection_listing_pages() {
    let service = start().await;
    let mut clients = Vec::new();
    for user in ["u1", "u2", "u3"] {
        clients.push(raw_client(&service, "hub", Some(user), &["members"]).await);
    }
    let _anonymous = raw_client(&service, "hub", None, &["members"]).await;
    let r = call(
        &service,
        "GET",
        "/api/hubs/hub/groups/members/connections?api-version=2024-12-01&maxpagesize=3",
        None,
        b"",
    )
    .await;
    assert_eq!(r.status, 200);
    let page = r.json();
    assert_eq!(page["value"].as_array().unwrap().len(), 3);
    let next = page["nextLink"].as_str().unwrap().to_owned();
    assert!(next.starts_with(&service.endpoint()));
    // Follow nextLink with a token for exactly that URL.
    let path = next.strip_prefix(&service.endpoint()).unwrap();
    let r = raw_request(
        &service,
        "GET",
        path,
        &[("Authorization", format!("Bearer {}", rest_token(&next)))],
        b"",
    )
    .await;
    assert_eq!(r.status, 200);
    let last = r.json();
    assert_eq!(last["value"].as_array().unwrap().len(), 1);
    assert!(last.get("nextLink").is_none());
    let mut users: Vec<Value> = page["value"]
        .as_array()
        .unwrap()
        .iter()
        .chain(last["value"].as_array().unwrap())
        .map(|v| v.get("userId").cloned().unwrap_or(Value::Null))
        .collect();
    users.sort_by_key(|v| v.to_string());
    assert_eq!(
        users,
        vec![json!("u1"), json!("u2"), json!("u3"), Value::Null]
    );

    let r = call(
        &service,
        "GET",
        "/api/hubs/hub/groups/members/connections?api-version=2024-12-01&top=2&maxpagesize=1",
        None,
        b"",
    )
    .await;
    let first = r.json();
    assert_eq!(first["value"].as_array().unwrap().len(), 1);
    let next = first["nextLink"].as_str().unwrap().to_owned();
    let path = next.strip_prefix(&service.endpoint()).unwrap();
    let r = raw_request(
        &service,
        "GET",
        path,
        &[("Authorization", format!("Bearer {}", rest_token(&next)))],
        b"",
    )
    .await;
    let second = r.json();
    assert_eq!(second["value"].as_array().unwrap().len(), 1);
    assert!(
        second.get("nextLink").is_none(),
        "top=2 ends after two items"
    );
    assert_ne!(first["value"][0], second["value"][0]);
    service.shutdown().await;
}

async fn expect_closed(ws: &mut Ws, reason: &str) {
    match next_message(ws).await {
        Message::Close(Some(frame)) => {
            assert_eq!(frame.reason.as_str(), reason);
            assert_eq!(frame.code, CloseCode::Policy);
        }
        other => panic!("expected a close frame, got {other:?}"),
    }
}

#[tokio::test]
async fn closing_connections_users_groups_and_all() {
    let service = start().await;
    let (mut a, a_id) = raw_client_with_id(&service, "hub", Some("alice")).await;
    let (mut json, json_id) = json_client(&service, "hub", Some("carol"), &[], JSON_V1).await;

    let r = call(
        &service,
        "DELETE",
        &format!("/api/hubs/hub/connections/{json_id}?reason=bye%20now"),
        None,
        b"",
    )
    .await;
    assert_eq!(r.status, 204);
    assert_eq!(
        next_json(&mut json).await,
        json!({"type":"system","event":"disconnected","message":"bye now"})
    );
    expect_closed(&mut json, "bye now").await;
    assert_eq!(
        call(
            &service,
            "HEAD",
            &format!("/api/hubs/hub/connections/{json_id}"),
            None,
            b""
        )
        .await
        .status,
        404
    );
    // Closing a connection that does not exist is still 204.
    assert_eq!(
        call(
            &service,
            "DELETE",
            "/api/hubs/hub/connections/missing",
            None,
            b""
        )
        .await
        .status,
        204
    );

    let mut b1 = raw_client(&service, "hub", Some("bob"), &[]).await;
    let (mut b2, b2_id) = raw_client_with_id(&service, "hub", Some("bob")).await;
    let r = call(
        &service,
        "POST",
        &format!("/api/hubs/hub/users/bob/:closeConnections?excluded={b2_id}&reason=user"),
        None,
        b"",
    )
    .await;
    assert_eq!(r.status, 204);
    expect_closed(&mut b1, "user").await;

    let mut g = raw_client(&service, "hub", Some("gina"), &["room"]).await;
    let r = call(
        &service,
        "POST",
        "/api/hubs/hub/groups/room/:closeConnections?reason=group",
        None,
        b"",
    )
    .await;
    assert_eq!(r.status, 204);
    expect_closed(&mut g, "group").await;
    assert_eq!(
        call(&service, "HEAD", "/api/hubs/hub/users/gina", None, b"")
            .await
            .status,
        404
    );

    let r = call(
        &service,
        "POST",
        &format!("/api/hubs/hub/:closeConnections?excluded={a_id}&reason=all"),
        None,
        b"",
    )
    .await;
    assert_eq!(r.status, 204);
    expect_closed(&mut b2, "all").await;
    send_text(&service, "/api/hubs/hub/:send", "still here").await;
    assert_eq!(next_text(&mut a).await, "still here");
    service.shutdown().await;
}

#[tokio::test]
async fn permissions_grant_check_revoke() {
    let service = start().await;
    let (_a, a_id) = raw_client_with_id(&service, "hub", Some("alice")).await;
    let path = format!("/api/hubs/hub/permissions/sendToGroup/connections/{a_id}");
    assert_eq!(
        call(
            &service,
            "HEAD",
            &format!("{path}?targetName=g1"),
            None,
            b""
        )
        .await
        .status,
        404
    );
    assert_eq!(
        call(&service, "PUT", &format!("{path}?targetName=g1"), None, b"")
            .await
            .status,
        200
    );
    assert_eq!(
        call(
            &service,
            "HEAD",
            &format!("{path}?targetName=g1"),
            None,
            b""
        )
        .await
        .status,
        200
    );
    assert_eq!(
        call(
            &service,
            "HEAD",
            &format!("{path}?targetName=g2"),
            None,
            b""
        )
        .await
        .status,
        404
    );
    assert_eq!(call(&service, "HEAD", &path, None, b"").await.status, 404);
    assert_eq!(call(&service, "PUT", &path, None, b"").await.status, 200);
    assert_eq!(
        call(
            &service,
            "HEAD",
            &format!("{path}?targetName=g2"),
            None,
            b""
        )
        .await
        .status,
        200
    );
    assert_eq!(call(&service, "DELETE", &path, None, b"").await.status, 204);
    assert_eq!(
        call(
            &service,
            "HEAD",
            &format!("{path}?targetName=g1"),
            None,
            b""
        )
        .await
        .status,
        404
    );
    let other = format!("/api/hubs/hub/permissions/joinLeaveGroup/connections/{a_id}");
    assert_eq!(
        call(
            &service,
            "PUT",
            &format!("{other}?targetName=g1"),
            None,
            b""
        )
        .await
        .status,
        200
    );
    assert_eq!(
        call(
            &service,
            "DELETE",
            &format!("{other}?targetName=g1"),
            None,
            b""
        )
        .await
        .status,
        204
    );
    assert_eq!(
        call(
            &service,
            "HEAD",
            &format!("{other}?targetName=g1"),
            None,
            b""
        )
        .await
        .status,
        404
    );
    assert_eq!(
        call(
            &service,
            "PUT",
            "/api/hubs/hub/permissions/sendToGroup/connections/missing",
            None,
            b""
        )
        .await
        .status,
        404
    );
    service.shutdown().await;
}

#[tokio::test]
async fn generate_token_claims() {
    use base64::Engine;
    let service = start().await;
    let q = "/api/hubs/Chat/:generateToken?userId=u1&role=webpubsub.sendToGroup&role=webpubsub.joinLeaveGroup.g&group=g1&group=g2&minutesToExpire=5";
    let r = call(&service, "POST", q, None, b"").await;
    assert_eq!(r.status, 200);
    let token = r.json()["token"].as_str().unwrap().to_owned();
    let payload = token.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        claims["aud"],
        format!("{}/client/hubs/Chat", service.endpoint())
    );
    assert_eq!(claims["sub"], "u1");
    assert_eq!(
        claims["role"],
        json!(["webpubsub.sendToGroup", "webpubsub.joinLeaveGroup.g"])
    );
    assert_eq!(claims["webpubsub.group"], json!(["g1", "g2"]));
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        300
    );

    let r = call(&service, "POST", "/api/hubs/Chat/:generateToken", None, b"").await;
    let token = r.json()["token"].as_str().unwrap().to_owned();
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    assert!(claims.get("sub").is_none());
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        3600
    );
    // The token is accepted on the WebSocket endpoint, here in an Authorization header.
    let url = format!(
        "ws://127.0.0.1:{}/client/hubs/Chat",
        service.local_addr().port()
    );
    let mut request =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(url)
            .unwrap();
    request
        .headers_mut()
        .insert("Authorization", format!("Bearer {token}").parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    send_text(&service, "/api/hubs/Chat/:send", "header token works").await;
    assert_eq!(next_text(&mut ws).await, "header token works");
    service.shutdown().await;
}
