//! One step's HTTP response, read in full so criteria and outputs can look at it.

use std::borrow::Cow;
use std::sync::OnceLock;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{WorkflowError, short_type_name};

/// The response to one step's request. The body is read once; it is parsed as JSON at most
/// once, the first time a criterion or output needs it.
#[derive(Debug)]
pub struct Response {
    step: &'static str,
    status: u16,
    headers: HeaderMap,
    body: Bytes,
    json: OnceLock<Result<Value, String>>,
    /// The longest `Retry-After` a `retry` action honours for this response.
    pub(crate) max_retry_after: Duration,
    /// The `Retry-After` a `retry` action refused as too long, for the step's error.
    pub(crate) refused_retry_after: OnceLock<Duration>,
    /// Which attempt of the step this answered (1 unless `retry` actions reran it).
    pub(crate) attempt: u32,
    /// The credentials the request carried, masked wherever the body is quoted in an error.
    pub(crate) secrets: crate::redact::SentSecrets,
}

/// The longest `Retry-After` honoured unless the client says otherwise: 2 minutes.
pub const DEFAULT_MAX_RETRY_AFTER: Duration = Duration::from_secs(120);

impl Response {
    /// Reads the whole body, refusing (and no longer reading) one of more than `limit` bytes.
    pub(crate) async fn read(
        step: &'static str,
        mut response: reqwest::Response,
        limit: usize,
        max_retry_after: Duration,
    ) -> Result<Self, WorkflowError> {
        let too_large = || WorkflowError::ResponseTooLarge { step, limit };
        let status = response.status().as_u16();
        if response
            .content_length()
            .is_some_and(|length| length > limit as u64)
        {
            return Err(too_large());
        }
        let headers = std::mem::take(response.headers_mut());
        // A body that arrives in one chunk (most small ones) is kept as it came, uncopied.
        let mut first = Bytes::new();
        let mut joined: Option<bytes::BytesMut> = None;
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|source| WorkflowError::transport(step, source))?
        {
            let read = joined.as_ref().map_or(first.len(), bytes::BytesMut::len);
            if read + chunk.len() > limit {
                return Err(too_large());
            }
            match &mut joined {
                Some(joined) => joined.extend_from_slice(&chunk),
                None if first.is_empty() => first = chunk,
                None => {
                    let mut both = bytes::BytesMut::with_capacity(read + chunk.len());
                    both.extend_from_slice(&first);
                    both.extend_from_slice(&chunk);
                    joined = Some(both);
                }
            }
        }
        let body = joined.map_or(first, bytes::BytesMut::freeze);
        let mut read = Self::new(step, status, headers, body);
        read.max_retry_after = max_retry_after;
        Ok(read)
    }

    /// A response assembled by hand (tests, or a hook-driven transport).
    pub fn new(step: &'static str, status: u16, headers: HeaderMap, body: Bytes) -> Self {
        Self {
            step,
            status,
            headers,
            body,
            json: OnceLock::new(),
            max_retry_after: DEFAULT_MAX_RETRY_AFTER,
            refused_retry_after: OnceLock::new(),
            secrets: crate::redact::SentSecrets::default(),
            attempt: 1,
        }
    }

    /// The stand-in response of a step that ran a workflow: only its last status.
    pub fn status_only(step: &'static str, status: u16) -> Self {
        Self::new(step, status, HeaderMap::new(), Bytes::new())
    }

    /// The step this response belongs to.
    pub fn step(&self) -> &'static str {
        self.step
    }

    /// `$statusCode`.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// `$response.header.<name>` (case-insensitive name); `None` when absent or not text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The raw body.
    pub fn body_bytes(&self) -> &Bytes {
        &self.body
    }

    /// The body as text (invalid UTF-8 replaced), for `$response.body` of a text response.
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON.
    pub fn json(&self) -> Result<&Value, WorkflowError> {
        let parsed = self
            .json
            .get_or_init(|| serde_json::from_slice(&self.body).map_err(|err| err.to_string()));
        parsed.as_ref().map_err(|detail| WorkflowError::Decode {
            step: self.step,
            location: "$response.body".to_owned(),
            expected: "JSON".to_owned(),
            detail: detail.clone(),
        })
    }

    /// `$response.body` as a condition operand: the parsed JSON (borrowed), or the text
    /// itself when the body is not JSON (a `text/plain` answer compares as a string).
    pub fn body_operand(&self) -> Cow<'_, Value> {
        match self.json() {
            Ok(json) => Cow::Borrowed(json),
            Err(_) => Cow::Owned(Value::String(self.body_text())),
        }
    }

    /// The value at a JSON pointer in the body as a condition operand, borrowed: `null` when
    /// the body is not JSON or has nothing there (a comparison with it is false, not an error).
    pub fn pointer_or_null(&self, pointer: &str) -> &Value {
        self.pointer_value(pointer).unwrap_or(&Value::Null)
    }

    /// Whether the value at a JSON pointer in the body equals `literal` under the criteria's
    /// rules (`$response.body#/stock == 0`); compares in place, nothing is cloned.
    pub fn pointer_eq(&self, pointer: &str, literal: impl Into<Value>) -> bool {
        crate::__private::cond::eq(self.pointer_or_null(pointer), &literal.into())
    }

    /// The value at a JSON pointer in the body, if the body is JSON and the pointer exists.
    /// Criteria use this: a missing value makes a comparison false, not an error.
    pub fn pointer_value(&self, pointer: &str) -> Option<&Value> {
        self.json().ok().and_then(|json| json.pointer(pointer))
    }

    /// `$response.body#<pointer>` decoded as `T`. A missing value decodes as JSON `null`, so
    /// `Option<T>` outputs are `None` and required outputs fail with the pointer named.
    ///
    /// Until something needs the whole body as JSON, the value is decoded straight from the
    /// bytes (the rest skipped, no `Value` tree built), as typed hand-written code would.
    pub fn body_pointer<T: DeserializeOwned>(&self, pointer: &str) -> Result<T, WorkflowError> {
        if self.json.get().is_none()
            && let Some(value) = crate::pointer::decode_at(&self.body, pointer)
        {
            return Ok(value);
        }
        let json = self.json()?;
        let value = json.pointer(pointer).unwrap_or(&Value::Null);
        T::deserialize(value).map_err(|err| WorkflowError::Decode {
            step: self.step,
            location: format!("$response.body#{pointer}"),
            expected: short_type_name::<T>(),
            detail: if json.pointer(pointer).is_none() {
                "the response has no value there".to_owned()
            } else if pointer
                .rsplit('/')
                .next()
                .is_some_and(crate::redact::looks_secret)
            {
                // serde quotes the value it could not read; this one's name says it is secret.
                "the value there has another type (not shown: its name looks secret)".to_owned()
            } else {
                crate::redact::mask_text(&err.to_string(), &self.secrets.list())
            },
        })
    }

    /// `$response.header.<name>` as an output: required headers fail with the name.
    pub fn header_output(&self, name: &str) -> Result<String, WorkflowError> {
        self.header(name)
            .map(str::to_owned)
            .ok_or_else(|| WorkflowError::Decode {
                step: self.step,
                location: format!("$response.header.{name}"),
                expected: "String".to_owned(),
                detail: "the response has no such header".to_owned(),
            })
    }

    /// The error for a step whose success criteria did not hold.
    /// When a `retry` action was refused because the server's `Retry-After` exceeded the
    /// client's cap, that is the error instead (naming the requested delay).
    pub fn criteria_failed(&self, criterion: &'static str) -> WorkflowError {
        if let Some(&requested) = self.refused_retry_after.get() {
            return WorkflowError::RetryAfterTooLong {
                step: self.step,
                status: self.status,
                requested,
                limit: self.max_retry_after,
            };
        }
        crate::trace::criteria_failed(self.step, criterion, Some(self.status), self.attempt);
        WorkflowError::CriteriaNotMet {
            step: self.step,
            criterion,
            status: self.status,
            attempts: self.attempt,
            body: crate::redact::body_excerpt(&self.body, &self.secrets.list()),
        }
    }
}
