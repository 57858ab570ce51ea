//! Reliable-subprotocol recovery with a raw WebSocket client: a client whose socket drops
//! reconnects with `awps_connection_id` and `awps_reconnection_token` and gets the same
//! connection back, with every message after its last `sequenceAck` redelivered in order,
//! exactly once. (interop/node/interop.mjs checks the same with Microsoft's client SDK.)

mod common;

use common::*;
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use webpubsub_local::{Limits, RunningService};

const RELIABLE: &str = "json.reliable.webpubsub.azure.v1";

/// A reliable client; returns it, its connection id and its reconnection token.
async fn reliable_client(service: &RunningService, roles: &[&str]) -> (Ws, String, String) {
    let token = client_token(service, "h", Some("r"), roles, &[]).await;
    let mut ws = connect_with(service, "h", &token, Some(RELIABLE))
        .await
        .unwrap();
    let connected = next_json(&mut ws).await;
    assert_eq!(connected["event"], "connected");
    (
        ws,
        connected["connectionId"].as_str().unwrap().to_owned(),
        connected["reconnectionToken"].as_str().unwrap().to_owned(),
    )
}

/// Reconnects with the recovery parameters only (no access token, as Azure documents).
async fn recover(service: &RunningService, id: &str, token: &str) -> Ws {
    let url = format!(
        "ws://127.0.0.1:{}/client/hubs/h?awps_connection_id={}&awps_reconnection_token={}",
        service.local_addr().port(),
        q(id),
        q(token)
    );
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("Sec-WebSocket-Protocol", RELIABLE.parse().unwrap());
    tokio::time::timeout(GUARD, tokio_tungstenite::connect_async(request))
        .await
        .unwrap()
        .unwrap()
        .0
}

/// The next data message: `(sequenceId, data)`.
async fn next_data(ws: &mut Ws) -> (u64, String) {
    let m: Value = next_json(ws).await;
    assert_eq!(m["type"], "message", "{m}");
    (
        m["sequenceId"].as_u64().unwrap(),
        m["data"].as_str().unwrap().to_owned(),
    )
}

async fn send_to(service: &RunningService, id: &str, text: &str) {
    send_text(
        service,
        &format!("/api/hubs/h/connections/{id}/:send"),
        text,
    )
    .await;
}

async fn exists(service: &RunningService, id: &str) -> u16 {
    call(
        service,
        "HEAD",
        &format!("/api/hubs/h/connections/{id}"),
        None,
        b"",
    )
    .await
    .status
}

#[tokio::test]
async fn a_dropped_reliable_connection_resumes_with_everything_after_its_ack() {
    let service = start().await;
    let (mut ws, id, token) = reliable_client(&service, &["webpubsub.joinLeaveGroup"]).await;
    send_json(
        &mut ws,
        json!({"type": "joinGroup", "group": "g", "ackId": 1}),
    )
    .await;
    assert_eq!(next_json(&mut ws).await["success"], true);
    for i in 1..=10 {
        send_to(&service, &id, &format!("m{i}")).await;
    }
    for i in 1..=5 {
        assert_eq!(next_data(&mut ws).await, (i, format!("m{i}")));
    }
    send_json(&mut ws, json!({"type": "sequenceAck", "sequenceId": 3})).await;
    // The ack is handled before the ping's pong comes back.
    send_json(&mut ws, json!({"type": "ping"})).await;
    loop {
        if next_json(&mut ws).await["type"] == "pong" {
            break;
        }
    }
    // The network fails: the TCP connection goes without a close frame.
    drop(ws);
    // Sent while no socket is attached: kept for the client.
    for i in 11..=15 {
        send_to(&service, &id, &format!("m{i}")).await;
    }
    send_text(&service, "/api/hubs/h/groups/g/:send", "m16").await;
    assert_eq!(
        exists(&service, &id).await,
        200,
        "the connection waits for its client"
    );

    let mut ws = recover(&service, &id, &token).await;
    let connected = next_json(&mut ws).await;
    assert_eq!(connected["event"], "connected");
    assert_eq!(
        connected["connectionId"],
        id.as_str(),
        "the same connection"
    );
    for i in 4..=16 {
        assert_eq!(
            next_data(&mut ws).await,
            (i, format!("m{i}")),
            "redelivered in order"
        );
    }
    // Nothing twice: the next frame is a fresh message with the next sequence id.
    send_to(&service, &id, "m17").await;
    assert_eq!(next_data(&mut ws).await, (17, "m17".to_owned()));
    // A publisher resending after the reconnect learns its request was already processed.
    send_json(
        &mut ws,
        json!({"type": "joinGroup", "group": "g", "ackId": 1}),
    )
    .await;
    let ack = next_json(&mut ws).await;
    assert_eq!(ack["error"]["name"], "Duplicate", "{ack}");
    service.shutdown().await;
}

#[tokio::test]
async fn a_wrong_token_is_refused_and_the_session_stays_resumable() {
    let service = start().await;
    let (ws, id, token) = reliable_client(&service, &[]).await;
    drop(ws);
    send_to(&service, &id, "kept").await;
    for (bad_id, bad_token) in [
        (id.as_str(), "wrong"),
        (id.as_str(), ""),
        ("no-such-connection", token.as_str()),
    ] {
        let mut refused = recover(&service, bad_id, bad_token).await;
        let (code, reason) = close_of(&mut refused).await;
        assert_eq!(code, 1008, "Microsoft's clients stop recovering on 1008");
        assert!(reason.starts_with("cannot recover connection"), "{reason}");
    }
    let mut ws = recover(&service, &id, &token).await;
    assert_eq!(next_json(&mut ws).await["event"], "connected");
    assert_eq!(next_data(&mut ws).await, (1, "kept".to_owned()));
    service.shutdown().await;
}

#[tokio::test]
async fn an_unresumed_connection_is_removed_after_the_recovery_window() {
    let mut limits = Limits::default();
    limits.recovery_window = Duration::from_millis(200);
    let service = start_with(limits).await;
    let (ws, id, token) = reliable_client(&service, &[]).await;
    drop(ws);
    let deadline = tokio::time::Instant::now() + GUARD;
    while exists(&service, &id).await == 200 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(exists(&service, &id).await, 404);
    let mut refused = recover(&service, &id, &token).await;
    assert_eq!(close_of(&mut refused).await.0, 1008);
    service.shutdown().await;
}

#[tokio::test]
async fn a_closed_connection_cannot_be_resumed_and_non_reliable_ones_end_with_their_socket() {
    let service = start().await;
    let (mut ws, id, token) = reliable_client(&service, &[]).await;
    let r = call(
        &service,
        "DELETE",
        &format!("/api/hubs/h/connections/{id}"),
        None,
        b"",
    )
    .await;
    assert_eq!(r.status, 204);
    assert_eq!(close_of(&mut ws).await.0, 1008);
    let mut refused = recover(&service, &id, &token).await;
    assert_eq!(close_of(&mut refused).await.0, 1008);

    let (json_ws, json_id) = json_client(&service, "h", None, &[], "json.webpubsub.azure.v1").await;
    drop(json_ws);
    let deadline = tokio::time::Instant::now() + GUARD;
    while exists(&service, &json_id).await == 200 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(exists(&service, &json_id).await, 404);
    service.shutdown().await;
}

/// Azure: a backlog of unacknowledged messages past the limit closes the connection and drops
/// its session.
#[tokio::test]
async fn an_unacknowledged_backlog_past_the_limit_ends_the_session() {
    let mut limits = Limits::default();
    limits.outbound_queue_bytes = 4 * 1024;
    let service = start_with(limits).await;
    let (mut ws, id, _token) = reliable_client(&service, &[]).await;
    let chunk = "x".repeat(1000);
    for _ in 0..3 {
        send_to(&service, &id, &chunk).await;
    }
    // The client reads but never acknowledges: the backlog still grows.
    for i in 1..=3 {
        assert_eq!(next_data(&mut ws).await.0, i);
    }
    send_to(&service, &id, &chunk).await;
    send_to(&service, &id, &chunk).await;
    let (code, reason) = close_of(&mut ws).await;
    assert_eq!(code, 1008);
    assert!(reason.contains("did not send sequenceAck"), "{reason}");
    assert_eq!(exists(&service, &id).await, 404);
    service.shutdown().await;
}

#[tokio::test]
async fn a_reliable_client_that_closes_its_socket_ends_its_connection_at_once() {
    let service = start().await;
    let (mut ws, id) = json_client(
        &service,
        "hub",
        None,
        &[],
        "json.reliable.webpubsub.azure.v1",
    )
    .await;
    ws.close(None).await.unwrap();
    // The close reply, then the end of the stream.
    while let Ok(Some(Ok(_))) = tokio::time::timeout(GUARD, ws.next()).await {}
    let path = format!("/api/hubs/hub/connections/{id}?{API}");
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let status = call(&service, "HEAD", &path, None, b"").await.status;
        if status == 404 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the connection still exists (status {status}): it waits out the recovery window"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Whether the dashboard shows connection `id` as waiting for its client (socket dropped).
async fn waiting(service: &RunningService, id: &str) -> bool {
    let state = call(service, "GET", "/_dashboard/api/state", None, b"").await;
    state.json()["hubs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|h| h["connections"].as_array().unwrap().iter())
        .any(|c| c["connectionId"] == id && c["online"] == false)
}

async fn until_waiting(service: &RunningService, id: &str) {
    let deadline = tokio::time::Instant::now() + GUARD;
    while !waiting(service, id).await {
        assert!(tokio::time::Instant::now() < deadline, "{id} never dropped");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Each dropped reliable connection could keep its whole outbound limit (16 MiB) for the
/// recovery window, so many dropping at once held that many times over. `recovery_bytes`
/// bounds them together: the connection that dropped first is given up first (its recovery
/// is refused as for an expired window), what is kept while dropped counts too, and the
/// others resume with everything.
#[tokio::test]
async fn dropped_connections_share_one_recovery_budget_oldest_given_up_first() {
    let mut limits = Limits::default();
    limits.recovery_bytes = 100 * 1024;
    let service = start_with(limits).await;
    let chunk = "x".repeat(40 * 1024);
    let (a, a_id, a_token) = reliable_client(&service, &[]).await;
    send_to(&service, &a_id, &chunk).await;
    drop(a);
    until_waiting(&service, &a_id).await;
    let (b, b_id, b_token) = reliable_client(&service, &[]).await;
    send_to(&service, &b_id, &chunk).await;
    drop(b);
    until_waiting(&service, &b_id).await;
    assert_eq!(exists(&service, &a_id).await, 200, "80 KiB fit the budget");
    // Kept for b while it is away: 120 KiB in all, so a, the first to drop, goes.
    send_to(&service, &b_id, "small").await;
    send_to(&service, &b_id, &chunk).await;
    assert_eq!(exists(&service, &a_id).await, 404);
    let mut refused = recover(&service, &a_id, &a_token).await;
    let (code, reason) = close_of(&mut refused).await;
    assert_eq!(code, 1008, "Microsoft's clients then connect anew");
    assert!(reason.starts_with("cannot recover connection"), "{reason}");

    let mut b = recover(&service, &b_id, &b_token).await;
    assert_eq!(next_json(&mut b).await["event"], "connected");
    assert_eq!(next_data(&mut b).await, (1, chunk.clone()));
    assert_eq!(next_data(&mut b).await, (2, "small".to_owned()));
    assert_eq!(next_data(&mut b).await, (3, chunk.clone()));
    // A resumed connection no longer counts: two more drops of 40 KiB fit beside b's backlog
    // only because b is back.
    let (c, c_id, _) = reliable_client(&service, &[]).await;
    send_to(&service, &c_id, &chunk).await;
    drop(c);
    until_waiting(&service, &c_id).await;
    send_to(&service, &c_id, &chunk).await;
    assert_eq!(exists(&service, &c_id).await, 200);
    assert_eq!(exists(&service, &b_id).await, 200);
    service.shutdown().await;
}
