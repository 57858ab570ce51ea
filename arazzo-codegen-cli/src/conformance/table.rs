//! A folder's own expectation table (`conformance --expect FILE`), in YAML or JSON:
//!
//! ```yaml
//! expect:                       # diagnostics listed documents must report
//!   - document: bad/typo.arazzo.yaml      # relative to the folder, `/`-separated
//!     code: unknown-operation             # `a|b`: either code
//!     contains: "did you mean `Par`"      # in the message, label, notes or help (default: any)
//!     required: true                      # false: may be reported (default: true)
//! folders:                      # rules for whole folders (schema test suites)
//!   - prefix: schema-fail/
//!     listed: true                        # every document needs an `expect` entry
//!     default: ""                         # else: the code an unlisted document must report
//!     allowed: [cannot-load-source]       # codes any document here may report
//! ```
//!
//! As with the corpus's built-in table, a document with no entry and no folder rule must
//! generate (and compile).

use std::borrow::Cow;
use std::path::Path;

use serde::Deserialize;

use super::expect::{Expectation, FolderRule, Table};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    expect: Vec<Entry>,
    #[serde(default)]
    folders: Vec<Folder>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    document: String,
    code: String,
    #[serde(default)]
    contains: String,
    #[serde(default = "yes")]
    required: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Folder {
    prefix: String,
    #[serde(default)]
    listed: bool,
    #[serde(default)]
    default: String,
    #[serde(default)]
    allowed: Vec<String>,
}

fn yes() -> bool {
    true
}

/// Reads the table in `path`.
pub(crate) fn load(path: &Path) -> Result<Table, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn parse(text: &str) -> Result<Table, String> {
    // YAML is a superset of JSON: one reader for both.
    let file: File = serde_yaml::from_str(text).map_err(|e| e.to_string())?;
    if let Some(entry) = file
        .expect
        .iter()
        .find(|e| e.document.is_empty() || e.code.is_empty())
    {
        return Err(format!(
            "an `expect` entry needs a document and a code (document `{}`, code `{}`)",
            entry.document, entry.code
        ));
    }
    Ok(Table {
        expected: file
            .expect
            .into_iter()
            .map(|e| Expectation {
                document: Cow::Owned(e.document),
                code: Cow::Owned(e.code),
                contains: Cow::Owned(e.contains),
                required: e.required,
            })
            .collect(),
        folders: file
            .folders
            .into_iter()
            .map(|f| FolderRule {
                prefix: Cow::Owned(f.prefix),
                listed: f.listed,
                default: Cow::Owned(f.default),
                allowed: Cow::Owned(f.allowed.into_iter().map(Cow::Owned).collect()),
            })
            .collect(),
        known_bugs: &[],
        open: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_and_folder_rules_are_read_with_their_defaults() {
        let table = parse(
            "expect:\n  - document: a.arazzo.yaml\n    code: unknown-operation\n    contains: \"`PAR`\"\n  - {document: b.arazzo.yaml, code: invalid-expression, required: false}\nfolders:\n  - {prefix: fail/, listed: true}\n",
        )
        .unwrap();
        assert_eq!(table.expected.len(), 2);
        assert!(table.expected[0].required);
        assert_eq!(table.expected[0].contains, "`PAR`");
        assert!(!table.expected[1].required);
        assert_eq!(table.expected[1].contains, "");
        assert!(table.folders[0].listed && table.folders[0].allowed.is_empty());
        assert!(!table.open);
    }

    #[test]
    fn a_misspelt_field_or_an_empty_code_is_an_error() {
        let err = parse("expect:\n  - {document: a.yaml, code: x, contain: y}\n").unwrap_err();
        assert!(err.contains("unknown field `contain`"), "{err}");
        let err = parse("expect:\n  - {document: a.yaml, code: \"\"}\n").unwrap_err();
        assert!(err.contains("needs a document and a code"), "{err}");
    }
}
