//! One workflow function: straight-line async code, one request per step.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::doc;
use super::request;
use super::types;
use super::values::{cond_tokens, negate, type_tokens, value_owned};
use crate::plan::{OutputSource, Plan, StepPlan, TemplatePart, ValueExpr, WorkflowPlan};

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
    for s in &w.steps {
        s.for_each_value(&mut |v| collect_vars(v, &mut out));
    }
    for f in &w.outputs.fields {
        collect_vars(&f.value, &mut out);
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
    s.for_each_value(&mut |v| found |= mentions_inputs(v));
    found
}

fn step(plan: &Plan, s: &StepPlan, used: &BTreeSet<String>) -> TokenStream {
    let send = request::send(plan, &s.id, &s.request);
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
