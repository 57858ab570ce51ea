//! `components`: reusable inputs schemas (through `$ref`), parameters and actions (through
//! Reusable Objects, `{reference: $components.<kind>.<name>, value: <override>}`).

use serde_json::Value;

use super::Cx;
use crate::diagnostic::Diagnostic;
use crate::suggest::{one_of, similar};

/// Inlines local `$ref`s (`#/components/inputs/x`) in a JSON Schema, so typing sees one tree.
/// A reference that does not resolve is reported at `pointer`; cycles stop at depth 32.
pub(super) fn inline_refs(cx: &mut Cx<'_>, schema: &Value, root: &Value, pointer: &str) -> Value {
    inline(cx, schema, root, pointer, 0)
}

fn inline(cx: &mut Cx<'_>, schema: &Value, root: &Value, pointer: &str, depth: usize) -> Value {
    match schema {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                let target = reference
                    .strip_prefix('#')
                    .and_then(|p| root.pointer(p))
                    .filter(|_| depth < 32);
                return match target {
                    Some(t) => inline(cx, t, root, pointer, depth + 1),
                    None => {
                        let d = cx.error(
                            "unresolved-ref",
                            format!("`$ref: {reference}` does not resolve in this document"),
                            &format!("{pointer}/$ref"),
                        );
                        d.label = "no such schema".into();
                        d.help = Some(
                            "refer to a schema of this document, e.g. `#/components/inputs/<name>`"
                                .into(),
                        );
                        Value::Object(Default::default())
                    }
                };
            }
            Value::Object(
                map.iter()
                    .map(|(k, v)| {
                        let p = format!("{pointer}/{}", crate::pointer::escape_token(k));
                        (k.clone(), inline(cx, v, root, &p, depth))
                    })
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| inline(cx, v, root, &format!("{pointer}/{i}"), depth))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Resolves a Reusable Object in a list of `kind` (`parameters`, `successActions`,
/// `failureActions`): the component, with `value` overriding a parameter's value. Objects
/// without `reference` are returned as they are.
pub(super) fn resolve(cx: &mut Cx<'_>, item: &Value, kind: &str, pointer: &str) -> Option<Value> {
    let Some(reference) = item.get("reference") else {
        return Some(item.clone());
    };
    let rp = format!("{pointer}/reference");
    let prefix = format!("$components.{kind}.");
    let Some(name) = reference.as_str().and_then(|r| r.strip_prefix(&prefix)) else {
        let d = cx.error(
            "invalid-reference",
            format!("a Reusable Object here must refer to `{prefix}<name>`"),
            &rp,
        );
        d.label = "not a reference to this kind of component".into();
        return None;
    };
    let available = cx
        .components
        .as_ref()
        .and_then(|c| c.get(kind))
        .and_then(Value::as_object)
        .cloned();
    let Some(found) = available.as_ref().and_then(|m| m.get(name)) else {
        let names: Vec<&str> = available
            .as_ref()
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let help = match similar(name, &names).first() {
            Some(best) => format!("did you mean `{prefix}{best}`?"),
            None if names.is_empty() => format!("declare it under `components.{kind}`"),
            None => format!("the `components.{kind}` are {}", one_of(&names)),
        };
        let span = cx.span(&rp);
        cx.push(
            Diagnostic::error(
                "unknown-component",
                format!("no component `{name}` in `components.{kind}`"),
            )
            .at(span)
            .label("not declared")
            .help(help),
        );
        return None;
    };
    let mut out = found.clone();
    let overridden = item.get("value");
    if let (Some(value), Some(obj)) = (overridden, out.as_object_mut()) {
        obj.insert("value".into(), value.clone());
    }
    use_selectors(
        cx,
        &format!("/components/{kind}/{}/", crate::pointer::escape_token(name)),
        &format!("{pointer}/"),
        overridden.is_some(),
    );
    Some(out)
}

/// The selectors evaluated at run time inside a component (under `from`), read where it is
/// used (under `to`): the values of the copy stand there. An overriding `value` replaces the
/// component's, and its selectors with it.
fn use_selectors(cx: &mut Cx<'_>, from: &str, to: &str, value_overridden: bool) {
    let copies: Vec<(String, super::Selection)> = cx
        .selectors
        .iter()
        .filter_map(|(pointer, s)| {
            let rest = pointer.strip_prefix(from)?;
            let replaced = value_overridden && (rest == "value" || rest.starts_with("value/"));
            (!replaced).then(|| (format!("{to}{rest}"), s.clone()))
        })
        .collect();
    cx.selectors.extend(copies);
}
