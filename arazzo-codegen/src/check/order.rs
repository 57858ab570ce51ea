//! Arazzo 1.1 step `dependsOn` and `timeout` as far as this generator runs them: synchronous
//! steps run in document order, one at a time; a `receive` starts listening where it is and is
//! joined before the first later step that `dependsOn` it or reads its outputs (else at the
//! workflow's end). So a `dependsOn` on an earlier step of the same workflow is satisfied.
//! What cannot be honoured that way is an error, never ignored:
//!
//! - `dependsOn` on a later step: the "Step Dependencies and Execution Order" section
//!   recommends this be an error for sequential execution, and it can never be satisfied by it;
//! - `dependsOn` on another workflow's step (`$workflows.<id>.steps.<id>`, or in another
//!   Arazzo document `$sourceDescriptions.<name>.<id>.steps.<id>`) unless this workflow has run
//!   that workflow before the step: it is in the workflow's own `dependsOn` (run before any
//!   step) or an earlier step runs it. A generated workflow runs only when called, so
//!   otherwise nothing here would complete that step (`unsupported-feature`, saying how to run
//!   it first: the document is valid for a runner that runs workflows side by side). When an
//!   action of the other workflow may end it or jump past the step before it succeeds, its
//!   completing does not mean the step did (`unsupported-feature`; `actions::completed_steps`
//!   says which steps are sure to have);
//!
//! A step past its `timeout` (an HTTP request, a called workflow, a connect, a send, a
//! receive's wait) runs its `onFailure` actions, the workflow's `failureActions` among them
//! (criteria that read the response are false); without any the timeout fails the workflow.
//!
//! The shape of each entry was checked by the structural pass.

use super::Cx;
use super::signature::Signature;
use crate::model::{Step, Workflow};

/// Checks one step's `dependsOn` and `timeout` (in a 1.0.x document they are unknown fields,
/// reported as such).
pub(super) fn step(cx: &mut Cx<'_>, sigs: &[Signature], wf: &Workflow, st: &Step, sp: &str) {
    if cx.version == super::Version::V1_0 {
        return;
    }
    let here = wf
        .steps
        .iter()
        .position(|s| s.step_id == st.step_id)
        .unwrap_or_default();
    for (i, entry) in st.depends_on.iter().flatten().enumerate() {
        let ep = format!("{sp}/dependsOn/{i}");
        if let Some((workflow, step_id)) = entry
            .strip_prefix("$workflows.")
            .and_then(|rest| rest.split_once(".steps."))
        {
            let Some(target) = sigs.iter().find(|s| s.id == workflow) else {
                continue;
            };
            let completes = target.completed.iter().any(|s| s == step_id);
            other_workflow(
                cx,
                wf,
                here,
                st,
                (workflow, workflow, step_id),
                completes,
                &ep,
            );
            continue;
        }
        if let Some(rest) = entry.strip_prefix("$sourceDescriptions.") {
            other_document(cx, wf, here, st, rest, &ep);
            continue;
        }
        if let Some(later) = wf.steps.iter().position(|s| &s.step_id == entry)
            && later > here
        {
            let d = cx.error(
                "forward-dependency",
                format!(
                    "step `{}` depends on `{entry}`, which comes after it",
                    st.step_id
                ),
                &ep,
            );
            d.label = "a later step".into();
            d.help = Some(format!(
                "steps run in document order: move `{entry}` before `{}`",
                st.step_id
            ));
        }
    }
}

/// `dependsOn: $sourceDescriptions.<name>.<workflow>.steps.<step_id>` (`rest` is what follows
/// `$sourceDescriptions.`): a step of a workflow of another Arazzo document, which this
/// workflow runs as `$sourceDescriptions.<name>.<workflow>`. As for a workflow of this
/// document, it is satisfied when that workflow has run before the step.
fn other_document(cx: &mut Cx<'_>, wf: &Workflow, here: usize, st: &Step, rest: &str, ep: &str) {
    let parsed = rest.split_once('.').and_then(|(source, tail)| {
        let (workflow, step_id) = tail.split_once(".steps.")?;
        Some((source, workflow, step_id))
    });
    let Some((source, workflow, step_id)) = parsed else {
        let d = cx.error(
            "invalid-document",
            "a step of another Arazzo document is named `$sourceDescriptions.<name>.<workflowId>.steps.<stepId>`",
            ep,
        );
        d.label = "not a step reference".into();
        return;
    };
    let found = cx.children.iter().find(|c| c.source == source).map(|c| {
        let target = c.plan.workflows.iter().find(|w| w.id == workflow);
        let completes = c
            .workflows
            .iter()
            .any(|s| s.id == workflow && s.completed.iter().any(|c| c == step_id));
        (
            target.map(|w| w.steps.iter().map(|s| s.id.clone()).collect::<Vec<_>>()),
            completes,
        )
    });
    let (steps, completes) = match found {
        Some((Some(steps), completes)) => (steps, completes),
        // An unknown source, or a workflow the document lacks (or one that failed its own
        // checks, reported there).
        Some((None, _)) => {
            let d = cx.error(
                "unknown-workflow",
                format!("source `{source}` has no workflow `{workflow}`"),
                ep,
            );
            d.label = "no such workflow".into();
            return;
        }
        // A source that failed to load was reported as such.
        None if cx.diags.iter().any(crate::diagnostic::Diagnostic::is_error) => return,
        None => {
            let d = cx.error(
                "unknown-source",
                format!("no `type: arazzo` source description named `{source}`"),
                ep,
            );
            d.help = Some("steps of another document are reached through a source description of `type: arazzo`".into());
            return;
        }
    };
    if !steps.iter().any(|s| s == step_id) {
        let names: Vec<&str> = steps.iter().map(String::as_str).collect();
        let d = cx.error(
            "unknown-step",
            format!("workflow `{workflow}` of `{source}` has no step `{step_id}`"),
            ep,
        );
        d.label = "no such step".into();
        d.help = Some(match crate::suggest::similar(step_id, &names).first() {
            Some(best) => format!("did you mean `{best}`?"),
            None => format!("its steps are {}", crate::suggest::one_of(&names)),
        });
        return;
    }
    let run = format!("$sourceDescriptions.{source}.{workflow}");
    other_workflow(cx, wf, here, st, (&run, workflow, step_id), completes, ep);
}

/// `dependsOn` on step `step_id` of `workflow` (which this workflow runs as `run`: its id, or
/// `$sourceDescriptions.<name>.<id>` in another document), on step number `here` of `wf`. An
/// unknown workflow or step of this document was reported by the structural pass.
fn other_workflow(
    cx: &mut Cx<'_>,
    wf: &Workflow,
    here: usize,
    st: &Step,
    (run, workflow, step_id): (&str, &str, &str),
    completes: bool,
    pointer: &str,
) {
    let in_depends_on = wf
        .depends_on
        .as_ref()
        .and_then(|v| v.as_array())
        .is_some_and(|list| list.iter().any(|d| d.as_str() == Some(run)));
    // Where a step of this workflow first runs it: before this step, or after it.
    let first_run = wf
        .steps
        .iter()
        .position(|s| s.workflow_id.as_deref() == Some(run));
    if !(in_depends_on || first_run.is_some_and(|i| i < here)) {
        // Valid Arazzo (a runner may run the workflows side by side), but not code this
        // generator can emit: `unsupported-feature`, with how to make it sequential.
        let d = cx.error(
            "unsupported-feature",
            format!(
                "step `{}` depends on step `{step_id}` of workflow `{workflow}`, which workflow `{}` does not run before it: this generator cannot wait for a workflow it does not run",
                st.step_id, wf.workflow_id
            ),
            pointer,
        );
        d.label = format!("`{workflow}` has not run here");
        d.help = Some(match first_run.and_then(|i| wf.steps.get(i)) {
            Some(later) => format!(
                "steps run in document order: move step `{}`, which runs `{workflow}`, before `{}`",
                later.step_id, st.step_id
            ),
            None => format!(
                "a generated workflow runs only when called: list `{run}` in the `dependsOn` of workflow `{}` (it then runs before any step), or add a step `workflowId: {run}` before `{}`",
                wf.workflow_id, st.step_id
            ),
        });
        return;
    }
    if !completes {
        let d = cx.error(
            "unsupported-feature",
            format!(
                "step `{}` depends on step `{step_id}` of workflow `{workflow}`, whose actions may end it or jump past that step: its completing does not mean `{step_id}` did",
                st.step_id
            ),
            pointer,
        );
        d.label = format!("`{step_id}` may not have run");
        d.help = Some(format!(
            "depend on a step of `{workflow}` that no action can skip (an `end`, a `goto` past it or to a workflow, before it or as its own failure action, or at workflow level), or on `{workflow}` itself (workflow `dependsOn`)"
        ));
    }
}
