//! Proof that `specs/asyncapi/web-pubsub-client.asyncapi.yml` describes the real protocol:
//! `webpubsub-local` runs in-process, real WebSocket clients connect with the URL, token
//! parameter and subprotocols the description gives, and every frame sent or received is
//! validated against the message schema of the operation it belongs to. Every received
//! frame must match exactly one receive operation, every operation must be exercised, and
//! `correlationId` locations must tie each ack to its request.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use webpubsub_local::{RunningService, Service};

const DESCRIPTION: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/specs/asyncapi/web-pubsub-client.asyncapi.yml"
);
const KEY: &str = "asyncapi-description-test-key";
const API_VERSION: &str = "api-version=2024-01-01";
/// Bounds every wait, so a silent service fails the test instead of hanging it.
const GUARD: Duration = Duration::from_secs(10);
const PLAIN: &str = "json.webpubsub.azure.v1";
const RELIABLE: &str = "json.reliable.webpubsub.azure.v1";

// ---------------------------------------------------------------------------------------
// The description, loaded and dereferenced.

/// One message an operation may carry: its key in the channel, its compiled payload schema
/// and its `correlationId` location, if any.
struct DescribedMessage {
    key: String,
    schema: jsonschema::Validator,
    correlation: Option<String>,
}

struct Operation {
    action: String,
    channel: String,
    messages: Vec<DescribedMessage>,
}

struct Description {
    /// The document as written (references intact), to read what references point at.
    raw: Value,
    /// The same with every local `$ref` replaced by its target.
    resolved: Value,
    operations: BTreeMap<String, Operation>,
}

/// `#/a/b` → the JSON pointer `/a/b`; only local references are expected.
fn local_pointer(reference: &str) -> &str {
    reference
        .strip_prefix('#')
        .unwrap_or_else(|| panic!("only local $refs are used, found `{reference}`"))
}

/// `node` with every `{"$ref": "#/..."}` replaced by its (dereferenced) target.
fn dereference(node: &Value, root: &Value, depth: usize) -> Value {
    assert!(depth < 64, "$ref nesting deeper than 64: a cycle?");
    match node {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                let target = root
                    .pointer(local_pointer(reference))
                    .unwrap_or_else(|| panic!("$ref `{reference}` points at nothing"));
                return dereference(target, root, depth + 1);
            }
            Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), dereference(v, root, depth + 1)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| dereference(v, root, depth + 1))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The last segment of a `#/.../<key>` reference.
fn ref_key(node: &Value) -> String {
    let reference = node["$ref"]
        .as_str()
        .unwrap_or_else(|| panic!("expected a $ref, found {node}"));
    reference.rsplit('/').next().unwrap_or_default().to_owned()
}

impl Description {
    fn load() -> Description {
        let text = std::fs::read_to_string(DESCRIPTION).unwrap();
        let raw: Value = serde_yaml::from_str(&text).unwrap();
        let resolved = dereference(&raw, &raw, 0);
        let mut operations = BTreeMap::new();
        for (name, written) in raw["operations"].as_object().unwrap() {
            let op = &resolved["operations"][name];
            let messages = written["messages"]
                .as_array()
                .unwrap()
                .iter()
                .zip(op["messages"].as_array().unwrap())
                .map(|(reference, message)| DescribedMessage {
                    key: ref_key(reference),
                    schema: jsonschema::draft7::new(&message["payload"]).unwrap_or_else(|e| {
                        panic!("the payload schema of {name} does not compile: {e}")
                    }),
                    correlation: message["correlationId"]["location"]
                        .as_str()
                        .map(str::to_owned),
                })
                .collect();
            operations.insert(
                name.clone(),
                Operation {
                    action: op["action"].as_str().unwrap().to_owned(),
                    channel: ref_key(&written["channel"]),
                    messages,
                },
            );
        }
        Description {
            raw,
            resolved,
            operations,
        }
    }

    fn operation(&self, name: &str) -> &Operation {
        self.operations
            .get(name)
            .unwrap_or_else(|| panic!("the description has no operation `{name}`"))
    }

    /// The operations with `action` whose messages accept `frame`, with the accepting message.
    fn matching(&self, action: &str, frame: &Value) -> Vec<(&str, &DescribedMessage)> {
        self.operations
            .iter()
            .filter(|(_, op)| op.action == action)
            .filter_map(|(name, op)| {
                op.messages
                    .iter()
                    .find(|m| m.schema.is_valid(frame))
                    .map(|m| (name.as_str(), m))
            })
            .collect()
    }

    /// Why `frame` fails every message of `operation` (empty when one accepts it).
    fn errors(&self, operation: &str, frame: &Value) -> Vec<String> {
        let op = self.operation(operation);
        if op.messages.iter().any(|m| m.schema.is_valid(frame)) {
            return Vec::new();
        }
        op.messages
            .iter()
            .flat_map(|m| {
                m.schema
                    .iter_errors(frame)
                    .map(|e| format!("{}: {e} at {}", m.key, e.instance_path()))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// The `ws://` URL of the `local` server's client channel for `hub` on `port`, with
    /// `token`, if any, in the query parameter the server's first security scheme names.
    fn connect_url(&self, port: u16, hub: &str, token: Option<&str>) -> String {
        let server = &self.resolved["servers"]["local"];
        let host = server["host"]
            .as_str()
            .unwrap()
            .replace("{port}", &port.to_string());
        let address = self.resolved["channels"]["client"]["address"]
            .as_str()
            .unwrap()
            .replace("{hub}", hub);
        let mut url = format!("{}://{host}{address}", server["protocol"].as_str().unwrap());
        if let Some(token) = token {
            let scheme = &server["security"][0];
            assert_eq!(
                (&scheme["type"], &scheme["in"]),
                (&json!("httpApiKey"), &json!("query"))
            );
            url.push_str(&format!("?{}={token}", scheme["name"].as_str().unwrap()));
        }
        url
    }

    /// The `ws` binding's schema for the `Sec-WebSocket-Protocol` header.
    fn subprotocol_header(&self) -> &Value {
        &self.resolved["channels"]["client"]["bindings"]["ws"]["headers"]["properties"]["Sec-WebSocket-Protocol"]
    }
}

/// Evaluates a `$message.payload#/pointer` runtime expression against a frame.
fn evaluate(location: &str, frame: &Value) -> Value {
    let pointer = location
        .strip_prefix("$message.payload#")
        .unwrap_or_else(|| {
            panic!("WebSocket frames have no headers; unexpected location `{location}`")
        });
    frame.pointer(pointer).cloned().unwrap_or(Value::Null)
}

// ---------------------------------------------------------------------------------------
// Frames on the wire, each checked against the description.

/// Checks frames against the description and remembers which operations were exercised.
struct Checker<'d> {
    description: &'d Description,
    exercised: RefCell<BTreeSet<String>>,
}

impl<'d> Checker<'d> {
    fn new(description: &'d Description) -> Self {
        Checker {
            description,
            exercised: RefCell::new(BTreeSet::new()),
        }
    }

    /// `frame` is valid for `operation` and for no other operation with the same action;
    /// returns the correlation value of the message it matched.
    fn check(&self, operation: &str, frame: &Value) -> Value {
        let action = &self.description.operation(operation).action;
        let errors = self.description.errors(operation, frame);
        assert!(
            errors.is_empty(),
            "{frame} does not match {operation}:\n{}",
            errors.join("\n")
        );
        let matching = self.description.matching(action, frame);
        let names: Vec<&str> = matching.iter().map(|(n, _)| *n).collect();
        assert_eq!(
            names,
            [operation],
            "{frame} must match exactly one {action} operation"
        );
        self.exercised.borrow_mut().insert(operation.to_owned());
        matching[0]
            .1
            .correlation
            .as_deref()
            .map_or(Value::Null, |location| evaluate(location, frame))
    }

    /// The receive operation `frame` belongs to (it must match exactly one).
    fn classify(&self, frame: &Value) -> String {
        let matching = self.description.matching("receive", frame);
        assert_eq!(
            matching.len(),
            1,
            "{frame} must match exactly one receive operation, matches {:?}",
            matching.iter().map(|(n, _)| n).collect::<Vec<_>>()
        );
        let name = matching[0].0.to_owned();
        self.check(&name, frame);
        name
    }
}

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A WebSocket client whose every frame goes through the checker.
struct Client<'c> {
    ws: Ws,
    checker: &'c Checker<'c>,
    /// The subprotocol the service chose.
    subprotocol: &'static str,
    /// The `sequenceId` of the last data message (reliable subprotocol).
    last_sequence: u64,
}

impl<'c> Client<'c> {
    /// Sends `frame` as `operation`; returns its correlation value (its `ackId`).
    async fn send(&mut self, operation: &str, frame: Value) -> Value {
        let correlation = self.checker.check(operation, &frame);
        self.ws
            .send(Message::Text(frame.to_string().into()))
            .await
            .unwrap();
        correlation
    }

    /// The next data frame, parsed.
    async fn next_frame(&mut self) -> Value {
        loop {
            let message = tokio::time::timeout(GUARD, self.ws.next())
                .await
                .expect("a frame within the guard time")
                .expect("the connection is open")
                .expect("a readable frame");
            match message {
                Message::Text(text) => {
                    let frame = serde_json::from_str(&text).unwrap();
                    self.check_reliable_fields(&frame);
                    return frame;
                }
                Message::Ping(_) | Message::Pong(_) => continue,
                other => panic!("the JSON subprotocols send only text frames, got {other:?}"),
            }
        }
    }

    /// What the description's prose says of the reliable-only fields: data messages carry
    /// `sequenceId` 1, 2, 3, ... and `connected` a `reconnectionToken` with the reliable
    /// subprotocol, and neither appears with the plain one.
    fn check_reliable_fields(&mut self, frame: &Value) {
        let (sequence, token) = (frame.get("sequenceId"), frame.get("reconnectionToken"));
        if self.subprotocol == PLAIN {
            assert!(sequence.is_none() && token.is_none(), "{frame}");
        } else if frame["type"] == "message" {
            self.last_sequence += 1;
            assert_eq!(sequence, Some(&json!(self.last_sequence)), "{frame}");
        } else if frame["event"] == "connected" {
            assert!(token.is_some_and(Value::is_string), "{frame}");
        } else {
            assert!(
                sequence.is_none(),
                "only data messages are sequenced: {frame}"
            );
        }
    }

    /// The next frame, which must be (only) `operation`'s.
    async fn receive(&mut self, operation: &str) -> Value {
        let frame = self.next_frame().await;
        assert_eq!(self.checker.classify(&frame), operation, "{frame}");
        frame
    }

    /// The next `operations.len()` frames, in any order, which must be those operations'.
    async fn receive_all(&mut self, operations: &[&str]) -> BTreeMap<String, Value> {
        let mut frames = BTreeMap::new();
        for _ in operations {
            let frame = self.next_frame().await;
            let operation = self.checker.classify(&frame);
            assert!(
                frames.insert(operation.clone(), frame).is_none(),
                "{operation} twice"
            );
        }
        let mut expected: Vec<&str> = operations.to_vec();
        expected.sort_unstable();
        assert_eq!(frames.keys().collect::<Vec<_>>(), expected);
        frames
    }

    /// Sends a request with an `ackId` and returns the matching ack, checked to correlate.
    async fn request(&mut self, operation: &str, frame: Value) -> Value {
        let sent = self.send(operation, frame).await;
        assert!(sent.is_u64(), "{operation}'s correlationId finds no ackId");
        let ack = self.receive("receiveAck").await;
        assert_eq!(self.checker.check("receiveAck", &ack), sent, "{ack}");
        ack
    }
}

// ---------------------------------------------------------------------------------------
// The service side: REST calls signed with the AccessKey (independently of the service's
// own signing code) and WebSocket connections built from the description.

struct Rest {
    http: reqwest::Client,
    endpoint: String,
}

impl Rest {
    fn new(service: &RunningService) -> Rest {
        // reqwest is built without a bundled crypto provider (see the workspace manifest).
        arazzo_runtime::install_crypto_provider();
        Rest {
            http: reqwest::Client::new(),
            endpoint: service.endpoint(),
        }
    }

    /// The AccessKey JWT for `url`, signed as pubsub-flows signs every request.
    fn token(url: &str) -> String {
        pubsub_flows::credentials::AccessKeyCredential::new(KEY)
            .token_for(url)
            .unwrap()
            .expose()
            .clone()
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path_and_query: &str,
        body: Option<(&str, Vec<u8>)>,
    ) -> reqwest::Response {
        let url = format!("{}{path_and_query}", self.endpoint);
        let mut request = self
            .http
            .request(method, &url)
            .bearer_auth(Self::token(&url));
        if let Some((content_type, bytes)) = body {
            request = request.header("Content-Type", content_type).body(bytes);
        }
        tokio::time::timeout(GUARD, request.send())
            .await
            .unwrap()
            .unwrap()
    }

    /// A client access token from `:generateToken`.
    async fn client_token(&self, hub: &str, user: Option<&str>, roles: &[&str]) -> String {
        let mut query = API_VERSION.to_owned();
        if let Some(user) = user {
            query.push_str(&format!("&userId={user}"));
        }
        for role in roles {
            query.push_str(&format!("&role={role}"));
        }
        let response = self
            .call(
                reqwest::Method::POST,
                &format!("/api/hubs/{hub}/:generateToken?{query}"),
                None,
            )
            .await;
        assert_eq!(response.status(), 200);
        let body: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
        body["token"].as_str().unwrap().to_owned()
    }

    /// POSTs `body` to a `:send` path and expects 202.
    async fn send(&self, path: &str, content_type: &str, body: &[u8]) {
        let response = self
            .call(
                reqwest::Method::POST,
                &format!("{path}?{API_VERSION}"),
                Some((content_type, body.to_vec())),
            )
            .await;
        assert_eq!(response.status(), 202, "{path}");
    }
}

async fn start() -> RunningService {
    Service::builder()
        .access_key(KEY)
        .start_on(([127, 0, 0, 1], 0).into())
        .await
        .unwrap()
}

/// Opens a connection to `hub` as the description says: its URL, token parameter and
/// `subprotocol` (which must be one the `ws` binding lists), and checks the service chose it.
async fn connect(
    description: &Description,
    service: &RunningService,
    hub: &str,
    token: &str,
    subprotocol: &str,
) -> Result<Ws, tungstenite::Error> {
    let offered = description.subprotocol_header()["enum"].as_array().unwrap();
    assert!(offered.iter().any(|p| p == subprotocol), "{subprotocol}");
    let url = description.connect_url(service.local_addr().port(), hub, Some(token));
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("Sec-WebSocket-Protocol", subprotocol.parse().unwrap());
    let (ws, response) = tokio::time::timeout(GUARD, tokio_tungstenite::connect_async(request))
        .await
        .unwrap()?;
    assert_eq!(
        response
            .headers()
            .get("Sec-WebSocket-Protocol")
            .and_then(|v| v.to_str().ok()),
        Some(subprotocol)
    );
    Ok(ws)
}

// ---------------------------------------------------------------------------------------
// The tests.

/// The operations the description promises, as `(name, action, channel, messages)`.
const OPERATIONS: [(&str, &str, &str, &[&str]); 12] = [
    ("joinGroup", "send", "client", &["joinGroup"]),
    ("leaveGroup", "send", "client", &["leaveGroup"]),
    ("receiveAck", "receive", "client", &["ack"]),
    ("receiveConnected", "receive", "client", &["connected"]),
    (
        "receiveDisconnected",
        "receive",
        "client",
        &["disconnected"],
    ),
    (
        "receiveGroupMessage",
        "receive",
        "client",
        &["groupMessage"],
    ),
    ("receivePong", "receive", "client", &["pong"]),
    (
        "receiveServerMessage",
        "receive",
        "client",
        &["serverMessage"],
    ),
    ("sendEvent", "send", "client", &["event"]),
    ("sendPing", "send", "client", &["ping"]),
    ("sendSequenceAck", "send", "client", &["sequenceAck"]),
    ("sendToGroup", "send", "client", &["sendToGroup"]),
];

#[test]
fn the_description_is_asyncapi_3_with_the_promised_operations_and_bindings() {
    let d = Description::load();
    assert_eq!(d.raw["asyncapi"], "3.0.0");
    let listed: Vec<(&str, &str, &str, Vec<&str>)> = d
        .operations
        .iter()
        .map(|(name, op)| {
            (
                name.as_str(),
                op.action.as_str(),
                op.channel.as_str(),
                op.messages.iter().map(|m| m.key.as_str()).collect(),
            )
        })
        .collect();
    let promised: Vec<(&str, &str, &str, Vec<&str>)> = OPERATIONS
        .iter()
        .map(|(n, a, c, m)| (*n, *a, *c, m.to_vec()))
        .collect();
    assert_eq!(listed, promised);

    // Requests that may carry an ackId, and the ack, correlate through it.
    for name in [
        "joinGroup",
        "leaveGroup",
        "sendToGroup",
        "sendEvent",
        "receiveAck",
    ] {
        let message = &d.operation(name).messages[0];
        assert_eq!(
            message.correlation.as_deref(),
            Some("$message.payload#/ackId"),
            "{name}"
        );
    }

    let channel = &d.resolved["channels"]["client"];
    assert_eq!(channel["address"], "/client/hubs/{hub}");
    assert!(channel["parameters"]["hub"].is_object());
    let ws = &channel["bindings"]["ws"];
    assert_eq!(ws["method"], "GET");
    assert_eq!(ws["query"]["properties"]["access_token"]["type"], "string");
    let subprotocol = d.subprotocol_header();
    assert_eq!(subprotocol["enum"], json!([PLAIN, RELIABLE]));
    assert_eq!(subprotocol["default"], PLAIN);

    let servers = d.resolved["servers"].as_object().unwrap();
    assert_eq!(servers["azure"]["protocol"], "wss");
    assert_eq!(servers["local"]["protocol"], "ws");
    for server in servers.values() {
        let (query, bearer) = (&server["security"][0], &server["security"][1]);
        assert_eq!(
            (&query["type"], &query["in"], &query["name"]),
            (
                &json!("httpApiKey"),
                &json!("query"),
                &json!("access_token")
            )
        );
        assert_eq!(
            (&bearer["type"], &bearer["scheme"]),
            (&json!("http"), &json!("bearer"))
        );
    }
}

#[test]
fn every_example_in_the_description_matches_its_own_schema() {
    let d = Description::load();
    let mut checked = 0;
    for (name, op) in &d.operations {
        for message in &op.messages {
            let written = &d.resolved["channels"][&op.channel]["messages"][&message.key];
            let examples = written["examples"].as_array().unwrap();
            assert!(!examples.is_empty(), "{} has no examples", message.key);
            for example in examples {
                let payload = &example["payload"];
                let errors = d.errors(name, payload);
                assert!(errors.is_empty(), "{name}: {payload}: {errors:?}");
                checked += 1;
            }
        }
    }
    assert!(checked >= OPERATIONS.len());
}

#[test]
fn wrong_frames_fail_their_schemas() {
    let d = Description::load();
    let wrong = [
        (
            "joinGroup",
            json!({"type": "joinGroup", "group": "g", "ackId": "1"}),
        ),
        (
            "joinGroup",
            json!({"type": "joinGroup", "group": "g", "ackId": -1}),
        ),
        ("joinGroup", json!({"type": "joinGroup", "ackId": 1})),
        ("joinGroup", json!({"type": "joinGroup", "group": ""})),
        ("joinGroup", json!({"type": "joinGroup", "group": "   "})),
        (
            "joinGroup",
            json!({"type": "joinGroup", "group": "g", "groups": ["h"]}),
        ),
        ("joinGroup", json!({"type": "leaveGroup", "group": "g"})),
        (
            "sendToGroup",
            json!({"type": "sendToGroup", "group": "g", "dataType": "xml", "data": "<a/>"}),
        ),
        (
            "sendToGroup",
            json!({"type": "sendToGroup", "group": "g", "dataType": "text", "data": {"a": 1}}),
        ),
        (
            "sendToGroup",
            json!({"type": "sendToGroup", "group": "g", "dataType": "binary", "data": "not base64!"}),
        ),
        ("sendToGroup", json!({"type": "sendToGroup", "group": "g"})),
        (
            "sendEvent",
            json!({"type": "event", "dataType": "json", "data": 1}),
        ),
        (
            "sendSequenceAck",
            json!({"type": "sequenceAck", "sequenceId": 0}),
        ),
        ("receiveAck", json!({"type": "ack", "ackId": 1})),
        (
            "receiveAck",
            json!({"type": "ack", "ackId": 1, "success": false}),
        ),
        (
            "receiveAck",
            json!({"type": "ack", "ackId": "1", "success": true}),
        ),
        (
            "receiveGroupMessage",
            json!({"type": "message", "from": "server", "dataType": "text", "data": "x"}),
        ),
        (
            "receiveGroupMessage",
            json!({"type": "message", "from": "group", "group": "g", "dataType": "text"}),
        ),
        (
            "receiveServerMessage",
            json!({"type": "message", "from": "server", "dataType": "binary", "data": 5}),
        ),
        (
            "receiveConnected",
            json!({"type": "system", "event": "connected", "userId": "u"}),
        ),
        (
            "receiveDisconnected",
            json!({"type": "system", "event": "connected", "message": "m"}),
        ),
        ("receivePong", json!({"type": "ping"})),
    ];
    for (operation, frame) in wrong {
        assert!(
            !d.errors(operation, &frame).is_empty(),
            "{operation} accepts the wrong frame {frame}"
        );
    }
    // A right frame for comparison, so the failures above are about the frames.
    assert!(
        d.errors(
            "joinGroup",
            &json!({"type": "joinGroup", "group": "g", "ackId": 1})
        )
        .is_empty()
    );
}

#[tokio::test]
async fn a_connection_needs_the_described_token() {
    let d = Description::load();
    let service = start().await;
    let rest = Rest::new(&service);
    let hub = "asyncapi";

    let refused = connect(&d, &service, hub, "not-a-token", PLAIN).await;
    match refused {
        Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), 401),
        other => panic!("expected a 401, got {:?}", other.map(|_| "a connection")),
    }

    // Without any token, and with the description's second scheme: the same token as
    // `Authorization: Bearer`.
    let token = rest.client_token(hub, Some("bearer-user"), &[]).await;
    let upgrade = |bearer: Option<&str>| {
        let url = d.connect_url(service.local_addr().port(), hub, None);
        let mut request = url.into_client_request().unwrap();
        let headers = request.headers_mut();
        headers.insert("Sec-WebSocket-Protocol", PLAIN.parse().unwrap());
        if let Some(token) = bearer {
            headers.insert("Authorization", format!("Bearer {token}").parse().unwrap());
        }
        tokio::time::timeout(GUARD, tokio_tungstenite::connect_async(request))
    };
    match upgrade(None).await.unwrap() {
        Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), 401),
        other => panic!("expected a 401, got {:?}", other.map(|_| "a connection")),
    }
    let (ws, _) = upgrade(Some(&token)).await.unwrap().unwrap();
    let checker = Checker::new(&d);
    let mut client = Client {
        ws,
        checker: &checker,
        subprotocol: PLAIN,
        last_sequence: 0,
    };
    let connected = client.receive("receiveConnected").await;
    assert_eq!(connected["userId"], "bearer-user");
    service.shutdown().await;
}

#[tokio::test]
async fn every_frame_of_real_sessions_matches_the_description() {
    let d = Description::load();
    let service = start().await;
    let rest = Rest::new(&service);
    let checker = Checker::new(&d);
    let (hub, group) = ("asyncapi", "lobby");
    let roles = ["webpubsub.joinLeaveGroup", "webpubsub.sendToGroup"];
    let open = |token: String, subprotocol: &'static str| {
        let (d, service, checker) = (&d, &service, &checker);
        async move {
            let ws = connect(d, service, hub, &token, subprotocol).await.unwrap();
            Client {
                ws,
                checker,
                subprotocol,
                last_sequence: 0,
            }
        }
    };

    // alice: the plain JSON subprotocol (the binding's default), may join and publish.
    let default = d.subprotocol_header()["default"].as_str().unwrap();
    assert_eq!(default, PLAIN);
    let mut alice = open(rest.client_token(hub, Some("alice"), &roles).await, PLAIN).await;
    let connected = alice.receive("receiveConnected").await;
    assert_eq!(connected["userId"], "alice");
    let alice_id = connected["connectionId"].as_str().unwrap().to_owned();

    // bob: the reliable subprotocol, may join.
    let mut bob = open(
        rest.client_token(hub, Some("bob"), &roles[..1]).await,
        RELIABLE,
    )
    .await;
    let connected = bob.receive("receiveConnected").await;
    assert_eq!(connected["userId"], "bob");

    // carol: anonymous, no roles.
    let mut carol = open(rest.client_token(hub, None, &[]).await, PLAIN).await;
    let connected = carol.receive("receiveConnected").await;
    assert!(connected["userId"].is_null(), "{connected}");

    // Joining, acked.
    for client in [&mut alice, &mut bob] {
        let ack = client
            .request(
                "joinGroup",
                json!({"type": "joinGroup", "group": group, "ackId": 1}),
            )
            .await;
        assert_eq!(ack["success"], true, "{ack}");
    }

    // Publishing text (echoed to alice), JSON and binary (not echoed); bob acknowledges each
    // copy (the clients check that his carry sequence ids 1, 2, 3 and alice's none).
    let published = [
        (json!("Hello, lobby"), "text", false),
        (json!({"hello": ["world", 1]}), "json", true),
        (json!("AQID"), "binary", true),
    ];
    for (ack_id, (data, data_type, no_echo)) in (2..).zip(published.iter()) {
        let request = json!({
            "type": "sendToGroup", "group": group, "ackId": ack_id,
            "noEcho": no_echo, "dataType": data_type, "data": data,
        });
        let sent = alice.send("sendToGroup", request).await;
        assert_eq!(sent, ack_id);
        let frames = if *no_echo {
            alice.receive_all(&["receiveAck"]).await
        } else {
            let frames = alice
                .receive_all(&["receiveAck", "receiveGroupMessage"])
                .await;
            let echo = &frames["receiveGroupMessage"];
            assert_eq!(
                (&echo["data"], &echo["fromUserId"]),
                (data, &json!("alice"))
            );
            frames
        };
        let ack = &frames["receiveAck"];
        assert_eq!(checker.check("receiveAck", ack), sent);
        assert_eq!(ack["success"], true, "{ack}");

        let copy = bob.receive("receiveGroupMessage").await;
        assert_eq!(
            (
                &copy["group"],
                &copy["fromUserId"],
                &copy["dataType"],
                &copy["data"]
            ),
            (&json!(group), &json!("alice"), &json!(data_type), data)
        );
        let upto = bob.last_sequence;
        bob.send(
            "sendSequenceAck",
            json!({"type": "sequenceAck", "sequenceId": upto}),
        )
        .await;
    }

    // Custom events with each data type, acked.
    for (ack_id, (data, data_type)) in (10..).zip([
        (json!("text data"), "text"),
        (json!({"hello": "world"}), "json"),
        (json!("eHl6"), "binary"),
    ]) {
        let ack = alice
            .request(
                "sendEvent",
                json!({"type": "event", "event": "chat", "ackId": ack_id, "dataType": data_type, "data": data}),
            )
            .await;
        assert_eq!(ack["success"], true, "{ack}");
    }

    // Refusals: carol has no permission; alice reuses an ackId.
    let ack = carol
        .request(
            "joinGroup",
            json!({"type": "joinGroup", "group": group, "ackId": 1}),
        )
        .await;
    assert_eq!(
        (&ack["success"], &ack["error"]["name"]),
        (&json!(false), &json!("Forbidden"))
    );
    let ack = carol
        .request(
            "sendToGroup",
            json!({"type": "sendToGroup", "group": group, "ackId": 2, "dataType": "text", "data": "x"}),
        )
        .await;
    assert_eq!(ack["error"]["name"], "Forbidden", "{ack}");
    let ack = alice
        .request(
            "joinGroup",
            json!({"type": "joinGroup", "group": group, "ackId": 1}),
        )
        .await;
    assert_eq!(ack["error"]["name"], "Duplicate", "{ack}");

    // Ping, pong.
    alice.send("sendPing", json!({"type": "ping"})).await;
    alice.receive("receivePong").await;

    // REST sends to the group and to the hub, as text, JSON and bytes.
    let bodies: [(&str, &[u8], &str, Value); 3] = [
        ("text/plain", b"from REST", "text", json!("from REST")),
        ("application/json", br#"{"n":1}"#, "json", json!({"n": 1})),
        (
            "application/octet-stream",
            &[1, 2, 3],
            "binary",
            json!("AQID"),
        ),
    ];
    for (path, operation) in [
        (
            format!("/api/hubs/{hub}/groups/{group}/:send"),
            "receiveGroupMessage",
        ),
        (format!("/api/hubs/{hub}/:send"), "receiveServerMessage"),
    ] {
        for (content_type, body, data_type, data) in &bodies {
            rest.send(&path, content_type, body).await;
            let mut receivers = vec![&mut alice, &mut bob];
            if operation == "receiveServerMessage" {
                receivers.push(&mut carol);
            }
            for client in receivers {
                let frame = client.receive(operation).await;
                assert_eq!(
                    (&frame["dataType"], &frame["data"]),
                    (&json!(data_type), data)
                );
                assert!(frame.get("fromUserId").is_none(), "{frame}");
            }
        }
    }
    assert_eq!(bob.last_sequence, 9);
    let upto = bob.last_sequence;
    bob.send(
        "sendSequenceAck",
        json!({"type": "sequenceAck", "sequenceId": upto}),
    )
    .await;

    // Leaving: after it, alice's next message is the broadcast, not the group send.
    let ack = alice
        .request(
            "leaveGroup",
            json!({"type": "leaveGroup", "group": group, "ackId": 20}),
        )
        .await;
    assert_eq!(ack["success"], true, "{ack}");
    let group_path = format!("/api/hubs/{hub}/groups/{group}/:send");
    rest.send(&group_path, "text/plain", b"members only").await;
    rest.send(&format!("/api/hubs/{hub}/:send"), "text/plain", b"everyone")
        .await;
    assert_eq!(
        alice.receive("receiveServerMessage").await["data"],
        "everyone"
    );
    assert_eq!(
        bob.receive("receiveGroupMessage").await["data"],
        "members only"
    );

    // The server closes alice's connection: `disconnected` with the reason, then the close.
    let response = rest
        .call(
            reqwest::Method::DELETE,
            &format!("/api/hubs/{hub}/connections/{alice_id}?{API_VERSION}&reason=test%20over"),
            None,
        )
        .await;
    assert_eq!(response.status(), 204);
    let disconnected = alice.receive("receiveDisconnected").await;
    assert_eq!(disconnected["message"], "test over");
    let close = tokio::time::timeout(GUARD, alice.ws.next()).await.unwrap();
    assert!(
        matches!(close, Some(Ok(Message::Close(_))) | None),
        "{close:?}"
    );

    // Every operation the description lists happened on the wire.
    let exercised = checker.exercised.borrow().clone();
    let listed: BTreeSet<String> = d.operations.keys().cloned().collect();
    assert_eq!(exercised, listed);
    service.shutdown().await;
}
