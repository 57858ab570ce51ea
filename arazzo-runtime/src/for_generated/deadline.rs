//! The whole-workflow deadline (`ClientBuilder::workflow_deadline`).
//!
//! A generated workflow function is a plain `fn` handing its steps to [`workflow`]:
//!
//! ```no_run
//! # use arazzo_runtime::__private as rt;
//! # fn doc(client: &arazzo_runtime::Client) -> impl Future<Output = Result<u16, arazzo_runtime::WorkflowError>> + Send + '_ {
//! rt::deadline::workflow(client, "workflowId", Box::pin(async { /* the steps */ Ok(200) }))
//! # }
//! ```
//!
//! The steps come boxed and type-erased, and `workflow` erases their outputs' type too (they
//! land in a slot), so the deadline's runner (with the timeout, task-local and tracing layers
//! under it) is compiled once in this crate, not once per workflow in the user's: generic, it
//! was 114 of the 156 functions each workflow compiled. Boxed also so that the layers move a
//! pointer: nested workflow calls would otherwise copy each callee's whole state through them,
//! which overflows a debug build's stack.
//! And no workflow has an `async fn` of its own around its steps for rustc to type-check and
//! borrow-check: `workflow`'s small body, checked once here, is all each one instantiates
//! (issue 11, item 4: about 0.4 MB less rustc memory per workflow).
//!
//! Within it, each step the runtime sees start (a request sent, a connect, a send, a receive
//! awaited) is remembered, so that a deadline that passes names the step that was running. A
//! workflow called as a step of another runs under the caller's deadline, not a fresh one.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;

use crate::client::Client;
use crate::error::WorkflowError;

tokio::task_local! {
    /// The step running in the current workflow call, when inside `run`.
    static CURRENT: Cell<Current>;
}

/// What the runtime knows of the running workflow call.
#[derive(Clone, Copy)]
struct Current {
    /// The step running (the workflow's id before any has started).
    step: &'static str,
    /// The step a branching workflow's driver started last, and which attempt of it this is
    /// (`retry` actions rerun a step): a request of that step records it on its response.
    attempt: (&'static str, u32),
}

impl Current {
    fn new(workflow: &'static str) -> Cell<Self> {
        Cell::new(Self {
            step: workflow,
            attempt: ("", 1),
        })
    }
}

/// A workflow's steps as generated code hands them over: boxed, type-erased, giving the
/// outputs.
pub type Outputs<'a, O> = Pin<Box<dyn Future<Output = Result<O, WorkflowError>> + Send + 'a>>;

/// The steps as [`run`] takes them: pinned in [`workflow`]'s own state, leaving the outputs in
/// a slot there, so that `run` is one function whatever the outputs' type.
type Steps<'a> = Pin<&'a mut (dyn Future<Output = Result<(), WorkflowError>> + Send + 'a)>;

/// Runs a workflow's steps under the client's deadline; past it the steps are dropped (their
/// request cancelled) and the result is [`WorkflowError::DeadlineExceeded`] naming the step
/// that was running (the workflow's id when none had started).
async fn run(
    client: &Client,
    workflow: &'static str,
    steps: Steps<'_>,
) -> Result<(), WorkflowError> {
    if CURRENT.try_with(|_| ()).is_ok() {
        // A nested workflow: the outer deadline already bounds it.
        return crate::trace::workflow(workflow, steps).await;
    }
    let Some(after) = client.workflow_deadline() else {
        let steps = crate::trace::workflow(workflow, steps);
        return CURRENT.scope(Current::new(workflow), steps).await;
    };
    let bounded = async move {
        match tokio::time::timeout(after, steps).await {
            Ok(result) => result,
            Err(_) => {
                let step = CURRENT.try_with(|c| c.get().step).unwrap_or(workflow);
                crate::trace::timeout(step, after);
                Err(WorkflowError::DeadlineExceeded { step, after })
            }
        }
    };
    CURRENT
        .scope(
            Current::new(workflow),
            crate::trace::workflow(workflow, bounded),
        )
        .await
}

/// Runs a workflow's `steps` under the client's deadline and returns the outputs they give.
/// Generic only in the outputs' type, with a small body: that is all each workflow
/// instantiates.
///
/// The future is declared `Send` rather than left to be inferred: a workflow function returns
/// `impl Future + Send`, and with the bound here rustc takes it as given instead of proving it
/// again, through every future inside, for each workflow of the user's crate.
// Not `async fn`, which clippy suggests: that would drop the `Send` bound this is for.
#[allow(clippy::manual_async_fn)]
pub fn workflow<'a, O: Send + 'a>(
    client: &'a Client,
    workflow: &'static str,
    steps: Outputs<'a, O>,
) -> impl Future<Output = Result<O, WorkflowError>> + Send + 'a {
    async move {
        let mut out = None;
        {
            let slot = &mut out;
            let erased = std::pin::pin!(async move {
                *slot = Some(steps.await?);
                Ok(())
            });
            run(client, workflow, erased).await?;
        }
        // The steps filled the slot when they returned `Ok`, so `None` cannot happen; it is
        // still an error, not a panic.
        out.ok_or(WorkflowError::MissingOutput {
            step: workflow,
            output: "outputs",
        })
    }
}

/// Notes that `step` is running (nothing outside `run`).
pub(crate) fn enter(step: &'static str) {
    let _ = CURRENT.try_with(|current| {
        current.set(Current {
            step,
            ..current.get()
        })
    });
}

/// Notes that the step driver starts attempt number `attempt` of `step` (nothing outside
/// `run`).
pub(crate) fn start_attempt(step: &'static str, attempt: u32) {
    let _ = CURRENT.try_with(|current| {
        current.set(Current {
            attempt: (step, attempt),
            ..current.get()
        })
    });
}

/// Which attempt of `step` is running: 1 unless a `retry` action reran it.
pub(crate) fn attempt(step: &'static str) -> u32 {
    CURRENT
        .try_with(|current| match current.get().attempt {
            (started, attempt) if started == step => attempt,
            _ => 1,
        })
        .unwrap_or(1)
}
