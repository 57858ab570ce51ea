//! Which language a criterion's `condition` is written in: the Criterion Object's `type`.
//!
//! `type` is absent (`simple`), one of the strings `simple`, `regex`, `jsonpath`, `xpath`, or a
//! Criterion Expression Type Object `{type: jsonpath|xpath, version: ...}`. What each selects:
//!
//! | `type` | evaluated as |
//! | --- | --- |
//! | absent, `simple` | our simple-condition grammar ([`super::condition`]) |
//! | `regex` | the `regex` crate's syntax ([`super::regex`]) |
//! | `jsonpath`, `{jsonpath, rfc9535}` | RFC 9535 JSONPath ([`super::jsonpath`]) |
//! | `{jsonpath, draft-goessner-dispatch-jsonpath-00}` | RFC 9535, with a warning: queries in the common subset (`$.a[0]`, `$[?(@.x == 1)]`, `$..id`) read the same; script expressions do not parse and are build errors |
//! | `xpath`, `{xpath, xpath-10}` | XPath 1.0 ([`super::xpath`]) |
//! | `{xpath, xpath-31}`, `xpath` in an Arazzo 1.1 document | XPath 3.1 ([`super::xpath31`], compiled by `xee-xpath`; this crate's `xpath31` feature) |
//! | `{xpath, xpath-20 / xpath-30}` | build error: no engine we use honours them exactly |
//!
//! Arazzo 1.0.1 names XPath 3.1 as what a plain `type: xpath` means. In a 1.0 document we
//! evaluate it as XPath 1.0, as this generator always has: the paths, predicates, comparisons
//! and core functions that 1.0 has mean the same in 3.1, and an expression using anything
//! newer fails to parse, so it is a build error rather than a silently different answer. In a
//! 1.1 document (`check::step`) a plain `xpath` is XPath 3.1, as the Expression Type Object
//! says. `rfc9535` and `xpath-31` are Arazzo 1.1 version names, accepted the same way in 1.0.

use serde_json::Value;

use crate::suggest::{closest, one_of, similar};

/// The language of a criterion's condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CriterionKind {
    /// Our simple-condition grammar (`$statusCode == 200`).
    Simple,
    /// A regular expression in the `regex` crate's syntax, matched anywhere in the context text.
    Regex,
    /// An RFC 9535 JSONPath query; passes when it selects at least one node of the context.
    JsonPath,
    /// An XPath 1.0 expression over the context XML; passes when its value is true
    /// (boolean true, a non-empty node-set, a non-zero number, a non-empty string).
    XPath,
    /// An XPath 3.1 expression over the context XML; passes when its effective boolean value
    /// is true (a non-empty node sequence, `true`, a non-zero number, a non-empty string).
    XPath31,
}

/// The criterion types a `type` string may name.
const TYPES: [&str; 4] = ["simple", "regex", "jsonpath", "xpath"];
/// The fields of a Criterion Expression Type Object.
const FIELDS: [&str; 2] = ["type", "version"];
/// JSONPath versions in Arazzo 1.0.1 (`draft-goessner-...`) and 1.1 (`rfc9535`).
const JSONPATH_VERSIONS: [&str; 2] = ["rfc9535", "draft-goessner-dispatch-jsonpath-00"];
/// XPath versions in Arazzo 1.0.1 (`xpath-10/20/30`) and 1.1 (`xpath-31`).
const XPATH_VERSIONS: [&str; 4] = ["xpath-10", "xpath-20", "xpath-30", "xpath-31"];

/// A build error: the message, and a help line when a fix can be named.
pub(crate) type KindError = (String, Option<String>);

/// Reads a Criterion Object's `type` field (absent or `null` → [`CriterionKind::Simple`]).
///
/// Errors name what is wrong with unknown types, malformed expression type objects, unknown
/// versions, and versions that are valid Arazzo but not implemented (`xpath-20`, `xpath-30`).
pub(crate) fn kind(type_field: Option<&Value>) -> Result<CriterionKind, KindError> {
    match type_field {
        None | Some(Value::Null) => Ok(CriterionKind::Simple),
        Some(Value::String(name)) => from_name(name),
        Some(Value::Object(object)) => from_object(object),
        Some(other) => Err((
            format!(
                "criterion `type` must be a string or a criterion expression type object, not {}",
                json_kind(other)
            ),
            Some(format!(
                "write {}, or `{{type: jsonpath, version: rfc9535}}`",
                one_of(&TYPES)
            )),
        )),
    }
}

fn from_name(name: &str) -> Result<CriterionKind, KindError> {
    match name {
        "simple" => Ok(CriterionKind::Simple),
        "regex" => Ok(CriterionKind::Regex),
        "jsonpath" => Ok(CriterionKind::JsonPath),
        "xpath" => Ok(CriterionKind::XPath),
        "jsonpointer" => Err(jsonpointer_error()),
        _ => Err((
            format!("unknown criterion type `{name}`"),
            Some(suggest(name, &TYPES, "criterion types")),
        )),
    }
}

fn from_object(object: &serde_json::Map<String, Value>) -> Result<CriterionKind, KindError> {
    if let Some(key) = object
        .keys()
        .find(|k| !k.starts_with("x-") && !FIELDS.contains(&k.as_str()))
    {
        let help = match similar(key, &FIELDS).first() {
            Some(best) => format!("did you mean `{best}`? (extensions must start with `x-`)"),
            None => format!(
                "the fields of a criterion expression type object are {}; extensions must start with `x-`",
                one_of(&FIELDS)
            ),
        };
        return Err((
            format!("unknown field `{key}` in criterion expression type object"),
            Some(help),
        ));
    }
    let kind = required_string(object, "type", "`jsonpath` or `xpath`")?;
    let version = required_string(object, "version", "e.g. `rfc9535` or `xpath-10`")?;
    match kind {
        "jsonpath" => jsonpath_version(version),
        "xpath" => xpath_version(version),
        "simple" | "regex" => Err((
            format!("criterion type `{kind}` has no versions"),
            Some(format!(
                "write `type: {kind}`; only `jsonpath` and `xpath` take an expression type object"
            )),
        )),
        "jsonpointer" => Err(jsonpointer_error()),
        _ => Err((
            format!("unknown expression type `{kind}` in criterion expression type object"),
            Some(suggest(kind, &["jsonpath", "xpath"], "expression types")),
        )),
    }
}

/// Whether the `type` names the Goessner JSONPath draft (evaluated as RFC 9535, with a warning).
pub(crate) fn is_goessner(type_field: Option<&Value>) -> bool {
    type_field
        .and_then(|t| t.get("version"))
        .and_then(Value::as_str)
        == Some("draft-goessner-dispatch-jsonpath-00")
}

fn jsonpath_version(version: &str) -> Result<CriterionKind, KindError> {
    match version {
        "rfc9535" => Ok(CriterionKind::JsonPath),
        // Evaluated as RFC 9535 (the caller warns): the public documents that name this draft
        // use its common subset with RFC 9535, and a script expression does not parse there.
        "draft-goessner-dispatch-jsonpath-00" => Ok(CriterionKind::JsonPath),
        _ => Err((
            format!("unknown JSONPath version `{version}`"),
            Some(suggest(version, &JSONPATH_VERSIONS, "JSONPath versions")),
        )),
    }
}

fn xpath_version(version: &str) -> Result<CriterionKind, KindError> {
    match version {
        "xpath-10" => Ok(CriterionKind::XPath),
        "xpath-31" => Ok(CriterionKind::XPath31),
        "xpath-20" | "xpath-30" => Err((
            format!(
                "XPath version `{version}` is not supported: no engine here honours it exactly; XPath 1.0 (`xpath-10`) and XPath 3.1 (`xpath-31`) can be evaluated"
            ),
            Some(
                "write `version: xpath-31` (a superset of 2.0 and 3.0 in all but rare corner cases), or `version: xpath-10`"
                    .into(),
            ),
        )),
        _ => Err((
            format!("unknown XPath version `{version}`"),
            Some(suggest(version, &XPATH_VERSIONS, "XPath versions")),
        )),
    }
}

fn required_string<'a>(
    object: &'a serde_json::Map<String, Value>,
    field: &str,
    expected: &str,
) -> Result<&'a str, KindError> {
    match object.get(field) {
        Some(Value::String(s)) => Ok(s),
        None => Err((
            format!("criterion expression type object has no `{field}`"),
            Some(format!("add `{field}`: {expected}")),
        )),
        Some(other) => Err((
            format!(
                "`{field}` of a criterion expression type object must be a string, not {}",
                json_kind(other)
            ),
            Some(format!("write {expected}")),
        )),
    }
}

fn jsonpointer_error() -> KindError {
    (
        "`jsonpointer` is not a criterion type".into(),
        Some(
            "put the pointer in the context and compare with a simple condition, \
             e.g. `condition: $response.body#/status == 'ok'`"
                .into(),
        ),
    )
}

/// "did you mean" when something is close (case-insensitive first), else the full list.
fn suggest(wanted: &str, known: &[&str], what: &str) -> String {
    match closest(wanted, known) {
        Some(best) => format!("did you mean `{best}`?"),
        None => format!("the {what} are {}", one_of(known)),
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn err(v: Value) -> (String, Option<String>) {
        kind(Some(&v)).unwrap_err()
    }

    #[test]
    fn absent_and_strings() {
        assert_eq!(kind(None), Ok(CriterionKind::Simple));
        assert_eq!(kind(Some(&Value::Null)), Ok(CriterionKind::Simple));
        for (name, want) in [
            ("simple", CriterionKind::Simple),
            ("regex", CriterionKind::Regex),
            ("jsonpath", CriterionKind::JsonPath),
            ("xpath", CriterionKind::XPath),
        ] {
            assert_eq!(kind(Some(&json!(name))), Ok(want), "{name}");
        }
    }

    #[test]
    fn unknown_string_types_suggest() {
        let (message, help) = err(json!("Regex"));
        assert_eq!(message, "unknown criterion type `Regex`");
        assert_eq!(help.as_deref(), Some("did you mean `regex`?"));
        let (_, help) = err(json!("jsonpth"));
        assert_eq!(help.as_deref(), Some("did you mean `jsonpath`?"));
        let (message, help) = err(json!("sql"));
        assert_eq!(message, "unknown criterion type `sql`");
        assert_eq!(
            help.as_deref(),
            Some("the criterion types are `simple`, `regex`, `jsonpath` or `xpath`")
        );
    }

    #[test]
    fn other_json_kinds_are_errors() {
        for v in [json!(1), json!(true), json!(["regex"])] {
            let (message, help) = err(v);
            assert!(
                message.starts_with(
                    "criterion `type` must be a string or a criterion expression type object, not "
                ),
                "{message}"
            );
            assert!(help.is_some());
        }
    }

    #[test]
    fn every_jsonpath_version() {
        assert_eq!(
            kind(Some(&json!({"type": "jsonpath", "version": "rfc9535"}))),
            Ok(CriterionKind::JsonPath)
        );
        assert_eq!(
            kind(Some(
                &json!({"type": "jsonpath", "version": "draft-goessner-dispatch-jsonpath-00"})
            )),
            Ok(CriterionKind::JsonPath)
        );
        assert!(is_goessner(Some(
            &json!({"type": "jsonpath", "version": "draft-goessner-dispatch-jsonpath-00"})
        )));
        assert!(!is_goessner(Some(&json!("jsonpath"))));
        let (message, help) = err(json!({"type": "jsonpath", "version": "rfc-9535"}));
        assert_eq!(message, "unknown JSONPath version `rfc-9535`");
        assert_eq!(help.as_deref(), Some("did you mean `rfc9535`?"));
        let (_, help) = err(json!({"type": "jsonpath", "version": "2007"}));
        assert_eq!(
            help.as_deref(),
            Some("the JSONPath versions are `rfc9535` or `draft-goessner-dispatch-jsonpath-00`")
        );
    }

    #[test]
    fn every_xpath_version() {
        assert_eq!(
            kind(Some(&json!({"type": "xpath", "version": "xpath-10"}))),
            Ok(CriterionKind::XPath)
        );
        assert_eq!(
            kind(Some(&json!({"type": "xpath", "version": "xpath-31"}))),
            Ok(CriterionKind::XPath31)
        );
        for version in ["xpath-20", "xpath-30"] {
            let (message, help) = err(json!({"type": "xpath", "version": version}));
            assert_eq!(
                message,
                format!(
                    "XPath version `{version}` is not supported: no engine here honours it exactly; XPath 1.0 (`xpath-10`) and XPath 3.1 (`xpath-31`) can be evaluated"
                )
            );
            assert!(help.unwrap().starts_with("write `version: xpath-31`"));
        }
        let (message, help) = err(json!({"type": "xpath", "version": "XPath-10"}));
        assert_eq!(message, "unknown XPath version `XPath-10`");
        assert_eq!(help.as_deref(), Some("did you mean `xpath-10`?"));
        let (_, help) = err(json!({"type": "xpath", "version": "1.0"}));
        assert_eq!(
            help.as_deref(),
            Some("the XPath versions are `xpath-10`, `xpath-20`, `xpath-30` or `xpath-31`")
        );
    }

    #[test]
    fn malformed_expression_type_objects() {
        let (message, help) = err(json!({"version": "rfc9535"}));
        assert_eq!(message, "criterion expression type object has no `type`");
        assert_eq!(help.as_deref(), Some("add `type`: `jsonpath` or `xpath`"));
        let (message, _) = err(json!({"type": "jsonpath"}));
        assert_eq!(message, "criterion expression type object has no `version`");
        let (message, _) = err(json!({"type": "xpath", "version": 10}));
        assert_eq!(
            message,
            "`version` of a criterion expression type object must be a string, not a number"
        );
        let (message, help) = err(json!({"type": "xpath", "version": "xpath-10", "versoin": 1}));
        assert_eq!(
            message,
            "unknown field `versoin` in criterion expression type object"
        );
        assert_eq!(
            help.as_deref(),
            Some("did you mean `version`? (extensions must start with `x-`)")
        );
        assert_eq!(
            kind(Some(
                &json!({"type": "xpath", "version": "xpath-10", "x-note": "ok"})
            )),
            Ok(CriterionKind::XPath)
        );
    }

    #[test]
    fn expression_type_object_types() {
        let (message, help) = err(json!({"type": "regex", "version": "pcre"}));
        assert_eq!(message, "criterion type `regex` has no versions");
        assert_eq!(
            help.as_deref(),
            Some("write `type: regex`; only `jsonpath` and `xpath` take an expression type object")
        );
        let (message, _) = err(json!({"type": "jsonpointer", "version": "rfc6901"}));
        assert_eq!(message, "`jsonpointer` is not a criterion type");
        let (message, _) = err(json!("jsonpointer"));
        assert_eq!(message, "`jsonpointer` is not a criterion type");
        let (message, help) = err(json!({"type": "JSONPath", "version": "rfc9535"}));
        assert_eq!(
            message,
            "unknown expression type `JSONPath` in criterion expression type object"
        );
        assert_eq!(help.as_deref(), Some("did you mean `jsonpath`?"));
    }
}
