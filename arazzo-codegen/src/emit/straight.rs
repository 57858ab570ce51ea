//! Straight-line code for workflows without actions: each step in order, returning early
//! when a success criterion fails.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::values::{cond_tokens, negate, type_tokens};
use super::workflow::{call, output_value, outputs_literal};
use super::{message, request};
use crate::plan::{OutputSource, Plan, StepKind, StepPlan, WorkflowPlan};

/// The steps, then `Ok(outputs)` (with the last status when `with_status`).
pub(super) fn steps(
    plan: &Plan,
    w: &WorkflowPlan,
    used: &BTreeSet<String>,
    with_status: bool,
) -> TokenStream {
    // The status a caller sees is the last HTTP response's (or called workflow's).
    let last = w
        .steps
        .iter()
        .rposition(|s| match &s.kind {
            StepKind::Request(_) => true,
            StepKind::Workflow(c) => c.status,
            StepKind::Send(_) | StepKind::Receive(_) => false,
        })
        .unwrap_or_default();
    // A receive is joined before the first step that needs it, else after the last step.
    let joins = |at: Option<usize>| {
        w.steps
            .iter()
            .filter_map(move |s| match &s.kind {
                StepKind::Receive(r) if r.join_before == at => {
                    Some(message::receive_join(s, r, used))
                }
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    let steps = w.steps.iter().enumerate().map(|(i, s)| {
        let joins = joins(Some(i));
        let step = step(plan, s, used, with_status && i == last);
        quote! { #(#joins)* #step }
    });
    let end_joins = joins(None);
    let outputs = outputs_literal(w);
    let result = if with_status {
        // Bound first: a struct literal inside the tuple would wrap field by field.
        quote! {
            let outputs = #outputs;
            Ok((outputs, response.status()))
        }
    } else {
        quote! {
            Ok(#outputs)
        }
    };
    quote! {
        #(#steps)*
        #(#end_joins)*
        #result
    }
}

/// One step. `keep_response` keeps `response` bound even when nothing else reads it.
fn step(plan: &Plan, s: &StepPlan, used: &BTreeSet<String>, keep_response: bool) -> TokenStream {
    let needs_response = keep_response
        || !s.criteria.is_empty()
        || s.outputs
            .iter()
            .any(|o| !matches!(o.source, OutputSource::Callee(..) | OutputSource::Value(_)));
    let id = &s.id;
    let run = match &s.kind {
        StepKind::Request(r) => {
            let (prelude, send) = request::send(plan, id, r);
            if needs_response {
                quote! { #prelude let response = #send; }
            } else {
                quote! { #prelude #send; }
            }
        }
        StepKind::Workflow(c) => {
            let callee_used = s.outputs.iter().any(|o| {
                matches!(o.source, OutputSource::Callee(..)) && (!o.hidden || used.contains(&o.var))
            });
            let callee = if callee_used {
                quote! { callee }
            } else {
                quote! { _ }
            };
            if needs_response {
                let call = call(c, id, Some(quote! { (#callee, status) }));
                quote! {
                    #call
                    let response = ::arazzo_runtime::Response::status_only(#id, status);
                }
            } else {
                call(c, id, Some(quote! { (#callee, _) }))
            }
        }
        // A send has no criteria; its outputs are values.
        StepKind::Send(m) => message::send(plan, id, m),
        // Criteria and outputs are read at the join.
        StepKind::Receive(r) => return message::receive_start(plan, id, r, false),
    };
    let criteria = s.criteria.iter().map(|c| {
        let failed = cond_tokens(&negate(&c.condition));
        let text = &c.text;
        quote! {
            if #failed {
                return Err(response.criteria_failed(#text));
            }
        }
    });
    let callee = quote! { callee };
    let outputs = s
        .outputs
        .iter()
        .filter(|o| !o.hidden || used.contains(&o.var))
        .map(|o| {
            let ty = type_tokens(&o.ty);
            let value = output_value(&o.source, &o.ty, &callee);
            if used.contains(&o.var) {
                let var = format_ident!("{}", o.var);
                quote! { let #var: #ty = #value; }
            } else {
                // Read and checked even when nothing uses it: a broken response still fails.
                quote! { let _: #ty = #value; }
            }
        });
    quote! {
        #run
        #(#criteria)*
        #(#outputs)*
    }
}
