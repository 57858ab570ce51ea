//! Runtime expressions and conditions, resolved against what a step can see: the workflow's
//! inputs and the outputs of earlier steps.

use std::collections::BTreeSet;

use serde_json::Value;

use super::Cx;
use crate::criteria::condition::{self, CmpOp, Condition, Literal, Operand};
use crate::diagnostic::Diagnostic;
use crate::expr::{self, Expr, ExprError, Part, Source as ExprSource};
use crate::names;
use crate::plan;
use crate::plan::{
    CondPlan, Field, OperandPlan, OperandSource, StepOutputPlan, TemplatePart, ValueExpr,
};
use crate::suggest::{one_of, similar};

/// An output another workflow produced, as this one sees it: (name, local variable, type).
pub(super) type Visible = (String, String, crate::plan::RustType);

/// Where an expression stands, which decides what it may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Context {
    /// A parameter or request body: no response yet.
    Request,
    /// A success criterion: the step's response too.
    Criteria,
    /// A step's outputs: the step's response too.
    StepOutputs,
    /// The workflow's outputs.
    WorkflowOutputs,
}

/// What a value that is not a `String` is, in words.
fn not_text(ty: &plan::RustType) -> &'static str {
    use plan::RustType;
    match ty {
        RustType::I64 | RustType::F64 | RustType::U16 => "a number",
        RustType::Bool => "a boolean",
        RustType::Option(inner) | RustType::Secret(inner) => not_text(inner),
        RustType::Vec(_) => "a list",
        RustType::Named(_) => "an object",
        RustType::Json => "JSON",
        // Never asked: a `String` is text.
        RustType::String => "text",
    }
}

/// What expressions in one workflow can refer to.
pub(super) struct Scope {
    /// The inputs struct's fields.
    pub(crate) inputs: Vec<Field>,
    /// Steps checked so far, with their outputs.
    pub(crate) steps: Vec<(String, Vec<StepOutputPlan>)>,
    /// Every stepId of the workflow, to tell "later" from "unknown".
    pub(crate) step_ids: Vec<String>,
    /// Local variable names of the generated function.
    pub(crate) vars: names::Scope,
    /// Steps whose checks failed: references to them are not reported again.
    pub(crate) failed_steps: BTreeSet<String>,
    /// Step outputs whose checks failed, as `(stepId, name)`.
    pub(crate) failed_outputs: std::collections::HashSet<(String, String)>,
    /// Where the response schema that types a step output says its type, by `(stepId,
    /// name)`: a type check names it beside the output.
    pub(crate) output_schemas:
        std::collections::HashMap<(String, String), crate::openapi::SchemaRef>,
    /// Actions jump between steps: step outputs are set only once their step has run.
    pub(crate) branching: bool,
    /// `dependsOn` workflows: id → its outputs.
    pub(crate) dependencies: Vec<(String, Vec<Visible>)>,
    /// Earlier steps that ran a workflow: (workflowId, stepId), latest last.
    pub(crate) callers: Vec<(String, String)>,
    /// While a message step's criteria and outputs are checked: what `$message` reads.
    pub(crate) message: Option<MessageScope>,
    /// The connections message steps so far open, with their `ConnId` variables.
    pub(crate) connections: Vec<(plan::ConnectPlan, String)>,
    /// Types generated for step outputs (whole message payloads).
    pub(crate) output_types: Vec<plan::TypeDef>,
    /// The step being checked (the workflow, for its outputs): what an XPath 3.1 selector's
    /// run-time error names.
    pub(crate) at: String,
}

/// The message a message step's expressions see.
#[derive(Debug, Clone)]
pub(crate) struct MessageScope {
    /// The payload schemas of the operation's messages (any of them may arrive).
    pub(crate) payloads: Vec<crate::openapi::SchemaRef>,
    /// Whether `$message` exists: only a `receive` takes a message.
    pub(crate) receive: bool,
    /// The step's id.
    pub(crate) step: String,
    /// The start of the names of types generated for its outputs (`<Workflow><Step>`).
    pub(crate) type_prefix: String,
}

impl Scope {
    /// A parameter, payload or output value: a literal, a whole expression, or a string
    /// with embedded expressions.
    pub(crate) fn literal_or_value(
        &self,
        cx: &mut Cx<'_>,
        value: &Value,
        pointer: &str,
        context: Context,
    ) -> Option<ValueExpr> {
        match value {
            Value::String(text) => self.value(cx, text, pointer, context),
            other => {
                if let Some(at) = embedded_expression(other, pointer) {
                    let d = cx.error(
                        "unsupported-feature",
                        "a runtime expression inside an array or object literal is not supported here by this generator yet",
                        &at,
                    );
                    d.label = "would be sent as literal text".into();
                    d.help = Some(
                        "pass the whole value from an input or step output (`$inputs.<name>`), or, in a request parameter, use an array of strings"
                            .into(),
                    );
                    return None;
                }
                Some(ValueExpr::Literal(other.clone()))
            }
        }
    }

    /// A request parameter's value: as [`Scope::literal_or_value`], except that an array of
    /// scalars with runtime expressions among its items (`["role.{$inputs.group}"]`) is a
    /// [`ValueExpr::List`] of their parameter texts (a parameter sends text whatever the
    /// item's type), rather than literal `{$...}` text.
    pub(crate) fn parameter_value(
        &self,
        cx: &mut Cx<'_>,
        value: &Value,
        pointer: &str,
        context: Context,
    ) -> Option<ValueExpr> {
        let Value::Array(items) = value else {
            return self.literal_or_value(cx, value, pointer, context);
        };
        let scalars = items
            .iter()
            .all(|v| !matches!(v, Value::Array(_) | Value::Object(_)));
        if !scalars || embedded_expression(value, pointer).is_none() {
            return self.literal_or_value(cx, value, pointer, context);
        }
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            out.push(self.literal_or_value(cx, item, &format!("{pointer}/{i}"), context)?);
        }
        Some(ValueExpr::List(out))
    }

    /// A string value; where a Selector Object evaluated at run time stood, the selection
    /// from it.
    pub(crate) fn value(
        &self,
        cx: &mut Cx<'_>,
        text: &str,
        pointer: &str,
        context: Context,
    ) -> Option<ValueExpr> {
        let value = self.plain_value(cx, text, pointer, context)?;
        self.selection(cx, value, pointer)
    }

    /// `value`, wrapped in the selection recorded for `pointer` if there is one: an XPath 3.1
    /// context must be XML text, a `String`; a JSONPath one is read as JSON.
    pub(crate) fn selection(
        &self,
        cx: &mut Cx<'_>,
        value: ValueExpr,
        pointer: &str,
    ) -> Option<ValueExpr> {
        let Some((kind, expr)) = cx.selection(pointer) else {
            return Some(value);
        };
        if kind == super::SelectionKind::JsonPath {
            return Some(ValueExpr::JsonPath {
                of: Box::new(value),
                query: expr,
                step: self.at.clone(),
            });
        }
        if value.ty() != plan::RustType::String {
            let d = cx.error(
                "invalid-selector",
                format!(
                    "an XPath selector needs XML text (a string) as its context, and this context is {}",
                    not_text(&value.ty())
                ),
                &format!("{pointer}/context"),
            );
            d.label = "not text".into();
            d.help = Some(
                "select from `$response.body` in a step's outputs, or from a string that holds XML (an output such as `xml: $response.body` of an XML response)".into(),
            );
            return None;
        }
        Some(ValueExpr::XPath31 {
            of: Box::new(value),
            expr,
            step: self.at.clone(),
        })
    }

    /// A string value as written.
    fn plain_value(
        &self,
        cx: &mut Cx<'_>,
        text: &str,
        pointer: &str,
        context: Context,
    ) -> Option<ValueExpr> {
        let template = match expr::parse_template(text) {
            Ok(t) => t,
            // A pre-1.0.1 expression inside a longer string (`Bearer $steps.login.token`): the
            // string is read with that expression fixed, its text around it kept.
            // Under `strict` it is the error `lenient` reports.
            Err(err)
                if !cx.options.strict
                    && let Some(t) = lenient_embedded(cx, &err, text, pointer) =>
            {
                t
            }
            Err(err) => {
                // A whole-value expression with a known, unambiguous fix is read as fixed.
                let expr = lenient(cx, &err, text, pointer, &self.step_ids)?;
                return self.resolve(cx, &expr, text, 0..text.len(), pointer, context);
            }
        };
        dollar_words(cx, &template, text, pointer);
        match template.parts.as_slice() {
            [] => Some(ValueExpr::Literal(Value::String(String::new()))),
            [Part::Text(t)] => Some(ValueExpr::Literal(Value::String(t.clone()))),
            // The whole string is one expression (braced or not): the value keeps its type.
            [Part::Expr { expr, span, .. }] => {
                self.resolve(cx, expr, text, span.clone(), pointer, context)
            }
            parts
                if parts
                    .iter()
                    .filter(|p| matches!(p, Part::Expr { .. }))
                    .count()
                    > MAX_EMBEDDED =>
            {
                let d = cx.error(
                    "too-many-expressions",
                    format!("this string embeds more than {MAX_EMBEDDED} runtime expressions"),
                    pointer,
                );
                d.label = "too many expressions".into();
                d.help = Some(format!(
                    "embed at most {MAX_EMBEDDED} expressions in one string, or build the value from several"
                ));
                None
            }
            parts => {
                let mut out = Vec::new();
                let mut ok = true;
                for part in parts {
                    match part {
                        Part::Text(t) => out.push(TemplatePart::Text(t.clone())),
                        Part::Expr { expr, span, braced } => {
                            if !braced {
                                unbraced(cx, expr, text, span.clone(), pointer);
                            }
                            match self.resolve(cx, expr, text, span.clone(), pointer, context) {
                                Some(v) => out.push(TemplatePart::Value(v)),
                                None => ok = false,
                            }
                        }
                    }
                }
                ok.then_some(ValueExpr::Template(out))
            }
        }
    }

    /// `$inputs.*` and `$steps.*.outputs.*`; anything else is reported for `context`.
    pub(crate) fn resolve(
        &self,
        cx: &mut Cx<'_>,
        expr: &Expr,
        text: &str,
        range: std::ops::Range<usize>,
        pointer: &str,
        context: Context,
    ) -> Option<ValueExpr> {
        let at = Place {
            pointer,
            text,
            range: range.clone(),
        };
        match expr {
            Expr::Inputs { name, pointer: ptr } => {
                match self.inputs.iter().find(|f| &f.json_name == name) {
                    Some(field) => Some(ValueExpr::Input {
                        field: field.rust_name.clone(),
                        ty: field.ty.clone(),
                        pointer: ptr.clone(),
                    }),
                    None => {
                        let declared: Vec<&str> =
                            self.inputs.iter().map(|f| f.json_name.as_str()).collect();
                        let help = match similar(name, &declared).first() {
                            Some(best) => format!("did you mean `$inputs.{best}`?"),
                            None if declared.is_empty() => format!(
                                "declare it: add `{name}` under the workflow's `inputs.properties`"
                            ),
                            None => format!(
                                "declare `{name}` under the workflow's `inputs.properties`, or use one of {}",
                                one_of(&declared)
                            ),
                        };
                        cx.push(
                            Diagnostic::error(
                                "unknown-input",
                                format!(
                                    "`$inputs.{name}` is not declared in the workflow's inputs"
                                ),
                            )
                            .at(at.span(cx))
                            .label("not an input of this workflow")
                            .help(help),
                        );
                        None
                    }
                }
            }
            Expr::Steps {
                step,
                output,
                pointer: ptr,
            } => self.step_output(cx, step, output, ptr.clone(), &at),
            Expr::Message(_) => {
                let (what, help) = if cx.version == super::Version::V1_0 {
                    (
                        "`$message` belongs to Arazzo 1.1".to_owned(),
                        "write `arazzo: 1.1.0` and read it in a `receive` step".to_owned(),
                    )
                } else if self.message.as_ref().is_some_and(|m| !m.receive) {
                    (
                        "a `send` step takes no message".to_owned(),
                        "only a `receive` step's criteria and outputs read `$message`".to_owned(),
                    )
                } else if self.message.is_some() {
                    (
                        "the message is not received yet".to_owned(),
                        "read `$message` in the step's `successCriteria` or `outputs`".to_owned(),
                    )
                } else {
                    (
                        "only an AsyncAPI `receive` step takes a message".to_owned(),
                        "read `$response` in an HTTP step, or save the message as an output of the `receive` step and read `$steps.<stepId>.outputs.<name>`".to_owned(),
                    )
                };
                cx.push(
                    Diagnostic::error(
                        "expression-out-of-context",
                        format!("`{expr}` cannot be used here: {what}"),
                    )
                    .at(at.span(cx))
                    .label("not available here")
                    .help(help),
                );
                None
            }
            Expr::StatusCode | Expr::Response(_) | Expr::Request(_) | Expr::Url | Expr::Method
                if self.message.is_some() =>
            {
                cx.push(
                    Diagnostic::error(
                        "expression-out-of-context",
                        format!("`{expr}` cannot be used here: a message step has no HTTP request or response"),
                    )
                    .at(at.span(cx))
                    .label("not available in a message step")
                    .help("read the received message with `$message.payload[#<pointer>]` or `$message.header.<name>`"),
                );
                None
            }
            Expr::StatusCode | Expr::Response(_) | Expr::Request(_) | Expr::Url | Expr::Method => {
                let what = match context {
                    Context::Request => "a request has no response yet",
                    Context::WorkflowOutputs => {
                        "workflow outputs are read after the last step; name a step output instead"
                    }
                    Context::Criteria | Context::StepOutputs => {
                        "this expression cannot be read here"
                    }
                };
                cx.push(
                    Diagnostic::error("expression-out-of-context", format!("`{expr}` cannot be used here: {what}"))
                        .at(at.span(cx))
                        .label("not available here")
                        .help(match context {
                            Context::WorkflowOutputs => "add a step output (`outputs: {name: <expression>}`) and use `$steps.<stepId>.outputs.<name>`".to_owned(),
                            _ => "use `$inputs.<name>` or `$steps.<stepId>.outputs.<name>`".to_owned(),
                        }),
                );
                None
            }
            Expr::Workflows {
                workflow,
                field: crate::expr::WorkflowField::Outputs,
                name,
                pointer: ptr,
            } => {
                // A workflow an earlier step ran: its outputs are that step's hidden outputs.
                if !self.dependencies.iter().any(|(id, _)| id == workflow)
                    && let Some((_, step)) =
                        self.callers.iter().rev().find(|(id, _)| id == workflow)
                {
                    return self.step_output(
                        cx,
                        step,
                        &format!("$workflows.{workflow}.outputs.{name}"),
                        ptr.clone(),
                        &at,
                    );
                }
                let Some((_, outputs)) = self.dependencies.iter().find(|(id, _)| id == workflow)
                else {
                    cx.push(
                        Diagnostic::error(
                            "unknown-workflow-output",
                            format!("`{expr}` reads a workflow this one does not depend on"),
                        )
                        .at(at.span(cx))
                        .label("not in `dependsOn`, and no earlier step runs it")
                        .help(format!("add `{workflow}` to this workflow's `dependsOn`, or run it in an earlier step")),
                    );
                    return None;
                };
                match outputs.iter().find(|(n, _, _)| n == name) {
                    Some((_, var, ty)) => Some(ValueExpr::StepOutput {
                        var: var.clone(),
                        ty: ty.clone(),
                        pointer: ptr.clone(),
                        unset: None,
                    }),
                    None => {
                        let names: Vec<&str> = outputs.iter().map(|(n, _, _)| n.as_str()).collect();
                        cx.push(
                            Diagnostic::error(
                                "unknown-workflow-output",
                                format!("workflow `{workflow}` has no output `{name}`"),
                            )
                            .at(at.span(cx))
                            .label("no such output")
                            .help(
                                match similar(name, &names).first() {
                                    Some(best) => format!(
                                        "did you mean `$workflows.{workflow}.outputs.{best}`?"
                                    ),
                                    None => format!("its outputs are {}", one_of(&names)),
                                },
                            ),
                        );
                        None
                    }
                }
            }
            // `$sourceDescriptions.<doc>.<workflowId>.outputs.<name>`: a workflow of another
            // document that `dependsOn` or an earlier step ran.
            Expr::SourceDescriptions { name, reference } if reference.contains(".outputs.") => {
                let (workflow, output) = reference.split_once(".outputs.").unwrap_or_default();
                let (output, ptr) = match output.split_once('#') {
                    Some((o, p)) => (o, Some(p.to_owned())),
                    None => (output, None),
                };
                let qualified = format!("$sourceDescriptions.{name}.{workflow}");
                let key = if self.dependencies.iter().any(|(id, _)| *id == qualified) {
                    qualified
                } else {
                    workflow.to_owned()
                };
                let as_workflows = Expr::Workflows {
                    workflow: key,
                    field: crate::expr::WorkflowField::Outputs,
                    name: output.to_owned(),
                    pointer: ptr,
                };
                self.resolve(cx, &as_workflows, text, range, pointer, context)
            }
            Expr::Outputs { .. }
            | Expr::Workflows { .. }
            | Expr::SourceDescriptions { .. }
            | Expr::Components { .. } => {
                cx.push(
                    Diagnostic::error(
                        "unsupported-feature",
                        format!("`{expr}` is not supported by this generator yet"),
                    )
                    .at(at.span(cx))
                    .label("not supported yet")
                    .help("use `$inputs.<name>` or `$steps.<stepId>.outputs.<name>`"),
                );
                None
            }
        }
    }

    fn step_output(
        &self,
        cx: &mut Cx<'_>,
        step: &str,
        output: &str,
        pointer: Option<String>,
        at: &Place<'_>,
    ) -> Option<ValueExpr> {
        // The root cause was reported where the step or output failed; say nothing more.
        if self.failed_steps.contains(step)
            || self
                .failed_outputs
                .contains(&(step.to_owned(), output.to_owned()))
        {
            return None;
        }
        let earlier = self.steps.iter().find(|(id, _)| id == step);
        // `outputs.events.0.dates.0`: dots navigating into an output, as some runners allow.
        if let Some((_, outputs)) = earlier
            && !outputs.iter().any(|o| o.name == output)
            && let Some((head, rest)) = output.split_once('.')
            && let Some(o) = outputs.iter().find(|o| o.name == head)
        {
            let nav = format!(
                "/{}",
                rest.replace('~', "~0").replace('/', "~1").replace('.', "/")
            );
            let full = format!("{nav}{}", pointer.as_deref().unwrap_or_default());
            cx.push(
                Diagnostic::warning(
                    "lenient-expression",
                    format!("`$steps.{step}.outputs.{output}` navigates with dots"),
                )
                .at(at.span(cx))
                .label("read as a JSON pointer")
                .help(format!("write `$steps.{step}.outputs.{head}#{full}`")),
            );
            return Some(ValueExpr::StepOutput {
                var: o.var.clone(),
                ty: o.ty.clone(),
                pointer: Some(full),
                unset: self.branching.then(|| (step.to_owned(), head.to_owned())),
            });
        }
        let (message, label, help) = match earlier {
            Some((_, outputs)) => match outputs.iter().find(|o| o.name == output) {
                Some(o) => {
                    return Some(ValueExpr::StepOutput {
                        var: o.var.clone(),
                        ty: o.ty.clone(),
                        pointer,
                        unset: self.branching.then(|| (step.to_owned(), output.to_owned())),
                    });
                }
                None => {
                    let names: Vec<&str> = outputs
                        .iter()
                        .map(|o| o.name.as_str())
                        .filter(|n| !n.starts_with('$'))
                        .collect();
                    let help = match similar(output, &names).first() {
                        Some(best) => format!("did you mean `$steps.{step}.outputs.{best}`?"),
                        None if names.is_empty() => format!(
                            "step `{step}` has no outputs: add `outputs: {{{output}: <expression>}}` to it"
                        ),
                        None => format!("step `{step}` has the outputs {}", one_of(&names)),
                    };
                    (
                        format!("step `{step}` has no output `{output}`"),
                        "no such output",
                        help,
                    )
                }
            },
            None if self.step_ids.iter().any(|s| s == step) => (
                format!("step `{step}` runs after this one, so its outputs are not known yet"),
                "not an earlier step",
                "steps can only read outputs of the steps before them; move this step after it"
                    .to_owned(),
            ),
            None => {
                let ids: Vec<&str> = self.step_ids.iter().map(String::as_str).collect();
                let help = match similar(step, &ids).first() {
                    Some(best) => format!("did you mean `$steps.{best}.outputs.{output}`?"),
                    None => format!("the steps of this workflow are {}", one_of(&ids)),
                };
                (
                    format!("there is no step `{step}` in this workflow"),
                    "no such step",
                    help,
                )
            }
        };
        cx.push(
            Diagnostic::error("unknown-step-output", message)
                .at(at.span(cx))
                .label(label)
                .help(help),
        );
        None
    }

    /// A `simple` condition, as typed Rust-to-be.
    pub(crate) fn condition(&self, cx: &mut Cx<'_>, text: &str, pointer: &str) -> Option<CondPlan> {
        match condition::parse(text) {
            Ok(c) => self.cond(cx, &c, text, pointer),
            Err(err) => {
                expr_error(cx, "invalid-condition", &err, text, pointer);
                None
            }
        }
    }

    fn cond(&self, cx: &mut Cx<'_>, c: &Condition, text: &str, pointer: &str) -> Option<CondPlan> {
        Some(match c {
            Condition::Or(a, b) => {
                let (a, b) = (
                    self.cond(cx, a, text, pointer),
                    self.cond(cx, b, text, pointer),
                );
                CondPlan::Or(Box::new(a?), Box::new(b?))
            }
            Condition::And(a, b) => {
                let (a, b) = (
                    self.cond(cx, a, text, pointer),
                    self.cond(cx, b, text, pointer),
                );
                CondPlan::And(Box::new(a?), Box::new(b?))
            }
            Condition::Not(a) => CondPlan::Not(Box::new(self.cond(cx, a, text, pointer)?)),
            Condition::Compare { op, left, right } => {
                if let Some(plan) = status_compare(*op, left, right)
                    && self.message.is_none()
                {
                    return Some(plan);
                }
                let (l, r) = (
                    self.operand(cx, left, text, pointer),
                    self.operand(cx, right, text, pointer),
                );
                CondPlan::Compare(cmp_op(*op), l?, r?)
            }
            Condition::Operand(o) => CondPlan::Truthy(self.operand(cx, o, text, pointer)?),
        })
    }

    /// A criterion's `context` expression as an operand.
    pub(crate) fn context_operand(
        &self,
        cx: &mut Cx<'_>,
        text: &str,
        pointer: &str,
    ) -> Option<OperandPlan> {
        match crate::expr::parse(text) {
            Ok(expr) => self.operand(
                cx,
                &Operand::Expr {
                    expr,
                    path: Vec::new(),
                    span: 0..text.len(),
                },
                text,
                pointer,
            ),
            Err(err) => {
                expr_error(cx, "invalid-expression", &err, text, pointer);
                None
            }
        }
    }

    fn operand(
        &self,
        cx: &mut Cx<'_>,
        o: &Operand,
        text: &str,
        pointer: &str,
    ) -> Option<OperandPlan> {
        match o {
            Operand::Literal(l) => Some(OperandPlan {
                source: OperandSource::Literal(literal(l)),
                path: Vec::new(),
            }),
            Operand::Expr { expr, path, span } => {
                let in_message = self.message.is_some();
                let source = match expr {
                    Expr::StatusCode if !in_message => OperandSource::StatusCode,
                    Expr::Response(ExprSource::Body(ptr)) if !in_message => {
                        OperandSource::ResponseBody(ptr.clone())
                    }
                    Expr::Response(ExprSource::Header(name)) if !in_message => {
                        OperandSource::ResponseHeader(name.clone())
                    }
                    Expr::Message(ExprSource::Payload(ptr))
                        if self.message.as_ref().is_some_and(|m| m.receive)
                            && cx.version == super::Version::V1_1 =>
                    {
                        if let Some(p) = ptr {
                            self.message_pointer(cx, p, text, span.clone(), pointer)?;
                        }
                        OperandSource::MessagePayload(ptr.clone())
                    }
                    Expr::Message(ExprSource::Header(name))
                        if self.message.as_ref().is_some_and(|m| m.receive)
                            && cx.version == super::Version::V1_1 =>
                    {
                        OperandSource::MessageHeader(name.clone())
                    }
                    other => OperandSource::Value(self.resolve(
                        cx,
                        other,
                        text,
                        span.clone(),
                        pointer,
                        Context::Criteria,
                    )?),
                };
                Some(OperandPlan {
                    source,
                    path: path.iter().map(access).collect(),
                })
            }
        }
    }
}

impl Scope {
    /// Checks `$message.payload#<p>` against the messages' payload schemas: a member no
    /// message can have is an `unknown-payload-member` error naming the members it may have.
    pub(crate) fn message_pointer(
        &self,
        cx: &mut Cx<'_>,
        p: &str,
        text: &str,
        range: std::ops::Range<usize>,
        pointer: &str,
    ) -> Option<()> {
        let payloads = self
            .message
            .as_ref()
            .map(|m| m.payloads.clone())
            .unwrap_or_default();
        if payloads.is_empty() {
            return Some(());
        }
        let mut why = None;
        for schema in &payloads {
            match cx.at_pointer(schema, p) {
                // An open schema: a near miss of a declared name is still a typo.
                Ok(None) => match super::step::undeclared(cx, schema, p) {
                    Some(super::step::Undeclared::Typo(w)) => why = Some(w),
                    _ => return Some(()),
                },
                Ok(Some(_)) => return Some(()),
                Err(w) => why = Some(w),
            }
        }
        let span = cx.span_in_string(pointer, text, range);
        cx.push(
            Diagnostic::error(
                "unknown-payload-member",
                format!("no message of this step has `{p}` in its payload"),
            )
            .at(span)
            .label("not in the message's payload schema")
            .help(why.unwrap_or_default()),
        );
        None
    }
}

/// Where an expression is written: `range` inside the string value `text` at `pointer`. Its
/// span is looked up only for a diagnostic: mapping it through the location index for every
/// expression was a twentieth of `check` at 1000 workflows (issue 11, item 5).
struct Place<'t> {
    pointer: &'t str,
    text: &'t str,
    range: std::ops::Range<usize>,
}

impl Place<'_> {
    fn span(&self, cx: &Cx<'_>) -> Option<crate::diagnostic::Span> {
        cx.span_in_string(self.pointer, self.text, self.range.clone())
    }
}

/// `$statusCode <op> 200` (either way round) compares integers directly.
fn status_compare(op: CmpOp, left: &Operand, right: &Operand) -> Option<CondPlan> {
    let status = |o: &Operand| matches!(o, Operand::Expr { expr: Expr::StatusCode, path, .. } if path.is_empty());
    let number = |o: &Operand| match o {
        Operand::Literal(Literal::Number(n)) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
        _ => None,
    };
    if status(left) {
        number(right).map(|n| CondPlan::Status(cmp_op(op), n))
    } else if status(right) {
        let flipped = match op {
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::Le => CmpOp::Ge,
            CmpOp::Gt => CmpOp::Lt,
            CmpOp::Ge => CmpOp::Le,
            same => same,
        };
        number(left).map(|n| CondPlan::Status(cmp_op(flipped), n))
    } else {
        None
    }
}

fn cmp_op(op: CmpOp) -> plan::CmpOp {
    match op {
        CmpOp::Eq => plan::CmpOp::Eq,
        CmpOp::Ne => plan::CmpOp::Ne,
        CmpOp::Lt => plan::CmpOp::Lt,
        CmpOp::Le => plan::CmpOp::Le,
        CmpOp::Gt => plan::CmpOp::Gt,
        CmpOp::Ge => plan::CmpOp::Ge,
    }
}

fn access(a: &condition::Access) -> plan::Access {
    match a {
        condition::Access::Member(m) => plan::Access::Member(m.clone()),
        condition::Access::Index(i) => plan::Access::Index(*i),
    }
}

fn literal(l: &Literal) -> Value {
    match l {
        Literal::Null => Value::Null,
        Literal::Bool(b) => Value::Bool(*b),
        Literal::Number(n) => Value::Number(n.clone()),
        Literal::String(s) => Value::String(s.clone()),
    }
}

/// An output written as a literal (`count: 2`) instead of an expression: a warning, and the
/// literal as its value. Objects and arrays are refused (they are almost always a mistake).
pub(super) fn literal_output(
    cx: &mut Cx<'_>,
    name: &str,
    raw: &Value,
    pointer: &str,
) -> Option<ValueExpr> {
    if raw.is_object() || raw.is_array() {
        let d = cx.error(
            "invalid-expression",
            format!("output `{name}` must be a runtime expression"),
            pointer,
        );
        d.label = "not an expression".into();
        d.help = Some("write an expression such as `$response.body#/id` or `$statusCode`".into());
        return None;
    }
    let span = cx.span(pointer);
    cx.push(
        Diagnostic::warning("literal-output", format!("output `{name}` is a literal, not a runtime expression"))
            .at(span)
            .label("always this value")
            .help("outputs are runtime expressions such as `$response.body#/id`; a literal is passed through as it is"),
    );
    Some(ValueExpr::Literal(raw.clone()))
}

/// Parses a whole-value expression, accepting the pre-1.0.1 forms real documents use when the
/// fix is unambiguous (`$response.body.id` → `$response.body#/id`, `$steps.s.x` →
/// `$steps.s.outputs.x`, a step id with spaces): a warning shows the corrected form, and
/// `strict` makes it an error. Anything else is reported as the error it is.
pub(super) fn parse_lenient(
    cx: &mut Cx<'_>,
    text: &str,
    pointer: &str,
    step_ids: &[String],
) -> Option<Expr> {
    match expr::parse(text) {
        Ok(e) => Some(e),
        Err(err) => lenient(cx, &err, text, pointer, step_ids),
    }
}

/// Warns about each `$word.more` in the text parts of `template` (`Bearer
/// $dependencies.x.token`): it looks like a runtime expression, but no Arazzo expression
/// starts so, and it is sent as written.
fn dollar_words(cx: &mut Cx<'_>, template: &expr::Template, text: &str, pointer: &str) {
    let in_expr = |at: usize| {
        template
            .parts
            .iter()
            .any(|p| matches!(p, Part::Expr { span, .. } if span.contains(&at)))
    };
    let word = |s: &str| {
        s.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(s.len())
    };
    for (at, _) in text.match_indices('$') {
        let rest = &text[at + 1..];
        let root_len = word(rest);
        let starts_word = rest.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_');
        if !starts_word || !rest[root_len..].starts_with('.') || in_expr(at) {
            continue;
        }
        // The whole dotted word, for the message and the underline.
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || "_.-".contains(c)))
            .unwrap_or(rest.len());
        let written = text[at..at + 1 + len].trim_end_matches('.');
        let root = &rest[..root_len];
        let span = cx.span_in_string(pointer, text, at..at + written.len());
        let close = crate::suggest::closest(root, &expr::ROOTS);
        let help = match close {
            Some(r) => format!("did you mean `${r}`? Runtime expressions start with `$inputs`, `$steps`, `$workflows`, `$response`, `$request`, `$outputs`, `$components`, `$sourceDescriptions` or `$message`"),
            None => "runtime expressions start with `$inputs`, `$steps`, `$workflows`, `$response`, `$request`, `$outputs`, `$components`, `$sourceDescriptions` or `$message`; if this is text, allow `not-an-expression`".to_owned(),
        };
        cx.push(
            Diagnostic::warning(
                "not-an-expression",
                format!("`{written}` looks like a runtime expression, but `${root}` is not one: it is sent as written"),
            )
            .at(span)
            .label("sent as text")
            .help(help),
        );
    }
}

/// The fix a parse error's help names (`write `$steps.s.outputs.x``), if it parses.
fn named_fix(err: &ExprError) -> Option<String> {
    let fixed = err
        .help
        .as_deref()
        .and_then(|h| h.rsplit_once("write `"))
        .and_then(|(_, rest)| rest.strip_suffix('`'))?;
    expr::parse(fixed).is_ok().then(|| fixed.to_owned())
}

/// `text` read as a template with its one faulty embedded expression (one that does not start
/// the string) replaced by the fix the error names, with a `lenient-expression` warning that
/// shows the whole corrected string (not called under `strict`). Spans of the parts stay
/// those of `text`. `None` when the error is not such an expression or the fixed string still
/// does not parse.
fn lenient_embedded(
    cx: &mut Cx<'_>,
    err: &ExprError,
    text: &str,
    pointer: &str,
) -> Option<expr::Template> {
    let start = text
        .get(..=err.offset.min(text.len().saturating_sub(1)))?
        .rfind('$')?;
    if start == 0 {
        return None;
    }
    let fixed = named_fix(err)?;
    // The written expression runs to the first character no expression of this kind holds.
    let len = text[start..]
        .find(|c: char| !(c.is_ascii_alphanumeric() || "$_.-#/~".contains(c)))
        .unwrap_or(text.len() - start);
    let end = start + len;
    let braced = format!("{{{fixed}}}");
    let corrected = format!("{}{braced}{}", &text[..start], &text[end..]);
    let mut template = expr::parse_template(&corrected).ok()?;
    // Back to `text`'s offsets: the fixed part covers what was written, the rest shifts.
    let new_end = start + braced.len();
    for part in &mut template.parts {
        if let Part::Expr { span, .. } = part {
            *span = if span.start >= new_end {
                span.start + end - new_end..span.end + end - new_end
            } else if span.end > start {
                start..end
            } else {
                span.clone()
            };
        }
    }
    let span = cx.span_in_string(pointer, text, start..end);
    cx.push(
        Diagnostic::warning(
            "lenient-expression",
            format!(
                "`{}` is not an Arazzo 1.0.1 expression; read as `{fixed}`",
                &text[start..end]
            ),
        )
        .at(span)
        .label(err.message.clone())
        .help(format!("write `{corrected}`")),
    );
    Some(template)
}

fn lenient(
    cx: &mut Cx<'_>,
    err: &ExprError,
    text: &str,
    pointer: &str,
    step_ids: &[String],
) -> Option<Expr> {
    let fixed = named_fix(err).and_then(|f| expr::parse(&f).ok().map(|e| (f, e)));
    // `$steps.<id with spaces>.outputs.<name>`: Arazzo 1.0.1 allowed any characters in names.
    let spaced = || {
        let rest = text.strip_prefix("$steps.")?;
        let (id, tail) = rest.split_once(".outputs.")?;
        step_ids.iter().any(|s| s == id).then_some(())?;
        let (output, pointer) = match tail.split_once('#') {
            Some((name, ptr)) if ptr.starts_with('/') => (name, Some(ptr.to_owned())),
            Some(_) => return None,
            None => (tail, None),
        };
        (!output.is_empty() && !output.contains(['{', '}'])).then_some(())?;
        Some((
            text.to_owned(),
            Expr::Steps {
                step: id.to_owned(),
                output: output.to_owned(),
                pointer,
            },
        ))
    };
    let Some((fixed_text, expr)) = fixed.or_else(spaced) else {
        expr_error(cx, "invalid-expression", err, text, pointer);
        return None;
    };
    if cx.options.strict {
        expr_error(cx, "invalid-expression", err, text, pointer);
        return None;
    }
    let span = cx.span(pointer);
    let message = if fixed_text == text {
        format!("`{text}` names a step whose id is not an Arazzo 1.1 identifier")
    } else {
        format!("`{text}` is not an Arazzo 1.0.1 expression; read as `{fixed_text}`")
    };
    cx.push(
        Diagnostic::warning("lenient-expression", message)
            .at(span)
            .label(err.message.clone())
            .help(if fixed_text == text {
                "give the step an id of letters, digits, `_` and `-`".to_owned()
            } else {
                format!("write `{fixed_text}`")
            }),
    );
    Some(expr)
}

/// Reports a parse error inside the string at `pointer`.
pub(super) fn expr_error(
    cx: &mut Cx<'_>,
    code: &'static str,
    err: &ExprError,
    text: &str,
    pointer: &str,
) {
    let span = cx.span_in_string(pointer, text, err.offset..err.offset + err.len.max(1));
    let what = if code == "invalid-condition" {
        "condition"
    } else {
        "runtime expression"
    };
    let mut d = Diagnostic::error(code, format!("invalid {what}: {}", err.message))
        .at(span)
        .label(err.message.clone());
    if let Some(help) = &err.help {
        d = d.help(help.clone());
    }
    cx.push(d);
}

/// The most runtime expressions one string may embed: each becomes generated code, and a
/// 1 MiB string of them made the generator use gigabytes.
pub(crate) const MAX_EMBEDDED: usize = 256;

/// Characters of the surrounding string quoted on each side in an unbraced-expression help.
const CONTEXT: usize = 20;

/// Warns (or, when strict, errors) about `$inputs.x` written inside a longer string.
fn unbraced(
    cx: &mut Cx<'_>,
    expr: &Expr,
    text: &str,
    range: std::ops::Range<usize>,
    pointer: &str,
) {
    let span = cx.span_in_string(pointer, text, range.clone());
    // Only the expression and a little context: quoting the whole string in the help of
    // each of its expressions made the output grow with the square of the input.
    let before = text.get(..range.start).unwrap_or_default();
    let after = text.get(range.end..).unwrap_or_default();
    // Walks at most CONTEXT characters from each side: counting the whole string per
    // expression would be quadratic again.
    let tail = match before.char_indices().rev().nth(CONTEXT - 1) {
        Some((0, _)) | None => before.to_owned(),
        Some((i, _)) => format!("…{}", &before[i..]),
    };
    let head = match after.char_indices().nth(CONTEXT) {
        Some((i, _)) => format!("{}…", &after[..i]),
        None => after.to_owned(),
    };
    let braced = format!("{tail}{{{expr}}}{head}");
    let message =
        format!("`{expr}` inside a longer string is not an Arazzo expression without braces");
    let d = if cx.options.strict {
        Diagnostic::error("unbraced-expression", message)
    } else {
        Diagnostic::warning("unbraced-expression", message)
    };
    cx.push(
        d.at(span)
            .label("interpolated as if braced")
            .help(format!("write `{braced}`")),
    );
}

/// The pointer of the first string inside an array or object literal that embeds a runtime
/// expression (braced, or a whole `$...` expression), if any. Nesting is bounded by the
/// document parser's depth limit.
pub(super) fn embedded_expression(value: &Value, pointer: &str) -> Option<String> {
    match value {
        Value::String(text) => expr::parse_template(text)
            .is_ok_and(|t| t.parts.iter().any(|p| matches!(p, Part::Expr { .. })))
            .then(|| pointer.to_owned()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| embedded_expression(v, &format!("{pointer}/{i}"))),
        Value::Object(members) => members.iter().find_map(|(k, v)| {
            let key = k.replace('~', "~0").replace('/', "~1");
            embedded_expression(v, &format!("{pointer}/{key}"))
        }),
        _ => None,
    }
}
