//! Issue 8's attacks on the service, each now a clear refusal instead of a crash, a hang or
//! unbounded growth. Every test runs a real service on 127.0.0.1 with small limits where the
//! defaults would make the test slow.

mod common;

use common::*;
use futures_util::SinkExt;
use serde_json::json;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use webpubsub_local::Limits;

fn error_message(r: &Http) -> String {
    r.json()["message"].as_str().unwrap_or_default().to_owned()
}

/// 700 nested parentheses (1.4 KB) aborted the whole process with a stack overflow.
#[tokio::test]
async fn a_deeply_nested_filter_is_a_400() {
    let service = start().await;
    let deep = format!("{}userId eq 'a'{}", "(".repeat(700), ")".repeat(700));
    let r = call(
        &service,
        "POST",
        &format!("/api/hubs/h/:send?filter={}", q(&deep)),
        Some("text/plain"),
        b"x",
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["target"], "filter");
    assert!(error_message(&r).contains("deeper than the limit of 32"));
    // The service is still there.
    send_text(&service, "/api/hubs/h/:send", "alive").await;
    service.shutdown().await;
}

/// 20,000 `or` terms overflowed the stack; now they are refused by length by default, and
/// parsed (iteratively) and applied when the length limit allows them.
#[tokio::test]
async fn a_20000_term_or_chain_is_refused_by_length_or_applied() {
    let chain = (0..20_000)
        .map(|i| format!("userId eq 'u{i}'"))
        .collect::<Vec<_>>()
        .join(" or ");
    let body = serde_json::to_vec(&json!({"groups": ["picked"], "filter": chain})).unwrap();

    let service = start().await;
    let r = call(
        &service,
        "POST",
        "/api/hubs/h/:addToGroups",
        Some("application/json"),
        &body,
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(error_message(&r).contains("the limit is 32768 bytes"));
    service.shutdown().await;

    let mut limits = Limits::default();
    limits.max_filter_length = 1024 * 1024;
    let service = start_with(limits).await;
    let (_ws, id) = raw_client_with_id(&service, "h", Some("u19999")).await;
    let (_other, _) = raw_client_with_id(&service, "h", Some("nobody")).await;
    let r = call(
        &service,
        "POST",
        "/api/hubs/h/:addToGroups",
        Some("application/json"),
        &body,
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", String::from_utf8_lossy(&r.body));
    assert_eq!(group_members(&service, "h", "picked").await, vec![id]);
    service.shutdown().await;
}

/// `exp + skew` overflowed for a huge `exp`, and a token minted with the largest
/// `minutesToExpire` was refused.
#[tokio::test]
async fn huge_token_lifetimes_are_accepted() {
    let service = start().await;
    for exp in [json!(i64::MAX), json!(u64::MAX), json!(1e300)] {
        let url = format!("{}/api/hubs/h/:send?{API}", service.endpoint());
        let token = sign(&json!({"aud": url, "exp": exp}), KEY);
        let r = raw_request(
            &service,
            "POST",
            &format!("/api/hubs/h/:send?{API}"),
            &[
                ("Authorization", format!("Bearer {token}")),
                ("Content-Type", "text/plain".into()),
            ],
            b"x",
        )
        .await;
        assert_eq!(r.status, 202, "exp {exp}");
    }
    let r = call(
        &service,
        "POST",
        &format!("/api/hubs/h/:generateToken?minutesToExpire={}", i64::MAX),
        None,
        b"",
    )
    .await;
    assert_eq!(r.status, 200);
    let token = r.json()["token"].as_str().unwrap().to_owned();
    let ws = connect_with(&service, "h", &token, None).await;
    assert!(ws.is_ok(), "the service accepts the token it minted");
    service.shutdown().await;
}

/// REST capped bodies at 1 MiB while JSON clients could send 15 MiB: one limit now.
#[tokio::test]
async fn one_message_size_limit_for_rest_and_websocket() {
    let service = start().await;
    let limit = webpubsub_local::AZURE_MESSAGE_LIMIT;
    let r = call(
        &service,
        "POST",
        "/api/hubs/h/:send",
        Some("application/octet-stream"),
        &vec![7u8; limit + 1],
    )
    .await;
    assert_eq!(r.status, 413);
    assert!(error_message(&r).contains(&limit.to_string()));
    let r = call(
        &service,
        "POST",
        "/api/hubs/h/:send",
        Some("application/octet-stream"),
        &vec![7u8; limit],
    )
    .await;
    assert_eq!(r.status, 202);

    let (mut ws, _) = json_client(
        &service,
        "h",
        Some("big"),
        &["webpubsub.sendToGroup"],
        "json.webpubsub.azure.v1",
    )
    .await;
    let data = "x".repeat(limit);
    let frame = json!({"type": "sendToGroup", "group": "g", "dataType": "text", "data": data});
    ws.send(Message::Text(frame.to_string().into()))
        .await
        .unwrap();
    let (code, reason) = close_of(&mut ws).await;
    assert_eq!(code, 1009);
    assert!(
        reason.contains(&format!("limit of {limit} bytes")),
        "{reason}"
    );
    service.shutdown().await;
}

/// A client that never reads grew the service to 614 MB; now its queue is bounded and the
/// connection is closed when it overflows.
#[tokio::test]
async fn a_client_that_never_reads_is_disconnected() {
    let mut limits = Limits::default();
    limits.outbound_queue_bytes = 256 * 1024;
    let service = start_with(limits).await;
    let (_never_reads, id) = raw_client_with_id(&service, "h", Some("slow")).await;
    let chunk = vec![1u8; 512 * 1024];
    let mut gone = false;
    // Loopback socket buffers hold a few MB; 200 MB is far past them, and the loop stops as
    // soon as the connection is gone.
    for _ in 0..400 {
        let r = call(
            &service,
            "POST",
            &format!("/api/hubs/h/connections/{id}/:send"),
            Some("application/octet-stream"),
            &chunk,
        )
        .await;
        assert_eq!(r.status, 202);
        let exists = call(
            &service,
            "HEAD",
            &format!("/api/hubs/h/connections/{id}"),
            None,
            b"",
        )
        .await;
        if exists.status == 404 {
            gone = true;
            break;
        }
    }
    assert!(gone, "the slow connection was closed");
    service.shutdown().await;
}

/// The set of seen ackIds grew without bound; now it is a window.
#[tokio::test]
async fn ack_ids_are_remembered_in_a_bounded_window() {
    let mut limits = Limits::default();
    limits.ack_id_window = 3;
    let service = start_with(limits).await;
    let (mut ws, _) = json_client(
        &service,
        "h",
        None,
        &["webpubsub.joinLeaveGroup"],
        "json.webpubsub.azure.v1",
    )
    .await;
    for ack in [1, 2, 3, 4, 4, 1] {
        send_json(
            &mut ws,
            json!({"type": "joinGroup", "group": "g", "ackId": ack}),
        )
        .await;
    }
    let mut answers = Vec::new();
    for _ in 0..6 {
        let a = next_json(&mut ws).await;
        answers.push((a["ackId"].as_u64().unwrap(), a["success"] == true));
    }
    // 4 again is a duplicate; 1 fell out of the three-id window and is processed again.
    assert_eq!(
        answers,
        [
            (1, true),
            (2, true),
            (3, true),
            (4, true),
            (4, false),
            (1, true)
        ]
    );
    service.shutdown().await;
}

/// Malformed messages and non-integer ackIds were dropped without an answer.
#[tokio::test]
async fn bad_ack_ids_are_acked_and_garbage_closes_the_connection() {
    let service = start().await;
    let (mut ws, _) = json_client(
        &service,
        "h",
        None,
        &["webpubsub.joinLeaveGroup"],
        "json.webpubsub.azure.v1",
    )
    .await;
    for bad in [json!("seven"), json!(1.5), json!(-3)] {
        send_json(
            &mut ws,
            json!({"type": "joinGroup", "group": "g", "ackId": bad}),
        )
        .await;
        let ack = next_json(&mut ws).await;
        assert_eq!(ack["type"], "ack");
        assert_eq!(ack["ackId"], bad);
        assert_eq!(ack["success"], false);
        assert_eq!(ack["error"]["name"], "BadRequest");
    }
    send_json(&mut ws, json!({"type": "teleport", "ackId": 9})).await;
    let ack = next_json(&mut ws).await;
    assert_eq!(
        (ack["ackId"].clone(), ack["error"]["name"].clone()),
        (json!(9), json!("BadRequest"))
    );

    ws.send(Message::Text("{not json".into())).await.unwrap();
    let disconnected = next_json(&mut ws).await;
    assert_eq!(disconnected["event"], "disconnected");
    let (code, reason) = close_of(&mut ws).await;
    assert_eq!(code, 1008);
    assert!(reason.contains("not JSON"), "{reason}");
    service.shutdown().await;
}

#[tokio::test]
async fn a_binary_frame_on_a_json_subprotocol_closes_the_connection() {
    let service = start().await;
    let (mut ws, id) =
        json_client(&service, "h", None, &[], "json.reliable.webpubsub.azure.v1").await;
    ws.send(Message::Binary(vec![1u8, 2, 3].into()))
        .await
        .unwrap();
    let (code, reason) = close_of(&mut ws).await;
    assert_eq!(code, 1008);
    assert!(reason.contains("binary frames"), "{reason}");
    let r = call(
        &service,
        "HEAD",
        &format!("/api/hubs/h/connections/{id}"),
        None,
        b"",
    )
    .await;
    assert_eq!(r.status, 404, "removed, not kept for recovery");
    service.shutdown().await;
}

/// Group names with CR/LF or NUL were accepted.
#[tokio::test]
async fn control_characters_in_group_and_user_names_are_refused() {
    let service = start().await;
    let (_ws, id) = raw_client_with_id(&service, "h", None).await;
    for group in ["a%0D%0Ab", "a%00b", "a%0Ab"] {
        let r = call(
            &service,
            "PUT",
            &format!("/api/hubs/h/groups/{group}/connections/{id}"),
            None,
            b"",
        )
        .await;
        assert_eq!(r.status, 400, "{group}");
        assert_eq!(r.json()["target"], "group");
        let r = call(
            &service,
            "PUT",
            &format!("/api/hubs/h/users/{group}/groups/g"),
            None,
            b"",
        )
        .await;
        assert_eq!(r.status, 400, "user {group}");
        let r = call(
            &service,
            "POST",
            &format!("/api/hubs/h/:generateToken?userId={group}"),
            None,
            b"",
        )
        .await;
        assert_eq!(r.status, 400, "token for {group}");
    }
    let r = call(
        &service,
        "POST",
        "/api/hubs/h/:addToGroups",
        Some("application/json"),
        br#"{"groups":["ok","bad\u0000"]}"#,
    )
    .await;
    assert_eq!(r.status, 400);

    let (mut ws, _) = json_client(
        &service,
        "h",
        None,
        &["webpubsub.joinLeaveGroup"],
        "json.webpubsub.azure.v1",
    )
    .await;
    send_json(
        &mut ws,
        json!({"type": "joinGroup", "group": "a\r\nb", "ackId": 1}),
    )
    .await;
    let ack = next_json(&mut ws).await;
    assert_eq!(ack["success"], false);
    assert_eq!(ack["error"]["name"], "BadRequest");
    service.shutdown().await;
}

fn quick_timeouts() -> Limits {
    let mut limits = Limits::default();
    limits.header_read_timeout = Duration::from_millis(300);
    limits
}

/// Reads until the server closes the connection; returns what it sent.
async fn read_until_closed(stream: &mut TcpStream) -> String {
    let mut got = Vec::new();
    tokio::time::timeout(GUARD, stream.read_to_end(&mut got))
        .await
        .expect("the service closes the connection in time")
        .ok();
    String::from_utf8_lossy(&got).into_owned()
}

/// Idle TCP connections were kept forever (20,000 of them made the service unresponsive).
#[tokio::test]
async fn silent_and_slow_connections_are_closed_after_the_header_timeout() {
    let service = start_with(quick_timeouts()).await;
    let addr = service.local_addr();

    let mut silent = TcpStream::connect(addr).await.unwrap();
    assert_eq!(read_until_closed(&mut silent).await, "");

    let mut half = TcpStream::connect(addr).await.unwrap();
    half.write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // Closed in time (read_until_closed fails otherwise), whatever hyper says first.
    read_until_closed(&mut half).await;

    let mut slow_body = TcpStream::connect(addr).await.unwrap();
    let url = format!("{}/api/hubs/h/:send?{API}", service.endpoint());
    let head = format!(
        "POST /api/hubs/h/:send?{API} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nAuthorization: Bearer {}\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\nx",
        addr.port(),
        rest_token(&url)
    );
    slow_body.write_all(head.as_bytes()).await.unwrap();
    let answer = read_until_closed(&mut slow_body).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");

    // Keep-alive connections idle between requests go too.
    let mut keep = TcpStream::connect(addr).await.unwrap();
    keep.write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let answer = read_until_closed(&mut keep).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    service.shutdown().await;
}

/// At the connection limit, idle sockets make way for real requests; when every connection
/// is in use, a newcomer gets a 503 that says why.
#[tokio::test]
async fn the_connection_limit_prefers_working_connections() {
    let mut limits = Limits::default();
    limits.max_connections = 6;
    let service = start_with(limits).await;
    let addr = service.local_addr();
    let mut idle = Vec::new();
    for _ in 0..20 {
        idle.push(TcpStream::connect(addr).await.unwrap());
    }
    // Real requests still get through, displacing idle sockets.
    send_text(&service, "/api/hubs/h/:send", "through").await;
    let mut sockets = Vec::new();
    for _ in 0..6 {
        sockets.push(raw_client(&service, "h", None, &[]).await);
    }
    let deadline = tokio::time::Instant::now() + GUARD;
    while service.open_connections() > 6 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(service.open_connections(), 6);
    let r = raw_request(&service, "GET", "/api/health", &[], b"").await;
    assert_eq!(r.status, 503);
    assert!(String::from_utf8_lossy(&r.body).contains("connection limit"));
    drop(sockets);
    drop(idle);
    service.shutdown().await;
}

/// A WebSocket client that sends nothing (not even pongs) is closed after the idle timeout;
/// one that answers pings stays.
#[tokio::test]
async fn idle_websockets_are_closed_and_live_ones_kept() {
    let mut limits = Limits::default();
    limits.idle_timeout = Duration::from_millis(1000);
    let service = start_with(limits).await;
    let (mut live, live_id) = raw_client_with_id(&service, "h", Some("live")).await;
    let (_mute, mute_id) = raw_client_with_id(&service, "h", Some("mute")).await;
    // Reading lets tungstenite answer the service's pings.
    let reading = tokio::time::timeout(Duration::from_millis(3000), async {
        loop {
            let _ = futures_util::StreamExt::next(&mut live).await;
        }
    });
    let _ = reading.await;
    let exists = |id: String| {
        let service = &service;
        async move {
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
    };
    assert_eq!(exists(live_id).await, 200);
    assert_eq!(exists(mute_id).await, 404);
    service.shutdown().await;
}

/// The names of the hubs the service holds, from the dashboard's state.
async fn live_hubs(service: &webpubsub_local::RunningService) -> Vec<String> {
    let state = call(service, "GET", "/_dashboard/api/state", None, b"").await;
    assert_eq!(state.status, 200);
    let mut names: Vec<String> = state.json()["hubs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

/// Every hub name a client or REST caller used stayed in the hub map for good, so ever-new
/// names grew the process without bound. Now a hub that keeps nothing goes; one with a
/// connection or a user's group membership stays, and a forgotten hub comes back as new.
#[tokio::test]
async fn hubs_that_keep_nothing_are_forgotten() {
    let service = start().await;
    let _live = raw_client(&service, "live", Some("l"), &[]).await;
    let r = call(
        &service,
        "PUT",
        "/api/hubs/kept/users/u/groups/g",
        None,
        b"",
    )
    .await;
    assert_eq!(r.status, 200);
    for i in 0..40 {
        let hub = format!("come_and_go_{i}");
        let mut ws = raw_client(&service, &hub, Some("x"), &["room"]).await;
        send_text(
            &service,
            &format!("/api/hubs/{hub}/groups/room/:send"),
            "hi",
        )
        .await;
        assert_eq!(next_text(&mut ws).await, "hi");
        ws.close(None).await.unwrap();
        // Sends, memberships added and taken back, probes: none leaves anything behind.
        send_text(&service, &format!("/api/hubs/rest_only_{i}/:send"), "x").await;
        let user_group = format!("/api/hubs/rest_only_{i}/users/v/groups/g");
        assert_eq!(
            call(&service, "PUT", &user_group, None, b"").await.status,
            200
        );
        assert_eq!(
            call(&service, "DELETE", &user_group, None, b"")
                .await
                .status,
            204
        );
        let probe = format!("/api/hubs/probe_{i}/users/nobody");
        assert_eq!(call(&service, "HEAD", &probe, None, b"").await.status, 404);
    }
    // Closing handshakes finish on their own time.
    let deadline = tokio::time::Instant::now() + GUARD;
    while live_hubs(&service).await != ["kept", "live"] && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(live_hubs(&service).await, ["kept", "live"]);
    // What a kept hub holds still applies: the user's next connection is in its group.
    let _u = raw_client(&service, "kept", Some("u"), &[]).await;
    assert_eq!(group_members(&service, "kept", "g").await.len(), 1);
    // A forgotten hub works as a new one.
    let mut again = raw_client(&service, "come_and_go_0", None, &[]).await;
    send_text(&service, "/api/hubs/come_and_go_0/:send", "back").await;
    assert_eq!(next_text(&mut again).await, "back");
    service.shutdown().await;
}
