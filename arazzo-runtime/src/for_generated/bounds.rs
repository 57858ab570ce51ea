//! Cheap, linear pre-checks that keep a criterion's evaluation cost bounded whatever the
//! response holds: the engines (`sxd-document`, `serde_json_path`) have no limits of their own,
//! and a deeply nested document can make a parser recurse or an evaluation go quadratic.

#[cfg(any(feature = "xpath", feature = "xpath31"))]
/// The deepest XML element nesting an `xpath` criterion evaluates.
pub(crate) const MAX_XML_DEPTH: usize = 256;
#[cfg(any(feature = "xpath", feature = "xpath31"))]
/// The most XML elements an `xpath` criterion evaluates.
pub(crate) const MAX_XML_ELEMENTS: usize = 200_000;
/// The most JSON values (objects, arrays and scalars) a `jsonpath` criterion evaluates.
#[cfg(feature = "jsonpath")]
pub(crate) const MAX_JSON_NODES: usize = 1_000_000;

#[cfg(any(feature = "xpath", feature = "xpath31"))]
/// Whether `xml` stays within [`MAX_XML_DEPTH`] and [`MAX_XML_ELEMENTS`]. One pass over the
/// bytes; markup it does not understand only makes it count conservatively (the parser decides
/// what is well-formed).
pub(crate) fn xml_within_bounds(xml: &str) -> bool {
    let bytes = xml.as_bytes();
    let mut depth = 0usize;
    let mut elements = 0usize;
    let mut at = 0;
    while let Some(offset) = memchr(b'<', &bytes[at..]) {
        at += offset + 1;
        let rest = &bytes[at..];
        let skip_to = |end: &[u8]| find(rest, end).map(|i| i + end.len());
        let consumed = match rest.first() {
            Some(b'!') if rest.starts_with(b"!--") => skip_to(b"-->"),
            Some(b'!') if rest.starts_with(b"![CDATA[") => skip_to(b"]]>"),
            Some(b'!') => skip_tag(rest),
            Some(b'?') => skip_to(b"?>"),
            Some(b'/') => {
                depth = depth.saturating_sub(1);
                skip_tag(rest)
            }
            _ => {
                let end = skip_tag(rest);
                let self_closing = end.is_some_and(|e| e >= 2 && rest[e - 2] == b'/');
                elements += 1;
                if !self_closing {
                    depth += 1;
                }
                end
            }
        };
        if depth > MAX_XML_DEPTH || elements > MAX_XML_ELEMENTS {
            return false;
        }
        match consumed {
            Some(n) => at += n,
            None => break,
        }
    }
    true
}

#[cfg(any(feature = "xpath", feature = "xpath31"))]
/// The length of a tag's rest up to and including its `>`, quotes respected.
fn skip_tag(rest: &[u8]) -> Option<usize> {
    let mut quote = None;
    for (i, &b) in rest.iter().enumerate() {
        match (quote, b) {
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(b),
            (None, b'>') => return Some(i + 1),
            _ => {}
        }
    }
    None
}

#[cfg(any(feature = "xpath", feature = "xpath31"))]
fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|&b| b == needle)
}

#[cfg(any(feature = "xpath", feature = "xpath31"))]
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Whether `value` has at most [`MAX_JSON_NODES`] values, counted without recursion and
/// stopping at the limit.
#[cfg(feature = "jsonpath")]
pub(crate) fn json_within_bounds(value: &serde_json::Value) -> bool {
    use serde_json::Value;
    let mut pending = vec![value];
    let mut count = 0usize;
    while let Some(value) = pending.pop() {
        count += 1;
        if count > MAX_JSON_NODES {
            return false;
        }
        match value {
            Value::Array(items) => pending.extend(items),
            Value::Object(members) => pending.extend(members.values()),
            _ => {}
        }
    }
    true
}

#[cfg(all(test, feature = "xpath"))]
mod tests {
    use super::*;

    #[test]
    fn depth_and_element_counts() {
        assert!(xml_within_bounds(
            r#"<?xml version="1.0"?><!-- <x><x> --><a b="1>2"><b/><c><![CDATA[<d><d>]]></c></a>"#
        ));
        let deep = |n: usize| format!("{}{}", "<a>".repeat(n), "</a>".repeat(n));
        assert!(xml_within_bounds(&deep(MAX_XML_DEPTH)));
        assert!(!xml_within_bounds(&deep(MAX_XML_DEPTH + 1)));
        let wide = format!("<r>{}</r>", "<i/>".repeat(MAX_XML_ELEMENTS));
        assert!(!xml_within_bounds(&wide));
        // Siblings do not add up to depth.
        assert!(xml_within_bounds(&format!(
            "<r>{}</r>",
            "<i>x</i>".repeat(1000)
        )));
    }
}
