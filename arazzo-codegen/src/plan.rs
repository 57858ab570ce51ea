//! The typed intermediate model: what `check` proves about a document, and all that `emit`
//! needs. Nothing in `emit` looks at the raw spec again.

use serde_json::Value;

/// A whole Arazzo document, ready to emit.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// The Arazzo file, as shown in the generated header.
    pub(crate) source_file: String,
    /// `info.title`.
    pub(crate) title: String,
    /// `info.version`.
    pub(crate) version: String,
    /// Source descriptions that steps call.
    pub(crate) sources: Vec<SourcePlan>,
    /// AsyncAPI source descriptions that message steps connect to.
    pub(crate) message_sources: Vec<MessageSourcePlan>,
    /// Workflows, in document order.
    pub(crate) workflows: Vec<WorkflowPlan>,
    /// How many steps a branching workflow may run before it fails (ends `goto` loops).
    pub(crate) step_budget: usize,
    /// Which serde derives the generated types get.
    pub(crate) serde: Serde,
    /// `type: arazzo` source descriptions whose workflows this document runs.
    pub(crate) children: Vec<ChildPlan>,
    /// Attributes added to generated types (`Builder::type_attribute`), in call order.
    pub(crate) type_attributes: Vec<TypeAttribute>,
}

/// An attribute for the generated types a path selects (`Builder::type_attribute`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TypeAttribute {
    /// `.` (every type), a workflow id (its types) or a generated type's name.
    pub(crate) path: String,
    /// The attribute as written, `#[...]` (checked to parse before the run).
    pub(crate) attribute: String,
}

impl TypeAttribute {
    /// Whether the attribute goes on type `type_name` of workflow `workflow_id`.
    pub(crate) fn selects(&self, workflow_id: &str, type_name: &str) -> bool {
        self.path == "." || self.path == workflow_id || self.path == type_name
    }
}

/// Which serde derives generated types get (`Builder::serde`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Serde {
    /// Inputs structs (and the types inputs use) derive `Deserialize`.
    pub(crate) inputs: bool,
    /// Outputs structs derive `Serialize` (the types inputs use always do: request bodies
    /// are written from them).
    pub(crate) outputs: bool,
}

impl Default for Serde {
    fn default() -> Self {
        Self {
            inputs: true,
            outputs: true,
        }
    }
}

/// Another Arazzo document, generated into a module of this file.
#[derive(Debug, Clone)]
pub(crate) struct ChildPlan {
    /// The source description's name.
    pub(crate) source: String,
    /// The module.
    pub(crate) module: String,
    /// Its plan.
    pub(crate) plan: Plan,
}

/// One OpenAPI source description.
#[derive(Debug, Clone)]
pub(crate) struct SourcePlan {
    /// `name` in the Arazzo document (the key of `ClientBuilder::base_url`).
    pub(crate) name: String,
    /// Rust constant holding the default base URL.
    pub(crate) const_name: String,
    /// The first OpenAPI server, variables filled with their defaults.
    pub(crate) default_url: String,
}

/// One AsyncAPI source description: the server its message steps connect to.
#[derive(Debug, Clone)]
pub(crate) struct MessageSourcePlan {
    /// `name` in the Arazzo document (the key of `ClientBuilder::base_url`).
    pub(crate) name: String,
    /// The AsyncAPI server's name.
    pub(crate) server: String,
    /// Rust constant holding the default URL.
    pub(crate) const_name: String,
    /// The server's `protocol://host/pathname`, variables filled with their defaults.
    pub(crate) default_url: String,
}

/// One workflow: a function, an inputs struct, an outputs struct.
#[derive(Debug, Clone)]
pub(crate) struct WorkflowPlan {
    /// `workflowId`.
    pub(crate) id: String,
    /// The generated function's name.
    pub(crate) fn_name: String,
    /// `summary`.
    pub(crate) summary: Option<String>,
    /// `description`.
    pub(crate) description: Option<String>,
    /// The inputs struct and the types it uses; the first is the struct itself.
    pub(crate) inputs: Vec<TypeDef>,
    /// The internal function that also returns the last response status (what a calling
    /// step's `$statusCode` reads).
    pub(crate) inner_fn_name: String,
    /// The private function holding the steps (the public one boxes it and runs it under the
    /// workflow deadline).
    pub(crate) steps_fn_name: String,
    /// `dependsOn`: workflows run first.
    pub(crate) depends_on: Vec<DependencyPlan>,
    /// Steps in order.
    pub(crate) steps: Vec<StepPlan>,
    /// Whether actions jump between steps: then the function is a loop over a step index.
    pub(crate) branching: bool,
    /// The outputs struct.
    pub(crate) outputs: OutputsPlan,
    /// Types of step outputs read from message payloads (and the types they use).
    pub(crate) output_types: Vec<TypeDef>,
}

impl WorkflowPlan {
    /// Whether it has a last HTTP status (a request step, or a step running a workflow that
    /// has one): a workflow of message steps only has none to give a caller's `$statusCode`.
    pub(crate) fn has_status(&self) -> bool {
        self.steps.iter().any(|s| match &s.kind {
            StepKind::Request(_) => true,
            StepKind::Workflow(c) => c.status,
            StepKind::Send(_) | StepKind::Receive(_) => false,
        })
    }
}

/// A generated type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TypeDef {
    /// Rust name.
    pub(crate) name: String,
    /// Doc comment.
    pub(crate) doc: String,
    /// Fields or variants.
    pub(crate) body: TypeBody,
}

/// The shape of a generated type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TypeBody {
    /// A struct.
    Struct(Vec<Field>),
    /// A string enum.
    Enum(Vec<Variant>),
}

/// A struct field.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Field {
    /// The JSON name.
    pub(crate) json_name: String,
    /// The Rust name.
    pub(crate) rust_name: String,
    /// Its type (already `Option<T>` for optional fields).
    pub(crate) ty: RustType,
    /// Doc comment.
    pub(crate) doc: Option<String>,
    /// Required, defaulted or optional.
    pub(crate) presence: Presence,
}

/// Whether a field must be given.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Presence {
    /// In the schema's `required`.
    Required,
    /// Has a schema `default`; filled with it when absent.
    Default(Value),
    /// May be absent (`Option<T>`).
    Optional,
}

/// A string enum variant.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Variant {
    /// The Rust name.
    pub(crate) rust_name: String,
    /// The JSON string.
    pub(crate) wire: String,
}

/// A Rust type in generated code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RustType {
    /// `String`.
    String,
    /// `i64`.
    I64,
    /// `f64`.
    F64,
    /// `bool`.
    Bool,
    /// `u16` (`$statusCode`).
    U16,
    /// `serde_json::Value`: the schema does not pin a type.
    Json,
    /// `Vec<T>`.
    Vec(Box<RustType>),
    /// `Option<T>`.
    Option(Box<RustType>),
    /// `arazzo_runtime::Secret<T>`.
    Secret(Box<RustType>),
    /// A generated type.
    Named(String),
}

impl RustType {
    /// `Option<T>` of this type (not nested: an optional option stays one option).
    pub(crate) fn optional(self) -> RustType {
        match self {
            RustType::Option(_) => self,
            other => RustType::Option(Box::new(other)),
        }
    }

    /// The type inside `Option` / `Secret`.
    pub(crate) fn inner(&self) -> &RustType {
        match self {
            RustType::Option(t) | RustType::Secret(t) => t.inner(),
            other => other,
        }
    }

    /// Whether values of this type are `Option`s.
    pub(crate) fn is_option(&self) -> bool {
        matches!(self, RustType::Option(_))
    }
}

/// A workflow in `dependsOn`, and the local variables its outputs land in.
#[derive(Debug, Clone)]
pub(crate) struct DependencyPlan {
    /// The call.
    pub(crate) call: CallPlan,
    /// (Rust field of its outputs, local variable), for every output.
    pub(crate) bindings: Vec<(String, String)>,
}

/// One step's request, criteria and outputs.
#[derive(Debug, Clone)]
pub(crate) struct StepPlan {
    /// `stepId`.
    pub(crate) id: String,
    /// The operation: `webPubSub_sendToAll` or `GET /pets`.
    pub(crate) label: String,
    /// What the step does.
    pub(crate) kind: StepKind,
    /// `successCriteria`, all of which must hold.
    pub(crate) criteria: Vec<CriterionPlan>,
    /// Step outputs.
    pub(crate) outputs: Vec<StepOutputPlan>,
    /// `onSuccess` (after workflow-level `successActions` are merged in), in order.
    pub(crate) on_success: Vec<ActionPlan>,
    /// `onFailure` (after workflow-level `failureActions` are merged in), in order.
    pub(crate) on_failure: Vec<ActionPlan>,
}

/// What a step does.
#[derive(Debug, Clone)]
pub(crate) enum StepKind {
    /// Sends one HTTP request.
    Request(RequestPlan),
    /// Runs another workflow of the document.
    Workflow(CallPlan),
    /// Sends one message (Arazzo 1.1 `action: send`).
    Send(SendPlan),
    /// Starts listening for one message where it is reached; joined later (Arazzo 1.1
    /// `action: receive`).
    Receive(ReceivePlan),
}

/// The connection a message step needs: what identifies it at build time.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ConnectPlan {
    /// Index into [`Plan::message_sources`].
    pub(crate) source: usize,
    /// The channel address with its parameters.
    pub(crate) address: Vec<PathPart>,
    /// The subprotocol (the `ws` binding's `Sec-WebSocket-Protocol` default or the step's).
    pub(crate) subprotocol: Option<String>,
    /// Connect-time query parameters and handshake headers.
    pub(crate) params: Vec<ParamPlan>,
    /// The server's security requirements (alternatives of schemes), as for requests.
    pub(crate) security: Vec<Vec<(String, SchemePlan)>>,
}

impl ConnectPlan {
    fn for_each_value(&self, f: &mut dyn FnMut(&ValueExpr)) {
        for p in &self.address {
            if let PathPart::Param(v) | PathPart::Styled { value: v, .. } = p {
                f(v);
            }
        }
        for p in &self.params {
            f(&p.value);
        }
    }
}

/// A `send` step.
#[derive(Debug, Clone)]
pub(crate) struct SendPlan {
    /// Its connection.
    pub(crate) connect: ConnectPlan,
    /// The local variable holding the connection's id, and whether this step opens it (an
    /// earlier step with the same connection did not).
    pub(crate) conn: (String, bool),
    /// The payload.
    pub(crate) payload: SendPayload,
    /// Message headers (`in: header` parameters that are not connect headers), by name.
    pub(crate) headers: Vec<(String, ValueExpr)>,
    /// The step's `timeout` (ms): bounds connect and send.
    pub(crate) timeout_ms: Option<u64>,
}

/// What a `send` writes.
#[derive(Debug, Clone)]
pub(crate) enum SendPayload {
    /// A JSON message.
    Json(JsonValue),
    /// A text message (a `text/*` content type): the string, with any expressions filled in.
    Text(ValueExpr),
    /// A binary message (any other content type): the bytes of the string, as a request body
    /// of such a type is sent.
    Binary(ValueExpr),
}

/// A part of a message a `receive` matches on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MessagePart {
    /// The payload.
    Payload,
    /// The headers.
    Header,
}

/// A `receive` step.
#[derive(Debug, Clone)]
pub(crate) struct ReceivePlan {
    /// Its connection.
    pub(crate) connect: ConnectPlan,
    /// As [`SendPlan::conn`].
    pub(crate) conn: (String, bool),
    /// The operation's messages told apart from the channel's others: one list of
    /// `(pointer, constant)` payload members per message (any message's list must hold).
    pub(crate) select: Vec<Vec<(String, Value)>>,
    /// `correlationId`: where the messages carry it, and the value to match.
    pub(crate) correlation: Option<(MessagePart, String, ValueExpr)>,
    /// The step's `timeout` (ms), counted from when the step is reached.
    pub(crate) timeout_ms: Option<u64>,
    /// Index of the step before which it is joined (waited for); `None`: at the workflow's end.
    pub(crate) join_before: Option<usize>,
    /// The local variable holding the listener.
    pub(crate) pending_var: String,
}

/// A call of another workflow's function, with its inputs.
#[derive(Debug, Clone)]
pub(crate) struct CallPlan {
    /// The `workflowId`.
    pub(crate) workflow: String,
    /// The function that runs it and also returns the last response status (a workflow of
    /// message steps only has none: its plain function, see `status`).
    pub(crate) fn_name: String,
    /// Whether the callee has an HTTP status to give the calling step's `$statusCode`.
    pub(crate) status: bool,
    /// Its inputs struct.
    pub(crate) inputs_type: String,
    /// Its outputs struct.
    pub(crate) outputs_type: String,
    /// How each of its inputs is filled, in field order.
    pub(crate) fields: Vec<(String, FieldInit)>,
    /// Its outputs struct's fields: (Arazzo name, Rust field, type).
    pub(crate) outputs: Vec<(String, String, RustType)>,
    /// The calling step's `timeout` (ms, Arazzo 1.1): the whole callee is bounded.
    pub(crate) timeout_ms: Option<u64>,
}

/// How a callee's input is filled.
#[derive(Debug, Clone)]
pub(crate) enum FieldInit {
    /// From a value, converted to the field's type.
    Value(ValueExpr, RustType),
    /// From an object or array literal with expressions inside, built as JSON and converted
    /// to the field's type.
    Json(JsonValue, RustType),
    /// The field's schema default.
    Default(String),
    /// Absent (`None`).
    Absent,
}

/// A success or failure action.
#[derive(Debug, Clone)]
pub(crate) struct ActionPlan {
    /// For a workflow-level action (`successActions`/`failureActions`), its index there: the
    /// same action for every step that does not override it by name, evaluated in one place.
    pub(crate) shared: Option<usize>,
    /// What it does.
    pub(crate) kind: ActionKind,
    /// `criteria`: all must hold for the action to apply.
    pub(crate) criteria: Vec<CriterionPlan>,
}

/// What an action does.
#[derive(Debug, Clone)]
pub(crate) enum ActionKind {
    /// End the workflow (normally: outputs from the steps that ran).
    End,
    /// Continue at a step of this workflow (index).
    GotoStep(usize),
    /// Transfer to another workflow, then end this one.
    GotoWorkflow(CallPlan),
    /// Run the step again after a delay, at most `limit` times; first a step or workflow.
    Retry {
        /// `retryAfter`, in seconds (an HTTP `Retry-After` overrides it).
        after_secs: f64,
        /// `retryLimit`.
        limit: u32,
        /// A step (index) to run before retrying.
        step: Option<usize>,
        /// A workflow to run before retrying.
        workflow: Option<CallPlan>,
    },
}

impl CallPlan {
    /// Calls `f` on every value passed to the callee.
    pub(crate) fn for_each_value(&self, f: &mut dyn FnMut(&ValueExpr)) {
        for (_, init) in &self.fields {
            match init {
                FieldInit::Value(v, _) => f(v),
                FieldInit::Json(j, _) => j.for_each_value(f),
                FieldInit::Default(_) | FieldInit::Absent => {}
            }
        }
    }
}

/// One step's HTTP request.
#[derive(Debug, Clone)]
pub(crate) struct RequestPlan {
    /// Index into [`Plan::sources`].
    pub(crate) source: usize,
    /// HTTP method, upper case.
    pub(crate) method: String,
    /// The operation's default base URL (its own or its path item's `servers`), when it
    /// differs from the source's. A `ClientBuilder::base_url` override still wins.
    pub(crate) base: Option<String>,
    /// The operation's `operationId` (else `METHOD path`) and its path template as the
    /// OpenAPI description writes it, for the step's tracing span.
    pub(crate) operation: (String, String),
    /// The path template with its parameters.
    pub(crate) path: Vec<PathPart>,
    /// Query, header and cookie parameters.
    pub(crate) params: Vec<ParamPlan>,
    /// The request body.
    pub(crate) body: Option<BodyPlan>,
    /// The operation's security requirements (operation `security`, else the document's):
    /// alternatives, each a list of (scheme name, what it sends). Requirements naming a
    /// scheme the runtime cannot send (digest, mutualTLS) are left out.
    pub(crate) security: Vec<Vec<(String, SchemePlan)>>,
    /// The step's `timeout` (ms, Arazzo 1.1): the request and its response body are bounded.
    pub(crate) timeout_ms: Option<u64>,
}

/// What a security scheme sends, for the runtime's `SchemeKind`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SchemePlan {
    /// `apiKey` in a header, query parameter or cookie.
    ApiKey {
        /// Its name.
        name: String,
        /// Where it goes.
        location: ParamLocation,
    },
    /// HTTP basic.
    Basic,
    /// HTTP bearer, oauth2, openIdConnect.
    Bearer,
}

impl RequestPlan {
    /// Calls `f` on every value the request reads (to find which inputs and earlier outputs
    /// the generated code uses).
    pub(crate) fn for_each_value(&self, f: &mut dyn FnMut(&ValueExpr)) {
        for p in &self.path {
            if let PathPart::Param(v) | PathPart::Styled { value: v, .. } = p {
                f(v);
            }
        }
        for p in &self.params {
            f(&p.value);
        }
        match &self.body {
            Some(BodyPlan::Text { value, .. }) => f(value),
            Some(BodyPlan::Json { value, .. }) => value.for_each_value(f),
            Some(BodyPlan::Form(fields)) => fields.iter().for_each(|(_, v)| f(v)),
            Some(BodyPlan::JsonReplaced {
                base, replacements, ..
            }) => {
                base.for_each_value(f);
                replacements.iter().for_each(|(_, j)| j.for_each_value(f));
            }
            Some(BodyPlan::MultipartValue(v) | BodyPlan::FormValue(v)) => f(v),
            Some(BodyPlan::Multipart(parts)) => parts.iter().for_each(|(_, j)| j.for_each_value(f)),
            None => {}
        }
    }
}

impl StepPlan {
    /// Calls `f` on every value the step reads: request or call, criteria, outputs, actions.
    pub(crate) fn for_each_value(&self, f: &mut dyn FnMut(&ValueExpr)) {
        match &self.kind {
            StepKind::Request(r) => r.for_each_value(f),
            StepKind::Workflow(call) => call.for_each_value(f),
            StepKind::Send(s) => {
                s.connect.for_each_value(f);
                for (_, v) in &s.headers {
                    f(v);
                }
                match &s.payload {
                    SendPayload::Json(json) => json.for_each_value(f),
                    SendPayload::Text(text) | SendPayload::Binary(text) => f(text),
                }
            }
            StepKind::Receive(r) => {
                r.connect.for_each_value(f);
                if let Some((_, _, v)) = &r.correlation {
                    f(v);
                }
            }
        }
        for c in &self.criteria {
            c.condition.for_each_value(f);
        }
        for a in self.on_success.iter().chain(&self.on_failure) {
            for c in &a.criteria {
                c.condition.for_each_value(f);
            }
            match &a.kind {
                ActionKind::GotoWorkflow(call) => call.for_each_value(f),
                ActionKind::Retry {
                    workflow: Some(call),
                    ..
                } => call.for_each_value(f),
                _ => {}
            }
        }
        for o in &self.outputs {
            if let OutputSource::Value(v) = &o.source {
                f(v);
            }
        }
    }
}

/// A piece of a path template.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PathPart {
    /// Literal text, sent as written (`/api/hubs/`, `/:send`).
    Literal(String),
    /// A path parameter's value, percent-encoded as one segment.
    Param(ValueExpr),
    /// A path parameter in a `label` or `matrix` style, or an array or object value.
    Styled {
        /// The parameter name (`matrix` writes it).
        name: String,
        /// Style and explode.
        style: ParamStyle,
        /// Its value.
        value: ValueExpr,
    },
}

/// Where a non-path parameter goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ParamLocation {
    /// Query string.
    Query,
    /// The whole query string (`in: querystring`), in the format of this media type.
    QueryString(String),
    /// Header.
    Header,
    /// Cookie.
    Cookie,
}

/// One query, header or cookie parameter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ParamPlan {
    /// The parameter name on the wire.
    pub(crate) name: String,
    /// Where it goes.
    pub(crate) location: ParamLocation,
    /// Its value.
    pub(crate) value: ValueExpr,
    /// For array values: how items are sent.
    pub(crate) array: Option<ArrayStyle>,
    /// For objects, JSON values of array or object schemas, `deepObject` and exploded
    /// cookies: the value goes through JSON and the runtime's style serialiser.
    pub(crate) styled: Option<ParamStyle>,
    /// A parameter described by `content: {application/json: ...}` rather than `schema`:
    /// sent as the value's JSON text, whatever its shape.
    pub(crate) json_text: bool,
}

/// An OpenAPI `style` with its `explode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ParamStyle {
    /// `style` (defaults filled in).
    pub(crate) style: WireStyle,
    /// `explode` (defaults filled in).
    pub(crate) explode: bool,
}

/// How the runtime serialises a styled parameter: its `param::Style`, one to one (OpenAPI 3.2's
/// `cookie` style is sent as `Form`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WireStyle {
    /// `simple`: comma-separated.
    Simple,
    /// `label`: `.`-prefixed.
    Label,
    /// `matrix`: `;name=`-prefixed.
    Matrix,
    /// `form`: `name=value`.
    Form,
    /// `spaceDelimited` arrays.
    SpaceDelimited,
    /// `pipeDelimited` arrays.
    PipeDelimited,
    /// `deepObject`: `name[key]=value`.
    DeepObject,
}

/// How an array parameter is serialised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ArrayStyle {
    /// `name=a&name=b` (true) or `name=a,b` (false).
    pub(crate) explode: bool,
    /// The separator when not exploded: `,` (form/simple), ` ` (spaceDelimited), `|`.
    pub(crate) separator: String,
}

/// A value computed from inputs, earlier outputs and literals.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ValueExpr {
    /// A literal from the document.
    Literal(Value),
    /// `$inputs.<field>[#pointer]`.
    Input {
        /// The Rust field name.
        field: String,
        /// The field's type.
        ty: RustType,
        /// A JSON pointer into the value.
        pointer: Option<String>,
    },
    /// `$steps.<id>.outputs.<name>[#pointer]` (or a `dependsOn` workflow's output): a local
    /// variable of the workflow function.
    StepOutput {
        /// The variable name.
        var: String,
        /// Its type.
        ty: RustType,
        /// A JSON pointer into the value.
        pointer: Option<String>,
        /// In a branching workflow the variable is an `Option` set when the step runs; reading
        /// it before then is a run-time error naming (step, output).
        unset: Option<(String, String)>,
    },
    /// A string with embedded expressions.
    Template(Vec<TemplatePart>),
    /// An array literal of a parameter value with expressions among its items
    /// (`["role.{$inputs.group}", "other"]`): each item sent as its parameter text, a
    /// `Vec<String>`.
    List(Vec<ValueExpr>),
    /// An XPath 3.1 Selector Object over a value holding XML text (a step output, an input):
    /// the string value of the one item it selects.
    XPath31 {
        /// The context: a `String` holding XML.
        of: Box<ValueExpr>,
        /// The XPath 3.1 expression (compiled at build time).
        expr: String,
        /// The step (or, in workflow outputs, the workflow) an error names.
        step: String,
    },
    /// A JSONPath Selector Object that may select several nodes, over a value (an input, an
    /// earlier output): every node selected, as JSON.
    JsonPath {
        /// The context, serialised as JSON.
        of: Box<ValueExpr>,
        /// The RFC 9535 query (parsed at build time).
        query: String,
        /// The step (or, in workflow outputs, the workflow) an error names.
        step: String,
    },
}

impl ValueExpr {
    /// Adds the step-output variables this value reads to `out`.
    pub(crate) fn collect_vars(&self, out: &mut std::collections::BTreeSet<String>) {
        match self {
            ValueExpr::StepOutput { var, .. } => {
                out.insert(var.clone());
            }
            ValueExpr::Template(parts) => {
                for p in parts {
                    if let TemplatePart::Value(v) = p {
                        v.collect_vars(out);
                    }
                }
            }
            ValueExpr::List(items) => {
                for v in items {
                    v.collect_vars(out);
                }
            }
            ValueExpr::XPath31 { of, .. } | ValueExpr::JsonPath { of, .. } => of.collect_vars(out),
            ValueExpr::Literal(_) | ValueExpr::Input { .. } => {}
        }
    }

    /// Adds the runtime features evaluating the value needs (its selectors' engines).
    pub(crate) fn features(&self, out: &mut std::collections::BTreeSet<Feature>) {
        match self {
            ValueExpr::XPath31 { of, .. } => {
                out.insert(Feature::XPath31);
                of.features(out);
            }
            ValueExpr::JsonPath { of, .. } => {
                out.insert(Feature::JsonPath);
                of.features(out);
            }
            ValueExpr::Template(parts) => {
                for p in parts {
                    if let TemplatePart::Value(v) = p {
                        v.features(out);
                    }
                }
            }
            ValueExpr::List(items) => items.iter().for_each(|v| v.features(out)),
            ValueExpr::Literal(_) | ValueExpr::Input { .. } | ValueExpr::StepOutput { .. } => {}
        }
    }

    /// The Rust type of this value.
    pub(crate) fn ty(&self) -> RustType {
        match self {
            ValueExpr::Literal(v) => match v {
                Value::String(_) => RustType::String,
                Value::Bool(_) => RustType::Bool,
                Value::Number(n) if n.is_i64() || n.is_u64() => RustType::I64,
                Value::Number(_) => RustType::F64,
                _ => RustType::Json,
            },
            ValueExpr::Input { ty, pointer, .. } | ValueExpr::StepOutput { ty, pointer, .. } => {
                if pointer.is_some() {
                    RustType::Json
                } else {
                    ty.clone()
                }
            }
            ValueExpr::Template(_) | ValueExpr::XPath31 { .. } => RustType::String,
            ValueExpr::List(_) => RustType::Vec(Box::new(RustType::String)),
            ValueExpr::JsonPath { .. } => RustType::Vec(Box::new(RustType::Json)),
        }
    }
}

/// A piece of a string template.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TemplatePart {
    /// Literal text.
    Text(String),
    /// An interpolated value.
    Value(ValueExpr),
}

/// A request body.
#[derive(Debug, Clone)]
pub(crate) enum BodyPlan {
    /// Sent as text with the given content type.
    Text {
        /// `contentType`.
        content_type: String,
        /// The body text.
        value: ValueExpr,
    },
    /// Sent as JSON.
    Json {
        /// `contentType`.
        content_type: String,
        /// The payload, with expressions inside.
        value: JsonValue,
    },
    /// Sent as `application/x-www-form-urlencoded`.
    Form(Vec<(String, ValueExpr)>),
    /// Sent as `application/x-www-form-urlencoded` from a computed object (`payload:
    /// $inputs.form`): each member a field, as a literal object's members are; a value that is
    /// not an object at run time fails the step.
    FormValue(ValueExpr),
    /// A computed JSON payload with Arazzo `replacements` applied at run time.
    JsonReplaced {
        /// `contentType`.
        content_type: String,
        /// The payload.
        base: JsonValue,
        /// Each target (a JSON pointer) and its value, in order.
        replacements: Vec<(String, JsonValue)>,
    },
    /// Sent as `multipart/form-data`: each payload member a part (strings as text parts,
    /// other values as `application/json` parts).
    Multipart(Vec<(String, JsonValue)>),
    /// Sent as `multipart/form-data` from a computed object (`payload: $inputs.form`): each
    /// member a part, decided at run time.
    MultipartValue(ValueExpr),
}

/// A JSON payload with expressions at its leaves.
#[derive(Debug, Clone)]
pub(crate) enum JsonValue {
    /// A literal subtree.
    Literal(Value),
    /// An object whose members may hold expressions.
    Object(Vec<(String, JsonValue)>),
    /// An array whose items may hold expressions.
    Array(Vec<JsonValue>),
    /// A computed value.
    Expr(ValueExpr),
}

impl JsonValue {
    /// Calls `f` on every expression in the payload.
    pub(crate) fn for_each_value(&self, f: &mut dyn FnMut(&ValueExpr)) {
        match self {
            JsonValue::Expr(v) => f(v),
            JsonValue::Object(members) => members.iter().for_each(|(_, j)| j.for_each_value(f)),
            JsonValue::Array(items) => items.iter().for_each(|j| j.for_each_value(f)),
            JsonValue::Literal(_) => {}
        }
    }
}

/// One success criterion.
#[derive(Debug, Clone)]
pub(crate) struct CriterionPlan {
    /// The condition as written, for error messages.
    pub(crate) text: String,
    /// The condition as Rust will test it.
    pub(crate) condition: CondPlan,
}

/// A condition over the step's response.
#[derive(Debug, Clone)]
pub(crate) enum CondPlan {
    /// `a || b`.
    Or(Box<CondPlan>, Box<CondPlan>),
    /// `a && b`.
    And(Box<CondPlan>, Box<CondPlan>),
    /// `!a`.
    Not(Box<CondPlan>),
    /// `$statusCode <op> <integer>`: compared as integers, no JSON in between.
    Status(CmpOp, u16),
    /// Any other comparison, under the runtime's `cond` rules.
    Compare(CmpOp, OperandPlan, OperandPlan),
    /// A bare operand.
    Truthy(OperandPlan),
    /// A `regex` criterion: the pattern matches the context's text.
    Regex(OperandPlan, String),
    /// A `jsonpath` criterion: the RFC 9535 query selects a node of the context.
    JsonPath(OperandPlan, String),
    /// An `xpath` criterion: the XPath 1.0 expression is true of the context's XML.
    XPath(OperandPlan, String),
    /// An XPath 3.1 criterion: the expression's effective boolean value over the context's
    /// XML is true.
    XPath31(OperandPlan, String),
}

impl CondPlan {
    /// Whether any operand's source meets `f` (a `$statusCode` test reads
    /// [`OperandSource::StatusCode`]).
    pub(crate) fn reads(&self, f: &dyn Fn(&OperandSource) -> bool) -> bool {
        match self {
            CondPlan::Or(a, b) | CondPlan::And(a, b) => a.reads(f) || b.reads(f),
            CondPlan::Not(a) => a.reads(f),
            CondPlan::Compare(_, l, r) => f(&l.source) || f(&r.source),
            CondPlan::Truthy(o)
            | CondPlan::Regex(o, _)
            | CondPlan::JsonPath(o, _)
            | CondPlan::XPath(o, _)
            | CondPlan::XPath31(o, _) => f(&o.source),
            CondPlan::Status(..) => f(&OperandSource::StatusCode),
        }
    }

    /// Adds the runtime features this condition needs to `out`.
    fn features(&self, out: &mut std::collections::BTreeSet<Feature>) {
        match self {
            CondPlan::Or(a, b) | CondPlan::And(a, b) => {
                a.features(out);
                b.features(out);
            }
            CondPlan::Not(a) => a.features(out),
            CondPlan::Regex(..) => {
                out.insert(Feature::Regex);
            }
            CondPlan::JsonPath(..) => {
                out.insert(Feature::JsonPath);
            }
            CondPlan::XPath(..) => {
                out.insert(Feature::XPath);
            }
            CondPlan::XPath31(..) => {
                out.insert(Feature::XPath31);
            }
            CondPlan::Status(..) | CondPlan::Compare(..) | CondPlan::Truthy(..) => {}
        }
    }

    /// Calls `f` on every input or output value the condition reads.
    pub(crate) fn for_each_value(&self, f: &mut dyn FnMut(&ValueExpr)) {
        match self {
            CondPlan::Or(a, b) | CondPlan::And(a, b) => {
                a.for_each_value(f);
                b.for_each_value(f);
            }
            CondPlan::Not(a) => a.for_each_value(f),
            CondPlan::Compare(_, l, r) => {
                for o in [l, r] {
                    if let OperandSource::Value(v) = &o.source {
                        f(v);
                    }
                }
            }
            CondPlan::Truthy(o)
            | CondPlan::Regex(o, _)
            | CondPlan::JsonPath(o, _)
            | CondPlan::XPath(o, _)
            | CondPlan::XPath31(o, _) => {
                if let OperandSource::Value(v) = &o.source {
                    f(v);
                }
            }
            CondPlan::Status(..) => {}
        }
    }
}

/// A cargo feature of `arazzo-runtime` that generated code may need: the engine of one
/// criterion or selector type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Feature {
    /// `type: regex`.
    Regex,
    /// `type: jsonpath`.
    JsonPath,
    /// `type: xpath`.
    XPath,
    /// XPath 3.1 criteria and selectors.
    XPath31,
}

impl Feature {
    /// The feature's name in `arazzo-runtime`'s manifest.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Feature::Regex => "regex",
            Feature::JsonPath => "jsonpath",
            Feature::XPath => "xpath",
            Feature::XPath31 => "xpath31",
        }
    }
}

impl Plan {
    /// The runtime features the generated code needs: one per criterion type it evaluates,
    /// in this document and the documents it runs.
    pub(crate) fn runtime_features(&self) -> std::collections::BTreeSet<Feature> {
        let mut out = std::collections::BTreeSet::new();
        for w in &self.workflows {
            for s in &w.steps {
                let actions = s.on_success.iter().chain(&s.on_failure);
                let criteria = s.criteria.iter().chain(actions.flat_map(|a| &a.criteria));
                for c in criteria {
                    c.condition.features(&mut out);
                }
                // A JSONPath replacement target over a payload computed at run time.
                if let StepKind::Request(r) = &s.kind
                    && let Some(BodyPlan::JsonReplaced { replacements, .. }) = &r.body
                    && replacements.iter().any(|(t, _)| t.starts_with('$'))
                {
                    out.insert(Feature::JsonPath);
                }
                for o in &s.outputs {
                    match o.source {
                        OutputSource::XPath31(_) => {
                            out.insert(Feature::XPath31);
                        }
                        OutputSource::BodySelect(_) | OutputSource::MessagePayloadSelect(..) => {
                            out.insert(Feature::JsonPath);
                        }
                        _ => {}
                    }
                }
                s.for_each_value(&mut |v| v.features(&mut out));
            }
            for f in &w.outputs.fields {
                f.value.features(&mut out);
            }
        }
        for child in &self.children {
            out.extend(child.plan.runtime_features());
        }
        out
    }
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CmpOp {
    /// `==`.
    Eq,
    /// `!=`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
}

/// One navigation step after an operand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Access {
    /// `.member`.
    Member(String),
    /// `[index]`.
    Index(usize),
}

/// One side of a comparison.
#[derive(Debug, Clone)]
pub(crate) struct OperandPlan {
    /// Where the value comes from.
    pub(crate) source: OperandSource,
    /// `.member` / `[index]` navigation after it.
    pub(crate) path: Vec<Access>,
}

/// Where an operand's value comes from.
#[derive(Debug, Clone)]
pub(crate) enum OperandSource {
    /// A literal: null, a boolean, a number or a string.
    Literal(Value),
    /// `$statusCode`.
    StatusCode,
    /// `$response.body[#pointer]`.
    ResponseBody(Option<String>),
    /// `$response.header.<name>`.
    ResponseHeader(String),
    /// `$message.payload[#pointer]` of the message a `receive` took.
    MessagePayload(Option<String>),
    /// `$message.header.<name>`.
    MessageHeader(String),
    /// Inputs and earlier outputs.
    Value(ValueExpr),
}

/// One step output: a local variable.
#[derive(Debug, Clone)]
pub(crate) struct StepOutputPlan {
    /// The output's name.
    pub(crate) name: String,
    /// The local variable.
    pub(crate) var: String,
    /// Its type.
    pub(crate) ty: RustType,
    /// Where it comes from.
    pub(crate) source: OutputSource,
    /// Not a declared output: a called workflow's output, kept for `$workflows.<id>.outputs.*`
    /// (bound only when something reads it).
    pub(crate) hidden: bool,
    /// Its response schema marks it a credential (`format: password`): a workflow output
    /// that is this value prints `***` in `Debug`.
    pub(crate) secret: bool,
}

/// Where a step output comes from.
#[derive(Debug, Clone)]
pub(crate) enum OutputSource {
    /// `$statusCode`.
    StatusCode,
    /// `$response.body[#pointer]` decoded as JSON.
    Body(Option<String>),
    /// `$response.body` of a text response.
    BodyText,
    /// An XPath 3.1 Selector Object over `$response.body`: the string value of the one item
    /// it selects.
    XPath31(String),
    /// A JSONPath Selector Object over `$response.body` that may select several nodes: each
    /// node, decoded as the output's item type.
    BodySelect(String),
    /// A JSONPath Selector Object over `$message.payload` of the message the `receive` step
    /// (id) took: each node, decoded as the output's item type.
    MessagePayloadSelect(String, String),
    /// `$response.header.<name>`.
    Header(String),
    /// `$outputs.<name>[#pointer]` of the workflow a step runs: the Rust field.
    Callee(String, Option<String>),
    /// `$message.payload[#pointer]` of the message the `receive` step (id) took.
    MessagePayload(String, Option<String>),
    /// `$message.header.<name>` of the message the `receive` step (id) took.
    MessageHeader(String, String),
    /// Inputs and earlier outputs.
    Value(ValueExpr),
}

/// The outputs struct.
#[derive(Debug, Clone)]
pub(crate) struct OutputsPlan {
    /// Its Rust name.
    pub(crate) type_name: String,
    /// Its fields and their values.
    pub(crate) fields: Vec<OutputField>,
}

/// One workflow output.
#[derive(Debug, Clone)]
pub(crate) struct OutputField {
    /// The Arazzo name.
    pub(crate) json_name: String,
    /// The Rust field.
    pub(crate) rust_name: String,
    /// Its type.
    pub(crate) ty: RustType,
    /// The expression as written, for the doc comment.
    pub(crate) expression: String,
    /// Its value.
    pub(crate) value: ValueExpr,
    /// The step producing it may not run (then `ty` is an `Option`).
    pub(crate) maybe_skipped: bool,
    /// Its name or the name it reads looks like a credential: `Debug` prints `***`.
    pub(crate) secret: bool,
}
