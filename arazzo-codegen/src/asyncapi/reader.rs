//! Reading one AsyncAPI document into [`AsyncApi`]. Every loop is over the document's own
//! maps and lists, and `$ref` chains stop after [`MAX_HOPS`], so no input recurses or loops.

use serde_json::{Map, Value};

use super::{
    Action, AsyncApi, Channel, Documents, Located, Message, MessageOperation, SecurityScheme,
    Server, WsBinding,
};
use crate::diagnostic::{Diagnostic, FileId};
use crate::pointer::escape_token;

/// `$ref` hops followed before a chain is taken for a cycle.
const MAX_HOPS: usize = 32;

fn located(file: FileId, pointer: &str, code: &'static str, message: String) -> Located {
    Located {
        diagnostic: Diagnostic::error(code, message),
        file,
        pointer: pointer.to_owned(),
    }
}

/// A value with `$ref`s followed: (its file, the value, its pointer).
fn deref<'d>(
    docs: &'d dyn Documents,
    file: FileId,
    value: &'d Value,
    pointer: &str,
) -> Result<(FileId, &'d Value, String), Located> {
    let (mut file, mut value, mut pointer) = (file, value, pointer.to_owned());
    for _ in 0..MAX_HOPS {
        let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
            return Ok((file, value, pointer));
        };
        let (target, ptr) = docs.resolve_ref(file, reference).map_err(|d| Located {
            diagnostic: d,
            file,
            pointer: format!("{pointer}/$ref"),
        })?;
        value = docs.value(target).pointer(&ptr).ok_or_else(|| {
            located(
                file,
                &format!("{pointer}/$ref"),
                "unresolved-ref",
                format!("`$ref: {reference}` does not resolve"),
            )
        })?;
        file = target;
        pointer = ptr;
    }
    Err(located(
        file,
        &pointer,
        "unresolved-ref",
        format!("more than {MAX_HOPS} `$ref`s in a row (a cycle?)"),
    ))
}

fn map_of<'v>(value: &'v Value, key: &str) -> Option<&'v Map<String, Value>> {
    value.get(key).and_then(Value::as_object)
}

fn string(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_owned)
}

pub(super) fn read(docs: &dyn Documents, file: FileId) -> (Option<AsyncApi>, Vec<Located>) {
    let root = docs.value(file);
    let mut diags = Vec::new();
    let version = match root.get("asyncapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.0.") || v.starts_with("2.6.") => v.to_owned(),
        Some(v) => {
            let mut l = located(
                file,
                "/asyncapi",
                "unsupported-asyncapi-version",
                format!("AsyncAPI version `{v}` is not supported"),
            );
            l.diagnostic = l
                .diagnostic
                .help("this generator reads AsyncAPI 3.0 and 2.6 descriptions");
            return (None, vec![l]);
        }
        None => {
            let l = located(
                file,
                "",
                "invalid-asyncapi",
                "not an AsyncAPI description: no `asyncapi` version field".into(),
            );
            return (None, vec![l]);
        }
    };
    let v3 = version.starts_with("3.");
    let security_schemes = security_schemes(docs, file, root, &mut diags);
    let servers = servers(docs, file, root, v3, &mut diags);
    let (channels, operations) = if v3 {
        let channels = channels_v3(docs, file, root, &mut diags);
        let operations = operations_v3(docs, file, root, &channels, &mut diags);
        (channels, operations)
    } else {
        channels_v2(docs, file, root, &mut diags)
    };
    let api = AsyncApi {
        file,
        version,
        servers,
        channels,
        operations,
        security_schemes,
    };
    (Some(api), diags)
}

fn security_schemes(
    docs: &dyn Documents,
    file: FileId,
    root: &Value,
    diags: &mut Vec<Located>,
) -> Vec<SecurityScheme> {
    let Some(schemes) = root
        .get("components")
        .and_then(|c| map_of(c, "securitySchemes"))
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, raw) in schemes {
        let pointer = format!("/components/securitySchemes/{}", escape_token(name));
        match deref(docs, file, raw, &pointer) {
            Ok((_, v, _)) => out.push(SecurityScheme {
                name: name.clone(),
                kind: string(v, "type").unwrap_or_default(),
                key_name: string(v, "name"),
                location: string(v, "in"),
                scheme: string(v, "scheme"),
            }),
            Err(l) => diags.push(l),
        }
    }
    out
}

fn servers(
    docs: &dyn Documents,
    file: FileId,
    root: &Value,
    v3: bool,
    diags: &mut Vec<Located>,
) -> Vec<Server> {
    let Some(servers) = map_of(root, "servers") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, raw) in servers {
        let pointer = format!("/servers/{}", escape_token(name));
        let (_, v, _) = match deref(docs, file, raw, &pointer) {
            Ok(found) => found,
            Err(l) => {
                diags.push(l);
                continue;
            }
        };
        let (host, pathname) = if v3 {
            (
                string(v, "host").unwrap_or_default(),
                string(v, "pathname").unwrap_or_default(),
            )
        } else {
            // 2.6: `url` is host and path, with or without a scheme.
            let url = string(v, "url").unwrap_or_default();
            let rest = url.split_once("://").map_or(url.as_str(), |(_, r)| r);
            match rest.split_once('/') {
                Some((h, p)) => (h.to_owned(), format!("/{p}")),
                None => (rest.to_owned(), String::new()),
            }
        };
        let variables = map_of(v, "variables")
            .map(|vars| {
                vars.iter()
                    .map(|(k, var)| (k.clone(), string(var, "default")))
                    .collect()
            })
            .unwrap_or_default();
        // 3.0: a list of `$ref`s to schemes; 2.6: a list of `{name: scopes}`.
        let security = v
            .get("security")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(|item| match item.get("$ref").and_then(Value::as_str) {
                        Some(r) => r.rsplit('/').next().map(str::to_owned),
                        None => item.as_object().and_then(|m| m.keys().next().cloned()),
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.push(Server {
            name: name.clone(),
            host,
            protocol: string(v, "protocol")
                .unwrap_or_default()
                .to_ascii_lowercase(),
            pathname,
            variables,
            security,
            pointer,
        });
    }
    out
}

fn ws_binding(v: &Value) -> Option<WsBinding> {
    let ws = v.get("bindings")?.get("ws")?;
    Some(WsBinding {
        method: string(ws, "method"),
        query: ws.get("query").cloned(),
        headers: ws.get("headers").cloned(),
    })
}

fn message(
    docs: &dyn Documents,
    file: FileId,
    raw: &Value,
    key: &str,
    pointer: &str,
) -> Result<Message, Located> {
    let (mfile, m, mptr) = deref(docs, file, raw, pointer)?;
    let correlation_id = match m.get("correlationId") {
        Some(c) => {
            let (_, c, _) = deref(docs, mfile, c, &format!("{mptr}/correlationId"))?;
            string(c, "location")
        }
        None => None,
    };
    Ok(Message {
        name: string(m, "name").unwrap_or_else(|| key.to_owned()),
        payload: m.get("payload").map(|p| (mfile, p.clone())),
        headers: m.get("headers").map(|h| (mfile, h.clone())),
        correlation_id,
        pointer: mptr,
    })
}

fn channels_v3(
    docs: &dyn Documents,
    file: FileId,
    root: &Value,
    diags: &mut Vec<Located>,
) -> Vec<Channel> {
    let Some(channels) = map_of(root, "channels") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, raw) in channels {
        let pointer = format!("/channels/{}", escape_token(key));
        let (_, v, _) = match deref(docs, file, raw, &pointer) {
            Ok(found) => found,
            Err(l) => {
                diags.push(l);
                continue;
            }
        };
        out.push(Channel {
            key: key.clone(),
            // 3.0: an absent or null address is unknown until run time.
            address: string(v, "address"),
            parameters: map_of(v, "parameters")
                .map(|p| p.keys().cloned().collect())
                .unwrap_or_default(),
            ws: ws_binding(v),
            pointer,
        });
    }
    out
}

/// A channel's messages (3.0), for operations that list none.
fn channel_messages(
    docs: &dyn Documents,
    file: FileId,
    root: &Value,
    channel: &Channel,
    diags: &mut Vec<Located>,
) -> Vec<Message> {
    let Some(messages) = root
        .pointer(&channel.pointer)
        .and_then(|c| map_of(c, "messages"))
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, raw) in messages {
        let pointer = format!("{}/messages/{}", channel.pointer, escape_token(key));
        match message(docs, file, raw, key, &pointer) {
            Ok(m) => out.push(m),
            Err(l) => diags.push(l),
        }
    }
    out
}

fn operations_v3(
    docs: &dyn Documents,
    file: FileId,
    root: &Value,
    channels: &[Channel],
    diags: &mut Vec<Located>,
) -> Vec<MessageOperation> {
    let Some(operations) = map_of(root, "operations") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (id, raw) in operations {
        let pointer = format!("/operations/{}", escape_token(id));
        let (ofile, v, optr) = match deref(docs, file, raw, &pointer) {
            Ok(found) => found,
            Err(l) => {
                diags.push(l);
                continue;
            }
        };
        let action = match v.get("action").and_then(Value::as_str) {
            Some("send") => Action::Send,
            Some("receive") => Action::Receive,
            other => {
                diags.push(located(
                    ofile,
                    &format!("{optr}/action"),
                    "invalid-asyncapi",
                    format!(
                        "operation `{id}` has action {}: it must be `send` or `receive`",
                        other.map_or("none".to_owned(), |a| format!("`{a}`"))
                    ),
                ));
                continue;
            }
        };
        // `channel` is a `$ref` to `#/channels/<key>`.
        let target = v
            .get("channel")
            .and_then(|c| c.get("$ref"))
            .and_then(Value::as_str)
            .and_then(|r| docs.resolve_ref(ofile, r).ok())
            .and_then(|(f, p)| (f == file).then_some(p));
        let Some(channel) = target.and_then(|p| channels.iter().position(|c| c.pointer == p))
        else {
            diags.push(located(
                ofile,
                &format!("{optr}/channel"),
                "invalid-asyncapi",
                format!("operation `{id}` does not reference a channel of this document"),
            ));
            continue;
        };
        let listed = v.get("messages").and_then(Value::as_array);
        let messages = match listed {
            Some(list) if !list.is_empty() => {
                let mut out = Vec::new();
                for (i, raw) in list.iter().enumerate() {
                    let key = raw
                        .get("$ref")
                        .and_then(Value::as_str)
                        .and_then(|r| r.rsplit('/').next())
                        .unwrap_or_default()
                        .to_owned();
                    match message(docs, ofile, raw, &key, &format!("{optr}/messages/{i}")) {
                        Ok(m) => out.push(m),
                        Err(l) => diags.push(l),
                    }
                }
                out
            }
            _ => channel_messages(docs, file, root, &channels[channel], diags),
        };
        out.push(MessageOperation {
            id: Some(id.clone()),
            action,
            channel,
            messages,
            pointer: optr,
        });
    }
    out
}

/// 2.6: channels keyed by address, each with `publish` (→ send) and `subscribe` (→ receive).
fn channels_v2(
    docs: &dyn Documents,
    file: FileId,
    root: &Value,
    diags: &mut Vec<Located>,
) -> (Vec<Channel>, Vec<MessageOperation>) {
    let Some(channels) = map_of(root, "channels") else {
        return (Vec::new(), Vec::new());
    };
    let mut out = Vec::new();
    let mut ops = Vec::new();
    for (address, raw) in channels {
        let pointer = format!("/channels/{}", escape_token(address));
        let (cfile, v, cptr) = match deref(docs, file, raw, &pointer) {
            Ok(found) => found,
            Err(l) => {
                diags.push(l);
                continue;
            }
        };
        let index = out.len();
        out.push(Channel {
            key: address.clone(),
            address: Some(address.clone()),
            parameters: map_of(v, "parameters")
                .map(|p| p.keys().cloned().collect())
                .unwrap_or_default(),
            ws: ws_binding(v),
            pointer: pointer.clone(),
        });
        for (field, action) in [("publish", Action::Send), ("subscribe", Action::Receive)] {
            let Some(op) = v.get(field) else { continue };
            let optr = format!("{cptr}/{field}");
            let mut messages = Vec::new();
            if let Some(raw) = op.get("message") {
                let mptr = format!("{optr}/message");
                // `message` is one Message Object or `oneOf` a list of them.
                let resolved = deref(docs, cfile, raw, &mptr);
                match resolved {
                    Ok((mfile, m, mp)) => match m.get("oneOf").and_then(Value::as_array) {
                        Some(list) => {
                            for (i, item) in list.iter().enumerate() {
                                match message(docs, mfile, item, "", &format!("{mp}/oneOf/{i}")) {
                                    Ok(msg) => messages.push(msg),
                                    Err(l) => diags.push(l),
                                }
                            }
                        }
                        None => match message(docs, cfile, raw, "", &mptr) {
                            Ok(msg) => messages.push(msg),
                            Err(l) => diags.push(l),
                        },
                    },
                    Err(l) => diags.push(l),
                }
            }
            ops.push(MessageOperation {
                id: string(op, "operationId"),
                action,
                channel: index,
                messages,
                pointer: optr,
            });
        }
    }
    (out, ops)
}
