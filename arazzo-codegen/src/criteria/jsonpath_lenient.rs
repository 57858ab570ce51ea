//! JSONPath conditions written as comparisons: `$.status == "completed"`, `$.items.length > 0`,
//! `$.ok == true && $.count != 0`. They are not RFC 9535 (a query compares only inside a filter),
//! but real documents write them and their meaning is evident, so [`read`] rewrites them into
//! the RFC 9535 query that means the same, which the caller then checks and plans as if the
//! document had said it (one code path at run time), with a `lenient-jsonpath` warning.
//!
//! The rewrite is `$[?<comparisons>]` with each `<path>.length` turned into `length(<path>)`.
//! The paths stay absolute (`$.status`, not `@.status`): `$[?...]` visits each member of the
//! root and `@` is that member, so `$[?@.status == "completed"]` would test the members'
//! `status`. With absolute paths the filter selects every member of the root when the
//! comparison holds and none when it fails; a root a path reaches into has at least that
//! member, so the query is non-empty exactly when the comparison holds. (One corner differs
//! from a reader's first guess: `$.a != 1` on a root with no members at all, such as `{}`,
//! selects nothing and fails.)
//!
//! Only `<singular query> <op> <literal>` comparisons joined by `&&` / `||` are read; anything
//! else (parentheses, `!`, two queries compared, a function) stays the parse error it is. The
//! rewritten text must itself parse as RFC 9535, which also proves each path singular.

/// A comparison operator, longest spellings first so `<=` is not read as `<`.
const OPS: [&str; 6] = ["==", "!=", "<=", ">=", "<", ">"];

/// The RFC 9535 query `condition` means, when it is the lenient comparison form; `None` when
/// it is not (the caller reports the parse error as before).
pub(crate) fn read(condition: &str) -> Option<String> {
    let mut out = String::from("$[?");
    let mut rest = condition.trim();
    loop {
        let (term, joiner, after) = split_joiner(rest);
        out.push_str(&comparison(term)?);
        match joiner {
            Some(j) => {
                out.push(' ');
                out.push_str(j);
                out.push(' ');
                rest = after;
            }
            None => break,
        }
    }
    out.push(']');
    // The full check (its pre-scans keep inputs that crash serde_json_path away from it)
    // decides what the hand-written split above does not: that each path is a singular query
    // and each literal a valid RFC 9535 literal.
    super::jsonpath::check(&out).ok()?;
    Some(out)
}

/// `text` up to the first `&&` / `||` outside quotes, that joiner, and the text after it.
fn split_joiner(text: &str) -> (&str, Option<&'static str>, &str) {
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '&' | '|' => {
                let joiner = if c == '&' { "&&" } else { "||" };
                if text[i..].starts_with(joiner) {
                    return (&text[..i], Some(joiner), &text[i + 2..]);
                }
            }
            _ => {}
        }
    }
    (text, None, "")
}

/// One `<path> <op> <literal>`, rewritten (`.length` → `length(...)`).
fn comparison(term: &str) -> Option<String> {
    let term = term.trim();
    // The path comes first and has no quotes outside brackets; find the operator after the
    // path's last bracket so `$["a==b"]` is not split inside its name.
    let scan_from = term.rfind(']').map_or(0, |i| i + 1);
    let (at, op) = OPS
        .iter()
        .filter_map(|op| term[scan_from..].find(op).map(|i| (scan_from + i, *op)))
        .min_by_key(|&(i, op)| (i, std::cmp::Reverse(op.len())))?;
    let path = term[..at].trim();
    let literal = term[at + op.len()..].trim();
    if !path.starts_with('$') || path.contains(['?', '*', '(', ' ']) || path.contains("..") {
        return None;
    }
    if !is_literal(literal) {
        return None;
    }
    let path = match path.strip_suffix(".length") {
        Some(inner) if inner.len() > 1 => format!("length({inner})"),
        Some(_) => return None,
        None => path.to_owned(),
    };
    Some(format!("{path} {op} {literal}"))
}

/// A string, number, `true`, `false` or `null` (the number and string grammars are left to the
/// RFC 9535 parser; this only keeps queries and functions out).
fn is_literal(text: &str) -> bool {
    matches!(text, "true" | "false" | "null")
        || (text.len() >= 2
            && (text.starts_with('"') && text.ends_with('"')
                || text.starts_with('\'') && text.ends_with('\'')))
        || text.starts_with(|c: char| c.is_ascii_digit() || c == '-')
            && text
                .chars()
                .all(|c| c.is_ascii_digit() || "-+.eE".contains(c))
}

// `read` ends with the full check, which needs the parser.
#[cfg(all(test, feature = "jsonpath"))]
mod tests {
    use super::*;

    #[test]
    fn a_string_comparison() {
        assert_eq!(
            read(r#"$.status == "completed""#).as_deref(),
            Some(r#"$[?$.status == "completed"]"#)
        );
        assert_eq!(
            read("$.data['state'] != 'done'").as_deref(),
            Some("$[?$.data['state'] != 'done']")
        );
    }

    #[test]
    fn booleans_and_null() {
        assert_eq!(read("$.ok == true").as_deref(), Some("$[?$.ok == true]"));
        assert_eq!(read("$.ok==false").as_deref(), Some("$[?$.ok == false]"));
        assert_eq!(
            read("$.error == null").as_deref(),
            Some("$[?$.error == null]")
        );
    }

    #[test]
    fn numbers_with_every_operator() {
        for op in OPS {
            assert_eq!(
                read(&format!("$.count {op} 0")),
                Some(format!("$[?$.count {op} 0]")),
                "{op}"
            );
        }
        assert_eq!(
            read("$.items[0].price >= -1.5e2").as_deref(),
            Some("$[?$.items[0].price >= -1.5e2]")
        );
    }

    #[test]
    fn length_is_the_length_function() {
        assert_eq!(
            read("$.items.length > 0").as_deref(),
            Some("$[?length($.items) > 0]")
        );
        assert_eq!(
            read("$.data.name.length >= 3").as_deref(),
            Some("$[?length($.data.name) >= 3]")
        );
        // A member named `length` is written with brackets.
        assert_eq!(
            read("$.a['length'] > 0").as_deref(),
            Some("$[?$.a['length'] > 0]")
        );
    }

    #[test]
    fn and_or_chains() {
        assert_eq!(
            read(r#"$.ok == true && $.items.length > 0 || $.state == "a&&b""#).as_deref(),
            Some(r#"$[?$.ok == true && length($.items) > 0 || $.state == "a&&b"]"#)
        );
    }

    #[test]
    fn other_forms_are_not_read() {
        for condition in [
            "$.a == $.b",
            "$.a",
            "$[*].a == 1",
            "$..a == 1",
            "$.a[?@.b == 1] == 1",
            "!($.a == 1)",
            "($.a == 1)",
            "$.a == 1 &&",
            "$.a == nope",
            "$.a == 01",
            "$.a === 1",
            "$.length > 0",
            "count($.a) > 0",
            "$.a == 'x' | $.b == 1",
            "$.a = 1",
            "$[?@.a == 1]",
            r#"$.a == "\u""#,
            r#"$.a == "\u12""#,
        ] {
            assert_eq!(read(condition), None, "{condition}");
        }
    }

    #[test]
    fn every_reading_is_valid_without_warnings() {
        for condition in [
            r#"$.status == "completed""#,
            "$.items.length > 0",
            "$.ok == true && $.count != 0",
        ] {
            let corrected = read(condition).unwrap();
            assert_eq!(super::super::jsonpath::check(&corrected), Ok(vec![]));
        }
    }
}
