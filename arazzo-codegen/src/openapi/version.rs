//! Which OpenAPI version a document declares.

use std::fmt;

use serde_json::Value;

use crate::diagnostic::Diagnostic;

/// The OpenAPI minor versions this crate reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Version {
    /// OpenAPI 3.0.x (JSON Schema subset with `nullable`).
    V3_0,
    /// OpenAPI 3.1.x (JSON Schema 2020-12).
    V3_1,
    /// OpenAPI 3.2.x (adds the `query` method and `additionalOperations`).
    V3_2,
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Version::V3_0 => "3.0",
            Version::V3_1 => "3.1",
            Version::V3_2 => "3.2",
        })
    }
}

/// Reads `openapi` (or recognises `swagger`) at the root. The error says what the document is,
/// carries a help line, and comes with the pointer of the field it is about.
pub(crate) fn detect(root: &Value) -> Result<Version, Box<(Diagnostic, &'static str)>> {
    let Some(map) = root.as_object() else {
        return Err(Box::new((
            Diagnostic::error(
                "invalid-openapi",
                "not an OpenAPI document: the top level is not a mapping",
            )
            .help("an OpenAPI description starts with `openapi: 3.1.0` and has `info` and `paths`"),
            "",
        )));
    };
    if let Some(swagger) = map.get("swagger") {
        return Err(Box::new((Diagnostic::error(
            "unsupported-openapi-version",
            format!(
                "Swagger {} (OpenAPI 2.0) is not supported: only OpenAPI 3.0, 3.1 and 3.2 are",
                scalar(swagger)
            ),
        )
        .label("Swagger 2.0 document")
        .help("convert the description to OpenAPI 3.x (for example with swagger2openapi or the Swagger Editor's \"Convert to OpenAPI 3\")"), "/swagger")));
    }
    let Some(declared) = map.get("openapi") else {
        return Err(Box::new((Diagnostic::error(
            "invalid-openapi",
            "not an OpenAPI document: no `openapi` field at the top level",
        )
        .help("an OpenAPI description starts with `openapi: 3.1.0`; check that the source URL names the OpenAPI file, not another document"), "")));
    };
    let text = scalar(declared);
    let mut parts = text.split('.');
    match (parts.next(), parts.next()) {
        (Some("3"), Some("0")) => Ok(Version::V3_0),
        (Some("3"), Some("1")) => Ok(Version::V3_1),
        (Some("3"), Some("2")) => Ok(Version::V3_2),
        _ => Err(Box::new((Diagnostic::error(
            "unsupported-openapi-version",
            format!("OpenAPI version `{text}` is not supported: only OpenAPI 3.0, 3.1 and 3.2 are"),
        )
        .label("unsupported version")
        .help("declare `openapi: 3.0.x`, `3.1.x` or `3.2.x` (quoted in YAML, e.g. `openapi: \"3.1.0\"`)"), "/openapi"))),
    }
}

/// A version field as written: YAML may have parsed `3.0` or `2.0` as a number.
fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
