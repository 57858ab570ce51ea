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
//! - `timeout` where a timeout would have to run `onFailure` actions (a timed-out step has no
//!   response for their criteria: `unsupported-feature`); on any other step the request (or
//!   the whole called workflow) is bounded and a timeout fails the workflow.
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
    // A timed-out step has no response for `onFailure` criteria to read: until the generated
    // code routes a timeout through them, a timeout is honoured only where it fails the
    // workflow, as the Step Object says it does without `onFailure` actions.
    // (A message step in a workflow with actions is rejected as such by `message::check`.)
    let message_step = st.action.is_some() || st.channel_path.is_some();
    if st.timeout.is_some()
        && !message_step
        && (st.on_failure.as_ref().is_some_and(|v| !v.is_null())
            || wf.failure_actions.as_ref().is_some_and(|v| !v.is_null()))
    {
        unsupported(
            cx,
            &format!("{sp}/timeout"),
            "`timeout` on a step with `onFailure` actions",
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
