//! Values, types and conditions as Rust expressions.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

use crate::plan::{
    Access, CmpOp, CondPlan, OperandPlan, OperandSource, RustType, TemplatePart, ValueExpr,
};

/// A Rust type.
pub(crate) fn type_tokens(ty: &RustType) -> TokenStream {
    match ty {
        RustType::String => quote! { String },
        RustType::I64 => quote! { i64 },
        RustType::F64 => quote! { f64 },
        RustType::Bool => quote! { bool },
        RustType::U16 => quote! { u16 },
        RustType::Json => quote! { ::arazzo_runtime::__private::serde_json::Value },
        RustType::Vec(t) => {
            let t = type_tokens(t);
            quote! { Vec<#t> }
        }
        RustType::Option(t) => {
            let t = type_tokens(t);
            quote! { Option<#t> }
        }
        RustType::Secret(t) => {
            let t = type_tokens(t);
            quote! { ::arazzo_runtime::Secret<#t> }
        }
        RustType::Named(n) => {
            let n = format_ident!("{}", n);
            quote! { #n }
        }
    }
}

/// A JSON literal built without parsing at run time.
pub(crate) fn json_tokens(v: &Value) -> TokenStream {
    let value = quote! { ::arazzo_runtime::__private::serde_json::Value };
    match v {
        Value::Null => quote! { #value::Null },
        Value::Bool(b) => quote! { #value::Bool(#b) },
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => quote! { #value::from(#i) },
            (None, Some(u), _) => quote! { #value::from(#u) },
            (_, _, f) => {
                let f = f.unwrap_or_default();
                quote! { #value::from(#f) }
            }
        },
        Value::String(s) => quote! { #value::from(#s) },
        Value::Array(items) => {
            let items = items.iter().map(json_tokens);
            quote! { #value::Array(vec![#(#items),*]) }
        }
        // No `mut` binding that nothing mutates (`payload: {}`): it fails `deny(warnings)`.
        Value::Object(map) if map.is_empty() => {
            quote! { #value::Object(::arazzo_runtime::__private::serde_json::Map::new()) }
        }
        Value::Object(map) => {
            let inserts = map.iter().map(|(k, v)| {
                let v = json_tokens(v);
                quote! { map.insert(#k.to_owned(), #v); }
            });
            quote! {{
                let mut map = ::arazzo_runtime::__private::serde_json::Map::new();
                #(#inserts)*
                #value::Object(map)
            }}
        }
    }
}

/// The value as an argument of a generic `impl ParamValue` parameter: `Copy` values and
/// temporaries by value, everything else borrowed (clippy's `needless_borrows_for_generic_args`
/// holds generated code to the same standard as hand-written code).
pub(crate) fn value_arg(v: &ValueExpr) -> TokenStream {
    match v {
        ValueExpr::Literal(Value::String(s)) => quote! { #s },
        ValueExpr::Literal(Value::Number(n)) if n.as_i64().is_some() => {
            let n = n.as_i64().unwrap_or_default();
            quote! { #n }
        }
        ValueExpr::Literal(Value::Bool(b)) => quote! { #b },
        ValueExpr::Literal(other) => json_tokens(other),
        ValueExpr::Input { field, ty, pointer } => {
            let f = format_ident!("{}", field);
            match pointer {
                Some(p) => quote! { ::arazzo_runtime::__private::param::json_at(&inputs.#f, #p) },
                // Generated structs and enums are sent as their JSON (an enum as its string).
                None if needs_json(ty) => {
                    quote! { ::arazzo_runtime::__private::param::to_json(&inputs.#f) }
                }
                None if is_copy(ty) => quote! { inputs.#f },
                None => quote! { &inputs.#f },
            }
        }
        ValueExpr::StepOutput {
            var,
            ty,
            pointer,
            unset,
        } => {
            let r = step_ref(var, unset);
            match (pointer, unset) {
                (Some(p), _) => quote! { ::arazzo_runtime::__private::param::json_at(#r, #p) },
                (None, None) if is_copy(ty) => {
                    let v = format_ident!("{}", var);
                    quote! { #v }
                }
                (None, Some(_)) if is_copy(ty) => quote! { *#r },
                (None, _) => r,
            }
        }
        ValueExpr::Template(parts) => {
            let pieces = parts.iter().map(|p| match p {
                TemplatePart::Text(t) => quote! { #t },
                TemplatePart::Value(v) => {
                    let r = value_ref(v);
                    quote! { &*::arazzo_runtime::__private::param::ParamValue::to_param(#r) }
                }
            });
            quote! { [#(#pieces),*].concat() }
        }
        ValueExpr::XPath31 { of, expr, step } => {
            let of = value_ref(of);
            quote! { ::arazzo_runtime::__private::xpath31::select_text(#step, #of, #expr)? }
        }
        ValueExpr::JsonPath { of, query, step } => {
            let of = serialize_ref(of);
            quote! {
                ::arazzo_runtime::__private::jsonpath::select_value(
                    #step,
                    &::arazzo_runtime::__private::param::to_json(#of),
                    #query,
                )?
            }
        }
        ValueExpr::List(items) => {
            let items = items.iter().map(|v| match v {
                ValueExpr::Literal(Value::String(s)) => quote! { ::std::string::String::from(#s) },
                // A scalar literal's parameter text is known now.
                ValueExpr::Literal(l @ (Value::Number(_) | Value::Bool(_) | Value::Null)) => {
                    let text = match l {
                        Value::Null => String::new(),
                        other => other.to_string(),
                    };
                    quote! { ::std::string::String::from(#text) }
                }
                ValueExpr::Template(_) => value_arg(v),
                other => {
                    let r = value_ref(other);
                    quote! {
                        ::arazzo_runtime::__private::param::ParamValue::to_param(#r).into_owned()
                    }
                }
            });
            // `Vec::from([..])` rather than `vec![..]`: the formatter lays out calls, not macros.
            quote! { ::std::vec::Vec::from([#(#items),*]) }
        }
    }
}

/// A reference to the value for serialising it (`to_json`, a JSON body): generated types by
/// reference as they are, not through their JSON first.
pub(crate) fn serialize_ref(v: &ValueExpr) -> TokenStream {
    match v {
        ValueExpr::Input {
            field,
            pointer: None,
            ..
        } => {
            let f = format_ident!("{}", field);
            quote! { &inputs.#f }
        }
        other => value_ref(other),
    }
}

/// A `&T` to a step output's variable. In a branching workflow the variable is an `Option`
/// set when its step runs; reading it earlier is a `WorkflowError` naming step and output.
pub(crate) fn step_ref(var: &str, unset: &Option<(String, String)>) -> TokenStream {
    let v = format_ident!("{}", var);
    match unset {
        None => quote! { &#v },
        Some((step, name)) => {
            quote! { ::arazzo_runtime::__private::flow::output(#v.as_ref(), #step, #name)? }
        }
    }
}

/// A reference to the value, for `&self` methods and `&T` parameters.
pub(crate) fn value_ref(v: &ValueExpr) -> TokenStream {
    // A branching workflow's output is read through `output(..)?`, already a reference.
    if let ValueExpr::StepOutput {
        var,
        pointer: None,
        unset: unset @ Some(_),
        ..
    } = v
    {
        return step_ref(var, unset);
    }
    let arg = value_arg(v);
    let borrowed = match v {
        ValueExpr::Literal(Value::String(_)) => true,
        ValueExpr::Input {
            ty, pointer: None, ..
        } if needs_json(ty) => false,
        ValueExpr::Input {
            ty, pointer: None, ..
        }
        | ValueExpr::StepOutput {
            ty, pointer: None, ..
        } => !is_copy(ty),
        _ => false,
    };
    if borrowed {
        arg
    } else {
        quote! { &#arg }
    }
}

fn is_copy(ty: &RustType) -> bool {
    matches!(
        ty,
        RustType::I64 | RustType::F64 | RustType::Bool | RustType::U16
    )
}

/// Whether a value of the type reaches text through its JSON form (generated types, and
/// collections of them, have no `ParamValue`).
pub(crate) fn needs_json(ty: &RustType) -> bool {
    match ty {
        RustType::Named(_) => true,
        RustType::Vec(t) | RustType::Option(t) => needs_json(t),
        _ => false,
    }
}

/// Whether values of the type are `Copy` (so generated code never calls `.clone()` on them).
pub(crate) fn is_copy_type(ty: &RustType) -> bool {
    match ty {
        RustType::Option(inner) => is_copy_type(inner),
        other => is_copy(other),
    }
}

/// An owned value of the expression's type (for outputs). A step-output variable is moved
/// when `last_use` says nothing reads it afterwards.
pub(crate) fn value_owned(v: &ValueExpr, last_use: bool) -> TokenStream {
    match v {
        ValueExpr::Literal(Value::String(s)) => quote! { #s.to_owned() },
        ValueExpr::Literal(Value::Number(n)) if n.as_i64().is_some() => {
            let n = n.as_i64().unwrap_or_default();
            quote! { #n }
        }
        ValueExpr::Literal(Value::Bool(b)) => quote! { #b },
        ValueExpr::Literal(other) => json_tokens(other),
        ValueExpr::Input {
            field,
            ty,
            pointer: None,
        } => {
            let f = format_ident!("{}", field);
            if is_copy_type(ty) {
                quote! { inputs.#f }
            } else {
                quote! { inputs.#f.clone() }
            }
        }
        ValueExpr::StepOutput {
            var,
            ty,
            pointer: None,
            unset: unset @ Some(_),
        } => {
            let r = step_ref(var, unset);
            if is_copy(ty) {
                quote! { *#r }
            } else {
                quote! { #r.clone() }
            }
        }
        ValueExpr::StepOutput {
            var,
            ty,
            pointer: None,
            ..
        } => {
            let v = format_ident!("{}", var);
            if last_use || is_copy_type(ty) {
                quote! { #v }
            } else {
                quote! { #v.clone() }
            }
        }
        ValueExpr::Input {
            field,
            pointer: Some(p),
            ..
        } => {
            let f = format_ident!("{}", field);
            quote! { ::arazzo_runtime::__private::param::json_at(&inputs.#f, #p) }
        }
        ValueExpr::StepOutput {
            var,
            pointer: Some(p),
            unset,
            ..
        } => {
            let r = step_ref(var, unset);
            quote! { ::arazzo_runtime::__private::param::json_at(#r, #p) }
        }
        ValueExpr::Template(_)
        | ValueExpr::List(_)
        | ValueExpr::XPath31 { .. }
        | ValueExpr::JsonPath { .. } => value_arg(v),
    }
}

/// The negation of a condition, pushed down to the comparisons so the generated `if` reads
/// as a person would write it (`status != 200`, not `!(status == 200)`).
pub(crate) fn negate(c: &CondPlan) -> CondPlan {
    match c {
        CondPlan::Or(a, b) => CondPlan::And(Box::new(negate(a)), Box::new(negate(b))),
        CondPlan::And(a, b) => CondPlan::Or(Box::new(negate(a)), Box::new(negate(b))),
        CondPlan::Not(a) => (**a).clone(),
        CondPlan::Status(op, n) => CondPlan::Status(
            match op {
                CmpOp::Eq => CmpOp::Ne,
                CmpOp::Ne => CmpOp::Eq,
                CmpOp::Lt => CmpOp::Ge,
                CmpOp::Le => CmpOp::Gt,
                CmpOp::Gt => CmpOp::Le,
                CmpOp::Ge => CmpOp::Lt,
            },
            *n,
        ),
        CondPlan::Compare(CmpOp::Eq, l, r) => CondPlan::Compare(CmpOp::Ne, l.clone(), r.clone()),
        CondPlan::Compare(CmpOp::Ne, l, r) => CondPlan::Compare(CmpOp::Eq, l.clone(), r.clone()),
        // Values of different kinds are neither equal nor ordered, so `!(a < b)` is not
        // `a >= b`: keep the `!`.
        other => CondPlan::Not(Box::new(other.clone())),
    }
}

/// A condition as a `bool` expression over `response`, parenthesised only where precedence
/// needs it (`||` inside `&&`, anything compound under `!`).
pub(crate) fn cond_tokens(c: &CondPlan) -> TokenStream {
    cond_at(c, 0)
}

/// For a comparison of `$response.body#<pointer>` (or `$message.payload#<pointer>`) with a
/// literal: the method comparing in place (`Response::pointer_eq`,
/// `Message::payload_pointer_eq`), the pointer, and the literal as its `impl Into<Value>`.
fn pointer_and_literal(
    l: &OperandPlan,
    r: &OperandPlan,
) -> Option<((TokenStream, String), TokenStream)> {
    let pointer = |o: &OperandPlan| match (&o.source, o.path.is_empty()) {
        (OperandSource::ResponseBody(Some(p)), true) => {
            Some((quote! { response.pointer_eq }, p.clone()))
        }
        (OperandSource::MessagePayload(Some(p)), true) => {
            Some((quote! { message.payload_pointer_eq }, p.clone()))
        }
        _ => None,
    };
    let literal = |o: &OperandPlan| match (&o.source, o.path.is_empty()) {
        (OperandSource::Literal(Value::Null), true) => Some(quote! { () }),
        (OperandSource::Literal(Value::Bool(b)), true) => Some(quote! { #b }),
        (OperandSource::Literal(Value::String(s)), true) => Some(quote! { #s }),
        (OperandSource::Literal(Value::Number(n)), true) => {
            if let Some(i) = n.as_i64() {
                Some(quote! { #i })
            } else if let Some(u) = n.as_u64() {
                Some(quote! { #u })
            } else {
                n.as_f64().map(|f| quote! { #f })
            }
        }
        _ => None,
    };
    match (pointer(l), literal(r)) {
        (Some(p), Some(lit)) => Some((p, lit)),
        _ => Some((pointer(r)?, literal(l)?)),
    }
}

/// A condition as the left operand of `&&`: parenthesised when it is an `||`.
pub(crate) fn cond_tokens_before_and(c: &CondPlan) -> TokenStream {
    cond_at(c, 2)
}

/// Binding strength: `||` 1, `&&` 2, comparisons and calls 3.
fn precedence(c: &CondPlan) -> u8 {
    match c {
        CondPlan::Or(..) => 1,
        CondPlan::And(..) => 2,
        _ => 3,
    }
}

fn cond_at(c: &CondPlan, min: u8) -> TokenStream {
    let cond = quote! { ::arazzo_runtime::__private::cond };
    let t = match c {
        CondPlan::Or(a, b) => {
            let (a, b) = (cond_at(a, 1), cond_at(b, 2));
            quote! { #a || #b }
        }
        CondPlan::And(a, b) => {
            let (a, b) = (cond_at(a, 2), cond_at(b, 3));
            quote! { #a && #b }
        }
        CondPlan::Not(a) => {
            let inner = match **a {
                CondPlan::Compare(..)
                | CondPlan::Truthy(_)
                | CondPlan::Regex(..)
                | CondPlan::JsonPath(..)
                | CondPlan::XPath(..)
                | CondPlan::XPath31(..) => cond_at(a, 3),
                _ => {
                    let t = cond_at(a, 0);
                    quote! { (#t) }
                }
            };
            quote! { !#inner }
        }
        CondPlan::Status(op, n) => {
            let op = op_tokens(*op);
            quote! { response.status() #op #n }
        }
        // `$response.body#/x == <literal>` (either way round): compared in place.
        CondPlan::Compare(op @ (CmpOp::Eq | CmpOp::Ne), l, r)
            if pointer_and_literal(l, r).is_some() =>
        {
            let ((method, pointer), literal) = pointer_and_literal(l, r).unwrap_or_default();
            let not = (*op == CmpOp::Ne).then(|| quote! { ! });
            quote! { #not #method(#pointer, #literal) }
        }
        CondPlan::Compare(op, l, r) => {
            let (l, r) = (operand(l), operand(r));
            match op {
                CmpOp::Eq => quote! { #cond::eq(#l, #r) },
                CmpOp::Ne => quote! { !#cond::eq(#l, #r) },
                CmpOp::Lt => quote! { #cond::lt(#l, #r) },
                CmpOp::Le => quote! { #cond::le(#l, #r) },
                CmpOp::Gt => quote! { #cond::gt(#l, #r) },
                CmpOp::Ge => quote! { #cond::ge(#l, #r) },
            }
        }
        CondPlan::Truthy(o) => {
            let o = operand(o);
            quote! { #cond::truthy(#o) }
        }
        CondPlan::Regex(o, pattern) => {
            let text = context_text(o);
            quote! { ::arazzo_runtime::__private::criteria::regex(#pattern, &#text) }
        }
        CondPlan::JsonPath(o, query) => {
            let o = operand(o);
            quote! { ::arazzo_runtime::__private::criteria::jsonpath(#query, #o) }
        }
        CondPlan::XPath(o, expr) => {
            let text = context_text(o);
            quote! { ::arazzo_runtime::__private::criteria::xpath(#expr, &#text) }
        }
        CondPlan::XPath31(o, expr) => {
            let text = context_text(o);
            quote! { ::arazzo_runtime::__private::xpath31::criterion(#expr, &#text) }
        }
    };
    let needs = precedence(c) < min;
    if needs {
        quote! { (#t) }
    } else {
        t
    }
}

fn op_tokens(op: CmpOp) -> TokenStream {
    match op {
        CmpOp::Eq => quote! { == },
        CmpOp::Ne => quote! { != },
        CmpOp::Lt => quote! { < },
        CmpOp::Le => quote! { <= },
        CmpOp::Gt => quote! { > },
        CmpOp::Ge => quote! { >= },
    }
}

/// A criterion's context as text: a whole body as received, anything else as its string or
/// JSON text.
fn context_text(o: &OperandPlan) -> TokenStream {
    match (&o.source, o.path.is_empty()) {
        (OperandSource::ResponseBody(None), true) => quote! { response.body_text() },
        _ => {
            let v = operand(o);
            quote! { ::arazzo_runtime::__private::cond::text(#v) }
        }
    }
}

/// An operand as a `&serde_json::Value` expression: the response's JSON is borrowed, never
/// cloned; literals, the status, headers and inputs are small temporaries. Every function an
/// operand is passed to takes `&Value`, so `&x.into()` names the conversion without the path.
fn operand(o: &OperandPlan) -> TokenStream {
    let mut t = match &o.source {
        OperandSource::Literal(l) => match l {
            Value::Null => quote! { &::arazzo_runtime::__private::serde_json::Value::Null },
            Value::Bool(b) => quote! { &#b.into() },
            Value::String(s) => quote! { &#s.into() },
            Value::Number(n) if n.as_i64().is_some() => {
                let n = n.as_i64().unwrap_or_default();
                quote! { &#n.into() }
            }
            Value::Number(n) if n.as_u64().is_some() => {
                let n = n.as_u64().unwrap_or_default();
                quote! { &#n.into() }
            }
            other => {
                let v = json_tokens(other);
                quote! { &#v }
            }
        },
        OperandSource::StatusCode => quote! { &response.status().into() },
        OperandSource::ResponseBody(None) => quote! { &response.body_operand() },
        OperandSource::ResponseBody(Some(p)) => quote! { response.pointer_or_null(#p) },
        // `None` becomes `null`, as a missing header compares.
        OperandSource::ResponseHeader(h) => quote! { &response.header(#h).into() },
        OperandSource::MessagePayload(None) => quote! { &message.payload_operand() },
        OperandSource::MessagePayload(Some(p)) => quote! { message.payload_pointer_or_null(#p) },
        OperandSource::MessageHeader(h) => {
            let p = format!("/{}", crate::pointer::escape_token(h));
            quote! { message.header_pointer_or_null(#p) }
        }
        OperandSource::Value(v) => {
            let r = serialize_ref(v);
            quote! { &::arazzo_runtime::__private::param::to_json(#r) }
        }
    };
    for access in &o.path {
        t = match access {
            Access::Member(m) => quote! { ::arazzo_runtime::__private::cond::member(#t, #m) },
            Access::Index(i) => quote! { ::arazzo_runtime::__private::cond::index(#t, #i) },
        };
    }
    t
}
