//! A step's request as a builder chain on `arazzo_runtime::Client`: path, parameters, body,
//! then `send`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::values::{needs_json, serialize_ref, step_ref, value_arg, value_ref};
use crate::plan::{
    BodyPlan, JsonValue, ParamLocation, ParamPlan, ParamStyle, PathPart, Plan, RequestPlan,
    SchemePlan, TemplatePart, ValueExpr, WireStyle as Style,
};

/// The statement a step's request needs first (`let path = ...;` for a path built from values,
/// so that the request reads on one line), and the request sent,
/// `client.request(...)...send("step").await`: an expression of type `Result<Response, _>`.
pub(super) fn send_result(plan: &Plan, id: &str, r: &RequestPlan) -> (TokenStream, TokenStream) {
    let source = &plan.sources[r.source];
    let source_name = &source.name;
    let base = match &r.base {
        Some(url) => quote! { #url },
        None => {
            let c = format_ident!("{}", source.const_name);
            quote! { #c }
        }
    };
    let method = format_ident!("{}", r.method);
    let (prelude, path) = match path(&r.path, id) {
        Path::Literal(l) => (TokenStream::new(), quote! { #l }),
        Path::Built(built) => (quote! { let path = #built; }, quote! { &path }),
    };
    let params = r.params.iter().map(param);
    let body = r.body.as_ref().map(|b| body(b, id));
    let security = security(&r.security);
    let (operation, template) = &r.operation;
    let request = quote! {
        client
            .request(::arazzo_runtime::__private::Method::#method, #source_name, #base, #path)
            .operation(#operation, #template)
            #(#params)*
            #body
            #security
            .send(#id)
    };
    // A 1.1 `timeout` bounds the request with its response body; past it the step fails
    // with `WorkflowError::Timeout`.
    let send = match r.timeout_ms {
        None => quote! { #request.await },
        Some(ms) => quote! {
            ::arazzo_runtime::__private::timeout::within(#id, #ms, #request).await
        },
    };
    (prelude, send)
}

/// The statements before the request and the request sent, failing the workflow on error.
pub(super) fn send(plan: &Plan, id: &str, r: &RequestPlan) -> (TokenStream, TokenStream) {
    let (prelude, send) = send_result(plan, id, r);
    (prelude, quote! { #send? })
}

/// `.security(&[&[("scheme", SchemeKind::...)], ...])`: static data the runtime matches
/// against the client's credentials.
fn security(requirements: &[Vec<(String, SchemePlan)>]) -> Option<TokenStream> {
    if requirements.is_empty() {
        return None;
    }
    let list = requirements_tokens(requirements);
    Some(quote! { .security(#list) })
}

/// The runtime's `Requirements`: `&[&[("scheme", SchemeKind::...)], ...]`.
pub(super) fn requirements_tokens(requirements: &[Vec<(String, SchemePlan)>]) -> TokenStream {
    let p = quote! { ::arazzo_runtime };
    let alternatives = requirements.iter().map(|req| {
        let schemes = req.iter().map(|(name, kind)| {
            let kind = match kind {
                SchemePlan::ApiKey { name, location } => {
                    let loc = match location {
                        ParamLocation::Header => quote! { Header },
                        // An API key is never the whole query string (the plan builds none).
                        ParamLocation::Query | ParamLocation::QueryString(_) => quote! { Query },
                        ParamLocation::Cookie => quote! { Cookie },
                    };
                    quote! { #p::SchemeKind::ApiKey { name: #name, location: #p::KeyLocation::#loc } }
                }
                SchemePlan::Basic => quote! { #p::SchemeKind::Basic },
                SchemePlan::Bearer => quote! { #p::SchemeKind::Bearer },
            };
            quote! { (#name, #kind) }
        });
        quote! { &[#(#schemes),*] }
    });
    quote! { &[#(#alternatives),*] }
}

/// The runtime's `Style`.
fn style_tokens(style: Style) -> TokenStream {
    let s = match style {
        Style::Simple => quote! { Simple },
        Style::Label => quote! { Label },
        Style::Matrix => quote! { Matrix },
        Style::Form => quote! { Form },
        Style::SpaceDelimited => quote! { SpaceDelimited },
        Style::PipeDelimited => quote! { PipeDelimited },
        Style::DeepObject => quote! { DeepObject },
    };
    quote! { ::arazzo_runtime::__private::param::Style::#s }
}

/// The value as `&serde_json::Value`, for the style serialisers (an absent optional is `null`).
fn json_ref(v: &ValueExpr) -> TokenStream {
    if let ValueExpr::Literal(j) = v {
        let j = super::values::json_tokens(j);
        return quote! { &#j };
    }
    let r = serialize_ref(v);
    quote! { &::arazzo_runtime::__private::param::to_json(#r) }
}

/// An absent-able value as an `Option<&T>` expression: an optional input or an optional step
/// output (one the response may lack), read whole. The one rule for absent values (README,
/// Decisions) is applied through it in every location: a query, header, cookie or
/// querystring parameter, a JSON member, a form field or a multipart part is left out; a path
/// fails the step (see [`present`]). `None` for a value that is always there.
fn optional_ref(v: &ValueExpr) -> Option<TokenStream> {
    if !v.ty().is_option() {
        return None;
    }
    match v {
        ValueExpr::Input {
            field,
            pointer: None,
            ..
        } => {
            let f = format_ident!("{}", field);
            Some(quote! { inputs.#f.as_ref() })
        }
        ValueExpr::StepOutput {
            var,
            pointer: None,
            unset: None,
            ..
        } => {
            let v = format_ident!("{}", var);
            Some(quote! { #v.as_ref() })
        }
        ValueExpr::StepOutput {
            var,
            pointer: None,
            unset,
            ..
        } => {
            let r = step_ref(var, unset);
            Some(quote! { #r.as_ref() })
        }
        _ => None,
    }
}

/// An optional path value, unwrapped: an absent value fails the step (a path cannot leave a
/// segment out).
fn present(v: &ValueExpr, step: &str) -> TokenStream {
    let (value, name) = match v {
        ValueExpr::Input { field, .. } => {
            let f = format_ident!("{}", field);
            (quote! { inputs.#f.as_ref() }, field.clone())
        }
        ValueExpr::StepOutput {
            var, unset: None, ..
        } => {
            let v = format_ident!("{}", var);
            (quote! { #v.as_ref() }, var.clone())
        }
        ValueExpr::StepOutput { var, unset, .. } => {
            let r = step_ref(var, unset);
            (quote! { #r.as_ref() }, var.clone())
        }
        other => (value_arg(other), String::new()),
    };
    quote! { ::arazzo_runtime::__private::flow::present(#value, #step, #name)? }
}

/// A request path: as written, or built from literal pieces and parameter values.
pub(super) enum Path {
    /// A literal path.
    Literal(String),
    /// An expression of type `String`.
    Built(TokenStream),
}

pub(super) fn path(parts: &[PathPart], step: &str) -> Path {
    if let [PathPart::Literal(l)] = parts {
        return Path::Literal(l.clone());
    }
    let pieces = parts.iter().map(|p| match p {
        PathPart::Literal(l) => quote! { #l },
        PathPart::Param(v) if v.ty().is_option() => {
            let present = present(v, step);
            quote! { &::arazzo_runtime::__private::param::path_segment(#present) }
        }
        PathPart::Param(v) => {
            let r = value_arg(v);
            quote! { &::arazzo_runtime::__private::param::path_segment(#r) }
        }
        PathPart::Styled { name, style, value } => {
            let s = style_tokens(style.style);
            let explode = style.explode;
            let v = if value.ty().is_option() {
                let present = present(value, step);
                quote! { &::arazzo_runtime::__private::param::to_json(#present) }
            } else {
                json_ref(value)
            };
            quote! { &::arazzo_runtime::__private::param::path_styled(#s, #explode, #name, #v) }
        }
    });
    Path::Built(quote! { [#(#pieces),*].concat() })
}

pub(super) fn param(p: &ParamPlan) -> TokenStream {
    let name = &p.name;
    // A form query string is sent as written, so what a template interpolates is
    // form-encoded first: a value's `&` or `=` cannot start another pair.
    // Likewise a JSON one escapes what it interpolates as the inside of a JSON string.
    if let ParamLocation::QueryString(media_type) = &p.location
        && let ValueExpr::Template(parts) = &p.value
        && (is_form(media_type) || is_json(media_type))
    {
        let escape = if is_form(media_type) {
            quote! { form_component }
        } else {
            quote! { json_component }
        };
        let pieces = parts.iter().map(|part| match part {
            TemplatePart::Text(t) => quote! { #t },
            TemplatePart::Value(v) => {
                let r = value_ref(v);
                quote! { &::arazzo_runtime::__private::param::#escape(#r) }
            }
        });
        return quote! { .query_string(#media_type, [#(#pieces),*].concat()) };
    }
    if let Some(ParamStyle { style, explode }) = p.styled {
        let v = json_ref(&p.value);
        return match &p.location {
            // A querystring parameter is never styled (the plan leaves `styled` unset).
            ParamLocation::Query | ParamLocation::QueryString(_) => {
                let s = style_tokens(style);
                quote! { .query_styled(#name, #s, #explode, #v) }
            }
            ParamLocation::Header => quote! { .header_styled(#name, #explode, #v) },
            ParamLocation::Cookie => quote! { .cookie_styled(#name, #explode, #v) },
        };
    }
    let absent_able = optional_ref(&p.value);
    let optional = absent_able.is_some();
    let value = match absent_able {
        Some(r) if needs_json(&p.value.ty()) => {
            quote! { #r.map(::arazzo_runtime::__private::param::to_json) }
        }
        Some(r) => r,
        None => value_arg(&p.value),
    };
    if p.json_text {
        let text = if optional {
            quote! { #value.map(::arazzo_runtime::__private::param::json_text) }
        } else {
            let r = value_ref(&p.value);
            quote! { ::arazzo_runtime::__private::param::json_text(#r) }
        };
        return located(&p.location, name, text, optional);
    }
    match (&p.location, &p.array, optional) {
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
                quote! { #value.map(|items| ::arazzo_runtime::__private::param::join(items, #sep)) }
            } else {
                quote! { ::arazzo_runtime::__private::param::join(#value, #sep) }
            };
            located(loc, name, joined, opt)
        }
        (loc, None, opt) => located(loc, name, value, opt),
    }
}

/// Whether a media type is `application/x-www-form-urlencoded` (parameters ignored).
fn is_form(media_type: &str) -> bool {
    media_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .eq_ignore_ascii_case("application/x-www-form-urlencoded")
}

/// Whether a media type is JSON: `application/json` or a `+json` suffix (parameters ignored).
fn is_json(media_type: &str) -> bool {
    let essence = media_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json" || essence.ends_with("+json")
}

fn located(loc: &ParamLocation, name: &str, value: TokenStream, optional: bool) -> TokenStream {
    match (loc, optional) {
        (ParamLocation::QueryString(media_type), false) => {
            quote! { .query_string(#media_type, #value) }
        }
        (ParamLocation::QueryString(media_type), true) => {
            quote! { .query_string_opt(#media_type, #value) }
        }
        (ParamLocation::Query, false) => quote! { .query(#name, #value) },
        (ParamLocation::Query, true) => quote! { .query_opt(#name, #value) },
        (ParamLocation::Header, false) => quote! { .header(#name, #value) },
        (ParamLocation::Header, true) => quote! { .header_opt(#name, #value) },
        (ParamLocation::Cookie, false) => quote! { .cookie(#name, #value) },
        (ParamLocation::Cookie, true) => quote! { .cookie_opt(#name, #value) },
    }
}

fn body(b: &BodyPlan, step: &str) -> TokenStream {
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
                JsonValue::Expr(e) => serialize_ref(e),
                other => {
                    let j = json_value(other);
                    quote! { &#j }
                }
            };
            quote! { .json_body(#content_type, #v) }
        }
        BodyPlan::JsonReplaced {
            content_type,
            base,
            replacements,
        } => {
            let base = json_value(base);
            let pairs = replacements.iter().map(|(target, v)| {
                let v = json_value(v);
                quote! { (#target, #v) }
            });
            quote! { .json_body_replaced(#content_type, #base, [#(#pairs),*]) }
        }
        BodyPlan::MultipartValue(v) => {
            let v = json_ref(v);
            quote! { .multipart_object(#v) }
        }
        BodyPlan::Multipart(parts) => {
            let part = quote! { ::arazzo_runtime::__private::param::Part };
            let parts = parts.iter().map(|(k, j)| {
                let value = match j {
                    JsonValue::Expr(e) if let Some(r) = optional_ref(e) => {
                        quote! { #r.map(#part::value) }
                    }
                    JsonValue::Expr(other) => {
                        let r = value_ref(other);
                        quote! { Some(#part::value(#r)) }
                    }
                    JsonValue::Literal(serde_json::Value::String(s)) => {
                        quote! { Some(#part::Text(#s.to_owned())) }
                    }
                    other => {
                        let j = json_value(other);
                        quote! { Some(#part::Json(#j)) }
                    }
                };
                quote! { (#k, #value) }
            });
            quote! { .multipart_body([#(#parts),*]) }
        }
        BodyPlan::FormValue(v) => {
            let r = serialize_ref(v);
            let rt = quote! { ::arazzo_runtime::__private };
            // Members as fields; a `null` member is absent, so left out (as in a literal form).
            quote! {
                .form_body(
                    match #rt::param::to_json(#r) {
                        #rt::serde_json::Value::Object(members) => Ok(members),
                        _ => Err(::arazzo_runtime::WorkflowError::Request {
                            step: #step,
                            message: "the form payload is not a JSON object".to_owned(),
                        }),
                    }?
                    .iter()
                    .map(|(name, value)| {
                        (
                            name.as_str(),
                            (!value.is_null())
                                .then(|| #rt::param::ParamValue::to_param(value).into_owned()),
                        )
                    }),
                )
            }
        }
        BodyPlan::Form(fields) => {
            let pairs = fields.iter().map(|(k, v)| {
                let value = match v {
                    v if let Some(r) = optional_ref(v) => {
                        quote! { #r.map(|v| ::arazzo_runtime::__private::param::ParamValue::to_param(v).into_owned()) }
                    }
                    other => {
                        let r = value_ref(other);
                        quote! { Some(::arazzo_runtime::__private::param::ParamValue::to_param(#r).into_owned()) }
                    }
                };
                quote! { (#k, #value) }
            });
            quote! { .form_body([#(#pairs),*]) }
        }
    }
}

/// A JSON payload: literal parts built directly, expressions serialised.
pub(super) fn json_value(j: &JsonValue) -> TokenStream {
    match j {
        JsonValue::Literal(v) => super::values::json_tokens(v),
        JsonValue::Expr(v) => {
            let r = serialize_ref(v);
            quote! { ::arazzo_runtime::__private::param::to_json(#r) }
        }
        JsonValue::Object(members) => {
            // An absent value leaves its member out (not `null`), as it leaves a query
            // parameter or form field out.
            let inserts = members.iter().map(|(k, v)| match v {
                JsonValue::Expr(e) if let Some(r) = optional_ref(e) => {
                    quote! {
                        if let Some(value) = #r {
                            map.insert(#k.to_owned(), ::arazzo_runtime::__private::param::to_json(value));
                        }
                    }
                }
                other => {
                    let v = json_value(other);
                    quote! { map.insert(#k.to_owned(), #v); }
                }
            });
            let optional = members
                .iter()
                .any(|(_, v)| matches!(v, JsonValue::Expr(e) if optional_ref(e).is_some()));
            if !optional {
                // Every member is sent: one expression, members in order.
                let members = members.iter().map(|(k, v)| {
                    let v = json_value(v);
                    quote! { (#k, #v) }
                });
                return quote! { ::arazzo_runtime::__private::param::object([#(#members),*]) };
            }
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
