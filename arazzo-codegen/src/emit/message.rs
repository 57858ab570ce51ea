//! Arazzo 1.1 message steps as calls on the runtime's `Connections`: a `send` connects (once
//! per distinct connection) and sends; a `receive` connects and starts listening where it is
//! reached, and is joined (waited for, its criteria tested, its outputs read) where the plan
//! says: before the first step that needs it, else at the workflow's end.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

use super::request::{self, Path};
use super::values::{cond_tokens, negate, serialize_ref, type_tokens, value_arg};
use super::workflow::output_value;
use crate::plan::{ConnectPlan, MessagePart, Plan, ReceivePlan, SendPayload, SendPlan, StepPlan};

/// `let conn = connections.connect(..)...open(step).await?` when the step opens its
/// connection (nothing when an earlier step did), as statements and a future's body.
fn connect(plan: &Plan, id: &str, c: &ConnectPlan, conn: &(String, bool)) -> Option<TokenStream> {
    let (var, opens) = conn;
    if !opens {
        return None;
    }
    let var = format_ident!("{}", var);
    let source = &plan.message_sources[c.source];
    let (name, server) = (&source.name, &source.server);
    let url = format_ident!("{}", source.const_name);
    let (prelude, address) = match request::path(&c.address, id) {
        Path::Literal(l) => (TokenStream::new(), quote! { #l }),
        Path::Built(built) => (quote! { let address = #built; }, quote! { &address }),
    };
    let subprotocol = match &c.subprotocol {
        Some(s) => quote! { Some(#s) },
        None => quote! { None },
    };
    let security = request::requirements_tokens(&c.security);
    let params = c.params.iter().map(request::param);
    Some(quote! {
        #prelude
        let #var = connections
            .connect(::arazzo_runtime::__private::message::Endpoint {
                source: #name,
                server: #server,
                default_url: #url,
                address: #address,
                subprotocol: #subprotocol,
                security: #security,
            })
            #(#params)*
            .open(#id)
            .await?;
    })
}

/// A `send` step: connect if needed, then send (both within the step's `timeout`).
pub(super) fn send(plan: &Plan, id: &str, s: &SendPlan) -> TokenStream {
    let connect = connect(plan, id, &s.connect, &s.conn);
    let var = format_ident!("{}", s.conn.0);
    let message = message(s);
    let send = quote! {
        connections.send(#id, #var, #message).await?;
    };
    match s.timeout_ms {
        None => quote! { #connect #send },
        Some(ms) if s.conn.1 => quote! {
            let #var = ::arazzo_runtime::__private::timeout::within(#id, #ms, async {
                #connect
                #send
                Ok(#var)
            })
            .await?;
        },
        Some(ms) => quote! {
            ::arazzo_runtime::__private::timeout::within(#id, #ms, async {
                #send
                Ok(())
            })
            .await?;
        },
    }
}

/// Where a `receive` step is reached: connect if needed (within its `timeout`), and start
/// listening; nothing waits here.
/// In an arm of the step driver (`in_arm`) the step connects (the runtime reuses a connection
/// an earlier step opened) and the listener goes into its `Option`, declared before the loop.
pub(super) fn receive_start(plan: &Plan, id: &str, r: &ReceivePlan, in_arm: bool) -> TokenStream {
    let conn = (r.conn.0.clone(), r.conn.1 || in_arm);
    let connect = connect(plan, id, &r.connect, &conn);
    let var = format_ident!("{}", r.conn.0);
    let pending = format_ident!("{}", r.pending_var);
    let connect = match (connect, r.timeout_ms) {
        (Some(connect), Some(ms)) => quote! {
            let #var = ::arazzo_runtime::__private::timeout::within(#id, #ms, async {
                #connect
                Ok(#var)
            })
            .await?;
        },
        (connect, _) => quote! { #connect },
    };
    if in_arm {
        return quote! {
            #connect
            #pending = Some(connections.receive(#id, #var));
        };
    }
    quote! {
        #connect
        let #pending = connections.receive(#id, #var);
    }
}

/// Waiting on `pending` (a `Receiving`) for the step's message: a `Result<Message, _>`.
pub(super) fn wait_on(r: &ReceivePlan, pending: TokenStream) -> TokenStream {
    let matcher = matcher(r);
    let timeout = wait_timeout(r);
    quote! { #pending.wait(&#matcher, #timeout).await }
}

/// The join of a `receive` step: the first matching message (within the `timeout` counted
/// from when the step was reached), its criteria (a failed one fails the step), its outputs.
pub(super) fn receive_join(
    s: &StepPlan,
    r: &ReceivePlan,
    used: &std::collections::BTreeSet<String>,
) -> TokenStream {
    let id = &s.id;
    let pending = format_ident!("{}", r.pending_var);
    let matcher = matcher(r);
    let timeout = wait_timeout(r);
    let reads = !s.criteria.is_empty() || !s.outputs.is_empty();
    let binding = if reads {
        quote! { let message = }
    } else {
        quote! {}
    };
    let criteria = s.criteria.iter().map(|c| {
        let failed = cond_tokens(&negate(&c.condition));
        let text = &c.text;
        quote! {
            if #failed {
                return Err(message.criteria_failed(#id, #text));
            }
        }
    });
    let callee = quote! { callee };
    let outputs = s.outputs.iter().map(|o| {
        let ty = type_tokens(&o.ty);
        let value = output_value(&o.source, &o.ty, &callee);
        if used.contains(&o.var) {
            let var = format_ident!("{}", o.var);
            quote! { let #var: #ty = #value; }
        } else {
            // Read and checked even when nothing uses it: a message without it still fails.
            quote! { let _: #ty = #value; }
        }
    });
    quote! {
        #binding #pending.wait(&#matcher, #timeout).await?;
        #(#criteria)*
        #(#outputs)*
    }
}

/// The `Match` a receive waits for: one of the operation's messages, with the correlation id.
fn matcher(r: &ReceivePlan) -> TokenStream {
    let m = quote! { ::arazzo_runtime::__private::message::Match };
    let mut matcher = quote! { #m::any() };
    match r.select.as_slice() {
        [] => {}
        [one] => {
            for (p, v) in one {
                let v = literal(v);
                matcher = quote! { #matcher.payload_eq(#p, #v) };
            }
        }
        several => {
            // Any of the operation's messages: one test per message, OR-ed.
            let alternatives = several.iter().map(|one| {
                let tests: Vec<TokenStream> = one
                    .iter()
                    .map(|(p, v)| {
                        let v = literal(v);
                        quote! { message.payload_pointer_eq(#p, #v) }
                    })
                    .collect();
                match tests.as_slice() {
                    [one] => one.clone(),
                    _ => quote! { (#(#tests)&&*) },
                }
            });
            matcher = quote! { #matcher.filter(|message| #(#alternatives)||*) };
        }
    }
    if let Some((part, p, v)) = &r.correlation {
        let r = serialize_ref(v);
        let v = quote! { ::arazzo_runtime::__private::param::to_json(#r) };
        matcher = match part {
            MessagePart::Payload => quote! { #matcher.payload_eq(#p, #v) },
            MessagePart::Header => quote! { #matcher.header_eq(#p, #v) },
        };
    }
    matcher
}

/// The `timeout_ms` argument of `Receiving::wait`.
fn wait_timeout(r: &ReceivePlan) -> TokenStream {
    match r.timeout_ms {
        Some(ms) => quote! { Some(#ms) },
        None => quote! { None },
    }
}

/// The `Message` a send writes, with its headers.
fn message(s: &SendPlan) -> TokenStream {
    let message = match &s.payload {
        SendPayload::Json(json) => {
            let json = request::json_value(json);
            quote! { ::arazzo_runtime::__private::message::Message::json(#json) }
        }
        SendPayload::Text(text) => {
            let text = value_arg(text);
            quote! {
                ::arazzo_runtime::__private::message::Message::text(
                    ::arazzo_runtime::__private::param::ParamValue::into_text(#text),
                )
            }
        }
        SendPayload::Binary(bytes) => {
            let bytes = value_arg(bytes);
            quote! {
                ::arazzo_runtime::__private::message::Message::binary(
                    ::arazzo_runtime::__private::param::ParamValue::into_text(#bytes)
                        .into_bytes(),
                )
            }
        }
    };
    if s.headers.is_empty() {
        return message;
    }
    let headers = crate::plan::JsonValue::Object(
        s.headers
            .iter()
            .map(|(name, v)| (name.clone(), crate::plan::JsonValue::Expr(v.clone())))
            .collect(),
    );
    let headers = request::json_value(&headers);
    quote! { #message.with_headers(#headers) }
}

/// A `send` in an arm of the step driver (a workflow with actions), as an expression of type
/// `Result<(), WorkflowError>` so that a timeout can run the step's `onFailure` actions. Each
/// arm connects (the runtime reuses a connection an earlier step opened): no step is known to
/// run before another.
pub(super) fn send_in_arm(plan: &Plan, id: &str, s: &SendPlan) -> TokenStream {
    let connect = connect(plan, id, &s.connect, &(s.conn.0.clone(), true));
    let var = format_ident!("{}", s.conn.0);
    let message = message(s);
    let body = quote! {
        #connect
        connections.send(#id, #var, #message).await?;
        ::core::result::Result::<(), ::arazzo_runtime::WorkflowError>::Ok(())
    };
    match s.timeout_ms {
        None => quote! { async { #body }.await },
        Some(ms) => quote! {
            ::arazzo_runtime::__private::timeout::within(#id, #ms, async { #body }).await
        },
    }
}

/// A `receive` in an arm of the step driver: connect (within the step's `timeout`), listen and
/// wait for the message where the step is reached, as an expression of type
/// `Result<Message, WorkflowError>`; `check` allows this only where no step runs between
/// reaching the receive and joining it.
pub(super) fn receive_in_arm(plan: &Plan, id: &str, r: &ReceivePlan) -> TokenStream {
    let connect = connect(plan, id, &r.connect, &(r.conn.0.clone(), true));
    let var = format_ident!("{}", r.conn.0);
    let connect = match r.timeout_ms {
        Some(ms) => quote! {
            let #var = ::arazzo_runtime::__private::timeout::within(#id, #ms, async {
                #connect
                Ok(#var)
            })
            .await?;
        },
        None => quote! { #connect },
    };
    let matcher = matcher(r);
    let timeout = wait_timeout(r);
    quote! {
        async {
            #connect
            connections.receive(#id, #var).wait(&#matcher, #timeout).await
        }
        .await
    }
}

/// A schema constant as an `impl Into<Value>` argument.
fn literal(v: &Value) -> TokenStream {
    match v {
        Value::String(s) => quote! { #s },
        Value::Bool(b) => quote! { #b },
        other => super::values::json_tokens(other),
    }
}
