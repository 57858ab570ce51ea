//! Tests: in-memory documents for unit tests, files on disk for the corpus.

mod corpus;
mod pointer;
mod read;
mod schema;

use serde_json::Value;

use super::{Documents, Located, OpenApi};
use crate::diagnostic::{Diagnostic, FileId};

/// Named YAML documents; `$ref` file parts are matched by name (a leading `./` is ignored).
pub(crate) struct MemDocs {
    names: Vec<String>,
    values: Vec<Value>,
}

impl MemDocs {
    pub(crate) fn new(files: &[(&str, &str)]) -> Self {
        MemDocs {
            names: files.iter().map(|(n, _)| (*n).to_owned()).collect(),
            values: files
                .iter()
                .map(|(n, text)| serde_yaml::from_str(text).unwrap_or_else(|e| panic!("{n}: {e}")))
                .collect(),
        }
    }

    pub(crate) fn id(&self, name: &str) -> FileId {
        let i = self.names.iter().position(|n| n == name).unwrap();
        FileId(i as u32)
    }
}

impl Documents for MemDocs {
    fn value(&self, file: FileId) -> &Value {
        &self.values[file.0 as usize]
    }

    fn resolve_ref(&self, from: FileId, reference: &str) -> Result<(FileId, String), Diagnostic> {
        let (file_part, fragment) = reference.split_once('#').unwrap_or((reference, ""));
        let file = if file_part.is_empty() {
            from
        } else {
            let name = file_part.trim_start_matches("./");
            let i =
                self.names.iter().position(|n| n == name).ok_or_else(|| {
                    Diagnostic::error("unresolved-ref", format!("no file `{name}`"))
                })?;
            FileId(i as u32)
        };
        Ok((file, decode(fragment)))
    }
}

/// Reads `root` from `docs`, failing the test on any error-level problem.
pub(crate) fn read_ok(docs: &mut MemDocs, root: &str) -> (OpenApi, Vec<Located>) {
    let id = docs.id(root);
    let (api, problems) = OpenApi::read(docs, id);
    let errors: Vec<_> = problems
        .iter()
        .filter(|p| p.diagnostic.is_error())
        .collect();
    assert!(errors.is_empty(), "unexpected errors: {errors:#?}");
    (api.expect("an OpenAPI table"), problems)
}

fn decode(fragment: &str) -> String {
    percent_encoding::percent_decode_str(fragment)
        .decode_utf8_lossy()
        .into_owned()
}
