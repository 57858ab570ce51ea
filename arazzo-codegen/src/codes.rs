//! Every diagnostic code the library reports, with its default level and what it means: the
//! one description the README's list and the CLI's SARIF rules are made from.

use crate::diagnostic::Severity;

/// One diagnostic code (what [`Diagnostic::code`](crate::Diagnostic::code) holds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code {
    /// The code, without the `arazzo::` prefix rendered diagnostics show.
    pub code: &'static str,
    /// Its level unless a setting changes it (`strict`, `allow`, `deny`). `invalid-openapi`
    /// is the one code reported at both: an error for what stops generation, a warning for a
    /// fault generation can step around; it is listed as an error.
    pub severity: Severity,
    /// What it reports, in one line.
    pub description: &'static str,
}

const fn e(code: &'static str, description: &'static str) -> Code {
    Code {
        code,
        severity: Severity::Error,
        description,
    }
}

const fn w(code: &'static str, description: &'static str) -> Code {
    Code {
        code,
        severity: Severity::Warning,
        description,
    }
}

/// Every code the library reports, sorted by code. A test keeps it equal to the codes in the
/// source, and the README's list equal to it.
pub const CODES: &[Code] = &[
    e(
        "action-mismatch",
        "A message step sends on an AsyncAPI operation declared `receive`, or receives on one declared `send`.",
    ),
    e(
        "ambiguous-operation",
        "An `operationId` names operations in more than one source description; qualify it with the source.",
    ),
    e(
        "cannot-load-source",
        "A source description URL or path cannot be loaded (map remote URLs to local files).",
    ),
    e(
        "cannot-read",
        "A file cannot be read (missing, unreadable, or past the number of files one run reads).",
    ),
    e(
        "duplicate-id",
        "Two workflows, steps, sources or components share an id that must be unique.",
    ),
    e(
        "duplicate-key",
        "A YAML or JSON mapping has the same key twice.",
    ),
    e(
        "duplicate-module",
        "Two documents would be generated into the same `$OUT_DIR/<name>.rs` (the same file name in different folders).",
    ),
    w(
        "duplicate-operation-id",
        "An OpenAPI description gives two operations the same `operationId`.",
    ),
    e(
        "duplicate-parameter",
        "A step or action lists the same parameter (name and location) twice.",
    ),
    e(
        "empty-list",
        "A list that must hold at least one entry (such as `successCriteria`) is empty.",
    ),
    e(
        "expression-out-of-context",
        "A runtime expression reads something not available where it is used (a response before the request).",
    ),
    e(
        "forward-dependency",
        "A step depends on a step that comes after it.",
    ),
    w(
        "ignored-context",
        "A criterion's `context` is ignored for its type (a `simple` condition).",
    ),
    w(
        "indistinct-message",
        "Messages a `receive` step may get cannot be told apart, so the step takes the first of any of them.",
    ),
    e(
        "internal",
        "A bug in arazzo-codegen (the generated code did not parse, a file was not loaded); please report it.",
    ),
    e(
        "invalid-action",
        "An action is malformed: a success/failure action that cannot run, or a message step's `action` other than `send`/`receive`.",
    ),
    e("invalid-asyncapi", "An AsyncAPI description is malformed."),
    e(
        "invalid-channel-path",
        "A `channelPath` does not name a channel of an AsyncAPI source description.",
    ),
    e(
        "invalid-condition",
        "A `simple` success criterion condition does not parse.",
    ),
    e(
        "invalid-correlation-id",
        "A message step correlates by an id its messages do not declare (or declare none).",
    ),
    e(
        "invalid-criterion",
        "A `regex`, `jsonpath` or `xpath` criterion does not parse (XPath 3.1: does not compile), exceeds a limit, or needs a feature the generator was built without (`regex`, `jsonpath`, `xpath`, `xpath31`).",
    ),
    e(
        "invalid-depends-on",
        "A `dependsOn` list is empty or names something that is not a step or workflow.",
    ),
    e(
        "invalid-document",
        "The Arazzo document's shape is wrong: a missing required field or a value of the wrong type.",
    ),
    e("invalid-expression", "A runtime expression does not parse."),
    e(
        "invalid-expression-type",
        "A criterion or selector names an expression type that does not exist.",
    ),
    w(
        "invalid-id",
        "An id does not match the pattern Arazzo recommends (`[A-Za-z0-9_\\-]+`).",
    ),
    e(
        "invalid-inputs",
        "A workflow's `inputs` is not a JSON Schema object generation can type.",
    ),
    e(
        "invalid-openapi",
        "An OpenAPI description is malformed (a warning where generation can step around the fault).",
    ),
    e(
        "invalid-option",
        "A generator setting is wrong: an unknown lint code, a runtime path or a type attribute that does not parse.",
    ),
    e(
        "invalid-parameter-location",
        "A parameter's `in` is not one of `path`, `query`, `header`, `cookie` (or `querystring`).",
    ),
    e(
        "invalid-parameter-value",
        "A parameter's value cannot be sent in its location (an object in a path, a literal of the wrong type).",
    ),
    e(
        "invalid-payload",
        "A request or message payload has a shape its content type cannot carry.",
    ),
    e(
        "invalid-payload-value",
        "A payload member's value does not match the type its schema declares.",
    ),
    e(
        "invalid-reference",
        "A Reusable Object's `reference` does not name a component of the right kind.",
    ),
    e(
        "invalid-replacement-target",
        "A payload replacement's `target` points at nothing in the payload.",
    ),
    e(
        "invalid-selector",
        "A Selector Object is incomplete, its JSONPath does not parse, its XPath is not XPath 3.1 or does not compile, it has no XML text to select from, or it needs a feature the generator was built without (`jsonpath`, `xpath31`).",
    ),
    e(
        "invalid-self",
        "`$self` is not an absolute URI without a fragment.",
    ),
    e(
        "invalid-source",
        "A source description is malformed (its `type`, `url`, or an AsyncAPI server variable without a default).",
    ),
    e(
        "invalid-step-target",
        "A step names none or more than one of `operationId`, `operationPath`, `workflowId`, `channelPath`.",
    ),
    w(
        "jsonpath-draft",
        "A JSONPath criterion is written in a pre-RFC 9535 draft form; it is read as RFC 9535.",
    ),
    w(
        "lenient-expression",
        "A runtime expression is written loosely (dots into arrays); it is read as the evident expression.",
    ),
    w(
        "lenient-jsonpath",
        "A JSONPath criterion is written as a comparison (`$.status == \"done\"`); it is read as the RFC 9535 filter that means the same; an error under `strict`.",
    ),
    w(
        "literal-output",
        "A workflow or step output is a literal rather than a runtime expression.",
    ),
    w(
        "message-headers-over-websocket",
        "A `send` sets message headers, which WebSocket frames cannot carry: arazzo-runtime's WebSocket transport fails such a send rather than drop them.",
    ),
    e(
        "missing-action",
        "A step names an AsyncAPI operation but has no `action` (`send` or `receive`).",
    ),
    e(
        "missing-content-type",
        "A request body has no `contentType`, and the operation does not settle one.",
    ),
    e(
        "missing-parameter",
        "A required parameter of the operation is not given.",
    ),
    e(
        "missing-parameter-location",
        "A parameter has no `in`, and the operation has several parameters of its name.",
    ),
    e("missing-parameter-value", "A parameter has no `value`."),
    e(
        "missing-payload",
        "A request body the operation requires is not given.",
    ),
    e(
        "missing-payload-member",
        "A payload lacks a member its schema requires.",
    ),
    e(
        "missing-request-body",
        "The operation requires a request body and the step gives none.",
    ),
    e(
        "missing-runtime-feature",
        "The document's criteria or selectors need an `arazzo-runtime` feature the crate does not enable.",
    ),
    e(
        "missing-workflow-input",
        "A step running a workflow does not give one of its required inputs.",
    ),
    w(
        "no-server",
        "An OpenAPI description has no usable `servers` entry; the base URL must be set on the client.",
    ),
    w(
        "not-an-expression",
        "A `$word.` inside a string looks like a runtime expression but is none (`$dependencies.x`); it is sent as written.",
    ),
    e("not-utf8", "A file is not UTF-8."),
    w(
        "optional-path-parameter",
        "A path parameter's value may be absent at run time; the step then fails before sending.",
    ),
    e(
        "source-cycle",
        "Source descriptions of `type: arazzo` load each other in a cycle.",
    ),
    w(
        "suspicious-criterion",
        "A criterion is always true or always false, or tests something no response has.",
    ),
    e(
        "syntax",
        "A file is not valid YAML or JSON (or nests too deeply).",
    ),
    e(
        "too-many-expressions",
        "One string embeds more runtime expressions than the limit.",
    ),
    e(
        "type-mismatch",
        "A value's type (a literal's, an input's, a step output's) is not one its target accepts: a parameter, a JSON body member, a form field or a called workflow's input.",
    ),
    w(
        "unbraced-expression",
        "An expression inside a longer string is not braced (`{$inputs.x}`); an error under `strict`.",
    ),
    w(
        "undeclared-parameter",
        "A query, header or cookie parameter the operation does not declare; it is sent as written.",
    ),
    w(
        "undeclared-property",
        "An output reads a response property (`$response.body#/total`) its object schema does not declare, and no declared name is close; it is read untyped.",
    ),
    w(
        "undocumented-status",
        "A success criterion tests a status (`$statusCode == 201`) no response of the operation documents.",
    ),
    e(
        "unknown-channel",
        "A `channelPath` points at no channel of the AsyncAPI description.",
    ),
    e(
        "unknown-component",
        "A `$components` reference names no component.",
    ),
    e(
        "unknown-field",
        "A field that Arazzo does not define (and that is not an `x-` extension).",
    ),
    e(
        "unknown-input",
        "`$inputs.x` names an input the workflow does not declare.",
    ),
    e(
        "unknown-operation",
        "An `operationId` names no operation of the source description.",
    ),
    e(
        "unknown-parameter",
        "A path or querystring parameter the operation does not declare, or one in a place other than the one it declares.",
    ),
    e(
        "unknown-payload-member",
        "A payload member is not declared by the body's schema.",
    ),
    e(
        "unknown-response-field",
        "`$response.body#/x` points into a field the response schema does not declare.",
    ),
    e("unknown-source", "A reference names no source description."),
    e(
        "unknown-step",
        "A reference or action names no step of the workflow.",
    ),
    e(
        "unknown-step-output",
        "`$steps.x.outputs.y` names a step output that does not exist.",
    ),
    e("unknown-workflow", "A reference names no workflow."),
    e(
        "unknown-workflow-input",
        "A step running a workflow gives an input the workflow does not declare.",
    ),
    e(
        "unknown-workflow-output",
        "`$workflows.x.outputs.y` names an output the workflow does not declare.",
    ),
    e(
        "unresolved-operation-path",
        "An `operationPath` points at no operation of the OpenAPI description.",
    ),
    e(
        "unresolved-ref",
        "A `$ref` points at nothing, or `$ref`s form a cycle or chain too long.",
    ),
    e(
        "unsupported-asyncapi-version",
        "An AsyncAPI description of a version other than 3.x.",
    ),
    e(
        "unsupported-content-type",
        "A request body's content type cannot be generated (neither JSON, form, multipart nor text).",
    ),
    e(
        "unsupported-feature",
        "A valid construct the generator does not implement yet.",
    ),
    e(
        "unsupported-openapi-version",
        "An OpenAPI description of a version other than 3.x (Swagger 2.0).",
    ),
    e(
        "unsupported-parameter-style",
        "A parameter's `style` cannot serialise its value.",
    ),
    e(
        "unsupported-protocol",
        "An AsyncAPI server's protocol has no message transport.",
    ),
    e(
        "unsupported-replacement",
        "A payload replacement the generator cannot apply (into a computed non-JSON payload).",
    ),
    e(
        "unsupported-version",
        "An `arazzo` version other than 1.0.x or 1.1.x.",
    ),
    e("workflow-cycle", "Workflows run each other in a cycle."),
];
