//! Tests: in-memory documents for unit tests, files on disk for the corpus.

mod corpus;
mod pointer;
mod read;
mod schema;

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{Documents, Located, OpenApi};
use crate::diagnostic::{Diagnostic, FileId};

/// Named YAML documents; `$ref` file parts are matched by name (a leading `./` is ignored).
pub struct MemDocs {
    names: Vec<String>,
    values: Vec<Value>,
}

impl MemDocs {
    pub fn new(files: &[(&str, &str)]) -> Self {
        MemDocs {
            names: files.iter().map(|(n, _)| (*n).to_owned()).collect(),
            values: files
                .iter()
                .map(|(n, text)| serde_yaml::from_str(text).unwrap_or_else(|e| panic!("{n}: {e}")))
                .collect(),
        }
    }

    pub fn id(&self, name: &str) -> FileId {
        let i = self.names.iter().position(|n| n == name).unwrap();
        FileId(i as u32)
    }
}

impl Documents for MemDocs {
    fn value(&self, file: FileId) -> &Value {
        &self.values[file.0 as usize]
    }

    fn resolve_ref(
        &mut self,
        from: FileId,
        reference: &str,
    ) -> Result<(FileId, String), Diagnostic> {
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

/// Files read from disk on first use, `$ref` file parts resolved against the referring file.
pub struct FsDocs {
    paths: Vec<PathBuf>,
    values: Vec<Value>,
}

impl FsDocs {
    pub fn new() -> Self {
        FsDocs {
            paths: Vec::new(),
            values: Vec::new(),
        }
    }

    pub fn load(&mut self, path: &Path) -> Result<FileId, String> {
        if let Some(i) = self.paths.iter().position(|p| p == path) {
            return Ok(FileId(i as u32));
        }
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let value: Value = if path.extension().is_some_and(|e| e == "json") {
            serde_json::from_str(&text).map_err(|e| e.to_string())?
        } else {
            serde_yaml::from_str(&text).map_err(|e| e.to_string())?
        };
        self.paths.push(path.to_owned());
        self.values.push(value);
        Ok(FileId(self.paths.len() as u32 - 1))
    }
}

impl Documents for FsDocs {
    fn value(&self, file: FileId) -> &Value {
        &self.values[file.0 as usize]
    }

    fn resolve_ref(
        &mut self,
        from: FileId,
        reference: &str,
    ) -> Result<(FileId, String), Diagnostic> {
        let (file_part, fragment) = reference.split_once('#').unwrap_or((reference, ""));
        let file = if file_part.is_empty() {
            from
        } else {
            let base = self.paths[from.0 as usize].parent().unwrap().to_owned();
            self.load(&base.join(file_part))
                .map_err(|e| Diagnostic::error("unresolved-ref", e))?
        };
        Ok((file, decode(fragment)))
    }
}

/// Reads `root` from `docs`, failing the test on any error-level problem.
pub fn read_ok(docs: &mut MemDocs, root: &str) -> (OpenApi, Vec<Located>) {
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
