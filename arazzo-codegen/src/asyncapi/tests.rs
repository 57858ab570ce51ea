use std::path::{Path, PathBuf};

use super::*;
use crate::load::Files;

fn read_file(path: &Path) -> (AsyncApi, Vec<Located>) {
    let mut files = Files::new(Vec::new());
    let id = files.load_all(path).unwrap();
    let (api, diags) = AsyncApi::read(&files, id);
    (api.unwrap(), diags)
}

fn read_text(name: &str, text: &str) -> (Option<AsyncApi>, Vec<Located>) {
    let mut files = Files::new(Vec::new());
    let id = files
        .add_text(PathBuf::from(name), text.to_owned())
        .unwrap();
    AsyncApi::read(&files, id)
}

#[test]
fn the_web_pubsub_description_reads_into_its_operations() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../specs/asyncapi/web-pubsub-client.asyncapi.yml");
    let (api, diags) = read_file(&path);
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(api.version, "3.0.0");
    let local = api.servers.iter().find(|s| s.name == "local").unwrap();
    assert_eq!(
        (local.protocol.as_str(), local.host.as_str()),
        ("ws", "127.0.0.1:{port}")
    );
    assert_eq!(
        local.variables,
        [("port".to_owned(), Some("8080".to_owned()))]
    );
    assert_eq!(local.security, ["accessToken", "bearer"]);
    let token = api
        .security_schemes
        .iter()
        .find(|s| s.name == "accessToken")
        .unwrap();
    assert_eq!(
        (
            token.kind.as_str(),
            token.key_name.as_deref(),
            token.location.as_deref()
        ),
        ("httpApiKey", Some("access_token"), Some("query"))
    );
    let channel = &api.channels[0];
    assert_eq!(channel.address.as_deref(), Some("/client/hubs/{hub}"));
    assert_eq!(channel.parameters, ["hub"]);
    let ws = channel.ws.as_ref().unwrap();
    assert!(
        ws.query
            .as_ref()
            .unwrap()
            .pointer("/properties/access_token")
            .is_some()
    );
    assert!(
        ws.headers
            .as_ref()
            .unwrap()
            .pointer("/properties/Sec-WebSocket-Protocol")
            .is_some()
    );
    assert_eq!(api.channel_at("/channels/client"), Some(0));

    let join = api.operation("joinGroup").unwrap();
    assert_eq!(join.action, Action::Send);
    assert_eq!(join.messages.len(), 1);
    assert_eq!(join.messages[0].name, "joinGroup");
    assert_eq!(
        join.messages[0].correlation_id.as_deref(),
        Some("$message.payload#/ackId")
    );
    let (_, payload) = join.messages[0].payload.as_ref().unwrap();
    assert_eq!(payload["$ref"], "#/components/schemas/JoinGroupRequest");
    let receive = api.operation("receiveGroupMessage").unwrap();
    assert_eq!(receive.action, Action::Receive);
    assert_eq!(receive.messages[0].name, "groupMessage");
}

#[test]
fn asyncapi_2_6_publish_and_subscribe_become_send_and_receive() {
    let (api, diags) = read_text(
        "events.asyncapi.yml",
        r#"asyncapi: 2.6.0
info: {title: Orders, version: '1'}
servers:
  prod:
    url: broker.example.com:9092/events
    protocol: kafka
channels:
  orders/{orderId}:
    parameters:
      orderId: {schema: {type: string}}
    publish:
      operationId: placeOrder
      message:
        $ref: '#/components/messages/order'
    subscribe:
      operationId: orderEvents
      message:
        oneOf:
          - $ref: '#/components/messages/order'
          - name: cancelled
            payload: {type: object}
components:
  messages:
    order:
      name: order
      payload: {type: object, properties: {id: {type: string}}}
      correlationId:
        location: $message.header#/requestId
"#,
    );
    assert!(diags.is_empty(), "{diags:?}");
    let api = api.unwrap();
    assert_eq!(api.servers[0].protocol, "kafka");
    assert_eq!(api.servers[0].host, "broker.example.com:9092");
    assert_eq!(api.servers[0].pathname, "/events");
    assert_eq!(api.channels[0].address.as_deref(), Some("orders/{orderId}"));
    assert_eq!(api.channels[0].parameters, ["orderId"]);
    let place = api.operation("placeOrder").unwrap();
    assert_eq!(place.action, Action::Send);
    assert_eq!(
        place.messages[0].correlation_id.as_deref(),
        Some("$message.header#/requestId")
    );
    let events = api.operation("orderEvents").unwrap();
    assert_eq!(events.action, Action::Receive);
    let names: Vec<&str> = events.messages.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["order", "cancelled"]);
}

#[test]
fn a_ref_cycle_and_an_unknown_version_are_diagnosed() {
    let (api, diags) = read_text(
        "cycle.asyncapi.yml",
        "asyncapi: 3.0.0\ninfo: {title: t, version: '1'}\nchannels:\n  a: {$ref: '#/channels/b'}\n  b: {$ref: '#/channels/a'}\n",
    );
    assert!(api.unwrap().channels.is_empty());
    assert_eq!(diags.len(), 2);
    assert!(diags[0].diagnostic.message.contains("a cycle"), "{diags:?}");
    let (api, diags) = read_text("old.asyncapi.yml", "asyncapi: 2.0.0\n");
    assert!(api.is_none());
    assert_eq!(diags[0].diagnostic.code, "unsupported-asyncapi-version");
}

#[test]
fn an_operation_without_a_known_action_or_channel_is_diagnosed() {
    let (api, diags) = read_text(
        "ops.asyncapi.yml",
        "asyncapi: 3.0.0\ninfo: {title: t, version: '1'}\nchannels:\n  c: {address: /c}\noperations:\n  a: {action: publish, channel: {$ref: '#/channels/c'}}\n  b: {action: send, channel: {$ref: '#/channels/nope'}}\n",
    );
    assert!(api.unwrap().operations.is_empty());
    let messages: Vec<&str> = diags
        .iter()
        .map(|d| d.diagnostic.message.as_str())
        .collect();
    assert_eq!(
        messages,
        [
            "operation `a` has action `publish`: it must be `send` or `receive`",
            "operation `b` does not reference a channel of this document"
        ]
    );
}

#[test]
fn a_server_url_fills_variables_with_their_defaults_or_names_the_one_without() {
    let server = |variables: Vec<(String, Option<String>)>| Server {
        name: "edge".into(),
        host: "{region}.example.com:{port}".into(),
        protocol: "wss".into(),
        pathname: "/ws/".into(),
        variables,
        security: Vec::new(),
        pointer: "/servers/edge".into(),
    };
    let full = server(vec![
        ("region".into(), Some("eu".into())),
        ("port".into(), Some("443".into())),
    ]);
    assert_eq!(full.url().unwrap(), "wss://eu.example.com:443/ws");
    let missing = server(vec![
        ("region".into(), None),
        ("port".into(), Some("443".into())),
    ]);
    assert_eq!(missing.url().unwrap_err(), "region");
}

#[test]
fn a_message_payload_schema_points_into_the_file_it_is_written_in() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../specs/asyncapi/web-pubsub-client.asyncapi.yml");
    let (api, _) = read_file(&path);
    let ack = &api.operation("receiveAck").unwrap().messages[0];
    let schema = ack.payload_schema().unwrap();
    assert_eq!(schema.file, api.file);
    assert_eq!(schema.pointer, "/components/messages/ack/payload");
}
