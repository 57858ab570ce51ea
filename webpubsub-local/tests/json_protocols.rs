//! The JSON subprotocols: connected messages, join/leave/sendToGroup/event with acks,
//! permissions from roles and from REST grants, sequence ids, and server closes.

mod common;

use common::*;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

const JSON_V1: &str = "json.webpubsub.azure.v1";
const RELIABLE: &str = "json.reliable.webpubsub.azure.v1";

#[tokio::test]
async fn subprotocol_is_negotiated_and_connected_comes_first() {
    let service = start().await;
    let token = client_token(&service, "hub", Some("u1"), &[], &[]).await;
    let url = format!(
        "ws://127.0.0.1:{}/client/hubs/hub?access_token={token}",
        service.local_addr().port()
    );
    let mut request =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(url)
            .unwrap();
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        format!("unknown.v1, {RELIABLE}").parse().unwrap(),
    );
    let (mut ws, response) = tokio_tungstenite::connect_async(request).await.unwrap();
    assert_eq!(response.headers()["sec-websocket-protocol"], RELIABLE);
    let connected = next_json(&mut ws).await;
    assert_eq!(connected["event"], "connected");
    assert_eq!(connected["userId"], "u1");
    assert!(
        connected["connectionId"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    );
    assert!(
        connected["reconnectionToken"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    );

    let (_plain, _) = json_client(&service, "hub", None, &[], JSON_V1).await;
    service.shutdown().await;
}

#[tokio::test]
async fn join_leave_and_send_need_permissions() {
    let service = start().await;
    let (mut a, a_id) = json_client(
        &service,
        "hub",
        Some("alice"),
        &["webpubsub.joinLeaveGroup.g1"],
        JSON_V1,
    )
    .await;
    let (mut b, _) = json_client(
        &service,
        "hub",
        Some("bob"),
        &["webpubsub.joinLeaveGroup", "webpubsub.sendToGroup"],
        JSON_V1,
    )
    .await;

    send_json(
        &mut a,
        json!({"type": "joinGroup", "group": "g1", "ackId": 1}),
    )
    .await;
    assert_eq!(
        next_json(&mut a).await,
        json!({"type": "ack", "ackId": 1, "success": true})
    );
    send_json(
        &mut a,
        json!({"type": "joinGroup", "group": "g2", "ackId": 2}),
    )
    .await;
    let ack = next_json(&mut a).await;
    assert_eq!(ack["success"], false);
    assert_eq!(ack["error"]["name"], "Forbidden");
    // Reusing an ackId is a Duplicate.
    send_json(
        &mut a,
        json!({"type": "joinGroup", "group": "g1", "ackId": 1}),
    )
    .await;
    assert_eq!(next_json(&mut a).await["error"]["name"], "Duplicate");

    // Not allowed to send until the server grants it.
    send_json(
        &mut a,
        json!({"type": "sendToGroup", "group": "g1", "ackId": 3, "dataType": "text", "data": "hi"}),
    )
    .await;
    assert_eq!(next_json(&mut a).await["error"]["name"], "Forbidden");
    let grant = format!("/api/hubs/hub/permissions/sendToGroup/connections/{a_id}?targetName=g1");
    assert_eq!(call(&service, "PUT", &grant, None, b"").await.status, 200);
    let join_any = format!("/api/hubs/hub/permissions/joinLeaveGroup/connections/{a_id}");
    assert_eq!(
        call(&service, "PUT", &join_any, None, b"").await.status,
        200
    );
    send_json(
        &mut a,
        json!({"type": "joinGroup", "group": "g2", "ackId": 4}),
    )
    .await;
    assert_eq!(next_json(&mut a).await["success"], true);

    send_json(
        &mut b,
        json!({"type": "joinGroup", "group": "g1", "ackId": 1}),
    )
    .await;
    assert_eq!(next_json(&mut b).await["success"], true);

    // Echo: the sender in the group gets its own message, then the ack.
    send_json(&mut a, json!({"type": "sendToGroup", "group": "g1", "ackId": 5, "dataType": "json", "data": {"n": 1}})).await;
    let expected = json!({"type":"message","from":"group","group":"g1","fromUserId":"alice","dataType":"json","data":{"n":1}});
    assert_eq!(next_json(&mut a).await, expected);
    assert_eq!(
        next_json(&mut a).await,
        json!({"type": "ack", "ackId": 5, "success": true})
    );
    assert_eq!(next_json(&mut b).await, expected);

    // noEcho: only the others.
    send_json(&mut a, json!({"type": "sendToGroup", "group": "g1", "ackId": 6, "noEcho": true, "dataType": "text", "data": "quiet"})).await;
    assert_eq!(
        next_json(&mut a).await,
        json!({"type": "ack", "ackId": 6, "success": true})
    );
    assert_eq!(next_json(&mut b).await["data"], "quiet");

    // The grant was for g1 only.
    send_json(
        &mut a,
        json!({"type": "sendToGroup", "group": "g2", "ackId": 7, "dataType": "text", "data": "x"}),
    )
    .await;
    assert_eq!(next_json(&mut a).await["error"]["name"], "Forbidden");

    // Revoking takes it away again.
    assert_eq!(
        call(&service, "DELETE", &grant, None, b"").await.status,
        204
    );
    send_json(
        &mut a,
        json!({"type": "sendToGroup", "group": "g1", "ackId": 8, "dataType": "text", "data": "x"}),
    )
    .await;
    assert_eq!(next_json(&mut a).await["error"]["name"], "Forbidden");

    // Leaving stops delivery; events are acked.
    send_json(
        &mut b,
        json!({"type": "leaveGroup", "group": "g1", "ackId": 2}),
    )
    .await;
    assert_eq!(next_json(&mut b).await["success"], true);
    send_json(
        &mut b,
        json!({"type": "event", "event": "custom", "ackId": 3, "dataType": "text", "data": "e"}),
    )
    .await;
    assert_eq!(
        next_json(&mut b).await,
        json!({"type": "ack", "ackId": 3, "success": true})
    );
    send_text(&service, "/api/hubs/hub/groups/g1/:send", "to g1").await;
    send_text(&service, "/api/hubs/hub/users/bob/:send", "marker").await;
    assert_eq!(next_json(&mut b).await["data"], "marker");
    assert_eq!(next_json(&mut a).await["data"], "to g1");
    service.shutdown().await;
}

#[tokio::test]
async fn client_messages_reach_raw_clients_as_frames() {
    let service = start().await;
    let (mut sender, _) = json_client(
        &service,
        "hub",
        Some("s"),
        &["webpubsub.sendToGroup"],
        JSON_V1,
    )
    .await;
    let mut raw = raw_client(&service, "hub", Some("r"), &["room"]).await;
    send_json(
        &mut sender,
        json!({"type": "sendToGroup", "group": "room", "dataType": "binary", "data": "AAEC"}),
    )
    .await;
    assert_eq!(
        next_message(&mut raw).await,
        Message::Binary(vec![0u8, 1, 2].into())
    );
    send_json(
        &mut sender,
        json!({"type": "sendToGroup", "group": "room", "dataType": "json", "data": {"a": [1]}}),
    )
    .await;
    assert_eq!(next_text(&mut raw).await, r#"{"a":[1]}"#);
    send_json(
        &mut sender,
        json!({"type": "sendToGroup", "group": "room", "dataType": "text", "data": "plain"}),
    )
    .await;
    assert_eq!(next_text(&mut raw).await, "plain");
    // A bad payload is refused in the ack.
    send_json(&mut sender, json!({"type": "sendToGroup", "group": "room", "ackId": 1, "dataType": "binary", "data": "%%%"})).await;
    assert_eq!(next_json(&mut sender).await["success"], false);
    service.shutdown().await;
}

#[tokio::test]
async fn reliable_protocol_numbers_messages_and_accepts_sequence_acks() {
    let service = start().await;
    let (mut ws, _) = json_client(
        &service,
        "hub",
        Some("r"),
        &["webpubsub.joinLeaveGroup"],
        RELIABLE,
    )
    .await;
    for i in 1..=3 {
        send_text(&service, "/api/hubs/hub/:send", &format!("m{i}")).await;
    }
    for i in 1..=3u64 {
        let m = next_json(&mut ws).await;
        assert_eq!(m["sequenceId"], i);
        assert_eq!(m["data"], format!("m{i}"));
        send_json(&mut ws, json!({"type": "sequenceAck", "sequenceId": i})).await;
    }
    // Acks carry no sequence id; the next message continues the count.
    send_json(
        &mut ws,
        json!({"type": "joinGroup", "group": "g", "ackId": 9}),
    )
    .await;
    let ack = next_json(&mut ws).await;
    assert_eq!(ack, json!({"type": "ack", "ackId": 9, "success": true}));
    send_text(&service, "/api/hubs/hub/groups/g/:send", "m4").await;
    let m = next_json(&mut ws).await;
    assert_eq!(m["sequenceId"], 4);
    assert_eq!(m["from"], "group");
    service.shutdown().await;
}

#[tokio::test]
async fn ping_is_answered_with_pong() {
    let service = start().await;
    let (mut ws, _) = json_client(&service, "hub", None, &[], JSON_V1).await;
    send_json(&mut ws, json!({"type": "ping"})).await;
    assert_eq!(next_json(&mut ws).await, json!({"type": "pong"}));
    service.shutdown().await;
}

#[tokio::test]
async fn shutdown_tells_clients() {
    let service = start().await;
    let (mut ws, _) = json_client(&service, "hub", None, &[], JSON_V1).await;
    service.shutdown().await;
    assert_eq!(
        next_json(&mut ws).await,
        json!({"type": "system", "event": "disconnected", "message": "Service shutdown"})
    );
    assert!(matches!(
        next_message(&mut ws).await,
        Message::Close(Some(_))
    ));
}
