//! JSON Pointer (RFC 6901) tokens: a leaf beside `diagnostic`, since the loader's location
//! index, the readers, `check` and `emit` all build pointers.

/// Escapes one JSON pointer token (`~` → `~0`, `/` → `~1`).
pub(crate) fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// The value at `pointer` in `root`, as `Value::pointer` finds it, without its two
/// allocations per token: readers look up thousands of pointers in large descriptions, and
/// build scripts run this at opt-level 0. Tokens without `~` (nearly all) are used as they are.
pub(crate) fn lookup<'v>(
    root: &'v serde_json::Value,
    pointer: &str,
) -> Option<&'v serde_json::Value> {
    if pointer.is_empty() {
        return Some(root);
    }
    let rest = pointer.strip_prefix('/')?;
    let mut here = root;
    for token in rest.split('/') {
        let unescaped;
        let token = if token.contains('~') {
            unescaped = token.replace("~1", "/").replace("~0", "~");
            unescaped.as_str()
        } else {
            token
        };
        here = match here {
            serde_json::Value::Object(map) => map.get(token)?,
            serde_json::Value::Array(items) => items.get(array_index(token)?)?,
            _ => return None,
        };
    }
    Some(here)
}

/// An array index token as RFC 6901 writes it: digits without a leading zero (but `0`).
pub(crate) fn array_index(token: &str) -> Option<usize> {
    if token.is_empty()
        || (token.len() > 1 && token.starts_with('0'))
        || !token.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    token.parse().ok()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    /// `lookup` finds what `Value::pointer` finds, escapes and array indexes included.
    #[test]
    fn lookup_agrees_with_value_pointer() {
        let doc = json!({"a": {"b/c": [1, {"~d": 2}], "": 3, "01": 4}, "e": [0, 1, 2]});
        for pointer in [
            "",
            "/",
            "/a",
            "/a/b~1c",
            "/a/b~1c/0",
            "/a/b~1c/1/~0d",
            "/a/",
            "/a/01",
            "/e/2",
            "/e/02",
            "/e/-",
            "/e/3",
            "/e/+1",
            "a",
            "/x/y",
            "/a/b~1c/1/~0d/z",
            "/e/1/0",
        ] {
            assert_eq!(
                super::lookup(&doc, pointer),
                doc.pointer(pointer),
                "{pointer:?}"
            );
        }
    }
}
