//! The error a generated workflow returns, naming the step that failed and why.

use std::fmt;
use std::time::Duration;

use crate::message::TransportError;

/// Bodies quoted in errors are cut to this many bytes: enough to read an API's error message,
/// not enough to flood a log.
pub(crate) const BODY_EXCERPT_LIMIT: usize = 512;

/// Why a workflow stopped. Every variant names the step; none carries a secret (request URLs
/// are stripped from transport errors, since a query can hold an API key).
#[derive(Debug)]
#[non_exhaustive]
pub enum WorkflowError {
    /// The request could not be sent, or its response could not be read.
    Transport {
        /// The step's `stepId`.
        step: &'static str,
        /// What reqwest reported, without the URL.
        source: reqwest::Error,
    },
    /// A middleware of the client's `reqwest_middleware` stack failed the request (feature
    /// `middleware`; a failure of reqwest itself below the stack is [`Self::Transport`]).
    Middleware {
        /// The step's `stepId`.
        step: &'static str,
        /// The middleware's error with its causes; the URL's query and the request's secrets
        /// are masked.
        message: String,
    },
    /// The request could not be built: an invalid header value, base URL or a hook's refusal.
    Request {
        /// The step's `stepId`.
        step: &'static str,
        /// What was wrong (values that may be secret are not quoted).
        message: String,
    },
    /// The response did not meet the step's success criteria.
    CriteriaNotMet {
        /// The step's `stepId`.
        step: &'static str,
        /// The criterion that failed, as written in the Arazzo document.
        criterion: &'static str,
        /// The response status.
        status: u16,
        /// How many times the step ran: more than 1 when `retry` actions reran it (the last
        /// attempt's response is the one described).
        attempts: u32,
        /// The start of the response body.
        body: String,
    },
    /// A received message did not meet the `receive` step's success criteria.
    MessageCriteriaNotMet {
        /// The step's `stepId`.
        step: &'static str,
        /// The criterion that failed, as written in the Arazzo document.
        criterion: &'static str,
        /// The start of the message's payload, secrets masked as in response bodies.
        payload: String,
    },
    /// An output or criterion needed a value the response did not have in the expected shape.
    Decode {
        /// The step's `stepId`.
        step: &'static str,
        /// The runtime expression that was read (`$response.body#/token`).
        location: String,
        /// The Rust type expected there.
        expected: String,
        /// What was found instead.
        detail: String,
    },
    /// A step read an output of a step that has not run (a `goto` skipped it).
    MissingOutput {
        /// The step that produces the output.
        step: &'static str,
        /// The output's name.
        output: &'static str,
    },
    /// The workflow ran more steps than its budget allows (a `goto` loop that never ends).
    StepBudgetExceeded {
        /// The step about to run when the budget ran out.
        step: &'static str,
        /// The budget.
        budget: usize,
    },
    /// The server asked (`Retry-After`) for a longer wait before a retry than the client
    /// honours ([`ClientBuilder::max_retry_after`](crate::ClientBuilder::max_retry_after)).
    RetryAfterTooLong {
        /// The step's `stepId`.
        step: &'static str,
        /// The response status.
        status: u16,
        /// The delay the server asked for.
        requested: Duration,
        /// The client's cap.
        limit: Duration,
    },
    /// The workflow call ran past the client's deadline
    /// ([`ClientBuilder::workflow_deadline`](crate::ClientBuilder::workflow_deadline)).
    DeadlineExceeded {
        /// The step that was running (the workflow's id when none had started).
        step: &'static str,
        /// The deadline.
        after: Duration,
    },
    /// The response body was larger than the client allows
    /// ([`ClientBuilder::max_response_size`](crate::ClientBuilder::max_response_size)); it was
    /// not read further.
    ResponseTooLarge {
        /// The step's `stepId`.
        step: &'static str,
        /// The limit in bytes.
        limit: usize,
    },
    /// The step did not finish within its `timeout`: a request with its response body, a
    /// connect, a send, or a `receive` waiting for its message.
    Timeout {
        /// The step's `stepId`.
        step: &'static str,
        /// The step's `timeout`.
        after: Duration,
    },
    /// The message connection a step needs could not be opened (refused handshake, wrong
    /// token, unreachable server, no transport for the protocol).
    Connect {
        /// The step's `stepId`.
        step: &'static str,
        /// What the transport reported (never the URL's query or header values).
        source: TransportError,
    },
    /// A message could not be sent, or the connection ended before a `receive` got its
    /// message.
    Message {
        /// The step's `stepId`.
        step: &'static str,
        /// What the transport reported.
        source: TransportError,
    },
    /// More messages arrived for a `receive` step, before it was awaited, than the client's
    /// inbound buffer holds, and none of the buffered ones matched. See
    /// [`ClientBuilder::inbound_buffer`](crate::ClientBuilder::inbound_buffer).
    InboundOverflow {
        /// The step's `stepId`.
        step: &'static str,
        /// The buffer's size in messages.
        limit: usize,
    },
}

impl WorkflowError {
    pub(crate) fn transport(step: &'static str, source: reqwest::Error) -> Self {
        Self::Transport {
            step,
            source: source.without_url(),
        }
    }

    /// The `stepId` of the step that failed.
    pub fn step(&self) -> &'static str {
        match self {
            Self::Transport { step, .. }
            | Self::Middleware { step, .. }
            | Self::Request { step, .. }
            | Self::CriteriaNotMet { step, .. }
            | Self::MessageCriteriaNotMet { step, .. }
            | Self::Decode { step, .. }
            | Self::MissingOutput { step, .. }
            | Self::StepBudgetExceeded { step, .. }
            | Self::Timeout { step, .. }
            | Self::ResponseTooLarge { step, .. }
            | Self::DeadlineExceeded { step, .. }
            | Self::RetryAfterTooLong { step, .. }
            | Self::Connect { step, .. }
            | Self::Message { step, .. }
            | Self::InboundOverflow { step, .. } => step,
        }
    }

    /// Whether the step ran out of its `timeout` (generated code routes this to the step's
    /// `onFailure` actions like any other failure). A passed workflow deadline is not: no
    /// action can help then.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Timeout { .. })
    }

    /// The HTTP status of the failing response, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::CriteriaNotMet { status, .. } | Self::RetryAfterTooLong { status, .. } => {
                Some(*status)
            }
            Self::Connect { source, .. } => source.status(),
            _ => None,
        }
    }
}

impl fmt::Display for WorkflowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Transport { step, source } => {
                write!(f, "step `{step}`: the request failed: {source}")?;
                // reqwest's own message ("error sending request") hides why; its causes
                // (connection refused, a TLS failure...) carry no URL.
                let mut cause = std::error::Error::source(source);
                while let Some(err) = cause {
                    write!(f, ": {err}")?;
                    cause = err.source();
                }
                Ok(())
            }
            Self::Request { step, message } => {
                write!(f, "step `{step}`: cannot build the request: {message}")
            }
            Self::Middleware { step, message } => {
                write!(
                    f,
                    "step `{step}`: a middleware failed the request: {message}"
                )
            }
            Self::CriteriaNotMet {
                step,
                criterion,
                status,
                attempts,
                body,
            } => {
                write!(
                    f,
                    "step `{step}`: success criterion `{criterion}` not met (HTTP status {status}"
                )?;
                if *attempts > 1 {
                    write!(f, ", after {attempts} attempts")?;
                }
                f.write_str(")")?;
                if !body.is_empty() {
                    write!(f, "; response body: {body}")?;
                }
                Ok(())
            }
            Self::MessageCriteriaNotMet {
                step,
                criterion,
                payload,
            } => {
                write!(
                    f,
                    "step `{step}`: success criterion `{criterion}` not met by the received message"
                )?;
                if !payload.is_empty() {
                    write!(f, "; payload: {payload}")?;
                }
                Ok(())
            }
            Self::Decode {
                step,
                location,
                expected,
                detail,
            } => write!(
                f,
                "step `{step}`: cannot read `{location}` as {expected}: {detail}"
            ),
            Self::MissingOutput { step, output } => write!(
                f,
                "step `{step}`: output `{output}` was read before the step ran (a goto skipped it)"
            ),
            Self::StepBudgetExceeded { step, budget } => write!(
                f,
                "step `{step}`: the workflow ran {budget} steps without finishing (a goto loop?)"
            ),
            Self::RetryAfterTooLong {
                step,
                status,
                requested,
                limit,
            } => write!(
                f,
                "step `{step}`: HTTP status {status} asked to retry after {} s, longer than the \
                 client waits ({} s, ClientBuilder::max_retry_after)",
                requested.as_secs(),
                limit.as_secs()
            ),
            Self::DeadlineExceeded { step, after } => write!(
                f,
                "step `{step}`: the workflow ran past its deadline of {}",
                Millis(*after)
            ),
            Self::ResponseTooLarge { step, limit } => write!(
                f,
                "step `{step}`: the response body is larger than the client's limit of {limit} \
                 bytes (ClientBuilder::max_response_size)"
            ),
            Self::Timeout { step, after } => {
                write!(f, "step `{step}`: timed out after {}", Millis(*after))
            }
            Self::Connect { step, source } => {
                write!(
                    f,
                    "step `{step}`: cannot open the message connection: {source}"
                )
            }
            Self::Message { step, source } => {
                write!(f, "step `{step}`: the message connection failed: {source}")
            }
            Self::InboundOverflow { step, limit } => write!(
                f,
                "step `{step}`: more than {limit} messages arrived before the step was awaited, \
                 none of them matching (raise ClientBuilder::inbound_buffer)"
            ),
        }
    }
}

impl std::error::Error for WorkflowError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Transport { source, .. } => Some(source),
            Self::Connect { source, .. } | Self::Message { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// A duration as a step's `timeout` is written: whole milliseconds.
struct Millis(Duration);

impl fmt::Display for Millis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ms", self.0.as_millis())
    }
}

/// The start of a body as text, cut on a character boundary.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    if text.len() <= BODY_EXCERPT_LIMIT {
        return text.into_owned();
    }
    let mut end = BODY_EXCERPT_LIMIT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes in all)", &text[..end], body.len())
}

/// `alloc::string::String` → `String`, `core::option::Option<i64>` → `Option<i64>`.
pub(crate) fn short_type_name<T: ?Sized>() -> String {
    let full = std::any::type_name::<T>();
    let mut out = String::with_capacity(full.len());
    let mut segment = String::new();
    for c in full.chars() {
        if c.is_alphanumeric() || c == '_' || c == ':' {
            segment.push(c);
        } else {
            out.push_str(segment.rsplit("::").next().unwrap_or_default());
            segment.clear();
            out.push(c);
        }
    }
    out.push_str(segment.rsplit("::").next().unwrap_or_default());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_are_short() {
        assert_eq!(short_type_name::<String>(), "String");
        assert_eq!(
            short_type_name::<Option<Vec<String>>>(),
            "Option<Vec<String>>"
        );
        assert_eq!(short_type_name::<i64>(), "i64");
    }

    #[test]
    fn long_bodies_are_cut_on_a_char_boundary() {
        let body = "é".repeat(BODY_EXCERPT_LIMIT);
        let cut = excerpt(body.as_bytes());
        assert!(cut.ends_with(&format!("({} bytes in all)", body.len())));
        assert!(cut.len() < body.len());
    }

    #[test]
    fn criteria_errors_name_the_step_and_status() {
        let err = WorkflowError::CriteriaNotMet {
            step: "generateToken",
            criterion: "$statusCode == 200",
            status: 401,
            attempts: 1,
            body: String::new(),
        };
        assert_eq!(
            err.to_string(),
            "step `generateToken`: success criterion `$statusCode == 200` not met (HTTP status 401)"
        );
        assert_eq!(err.status(), Some(401));
        let retried = WorkflowError::CriteriaNotMet {
            step: "poll",
            criterion: "$statusCode == 200",
            status: 503,
            attempts: 3,
            body: "busy".to_owned(),
        };
        assert_eq!(
            retried.to_string(),
            "step `poll`: success criterion `$statusCode == 200` not met (HTTP status 503, after \
             3 attempts); response body: busy"
        );
    }
}
