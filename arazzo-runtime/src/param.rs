//! How typed values become the text of path, query, header and cookie parameters.

use std::borrow::Cow;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::Secret;

/// A value that can stand in a parameter. Strings are sent as they are, numbers and booleans
/// in their JSON spelling, and a JSON value as its string content (a JSON string) or its JSON
/// text (anything else), which is what OpenAPI's default styles send for primitives.
pub trait ParamValue {
    /// The parameter text, before any percent-encoding.
    fn to_param(&self) -> Cow<'_, str>;
}

impl ParamValue for str {
    fn to_param(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl ParamValue for String {
    fn to_param(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl<T: ParamValue + ?Sized> ParamValue for &T {
    fn to_param(&self) -> Cow<'_, str> {
        (**self).to_param()
    }
}

impl<T: ParamValue> ParamValue for Secret<T> {
    fn to_param(&self) -> Cow<'_, str> {
        self.expose().to_param()
    }
}

macro_rules! display_param {
    ($($t:ty),*) => {$(
        impl ParamValue for $t {
            fn to_param(&self) -> Cow<'_, str> {
                Cow::Owned(self.to_string())
            }
        }
    )*};
}
display_param!(i32, i64, u16, u32, u64, f64, bool);

/// An absent optional value in a template or body reads as empty text; as a parameter it is
/// left out entirely (generated code uses `query_opt` and friends for that).
impl<T: ParamValue> ParamValue for Option<T> {
    fn to_param(&self) -> Cow<'_, str> {
        match self {
            Some(v) => v.to_param(),
            None => Cow::Borrowed(""),
        }
    }
}

impl ParamValue for serde_json::Value {
    fn to_param(&self) -> Cow<'_, str> {
        match self {
            serde_json::Value::String(s) => Cow::Borrowed(s),
            serde_json::Value::Null => Cow::Borrowed(""),
            other => Cow::Owned(other.to_string()),
        }
    }
}

/// A value as JSON, for payloads and conditions. The types generated code passes (strings,
/// numbers, vectors, JSON values, generated structs) always serialise; anything that could not
/// becomes `null` rather than a panic.
pub fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

/// `$inputs.x#/pointer`: the value at a JSON pointer inside a typed value, `null` if absent.
pub fn json_at<T: serde::Serialize + ?Sized>(value: &T, pointer: &str) -> serde_json::Value {
    to_json(value)
        .pointer(pointer)
        .cloned()
        .unwrap_or(serde_json::Value::Null)
}

/// Characters a path segment keeps as they are: RFC 3986 unreserved characters.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes a value for one path segment (`/` and `?` included, so a value cannot
/// change the path's shape).
pub fn path_segment(value: impl ParamValue) -> String {
    utf8_percent_encode(&value.to_param(), PATH_SEGMENT).to_string()
}

/// Joins array items for the `simple` and `form` (non-exploded) styles: `a,b,c`.
pub fn join<I, V>(items: I, separator: &str) -> String
where
    I: IntoIterator<Item = V>,
    V: ParamValue,
{
    let mut out = String::new();
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push_str(separator);
        }
        out.push_str(&item.to_param());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_cannot_escape_their_segment() {
        assert_eq!(path_segment("a b/c?d"), "a%20b%2Fc%3Fd");
        assert_eq!(path_segment("hub_1.x-y~"), "hub_1.x-y~");
        assert_eq!(path_segment(42i64), "42");
    }

    #[test]
    fn json_values_send_strings_bare() {
        assert_eq!(serde_json::json!("x").to_param(), "x");
        assert_eq!(serde_json::json!(1.5).to_param(), "1.5");
        assert_eq!(serde_json::json!(true).to_param(), "true");
    }

    #[test]
    fn pointers_into_typed_values() {
        let v = serde_json::json!({"a": {"b": [1, 2]}});
        assert_eq!(json_at(&v, "/a/b/1"), serde_json::json!(2));
        assert_eq!(json_at(&v, "/missing"), serde_json::Value::Null);
        assert_eq!(to_json(&vec!["x"]), serde_json::json!(["x"]));
    }

    #[test]
    fn absent_options_read_as_empty() {
        assert_eq!(None::<String>.to_param(), "");
        assert_eq!(Some(5i64).to_param(), "5");
    }

    #[test]
    fn join_uses_the_separator() {
        assert_eq!(join(["a", "b", "c"], ","), "a,b,c");
        assert_eq!(join(Vec::<String>::new(), ","), "");
    }
}
