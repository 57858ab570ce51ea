//! JSON Schema utilities for typing: follow `$ref`s, find the schema at an instance pointer,
//! and classify a schema as a Rust-friendly [`Kind`].
//!
//! Works for OpenAPI 3.0 schemas (`nullable`, single `items`) and 3.1/3.2 JSON Schema 2020-12
//! (`type` arrays, `prefixItems`, boolean schemas). A `$ref` is followed as the whole schema:
//! keywords written next to it (allowed in 3.1) are not merged in.

use regex_lite::Regex;
use serde_json::Value;

use super::Documents;
use super::pointer::{follow, join, tokens};
use crate::diagnostic::{Diagnostic, FileId};

/// Composition nesting beyond this is treated as "any value" (guards `allOf` cycles).
const MAX_DEPTH: usize = 32;

/// A schema in some file: follow `$ref` with [`resolve`] (or [`Documents::resolve_ref`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct SchemaRef {
    /// The file the schema is written in (relative `$ref`s resolve against it).
    pub(crate) file: FileId,
    /// RFC 6901 pointer to the schema (possibly a `$ref` object) in that file.
    pub(crate) pointer: String,
}

impl SchemaRef {
    fn child(&self, token: &str) -> SchemaRef {
        SchemaRef {
            file: self.file,
            pointer: join(&self.pointer, token),
        }
    }
}

/// Follows `$ref` chains (with a cycle guard) to the schema object itself.
pub(crate) fn resolve(docs: &dyn Documents, schema: &SchemaRef) -> Result<SchemaRef, Diagnostic> {
    follow(docs, schema.file, &schema.pointer).map(|(file, pointer)| SchemaRef { file, pointer })
}

/// The schema object `schema` resolves to, with where it is; `None` past [`MAX_DEPTH`], for a
/// `$ref` that does not resolve, or for a boolean schema (the walks below read no keywords
/// there).
fn object_at<'d>(
    docs: &'d dyn Documents,
    schema: &SchemaRef,
    depth: usize,
) -> Option<(SchemaRef, &'d serde_json::Map<String, Value>)> {
    if depth > MAX_DEPTH {
        return None;
    }
    let s = resolve(docs, schema).ok()?;
    match docs.value(s.file).pointer(&s.pointer) {
        Some(Value::Object(map)) => Some((s, map)),
        _ => None,
    }
}

/// A simple classification of a schema for Rust typing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `type: string`.
    String,
    /// `type: integer`, with its `format` (`int32`, `int64`, ...).
    Integer {
        /// `format`, if given.
        format: Option<String>,
    },
    /// `type: number`.
    Number,
    /// `type: boolean`.
    Boolean,
    /// `type: array`, with the schema of its items when there is a single one.
    Array(Option<SchemaRef>),
    /// `type: object` (or a schema with `properties`).
    Object,
    /// `type: "null"` only.
    Null,
    /// Several types, no type, or something this classification does not cover.
    Any,
}

/// Classifies `schema`. A nullable schema (3.0 `nullable: true`, 3.1 `type: [x, "null"]`)
/// has the kind of `x`; ask [`is_nullable`] separately. Unresolvable schemas are [`Kind::Any`].
pub(crate) fn kind(docs: &dyn Documents, schema: &SchemaRef) -> Kind {
    kind_at(docs, schema, 0)
}

fn kind_at(docs: &dyn Documents, schema: &SchemaRef, depth: usize) -> Kind {
    let Some((s, map)) = object_at(docs, schema, depth) else {
        return Kind::Any;
    };
    let types = types_of(map);
    let non_null: Vec<&str> = types.iter().copied().filter(|t| *t != "null").collect();
    match non_null.as_slice() {
        [one] => return kind_of_type(map, one, &s),
        [] if !types.is_empty() => return Kind::Null,
        [] => {}
        _ => return Kind::Any,
    }
    if ["properties", "additionalProperties", "patternProperties"]
        .iter()
        .any(|k| map.contains_key(*k))
    {
        return Kind::Object;
    }
    if map.contains_key("items") || map.contains_key("prefixItems") {
        return kind_of_type(map, "array", &s);
    }
    if let Some(value) = map.get("const") {
        return kind_of_value(value);
    }
    if let Some(Value::Array(values)) = map.get("enum") {
        let kinds: Vec<Kind> = values
            .iter()
            .filter(|v| !v.is_null())
            .map(kind_of_value)
            .collect();
        return agree(kinds);
    }
    let all_of = branches(map, "allOf", &s);
    let one_of = [branches(map, "oneOf", &s), branches(map, "anyOf", &s)].concat();
    if !all_of.is_empty() {
        // Every branch constrains the same value: the ones that say something must agree.
        let kinds: Vec<Kind> = all_of
            .iter()
            .map(|b| kind_at(docs, b, depth + 1))
            .filter(|k| *k != Kind::Any)
            .collect();
        return agree(kinds);
    }
    if !one_of.is_empty() {
        // A null branch only makes the value nullable.
        let kinds: Vec<Kind> = one_of
            .iter()
            .map(|b| kind_at(docs, b, depth + 1))
            .filter(|k| *k != Kind::Null)
            .collect();
        if kinds.contains(&Kind::Any) {
            return Kind::Any;
        }
        return agree(kinds);
    }
    Kind::Any
}

/// The common kind when all agree (objects agree with objects, arrays with arrays whatever
/// their items), else [`Kind::Any`].
fn agree(kinds: Vec<Kind>) -> Kind {
    let mut iter = kinds.into_iter();
    let Some(first) = iter.next() else {
        return Kind::Any;
    };
    for k in iter {
        let same = match (&first, &k) {
            (Kind::Array(a), Kind::Array(b)) => a == b,
            (Kind::Integer { .. }, Kind::Integer { .. }) => true,
            _ => first == k,
        };
        if !same {
            return Kind::Any;
        }
    }
    first
}

fn kind_of_type(map: &serde_json::Map<String, Value>, ty: &str, s: &SchemaRef) -> Kind {
    match ty {
        "string" => Kind::String,
        "integer" => Kind::Integer {
            format: map.get("format").and_then(Value::as_str).map(str::to_owned),
        },
        "number" => Kind::Number,
        "boolean" => Kind::Boolean,
        "object" => Kind::Object,
        "null" => Kind::Null,
        "array" => Kind::Array(match (map.get("items"), map.get("prefixItems")) {
            (Some(Value::Object(_) | Value::Bool(true)), None) => Some(s.child("items")),
            _ => None,
        }),
        _ => Kind::Any,
    }
}

fn kind_of_value(value: &Value) -> Kind {
    match value {
        Value::Null => Kind::Null,
        Value::Bool(_) => Kind::Boolean,
        Value::Number(n) if n.is_i64() || n.is_u64() => Kind::Integer { format: None },
        Value::Number(_) => Kind::Number,
        Value::String(_) => Kind::String,
        Value::Array(_) => Kind::Array(None),
        Value::Object(_) => Kind::Object,
    }
}

/// Whether `null` is explicitly allowed: 3.0 `nullable: true`, `"null"` among the types,
/// `null` in `enum`/`const`, a nullable `oneOf`/`anyOf` branch, or all `allOf` branches nullable.
pub(crate) fn is_nullable(docs: &dyn Documents, schema: &SchemaRef) -> bool {
    nullable_at(docs, schema, 0)
}

fn nullable_at(docs: &dyn Documents, schema: &SchemaRef, depth: usize) -> bool {
    let Some((s, map)) = object_at(docs, schema, depth) else {
        return false;
    };
    if map.get("nullable") == Some(&Value::Bool(true))
        || types_of(map).contains(&"null")
        || map.get("const") == Some(&Value::Null)
        || matches!(map.get("enum"), Some(Value::Array(v)) if v.contains(&Value::Null))
    {
        return true;
    }
    let all_of = branches(map, "allOf", &s);
    let one_of = [branches(map, "oneOf", &s), branches(map, "anyOf", &s)].concat();
    if one_of.iter().any(|b| nullable_at(docs, b, depth + 1)) {
        return true;
    }
    !all_of.is_empty() && all_of.iter().all(|b| nullable_at(docs, b, depth + 1))
}

/// Whether the schema marks its value a credential: `format: password` (OpenAPI's own
/// format for values to hide), directly or in an `allOf` branch.
pub(crate) fn is_password(docs: &dyn Documents, schema: &SchemaRef) -> bool {
    password_at(docs, schema, 0)
}

fn password_at(docs: &dyn Documents, schema: &SchemaRef, depth: usize) -> bool {
    let Some((s, map)) = object_at(docs, schema, depth) else {
        return false;
    };
    map.get("format").and_then(Value::as_str) == Some("password")
        || branches(map, "allOf", &s)
            .iter()
            .any(|b| password_at(docs, b, depth + 1))
}

/// The schema describing the instance value at `instance_pointer` (RFC 6901, e.g. `/items/0/name`;
/// a leading `#` is allowed) inside a value described by `schema`.
///
/// Walks `properties`, `patternProperties`, `additionalProperties`, `items`/`prefixItems`,
/// `allOf` (a branch that has the member wins), and `oneOf`/`anyOf` (all non-null branches must
/// agree on the same schema, else "any"). `Ok(None)`: any value may be there (no schema says
/// otherwise). `Err`: the schema proves the pointer cannot exist (a closed object without that
/// property, listing the properties it has; a scalar; a `false` schema), or a `$ref` on the way
/// cannot be resolved. The returned schema may itself be a `$ref`: pass it to [`resolve`].
pub(crate) fn at_pointer(
    docs: &dyn Documents,
    schema: &SchemaRef,
    instance_pointer: &str,
) -> Result<Option<SchemaRef>, String> {
    let mut current = schema.clone();
    let mut walked = String::new();
    for token in tokens(
        instance_pointer
            .strip_prefix('#')
            .unwrap_or(instance_pointer),
    ) {
        match step(docs, &current, &token, 0)? {
            Step::Found(next) => current = next,
            Step::Open(_) => return Ok(None),
            Step::Closed(closed) => {
                return Err(closed.message(&token, &walked, instance_pointer));
            }
        }
        walked = join(&walked, &token);
    }
    let resolved = resolve(docs, &current).map_err(|d| d.message)?;
    match docs.value(resolved.file).pointer(&resolved.pointer) {
        Some(Value::Bool(true)) => Ok(None),
        Some(Value::Object(map)) if map.is_empty() => Ok(None),
        _ => Ok(Some(current)),
    }
}

/// Whether the last property of `instance_pointer` is in its parent object's `required` list
/// (an array index is never required; the top level is).
pub(crate) fn is_required(
    docs: &dyn Documents,
    schema: &SchemaRef,
    instance_pointer: &str,
) -> bool {
    let Some((parent, last)) = instance_pointer.rsplit_once('/') else {
        return true;
    };
    if last.parse::<usize>().is_ok() {
        return false;
    }
    let last = last.replace("~1", "/").replace("~0", "~");
    let Ok(Some(parent_schema)) = at_pointer(docs, schema, parent) else {
        return false;
    };
    let Ok(resolved) = resolve(docs, &parent_schema) else {
        return false;
    };
    docs.value(resolved.file)
        .pointer(&resolved.pointer)
        .and_then(|v| v.get("required"))
        .and_then(Value::as_array)
        .is_some_and(|r| r.iter().any(|n| n.as_str() == Some(last.as_str())))
}

/// What one schema says about one member.
enum Step {
    /// The member's schema.
    Found(SchemaRef),
    /// Any value may be there; the properties that this schema does name (for messages).
    Open(Vec<String>),
    /// The member cannot exist.
    Closed(Closed),
}

/// Why a member cannot exist.
struct Closed {
    /// The properties a closed object does allow (empty when `what` is set).
    properties: Vec<String>,
    /// A non-object value: "a string", "an array", "`false` schema".
    what: Option<String>,
}

impl Closed {
    fn message(&self, token: &str, walked: &str, full: &str) -> String {
        let at = if walked.is_empty() {
            "the top level".to_owned()
        } else {
            format!("`{walked}`")
        };
        if let Some(what) = &self.what {
            return format!(
                "`{full}` cannot exist: the value at {at} is {what}, which has no `{token}`"
            );
        }
        if self.properties.is_empty() {
            format!("`{full}` cannot exist: the object at {at} allows no properties")
        } else {
            let list: Vec<String> = self.properties.iter().map(|p| format!("`{p}`")).collect();
            format!(
                "`{full}` cannot exist: the object at {at} has no property `{token}`; it allows only {}",
                list.join(", ")
            )
        }
    }

    fn merge(mut self, other: Closed) -> Closed {
        for p in other.properties {
            if !self.properties.contains(&p) {
                self.properties.push(p);
            }
        }
        if self.what.is_some() && !self.properties.is_empty() {
            self.what = None;
        }
        self
    }
}

/// Facts read from one schema object, so the document borrow ends before recursing.
struct Facts {
    types: Vec<String>,
    properties: Vec<String>,
    patterns: Vec<String>,
    additional: Option<Value>,
    unevaluated_false: bool,
    items: Option<Value>,
    prefix_items: usize,
    all_of: Vec<SchemaRef>,
    one_of: Vec<Vec<SchemaRef>>,
}

fn facts(map: &serde_json::Map<String, Value>, s: &SchemaRef) -> Facts {
    let keys = |k: &str| match map.get(k) {
        Some(Value::Object(m)) => m.keys().cloned().collect(),
        _ => Vec::new(),
    };
    let additional = map.get("additionalProperties").map(|v| match v {
        Value::Bool(_) => v.clone(),
        // Only the shape matters here; the schema itself is reached by pointer.
        _ => Value::Object(serde_json::Map::new()),
    });
    let items = map.get("items").map(|v| match v {
        Value::Array(a) => Value::from(a.len()),
        Value::Bool(_) => v.clone(),
        _ => Value::Object(serde_json::Map::new()),
    });
    Facts {
        types: types_of(map).into_iter().map(str::to_owned).collect(),
        properties: keys("properties"),
        patterns: keys("patternProperties"),
        additional,
        unevaluated_false: map.get("unevaluatedProperties") == Some(&Value::Bool(false)),
        items,
        prefix_items: map
            .get("prefixItems")
            .and_then(Value::as_array)
            .map_or(0, Vec::len),
        all_of: branches(map, "allOf", s),
        one_of: vec![branches(map, "oneOf", s), branches(map, "anyOf", s)],
    }
}

fn step(
    docs: &dyn Documents,
    schema: &SchemaRef,
    token: &str,
    depth: usize,
) -> Result<Step, String> {
    if depth > MAX_DEPTH {
        return Ok(Step::Open(Vec::new()));
    }
    let s = resolve(docs, schema).map_err(|d| d.message)?;
    let f = match docs.value(s.file).pointer(&s.pointer) {
        Some(Value::Bool(false)) => {
            return Ok(Step::Closed(Closed {
                properties: Vec::new(),
                what: Some("forbidden (`false` schema)".into()),
            }));
        }
        Some(Value::Object(map)) => facts(map, &s),
        _ => return Ok(Step::Open(Vec::new())),
    };
    let mut results = vec![own_level(&f, &s, token)];
    for branch in &f.all_of {
        results.push(step(docs, branch, token, depth + 1)?);
    }
    for group in &f.one_of {
        if !group.is_empty() {
            results.push(any_of(docs, group, token, depth)?);
        }
    }
    // A branch that has the member wins; otherwise any closed branch rules it out, and the
    // message lists what every branch names.
    let mut closed: Option<Closed> = None;
    let mut named = Vec::new();
    for result in results {
        match result {
            Step::Found(found) => return Ok(Step::Found(found)),
            Step::Closed(c) => {
                closed = Some(match closed {
                    Some(prev) => prev.merge(c),
                    None => c,
                });
            }
            Step::Open(props) => named.extend(props),
        }
    }
    Ok(match closed {
        Some(c) => Step::Closed(c.merge(Closed {
            properties: named,
            what: None,
        })),
        None => Step::Open(named),
    })
}

/// `oneOf`/`anyOf`: found only when every non-null branch finds the same schema.
fn any_of(
    docs: &dyn Documents,
    group: &[SchemaRef],
    token: &str,
    depth: usize,
) -> Result<Step, String> {
    let mut found: Vec<SchemaRef> = Vec::new();
    let mut closed: Option<Closed> = None;
    let mut open = false;
    let mut named = Vec::new();
    for branch in group {
        if kind_at(docs, branch, depth + 1) == Kind::Null {
            continue;
        }
        match step(docs, branch, token, depth + 1)? {
            Step::Found(s) => found.push(s),
            Step::Open(props) => {
                open = true;
                named.extend(props);
            }
            Step::Closed(c) => {
                closed = Some(match closed {
                    Some(prev) => prev.merge(c),
                    None => c,
                });
            }
        }
    }
    if open || (!found.is_empty() && closed.is_some()) {
        return Ok(Step::Open(named));
    }
    if let Some(c) = closed {
        return Ok(Step::Closed(c));
    }
    let Some(first) = found.first() else {
        return Ok(Step::Open(named));
    };
    let first_resolved = resolve(docs, first).map_err(|d| d.message)?;
    for other in &found[1..] {
        let other_resolved = resolve(docs, other).map_err(|d| d.message)?;
        let same = first_resolved == other_resolved
            || docs
                .value(first_resolved.file)
                .pointer(&first_resolved.pointer)
                == docs
                    .value(other_resolved.file)
                    .pointer(&other_resolved.pointer);
        if !same {
            return Ok(Step::Open(named));
        }
    }
    Ok(Step::Found(first.clone()))
}

/// What the schema's own keywords (not its `allOf`/`oneOf`/`anyOf`) say about `token`.
fn own_level(f: &Facts, s: &SchemaRef, token: &str) -> Step {
    let has_type = |t: &str| f.types.iter().any(|x| x == t);
    let object_like = has_type("object")
        || !f.properties.is_empty()
        || !f.patterns.is_empty()
        || f.additional.is_some();
    let array_like = has_type("array") || f.items.is_some() || f.prefix_items > 0;
    let index = token
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| token.parse::<usize>().ok())
        .flatten();
    if let (true, Some(i)) = (array_like, index) {
        if i < f.prefix_items {
            return Step::Found(s.child("prefixItems").child(&i.to_string()));
        }
        return match &f.items {
            Some(Value::Number(n)) => match n.as_u64() {
                Some(len) if (i as u64) < len => {
                    Step::Found(s.child("items").child(&i.to_string()))
                }
                _ => Step::Open(Vec::new()),
            },
            Some(Value::Bool(false)) => Step::Closed(Closed {
                properties: Vec::new(),
                what: Some(format!("an array with only {} items", f.prefix_items)),
            }),
            Some(Value::Object(_)) => Step::Found(s.child("items")),
            _ => Step::Open(Vec::new()),
        };
    }
    if object_like {
        if f.properties.iter().any(|p| p == token) {
            return Step::Found(s.child("properties").child(token));
        }
        for pattern in &f.patterns {
            if Regex::new(pattern).is_ok_and(|re| re.is_match(token)) {
                return Step::Found(s.child("patternProperties").child(pattern));
            }
        }
        return match &f.additional {
            Some(Value::Object(_)) => Step::Found(s.child("additionalProperties")),
            Some(Value::Bool(false)) => Step::Closed(Closed {
                properties: f.properties.clone(),
                what: None,
            }),
            None if f.unevaluated_false => Step::Closed(Closed {
                properties: f.properties.clone(),
                what: None,
            }),
            _ => Step::Open(f.properties.clone()),
        };
    }
    let non_null: Vec<&String> = f.types.iter().filter(|t| *t != "null").collect();
    match non_null.as_slice() {
        [] if f.types.is_empty() => Step::Open(Vec::new()),
        [] => closed_scalar("null"),
        [only] if only.as_str() == "array" => closed_scalar("an array"),
        [only] => closed_scalar(&format!("a {only}")),
        _ => Step::Open(Vec::new()),
    }
}

fn closed_scalar(what: &str) -> Step {
    Step::Closed(Closed {
        properties: Vec::new(),
        what: Some(what.to_owned()),
    })
}

/// The `type` keyword as a list (a string or an array of strings; empty when absent).
fn types_of(map: &serde_json::Map<String, Value>) -> Vec<&str> {
    match map.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// The branch schemas of `allOf`/`oneOf`/`anyOf` at `s`.
fn branches(map: &serde_json::Map<String, Value>, key: &str, s: &SchemaRef) -> Vec<SchemaRef> {
    let n = map.get(key).and_then(Value::as_array).map_or(0, Vec::len);
    let base = s.child(key);
    (0..n).map(|i| base.child(&i.to_string())).collect()
}
