//! Source descriptions: loading each OpenAPI description and reading its operations.

use super::Cx;
use crate::diagnostic::{Diagnostic, FileId};
use crate::model::Document;
use crate::names;
use crate::openapi::OpenApi;
use crate::plan::SourcePlan;

/// A source description and what was read from it.
pub(crate) struct Source {
    /// `name`.
    pub(crate) name: String,
    /// The operation table, when the description loaded.
    pub(crate) api: Option<OpenApi>,
    /// The message-operation table of a `type: asyncapi` source that loaded.
    pub(crate) asyncapi: Option<crate::asyncapi::AsyncApi>,
    /// What the generated code needs, and its index in `Plan::sources`.
    pub(crate) plan: Option<SourcePlan>,
    /// Index in `Plan::sources`.
    pub(crate) plan_index: usize,
    /// For an AsyncAPI source with a `ws`/`wss` server: the server message steps connect to.
    pub(crate) message_plan: Option<crate::plan::MessageSourcePlan>,
    /// Index in `Plan::message_sources`.
    pub(crate) message_plan_index: usize,
}

/// Loads every source description; problems become diagnostics at the entry's `url`.
pub(super) fn load(cx: &mut Cx<'_>, doc: &Document) -> Vec<Source> {
    let mut out = Vec::new();
    let mut consts = names::Scope::default();
    for (i, sd) in doc.source_descriptions.iter().enumerate() {
        let pointer = format!("/sourceDescriptions/{i}");
        let mut source = Source {
            name: sd.name.clone(),
            api: None,
            asyncapi: None,
            plan: None,
            plan_index: 0,
            message_plan: None,
            message_plan_index: 0,
        };
        match sd.kind.as_deref() {
            None | Some("openapi") => {}
            Some("arazzo") => {
                arazzo(cx, &sd.name, &sd.url, &pointer);
                out.push(source);
                continue;
            }
            Some("asyncapi") if cx.version == super::Version::V1_1 => {
                // Loaded (so an unreachable URL is reported as such); the message-operation
                // table is not read yet.
                let url_span = cx.span(&format!("{pointer}/url"));
                match cx.files.linked(cx.file, &sd.url, url_span) {
                    Ok(file) => {
                        let (api, diags) = crate::asyncapi::AsyncApi::read(cx.files, file);
                        let described = cx.files.display_path(file);
                        for located in diags {
                            let at = cx.files.span(located.file, &located.pointer).or(url_span);
                            let d = located.diagnostic.at(at).note(format!(
                                "in the AsyncAPI description `{described}` of source `{}`",
                                sd.name
                            ));
                            cx.push(d);
                        }
                        if let Some(api) = &api {
                            source.message_plan =
                                message_server(cx, &sd.name, api, &pointer, &mut consts);
                            source.message_plan_index =
                                out.iter().filter(|s| s.message_plan.is_some()).count();
                        }
                        source.asyncapi = api;
                    }
                    Err(d) => cx.push(d),
                }
                out.push(source);
                continue;
            }
            Some(other) => {
                let types = match cx.version {
                    super::Version::V1_0 => "use `type: openapi` or `type: arazzo`",
                    super::Version::V1_1 => {
                        "use `type: openapi`, `type: asyncapi` or `type: arazzo`"
                    }
                };
                cx.error(
                    "invalid-document",
                    format!("unknown source description type `{other}`"),
                    &format!("{pointer}/type"),
                )
                .help = Some(types.into());
                out.push(source);
                continue;
            }
        }
        let url_span = cx.span(&format!("{pointer}/url"));
        let file = match cx.files.linked(cx.file, &sd.url, url_span) {
            Ok(file) => file,
            Err(d) => {
                cx.push(d);
                out.push(source);
                continue;
            }
        };
        let (api, diags) = OpenApi::read(cx.files, file);
        let described = cx.files.display_path(file);
        for located in diags {
            // Problems inside the OpenAPI file are shown there, and tied back to the source
            // description that loaded it.
            let found = cx.files.span(located.file, &located.pointer);
            let mut diagnostic = located.diagnostic;
            if found.is_some() {
                // The snippet shows the place; the pointer in the text is for span-less output.
                for suffix in [
                    format!(" (at `#{}`)", located.pointer),
                    format!(" (at `{}`)", located.pointer),
                ] {
                    if let Some(stripped) = diagnostic.message.strip_suffix(&suffix) {
                        diagnostic.message = stripped.to_owned();
                    }
                }
            }
            // A diagnostic from loading a `$ref` target keeps its own place.
            let at = diagnostic.span.or(found).or(url_span);
            let diagnostic = diagnostic.at(at).note(format!(
                "in the OpenAPI description `{described}` of source `{}`",
                sd.name
            ));
            // A warning about one operation matters only if the document calls it.
            let concerned = match &api {
                Some(api) if !diagnostic.is_error() => {
                    concerned_operations(api, &diagnostic, located.file, &located.pointer)
                }
                _ => Vec::new(),
            };
            if concerned.is_empty() {
                cx.push(diagnostic);
            } else {
                cx.openapi_warnings.push((concerned, diagnostic));
            }
        }
        if let Some(api) = api {
            let default_url = api
                .servers
                .first()
                .map(|s| s.default_url())
                .unwrap_or_default();
            if default_url.is_empty() {
                cx.push(
                    Diagnostic::warning(
                        "no-server",
                        format!("the OpenAPI description of `{}` has no `servers`", sd.name),
                    )
                    .at(url_span)
                    .help(format!(
                        "requests go to the base URL given with `ClientBuilder::base_url(\"{}\", ...)`",
                        sd.name
                    )),
                );
            }
            source.plan_index = out.iter().filter(|s: &&Source| s.plan.is_some()).count();
            source.plan = Some(SourcePlan {
                name: sd.name.clone(),
                const_name: consts.claim(format!("{}_BASE_URL", names::screaming(&sd.name))),
                default_url,
            });
            source.api = Some(api);
        }
        out.push(source);
    }
    out
}

/// The server message steps of an AsyncAPI source connect to: the first `ws`/`wss` server in
/// document order (a source without one is reported where a step uses it). A variable
/// without a default leaves no URL to connect to: an error naming it.
fn message_server(
    cx: &mut Cx<'_>,
    name: &str,
    api: &crate::asyncapi::AsyncApi,
    pointer: &str,
    consts: &mut names::Scope,
) -> Option<crate::plan::MessageSourcePlan> {
    let server = api
        .servers
        .iter()
        .find(|s| s.protocol == "ws" || s.protocol == "wss")?;
    match server.url() {
        Ok(default_url) => Some(crate::plan::MessageSourcePlan {
            name: name.to_owned(),
            server: server.name.clone(),
            const_name: consts.claim(format!("{}_SERVER_URL", names::screaming(name))),
            default_url,
        }),
        Err(variable) => {
            let at = cx
                .files
                .span(api.file, &format!("{}/variables", server.pointer))
                .or_else(|| cx.span(&format!("{pointer}/url")));
            cx.push(
                Diagnostic::error(
                    "invalid-source",
                    format!(
                        "server `{}` of AsyncAPI source `{name}` has a variable `{variable}` without a `default`",
                        server.name
                    ),
                )
                .at(at)
                .label("no default")
                .help(format!("give `{variable}` a `default`, so the generated code has a URL to connect to")),
            );
            None
        }
    }
}

/// Another Arazzo document's workflows, generated into a module of this file.
pub(crate) struct Child {
    /// The source description's name.
    pub(crate) source: String,
    /// The Rust module holding its code.
    pub(crate) module: String,
    /// Its plan.
    pub(crate) plan: crate::plan::Plan,
    /// Its workflows as callers see them.
    pub(crate) workflows: Vec<super::signature::Signature>,
}

/// Loads and checks a `type: arazzo` source description; its workflows become callable.
fn arazzo(cx: &mut Cx<'_>, name: &str, url: &str, pointer: &str) {
    let url_span = cx.span(&format!("{pointer}/url"));
    let file = match cx.files.linked(cx.file, url, url_span) {
        Ok(file) => file,
        Err(d) => {
            cx.push(d);
            return;
        }
    };
    if cx.stack.contains(&file) {
        let d = cx.error(
            "source-cycle",
            format!("source `{name}` is a document that (through its own sources) loads this one"),
            &format!("{pointer}/url"),
        );
        d.help = Some("Arazzo documents cannot call each other in a cycle".into());
        return;
    }
    let mut stack = cx.stack.clone();
    stack.push(file);
    let mut child = Cx {
        files: cx.files,
        file,
        options: cx.options,
        components: None,
        children: Vec::new(),
        stack,
        diags: Vec::new(),
        version: super::Version::V1_0,
        unsound: Default::default(),
        string_offset: Default::default(),
        selectors: Default::default(),
        used_operations: Default::default(),
        openapi_warnings: Vec::new(),
        schemas: Default::default(),
    };
    let (plan, workflows) = super::document::check_with_signatures(&mut child);
    let diags = std::mem::take(&mut child.diags);
    let failed = diags.iter().any(crate::diagnostic::Diagnostic::is_error);
    let described = cx.files.display_path(file);
    for d in diags {
        cx.push(d.note(format!("in `{described}`, loaded as source `{name}`")));
    }
    if let (Some(plan), false) = (plan, failed) {
        let module = format!("{}_workflows", names::snake(name));
        let workflows = workflows
            .into_iter()
            .map(|mut s| {
                s.fn_name = format!("{module}::{}", s.fn_name);
                s.inner_fn_name = format!("{module}::{}", s.inner_fn_name);
                s.outputs_type = format!("{module}::{}", s.outputs_type);
                if let Some(first) = s.inputs.first_mut() {
                    first.name = format!("{module}::{}", first.name);
                }
                s
            })
            .collect();
        cx.children.push(Child {
            source: name.to_owned(),
            module,
            plan,
            workflows,
        });
    }
}

/// The operations (where they live) a warning at (`file`, `pointer`) concerns: the operation
/// object it points into; every operation of a path item it points at; for
/// `duplicate-operation-id`, the first operation of that id, which references by id reach.
/// Empty when it concerns no operation.
fn concerned_operations(
    api: &OpenApi,
    diagnostic: &Diagnostic,
    file: FileId,
    pointer: &str,
) -> Vec<(FileId, String)> {
    let under = |base: &str| {
        pointer == base
            || pointer
                .strip_prefix(base)
                .is_some_and(|rest| rest.starts_with('/'))
    };
    if let Some(op) = api
        .operations
        .iter()
        .find(|op| op.location.0 == file && under(&op.location.1))
    {
        let owner = match (&op.operation_id, diagnostic.code) {
            (Some(id), "duplicate-operation-id") => api.operation_by_id(id).unwrap_or(op),
            _ => op,
        };
        return vec![owner.location.clone()];
    }
    let item = |op: &&crate::openapi::Operation| {
        file == api.file
            && op
                .pointer
                .strip_prefix(pointer)
                .is_some_and(|rest| rest.starts_with('/'))
    };
    api.operations
        .iter()
        .filter(item)
        .map(|op| op.location.clone())
        .collect()
}

/// Reports the deferred OpenAPI warnings about operations the document calls, each once.
pub(super) fn report_openapi_warnings(cx: &mut Cx<'_>) {
    let mut seen: Vec<(&'static str, String, Option<crate::diagnostic::Span>)> = Vec::new();
    for (operations, diagnostic) in std::mem::take(&mut cx.openapi_warnings) {
        let key = (diagnostic.code, diagnostic.message.clone(), diagnostic.span);
        let used = operations.iter().any(|o| cx.used_operations.contains(o));
        if used && !seen.contains(&key) {
            seen.push(key);
            cx.push(diagnostic);
        }
    }
}
