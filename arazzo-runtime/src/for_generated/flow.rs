//! Helpers for workflows whose actions jump between steps, call other workflows or retry.

use std::time::{Duration, SystemTime};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{WorkflowError, short_type_name};
use crate::response::Response;

/// A step output read in a branching workflow: the value, or an error naming the step that
/// has not produced it (a `goto` skipped it).
pub fn output<'a, T>(
    value: Option<&'a T>,
    step: &'static str,
    name: &'static str,
) -> Result<&'a T, WorkflowError> {
    value.ok_or(WorkflowError::MissingOutput { step, output: name })
}

/// A path parameter's value from an optional input: the value, or an error naming the step
/// (a path cannot leave a segment out).
pub fn present<'a, T>(
    value: Option<&'a T>,
    step: &'static str,
    input: &'static str,
) -> Result<&'a T, WorkflowError> {
    value.ok_or_else(|| WorkflowError::Request {
        step,
        message: format!("a path parameter needs `{input}`, which was not given"),
    })
}

/// Converts a value into the type a called workflow's input has (through JSON, for inputs
/// whose types differ from the value's: a JSON value into a struct, a number into a string...).
pub fn convert<T: DeserializeOwned, V: Serialize + ?Sized>(
    step: &'static str,
    input: &'static str,
    value: &V,
) -> Result<T, WorkflowError> {
    let json = crate::__private::param::to_json(value);
    serde_json::from_value(json).map_err(|err| WorkflowError::Decode {
        step,
        location: format!("input `{input}` of the called workflow"),
        expected: short_type_name::<T>(),
        detail: err.to_string(),
    })
}

/// A workflow of message steps only, run by a step: its outputs, with status 0 beside them.
/// It has no HTTP status; the generator rejects `$statusCode` after such a step, so the 0 is
/// never read (it lets such a callee share the calls that return a status).
pub async fn no_status<T>(
    run: impl Future<Output = Result<T, WorkflowError>>,
) -> Result<(T, u16), WorkflowError> {
    run.await.map(|outputs| (outputs, 0))
}

/// How long to wait before a retry: the response's `Retry-After` (seconds or an HTTP date)
/// when it has one, else the action's `retryAfter` seconds. A server's delay is never more
/// than the client's cap (`ClientBuilder::max_retry_after`).
pub fn retry_delay(response: &Response, retry_after_secs: f64) -> Duration {
    match server_delay(response) {
        Some(delay) => delay.min(response.max_retry_after),
        None => Duration::try_from_secs_f64(retry_after_secs).unwrap_or_default(),
    }
}

/// The response's `Retry-After`, when it has a valid one.
pub(crate) fn server_delay(response: &Response) -> Option<Duration> {
    response.header("retry-after").and_then(parse_retry_after)
}

fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(SystemTime::now()).unwrap_or_default())
}

/// Waits (the retry delay).
pub async fn sleep(duration: Duration) {
    if !duration.is_zero() {
        tokio::time::sleep(duration).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use reqwest::header::{HeaderMap, HeaderValue};

    fn with_retry_after(value: &str) -> Response {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", HeaderValue::from_str(value).unwrap());
        Response::new("s", 429, headers, Bytes::new())
    }

    #[test]
    fn retry_after_overrides_the_action() {
        assert_eq!(
            retry_delay(&with_retry_after("3"), 10.0),
            Duration::from_secs(3)
        );
        let past = httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(60));
        assert_eq!(retry_delay(&with_retry_after(&past), 10.0), Duration::ZERO);
        assert_eq!(
            retry_delay(&with_retry_after("soon"), 0.5),
            Duration::from_millis(500)
        );
        assert_eq!(
            retry_delay(&Response::status_only("s", 503), 2.0),
            Duration::from_secs(2)
        );
    }

    #[test]
    fn missing_outputs_name_the_step() {
        let err = output::<String>(None, "find", "id").unwrap_err();
        assert_eq!(
            err.to_string(),
            "step `find`: output `id` was read before the step ran (a goto skipped it)"
        );
    }

    #[test]
    fn conversions_go_through_json() {
        let n: String = convert("s", "x", &serde_json::json!("7")).unwrap();
        assert_eq!(n, "7");
        let err = convert::<i64, _>("s", "count", &"seven").unwrap_err();
        assert!(err.to_string().contains("input `count`"), "{err}");
    }
}
