//! `--format json`: one JSON object per diagnostic, one per line (JSON Lines, as rustc's
//! `--error-format=json`), so a consumer can stream them. The shape is documented in the
//! README ("Output formats").

use arazzo_codegen::{Diagnostic, Location};
use serde_json::{Value, json};

/// One diagnostic of `document` as a JSON object.
pub fn diagnostic(document: &str, d: &Diagnostic) -> Value {
    json!({
        "document": document,
        "code": d.code,
        "severity": d.severity.to_string(),
        "message": d.message,
        "location": d.location.as_ref().map(location),
        "label": d.label,
        "secondary": d.secondary.iter().map(|l| json!({
            "location": l.location.as_ref().map(location),
            "text": l.text,
        })).collect::<Vec<_>>(),
        "help": d.help,
        "notes": d.notes,
    })
}

/// A location as `{path, line, column, end_line, end_column}` (1-based; the end is one past
/// the last character).
pub fn location(l: &Location) -> Value {
    json!({
        "path": l.path,
        "line": l.line,
        "column": l.column,
        "end_line": l.end_line,
        "end_column": l.end_column,
    })
}

/// Every diagnostic of `results`, one compact JSON object per line.
pub fn render(results: &[super::DocumentResult]) -> String {
    let mut out = String::new();
    for r in results {
        for d in &r.diagnostics {
            out.push_str(&diagnostic(&r.document, d).to_string());
            out.push('\n');
        }
    }
    out
}
