//! HS256 JSON Web Tokens: signing the client tokens we hand out and verifying the tokens we
//! receive. Only HS256 exists in Web PubSub's AccessKey scheme, so every other `alg`
//! (including `none`) is refused.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::{Map, Value};
use sha2::Sha256;
use std::time::{SystemTime, UNIX_EPOCH};

/// Clock skew tolerated on `exp` and `nbf`, in seconds. Small on purpose: tests that send an
/// expired token should see it refused, while a client clock a few seconds off still works.
pub(crate) const CLOCK_SKEW_SECONDS: i64 = 30;

type HmacSha256 = Hmac<Sha256>;

/// Why a token was refused. The text never contains the token or the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokenError {
    Missing,
    Malformed,
    Algorithm,
    Signature,
    Expired,
    NotYetValid,
    NoExpiry,
    Audience,
}

impl TokenError {
    /// The message returned to the caller.
    pub(crate) fn message(&self) -> &'static str {
        match self {
            TokenError::Missing => "missing access token",
            TokenError::Malformed => "malformed access token",
            TokenError::Algorithm => "unsupported token algorithm: only HS256 is accepted",
            TokenError::Signature => "invalid token signature",
            TokenError::Expired => "the access token has expired",
            TokenError::NotYetValid => "the access token is not valid yet (nbf)",
            TokenError::NoExpiry => "the access token has no exp claim",
            TokenError::Audience => "the token audience does not match the request URL",
        }
    }
}

/// Seconds since the Unix epoch.
pub(crate) fn now_seconds() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The HMAC for `key`. HMAC takes keys of any length, so the error arm is never taken; it is
/// still handled so no input can make this panic.
fn mac(key: &[u8]) -> Result<HmacSha256, TokenError> {
    HmacSha256::new_from_slice(key).map_err(|_| TokenError::Signature)
}

/// Signs `claims` as an HS256 JWT with `key`.
pub(crate) fn sign(claims: &Map<String, Value>, key: &str) -> Result<String, TokenError> {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(Value::Object(claims.clone()).to_string());
    let signing_input = format!("{header}.{payload}");
    let mut m = mac(key.as_bytes())?;
    m.update(signing_input.as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(m.finalize().into_bytes());
    Ok(format!("{signing_input}.{signature}"))
}

/// Signs arbitrary `payload` bytes (normally claims JSON) as an HS256 JWT with `key`.
#[cfg(feature = "fuzzing")]
pub(crate) fn sign_raw(payload: &[u8], key: &str) -> Result<String, TokenError> {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let signing_input = format!("{header}.{}", URL_SAFE_NO_PAD.encode(payload));
    let mut m = mac(key.as_bytes())?;
    m.update(signing_input.as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(m.finalize().into_bytes());
    Ok(format!("{signing_input}.{signature}"))
}

/// Verifies signature, algorithm, `exp` (required) and `nbf`; returns the claims. The
/// audience is the caller's business because it depends on the request.
pub(crate) fn verify(token: &str, key: &str) -> Result<Map<String, Value>, TokenError> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Malformed);
    };
    let header: Value = decode_json(header)?;
    if header.get("alg").and_then(Value::as_str) != Some("HS256") {
        return Err(TokenError::Algorithm);
    }
    let signature = URL_SAFE_NO_PAD
        .decode(signature.trim_end_matches('='))
        .map_err(|_| TokenError::Malformed)?;
    let mut m = mac(key.as_bytes())?;
    m.update(&token.as_bytes()[..header_payload_len(token)]);
    m.verify_slice(&signature)
        .map_err(|_| TokenError::Signature)?;
    let Value::Object(claims) = decode_json(payload)? else {
        return Err(TokenError::Malformed);
    };
    check_times(&claims, now_seconds())?;
    Ok(claims)
}

/// Checks `exp` (required) and `nbf` against `now`. Saturating arithmetic: any `exp` up to
/// `i64::MAX` (which a token minted with the largest `minutesToExpire` carries) is simply far
/// in the future, never an overflow.
fn check_times(claims: &Map<String, Value>, now: i64) -> Result<(), TokenError> {
    let exp = match claims.get("exp") {
        None => return Err(TokenError::NoExpiry),
        Some(v) => numeric_date(v).ok_or(TokenError::Malformed)?,
    };
    if now > exp.saturating_add(CLOCK_SKEW_SECONDS) {
        return Err(TokenError::Expired);
    }
    if let Some(nbf) = claims.get("nbf") {
        let nbf = numeric_date(nbf).ok_or(TokenError::Malformed)?;
        if now.saturating_add(CLOCK_SKEW_SECONDS) < nbf {
            return Err(TokenError::NotYetValid);
        }
    }
    Ok(())
}

/// Length of `header.payload`, the signed part of a three-part token.
fn header_payload_len(token: &str) -> usize {
    token.rfind('.').unwrap_or(0)
}

/// A NumericDate as whole seconds. Floats convert saturating (`as` never panics; NaN is 0),
/// and integers past `i64::MAX` count as `i64::MAX`.
fn numeric_date(v: &Value) -> Option<i64> {
    v.as_i64()
        .or_else(|| v.as_u64().map(|_| i64::MAX))
        .or_else(|| v.as_f64().map(|f| f as i64))
}

fn decode_json(part: &str) -> Result<Value, TokenError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .map_err(|_| TokenError::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| TokenError::Malformed)
}

/// A claim that may be a single string or an array of strings (JWT libraries write both).
pub(crate) fn string_list(claims: &Map<String, Value>, name: &str) -> Vec<String> {
    match claims.get(name) {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> Map<String, Value> {
        let mut c = Map::new();
        c.insert("aud".into(), Value::from("http://x/y"));
        c.insert("exp".into(), Value::from(exp));
        c
    }

    #[test]
    fn round_trip_and_rejections() {
        let token = sign(&claims(now_seconds() + 60), "key").unwrap();
        assert!(verify(&token, "key").is_ok());
        assert_eq!(verify(&token, "other"), Err(TokenError::Signature));
        let old = sign(&claims(now_seconds() - 3600), "key").unwrap();
        assert_eq!(verify(&old, "key"), Err(TokenError::Expired));
        assert_eq!(verify("a.b", "key"), Err(TokenError::Malformed));
        let mut no_exp = claims(0);
        no_exp.remove("exp");
        assert_eq!(
            verify(&sign(&no_exp, "key").unwrap(), "key"),
            Err(TokenError::NoExpiry)
        );
    }

    /// Issue 8: `exp + skew` overflowed (a panic in debug builds) for a huge `exp`.
    #[test]
    fn huge_and_tiny_times_never_overflow() {
        for exp in [
            Value::from(i64::MAX),
            Value::from(u64::MAX),
            Value::from(1e300),
            Value::from(i64::MAX - 1),
        ] {
            let mut c = claims(0);
            c.insert("exp".into(), exp.clone());
            assert_eq!(check_times(&c, now_seconds()), Ok(()), "exp {exp}");
            assert_eq!(
                check_times(&c, i64::MAX),
                Ok(()),
                "exp {exp} at the end of time"
            );
        }
        let mut c = claims(i64::MIN);
        assert_eq!(check_times(&c, i64::MAX), Err(TokenError::Expired));
        c.insert("exp".into(), Value::from(i64::MAX));
        c.insert("nbf".into(), Value::from(i64::MAX));
        assert_eq!(check_times(&c, i64::MAX), Ok(()));
        assert_eq!(check_times(&c, 0), Err(TokenError::NotYetValid));
        c.insert("nbf".into(), Value::from(i64::MIN));
        assert_eq!(check_times(&c, i64::MIN), Ok(()));
        c.insert("exp".into(), Value::from(-1e300));
        assert_eq!(check_times(&c, 0), Err(TokenError::Expired));
    }

    #[test]
    fn alg_none_is_refused() {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#);
        let payload = URL_SAFE_NO_PAD.encode(Value::Object(claims(now_seconds() + 60)).to_string());
        assert_eq!(
            verify(&format!("{header}.{payload}."), "key"),
            Err(TokenError::Algorithm)
        );
    }
}
