//! Arazzo 1.1 `send`/`receive` steps against the AsyncAPI source they name, planned for
//! generation: the operation (by `operationId`, bare or `$sourceDescriptions.<name>.<id>`, or by
//! `channelPath`), its direction against the step's `action`, the connection (server, channel
//! address and its parameters, connect-time query and headers, subprotocol, security), a
//! send's payload against the message schema, and a receive's selection, `correlationId`,
//! criteria and outputs over `$message`.
//!
//! A `receive` starts listening where it is reached and is joined (waited for) before the
//! first later step that `dependsOn` it or reads its outputs, else at the workflow's end: the
//! join point is set by the workflow once all its steps are planned.

use serde_json::Value;

use super::document::{present, unsupported};
use super::request;
use super::step::{self as step_check, source_index};
use super::values::{Context, MessageScope, Scope};
use super::{Cx, Source};
use crate::asyncapi::{Action, AsyncApi, Channel, MessageOperation};
use crate::diagnostic::Diagnostic;
use crate::expr::{self, Expr, Source as ExprSource};
use crate::model::{Parameter, Step, Workflow};
use crate::openapi::{SchemaRef, schema};
use crate::plan::{
    ConnectPlan, JsonValue, MessagePart, ParamLocation, ParamPlan, PathPart, ReceivePlan, RustType,
    SchemePlan, SendPayload, SendPlan, StepKind, StepPlan, ValueExpr,
};
use crate::suggest::{one_of, similar};

/// Protocols the runtime has a message transport for.
const PROTOCOLS: &[&str] = &["ws", "wss"];

/// Checks one message step (the structural pass checked `action` and the target's shape) and
/// plans it.
pub(super) fn check(
    cx: &mut Cx<'_>,
    sources: &[Source],
    wf: &Workflow,
    st: &Step,
    sp: &str,
    scope: &mut Scope,
) -> Option<StepPlan> {
    let (source, api, op) = operation(cx, sources, st, sp)?;
    let action = match st.action.as_deref() {
        Some("send") => Action::Send,
        Some("receive") => Action::Receive,
        _ => return None,
    };
    let mut ok = true;
    if op.action != action {
        let d = cx.error(
            "action-mismatch",
            format!(
                "step `{}` would {} with `{}`, which the AsyncAPI description of `{}` declares as `action: {}`",
                st.step_id,
                action.as_str(),
                op.id.as_deref().unwrap_or("this operation"),
                source.name,
                op.action.as_str()
            ),
            &format!("{sp}/action"),
        );
        d.label = format!("the operation is `{}`", op.action.as_str());
        d.help = Some(format!(
            "write `action: {}`, or name an operation that {}s",
            op.action.as_str(),
            action.as_str()
        ));
        ok = false;
    }
    // A `correlationId` on a send is reported by the structural pass.
    if st.correlation_id.is_some() && op.messages.iter().all(|m| m.correlation_id.is_none()) {
        let d = cx.error(
            "invalid-correlation-id",
            format!(
                "the messages of `{}` declare no `correlationId`, so there is nothing to match",
                op.id.as_deref().unwrap_or("this operation")
            ),
            &format!("{sp}/correlationId"),
        );
        d.help = Some(
            "remove `correlationId`, or declare one on the messages in the AsyncAPI description"
                .into(),
        );
        ok = false;
    }
    ok &= protocol(cx, source, api, sp);
    if !ok {
        return None;
    }
    // No `ws`/`wss` server (reported above) or one without a URL (reported at loading).
    let server = source.message_plan.as_ref()?.server.clone();
    let channel = &api.channels[op.channel];
    // A send's `in: header` parameters that are not connect headers set message headers.
    let headers = match action {
        Action::Send => message_headers(cx, op),
        Action::Receive => MessageHeaders::default(),
    };
    let connect = connect(
        cx, source, api, channel, &server, wf, st, sp, scope, &headers,
    );
    let (connect, sent_headers) = match connect {
        Some((c, h)) => (Some(c), h),
        None => (None, Vec::new()),
    };
    let payloads: Vec<SchemaRef> = op
        .messages
        .iter()
        .filter_map(crate::asyncapi::Message::payload_schema)
        .collect();
    let label = op.id.clone().unwrap_or_else(|| channel.key.clone());
    let (kind, criteria, outputs) = match action {
        Action::Send => {
            if st.success_criteria.as_ref().is_some_and(|l| !l.is_empty()) {
                let d = cx.error(
                    "invalid-criterion",
                    "a `send` step has nothing to test: it \"completes immediately after the message is sent\"",
                    &format!("{sp}/successCriteria"),
                );
                d.label = "criteria of a send".into();
                d.help = Some(
                    "remove `successCriteria`; to check the answer, add a `receive` step for it"
                        .into(),
                );
                return None;
            }
            let payload = payload(cx, st, sp, scope, &payloads);
            scope.message = Some(MessageScope {
                payloads: payloads.clone(),
                receive: false,
                step: st.step_id.clone(),
                type_prefix: crate::names::camel(&format!("{} {}", wf.workflow_id, st.step_id)),
            });
            let outputs = step_check::outputs(cx, None, None, st, sp, scope, &[]);
            scope.message = None;
            let connect = connect?;
            let kind = StepKind::Send(SendPlan {
                conn: connection_var(scope, &connect, &source.name),
                connect,
                payload: payload?,
                headers: sent_headers,
                timeout_ms: st.timeout,
            });
            (kind, Vec::new(), outputs)
        }
        Action::Receive => {
            if st.request_body.is_some() {
                let d = cx.error(
                    "invalid-document",
                    "a `receive` step sends nothing",
                    &format!("{sp}/requestBody"),
                );
                d.label = "a body to receive?".into();
                d.help = Some("remove `requestBody`; a `send` step sends the message".into());
            }
            let select: Vec<Vec<(String, Value)>> =
                op.messages.iter().map(|m| discriminators(cx, m)).collect();
            indistinct(cx, api, op, &select, sp);
            let correlation = correlation(cx, op, st, sp, scope);
            scope.message = Some(MessageScope {
                payloads: payloads.clone(),
                receive: true,
                step: st.step_id.clone(),
                type_prefix: crate::names::camel(&format!("{} {}", wf.workflow_id, st.step_id)),
            });
            let criteria = step_check::criteria_list(
                cx,
                st.success_criteria.as_deref().unwrap_or_default(),
                &format!("{sp}/successCriteria"),
                scope,
            );
            let outputs = step_check::outputs(cx, None, None, st, sp, scope, &[]);
            scope.message = None;
            let pending_var = scope
                .vars
                .claim(crate::names::snake(&format!("{} pending", st.step_id)));
            let connect = connect?;
            let kind = StepKind::Receive(ReceivePlan {
                conn: connection_var(scope, &connect, &source.name),
                connect,
                select: if op.messages.len() > 1 && select_is_empty(&select) {
                    Vec::new()
                } else {
                    select
                },
                correlation: correlation?,
                timeout_ms: st.timeout,
                join_before: None,
                pending_var,
            });
            (kind, criteria, outputs)
        }
    };
    Some(StepPlan {
        id: st.step_id.clone(),
        label,
        kind,
        criteria,
        outputs,
        on_success: Vec::new(),
        on_failure: Vec::new(),
    })
}

/// A message with no constant member, on a channel where other receive operations carry other
/// messages: nothing tells it apart, so the receive takes the first message that arrives (a
/// warning: the description may be right that only it arrives while the step listens).
fn indistinct(
    cx: &mut Cx<'_>,
    api: &AsyncApi,
    op: &MessageOperation,
    select: &[Vec<(String, Value)>],
    sp: &str,
) {
    let shared = api.operations.iter().any(|o| {
        o.channel == op.channel
            && o.action == Action::Receive
            && o.messages.iter().any(|m| !op.messages.contains(m))
    });
    let Some(i) = select.iter().position(Vec::is_empty) else {
        return;
    };
    if !shared {
        return;
    }
    let name = &op.messages[i].name;
    let span = cx
        .span(&format!("{sp}/operationId"))
        .or_else(|| cx.span(&format!("{sp}/channelPath")));
    cx.push(
        Diagnostic::warning(
            "indistinct-message",
            format!(
                "message `{name}` has no constant member to tell it from the channel's other messages: the receive takes the first message that arrives"
            ),
        )
        .at(span)
        .label("any message on the channel matches")
        .help(format!(
            "give the payload schema of `{name}` a required member with `const` (as `type: {{const: ...}}`), so a receive can tell it apart"
        )),
    );
}

/// The `ConnId` variable of a connection, and whether this step opens it: straight-line code
/// opens each distinct connection once and reuses it.
fn connection_var(scope: &mut Scope, connect: &ConnectPlan, source: &str) -> (String, bool) {
    if let Some((_, var)) = scope.connections.iter().find(|(c, _)| c == connect) {
        return (var.clone(), false);
    }
    let var = scope
        .vars
        .claim(crate::names::snake(&format!("{source} connection")));
    scope.connections.push((connect.clone(), var.clone()));
    (var, true)
}

fn select_is_empty(select: &[Vec<(String, Value)>]) -> bool {
    select.iter().any(Vec::is_empty)
}

/// The connection: the server's URL (a const), the channel address with its `in: path`
/// parameters, connect-time `in: query` / `in: header` parameters, the subprotocol and the
/// server's security.
#[allow(clippy::too_many_arguments)]
fn connect(
    cx: &mut Cx<'_>,
    source: &Source,
    api: &AsyncApi,
    channel: &Channel,
    server_name: &str,
    wf: &Workflow,
    st: &Step,
    sp: &str,
    scope: &Scope,
    message_headers: &MessageHeaders,
) -> Option<(ConnectPlan, Vec<(String, ValueExpr)>)> {
    let wp = sp.split("/steps/").next().unwrap_or_default().to_owned();
    let Some(address) = &channel.address else {
        unsupported(
            cx,
            &format!("{sp}/operationId"),
            "a channel whose address is only known at run time (`address: null`)",
        );
        return None;
    };
    let server = api.servers.iter().find(|s| s.name == server_name)?;
    let ws = channel.ws.as_ref();
    let query_props = property_names(ws.and_then(|w| w.query.as_ref()));
    let header_props = property_names(ws.and_then(|w| w.headers.as_ref()));
    let key_params: Vec<String> = server
        .security
        .iter()
        .filter_map(|n| api.security_schemes.iter().find(|s| &s.name == n))
        .filter(|s| s.kind == "httpApiKey" && s.location.as_deref() == Some("query"))
        .filter_map(|s| s.key_name.clone())
        .collect();
    let mut subprotocol = ws
        .and_then(|w| w.headers.as_ref())
        .and_then(|h| h.pointer("/properties/Sec-WebSocket-Protocol/default"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let mut values: Vec<(String, PathPart)> = Vec::new();
    let mut params = Vec::new();
    let mut sent: Vec<(String, ValueExpr)> = Vec::new();
    // Where the first message header is set, for the warning below.
    let mut sent_at: Option<String> = None;
    let mut ok = true;
    for (p, pointer) in request::parameters(cx, wf, st, &wp, sp) {
        let Some(location) = p.location.as_deref() else {
            let d = cx.error(
                "missing-parameter-location",
                format!("parameter `{}` has no `in`", p.name),
                &format!("{pointer}/name"),
            );
            d.label = "where does it go?".into();
            d.help = Some(if channel.parameters.contains(&p.name) {
                format!(
                    "`{}` is a parameter of the channel address: add `in: path`",
                    p.name
                )
            } else {
                "say where it goes: `in: path` (channel address), `query` or `header` (the connect request)".to_owned()
            });
            ok = false;
            continue;
        };
        let known = match location {
            "path" => channel.parameters.contains(&p.name),
            "query" => query_props.contains(&p.name) || key_params.contains(&p.name),
            "header" => {
                header_props.iter().any(|h| h.eq_ignore_ascii_case(&p.name))
                    || message_headers.names.contains(&p.name)
            }
            "cookie" => {
                unsupported(
                    cx,
                    &format!("{pointer}/in"),
                    "cookies on a WebSocket connect",
                );
                ok = false;
                continue;
            }
            other => {
                cx.error(
                    "invalid-document",
                    format!("`in: {other}` is not a parameter location of a message step"),
                    &format!("{pointer}/in"),
                )
                .help = Some(
                    "use `path` (channel address), `query` or `header` (the connect request)"
                        .into(),
                );
                ok = false;
                continue;
            }
        };
        if !known {
            unknown_parameter(
                cx,
                &p,
                location,
                &pointer,
                &channel.parameters,
                &query_props,
                &key_params,
                &header_props,
                &source.name,
            );
            ok = false;
            continue;
        }
        if location == "header" && p.name.eq_ignore_ascii_case("Sec-WebSocket-Protocol") {
            let allowed: Vec<String> = ws
                .and_then(|w| w.headers.as_ref())
                .and_then(|h| h.pointer("/properties/Sec-WebSocket-Protocol/enum"))
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            match p.value.as_str() {
                Some(v)
                    if !v.contains('$')
                        && (allowed.is_empty() || allowed.iter().any(|a| a == v)) =>
                {
                    subprotocol = Some(v.to_owned());
                }
                _ => {
                    let d = cx.error(
                        "invalid-parameter-value",
                        "the subprotocol must be one the channel's `ws` binding lists, written literally",
                        &format!("{pointer}/value"),
                    );
                    let names: Vec<&str> = allowed.iter().map(String::as_str).collect();
                    d.help = Some(format!("write one of {}", one_of(&names)));
                    ok = false;
                }
            }
            continue;
        }
        let Some(value) =
            scope.parameter_value(cx, &p.value, &format!("{pointer}/value"), Context::Request)
        else {
            ok = false;
            continue;
        };
        let connect_header = header_props.iter().any(|h| h.eq_ignore_ascii_case(&p.name));
        match location {
            "path" => values.push((p.name.clone(), PathPart::Param(value))),
            "header" if !connect_header => {
                sent_at.get_or_insert_with(|| format!("{pointer}/name"));
                sent.push((p.name.clone(), value));
            }
            _ => params.push(ParamPlan {
                name: p.name.clone(),
                location: if location == "query" {
                    ParamLocation::Query
                } else {
                    ParamLocation::Header
                },
                value,
                array: None,
                styled: None,
                json_text: false,
            }),
        }
    }
    for name in &channel.parameters {
        if !values.iter().any(|(n, _)| n == name) {
            let span = cx.key_span(&format!("{sp}/stepId"));
            cx.push(
                Diagnostic::error(
                    "missing-parameter",
                    format!(
                        "channel `{address}` needs parameter `{name}`, which step `{}` does not supply",
                        st.step_id
                    ),
                )
                .at(span)
                .label(format!("`{name}` missing here"))
                .help(format!(
                    "add `- {{name: {name}, in: path, value: <value or $inputs.…>}}` to the step's parameters"
                )),
            );
            ok = false;
        }
    }
    for name in &message_headers.required {
        if !sent.iter().any(|(n, _)| n == name) {
            let span = cx.key_span(&format!("{sp}/stepId"));
            cx.push(
                Diagnostic::error(
                    "missing-parameter",
                    format!(
                        "the message that step `{}` sends requires the header `{name}`, which the step does not supply",
                        st.step_id
                    ),
                )
                .at(span)
                .label(format!("`{name}` missing here"))
                .help(format!(
                    "add `- {{name: {name}, in: header, value: <value or $inputs.…>}}` to the step's parameters"
                )),
            );
            ok = false;
        }
    }
    if !sent.is_empty() {
        // The built-in WebSocket transport refuses a message with headers (frames have none)
        // rather than drop them; a `Transport` of the user's own may carry them.
        let names: Vec<&str> = sent.iter().map(|(n, _)| n.as_str()).collect();
        let span = cx.span(sent_at.as_deref().unwrap_or(sp));
        cx.push(
            Diagnostic::warning(
                "message-headers-over-websocket",
                format!(
                    "step `{}` sends message header{} {} over `{}`, whose WebSocket frames carry no headers",
                    st.step_id,
                    if names.len() == 1 { "" } else { "s" },
                    one_of(&names),
                    source.name
                ),
            )
            .at(span)
            .label("a message header")
            .help("arazzo-runtime's WebSocket transport fails such a send rather than drop the headers; carry them in the payload, or plug in a `Transport` that sends them"),
        );
    }
    if !ok {
        return None;
    }
    Some((
        ConnectPlan {
            source: source.message_plan_index,
            address: request::path_template(address, values),
            subprotocol,
            params,
            security: security(api, &server.security),
        },
        sent,
    ))
}

/// The message headers a send may set: the properties of its operation's messages' `headers`
/// schemas, and those every message requires.
#[derive(Debug, Default)]
struct MessageHeaders {
    names: Vec<String>,
    required: Vec<String>,
}

fn message_headers(cx: &Cx<'_>, op: &MessageOperation) -> MessageHeaders {
    let mut out = MessageHeaders::default();
    let mut required: Option<Vec<String>> = None;
    for m in &op.messages {
        let schema = m.headers.as_ref().and_then(|(file, _)| {
            cx.resolved(&SchemaRef {
                file: *file,
                pointer: format!("{}/headers", m.pointer),
            })
        });
        let node = schema.and_then(|s| cx.files.value(s.file).pointer(&s.pointer));
        for name in property_names(node) {
            if !out.names.contains(&name) {
                out.names.push(name);
            }
        }
        let here: Vec<String> = node
            .and_then(|n| n.get("required"))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        // Required by every message the step may send.
        required = Some(match required {
            None => here,
            Some(r) => r.into_iter().filter(|n| here.contains(n)).collect(),
        });
    }
    out.required = required.unwrap_or_default();
    out
}

/// The property names of a binding's `query`/`headers` schema.
fn property_names(schema: Option<&Value>) -> Vec<String> {
    schema
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

#[allow(clippy::too_many_arguments)]
fn unknown_parameter(
    cx: &mut Cx<'_>,
    p: &Parameter,
    location: &str,
    pointer: &str,
    path: &[String],
    query: &[String],
    keys: &[String],
    headers: &[String],
    source: &str,
) {
    let same_place: Vec<&str> = match location {
        "path" => path.iter().map(String::as_str).collect(),
        "query" => query.iter().chain(keys).map(String::as_str).collect(),
        _ => headers.iter().map(String::as_str).collect(),
    };
    let help = if let Some(best) = similar(&p.name, &same_place).first() {
        format!("did you mean `{best}`?")
    } else if path.contains(&p.name) {
        format!(
            "`{}` is a parameter of the channel address: write `in: path`",
            p.name
        )
    } else if same_place.is_empty() {
        format!("the connection takes no {location} parameters")
    } else {
        format!("its {location} parameters are {}", one_of(&same_place))
    };
    let span = cx.span(&format!("{pointer}/name"));
    cx.push(
        Diagnostic::error(
            "unknown-parameter",
            format!(
                "the channel of this step has no {location} parameter `{}`",
                p.name
            ),
        )
        .at(span)
        .label(format!(
            "not declared by the AsyncAPI description of `{source}`"
        ))
        .help(help),
    );
}

/// The server's security requirements as the runtime applies them (each listed scheme one
/// alternative; schemes it cannot send are left out, as for OpenAPI).
fn security(api: &AsyncApi, names: &[String]) -> Vec<Vec<(String, SchemePlan)>> {
    let mut out = Vec::new();
    for name in names {
        let Some(s) = api.security_schemes.iter().find(|s| &s.name == name) else {
            continue;
        };
        let plan = match (s.kind.as_str(), s.scheme.as_deref()) {
            ("httpApiKey", _) => SchemePlan::ApiKey {
                name: s.key_name.clone().unwrap_or_default(),
                location: match s.location.as_deref() {
                    Some("query") => ParamLocation::Query,
                    Some("cookie") => ParamLocation::Cookie,
                    _ => ParamLocation::Header,
                },
            },
            ("http", Some(scheme)) if scheme.eq_ignore_ascii_case("bearer") => SchemePlan::Bearer,
            ("http", Some(scheme)) if scheme.eq_ignore_ascii_case("basic") => SchemePlan::Basic,
            ("userPassword", _) => SchemePlan::Basic,
            ("oauth2" | "openIdConnect" | "httpBearer", _) => SchemePlan::Bearer,
            _ => continue,
        };
        out.push(vec![(name.clone(), plan)]);
    }
    out
}

/// A send's payload: JSON unless the step's `contentType` is a `text/*` type, when it is a
/// string (an expression or a template filled in) sent as a text message. Either way it is
/// checked against the message schemas; other content types are not supported.
fn payload(
    cx: &mut Cx<'_>,
    st: &Step,
    sp: &str,
    scope: &Scope,
    payloads: &[SchemaRef],
) -> Option<SendPayload> {
    let content_type = st
        .request_body
        .as_ref()
        .and_then(|b| b.content_type.as_deref());
    let Some(media) = content_type.filter(|ct| !request::is_json(ct)) else {
        return json_payload(cx, st, sp, scope, payloads, "application/json")
            .map(SendPayload::Json);
    };
    let essence = media.split(';').next().unwrap_or_default().trim();
    // Any other media type goes as a binary frame of the string's bytes, as a request body of
    // such a type is sent as the text.
    let text = essence.to_ascii_lowercase().starts_with("text/");
    let wrap = if text {
        SendPayload::Text
    } else {
        SendPayload::Binary
    };
    let pp = format!("{sp}/requestBody/payload");
    match json_payload(cx, st, sp, scope, payloads, essence)? {
        JsonValue::Literal(Value::String(text)) => {
            Some(wrap(ValueExpr::Literal(Value::String(text))))
        }
        // An object or a list has no text form (a JSON value is its string, or its JSON text).
        JsonValue::Expr(value)
            if !matches!(value.ty().inner(), RustType::Named(_) | RustType::Vec(_)) =>
        {
            Some(wrap(value))
        }
        _ => {
            let d = cx.error(
                "invalid-payload",
                format!("a `{media}` message payload must be a string"),
                &pp,
            );
            d.help = Some(
                "write the text (with `{$...}` expressions in it), or send JSON with `contentType: application/json`"
                    .into(),
            );
            None
        }
    }
}

/// A send's JSON payload (or a text one's string), checked against the message schemas:
/// members a closed schema does not declare, required members left out, and literals of the
/// wrong kind or constant. `media` is what `replacements` are read for.
fn json_payload(
    cx: &mut Cx<'_>,
    st: &Step,
    sp: &str,
    scope: &Scope,
    payloads: &[SchemaRef],
    media: &str,
) -> Option<JsonValue> {
    let bp = format!("{sp}/requestBody");
    let Some(body) = &st.request_body else {
        if let Some(schema) = payloads.first()
            && !required_names(cx, schema).is_empty()
        {
            let required = required_names(cx, schema);
            let required: Vec<&str> = required.iter().map(String::as_str).collect();
            let help = format!(
                "add `requestBody: {{payload: {{...}}}}` with {}",
                one_of(&required)
            );
            let d = cx.error(
                "missing-payload",
                format!(
                    "step `{}` sends no payload, but the message requires one",
                    st.step_id
                ),
                &format!("{sp}/stepId"),
            );
            d.help = Some(help);
            return None;
        }
        return Some(JsonValue::Literal(Value::Null));
    };
    let mut raw = body.payload.clone().unwrap_or(Value::Null);
    if present(&body.replacements) {
        // Into a payload written out, replacements apply here, as for a request body; their
        // values may be expressions, which the payload's own handling then computes.
        if raw.is_string() {
            unsupported(
                cx,
                &format!("{bp}/replacements"),
                "`replacements` into a message payload computed from an expression",
            );
            return None;
        }
        let replacements = request::replacements(cx, body.replacements.as_ref(), &bp, media)?;
        for (i, (target, value)) in replacements.into_iter().enumerate() {
            if request::pointer_set(&mut raw, &target, value).is_err() {
                request::replacement_missing(cx, &bp, i, &target);
                return None;
            }
        }
    }
    let json = request::json_value(cx, &raw, &format!("{bp}/payload"), scope)?;
    // One message of the operation must accept it; report against the first when none does.
    let mut first_problems = None;
    for schema in payloads {
        let mut problems = Vec::new();
        check_value(
            cx,
            schema,
            "",
            &raw,
            &json,
            &format!("{bp}/payload"),
            &mut problems,
        );
        if problems.is_empty() {
            return Some(json);
        }
        first_problems.get_or_insert(problems);
    }
    let Some(problems) = first_problems else {
        return Some(json);
    };
    for (code, message, at, help) in problems {
        let d = cx.error(code, message, &at);
        d.help = Some(help);
    }
    None
}

type Problem = (&'static str, String, String, String);

/// Checks one payload value at `ptr` of `schema` (collects problems; reports nothing).
fn check_value(
    cx: &mut Cx<'_>,
    schema: &SchemaRef,
    ptr: &str,
    raw: &Value,
    json: &JsonValue,
    at: &str,
    out: &mut Vec<Problem>,
) {
    let Ok(Some(here)) = cx.at_pointer(schema, ptr) else {
        return;
    };
    match json {
        JsonValue::Object(_) | JsonValue::Literal(Value::Object(_)) => {
            let Some(map) = raw.as_object() else { return };
            for name in required_names(cx, &here) {
                if !map.contains_key(&name) {
                    out.push((
                        "missing-payload-member",
                        format!("the payload lacks `{name}`, which the message schema requires"),
                        at.to_owned(),
                        format!("add `{name}: <value>` to the payload"),
                    ));
                }
            }
            for (k, v) in map {
                let child = format!("{ptr}/{}", crate::pointer::escape_token(k));
                let member_at = format!("{at}/{}", crate::pointer::escape_token(k));
                if let Err(why) = cx.at_pointer(schema, &child) {
                    out.push((
                        "unknown-payload-member",
                        format!("the message schema has no payload member `{k}`"),
                        member_at,
                        why,
                    ));
                    continue;
                }
                let member = match json {
                    JsonValue::Object(members) => members
                        .iter()
                        .find(|(n, _)| n == k)
                        .map(|(_, j)| j.clone())
                        .unwrap_or(JsonValue::Literal(v.clone())),
                    _ => JsonValue::Literal(v.clone()),
                };
                check_value(cx, schema, &child, v, &member, &member_at, out);
            }
        }
        JsonValue::Literal(v) => {
            let Some(resolved) = cx.resolved(&here) else {
                return;
            };
            let node = cx
                .files
                .value(resolved.file)
                .pointer(&resolved.pointer)
                .cloned();
            if let Some(c) = node.as_ref().and_then(|n| n.get("const"))
                && c != v
            {
                out.push((
                    "invalid-payload-value",
                    format!("`{v}` is not the constant `{c}` the message schema requires here"),
                    at.to_owned(),
                    format!("write `{c}`"),
                ));
                return;
            }
            if let Some(e) = node
                .as_ref()
                .and_then(|n| n.get("enum"))
                .and_then(Value::as_array)
                && !e.contains(v)
            {
                let list: Vec<String> = e.iter().map(Value::to_string).collect();
                let list: Vec<&str> = list.iter().map(String::as_str).collect();
                out.push((
                    "invalid-payload-value",
                    format!("`{v}` is not one of the values the message schema allows here"),
                    at.to_owned(),
                    format!("write one of {}", one_of(&list)),
                ));
                return;
            }
            if let Some(want) = kind_name(&cx.kind(&here))
                && !fits(v, want)
            {
                out.push((
                    "invalid-payload-value",
                    format!("`{v}` is not {want}, which the message schema requires here"),
                    at.to_owned(),
                    format!("write {want}"),
                ));
            }
        }
        JsonValue::Expr(value) => {
            let want = kind_name(&cx.kind(&here));
            let have = value.ty();
            let clash = matches!(
                (want, have.inner()),
                (
                    Some("a string"),
                    RustType::I64 | RustType::F64 | RustType::Bool
                ) | (
                    Some("an integer" | "a number"),
                    RustType::String | RustType::Bool
                ) | (
                    Some("a boolean"),
                    RustType::String | RustType::I64 | RustType::F64
                )
            );
            if clash {
                out.push((
                    "invalid-payload-value",
                    format!(
                        "this value is {}, but the message schema requires {} here",
                        rust_name(have.inner()),
                        want.unwrap_or_default()
                    ),
                    at.to_owned(),
                    "pass a value of the schema's type".to_owned(),
                ));
            }
        }
        JsonValue::Array(_) => {}
    }
}

fn rust_name(ty: &RustType) -> &'static str {
    match ty {
        RustType::String => "a string",
        RustType::I64 => "an integer",
        RustType::F64 => "a number",
        RustType::Bool => "a boolean",
        _ => "a value",
    }
}

fn kind_name(kind: &schema::Kind) -> Option<&'static str> {
    Some(match kind {
        schema::Kind::String => "a string",
        schema::Kind::Integer { .. } => "an integer",
        schema::Kind::Number => "a number",
        schema::Kind::Boolean => "a boolean",
        schema::Kind::Array(_) => "an array",
        schema::Kind::Object => "an object",
        _ => return None,
    })
}

fn fits(v: &Value, want: &str) -> bool {
    match want {
        "a string" => v.is_string(),
        "an integer" => v.is_i64() || v.is_u64(),
        "a number" => v.is_number(),
        "a boolean" => v.is_boolean(),
        "an array" => v.is_array(),
        "an object" => v.is_object(),
        _ => true,
    }
}

/// `required` of a schema (after `$ref`), with one level of `allOf` merged in.
fn required_names(cx: &mut Cx<'_>, schema: &SchemaRef) -> Vec<String> {
    let mut out = Vec::new();
    let Some(resolved) = cx.resolved(schema) else {
        return out;
    };
    let Some(node) = cx
        .files
        .value(resolved.file)
        .pointer(&resolved.pointer)
        .cloned()
    else {
        return out;
    };
    let names = |n: &Value| -> Vec<String> {
        n.get("required")
            .and_then(Value::as_array)
            .map(|r| {
                r.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    out.extend(names(&node));
    if let Some(all) = node.get("allOf").and_then(Value::as_array) {
        for i in 0..all.len() {
            let member = SchemaRef {
                file: resolved.file,
                pointer: format!("{}/allOf/{i}", resolved.pointer),
            };
            if let Some(r) = cx.resolved(&member)
                && let Some(n) = cx.files.value(r.file).pointer(&r.pointer)
            {
                out.extend(names(n));
            }
        }
    }
    out.dedup();
    out
}

/// What tells a message apart from the channel's others: its required top-level payload
/// members whose schema is a constant (`const`, or a one-value `enum`).
fn discriminators(cx: &mut Cx<'_>, m: &crate::asyncapi::Message) -> Vec<(String, Value)> {
    let Some(schema) = m.payload_schema() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for name in required_names(cx, &schema) {
        let ptr = format!("/{}", crate::pointer::escape_token(&name));
        let Ok(Some(at)) = cx.at_pointer(&schema, &ptr) else {
            continue;
        };
        let Some(r) = cx.resolved(&at) else {
            continue;
        };
        let Some(node) = cx.files.value(r.file).pointer(&r.pointer) else {
            continue;
        };
        let constant = node.get("const").cloned().or_else(|| {
            match node
                .get("enum")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
            {
                Some([one]) => Some(one.clone()),
                _ => None,
            }
        });
        if let Some(c) = constant
            && !out.iter().any(|(p, _)| p == &ptr)
        {
            out.push((ptr, c));
        }
    }
    out
}

/// `correlationId`: the value (an expression or a literal) and where the messages carry it.
/// `Some(None)`: no `correlationId`; `None`: an error was reported.
#[allow(clippy::option_option)]
fn correlation(
    cx: &mut Cx<'_>,
    op: &MessageOperation,
    st: &Step,
    sp: &str,
    scope: &Scope,
) -> Option<Option<(MessagePart, String, ValueExpr)>> {
    let Some(text) = &st.correlation_id else {
        return Some(None);
    };
    let cp = format!("{sp}/correlationId");
    let locations: Vec<&str> = op
        .messages
        .iter()
        .filter_map(|m| m.correlation_id.as_deref())
        .collect();
    let first = locations.first().copied().unwrap_or_default();
    if locations.iter().any(|l| *l != first) {
        let d = cx.error(
            "invalid-correlation-id",
            format!(
                "the messages of `{}` carry their correlation id in different places",
                op.id.as_deref().unwrap_or("this operation")
            ),
            &cp,
        );
        d.help = Some(format!("the locations are {}", one_of(&locations)));
        return None;
    }
    let (part, ptr) = match expr::parse(first) {
        Ok(Expr::Message(ExprSource::Payload(p))) => (MessagePart::Payload, p.unwrap_or_default()),
        Ok(Expr::Message(ExprSource::Header(h))) => (
            MessagePart::Header,
            format!("/{}", crate::pointer::escape_token(&h)),
        ),
        _ => {
            let d = cx.error(
                "invalid-correlation-id",
                format!("the messages' correlation id location `{first}` is not a `$message.payload#/...` or `$message.header.<name>` expression"),
                &cp,
            );
            d.help = Some("fix `correlationId.location` in the AsyncAPI description".into());
            return None;
        }
    };
    let value = scope.value(cx, text, &cp, Context::Request)?;
    Some(Some((part, ptr, value)))
}

/// Only `ws`/`wss` servers can be reached; any other protocol is named.
fn protocol(cx: &mut Cx<'_>, source: &Source, api: &AsyncApi, sp: &str) -> bool {
    if api.servers.is_empty()
        || api
            .servers
            .iter()
            .any(|s| PROTOCOLS.contains(&s.protocol.as_str()))
    {
        return true;
    }
    let server = &api.servers[0];
    let at = cx
        .files
        .span(api.file, &format!("{}/protocol", server.pointer))
        .or_else(|| cx.span(sp));
    cx.push(
        Diagnostic::error(
            "unsupported-protocol",
            format!(
                "AsyncAPI source `{}` is served over `{}`, which has no message transport",
                source.name, server.protocol
            ),
        )
        .at(at)
        .label(format!("protocol `{}`", server.protocol))
        .help("arazzo-runtime carries messages over WebSocket (`ws`, `wss`); plug in your own transport for other protocols"),
    );
    false
}

/// The operation a step names, with its source.
fn operation<'s>(
    cx: &mut Cx<'_>,
    sources: &'s [Source],
    st: &Step,
    sp: &str,
) -> Option<(&'s Source, &'s AsyncApi, &'s MessageOperation)> {
    if let Some(cp) = &st.channel_path {
        let pointer = format!("{sp}/channelPath");
        let (head, json_pointer) = cp.split_once('#')?;
        let name = head
            .trim_start_matches("{$sourceDescriptions.")
            .trim_start_matches("$sourceDescriptions.")
            .trim_end_matches(".url}");
        let index = source_index(cx, sources, name, &pointer, cp.find(name).unwrap_or(0))?;
        let source = &sources[index];
        let api = source.asyncapi.as_ref()?;
        let Some(channel) = api.channel_at(json_pointer) else {
            let keys: Vec<String> = api
                .channels
                .iter()
                .map(|c| format!("#{}", c.pointer))
                .collect();
            let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
            let d = cx.error(
                "unknown-channel",
                format!("`#{json_pointer}` is not a channel of source `{name}`"),
                &pointer,
            );
            d.help = Some(match similar(&format!("#{json_pointer}"), &keys).first() {
                Some(best) => format!("did you mean `{best}`?"),
                None => format!("the channels are {}", one_of(&keys)),
            });
            return None;
        };
        let wanted = st.action.as_deref();
        let op = api
            .operations
            .iter()
            .filter(|o| o.channel == channel)
            .find(|o| Some(o.action.as_str()) == wanted);
        let Some(op) = op else {
            let d = cx.error(
                "unknown-operation",
                format!(
                    "channel `{json_pointer}` of source `{name}` has no operation that {}s",
                    wanted.unwrap_or("?")
                ),
                &pointer,
            );
            d.help = Some("name the operation by `operationId`, or flip `action`".into());
            return None;
        };
        return Some((source, api, op));
    }
    let id = st.operation_id.as_deref()?;
    let pointer = format!("{sp}/operationId");
    let (candidates, op_id): (Vec<&Source>, &str) = match id.strip_prefix("$sourceDescriptions.") {
        Some(rest) => {
            let (name, op_id) = rest.split_once('.')?;
            let index = source_index(cx, sources, name, &pointer, "$sourceDescriptions.".len())?;
            (vec![&sources[index]], op_id)
        }
        None => (
            sources.iter().filter(|s| s.asyncapi.is_some()).collect(),
            id,
        ),
    };
    for source in &candidates {
        if let Some(api) = &source.asyncapi
            && let Some(op) = api.operation(op_id)
        {
            return Some((source, api, op));
        }
    }
    // Nothing to judge against when the description did not load.
    let loaded: Vec<&AsyncApi> = candidates
        .iter()
        .filter_map(|s| s.asyncapi.as_ref())
        .collect();
    if loaded.is_empty() {
        return None;
    }
    let ids: Vec<&str> = loaded
        .iter()
        .flat_map(|a| a.operations.iter().filter_map(|o| o.id.as_deref()))
        .collect();
    let offset = id.len() - op_id.len();
    let span = cx.span(&pointer).map(|s| s.sub(offset, s.end - s.start));
    let help = match similar(op_id, &ids).first() {
        Some(best) => format!("did you mean `{best}`?"),
        None => format!("the AsyncAPI operations are {}", one_of(&ids)),
    };
    cx.push(
        Diagnostic::error(
            "unknown-operation",
            format!("no AsyncAPI operation `{op_id}`"),
        )
        .at(span)
        .label("not an operation of the AsyncAPI description")
        .help(help),
    );
    None
}

/// How deep [`inline_schema`] follows nested schemas: payloads are a few levels deep, and a
/// recursive schema must end.
const INLINE_DEPTH: usize = 8;

/// A payload schema as one self-contained value for the typing layer (which reads inputs
/// schemas, where `$ref`s are inlined first): `$ref`s followed (across files), the properties
/// and `required` of top-level `allOf` members merged in, conditionals (`if`/`then`) left
/// out: they constrain values, not the members' types. Past [`INLINE_DEPTH`] a schema is `{}`
/// (any JSON).
pub(super) fn inline_schema(cx: &mut Cx<'_>, schema: &SchemaRef, depth: usize) -> Value {
    let empty = Value::Object(Default::default());
    if depth > INLINE_DEPTH {
        return empty;
    }
    let Some(resolved) = cx.resolved(schema) else {
        return empty;
    };
    let Some(Value::Object(node)) = cx
        .files
        .value(resolved.file)
        .pointer(&resolved.pointer)
        .cloned()
    else {
        return empty;
    };
    let mut out = serde_json::Map::new();
    for key in [
        "type",
        "description",
        "title",
        "enum",
        "default",
        "format",
        "nullable",
    ] {
        if let Some(v) = node.get(key) {
            out.insert(key.to_owned(), v.clone());
        }
    }
    // A string `const` is a one-value string enum, which the typing layer makes a Rust enum.
    if let Some(Value::String(c)) = node.get("const")
        && !out.contains_key("enum")
    {
        out.insert(
            "enum".to_owned(),
            Value::Array(vec![Value::from(c.clone())]),
        );
        out.entry("type").or_insert_with(|| Value::from("string"));
    }
    // (owner pointer, properties) of the schema and its `allOf` members.
    let mut owners = vec![resolved.clone()];
    if let Some(all) = node.get("allOf").and_then(Value::as_array) {
        for i in 0..all.len() {
            let member = SchemaRef {
                file: resolved.file,
                pointer: format!("{}/allOf/{i}", resolved.pointer),
            };
            if let Some(r) = cx.resolved(&member) {
                owners.push(r);
            }
        }
    }
    let mut properties = serde_json::Map::new();
    let mut required: Vec<Value> = Vec::new();
    for owner in &owners {
        let Some(owner_node) = cx.files.value(owner.file).pointer(&owner.pointer).cloned() else {
            continue;
        };
        for r in owner_node
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if !required.contains(r) {
                required.push(r.clone());
            }
        }
        let names: Vec<String> = owner_node
            .get("properties")
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        for name in names {
            if properties.contains_key(&name) {
                continue;
            }
            let child = SchemaRef {
                file: owner.file,
                pointer: format!(
                    "{}/properties/{}",
                    owner.pointer,
                    crate::pointer::escape_token(&name)
                ),
            };
            let value = inline_schema(cx, &child, depth + 1);
            properties.insert(name, value);
        }
    }
    if node.get("items").is_some() {
        let items = SchemaRef {
            file: resolved.file,
            pointer: format!("{}/items", resolved.pointer),
        };
        out.insert("items".to_owned(), inline_schema(cx, &items, depth + 1));
    }
    if !properties.is_empty() {
        out.entry("type").or_insert_with(|| Value::from("object"));
        out.insert("properties".to_owned(), Value::Object(properties));
    }
    if !required.is_empty() {
        out.insert("required".to_owned(), Value::Array(required));
    }
    Value::Object(out)
}
