//! One workflow function: straight-line async code, one request per step.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::doc;
use super::types;
use super::values::{cond_tokens, negate, type_tokens, value_arg, value_owned, value_ref};
use crate::plan::{
    BodyPlan, JsonValue, OutputSource, ParamLocation, ParamPlan, PathPart, Plan, StepPlan,
    TemplatePart, ValueExpr, WorkflowPlan,
};

/// The function, its inputs types and its outputs struct.
pub(super) fn emit(plan: &Plan, w: &WorkflowPlan) -> TokenStream {
    let name = format_ident!("{}", w.fn_name);
    let inputs_ty = format_ident!("{}", w.inputs.first().map_or("Inputs", |d| d.name.as_str()));
    let outputs_ty = format_ident!("{}", w.outputs.type_name);
    let mut text = w
        .summary
        .clone()
        .unwrap_or_else(|| format!("Runs the `{}` workflow.", w.id));
    if let Some(d) = &w.description {
        text.push_str("\n\n");
        text.push_str(d);
    }
    text.push_str(&format!(
        "\n\n# Errors\n\nA [`WorkflowError`](::arazzo_runtime::WorkflowError) naming the step when a request fails, \
         a success criterion is not met, or an output cannot be read. Steps: {}.",
        w.steps.iter().map(|s| format!("`{}` ({})", s.id, s.label)).collect::<Vec<_>>().join(", ")
    ));
    let docs = doc(&text);
    let used = used_vars(w);
    let steps = w.steps.iter().map(|s| step(plan, s, &used));
    let fields = w.outputs.fields.iter().enumerate().map(|(i, f)| {
        let ident = format_ident!("{}", f.rust_name);
        // Move a step output into the last field that reads it; clone it for the others.
        let read_later = w.outputs.fields[i + 1..].iter().any(|later| {
            let mut vars = BTreeSet::new();
            collect_vars(&later.value, &mut vars);
            let mut mine = BTreeSet::new();
            collect_vars(&f.value, &mut mine);
            !vars.is_disjoint(&mine)
        });
        let value = value_owned(&f.value, !read_later);
        quote! { #ident: #value }
    });
    let uses_inputs = w.steps.iter().any(step_uses_inputs)
        || w.outputs.fields.iter().any(|f| mentions_inputs(&f.value));
    let discard = (!uses_inputs).then(|| quote! { let _ = inputs; });
    let input_types = w.inputs.iter().map(|d| types::type_def(d, &w.inputs));
    let outputs = types::outputs(&w.id, &w.outputs);
    quote! {
        #docs
        pub async fn #name(
            client: &::arazzo_runtime::Client,
            inputs: #inputs_ty,
        ) -> ::core::result::Result<#outputs_ty, ::arazzo_runtime::WorkflowError> {
            #discard
            #(#steps)*
            Ok(#outputs_ty { #(#fields,)* })
        }
        #(#input_types)*
        #outputs
    }
}

/// Step-output variables read later (by steps or workflow outputs).
fn used_vars(w: &WorkflowPlan) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut add = |v: &ValueExpr| collect_vars(v, &mut out);
    for s in &w.steps {
        for p in &s.path {
            if let PathPart::Param(v) = p {
                add(v);
            }
        }
        for p in &s.params {
            add(&p.value);
        }
        match &s.body {
            Some(BodyPlan::Text { value, .. }) => add(value),
            Some(BodyPlan::Json { value, .. }) => json_vars(value, &mut add),
            Some(BodyPlan::Form(fields)) => fields.iter().for_each(|(_, v)| add(v)),
            None => {}
        }
        for o in &s.outputs {
            if let OutputSource::Value(v) = &o.source {
                add(v);
            }
        }
        for c in &s.criteria {
            cond_vars(&c.condition, &mut add);
        }
    }
    for f in &w.outputs.fields {
        add(&f.value);
    }
    out
}

fn collect_vars(v: &ValueExpr, out: &mut BTreeSet<String>) {
    match v {
        ValueExpr::StepOutput { var, .. } => {
            out.insert(var.clone());
        }
        ValueExpr::Template(parts) => {
            for p in parts {
                if let TemplatePart::Value(v) = p {
                    collect_vars(v, out);
                }
            }
        }
        _ => {}
    }
}

fn json_vars(j: &JsonValue, add: &mut impl FnMut(&ValueExpr)) {
    match j {
        JsonValue::Expr(v) => add(v),
        JsonValue::Object(m) => m.iter().for_each(|(_, j)| json_vars(j, add)),
        JsonValue::Array(a) => a.iter().for_each(|j| json_vars(j, add)),
        JsonValue::Literal(_) => {}
    }
}

fn cond_vars(c: &crate::plan::CondPlan, add: &mut impl FnMut(&ValueExpr)) {
    use crate::plan::{CondPlan, OperandSource};
    match c {
        CondPlan::Or(a, b) | CondPlan::And(a, b) => {
            cond_vars(a, add);
            cond_vars(b, add);
        }
        CondPlan::Not(a) => cond_vars(a, add),
        CondPlan::Compare(_, l, r) => {
            for o in [l, r] {
                if let OperandSource::Value(v) = &o.source {
                    add(v);
                }
            }
        }
        CondPlan::Truthy(o) => {
            if let OperandSource::Value(v) = &o.source {
                add(v);
            }
        }
        CondPlan::Status(..) => {}
    }
}

fn mentions_inputs(v: &ValueExpr) -> bool {
    match v {
        ValueExpr::Input { .. } => true,
        ValueExpr::Template(parts) => parts
            .iter()
            .any(|p| matches!(p, TemplatePart::Value(v) if mentions_inputs(v))),
        _ => false,
    }
}

fn step_uses_inputs(s: &StepPlan) -> bool {
    let mut found = false;
    let mut check = |v: &ValueExpr| found |= mentions_inputs(v);
    for p in &s.path {
        if let PathPart::Param(v) = p {
            check(v);
        }
    }
    for p in &s.params {
        check(&p.value);
    }
    match &s.body {
        Some(BodyPlan::Text { value, .. }) => check(value),
        Some(BodyPlan::Json { value, .. }) => json_vars(value, &mut check),
        Some(BodyPlan::Form(fields)) => fields.iter().for_each(|(_, v)| check(v)),
        None => {}
    }
    for o in &s.outputs {
        if let OutputSource::Value(v) = &o.source {
            check(v);
        }
    }
    for c in &s.criteria {
        cond_vars(&c.condition, &mut check);
    }
    found
}

fn step(plan: &Plan, s: &StepPlan, used: &BTreeSet<String>) -> TokenStream {
    let source = &plan.sources[s.source];
    let source_name = &source.name;
    let base = format_ident!("{}", source.const_name);
    let method = format_ident!("{}", s.method);
    let path = path(&s.path);
    let params = s.params.iter().map(param);
    let body = s.body.as_ref().map(body);
    let id = &s.id;
    let send = quote! {
        client
            .request(::arazzo_runtime::__private::reqwest::Method::#method, #source_name, #base, #path)
            #(#params)*
            #body
            .send(#id)
            .await?
    };
    if s.criteria.is_empty() && s.outputs.is_empty() {
        return quote! { #send; };
    }
    let criteria = s.criteria.iter().map(|c| {
        let failed = cond_tokens(&negate(&c.condition));
        let text = &c.text;
        quote! {
            if #failed {
                return Err(response.criteria_failed(#text));
            }
        }
    });
    let outputs = s.outputs.iter().map(|o| {
        let ty = type_tokens(&o.ty);
        let value = match &o.source {
            OutputSource::StatusCode => quote! { response.status() },
            OutputSource::Body(p) => {
                let p = p.clone().unwrap_or_default();
                quote! { response.body_pointer(#p)? }
            }
            OutputSource::BodyText => quote! { response.body_text() },
            OutputSource::Header(h) => quote! { response.header_output(#h)? },
            OutputSource::Value(v) => value_owned(v, false),
        };
        if used.contains(&o.var) {
            let var = format_ident!("{}", o.var);
            quote! { let #var: #ty = #value; }
        } else {
            // Read and checked even when nothing uses it: a broken response still fails.
            quote! { let _: #ty = #value; }
        }
    });
    quote! {
        let response = #send;
        #(#criteria)*
        #(#outputs)*
    }
}

fn path(parts: &[PathPart]) -> TokenStream {
    if let [PathPart::Literal(l)] = parts {
        return quote! { #l };
    }
    let pieces = parts.iter().map(|p| match p {
        PathPart::Literal(l) => quote! { #l },
        PathPart::Param(v) => {
            let r = value_arg(v);
            quote! { &::arazzo_runtime::param::path_segment(#r) }
        }
    });
    quote! { &[#(#pieces),*].concat() }
}

fn param(p: &ParamPlan) -> TokenStream {
    let name = &p.name;
    let optional = p.value.ty().is_option();
    let value = match (&p.value, optional) {
        (
            ValueExpr::Input {
                field,
                pointer: None,
                ..
            },
            true,
        ) => {
            let f = format_ident!("{}", field);
            quote! { inputs.#f.as_ref() }
        }
        (
            ValueExpr::StepOutput {
                var, pointer: None, ..
            },
            true,
        ) => {
            let v = format_ident!("{}", var);
            quote! { #v.as_ref() }
        }
        (v, _) => value_arg(v),
    };
    let optional = optional
        && matches!(
            p.value,
            ValueExpr::Input { pointer: None, .. } | ValueExpr::StepOutput { pointer: None, .. }
        );
    match (p.location, &p.array, optional) {
        (ParamLocation::Query, Some(a), false) => {
            let (explode, sep) = (a.explode, &a.separator);
            quote! { .query_array(#name, #value, #explode, #sep) }
        }
        (ParamLocation::Query, Some(a), true) => {
            let (explode, sep) = (a.explode, &a.separator);
            quote! { .query_array(#name, #value.into_iter().flatten(), #explode, #sep) }
        }
        (loc, Some(a), opt) => {
            let sep = &a.separator;
            let joined = if opt {
                quote! { #value.map(|items| ::arazzo_runtime::param::join(items, #sep)) }
            } else {
                quote! { ::arazzo_runtime::param::join(#value, #sep) }
            };
            located(loc, name, joined, opt)
        }
        (loc, None, opt) => located(loc, name, value, opt),
    }
}

fn located(loc: ParamLocation, name: &str, value: TokenStream, optional: bool) -> TokenStream {
    match (loc, optional) {
        (ParamLocation::Query, false) => quote! { .query(#name, #value) },
        (ParamLocation::Query, true) => quote! { .query_opt(#name, #value) },
        (ParamLocation::Header, false) => quote! { .header(#name, #value) },
        (ParamLocation::Header, true) => quote! { .header_opt(#name, #value) },
        (ParamLocation::Cookie, false) => quote! { .cookie(#name, #value) },
        (ParamLocation::Cookie, true) => quote! { .cookie_opt(#name, #value) },
    }
}

fn body(b: &BodyPlan) -> TokenStream {
    match b {
        BodyPlan::Text {
            content_type,
            value,
        } => {
            let v = value_arg(value);
            quote! { .text_body(#content_type, #v) }
        }
        BodyPlan::Json {
            content_type,
            value,
        } => {
            let v = match value {
                JsonValue::Expr(e) => value_ref(e),
                other => {
                    let j = json_value(other);
                    quote! { &#j }
                }
            };
            quote! { .json_body(#content_type, #v) }
        }
        BodyPlan::Form(fields) => {
            let pairs = fields.iter().map(|(k, v)| {
                let value = match v {
                    ValueExpr::Input { field, pointer: None, ty } if ty.is_option() => {
                        let f = format_ident!("{}", field);
                        quote! { inputs.#f.as_ref().map(|v| ::arazzo_runtime::param::ParamValue::to_param(v).into_owned()) }
                    }
                    other => {
                        let r = value_ref(other);
                        quote! { Some(::arazzo_runtime::param::ParamValue::to_param(#r).into_owned()) }
                    }
                };
                quote! { (#k, #value) }
            });
            quote! { .form_body([#(#pairs),*]) }
        }
    }
}

/// A JSON payload: literal parts built directly, expressions serialised.
fn json_value(j: &JsonValue) -> TokenStream {
    match j {
        JsonValue::Literal(v) => super::values::json_tokens(v),
        JsonValue::Expr(v) => {
            let r = value_ref(v);
            quote! { ::arazzo_runtime::param::to_json(#r) }
        }
        JsonValue::Object(members) => {
            let inserts = members.iter().map(|(k, v)| match v {
                // An absent optional input leaves its member out, as query and form
                // parameters do, instead of sending `null`.
                JsonValue::Expr(ValueExpr::Input {
                    field,
                    ty,
                    pointer: None,
                }) if ty.is_option() => {
                    let f = format_ident!("{}", field);
                    quote! {
                        if let Some(value) = &inputs.#f {
                            map.insert(#k.to_owned(), ::arazzo_runtime::param::to_json(value));
                        }
                    }
                }
                other => {
                    let v = json_value(other);
                    quote! { map.insert(#k.to_owned(), #v); }
                }
            });
            quote! {{
                let mut map = ::arazzo_runtime::__private::serde_json::Map::new();
                #(#inserts)*
                ::arazzo_runtime::__private::serde_json::Value::Object(map)
            }}
        }
        JsonValue::Array(items) => {
            let items = items.iter().map(json_value);
            quote! { ::arazzo_runtime::__private::serde_json::Value::Array(vec![#(#items),*]) }
        }
    }
}
