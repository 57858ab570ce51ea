//! `onSuccess` / `onFailure` and the workflow's `successActions` / `failureActions`:
//! `end`, `goto` (a step or a workflow) and `retry`, each with optional criteria.

use serde_json::Value;

use super::calls::{self, Args};
use super::signature::Signature;
use super::values::Scope;
use super::{Cx, components};
use crate::diagnostic::Diagnostic;
use crate::model::{Criterion, Step, Workflow};
use crate::plan::{ActionKind, ActionPlan};
use crate::suggest::{one_of, similar};

const ACTION_FIELDS: &[&str] = &[
    "name",
    "type",
    "workflowId",
    "stepId",
    "retryAfter",
    "retryLimit",
    "criteria",
];

/// Arazzo 1.1 adds `parameters` (a `workflowId` target's inputs).
const ACTION_FIELDS_1_1: &[&str] = &[
    "name",
    "type",
    "workflowId",
    "stepId",
    "retryAfter",
    "retryLimit",
    "criteria",
    "parameters",
];

/// Which list: success or failure.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    /// `onSuccess` / `successActions`.
    Success,
    /// `onFailure` / `failureActions`.
    Failure,
}

impl Outcome {
    fn step_field(self) -> &'static str {
        match self {
            Outcome::Success => "onSuccess",
            Outcome::Failure => "onFailure",
        }
    }

    fn workflow_field(self) -> &'static str {
        match self {
            Outcome::Success => "successActions",
            Outcome::Failure => "failureActions",
        }
    }
}

/// Whether the workflow has any action at all (then it is generated as a loop over steps).
pub(super) fn any(wf: &Workflow) -> bool {
    let present = |v: &Option<Value>| {
        v.as_ref()
            .is_some_and(|v| v.as_array().is_some_and(|a| !a.is_empty()))
    };
    present(&wf.success_actions)
        || present(&wf.failure_actions)
        || wf
            .steps
            .iter()
            .any(|s| present(&s.on_success) || present(&s.on_failure))
}

/// The steps of `wf` that have completed whenever it completes: a step is, unless an action of
/// an earlier step (or its own failure action) can end the workflow, go to a later step or
/// hand over to another workflow before it has succeeded. Workflow-level actions count for
/// every step, and an action given by reference counts as any of these (its kind is not
/// looked up): the answer errs towards "not known to have completed".
pub(super) fn completed_steps(wf: &Workflow) -> Vec<String> {
    let index = |id: &str| wf.steps.iter().position(|s| s.step_id == id);
    // Whether an action (from step `from`) may leave steps `at..` unrun: the workflow ends,
    // goes elsewhere, or jumps past `at`.
    let skips = |a: &Value, at: usize| match a.get("type").and_then(Value::as_str) {
        // A retry runs the step again (past its limit the workflow fails: it did not complete).
        Some("retry") => false,
        Some("goto") if a.get("workflowId").is_none() => a
            .get("stepId")
            .and_then(Value::as_str)
            .and_then(index)
            .is_none_or(|to| to > at),
        _ => true,
    };
    let workflow_level = list(&wf.success_actions)
        .iter()
        .chain(list(&wf.failure_actions));
    let mut out = Vec::new();
    for (k, step) in wf.steps.iter().enumerate() {
        let before = wf.steps[..k]
            .iter()
            .flat_map(|s| list(&s.on_success).iter().chain(list(&s.on_failure)));
        let unsafe_ = before
            .chain(list(&step.on_failure))
            .chain(workflow_level.clone())
            .any(|a| skips(a, k));
        if unsafe_ {
            break;
        }
        out.push(step.step_id.clone());
    }
    out
}

/// The actions of an action list (none when absent or not a list).
fn list(v: &Option<Value>) -> &[Value] {
    v.as_ref()
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// The step's actions for `outcome`: its own first, then the workflow's whose names it does not
/// override.
#[allow(clippy::too_many_arguments)]
pub(super) fn plan(
    cx: &mut Cx<'_>,
    sigs: &[Signature],
    scope: &Scope,
    wf: &Workflow,
    wp: &str,
    step: &Step,
    sp: &str,
    outcome: Outcome,
) -> Vec<ActionPlan> {
    let step_list = match outcome {
        Outcome::Success => &step.on_success,
        Outcome::Failure => &step.on_failure,
    };
    let wf_list = match outcome {
        Outcome::Success => &wf.success_actions,
        Outcome::Failure => &wf.failure_actions,
    };
    let kind = outcome.workflow_field();
    let mut raw: Vec<(Value, String, Option<usize>)> = Vec::new();
    for (list, base) in [
        (step_list, format!("{sp}/{}", outcome.step_field())),
        (wf_list, format!("{wp}/{kind}")),
    ] {
        let Some(list) = list else { continue };
        let Some(items) = list.as_array() else {
            cx.error(
                "invalid-document",
                format!(
                    "`{}` must be a list of actions",
                    base.rsplit('/').next().unwrap_or_default()
                ),
                &base,
            );
            continue;
        };
        let from_workflow = base.starts_with(&format!("{wp}/{kind}"));
        for (i, item) in items.iter().enumerate() {
            let pointer = format!("{base}/{i}");
            let Some(resolved) = components::resolve(cx, item, kind, &pointer) else {
                continue;
            };
            let name = resolved
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            // A step action replaces the workflow's action of the same name.
            if from_workflow
                && raw
                    .iter()
                    .any(|(a, ..)| a.get("name").and_then(Value::as_str) == Some(name.as_str()))
            {
                continue;
            }
            raw.push((resolved, pointer, from_workflow.then_some(i)));
        }
    }
    raw.iter()
        .filter_map(|(action, pointer, shared)| {
            let mut plan = one(cx, sigs, scope, wf, action, pointer, outcome)?;
            plan.shared = *shared;
            Some(plan)
        })
        .collect()
}

fn one(
    cx: &mut Cx<'_>,
    sigs: &[Signature],
    scope: &Scope,
    wf: &Workflow,
    action: &Value,
    pointer: &str,
    outcome: Outcome,
) -> Option<ActionPlan> {
    let Some(obj) = action.as_object() else {
        cx.error("invalid-document", "an action must be a mapping", pointer);
        return None;
    };
    let fields = match cx.version {
        super::Version::V1_0 => ACTION_FIELDS,
        super::Version::V1_1 => ACTION_FIELDS_1_1,
    };
    let extra: crate::model::Extra = obj
        .iter()
        .filter(|(k, _)| !fields.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    super::document::report_extra(cx, &extra, pointer, "an action", fields);
    let Some(name) = obj.get("name").and_then(Value::as_str) else {
        let d = cx.error("invalid-document", "an action needs a `name`", pointer);
        d.help =
            Some("add `name:`; step actions replace workflow actions with the same name".into());
        return None;
    };
    let kind = obj.get("type").and_then(Value::as_str).unwrap_or_default();
    let step_id = obj.get("stepId").and_then(Value::as_str);
    let workflow_id = obj.get("workflowId").and_then(Value::as_str);
    if step_id.is_some() && workflow_id.is_some() {
        let d = cx.error(
            "invalid-action",
            format!("action `{name}` has both `stepId` and `workflowId`"),
            &format!("{pointer}/workflowId"),
        );
        d.label = "a second target".into();
        d.help = Some("keep one target".into());
        return None;
    }
    let step_index = |cx: &mut Cx<'_>, id: &str| -> Option<usize> {
        let found = wf.steps.iter().position(|s| s.step_id == id);
        if found.is_none() {
            let ids: Vec<&str> = wf.steps.iter().map(|s| s.step_id.as_str()).collect();
            let help = match similar(id, &ids).first() {
                Some(best) => format!("did you mean `{best}`?"),
                None => format!("the steps of this workflow are {}", one_of(&ids)),
            };
            let span = cx.span(&format!("{pointer}/stepId"));
            cx.push(
                Diagnostic::error(
                    "unknown-step",
                    format!("there is no step `{id}` in workflow `{}`", wf.workflow_id),
                )
                .at(span)
                .label("no such stepId")
                .help(help),
            );
        }
        found
    };
    let params = if cx.version == super::Version::V1_1 {
        parameters(cx, obj, pointer)?
    } else {
        Vec::new()
    };
    if !params.is_empty() && workflow_id.is_none() {
        let d = cx.error(
            "invalid-action",
            format!("action `{name}` passes `parameters` but does not go to a workflow"),
            &format!("{pointer}/parameters"),
        );
        d.label = "no `workflowId` to receive them".into();
        d.help = Some("parameters are the inputs of the `workflowId` an action goes to: remove them, or target a workflow".into());
        return None;
    }
    let call = |cx: &mut Cx<'_>, id: &str| {
        let args = if params.is_empty() {
            Args::Transfer
        } else {
            Args::TransferWith(&params)
        };
        calls::call(cx, sigs, scope, id, args, &format!("{pointer}/workflowId"))
    };
    let kind = match kind {
        "end" => ActionKind::End,
        "goto" => match (step_id, workflow_id) {
            (Some(s), None) => ActionKind::GotoStep(step_index(cx, s)?),
            (None, Some(w)) => ActionKind::GotoWorkflow(call(cx, w)?),
            _ => {
                let d = cx.error(
                    "invalid-action",
                    format!("`goto` action `{name}` has no target"),
                    pointer,
                );
                d.label = "goto where?".into();
                d.help = Some("add `stepId:` or `workflowId:`".into());
                return None;
            }
        },
        "retry" if outcome == Outcome::Success => {
            let d = cx.error(
                "invalid-action",
                format!("`retry` action `{name}` in a success list"),
                &format!("{pointer}/type"),
            );
            d.label = "retry only follows a failure".into();
            d.help = Some("move it to `onFailure`/`failureActions`, or use `goto`".into());
            return None;
        }
        "retry" => {
            let after_secs = match obj.get("retryAfter") {
                None => 0.0,
                Some(v) => match v.as_f64() {
                    Some(s) if s >= 0.0 && s.is_finite() => s,
                    _ => {
                        cx.error(
                            "invalid-action",
                            "`retryAfter` must be a non-negative number of seconds",
                            &format!("{pointer}/retryAfter"),
                        );
                        return None;
                    }
                },
            };
            let limit = match obj.get("retryLimit") {
                None => 1,
                Some(v) => match v.as_u64().and_then(|n| u32::try_from(n).ok()) {
                    Some(n) => n,
                    None => {
                        cx.error(
                            "invalid-action",
                            "`retryLimit` must be a non-negative integer",
                            &format!("{pointer}/retryLimit"),
                        );
                        return None;
                    }
                },
            };
            let step = match step_id {
                Some(s) => Some(step_index(cx, s)?),
                None => None,
            };
            let workflow = match workflow_id {
                Some(w) => Some(call(cx, w)?),
                None => None,
            };
            ActionKind::Retry {
                after_secs,
                limit,
                step,
                workflow,
            }
        }
        other => {
            let d = cx.error(
                "invalid-action",
                format!("`{other}` is not an action type"),
                &format!("{pointer}/type"),
            );
            d.label = "not end, goto or retry".into();
            d.help = Some(match outcome {
                Outcome::Success => "use `type: end` or `type: goto`".into(),
                Outcome::Failure => "use `type: end`, `type: goto` or `type: retry`".into(),
            });
            return None;
        }
    };
    let criteria = match obj.get("criteria") {
        None => Vec::new(),
        Some(list) => {
            let parsed: Vec<Criterion> = match serde_json::from_value(list.clone()) {
                Ok(c) => c,
                Err(err) => {
                    cx.error(
                        "invalid-document",
                        format!("invalid `criteria`: {err}"),
                        &format!("{pointer}/criteria"),
                    );
                    return None;
                }
            };
            super::step::criteria_list(cx, &parsed, &format!("{pointer}/criteria"), scope)
        }
    };
    Some(ActionPlan {
        shared: None,
        kind,
        criteria,
    })
}

/// An action's `parameters` (1.1): Parameter Objects or Reusable Objects, each `name` and
/// `value` of the target workflow's inputs; "The `in` field MUST NOT be used."
fn parameters(
    cx: &mut Cx<'_>,
    obj: &serde_json::Map<String, Value>,
    pointer: &str,
) -> Option<Vec<(String, Value, String)>> {
    let Some(list) = obj.get("parameters") else {
        return Some(Vec::new());
    };
    let Some(list) = list.as_array() else {
        cx.error(
            "invalid-document",
            "an action's `parameters` must be a list",
            &format!("{pointer}/parameters"),
        );
        return None;
    };
    let mut out = Vec::new();
    let mut ok = true;
    for (i, raw) in list.iter().enumerate() {
        let pp = format!("{pointer}/parameters/{i}");
        let Some(resolved) = super::components::resolve(cx, raw, "parameters", &pp) else {
            ok = false;
            continue;
        };
        if resolved.get("in").is_some() {
            let d = cx.error(
                "invalid-document",
                "an action's parameter has an `in`",
                &format!("{pp}/in"),
            );
            d.help =
                Some("an action's parameters are the target workflow's inputs: remove `in`".into());
            ok = false;
        }
        match (
            resolved.get("name").and_then(Value::as_str),
            resolved.get("value"),
        ) {
            (Some(name), Some(value)) => {
                if out
                    .iter()
                    .any(|(n, _, _): &(String, Value, String)| n == name)
                {
                    cx.error(
                        "duplicate-parameter",
                        format!("parameter `{name}` is listed twice in this action"),
                        &pp,
                    )
                    .help = Some("keep one".into());
                    ok = false;
                }
                out.push((name.to_owned(), value.clone(), pp));
            }
            _ => {
                cx.error(
                    "invalid-document",
                    "a parameter needs `name` and `value`",
                    &pp,
                );
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn completed(wf: Value) -> Vec<String> {
        completed_steps(&serde_json::from_value(wf).unwrap())
    }

    #[test]
    fn steps_no_action_can_skip_have_completed_with_the_workflow() {
        let step = |id: &str| json!({"stepId": id, "operationId": "op"});
        // No actions: every step.
        let plain = json!({"workflowId": "w", "steps": [step("a"), step("b")]});
        assert_eq!(completed(plain), ["a", "b"]);
        // `a` may end the workflow on success: `b` may not have run; a retry and a goto back
        // skip nothing.
        let ends = json!({"workflowId": "w", "steps": [
            {"stepId": "a", "operationId": "op",
             "onFailure": [{"name": "again", "type": "retry", "retryLimit": 2}],
             "onSuccess": [{"name": "stop", "type": "end"}]},
            step("b")
        ]});
        assert_eq!(completed(ends), ["a"]);
        let back = json!({"workflowId": "w", "steps": [
            step("a"),
            {"stepId": "b", "operationId": "op",
             "onFailure": [{"name": "back", "type": "goto", "stepId": "a"}]},
            step("c")
        ]});
        assert_eq!(completed(back), ["a", "b", "c"]);
        // A failure of `b` going past `c`, a workflow-level action, a reference: not known.
        let past = json!({"workflowId": "w", "steps": [
            step("a"),
            {"stepId": "b", "operationId": "op",
             "onFailure": [{"name": "skip", "type": "goto", "stepId": "d"}]},
            step("c"), step("d")
        ]});
        assert_eq!(completed(past), ["a"]);
        let level = json!({"workflowId": "w", "steps": [step("a")],
            "failureActions": [{"name": "stop", "type": "end"}]});
        assert!(completed(level).is_empty());
        let reference = json!({"workflowId": "w", "steps": [
            {"stepId": "a", "operationId": "op",
             "onSuccess": [{"reference": "$components.successActions.x"}]},
            step("b")
        ]});
        assert_eq!(completed(reference), ["a"]);
    }
}
