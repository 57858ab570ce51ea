//! Arazzo 1.1 `send`/`receive` steps against the AsyncAPI source they name: the operation (by
//! `operationId`, bare or `$sourceDescriptions.<name>.<id>`, or by `channelPath`), its
//! direction against the step's `action`, `correlationId` against the messages' declared
//! correlation ids, and the servers' protocol (only `ws`/`wss` have a transport).
//!
//! Generating these steps is not done yet: a step that passes every check ends in one
//! `unsupported-feature` error naming that, so nothing is generated that ignores it.

use super::document::unsupported;
use super::step::source_index;
use super::{Cx, Source};
use crate::asyncapi::{Action, AsyncApi, MessageOperation};
use crate::diagnostic::Diagnostic;
use crate::model::Step;
use crate::suggest::{one_of, similar};

/// Protocols the runtime has a message transport for.
const PROTOCOLS: &[&str] = &["ws", "wss"];

/// Checks one message step (the structural pass checked `action` and the target's shape).
pub(super) fn check(cx: &mut Cx<'_>, sources: &[Source], st: &Step, sp: &str) {
    let Some((source, api, op)) = operation(cx, sources, st, sp) else {
        return;
    };
    let action = match st.action.as_deref() {
        Some("send") => Action::Send,
        Some("receive") => Action::Receive,
        _ => return,
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
    if ok {
        let field = if st.action.is_some() {
            "action"
        } else {
            "channelPath"
        };
        unsupported(
            cx,
            &format!("{sp}/{field}"),
            "generating AsyncAPI `send`/`receive` steps",
        );
    }
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
            d.help = Some(
                match similar(&format!("#{json_pointer}"), keys.iter().copied()).first() {
                    Some(best) => format!("did you mean `{best}`?"),
                    None => format!("the channels are {}", one_of(&keys)),
                },
            );
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
    let help = match similar(op_id, ids.iter().copied()).first() {
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
