//! How typed values become the text of path, query, header and cookie parameters.

use std::borrow::Cow;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::Secret;
// Security types live with the client that holds credentials; they are reachable here so
// that generated code (and users) can name them.

/// A value that can stand in a parameter. Strings are sent as they are, numbers and booleans
/// in their JSON spelling, and a JSON value as its string content (a JSON string) or its JSON
/// text (anything else), which is what OpenAPI's default styles send for primitives.
pub trait ParamValue {
    /// The parameter text, before any percent-encoding.
    fn to_param(&self) -> Cow<'_, str>;

    /// The parameter text, owned: a `String` passed by value is kept as it is, so a header
    /// built by generated code (`Bearer <token>`) becomes a header value without a copy.
    fn into_text(self) -> String
    where
        Self: Sized,
    {
        self.to_param().into_owned()
    }
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

    fn into_text(self) -> String {
        self
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

/// An array with no declared style (a header or cookie the operation does not describe, such
/// as `Accept`): OpenAPI's default `simple` style, items joined with `,`.
impl<T: ParamValue> ParamValue for Vec<T> {
    fn to_param(&self) -> Cow<'_, str> {
        Cow::Owned(join(self, ","))
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

/// A JSON object from its members, in order (a later member of the same name wins, as with
/// repeated inserts).
pub fn object<const N: usize>(members: [(&str, serde_json::Value); N]) -> serde_json::Value {
    serde_json::Value::Object(
        members
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value))
            .collect(),
    )
}

/// The JSON text of a value, for parameters described by `content: {application/json: ...}`
/// (`{"a":1}`, `["x"]`, `"text"` with its quotes).
pub fn json_text<T: serde::Serialize + ?Sized>(value: &T) -> String {
    to_json(value).to_string()
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

/// Form-urlencodes a value interpolated into a form query string (`in: querystring` with
/// `application/x-www-form-urlencoded` content, `"q={$inputs.q}&n=1"`), so that `&`, `=`,
/// `+` and `%` in the value stay inside its pair rather than starting new ones.
pub fn form_component<T: ParamValue + ?Sized>(value: &T) -> String {
    url::form_urlencoded::byte_serialize(value.to_param().as_bytes()).collect()
}

/// Escapes a value interpolated into a JSON query string (`in: querystring` with JSON content,
/// `{"name":"{$inputs.name}"}`) as the inside of a JSON string, so that a `"` or `\\` in the
/// value cannot end the string or break the document. (The whole query is percent-encoded
/// afterwards, as any non-form query string is.)
pub fn json_component<T: ParamValue + ?Sized>(value: &T) -> String {
    let quoted = serde_json::Value::String(value.to_param().into_owned()).to_string();
    quoted
        .strip_prefix('"')
        .and_then(|inner| inner.strip_suffix('"'))
        .unwrap_or_default()
        .to_owned()
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

/// An OpenAPI parameter `style`, for values serialised through [`path_styled`] and
/// [`Request::query_styled`](crate::Request::query_styled).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `simple` (path, header): `blue`, `blue,black`, `R,100,G,200` / `R=100,G=200`.
    Simple,
    /// `label` (path): `.blue`, `.blue,black` / `.blue.black`, `.R,100` / `.R=100.G=200`.
    Label,
    /// `matrix` (path): `;color=blue`, `;color=blue,black` / `;color=blue;color=black`.
    Matrix,
    /// `form` (query, cookie): `color=blue,black` / `color=blue&color=black`, objects
    /// `color=R,100,G,200` / `R=100&G=200`.
    Form,
    /// `spaceDelimited` (query): `color=blue%20black`.
    SpaceDelimited,
    /// `pipeDelimited` (query): `color=blue|black`.
    PipeDelimited,
    /// `deepObject` (query): `color[R]=100&color[G]=200`.
    DeepObject,
}

/// A JSON value flattened the way RFC 6570 expands variables: nothing, one string, a list,
/// or name/value pairs. Nested arrays and objects inside become their JSON text.
pub(crate) enum Flat<'a> {
    /// `null`: the parameter is left out.
    Absent,
    /// A string, number or boolean.
    One(Cow<'a, str>),
    /// An array's items.
    List(Vec<Cow<'a, str>>),
    /// An object's members, in order.
    Pairs(Vec<(&'a str, Cow<'a, str>)>),
}

pub(crate) fn flatten(value: &serde_json::Value) -> Flat<'_> {
    match value {
        serde_json::Value::Null => Flat::Absent,
        serde_json::Value::Array(items) => Flat::List(items.iter().map(|i| i.to_param()).collect()),
        serde_json::Value::Object(members) => Flat::Pairs(
            members
                .iter()
                .map(|(k, v)| (k.as_str(), v.to_param()))
                .collect(),
        ),
        other => Flat::One(other.to_param()),
    }
}

/// Joins `pairs` as `k{inner}v{outer}k{inner}v`, each name and value passed through `enc`.
pub(crate) fn join_pairs(
    pairs: &[(&str, Cow<'_, str>)],
    inner: &str,
    outer: &str,
    enc: impl Fn(&str) -> String,
) -> String {
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push_str(outer);
        }
        out.push_str(&enc(k));
        out.push_str(inner);
        out.push_str(&enc(v));
    }
    out
}

pub(crate) fn join_list(items: &[Cow<'_, str>], sep: &str, enc: impl Fn(&str) -> String) -> String {
    items.iter().map(|i| enc(i)).collect::<Vec<_>>().join(sep)
}

fn seg(text: &str) -> String {
    utf8_percent_encode(text, PATH_SEGMENT).to_string()
}

/// A path parameter in the `simple`, `label` or `matrix` style (other styles are sent as
/// `simple`), percent-encoded: each name and value is encoded on its own, so the delimiters
/// stay literal and a value cannot add segments. `value` is the parameter as JSON
/// ([`to_json`]); `name` is used by `matrix`.
pub fn path_styled(style: Style, explode: bool, name: &str, value: &serde_json::Value) -> String {
    let flat = flatten(value);
    let name = seg(name);
    match style {
        Style::Label => {
            let body = match &flat {
                Flat::Absent => String::new(),
                Flat::One(v) => seg(v),
                Flat::List(items) => join_list(items, if explode { "." } else { "," }, seg),
                Flat::Pairs(pairs) if explode => join_pairs(pairs, "=", ".", seg),
                Flat::Pairs(pairs) => join_pairs(pairs, ",", ",", seg),
            };
            format!(".{body}")
        }
        Style::Matrix => match &flat {
            Flat::Absent => format!(";{name}"),
            Flat::One(v) if v.is_empty() => format!(";{name}"),
            Flat::One(v) => format!(";{name}={}", seg(v)),
            Flat::List(items) if explode => items
                .iter()
                .map(|i| format!(";{name}={}", seg(i)))
                .collect(),
            Flat::List(items) => format!(";{name}={}", join_list(items, ",", seg)),
            Flat::Pairs(pairs) if explode => format!(";{}", join_pairs(pairs, "=", ";", seg)),
            Flat::Pairs(pairs) => format!(";{name}={}", join_pairs(pairs, ",", ",", seg)),
        },
        _ => match &flat {
            Flat::Absent => String::new(),
            Flat::One(v) => seg(v),
            Flat::List(items) => join_list(items, ",", seg),
            Flat::Pairs(pairs) if explode => join_pairs(pairs, "=", ",", seg),
            Flat::Pairs(pairs) => join_pairs(pairs, ",", ",", seg),
        },
    }
}

/// A header value in the `simple` style (`blue,black`, `R,100,G,200` / `R=100,G=200`);
/// `None` for `null` (an absent optional value: no header).
pub fn simple(value: &serde_json::Value, explode: bool) -> Option<String> {
    let plain = |s: &str| s.to_owned();
    Some(match flatten(value) {
        Flat::Absent => return None,
        Flat::One(v) => v.into_owned(),
        Flat::List(items) => join_list(&items, ",", plain),
        Flat::Pairs(pairs) if explode => join_pairs(&pairs, "=", ",", plain),
        Flat::Pairs(pairs) => join_pairs(&pairs, ",", ",", plain),
    })
}

/// One part of a `multipart/form-data` body.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    /// A text part (no `Content-Type`, which RFC 7578 reads as `text/plain`).
    Text(String),
    /// A JSON part, sent with `Content-Type: application/json`.
    Json(serde_json::Value),
}

impl Part {
    /// A text part holding `value`'s parameter text.
    pub fn text(value: impl ParamValue) -> Self {
        Part::Text(value.to_param().into_owned())
    }

    /// A part for a typed value: strings as text, everything else as JSON.
    pub fn value<T: serde::Serialize + ?Sized>(value: &T) -> Self {
        match to_json(value) {
            serde_json::Value::String(s) => Part::Text(s),
            other => Part::Json(other),
        }
    }
}

/// Sets the value at JSON pointer `target` in `doc` (an Arazzo payload replacement): an
/// existing member or item is replaced, a new member of an existing object is added. Fails,
/// naming the pointer, when the parent is not there. A target starting with `$` is an RFC 9535
/// JSONPath query (feature `jsonpath`): every node it selects is replaced, and one that
/// selects none fails.
pub fn replace(
    doc: &mut serde_json::Value,
    target: &str,
    value: serde_json::Value,
) -> Result<(), String> {
    #[cfg(feature = "jsonpath")]
    if target.starts_with('$') {
        let selects_nothing =
            || format!("replacement target `{target}` selects nothing in the payload");
        let path = super::criteria::parsed_query_text(target).ok_or_else(selects_nothing)?;
        let pointers: Vec<String> = path
            .query_located(doc)
            .locations()
            .map(|l| l.to_json_pointer())
            .collect();
        if pointers.is_empty() {
            return Err(selects_nothing());
        }
        for pointer in pointers {
            replace_at(doc, &pointer, value.clone(), target)?;
        }
        return Ok(());
    }
    replace_at(doc, target, value, target)
}

/// [`replace`] at the JSON pointer `pointer`; errors name `target`, as written.
fn replace_at(
    doc: &mut serde_json::Value,
    pointer: &str,
    value: serde_json::Value,
    target: &str,
) -> Result<(), String> {
    let missing = || format!("the payload has no place for replacement target `{target}`");
    if pointer.is_empty() {
        *doc = value;
        return Ok(());
    }
    let (parent, last) = pointer.rsplit_once('/').ok_or_else(missing)?;
    let last = last.replace("~1", "/").replace("~0", "~");
    match doc.pointer_mut(parent).ok_or_else(missing)? {
        serde_json::Value::Object(members) => {
            members.insert(last, value);
            Ok(())
        }
        serde_json::Value::Array(items) => {
            let slot = last
                .parse::<usize>()
                .ok()
                .and_then(|i| items.get_mut(i))
                .ok_or_else(missing)?;
            *slot = value;
            Ok(())
        }
        _ => Err(missing()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_keeps_member_order() {
        let v = object([
            ("b", serde_json::json!(1)),
            ("a", serde_json::json!({"c": null})),
        ]);
        assert_eq!(v.to_string(), r#"{"b":1,"a":{"c":null}}"#);
    }

    #[test]
    fn json_components_stay_inside_their_json_string() {
        assert_eq!(json_component("plain"), "plain");
        assert_eq!(json_component(r#"a "b" \ c"#), r#"a \"b\" \\ c"#);
        assert_eq!(json_component("line\nbreak\u{1}"), r"line\nbreak\u0001");
        assert_eq!(json_component(&42i64), "42");
    }

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

    fn color(kind: &str) -> serde_json::Value {
        match kind {
            "string" => serde_json::json!("blue"),
            "array" => serde_json::json!(["blue", "black", "brown"]),
            _ => serde_json::json!({"R": 100, "G": 200, "B": 150}),
        }
    }

    /// The OpenAPI 3.1 "Style Examples" table, path styles (label arrays as RFC 6570 and
    /// OpenAPI 3.1.1 write them).
    #[test]
    fn path_styles_match_the_openapi_table() {
        let cases = [
            (Style::Simple, false, "string", "blue"),
            (Style::Simple, false, "array", "blue,black,brown"),
            (Style::Simple, false, "object", "R,100,G,200,B,150"),
            (Style::Simple, true, "object", "R=100,G=200,B=150"),
            (Style::Label, false, "string", ".blue"),
            (Style::Label, false, "array", ".blue,black,brown"),
            (Style::Label, true, "array", ".blue.black.brown"),
            (Style::Label, false, "object", ".R,100,G,200,B,150"),
            (Style::Label, true, "object", ".R=100.G=200.B=150"),
            (Style::Matrix, false, "string", ";color=blue"),
            (Style::Matrix, false, "array", ";color=blue,black,brown"),
            (
                Style::Matrix,
                true,
                "array",
                ";color=blue;color=black;color=brown",
            ),
            (Style::Matrix, false, "object", ";color=R,100,G,200,B,150"),
            (Style::Matrix, true, "object", ";R=100;G=200;B=150"),
        ];
        for (style, explode, kind, want) in cases {
            assert_eq!(
                path_styled(style, explode, "color", &color(kind)),
                want,
                "{style:?} explode={explode} {kind}"
            );
        }
        assert_eq!(
            path_styled(Style::Matrix, false, "color", &serde_json::Value::Null),
            ";color"
        );
        assert_eq!(
            path_styled(Style::Label, false, "color", &serde_json::json!("a/b")),
            ".a%2Fb"
        );
    }

    #[test]
    fn simple_headers_and_absent_values() {
        assert_eq!(simple(&color("object"), true).unwrap(), "R=100,G=200,B=150");
        assert_eq!(simple(&color("array"), false).unwrap(), "blue,black,brown");
        assert_eq!(simple(&serde_json::Value::Null, false), None);
    }

    #[test]
    fn replacements_set_members_and_items_and_refuse_missing_parents() {
        let mut doc = serde_json::json!({"a": {"b": 1}, "list": [1, 2]});
        replace(&mut doc, "/a/b", serde_json::json!(2)).unwrap();
        replace(&mut doc, "/a/c~1d", serde_json::json!("new")).unwrap();
        replace(&mut doc, "/list/1", serde_json::json!(9)).unwrap();
        assert_eq!(
            doc,
            serde_json::json!({"a": {"b": 2, "c/d": "new"}, "list": [1, 9]})
        );
        let err = replace(&mut doc, "/x/y", serde_json::json!(1)).unwrap_err();
        assert!(err.contains("`/x/y`"), "{err}");
        assert!(replace(&mut doc, "/list/5", serde_json::json!(1)).is_err());
    }

    #[cfg(feature = "jsonpath")]
    #[test]
    fn a_jsonpath_target_replaces_every_node_it_selects_or_fails() {
        let mut doc = serde_json::json!({"name": "a", "pets": [{"name": "b"}, {"age": 1}]});
        replace(&mut doc, "$..name", serde_json::json!("x")).unwrap();
        assert_eq!(
            doc,
            serde_json::json!({"name": "x", "pets": [{"name": "x"}, {"age": 1}]})
        );
        let err = replace(&mut doc, "$.pets[?@.age > 5]", serde_json::json!(0)).unwrap_err();
        assert!(err.contains("selects nothing"), "{err}");
    }

    #[test]
    fn parts_keep_strings_as_text() {
        assert_eq!(Part::value("x"), Part::Text("x".into()));
        assert_eq!(Part::value(&vec![1]), Part::Json(serde_json::json!([1])));
        assert_eq!(Part::text(5i64), Part::Text("5".into()));
    }

    #[test]
    fn join_uses_the_separator() {
        assert_eq!(join(["a", "b", "c"], ","), "a,b,c");
        assert_eq!(join(Vec::<String>::new(), ","), "");
    }
}
