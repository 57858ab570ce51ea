//! Who may call: bearer-token extraction and the audience check. The audience must name the
//! URL the client addressed, so a token minted for one request cannot drive another.

use crate::jwt::{self, TokenError};
use axum::http::HeaderMap;
use axum::http::header::{AUTHORIZATION, HOST};
use percent_encoding::percent_decode_str;
use serde_json::{Map, Value};
use url::Url;

/// The request as the client addressed it.
pub(crate) struct Addressed<'a> {
    /// The `Host` header, when sent.
    pub(crate) host: Option<&'a str>,
    /// `host:port` of the service's own endpoint, also accepted as the audience's authority.
    pub(crate) endpoint_authority: &'a str,
    /// The raw (still percent-encoded) request path.
    pub(crate) path: &'a str,
    /// The raw query, if any.
    pub(crate) query: Option<&'a str>,
}

/// The bearer token of the `Authorization` header, if there is one.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The `Host` header.
pub(crate) fn host(headers: &HeaderMap) -> Option<&str> {
    headers.get(HOST).and_then(|h| h.to_str().ok())
}

/// Verifies a REST call's token: signature, times and an audience equal to the request URL
/// (with or without its query).
pub(crate) fn check_rest(
    token: Option<&str>,
    key: &str,
    addressed: &Addressed<'_>,
) -> Result<(), TokenError> {
    let claims = jwt::verify(token.ok_or(TokenError::Missing)?, key)?;
    let aud = audience(&claims)?;
    if audience_matches(aud, addressed, false, &["http"]) {
        Ok(())
    } else {
        Err(TokenError::Audience)
    }
}

/// Verifies a client token for `/client/hubs/{hub}` and returns its claims. The audience is
/// compared without regard to case, because SDKs lower-case the endpoint they put in it.
pub(crate) fn check_client(
    token: Option<&str>,
    key: &str,
    addressed: &Addressed<'_>,
) -> Result<Map<String, Value>, TokenError> {
    let claims = jwt::verify(token.ok_or(TokenError::Missing)?, key)?;
    let aud = audience(&claims)?;
    let without_query = Addressed {
        query: None,
        ..*addressed
    };
    if audience_matches(aud, &without_query, true, &["http", "ws"]) {
        Ok(claims)
    } else {
        Err(TokenError::Audience)
    }
}

fn audience(claims: &Map<String, Value>) -> Result<&str, TokenError> {
    match claims.get("aud") {
        Some(Value::String(s)) => Ok(s),
        // A one-element array is also a valid JWT audience.
        Some(Value::Array(a)) if a.len() == 1 => a[0].as_str().ok_or(TokenError::Audience),
        _ => Err(TokenError::Audience),
    }
}

/// `(host, port)` of an authority such as `127.0.0.1:8080` or `localhost`.
fn authority(scheme: &str, authority: &str) -> Option<(String, u16)> {
    let url = Url::parse(&format!("{scheme}://{authority}/")).ok()?;
    Some((
        url.host_str()?.to_ascii_lowercase(),
        url.port_or_known_default()?,
    ))
}

fn decoded_path(path: &str) -> String {
    let decoded = percent_decode_str(path).decode_utf8_lossy();
    decoded.trim_end_matches('/').to_owned()
}

fn sorted_pairs(query: &str) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    pairs.sort();
    pairs
}

fn audience_matches(
    aud: &str,
    addressed: &Addressed<'_>,
    ignore_case: bool,
    schemes: &[&str],
) -> bool {
    let Ok(url) = Url::parse(aud) else {
        return false;
    };
    if !schemes.contains(&url.scheme()) {
        return false;
    }
    let Some(aud_authority) = url
        .host_str()
        .and_then(|h| Some((h.to_ascii_lowercase(), url.port_or_known_default()?)))
    else {
        return false;
    };
    let authority_ok = [addressed.host, Some(addressed.endpoint_authority)]
        .into_iter()
        .flatten()
        .filter_map(|a| authority("http", a))
        .any(|a| a == aud_authority);
    if !authority_ok {
        return false;
    }
    let (aud_path, path) = (decoded_path(url.path()), decoded_path(addressed.path));
    let path_ok = if ignore_case {
        aud_path.eq_ignore_ascii_case(&path)
    } else {
        aud_path == path
    };
    if !path_ok {
        return false;
    }
    match url.query() {
        None | Some("") => true,
        Some(q) => sorted_pairs(q) == sorted_pairs(addressed.query.unwrap_or("")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addressed<'a>(path: &'a str, query: Option<&'a str>) -> Addressed<'a> {
        Addressed {
            host: Some("127.0.0.1:8080"),
            endpoint_authority: "127.0.0.1:8080",
            path,
            query,
        }
    }

    #[test]
    fn audience_forms() {
        let a = addressed("/api/hubs/h/%3Asend", Some("api-version=2024-01-01"));
        assert!(audience_matches(
            "http://127.0.0.1:8080/api/hubs/h/:send",
            &a,
            false,
            &["http"]
        ));
        assert!(audience_matches(
            "http://127.0.0.1:8080/api/hubs/h/:send/",
            &a,
            false,
            &["http"]
        ));
        assert!(audience_matches(
            "http://127.0.0.1:8080/api/hubs/h/:send?api-version=2024-01-01",
            &a,
            false,
            &["http"]
        ));
        assert!(!audience_matches(
            "http://127.0.0.1:8080/api/hubs/h/:send?api-version=2024-12-01",
            &a,
            false,
            &["http"]
        ));
        assert!(!audience_matches(
            "http://127.0.0.1:8081/api/hubs/h/:send",
            &a,
            false,
            &["http"]
        ));
        assert!(!audience_matches(
            "http://127.0.0.1:8080/api/hubs/g/:send",
            &a,
            false,
            &["http"]
        ));
        assert!(!audience_matches(
            "https://127.0.0.1:8080/api/hubs/h/:send",
            &a,
            false,
            &["http"]
        ));
    }
}
