//! Parsing what a JSON-subprotocol client sends, without side effects (so it can be fuzzed on
//! its own): one text frame becomes a [`ClientRequest`], or an [`Invalid`] saying how to answer.

use crate::message::Data;
use crate::names::validate_group;
use axum::body::Bytes;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value};

/// A well-formed client request.
#[derive(Debug)]
pub(crate) enum ClientRequest {
    /// `{"type":"ping"}`: answered with a pong.
    Ping,
    /// `{"type":"sequenceAck","sequenceId":n}` (reliable subprotocol).
    SequenceAck(u64),
    /// `joinGroup` or `leaveGroup`.
    Membership {
        join: bool,
        group: String,
        ack_id: Option<u64>,
    },
    /// `sendToGroup`.
    SendToGroup {
        group: String,
        data: Data,
        no_echo: bool,
        ack_id: Option<u64>,
    },
    /// `event`: a custom event for the hub's upstream event handler.
    Event {
        name: String,
        data: Data,
        ack_id: Option<u64>,
    },
}

/// A frame that is not a valid request, and how to answer it.
#[derive(Debug, PartialEq)]
pub(crate) enum Invalid {
    /// A request object with a usable `ackId`: answer with an ack carrying `BadRequest`.
    Ack { ack_id: Value, message: String },
    /// Not a JSON object at all, or nothing to ack: the client violates the subprotocol,
    /// which Azure answers by closing the connection.
    Violation(String),
}

/// Parses one text frame of a JSON subprotocol.
pub(crate) fn parse(text: &str) -> Result<ClientRequest, Invalid> {
    let request = match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(o)) => o,
        Ok(_) => {
            return Err(Invalid::Violation(
                "invalid message: not a JSON object".into(),
            ));
        }
        Err(e) => {
            return Err(Invalid::Violation(format!(
                "invalid message: not JSON ({e})"
            )));
        }
    };
    let kind = request.get("type").and_then(Value::as_str).unwrap_or("");
    if kind == "ping" {
        return Ok(ClientRequest::Ping);
    }
    if kind == "sequenceAck" {
        return match request.get("sequenceId").and_then(Value::as_u64) {
            Some(n) => Ok(ClientRequest::SequenceAck(n)),
            None => Err(Invalid::Violation(
                "invalid sequenceAck: `sequenceId` must be an unsigned integer".into(),
            )),
        };
    }
    // Answer a bad ackId with an ack that echoes it, so the sender learns what went wrong.
    let ack_id = match request.get("ackId") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_u64() {
            Some(n) => Some(n),
            None => {
                return Err(Invalid::Ack {
                    ack_id: v.clone(),
                    message: "`ackId` must be an unsigned 64-bit integer".into(),
                });
            }
        },
    };
    let refuse = |message: String| match ack_id {
        Some(id) => Invalid::Ack {
            ack_id: Value::from(id),
            message,
        },
        None => Invalid::Violation(format!("invalid `{kind}` request: {message}")),
    };
    match kind {
        "joinGroup" | "leaveGroup" => Ok(ClientRequest::Membership {
            join: kind == "joinGroup",
            group: group(&request).map_err(refuse)?,
            ack_id,
        }),
        "sendToGroup" => {
            let group = group(&request).map_err(refuse)?;
            let data = data(&request).map_err(refuse)?;
            let no_echo = request
                .get("noEcho")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            Ok(ClientRequest::SendToGroup {
                group,
                data,
                no_echo,
                ack_id,
            })
        }
        "event" => {
            let name = request.get("event").and_then(Value::as_str).unwrap_or("");
            // The name goes into the `ce-type` header: printable ASCII without spaces.
            if name.is_empty() || name.len() > 1024 || !name.chars().all(|c| c.is_ascii_graphic()) {
                return Err(refuse(
                    "a valid `event` name is required (1 to 1024 printable ASCII characters, no spaces)".into(),
                ));
            }
            Ok(ClientRequest::Event {
                name: name.to_owned(),
                data: data(&request).map_err(refuse)?,
                ack_id,
            })
        }
        other => Err(refuse(format!("unknown request type `{other}`"))),
    }
}

fn group(request: &Map<String, Value>) -> Result<String, String> {
    let group = request.get("group").and_then(Value::as_str).unwrap_or("");
    validate_group(group).map_err(|e| format!("a valid `group` is required: {e}"))?;
    Ok(group.to_owned())
}

/// The `dataType`/`data` of a request.
fn data(request: &Map<String, Value>) -> Result<Data, String> {
    let data = request.get("data").cloned().unwrap_or(Value::Null);
    match request
        .get("dataType")
        .and_then(Value::as_str)
        .unwrap_or("json")
    {
        "text" => match data {
            Value::String(s) => Ok(Data::Text(s)),
            _ => Err("text data must be a string".into()),
        },
        "json" => Ok(Data::Json(data.to_string(), data)),
        "binary" => data
            .as_str()
            .and_then(|s| STANDARD.decode(s).ok())
            .map(|b| Data::Binary(Bytes::from(b)))
            .ok_or_else(|| "binary data must be a base64 string".into()),
        other => Err(format!("unsupported dataType `{other}`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_ack_ids_are_answered_with_the_id_echoed() {
        for id in [r#""7""#, "1.5", "-1", "true", "18446744073709551616"] {
            let text = format!(r#"{{"type":"joinGroup","group":"g","ackId":{id}}}"#);
            match parse(&text) {
                Err(Invalid::Ack { ack_id, message }) => {
                    assert!(!ack_id.is_null());
                    assert!(message.contains("ackId"));
                }
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn malformed_frames_are_violations_and_bad_fields_are_acked() {
        for text in [
            "",
            "[1]",
            "{",
            "\"x\"",
            r#"{"type":"sequenceAck","sequenceId":-1}"#,
        ] {
            assert!(matches!(parse(text), Err(Invalid::Violation(_))), "{text}");
        }
        let bad_group = parse(r#"{"type":"joinGroup","group":"a\nb","ackId":3}"#);
        assert!(
            matches!(&bad_group, Err(Invalid::Ack { ack_id, .. }) if ack_id == &Value::from(3)),
            "{bad_group:?}"
        );
        assert!(matches!(
            parse(r#"{"type":"nope"}"#),
            Err(Invalid::Violation(_))
        ));
    }
}
