//! One workflow: its inputs struct, its steps in order, and its outputs struct.

use std::collections::BTreeSet;

use serde_json::Value;

use super::document::{present, unsupported};
use super::values::{Context, Scope};
use super::{Cx, Source, step};
use crate::expr::{self, Expr, Part};
use crate::model::Workflow;
use crate::names;
use crate::plan::{Field, OutputField, OutputsPlan, TypeBody, WorkflowPlan};
use crate::typing;

/// Checks workflow number `index` and plans it.
pub(super) fn check(
    cx: &mut Cx<'_>,
    sources: &[Source],
    wf: &Workflow,
    index: usize,
    fn_names: &mut names::Scope,
    type_names: &mut names::Scope,
) -> Option<WorkflowPlan> {
    let wp = format!("/workflows/{index}");
    for (field, present) in [
        ("dependsOn", present(&wf.depends_on)),
        ("successActions", present(&wf.success_actions)),
        ("failureActions", present(&wf.failure_actions)),
    ] {
        if present {
            unsupported(cx, &format!("{wp}/{field}"), &format!("`{field}`"));
        }
    }
    let base = names::camel(&wf.workflow_id);
    let inputs_name = type_names.claim(format!("{base}Inputs"));
    let outputs_name = type_names.claim(format!("{base}Outputs"));
    let secrets = secret_inputs(wf);
    let (inputs, problems) = typing::inputs(
        wf.inputs.as_ref(),
        &inputs_name,
        format!("Inputs of the `{}` workflow.", wf.workflow_id),
        &secrets,
    );
    for p in problems {
        let d = cx.error(
            "invalid-inputs",
            p.message,
            &format!("{wp}/inputs{}", p.pointer),
        );
        d.label = "in the workflow's inputs schema".into();
        d.help = p.help;
    }
    let fields: Vec<Field> = match inputs.first().map(|d| &d.body) {
        Some(TypeBody::Struct(fields)) => fields.clone(),
        _ => Vec::new(),
    };
    let mut scope = Scope {
        inputs: fields,
        steps: Vec::new(),
        step_ids: wf.steps.iter().map(|s| s.step_id.clone()).collect(),
        vars: names::Scope::with_reserved(&["client", "inputs", "response"]),
        failed_steps: Default::default(),
        failed_outputs: Default::default(),
    };
    let mut steps = Vec::new();
    for (s, st) in wf.steps.iter().enumerate() {
        if let Some(plan) = step::check(cx, sources, wf, st, &format!("{wp}/steps/{s}"), &mut scope)
        {
            scope.steps.push((plan.id.clone(), plan.outputs.clone()));
            steps.push(plan);
        }
    }
    let outputs = outputs(cx, wf, &wp, &scope, outputs_name);
    Some(WorkflowPlan {
        id: wf.workflow_id.clone(),
        fn_name: fn_names.claim(names::snake(&wf.workflow_id)),
        summary: wf.summary.clone(),
        description: wf.description.clone(),
        inputs,
        steps,
        outputs,
    })
}

/// Inputs that reach an `Authorization`-like header are secrets: `Debug` must not show them.
fn secret_inputs(wf: &Workflow) -> BTreeSet<String> {
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
        let pointer = format!("{wp}/outputs/{}", crate::load::escape_token(name));
        let Some(text) = value.as_str() else {
            cx.error(
                "invalid-expression",
                format!("output `{name}` must be a runtime expression"),
                &pointer,
            )
            .help = Some("write an expression such as `$steps.<stepId>.outputs.<name>`".into());
            continue;
        };
        let Some(value) = scope.value(cx, text, &pointer, Context::WorkflowOutputs) else {
            continue;
        };
        fields.push(OutputField {
            json_name: name.clone(),
            rust_name: rust_names.claim(names::snake(name)),
            ty: value.ty(),
            expression: text.to_owned(),
            value,
        });
    }
    OutputsPlan { type_name, fields }
}
