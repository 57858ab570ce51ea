//! The message-step fixture's generated workflows (`golden/features_messages.rs`) against a
//! real WebSocket server on 127.0.0.1 (tokio-tungstenite) and the recording HTTP server: what
//! the connect carries (path, query, headers, subprotocol), what is sent, which message each
//! receive takes, and where a receive is joined. The same desk described in AsyncAPI 2.6
//! (`golden/features_v11_asyncapi_2_6.rs`) runs too, with a connect the server refuses.

use std::sync::{Arc, Mutex};

use arazzo_runtime::{Client, WorkflowError};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};

use arazzo_golden::features_messages::*;

mod support;
use support::{Reply, Server, json_reply};

/// What the WebSocket server saw: the connect's URI and headers, each JSON frame received, each
/// text frame that is not JSON, and each binary frame.
#[derive(Default)]
struct Seen {
    connects: Vec<(String, Vec<(String, String)>)>,
    frames: Vec<Value>,
    texts: Vec<String>,
    binaries: Vec<Vec<u8>>,
}

/// A WebSocket order desk: answers each `place` with the frames `answer` gives for its `ref`.
// The handshake callback's error type is tungstenite's (`ErrorResponse`), not ours.
#[allow(clippy::result_large_err)]
async fn desk(answer: fn(&str) -> Vec<Value>) -> (String, Arc<Mutex<Seen>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/ws", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Seen::default()));
    let log = Arc::clone(&seen);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let log = Arc::clone(&log);
            tokio::spawn(async move {
                let record = Arc::clone(&log);
                let callback = move |req: &Request, mut res: Response| {
                    let headers = req
                        .headers()
                        .iter()
                        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
                        .collect();
                    if let Some(p) = req.headers().get("sec-websocket-protocol") {
                        res.headers_mut()
                            .insert("sec-websocket-protocol", p.clone());
                    }
                    record
                        .lock()
                        .unwrap()
                        .connects
                        .push((req.uri().to_string(), headers));
                    Ok(res)
                };
                let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(stream, callback).await else {
                    return;
                };
                while let Some(Ok(frame)) = ws.next().await {
                    let text = match frame {
                        Message::Text(text) => text,
                        Message::Binary(bytes) => {
                            log.lock().unwrap().binaries.push(bytes.to_vec());
                            continue;
                        }
                        _ => continue,
                    };
                    let Ok(value) = serde_json::from_str::<Value>(text.as_str()) else {
                        log.lock().unwrap().texts.push(text.as_str().to_owned());
                        continue;
                    };
                    log.lock().unwrap().frames.push(value.clone());
                    if value["type"] == "place" {
                        for out in answer(value["ref"].as_str().unwrap_or_default()) {
                            ws.send(Message::text(out.to_string())).await.unwrap();
                        }
                    }
                }
            });
        }
    });
    (url, seen)
}

fn client(desk: &str, pets: &Server) -> Client {
    Client::builder()
        .base_url("desk", desk)
        .base_url("petStore", pets.url.clone())
        .build()
        .unwrap()
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

#[tokio::test]
async fn receives_the_correlated_message_sent_before_the_join_and_types_it() {
    // Another order's acceptance first (wrong `ref`), the shipment before the acceptance: the
    // receives listen from where they were reached and take only their own message.
    let (url, seen) = desk(|r| {
        vec![
            json!({"type": "accepted", "ref": "someone-else", "total": 1.0}),
            json!({"type": "shipped", "ref": r, "carrier": "ups"}),
            json!({"type": "accepted", "ref": r, "total": 12.5, "eta": "tomorrow", "lines": [
                {"sku": "sku-9", "backordered": true},
                {"sku": "sku-3"},
                {"sku": "sku-4", "backordered": true}
            ]}),
        ]
    })
    .await;
    let pets = Server::routes(&["GET /pets"], |_| json_reply(200, json!([{"id": 1}]))).await;
    let inputs = PlaceAndTrackInputs::new("main", "t-1", "order-7", "sku-9");
    let outputs = place_and_track(&client(&url, &pets), inputs).await.unwrap();

    assert_eq!(outputs.total, 12.5);
    // A JSONPath filter over the message payload: every backordered line's `sku`, typed
    // `Vec<String>` from the message schema.
    let backordered: &Vec<String> = &outputs.backordered;
    assert_eq!(backordered, &["sku-9", "sku-4"]);
    assert_eq!(outputs.eta.as_deref(), Some("tomorrow"));
    assert_eq!(outputs.decision["ref"], "order-7");
    assert_eq!(outputs.carrier, "ups");
    // A WebSocket message has no headers.
    assert_eq!(outputs.trace, None);
    assert_eq!(
        outputs.shipment.type_,
        PlaceAndTrackShippedShipmentType::Shipped
    );
    assert_eq!(outputs.shipment.ref_, "order-7");
    assert_eq!(outputs.shipment.tracking, None);

    let seen = seen.lock().unwrap();
    // Three steps, one connection: path and query parameters, handshake headers, the
    // subprotocol the step chose, the API key in the query.
    assert_eq!(seen.connects.len(), 1);
    let (uri, headers) = &seen.connects[0];
    assert_eq!(uri, "/ws/stores/main/orders?ticket=t-1&lang=en");
    assert_eq!(header(headers, "X-Client"), Some("arazzo"));
    assert_eq!(header(headers, "Sec-WebSocket-Protocol"), Some("orders.v2"));
    assert_eq!(
        seen.frames,
        [json!({"type": "place", "ref": "order-7", "sku": "sku-9", "quantity": 1})]
    );
    // `pets` dependsOn `decision`: it ran after the acceptance was joined.
    let calls = pets.calls();
    assert_eq!(calls, ["GET /pets"]);
    assert_eq!(pets.requests()[0].header("x-trace-id"), Some("order-7"));
}

#[tokio::test]
async fn a_message_that_fails_a_criterion_fails_the_step() {
    // A rejection is one of the operation's messages and carries the `ref`, so it is taken;
    // `$message.payload#/type == 'accepted'` then fails the step rather than waiting on.
    let (url, _) =
        desk(|r| vec![json!({"type": "rejected", "ref": r, "reason": "out of stock"})]).await;
    let pets = Server::routes(&["GET /pets"], |_| json_reply(200, json!([]))).await;
    let inputs = PlaceAndTrackInputs::new("main", "t-1", "order-8", "sku-9");
    let err = place_and_track(&client(&url, &pets), inputs)
        .await
        .unwrap_err();
    match &err {
        WorkflowError::MessageCriteriaNotMet {
            step,
            criterion,
            payload,
            ..
        } => {
            assert_eq!(*step, "decision");
            assert_eq!(*criterion, "$message.payload#/type == 'accepted'");
            assert!(payload.contains("out of stock"), "{payload}");
        }
        other => panic!("expected the criterion to fail the step, got {other:?}"),
    }
    // The HTTP step that depends on the receive never ran.
    assert!(pets.calls().is_empty());
}

#[tokio::test]
async fn a_receive_without_its_message_times_out_naming_the_step() {
    let (url, _) = desk(|_| Vec::new()).await;
    let pets = Server::routes(&["GET /pets"], |_| json_reply(200, json!([]))).await;
    let inputs = PlaceAndTrackInputs::new("main", "t-1", "order-9", "sku-9");
    let err = place_and_track(&client(&url, &pets), inputs)
        .await
        .unwrap_err();
    assert!(
        matches!(err, WorkflowError::Timeout { step: "decision", after } if after.as_millis() == 3000),
        "{err:?}"
    );
}

#[tokio::test]
async fn sends_write_the_literal_payload_with_its_replacements_and_a_text_message_on_the_default_subprotocol()
 {
    let (url, seen) = desk(|_| Vec::new()).await;
    let pets = Server::routes(&["GET /pets"], |_| json_reply(200, json!([]))).await;
    place_only(&client(&url, &pets), PlaceOnlyInputs::new("north", "t-2"))
        .await
        .unwrap();
    // The server reads in its own task: give it a moment (bounded) to record the frames.
    for _ in 0..100 {
        if !seen.lock().unwrap().texts.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let seen = seen.lock().unwrap();
    let (uri, headers) = &seen.connects[0];
    assert_eq!(uri, "/ws/stores/north/orders?ticket=t-2");
    assert_eq!(header(headers, "Sec-WebSocket-Protocol"), Some("orders.v1"));
    // `replacements` set `/ref` from an input.
    assert_eq!(
        seen.frames,
        [json!({"type": "place", "ref": "t-2", "sku": "sku-1", "quantity": 2})]
    );
    // A `text/plain` send is a text frame of the template filled in, as written.
    assert_eq!(seen.texts, [r#"ticket t-2: leave at the "back" door"#]);
    // An `application/octet-stream` send is a binary frame of the string's bytes.
    assert_eq!(seen.binaries, [b"PDF-1.7 t-2".to_vec()]);
}

// ---------------------------------------------------------------------------------------------
// A send with a message header (`place-urgent`): WebSocket frames carry none, so the built-in
// transport fails the send rather than drop it; a transport of the user's own receives it.

mod message_headers {
    use super::*;
    use arazzo_runtime::message::{
        BoxFuture, ConnectRequest, Connection, Message as Sent, MessageSender, MessageStream,
        Transport, TransportError,
    };

    /// Records each message sent; never answers.
    #[derive(Clone, Default)]
    struct Recording(Arc<Mutex<Vec<Sent>>>);

    struct Sender(Recording);
    struct Silent;

    impl Transport for Recording {
        fn connect(
            &self,
            _request: ConnectRequest,
        ) -> BoxFuture<'_, Result<Connection, TransportError>> {
            let sender = Sender(self.clone());
            Box::pin(async move { Ok(Connection::new(sender, Silent)) })
        }
    }

    impl MessageSender for Sender {
        fn send(&mut self, message: Sent) -> BoxFuture<'_, Result<(), TransportError>> {
            self.0.0.lock().unwrap().push(message);
            Box::pin(async { Ok(()) })
        }

        fn close(&mut self) -> BoxFuture<'_, Result<(), TransportError>> {
            Box::pin(async { Ok(()) })
        }
    }

    impl MessageStream for Silent {
        fn next(&mut self) -> BoxFuture<'_, Option<Result<Sent, TransportError>>> {
            Box::pin(std::future::pending())
        }
    }

    #[tokio::test]
    async fn a_transport_of_the_users_own_receives_the_message_header() {
        let recording = Recording::default();
        let client = Client::builder()
            .transport_for_source("desk", recording.clone())
            .build()
            .unwrap();
        place_urgent(&client, PlaceUrgentInputs::new("main", "t-1", "high"))
            .await
            .unwrap();
        let sent = recording.0.lock().unwrap();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].headers(), &json!({"X-Priority": "high"}));
        assert_eq!(sent[0].payload_value("/ref"), Some(&json!("urgent-1")));
    }

    #[tokio::test]
    async fn the_websocket_transport_fails_a_send_with_a_header_naming_the_step() {
        let (url, seen) = desk(|_| Vec::new()).await;
        let pets = Server::routes(&["GET /pets"], |_| json_reply(200, json!([]))).await;
        let err = place_urgent(
            &client(&url, &pets),
            PlaceUrgentInputs::new("main", "t-1", "high"),
        )
        .await
        .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("`place`"), "{text}");
        assert!(text.contains("carry no headers"), "{text}");
        // Nothing was sent without its header.
        assert!(seen.lock().unwrap().frames.is_empty());
    }
}

// ---------------------------------------------------------------------------------------------
// Message steps in a workflow with actions (`golden/features_messages_actions.rs`): the
// receive's failure (its `timeout` passing, or a criterion not met) runs its `onFailure`
// actions at the join; an HTTP step's `timeout` runs its own.

mod with_actions {
    use super::*;
    use arazzo_golden::features_messages_actions::*;

    /// A listener that accepts and never answers.
    async fn silent() -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((stream, _)) = listener.accept().await {
                held.push(stream);
            }
        });
        url
    }

    #[tokio::test]
    async fn a_correlation_id_that_never_matches_runs_the_receives_on_failure_goto() {
        // Decisions for other orders only: the step's 300 ms pass, and `onFailure` goes to
        // `report`, skipping `confirm`.
        let (url, seen) =
            desk(|_| vec![json!({"type": "accepted", "ref": "someone-else", "total": 1.0})]).await;
        let pets = Server::routes(&["GET /pets"], |_| json_reply(200, json!([]))).await;
        let started = std::time::Instant::now();
        let outputs = place_or_report(
            &client(&url, &pets),
            PlaceOrReportInputs::new("main", "t-1", "order-1", "sku-1"),
        )
        .await
        .unwrap();
        assert!(started.elapsed() >= std::time::Duration::from_millis(300));
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        assert_eq!(outputs.total, None);
        assert_eq!(outputs.reported, Some(200));
        let requests = pets.requests();
        assert_eq!(requests.len(), 1, "only `report` ran");
        assert_eq!(requests[0].header("x-trace-id"), Some("no-decision"));
        // The send ran between the listen and the join, on the receive's connection.
        let seen = seen.lock().unwrap();
        assert_eq!(seen.connects.len(), 1);
        assert_eq!(seen.frames.len(), 1);
    }

    #[tokio::test]
    async fn an_accepted_decision_is_joined_before_the_step_that_depends_on_it() {
        let (url, _) = desk(|r| vec![json!({"type": "accepted", "ref": r, "total": 12.5})]).await;
        let pets = Server::routes(&["GET /pets"], |_| json_reply(200, json!([]))).await;
        let outputs = place_or_report(
            &client(&url, &pets),
            PlaceOrReportInputs::new("main", "t-1", "order-2", "sku-1"),
        )
        .await
        .unwrap();
        assert_eq!(outputs.total, Some(12.5));
        assert_eq!(outputs.reported, None, "`confirm` ended the workflow");
        let requests = pets.requests();
        assert_eq!(requests.len(), 1);
        assert_eq!(requests[0].header("x-trace-id"), Some("order-2"));
    }

    #[tokio::test]
    async fn a_decision_that_fails_its_criterion_runs_the_receives_on_failure() {
        let (url, _) =
            desk(|r| vec![json!({"type": "rejected", "ref": r, "reason": "closed"})]).await;
        let pets = Server::routes(&["GET /pets"], |_| json_reply(200, json!([]))).await;
        let outputs = place_or_report(
            &client(&url, &pets),
            PlaceOrReportInputs::new("main", "t-1", "order-3", "sku-1"),
        )
        .await
        .unwrap();
        assert_eq!(outputs.total, None);
        assert_eq!(outputs.reported, Some(200));
        assert_eq!(pets.requests()[0].header("x-trace-id"), Some("no-decision"));
    }

    #[tokio::test]
    async fn an_http_step_past_its_timeout_runs_its_on_failure_actions() {
        // No decision, so `report` runs, against a server that never answers: its 300 ms
        // pass and its `onFailure` `end` ends the workflow normally.
        let (url, _) = desk(|_| Vec::new()).await;
        let client = Client::builder()
            .base_url("desk", url)
            .base_url("petStore", silent().await)
            .build()
            .unwrap();
        let started = std::time::Instant::now();
        let outputs = place_or_report(
            &client,
            PlaceOrReportInputs::new("main", "t-1", "order-4", "sku-1"),
        )
        .await
        .unwrap();
        assert!(started.elapsed() >= std::time::Duration::from_millis(600));
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        assert_eq!(outputs.total, None);
        assert_eq!(outputs.reported, None);
    }

    #[tokio::test]
    async fn a_rejected_decision_retries_the_receive_which_listens_and_places_again() {
        // The first `place` is rejected, the second accepted. `decision` is joined after the
        // last step; its `retry` runs it again (listening anew), then `place` and `log`.
        static PLACED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let (url, seen) = desk(|r| {
            if PLACED.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                vec![json!({"type": "rejected", "ref": r, "reason": "busy"})]
            } else {
                vec![json!({"type": "accepted", "ref": r, "total": 3.5})]
            }
        })
        .await;
        let pets = Server::routes(&["GET /pets"], |_| json_reply(200, json!([]))).await;
        let outputs = place_until_accepted(
            &client(&url, &pets),
            PlaceUntilAcceptedInputs::new("main", "t-1", "order-8"),
        )
        .await
        .unwrap();
        assert_eq!(outputs.total, 3.5);
        assert_eq!(seen.lock().unwrap().frames.len(), 2, "placed twice");
        assert_eq!(pets.requests().len(), 2, "`log` ran on each pass");
    }

    #[tokio::test]
    async fn a_decision_rejected_past_the_retry_limit_fails_naming_the_receive() {
        let (url, seen) =
            desk(|r| vec![json!({"type": "rejected", "ref": r, "reason": "closed"})]).await;
        let pets = Server::routes(&["GET /pets"], |_| json_reply(200, json!([]))).await;
        let err = place_until_accepted(
            &client(&url, &pets),
            PlaceUntilAcceptedInputs::new("main", "t-1", "order-9"),
        )
        .await
        .unwrap_err();
        match &err {
            WorkflowError::MessageCriteriaNotMet {
                step, criterion, ..
            } => {
                assert_eq!(*step, "decision");
                assert_eq!(*criterion, "$message.payload#/type == 'accepted'");
            }
            other => panic!("expected MessageCriteriaNotMet, got {other:?}"),
        }
        // `retryLimit: 1`: the first try and one retry.
        assert_eq!(seen.lock().unwrap().frames.len(), 2);
    }

    #[tokio::test]
    async fn workflow_level_failure_actions_run_for_a_decision_that_fails_its_criterion() {
        let (url, _) =
            desk(|r| vec![json!({"type": "rejected", "ref": r, "reason": "closed"})]).await;
        let pets = Server::routes(&["GET /pets"], |_| json_reply(200, json!([]))).await;
        let outputs = place_or_stop(
            &client(&url, &pets),
            PlaceOrStopInputs::new("main", "t-1", "order-10"),
        )
        .await
        .unwrap();
        // The workflow's `end` ran at the join: `confirm` never did.
        assert_eq!(outputs.total, None);
        assert_eq!(outputs.confirmed, None);
        assert!(pets.requests().is_empty());
    }

    #[tokio::test]
    async fn workflow_level_failure_actions_run_for_a_step_past_its_timeout() {
        let (url, _) = desk(|r| vec![json!({"type": "accepted", "ref": r, "total": 4.0})]).await;
        let client = Client::builder()
            .base_url("desk", url)
            .base_url("petStore", silent().await)
            .build()
            .unwrap();
        let started = std::time::Instant::now();
        let outputs = place_or_stop(&client, PlaceOrStopInputs::new("main", "t-1", "order-11"))
            .await
            .unwrap();
        assert!(started.elapsed() >= std::time::Duration::from_millis(300));
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        assert_eq!(outputs.total, Some(4.0));
        assert_eq!(
            outputs.confirmed, None,
            "`confirm` timed out, and `end` ran"
        );
    }

    #[tokio::test]
    async fn with_workflow_level_actions_an_accepted_decision_goes_on_to_confirm() {
        let (url, _) = desk(|r| vec![json!({"type": "accepted", "ref": r, "total": 4.0})]).await;
        let pets = Server::routes(&["GET /pets"], |_| json_reply(200, json!([]))).await;
        let outputs = place_or_stop(
            &client(&url, &pets),
            PlaceOrStopInputs::new("main", "t-1", "order-12"),
        )
        .await
        .unwrap();
        assert_eq!(outputs.total, Some(4.0));
        assert_eq!(outputs.confirmed, Some(200));
    }

    #[tokio::test]
    async fn a_workflow_of_message_steps_only_runs_as_a_step_of_another() {
        let (url, seen) = desk(|r| vec![json!({"type": "accepted", "ref": r, "total": 2.0})]).await;
        let pets = Server::routes(&["GET /pets"], |_| json_reply(200, json!([]))).await;
        let outputs = run_place_then_wait(
            &client(&url, &pets),
            RunPlaceThenWaitInputs::new("main", "t-1", "order-13"),
        )
        .await
        .unwrap();
        assert_eq!(outputs.type_.as_deref(), Some("accepted"));
        assert_eq!(seen.lock().unwrap().frames.len(), 1);
    }

    #[tokio::test]
    async fn a_last_receive_that_times_out_runs_its_on_failure_end() {
        let (url, seen) = desk(|_| Vec::new()).await;
        let pets = Server::routes(&["GET /pets"], |_| json_reply(200, json!([]))).await;
        let outputs = place_then_wait(
            &client(&url, &pets),
            PlaceThenWaitInputs::new("main", "t-1", "order-5"),
        )
        .await
        .unwrap();
        assert_eq!(outputs.type_, None);
        assert_eq!(seen.lock().unwrap().connects.len(), 1);
    }
}

// ---------------------------------------------------------------------------------------------
// An AsyncAPI 2.6 source (`golden/features_v11_asyncapi_2_6.rs`): the same desk described with
// `publish`/`subscribe`, a receive named by its qualified 2.6 operationId, a send named by
// `channelPath`, and a refused connect.

mod asyncapi_2_6 {
    use super::*;
    use arazzo_golden::features_v11_asyncapi_2_6::{PlaceAndDecideInputs, place_and_decide};

    fn inputs(reference: &str) -> PlaceAndDecideInputs {
        PlaceAndDecideInputs::new("north", "t-26", reference, "sku-3")
    }

    #[tokio::test]
    async fn a_subscribe_operation_receives_what_the_publish_operation_placed() {
        // Another order's acceptance and a rejection of another ref first: only the message
        // correlated by `ref` is taken.
        let (url, seen) = desk(|r| {
            vec![
                json!({"type": "accepted", "ref": "someone-else", "total": 1.0}),
                json!({"type": "rejected", "ref": "not-this-one", "reason": "no"}),
                json!({"type": "accepted", "ref": r, "total": 12.5}),
            ]
        })
        .await;
        let pets = Server::routes(&["GET /pets"], |_| json_reply(200, json!([]))).await;
        let outputs = place_and_decide(&client(&url, &pets), inputs("order-26"))
            .await
            .unwrap();
        assert_eq!(outputs.total, 12.5);

        let seen = seen.lock().unwrap();
        // One connection: the 2.6 server `url`'s path, the channel key as the address, the
        // API key in the query, the subprotocol from the channel's `ws` binding.
        assert_eq!(seen.connects.len(), 1);
        let (uri, headers) = &seen.connects[0];
        assert_eq!(uri, "/ws/stores/north/orders?ticket=t-26");
        assert_eq!(header(headers, "Sec-WebSocket-Protocol"), Some("orders.v1"));
        assert_eq!(
            seen.frames,
            [json!({"type": "place", "ref": "order-26", "sku": "sku-3", "quantity": 1})]
        );
        // `pets` dependsOn `decision`: it ran after the acceptance was joined.
        assert_eq!(pets.calls(), ["GET /pets"]);
    }

    #[tokio::test]
    async fn a_rejection_from_the_subscribe_operation_fails_the_criterion() {
        let (url, _) =
            desk(|r| vec![json!({"type": "rejected", "ref": r, "reason": "closed"})]).await;
        let pets = Server::routes(&["GET /pets"], |_| json_reply(200, json!([]))).await;
        let err = place_and_decide(&client(&url, &pets), inputs("order-27"))
            .await
            .unwrap_err();
        match &err {
            WorkflowError::MessageCriteriaNotMet {
                step,
                criterion,
                payload,
                ..
            } => {
                assert_eq!(*step, "decision");
                assert_eq!(*criterion, "$message.payload#/type == 'accepted'");
                assert!(payload.contains("closed"), "{payload}");
            }
            other => panic!("expected the criterion to fail the step, got {other:?}"),
        }
        assert!(pets.calls().is_empty());
    }

    #[tokio::test]
    async fn a_refused_connect_fails_naming_the_step_with_the_status_and_without_the_key() {
        // An HTTP server that answers the WebSocket upgrade with 401 (an `http` base URL is
        // taken as `ws`).
        let desk = Server::routes(&["GET /ws/stores/north/orders"], |_| Reply::status(401)).await;
        let pets = Server::routes(&["GET /pets"], |_| json_reply(200, json!([]))).await;
        let client = Client::builder()
            .base_url("desk", format!("{}/ws", desk.url))
            .base_url("petStore", pets.url.clone())
            .build()
            .unwrap();
        let err = place_and_decide(&client, inputs("order-28"))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                WorkflowError::Connect {
                    step: "decision",
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(err.status(), Some(401));
        assert!(!err.to_string().contains("t-26"), "{err}");
        assert!(!format!("{err:?}").contains("t-26"), "{err:?}");
        // The upgrade request went out with the key, and nothing after it.
        let requests = desk.requests();
        assert_eq!(requests.len(), 1);
        assert_eq!(requests[0].target, "/ws/stores/north/orders?ticket=t-26");
        assert_eq!(requests[0].header("upgrade"), Some("websocket"));
        assert!(pets.calls().is_empty());
    }
}
