//! Arazzo 1.0.x and 1.1.x documents as serde types (1.1's fields are typed too; a 1.0.x
//! document that uses one is told so by the checker).
//!
//! Fields the specification defines are typed; fields it does not define land in `extra`, where
//! the checker reports every key that is not an `x-` extension (with its location), instead of
//! serde stopping at the first. Objects whose semantics come later in the pipeline (actions,
//! components, JSON Schemas, payloads) stay `serde_json::Value`.

use serde::Deserialize;
use serde_json::{Map, Value};

/// Unknown keys of one object, in document order.
pub(crate) type Extra = Map<String, Value>;

/// The root of an Arazzo document.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Document {
    /// `arazzo`: the specification version (1.0.x or 1.1.x).
    pub(crate) arazzo: String,
    /// `$self` (1.1): the document's own URI-reference, its base URI.
    #[serde(rename = "$self")]
    pub(crate) self_uri: Option<String>,
    /// `info`.
    pub(crate) info: Info,
    /// `sourceDescriptions`.
    pub(crate) source_descriptions: Vec<SourceDescription>,
    /// `workflows`.
    pub(crate) workflows: Vec<Workflow>,
    /// `components`.
    pub(crate) components: Option<Value>,
    /// Anything else.
    #[serde(flatten)]
    pub(crate) extra: Extra,
}

/// `info`.
#[derive(Debug, Deserialize)]
pub(crate) struct Info {
    /// `title`.
    pub(crate) title: String,
    /// `summary`.
    #[expect(
        dead_code,
        reason = "declared so that it is typed and not an unknown key"
    )]
    pub(crate) summary: Option<String>,
    /// `description`.
    #[expect(
        dead_code,
        reason = "declared so that it is typed and not an unknown key"
    )]
    pub(crate) description: Option<String>,
    /// `version`.
    pub(crate) version: String,
    /// Anything else.
    #[serde(flatten)]
    pub(crate) extra: Extra,
}

/// One entry of `sourceDescriptions`.
#[derive(Debug, Deserialize)]
pub(crate) struct SourceDescription {
    /// `name`.
    pub(crate) name: String,
    /// `url`.
    pub(crate) url: String,
    /// `type`: `openapi` or `arazzo`.
    #[serde(rename = "type")]
    pub(crate) kind: Option<String>,
    /// Anything else.
    #[serde(flatten)]
    pub(crate) extra: Extra,
}

/// One workflow.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Workflow {
    /// `workflowId`.
    pub(crate) workflow_id: String,
    /// `summary`.
    pub(crate) summary: Option<String>,
    /// `description`.
    pub(crate) description: Option<String>,
    /// `inputs`: a JSON Schema.
    pub(crate) inputs: Option<Value>,
    /// `dependsOn`.
    pub(crate) depends_on: Option<Value>,
    /// `steps`.
    pub(crate) steps: Vec<Step>,
    /// `successActions`.
    pub(crate) success_actions: Option<Value>,
    /// `failureActions`.
    pub(crate) failure_actions: Option<Value>,
    /// `outputs`: name → runtime expression.
    pub(crate) outputs: Option<Map<String, Value>>,
    /// `parameters`: applied to every step that targets an operation.
    pub(crate) parameters: Option<Vec<Value>>,
    /// Anything else.
    #[serde(flatten)]
    pub(crate) extra: Extra,
}

/// One step.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Step {
    /// `stepId`.
    pub(crate) step_id: String,
    /// `description`.
    #[expect(
        dead_code,
        reason = "declared so that it is typed and not an unknown key"
    )]
    pub(crate) description: Option<String>,
    /// `operationId`.
    pub(crate) operation_id: Option<String>,
    /// `operationPath`.
    pub(crate) operation_path: Option<String>,
    /// `workflowId`.
    pub(crate) workflow_id: Option<String>,
    /// `channelPath` (1.1): an AsyncAPI channel, `$sourceDescriptions.<name>#/<pointer>`.
    pub(crate) channel_path: Option<String>,
    /// `action` (1.1): `send` or `receive`, for AsyncAPI steps.
    pub(crate) action: Option<String>,
    /// `correlationId` (1.1): for `receive` steps.
    pub(crate) correlation_id: Option<String>,
    /// `timeout` (1.1): milliseconds.
    pub(crate) timeout: Option<u64>,
    /// `dependsOn` (1.1): steps that must complete first.
    pub(crate) depends_on: Option<Vec<String>>,
    /// `parameters`: Parameter Objects or Reusable Objects.
    pub(crate) parameters: Option<Vec<Value>>,
    /// `requestBody`.
    pub(crate) request_body: Option<RequestBody>,
    /// `successCriteria`.
    pub(crate) success_criteria: Option<Vec<Criterion>>,
    /// `onSuccess`.
    pub(crate) on_success: Option<Value>,
    /// `onFailure`.
    pub(crate) on_failure: Option<Value>,
    /// `outputs`: name → runtime expression.
    pub(crate) outputs: Option<Map<String, Value>>,
    /// Anything else.
    #[serde(flatten)]
    pub(crate) extra: Extra,
}

/// A Parameter Object (a Reusable Object has `reference` instead and is reported before this
/// type is used).
#[derive(Debug, Deserialize)]
pub(crate) struct Parameter {
    /// `name`.
    pub(crate) name: String,
    /// `in`: path, query, header or cookie.
    #[serde(rename = "in")]
    pub(crate) location: Option<String>,
    /// `value`: a literal or a runtime expression.
    pub(crate) value: Value,
    /// Anything else.
    #[serde(flatten)]
    pub(crate) extra: Extra,
}

/// `requestBody`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RequestBody {
    /// `contentType`.
    pub(crate) content_type: Option<String>,
    /// `payload`: any value; strings may hold expressions.
    pub(crate) payload: Option<Value>,
    /// `replacements`.
    pub(crate) replacements: Option<Value>,
    /// Anything else.
    #[serde(flatten)]
    pub(crate) extra: Extra,
}

/// A Criterion Object.
#[derive(Debug, Deserialize)]
pub(crate) struct Criterion {
    /// `context`.
    pub(crate) context: Option<String>,
    /// `condition`.
    pub(crate) condition: String,
    /// `type`: `simple` (default), `regex`, `jsonpath`, `xpath`, or an expression-type object.
    #[serde(rename = "type")]
    pub(crate) kind: Option<Value>,
    /// Anything else.
    #[serde(flatten)]
    pub(crate) extra: Extra,
}
