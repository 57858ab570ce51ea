//! One workflow: its function (and, when other workflows run it, the variant that also
//! returns the last status), its inputs types and its outputs struct.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::values::{is_copy_type, type_tokens, value_owned, value_ref};
use super::{branching, doc, straight, types};
use crate::plan::{
    ActionKind, CallPlan, FieldInit, OutputSource, Plan, RustType, StepKind, StepPlan,
    TemplatePart, ValueExpr, WorkflowPlan,
};

/// Everything one workflow generates. `called` holds the `*_with_status` functions that
/// other workflows call.
pub(super) fn emit(
    plan: &Plan,
    w: &WorkflowPlan,
    called: &BTreeSet<String>,
    attributes: &types::Attributes,
    shares_inputs: Option<&str>,
) -> TokenStream {
    let name = format_ident!("{}", w.fn_name);
    let inputs_ty = format_ident!("{}", w.inputs.first().map_or("Inputs", |d| d.name.as_str()));
    let outputs_ty = format_ident!("{}", w.outputs.type_name);
    let docs = doc(&fn_doc(w));
    let with_status = called.contains(&w.inner_fn_name);
    // The runtime's deadline wrapper bounds the whole call (ClientBuilder::workflow_deadline),
    // names the running step when it passes, and opens the workflow's tracing span.
    let id = &w.id;
    let steps_fn = format_ident!("{}", w.steps_fn_name);
    let steps_result = if with_status {
        quote! { (#outputs_ty, u16) }
    } else {
        quote! { #outputs_ty }
    };
    // The steps live in their own private function, so they sit one indent deep in the
    // formatted code, and are boxed for the runtime's `deadline::workflow`: its wrapper is then
    // one function for every workflow rather than one compiled per workflow, and its layers
    // move a pointer, not the steps' state (which overflowed a debug build's stack in nested
    // workflow calls). Boxed here, not there, so that the steps are compiled in this crate
    // whether or not it calls them. The workflow's function is a plain `fn` returning that
    // future: an `async fn` of its own would be one more body per workflow for rustc to check
    // (issue 11, item 4).
    let body = quote! {
        ::arazzo_runtime::__private::deadline::workflow(
            client,
            #id,
            ::std::boxed::Box::pin(#steps_fn(client, inputs)),
        )
    };
    let steps_body = super::alias_private(body_tokens(plan, w, with_status));
    let uses_inputs = w.steps.iter().any(step_uses_inputs)
        || w.outputs.fields.iter().any(|f| mentions_inputs(&f.value))
        || w.depends_on.iter().any(|d| call_uses_inputs(&d.call));
    // Inputs nothing reads are dropped by the parameter's pattern.
    let inputs = if uses_inputs {
        quote! { inputs }
    } else {
        quote! { _ }
    };
    let steps_fn = quote! {
        async fn #steps_fn(
            client: &::arazzo_runtime::Client,
            #inputs: #inputs_ty,
        ) -> ::core::result::Result<#steps_result, ::arazzo_runtime::WorkflowError> {
            #steps_body
        }
    };
    let input_types: Vec<TokenStream> = match shares_inputs {
        Some(canonical) => types::aliases(w, canonical),
        None => w
            .inputs
            .iter()
            .map(|d| types::type_def(d, &w.inputs, plan.serde, attributes.of(&w.id, &d.name)))
            .collect(),
    };
    let outputs = types::outputs(
        &w.id,
        &w.outputs,
        plan.serde,
        attributes.of(&w.id, &w.outputs.type_name),
    );
    let output_types = w
        .output_types
        .iter()
        .map(|d| types::output_type_def(d, attributes.of(&w.id, &d.name)));
    let functions = if with_status {
        let inner = format_ident!("{}", w.inner_fn_name);
        let inner_doc = doc(&format!(
            "Runs `{}` like [`{}`], and also returns the status of its last response (what a step \
             running this workflow sees as `$statusCode`).",
            w.id, w.fn_name
        ));
        quote! {
            #docs
            pub async fn #name(
                client: &::arazzo_runtime::Client,
                inputs: #inputs_ty,
            ) -> ::core::result::Result<#outputs_ty, ::arazzo_runtime::WorkflowError> {
                #inner(client, inputs).await.map(|(outputs, _)| outputs)
            }
            #inner_doc
            pub(crate) fn #inner(
                client: &::arazzo_runtime::Client,
                inputs: #inputs_ty,
            ) -> impl ::core::future::Future<
                Output = ::core::result::Result<(#outputs_ty, u16), ::arazzo_runtime::WorkflowError>,
            > + Send + '_ {
                #body
            }
        }
    } else {
        quote! {
            #docs
            pub fn #name(
                client: &::arazzo_runtime::Client,
                inputs: #inputs_ty,
            ) -> impl ::core::future::Future<
                Output = ::core::result::Result<#outputs_ty, ::arazzo_runtime::WorkflowError>,
            > + Send + '_ {
                #body
            }
        }
    };
    quote! {
        #functions
        #steps_fn
        #(#input_types)*
        #(#output_types)*
        #outputs
    }
}

fn fn_doc(w: &WorkflowPlan) -> String {
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
        w.steps
            .iter()
            .map(|s| format!("`{}` ({})", s.id, s.label))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    text
}

fn body_tokens(plan: &Plan, w: &WorkflowPlan, with_status: bool) -> TokenStream {
    let used = used_vars(w);
    let dependencies = w.depends_on.iter().map(|d| {
        let bound: Vec<TokenStream> = d
            .bindings
            .iter()
            .filter(|(_, var)| used.contains(var))
            .map(|(field, var)| {
                let (f, v) = (format_ident!("{}", field), format_ident!("{}", var));
                quote! { #f: #v }
            })
            .collect();
        if bound.is_empty() {
            call(&d.call, &w.id, None)
        } else {
            let ty = super::path_tokens(&d.call.outputs_type);
            call(&d.call, &w.id, Some(quote! { (#ty { #(#bound,)* .. }, _) }))
        }
    });
    let steps = if w.branching {
        branching::steps(plan, w, &used, with_status)
    } else {
        straight::steps(plan, w, &used, with_status)
    };
    let messages = w
        .steps
        .iter()
        .any(|s| matches!(s.kind, StepKind::Send(_) | StepKind::Receive(_)));
    if !messages {
        return quote! {
            #(#dependencies)*
            #steps
        };
    }
    // The steps run in a block, so the connections are closed politely (a close frame) on
    // success and failure alike; dropping them would end them abruptly.
    quote! {
        #(#dependencies)*
        let mut connections = ::arazzo_runtime::__private::message::Connections::new(client);
        let result: ::core::result::Result<_, ::arazzo_runtime::WorkflowError> = async {
            #steps
        }
        .await;
        connections.close().await;
        result
    }
}

/// The outputs struct literal at the end of the function.
pub(super) fn outputs_literal(w: &WorkflowPlan) -> TokenStream {
    let ty = format_ident!("{}", w.outputs.type_name);
    let fields = w.outputs.fields.iter().enumerate().map(|(i, f)| {
        let ident = format_ident!("{}", f.rust_name);
        // Move a step output into the last field that reads it; clone it for the others.
        let read_later = w.outputs.fields[i + 1..].iter().any(|later| {
            let (mut theirs, mut mine) = (BTreeSet::new(), BTreeSet::new());
            collect_vars(&later.value, &mut theirs);
            collect_vars(&f.value, &mut mine);
            !theirs.is_disjoint(&mine)
        });
        let value = match &f.value {
            // A step a branch may skip: its variable is the `Option` itself.
            ValueExpr::StepOutput {
                var,
                ty,
                pointer,
                unset: Some(_),
            } if f.maybe_skipped => {
                let var = format_ident!("{}", var);
                let v = if read_later && !is_copy_type(ty) {
                    quote! { #var.clone() }
                } else {
                    quote! { #var }
                };
                match pointer {
                    Some(p) => {
                        quote! { #var.as_ref().map(|v| ::arazzo_runtime::__private::param::json_at(v, #p)) }
                    }
                    None if ty.is_option() => quote! { #v.flatten() },
                    None => v,
                }
            }
            value => value_owned(value, !read_later),
        };
        // `name: name` is written `name`.
        if ident == value.to_string() {
            quote! { #ident }
        } else {
            quote! { #ident: #value }
        }
    });
    quote! { #ty { #(#fields,)* } }
}

/// `let #pattern = callee_with_status(client, CalleeInputs { .. }).await?;`, the call being
/// of type `(Outputs, u16)`; no pattern makes it an expression statement. `step` names the
/// caller in conversion errors.
pub(super) fn call(c: &CallPlan, step: &str, pattern: Option<TokenStream>) -> TokenStream {
    call_with(c, &quote! { #step }, false, pattern, None)
}

/// [`call`] of a step with a `timeout` and `onFailure` actions: when the timeout passes,
/// `on_timeout` runs with the `Timeout` error bound as `error` (it must leave the arm); the
/// callee's own failure fails the step as before.
pub(super) fn call_or_timed_out(
    c: &CallPlan,
    step: &str,
    pattern: TokenStream,
    on_timeout: TokenStream,
) -> TokenStream {
    call_with(c, &quote! { #step }, false, Some(pattern), Some(on_timeout))
}

/// [`call`] with the future boxed: `goto`/`retry` transfers may form cycles between workflows,
/// and recursive async functions need the indirection.
pub(super) fn call_boxed(
    c: &CallPlan,
    step: &TokenStream,
    pattern: Option<TokenStream>,
) -> TokenStream {
    call_with(c, step, true, pattern, None)
}

fn call_with(
    c: &CallPlan,
    step: &TokenStream,
    boxed: bool,
    pattern: Option<TokenStream>,
    on_timeout: Option<TokenStream>,
) -> TokenStream {
    let f = super::path_tokens(&c.fn_name);
    let ty = super::path_tokens(&c.inputs_type);
    let fields: Vec<TokenStream> = c
        .fields
        .iter()
        .map(|(field, init)| {
            let ident = format_ident!("{}", field);
            let value = match init {
                FieldInit::Absent => quote! { None },
                FieldInit::Default(func) => {
                    let func = format_ident!("{}", func);
                    quote! { #ty::#func() }
                }
                FieldInit::Value(v, target) => convert(v, target, step, field),
                FieldInit::Json(json, target) => {
                    let json = super::request::json_value(json);
                    let target = type_tokens(target);
                    quote! {
                        ::arazzo_runtime::__private::flow::convert::<#target, _>(#step, #field, &#json)?
                    }
                }
            };
            quote! { #ident: #value }
        })
        .collect();
    // The callee's inputs built first (`callee_inputs`, a reserved name), so the call itself
    // stays one short line rather than a struct literal nested in the call and the box.
    let (build, inputs) = if fields.is_empty() {
        (None, quote! { #ty {} })
    } else {
        (
            Some(quote! { let callee_inputs = #ty { #(#fields,)* }; }),
            quote! { callee_inputs },
        )
    };
    // A callee without a status (message steps only) gives 0, which nothing reads: `check`
    // rejects `$statusCode` after it.
    let run = if c.status {
        quote! { #f(client, #inputs) }
    } else {
        quote! { ::arazzo_runtime::__private::flow::no_status(#f(client, #inputs)) }
    };
    let call = if let (Some(ms), Some(on_timeout)) = (c.timeout_ms, on_timeout) {
        // Actions that always leave the arm (a `goto`) never read the error.
        let error = if super::mentions(&on_timeout, "error") {
            quote! { error }
        } else {
            quote! { _ }
        };
        quote! {
            match ::arazzo_runtime::__private::timeout::within_call(
                #step,
                #ms,
                Box::pin(#run),
            )
            .await
            {
                Ok(result) => result?,
                Err(#error) => {
                    #on_timeout
                }
            }
        }
    } else if let Some(ms) = c.timeout_ms {
        // A 1.1 step `timeout` bounds the whole callee (boxed: its future may be large).
        quote! {
            ::arazzo_runtime::__private::timeout::within(
                #step,
                #ms,
                Box::pin(#run),
            )
            .await?
        }
    } else if boxed {
        quote! { Box::pin(#run).await? }
    } else {
        quote! { #run.await? }
    };
    match pattern {
        Some(pattern) => quote! { #build let #pattern = #call; },
        None => quote! { #build #call; },
    }
}

/// A value as the callee's input type: as it is when the types agree, wrapped in `Some` or
/// `Secret` when that is all that differs, else converted through JSON (a `Decode` error if
/// the value does not fit).
fn convert(v: &ValueExpr, target: &RustType, step: &TokenStream, field: &str) -> TokenStream {
    let have = v.ty();
    let owned = value_owned(v, false);
    if &have == target {
        return owned;
    }
    match target {
        RustType::Option(inner) if **inner == have => quote! { Some(#owned) },
        RustType::Secret(inner) if **inner == have => {
            quote! { ::arazzo_runtime::Secret::new(#owned) }
        }
        RustType::Option(inner) if matches!(&**inner, RustType::Secret(s) if **s == have) => {
            quote! { Some(::arazzo_runtime::Secret::new(#owned)) }
        }
        _ => {
            let r = value_ref(v);
            let target = type_tokens(target);
            quote! { ::arazzo_runtime::__private::flow::convert::<#target, _>(#step, #field, #r)? }
        }
    }
}

/// The `*_with_status` functions some workflow calls.
pub(super) fn called(plan: &Plan) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for w in &plan.workflows {
        for d in &w.depends_on {
            out.insert(d.call.fn_name.clone());
        }
        for s in &w.steps {
            if let crate::plan::StepKind::Workflow(c) = &s.kind {
                out.insert(c.fn_name.clone());
            }
            for a in s.on_success.iter().chain(&s.on_failure) {
                match &a.kind {
                    ActionKind::GotoWorkflow(c)
                    | ActionKind::Retry {
                        workflow: Some(c), ..
                    } => {
                        out.insert(c.fn_name.clone());
                    }
                    _ => {}
                }
            }
        }
    }
    out
}

/// Step-output variables read anywhere (steps, actions, workflow outputs).
pub(super) fn used_vars(w: &WorkflowPlan) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for s in &w.steps {
        s.for_each_value(&mut |v| collect_vars(v, &mut out));
    }
    for f in &w.outputs.fields {
        collect_vars(&f.value, &mut out);
    }
    out
}

pub(super) fn collect_vars(v: &ValueExpr, out: &mut BTreeSet<String>) {
    v.collect_vars(out);
}

fn mentions_inputs(v: &ValueExpr) -> bool {
    match v {
        ValueExpr::Input { .. } => true,
        ValueExpr::Template(parts) => parts
            .iter()
            .any(|p| matches!(p, TemplatePart::Value(v) if mentions_inputs(v))),
        ValueExpr::List(items) => items.iter().any(mentions_inputs),
        ValueExpr::XPath31 { of, .. } | ValueExpr::JsonPath { of, .. } => mentions_inputs(of),
        _ => false,
    }
}

fn call_uses_inputs(c: &CallPlan) -> bool {
    let mut found = false;
    c.for_each_value(&mut |v| found |= mentions_inputs(v));
    found
}

fn step_uses_inputs(s: &StepPlan) -> bool {
    let mut found = false;
    s.for_each_value(&mut |v| found |= mentions_inputs(v));
    found
}

/// Like [`output_value`], as an `Option` that is `None` where the response lacks the value
/// (for a step whose failure an action handles).
pub(super) fn output_value_opt(
    source: &OutputSource,
    ty: &RustType,
    callee: &TokenStream,
) -> TokenStream {
    match source {
        OutputSource::Body(p) => {
            let p = p.clone().unwrap_or_default();
            quote! { response.body_pointer(#p).ok() }
        }
        OutputSource::Header(h) => quote! { response.header_output(#h).ok() },
        other => {
            let value = output_value(other, ty, callee);
            quote! { Some(#value) }
        }
    }
}

/// The value of one step output, read from `response` (or, for a workflow step, from the
/// callee's outputs in `callee`).
pub(super) fn output_value(
    source: &OutputSource,
    ty: &RustType,
    callee: &TokenStream,
) -> TokenStream {
    match source {
        OutputSource::StatusCode => quote! { response.status() },
        OutputSource::Body(p) => {
            let p = p.clone().unwrap_or_default();
            quote! { response.body_pointer(#p)? }
        }
        OutputSource::BodyText => quote! { response.body_text() },
        OutputSource::XPath31(expr) => quote! {
            ::arazzo_runtime::__private::xpath31::select_one(&response, #expr)?
        },
        OutputSource::BodySelect(query) => quote! {
            ::arazzo_runtime::__private::jsonpath::select_body(&response, #query)?
        },
        OutputSource::MessagePayloadSelect(step, query) => quote! {
            ::arazzo_runtime::__private::jsonpath::select_payload(&message, #step, #query)?
        },
        OutputSource::Header(h) => quote! { response.header_output(#h)? },
        OutputSource::Callee(field, None) => {
            let f = format_ident!("{}", field);
            if is_copy_type(ty) {
                quote! { #callee.#f }
            } else {
                quote! { #callee.#f.clone() }
            }
        }
        OutputSource::Callee(field, Some(p)) => {
            let f = format_ident!("{}", field);
            quote! { ::arazzo_runtime::__private::param::json_at(&#callee.#f, #p) }
        }
        OutputSource::MessagePayload(step, p) => {
            let p = p.clone().unwrap_or_default();
            quote! { message.payload_pointer(#step, #p)? }
        }
        OutputSource::MessageHeader(step, h) => {
            let p = format!("/{}", crate::pointer::escape_token(h));
            quote! { message.header_pointer(#step, #p)? }
        }
        OutputSource::Value(v) => value_owned(v, false),
    }
}
