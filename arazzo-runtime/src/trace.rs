//! What the runtime reports through `tracing` (feature `tracing`, on by default): a span per
//! workflow call (`arazzo.workflow`) and per step the runtime sees (`arazzo.step`: step id,
//! kind, HTTP method, attempt, status, latency), and events for retries, refused retries and timeouts.
//! Never a URL, its query or a header value. Without the feature these are no-ops.

use std::future::Future;
use std::time::Duration;

use crate::error::WorkflowError;

/// Runs `future` in a workflow's span.
pub(crate) async fn workflow<T>(workflow: &'static str, future: impl Future<Output = T>) -> T {
    #[cfg(feature = "tracing")]
    {
        use tracing::Instrument;
        let span = tracing::info_span!("arazzo.workflow", workflow);
        if span.is_disabled() {
            // Nothing listens: no span to enter and leave on every poll.
            return future.await;
        }
        future.instrument(span).await
    }
    #[cfg(not(feature = "tracing"))]
    {
        let _ = workflow;
        future.await
    }
}

/// Runs one step's operation (`kind`: `http`, `connect`, `send`, `receive`) in its span,
/// recording its latency, the HTTP status `status` reads from the result, and a failure.
/// `(operation, template)`: the OpenAPI operation and path template (or the channel address
/// of a message step), each left out of the span when empty.
pub(crate) async fn step<T>(
    step: &'static str,
    kind: &'static str,
    method: &str,
    (operation, template): (&'static str, &'static str),
    future: impl Future<Output = Result<T, WorkflowError>>,
    status: impl FnOnce(&T) -> Option<u16>,
) -> Result<T, WorkflowError> {
    #[cfg(feature = "tracing")]
    {
        use tracing::Instrument;
        let span = tracing::info_span!(
            "arazzo.step",
            step,
            kind,
            method,
            attempt = crate::__private::deadline::attempt(step),
            operation = tracing::field::Empty,
            path = tracing::field::Empty,
            status = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        if span.is_disabled() {
            // Nothing listens to steps: no span to enter on every poll, no clock to read. A
            // subscriber may still want the failure (one that takes warnings only, say).
            let result = future.await;
            if let Err(err) = &result {
                tracing::warn!(step, error = %err, "step failed");
            }
            return result;
        }
        if !operation.is_empty() {
            span.record("operation", operation);
        }
        if !template.is_empty() {
            span.record("path", template);
        }
        let started = std::time::Instant::now();
        let result = future.instrument(span.clone()).await;
        let latency = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        span.record("latency_ms", latency);
        match &result {
            Ok(value) => {
                if let Some(code) = status(value) {
                    span.record("status", code);
                }
            }
            Err(err) => {
                if let Some(code) = err.status() {
                    span.record("status", code);
                }
                tracing::warn!(parent: &span, error = %err, "step failed");
            }
        }
        result
    }
    #[cfg(not(feature = "tracing"))]
    {
        let _ = (step, kind, method, operation, template, status);
        future.await
    }
}

/// A `retry` action about to wait `delay` before attempt number `attempt` (2 = first retry).
pub(crate) fn retry(step: &'static str, attempt: u32, delay: Duration) {
    #[cfg(feature = "tracing")]
    tracing::info!(
        step,
        attempt,
        delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
        "retrying step"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = (step, attempt, delay);
}

/// A `retry` action not honoured: the server's `Retry-After` is beyond the client's cap.
pub(crate) fn retry_refused(step: &'static str, requested: Duration) {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        step,
        requested_s = requested.as_secs(),
        "Retry-After beyond the client's cap: not retrying"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = (step, requested);
}

/// A step's `timeout` (or the workflow's deadline) passed.
pub(crate) fn timeout(step: &'static str, after: Duration) {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        step,
        after_ms = u64::try_from(after.as_millis()).unwrap_or(u64::MAX),
        "timed out"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = (step, after);
}

/// A `goto` action from step `from` to step `to` of the same workflow.
pub(crate) fn goto(from: &'static str, to: &'static str) {
    #[cfg(feature = "tracing")]
    tracing::info!(step = from, to, "goto");
    #[cfg(not(feature = "tracing"))]
    let _ = (from, to);
}

/// An `end` action: the workflow ends after step `step`.
pub(crate) fn end(step: &'static str) {
    #[cfg(feature = "tracing")]
    tracing::info!(step, "end");
    #[cfg(not(feature = "tracing"))]
    let _ = step;
}

/// A step's success criterion did not hold (after `attempts` runs of the step); `status` is
/// the HTTP status, none for a message step. Only the criterion's text is recorded, never the
/// body or message it was tested on.
pub(crate) fn criteria_failed(
    step: &'static str,
    criterion: &'static str,
    status: Option<u16>,
    attempts: u32,
) {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        step,
        criterion,
        status,
        attempts,
        "success criteria not met"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = (step, criterion, status, attempts);
}
