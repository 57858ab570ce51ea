//! What a request carried, as comparable aspects, and the differences between two sequences.

use std::collections::BTreeMap;

use arazzo_runtime::testing::Recorded;
use serde_json::Value;

/// Headers that say how a request travelled rather than what it asked: the two sides share
/// one `reqwest::Client`, so these could only differ by connection reuse.
const TRANSPORT_HEADERS: &[&str] = &["host", "content-length", "connection"];

/// A request as named aspects (`method`, `path`, `query`, `header <name>`, `cookie`, `body`),
/// each rendered as text so a difference can be written down in the table.
fn aspects(request: &Recorded) -> BTreeMap<String, String> {
    let mut aspects = BTreeMap::new();
    aspects.insert("method".to_owned(), request.method.clone());
    aspects.insert("path".to_owned(), normalized_path(&request.path));
    if let Some(query) = &request.query {
        aspects.insert("query".to_owned(), pairs(query));
    }
    for (name, value) in &request.headers {
        let name = name.to_ascii_lowercase();
        if TRANSPORT_HEADERS.contains(&name.as_str()) {
            continue;
        }
        let key = if name == "cookie" {
            "cookie".to_owned()
        } else {
            format!("header {name}")
        };
        // A repeated header is compared as all its values, in order.
        aspects
            .entry(key)
            .and_modify(|existing: &mut String| {
                existing.push_str(", ");
                existing.push_str(value);
            })
            .or_insert_with(|| value.clone());
    }
    if !request.body.is_empty() {
        aspects.insert("body".to_owned(), body(request));
    }
    aspects
}

/// The body as what it means for its content type: JSON with sorted members, form fields
/// decoded and sorted, anything else as text.
fn body(request: &Recorded) -> String {
    let content_type = request.header("content-type").unwrap_or_default();
    let text = String::from_utf8_lossy(&request.body);
    if content_type.contains("json") {
        match serde_json::from_slice::<Value>(&request.body) {
            Ok(value) => format!("json {}", sorted(value)),
            Err(_) => format!("not JSON: {text}"),
        }
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        // JSON text sent as a form reads as one garbled field; say what it is instead.
        match serde_json::from_slice::<Value>(&request.body) {
            Ok(value @ Value::Object(_)) => format!("JSON text as a form: {}", sorted(value)),
            _ => format!("form {}", pairs(&text)),
        }
    } else {
        format!("text {text}")
    }
}

/// `a=1&b=x%20y` as `a=1 & b=x y`, sorted by name (the order of different names carries no
/// meaning; a repeated name keeps its values' order, which does).
fn pairs(encoded: &str) -> String {
    let mut pairs: Vec<(String, String)> = url::form_urlencoded::parse(encoded.as_bytes())
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect();
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    pairs
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join(" & ")
}

/// The path as RFC 3986 (6.2.2) compares URIs: escapes of unreserved characters decoded,
/// other escapes in upper case. Decoding everything would hide a `/` sent raw instead of as
/// `%2F`, which names another resource.
fn normalized_path(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut normalized = String::with_capacity(path.len());
    let mut index = 0;
    while index < bytes.len() {
        let escape = bytes.get(index + 1..index + 3).and_then(|hex| {
            let hex = std::str::from_utf8(hex).ok()?;
            u8::from_str_radix(hex, 16).ok()
        });
        match (bytes[index], escape) {
            (b'%', Some(byte)) => {
                if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
                    normalized.push(char::from(byte));
                } else {
                    normalized.push_str(&format!("%{byte:02X}"));
                }
                index += 3;
            }
            (byte, _) => {
                normalized.push(char::from(byte));
                index += 1;
            }
        }
    }
    normalized
}

fn decode(path: &str) -> String {
    percent_encoding::percent_decode_str(path)
        .decode_utf8_lossy()
        .into_owned()
}

/// A JSON value with every object's members in name order, so member order is no difference.
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(members) => {
            let mut members: Vec<(String, Value)> = members.into_iter().collect();
            members.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(
                members
                    .into_iter()
                    .map(|(name, member)| (name, sorted(member)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// One difference between what the generated code and the other implementation did.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Difference {
    /// The workflow id.
    pub(crate) workflow: String,
    /// The step the request belongs to (in the generated code's run), or `-` for the run.
    pub(crate) step: String,
    /// `outcome`, `requests`, or a request aspect (see [`aspects`]).
    pub(crate) aspect: String,
    /// What the generated code sent (`<none>` when it sent nothing there).
    pub(crate) ours: String,
    /// What roas-arazzo-executor sent.
    pub(crate) theirs: String,
}

/// Every difference between two request sequences. `steps` names the step of each request
/// the generated code sent, in order.
pub(crate) fn compare(
    workflow: &str,
    steps: &[&str],
    ours: &[Recorded],
    theirs: &[Recorded],
) -> Vec<Difference> {
    let mut differences = Vec::new();
    let mut differ = |step: &str, aspect: &str, ours: Option<&String>, theirs: Option<&String>| {
        if ours != theirs {
            let none = "<none>".to_owned();
            differences.push(Difference {
                workflow: workflow.to_owned(),
                step: step.to_owned(),
                aspect: aspect.to_owned(),
                ours: ours.unwrap_or(&none).clone(),
                theirs: theirs.unwrap_or(&none).clone(),
            });
        }
    };
    if ours.len() != theirs.len() {
        let sequence = |sent: &[Recorded]| {
            sent.iter()
                .map(|request| format!("{} {}", request.method, decode(&request.path)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        differ(
            "-",
            "requests",
            Some(&sequence(ours)),
            Some(&sequence(theirs)),
        );
    }
    for (index, (ours, theirs)) in ours.iter().zip(theirs).enumerate() {
        let step = steps.get(index).copied().unwrap_or("?");
        let (ours, theirs) = (aspects(ours), aspects(theirs));
        let mut names: Vec<&String> = ours.keys().chain(theirs.keys()).collect();
        names.sort();
        names.dedup();
        for name in names {
            differ(step, name, ours.get(name), theirs.get(name));
        }
    }
    differences
}
