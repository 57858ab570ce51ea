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
