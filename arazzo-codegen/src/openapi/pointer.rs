//! RFC 6901 JSON pointer helpers and `$ref` chasing shared by the readers.

use super::Documents;
use crate::diagnostic::{Diagnostic, FileId};

/// How many `$ref` hops are followed before giving up: real chains are short, and a bound keeps
/// a cycle that slips past the visited set (two spellings of one target) from looping.
const MAX_REF_HOPS: usize = 64;

/// Escapes one reference token: `~` → `~0`, `/` → `~1`.
pub(crate) fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Unescapes one reference token: `~1` → `/`, `~0` → `~` (in that order, per RFC 6901).
pub(crate) fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// `parent` extended by the escaped `token`.
pub(crate) fn join(parent: &str, token: &str) -> String {
    format!("{parent}/{}", escape(token))
}

/// The unescaped tokens of `pointer` (`""` has none; a missing leading `/` is tolerated).
pub(crate) fn tokens(pointer: &str) -> Vec<String> {
    if pointer.is_empty() {
        return Vec::new();
    }
    pointer
        .strip_prefix('/')
        .unwrap_or(pointer)
        .split('/')
        .map(unescape)
        .collect()
}

/// Follows `$ref` from the value at (`file`, `pointer`) until a value without `$ref`:
/// returns where that value lives. A missing target, a cycle, and a reference that is not a
/// string are `unresolved-ref` errors naming the reference and where it was written; a file
/// that cannot be loaded keeps the loader's diagnostic (code, span, help), with a note.
pub(crate) fn follow(
    docs: &dyn Documents,
    file: FileId,
    pointer: &str,
) -> Result<(FileId, String), Diagnostic> {
    follow_ref(docs, file, pointer).map_err(|e| match e {
        Unresolved::Message(message) => Diagnostic::error("unresolved-ref", message)
            .label("this reference cannot be resolved")
            .help("fix the `$ref` so that it names an existing file and JSON pointer"),
        Unresolved::Load(diagnostic) => *diagnostic,
    })
}

/// Why a `$ref` chain stopped.
enum Unresolved {
    Message(String),
    /// The loader's diagnostic for a file the reference names.
    Load(Box<Diagnostic>),
}

impl From<String> for Unresolved {
    fn from(message: String) -> Self {
        Unresolved::Message(message)
    }
}

fn follow_ref(
    docs: &dyn Documents,
    file: FileId,
    pointer: &str,
) -> Result<(FileId, String), Unresolved> {
    let mut here = (file, pointer.to_owned());
    // At most MAX_REF_HOPS entries: a Vec, not a HashSet allocated per lookup.
    let mut seen: Vec<(FileId, String)> = Vec::new();
    for _ in 0..MAX_REF_HOPS {
        let reference = match crate::pointer::lookup(docs.value(here.0), &here.1) {
            None => return Err(format!("nothing at `{}`", display(&here.1)).into()),
            Some(value) => match value.get("$ref") {
                None => return Ok(here),
                Some(serde_json::Value::String(r)) => r.clone(),
                Some(_) => {
                    return Err(format!("`$ref` at `{}` is not a string", display(&here.1)).into());
                }
            },
        };
        if seen.contains(&here) {
            return Err(format!("`$ref` cycle through `{}`", display(&here.1)).into());
        }
        seen.push(here.clone());
        let next = docs.resolve_ref(here.0, &reference).map_err(|e| {
            let at = display(&here.1);
            if e.code == "unresolved-ref" {
                Unresolved::Message(format!(
                    "cannot resolve `$ref: {reference}` at `{at}`: {}",
                    e.message
                ))
            } else {
                Unresolved::Load(Box::new(
                    e.note(format!("while resolving `$ref: {reference}` at `{at}`")),
                ))
            }
        })?;
        if crate::pointer::lookup(docs.value(next.0), &next.1).is_none() {
            return Err(format!(
                "`$ref: {reference}` at `{}` points at nothing",
                display(&here.1)
            )
            .into());
        }
        here = next;
    }
    Err(format!(
        "`$ref` chain from `{}` is longer than {MAX_REF_HOPS} hops",
        display(pointer)
    )
    .into())
}

/// A pointer as shown in messages: `#` plus the pointer, so the root reads `#`.
pub(crate) fn display(pointer: &str) -> String {
    format!("#{pointer}")
}
