//! A step's `timeout` (ms) around whatever the step awaits.

use std::future::Future;
use std::time::Duration;

use crate::error::WorkflowError;

/// Runs `step`'s future (an HTTP request with its response body, a connect, a send) for at
/// most `timeout_ms`; past it the future is dropped (the request is cancelled) and the result
/// is [`WorkflowError::Timeout`], which [`WorkflowError::is_timeout`] tells apart so the
/// generated code can run the step's `onFailure` actions.
pub async fn within<T, F>(
    step: &'static str,
    timeout_ms: u64,
    future: F,
) -> Result<T, WorkflowError>
where
    F: Future<Output = Result<T, WorkflowError>>,
{
    let after = Duration::from_millis(timeout_ms);
    tokio::time::timeout(after, future)
        .await
        .unwrap_or(Err(WorkflowError::Timeout { step, after }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_slow_step_times_out_naming_the_step_and_the_duration() {
        let slow = async {
            tokio::time::sleep(Duration::from_secs(30)).await;
            Ok::<_, WorkflowError>(1)
        };
        let err = within("fetch", 20, slow).await.unwrap_err();
        assert!(err.is_timeout());
        assert_eq!(err.to_string(), "step `fetch`: timed out after 20 ms");
        assert_eq!(within("fetch", 1_000, async { Ok(7) }).await.ok(), Some(7));
    }
}
