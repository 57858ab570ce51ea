//! Arazzo 1.1 Selector Objects (`{context, selector, type}`) in outputs, parameter values,
//! payloads and payload replacement values, rewritten into the runtime expressions they are
//! equivalent to before the rest of the checker reads the document.
//!
//! A JSON Pointer selector over a context that takes a pointer (`$response.body`,
//! `$inputs.x`, `$steps.s.outputs.o`, ...) is exactly `<context>#<pointer>`. A JSONPath selector
//! that is a singular query (RFC 9535 §2.3.5.1: only names and non-negative indices, such as
//! `$.items[0].id`) selects at most the node that pointer names, so it is rewritten the same
//! way. Any other JSONPath (wildcards, slices, filters, descendants) may select several nodes:
//! it is parsed now (`criteria::jsonpath`), recorded in `Cx::selectors` like an XPath one, and
//! reading the value yields every node selected, a `Vec` (`check::selection`).
//!
//! An XPath selector (`type: xpath`, XPath 3.1 in Arazzo 1.1, or `{type: xpath, version:
//! xpath-31}`) is compiled now (`criteria::xpath31`), recorded in `Cx::selectors` by the
//! value's pointer, and the value becomes its context; reading the value then selects from
//! that XML at run time (`Scope::selection`, and step outputs over `$response.body`).
//! XPath 1.0, 2.0 and 3.0 selectors are errors: selectors are evaluated as XPath 3.1 only.

use serde_json::{Map, Value};

use super::{Cx, Selection, SelectionKind};
use crate::model::Document;
use crate::pointer::escape_token;

/// The deepest payload nesting searched for Selector Objects; deeper values stay literal
/// (the loader's own depth limit is lower, so this is never reached from a parsed file).
const MAX_DEPTH: usize = 256;

/// Rewrites every Selector Object of the document into its runtime expression.
pub(super) fn desugar(cx: &mut Cx<'_>, doc: &mut Document) {
    if let Some(Value::Object(kinds)) = &mut doc.components {
        for kind in ["successActions", "failureActions"] {
            if let Some(Value::Object(named)) = kinds.get_mut(kind) {
                for (name, action) in named.iter_mut() {
                    let pointer = format!("/components/{kind}/{}", escape_token(name));
                    action_parameters(cx, action, &pointer);
                }
            }
        }
        if let Some(Value::Object(named)) = kinds.get_mut("parameters") {
            for (name, p) in named.iter_mut() {
                if let Some(value) = p.get_mut("value") {
                    rewrite(
                        cx,
                        value,
                        &format!("/components/parameters/{}/value", escape_token(name)),
                    );
                }
            }
        }
    }
    for (w, wf) in doc.workflows.iter_mut().enumerate() {
        let wp = format!("/workflows/{w}");
        for (i, p) in wf.parameters.iter_mut().flatten().enumerate() {
            if let Some(value) = p.get_mut("value") {
                rewrite(cx, value, &format!("{wp}/parameters/{i}/value"));
            }
        }
        for (name, value) in wf.outputs.iter_mut().flatten() {
            rewrite(cx, value, &format!("{wp}/outputs/{}", escape_token(name)));
        }
        actions(
            cx,
            wf.success_actions.as_mut(),
            &format!("{wp}/successActions"),
        );
        actions(
            cx,
            wf.failure_actions.as_mut(),
            &format!("{wp}/failureActions"),
        );
        for (s, st) in wf.steps.iter_mut().enumerate() {
            let sp = format!("{wp}/steps/{s}");
            actions(cx, st.on_success.as_mut(), &format!("{sp}/onSuccess"));
            actions(cx, st.on_failure.as_mut(), &format!("{sp}/onFailure"));
            for (name, value) in st.outputs.iter_mut().flatten() {
                rewrite(cx, value, &format!("{sp}/outputs/{}", escape_token(name)));
            }
            for (i, p) in st.parameters.iter_mut().flatten().enumerate() {
                if let Some(value) = p.get_mut("value") {
                    rewrite(cx, value, &format!("{sp}/parameters/{i}/value"));
                }
            }
            if let Some(body) = &mut st.request_body {
                if let Some(payload) = &mut body.payload {
                    payload_selectors(cx, payload, &format!("{sp}/requestBody/payload"));
                }
                if let Some(Value::Array(list)) = &mut body.replacements {
                    for (i, r) in list.iter_mut().enumerate() {
                        if let Some(value) = r.get_mut("value") {
                            rewrite(
                                cx,
                                value,
                                &format!("{sp}/requestBody/replacements/{i}/value"),
                            );
                        }
                    }
                }
            }
        }
    }
}

/// The parameter values of a list of actions.
fn actions(cx: &mut Cx<'_>, list: Option<&mut Value>, pointer: &str) {
    let Some(Value::Array(list)) = list else {
        return;
    };
    for (a, action) in list.iter_mut().enumerate() {
        action_parameters(cx, action, &format!("{pointer}/{a}"));
    }
}

fn action_parameters(cx: &mut Cx<'_>, action: &mut Value, pointer: &str) {
    let Some(Value::Array(params)) = action.get_mut("parameters") else {
        return;
    };
    for (i, p) in params.iter_mut().enumerate() {
        if let Some(value) = p.get_mut("value") {
            rewrite(cx, value, &format!("{pointer}/parameters/{i}/value"));
        }
    }
}

/// Selector Objects anywhere in a payload, walked with an explicit stack.
fn payload_selectors(cx: &mut Cx<'_>, payload: &mut Value, pointer: &str) {
    let mut stack: Vec<(&mut Value, String, usize)> = vec![(payload, pointer.to_owned(), 0)];
    while let Some((value, at, depth)) = stack.pop() {
        if is_selector(value) {
            rewrite(cx, value, &at);
            continue;
        }
        if depth >= MAX_DEPTH {
            continue;
        }
        match value {
            Value::Object(map) => {
                for (k, v) in map.iter_mut() {
                    stack.push((v, format!("{at}/{}", escape_token(k)), depth + 1));
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter_mut().enumerate() {
                    stack.push((v, format!("{at}/{i}"), depth + 1));
                }
            }
            _ => {}
        }
    }
}

/// In a payload an object is a Selector Object when it has exactly its three fields.
fn is_selector(value: &Value) -> bool {
    value.as_object().is_some_and(|m| {
        m.len() == 3
            && ["context", "selector", "type"]
                .iter()
                .all(|k| m.contains_key(*k))
    })
}

/// Replaces a Selector Object at `pointer` by its expression; anything else is left alone.
fn rewrite(cx: &mut Cx<'_>, value: &mut Value, pointer: &str) {
    let Value::Object(obj) = value else { return };
    if !obj.contains_key("selector") {
        return;
    }
    if let Some(context) = xpath(cx, obj, pointer).or_else(|| jsonpath(cx, obj, pointer)) {
        *value = context;
        return;
    }
    // Missing or malformed fields were reported by the structural pass.
    if let Some(expr) = expression(obj) {
        *value = Value::String(expr);
    }
}

/// An XPath Selector Object: checked, and recorded by `pointer` when it compiles. `Some` is
/// what the value becomes (its context); `None` when it is no XPath selector.
fn xpath(cx: &mut Cx<'_>, obj: &Map<String, Value>, pointer: &str) -> Option<Value> {
    let version = match obj.get("type")? {
        Value::String(t) if t == "xpath" => "xpath-31",
        Value::Object(t) if t.get("type").and_then(Value::as_str) == Some("xpath") => t
            .get("version")
            .and_then(Value::as_str)
            .unwrap_or("xpath-31"),
        _ => return None,
    };
    let context = obj.get("context")?.clone();
    let selector = obj.get("selector").and_then(Value::as_str)?;
    if version != "xpath-31" {
        // Unknown versions were reported by the structural pass.
        if matches!(version, "xpath-10" | "xpath-20" | "xpath-30") {
            let d = cx.error(
                "invalid-selector",
                format!("an XPath selector of version `{version}` is not supported: selectors are evaluated as XPath 3.1 only"),
                &format!("{pointer}/type/version"),
            );
            d.label = "not XPath 3.1".into();
            d.help = Some("write `type: xpath` (XPath 3.1); XPath 1.0 paths and predicates mean the same there".into());
        }
        return Some(context);
    }
    match crate::criteria::xpath31::check("XPath 3.1 selector", selector) {
        Ok(()) => record(cx, pointer, SelectionKind::XPath31, selector),
        Err(error) => xpath31_error(
            cx,
            "invalid-selector",
            &format!("{pointer}/selector"),
            selector,
            error,
        ),
    }
    Some(context)
}

/// A JSONPath Selector Object that is not a singular query: checked, and recorded by `pointer`
/// when it parses. `Some` is what the value becomes (its context); `None` when it is another
/// selector (a singular query is rewritten into a pointer by [`expression`]).
fn jsonpath(cx: &mut Cx<'_>, obj: &Map<String, Value>, pointer: &str) -> Option<Value> {
    let is_jsonpath = match obj.get("type")? {
        Value::String(t) => t == "jsonpath",
        Value::Object(t) => t.get("type").and_then(Value::as_str) == Some("jsonpath"),
        _ => false,
    };
    let context = obj.get("context").filter(|c| c.is_string())?;
    let selector = obj.get("selector").and_then(Value::as_str)?;
    if !is_jsonpath || singular_pointer(selector).is_some() {
        return None;
    }
    match crate::criteria::jsonpath::check(selector) {
        Ok(_) => record(cx, pointer, SelectionKind::JsonPath, selector),
        Err((message, help)) => {
            let d = cx.error("invalid-selector", message, &format!("{pointer}/selector"));
            d.label = JSONPATH_LABEL.into();
            d.help = help;
        }
    }
    Some(context.clone())
}

/// The label of a JSONPath selector or target that did not pass `criteria::jsonpath::check`.
pub(super) const JSONPATH_LABEL: &str = if cfg!(feature = "jsonpath") {
    "not RFC 9535 JSONPath"
} else {
    "needs the `jsonpath` feature"
};

fn record(cx: &mut Cx<'_>, pointer: &str, kind: SelectionKind, expr: &str) {
    cx.selectors.insert(
        pointer.to_owned(),
        Selection {
            kind,
            expr: expr.to_owned(),
        },
    );
}

/// Reports an XPath 3.1 expression (`text`, the value at `pointer`) that does not compile, at
/// the part of it the error names when it names one.
pub(super) fn xpath31_error(
    cx: &mut Cx<'_>,
    code: &'static str,
    pointer: &str,
    text: &str,
    (message, range, help): crate::criteria::xpath31::XPath31Error,
) {
    let span = match range {
        Some(r) => cx.span_in_string(pointer, text, r),
        None => cx.span(pointer),
    };
    let mut d = crate::diagnostic::Diagnostic::error(code, message).at(span);
    d.help = help;
    cx.push(d);
}

/// The runtime expression a JSON Pointer or singular JSONPath Selector Object means (other
/// JSONPath queries are selections, handled before this).
fn expression(obj: &Map<String, Value>) -> Option<String> {
    let context = obj.get("context").and_then(Value::as_str)?;
    let selector = obj.get("selector").and_then(Value::as_str)?;
    let kind = match obj.get("type")? {
        Value::String(t) => t.as_str(),
        Value::Object(t) => t.get("type").and_then(Value::as_str).unwrap_or_default(),
        _ => return None,
    };
    let pointer = match kind {
        "jsonpointer" if selector.is_empty() || selector.starts_with('/') => selector.to_owned(),
        "jsonpath" => singular_pointer(selector)?,
        _ => return None,
    };
    Some(join(context, &pointer))
}

/// `<context>#<pointer>`; a context naming all outputs of a step (`$steps.s.outputs`) takes
/// the pointer's first token as the output name.
fn join(context: &str, pointer: &str) -> String {
    if pointer.is_empty() {
        return context.to_owned();
    }
    if context.ends_with(".outputs") && !context.contains('#') {
        let rest = &pointer[1..];
        let (first, tail) = rest.split_once('/').map_or((rest, ""), |(a, b)| (a, b));
        let name = first.replace("~1", "/").replace("~0", "~");
        return if tail.is_empty() {
            format!("{context}.{name}")
        } else {
            format!("{context}.{name}#/{tail}")
        };
    }
    format!(
        "{context}{}{pointer}",
        if context.contains('#') { "" } else { "#" }
    )
}

/// The JSON Pointer of an RFC 9535 singular query (`$`, `.name`, `['name']`, `["name"]`,
/// `[index]`), or `None` for any other query.
pub(crate) fn singular_pointer(query: &str) -> Option<String> {
    let rest = query.strip_prefix('$')?;
    let bytes = rest.as_bytes();
    let mut i = 0;
    let mut pointer = String::new();
    while i < bytes.len() {
        match bytes[i] {
            b'.' => {
                let start = i + 1;
                let mut end = start;
                while end < bytes.len()
                    && (bytes[end].is_ascii_alphanumeric()
                        || bytes[end] == b'_'
                        || bytes[end] >= 0x80)
                {
                    end += 1;
                }
                let name = rest.get(start..end)?;
                if name.is_empty() || name.as_bytes()[0].is_ascii_digit() {
                    return None;
                }
                pointer.push('/');
                pointer.push_str(&escape_token(name));
                i = end;
            }
            b'[' => {
                let close = rest[i..].find(']')? + i;
                let inner = rest.get(i + 1..close)?.trim();
                let quoted = inner
                    .strip_prefix('\'')
                    .and_then(|s| s.strip_suffix('\''))
                    .or_else(|| inner.strip_prefix('"').and_then(|s| s.strip_suffix('"')));
                match quoted {
                    // Escapes and quotes inside names are left to the general case.
                    Some(name) if !name.contains(['\\', '\'', '"']) => {
                        pointer.push('/');
                        pointer.push_str(&escape_token(name));
                    }
                    Some(_) => return None,
                    None => {
                        let ok = !inner.is_empty()
                            && inner.bytes().all(|b| b.is_ascii_digit())
                            && (inner == "0" || !inner.starts_with('0'));
                        if !ok {
                            return None;
                        }
                        pointer.push('/');
                        pointer.push_str(inner);
                    }
                }
                i = close + 1;
            }
            _ => return None,
        }
    }
    Some(pointer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn singular_queries_become_pointers() {
        assert_eq!(singular_pointer("$").as_deref(), Some(""));
        assert_eq!(singular_pointer("$.id").as_deref(), Some("/id"));
        assert_eq!(
            singular_pointer("$.items[0]['a/b'][\"c~d\"]").as_deref(),
            Some("/items/0/a~1b/c~0d")
        );
        for other in [
            "$..id",
            "$.items[*]",
            "$[?@.a]",
            "$.a[-1]",
            "$.a[01]",
            "a.b",
            "$.a[0:2]",
            "$['a','b']",
        ] {
            assert_eq!(singular_pointer(other), None, "{other}");
        }
    }

    #[test]
    fn selectors_become_expressions() {
        let obj = |v: Value| v.as_object().cloned().unwrap_or_default();
        let e = |v| expression(&obj(v));
        assert_eq!(
            e(json!({"context": "$response.body", "selector": "/data/id", "type": "jsonpointer"})),
            Some("$response.body#/data/id".into())
        );
        assert_eq!(
            e(
                json!({"context": "$inputs.user", "selector": "$.id", "type": {"type": "jsonpath", "version": "rfc9535"}})
            ),
            Some("$inputs.user#/id".into())
        );
        assert_eq!(
            e(
                json!({"context": "$steps.previous.outputs", "selector": "$.itemId", "type": "jsonpath"})
            ),
            Some("$steps.previous.outputs.itemId".into())
        );
        assert_eq!(
            e(json!({"context": "$response.body#/a", "selector": "/b", "type": "jsonpointer"})),
            Some("$response.body#/a/b".into())
        );
        // A query that may select several nodes is a selection, not an expression.
        assert_eq!(
            e(json!({"context": "$response.body", "selector": "$..id", "type": "jsonpath"})),
            None
        );
        // XPath selectors are handled before `expression`: not a runtime expression.
        assert_eq!(
            e(json!({"context": "$response.body", "selector": "/a/b", "type": "xpath"})),
            None
        );
    }
}
