//! OData filters on sends pick exactly the matching connections.

mod common;

use common::*;

#[tokio::test]
async fn filters_select_by_user_connection_and_group() {
    let service = start().await;
    let (mut a, a_id) = raw_client_with_id(&service, "hub", Some("alice")).await;
    let (mut b, _) = raw_client_with_id(&service, "hub", Some("bob")).await;
    let mut c = raw_client(&service, "hub", None, &["vip"]).await;
    let filters = [
        ("userId eq 'alice'", "1"),
        ("userId ne 'alice'", "2"),
        (&*format!("connectionId eq '{a_id}'"), "3"),
        ("'vip' in groups", "4"),
        ("not ('vip' in groups)", "5"),
        ("userId eq 'alice' or 'vip' in groups", "6"),
        (
            "(userId eq 'alice' or userId eq 'bob') and not (userId eq 'bob')",
            "7",
        ),
        ("userId eq null", "8"),
    ];
    for (filter, text) in filters {
        let q = url_encode(filter);
        send_text(&service, &format!("/api/hubs/hub/:send?filter={q}"), text).await;
    }
    send_text(
        &service,
        "/api/hubs/hub/groups/vip/:send?filter=userId%20eq%20'nobody'",
        "9",
    )
    .await;
    send_text(
        &service,
        "/api/hubs/hub/users/alice/:send?filter=userId%20eq%20'bob'",
        "10",
    )
    .await;
    send_text(&service, "/api/hubs/hub/:send", "end").await;
    let got = |expected: &[&str]| expected.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let expect_a = got(&["1", "3", "5", "6", "7", "end"]);
    let expect_b = got(&["2", "5", "end"]);
    let expect_c = got(&["2", "4", "6", "8", "end"]);
    for (ws, expected) in [(&mut a, expect_a), (&mut b, expect_b), (&mut c, expect_c)] {
        let mut received = Vec::new();
        while received.last().map(String::as_str) != Some("end") {
            received.push(next_text(ws).await);
        }
        assert_eq!(received, expected);
    }
    service.shutdown().await;
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A filter this large is evaluated a few connections at a time, the hub's lock released in
/// between, so one such request does not stall the hub's other calls for its whole run; what
/// it selects must be exactly what one pass would select, for sends in every scope, group
/// changes and closes.
#[tokio::test]
async fn a_filter_evaluated_in_batches_selects_exactly_the_matching_connections() {
    let mut limits = webpubsub_local::Limits::default();
    limits.max_filter_length = 1024 * 1024;
    let service = start_with(limits).await;
    let mut clients = Vec::new();
    for i in 0..100usize {
        let (ws, id) = raw_client_with_id(&service, "big", Some(&format!("u{i}"))).await;
        if i.is_multiple_of(2) {
            let path = format!("/api/hubs/big/groups/even/connections/{id}");
            assert_eq!(call(&service, "PUT", &path, None, b"").await.status, 200);
        }
        clients.push((ws, id));
    }
    let chosen = |i: usize| i.is_multiple_of(3);
    // Some 1,500 terms (the URL stays under hyper's 64 KiB): a batch covers some 43
    // connections, so the 100 take three.
    let terms: Vec<String> = (0..100)
        .filter(|i| chosen(*i))
        .map(|i| format!("userId eq 'u{i}'"))
        .chain(std::iter::repeat_n("'a' eq 'b'".to_owned(), 1_466))
        .collect();
    let filter = terms.join(" or ");
    let q = url_encode(&filter);
    send_text(&service, &format!("/api/hubs/big/:send?filter={q}"), "all").await;
    send_text(
        &service,
        &format!("/api/hubs/big/groups/even/:send?filter={q}"),
        "group",
    )
    .await;
    send_text(
        &service,
        &format!("/api/hubs/big/users/u3/:send?filter={q}"),
        "user",
    )
    .await;
    send_text(&service, "/api/hubs/big/:send", "end").await;
    for (i, (ws, _)) in clients.iter_mut().enumerate() {
        let mut expected = Vec::new();
        if chosen(i) {
            expected.push("all");
        }
        if chosen(i) && i.is_multiple_of(2) {
            expected.push("group");
        }
        if i == 3 {
            expected.push("user");
        }
        expected.push("end");
        let mut got = Vec::new();
        while got.last().map(String::as_str) != Some("end") {
            got.push(next_text(ws).await);
        }
        assert_eq!(got, expected, "u{i}");
    }
    let mut picked: Vec<String> = clients
        .iter()
        .enumerate()
        .filter(|(i, _)| chosen(*i))
        .map(|(_, (_, id))| id.clone())
        .collect();
    picked.sort();
    let body =
        serde_json::to_vec(&serde_json::json!({"groups": ["picked"], "filter": filter})).unwrap();
    let r = call(
        &service,
        "POST",
        "/api/hubs/big/:addToGroups",
        Some("application/json"),
        &body,
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(group_members(&service, "big", "picked").await, picked);
    let r = call(
        &service,
        "POST",
        &format!("/api/hubs/big/:closeConnections?filter={q}"),
        None,
        b"",
    )
    .await;
    assert_eq!(r.status, 204);
    assert!(group_members(&service, "big", "picked").await.is_empty());
    for (i, (_, id)) in clients.iter().enumerate() {
        let r = call(
            &service,
            "HEAD",
            &format!("/api/hubs/big/connections/{id}"),
            None,
            b"",
        )
        .await;
        assert_eq!(r.status, if chosen(i) { 404 } else { 200 }, "u{i}");
    }
    service.shutdown().await;
}
