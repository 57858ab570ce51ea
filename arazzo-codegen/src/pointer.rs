//! JSON Pointer (RFC 6901) tokens: a leaf beside `diagnostic`, since the loader's location
//! index, the readers, `check` and `emit` all build pointers.

/// Escapes one JSON pointer token (`~` → `~0`, `/` → `~1`).
pub(crate) fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}
