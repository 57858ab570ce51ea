//! What other workflows need to know of a workflow before it is checked: its names, its
//! inputs struct, and (once checked) its outputs. Workflows are checked callees first.

use serde_json::Value;

use super::Cx;
use super::components::inline_refs;
use crate::model::{Document, Workflow};
use crate::names;
use crate::plan::{Field, RustType, TypeBody, TypeDef};
use crate::typing;

/// A workflow as its callers see it.
pub(crate) struct Signature {
    /// `workflowId`.
    pub(crate) id: String,
    /// The public function.
    pub(crate) fn_name: String,
    /// The internal function that also returns the last status.
    pub(crate) inner_fn_name: String,
    /// The private function holding the steps, which the public one boxes and runs under the
    /// workflow deadline.
    pub(crate) steps_fn_name: String,
    /// The inputs struct first, then the types it uses.
    pub(crate) inputs: Vec<TypeDef>,
    /// The outputs struct's name.
    pub(crate) outputs_type: String,
    /// Its outputs (Arazzo name, Rust field, type), once checked.
    pub(crate) outputs: Option<Vec<(String, String, RustType)>>,
    /// Whether it has a last HTTP status to give a caller (`$statusCode`): false for a
    /// workflow of message steps only, once checked.
    pub(crate) has_status: bool,
    /// The steps that have completed whenever it has (every step unless actions may end it
    /// early or jump past one: `actions::completed_steps`).
    pub(crate) completed: Vec<String>,
}

impl Signature {
    /// The inputs struct's fields.
    pub(crate) fn input_fields(&self) -> &[Field] {
        match self.inputs.first().map(|d| &d.body) {
            Some(TypeBody::Struct(fields)) => fields,
            _ => &[],
        }
    }

    /// The inputs struct's name.
    pub(crate) fn inputs_type(&self) -> &str {
        self.inputs.first().map_or("", |d| d.name.as_str())
    }
}

/// Names and input types of every workflow, in document order.
pub(super) fn all(cx: &mut Cx<'_>, doc: &Document) -> Vec<Signature> {
    let mut fns = names::Scope::default();
    let mut types = names::Scope::default();
    // Borrowed through the `&Files`, not through `cx`, so `cx` stays free to record errors.
    let files = cx.files;
    let root = files.value(cx.file);
    let mut out = Vec::new();
    for (index, wf) in doc.workflows.iter().enumerate() {
        let wp = format!("/workflows/{index}");
        let base = names::camel(&wf.workflow_id);
        let inputs_name = types.claim(format!("{base}Inputs"));
        let outputs_type = types.claim(format!("{base}Outputs"));
        let fn_name = fns.claim(names::snake(&wf.workflow_id));
        let inner_fn_name = fns.claim(format!("{fn_name}_with_status"));
        let schema = wf
            .inputs
            .as_ref()
            .map(|s| inline_refs(cx, s, root, &format!("{wp}/inputs")));
        let (inputs, problems) = typing::inputs(
            schema.as_ref(),
            &inputs_name,
            format!("Inputs of the `{}` workflow.", wf.workflow_id),
            &super::workflow::secret_inputs(wf),
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
        out.push(Signature {
            id: wf.workflow_id.clone(),
            fn_name,
            inner_fn_name,
            steps_fn_name: String::new(),
            inputs,
            outputs_type,
            outputs: None,
            has_status: true,
            completed: super::actions::completed_steps(wf),
        });
    }
    // Claimed after every public name, so a workflow called `x-steps` keeps `x_steps` and the
    // private function of `x` gets the suffix.
    for s in &mut out {
        s.steps_fn_name = fns.claim(format!("{}_steps", s.fn_name));
    }
    out
}

/// Workflows in an order where every workflow comes after those whose outputs it reads
/// (`workflowId` steps, `dependsOn`). A cycle is reported once and broken.
pub(super) fn order(cx: &mut Cx<'_>, doc: &Document) -> Vec<usize> {
    let index_of = |id: &str| doc.workflows.iter().position(|w| w.workflow_id == id);
    let edges: Vec<Vec<(usize, String)>> = doc
        .workflows
        .iter()
        .enumerate()
        .map(|(i, wf)| {
            references(wf, i)
                .into_iter()
                .filter_map(|(id, ptr)| index_of(&id).map(|j| (j, ptr)))
                .collect()
        })
        .collect();
    // 0 = not visited, 1 = in progress, 2 = done.
    let mut state = vec![0u8; doc.workflows.len()];
    let mut out = Vec::new();
    for start in 0..doc.workflows.len() {
        visit(cx, doc, &edges, start, &mut state, &mut out);
    }
    out
}

fn visit(
    cx: &mut Cx<'_>,
    doc: &Document,
    edges: &[Vec<(usize, String)>],
    i: usize,
    state: &mut [u8],
    out: &mut Vec<usize>,
) {
    if state[i] != 0 {
        return;
    }
    state[i] = 1;
    for (j, ptr) in &edges[i] {
        match state[*j] {
            0 => visit(cx, doc, edges, *j, state, out),
            1 => {
                let d = cx.error(
                    "workflow-cycle",
                    format!(
                        "workflows `{}` and `{}` run each other in a cycle",
                        doc.workflows[i].workflow_id, doc.workflows[*j].workflow_id
                    ),
                    ptr,
                );
                d.label = "closes the cycle".into();
                d.help = Some(
                    "a workflow cannot depend on, or run as a step, a workflow that depends on or runs it; a `goto` to a workflow may loop"
                        .into(),
                );
            }
            _ => {}
        }
    }
    state[i] = 2;
    out.push(i);
}

/// Local workflows that `wf` runs, with the pointer of each reference.
fn references(wf: &Workflow, index: usize) -> Vec<(String, String)> {
    let wp = format!("/workflows/{index}");
    let mut out = Vec::new();
    if let Some(Value::Array(deps)) = &wf.depends_on {
        for (k, d) in deps.iter().enumerate() {
            if let Some(id) = d.as_str() {
                out.push((id.to_owned(), format!("{wp}/dependsOn/{k}")));
            }
        }
    }
    // `goto`/`retry` to a workflow need no outputs back, so they do not order checking (and
    // may form cycles: those calls are boxed in the generated code).
    for (s, step) in wf.steps.iter().enumerate() {
        if let Some(id) = &step.workflow_id {
            out.push((id.clone(), format!("{wp}/steps/{s}/workflowId")));
        }
    }
    out
}
