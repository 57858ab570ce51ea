//! One step: the operation it calls, its parameters, request body, success criteria and
//! outputs.

use serde_json::Value;

use super::calls::{self, Args};
use super::components;
use super::request::{self, is_json};
use super::signature::Signature;
use super::values::{Context, Scope};
use super::{Cx, SelectionKind, Source};
use crate::criteria::{
    self,
    kinds::{self, CriterionKind},
};
use crate::diagnostic::Diagnostic;
use crate::expr::{Expr, Source as ExprSource};
use crate::model::{Criterion, Step, Workflow};
use crate::openapi::{self, Operation, schema};
use crate::plan::{
    CallPlan, CondPlan, CriterionPlan, OperandSource, OutputSource, RustType, StepKind,
    StepOutputPlan, StepPlan,
};
use crate::pointer::escape_token;
use crate::suggest::{one_of, similar};
use crate::{names, typing};

/// Checks one step and plans it (its actions are planned by the workflow, once the step's
/// own outputs are in scope).
pub(super) fn check(
    cx: &mut Cx<'_>,
    sources: &[Source],
    sigs: &[Signature],
    wf: &Workflow,
    step: &Step,
    sp: &str,
    scope: &mut Scope,
) -> Option<StepPlan> {
    let wp = sp.split("/steps/").next().unwrap_or_default().to_owned();
    super::order::step(cx, sigs, wf, step, sp);
    if let Some(target) = &step.workflow_id {
        return workflow_step(cx, sigs, step, target, sp, scope);
    }
    if step.action.is_some() || step.channel_path.is_some() {
        return super::message::check(cx, sources, wf, step, sp, scope);
    }
    let (source, op) = target(cx, sources, step, sp)?;
    let request = request::check(cx, sources, source, op, wf, step, &wp, sp, scope);
    let criteria = criteria_list(
        cx,
        step.success_criteria.as_deref().unwrap_or_default(),
        &format!("{sp}/successCriteria"),
        scope,
    );
    super::status::check(cx, op, step, sp);
    let statuses = expected_statuses(&criteria);
    let outputs = outputs(cx, Some(op), None, step, sp, scope, &statuses);
    Some(StepPlan {
        id: step.step_id.clone(),
        label: op.name(),
        kind: StepKind::Request(request),
        criteria,
        outputs,
        on_success: Vec::new(),
        on_failure: Vec::new(),
    })
}

/// A step that runs another workflow: `parameters` fill its inputs, `$outputs.<name>` reads
/// its outputs, `$statusCode` its last response status.
fn workflow_step(
    cx: &mut Cx<'_>,
    sigs: &[Signature],
    step: &Step,
    target: &str,
    sp: &str,
    scope: &mut Scope,
) -> Option<StepPlan> {
    if step.operation_id.is_some() || step.operation_path.is_some() {
        let d = cx.error(
            "invalid-step-target",
            format!(
                "step `{}` has both `workflowId` and an operation",
                step.step_id
            ),
            &format!("{sp}/workflowId"),
        );
        d.label = "a second target".into();
        d.help = Some("keep exactly one of `operationId`, `operationPath` and `workflowId`".into());
        return None;
    }
    if step.request_body.is_some() {
        let d = cx.error(
            "invalid-document",
            "a step that runs a workflow sends no request body",
            &format!("{sp}/requestBody"),
        );
        d.help = Some("pass values to the workflow as `parameters` (its inputs)".into());
    }
    let mut params = Vec::new();
    for (i, raw) in step.parameters.iter().flatten().enumerate() {
        let pointer = format!("{sp}/parameters/{i}");
        let Some(resolved) = components::resolve(cx, raw, "parameters", &pointer) else {
            continue;
        };
        match (
            resolved.get("name").and_then(Value::as_str),
            resolved.get("value"),
        ) {
            (Some(name), Some(value)) => {
                if resolved.get("in").is_some() {
                    let d = cx.error(
                        "invalid-document",
                        format!("parameter `{name}` of a workflow step has an `in`"),
                        &format!("{pointer}/in"),
                    );
                    d.help = Some(
                        "a workflow step's parameters are the workflow's inputs: remove `in`"
                            .into(),
                    );
                }
                params.push((name.to_owned(), value.clone(), pointer));
            }
            _ => {
                cx.error(
                    "invalid-document",
                    "a parameter needs `name` and `value`",
                    &pointer,
                );
            }
        }
    }
    let mut call = calls::call(
        cx,
        sigs,
        scope,
        target,
        Args::Parameters(&params),
        &format!("{sp}/workflowId"),
    )?;
    call.timeout_ms = step.timeout;
    let criteria = criteria_list(
        cx,
        step.success_criteria.as_deref().unwrap_or_default(),
        &format!("{sp}/successCriteria"),
        scope,
    );
    for (i, c) in criteria.iter().enumerate() {
        if reads_response(&c.condition) {
            let d = cx.error(
                "expression-out-of-context",
                "a step that runs a workflow has no response to read",
                &format!("{sp}/successCriteria/{i}/condition"),
            );
            d.help = Some("use `$statusCode` (the workflow's last status) or its outputs".into());
        }
    }
    let mut outputs = outputs(cx, None, Some(&call), step, sp, scope, &[]);
    // The callee's outputs, for later `$workflows.<id>.outputs.<name>`.
    for (name, rust, ty) in &call.outputs {
        let var = scope
            .vars
            .claim(names::snake(&format!("{} {name}", step.step_id)));
        outputs.push(StepOutputPlan {
            name: format!("$workflows.{}.outputs.{name}", call.workflow),
            var,
            ty: ty.clone(),
            source: OutputSource::Callee(rust.clone(), None),
            hidden: true,
            secret: false,
        });
    }
    scope
        .callers
        .push((call.workflow.clone(), step.step_id.clone()));
    Some(StepPlan {
        id: step.step_id.clone(),
        label: format!("workflow `{target}`"),
        kind: StepKind::Workflow(call),
        criteria,
        outputs,
        on_success: Vec::new(),
        on_failure: Vec::new(),
    })
}

fn reads_response(c: &CondPlan) -> bool {
    c.reads(&|s| {
        matches!(
            s,
            OperandSource::ResponseBody(_) | OperandSource::ResponseHeader(_)
        )
    })
}

/// The operation a step calls: `operationId` (bare or `$sourceDescriptions.<name>.<id>`) or
/// `operationPath`.
fn target<'s>(
    cx: &mut Cx<'_>,
    sources: &'s [Source],
    step: &Step,
    sp: &str,
) -> Option<(usize, &'s Operation)> {
    match (&step.operation_id, &step.operation_path) {
        (Some(_), Some(_)) => {
            let d = cx.error(
                "invalid-step-target",
                format!(
                    "step `{}` has both `operationId` and `operationPath`",
                    step.step_id
                ),
                &format!("{sp}/operationPath"),
            );
            d.label = "a second target".into();
            d.help =
                Some("keep exactly one of `operationId`, `operationPath` and `workflowId`".into());
            None
        }
        (None, None) => {
            // A misspelt `operationID` is reported as an unknown field with the fix; saying
            // the step has no target too would only bury it.
            let misspelt = step
                .extra
                .keys()
                .any(|k| !similar(k, &["operationId", "operationPath", "workflowId"]).is_empty());
            if !misspelt {
                let d = cx.error(
                    "invalid-step-target",
                    format!("step `{}` does not say what to call", step.step_id),
                    &format!("{sp}/stepId"),
                );
                d.label = "no `operationId`, `operationPath` or `workflowId`".into();
                d.help = Some("add `operationId`, `operationPath` or `workflowId`".into());
            }
            None
        }
        (Some(id), None) => by_operation_id(cx, sources, id, &format!("{sp}/operationId")),
        (None, Some(path)) => by_operation_path(cx, sources, path, &format!("{sp}/operationPath")),
    }
    .inspect(|(_, op)| {
        cx.used_operations.insert(op.location.clone());
    })
}

fn by_operation_id<'s>(
    cx: &mut Cx<'_>,
    sources: &'s [Source],
    id: &str,
    pointer: &str,
) -> Option<(usize, &'s Operation)> {
    if let Some(rest) = id.strip_prefix("$sourceDescriptions.") {
        let Some((name, op_id)) = rest.split_once('.') else {
            cx.error(
                "invalid-expression",
                format!("`{id}` does not name an operation"),
                pointer,
            )
            .help = Some("write `$sourceDescriptions.<source name>.<operationId>`".into());
            return None;
        };
        let index = source_index(cx, sources, name, pointer, "$sourceDescriptions.".len())?;
        let api = sources[index].api.as_ref()?;
        return match api.operation_by_id(op_id) {
            Some(op) => Some((index, op)),
            None => {
                unknown_operation(cx, &sources[index], op_id, pointer, id.len() - op_id.len());
                None
            }
        };
    }
    let found: Vec<(usize, &Operation)> = sources
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            s.api
                .as_ref()
                .and_then(|a| a.operation_by_id(id))
                .map(|op| (i, op))
        })
        .collect();
    match found.as_slice() {
        [one] => Some(*one),
        [] => {
            let loaded: Vec<&Source> = sources.iter().filter(|s| s.api.is_some()).collect();
            if loaded.len() != sources.len() {
                // A source failed to load: its diagnostic says why; guessing here would mislead.
                return None;
            }
            match loaded.as_slice() {
                [one] => unknown_operation(cx, one, id, pointer, 0),
                _ => {
                    let mut candidates: Vec<String> = Vec::new();
                    for s in &loaded {
                        if let Some(api) = &s.api {
                            for c in api.similar_operation_ids(id) {
                                candidates.push(format!("$sourceDescriptions.{}.{c}", s.name));
                            }
                        }
                    }
                    let names: Vec<&str> = loaded.iter().map(|s| s.name.as_str()).collect();
                    let d = cx.error(
                        "unknown-operation",
                        format!("no operation `{id}` in any source description"),
                        pointer,
                    );
                    d.label = format!("not an operationId of {}", one_of(&names));
                    if let Some(best) = candidates.first() {
                        d.help = Some(format!("did you mean `{best}`?"));
                    }
                }
            }
            None
        }
        [_, ..] => {
            let names: Vec<String> = found
                .iter()
                .map(|(i, _)| format!("$sourceDescriptions.{}.{id}", sources[*i].name))
                .collect();
            let mut d = Diagnostic::error(
                "ambiguous-operation",
                format!("operationId `{id}` is in several source descriptions"),
            )
            .at(cx.span(pointer))
            .help(format!("qualify it: {}", names.join(" or ")));
            for (i, op) in &found {
                let (file, at) = &op.location;
                d = d.secondary(
                    cx.files.span(*file, &format!("{at}/operationId")),
                    format!("in source `{}`", sources[*i].name),
                );
            }
            cx.push(d);
            None
        }
    }
}

fn unknown_operation(cx: &mut Cx<'_>, source: &Source, id: &str, pointer: &str, offset: usize) {
    let Some(api) = &source.api else { return };
    let file = cx.files.display_path(api.file);
    let span = cx.span(pointer).map(|s| s.sub(offset, s.end - s.start));
    let similar = api.similar_operation_ids(id);
    let mut d = Diagnostic::error(
        "unknown-operation",
        format!("no operation `{id}` in source `{}`", source.name),
    )
    .at(span)
    .label(format!("not an operationId of {file}"));
    if let Some(best) = similar.first() {
        // Point into the OpenAPI description at the closest operationId.
        let at = api.operation_by_id(best).and_then(|op| {
            let (file, pointer) = &op.location;
            cx.files.span(*file, &format!("{pointer}/operationId"))
        });
        d = d
            .secondary(at, "the closest operationId")
            .help(format!("did you mean `{best}`?"));
    } else {
        d = d.help(format!(
            "the operationIds of `{}` are listed under `paths` in {file}",
            source.name
        ));
    }
    cx.push(d);
}

pub(super) fn source_index(
    cx: &mut Cx<'_>,
    sources: &[Source],
    name: &str,
    pointer: &str,
    offset: usize,
) -> Option<usize> {
    if let Some(i) = sources.iter().position(|s| s.name == name) {
        return Some(i);
    }
    let names: Vec<&str> = sources.iter().map(|s| s.name.as_str()).collect();
    let span = cx.span(pointer).map(|s| s.sub(offset, offset + name.len()));
    let help = match similar(name, &names).first() {
        Some(best) => format!("did you mean `{best}`?"),
        None => format!("the source descriptions are {}", one_of(&names)),
    };
    cx.push(
        Diagnostic::error(
            "unknown-source",
            format!("no source description named `{name}`"),
        )
        .at(span)
        .label("not in `sourceDescriptions`")
        .help(help),
    );
    None
}

/// `{$sourceDescriptions.<name>.url}#/paths/~1pets/get`.
fn by_operation_path<'s>(
    cx: &mut Cx<'_>,
    sources: &'s [Source],
    path: &str,
    pointer: &str,
) -> Option<(usize, &'s Operation)> {
    let parsed = path
        .strip_prefix("{$sourceDescriptions.")
        .and_then(|r| r.split_once(".url}"))
        .and_then(|(name, rest)| rest.strip_prefix('#').map(|ptr| (name, ptr)));
    // 1.1 reads "a reference to a Source Description Object combined with a JSON Pointer":
    // `$sourceDescriptions.<name>#/paths/...` (its own schema tests write it so).
    let mut offset = "{$sourceDescriptions.".len();
    let parsed = parsed.or_else(|| {
        if cx.version != super::Version::V1_1 {
            return None;
        }
        let (name, ptr) = path.strip_prefix("$sourceDescriptions.")?.split_once('#')?;
        offset = "$sourceDescriptions.".len();
        Some((name, ptr))
    });
    // `<source name>#/paths/...`, as some runners write it: read as the 1.0.1 form, warned.
    let parsed = parsed.or_else(|| {
        let (name, ptr) = path.split_once('#')?;
        sources.iter().any(|s| s.name == name).then_some(())?;
        let span = cx.span(pointer);
        cx.push(
            Diagnostic::warning(
                "lenient-expression",
                format!("`{path}` is not an Arazzo 1.0.1 operation path"),
            )
            .at(span)
            .label("read as the source description's URL")
            .help(format!("write `{{$sourceDescriptions.{name}.url}}#{ptr}`")),
        );
        Some((name, ptr))
    });
    let Some((name, json_pointer)) = parsed else {
        cx.error("unresolved-operation-path", format!("`{path}` is not an operation path"), pointer).help =
            Some("write `{$sourceDescriptions.<name>.url}#/paths/<escaped path>/<method>`, e.g. `{$sourceDescriptions.petStore.url}#/paths/~1pets~1{petId}/get`".into());
        return None;
    };
    let index = source_index(cx, sources, name, pointer, offset)?;
    let api = sources[index].api.as_ref()?;
    if let Some(op) = api.operation_by_pointer(json_pointer) {
        return Some((index, op));
    }
    let file = cx.files.display_path(api.file);
    let without_method = api
        .operations
        .iter()
        .filter(|o| o.pointer.rsplit_once('/').map(|(p, _)| p) == Some(json_pointer))
        .collect::<Vec<_>>();
    let help = if let Some(op) = without_method.first() {
        format!(
            "this points at a path item, not an operation: add the method, e.g. `#{}`",
            op.pointer
        )
    } else {
        let candidates: Vec<&str> = api.operations.iter().map(|o| o.pointer.as_str()).collect();
        match similar(json_pointer, &candidates).first() {
            Some(best) => format!("did you mean `#{best}`?"),
            None => format!("no operation of {file} is at that pointer; paths use `~1` for `/`"),
        }
    };
    let offset = path.len() - json_pointer.len();
    let span = cx.span(pointer).map(|s| s.sub(offset, s.end - s.start));
    cx.push(
        Diagnostic::error(
            "unresolved-operation-path",
            format!("`#{json_pointer}` is not an operation in source `{name}`"),
        )
        .at(span)
        .label(format!("no operation here in {file}"))
        .help(help),
    );
    None
}

/// A list of Criterion Objects (success criteria or an action's criteria) at `base`.
pub(super) fn criteria_list(
    cx: &mut Cx<'_>,
    list: &[Criterion],
    base: &str,
    scope: &Scope,
) -> Vec<CriterionPlan> {
    let mut out = Vec::new();
    for (i, c) in list.iter().enumerate() {
        let cp = format!("{base}/{i}");
        if let Some(condition) = criterion(cx, c, &cp, scope) {
            out.push(CriterionPlan {
                text: c.condition.clone(),
                condition,
            });
        }
    }
    out
}

/// One criterion, in the language its `type` names.
fn criterion(cx: &mut Cx<'_>, c: &Criterion, cp: &str, scope: &Scope) -> Option<CondPlan> {
    // In 1.1 a plain `type: xpath` is XPath 3.1 (the Expression Type Object's default): the
    // same as `version: xpath-31`.
    let xpath_31 = serde_json::json!({"type": "xpath", "version": "xpath-31"});
    let declared = match &c.kind {
        Some(Value::String(t)) if t == "xpath" && cx.version == super::Version::V1_1 => {
            Some(&xpath_31)
        }
        other => other.as_ref(),
    };
    let kind = match kinds::kind(declared) {
        Ok(kind) => kind,
        Err((message, help)) => {
            let d = cx.error("invalid-criterion", message, &format!("{cp}/type"));
            d.help = help;
            return None;
        }
    };
    let cond_ptr = format!("{cp}/condition");
    if kind == CriterionKind::Simple {
        if c.context.is_some() {
            let span = cx.span(&format!("{cp}/context"));
            cx.push(
                Diagnostic::warning(
                    "ignored-context",
                    "a `simple` condition reads its own operands; `context` has no effect",
                )
                .at(span)
                .label("has no effect")
                .help("remove `context`, or set `type` to `regex`, `jsonpath` or `xpath`"),
            );
        }
        return scope.condition(cx, &c.condition, &cond_ptr);
    }
    let Some(context) = &c.context else {
        let d = cx.error(
            "invalid-criterion",
            "a `regex`, `jsonpath` or `xpath` criterion needs a `context`",
            cp,
        );
        d.label = "no `context`".into();
        d.help = Some("add `context: $response.body` (or the header or value to test)".into());
        return None;
    };
    if kinds::is_goessner(c.kind.as_ref()) {
        let span = cx.span(&format!("{cp}/type"));
        cx.push(
            Diagnostic::warning(
                "jsonpath-draft",
                "`draft-goessner-dispatch-jsonpath-00` is evaluated as RFC 9535 JSONPath",
            )
            .at(span)
            .label("read as RFC 9535")
            .help("the common subset (`$.a[0]`, `$[?(@.x == 1)]`, `$..id`) reads the same; write `type: jsonpath` to say so"),
        );
    }
    // What is evaluated: the condition, or the RFC 9535 query a lenient comparison means.
    let mut text = c.condition.clone();
    let checked = match kind {
        CriterionKind::Regex => criteria::regex::check(&c.condition).map(|()| Vec::new()),
        CriterionKind::JsonPath => match criteria::jsonpath::check(&c.condition) {
            Err(error) => match criteria::jsonpath_lenient::read(&c.condition) {
                Some(corrected) => {
                    lenient_jsonpath(cx, &c.condition, &corrected, &cond_ptr);
                    let checked = criteria::jsonpath::check(&corrected);
                    text = corrected;
                    checked
                }
                None => Err(error),
            },
            checked => checked,
        },
        CriterionKind::XPath => criteria::xpath::check(&c.condition).map(|()| Vec::new()),
        CriterionKind::XPath31 => {
            match criteria::xpath31::check("XPath 3.1 condition", &c.condition) {
                Ok(()) => Ok(Vec::new()),
                Err(error) => {
                    let code = "invalid-criterion";
                    super::selector::xpath31_error(cx, code, &cond_ptr, &c.condition, error);
                    return None;
                }
            }
        }
        CriterionKind::Simple => Ok(Vec::new()),
    };
    match checked {
        Ok(warnings) => {
            for (message, help) in warnings {
                let span = cx.span(&cond_ptr);
                let mut d = Diagnostic::warning("suspicious-criterion", message).at(span);
                if let Some(help) = help {
                    d = d.help(help);
                }
                cx.push(d);
            }
        }
        Err((message, help)) => {
            let d = cx.error("invalid-criterion", message, &cond_ptr);
            d.help = help;
            return None;
        }
    }
    let operand = scope.context_operand(cx, context, &format!("{cp}/context"))?;
    Some(match kind {
        CriterionKind::Regex => CondPlan::Regex(operand, text),
        CriterionKind::JsonPath => CondPlan::JsonPath(operand, text),
        CriterionKind::XPath31 => CondPlan::XPath31(operand, text),
        _ => CondPlan::XPath(operand, text),
    })
}

/// Warns (or, when strict, errors) that a `jsonpath` condition is a comparison, not an
/// RFC 9535 query, naming the query it is read as.
fn lenient_jsonpath(cx: &mut Cx<'_>, condition: &str, corrected: &str, cond_ptr: &str) {
    let message = format!(
        "`{condition}` is not an RFC 9535 JSONPath query: a query compares only inside a filter"
    );
    let d = if cx.options.strict {
        Diagnostic::error("lenient-jsonpath", message)
    } else {
        Diagnostic::warning("lenient-jsonpath", message)
    };
    let span = cx.span(cond_ptr);
    cx.push(
        d.at(span)
            .label("read as the comparison it spells")
            .help(format!("write `condition: {corrected}`"))
            .note(
                "the filter selects the root's members when the comparison holds, so the criterion passes exactly when it holds",
            ),
    );
}

/// The statuses the criteria pin down (`$statusCode == 200`, alone or in `||` / `&&`), which
/// select the responses whose schemas type the outputs.
fn expected_statuses(criteria: &[CriterionPlan]) -> Vec<u16> {
    fn walk(c: &CondPlan, out: &mut Vec<u16>) {
        match c {
            CondPlan::Status(crate::plan::CmpOp::Eq, n) => out.push(*n),
            CondPlan::Or(a, b) | CondPlan::And(a, b) => {
                walk(a, out);
                walk(b, out);
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for c in criteria {
        walk(&c.condition, &mut out);
    }
    out.sort_unstable();
    out.dedup();
    out
}

pub(super) fn outputs(
    cx: &mut Cx<'_>,
    op: Option<&Operation>,
    call: Option<&CallPlan>,
    step: &Step,
    sp: &str,
    scope: &mut Scope,
    statuses: &[u16],
) -> Vec<StepOutputPlan> {
    let mut out = Vec::new();
    for (name, raw) in step.outputs.iter().flatten() {
        let pointer = format!("{sp}/outputs/{}", escape_token(name));
        let mut secret = false;
        let mut typed_at = None;
        let output = output(
            cx,
            op,
            call,
            scope,
            statuses,
            (name, raw),
            &pointer,
            (&mut secret, &mut typed_at),
        );
        if let Some(schema) = typed_at {
            scope
                .output_schemas
                .insert((step.step_id.clone(), name.clone()), schema);
        }
        let Some((ty, source)) = output else {
            // Later references to it stay quiet: the cause is reported here.
            scope
                .failed_outputs
                .insert((step.step_id.clone(), name.clone()));
            continue;
        };
        let var = scope
            .vars
            .claim(names::snake(&format!("{} {name}", step.step_id)));
        out.push(StepOutputPlan {
            name: name.clone(),
            var,
            ty,
            source,
            hidden: false,
            secret,
        });
    }
    out
}

/// One step output's type and source; `secret` is set when its response schema marks it a
/// credential.
#[allow(clippy::too_many_arguments)]
fn output(
    cx: &mut Cx<'_>,
    op: Option<&Operation>,
    call: Option<&CallPlan>,
    scope: &mut Scope,
    statuses: &[u16],
    (name, raw): (&str, &Value),
    pointer: &str,
    (secret, typed_at): (&mut bool, &mut Option<crate::openapi::SchemaRef>),
) -> Option<(RustType, OutputSource)> {
    let Some(text) = raw.as_str() else {
        let value = super::values::literal_output(cx, name, raw, pointer)?;
        return Some((value.ty(), OutputSource::Value(value)));
    };
    let parsed = super::values::parse_lenient(cx, text, pointer, &scope.step_ids)?;
    let receive = scope.message.as_ref().is_some_and(|m| m.receive);
    if let Some((kind, expr)) = cx.selection(pointer) {
        // A Selector Object evaluated at run time: over the response body (or a received
        // message's payload), the selection from it; over any other value, the same through
        // `Scope::selection`.
        let body = matches!(parsed, Expr::Response(ExprSource::Body(None))) && op.is_some();
        let payload = receive && matches!(parsed, Expr::Message(ExprSource::Payload(None)));
        match kind {
            SelectionKind::XPath31 if body => {
                return Some((RustType::String, OutputSource::XPath31(expr)));
            }
            SelectionKind::JsonPath if body => {
                return super::selection::body(
                    cx,
                    op?,
                    statuses,
                    &expr,
                    (text, pointer),
                    (secret, typed_at),
                );
            }
            SelectionKind::JsonPath if payload => {
                return super::selection::payload(cx, scope, &expr, (text, pointer));
            }
            _ => {}
        }
        let value = scope.resolve(
            cx,
            &parsed,
            text,
            0..text.len(),
            pointer,
            Context::StepOutputs,
        )?;
        let value = scope.selection(cx, value, pointer)?;
        return Some((value.ty(), OutputSource::Value(value)));
    }
    match &parsed {
        Expr::StatusCode if scope.message.is_none() => {
            Some((RustType::U16, OutputSource::StatusCode))
        }
        Expr::Message(ExprSource::Payload(None)) if receive => message_struct(cx, scope, name)
            .or_else(|| message_output_type(cx, scope, None, (text, pointer))),
        Expr::Message(ExprSource::Payload(ptr)) if receive => {
            message_output_type(cx, scope, ptr.as_deref(), (text, pointer))
        }
        Expr::Message(ExprSource::Header(h)) if receive => {
            let step = scope.message.as_ref()?.step.clone();
            // A header no schema requires may be absent.
            Some((
                RustType::String.optional(),
                OutputSource::MessageHeader(step, h.clone()),
            ))
        }
        Expr::Response(ExprSource::Header(h)) if op.is_some() => {
            Some((RustType::String, OutputSource::Header(h.clone())))
        }
        Expr::Response(ExprSource::Body(ptr)) if op.is_some() => body_output_type(
            cx,
            op?,
            statuses,
            ptr.as_deref(),
            (text, pointer),
            (secret, typed_at),
        ),
        Expr::Outputs {
            name: field,
            pointer: ptr,
        } if call.is_some() => {
            let call = call?;
            match call.outputs.iter().find(|(n, _, _)| n == field) {
                Some((_, rust, ty)) => Some(match ptr {
                    None => (ty.clone(), OutputSource::Callee(rust.clone(), None)),
                    Some(p) => (
                        RustType::Json,
                        OutputSource::Callee(rust.clone(), Some(p.clone())),
                    ),
                }),
                None => {
                    let names: Vec<&str> =
                        call.outputs.iter().map(|(n, _, _)| n.as_str()).collect();
                    let help = match similar(field, &names).first() {
                        Some(best) => format!("did you mean `$outputs.{best}`?"),
                        None if names.is_empty() => {
                            format!("workflow `{}` has no outputs", call.workflow)
                        }
                        None => {
                            format!("the outputs of `{}` are {}", call.workflow, one_of(&names))
                        }
                    };
                    let d = cx.error(
                        "unknown-workflow-output",
                        format!("workflow `{}` has no output `{field}`", call.workflow),
                        pointer,
                    );
                    d.label = "not an output of the called workflow".into();
                    d.help = Some(help);
                    None
                }
            }
        }
        Expr::Response(_) if call.is_some() => {
            let d = cx.error(
                "expression-out-of-context",
                format!("`{parsed}`: a step that runs a workflow has no response"),
                pointer,
            );
            d.help = Some("read the workflow's outputs with `$outputs.<name>`".into());
            None
        }
        other => scope
            .resolve(
                cx,
                other,
                text,
                0..text.len(),
                pointer,
                Context::StepOutputs,
            )
            .map(|v| (v.ty(), OutputSource::Value(v))),
    }
}

/// `$message.payload` as a generated struct, when the step takes one kind of message and its
/// payload is an object (`None` otherwise: JSON).
fn message_struct(
    cx: &mut Cx<'_>,
    scope: &mut Scope,
    name: &str,
) -> Option<(RustType, OutputSource)> {
    let message = scope.message.as_ref()?;
    let [schema] = message.payloads.as_slice() else {
        return None;
    };
    if cx.kind(schema) != schema::Kind::Object {
        return None;
    }
    let inlined = super::message::inline_schema(cx, schema, 0);
    let type_name = format!("{}{}", message.type_prefix, names::camel(name));
    let source = OutputSource::MessagePayload(message.step.clone(), None);
    let doc = format!(
        "The message step `{}` received (its output `{name}`), typed from the AsyncAPI payload schema.",
        message.step
    );
    let (mut defs, _) = typing::inputs(Some(&inlined), &type_name, doc, &Default::default());
    // A schema `default` is what a sender may leave out, not what a receiver fills in: an
    // absent member is `None`.
    for def in &mut defs {
        if let crate::plan::TypeBody::Struct(fields) = &mut def.body {
            for f in fields.iter_mut() {
                if matches!(f.presence, crate::plan::Presence::Default(_)) {
                    f.presence = crate::plan::Presence::Optional;
                    f.ty = f.ty.clone().optional();
                }
            }
        }
    }
    scope.output_types.extend(defs);
    Some((RustType::Named(type_name), source))
}

/// The type of `$message.payload[#pointer]`, from the payload schemas of the messages the
/// step may take (one type when they agree, else JSON).
pub(super) fn message_output_type(
    cx: &mut Cx<'_>,
    scope: &Scope,
    ptr: Option<&str>,
    (text, pointer): (&str, &str),
) -> Option<(RustType, OutputSource)> {
    let message = scope.message.as_ref()?;
    let source = OutputSource::MessagePayload(message.step.clone(), ptr.map(str::to_owned));
    let payloads = message.payloads.clone();
    if let Some(p) = ptr {
        let offset = text.find('#').unwrap_or(0);
        scope.message_pointer(cx, p, text, offset..text.len(), pointer)?;
    }
    let mut types = Vec::new();
    for s in &payloads {
        match ptr {
            None => types.push(cx.rust_type(s)),
            Some(p) => match cx.at_pointer(s, p) {
                Ok(Some(at)) => {
                    let mut ty = cx.rust_type(&at);
                    if !cx.is_required(s, p) {
                        ty = ty.optional();
                    }
                    types.push(ty);
                }
                Ok(None) => types.push(RustType::Json),
                // Another of the messages has it (checked above).
                Err(_) => {}
            },
        }
    }
    let ty = match types.split_first() {
        Some((first, rest)) if rest.iter().all(|t| t == first) => first.clone(),
        _ => RustType::Json,
    };
    Some((ty, source))
}

/// The responses of the statuses the criteria expect (or every 2XX response).
fn responses<'o>(op: &'o Operation, statuses: &[u16]) -> Vec<&'o openapi::Response> {
    if statuses.is_empty() {
        op.success_responses().collect()
    } else {
        statuses.iter().filter_map(|s| op.response(*s)).collect()
    }
}

/// The schemas of the JSON bodies of those responses.
pub(super) fn json_response_schemas(op: &Operation, statuses: &[u16]) -> Vec<openapi::SchemaRef> {
    responses(op, statuses)
        .iter()
        .flat_map(|r| r.content.iter())
        .filter(|m| is_json(&m.media_type))
        .filter_map(|m| m.schema.clone())
        .collect()
}

/// The type of `$response.body[#pointer]`, from the response schemas of the statuses the
/// criteria expect (or every 2XX response).
pub(super) fn body_output_type(
    cx: &mut Cx<'_>,
    op: &Operation,
    statuses: &[u16],
    ptr: Option<&str>,
    (text, pointer): (&str, &str),
    (secret, typed_at): (&mut bool, &mut Option<crate::openapi::SchemaRef>),
) -> Option<(RustType, OutputSource)> {
    let responses = responses(op, statuses);
    let media: Vec<&openapi::MediaType> = responses.iter().flat_map(|r| r.content.iter()).collect();
    let json: Vec<&openapi::MediaType> = media
        .iter()
        .copied()
        .filter(|m| is_json(&m.media_type))
        .collect();
    if ptr.is_none() && !media.is_empty() && json.is_empty() {
        return Some((RustType::String, OutputSource::BodyText));
    }
    let source = OutputSource::Body(ptr.map(str::to_owned));
    let schemas: Vec<&openapi::SchemaRef> = json.iter().filter_map(|m| m.schema.as_ref()).collect();
    if schemas.is_empty() {
        return Some((RustType::Json, source));
    }
    let mut types = Vec::new();
    let mut rejections = Vec::new();
    // A property no response schema declares (a typed one counts as declared).
    let mut absent = None;
    let mut declared_somewhere = false;
    for &s in &schemas {
        match ptr {
            None => {
                *secret |= cx.is_password(s);
                types.push(cx.rust_type(s));
            }
            Some(p) => match cx.at_pointer(s, p) {
                Ok(Some(at)) => {
                    // Any response that marks it secret hides it: over-hiding only costs `Debug`.
                    *secret |= cx.is_password(&at);
                    let mut ty = cx.rust_type(&at);
                    if !cx.is_required(s, p) {
                        ty = ty.optional();
                    }
                    if typed_at.is_none() {
                        *typed_at = cx.resolved(&at);
                    }
                    declared_somewhere = true;
                    types.push(ty);
                }
                Ok(None) => match undeclared(cx, s, p) {
                    Some(Undeclared::Typo(why)) => rejections.push(why),
                    Some(Undeclared::Absent(a)) => {
                        absent.get_or_insert(a);
                        types.push(RustType::Json);
                    }
                    None => {
                        declared_somewhere = true;
                        types.push(RustType::Json);
                    }
                },
                Err(why) => rejections.push(why),
            },
        }
    }
    if types.is_empty() {
        let op_name = op.operation_id.clone().unwrap_or_else(|| op.path.clone());
        let offset = text.find('#').unwrap_or(0);
        let span = cx.span_in_string(pointer, text, offset..text.len());
        // A `$ref` that points at nothing is a broken OpenAPI description, not a wrong pointer.
        if let Some(broken) = rejections
            .iter()
            .find(|r| r.starts_with("cannot resolve `$ref"))
        {
            cx.push(
                Diagnostic::error(
                    "unresolved-ref",
                    format!(
                        "the response schema of `{op_name}` cannot be read at `{}`: its OpenAPI description has a broken `$ref`",
                        ptr.unwrap_or_default()
                    ),
                )
                .at(span)
                .label("reads through the broken `$ref`")
                .note(broken.clone())
                .help("fix the `$ref` in the OpenAPI description (or the component it names)"),
            );
            return None;
        }
        cx.push(
            Diagnostic::error(
                "unknown-response-field",
                format!(
                    "the response of `{op_name}` has no `{}`",
                    ptr.unwrap_or_default()
                ),
            )
            .at(span)
            .label("not in the response schema")
            .help(
                rejections.first().cloned().unwrap_or_else(|| {
                    "check the pointer against the OpenAPI response schema".into()
                }),
            ),
        );
        return None;
    }
    if let Some(absent) = absent.filter(|_| !declared_somewhere) {
        let offset = text.find('#').unwrap_or(0);
        let span = cx.span_in_string(pointer, text, offset..text.len());
        undeclared_property(cx, &op.name(), &absent, span);
    }
    let first = types[0].clone();
    let ty = if types.iter().all(|t| *t == first) {
        first
    } else {
        RustType::Json
    };
    Some((ty, source))
}

/// A property the schema does not declare, under an object that declares its `properties`
/// and says nothing of others.
pub(super) enum Undeclared {
    /// A near miss of a declared name: almost always a typo, so an error with the fix (write
    /// `additionalProperties: true` to allow undeclared members).
    Typo(String),
    /// No declared name is close: the API may send it anyway, or the provider renamed it.
    /// The value is read untyped, with a warning.
    Absent(Absent),
}

/// An undeclared property no declared name is close to.
pub(super) struct Absent {
    /// The property.
    pub(super) token: String,
    /// The pointer to the object that lacks it (`""`: the top level).
    pub(super) parent: String,
    /// The properties that object declares.
    pub(super) declared: Vec<String>,
    /// The object's schema, `$ref`s followed.
    pub(super) schema: openapi::SchemaRef,
}

/// Walks `ptr` into `schema` to the first object that declares `properties` without this one
/// (and no `additionalProperties`, `patternProperties` or composition that could allow it).
pub(super) fn undeclared(
    cx: &mut Cx<'_>,
    schema: &openapi::SchemaRef,
    ptr: &str,
) -> Option<Undeclared> {
    let mut prefix = String::new();
    for raw in ptr.split('/').skip(1) {
        let token = raw.replace("~1", "/").replace("~0", "~");
        let parent = cx.at_pointer(schema, &prefix).ok().flatten()?;
        let resolved = cx.resolved(&parent)?;
        let value = cx.files.value(resolved.file).pointer(&resolved.pointer)?;
        let props = value.get("properties").and_then(Value::as_object);
        let open = [
            "additionalProperties",
            "patternProperties",
            "allOf",
            "oneOf",
            "anyOf",
        ]
        .iter()
        .any(|k| value.get(*k).is_some());
        if let Some(props) = props
            && !open
            && !props.contains_key(&token)
        {
            let names: Vec<&str> = props.keys().map(String::as_str).collect();
            let best = similar(&token, &names).first().map(|b| (*b).to_owned());
            return Some(match best {
                Some(best) => Undeclared::Typo(format!(
                    "the schema declares no property `{token}` there; did you mean `#{prefix}/{}`?",
                    crate::pointer::escape_token(&best)
                )),
                None => Undeclared::Absent(Absent {
                    token,
                    parent: prefix,
                    declared: props.keys().cloned().collect(),
                    schema: resolved,
                }),
            });
        }
        prefix.push('/');
        prefix.push_str(raw);
    }
    None
}

/// Warns that `$response.body#<ptr>` reads a property the response schema does not declare
/// (its type is then `serde_json::Value`), naming the closest declared one: what a renamed
/// response property looks like.
fn undeclared_property(
    cx: &mut Cx<'_>,
    op_name: &str,
    absent: &Absent,
    span: Option<crate::diagnostic::Span>,
) {
    let Absent {
        token,
        parent,
        declared,
        schema,
    } = absent;
    let at = if parent.is_empty() {
        String::new()
    } else {
        format!(" at `{parent}`")
    };
    let names: Vec<&str> = declared.iter().map(String::as_str).collect();
    let shown: Vec<String> = names
        .iter()
        .take(MAX_LISTED)
        .map(|n| format!("`{n}`"))
        .collect();
    let more = if names.len() > MAX_LISTED {
        ", …"
    } else {
        ""
    };
    let help = match crate::suggest::nearest(token, &names) {
        Some(best) => format!(
            "did you mean `{best}` (`$response.body#{parent}/{}`)? If the API does send `{token}`, declare it in the schema",
            escape_token(best)
        ),
        None => format!("if the API does send `{token}`, declare it in the schema"),
    };
    let properties = cx
        .files
        .key_span(schema.file, &format!("{}/properties", schema.pointer));
    cx.push(
        Diagnostic::warning(
            "undeclared-property",
            format!(
                "the response of `{op_name}` declares no property `{token}`{at}; it declares {}{more}",
                shown.join(", ")
            ),
        )
        .at(span)
        .label("not declared: read untyped (`serde_json::Value`)")
        .secondary(properties, "the declared properties")
        .help(help),
    );
}

/// How many declared names a message lists.
const MAX_LISTED: usize = 8;
