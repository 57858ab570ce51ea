//! One workflow: its inputs struct, its steps in order, and its outputs struct.

use std::collections::BTreeSet;

use serde_json::Value;

use super::actions::{self, Outcome};
use super::calls::{self, Args};
use super::signature::Signature;
use super::values::{Context, Scope};
use super::{Cx, Source, step};
use crate::expr::{self, Expr, Part};
use crate::model::Workflow;
use crate::names;
use crate::plan::{DependencyPlan, OutputField, OutputsPlan, ValueExpr, WorkflowPlan};

/// Checks workflow number `index` and plans it. Workflows it runs are checked already, so
/// their outputs are in `sigs`.
pub(super) fn check(
    cx: &mut Cx<'_>,
    sources: &[Source],
    sigs: &[Signature],
    wf: &Workflow,
    index: usize,
) -> Option<WorkflowPlan> {
    let wp = format!("/workflows/{index}");
    let sig = &sigs[index];
    let branching = actions::any(wf);
    let mut scope = Scope {
        inputs: sig.input_fields().to_vec(),
        steps: Vec::new(),
        step_ids: wf.steps.iter().map(|s| s.step_id.clone()).collect(),
        vars: names::Scope::with_reserved(&[
            "client",
            "inputs",
            "response",
            "next",
            "executed",
            "retries",
            "resume",
            "failed",
            "status",
            "last_status",
            "callee",
            "callee_inputs",
            "outputs",
            "out",
            "STEPS",
            "STEP_BUDGET",
            "message",
            "connections",
            "address",
        ]),
        failed_steps: Default::default(),
        failed_outputs: Default::default(),
        output_schemas: Default::default(),
        branching,
        dependencies: Vec::new(),
        callers: Vec::new(),
        message: None,
        connections: Vec::new(),
        output_types: Vec::new(),
        at: wf.workflow_id.clone(),
    };
    let depends_on = dependencies(cx, sigs, wf, &wp, &mut scope);
    let mut steps = Vec::new();
    for (s, st) in wf.steps.iter().enumerate() {
        let sp = format!("{wp}/steps/{s}");
        if cx.unsound.contains(&sp) {
            scope.failed_steps.insert(st.step_id.clone());
            continue;
        }
        scope.at.clone_from(&st.step_id);
        let Some(mut plan) = step::check(cx, sources, sigs, wf, st, &sp, &mut scope) else {
            scope.failed_steps.insert(st.step_id.clone());
            continue;
        };
        scope.steps.push((plan.id.clone(), plan.outputs.clone()));
        // Actions may read the step's own response and outputs.
        plan.on_success = actions::plan(cx, sigs, &scope, wf, &wp, st, &sp, Outcome::Success);
        plan.on_failure = actions::plan(cx, sigs, &scope, wf, &wp, st, &sp, Outcome::Failure);
        calls::no_status_read(cx, &plan, &sp);
        steps.push(plan);
    }
    if scope.failed_steps.is_empty() && steps.len() != wf.steps.len() {
        return None;
    }
    join_points(wf, &mut steps);
    scope.at.clone_from(&wf.workflow_id);
    let mut outputs = outputs(cx, wf, &wp, &scope, sig.outputs_type.clone());
    if branching {
        // An output of a step that some path skips is an `Option`.
        let always = super::flow::always_run(&steps);
        for f in &mut outputs.fields {
            if let ValueExpr::StepOutput {
                unset: Some((step, _)),
                ..
            } = &f.value
                && !always.contains(step)
            {
                f.ty = f.ty.clone().optional();
                f.maybe_skipped = true;
            }
        }
    }
    Some(WorkflowPlan {
        id: wf.workflow_id.clone(),
        fn_name: sig.fn_name.clone(),
        inner_fn_name: sig.inner_fn_name.clone(),
        steps_fn_name: sig.steps_fn_name.clone(),
        summary: wf.summary.clone(),
        description: wf.description.clone(),
        inputs: sig.inputs.clone(),
        depends_on,
        steps,
        branching,
        outputs,
        output_types: std::mem::take(&mut scope.output_types),
    })
}

/// Where each `receive` is joined: before the first later step that `dependsOn` it or reads
/// one of its outputs (1.1 "Tool Behavior": output references are implicit dependencies),
/// else at the workflow's end (`None`): every reached step completes before the workflow does.
fn join_points(wf: &Workflow, steps: &mut [crate::plan::StepPlan]) {
    use crate::plan::StepKind;
    for i in 0..steps.len() {
        if !matches!(steps[i].kind, StepKind::Receive(_)) {
            continue;
        }
        let id = steps[i].id.clone();
        let vars: BTreeSet<String> = steps[i].outputs.iter().map(|o| o.var.clone()).collect();
        let needs = |later: &crate::plan::StepPlan| {
            let depends = wf
                .steps
                .iter()
                .find(|s| s.step_id == later.id)
                .and_then(|s| s.depends_on.as_ref())
                .is_some_and(|d| d.contains(&id));
            let mut reads = false;
            later.for_each_value(&mut |v| {
                let mut used = BTreeSet::new();
                v.collect_vars(&mut used);
                reads |= !used.is_disjoint(&vars);
            });
            depends || reads
        };
        let at = (i + 1..steps.len()).find(|&j| needs(&steps[j]));
        if let StepKind::Receive(r) = &mut steps[i].kind {
            r.join_before = at;
        }
    }
}

/// `dependsOn`: each workflow runs first with this workflow's inputs of the same names; its
/// outputs become `$workflows.<id>.outputs.<name>`.
fn dependencies(
    cx: &mut Cx<'_>,
    sigs: &[Signature],
    wf: &Workflow,
    wp: &str,
    scope: &mut Scope,
) -> Vec<DependencyPlan> {
    let Some(list) = &wf.depends_on else {
        return Vec::new();
    };
    let Some(items) = list.as_array() else {
        cx.error(
            "invalid-document",
            "`dependsOn` must be a list of workflowIds",
            &format!("{wp}/dependsOn"),
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, item) in items.iter().enumerate() {
        let pointer = format!("{wp}/dependsOn/{k}");
        let Some(id) = item.as_str() else {
            cx.error(
                "invalid-document",
                "a `dependsOn` entry must be a workflowId",
                &pointer,
            );
            continue;
        };
        let Some(call) = calls::call(cx, sigs, scope, id, Args::CallerInputs, &pointer) else {
            continue;
        };
        let mut bindings = Vec::new();
        let mut visible = Vec::new();
        for (name, rust, ty) in &call.outputs {
            let var = scope.vars.claim(names::snake(&format!("{id} {rust}")));
            bindings.push((rust.clone(), var.clone()));
            visible.push((name.clone(), var, ty.clone()));
        }
        scope.dependencies.push((id.to_owned(), visible));
        out.push(DependencyPlan { call, bindings });
    }
    out
}

/// Inputs that reach an `Authorization`-like header are secrets: `Debug` must not show them.
pub(super) fn secret_inputs(wf: &Workflow) -> BTreeSet<String> {
    let params = wf
        .parameters
        .iter()
        .flatten()
        .chain(wf.steps.iter().flat_map(|s| s.parameters.iter().flatten()));
    let mut out = BTreeSet::new();
    for p in params {
        let is_header = p.get("in").and_then(Value::as_str) == Some("header");
        let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
        if !is_header || !is_secret_header(name) {
            continue;
        }
        if let Some(Ok(t)) = p
            .get("value")
            .and_then(Value::as_str)
            .map(expr::parse_template)
        {
            for part in t.parts {
                if let Part::Expr {
                    expr: Expr::Inputs { name, .. },
                    ..
                } = part
                {
                    out.insert(name);
                }
            }
        }
    }
    out
}

/// Names of values that are credentials: their `Debug` is `***`. Over-matching (`monkey`)
/// only hides a value from `Debug`; under-matching would leak one.
fn is_secret_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ["token", "key", "password", "passwd", "secret", "credential"]
        .iter()
        .any(|w| n.contains(w))
}

/// Whether `value` is a step output whose response schema marks it a credential.
fn schema_secret(scope: &Scope, value: &ValueExpr) -> bool {
    let ValueExpr::StepOutput { var, .. } = value else {
        return false;
    };
    scope
        .steps
        .iter()
        .flat_map(|(_, outputs)| outputs)
        .any(|o| &o.var == var && o.secret)
}

/// The last name an output expression reads: `token` in `$steps.mint.outputs.token` or
/// `$response.body#/token`.
fn last_name(expression: &str) -> &str {
    expression
        .rsplit(['.', '/', '#'])
        .next()
        .unwrap_or(expression)
}

/// Header names that carry credentials.
pub(super) fn is_secret_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n == "authorization"
        || n == "proxy-authorization"
        || n == "cookie"
        || n.contains("key")
        || n.contains("token")
        || n.contains("secret")
}

/// The outputs struct: each output is an input or an earlier step's output.
fn outputs(
    cx: &mut Cx<'_>,
    wf: &Workflow,
    wp: &str,
    scope: &Scope,
    type_name: String,
) -> OutputsPlan {
    let mut fields = Vec::new();
    let mut rust_names = names::Scope::default();
    for (name, value) in wf.outputs.iter().flatten() {
        let pointer = format!("{wp}/outputs/{}", crate::pointer::escape_token(name));
        let (text, value) = match value.as_str() {
            Some(text) => match scope.value(cx, text, &pointer, Context::WorkflowOutputs) {
                Some(v) => (text.to_owned(), v),
                None => continue,
            },
            None => match super::values::literal_output(cx, name, value, &pointer) {
                Some(v) => (value.to_string(), v),
                None => continue,
            },
        };
        fields.push(OutputField {
            json_name: name.clone(),
            rust_name: rust_names.claim(names::snake(name)),
            ty: value.ty(),
            secret: is_secret_name(name)
                || is_secret_name(last_name(&text))
                || schema_secret(scope, &value),
            expression: text,
            value,
            maybe_skipped: false,
        });
    }
    OutputsPlan { type_name, fields }
}
