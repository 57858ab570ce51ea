//! Step outputs that are JSONPath selections which may select several nodes (wildcards,
//! slices, filters, descendants): a `Vec` of every node selected, its item type read from the
//! schema along the query where the query names a single path through it.
//!
//! `$.items[*].id` walks `items`, any item of that array, then `id`: the output is a `Vec` of
//! `id`'s type, checked (and typo-corrected) as the pointer `/items/0/id` would be. A
//! descendant (`..`), several selectors in one bracket (`['a','b']`), or a wildcard or filter
//! over anything but an array gives no single path: the items are `serde_json::Value`.

use super::Cx;
use super::values::Scope;
use crate::openapi::schema::Kind;
use crate::openapi::{Operation, SchemaRef};
use crate::plan::{OutputSource, RustType};
use crate::pointer::escape_token;

/// One step of a query through a schema.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Walk {
    /// A member by name.
    Name(String),
    /// Any item of an array (a wildcard, slice, filter or index).
    AnyItem,
}

/// `$response.body` selected by `query`: `Vec<item>` from the response schemas.
pub(super) fn body(
    cx: &mut Cx<'_>,
    op: &Operation,
    statuses: &[u16],
    query: &str,
    (text, pointer): (&str, &str),
    (secret, typed_at): (&mut bool, &mut Option<crate::openapi::SchemaRef>),
) -> Option<(RustType, OutputSource)> {
    let schemas = super::step::json_response_schemas(op, statuses);
    let item = match item_pointer(cx, &schemas, query) {
        Some(p) => {
            let before = cx.diags.len();
            let typed = super::step::body_output_type(
                cx,
                op,
                statuses,
                Some(&p),
                (text, pointer),
                (secret, typed_at),
            );
            at_selector(cx, before, query, &p, pointer);
            typed?.0
        }
        None => RustType::Json,
    };
    Some((list_of(item), OutputSource::BodySelect(query.to_owned())))
}

/// `$message.payload` of a `receive` selected by `query`: `Vec<item>` from the message
/// payload schemas.
pub(super) fn payload(
    cx: &mut Cx<'_>,
    scope: &Scope,
    query: &str,
    (text, pointer): (&str, &str),
) -> Option<(RustType, OutputSource)> {
    let message = scope.message.as_ref()?;
    let step = message.step.clone();
    let schemas = message.payloads.clone();
    let item = match item_pointer(cx, &schemas, query) {
        Some(p) => {
            let before = cx.diags.len();
            let typed = super::step::message_output_type(cx, scope, Some(&p), (text, pointer));
            at_selector(cx, before, query, &p, pointer);
            typed?.0
        }
        None => RustType::Json,
    };
    Some((
        list_of(item),
        OutputSource::MessagePayloadSelect(step, query.to_owned()),
    ))
}

/// Moves what typing the selected nodes reported (from `before` on) to the selector, saying
/// which pointer stood for them.
fn at_selector(cx: &mut Cx<'_>, before: usize, query: &str, item: &str, pointer: &str) {
    let span = cx.span(&format!("{pointer}/selector"));
    let note = format!(
        "the nodes `{query}` selects are typed as the one at `{item}` would be (`0`: any item of an array)"
    );
    for d in cx.diags.iter_mut().skip(before) {
        d.span = span;
        d.notes.push(note.clone());
    }
}

/// `Vec<item>`: a node that is absent is not selected, so an optional member's type is its
/// inner one.
fn list_of(item: RustType) -> RustType {
    let item = match item {
        RustType::Option(inner) => *inner,
        other => other,
    };
    RustType::Vec(Box::new(item))
}

/// The pointer naming a typical selected node (`/items/0/id`), when the query walks one path
/// through every schema and each "any item" step is over an array; `None` otherwise (or with
/// no schema to walk).
fn item_pointer(cx: &Cx<'_>, schemas: &[SchemaRef], query: &str) -> Option<String> {
    if schemas.is_empty() {
        return None;
    }
    let walk = walk(query)?;
    let mut pointer = String::new();
    for step in walk {
        match step {
            Walk::Name(name) => {
                pointer.push('/');
                pointer.push_str(&escape_token(&name));
            }
            Walk::AnyItem => {
                for s in schemas {
                    // A prefix that does not resolve is reported when the whole pointer is
                    // typed (a misspelt name); one that is not an array has no single item.
                    if let Ok(Some(at)) = cx.at_pointer(s, &pointer)
                        && !matches!(cx.kind(&at), Kind::Array(_) | Kind::Any)
                    {
                        return None;
                    }
                }
                pointer.push_str("/0");
            }
        }
    }
    Some(pointer)
}

/// The path an RFC 9535 query (already parsed by `criteria::jsonpath`) walks, or `None` when it
/// does not walk a single one.
fn walk(query: &str) -> Option<Vec<Walk>> {
    let rest = query.strip_prefix('$')?;
    let bytes = rest.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'.' if bytes.get(i + 1) == Some(&b'.') => return None,
            b'.' if bytes.get(i + 1) == Some(&b'*') => {
                out.push(Walk::AnyItem);
                i += 2;
            }
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
                out.push(Walk::Name(rest.get(start..end)?.to_owned()));
                i = end;
            }
            b'[' => {
                let close = bracket_end(bytes, i)?;
                out.push(selector(rest.get(i + 1..close)?.trim())?);
                i = close + 1;
            }
            _ => return None,
        }
    }
    Some(out)
}

/// The one selector inside a bracket: a plain quoted name, or an array step.
fn selector(inner: &str) -> Option<Walk> {
    let quoted = inner
        .strip_prefix('\'')
        .and_then(|s| s.strip_suffix('\''))
        .or_else(|| inner.strip_prefix('"').and_then(|s| s.strip_suffix('"')));
    if let Some(name) = quoted {
        // Escapes, quotes and commas (several names) are left untyped.
        return (!name.contains(['\\', '\'', '"', ','])).then(|| Walk::Name(name.to_owned()));
    }
    if inner.starts_with('?') {
        return Some(Walk::AnyItem);
    }
    // `*`, an index (negative too) or a slice: no commas (several selectors).
    let array_step = !inner.is_empty()
        && inner
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'*' | b'-' | b':' | b' '));
    array_step.then_some(Walk::AnyItem)
}

/// The index of the `]` that closes the `[` at `open`, skipping brackets, parentheses and
/// quoted strings inside (a filter such as `[?@.tags[0] == ']']`).
fn bracket_end(bytes: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote = None;
    let mut i = open;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) => {
                if b == b'\\' {
                    i += 1;
                } else if b == q {
                    quote = None;
                }
            }
            None => match b {
                b'\'' | b'"' => quote = Some(b),
                b'[' | b'(' => depth += 1,
                b']' | b')' => {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 {
                        return (b == b']').then_some(i);
                    }
                }
                _ => {}
            },
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(w: &[Walk]) -> Vec<String> {
        w.iter()
            .map(|s| match s {
                Walk::Name(n) => n.clone(),
                Walk::AnyItem => "*".into(),
            })
            .collect()
    }

    #[test]
    fn queries_walk_one_path_or_none() {
        let w = |q: &str| walk(q).map(|w| names(&w));
        assert_eq!(
            w("$.items[*].id"),
            Some(vec!["items".into(), "*".into(), "id".into()])
        );
        assert_eq!(
            w("$.items.*['a b']"),
            Some(vec!["items".into(), "*".into(), "a b".into()])
        );
        assert_eq!(
            w("$.a[?@.b[0] == ']'].c"),
            Some(vec!["a".into(), "*".into(), "c".into()])
        );
        assert_eq!(w("$.a[1:3]"), Some(vec!["a".into(), "*".into()]));
        assert_eq!(w("$.a[-1]"), Some(vec!["a".into(), "*".into()]));
        assert_eq!(w("$[*]"), Some(vec!["*".into()]));
        for none in [
            "$..id",
            "$['a','b']",
            "$[0,1]",
            "$.a[?@.b",
            "x",
            "$['a\\'b']",
        ] {
            assert_eq!(w(none), None, "{none}");
        }
    }
}
