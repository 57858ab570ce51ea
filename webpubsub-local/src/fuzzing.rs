//! Entry points for the fuzz targets under `fuzz/` (feature `fuzzing`; not a public API).
//! Each takes arbitrary bytes and must return without panicking, whatever they hold.

use crate::filter::{Filter, FilterLimits, Subject};
use std::collections::HashSet;

/// Parses `data` as an OData filter (default limits) and evaluates it once.
pub fn filter(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let limits = FilterLimits {
        max_length: 32 * 1024,
        max_depth: 32,
    };
    if let Ok(f) = Filter::parse(text, limits) {
        let groups: HashSet<String> = ["g".to_owned()].into_iter().collect();
        let _ = f.matches(&Subject {
            connection_id: "c",
            user_id: Some("u"),
            groups: &groups,
        });
    }
}

/// Verifies `data` as a bearer token against a fixed key, then as the claims of a correctly
/// signed token (so the claim checks behind the signature are reached too).
pub fn jwt(data: &[u8]) {
    const KEY: &str = "fuzz-key";
    if let Ok(token) = std::str::from_utf8(data) {
        let _ = crate::jwt::verify(token, KEY);
    }
    if let Ok(token) = crate::jwt::sign_raw(data, KEY) {
        let _ = crate::jwt::verify(&token, KEY);
    }
}

/// Parses `data` as a JSON-subprotocol client frame.
pub fn client_message(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = crate::request::parse(text);
    }
}
