//! Type checks: a value flowing into an OpenAPI parameter, a JSON body member, a form field
//! or a called workflow's input must have a type its target accepts. The value's type is what
//! the build knows of it: a literal's YAML/JSON type, a workflow input's declared type, a step
//! output's type from its response schema. The rules (README, Decisions: "Type checks"):
//!
//! - a target without a type (no schema, several types, `serde_json::Value`) takes anything;
//!   a value whose type the build does not know (untyped JSON, a generated struct or enum, a
//!   string built from several parts, a pointer into a value) is not checked;
//! - an integer is a number; a number is not an integer;
//! - parameters and form fields are text on the wire: an integer, number or boolean goes into a
//!   string one, any scalar into an array one (one item), and a string literal that reads as
//!   the target's type (`'10'` into an integer) is that value;
//! - everything else is an error: a string into an integer, number or boolean, an object or
//!   array into a scalar, a scalar into an object, a JSON string member given a number.

use serde_json::Value;

use super::Cx;
use super::values::Scope;
use crate::diagnostic::{Diagnostic, Span};
use crate::expr::{self, Expr, Part};
use crate::openapi::SchemaRef;
use crate::openapi::schema::Kind;
use crate::plan::{JsonValue, RustType, ValueExpr};
use crate::pointer::escape_token;

/// The JSON types values are checked by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum JsonType {
    String,
    Integer,
    Number,
    Boolean,
    Array,
    Object,
}

impl JsonType {
    pub(super) fn name(self) -> &'static str {
        match self {
            JsonType::String => "string",
            JsonType::Integer => "integer",
            JsonType::Number => "number",
            JsonType::Boolean => "boolean",
            JsonType::Array => "array",
            JsonType::Object => "object",
        }
    }

    fn scalar(self) -> bool {
        !matches!(self, JsonType::Array | JsonType::Object)
    }

    /// The type of a Rust type the plan gives a value (`None`: not known here).
    pub(super) fn of_rust(ty: &RustType) -> Option<JsonType> {
        match ty.inner() {
            RustType::String => Some(JsonType::String),
            RustType::I64 | RustType::U16 => Some(JsonType::Integer),
            RustType::F64 => Some(JsonType::Number),
            RustType::Bool => Some(JsonType::Boolean),
            RustType::Vec(_) => Some(JsonType::Array),
            // A generated enum or struct, or untyped JSON.
            _ => None,
        }
    }

    fn of_value(v: &Value) -> Option<JsonType> {
        Some(match v {
            Value::Null => return None,
            Value::Bool(_) => JsonType::Boolean,
            // `2.0` is an integer to JSON Schema too.
            Value::Number(n) if n.is_i64() || n.is_u64() => JsonType::Integer,
            Value::Number(n) if n.as_f64().is_some_and(|f| f.fract() == 0.0) => JsonType::Integer,
            Value::Number(_) => JsonType::Number,
            Value::String(_) => JsonType::String,
            Value::Array(_) => JsonType::Array,
            Value::Object(_) => JsonType::Object,
        })
    }

    fn of_kind(kind: &Kind) -> Option<JsonType> {
        Some(match kind {
            Kind::String => JsonType::String,
            Kind::Integer { .. } => JsonType::Integer,
            Kind::Number => JsonType::Number,
            Kind::Boolean => JsonType::Boolean,
            Kind::Array(_) => JsonType::Array,
            Kind::Object => JsonType::Object,
            Kind::Null | Kind::Any => return None,
        })
    }
}

/// Whether a value of type `from` may go into a target of type `to`. `text`: the target is
/// sent as text (a parameter or form field); `literal`: the value's text when it is a string
/// literal.
fn accepts(to: JsonType, from: JsonType, text: bool, literal: Option<&str>) -> bool {
    if to == from || (to == JsonType::Number && from == JsonType::Integer) {
        return true;
    }
    if !text {
        return false;
    }
    let reads_as = |s: &str| match to {
        JsonType::Integer => s.trim().parse::<i64>().is_ok(),
        JsonType::Number => s.trim().parse::<f64>().is_ok_and(f64::is_finite),
        JsonType::Boolean => matches!(s.trim(), "true" | "false"),
        _ => false,
    };
    match to {
        JsonType::String | JsonType::Array => from.scalar(),
        _ => literal.is_some_and(reads_as),
    }
}

/// Where a value goes.
pub(super) struct Target {
    /// What it is, for the message: "path parameter `orderId` of `getOrder`".
    pub(super) what: String,
    /// Its type.
    pub(super) ty: JsonType,
    /// Whether it is sent as text (parameters, form fields).
    pub(super) text: bool,
    /// Where its type is written.
    pub(super) declared: Option<TypeAt>,
}

/// Where a target's type is written. A schema's place is looked up only for a diagnostic:
/// looking it up in the location index for every typed value was a twentieth of `check` at
/// 1000 workflows (issue 11, item 5).
pub(super) enum TypeAt {
    /// A place already known.
    Span(Span),
    /// A resolved schema: its `type`, else the whole schema ([`schema_type_span`]).
    Schema(SchemaRef),
}

impl TypeAt {
    fn span(&self, cx: &Cx<'_>) -> Option<Span> {
        match self {
            TypeAt::Span(span) => Some(*span),
            TypeAt::Schema(schema) => schema_type_span(cx, schema),
        }
    }
}

/// The span of a resolved schema's `type`, else of the whole schema.
pub(super) fn schema_type_span(cx: &Cx<'_>, schema: &SchemaRef) -> Option<Span> {
    cx.files
        .span(schema.file, &format!("{}/type", schema.pointer))
        .or_else(|| cx.files.span(schema.file, &schema.pointer))
}

impl Target {
    /// A target typed by an OpenAPI schema (`None` when it has no single type).
    pub(super) fn schema(
        cx: &Cx<'_>,
        schema: &SchemaRef,
        what: String,
        text: bool,
    ) -> Option<Self> {
        let ty = JsonType::of_kind(&cx.kind(schema))?;
        Some(Target {
            declared: cx.resolved(schema).map(TypeAt::Schema),
            what,
            ty,
            text,
        })
    }
}

/// Checks one value against its target. `raw` is the value as written and `pointer` where.
pub(super) fn check(
    cx: &mut Cx<'_>,
    scope: &Scope,
    value: &ValueExpr,
    raw: &Value,
    pointer: &str,
    to: &Target,
) {
    let (from, literal) = match value {
        ValueExpr::Literal(v) => (JsonType::of_value(v), v.as_str()),
        ValueExpr::Input {
            ty, pointer: None, ..
        }
        | ValueExpr::StepOutput {
            ty, pointer: None, ..
        } => (JsonType::of_rust(ty), None),
        // A pointer into a value, a string of several parts, a list of parameter texts.
        _ => (None, None),
    };
    let Some(from) = from else {
        return;
    };
    if accepts(to.ty, from, to.text, literal) {
        return;
    }
    let origin = Origin::of(cx, scope, value, raw, pointer, from);
    let span = match &origin.range {
        Some((text, range)) => cx.span_in_string(pointer, text, range.clone()),
        None => cx.span(pointer),
    };
    let mut d = Diagnostic::error(
        "type-mismatch",
        format!(
            "{} is `{}`, but {} is `{}`",
            origin.what,
            from.name(),
            to.what,
            to.ty.name()
        ),
    )
    .at(span)
    .label(match &origin.kind {
        OriginKind::Literal => format!("this is `{}`", from.name()),
        _ => format!("this is `{}` ({})", from.name(), origin.what),
    });
    let help = origin.help(from, to);
    for (span, text) in origin.declared {
        d = d.secondary(Some(span), text);
    }
    if let Some(span) = to.declared.as_ref().and_then(|at| at.span(cx)) {
        d = d.secondary(
            Some(span),
            format!("{} is `{}` here", to.what, to.ty.name()),
        );
    }
    cx.push(d.help(help));
}

/// What the value is, for the message and help.
struct Origin {
    what: String,
    kind: OriginKind,
    /// Where its type comes from: the input's declaration; the output's expression and the
    /// response schema that types it.
    declared: Vec<(Span, String)>,
    /// The expression's text and its range inside the string, for the label.
    range: Option<(String, std::ops::Range<usize>)>,
}

enum OriginKind {
    Literal,
    Input(String),
    Output,
}

impl Origin {
    fn of(
        cx: &Cx<'_>,
        scope: &Scope,
        value: &ValueExpr,
        raw: &Value,
        pointer: &str,
        from: JsonType,
    ) -> Origin {
        let literal = Origin {
            what: match raw {
                Value::String(s) => format!("the literal `'{}'`", shortened(s)),
                other => format!("the literal `{}`", shortened(&other.to_string())),
            },
            kind: OriginKind::Literal,
            declared: Vec::new(),
            range: None,
        };
        if matches!(value, ValueExpr::Literal(_)) {
            return literal;
        }
        let Some(text) = raw.as_str() else {
            return literal;
        };
        let parsed = match expr::parse_template(text) {
            Ok(t) => match t.parts.as_slice() {
                [Part::Expr { expr, span, .. }] => Some((expr.clone(), span.clone())),
                _ => None,
            },
            Err(_) => None,
        };
        let wp: String = pointer.split('/').take(3).collect::<Vec<_>>().join("/");
        let (what, kind, declared) = match parsed.as_ref().map(|(e, _)| e) {
            Some(Expr::Inputs { name, .. }) => {
                let at = format!("{wp}/inputs/properties/{}", escape_token(name));
                let span = cx
                    .files
                    .span(cx.file, &format!("{at}/type"))
                    .or_else(|| cx.files.key_span(cx.file, &at));
                (
                    format!("input `{name}`"),
                    OriginKind::Input(name.clone()),
                    span.map(|s| {
                        (
                            s,
                            format!("input `{name}` is declared `{}` here", from.name()),
                        )
                    })
                    .into_iter()
                    .collect(),
                )
            }
            Some(Expr::Steps { step, output, .. }) => {
                let index = cx
                    .files
                    .value(cx.file)
                    .pointer(&format!("{wp}/steps"))
                    .and_then(Value::as_array)
                    .and_then(|steps| {
                        steps.iter().position(|s| {
                            s.get("stepId").and_then(Value::as_str) == Some(step.as_str())
                        })
                    });
                let span = index.and_then(|i| {
                    cx.files.span(
                        cx.file,
                        &format!("{wp}/steps/{i}/outputs/{}", escape_token(output)),
                    )
                });
                let mut declared: Vec<(Span, String)> = span
                    .map(|s| {
                        (
                            s,
                            format!(
                                "output `{output}` takes its type (`{}`) from this",
                                from.name()
                            ),
                        )
                    })
                    .into_iter()
                    .collect();
                if let Some(at) = scope
                    .output_schemas
                    .get(&(step.clone(), output.clone()))
                    .and_then(|schema| schema_type_span(cx, schema))
                {
                    declared.push((
                        at,
                        format!("the response schema makes `{output}` `{}`", from.name()),
                    ));
                }
                (
                    format!("output `{output}` of step `{step}`"),
                    OriginKind::Output,
                    declared,
                )
            }
            _ => (format!("`{text}`"), OriginKind::Output, Vec::new()),
        };
        Origin {
            what,
            kind,
            declared,
            range: parsed.map(|(_, range)| (text.to_owned(), range)),
        }
    }

    fn help(&self, from: JsonType, to: &Target) -> String {
        let want = to.ty.name();
        match &self.kind {
            OriginKind::Input(name) => format!(
                "declare input `{name}` as `type: {want}`, or pass a value of type `{want}` here"
            ),
            OriginKind::Output => format!(
                "pass a value of type `{want}` here (another output, or an input); if the response value is of type `{want}` after all, correct the OpenAPI response schema"
            ),
            OriginKind::Literal if to.ty == JsonType::String && from.scalar() => {
                "quote it to send it as a string".to_owned()
            }
            OriginKind::Literal => format!("write a value of type `{want}`"),
        }
    }
}

/// `text`, cut to its first [`MAX_QUOTED`] characters (the snippet shows the rest).
fn shortened(text: &str) -> String {
    match text.char_indices().nth(MAX_QUOTED) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// How many characters of a literal a message quotes.
const MAX_QUOTED: usize = 40;

/// Checks a JSON payload against its schema, member by member, walking the schema one token
/// at a time beside the payload.
pub(super) struct BodyWalk<'a> {
    /// What expressions in the payload read.
    pub(super) scope: &'a Scope,
    /// The operation, for messages.
    pub(super) op_name: &'a str,
    /// How many more values may be checked: a huge literal stays cheap.
    pub(super) budget: usize,
}

impl BodyWalk<'_> {
    /// Checks `value` (written as `raw` at `pointer`; `member` is its JSON pointer in the
    /// payload) against `schema`.
    pub(super) fn json(
        &mut self,
        cx: &mut Cx<'_>,
        value: &JsonValue,
        raw: &Value,
        schema: &SchemaRef,
        (pointer, member): (&str, &str),
    ) {
        if self.budget == 0 {
            return;
        }
        self.budget -= 1;
        match value {
            JsonValue::Expr(v) => {
                let what = body_part(member, self.op_name);
                if let Some(target) = Target::schema(cx, schema, what, false) {
                    check(cx, self.scope, v, raw, pointer, &target);
                }
            }
            JsonValue::Literal(v) => self.literal(cx, v, schema, (pointer, member), 0),
            JsonValue::Object(members) => {
                for (key, item) in members {
                    let token = escape_token(key);
                    let (Some(child), Some(raw_item)) =
                        (member_schema(cx, schema, &token), raw.get(key))
                    else {
                        continue;
                    };
                    let at = (format!("{pointer}/{token}"), format!("{member}/{token}"));
                    self.json(cx, item, raw_item, &child, (&at.0, &at.1));
                }
            }
            JsonValue::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let token = i.to_string();
                    let (Some(child), Some(raw_item)) =
                        (member_schema(cx, schema, &token), raw.get(i))
                    else {
                        continue;
                    };
                    let at = (format!("{pointer}/{token}"), format!("{member}/{token}"));
                    self.json(cx, item, raw_item, &child, (&at.0, &at.1));
                }
            }
        }
    }

    fn literal(
        &mut self,
        cx: &mut Cx<'_>,
        v: &Value,
        schema: &SchemaRef,
        (pointer, member): (&str, &str),
        depth: usize,
    ) {
        let what = body_part(member, self.op_name);
        let Some(target) = Target::schema(cx, schema, what, false) else {
            return;
        };
        let ty = JsonType::of_value(v);
        if ty.is_some_and(|t| !accepts(target.ty, t, false, None)) {
            let value = ValueExpr::Literal(v.clone());
            check(cx, self.scope, &value, v, pointer, &target);
            return;
        }
        if depth >= MAX_LITERAL_DEPTH {
            return;
        }
        let children: Vec<(String, &Value)> = match v {
            Value::Object(map) => map
                .iter()
                .map(|(k, item)| (escape_token(k), item))
                .collect(),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, item)| (i.to_string(), item))
                .collect(),
            _ => return,
        };
        for (token, item) in children {
            if self.budget == 0 {
                return;
            }
            self.budget -= 1;
            let Some(child) = member_schema(cx, schema, &token) else {
                continue;
            };
            let at = (format!("{pointer}/{token}"), format!("{member}/{token}"));
            self.literal(cx, item, &child, (&at.0, &at.1), depth + 1);
        }
    }
}

/// "member `a/b` of the request body of `op`" (`member` is a JSON pointer, `""` the body).
fn body_part(member: &str, op_name: &str) -> String {
    match member.strip_prefix('/') {
        None => format!("the request body of `{op_name}`"),
        Some(m) => format!("member `{m}` of the request body of `{op_name}`"),
    }
}

/// How deep a literal payload is walked (YAML nesting is bounded by the loader already).
const MAX_LITERAL_DEPTH: usize = 32;

/// The schema of member `token` (escaped) of a value `schema` describes, when one says.
fn member_schema(cx: &Cx<'_>, schema: &SchemaRef, token: &str) -> Option<SchemaRef> {
    cx.at_pointer(schema, &format!("/{token}")).ok().flatten()
}

#[cfg(test)]
mod tests {
    use super::{JsonType::*, accepts};

    #[test]
    fn long_literals_are_cut() {
        assert_eq!(super::shortened("short"), "short");
        assert_eq!(
            super::shortened(&"é".repeat(50)),
            format!("{}…", "é".repeat(40))
        );
    }

    #[test]
    fn allowed_conversions() {
        assert!(accepts(Number, Integer, false, None));
        assert!(!accepts(Integer, Number, true, None));
        assert!(accepts(String, Integer, true, None));
        assert!(!accepts(String, Integer, false, None));
        assert!(!accepts(Integer, String, true, None));
        assert!(accepts(Integer, String, true, Some("10")));
        assert!(!accepts(Integer, String, false, Some("10")));
        assert!(accepts(Boolean, String, true, Some("true")));
        assert!(accepts(Array, String, true, None));
        assert!(!accepts(String, Object, true, None));
        assert!(!accepts(Object, String, true, None));
        assert!(!accepts(Integer, Array, true, None));
    }
}
