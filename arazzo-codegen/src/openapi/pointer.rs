//! RFC 6901 JSON pointer helpers and `$ref` chasing shared by the readers.

use std::collections::HashSet;

use super::Documents;
use crate::diagnostic::FileId;

/// How many `$ref` hops are followed before giving up: real chains are short, and a bound keeps
/// a cycle that slips past the visited set (two spellings of one target) from looping.
const MAX_REF_HOPS: usize = 64;

/// Escapes one reference token: `~` → `~0`, `/` → `~1`.
pub fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Unescapes one reference token: `~1` → `/`, `~0` → `~` (in that order, per RFC 6901).
pub fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// `parent` extended by the escaped `token`.
pub fn join(parent: &str, token: &str) -> String {
    format!("{parent}/{}", escape(token))
}

/// The unescaped tokens of `pointer` (`""` has none; a missing leading `/` is tolerated).
pub fn tokens(pointer: &str) -> Vec<String> {
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
/// returns where that value lives. Errors name the reference that failed and where it was
/// written; a missing target, a cycle, and a reference that is not a string are errors.
pub fn follow(
    docs: &mut dyn Documents,
    file: FileId,
    pointer: &str,
) -> Result<(FileId, String), String> {
    let mut here = (file, pointer.to_owned());
    let mut seen = HashSet::new();
    for _ in 0..MAX_REF_HOPS {
        let reference = match docs.value(here.0).pointer(&here.1) {
            None => return Err(format!("nothing at `{}`", display(&here.1))),
            Some(value) => match value.get("$ref") {
                None => return Ok(here),
                Some(serde_json::Value::String(r)) => r.clone(),
                Some(_) => {
                    return Err(format!("`$ref` at `{}` is not a string", display(&here.1)));
                }
            },
        };
        if !seen.insert(here.clone()) {
            return Err(format!("`$ref` cycle through `{}`", display(&here.1)));
        }
        let next = docs.resolve_ref(here.0, &reference).map_err(|e| {
            format!(
                "cannot resolve `$ref: {reference}` at `{}`: {e}",
                display(&here.1)
            )
        })?;
        if docs.value(next.0).pointer(&next.1).is_none() {
            return Err(format!(
                "`$ref: {reference}` at `{}` points at nothing",
                display(&here.1)
            ));
        }
        here = next;
    }
    Err(format!(
        "`$ref` chain from `{}` is longer than {MAX_REF_HOPS} hops",
        display(pointer)
    ))
}

/// A pointer as shown in messages: `#` plus the pointer, so the root reads `#`.
pub fn display(pointer: &str) -> String {
    format!("#{pointer}")
}
