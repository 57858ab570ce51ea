//! Regex criteria: the `condition` is a pattern in the `regex` crate's syntax, and passes when
//! it matches anywhere in the context text (anchor it with `^...$` to match the whole text).
//!
//! That crate matches in linear time, so it has no look-around and no backreferences; a
//! pattern using them (common in ECMAScript or PCRE patterns) is a build error that says so,
//! rather than a pattern that fails at run time. Its `\d`, `\w` and `\s` are Unicode-aware.

use regex_syntax::ast::{self, ErrorKind};

/// A build error: the message, and a help line when a fix can be named.
pub(crate) type RegexError = (String, Option<String>);

/// The syntax reference named in help lines.
const SYNTAX: &str = "Arazzo regex criteria use the Rust `regex` crate's syntax (https://docs.rs/regex/latest/regex/#syntax)";

/// `Ok(())` when the `regex` crate compiles `pattern`, exactly as `arazzo_runtime::__private::criteria::regex`
/// will; otherwise what is wrong and, where one exists, how to write it instead.
pub(crate) fn check(pattern: &str) -> Result<(), RegexError> {
    // The AST parser names the unsupported features; the full parser then catches what only
    // translation finds (unknown Unicode classes), and compiling catches size limits.
    if let Err(e) = ast::parse::Parser::new().parse(pattern) {
        return Err(explain(pattern, e.kind(), e.span().start));
    }
    if let Err(e) = regex_syntax::Parser::new().parse(pattern) {
        let (kind, column) = match &e {
            regex_syntax::Error::Translate(t) => (t.kind().to_string(), t.span().start.column),
            regex_syntax::Error::Parse(p) => (p.kind().to_string(), p.span().start.column),
            other => (other.to_string(), 1),
        };
        return Err((
            format!("invalid regex `{pattern}`: {kind} (column {column})"),
            Some(embedded_help(pattern).unwrap_or_else(|| SYNTAX.to_string())),
        ));
    }
    match ::regex::Regex::new(pattern) {
        Ok(_) => Ok(()),
        Err(::regex::Error::CompiledTooBig(limit)) => Err((
            format!("regex `{pattern}` compiles to more than the {limit}-byte limit"),
            Some(
                "use smaller counted repetitions (`{n}`), or split it into several criteria".into(),
            ),
        )),
        Err(other) => Err((
            format!("invalid regex `{pattern}`: {other}"),
            Some(SYNTAX.to_string()),
        )),
    }
}

fn explain(pattern: &str, kind: &ErrorKind, at: ast::Position) -> RegexError {
    let column = at.column;
    // `\k<name>` is a named backreference elsewhere; here it is an unknown escape.
    let named_backreference = matches!(kind, ErrorKind::EscapeUnrecognized)
        && pattern
            .get(at.offset..)
            .is_some_and(|rest| ["\\k<", "\\k{", "\\k'"].iter().any(|p| rest.starts_with(p)));
    match kind {
        ErrorKind::UnsupportedLookAround => (
            format!(
                "regex `{pattern}` uses look-around (`(?=`, `(?!`, `(?<=` or `(?<!`, column {column}), which the `regex` crate does not support"
            ),
            Some(format!(
                "{SYNTAX}: it has no look-around; match the surrounding text itself, or split the check into several criteria"
            )),
        ),
        ErrorKind::UnsupportedBackreference => backreference(pattern, column),
        _ if named_backreference => backreference(pattern, column),
        _ => {
            let help = embedded_help(pattern)
                .or_else(|| atomic_help(pattern))
                .unwrap_or_else(|| SYNTAX.to_string());
            (
                format!("invalid regex `{pattern}`: {kind} (column {column})"),
                Some(help),
            )
        }
    }
}

fn backreference(pattern: &str, column: usize) -> RegexError {
    (
        format!(
            "regex `{pattern}` uses a backreference (column {column}), which the `regex` crate does not support"
        ),
        Some(format!(
            "{SYNTAX}: it has no backreferences; repeat the group's pattern instead of referring back to it"
        )),
    )
}

/// Runtime expressions are not substituted into regex conditions: the pattern is fixed at build time.
fn embedded_help(pattern: &str) -> Option<String> {
    pattern.contains("{$").then(|| {
        "runtime expressions like `{$inputs.x}` are not substituted into a regex condition; write the literal text (escape `{` as `\\{`)".to_string()
    })
}

/// Atomic groups (PCRE, Java) are not in the `regex` crate, which never backtracks anyway.
fn atomic_help(pattern: &str) -> Option<String> {
    pattern.contains("(?>").then(|| {
        format!(
            "{SYNTAX}: it has no atomic groups `(?>...)`; it never backtracks, so a plain group `(?:...)` does the same"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_patterns() {
        for p in [
            "^200$",
            r"^2\d{2}$",
            "(?i)bearer [a-z0-9._-]+",
            r"(?P<year>\d{4})-(?<month>\d{2})",
            r"\/api\/hubs",
            "",
            r"\p{Greek}+",
        ] {
            assert_eq!(check(p), Ok(()), "{p}");
        }
    }

    #[test]
    fn look_around_is_named() {
        for (p, column) in [
            ("foo(?=bar)", 4),
            ("(?!x)y", 1),
            ("(?<=a)b", 1),
            ("(?<!a)b", 1),
        ] {
            let (message, help) = check(p).unwrap_err();
            assert_eq!(
                message,
                format!(
                    "regex `{p}` uses look-around (`(?=`, `(?!`, `(?<=` or `(?<!`, column {column}), which the `regex` crate does not support"
                )
            );
            assert!(help.unwrap().contains("it has no look-around"));
        }
    }

    #[test]
    fn backreferences_are_named() {
        for p in [r"(a)\1", r"(?<q>['])x\k<q>"] {
            let (message, help) = check(p).unwrap_err();
            assert!(message.contains("uses a backreference"), "{message}");
            assert!(message.ends_with("which the `regex` crate does not support"));
            assert!(help.unwrap().contains("repeat the group's pattern"));
        }
    }

    #[test]
    fn syntax_errors_say_what_and_where() {
        let (message, help) = check("a(b").unwrap_err();
        assert_eq!(message, "invalid regex `a(b`: unclosed group (column 2)");
        assert_eq!(help.as_deref(), Some(SYNTAX));
        let (message, _) = check("*a").unwrap_err();
        assert_eq!(
            message,
            "invalid regex `*a`: repetition operator missing expression (column 1)"
        );
        let (message, _) = check(r"\p{Klingon}").unwrap_err();
        assert_eq!(
            message,
            r"invalid regex `\p{Klingon}`: Unicode property not found (column 1)"
        );
    }

    #[test]
    fn atomic_groups_get_their_own_help() {
        let (message, help) = check("(?>ab)c").unwrap_err();
        assert!(
            message.starts_with("invalid regex `(?>ab)c`: "),
            "{message}"
        );
        assert!(help.unwrap().contains("no atomic groups"));
    }

    #[test]
    fn embedded_runtime_expressions_are_explained() {
        let (message, help) = check("^({$inputs.statusPattern})$").unwrap_err();
        assert!(message.starts_with("invalid regex"), "{message}");
        assert!(
            help.unwrap()
                .contains("not substituted into a regex condition")
        );
    }

    #[test]
    fn too_big_is_an_error() {
        let (message, help) = check(r"\w{1000}\w{1000}\w{1000}").unwrap_err();
        assert!(message.contains("byte limit"), "{message}");
        assert!(help.unwrap().contains("smaller counted repetitions"));
    }

    #[test]
    fn deep_nesting_is_the_regex_crates_own_error() {
        // regex-syntax refuses nesting past 250 itself, before recursing that deep.
        let deep = format!("{}a{}", "(".repeat(10_000), ")".repeat(10_000));
        let (message, _) = check(&deep).unwrap_err();
        assert!(message.contains("nest"), "{message}");
    }
}
