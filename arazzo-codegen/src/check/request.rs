//! A step's request: parameters (path, query, header, cookie) checked against the operation,
//! and the request body against its accepted media types.

use serde_json::Value;

use super::document::{present, report_extra, unsupported};
use super::types;
use super::values::{Context, Scope};
use super::{Cx, Source};
use crate::diagnostic::Diagnostic;
use crate::model::{Parameter, Step, Workflow};
use crate::openapi::{Location, OpenApi, Operation, SecuritySchemeKind, Style, schema};
use crate::plan::{
    ArrayStyle, BodyPlan, JsonValue, ParamLocation, ParamPlan, ParamStyle, PathPart, RequestPlan,
    RustType, SchemePlan, ValueExpr, WireStyle,
};
use crate::pointer::escape_token;
use crate::suggest::{one_of, similar};

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
    let mut path_values: Vec<(String, PathPart)> = Vec::new();
    let mut plans = Vec::new();
    for (p, pointer) in &params {
        let Some(location) = p.location.as_deref() else {
            let declared: Vec<Location> = op
                .parameters
                .iter()
                .filter(|d| d.name == p.name)
                .map(|d| d.location)
                .collect();
            let op_name = op.name();
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
        // `querystring` is a location of Arazzo 1.1 (and OpenAPI 3.2) only.
        let loc = if location == "querystring" && cx.version == super::Version::V1_1 {
            Some(Location::QueryString)
        } else {
            parse_location(location)
        };
        let Some(loc) = loc else {
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
        // An API key the operation's `apiKey` security scheme asks for: documents pass keys
        // as ordinary parameters.
        let api_key = sources[source]
            .api
            .as_ref()
            .is_some_and(|api| is_api_key(api, op, &p.name, loc));
        if declared.is_none() && !authorization && !api_key {
            // Real APIs take headers (and query or cookie parameters) their descriptions omit,
            // vendor version headers above all: sent as written, with a warning. A path
            // parameter, the whole query string, or a name the operation declares in another
            // place cannot be sent so.
            let elsewhere = op.parameters.iter().any(|d| d.name == p.name);
            let sendable = matches!(loc, Location::Query | Location::Header | Location::Cookie);
            if !sendable || elsewhere {
                unknown_parameter(cx, op, p, loc, pointer, &sources[source].name);
                continue;
            }
            undeclared_parameter(cx, op, p, loc, pointer, &sources[source].name);
        }
        let Some(value) =
            scope.parameter_value(cx, &p.value, &format!("{pointer}/value"), Context::Request)
        else {
            continue;
        };
        // OpenAPI ignores the definitions of `Accept`, `Content-Type` and `Authorization`
        // headers, so their schemas type nothing.
        if let Some(d) =
            declared.filter(|d| loc != Location::QueryString && !d.is_reserved_header())
            && let Some(schema) = &d.schema
        {
            let what = format!("{} parameter `{}` of `{}`", loc.as_str(), d.name, op.name());
            if let Some(target) = types::Target::schema(cx, schema, what, true) {
                types::check(
                    cx,
                    scope,
                    &value,
                    &p.value,
                    &format!("{pointer}/value"),
                    &target,
                );
            }
        }
        if loc == Location::QueryString {
            if let Some(d) = declared {
                plans.extend(query_string(cx, d, value, pointer));
            }
            continue;
        }
        if loc == Location::Path {
            if value.ty().is_option() {
                // Real documents rarely mark inputs required; the step fails before sending
                // when the value is absent, and the build says so.
                let span = cx.span(&format!("{pointer}/value"));
                let written = p.value.as_str().unwrap_or_default();
                let (message, help) = match &value {
                    ValueExpr::StepOutput { .. } => (
                        format!(
                            "path parameter `{}` comes from step output `{written}`, which the response may lack",
                            p.name
                        ),
                        "the OpenAPI response schema does not require the property (or allows \
                         `null`), so the output is an `Option`; when the response lacks it the step \
                         fails before sending. If the API always returns it, mark it `required` (and \
                         not nullable) in the OpenAPI schema"
                            .to_owned(),
                    ),
                    _ => (
                        format!(
                            "path parameter `{}` comes from an optional input (`{written}`)",
                            p.name
                        ),
                        "make the input required (list it in `inputs.required`) or give it a `default`; \
                         when it is absent the step fails before sending"
                            .to_owned(),
                    ),
                };
                cx.push(
                    Diagnostic::warning("optional-path-parameter", message)
                        .at(span)
                        .label("may be absent")
                        .help(help),
                );
            }
            let part = match declared {
                Some(d) if d.style != Style::Simple || is_structured(cx, d, &value) => {
                    PathPart::Styled {
                        name: d.name.clone(),
                        style: ParamStyle {
                            style: wire_style(d.style),
                            explode: d.explode,
                        },
                        value,
                    }
                }
                _ => PathPart::Param(value),
            };
            path_values.push((p.name.clone(), part));
            continue;
        }
        let kind = declared.and_then(|d| d.schema.as_ref()).map(|s| cx.kind(s));
        let value_is_list = matches!(value.ty().inner(), RustType::Vec(_))
            || matches!(value, ValueExpr::Literal(Value::Array(_)));
        if let Some(d) = declared.filter(|d| d.style == Style::DeepObject) {
            let not_object = match &kind {
                Some(schema::Kind::Object | schema::Kind::Any) | None => value_is_list,
                Some(_) => true,
            };
            if not_object {
                let d_name = d.name.clone();
                let e = cx.error(
                    "unsupported-parameter-style",
                    format!("query parameter `{d_name}` has `style: deepObject`, which serialises objects only"),
                    &format!("{pointer}/value"),
                );
                e.label = "not an object".into();
                e.help = Some(
                    "OpenAPI defines `deepObject` for objects: give the parameter an object schema and value, or use `form`"
                        .into(),
                );
                continue;
            }
        }
        // `content` parameters are serialised by their media type, not by `style`.
        let content_json = declared.is_some_and(|d| {
            let (file, at) = &d.pointer;
            cx.files
                .value(*file)
                .pointer(at)
                .and_then(|p| p.get("content"))
                .and_then(Value::as_object)
                .is_some_and(|c| c.keys().any(|m| is_json(m)))
        });
        let styled = declared
            .filter(|_| !content_json)
            .filter(|d| {
                let object = matches!(kind, Some(schema::Kind::Object))
                    || (matches!(kind, None | Some(schema::Kind::Any))
                        && matches!(value.ty().inner(), RustType::Named(_) | RustType::Json));
                let json_list = matches!(kind, Some(schema::Kind::Array(_))) && !value_is_list;
                let exploded_cookie_list = loc == Location::Cookie && d.explode && value_is_list;
                d.style == Style::DeepObject || object || json_list || exploded_cookie_list
            })
            .map(|d| ParamStyle {
                style: wire_style(d.style),
                explode: d.explode,
            });
        let array = declared
            .filter(|_| styled.is_none() && !content_json)
            .and_then(|d| {
                let is_array = matches!(kind, Some(schema::Kind::Array(_)))
                    || (matches!(kind, None | Some(schema::Kind::Any)) && value_is_list);
                is_array.then(|| ArrayStyle {
                    explode: d.explode,
                    separator: match d.style {
                        Style::SpaceDelimited => " ".to_owned(),
                        Style::PipeDelimited => "|".to_owned(),
                        _ => ",".to_owned(),
                    },
                })
            });
        let array = array.filter(|_| value_is_list);
        plans.push(ParamPlan {
            name: declared.map_or_else(|| p.name.clone(), |d| d.name.clone()),
            location: match loc {
                Location::Query => ParamLocation::Query,
                Location::Header => ParamLocation::Header,
                _ => ParamLocation::Cookie,
            },
            value,
            array,
            styled,
            json_text: content_json,
        });
    }
    missing_parameters(cx, op, &params, sp);
    let path = path_template(&op.path, path_values);
    let body = body(cx, op, step, sp, scope);
    if let Some(planned) = &body {
        body_types(cx, scope, op, step, sp, planned);
    }
    let (base, security) = match &sources[source].api {
        Some(api) => (operation_base(api, op), security(api, op)),
        None => (None, Vec::new()),
    };
    RequestPlan {
        source: sources[source].plan_index,
        method: op.method.to_string().to_uppercase(),
        base,
        operation: (op.name(), op.path.clone()),
        path,
        params: plans,
        body,
        security,
        timeout_ms: step.timeout,
    }
}

/// An `in: querystring` parameter: the whole query, one value in the format of the OpenAPI
/// parameter's `content` media type (its only entry, as OpenAPI requires), sent by the
/// runtime's `query_string`. Arazzo says the value "MUST resolve to a string": an array or
/// object (literal or typed) is an error rather than a guess at its serialisation.
fn query_string(
    cx: &mut Cx<'_>,
    d: &crate::openapi::Parameter,
    value: ValueExpr,
    pointer: &str,
) -> Option<ParamPlan> {
    let structured = matches!(
        value,
        ValueExpr::Literal(Value::Array(_) | Value::Object(_))
    ) || matches!(
        value.ty().inner(),
        RustType::Vec(_) | RustType::Named(_) | RustType::Json
    );
    if structured {
        let e = cx.error(
            "invalid-parameter-value",
            format!(
                "querystring parameter `{}` must be a string: the whole query string",
                d.name
            ),
            &format!("{pointer}/value"),
        );
        e.label = "not a string".into();
        e.help = Some(
            "write the query string itself, e.g. `value: \"a={$inputs.a}&b=2\"`, or for a JSON \
             `content` its JSON text in quotes: `value: '{\"a\":1}'`"
                .into(),
        );
        return None;
    }
    let (file, at) = &d.pointer;
    let media_type = cx
        .files
        .value(*file)
        .pointer(at)
        .and_then(|p| p.get("content"))
        .and_then(Value::as_object)
        .and_then(|c| c.keys().next().cloned())
        // OpenAPI 3.2 requires `content`; its reader already reported one without it.
        .unwrap_or_else(|| "application/x-www-form-urlencoded".to_owned());
    Some(ParamPlan {
        name: d.name.clone(),
        location: ParamLocation::QueryString(media_type),
        value,
        array: None,
        styled: None,
        json_text: false,
    })
}

/// Whether `name` in `loc` is where one of the operation's `apiKey` schemes sends its key.
fn is_api_key(api: &OpenApi, op: &Operation, name: &str, loc: Location) -> bool {
    api.security_for(op).iter().flatten().any(|scheme| {
        api.security_scheme(scheme).is_some_and(|s| match &s.kind {
            SecuritySchemeKind::ApiKey {
                name: key,
                location,
            } => {
                *location == loc
                    && if loc == Location::Header {
                        key.eq_ignore_ascii_case(name)
                    } else {
                        key == name
                    }
            }
            _ => false,
        })
    })
}

/// Whether a path parameter's value is an array or object (by schema, else by Rust type), so
/// it goes through the runtime's style serialiser rather than as one segment.
fn is_structured(cx: &mut Cx<'_>, d: &crate::openapi::Parameter, value: &ValueExpr) -> bool {
    let kind = d.schema.as_ref().map(|s| cx.kind(s));
    match kind {
        Some(schema::Kind::Array(_) | schema::Kind::Object) => true,
        None | Some(schema::Kind::Any) => matches!(
            value.ty().inner(),
            RustType::Vec(_) | RustType::Named(_) | RustType::Json
        ),
        Some(_) => false,
    }
}

/// The operation's first server (operation-level, else path-level), variables filled with
/// their defaults, when it differs from the document's first server.
fn operation_base(api: &OpenApi, op: &Operation) -> Option<String> {
    let own = op.servers.first()?.default_url();
    let root = api.servers.first().map(|s| s.default_url());
    (root.as_deref() != Some(own.as_str())).then_some(own)
}

/// The operation's security requirements in the runtime's terms. A requirement naming a
/// scheme the runtime cannot send (digest, mutualTLS, an unknown name) is left out, so a
/// client never half-satisfies it; `{}` (no authentication) stays as an empty requirement.
fn security(api: &OpenApi, op: &Operation) -> Vec<Vec<(String, SchemePlan)>> {
    let mut out = Vec::new();
    'requirements: for requirement in api.security_for(op) {
        let mut schemes = Vec::new();
        for name in requirement {
            let Some(scheme) = api.security_scheme(name) else {
                continue 'requirements;
            };
            let plan = match &scheme.kind {
                SecuritySchemeKind::ApiKey { name, location } => SchemePlan::ApiKey {
                    name: name.clone(),
                    location: match location {
                        Location::Query => ParamLocation::Query,
                        Location::Cookie => ParamLocation::Cookie,
                        _ => ParamLocation::Header,
                    },
                },
                SecuritySchemeKind::HttpBasic => SchemePlan::Basic,
                SecuritySchemeKind::HttpBearer { .. }
                | SecuritySchemeKind::OAuth2
                | SecuritySchemeKind::OpenIdConnect => SchemePlan::Bearer,
                _ => continue 'requirements,
            };
            schemes.push((name.clone(), plan));
        }
        out.push(schemes);
    }
    // Only "no authentication" left: nothing to send.
    if out.iter().all(Vec::is_empty) {
        out.clear();
    }
    out
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
pub(super) fn parameters(
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
    let same_place = declared_in(op, loc);
    let elsewhere = op.parameters.iter().find(|d| d.name == p.name);
    let help = if let Some(d) = elsewhere {
        format!(
            "`{}` is a {} parameter: write `in: {}`",
            d.name, d.location, d.location
        )
    } else if let Some(best) = similar(&p.name, &same_place).first() {
        format!("did you mean `{best}`?")
    } else if same_place.is_empty() {
        format!("the operation takes no {loc} parameters")
    } else {
        format!("its {loc} parameters are {}", one_of(&same_place))
    };
    let op_name = op.name();
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

/// The names of the parameters `op` declares in `loc`, for "did you mean" and the help lines.
fn declared_in(op: &Operation, loc: Location) -> Vec<&str> {
    op.parameters
        .iter()
        .filter(|d| d.location == loc)
        .map(|d| d.name.as_str())
        .collect()
}

/// The warning for a query, header or cookie parameter the operation does not declare, which
/// is sent as written.
fn undeclared_parameter(
    cx: &mut Cx<'_>,
    op: &Operation,
    p: &Parameter,
    loc: Location,
    pointer: &str,
    source: &str,
) {
    let same_place = declared_in(op, loc);
    let op_name = op.name();
    let help = match similar(&p.name, &same_place).first() {
        Some(best) => format!("did you mean `{best}`? If not, the parameter is sent as written"),
        None => format!(
            "if the API takes it, it is sent as written; else remove it (or declare it in the \
             OpenAPI description of `{source}`)"
        ),
    };
    let span = cx.span(&format!("{pointer}/name"));
    cx.push(
        Diagnostic::warning(
            "undeclared-parameter",
            format!(
                "operation `{op_name}` declares no {loc} parameter `{}`; it is sent as written",
                p.name
            ),
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
            let location = match p.location.as_deref() {
                Some("querystring") => Some(Location::QueryString),
                other => parse_location(other.unwrap_or_default()),
            };
            same_name && (p.location.is_none() || location == Some(d.location))
        });
        if !supplied {
            let op_name = op.name();
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
pub(super) fn path_template(path: &str, values: Vec<(String, PathPart)>) -> Vec<PathPart> {
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
            Some((_, part)) => parts.push(part.clone()),
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
    if media.starts_with("multipart/") && media != "multipart/form-data" {
        unsupported(
            cx,
            &format!("{bp}/contentType"),
            &format!("a `{media}` request body (only `multipart/form-data` is)"),
        );
        return None;
    }
    let pp = format!("{bp}/payload");
    let Some(raw_payload) = &rb.payload else {
        let d = cx.error("missing-payload", "the request body has no `payload`", &bp);
        d.label = "no `payload`".into();
        d.help = Some("add `payload:` with the body to send".into());
        return None;
    };
    let ct = content_type.clone();
    let replacements = if present(&rb.replacements) {
        replacements(cx, rb.replacements.as_ref(), &bp, &media)?
    } else {
        Vec::new()
    };
    // Replacements into a literal payload are applied here; their values may be expressions,
    // which the payload's own expression handling then computes at run time.
    let expression_payload = matches!(raw_payload, Value::String(_));
    let mut owned;
    let payload = if replacements.is_empty() || expression_payload {
        raw_payload
    } else {
        owned = raw_payload.clone();
        for (i, (target, value)) in replacements.iter().enumerate() {
            // A JSONPath query replaces every node it selects in the payload as it stands.
            let pointers = if target.starts_with('$') {
                crate::criteria::jsonpath::located_pointers(target, &owned)
            } else {
                vec![target.clone()]
            };
            if pointers.is_empty() {
                replacement_missing(cx, &bp, i, target);
                return None;
            }
            for pointer in pointers {
                if pointer_set(&mut owned, &pointer, value.clone()).is_err() {
                    replacement_missing(cx, &bp, i, target);
                    return None;
                }
                move_selector(
                    cx,
                    &format!("{bp}/replacements/{i}/value"),
                    &format!("{pp}{pointer}"),
                );
            }
        }
        &owned
    };
    if expression_payload && !replacements.is_empty() {
        if !is_json(&media) {
            let e = cx.error(
                "unsupported-replacement",
                "replacements into a computed non-JSON payload are not supported",
                &format!("{bp}/replacements"),
            );
            e.help =
                Some("write the payload out as a JSON object, or use a JSON media type".into());
            return None;
        }
        let Value::String(text) = raw_payload else {
            return None;
        };
        let base = JsonValue::Expr(scope.value(cx, text, &pp, Context::Request)?);
        let mut planned = Vec::new();
        for (i, (target, value)) in replacements.iter().enumerate() {
            let vp = format!("{bp}/replacements/{i}/value");
            planned.push((target.clone(), json_value(cx, value, &vp, scope)?));
        }
        return Some(BodyPlan::JsonReplaced {
            content_type: ct,
            base,
            replacements: planned,
        });
    }
    match payload {
        Value::Object(map) if media == "multipart/form-data" => {
            let mut parts = Vec::new();
            for (k, v) in map {
                let part = json_value(cx, v, &format!("{pp}/{}", escape_token(k)), scope)?;
                parts.push((k.clone(), part));
            }
            Some(BodyPlan::Multipart(parts))
        }
        Value::String(text) if media == "multipart/form-data" => {
            match scope.value(cx, text, &pp, Context::Request)? {
                ValueExpr::Literal(_) | ValueExpr::Template(_) => {
                    let e = cx.error(
                        "invalid-payload",
                        "a `multipart/form-data` payload must be an object: each member is one part",
                        &pp,
                    );
                    e.help = Some(
                        "write `payload: {field: value, ...}` or `payload: $inputs.<object>`"
                            .into(),
                    );
                    None
                }
                value => Some(BodyPlan::MultipartValue(value)),
            }
        }
        _ if media == "multipart/form-data" => {
            let e = cx.error(
                "invalid-payload",
                "a `multipart/form-data` payload must be an object: each member is one part",
                &pp,
            );
            e.help = Some("write `payload: {field: value, ...}`".into());
            None
        }
        Value::String(text) => {
            let value = scope.value(cx, text, &pp, Context::Request)?;
            let computed = !matches!(value, ValueExpr::Literal(_) | ValueExpr::Template(_));
            // A computed object under a form media type is its members as fields, as the same
            // object written out is; a computed string stays the form text as given.
            if computed
                && media == "application/x-www-form-urlencoded"
                && matches!(value.ty().inner(), RustType::Named(_) | RustType::Json)
            {
                return Some(BodyPlan::FormValue(value));
            }
            if is_json(&media) && computed {
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

/// Type-checks the members of a JSON body and the fields of a form body against the
/// operation's schema for the media type (see [`types`]). A payload with `replacements` is
/// left alone: what is sent is no longer what is written.
fn body_types(
    cx: &mut Cx<'_>,
    scope: &Scope,
    op: &Operation,
    step: &Step,
    sp: &str,
    planned: &BodyPlan,
) {
    let Some(rb) = &step.request_body else {
        return;
    };
    let (Some(raw), false) = (&rb.payload, present(&rb.replacements)) else {
        return;
    };
    let schema_for = |wanted: &str| {
        op.request_body
            .iter()
            .flat_map(|b| b.content.iter())
            .find(|m| accepts(&m.media_type, wanted))
            .and_then(|m| m.schema.clone())
    };
    let pp = format!("{sp}/requestBody/payload");
    let op_name = op.name();
    match planned {
        BodyPlan::Json {
            content_type,
            value,
        } => {
            if let Some(schema) = schema_for(content_type) {
                // Every value of a payload is checked once; the bound keeps a huge literal cheap.
                let mut walk = types::BodyWalk {
                    scope,
                    op_name: &op_name,
                    budget: MAX_TYPED_VALUES,
                };
                walk.json(cx, value, raw, &schema, (&pp, ""));
            }
        }
        BodyPlan::Form(fields) => {
            let Some(schema) = schema_for("application/x-www-form-urlencoded") else {
                return;
            };
            for (name, value) in fields {
                let token = escape_token(name);
                let (Ok(Some(field)), Some(raw_field)) =
                    (cx.at_pointer(&schema, &format!("/{token}")), raw.get(name))
                else {
                    continue;
                };
                let what = format!("form field `{name}` of `{op_name}`");
                if let Some(target) = types::Target::schema(cx, &field, what, true) {
                    types::check(
                        cx,
                        scope,
                        value,
                        raw_field,
                        &format!("{pp}/{token}"),
                        &target,
                    );
                }
            }
        }
        _ => {}
    }
}

/// How many values of one payload are type-checked at most.
const MAX_TYPED_VALUES: usize = 10_000;

/// Reads `replacements` (Payload Replacement Objects): (JSON pointer target, raw value).
/// XPath targets (XML payloads) are not supported.
pub(super) fn replacements(
    cx: &mut Cx<'_>,
    raw: Option<&Value>,
    bp: &str,
    media: &str,
) -> Option<Vec<(String, Value)>> {
    let rp = format!("{bp}/replacements");
    let Some(Value::Array(items)) = raw else {
        cx.error("invalid-document", "`replacements` must be a list", &rp)
            .help = Some("write `replacements: [{target: /json/pointer, value: ...}]`".into());
        return None;
    };
    let xml = media.ends_with("/xml") || media.ends_with("+xml");
    let mut out = Vec::new();
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        let ip = format!("{rp}/{i}");
        let (Some(Value::String(target)), Some(value)) = (item.get("target"), item.get("value"))
        else {
            cx.error(
                "invalid-document",
                "a payload replacement needs a string `target` and a `value`",
                &ip,
            )
            .help = Some("write `{target: /json/pointer, value: ...}`".into());
            return None;
        };
        // 1.1 `targetSelectorType`: a JSON Pointer is used as it is, a JSONPath singular query
        // becomes the pointer of the node it names, any other JSONPath query is kept (it
        // starts with `$`) and replaces every node it selects in a literal payload; anything
        // else is reported below.
        let selector_type = match item.get("targetSelectorType") {
            Some(Value::String(t)) => Some(t.as_str()),
            Some(Value::Object(t)) => t.get("type").and_then(Value::as_str),
            _ => None,
        };
        let converted;
        let mut query = false;
        let target = match selector_type {
            Some("jsonpath") if cx.version == super::Version::V1_1 => {
                match super::selector::singular_pointer(target) {
                    Some(p) => {
                        converted = p;
                        &converted
                    }
                    None => {
                        if let Err((message, help)) = crate::criteria::jsonpath::check(target) {
                            let d = cx.error("invalid-selector", message, &format!("{ip}/target"));
                            d.label = super::selector::JSONPATH_LABEL.into();
                            d.help = help;
                            ok = false;
                            continue;
                        }
                        query = true;
                        target
                    }
                }
            }
            Some("xpath") if cx.version == super::Version::V1_1 => {
                let e = cx.error(
                    "unsupported-replacement",
                    format!("replacement target `{target}` is XPath; XPath targets (XML payloads) are not supported"),
                    &format!("{ip}/targetSelectorType"),
                );
                e.help = Some("write the replaced values into the payload as `{$inputs...}` templates instead".into());
                ok = false;
                continue;
            }
            _ => target,
        };
        if xml || !(query || target.is_empty() || target.starts_with('/')) {
            let e = cx.error(
                "unsupported-replacement",
                format!("replacement target `{target}` is not a JSON pointer; XPath targets (XML payloads) are not supported"),
                &format!("{ip}/target"),
            );
            e.label = "not a JSON pointer".into();
            e.help = Some(if xml {
                "write the replaced values into the XML payload as `{$inputs...}` templates instead"
                    .into()
            } else {
                "write a JSON pointer such as `/pet/name`".into()
            });
            return None;
        }
        if !(is_json(media)
            || media == "application/x-www-form-urlencoded"
            || media == "multipart/form-data")
        {
            let e = cx.error(
                "unsupported-replacement",
                format!("replacements need a JSON, form or multipart payload, not `{media}`"),
                &rp,
            );
            e.help = Some(
                "write the values into the payload as `{$inputs...}` templates instead".into(),
            );
            return None;
        }
        out.push((target.to_owned(), value.clone()));
    }
    ok.then_some(out)
}

/// Sets the value at JSON pointer `target` (RFC 6901): replaces a member or item, or adds a
/// member to an existing object. `Err` when the parent is not there.
pub(super) fn pointer_set(doc: &mut Value, target: &str, value: Value) -> Result<(), ()> {
    let Some((parent, last)) = target.rsplit_once('/') else {
        *doc = value;
        return Ok(());
    };
    let last = last.replace("~1", "/").replace("~0", "~");
    match doc.pointer_mut(parent).ok_or(())? {
        Value::Object(members) => {
            members.insert(last, value);
            Ok(())
        }
        Value::Array(items) => {
            let slot = last
                .parse::<usize>()
                .ok()
                .and_then(|i| items.get_mut(i))
                .ok_or(())?;
            *slot = value;
            Ok(())
        }
        _ => Err(()),
    }
}

/// A selector in a replacement value applied at build time is read where the value now
/// stands in the payload; whatever selectors stood there (or below) were replaced with it.
fn move_selector(cx: &mut Cx<'_>, from: &str, to: &str) {
    let below = format!("{to}/");
    cx.selectors
        .retain(|p, _| p != to && !p.starts_with(&below));
    if let Some((kind, expr)) = cx.selection(from) {
        cx.selectors
            .insert(to.to_owned(), super::Selection { kind, expr });
    }
}

pub(super) fn replacement_missing(cx: &mut Cx<'_>, bp: &str, i: usize, target: &str) {
    let e = cx.error(
        "invalid-replacement-target",
        if target.starts_with('$') {
            format!("replacement target `{target}` selects nothing in the payload")
        } else {
            format!("replacement target `{target}` is not in the payload")
        },
        &format!("{bp}/replacements/{i}/target"),
    );
    e.label = "no such place in `payload`".into();
    e.help = Some(
        "a target must name a member or item of the payload, or a new member of an object in it"
            .into(),
    );
}

pub(super) fn json_value(
    cx: &mut Cx<'_>,
    v: &Value,
    pointer: &str,
    scope: &Scope,
) -> Option<JsonValue> {
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

/// How the runtime sends an OpenAPI style: 3.2's `cookie` style is `form` on the wire.
fn wire_style(style: Style) -> WireStyle {
    match style {
        Style::Simple => WireStyle::Simple,
        Style::Label => WireStyle::Label,
        Style::Matrix => WireStyle::Matrix,
        Style::Form | Style::Cookie => WireStyle::Form,
        Style::SpaceDelimited => WireStyle::SpaceDelimited,
        Style::PipeDelimited => WireStyle::PipeDelimited,
        Style::DeepObject => WireStyle::DeepObject,
    }
}
