//! Arazzo 1.1 step `dependsOn` and `timeout` as far as this generator runs them: synchronous
//! steps run in document order, one at a time; a `receive` starts listening where it is and is
//! joined before the first later step that `dependsOn` it or reads its outputs (else at the
//! workflow's end). So a `dependsOn` on an earlier step of the same workflow is satisfied.
//! What cannot be honoured that way is an error, never ignored:
//!
//! - `dependsOn` on a later step: the "Step Dependencies and Execution Order" section
//!   recommends this be an error for sequential execution, and it can never be satisfied by it;
//! - `dependsOn` on another workflow's or document's step (`$workflows.<id>.steps.<id>`,
//!   `$sourceDescriptions...`): that step runs only when its workflow does, so the join needs
//!   the asynchronous steps this generator does not emit yet (`unsupported-feature`);
//! - `timeout` where a timeout would have to run workflow-level `failureActions` (they run
//!   after the step driver's `match` from the response each arm hands on, and a timed-out step
//!   has none), or the `onFailure` actions of a step that calls a workflow
//!   (`unsupported-feature`). A timed-out HTTP request runs its step's `onFailure` actions
//!   (criteria that read the response are false); elsewhere a timeout fails the workflow.
//!
//! The shape of each entry was checked by the structural pass.

use super::Cx;
use super::document::unsupported;
use crate::model::{Step, Workflow};

/// Checks one step's `dependsOn` and `timeout` (in a 1.0.x document they are unknown fields,
/// reported as such).
pub(super) fn step(cx: &mut Cx<'_>, wf: &Workflow, st: &Step, sp: &str) {
    if cx.version == super::Version::V1_0 {
        return;
    }
    // A timed-out HTTP request runs its step's own `onFailure` actions; workflow-level ones
    // (and a called workflow's timeout) are not routed yet. (A message step in a workflow with
    // workflow-level actions is rejected as such by `message::check`.)
    let message_step = st.action.is_some() || st.channel_path.is_some();
    let own_failure = st.on_failure.as_ref().is_some_and(|v| !v.is_null());
    if st.timeout.is_some()
        && !message_step
        && (super::actions::workflow_level(wf) || (own_failure && st.workflow_id.is_some()))
    {
        unsupported(
            cx,
            &format!("{sp}/timeout"),
            "`timeout` on a step that calls a workflow and has `onFailure` actions, or in a workflow with `successActions`/`failureActions`",
        );
    }
    let here = wf
        .steps
        .iter()
        .position(|s| s.step_id == st.step_id)
        .unwrap_or_default();
    for (i, entry) in st.depends_on.iter().flatten().enumerate() {
        let ep = format!("{sp}/dependsOn/{i}");
        if entry.starts_with('$') {
            unsupported(
                cx,
                &ep,
                "a step `dependsOn` on a step of another workflow or document",
            );
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
