//! The document as a whole: its shape (decoding with located errors), unknown fields, the
//! Arazzo version, identifiers, and features this generator does not support yet.

use std::collections::HashMap;

use serde_json::Value;

use super::{Cx, Version, signature, sources, workflow};
use crate::diagnostic::Diagnostic;
use crate::model::{Document, Extra};
use crate::plan::Plan;
use crate::pointer::escape_token;
use crate::suggest::similar;

/// Decodes and checks the document, then its sources and workflows.
pub(super) fn check(cx: &mut Cx<'_>) -> Option<Plan> {
    check_with_signatures(cx).0
}

/// [`check`], also returning the workflows' signatures (for a document that calls them).
pub(super) fn check_with_signatures(
    cx: &mut Cx<'_>,
) -> (Option<Plan>, Vec<super::signature::Signature>) {
    let Some(mut doc) = decode(cx) else {
        return (None, Vec::new());
    };
    version(cx, &doc);
    unknown_fields(cx, &doc);
    super::structure::document(cx, &doc);
    if cx.version == Version::V1_1 {
        super::selector::desugar(cx, &mut doc);
    }
    identifiers(cx, &doc);
    cx.components = doc.components.clone();
    let sources = sources::load(cx, &doc);
    let mut sigs = signature::all(cx, &doc);
    let mut planned: Vec<Option<crate::plan::WorkflowPlan>> =
        doc.workflows.iter().map(|_| None).collect();
    // Callees first, so a caller knows their outputs; the plan keeps document order.
    for index in signature::order(cx, &doc) {
        if let Some(plan) = workflow::check(cx, &sources, &sigs, &doc.workflows[index], index) {
            // A workflow whose steps failed lost the outputs they fed: its callers are not
            // told of outputs "missing" for that reason (its own errors say why).
            let declared = doc.workflows[index].outputs.as_ref().map_or(0, |o| o.len());
            if plan.outputs.fields.len() < declared {
                continue;
            }
            sigs[index].has_status = plan.has_status();
            sigs[index].outputs = Some(
                plan.outputs
                    .fields
                    .iter()
                    .map(|f| (f.json_name.clone(), f.rust_name.clone(), f.ty.clone()))
                    .collect(),
            );
            planned[index] = Some(plan);
        }
    }
    sources::report_openapi_warnings(cx);
    let workflows = planned.into_iter().flatten().collect();
    let children = std::mem::take(&mut cx.children)
        .into_iter()
        .map(|c| crate::plan::ChildPlan {
            source: c.source,
            module: c.module,
            plan: c.plan,
        })
        .collect();
    let plan = Plan {
        source_file: cx.display_path(),
        title: doc.info.title.clone(),
        version: doc.info.version.clone(),
        sources: sources.iter().filter_map(|s| s.plan.clone()).collect(),
        message_sources: sources
            .iter()
            .filter_map(|s| s.message_plan.clone())
            .collect(),
        workflows,
        step_budget: cx.options.step_budget,
        serde: cx.options.serde,
        children,
        type_attributes: cx.options.type_attributes.clone(),
    };
    (Some(plan), sigs)
}

/// Decodes the document; a shape error (a missing required field, a wrong type) points at
/// the offending value.
fn decode(cx: &mut Cx<'_>) -> Option<Document> {
    // Read in place: the files outlive `cx`'s borrow, and cloning a large document's tree
    // first was a visible part of `check` (issue 11, item 5).
    let files = cx.files;
    let value = files.value(cx.file);
    if !value.is_object() {
        cx.error("invalid-document", "an Arazzo document must be a mapping", "")
            .help = Some("start the file with `arazzo: 1.0.1`, then `info`, `sourceDescriptions` and `workflows`".into());
        return None;
    }
    // An OpenAPI or AsyncAPI description given where a workflow was expected.
    if value.get("arazzo").is_none()
        && let Some(kind) = [
            ("openapi", "OpenAPI"),
            ("swagger", "Swagger"),
            ("asyncapi", "AsyncAPI"),
        ]
        .iter()
        .find(|(key, _)| value.get(*key).is_some())
    {
        let (key, name) = *kind;
        let file = cx.display_path();
        let d = cx.error(
            "invalid-document",
            format!("`{file}` is an {name} description, not an Arazzo document"),
            &format!("/{key}"),
        );
        d.label = format!("an {name} description");
        d.help = Some(format!(
            "check a workflow against it: list it in an Arazzo document's `sourceDescriptions` \
             (`- {{name: api, url: {file}, type: {}}}`) and check that document",
            if key == "asyncapi" {
                "asyncapi"
            } else {
                "openapi"
            }
        ));
        return None;
    }
    if let Some(found) = value.get("arazzo").filter(|v| !v.is_string()) {
        let d = cx.error(
            "unsupported-version",
            format!("`arazzo` must be a version string such as `1.1.0`, not `{found}`"),
            "/arazzo",
        );
        d.label = "not a version string".into();
        d.help = Some("quote the version: `arazzo: \"1.1.0\"`".into());
        return None;
    }
    match serde_path_to_error::deserialize::<_, Document>(value) {
        Ok(doc) => Some(doc),
        Err(err) => {
            let mut pointer = String::new();
            for segment in err.path().iter() {
                match segment {
                    serde_path_to_error::Segment::Seq { index } => {
                        pointer.push_str(&format!("/{index}"));
                    }
                    serde_path_to_error::Segment::Map { key } => {
                        pointer.push('/');
                        pointer.push_str(&escape_token(key));
                    }
                    _ => {}
                }
            }
            let inner = err.into_inner().to_string();
            let (message, help) = explain_shape_error(&inner, &pointer);
            let d = cx.error("invalid-document", message, &pointer);
            d.label = inner;
            d.help = help;
            None
        }
    }
}

/// Turns serde's wording into ours, with a fix.
fn explain_shape_error(inner: &str, pointer: &str) -> (String, Option<String>) {
    let at = if pointer.is_empty() {
        "the document root".to_owned()
    } else {
        format!("`{pointer}`")
    };
    if let Some(field) = inner
        .strip_prefix("missing field `")
        .and_then(|r| r.split('`').next())
    {
        (
            format!("required field `{field}` is missing at {at}"),
            Some(format!(
                "add `{field}:`; the Arazzo 1.0.1 specification requires it"
            )),
        )
    } else if inner.starts_with("invalid type") {
        (
            format!("wrong type at {at}: {inner}"),
            Some("check this value against the Arazzo 1.0.1 specification".into()),
        )
    } else {
        (format!("invalid document at {at}: {inner}"), None)
    }
}

/// `$schema` is not an Arazzo field, but documents written against the published JSON Schema
/// name it at the root (as the public corpus does); it is allowed there and means nothing.
const DOCUMENT_FIELDS: &[&str] = &[
    "arazzo",
    "info",
    "sourceDescriptions",
    "workflows",
    "components",
    "$schema",
];
const INFO_FIELDS: &[&str] = &["title", "summary", "description", "version"];
const SOURCE_FIELDS: &[&str] = &["name", "url", "type"];
const WORKFLOW_FIELDS: &[&str] = &[
    "workflowId",
    "summary",
    "description",
    "inputs",
    "dependsOn",
    "steps",
    "successActions",
    "failureActions",
    "outputs",
    "parameters",
];
const STEP_FIELDS: &[&str] = &[
    "stepId",
    "description",
    "operationId",
    "operationPath",
    "workflowId",
    "parameters",
    "requestBody",
    "successCriteria",
    "onSuccess",
    "onFailure",
    "outputs",
];
const BODY_FIELDS: &[&str] = &["contentType", "payload", "replacements"];
const CRITERION_FIELDS: &[&str] = &["context", "condition", "type"];

/// Reports every field the specification does not define (except `x-` extensions).
fn unknown_fields(cx: &mut Cx<'_>, doc: &Document) {
    report_extra(cx, &doc.extra, "", "the document root", DOCUMENT_FIELDS);
    report_extra(cx, &doc.info.extra, "/info", "an Info Object", INFO_FIELDS);
    for (i, s) in doc.source_descriptions.iter().enumerate() {
        report_extra(
            cx,
            &s.extra,
            &format!("/sourceDescriptions/{i}"),
            "a Source Description Object",
            SOURCE_FIELDS,
        );
    }
    for (w, wf) in doc.workflows.iter().enumerate() {
        let wp = format!("/workflows/{w}");
        report_extra(cx, &wf.extra, &wp, "a Workflow Object", WORKFLOW_FIELDS);
        for (s, step) in wf.steps.iter().enumerate() {
            let sp = format!("{wp}/steps/{s}");
            report_extra(cx, &step.extra, &sp, "a Step Object", STEP_FIELDS);
            if let Some(body) = &step.request_body {
                report_extra(
                    cx,
                    &body.extra,
                    &format!("{sp}/requestBody"),
                    "a Request Body Object",
                    BODY_FIELDS,
                );
            }
            for (c, criterion) in step.success_criteria.iter().flatten().enumerate() {
                report_extra(
                    cx,
                    &criterion.extra,
                    &format!("{sp}/successCriteria/{c}"),
                    "a Criterion Object",
                    CRITERION_FIELDS,
                );
            }
        }
    }
}

/// Reports the unknown keys of one object.
pub(super) fn report_extra(
    cx: &mut Cx<'_>,
    extra: &Extra,
    pointer: &str,
    what: &str,
    known: &[&str],
) {
    for key in extra
        .keys()
        .filter(|k| !k.starts_with("x-") && !known.contains(&k.as_str()))
    {
        let key_pointer = format!("{pointer}/{}", escape_token(key));
        let span = cx.key_span(&key_pointer);
        let help = match similar(key, known).first() {
            Some(best) => format!("did you mean `{best}`? (extensions must start with `x-`)"),
            None => format!(
                "the fields of {what} are {}; extensions must start with `x-`",
                crate::suggest::one_of(known)
            ),
        };
        cx.push(
            Diagnostic::error("unknown-field", format!("unknown field `{key}` in {what}"))
                .at(span)
                .label(match cx.version {
                    Version::V1_0 => "not an Arazzo 1.0.1 field",
                    Version::V1_1 => "not an Arazzo 1.1 field",
                })
                .help(help),
        );
    }
}

/// 1.0.x and 1.1.x (every patch release: patches only clarify, per the "Versions" section).
fn version(cx: &mut Cx<'_>, doc: &Document) {
    let parts: Vec<&str> = doc.arazzo.split('.').collect();
    let patch_ok = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    match parts.as_slice() {
        ["1", "0", p] if patch_ok(p) => cx.version = Version::V1_0,
        ["1", "1", p] if patch_ok(p) => cx.version = Version::V1_1,
        _ => {
            cx.error(
                "unsupported-version",
                format!("Arazzo version `{}` is not supported", doc.arazzo),
                "/arazzo",
            )
            .label = "not 1.0.x or 1.1.x".into();
            if let Some(d) = cx.diags.last_mut() {
                d.help = Some(
                    "this generator reads Arazzo 1.0.x and 1.1.x documents: write `arazzo: 1.1.0`"
                        .into(),
                );
            }
        }
    }
}

/// Identifiers must be unique and match `[A-Za-z0-9_-]+`, so they can name Rust items and be
/// referenced from runtime expressions.
fn identifiers(cx: &mut Cx<'_>, doc: &Document) {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, s) in doc.source_descriptions.iter().enumerate() {
        let p = format!("/sourceDescriptions/{i}/name");
        id_shape(cx, &s.name, &p, "source description name");
        if let Some(first) = seen.insert(&s.name, i) {
            duplicate(
                cx,
                &s.name,
                &p,
                "source description",
                &format!("/sourceDescriptions/{first}/name"),
            );
        }
    }
    let mut workflows: HashMap<&str, usize> = HashMap::new();
    for (w, wf) in doc.workflows.iter().enumerate() {
        let p = format!("/workflows/{w}/workflowId");
        id_shape(cx, &wf.workflow_id, &p, "workflowId");
        if let Some(first) = workflows.insert(&wf.workflow_id, w) {
            duplicate(
                cx,
                &wf.workflow_id,
                &p,
                "workflow",
                &format!("/workflows/{first}/workflowId"),
            );
        }
        let mut steps: HashMap<&str, usize> = HashMap::new();
        for (s, step) in wf.steps.iter().enumerate() {
            let p = format!("/workflows/{w}/steps/{s}/stepId");
            id_shape(cx, &step.step_id, &p, "stepId");
            if let Some(first) = steps.insert(&step.step_id, s) {
                duplicate(
                    cx,
                    &step.step_id,
                    &p,
                    "step",
                    &format!("/workflows/{w}/steps/{first}/stepId"),
                );
            }
        }
        if wf.steps.is_empty() {
            cx.error(
                "invalid-document",
                format!("workflow `{}` has no steps", wf.workflow_id),
                &format!("/workflows/{w}/steps"),
            )
            .help = Some("a workflow needs at least one step".into());
        }
    }
    if doc.workflows.is_empty() {
        cx.error(
            "invalid-document",
            "the document has no workflows",
            "/workflows",
        )
        .help = Some("an Arazzo document needs at least one workflow".into());
    }
}

fn id_shape(cx: &mut Cx<'_>, id: &str, pointer: &str, what: &str) {
    let ok = !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !ok {
        let bad = id
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'));
        // Arazzo 1.0.1 says ids SHOULD match `[A-Za-z0-9_\-]+` (1.1 makes it a MUST): a
        // warning, since generated names are derived safely from any text.
        let span = cx.span(pointer);
        cx.push(
            Diagnostic::warning(
                "invalid-id",
                format!("{what} `{id}` is not a portable identifier"),
            )
            .at(span),
        );
        let Some(d) = cx.diags.last_mut() else { return };
        d.label = match bad {
            Some(' ') => "contains a space".into(),
            Some(c) => format!("contains `{c}`"),
            None => "empty".into(),
        };
        d.help = Some(
            "use letters, digits, `_` and `-` only (the Arazzo specification's `[A-Za-z0-9_\\-]+`)"
                .into(),
        );
    }
}

fn duplicate(cx: &mut Cx<'_>, id: &str, pointer: &str, what: &str, first: &str) {
    let d = Diagnostic::error("duplicate-id", format!("{what} `{id}` is defined twice"))
        .at(cx.span(pointer))
        .label("defined again here")
        .secondary(cx.span(first), "first defined here")
        .help(format!("give each {what} its own id"));
    cx.push(d);
}

/// Reports a field this generator does not support yet, at its key.
pub(super) fn unsupported(cx: &mut Cx<'_>, pointer: &str, feature: &str) {
    let span = cx.key_span(pointer);
    cx.push(
        Diagnostic::error("unsupported-feature", format!("{feature} is not supported by this generator yet"))
            .at(span)
            .label("not supported yet")
            .help("remove it, or generate this workflow once arazzo-codegen supports it; fields are never ignored silently"),
    );
}

/// Whether a JSON value is present and not null.
pub(super) fn present(v: &Option<Value>) -> bool {
    v.as_ref().is_some_and(|v| !v.is_null())
}
