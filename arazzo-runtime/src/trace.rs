//! What the runtime reports through `tracing` (feature `tracing`, on by default): a span per
//! workflow call (`arazzo.workflow`) and per step the runtime sees (`arazzo.step`: step id,
//! kind, HTTP method, attempt, status, latency), and events for retries, refused retries and timeouts.
//! Never a URL, its query or a header value. Without the feature these are no-ops.

use std::future::Future;
#[cfg(feature = "tracing")]
use std::pin::Pin;
#[cfg(feature = "tracing")]
use std::task::{Context, Poll};
use std::time::Duration;

use crate::error::WorkflowError;

// `workflow` and `step` return futures of their own rather than being `async fn`s: an
// `async fn` taking a future keeps it twice in its state (once as the argument, once while
// awaiting it), and a step's future is boxed per request, so its size is memory written per
// step (issue 11, item 2: the boxed HTTP step went from 3,200 to 1,360 bytes).

/// Runs `future` in a workflow's span.
pub(crate) fn workflow<F: Future>(
    workflow: &'static str,
    future: F,
) -> impl Future<Output = F::Output> {
    #[cfg(feature = "tracing")]
    {
        Traced::new(tracing::info_span!("arazzo.workflow", workflow), future)
    }
    #[cfg(not(feature = "tracing"))]
    {
        let _ = workflow;
        future
    }
}

#[cfg(feature = "tracing")]
pin_project_lite::pin_project! {
    /// A future in a span when the span has a subscriber, and as it is when not: then no span
    /// is entered and left on every poll.
    #[project = TracedProj]
    enum Traced<F> {
        Quiet { #[pin] future: F },
        Spanned { #[pin] future: tracing::instrument::Instrumented<F> },
    }
}

#[cfg(feature = "tracing")]
impl<F> Traced<F> {
    fn new(span: tracing::Span, future: F) -> Self {
        use tracing::Instrument;
        if span.is_disabled() {
            Traced::Quiet { future }
        } else {
            Traced::Spanned {
                future: future.instrument(span),
            }
        }
    }

    /// The span, when there is one.
    fn span(&self) -> Option<&tracing::Span> {
        match self {
            Traced::Quiet { .. } => None,
            Traced::Spanned { future } => Some(future.span()),
        }
    }
}

#[cfg(feature = "tracing")]
impl<F: Future> Future for Traced<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        match self.project() {
            TracedProj::Quiet { future } => future.poll(cx),
            TracedProj::Spanned { future } => future.poll(cx),
        }
    }
}

/// Runs one step's operation (`kind`: `http`, `connect`, `send`, `receive`) in its span,
/// recording its latency, the HTTP status `status` reads from the result, and a failure.
/// `(operation, template)`: the OpenAPI operation and path template (or the channel address
/// of a message step), each left out of the span when empty.
///
/// The span is made here, when the step's future is (the method is recorded then, not
/// kept): the operation itself still runs only when that future is polled.
pub(crate) fn step<F, T, S>(
    step: &'static str,
    kind: &'static str,
    method: &str,
    (operation, template): (&'static str, &'static str),
    future: F,
    status: S,
) -> impl Future<Output = Result<T, WorkflowError>> + use<F, T, S>
where
    F: Future<Output = Result<T, WorkflowError>>,
    S: FnOnce(&T) -> Option<u16>,
{
    #[cfg(feature = "tracing")]
    {
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
        let inner = Traced::new(span, future);
        let started = inner.span().map(|span| {
            if !operation.is_empty() {
                span.record("operation", operation);
            }
            if !template.is_empty() {
                span.record("path", template);
            }
            std::time::Instant::now()
        });
        Step {
            inner,
            step,
            status: Some(status),
            started,
        }
    }
    #[cfg(not(feature = "tracing"))]
    {
        let _ = (step, kind, method, operation, template, status);
        future
    }
}

#[cfg(feature = "tracing")]
pin_project_lite::pin_project! {
    /// [`step`]'s future: the operation's future in the step's span, and what to record when
    /// it ends.
    struct Step<F, S> {
        #[pin]
        inner: Traced<F>,
        step: &'static str,
        status: Option<S>,
        // When the span has a subscriber: the latency is recorded on it.
        started: Option<std::time::Instant>,
    }
}

#[cfg(feature = "tracing")]
impl<F, T, S> Future for Step<F, S>
where
    F: Future<Output = Result<T, WorkflowError>>,
    S: FnOnce(&T) -> Option<u16>,
{
    type Output = Result<T, WorkflowError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let Poll::Ready(result) = this.inner.as_mut().poll(cx) else {
            return Poll::Pending;
        };
        let Some(span) = this.inner.span() else {
            // Nothing listens to steps. A subscriber may still want the failure (one that
            // takes warnings only, say).
            if let Err(err) = &result {
                tracing::warn!(step = *this.step, error = %err, "step failed");
            }
            return Poll::Ready(result);
        };
        if let Some(started) = this.started.take() {
            span.record(
                "latency_ms",
                u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            );
        }
        match &result {
            Ok(value) => {
                if let Some(code) = this.status.take().and_then(|status| status(value)) {
                    span.record("status", code);
                }
            }
            Err(err) => {
                if let Some(code) = err.status() {
                    span.record("status", code);
                }
                tracing::warn!(parent: span, error = %err, "step failed");
            }
        }
        Poll::Ready(result)
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
