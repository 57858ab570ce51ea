//! A pre-scan for the third-party criteria parsers. `serde_json_path` and `sxd-xpath` parse by
//! recursive descent with no depth limit of their own: a JSONPath filter nested ~900 deep or an
//! XPath nested ~570 deep overflows the stack of an unoptimised build script. Text nested deeper
//! than [`MAX_NESTING`] never reaches them, nor `xee-xpath` (XPath 3.1, feature `xpath31`), whose
//! parser is recursive too. (The `regex` crate has its own nest limit, 250, and reports it as an
//! error; see the regex tests.)

/// How deep brackets (`(`, `[`) and prefix operators (`!`, `-`) may nest in a JSONPath or XPath
/// condition. Real queries stay below 10; the parsers overflow somewhere past 500.
pub(crate) const MAX_NESTING: usize = 64;

/// The longest JSONPath or XPath condition accepted, in bytes.
pub(crate) const MAX_LENGTH: usize = 16 * 1024;

/// `Err((message, help))` when `text` is longer than [`MAX_LENGTH`] or nests deeper than
/// [`MAX_NESTING`]. Brackets inside quoted strings are counted too: that can only refuse a text
/// that is absurd anyway, never let a deep one through.
pub(crate) fn pre_scan(kind: &str, text: &str) -> Result<(), (String, Option<String>)> {
    if text.len() > MAX_LENGTH {
        return Err((
            format!(
                "the {kind} condition is {} bytes long; the limit is {MAX_LENGTH}",
                text.len()
            ),
            Some("split it into several criteria".into()),
        ));
    }
    let (mut depth, mut prefix) = (0usize, 0usize);
    for (at, c) in text.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            // A run of prefix operators nests like brackets in both grammars.
            '!' | '-' => prefix += 1,
            c if c.is_whitespace() => {}
            _ => prefix = 0,
        }
        if depth + prefix > MAX_NESTING {
            return Err((
                format!(
                    "the {kind} condition nests more than {MAX_NESTING} levels deep (at byte {at})"
                ),
                Some("use fewer nested brackets and prefix operators".into()),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shallow_text_passes_and_deep_text_is_refused() {
        assert!(pre_scan("XPath", "/a[b[c]]/d[not(e)]").is_ok());
        assert!(pre_scan("XPath", &"-".repeat(64)).is_ok());
        assert!(pre_scan("XPath", &"-".repeat(65)).is_err());
        let deep = format!("{}1{}", "(".repeat(65), ")".repeat(65));
        let e = pre_scan("XPath", &deep).unwrap_err();
        assert!(e.0.contains("more than 64 levels"), "{e:?}");
        assert!(pre_scan("JSONPath", &"a".repeat(MAX_LENGTH + 1)).is_err());
    }
}
