//! `--format sarif`: a SARIF 2.1.0 log (one run) that GitHub code scanning accepts: the tool
//! with one rule per code reported, and one result per diagnostic with its region and the
//! secondary labels as related locations. Paths stay relative (to `%SRCROOT%`, the directory
//! the command ran in), as code scanning wants them relative to the repository.

use std::collections::BTreeSet;
use std::path::Path;

use arazzo_codegen::{Diagnostic, Location, Severity};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde_json::{Value, json};

use super::DocumentResult;

/// The schema a SARIF 2.1.0 log names.
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Where each rule's `helpUri` points: the README's list of codes.
const HELP_URI: &str =
    "https://github.com/arazzo-rs/arazzo-codegen/blob/main/README.md#what-a-mistake-looks-like";

/// Characters a URI path segment cannot hold as they are (RFC 3986 `pchar`, less `/` which
/// separates segments).
const PATH: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// The whole log for `results`; `cwd` (the directory relative paths start from) becomes
/// `%SRCROOT%` when given.
pub fn log(results: &[DocumentResult], cwd: Option<&Path>) -> Value {
    let codes: BTreeSet<(&str, Severity)> = results
        .iter()
        .flat_map(|r| &r.diagnostics)
        .map(|d| (d.code, d.severity))
        .collect();
    // One rule per code; a code reported at both levels (a denied warning) keeps the first.
    let mut seen = BTreeSet::new();
    let rules: Vec<Value> = codes
        .iter()
        .filter(|(code, _)| seen.insert(*code))
        .map(|(code, severity)| rule(code, *severity))
        .collect();
    let rule_index = |code: &str| seen.iter().position(|c| *c == code);
    let results: Vec<Value> = results
        .iter()
        .flat_map(|r| r.diagnostics.iter().map(move |d| (r.document.as_str(), d)))
        .map(|(document, d)| result(document, d, rule_index(d.code)))
        .collect();
    let mut run = json!({
        "tool": {
            "driver": {
                "name": "arazzo-codegen",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": env!("CARGO_PKG_REPOSITORY"),
                "rules": rules,
            }
        },
        // Location columns count characters, as rustc's do.
        "columnKind": "unicodeCodePoints",
        "results": results,
    });
    if let Some(root) = cwd.and_then(|c| url::Url::from_directory_path(c).ok()) {
        run["originalUriBaseIds"] = json!({ "%SRCROOT%": { "uri": root.as_str() } });
    }
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [run],
    })
}

/// A rule described by `arazzo_codegen::CODES`: its one line is the short description, and
/// the full one adds the code and its default level. A code the table lacks (none of the
/// library's: a library test keeps the table complete) is described by its name and takes
/// the level it was reported at.
fn rule(code: &str, severity: Severity) -> Value {
    let (short, full, default) = match arazzo_codegen::CODES.iter().find(|c| c.code == code) {
        Some(c) => (
            c.description.to_owned(),
            format!(
                "arazzo::{code} ({} by default): {}",
                level(c.severity),
                c.description
            ),
            c.severity,
        ),
        None => (
            format!("arazzo::{code}"),
            format!("arazzo::{code}"),
            severity,
        ),
    };
    json!({
        "id": code,
        "name": camel(code),
        "shortDescription": { "text": short },
        "fullDescription": { "text": full },
        "helpUri": HELP_URI,
        "defaultConfiguration": { "level": level(default) },
    })
}

/// `unknown-input` → `UnknownInput` (SARIF's `name` is an identifier-like form of the id).
fn camel(code: &str) -> String {
    code.split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect()
            })
        })
        .collect()
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn result(document: &str, d: &Diagnostic, rule_index: Option<usize>) -> Value {
    // The message carries the fix too: code scanning shows only this text in its annotation.
    let mut text = d.message.clone();
    for note in &d.notes {
        text.push_str("\nnote: ");
        text.push_str(note);
    }
    if let Some(help) = &d.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    // A diagnostic with no place (a document that cannot be read) points at the document's
    // first line: code scanning drops results without a location.
    let fallback = Location {
        path: document.replace('\\', "/"),
        line: 1,
        column: 1,
        end_line: 1,
        end_column: 1,
    };
    let mut primary = physical(d.location.as_ref().unwrap_or(&fallback));
    if !d.label.is_empty() {
        primary["message"] = json!({ "text": d.label });
    }
    let related: Vec<Value> = d
        .secondary
        .iter()
        .filter_map(|l| Some((l.location.as_ref()?, &l.text)))
        .enumerate()
        .map(|(i, (location, text))| {
            let mut related = physical(location);
            related["id"] = json!(i);
            related["message"] = json!({ "text": text });
            related
        })
        .collect();
    let mut result = json!({
        "ruleId": d.code,
        "level": level(d.severity),
        "message": { "text": text },
        "locations": [primary],
    });
    if let Some(index) = rule_index {
        result["ruleIndex"] = json!(index);
    }
    if !related.is_empty() {
        result["relatedLocations"] = json!(related);
    }
    result
}

/// A `location` object holding the physical location of `l`.
fn physical(l: &Location) -> Value {
    let mut artifact = json!({ "uri": uri(&l.path) });
    if !Path::new(&l.path).is_absolute() {
        artifact["uriBaseId"] = json!("%SRCROOT%");
    }
    // SARIF regions are 1-based and their end column is exclusive, as Location's is.
    json!({
        "physicalLocation": {
            "artifactLocation": artifact,
            "region": {
                "startLine": l.line.max(1),
                "startColumn": l.column.max(1),
                "endLine": l.end_line.max(l.line).max(1),
                "endColumn": l.end_column.max(1),
            }
        }
    })
}

/// A path as a URI reference: relative paths percent-encoded segment by segment, absolute
/// ones as `file://` URLs.
fn uri(path: &str) -> String {
    if Path::new(path).is_absolute()
        && let Ok(url) = url::Url::from_file_path(path)
    {
        return url.into();
    }
    path.split(['/', '\\'])
        .map(|segment| utf8_percent_encode(segment, PATH).to_string())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_become_uri_references() {
        assert_eq!(uri("specs/a b#1.yml"), "specs/a%20b%231.yml");
        assert_eq!(uri("../x/y.yml"), "../x/y.yml");
        assert_eq!(camel("unknown-input"), "UnknownInput");
    }

    #[test]
    fn rules_are_described_by_the_library_table() {
        // A denied warning is reported as an error; its rule keeps the default level.
        let r = rule("unbraced-expression", Severity::Error);
        assert_eq!(
            r["shortDescription"]["text"],
            "An expression inside a longer string is not braced (`{$inputs.x}`); an error under `strict`."
        );
        assert_eq!(
            r["fullDescription"]["text"],
            "arazzo::unbraced-expression (warning by default): An expression inside a longer string is not braced (`{$inputs.x}`); an error under `strict`."
        );
        assert_eq!(r["defaultConfiguration"]["level"], "warning");
        for c in arazzo_codegen::CODES {
            let r = rule(c.code, Severity::Error);
            assert_eq!(r["shortDescription"]["text"], c.description);
        }
    }
}
