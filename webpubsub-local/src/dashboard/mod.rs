//! The dashboard at `/_dashboard`: a page served from the binary (no external scripts or
//! styles) showing live hubs and connections, the last REST calls and upstream deliveries,
//! and a test client. Its JSON comes from `/_dashboard/api/state`; the test client gets a
//! client URL from `/_dashboard/api/client-url`. Neither shows the access key, and tokens
//! appear only inside the URL the page's own WebSocket uses, never on the page.

use crate::names::{validate_hub, validate_user};
use crate::rest::ApiError;
use crate::service::Shared;
use axum::extract::Request;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use std::collections::VecDeque;
use std::sync::Mutex;

/// The page (HTML, CSS and JS in one file).
const PAGE: &str = include_str!("index.html");

/// Entries kept per list.
const KEEP: usize = 50;
/// Connections listed per hub (the page stays small with thousands connected).
const SHOWN_CONNECTIONS: usize = 200;

/// Recent REST calls and upstream deliveries, newest last.
#[derive(Default)]
pub(crate) struct Activity {
    rest: Mutex<VecDeque<Value>>,
    upstream: Mutex<VecDeque<Value>>,
}

impl Activity {
    /// Records a REST call (the path only: queries carry nothing the list needs).
    pub(crate) fn rest(&self, method: &Method, path: &str, status: StatusCode) {
        push(
            &self.rest,
            json!({"at": now(), "method": method.as_str(), "path": path, "status": status.as_u16()}),
        );
    }

    /// Records one upstream delivery: its status, or why there was none.
    pub(crate) fn upstream(
        &self,
        hub: &str,
        event: &str,
        connection_id: &str,
        outcome: Result<u16, String>,
    ) {
        let (status, error) = match outcome {
            Ok(s) => (Value::from(s), Value::Null),
            Err(e) => (Value::Null, Value::from(e)),
        };
        push(
            &self.upstream,
            json!({"at": now(), "hub": hub, "event": event, "connectionId": connection_id,
                   "status": status, "error": error}),
        );
    }
}

fn push(list: &Mutex<VecDeque<Value>>, entry: Value) {
    let mut list = list.lock().unwrap_or_else(|p| p.into_inner());
    if list.len() == KEEP {
        list.pop_front();
    }
    list.push_back(entry);
}

fn now() -> String {
    crate::upstream::rfc3339(std::time::SystemTime::now())
}

/// Serves `/_dashboard/...`.
pub(crate) fn handle(shared: &Shared, request: &Request, segments: &[String]) -> Response {
    let rest: Vec<&str> = segments.iter().skip(1).map(String::as_str).collect();
    match (request.method(), rest.as_slice()) {
        (&Method::GET, [] | [""]) => (
            [
                (CONTENT_TYPE, "text/html; charset=utf-8"),
                (CACHE_CONTROL, "no-store"),
            ],
            PAGE,
        )
            .into_response(),
        (&Method::GET, ["api", "state"]) => json_response(state(shared)),
        (&Method::POST, ["api", "client-url"]) => {
            let query = crate::rest::Query::parse(request.uri().query());
            match client_url(shared, query.get("hub").unwrap_or(""), query.get("user")) {
                Ok(v) => json_response(v),
                Err(e) => e.into_response(),
            }
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

fn json_response(v: Value) -> Response {
    (
        [
            (CONTENT_TYPE, "application/json"),
            (CACHE_CONTROL, "no-store"),
        ],
        v.to_string(),
    )
        .into_response()
}

fn state(shared: &Shared) -> Value {
    let hubs: Vec<Value> = shared
        .registry
        .snapshot(SHOWN_CONNECTIONS)
        .into_iter()
        .map(|(name, connections)| {
            let connections: Vec<Value> = connections
                .into_iter()
                .map(|c| {
                    json!({"connectionId": c.id, "userId": c.user_id,
                           "subprotocol": c.subprotocol, "groups": c.groups,
                           "online": c.online})
                })
                .collect();
            json!({"name": name, "connections": connections})
        })
        .collect();
    let list = |l: &Mutex<VecDeque<Value>>| {
        Value::Array(
            l.lock()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .rev()
                .cloned()
                .collect(),
        )
    };
    let handlers = shared.upstream.is_some();
    json!({
        "endpoint": shared.endpoint,
        "upstream": handlers,
        "hubs": hubs,
        "rest": list(&shared.activity.rest),
        "deliveries": list(&shared.activity.upstream),
    })
}

/// A client URL for the test client: a token for `user` on `hub` that may join and send to
/// any group, valid for an hour.
fn client_url(shared: &Shared, hub: &str, user: Option<&str>) -> Result<Value, ApiError> {
    validate_hub(hub).map_err(|e| ApiError::invalid("hub", e))?;
    let mut claims = Map::new();
    let now = crate::jwt::now_seconds();
    let audience = format!("{}/client/hubs/{hub}", shared.endpoint);
    claims.insert("aud".into(), audience.into());
    claims.insert("iat".into(), now.into());
    claims.insert("exp".into(), now.saturating_add(3600).into());
    if let Some(user) = user.filter(|u| !u.is_empty()) {
        validate_user(user).map_err(|e| ApiError::invalid("user", e))?;
        claims.insert("sub".into(), user.into());
    }
    claims.insert(
        "role".into(),
        json!(["webpubsub.joinLeaveGroup", "webpubsub.sendToGroup"]),
    );
    let token = crate::jwt::sign(&claims, shared.access_key.expose()).map_err(|e| {
        ApiError::from_status(StatusCode::INTERNAL_SERVER_ERROR, e.message().into())
    })?;
    let ws = shared.endpoint.replacen("http", "ws", 1);
    Ok(json!({"url": format!("{ws}/client/hubs/{hub}?access_token={token}")}))
}
