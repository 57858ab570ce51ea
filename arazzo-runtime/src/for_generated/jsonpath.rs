//! JSONPath Selector Objects that may select several nodes (Arazzo 1.1, `type: jsonpath`
//! with wildcards, slices, filters or descendants): every node the RFC 9535 query selects, in
//! the query's order, each decoded as the output's item type. (A singular query names one
//! node: the generator rewrites it into a JSON Pointer and never calls this.)

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{WorkflowError, short_type_name};
use crate::message::Message;
use crate::response::Response;

/// Every node `query` selects in the response body, decoded as `T`. A body that is not JSON,
/// or a node of another type, fails the step; the error masks the request's credentials
/// wherever it quotes the body.
pub fn select_body<T: DeserializeOwned>(
    response: &Response,
    query: &'static str,
) -> Result<Vec<T>, WorkflowError> {
    let root = response.json()?;
    select(response.step(), "$response.body", root, query).map_err(|err| match err {
        WorkflowError::Decode {
            step,
            location,
            expected,
            detail,
        } => WorkflowError::Decode {
            step,
            location,
            expected,
            detail: crate::redact::mask_text(&detail, &response.secrets.list()),
        },
        other => other,
    })
}

/// Every node `query` selects in the JSON payload of the message the `receive` step `step`
/// took, decoded as `T`. A text or binary payload fails the step.
pub fn select_payload<T: DeserializeOwned>(
    message: &Message,
    step: &'static str,
    query: &'static str,
) -> Result<Vec<T>, WorkflowError> {
    let Some(root) = message.payload_value("") else {
        return Err(WorkflowError::Decode {
            step,
            location: format!("JSONPath `{query}` over $message.payload"),
            expected: "a JSON payload".to_owned(),
            detail: "the message's payload is not JSON".to_owned(),
        });
    };
    select(step, "$message.payload", root, query)
}

/// Every node `query` selects in `value` (an input or an earlier output, as JSON), for a
/// Selector Object in a parameter, payload or workflow output value.
pub fn select_value(
    step: &'static str,
    value: &Value,
    query: &'static str,
) -> Result<Vec<Value>, WorkflowError> {
    select(step, "its context", value, query)
}

/// The nodes `query` selects in `root` (read from `context`), each decoded as `T`.
fn select<T: DeserializeOwned>(
    step: &'static str,
    context: &str,
    root: &Value,
    query: &'static str,
) -> Result<Vec<T>, WorkflowError> {
    let location = || format!("JSONPath `{query}` over {context}");
    // More JSON than the criteria engines take would make a descendant query (`..`) or a
    // filter cost without bound. (Depth is bounded where the JSON was parsed.)
    if !super::bounds::json_within_bounds(root) {
        return Err(WorkflowError::Decode {
            step,
            location: location(),
            expected: short_type_name::<Vec<T>>(),
            detail: "the JSON has too many values to select from".to_owned(),
        });
    }
    let Some(path) = super::criteria::parsed_query(query) else {
        return Err(WorkflowError::Decode {
            step,
            location: location(),
            expected: short_type_name::<Vec<T>>(),
            detail: "the query is not RFC 9535 JSONPath".to_owned(),
        });
    };
    path.query(root)
        .iter()
        .enumerate()
        .map(|(i, node)| {
            T::deserialize(*node).map_err(|err| WorkflowError::Decode {
                step,
                location: format!("{} (node {i})", location()),
                expected: short_type_name::<T>(),
                detail: err.to_string(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn selects_every_node_in_order_decoded() {
        let body = json!({"pets": [{"id": 1, "tag": "a"}, {"id": 2}, {"id": 3, "tag": "b"}]});
        let ids: Vec<i64> = select("s", "$response.body", &body, "$.pets[*].id").unwrap();
        assert_eq!(ids, [1, 2, 3]);
        let tags: Vec<String> = select("s", "$response.body", &body, "$.pets[*].tag").unwrap();
        assert_eq!(tags, ["a", "b"], "a node that is absent is not selected");
        let some: Vec<i64> = select("s", "$response.body", &body, "$.pets[?@.id > 1].id").unwrap();
        assert_eq!(some, [2, 3]);
        let none: Vec<i64> = select("s", "$response.body", &body, "$.cats[*].id").unwrap();
        assert!(none.is_empty());
        let all = select_value("s", &body, "$..id").unwrap();
        assert_eq!(all, [json!(1), json!(2), json!(3)]);
    }

    #[test]
    fn a_node_of_another_type_fails_naming_the_step_and_the_node() {
        let body = json!({"pets": [{"id": 1}, {"id": "two"}]});
        let err = select::<i64>("list", "$response.body", &body, "$.pets[*].id").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("list"), "{text}");
        assert!(text.contains("$.pets[*].id"), "{text}");
        assert!(text.contains("node 1"), "{text}");
    }

    #[test]
    fn a_query_that_does_not_parse_is_an_error_not_a_panic() {
        let err = select_value("s", &json!({}), "$[").unwrap_err();
        assert!(err.to_string().contains("not RFC 9535"), "{err}");
    }

    #[test]
    fn json_beyond_the_bounds_is_refused() {
        let wide = Value::Array(vec![json!(0); super::super::bounds::MAX_JSON_NODES]);
        let err = select_value("s", &wide, "$..*").unwrap_err();
        assert!(err.to_string().contains("too many values"), "{err}");
        let within = Value::Array(vec![json!(0); 10]);
        assert_eq!(select_value("s", &within, "$[*]").unwrap().len(), 10);
    }
}
