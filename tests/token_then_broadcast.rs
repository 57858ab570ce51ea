//! End to end: the generated `generate_token_then_broadcast` against a real HTTP server on
//! 127.0.0.1 that records requests. Every byte that matters on the wire is asserted.

use arazzo_runtime::{Client, WorkflowError};
use arazzo_suite::{Recorded, RecordingServer, Reply};
use pubsub_flows::{GenerateTokenThenBroadcastInputs, generate_token_then_broadcast};
use serde_json::json;

/// The Web PubSub data plane's answers: a token, then 202 for the broadcast.
fn azure_like(request: &Recorded) -> Reply {
    if request.path().ends_with("/:generateToken") {
        Reply::json(200, &json!({"token": "client-token-for-browsers"}))
    } else if request.path().ends_with("/:send") {
        Reply::empty(202)
    } else {
        Reply::empty(404)
    }
}

fn client_for(server: &RecordingServer) -> Client {
    Client::builder()
        .base_url("webPubSubApi", server.url())
        .build()
        .expect("client")
}

fn query(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[tokio::test]
async fn mints_a_token_then_broadcasts_the_message() {
    let server = RecordingServer::start(azure_like).await.unwrap();
    let mut inputs = GenerateTokenThenBroadcastInputs::new("service-jwt", "chat", "hello, world");
    inputs.user_id = Some("alice".into());
    inputs.minutes_to_expire = 30;

    let outputs = generate_token_then_broadcast(&client_for(&server), inputs)
        .await
        .unwrap();

    assert_eq!(outputs.token, "client-token-for-browsers");
    assert_eq!(outputs.broadcast_status, 202);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);

    let token = &requests[0];
    assert_eq!(token.method, "POST");
    assert_eq!(token.path(), "/api/hubs/chat/:generateToken");
    assert_eq!(
        token.query(),
        query(&[
            ("api-version", "2024-01-01"),
            ("userId", "alice"),
            ("minutesToExpire", "30")
        ])
    );
    assert_eq!(token.header("authorization"), Some("Bearer service-jwt"));
    assert_eq!(
        token.header("content-length"),
        Some("0"),
        "a POST without a body says so"
    );
    assert!(token.body.is_empty());

    let send = &requests[1];
    assert_eq!(send.method, "POST");
    assert_eq!(send.uri, "/api/hubs/chat/:send?api-version=2024-01-01");
    assert_eq!(send.header("authorization"), Some("Bearer service-jwt"));
    assert_eq!(send.header("content-type"), Some("text/plain"));
    assert_eq!(send.header("content-length"), Some("12"));
    assert_eq!(&send.body[..], b"hello, world");
}

#[tokio::test]
async fn absent_optional_inputs_are_not_sent_and_defaults_are() {
    let server = RecordingServer::start(azure_like).await.unwrap();
    let inputs = GenerateTokenThenBroadcastInputs::new("jwt", "chat", "hi");

    generate_token_then_broadcast(&client_for(&server), inputs)
        .await
        .unwrap();

    assert_eq!(
        server.requests()[0].query(),
        query(&[("api-version", "2024-01-01"), ("minutesToExpire", "60")])
    );
}

#[tokio::test]
async fn path_values_are_percent_encoded_as_one_segment() {
    let server = RecordingServer::start(azure_like).await.unwrap();
    let inputs = GenerateTokenThenBroadcastInputs::new("jwt", "a b/c", "hi");

    generate_token_then_broadcast(&client_for(&server), inputs)
        .await
        .unwrap();

    assert_eq!(
        server.requests()[0].path(),
        "/api/hubs/a%20b%2Fc/:generateToken"
    );
}

#[tokio::test]
async fn a_401_on_the_first_step_names_it_and_stops_the_flow() {
    let server = RecordingServer::start(|_: &Recorded| {
        Reply::json(
            401,
            &json!({"code": "Unauthorized", "message": "invalid token"}),
        )
    })
    .await
    .unwrap();
    let inputs = GenerateTokenThenBroadcastInputs::new("very-secret-jwt", "chat", "hi");

    let err = generate_token_then_broadcast(&client_for(&server), inputs)
        .await
        .unwrap_err();

    assert_eq!(err.step(), "generateToken");
    assert_eq!(err.status(), Some(401));
    assert!(matches!(
        err,
        WorkflowError::CriteriaNotMet {
            criterion: "$statusCode == 200",
            ..
        }
    ));
    let message = err.to_string();
    assert!(
        message.contains("`generateToken`") && message.contains("401"),
        "{message}"
    );
    assert!(
        message.contains("invalid token"),
        "the API's own message helps: {message}"
    );
    assert!(
        !message.contains("very-secret-jwt") && !format!("{err:?}").contains("very-secret-jwt")
    );
    assert_eq!(server.requests().len(), 1, "the broadcast must not be sent");
}

#[tokio::test]
async fn a_token_response_without_a_token_is_a_decode_error() {
    let server = RecordingServer::start(|_: &Recorded| Reply::json(200, &json!({"jwt": "x"})))
        .await
        .unwrap();
    let inputs = GenerateTokenThenBroadcastInputs::new("jwt", "chat", "hi");

    let err = generate_token_then_broadcast(&client_for(&server), inputs)
        .await
        .unwrap_err();

    assert_eq!(err.step(), "generateToken");
    assert_eq!(
        err.to_string(),
        "step `generateToken`: cannot read `$response.body#/token` as String: the response has no value there"
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_server_that_is_not_there_is_a_transport_error_naming_the_step() {
    let server = RecordingServer::start(azure_like).await.unwrap();
    let url = server.url();
    drop(server);
    let client = Client::builder()
        .base_url("webPubSubApi", url)
        .build()
        .unwrap();
    let inputs = GenerateTokenThenBroadcastInputs::new("jwt", "chat", "hi");

    let err = generate_token_then_broadcast(&client, inputs)
        .await
        .unwrap_err();

    assert!(
        matches!(
            err,
            WorkflowError::Transport {
                step: "generateToken",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn secrets_stay_out_of_debug() {
    let inputs = GenerateTokenThenBroadcastInputs::new("very-secret-jwt", "chat", "hi");
    let debug = format!("{inputs:?}");
    assert!(!debug.contains("very-secret-jwt"), "{debug}");
    assert!(debug.contains("chat"));
}
