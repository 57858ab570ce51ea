//! The REST API: routing by decoded path segments (so `:send` and `%3Asend` both work),
//! authentication, validation with Microsoft's error shape, and the 25 operations.

use crate::auth::{self, Addressed};
use crate::filter::Filter;
use crate::jwt;
use crate::limits::Limits;
use crate::message::{Data, Delivery, Origin};
use crate::names::{HubName, validate_group, validate_user};
use crate::service::Shared;
use crate::state::{Grant, Hub, Narrowing, Permission, Scope};
use axum::body::{Body, Bytes, to_bytes};
use axum::extract::Request;
use axum::http::header::{CONNECTION, CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use std::collections::HashSet;

/// API versions we answer.
const API_VERSIONS: [&str; 2] = ["2024-01-01", "2024-12-01"];

/// Default page size of the group connection listing.
const DEFAULT_PAGE_SIZE: usize = 100;

/// An error response in Microsoft's shape, with `x-ms-error-code`.
#[derive(Debug)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) code: &'static str,
    pub(crate) message: String,
    target: Option<String>,
}

impl ApiError {
    /// A 400 about parameter `target`.
    pub(crate) fn invalid(target: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code: "InvalidArgument",
            message: message.into(),
            target: Some(target.to_owned()),
        }
    }

    /// An error with any status; `code` is the status's name (`Forbidden`, ...).
    pub(crate) fn from_status(status: StatusCode, message: String) -> ApiError {
        let code = match status.as_u16() {
            400 => "BadRequest",
            401 => "Unauthorized",
            403 => "Forbidden",
            _ => "InternalServerError",
        };
        ApiError {
            status,
            code,
            message,
            target: None,
        }
    }

    /// A 401 with `message`.
    pub(crate) fn unauthorized(message: &str) -> ApiError {
        ApiError {
            status: StatusCode::UNAUTHORIZED,
            code: "Unauthorized",
            message: message.to_owned(),
            target: None,
        }
    }

    fn not_found(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::NOT_FOUND,
            code: "NotFound",
            message: message.into(),
            target: None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({
            "code": self.code,
            "message": self.message,
            "target": self.target,
            "details": [],
            "inner": { "code": self.code },
        });
        let mut response = (
            self.status,
            [(CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response();
        response
            .headers_mut()
            .insert("x-ms-error-code", HeaderValue::from_static(self.code));
        // The request body may be unread (a refused token, a bad query): the server then drops
        // the connection, so say so rather than let a client reuse it and fail its next request.
        response
            .headers_mut()
            .insert(CONNECTION, HeaderValue::from_static("close"));
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// The decoded query string; keys compare case-insensitively and may repeat.
pub(crate) struct Query(Vec<(String, String)>);

impl Query {
    /// Parses a raw query.
    pub(crate) fn parse(raw: Option<&str>) -> Query {
        Query(
            url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The first value of `name`.
    /// Every parameter, in order.
    pub(crate) fn pairs(&self) -> &[(String, String)] {
        &self.0
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, in order.
    pub(crate) fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .collect()
    }

    fn int(&self, name: &str) -> Result<Option<i64>, ApiError> {
        self.get(name)
            .map(|v| {
                v.trim()
                    .parse::<i64>()
                    .map_err(|_| ApiError::invalid(name, format!("`{name}` must be an integer")))
            })
            .transpose()
    }
}

/// Checks a hub name, as a 400 about `hub`, and makes its key once for the whole call.
fn hub_name(hub: &str) -> Result<HubName, ApiError> {
    HubName::parse(hub).map_err(|e| ApiError::invalid("hub", e))
}

/// Checks a group name, as a 400 about `group`.
pub(crate) fn group_name(group: &str) -> Result<(), ApiError> {
    validate_group(group).map_err(|e| ApiError::invalid("group", e))
}

/// Checks a user id, as a 400 about `userId`.
fn user_name(user: &str) -> Result<(), ApiError> {
    validate_user(user).map_err(|e| ApiError::invalid("userId", e))
}

fn non_empty(target: &str, value: &str) -> Result<(), ApiError> {
    if value.is_empty() {
        Err(ApiError::invalid(
            target,
            format!("{target} must not be empty"),
        ))
    } else {
        Ok(())
    }
}

fn status(code: StatusCode) -> Response {
    code.into_response()
}

fn exists(found: bool, what: &str) -> Response {
    if found {
        status(StatusCode::OK)
    } else {
        ApiError::not_found(format!("{what} not found")).into_response()
    }
}

/// Handles a request under `/api/`; `segments` are the decoded path segments.
/// Logs one line per request: method, path (never the query, which may hold a token or a
/// filter), status and time; refusals also give their message (never a token or key).
pub(crate) async fn handle(shared: &Shared, request: Request, segments: &[String]) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let started = std::time::Instant::now();
    let result = route(shared, request, segments).await;
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    let status = match &result {
        Ok(r) => r.status(),
        Err(e) => e.status,
    };
    shared.activity.rest(&method, &path, status);
    match result {
        Ok(r) => {
            tracing::info!(%method, path, status = r.status().as_u16(), elapsed_ms, "REST request");
            r
        }
        Err(e) => {
            tracing::warn!(
                %method,
                path,
                status = e.status.as_u16(),
                code = e.code,
                reason = ?e.message,
                elapsed_ms,
                "REST request refused"
            );
            e.into_response()
        }
    }
}

async fn route(
    shared: &Shared,
    request: Request,
    segments: &[String],
) -> Result<Response, ApiError> {
    let (parts, body) = request.into_parts();
    let query = Query::parse(parts.uri.query());
    let seg: Vec<&str> = segments.iter().map(String::as_str).collect();
    let method = parts.method.clone();

    // The health probe is anonymous, as Azure's is.
    if seg == ["api", "health"] {
        return if method == Method::HEAD || method == Method::GET {
            check_api_version(&query, false)?;
            Ok(status(StatusCode::OK))
        } else {
            Err(ApiError::not_found("no such operation"))
        };
    }

    let host = auth::host(&parts.headers);
    let addressed = Addressed {
        host,
        endpoint_authority: &shared.endpoint_authority,
        path: parts.uri.path(),
        query: parts.uri.query(),
    };
    auth::check_rest(
        auth::bearer(&parts.headers),
        shared.access_key.expose(),
        &addressed,
    )
    .map_err(|e| ApiError::unauthorized(e.message()))?;
    check_api_version(&query, true)?;

    let ["api", "hubs", hub, rest @ ..] = seg.as_slice() else {
        return Err(ApiError::not_found("no such operation"));
    };
    let hub = &hub_name(hub)?;
    let content_type = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    let registry = &shared.registry;
    let m = &method;
    let call = Call {
        shared,
        hub,
        query: &query,
        content_type: content_type.as_deref(),
    };

    match rest {
        [":send"] if m == Method::POST => send(&call, Scope::All, Origin::Server, body).await,
        [":closeConnections"] if m == Method::POST => close(&call, Scope::All),
        [":generateToken"] if m == Method::POST => generate_token(shared, hub, &query),
        [op @ (":addToGroups" | ":removeFromGroups")] if m == Method::POST => {
            let (groups, narrowing) = groups_request(body, &shared.limits).await?;
            let add = *op == ":addToGroups";
            registry.for_selected(hub, Scope::All, &narrowing, |h, ids| {
                for id in ids {
                    for g in &groups {
                        if add {
                            h.join(id, g);
                        } else {
                            h.leave(id, g);
                        }
                    }
                }
            });
            Ok(status(StatusCode::OK))
        }
        ["connections", id] => {
            non_empty("connectionId", id)?;
            if m == Method::DELETE {
                close(&call, Scope::Connection(id))
            } else if m == Method::HEAD {
                Ok(exists(
                    registry.with_hub(hub, |h| h.connections.contains_key(*id)),
                    "connection",
                ))
            } else {
                Err(ApiError::not_found("no such operation"))
            }
        }
        ["connections", id, ":send"] if m == Method::POST => {
            non_empty("connectionId", id)?;
            send(&call, Scope::Connection(id), Origin::Server, body).await
        }
        ["connections", id, "groups"] if m == Method::DELETE => {
            non_empty("connectionId", id)?;
            registry.with_hub(hub, |h| h.leave_all(id));
            Ok(status(StatusCode::NO_CONTENT))
        }
        ["groups", group] if m == Method::HEAD => {
            group_name(group)?;
            Ok(exists(
                registry.with_hub(hub, |h| h.group_exists(group)),
                "group",
            ))
        }
        ["groups", group, "connections"] if m == Method::GET => {
            group_name(group)?;
            list_group_connections(shared, hub, group, &query, host)
        }
        ["groups", group, ":closeConnections"] if m == Method::POST => {
            group_name(group)?;
            close(&call, Scope::Group(group))
        }
        ["groups", group, ":send"] if m == Method::POST => {
            group_name(group)?;
            send(
                &call,
                Scope::Group(group),
                Origin::ServerToGroup(group),
                body,
            )
            .await
        }
        ["groups", group, "connections", id] => {
            group_name(group)?;
            non_empty("connectionId", id)?;
            if m == Method::DELETE {
                registry.with_hub(hub, |h| h.leave(id, group));
                Ok(status(StatusCode::NO_CONTENT))
            } else if m == Method::PUT {
                if registry.with_hub(hub, |h| h.join(id, group)) {
                    Ok(status(StatusCode::OK))
                } else {
                    Err(ApiError::not_found(format!(
                        "connection `{id}` does not exist"
                    )))
                }
            } else {
                Err(ApiError::not_found("no such operation"))
            }
        }
        ["permissions", permission, "connections", id] => {
            let permission = Permission::parse(permission).ok_or_else(|| {
                ApiError::invalid(
                    "permission",
                    "permission must be sendToGroup or joinLeaveGroup",
                )
            })?;
            non_empty("connectionId", id)?;
            let target = query.get("targetName").map(str::to_owned);
            if let Some(t) = &target {
                validate_group(t).map_err(|_| {
                    ApiError::invalid("targetName", "targetName must be a valid group name")
                })?;
            }
            permission_operation(
                m,
                registry,
                hub,
                id,
                Grant {
                    permission,
                    group: target,
                },
            )
        }
        ["users", user] if m == Method::HEAD => {
            user_name(user)?;
            Ok(exists(
                registry.with_hub(hub, |h| h.user_exists(user)),
                "user",
            ))
        }
        ["users", user, ":closeConnections"] if m == Method::POST => {
            user_name(user)?;
            close(&call, Scope::User(user))
        }
        ["users", user, ":send"] if m == Method::POST => {
            user_name(user)?;
            send(&call, Scope::User(user), Origin::Server, body).await
        }
        ["users", user, "groups"] if m == Method::DELETE => {
            user_name(user)?;
            registry.with_hub(hub, |h| h.remove_user_from_all_groups(user));
            Ok(status(StatusCode::NO_CONTENT))
        }
        ["users", user, "groups", group] => {
            user_name(user)?;
            group_name(group)?;
            if m == Method::DELETE {
                registry.with_hub(hub, |h| h.remove_user_from_group(user, group));
                Ok(status(StatusCode::NO_CONTENT))
            } else if m == Method::PUT {
                registry.with_hub(hub, |h| h.add_user_to_group(user, group));
                Ok(status(StatusCode::OK))
            } else {
                Err(ApiError::not_found("no such operation"))
            }
        }
        _ => Err(ApiError::not_found("no such operation")),
    }
}

/// What the send and close operations need of a request.
struct Call<'a> {
    shared: &'a Shared,
    hub: &'a HubName,
    query: &'a Query,
    content_type: Option<&'a str>,
}

/// Queues the body for the connections `scope`, `excluded` and `filter` select; 202.
async fn send(
    call: &Call<'_>,
    scope: Scope<'_>,
    origin: Origin<'_>,
    body: Body,
) -> Result<Response, ApiError> {
    let narrowing = narrowing(call.query, &call.shared.limits)?;
    let data = message(body, call.content_type, call.query, &call.shared.limits).await?;
    let delivery = Delivery::new(&data, origin);
    let registry = &call.shared.registry;
    if narrowing.filter.is_some() {
        registry.for_selected(call.hub, scope, &narrowing, |h, ids| {
            h.send_to(ids, &delivery);
        });
    } else {
        // The hot path: connections are walked in place, no list of ids.
        registry.with_hub(call.hub, |h| h.send(scope, &narrowing, &delivery));
    }
    Ok(status(StatusCode::ACCEPTED))
}

/// Closes the connections `scope`, `excluded` and `filter` select, with `reason`; 204.
fn close(call: &Call<'_>, scope: Scope<'_>) -> Result<Response, ApiError> {
    let narrowing = narrowing(call.query, &call.shared.limits)?;
    let reason = call.query.get("reason");
    call.shared
        .registry
        .for_selected(call.hub, scope, &narrowing, |h, ids| h.close(ids, reason));
    Ok(status(StatusCode::NO_CONTENT))
}

fn check_api_version(query: &Query, required: bool) -> Result<(), ApiError> {
    match query.get("api-version") {
        None if !required => Ok(()),
        None => Err(ApiError::invalid(
            "api-version",
            "the api-version query parameter is required",
        )),
        Some(v) if API_VERSIONS.contains(&v) => Ok(()),
        Some(v) => Err(ApiError::invalid(
            "api-version",
            format!(
                "api-version `{v}` is not supported; use one of {}",
                API_VERSIONS.join(", ")
            ),
        )),
    }
}

/// `excluded` and `filter` of the query.
fn narrowing(query: &Query, limits: &Limits) -> Result<Narrowing, ApiError> {
    let filter = query
        .get("filter")
        .filter(|f| !f.trim().is_empty())
        .map(|f| Filter::parse(f, limits.filter()).map_err(|e| ApiError::invalid("filter", e)))
        .transpose()?;
    Ok(Narrowing {
        excluded: query.all("excluded").into_iter().collect::<HashSet<_>>(),
        filter,
    })
}

/// Reads a send body according to its content type and checks `messageTtlSeconds`.
async fn message(
    body: Body,
    content_type: Option<&str>,
    query: &Query,
    limits: &Limits,
) -> Result<Data, ApiError> {
    if let Some(ttl) = query.int("messageTtlSeconds")?
        && !(0..=300).contains(&ttl)
    {
        return Err(ApiError::invalid(
            "messageTtlSeconds",
            "messageTtlSeconds must be between 0 and 300",
        ));
    }
    let bytes = read_body(body, limits).await?;
    match content_type.unwrap_or("application/octet-stream") {
        "text/plain" => String::from_utf8(bytes.to_vec())
            .map(Data::Text)
            .map_err(|_| ApiError::invalid("message", "a text/plain body must be UTF-8")),
        "application/json" => {
            let text = String::from_utf8(bytes.to_vec()).map_err(|_| {
                ApiError::invalid("message", "an application/json body must be UTF-8")
            })?;
            let value: Value = serde_json::from_str(&text).map_err(|e| {
                ApiError::invalid("message", format!("the body is not valid JSON: {e}"))
            })?;
            Ok(Data::Json(text, value))
        }
        "application/octet-stream" => Ok(Data::Binary(bytes)),
        other => Err(ApiError {
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            code: "UnsupportedMediaType",
            message: format!(
                "content type `{other}` is not supported; use text/plain, application/json or application/octet-stream"
            ),
            target: Some("Content-Type".into()),
        }),
    }
}

/// Reads a request body of at most `max_message_bytes`, within `header_read_timeout`.
async fn read_body(body: Body, limits: &Limits) -> Result<Bytes, ApiError> {
    let max = limits.max_message_bytes;
    match tokio::time::timeout(limits.header_read_timeout, to_bytes(body, max)).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(_)) => Err(ApiError {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            code: "PayloadTooLarge",
            message: format!(
                "the body is larger than the limit of {max} bytes or could not be read"
            ),
            target: None,
        }),
        Err(_) => Err(ApiError {
            status: StatusCode::REQUEST_TIMEOUT,
            code: "RequestTimeout",
            message: format!(
                "the body did not arrive within {} s",
                limits.header_read_timeout.as_secs_f64()
            ),
            target: None,
        }),
    }
}

/// The `{groups, filter}` body of addToGroups / removeFromGroups.
async fn groups_request(body: Body, limits: &Limits) -> Result<(Vec<String>, Narrowing), ApiError> {
    let bytes = read_body(body, limits).await?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::invalid("groupsToAdd", format!("the body is not valid JSON: {e}"))
    })?;
    let groups = match value.get("groups") {
        Some(Value::Array(items)) => items
            .iter()
            .map(|g| {
                g.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| ApiError::invalid("groups", "groups must be strings"))
            })
            .collect::<Result<Vec<_>, _>>()?,
        _ => {
            return Err(ApiError::invalid(
                "groups",
                "the body needs a `groups` array",
            ));
        }
    };
    for g in &groups {
        group_name(g)?;
    }
    let filter = match value.get("filter") {
        None | Some(Value::Null) => None,
        Some(Value::String(f)) if f.trim().is_empty() => None,
        Some(Value::String(f)) => {
            Some(Filter::parse(f, limits.filter()).map_err(|e| ApiError::invalid("filter", e))?)
        }
        Some(_) => return Err(ApiError::invalid("filter", "filter must be a string")),
    };
    Ok((
        groups,
        Narrowing {
            excluded: HashSet::new(),
            filter,
        },
    ))
}

fn permission_operation(
    m: &Method,
    registry: &crate::state::Registry,
    hub: &HubName,
    id: &str,
    grant: Grant,
) -> Result<Response, ApiError> {
    if m == Method::PUT {
        let granted = registry.with_hub(hub, |h: &mut Hub| {
            h.connections
                .get_mut(id)
                .map(|c| c.grants.insert(grant))
                .is_some()
        });
        if granted {
            Ok(status(StatusCode::OK))
        } else {
            Err(ApiError::not_found(format!(
                "connection `{id}` does not exist"
            )))
        }
    } else if m == Method::DELETE {
        registry.with_hub(hub, |h| {
            if let Some(c) = h.connections.get_mut(id) {
                match &grant.group {
                    Some(_) => {
                        c.grants.remove(&grant);
                    }
                    // Without a target, every grant of that permission goes.
                    None => c.grants.retain(|g| g.permission != grant.permission),
                }
            }
        });
        Ok(status(StatusCode::NO_CONTENT))
    } else if m == Method::HEAD {
        let has = registry.with_hub(hub, |h| {
            h.connections.get(id).is_some_and(|c| match &grant.group {
                Some(g) => c.allowed(grant.permission, g),
                None => c.grants.contains(&grant),
            })
        });
        Ok(exists(has, "permission"))
    } else {
        Err(ApiError::not_found("no such operation"))
    }
}

fn generate_token(shared: &Shared, hub: &HubName, query: &Query) -> Result<Response, ApiError> {
    let minutes = query.int("minutesToExpire")?.unwrap_or(60);
    if minutes < 1 {
        return Err(ApiError::invalid(
            "minutesToExpire",
            "minutesToExpire must be at least 1",
        ));
    }
    if let Some(client_type) = query.get("clientType") {
        if client_type.eq_ignore_ascii_case("mqtt") {
            return Err(ApiError::invalid(
                "clientType",
                "the MQTT client type is not supported by this local service",
            ));
        }
        if !client_type.eq_ignore_ascii_case("default") {
            return Err(ApiError::invalid(
                "clientType",
                "clientType must be Default or MQTT",
            ));
        }
    }
    let groups = query.all("group");
    for g in &groups {
        group_name(g)?;
    }
    let now = jwt::now_seconds();
    let mut claims = Map::new();
    claims.insert(
        "aud".into(),
        format!("{}/client/hubs/{hub}", shared.endpoint).into(),
    );
    claims.insert("iat".into(), now.into());
    claims.insert(
        "exp".into(),
        now.saturating_add(minutes.saturating_mul(60)).into(),
    );
    if let Some(user) = query.get("userId") {
        user_name(user)?;
        claims.insert("sub".into(), user.into());
    }
    let roles = query.all("role");
    if !roles.is_empty() {
        claims.insert("role".into(), roles.into());
    }
    if !groups.is_empty() {
        claims.insert("webpubsub.group".into(), groups.into());
    }
    let token = jwt::sign(&claims, shared.access_key.expose()).map_err(|e| ApiError {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        code: "InternalServerError",
        message: e.message().into(),
        target: None,
    })?;
    Ok((
        StatusCode::OK,
        [(CONTENT_TYPE, "application/json")],
        json!({ "token": token }).to_string(),
    )
        .into_response())
}

/// `GET /api/hubs/{hub}/groups/{group}/connections` (2024-12-01): a page of members in id
/// order; the continuation token is the last id returned.
fn list_group_connections(
    shared: &Shared,
    hub: &HubName,
    group: &str,
    query: &Query,
    host: Option<&str>,
) -> Result<Response, ApiError> {
    let page_size = positive(query, "maxpagesize")?.unwrap_or(DEFAULT_PAGE_SIZE);
    let top = positive(query, "top")?;
    let after = query.get("continuationToken").map(str::to_owned);
    let take = top.map_or(page_size, |t| t.min(page_size));
    let narrowing = Narrowing::default();
    let (page, more) = shared.registry.with_hub(hub, |h| {
        let ids = h.select(Scope::Group(group), &narrowing);
        let remaining: Vec<&String> = ids
            .iter()
            .filter(|id| after.as_ref().is_none_or(|a| *id > a))
            .collect();
        let page: Vec<Value> = remaining
            .iter()
            .take(take)
            .map(|id| {
                let mut item = Map::new();
                item.insert("connectionId".into(), id.as_str().into());
                if let Some(user) = h.connections.get(*id).and_then(|c| c.user_id.as_deref()) {
                    item.insert("userId".into(), user.into());
                }
                Value::Object(item)
            })
            .collect();
        (page, remaining.len() > take)
    });
    let mut body = Map::new();
    let left = top.map(|t| t - page.len());
    if more && left != Some(0) {
        let last = page
            .last()
            .and_then(|v| v.get("connectionId"))
            .and_then(Value::as_str)
            .unwrap_or("");
        let mut next = url::form_urlencoded::Serializer::new(String::new());
        next.append_pair(
            "api-version",
            query.get("api-version").unwrap_or(API_VERSIONS[1]),
        );
        next.append_pair("maxpagesize", &page_size.to_string());
        if let Some(left) = left {
            next.append_pair("top", &left.to_string());
        }
        next.append_pair("continuationToken", last);
        let base = host.map_or_else(|| shared.endpoint.clone(), |h| format!("http://{h}"));
        let path = format!(
            "/api/hubs/{}/groups/{}/connections",
            encode_segment(hub.as_str()),
            encode_segment(group)
        );
        body.insert(
            "nextLink".into(),
            format!("{base}{path}?{}", next.finish()).into(),
        );
    }
    body.insert("value".into(), page.into());
    Ok((
        StatusCode::OK,
        [(CONTENT_TYPE, "application/json")],
        Value::Object(body).to_string(),
    )
        .into_response())
}

fn positive(query: &Query, name: &str) -> Result<Option<usize>, ApiError> {
    match query.int(name)? {
        None => Ok(None),
        Some(n) if n >= 1 => Ok(Some(usize::try_from(n).unwrap_or(usize::MAX))),
        Some(_) => Err(ApiError::invalid(
            name,
            format!("{name} must be at least 1"),
        )),
    }
}

fn encode_segment(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}
