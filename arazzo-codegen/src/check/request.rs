//! A step's request: parameters (path, query, header, cookie) checked against the operation,
//! and the request body against its accepted media types.

use serde_json::Value;

use super::document::{present, report_extra, unsupported};
use super::values::{Context, Scope};
use super::{Cx, Source, one_of, similar};
use crate::diagnostic::Diagnostic;
use crate::load::escape_token;
use crate::model::{Parameter, Step, Workflow};
use crate::openapi::{Location, Operation, Style, schema};
use crate::plan::{
    ArrayStyle, BodyPlan, JsonValue, ParamLocation, ParamPlan, PathPart, RequestPlan, RustType,
    ValueExpr,
};

const PARAMETER_FIELDS: &[&str] = &["name", "in", "value"];

/// Checks and plans the request of a step calling `op` on `sources[source]`.
#[allow(clippy::too_many_arguments)]
pub(super) fn check(
    cx: &mut Cx<'_>,
    sources: &[Source],
    source: usize,
    op: &Operation,
    wf: &Workflow,
    step: &Step,
    wp: &str,
    sp: &str,
    scope: &Scope,
) -> RequestPlan {
    let http_security = sources[source]
        .api
        .as_ref()
        .is_some_and(|api| api.has_http_security(op));

    let params = parameters(cx, wf, step, wp, sp);
    let mut path_values: Vec<(String, ValueExpr)> = Vec::new();
    let mut plans = Vec::new();
    for (p, pointer) in &params {
        let Some(location) = p.location.as_deref() else {
            let declared: Vec<Location> = op
                .parameters
                .iter()
                .filter(|d| d.name == p.name)
                .map(|d| d.location)
                .collect();
            let op_name = op
                .operation_id
                .clone()
                .unwrap_or_else(|| format!("{} {}", op.method, op.path));
            let d = cx.error(
                "missing-parameter-location",
                format!("parameter `{}` has no `in`", p.name),
                &format!("{pointer}/name"),
            );
            d.label = "where does it go?".into();
            d.help = Some(match declared.as_slice() {
                [one] => format!(
                    "`{}` is a {one} parameter of `{op_name}`: add `in: {one}`",
                    p.name
                ),
                _ => "say where it goes: `in: path`, `query`, `header` or `cookie`".to_owned(),
            });
            continue;
        };
        let Some(loc) = parse_location(location) else {
            cx.error(
                "invalid-document",
                format!("`in: {location}` is not a parameter location"),
                &format!("{pointer}/in"),
            )
            .help = Some("use `path`, `query`, `header` or `cookie`".into());
            continue;
        };
        let declared = op.parameters.iter().find(|d| {
            d.location == loc
                && if loc == Location::Header {
                    d.name.eq_ignore_ascii_case(&p.name)
                } else {
                    d.name == p.name
                }
        });
        let authorization = loc == Location::Header
            && p.name.eq_ignore_ascii_case("authorization")
            && http_security;
        if declared.is_none() && !authorization {
            unknown_parameter(cx, op, p, loc, pointer, &sources[source].name);
            continue;
        }
        let Some(value) =
            scope.literal_or_value(cx, &p.value, &format!("{pointer}/value"), Context::Request)
        else {
            continue;
        };
        if loc == Location::Path {
            if value.ty().is_option() {
                // Real documents rarely mark inputs required; the step fails before sending
                // when the value is absent, and the build says so.
                let span = cx.span(&format!("{pointer}/value"));
                cx.push(
                    Diagnostic::warning(
                        "optional-path-parameter",
                        format!("path parameter `{}` comes from an optional input", p.name),
                    )
                    .at(span)
                    .label("may be absent")
                    .help(
                        "make the input required (list it in `inputs.required`) or give it a `default`; \
                         when it is absent the step fails before sending",
                    ),
                );
            }
            path_values.push((p.name.clone(), value));
            continue;
        }
        let array = declared.and_then(|d| {
            let is_array = d
                .schema
                .as_ref()
                .is_some_and(|s| matches!(schema::kind(&mut *cx.files, s), schema::Kind::Array(_)));
            is_array.then(|| ArrayStyle {
                explode: d.explode,
                separator: match d.style {
                    Style::SpaceDelimited => " ".to_owned(),
                    Style::PipeDelimited => "|".to_owned(),
                    _ => ",".to_owned(),
                },
            })
        });
        let array = array.filter(|_| {
            matches!(value.ty().inner(), RustType::Vec(_))
                || matches!(value, ValueExpr::Literal(Value::Array(_)))
        });
        plans.push(ParamPlan {
            name: declared.map_or_else(|| p.name.clone(), |d| d.name.clone()),
            location: match loc {
                Location::Query => ParamLocation::Query,
                Location::Header => ParamLocation::Header,
                _ => ParamLocation::Cookie,
            },
            value,
            array,
        });
    }
    missing_parameters(cx, op, &params, sp);
    let path = path_template(&op.path, &path_values);
    let body = body(cx, op, step, sp, scope);
    RequestPlan {
        source: sources[source].plan_index,
        method: op.method.to_string().to_uppercase(),
        path,
        params: plans,
        body,
    }
}

fn parse_location(s: &str) -> Option<Location> {
    Some(match s {
        "path" => Location::Path,
        "query" => Location::Query,
        "header" => Location::Header,
        "cookie" => Location::Cookie,
        _ => return None,
    })
}

/// Workflow parameters, then the step's (a step parameter replaces a workflow parameter with
/// the same name and location), each with its pointer.
fn parameters(
    cx: &mut Cx<'_>,
    wf: &Workflow,
    step: &Step,
    wp: &str,
    sp: &str,
) -> Vec<(Parameter, String)> {
    let mut out: Vec<(Parameter, String)> = Vec::new();
    let lists = [
        (wf.parameters.as_deref(), format!("{wp}/parameters")),
        (step.parameters.as_deref(), format!("{sp}/parameters")),
    ];
    for (list, base) in lists {
        for (i, raw) in list.into_iter().flatten().enumerate() {
            let pointer = format!("{base}/{i}");
            // A Reusable Object: the component, its `value` overridden.
            let Some(raw) = super::components::resolve(cx, raw, "parameters", &pointer) else {
                continue;
            };
            let p: Parameter = match serde_json::from_value(raw.clone()) {
                Ok(p) => p,
                Err(err) => {
                    cx.error(
                        "invalid-document",
                        format!("invalid parameter: {err}"),
                        &pointer,
                    )
                    .help = Some("a parameter needs `name`, `in` and `value`".into());
                    continue;
                }
            };
            report_extra(
                cx,
                &p.extra,
                &pointer,
                "a Parameter Object",
                PARAMETER_FIELDS,
            );
            out.retain(|(q, _)| !(q.name == p.name && q.location == p.location));
            out.push((p, pointer));
        }
    }
    out
}

fn unknown_parameter(
    cx: &mut Cx<'_>,
    op: &Operation,
    p: &Parameter,
    loc: Location,
    pointer: &str,
    source: &str,
) {
    let same_place: Vec<&str> = op
        .parameters
        .iter()
        .filter(|d| d.location == loc)
        .map(|d| d.name.as_str())
        .collect();
    let elsewhere = op.parameters.iter().find(|d| d.name == p.name);
    let help = if let Some(d) = elsewhere {
        format!(
            "`{}` is a {} parameter: write `in: {}`",
            d.name, d.location, d.location
        )
    } else if let Some(best) = similar(&p.name, same_place.iter().copied()).first() {
        format!("did you mean `{best}`?")
    } else if same_place.is_empty() {
        format!("the operation takes no {loc} parameters")
    } else {
        format!("its {loc} parameters are {}", one_of(&same_place))
    };
    let op_name = op
        .operation_id
        .clone()
        .unwrap_or_else(|| format!("{} {}", op.method, op.path));
    let span = cx.span(&format!("{pointer}/name"));
    cx.push(
        Diagnostic::error(
            "unknown-parameter",
            format!("operation `{op_name}` has no {loc} parameter `{}`", p.name),
        )
        .at(span)
        .label(format!("not declared by `{op_name}` in source `{source}`"))
        .help(help),
    );
}

fn missing_parameters(cx: &mut Cx<'_>, op: &Operation, given: &[(Parameter, String)], sp: &str) {
    // OpenAPI ignores `Accept`, `Content-Type` and `Authorization` header parameters (the
    // media types and security schemes say them), so they are never "missing".
    for d in op
        .parameters
        .iter()
        .filter(|d| d.required && !d.is_reserved_header())
    {
        let supplied = given.iter().any(|(p, _)| {
            let same_name = if d.location == Location::Header {
                p.name.eq_ignore_ascii_case(&d.name)
            } else {
                p.name == d.name
            };
            // A parameter without `in` is reported as such; do not call it missing too.
            same_name
                && (p.location.is_none()
                    || parse_location(p.location.as_deref().unwrap_or_default())
                        == Some(d.location))
        });
        if !supplied {
            let op_name = op
                .operation_id
                .clone()
                .unwrap_or_else(|| format!("{} {}", op.method, op.path));
            let at = if given.iter().any(|(_, ptr)| ptr.starts_with(sp)) {
                format!("{sp}/parameters")
            } else {
                format!("{sp}/stepId")
            };
            let span = cx.key_span(&at);
            cx.push(
                Diagnostic::error("missing-parameter", format!("required {} parameter `{}` of `{op_name}` is not supplied", d.location, d.name))
                    .at(span)
                    .label(format!("`{}` missing here", d.name))
                    .help(format!("add `- {{name: {}, in: {}, value: <value or $inputs.…>}}` to the step's parameters", d.name, d.location)),
            );
        }
    }
}

/// Splits `/api/hubs/{hub}/:send` into literal text and parameter values.
fn path_template(path: &str, values: &[(String, ValueExpr)]) -> Vec<PathPart> {
    let mut parts = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| open + c) else {
            break;
        };
        if open > 0 {
            parts.push(PathPart::Literal(rest[..open].to_owned()));
        }
        let name = &rest[open + 1..close];
        match values.iter().find(|(n, _)| n == name) {
            Some((_, v)) => parts.push(PathPart::Param(v.clone())),
            // Reported as a missing parameter already; keep the template text.
            None => parts.push(PathPart::Literal(rest[open..=close].to_owned())),
        }
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() {
        parts.push(PathPart::Literal(rest.to_owned()));
    }
    parts
}

pub(super) fn is_json(media: &str) -> bool {
    let m = media.split(';').next().unwrap_or_default().trim();
    m == "application/json" || m.ends_with("+json")
}

fn accepts(declared: &str, given: &str) -> bool {
    let d = declared
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let g = given
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    d == g
        || d == "*/*"
        || d.strip_suffix("/*")
            .is_some_and(|prefix| g.split('/').next() == Some(prefix))
}

fn body(cx: &mut Cx<'_>, op: &Operation, step: &Step, sp: &str, scope: &Scope) -> Option<BodyPlan> {
    let bp = format!("{sp}/requestBody");
    let Some(rb) = &step.request_body else {
        if op.request_body.as_ref().is_some_and(|b| b.required) {
            let op_name = op.operation_id.clone().unwrap_or_else(|| op.path.clone());
            cx.error(
                "missing-request-body",
                format!("operation `{op_name}` requires a request body"),
                &format!("{sp}/stepId"),
            )
            .help = Some("add `requestBody: {contentType: ..., payload: ...}` to the step".into());
        }
        return None;
    };
    if present(&rb.replacements) {
        unsupported(cx, &format!("{bp}/replacements"), "`replacements`");
    }
    let accepted: Vec<&str> = op
        .request_body
        .iter()
        .flat_map(|b| b.content.iter().map(|m| m.media_type.as_str()))
        .collect();
    let content_type = match (&rb.content_type, accepted.as_slice()) {
        (Some(ct), _) => ct.clone(),
        (None, [one]) => (*one).to_owned(),
        (None, _) => {
            cx.error(
                "missing-content-type",
                "the request body has no `contentType`",
                &bp,
            )
            .help = Some(if accepted.is_empty() {
                "add `contentType`".to_owned()
            } else {
                format!("add `contentType:` with one of {}", one_of(&accepted))
            });
            return None;
        }
    };
    let op_name = op.operation_id.clone().unwrap_or_else(|| op.path.clone());
    if accepted.is_empty() {
        let pointer = if rb.content_type.is_some() {
            format!("{bp}/contentType")
        } else {
            bp.clone()
        };
        let d = cx.error(
            "unsupported-content-type",
            format!("operation `{op_name}` takes no request body"),
            &pointer,
        );
        d.label = format!("`{op_name}` has no `requestBody`");
        d.help = Some("remove `requestBody`, or call an operation that takes one".into());
        return None;
    }
    if !accepted.iter().any(|a| accepts(a, &content_type)) {
        let d = cx.error(
            "unsupported-content-type",
            format!("operation `{op_name}` does not accept `{content_type}` bodies"),
            &format!("{bp}/contentType"),
        );
        d.label = "not in the operation's `requestBody.content`".into();
        d.help = Some(format!("use {}", one_of(&accepted)));
        return None;
    }
    let media = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if media.starts_with("multipart/") {
        unsupported(
            cx,
            &format!("{bp}/contentType"),
            &format!("a `{media}` request body"),
        );
        return None;
    }
    let pp = format!("{bp}/payload");
    let Some(payload) = &rb.payload else {
        let d = cx.error("missing-payload", "the request body has no `payload`", &bp);
        d.label = "no `payload`".into();
        d.help = Some("add `payload:` with the body to send".into());
        return None;
    };
    let ct = content_type.clone();
    match payload {
        Value::String(text) => {
            let value = scope.value(cx, text, &pp, Context::Request)?;
            if is_json(&media) && !matches!(value, ValueExpr::Literal(_) | ValueExpr::Template(_)) {
                Some(BodyPlan::Json {
                    content_type: ct,
                    value: JsonValue::Expr(value),
                })
            } else {
                Some(BodyPlan::Text {
                    content_type: ct,
                    value,
                })
            }
        }
        Value::Object(map) if media == "application/x-www-form-urlencoded" => {
            let mut fields = Vec::new();
            for (k, v) in map {
                let value = scope.literal_or_value(
                    cx,
                    v,
                    &format!("{pp}/{}", escape_token(k)),
                    Context::Request,
                )?;
                fields.push((k.clone(), value));
            }
            Some(BodyPlan::Form(fields))
        }
        other if is_json(&media) => Some(BodyPlan::Json {
            content_type: ct,
            value: json_value(cx, other, &pp, scope)?,
        }),
        _ => {
            cx.error("unsupported-content-type", format!("a structured payload cannot be sent as `{content_type}`"), &pp).help =
                Some("send a string payload, or use `application/json` / `application/x-www-form-urlencoded`".into());
            None
        }
    }
}

fn json_value(cx: &mut Cx<'_>, v: &Value, pointer: &str, scope: &Scope) -> Option<JsonValue> {
    Some(match v {
        Value::String(text) if text.contains('$') => {
            JsonValue::Expr(scope.value(cx, text, pointer, Context::Request)?)
        }
        Value::Object(map) => {
            let mut members = Vec::new();
            let mut ok = true;
            for (k, item) in map {
                match json_value(cx, item, &format!("{pointer}/{}", escape_token(k)), scope) {
                    Some(j) => members.push((k.clone(), j)),
                    None => ok = false,
                }
            }
            if !ok {
                return None;
            }
            if members
                .iter()
                .all(|(_, j)| matches!(j, JsonValue::Literal(_)))
            {
                JsonValue::Literal(v.clone())
            } else {
                JsonValue::Object(members)
            }
        }
        Value::Array(items) => {
            let mut out = Vec::new();
            for (i, item) in items.iter().enumerate() {
                out.push(json_value(cx, item, &format!("{pointer}/{i}"), scope)?);
            }
            if out.iter().all(|j| matches!(j, JsonValue::Literal(_))) {
                JsonValue::Literal(v.clone())
            } else {
                JsonValue::Array(out)
            }
        }
        other => JsonValue::Literal(other.clone()),
    })
}
