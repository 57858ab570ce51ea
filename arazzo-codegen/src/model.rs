//! Arazzo 1.0.x documents as serde types.
//!
//! Fields the specification defines are typed; fields it does not define land in `extra`, where
//! the checker reports every key that is not an `x-` extension (with its location), instead of
//! serde stopping at the first. Objects whose semantics come later in the pipeline (actions,
//! components, JSON Schemas, payloads) stay `serde_json::Value`.

use serde::Deserialize;
use serde_json::{Map, Value};

/// Unknown keys of one object, in document order.
pub type Extra = Map<String, Value>;

/// The root of an Arazzo document.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Document {
    /// `arazzo`: the specification version (1.0.0 or 1.0.1).
    pub arazzo: String,
    /// `info`.
    pub info: Info,
    /// `sourceDescriptions`.
    pub source_descriptions: Vec<SourceDescription>,
    /// `workflows`.
    pub workflows: Vec<Workflow>,
    /// `components`.
    pub components: Option<Value>,
    /// Anything else.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `info`.
#[derive(Debug, Deserialize)]
pub struct Info {
    /// `title`.
    pub title: String,
    /// `summary`.
    pub summary: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `version`.
    pub version: String,
    /// Anything else.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One entry of `sourceDescriptions`.
#[derive(Debug, Deserialize)]
pub struct SourceDescription {
    /// `name`.
    pub name: String,
    /// `url`.
    pub url: String,
    /// `type`: `openapi` or `arazzo`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Anything else.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One workflow.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Workflow {
    /// `workflowId`.
    pub workflow_id: String,
    /// `summary`.
    pub summary: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `inputs`: a JSON Schema.
    pub inputs: Option<Value>,
    /// `dependsOn`.
    pub depends_on: Option<Value>,
    /// `steps`.
    pub steps: Vec<Step>,
    /// `successActions`.
    pub success_actions: Option<Value>,
    /// `failureActions`.
    pub failure_actions: Option<Value>,
    /// `outputs`: name → runtime expression.
    pub outputs: Option<Map<String, Value>>,
    /// `parameters`: applied to every step that targets an operation.
    pub parameters: Option<Vec<Value>>,
    /// Anything else.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One step.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    /// `stepId`.
    pub step_id: String,
    /// `description`.
    pub description: Option<String>,
    /// `operationId`.
    pub operation_id: Option<String>,
    /// `operationPath`.
    pub operation_path: Option<String>,
    /// `workflowId`.
    pub workflow_id: Option<String>,
    /// `parameters`: Parameter Objects or Reusable Objects.
    pub parameters: Option<Vec<Value>>,
    /// `requestBody`.
    pub request_body: Option<RequestBody>,
    /// `successCriteria`.
    pub success_criteria: Option<Vec<Criterion>>,
    /// `onSuccess`.
    pub on_success: Option<Value>,
    /// `onFailure`.
    pub on_failure: Option<Value>,
    /// `outputs`: name → runtime expression.
    pub outputs: Option<Map<String, Value>>,
    /// Anything else.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A Parameter Object (a Reusable Object has `reference` instead and is reported before this
/// type is used).
#[derive(Debug, Deserialize)]
pub struct Parameter {
    /// `name`.
    pub name: String,
    /// `in`: path, query, header or cookie.
    #[serde(rename = "in")]
    pub location: Option<String>,
    /// `value`: a literal or a runtime expression.
    pub value: Value,
    /// Anything else.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `requestBody`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestBody {
    /// `contentType`.
    pub content_type: Option<String>,
    /// `payload`: any value; strings may hold expressions.
    pub payload: Option<Value>,
    /// `replacements`.
    pub replacements: Option<Value>,
    /// Anything else.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A Criterion Object.
#[derive(Debug, Deserialize)]
pub struct Criterion {
    /// `context`.
    pub context: Option<String>,
    /// `condition`.
    pub condition: String,
    /// `type`: `simple` (default), `regex`, `jsonpath`, `xpath`, or an expression-type object.
    #[serde(rename = "type")]
    pub kind: Option<Value>,
    /// Anything else.
    #[serde(flatten)]
    pub extra: Extra,
}
