//! What travels to a client: data messages prepared once per send for every protocol, and the
//! per-connection outbound queue items.

use axum::body::Bytes;
use axum::extract::ws::{Message, Utf8Bytes};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value};
use std::sync::Arc;

/// The WebSocket subprotocol a connection chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Protocol {
    /// No subprotocol: data arrives as bare text or binary frames.
    Raw,
    /// `json.webpubsub.azure.v1`.
    Json,
    /// `json.reliable.webpubsub.azure.v1`: like `Json`, with `sequenceId`s.
    ReliableJson,
}

impl Protocol {
    /// The subprotocol names we answer to, in the order we prefer them.
    const NAMES: [(&'static str, Protocol); 2] = [
        ("json.webpubsub.azure.v1", Protocol::Json),
        ("json.reliable.webpubsub.azure.v1", Protocol::ReliableJson),
    ];

    /// The protocol named `name`, if it is one of ours.
    pub(crate) fn named(name: &str) -> Option<Protocol> {
        Self::NAMES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, p)| *p)
    }

    /// Picks the first supported protocol the client offered (comma-separated header values).
    pub(crate) fn negotiate<'a>(
        offers: impl Iterator<Item = &'a str>,
    ) -> (Protocol, Option<&'static str>) {
        for offer in offers.flat_map(|h| h.split(',')).map(str::trim) {
            for (name, protocol) in Self::NAMES {
                if offer.eq_ignore_ascii_case(name) {
                    return (protocol, Some(name));
                }
            }
        }
        (Protocol::Raw, None)
    }
}

/// Message data as the sender gave it.
#[derive(Debug, Clone)]
pub(crate) enum Data {
    /// `text/plain` or `dataType: text`.
    Text(String),
    /// `application/json` or `dataType: json`: the JSON text (what raw clients receive) and its
    /// parsed value (what JSON clients receive).
    Json(String, Value),
    /// `application/octet-stream` or `dataType: binary`.
    Binary(Bytes),
}

/// Where a data message comes from, which decides `from`, `group` and `fromUserId`.
pub(crate) enum Origin<'a> {
    /// A REST send to all, a user or a connection.
    Server,
    /// A REST send to a group.
    ServerToGroup(&'a str),
    /// A JSON client's `sendToGroup`.
    Client {
        group: &'a str,
        user_id: Option<&'a str>,
    },
}

/// A data message rendered once for all protocols, shared by every receiving connection.
#[derive(Debug)]
pub(crate) struct Delivery {
    raw: Message,
    /// Shared by every JSON recipient without a sequence id (a reference count, no copy).
    json: Utf8Bytes,
    /// What it counts for in a queue (see [`Delivery::cost`]), worked out once.
    cost: usize,
}

impl Delivery {
    /// Renders `data` from `origin`.
    pub(crate) fn new(data: &Data, origin: Origin<'_>) -> Arc<Delivery> {
        let mut m = Map::new();
        m.insert("type".into(), "message".into());
        match origin {
            Origin::Server => {
                m.insert("from".into(), "server".into());
            }
            Origin::ServerToGroup(group) => {
                m.insert("from".into(), "group".into());
                m.insert("group".into(), group.into());
            }
            Origin::Client { group, user_id } => {
                m.insert("from".into(), "group".into());
                m.insert("group".into(), group.into());
                if let Some(user) = user_id {
                    m.insert("fromUserId".into(), user.into());
                }
            }
        }
        let (raw, data_type, value) = match data {
            Data::Text(t) => (
                Message::Text(Utf8Bytes::from(t.as_str())),
                "text",
                Value::from(t.as_str()),
            ),
            Data::Json(text, v) => (
                Message::Text(Utf8Bytes::from(text.as_str())),
                "json",
                v.clone(),
            ),
            Data::Binary(b) => (
                Message::Binary(b.clone()),
                "binary",
                Value::from(STANDARD.encode(b)),
            ),
        };
        m.insert("dataType".into(), data_type.into());
        m.insert("data".into(), value);
        let json = Utf8Bytes::from(Value::Object(m).to_string());
        let raw_len = match &raw {
            Message::Text(t) => t.len(),
            Message::Binary(b) => b.len(),
            _ => 0,
        };
        Arc::new(Delivery {
            raw,
            cost: raw_len.max(json.len()) + 32,
            json,
        })
    }

    /// The frame for a connection using `protocol`; `sequence` is set for the reliable
    /// subprotocol.
    pub(crate) fn frame(&self, protocol: Protocol, sequence: Option<u64>) -> Message {
        match (protocol, sequence) {
            (Protocol::Raw, _) => self.raw.clone(),
            (_, Some(sequence)) => {
                // `json` is an object literal: splice the sequence id in after its `{`.
                let body = self.json.as_str().get(1..).unwrap_or("}");
                Message::Text(Utf8Bytes::from(format!(
                    "{{\"sequenceId\":{sequence},{body}"
                )))
            }
            (_, None) => Message::Text(self.json.clone()),
        }
    }

    /// Bytes this message counts for in a connection's queue: its larger rendering, plus room
    /// for a sequence id. The same for every protocol, so the limits do not depend on it.
    pub(crate) fn cost(&self) -> usize {
        self.cost
    }
}

/// One item of a connection's outbound queue; the queue keeps everything in order.
#[derive(Debug)]
pub(crate) enum Outbound {
    /// A data message rendered when queued (a reference count on the shared rendering, no
    /// copy), and its [`Delivery::cost`].
    Frame(Message, usize),
    /// A data message for the reliable subprotocol, with its sequence id: the writer renders it
    /// (one copy per connection), so the hub's lock is not held for that.
    Sequenced(Arc<Delivery>, u64),
    /// A JSON protocol frame (ack, pong, connected); never sent to raw clients.
    Control(String),
    /// A WebSocket ping, to keep an idle connection provably alive.
    Ping,
    /// Close the connection, telling JSON clients why first.
    Close(Option<String>),
}

impl Outbound {
    /// Bytes the item counts for in a connection's queue (a little for framing).
    pub(crate) fn cost(&self) -> usize {
        match self {
            Outbound::Frame(_, cost) => *cost,
            Outbound::Sequenced(d, _) => d.cost(),
            Outbound::Control(text) => text.len() + 16,
            Outbound::Ping => 16,
            Outbound::Close(reason) => reason.as_ref().map_or(0, String::len) + 64,
        }
    }
}

/// `{"type":"ack",...}` for `ack_id`; `error` is `(name, message)` on failure.
pub(crate) fn ack(ack_id: Value, error: Option<(&str, &str)>) -> String {
    let mut m = Map::new();
    m.insert("type".into(), "ack".into());
    m.insert("ackId".into(), ack_id);
    m.insert("success".into(), error.is_none().into());
    if let Some((name, message)) = error {
        let mut e = Map::new();
        e.insert("name".into(), name.into());
        e.insert("message".into(), message.into());
        m.insert("error".into(), Value::Object(e));
    }
    Value::Object(m).to_string()
}

/// The `connected` system message.
pub(crate) fn connected(
    connection_id: &str,
    user_id: Option<&str>,
    reconnection_token: Option<&str>,
) -> String {
    let mut m = Map::new();
    m.insert("type".into(), "system".into());
    m.insert("event".into(), "connected".into());
    m.insert("userId".into(), user_id.map_or(Value::Null, Value::from));
    m.insert("connectionId".into(), connection_id.into());
    if let Some(token) = reconnection_token {
        m.insert("reconnectionToken".into(), token.into());
    }
    Value::Object(m).to_string()
}

/// The `disconnected` system message.
pub(crate) fn disconnected(reason: &str) -> String {
    let mut m = Map::new();
    m.insert("type".into(), "system".into());
    m.insert("event".into(), "disconnected".into());
    m.insert("message".into(), reason.into());
    Value::Object(m).to_string()
}
