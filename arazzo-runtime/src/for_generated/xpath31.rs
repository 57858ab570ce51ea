//! XPath 3.1 criteria and selectors over XML (feature `xpath31`), evaluated by `xee-xpath`,
//! a real XPath 3.1 engine: Arazzo 1.1's default XPath version, for criteria with `type:
//! xpath` and Selector Objects with `type: xpath` (outputs, parameter and payload values).
//! arazzo-codegen compiled each expression with the same crate at build time.
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
use xee_xpath::{Atomic, DocumentHandle, Documents, Item, Queries, Query, query::SequenceQuery};

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
    evaluate(
        response.body_bytes(),
        expr,
        string_value,
        &|detail| decode(response, expr, "XPath 3.1 selection".to_owned(), detail),
        true,
    )
}

/// The string value of the one item `expr` selects in `response`'s XML body: a step output's
/// Selector Object. Selecting nothing or several items fails, naming the step.
pub fn select_one(response: &Response, expr: &'static str) -> Result<String, WorkflowError> {
    only_item(select(response, expr)?, |detail| {
        decode(response, expr, "one item's string value".to_owned(), detail)
    })
}

/// The string value of the one item `expr` selects in the XML text `xml` (a step output or an
/// input that holds XML): a Selector Object in a parameter, payload or output value. Selecting
/// nothing or several items fails, naming `step`. Messages leave out what the parser quotes
/// of the text: unlike a response, the value's origin (and its secrets) is not known here.
pub fn select_text(
    step: &'static str,
    xml: &str,
    expr: &'static str,
) -> Result<String, WorkflowError> {
    let fail = |detail: &str| WorkflowError::Decode {
        step,
        location: format!("XPath 3.1 selector `{expr}`"),
        expected: "one item's string value".to_owned(),
        detail: detail.to_owned(),
    };
    let values = evaluate(
        xml.as_bytes(),
        expr,
        string_value,
        &fail,
        // Engine messages name codes and positions; parser messages quote the text.
        false,
    )?;
    only_item(values, fail)
}

/// The one string of a selector's selection; `fail` makes the error when there are none or
/// several.
fn only_item(
    mut values: Vec<String>,
    fail: impl Fn(&str) -> WorkflowError,
) -> Result<String, WorkflowError> {
    match values.len() {
        1 => Ok(values.pop().unwrap_or_default()),
        n => Err(fail(&format!("it selects {n} items"))),
    }
}

/// An item's string value (a node's text, an atomic value's canonical text).
fn string_value(item: &Item, documents: &Documents) -> Result<String, String> {
    item.string_value(documents.xot())
        .map_err(|err| format!("an item has no string value ({err})"))
}

/// Whether the XPath 3.1 `expr`, evaluated at the document node of the XML `xml`, is true: its
/// effective boolean value (`fn:boolean`), so a non-empty node sequence, `true`, a number other
/// than zero and NaN, a non-empty string; an empty sequence is false. As for XPath 1.0
/// criteria, text that is not well-formed XML, a body beyond the bounds above, and an
/// evaluation error (a dynamic error, or a sequence of several atomic values, which has no
/// effective boolean value) fail the criterion rather than the workflow: the step's failure
/// names the step and the criterion.
pub fn criterion(expr: &'static str, xml: &str) -> bool {
    let cached = compiled(expr);
    let Some(Ok(query)) = cached.as_deref().map(Result::as_ref) else {
        return false;
    };
    let Some((mut documents, root)) = parse(xml.as_bytes()).ok() else {
        return false;
    };
    query
        .execute(&mut documents, root)
        .ok()
        .and_then(|sequence| sequence.effective_boolean_value().ok())
        .unwrap_or(false)
}

/// What `expr` selects in `response`'s XML body, decoded as `T`: nothing is `null`, one item is
/// that item, several are an array. A node is its string value; `xs:boolean` a boolean;
/// integers, decimals and finite doubles/floats numbers; other atomic values their text.
pub fn select_value<T: DeserializeOwned>(
    response: &Response,
    expr: &'static str,
) -> Result<T, WorkflowError> {
    let mut values = evaluate(
        response.body_bytes(),
        expr,
        |item, documents| {
            let text = match item {
                Item::Function(_) => {
                    return Err("an item is a function, map or array, not a value".to_owned());
                }
                _ => string_value(item, documents)?,
            };
            Ok(match item {
                Item::Atomic(atomic) => atomic_json(atomic, text),
                _ => Value::String(text),
            })
        },
        &|detail| decode(response, expr, "XPath 3.1 selection".to_owned(), detail),
        true,
    )?;
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

/// The compiled `expr`, compiled on this thread's first use (`None` while the thread shuts down).
fn compiled(expr: &'static str) -> Option<Rc<Result<SequenceQuery, String>>> {
    QUERIES
        .try_with(|cache| {
            Rc::clone(cache.borrow_mut().entry(expr).or_insert_with(|| {
                Rc::new(
                    Queries::default()
                        .sequence(expr)
                        .map_err(|err| format!("the expression does not compile: {err}")),
                )
            }))
        })
        .ok()
}

/// The XML `body` parsed, within the bounds above, and its document (evaluated at its document
/// node). An error is what is wrong and, apart, the parser's own message (which may quote the
/// body).
fn parse(body: &[u8]) -> Result<(Documents, DocumentHandle), (String, Option<String>)> {
    let xml =
        std::str::from_utf8(body).map_err(|_| ("the body is not UTF-8 XML".to_owned(), None))?;
    if !super::bounds::xml_within_bounds(xml) {
        return Err((
            format!(
                "the body nests elements deeper than {} or holds more than {} elements",
                super::bounds::MAX_XML_DEPTH,
                super::bounds::MAX_XML_ELEMENTS
            ),
            None,
        ));
    }
    let mut documents = Documents::new();
    let handle = documents.add_string_without_uri(xml).map_err(|err| {
        (
            "the body is not well-formed XML".to_owned(),
            Some(err.to_string()),
        )
    })?;
    Ok((documents, handle))
}

/// Parses the body, runs the compiled `expr` at its document node and converts each item.
/// `fail` makes the error; the parser's message is shown only when `show_parser` (the caller
/// masks what it quotes).
fn evaluate<V>(
    body: &[u8],
    expr: &'static str,
    convert: impl Fn(&Item, &Documents) -> Result<V, String>,
    fail: &dyn Fn(&str) -> WorkflowError,
    show_parser: bool,
) -> Result<Vec<V>, WorkflowError> {
    let query = compiled(expr).ok_or_else(|| fail("the thread is shutting down"))?;
    let query = query.as_ref().as_ref().map_err(|err| fail(err))?;
    let (mut documents, root) = parse(body).map_err(|(what, parser)| match parser {
        Some(parser) if show_parser => fail(&format!("{what}: {parser}")),
        _ => fail(&what),
    })?;
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

    #[test]
    fn a_criterion_is_the_effective_boolean_value() {
        let xml = "<order><status>paid</status><item n='2'/><item n='3'/></order>";
        assert!(criterion("/order/status = 'paid'", xml));
        assert!(criterion("//item", xml), "a non-empty node sequence");
        assert!(criterion("sum(//item/@n) = 5", xml));
        assert!(
            criterion("matches(/order/status, '^p')", xml),
            "an XPath 2.0+ function"
        );
        assert!(!criterion("/order/status = 'open'", xml));
        assert!(!criterion("//missing", xml), "an empty sequence");
        assert!(
            !criterion("(1, 2)", xml),
            "several atomic values have no boolean value"
        );
        assert!(!criterion("/order", "<order>"), "not well-formed");
        assert!(!criterion("/a[", xml), "does not compile");
    }

    #[test]
    fn select_one_takes_one_item_of_the_body() {
        let r = response("<r><id>7</id><id>8</id></r>");
        assert_eq!(select_one(&r, "/r/id[2]").unwrap(), "8");
        assert_eq!(select_one(&r, "count(//id)").unwrap(), "2");
        let err = select_one(&r, "//id").unwrap_err();
        assert_eq!(err.step(), "getPets");
        assert!(err.to_string().contains("it selects 2 items"), "{err}");
    }

    #[test]
    fn select_text_takes_one_item_and_names_the_step() {
        let xml = "<r><id>7</id><id>8</id></r>";
        assert_eq!(select_text("find", xml, "/r/id[1]").unwrap(), "7");
        assert_eq!(select_text("find", xml, "count(/r/id)").unwrap(), "2");
        let err = select_text("find", xml, "/r/id").unwrap_err();
        assert_eq!(err.step(), "find");
        assert!(err.to_string().contains("it selects 2 items"), "{err}");
        let err = select_text("find", xml, "/r/none").unwrap_err();
        assert!(err.to_string().contains("it selects 0 items"), "{err}");
        // The parser's message (which quotes the text) stays out of the error.
        let err = select_text("find", "<token>s3cr3t</tok>", "/token").unwrap_err();
        assert!(!err.to_string().contains("tok>"), "{err}");
        assert!(err.to_string().contains("not well-formed XML"), "{err}");
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
