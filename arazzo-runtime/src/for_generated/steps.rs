//! The step driver of a workflow whose actions jump between steps (`goto`, `retry`): which
//! step runs next, the step budget that ends `goto` loops, and each step's retry count, in one
//! value, so that the generated loop states only what each step does.

use crate::error::WorkflowError;
use crate::response::Response;

use super::flow::{retry_delay, server_delay, sleep};

/// Where a branching workflow is: `N` steps, run in order unless an action jumps.
#[derive(Debug)]
pub struct Steps<const N: usize> {
    ids: [&'static str; N],
    budget: usize,
    executed: usize,
    current: usize,
    next: usize,
    retries: [u32; N],
    /// The step to go back to once the step a `retry` action ran first has succeeded.
    resume: Option<usize>,
}

impl<const N: usize> Steps<N> {
    /// A workflow with these step ids that may run at most `budget` steps.
    pub fn new(ids: [&'static str; N], budget: usize) -> Self {
        Self {
            ids,
            budget,
            executed: 0,
            current: 0,
            next: 0,
            retries: [0; N],
            resume: None,
        }
    }

    /// The index of the step to run now (call once per turn of the loop): `None` past the last step, and
    /// `StepBudgetExceeded` (naming the step) once it would be step number `budget + 1`.
    pub fn step(&mut self) -> Result<Option<usize>, WorkflowError> {
        let Some(&step) = self.ids.get(self.next) else {
            return Ok(None);
        };
        self.executed += 1;
        if self.executed > self.budget {
            return Err(WorkflowError::StepBudgetExceeded {
                step,
                budget: self.budget,
            });
        }
        self.current = self.next;
        let retries = self.retries.get(self.current).copied().unwrap_or_default();
        super::deadline::start_attempt(step, retries.saturating_add(1));
        Ok(Some(self.current))
    }

    /// The current step met its success criteria: its retry count starts over.
    pub fn succeeded(&mut self) -> &mut Self {
        if let Some(count) = self.retries.get_mut(self.current) {
            *count = 0;
        }
        self
    }

    /// Goes on with the step after the current one, or back to the step a `retry` left.
    pub fn advance(&mut self) {
        self.next = self.resume.take().unwrap_or(self.current + 1);
    }

    /// A `goto` action. A pending return from a `retry` belongs to the path it leaves, so it
    /// is dropped.
    pub fn goto(&mut self, step: usize) {
        let to = self.ids.get(step).copied().unwrap_or_default();
        crate::trace::goto(self.step_id(), to);
        self.resume = None;
        self.next = step;
    }

    /// An `end` action: the generated loop breaks after this; the event says which step
    /// ended the workflow.
    pub fn end(&self) {
        crate::trace::end(self.step_id());
    }

    /// A `retry` action: while the current step has been retried fewer than `limit` times,
    /// waits (the response's `Retry-After`, else `after_secs`), counts the retry and runs the
    /// step again, or first the step `first` and then this one again; returns whether it
    /// retries. A `Retry-After` beyond the client's cap is not honoured: no retry, and the
    /// response's `criteria_failed` then names the requested delay.
    pub async fn retry(
        &mut self,
        response: &Response,
        limit: u32,
        after_secs: f64,
        first: Option<usize>,
    ) -> bool {
        if !self.retries_left(limit) {
            return false;
        }
        if let Some(requested) = server_delay(response).filter(|d| *d > response.max_retry_after) {
            crate::trace::retry_refused(self.step_id(), requested);
            let _ = response.refused_retry_after.set(requested);
            return false;
        }
        self.retry_after(retry_delay(response, after_secs), first)
            .await
    }

    /// A `retry` action of a step that failed without a response (it timed out, or a
    /// `receive` got no matching message): as [`Steps::retry`], waiting `after_secs`.
    pub async fn retry_failed(
        &mut self,
        limit: u32,
        after_secs: f64,
        first: Option<usize>,
    ) -> bool {
        if !self.retries_left(limit) {
            return false;
        }
        let delay = std::time::Duration::try_from_secs_f64(after_secs).unwrap_or_default();
        self.retry_after(delay, first).await
    }

    /// A `retry` action of the `receive` step `receive`, joined at the current step (its
    /// message failed a criterion, or none came in time): while that receive has been retried
    /// fewer than `limit` times, waits `after_secs`, counts the retry and runs the receive
    /// again (it listens anew), then the steps after it in order, or first the step `first`;
    /// returns whether it retries. Its count starts over at [`Steps::received`].
    pub async fn retry_receive(
        &mut self,
        receive: usize,
        limit: u32,
        after_secs: f64,
        first: Option<usize>,
    ) -> bool {
        let Some(count) = self.retries.get_mut(receive).filter(|c| **c < limit) else {
            return false;
        };
        *count += 1;
        let attempt = *count + 1;
        let delay = std::time::Duration::try_from_secs_f64(after_secs).unwrap_or_default();
        let id = self.ids.get(receive).copied().unwrap_or_default();
        crate::trace::retry(id, attempt, delay);
        sleep(delay).await;
        match first {
            Some(step) => {
                self.resume = Some(receive);
                self.next = step;
            }
            None => self.next = receive,
        }
        true
    }

    /// The `receive` step `receive`, joined at the current step, met its criteria: its retry
    /// count starts over.
    pub fn received(&mut self, receive: usize) {
        if let Some(count) = self.retries.get_mut(receive) {
            *count = 0;
        }
    }

    /// Whether the current step has run fewer than `limit` retries.
    fn retries_left(&self, limit: u32) -> bool {
        self.retries
            .get(self.current)
            .is_some_and(|&count| count < limit)
    }

    /// The current step's id, for traces.
    fn step_id(&self) -> &'static str {
        self.ids.get(self.current).copied().unwrap_or_default()
    }

    /// Counts a retry of the current step, waits `delay` and sets up its rerun (after `first`
    /// when given). `retries_left` has been checked.
    async fn retry_after(&mut self, delay: std::time::Duration, first: Option<usize>) -> bool {
        let Some(count) = self.retries.get_mut(self.current) else {
            return false;
        };
        *count += 1;
        let attempt = *count + 1;
        crate::trace::retry(self.step_id(), attempt, delay);
        sleep(delay).await;
        self.rerun(first);
        true
    }

    /// Runs the current step again, or first the step `first`.
    fn rerun(&mut self, first: Option<usize>) {
        match first {
            Some(step) => {
                self.resume = Some(self.current);
                self.next = step;
            }
            None => self.next = self.current,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(steps: &mut Steps<3>) -> Vec<usize> {
        let mut order = Vec::new();
        while let Ok(Some(step)) = steps.step() {
            order.push(step);
            steps.succeeded().advance();
        }
        order
    }

    #[test]
    fn runs_in_order_and_stops_after_the_last_step() {
        let mut steps = Steps::new(["a", "b", "c"], 10);
        assert_eq!(run(&mut steps), [0, 1, 2]);
        assert!(matches!(steps.step(), Ok(None)));
    }

    #[test]
    fn a_goto_loop_ends_at_the_budget_naming_the_step() {
        let mut steps = Steps::new(["a", "b", "c"], 4);
        let mut order = Vec::new();
        let err = loop {
            match steps.step() {
                Ok(Some(step)) => {
                    order.push(step);
                    steps.goto(1);
                }
                Ok(None) => panic!("the loop never ends by itself"),
                Err(err) => break err,
            }
        };
        assert_eq!(order, [0, 1, 1, 1]);
        assert!(matches!(
            err,
            WorkflowError::StepBudgetExceeded {
                step: "b",
                budget: 4
            }
        ));
    }

    #[tokio::test]
    async fn retries_up_to_the_limit_and_a_success_starts_the_count_over() {
        let response = Response::status_only("a", 503);
        let mut steps = Steps::new(["a", "b", "c"], 100);
        assert_eq!(steps.step().ok(), Some(Some(0)));
        assert!(steps.retry(&response, 2, 0.0, None).await);
        assert_eq!(steps.step().ok(), Some(Some(0)));
        assert!(steps.retry(&response, 2, 0.0, None).await);
        assert_eq!(steps.step().ok(), Some(Some(0)));
        assert!(!steps.retry(&response, 2, 0.0, None).await);
        steps.succeeded().advance();
        assert_eq!(steps.step().ok(), Some(Some(1)));
        steps.goto(0);
        assert_eq!(steps.step().ok(), Some(Some(0)));
        assert!(
            steps.retry(&response, 2, 0.0, None).await,
            "the count started over"
        );
    }

    #[tokio::test]
    async fn a_step_that_failed_without_a_response_retries_up_to_the_limit() {
        let mut steps = Steps::new(["a", "b"], 100);
        assert_eq!(steps.step().ok(), Some(Some(0)));
        let started = std::time::Instant::now();
        assert!(steps.retry_failed(1, 0.05, None).await);
        assert!(started.elapsed() >= std::time::Duration::from_millis(50));
        assert_eq!(steps.step().ok(), Some(Some(0)), "the same step again");
        assert!(!steps.retry_failed(1, 0.05, None).await, "the limit");
        assert!(steps.retry_failed(2, 0.0, Some(1)).await);
        assert_eq!(steps.step().ok(), Some(Some(1)), "the step run first");
        steps.succeeded().advance();
        assert_eq!(steps.step().ok(), Some(Some(0)), "then back");
    }

    #[tokio::test]
    async fn a_retry_after_beyond_the_cap_fails_the_step_naming_the_delay() {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            "retry-after",
            reqwest::header::HeaderValue::from_static("86400"),
        );
        let response = Response::new("poll", 429, headers, bytes::Bytes::new());
        let mut steps = Steps::new(["poll"], 100);
        assert_eq!(steps.step().ok(), Some(Some(0)));
        let started = std::time::Instant::now();
        assert!(!steps.retry(&response, 5, 0.0, None).await, "not honoured");
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        let err = response.criteria_failed("$statusCode == 200");
        assert_eq!(
            err.to_string(),
            "step `poll`: HTTP status 429 asked to retry after 86400 s, longer than the client \
             waits (120 s, ClientBuilder::max_retry_after)"
        );
        assert_eq!(err.status(), Some(429));
    }

    #[tokio::test]
    async fn a_receive_retried_at_its_join_runs_again_from_the_receive_within_its_limit() {
        // "r" (0) starts listening, "send" (1), "join" (2) joins it; the receive's retry
        // counts against "r", not "join", and "r" starting again does not reset it.
        let mut steps = Steps::new(["r", "send", "join"], 100);
        let mut order = Vec::new();
        let mut retried = 0;
        while let Ok(Some(step)) = steps.step() {
            order.push(step);
            if step == 2 {
                if steps.retry_receive(0, 2, 0.0, None).await {
                    retried += 1;
                    continue;
                }
                break;
            }
            // The receive's arm only starts listening: no `succeeded`.
            steps.advance();
        }
        assert_eq!(retried, 2);
        assert_eq!(order, [0, 1, 2, 0, 1, 2, 0, 1, 2]);
        // A message that meets the criteria starts its count over.
        steps.received(0);
        assert!(steps.retry_receive(0, 1, 0.0, Some(1)).await);
        assert_eq!(steps.step().ok().flatten(), Some(1));
        steps.advance();
        assert_eq!(
            steps.step().ok().flatten(),
            Some(0),
            "back to the receive after `first`"
        );
    }

    #[tokio::test]
    async fn a_retry_through_another_step_comes_back_unless_a_goto_intervenes() {
        let response = Response::status_only("c", 401);
        let mut steps = Steps::new(["a", "b", "c"], 100);
        steps.goto(2);
        assert_eq!(steps.step().ok(), Some(Some(2)));
        assert!(steps.retry(&response, 1, 0.0, Some(0)).await);
        assert_eq!(steps.step().ok(), Some(Some(0)));
        steps.succeeded().advance();
        assert_eq!(steps.step().ok(), Some(Some(2)), "back to the retried step");
        assert!(
            !steps.retry(&response, 1, 0.0, Some(0)).await,
            "limit reached"
        );

        let mut steps = Steps::new(["a", "b", "c"], 100);
        steps.goto(2);
        steps.step().ok();
        assert!(steps.retry(&response, 1, 0.0, Some(0)).await);
        steps.step().ok();
        steps.goto(1);
        assert_eq!(steps.step().ok(), Some(Some(1)));
        steps.succeeded().advance();
        assert_eq!(
            steps.step().ok(),
            Some(Some(2)),
            "the goto dropped the return"
        );
    }
}
