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
    within_call(step, timeout_ms, future).await?
}

/// [`within`] for a step that runs a workflow: `Err` only when `step`'s own `timeout` passed
/// (which its `onFailure` actions handle); the callee's result, its own failures included (a
/// timeout of one of its steps too), is `Ok`.
pub async fn within_call<T, F>(
    step: &'static str,
    timeout_ms: u64,
    future: F,
) -> Result<Result<T, WorkflowError>, WorkflowError>
where
    F: Future<Output = Result<T, WorkflowError>>,
{
    let after = Duration::from_millis(timeout_ms);
    tokio::time::timeout(after, future).await.map_err(|_| {
        crate::trace::timeout(step, after);
        WorkflowError::Timeout { step, after }
    })
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

    #[tokio::test]
    async fn a_called_workflow_keeps_its_own_failure_apart_from_the_steps_timeout() {
        let inner = async {
            Err::<u8, _>(WorkflowError::Timeout {
                step: "inner",
                after: Duration::from_millis(1),
            })
        };
        let own = within_call("run", 1_000, inner).await.unwrap();
        assert!(matches!(
            own,
            Err(WorkflowError::Timeout { step: "inner", .. })
        ));
        let slow = async {
            tokio::time::sleep(Duration::from_secs(30)).await;
            Ok::<u8, WorkflowError>(1)
        };
        let passed = within_call("run", 20, slow).await.unwrap_err();
        assert_eq!(passed.to_string(), "step `run`: timed out after 20 ms");
    }
}
