//! Arazzo 1.1's structural rules: what its JSON Schema and its text require of the document
//! before any source description is read (`$self`, step targets including `channelPath`,
//! `action`, `correlationId`, step `dependsOn`, parameter locations, values and duplicates,
//! non-empty criteria lists, Selector and Expression Type Objects). They hold whether or not
//! a source loads, so a document with unreachable sources is still judged.
//!
//! A step that breaks one of them is recorded in `Cx::unsound` and not checked further, so
//! each fault is reported once. A 1.0.x document is only told which 1.1 fields it uses.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::{Cx, Version};
use crate::diagnostic::Diagnostic;
use crate::model::{Document, Step, Workflow};
use crate::pointer::escape_token;
use crate::suggest::{one_of, similar};

/// What a source description describes, from its `type` (`openapi` when absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    OpenApi,
    AsyncApi,
    Arazzo,
}

fn kind_of(doc: &Document, name: &str) -> Option<Kind> {
    doc.source_descriptions
        .iter()
        .find(|s| s.name == name)
        .map(|s| match s.kind.as_deref() {
            Some("asyncapi") => Kind::AsyncApi,
            Some("arazzo") => Kind::Arazzo,
            _ => Kind::OpenApi,
        })
}

/// The selector types and the versions the Expression Type Object lists for each (the first
/// is the default).
pub(super) const EXPRESSION_TYPES: &[(&str, &[&str])] = &[
    (
        "jsonpath",
        &["rfc9535", "draft-goessner-dispatch-jsonpath-00"],
    ),
    ("xpath", &["xpath-31", "xpath-30", "xpath-20", "xpath-10"]),
    ("jsonpointer", &["rfc6901"]),
];

const PARAMETER_LOCATIONS: &[&str] = &["path", "query", "querystring", "header", "cookie"];

/// Checks the document-level rules and every step's structure.
pub(super) fn document(cx: &mut Cx<'_>, doc: &Document) {
    if cx.version == Version::V1_0 {
        fields_of_1_1(cx, doc);
        return;
    }
    if let Some(self_uri) = &doc.self_uri {
        check_self(cx, self_uri);
    }
    for (w, wf) in doc.workflows.iter().enumerate() {
        for (s, st) in wf.steps.iter().enumerate() {
            let sp = format!("/workflows/{w}/steps/{s}");
            let before = cx.diags.iter().filter(|d| d.is_error()).count();
            step(cx, doc, wf, st, &sp);
            if cx.diags.iter().filter(|d| d.is_error()).count() > before {
                cx.unsound.insert(sp);
            }
        }
    }
}

/// A 1.0.x document that uses a field 1.1 added: the fix is the version line.
fn fields_of_1_1(cx: &mut Cx<'_>, doc: &Document) {
    let mut found: Vec<(String, &str)> = Vec::new();
    if doc.self_uri.is_some() {
        found.push(("/$self".into(), "$self"));
    }
    for (w, wf) in doc.workflows.iter().enumerate() {
        for (s, st) in wf.steps.iter().enumerate() {
            let sp = format!("/workflows/{w}/steps/{s}");
            for (present, field) in [
                (st.channel_path.is_some(), "channelPath"),
                (st.action.is_some(), "action"),
                (st.correlation_id.is_some(), "correlationId"),
                (st.timeout.is_some(), "timeout"),
                (st.depends_on.is_some(), "dependsOn"),
            ] {
                if present {
                    found.push((format!("{sp}/{field}"), field));
                }
            }
        }
    }
    for (pointer, field) in found {
        let span = cx.key_span(&pointer);
        cx.push(
            Diagnostic::error("unknown-field", format!("unknown field `{field}`"))
                .at(span)
                .label("not an Arazzo 1.0.1 field")
                .help(format!(
                    "`{field}` is an Arazzo 1.1 field: write `arazzo: 1.1.0` to use it"
                )),
        );
    }
}

/// `$self` is a URI-reference without a fragment ("Arazzo Specification Object").
fn check_self(cx: &mut Cx<'_>, self_uri: &str) {
    if let Some(at) = self_uri.find('#') {
        let span = cx.span_in_string("/$self", self_uri, at..self_uri.len());
        cx.push(
            Diagnostic::error("invalid-self", "`$self` must not contain a fragment")
                .at(span)
                .label("a fragment")
                .help(format!(
                    "`$self` identifies the whole document: write `{}`",
                    &self_uri[..at]
                )),
        );
        return;
    }
    // A URI-reference is an absolute URI or resolves against any base.
    let parsed = url::Url::parse(self_uri)
        .or_else(|_| url::Url::parse("https://base.invalid/").and_then(|base| base.join(self_uri)));
    if parsed.is_err() || self_uri.chars().any(char::is_whitespace) {
        cx.error(
            "invalid-self",
            format!("`$self` `{self_uri}` is not a URI-reference"),
            "/$self",
        )
        .help = Some("write an absolute URI or a relative reference (RFC 3986)".into());
    }
}

/// Which kind of source a step's operation is in, when its target says so; a bare
/// `operationId` says so when every operation source of the document is of one kind.
fn target_kind(doc: &Document, st: &Step) -> Option<(Kind, String)> {
    if let Some(cp) = &st.channel_path {
        return source_of_pointer(cp).and_then(|n| kind_of(doc, &n).map(|k| (k, n)));
    }
    if let Some(id) = &st.operation_id {
        if let Some(rest) = id.strip_prefix("$sourceDescriptions.") {
            let name = rest.split('.').next().unwrap_or_default();
            return kind_of(doc, name).map(|k| (k, name.to_owned()));
        }
        let mut kinds = doc
            .source_descriptions
            .iter()
            .filter_map(|s| kind_of(doc, &s.name).map(|k| (k, s.name.clone())))
            .filter(|(k, _)| *k != Kind::Arazzo);
        let first = kinds.next()?;
        let all_same = kinds.all(|(k, _)| k == first.0);
        return all_same.then_some(first);
    }
    if let Some(path) = &st.operation_path {
        return source_of_pointer(path).and_then(|n| kind_of(doc, &n).map(|k| (k, n)));
    }
    None
}

/// The source named by `$sourceDescriptions.<name>#/...` or `{$sourceDescriptions.<name>.url}#/...`.
fn source_of_pointer(text: &str) -> Option<String> {
    let (head, pointer) = text.split_once('#')?;
    if !pointer.starts_with('/') {
        return None;
    }
    let name = head
        .strip_prefix("{$sourceDescriptions.")
        .and_then(|r| r.strip_suffix(".url}"))
        .or_else(|| head.strip_prefix("$sourceDescriptions."))?;
    (!name.is_empty()).then(|| name.to_owned())
}

fn step(cx: &mut Cx<'_>, doc: &Document, wf: &Workflow, st: &Step, sp: &str) {
    let targets: Vec<&str> = [
        (st.operation_id.is_some(), "operationId"),
        (st.operation_path.is_some(), "operationPath"),
        (st.channel_path.is_some(), "channelPath"),
        (st.workflow_id.is_some(), "workflowId"),
    ]
    .into_iter()
    .filter_map(|(p, f)| p.then_some(f))
    .collect();
    if let [first, second, ..] = targets.as_slice() {
        let d = cx.error(
            "invalid-step-target",
            format!("step `{}` has both `{first}` and `{second}`", st.step_id),
            &format!("{sp}/{second}"),
        );
        d.label = "a second target".into();
        d.help = Some(
            "keep exactly one of `operationId`, `operationPath`, `channelPath` and `workflowId`"
                .into(),
        );
    }
    action(cx, doc, st, sp);
    if let Some(cp) = &st.channel_path {
        channel_path(cx, doc, cp, sp);
    }
    if let Some(list) = &st.depends_on {
        depends_on(cx, doc, wf, st, list, sp);
    }
    parameters(cx, doc, st, sp);
    if st.success_criteria.as_ref().is_some_and(Vec::is_empty) {
        let d = cx.error(
            "empty-list",
            format!("`successCriteria` of step `{}` is empty", st.step_id),
            &format!("{sp}/successCriteria"),
        );
        d.label = "no criteria".into();
        d.help = Some(
            "list at least one Criterion Object, or remove `successCriteria` (the step then succeeds on any response)"
                .into(),
        );
    }
    for (c, criterion) in st.success_criteria.iter().flatten().enumerate() {
        if let Some(Value::Object(t)) = &criterion.kind {
            expression_type(cx, t, &format!("{sp}/successCriteria/{c}/type"));
        }
    }
    for (name, value) in st.outputs.iter().flatten() {
        if let Value::Object(obj) = value {
            selector(cx, obj, &format!("{sp}/outputs/{}", escape_token(name)));
        }
    }
    if let Some(body) = &st.request_body {
        replacements(cx, body.replacements.as_ref(), &format!("{sp}/requestBody"));
    }
}

/// `action`: `send` or `receive`, on AsyncAPI steps only and required there; `correlationId`
/// only with `receive`.
fn action(cx: &mut Cx<'_>, doc: &Document, st: &Step, sp: &str) {
    let ap = format!("{sp}/action");
    if let Some(a) = &st.action
        && a != "send"
        && a != "receive"
    {
        let d = cx.error(
            "invalid-action",
            format!("`action` must be `send` or `receive`, not `{a}`"),
            &ap,
        );
        d.label = "not `send` or `receive`".into();
        d.help = similar(a, &["send", "receive"])
            .first()
            .map(|best| format!("did you mean `{best}`?"))
            .or_else(|| Some("write `action: send` or `action: receive`".into()));
    }
    let kind = target_kind(doc, st);
    match (&st.action, &kind) {
        (Some(_), _) if st.workflow_id.is_some() => {
            let d = cx.error(
                "invalid-action",
                format!("step `{}` runs a workflow and has no `action`", st.step_id),
                &ap,
            );
            d.label = "only for AsyncAPI steps".into();
            d.help =
                Some("`action` says whether an AsyncAPI step sends or receives: remove it".into());
        }
        (Some(_), Some((Kind::OpenApi, name))) if st.channel_path.is_none() => {
            let d = cx.error(
                "invalid-action",
                format!(
                    "`action` applies to AsyncAPI steps only, and source `{name}` is an OpenAPI description"
                ),
                &ap,
            );
            d.label = "on an OpenAPI operation".into();
            d.help = Some(
                "remove `action` (and `correlationId`): an OpenAPI step sends its request and reads the response"
                    .into(),
            );
        }
        // A `channelPath` that cannot name an AsyncAPI channel is reported by itself.
        (None, Some((Kind::AsyncApi, _)))
            if st.channel_path.is_some() && st.workflow_id.is_none() =>
        {
            missing_action(cx, st, sp, "an AsyncAPI channel");
        }
        (None, None)
            if st.channel_path.is_some()
                && st.workflow_id.is_none()
                && doc
                    .source_descriptions
                    .iter()
                    .any(|s| s.kind.as_deref() == Some("asyncapi")) =>
        {
            missing_action(cx, st, sp, "an AsyncAPI channel");
        }
        (None, Some((Kind::AsyncApi, name))) if st.workflow_id.is_none() => {
            missing_action(
                cx,
                st,
                sp,
                &format!("an operation of AsyncAPI source `{name}`"),
            );
        }
        _ => {}
    }
    if st.correlation_id.is_some() && st.action.as_deref() != Some("receive") {
        let d = cx.error(
            "invalid-correlation-id",
            format!(
                "`correlationId` applies to `action: receive` steps only, and step `{}` {}",
                st.step_id,
                match &st.action {
                    Some(a) => format!("has `action: {a}`"),
                    None => "has no `action`".to_owned(),
                }
            ),
            &format!("{sp}/correlationId"),
        );
        d.label = "only for `receive`".into();
        d.help = Some(
            "a correlationId matches the message a `receive` step waits for: remove it here".into(),
        );
    }
}

fn missing_action(cx: &mut Cx<'_>, st: &Step, sp: &str, what: &str) {
    let span = cx.span(&format!("{sp}/stepId"));
    cx.push(
        Diagnostic::error(
            "missing-action",
            format!("step `{}` names {what} but has no `action`", st.step_id),
        )
        .at(span)
        .label("no `action`")
        .help("add `action: send` or `action: receive`"),
    );
}

/// `channelPath`: "A Runtime Expression syntax MUST be used to identify the source
/// description document", so `$sourceDescriptions.<name>#/<JSON pointer>` of an AsyncAPI source.
fn channel_path(cx: &mut Cx<'_>, doc: &Document, cp: &str, sp: &str) {
    let pointer = format!("{sp}/channelPath");
    let asyncapi: Vec<&str> = doc
        .source_descriptions
        .iter()
        .filter(|s| s.kind.as_deref() == Some("asyncapi"))
        .map(|s| s.name.as_str())
        .collect();
    if asyncapi.is_empty() {
        let d = cx.error(
            "invalid-channel-path",
            "`channelPath` names an AsyncAPI channel, and this document has no `type: asyncapi` source description",
            &pointer,
        );
        d.label = "no AsyncAPI source".into();
        d.help = Some(
            "OpenAPI operations are named by `operationId` or `operationPath`; add a `type: asyncapi` source for a channel"
                .into(),
        );
        return;
    }
    let Some(name) = source_of_pointer(cp) else {
        let d = cx.error(
            "invalid-channel-path",
            format!("`channelPath` `{cp}` does not name its source description"),
            &pointer,
        );
        d.label = "not `$sourceDescriptions.<name>#/<JSON pointer>`".into();
        d.help = Some(format!(
            "write the runtime expression, e.g. `$sourceDescriptions.{}#/channels/{}`",
            asyncapi[0],
            escape_token(cp.trim_start_matches('/'))
        ));
        return;
    };
    match kind_of(doc, &name) {
        None => {
            let d = cx.error(
                "unknown-source",
                format!("no source description named `{name}`"),
                &pointer,
            );
            d.help = Some(format!("the AsyncAPI sources are {}", one_of(&asyncapi)));
        }
        Some(Kind::AsyncApi) => {}
        Some(_) => {
            let d = cx.error(
                "invalid-channel-path",
                format!(
                    "`channelPath` names source `{name}`, which is not an AsyncAPI description"
                ),
                &pointer,
            );
            d.help = Some(format!("the AsyncAPI sources are {}", one_of(&asyncapi)));
        }
    }
}

/// Step `dependsOn`: at least one entry, no duplicates, each a `stepId` of this workflow,
/// `$workflows.<workflowId>.steps.<stepId>` or `$sourceDescriptions.<name>.<workflowId>.steps.<stepId>`.
fn depends_on(
    cx: &mut Cx<'_>,
    doc: &Document,
    wf: &Workflow,
    st: &Step,
    list: &[String],
    sp: &str,
) {
    let dp = format!("{sp}/dependsOn");
    if list.is_empty() {
        let d = cx.error(
            "invalid-depends-on",
            format!("`dependsOn` of step `{}` is empty", st.step_id),
            &dp,
        );
        d.label = "no steps".into();
        d.help = Some("list at least one step, or remove `dependsOn`".into());
        return;
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, entry) in list.iter().enumerate() {
        let ep = format!("{dp}/{i}");
        if let Some(first) = seen.insert(entry, i) {
            let d = Diagnostic::error(
                "invalid-depends-on",
                format!("`{entry}` is listed twice in `dependsOn`"),
            )
            .at(cx.span(&ep))
            .label("listed again here")
            .secondary(cx.span(&format!("{dp}/{first}")), "first listed here")
            .help("list each step once");
            cx.push(d);
            continue;
        }
        if let Some(rest) = entry.strip_prefix("$workflows.") {
            let Some((workflow, step_id)) = rest.split_once(".steps.") else {
                bad_reference(cx, entry, &ep);
                continue;
            };
            match doc.workflows.iter().find(|w| w.workflow_id == workflow) {
                None => unknown(
                    cx,
                    "unknown-workflow",
                    &format!("no workflow `{workflow}` in this document"),
                    workflow,
                    &doc.workflows
                        .iter()
                        .map(|w| w.workflow_id.as_str())
                        .collect::<Vec<_>>(),
                    &ep,
                ),
                Some(target) => {
                    if !target.steps.iter().any(|s| s.step_id == step_id) {
                        unknown(
                            cx,
                            "unknown-step",
                            &format!("workflow `{workflow}` has no step `{step_id}`"),
                            step_id,
                            &target
                                .steps
                                .iter()
                                .map(|s| s.step_id.as_str())
                                .collect::<Vec<_>>(),
                            &ep,
                        );
                    }
                }
            }
        } else if let Some(rest) = entry.strip_prefix("$sourceDescriptions.") {
            let name = rest.split('.').next().unwrap_or_default();
            let shaped = rest
                .split_once('.')
                .and_then(|(_, r)| r.split_once(".steps."))
                .is_some_and(|(w, s)| !w.is_empty() && !s.is_empty());
            if !shaped {
                bad_reference(cx, entry, &ep);
                continue;
            }
            match kind_of(doc, name) {
                Some(Kind::Arazzo) => {}
                Some(_) => {
                    cx.error(
                        "invalid-depends-on",
                        format!("`{entry}`: source `{name}` is not an Arazzo document"),
                        &ep,
                    )
                    .help = Some(
                        "steps of other documents are named through a `type: arazzo` source".into(),
                    );
                }
                None => unknown(
                    cx,
                    "unknown-source",
                    &format!("no source description named `{name}`"),
                    name,
                    &doc.source_descriptions
                        .iter()
                        .map(|s| s.name.as_str())
                        .collect::<Vec<_>>(),
                    &ep,
                ),
            }
        } else if entry.starts_with('$') {
            bad_reference(cx, entry, &ep);
        } else if entry == &st.step_id {
            cx.error(
                "invalid-depends-on",
                format!("step `{entry}` depends on itself"),
                &ep,
            )
            .help = Some("remove it from `dependsOn`".into());
        } else if !wf.steps.iter().any(|s| &s.step_id == entry) {
            unknown(
                cx,
                "unknown-step",
                &format!("workflow `{}` has no step `{entry}`", wf.workflow_id),
                entry,
                &wf.steps
                    .iter()
                    .map(|s| s.step_id.as_str())
                    .collect::<Vec<_>>(),
                &ep,
            );
        }
    }
}

fn bad_reference(cx: &mut Cx<'_>, entry: &str, pointer: &str) {
    let help = match entry.strip_prefix("$steps.") {
        Some(id) => format!(
            "a step of this workflow is named by its stepId alone: write `{}`",
            id.split('.').next().unwrap_or(id)
        ),
        None => "write a stepId of this workflow, `$workflows.<workflowId>.steps.<stepId>` or `$sourceDescriptions.<name>.<workflowId>.steps.<stepId>`".into(),
    };
    let d = cx.error(
        "invalid-depends-on",
        format!("`{entry}` is not a step reference `dependsOn` accepts"),
        pointer,
    );
    d.label = "not a step reference".into();
    d.help = Some(help);
}

fn unknown(
    cx: &mut Cx<'_>,
    code: &'static str,
    message: &str,
    name: &str,
    known: &[&str],
    pointer: &str,
) {
    let help = similar(name, known)
        .first()
        .map(|best| format!("did you mean `{best}`?"))
        .unwrap_or_else(|| format!("the choices are {}", one_of(known)));
    cx.error(code, message.to_owned(), pointer).help = Some(help);
}

/// A step's parameters: on an operation `in` is required (Parameter Object: "In all other
/// scenarios ... the `in` field MUST be specified"), every Parameter Object has a `value`, and
/// the list has no duplicates (by `name` and `in`).
fn parameters(cx: &mut Cx<'_>, doc: &Document, st: &Step, sp: &str) {
    let on_workflow = st.workflow_id.is_some();
    let mut seen: HashMap<(String, Option<String>), usize> = HashMap::new();
    for (i, raw) in st.parameters.iter().flatten().enumerate() {
        let pp = format!("{sp}/parameters/{i}");
        let Value::Object(obj) = raw else { continue };
        let (name, location) = if let Some(Value::String(reference)) = obj.get("reference") {
            let target = reference
                .strip_prefix("$components.parameters.")
                .and_then(|n| doc.components.as_ref()?.get("parameters")?.get(n));
            let Some(target) = target else { continue };
            (
                target
                    .get("name")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                target.get("in").and_then(Value::as_str).map(str::to_owned),
            )
        } else {
            let name = obj.get("name").and_then(Value::as_str).map(str::to_owned);
            let location = obj.get("in").and_then(Value::as_str).map(str::to_owned);
            let shown = name.as_deref().unwrap_or("?");
            if !on_workflow && location.is_none() {
                let span = cx.span(&pp);
                cx.push(
                    Diagnostic::error(
                        "missing-parameter-location",
                        format!("parameter `{shown}` of step `{}` has no `in`", st.step_id),
                    )
                    .at(span)
                    .label("no `in`")
                    .help(format!(
                        "a parameter of an operation says where it goes: add `in:` with {}",
                        one_of(PARAMETER_LOCATIONS)
                    )),
                );
            }
            if let Some(l) = &location
                && !PARAMETER_LOCATIONS.contains(&l.as_str())
            {
                cx.error(
                    "invalid-parameter-location",
                    format!("`in: {l}` is not a parameter location"),
                    &format!("{pp}/in"),
                )
                .help = Some(format!("use {}", one_of(PARAMETER_LOCATIONS)));
            }
            if !obj.contains_key("value") {
                let what = if location.as_deref() == Some("querystring") {
                    "the whole query string, e.g. `value: \"a=1&b=2\"`".to_owned()
                } else {
                    "a literal, a runtime expression or a Selector Object".to_owned()
                };
                let span = cx.span(&pp);
                cx.push(
                    Diagnostic::error(
                        "missing-parameter-value",
                        format!(
                            "parameter `{shown}` of step `{}` has no `value`",
                            st.step_id
                        ),
                    )
                    .at(span)
                    .label("no `value`")
                    .help(format!("add `value:` with {what}")),
                );
            }
            if let Some(Value::Object(v)) = obj.get("value")
                && v.contains_key("selector")
            {
                selector(cx, v, &format!("{pp}/value"));
            }
            (name, location)
        };
        let Some(name) = name else { continue };
        let key = (
            name.clone(),
            if on_workflow { None } else { location.clone() },
        );
        if let Some(first) = seen.insert(key, i) {
            let shown = match (&location, on_workflow) {
                (Some(l), false) => format!("`{name}` (in {l})"),
                _ => format!("`{name}`"),
            };
            let d = Diagnostic::error(
                "duplicate-parameter",
                format!("parameter {shown} of step `{}` is listed twice", st.step_id),
            )
            .at(cx.span(&pp))
            .label("listed again here")
            .secondary(
                cx.span(&format!("{sp}/parameters/{first}")),
                "first listed here",
            )
            .help("the list must not include duplicate parameters: keep one");
            cx.push(d);
        }
    }
}

/// A Selector Object: `context`, `selector` and `type` are all required.
fn selector(cx: &mut Cx<'_>, obj: &Map<String, Value>, pointer: &str) {
    const FIELDS: &[&str] = &["context", "selector", "type"];
    for field in FIELDS {
        if !obj.contains_key(*field) {
            let help = match *field {
                "type" => {
                    "add `type: jsonpath`, `type: xpath` or `type: jsonpointer` (or an Expression Type Object)"
                }
                "context" => {
                    "add `context:` with the runtime expression the selector applies to, e.g. `$response.body`"
                }
                _ => "add `selector:` with the JSONPath, XPath or JSON Pointer to apply",
            };
            let span = cx.span(pointer);
            cx.push(
                Diagnostic::error(
                    "invalid-selector",
                    format!("this Selector Object has no `{field}`"),
                )
                .at(span)
                .label(format!("no `{field}`"))
                .help(help),
            );
        }
    }
    let extra: Map<String, Value> = obj
        .iter()
        .filter(|(k, _)| !FIELDS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    super::document::report_extra(cx, &extra, pointer, "a Selector Object", FIELDS);
    match obj.get("type") {
        Some(Value::String(t)) => selector_type(cx, t, &format!("{pointer}/type")),
        Some(Value::Object(t)) => expression_type(cx, t, &format!("{pointer}/type")),
        _ => {}
    }
}

/// A selector type given as a string.
fn selector_type(cx: &mut Cx<'_>, t: &str, pointer: &str) {
    if EXPRESSION_TYPES.iter().any(|(name, _)| *name == t) {
        return;
    }
    let names: Vec<&str> = EXPRESSION_TYPES.iter().map(|(n, _)| *n).collect();
    let d = cx.error(
        "invalid-expression-type",
        format!("`{t}` is not a selector type"),
        pointer,
    );
    d.label = "unknown selector type".into();
    d.help = Some(format!("use {}", one_of(&names)));
}

/// An Expression Type Object: `type` and a `version` listed for it.
pub(super) fn expression_type(cx: &mut Cx<'_>, obj: &Map<String, Value>, pointer: &str) {
    const FIELDS: &[&str] = &["type", "version"];
    let extra: Map<String, Value> = obj
        .iter()
        .filter(|(k, _)| !FIELDS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    super::document::report_extra(cx, &extra, pointer, "an Expression Type Object", FIELDS);
    let Some(t) = obj.get("type").and_then(Value::as_str) else {
        cx.error(
            "invalid-expression-type",
            "this Expression Type Object has no `type`",
            pointer,
        )
        .help = Some("add `type: jsonpath`, `type: xpath` or `type: jsonpointer`".into());
        return;
    };
    let Some((_, versions)) = EXPRESSION_TYPES.iter().find(|(name, _)| *name == t) else {
        selector_type(cx, t, &format!("{pointer}/type"));
        return;
    };
    let Some(version) = obj.get("version").and_then(Value::as_str) else {
        cx.error(
            "invalid-expression-type",
            format!("this Expression Type Object of `{t}` has no `version`"),
            pointer,
        )
        .help = Some(format!("add `version:` with {}", one_of(versions)));
        return;
    };
    if !versions.contains(&version) {
        let owner = EXPRESSION_TYPES
            .iter()
            .find(|(_, vs)| vs.contains(&version))
            .map(|(name, _)| *name);
        let d = cx.error(
            "invalid-expression-type",
            format!("`{version}` is not a version of `{t}`"),
            &format!("{pointer}/version"),
        );
        d.label = format!("not a `{t}` version");
        d.help = Some(match owner {
            Some(o) => format!(
                "`{version}` is a `{o}` version: write `type: {o}`, or a `{t}` version: {}",
                one_of(versions)
            ),
            None => format!("the versions of `{t}` are {}", one_of(versions)),
        });
    }
}

/// Payload Replacement Objects: `targetSelectorType` and Selector Object values.
fn replacements(cx: &mut Cx<'_>, list: Option<&Value>, bp: &str) {
    let Some(Value::Array(list)) = list else {
        return;
    };
    for (i, r) in list.iter().enumerate() {
        let rp = format!("{bp}/replacements/{i}");
        match r.get("targetSelectorType") {
            Some(Value::String(t)) => selector_type(cx, t, &format!("{rp}/targetSelectorType")),
            Some(Value::Object(t)) => expression_type(cx, t, &format!("{rp}/targetSelectorType")),
            _ => {}
        }
        if let Some(Value::Object(v)) = r.get("value")
            && v.contains_key("selector")
        {
            selector(cx, v, &format!("{rp}/value"));
        }
    }
}
