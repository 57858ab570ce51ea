//! Calls of other workflows: `workflowId` steps, `goto`/`retry` to a workflow, `dependsOn`.

use serde_json::Value;

use super::Cx;
use super::signature::Signature;
use super::types::{self, JsonType, Target};
use super::values::{Context, Scope};
use crate::diagnostic::Diagnostic;
use crate::plan::{CallPlan, FieldInit, ValueExpr};
use crate::pointer::escape_token;
use crate::suggest::{one_of, similar};

/// Where a callee's inputs come from.
pub(super) enum Args<'a> {
    /// A step's `parameters` (name → value, with pointers); the rest from defaults.
    Parameters(&'a [(String, Value, String)]),
    /// The caller's inputs with the same names (for `dependsOn`, which has no parameters).
    CallerInputs,
    /// Like `CallerInputs`, for a `goto`/`retry` transfer, which reads no outputs back.
    Transfer,
    /// A `goto`/`retry` transfer with the action's `parameters` (Arazzo 1.1): inputs as for
    /// `Parameters`, no outputs read back.
    TransferWith(&'a [(String, Value, String)]),
}

/// Type-checks a value given for input `field` of workflow `target` (see [`types`]).
fn input_type(
    cx: &mut Cx<'_>,
    scope: &Scope,
    target: &str,
    field: &crate::plan::Field,
    given: &ValueExpr,
    (raw, pointer): (&Value, &str),
) {
    let Some(ty) = JsonType::of_rust(&field.ty) else {
        return;
    };
    let name = &field.json_name;
    // Where the input is declared, when the workflow is one of this document's.
    let declared = cx
        .files
        .value(cx.file)
        .get("workflows")
        .and_then(Value::as_array)
        .and_then(|wfs| {
            wfs.iter()
                .position(|w| w.get("workflowId").and_then(Value::as_str) == Some(target))
        })
        .and_then(|i| {
            let at = format!("/workflows/{i}/inputs/properties/{}", escape_token(name));
            cx.files
                .span(cx.file, &format!("{at}/type"))
                .or_else(|| cx.files.key_span(cx.file, &at))
        });
    let what = format!("input `{name}` of workflow `{target}`");
    let target = Target {
        declared: declared.map(super::types::TypeAt::Span),
        what,
        ty,
        text: false,
    };
    types::check(cx, scope, given, raw, &format!("{pointer}/value"), &target);
}

/// Plans a call of the local workflow `target`, referenced at `pointer`.
pub(super) fn call(
    cx: &mut Cx<'_>,
    sigs: &[Signature],
    scope: &Scope,
    target: &str,
    args: Args<'_>,
    pointer: &str,
) -> Option<CallPlan> {
    if let Some(rest) = target.strip_prefix("$sourceDescriptions.") {
        let Some((source, id)) = rest.split_once('.') else {
            let d = cx.error(
                "unknown-workflow",
                format!("`{target}` does not name a workflow"),
                pointer,
            );
            d.help = Some("write `$sourceDescriptions.<source name>.<workflowId>`".into());
            return None;
        };
        let Some(child) = cx.children.iter().position(|c| c.source == source) else {
            let d = cx.error(
                "unknown-source",
                format!("no `type: arazzo` source description named `{source}`"),
                pointer,
            );
            d.help = Some("workflows of another document are reached through a source description of `type: arazzo`".into());
            return None;
        };
        // The child's signatures are moved out for the call and put back: `call` needs `cx`.
        let child_sigs = std::mem::take(&mut cx.children[child].workflows);
        let known = child_sigs.iter().any(|s| s.id == id);
        if !known {
            let ids: Vec<&str> = child_sigs.iter().map(|s| s.id.as_str()).collect();
            let help = match similar(id, &ids).first() {
                Some(best) => format!("did you mean `$sourceDescriptions.{source}.{best}`?"),
                None => format!("the workflows of `{source}` are {}", one_of(&ids)),
            };
            let offset = target.len() - id.len();
            let span = cx.span(pointer).map(|s| s.sub(offset, s.end - s.start));
            cx.push(
                Diagnostic::error(
                    "unknown-workflow",
                    format!("source `{source}` has no workflow `{id}`"),
                )
                .at(span)
                .label("no such workflowId")
                .help(help),
            );
            cx.children[child].workflows = child_sigs;
            return None;
        }
        let planned = call(cx, &child_sigs, scope, id, args, pointer);
        cx.children[child].workflows = child_sigs;
        return planned;
    }
    let Some(sig) = sigs.iter().find(|s| s.id == target) else {
        let ids: Vec<&str> = sigs.iter().map(|s| s.id.as_str()).collect();
        let help = match similar(target, &ids).first() {
            Some(best) => format!("did you mean `{best}`?"),
            None => format!("the workflows of this document are {}", one_of(&ids)),
        };
        let span = cx.span(pointer);
        cx.push(
            Diagnostic::error(
                "unknown-workflow",
                format!("there is no workflow `{target}` in this document"),
            )
            .at(span)
            .label("no such workflowId")
            .help(help),
        );
        return None;
    };
    // Checked callees first; a missing signature output means the callee failed or is in a
    // reported cycle. A `goto`/`retry` transfer reads no outputs.
    let outputs = match &args {
        Args::Transfer | Args::TransferWith(_) => sig.outputs.clone().unwrap_or_default(),
        _ => sig.outputs.clone()?,
    };
    let mut fields = Vec::new();
    let mut ok = true;
    for field in sig.input_fields() {
        // An object or array literal with expressions inside is built as JSON, then converted
        // to the input's type (a value that does not fit fails the step, naming the input).
        if let Args::Parameters(params) | Args::TransferWith(params) = &args
            && let Some((_, v, p)) = params.iter().find(|(n, _, _)| *n == field.json_name)
            && matches!(v, Value::Object(_) | Value::Array(_))
            && super::values::embedded_expression(v, p).is_some()
        {
            match super::request::json_value(cx, v, &format!("{p}/value"), scope) {
                Some(json) => fields.push((
                    field.rust_name.clone(),
                    FieldInit::Json(json, field.ty.clone()),
                )),
                None => ok = false,
            }
            continue;
        }
        let given = match &args {
            Args::Parameters(params) | Args::TransferWith(params) => params
                .iter()
                .find(|(n, _, _)| *n == field.json_name)
                .and_then(|(_, v, p)| {
                    let value =
                        scope.literal_or_value(cx, v, &format!("{p}/value"), Context::Request);
                    match &value {
                        None => ok = false,
                        Some(given) => input_type(cx, scope, target, field, given, (v, p)),
                    }
                    value
                }),
            Args::CallerInputs | Args::Transfer => scope
                .inputs
                .iter()
                .find(|f| f.json_name == field.json_name)
                .map(|f| ValueExpr::Input {
                    field: f.rust_name.clone(),
                    ty: f.ty.clone(),
                    pointer: None,
                }),
        };
        let init = match (given, &field.presence) {
            (Some(v), _) => FieldInit::Value(v, field.ty.clone()),
            (None, crate::plan::Presence::Default(_)) => {
                FieldInit::Default(format!("default_{}", field.rust_name))
            }
            (None, crate::plan::Presence::Optional) => FieldInit::Absent,
            (None, crate::plan::Presence::Required) => {
                // A misspelt parameter is reported as unknown (with the fix) below.
                let misspelt = matches!(&args, Args::Parameters(params) | Args::TransferWith(params)
                    if params.iter().any(|(n, _, _)| !sig.input_fields().iter().any(|f| &f.json_name == n)));
                if ok && !misspelt {
                    let how = match args {
                        Args::Parameters(_) => format!(
                            "add a parameter `- name: {}` with its value to the step",
                            field.json_name
                        ),
                        Args::TransferWith(_) => format!(
                            "add a parameter `- name: {}` with its value to the action",
                            field.json_name
                        ),
                        Args::CallerInputs | Args::Transfer => format!(
                            "declare an input `{}` in the calling workflow, which passes it on",
                            field.json_name
                        ),
                    };
                    let d = cx.error(
                        "missing-workflow-input",
                        format!(
                            "workflow `{target}` requires input `{}`, which is not supplied",
                            field.json_name
                        ),
                        pointer,
                    );
                    d.label = format!("`{}` missing", field.json_name);
                    d.help = Some(how);
                }
                ok = false;
                continue;
            }
        };
        fields.push((field.rust_name.clone(), init));
    }
    if let Args::Parameters(params) | Args::TransferWith(params) = args {
        for (name, _, p) in params {
            if !sig.input_fields().iter().any(|f| &f.json_name == name) {
                let names: Vec<&str> = sig
                    .input_fields()
                    .iter()
                    .map(|f| f.json_name.as_str())
                    .collect();
                let help = match similar(name, &names).first() {
                    Some(best) => format!("did you mean `{best}`?"),
                    None if names.is_empty() => format!("workflow `{target}` takes no inputs"),
                    None => format!("the inputs of `{target}` are {}", one_of(&names)),
                };
                let span = cx.span(&format!("{p}/name"));
                cx.push(
                    Diagnostic::error(
                        "unknown-workflow-input",
                        format!("workflow `{target}` has no input `{name}`"),
                    )
                    .at(span)
                    .label("not an input of the called workflow")
                    .help(help),
                );
                ok = false;
            }
        }
    }
    ok.then(|| CallPlan {
        workflow: sig.id.clone(),
        // A workflow of message steps only has no status: its plain function runs it.
        fn_name: if sig.has_status {
            sig.inner_fn_name.clone()
        } else {
            sig.fn_name.clone()
        },
        status: sig.has_status,
        inputs_type: sig.inputs_type().to_owned(),
        outputs_type: sig.outputs_type.clone(),
        fields,
        outputs,
        timeout_ms: None,
    })
}

/// A step that runs a workflow of message steps only has no HTTP status: `$statusCode` in its
/// criteria, its actions' criteria or its outputs is an error, never a status read as 0.
pub(super) fn no_status_read(cx: &mut Cx<'_>, plan: &crate::plan::StepPlan, sp: &str) {
    use crate::plan::{OperandSource, OutputSource, StepKind};
    let StepKind::Workflow(call) = &plan.kind else {
        return;
    };
    if call.status {
        return;
    }
    let actions = plan.on_success.iter().chain(&plan.on_failure);
    let in_criteria = plan
        .criteria
        .iter()
        .chain(actions.flat_map(|a| &a.criteria))
        .any(|c| {
            c.condition
                .reads(&|s| matches!(s, OperandSource::StatusCode))
        });
    let in_outputs = plan
        .outputs
        .iter()
        .any(|o| matches!(o.source, OutputSource::StatusCode));
    if !(in_criteria || in_outputs) {
        return;
    }
    let d = cx.error(
        "expression-out-of-context",
        format!(
            "step `{}` reads `$statusCode`, but workflow `{}` runs message steps only: it has no HTTP status",
            plan.id, call.workflow
        ),
        &format!("{sp}/workflowId"),
    );
    d.label = "a workflow without HTTP steps".into();
    d.help = Some(format!(
        "test the outputs of `{}` instead (`$outputs.<name>`)",
        call.workflow
    ));
}
