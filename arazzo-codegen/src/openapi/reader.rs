//! The reading context: the documents, the version being read, and the problems found so far.

use std::fmt::Display;

use serde_json::Value;

use super::pointer::{display, follow};
use super::{Documents, Located, Version};
use crate::diagnostic::{Diagnostic, FileId};

/// Reads values by (file, pointer) so that nothing is cloned wholesale, and collects every
/// problem instead of stopping at the first.
pub(crate) struct Reader<'d> {
    /// Where the description and its `$ref` targets live.
    pub(crate) docs: &'d dyn Documents,
    /// The version of the root document (3.2-only fields are read only for 3.2).
    pub(crate) version: Version,
    /// Everything found wrong so far.
    pub(crate) problems: Vec<Located>,
}

impl Reader<'_> {
    /// The value at `ptr` in `file`.
    pub(crate) fn get(&self, file: FileId, ptr: &str) -> Option<&Value> {
        crate::pointer::lookup(self.docs.value(file), ptr)
    }

    /// The string at `ptr`, if it is one.
    pub(crate) fn string(&self, file: FileId, ptr: &str) -> Option<String> {
        self.get(file, ptr)
            .and_then(Value::as_str)
            .map(str::to_owned)
    }

    /// The boolean at `ptr`, if it is one.
    pub(crate) fn boolean(&self, file: FileId, ptr: &str) -> Option<bool> {
        self.get(file, ptr).and_then(Value::as_bool)
    }

    /// The keys of the object at `ptr` in document order (none if it is not an object).
    pub(crate) fn keys(&self, file: FileId, ptr: &str) -> Vec<String> {
        match self.get(file, ptr) {
            Some(Value::Object(map)) => map.keys().cloned().collect(),
            _ => Vec::new(),
        }
    }

    /// The length of the array at `ptr` (0 if it is not an array).
    pub(crate) fn len(&self, file: FileId, ptr: &str) -> usize {
        self.get(file, ptr)
            .and_then(Value::as_array)
            .map_or(0, Vec::len)
    }

    /// Follows `$ref`s from (`file`, `ptr`); an unresolvable one becomes an `unresolved-ref`
    /// error and `None`.
    pub(crate) fn follow(&mut self, file: FileId, ptr: &str) -> Option<(FileId, String)> {
        match follow(self.docs, file, ptr) {
            Ok(target) => Some(target),
            Err(diagnostic) => {
                self.problems.push(Located {
                    diagnostic,
                    file,
                    pointer: ptr.to_owned(),
                });
                None
            }
        }
    }

    /// Records an error about the value at (`file`, `ptr`); the message names the pointer.
    pub(crate) fn error(
        &mut self,
        code: &'static str,
        file: FileId,
        ptr: &str,
        what: impl Display,
    ) -> &mut Diagnostic {
        self.push(Diagnostic::error(code, at(what, ptr)), file, ptr)
    }

    /// Records a warning about the value at (`file`, `ptr`); the message names the pointer.
    pub(crate) fn warning(
        &mut self,
        code: &'static str,
        file: FileId,
        ptr: &str,
        what: impl Display,
    ) -> &mut Diagnostic {
        self.push(Diagnostic::warning(code, at(what, ptr)), file, ptr)
    }

    fn push(&mut self, diagnostic: Diagnostic, file: FileId, ptr: &str) -> &mut Diagnostic {
        self.problems.push(Located {
            diagnostic,
            file,
            pointer: ptr.to_owned(),
        });
        let last = self.problems.len() - 1;
        &mut self.problems[last].diagnostic
    }
}

/// `what`, followed by where: "missing `name` (at `#/paths/~1pets/get/parameters/0`)".
fn at(what: impl Display, ptr: &str) -> String {
    format!("{what} (at `{}`)", display(ptr))
}
