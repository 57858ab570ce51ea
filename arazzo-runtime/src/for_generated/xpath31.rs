//! XPath 3.1 selectors over XML response bodies (feature `xpath31`), evaluated by `xee-xpath`,
//! a real XPath 3.1 engine: Arazzo 1.1's default XPath version, for Selector Objects with
//! `type: xpath` (outputs, parameter and payload values).
//!
//! Bounds: the body is already capped by the client's `max_response_size`; before parsing, it
//! must be UTF-8, nested at most 256 elements deep and hold at most 200,000 elements (as the
//! XPath 1.0 criteria); a DTD is refused by the parser (no entity expansion); the selection
//! holds at most [`MAX_ITEMS`] items and [`MAX_BYTES`] bytes of text. The expression itself
//! is the document's, compiled once per thread, and is trusted as code is: its own evaluation
//! cost (a recursive inline function, `1 to 1e12`) is not bounded here.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use serde::de::DeserializeOwned;
use serde_json::Value;
use xee_xpath::{Atomic, Documents, Item, Queries, Query, query::SequenceQuery};

use crate::error::{WorkflowError, short_type_name};
use crate::response::Response;

/// The most items a selection may hold.
pub const MAX_ITEMS: usize = 100_000;
/// The most bytes of text a selection may hold (its items' string values together).
pub const MAX_BYTES: usize = 16 << 20;

thread_local! {
    /// Compiled expressions: `xee-xpath`'s are not `Send`, so each thread keeps its own. Keys
    /// are the generated code's literals, so the map cannot grow past them.
    static QUERIES: RefCell<HashMap<&'static str, Rc<Result<SequenceQuery, String>>>> =
        RefCell::new(HashMap::new());
}

/// The string value of each item `expr` selects in `response`'s XML body, in order (a node's
/// string value, an atomic value's canonical text). Errors name the step and the selector.
pub fn select(response: &Response, expr: &'static str) -> Result<Vec<String>, WorkflowError> {
    evaluate(response, expr, |item, documents| {
        item.string_value(documents.xot())
            .map_err(|err| format!("an item has no string value ({err})"))
    })
}

/// What `expr` selects in `response`'s XML body, decoded as `T`: nothing is `null`, one item is
/// that item, several are an array. A node is its string value; `xs:boolean` a boolean;
/// integers, decimals and finite doubles/floats numbers; other atomic values their text.
pub fn select_value<T: DeserializeOwned>(
    response: &Response,
    expr: &'static str,
) -> Result<T, WorkflowError> {
    let mut values = evaluate(response, expr, |item, documents| {
        let text = match item {
            Item::Function(_) => {
                return Err("an item is a function, map or array, not a value".to_owned());
            }
            _ => item
                .string_value(documents.xot())
                .map_err(|err| format!("an item has no string value ({err})"))?,
        };
        Ok(match item {
            Item::Atomic(atomic) => atomic_json(atomic, text),
            _ => Value::String(text),
        })
    })?;
    let value = match values.len() {
        0 => Value::Null,
        1 => values.pop().unwrap_or(Value::Null),
        _ => Value::Array(values),
    };
    T::deserialize(&value).map_err(|err| {
        // serde quotes the value it could not read: not when the selector names a secret.
        let names_secret = expr
            .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
            .any(crate::redact::looks_secret);
        let detail = if names_secret {
            "the value there has another type (not shown: its selector names something secret)"
                .to_owned()
        } else {
            err.to_string()
        };
        decode(response, expr, short_type_name::<T>(), &detail)
    })
}

/// Parses the body, runs the compiled `expr` at its document node and converts each item.
fn evaluate<V>(
    response: &Response,
    expr: &'static str,
    convert: impl Fn(&Item, &Documents) -> Result<V, String>,
) -> Result<Vec<V>, WorkflowError> {
    let fail = |detail: &str| decode(response, expr, "XPath 3.1 selection".to_owned(), detail);
    let query = QUERIES
        .try_with(|cache| {
            Rc::clone(cache.borrow_mut().entry(expr).or_insert_with(|| {
                Rc::new(
                    Queries::default()
                        .sequence(expr)
                        .map_err(|err| format!("the expression does not compile: {err}")),
                )
            }))
        })
        .map_err(|_| fail("the thread is shutting down"))?;
    let query = query.as_ref().as_ref().map_err(|err| fail(err))?;
    let xml = std::str::from_utf8(response.body_bytes())
        .map_err(|_| fail("the body is not UTF-8 XML"))?;
    if !super::bounds::xml_within_bounds(xml) {
        return Err(fail(&format!(
            "the body nests elements deeper than {} or holds more than {} elements",
            super::bounds::MAX_XML_DEPTH,
            super::bounds::MAX_XML_ELEMENTS
        )));
    }
    let mut documents = Documents::new();
    let handle = documents
        .add_string_without_uri(xml)
        .map_err(|err| fail(&format!("the body is not well-formed XML: {err}")))?;
    let root = documents
        .document_node(handle)
        .ok_or_else(|| fail("the parsed body has no document node"))?;
    let sequence = query
        .execute(&mut documents, root)
        .map_err(|err| fail(&format!("the evaluation failed: {err}")))?;
    if sequence.len() > MAX_ITEMS {
        return Err(fail(&format!("it selects more than {MAX_ITEMS} items")));
    }
    let mut bytes = 0usize;
    let mut out = Vec::with_capacity(sequence.len());
    for item in sequence.iter() {
        bytes = bytes.saturating_add(match &item {
            Item::Node(node) => documents.xot().string_value(*node).len(),
            _ => 0,
        });
        if bytes > MAX_BYTES {
            return Err(fail(&format!("its text exceeds {MAX_BYTES} bytes")));
        }
        out.push(convert(&item, &documents).map_err(|detail| fail(&detail))?);
    }
    Ok(out)
}

/// An atomic value (whose canonical text is `text`) as JSON.
fn atomic_json(atomic: &Atomic, text: String) -> Value {
    match atomic {
        Atomic::Boolean(b) => Value::Bool(*b),
        Atomic::Integer(..) | Atomic::Decimal(_) | Atomic::Double(_) | Atomic::Float(_) => {
            // Integers beyond what JSON numbers carry here, NaN and INF stay text.
            serde_json::from_str::<serde_json::Number>(&text)
                .map_or(Value::String(text), Value::Number)
        }
        _ => Value::String(text),
    }
}

fn decode(
    response: &Response,
    expr: &'static str,
    expected: String,
    detail: &str,
) -> WorkflowError {
    WorkflowError::Decode {
        step: response.step(),
        location: format!("$response.body (XPath 3.1 `{expr}`)"),
        expected,
        // Parser and engine messages may quote the body: mask what the request sent.
        detail: crate::redact::mask_text(detail, &response.secrets.list()),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn response(body: &str) -> Response {
        Response::new(
            "getPets",
            200,
            reqwest::header::HeaderMap::new(),
            bytes::Bytes::from(body.to_owned()),
        )
    }

    proptest! {
        /// Whatever markup-like text a server sends, a selection returns or fails naming the
        /// step: it never panics.
        #[test]
        fn any_body_selects_or_fails_naming_the_step(
            body in r#"(<[a-z:]{0,3}( [a-z]{1,2}="[^"<]{0,3}")?/?>|</[a-z]{0,2}>|&[a-z#0-9]{0,4};?|<!\[CDATA\[|\]\]>|<\?x|<!--|-->|[a-z <>&"']){0,24}"#
        ) {
            let response = response(&body);
            for expr in ["/*", "//text()", "count(//*)", "string(/*/@*[1])"] {
                match select(&response, expr) {
                    Ok(_) => {}
                    Err(err) => prop_assert_eq!(err.step(), "getPets"),
                }
                if let Err(err) = select_value::<Value>(&response, expr) {
                    prop_assert_eq!(err.step(), "getPets");
                }
            }
        }
    }
}
