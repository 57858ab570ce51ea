//! JSONPath criteria: the `condition` is an RFC 9535 query (parsed with `serde_json_path`, the
//! crate `arazzo_runtime::__private::criteria::jsonpath` evaluates with) whose root `$` is the context
//! value; the criterion passes when the query selects at least one node.
//!
//! One pattern parses but rarely means what its author wanted, and the Arazzo specification
//! itself uses it as an example: `$[?count(@.pets) > 0]`. Under RFC 9535, `$[?...]` visits each
//! member value of the root object, `@` is that value, and `count()` counts nodes, so the query
//! passes only when some member value itself has a `pets` member; for `{"pets": [..]}` it selects
//! nothing. [`check`] accepts it with a warning that suggests `$.pets[0]` ("pets has a first
//! element").

use std::sync::LazyLock;

use regex_lite::Regex;
use serde_json_path::JsonPath;

use super::Note;

/// `$[?count(@.a.b) > 0]` and its spellings `>= 1`, `!= 0` (the "non-empty" reading), or
/// `== 0`, `< 1` (the "empty" reading), with optional parentheses.
static COUNT_PATTERN: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"^\$\[\?\s*(\()?\s*count\(\s*@((?:\.[A-Za-z_][A-Za-z0-9_]*)+)\s*\)\s*(>\s*0|>=\s*1|!=\s*0|==\s*0|<\s*1)\s*(\))?\s*\]$",
    )
    .ok()
});

/// Parses `path` as RFC 9535 JSONPath: `Ok(warnings)` when it parses (each warning a message
/// and a help line), `Err((message, help))` when it does not.
pub(crate) fn check(path: &str) -> Result<Vec<Note>, Note> {
    super::nesting::pre_scan("JSONPath", path)?;
    if let Some(at) = deep_filter(path) {
        return Err((
            format!(
                "the JSONPath condition nests filters (`[?`) more than {MAX_FILTER_NESTING} deep (at byte {at})"
            ),
            Some("use fewer nested filters, or several criteria".into()),
        ));
    }
    if let Some(at) = short_unicode_escape(path) {
        return Err((
            format!(
                "invalid RFC 9535 JSONPath `{path}`: the `\\u` escape at position {at} needs four hexadecimal digits"
            ),
            Some("write a character as `\\u` and four hex digits, e.g. `\\u00e9` for `é`".into()),
        ));
    }
    match JsonPath::parse(path) {
        Ok(_) => Ok(count_warning(path)
            .into_iter()
            .chain(embedded_warning(path))
            .collect()),
        Err(e) => Err((
            format!(
                "invalid RFC 9535 JSONPath `{path}`: {} (position {})",
                e.message(),
                e.position()
            ),
            Some(help_for(path)),
        )),
    }
}

/// The JSON Pointers of the nodes `query` (checked by [`check`]) selects in `value`, in the
/// query's order; none when it does not parse. For replacement targets in literal payloads,
/// applied at build time.
pub(crate) fn located_pointers(query: &str, value: &serde_json::Value) -> Vec<String> {
    if check(query).is_err() {
        return Vec::new();
    }
    JsonPath::parse(query).map_or_else(
        |_| Vec::new(),
        |path| {
            path.query_located(value)
                .locations()
                .map(|l| l.to_json_pointer())
                .collect()
        },
    )
}

/// How deep JSONPath filters (`[?...]`) may nest. serde_json_path's parse time doubles with
/// each level, valid or not (about 0.4 ms at 8 levels and 48 s at 25 in a release build, and
/// build scripts run unoptimised); real queries nest two or three. Found by the
/// `codegen_jsonpath` fuzz target (a 125-byte input took over 10 s).
const MAX_FILTER_NESTING: usize = 8;

/// The byte position of the first filter nested deeper than [`MAX_FILTER_NESTING`]. Brackets
/// in quoted strings count too, as in `nesting::pre_scan`, which has already bounded the
/// bracket depth (so the stack here is small).
fn deep_filter(path: &str) -> Option<usize> {
    let mut open: Vec<bool> = Vec::new();
    for (at, c) in path.char_indices() {
        match c {
            '[' => {
                let filter = path[at + 1..].trim_start().starts_with('?');
                open.push(filter);
                if open.iter().filter(|&&f| f).count() > MAX_FILTER_NESTING {
                    return Some(at);
                }
            }
            ']' => {
                open.pop();
            }
            _ => {}
        }
    }
    None
}

/// The byte position of a `\u` escape without four hex digits after it. RFC 9535 requires
/// them; serde_json_path 0.7.2 panics ("we do not use streaming parsers") when the text ends
/// right after `\u`, so such text never reaches it (found by the `codegen_jsonpath` fuzz
/// target).
fn short_unicode_escape(path: &str) -> Option<usize> {
    let bytes = path.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            if bytes.get(i + 1) == Some(&b'u') {
                let digits = bytes.get(i + 2..i + 6).unwrap_or_default();
                if digits.len() < 4 || !digits.iter().all(u8::is_ascii_hexdigit) {
                    return Some(i);
                }
                i += 6;
                continue;
            }
            i += 2;
            continue;
        }
        i += 1;
    }
    None
}

fn count_warning(path: &str) -> Option<Note> {
    let captures = COUNT_PATTERN.as_ref()?.captures(path)?;
    // Unbalanced parentheses around the filter would not have parsed; both or neither.
    if captures.get(1).is_some() != captures.get(4).is_some() {
        return None;
    }
    let member = captures.get(2)?.as_str();
    let name = member.trim_start_matches('.');
    let op = captures.get(3)?.as_str();
    if op.starts_with("==") || op.starts_with('<') {
        return Some((
            format!(
                "`{path}` does not test that `{name}` is empty: in RFC 9535 `$[?...]` visits each member \
                 value of the root, `@` is that value, and `count(@{member})` counts its `{name}` members, \
                 so this passes whenever some member value has no `{name}`"
            ),
            Some(format!(
                "to pass when `{name}` is empty, test `${member}[0]` in a `failureActions`/`onFailure` criterion or compare its length with a simple condition"
            )),
        ));
    }
    Some((
        format!(
            "`{path}` does not test that `{name}` is non-empty: in RFC 9535 `$[?...]` visits each member \
             value of the root, `@` is that value, and `count(@{member})` counts its `{name}` members, \
             so this passes only when some member value itself has `{name}`"
        ),
        Some(format!(
            "to pass when `{name}` has at least one element, write `${member}[0]`"
        )),
    ))
}

/// `{$inputs.x}` inside a string literal parses, and would be compared as that very text.
fn embedded_warning(path: &str) -> Option<Note> {
    path.contains("{$").then(|| {
        (
            format!(
                "`{path}` contains `{{$`, which is compared as literal text: runtime expressions are not substituted into a JSONPath condition"
            ),
            Some(
                "write the literal value, or compare the value with a simple condition, e.g. `$response.body#/status == $inputs.status`"
                    .into(),
            ),
        )
    })
}

/// Names the likely cause of a parse error: habits from Goessner-style JSONPath and from
/// other languages.
fn help_for(path: &str) -> String {
    let trimmed = path.trim();
    if path.contains("{$") {
        "runtime expressions like `{$inputs.x}` are not substituted into a JSONPath condition; write the literal value".into()
    } else if !trimmed.starts_with('$') {
        format!(
            "a JSONPath query starts with `$`, the context value: e.g. `$.{}`",
            trimmed.trim_start_matches(['.', '@'])
        )
    } else if path.contains("===") || path.contains("!==") {
        "RFC 9535 compares with `==` and `!=`".into()
    } else if path.contains("[(") {
        "RFC 9535 has no script expressions `[(...)]`: index from the end with `[-1]`, or filter with `[?...]`".into()
    } else if !path.contains("[?") && ["==", "!=", "<", ">"].iter().any(|op| path.contains(op)) {
        "RFC 9535 compares only inside a filter: `$[?$.status == 'ok']` passes when the root's \
         `status` is `ok`; a query compared with a literal (`$.status == 'ok'`, \
         `$.items.length > 0`, joined by `&&` / `||`) is read that way, other comparisons are not"
            .into()
    } else {
        "the condition must be an RFC 9535 JSONPath query (https://www.rfc-editor.org/rfc/rfc9535)"
            .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_queries_without_warnings() {
        for p in [
            "$",
            "$.pets[0]",
            "$.pets[*]",
            "$..id",
            "$.items[?(@.price > 10)]",
            "$.items[?@.price > 10 && @.name == 'x']",
            "$[?length(@) > 0]",
            "$.pets[?count(@.tags[*]) > 0]",
            "$[?match(@.name, 'a.*')]",
            "$.items[-1]",
        ] {
            assert_eq!(check(p), Ok(vec![]), "{p}");
        }
    }

    #[test]
    fn the_spec_count_example_warns() {
        let warnings = check("$[?count(@.pets) > 0]").unwrap();
        assert_eq!(warnings.len(), 1);
        let (message, help) = &warnings[0];
        assert!(
            message.starts_with("`$[?count(@.pets) > 0]` does not test that `pets` is non-empty"),
            "{message}"
        );
        assert!(message.contains("`count(@.pets)`"), "{message}");
        assert_eq!(
            help.as_deref(),
            Some("to pass when `pets` has at least one element, write `$.pets[0]`")
        );
    }

    #[test]
    fn count_spellings_warn() {
        for (p, fix) in [
            ("$[?(count(@.pets) > 0)]", "`$.pets[0]`"),
            ("$[? count( @.pets )>=1 ]", "`$.pets[0]`"),
            ("$[?count(@.data.items) != 0]", "`$.data.items[0]`"),
        ] {
            let warnings = check(p).unwrap();
            assert_eq!(warnings.len(), 1, "{p}");
            assert!(warnings[0].1.as_deref().unwrap().ends_with(fix), "{p}");
        }
    }

    #[test]
    fn the_empty_reading_warns_too() {
        for p in ["$[?count(@.products) == 0]", "$[?(count(@.pets) < 1)]"] {
            let warnings = check(p).unwrap();
            assert_eq!(warnings.len(), 1, "{p}");
            assert!(warnings[0].0.contains("is empty"), "{:?}", warnings[0]);
        }
    }

    #[test]
    fn embedded_expressions_in_literals_warn() {
        let warnings = check("$[?@.status == '{$inputs.status}']").unwrap();
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].0.contains("compared as literal text"),
            "{:?}",
            warnings[0]
        );
        assert!(
            warnings[0]
                .1
                .as_deref()
                .unwrap()
                .contains("simple condition")
        );
    }

    #[test]
    fn invalid_queries_explain() {
        let (message, help) = check("$.pets[").unwrap_err();
        assert!(
            message.starts_with("invalid RFC 9535 JSONPath `$.pets[`: "),
            "{message}"
        );
        assert!(message.contains("(position "), "{message}");
        assert_eq!(
            help.as_deref(),
            Some(
                "the condition must be an RFC 9535 JSONPath query (https://www.rfc-editor.org/rfc/rfc9535)"
            )
        );
        let (_, help) = check("pets[0]").unwrap_err();
        assert_eq!(
            help.as_deref(),
            Some("a JSONPath query starts with `$`, the context value: e.g. `$.pets[0]`")
        );
        let (_, help) = check("$.items[?(@.a === 1)]").unwrap_err();
        assert_eq!(
            help.as_deref(),
            Some("RFC 9535 compares with `==` and `!=`")
        );
        let (_, help) = check("$.items[(@.length-1)]").unwrap_err();
        assert!(help.unwrap().contains("`[-1]`"));
        let (_, help) = check("$.name == 'Mermaid'").unwrap_err();
        assert!(help.unwrap().contains("compares only inside a filter"));
        let (_, help) = check("$[?@.status == {$inputs.status}]").unwrap_err();
        assert!(help.unwrap().contains("not substituted"));
    }

    #[test]
    fn deeply_nested_filters_are_refused_before_the_parser() {
        let nested = |n: usize| format!("$[?{}@.b==1{}]", "@[?".repeat(n - 1), "]".repeat(n - 1));
        assert!(check(&nested(MAX_FILTER_NESTING)).is_ok());
        let (message, _) = check(&nested(MAX_FILTER_NESTING + 1)).unwrap_err();
        assert!(message.contains("nests filters"), "{message}");
        // The fuzz input: filters opened and never closed.
        let (message, _) = check(&format!("$.b{}", "[?@.b".repeat(25))).unwrap_err();
        assert!(message.contains("nests filters"), "{message}");
        // Filters side by side do not nest.
        assert!(check(&"$[?@.a==1]".repeat(20)).is_err_and(|(m, _)| !m.contains("nests filters")));
    }

    #[test]
    fn short_unicode_escapes_are_refused_before_the_parser() {
        // serde_json_path 0.7.2 panics on the first four (text ending right after `\u`).
        for path in [
            r#"$["\u"#,
            r#"$['\u"#,
            r#"$["\uD800\u"#,
            r#"$[?@.a=="\u"#,
            r#"$["\u12"]"#,
            r#"$["\uzzzz"]"#,
        ] {
            let (message, help) = check(path).unwrap_err();
            assert!(
                message.contains("needs four hexadecimal digits"),
                "{path}: {message}"
            );
            assert!(help.is_some());
        }
        // A full escape and an escaped backslash before `u` are fine.
        assert!(check(r#"$["\u00e9"]"#).is_ok());
        assert!(check(r#"$["a\\u"]"#).is_ok());
    }

    #[test]
    fn deep_filters_are_refused_before_the_parser() {
        // ~900 levels overflowed serde_json_path's stack in a debug build.
        let deep = format!("$[?{}@.a{}]", "(".repeat(900), ")".repeat(900));
        let (message, _) = check(&deep).unwrap_err();
        assert!(message.contains("nests more than 64 levels"), "{message}");
        let nots = format!("$[?{}@.a]", "!".repeat(900));
        assert!(check(&nots).is_err());
    }
}
