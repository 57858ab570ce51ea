//! Control flow of a branching workflow: which steps run on every path to a normal end.

use std::collections::BTreeSet;

use crate::plan::{ActionKind, StepPlan};

/// The stepIds that succeed on every path from the first step to a normal end (an `end`
/// action, a transfer to another workflow, or running past the last step). Their outputs are
/// always set when the workflow returns; the others' are `Option`s.
pub(super) fn always_run(steps: &[StepPlan]) -> BTreeSet<String> {
    let n = steps.len();
    let exit = n;
    let mut edges: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, s) in steps.iter().enumerate() {
        // Success with no matching action: the next step (or a step that asked to resume
        // here after a retry, which only adds paths through this step).
        edges[i].push(i + 1);
        for a in s.on_success.iter().chain(&s.on_failure) {
            match &a.kind {
                ActionKind::End | ActionKind::GotoWorkflow(_) => edges[i].push(exit),
                ActionKind::GotoStep(k) => edges[i].push(*k),
                ActionKind::Retry { step, .. } => {
                    edges[i].push(i);
                    if let Some(k) = step {
                        edges[i].push(*k);
                        edges[*k].push(i);
                    }
                }
            }
        }
    }
    let reaches_exit_without = |skip: usize| {
        let mut seen = vec![false; n + 1];
        let mut stack = vec![0];
        while let Some(node) = stack.pop() {
            if node == skip || seen[node.min(exit)] {
                continue;
            }
            let node = node.min(exit);
            seen[node] = true;
            if node == exit {
                return true;
            }
            stack.extend(edges[node].iter().copied());
        }
        false
    };
    // A step whose failure an action handles may end or jump without its outputs (they are read
    // from a failed response only where present).
    let handles_failure = |s: usize| {
        steps[s].on_failure.iter().any(|a| {
            matches!(
                a.kind,
                ActionKind::End | ActionKind::GotoStep(_) | ActionKind::GotoWorkflow(_)
            )
        })
    };
    (0..n)
        .filter(|&s| (s == 0 || !reaches_exit_without(s)) && !handles_failure(s))
        .map(|s| steps[s].id.clone())
        .collect()
}
