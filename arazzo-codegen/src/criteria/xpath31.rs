//! XPath 3.1 expressions (Arazzo 1.1's default XPath version) in criteria and Selector
//! Objects, compiled at build time by `xee-xpath`, the engine `arazzo-runtime` evaluates them
//! with (its `xpath31` feature). Compiling is all that happens to the text here: a syntax error
//! or a static error (an unknown function, an unbound variable or namespace prefix) is a build
//! error at the expression; nothing is evaluated.
//!
//! xee is a heavy build, so it is behind this crate's `xpath31` feature (off by default).
//! Without it an XPath 3.1 expression is still a build error, one that names the two features
//! to turn on.

/// How deep brackets (`(`, `[`, `{`) may nest in an XPath 3.1 expression. xee's parser
/// backtracks: its time grows about 1.6-fold per level (in a debug build, 16 nested parentheses
/// took 8 s, 64 had not finished after minutes, and overflowed a 2 MiB stack), so the limit is
/// far below the 64 of [`super::nesting`]. Real expressions nest 2 to 4 deep.
pub(crate) const MAX_NESTING: usize = 8;

/// The longest XPath 3.1 expression accepted, in bytes. xee's parser also recurses once per
/// operator of a flat chain (`a or b or ...`): in a debug build 200 `or`s overflowed a 2 MiB
/// stack, the default of the tokio worker threads the runtime compiles the same text on; 256
/// bytes hold at most ~128 operators, which stayed within it (see the tests).
pub(crate) const MAX_LENGTH: usize = 256;

/// The stack of the thread that compiles at build time: far beyond what [`MAX_LENGTH`] and
/// [`MAX_NESTING`] let through, so that no expression can overflow the build script's.
#[cfg(feature = "xpath31")]
const COMPILE_STACK: usize = 64 << 20;

/// A build error: the message, the byte range in the expression it concerns (when known), and
/// a help line.
pub(crate) type XPath31Error = (String, Option<std::ops::Range<usize>>, Option<String>);

/// The help line of a build without the `xpath31` feature.
#[cfg(not(feature = "xpath31"))]
pub(crate) const FEATURE_HELP: &str = "in Cargo.toml: `arazzo-codegen = { version = \"0.1\", features = [\"xpath31\"] }` under [build-dependencies] and `arazzo-runtime = { version = \"0.1\", features = [\"xpath31\"] }` under [dependencies] (the `arazzo-codegen` command: install it with `--features xpath31`)";

/// `Ok(())` when `expr` compiles as XPath 3.1; otherwise what is wrong, where, and a help line.
/// `what` names the expression in messages (`XPath 3.1 condition`, `XPath 3.1 selector`).
pub(crate) fn check(what: &str, expr: &str) -> Result<(), XPath31Error> {
    super::nesting::pre_scan("XPath 3.1", expr).map_err(|(message, help)| (message, None, help))?;
    if expr.len() > MAX_LENGTH {
        return Err((
            format!(
                "the {what} is {} bytes long; the limit is {MAX_LENGTH}",
                expr.len()
            ),
            None,
            Some("split it into several criteria, or select in several steps".into()),
        ));
    }
    let mut depth = 0usize;
    for (at, c) in expr.char_indices() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth > MAX_NESTING {
            return Err((
                format!("the {what} nests brackets more than {MAX_NESTING} levels deep"),
                Some(at..at + 1),
                Some("use fewer nested brackets: the XPath 3.1 parser's time grows steeply with nesting".into()),
            ));
        }
    }
    if expr.trim().is_empty() {
        return Err((
            format!("the {what} is empty"),
            None,
            Some("write an XPath 3.1 expression, e.g. `/order/status = 'paid'`".into()),
        ));
    }
    compile(what, expr)
}

#[cfg(feature = "xpath31")]
fn compile(what: &str, expr: &str) -> Result<(), XPath31Error> {
    let text = expr.to_owned();
    let compiled = std::thread::Builder::new()
        .name("xpath31-compile".into())
        .stack_size(COMPILE_STACK)
        .spawn(move || {
            xee_xpath::Queries::default()
                .sequence(&text)
                .err()
                .map(|err| (err.error, err.span.map(|s| s.range())))
        })
        .map_err(|err| err.to_string())
        .and_then(|thread| {
            thread
                .join()
                .map_err(|_| "the compiler panicked".to_owned())
        });
    let (error, span) = match compiled {
        Ok(None) => return Ok(()),
        Ok(Some(found)) => found,
        Err(why) => {
            return Err((
                format!("the {what} `{expr}` could not be compiled: {why}"),
                None,
                None,
            ));
        }
    };
    // The span is a byte range of `expr` (xee parses the same text); dropped if it is not.
    let range =
        span.filter(|r| r.start <= r.end && r.end <= expr.len() && expr.is_char_boundary(r.start));
    let description = error.message().trim_end_matches('.').to_owned();
    let description = if description.is_empty() {
        "static error".to_owned()
    } else {
        description.to_lowercase()
    };
    let help = match error {
        xee_xpath::error::ErrorValue::XPST0017 => {
            "call a function of the XPath 3.1 library (https://www.w3.org/TR/xpath-functions-31/) with its number of arguments, e.g. `count(/a/b)`, `matches(/a, '^x')`"
        }
        xee_xpath::error::ErrorValue::XPST0008 | xee_xpath::error::ErrorValue::XPST0081 => {
            "Arazzo cannot bind variables or declare namespace prefixes: write the value itself, and match prefixed names by local name (`*:Envelope` or `*[local-name()='Envelope']`)"
        }
        _ => {
            "write an XPath 3.1 expression (https://www.w3.org/TR/xpath-31/), e.g. `/order/status = 'paid'` or `count(//item) > 0`"
        }
    };
    Err((
        format!("invalid {what} `{expr}`: {} {description}", error.code()),
        range,
        Some(help.into()),
    ))
}

#[cfg(not(feature = "xpath31"))]
fn compile(what: &str, _expr: &str) -> Result<(), XPath31Error> {
    Err((
        format!(
            "this {what} needs the `xpath31` feature of arazzo-codegen (build-dependencies) and of arazzo-runtime (dependencies)"
        ),
        None,
        Some(FEATURE_HELP.into()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "xpath31")]
    #[test]
    fn xpath31_expressions_compile() {
        for e in [
            "/order/status = 'paid'",
            "count(//item) > 0",
            "matches(/a, '^x')",
            "every $i in //item satisfies $i/@ok = 'true'",
            "if (/a) then 1 else 2",
            "/*:Envelope/*:Body",
            "string-join(//b ! string(), ',')",
        ] {
            assert_eq!(check("XPath 3.1 condition", e), Ok(()), "{e}");
        }
    }

    #[cfg(feature = "xpath31")]
    #[test]
    fn syntax_and_static_errors_are_located() {
        let (message, range, help) = check("XPath 3.1 condition", "/a/b[").unwrap_err();
        assert!(
            message.starts_with("invalid XPath 3.1 condition `/a/b[`: XPST0003"),
            "{message}"
        );
        assert!(range.is_some());
        assert!(help.is_some());
        let (message, range, help) =
            check("XPath 3.1 condition", "no-such-function(/a)").unwrap_err();
        assert!(message.contains("XPST0017"), "{message}");
        assert_eq!(range, Some(0..20));
        assert!(help.unwrap().contains("XPath 3.1 library"));
        let (message, _, _) = check("XPath 3.1 selector", "/a[@id = $id]").unwrap_err();
        assert!(message.contains("XPST0008"), "{message}");
        let (message, _, _) = check("XPath 3.1 selector", "/soap:Envelope").unwrap_err();
        assert!(message.contains("XPST0081"), "{message}");
    }

    #[cfg(not(feature = "xpath31"))]
    #[test]
    fn without_the_feature_the_error_names_both_features() {
        let (message, range, help) = check("XPath 3.1 condition", "/a").unwrap_err();
        assert_eq!(
            message,
            "this XPath 3.1 condition needs the `xpath31` feature of arazzo-codegen (build-dependencies) and of arazzo-runtime (dependencies)"
        );
        assert_eq!(range, None);
        let help = help.unwrap();
        assert!(help.contains("arazzo-codegen = { version = \"0.1\", features = [\"xpath31\"] }"));
        assert!(help.contains("arazzo-runtime = { version = \"0.1\", features = [\"xpath31\"] }"));
    }

    #[cfg(feature = "xpath31")]
    #[test]
    fn the_deepest_expressions_let_through_compile_at_once() {
        // On a test thread's 2 MiB stack, smaller than a build script's; each takes a few
        // milliseconds (in a debug build), where 16 levels took seconds.
        let start = std::time::Instant::now();
        for deep in [
            format!("{}1{}", "(".repeat(8), ")".repeat(8)),
            format!("/a{}", "[b".repeat(8)) + &"]".repeat(8),
            format!("{}1{}", "array{".repeat(8), "}".repeat(8)),
            format!("{}1", "-".repeat(64)),
        ] {
            assert_eq!(check("XPath 3.1 condition", &deep), Ok(()));
            // As the runtime compiles it, on a 2 MiB stack.
            assert!(
                xee_xpath::Queries::default().sequence(&deep).is_ok(),
                "{deep}"
            );
        }
        // Flat chains up to the length limit, compiled here on this 2 MiB test thread as the
        // runtime compiles them on a tokio worker's.
        for flat in [
            vec!["a"; 52].join(" or "),
            vec!["1"; 128].join("+"),
            vec!["a"; 128].join("/"),
            format!("({})", vec!["1"; 127].join(",")),
        ] {
            assert!(flat.len() <= MAX_LENGTH);
            assert!(
                xee_xpath::Queries::default().sequence(&flat).is_ok(),
                "{flat}"
            );
        }
        let long = "a".repeat(MAX_LENGTH + 1);
        let (message, _, _) = check("XPath 3.1 condition", &long).unwrap_err();
        assert_eq!(
            message,
            "the XPath 3.1 condition is 257 bytes long; the limit is 256"
        );
        // Generous: a guard against a parser that turned exponential, not a benchmark.
        assert!(start.elapsed() < std::time::Duration::from_secs(30));
    }

    #[test]
    fn deep_or_empty_expressions_never_reach_the_engine() {
        let deep = format!("{}1{}", "(".repeat(570), ")".repeat(570));
        let (message, _, _) = check("XPath 3.1 condition", &deep).unwrap_err();
        assert!(message.contains("nests more than 64 levels"), "{message}");
        let deep = format!("{}1{}", "(".repeat(9), ")".repeat(9));
        let (message, range, _) = check("XPath 3.1 selector", &deep).unwrap_err();
        assert_eq!(
            message,
            "the XPath 3.1 selector nests brackets more than 8 levels deep"
        );
        assert_eq!(range, Some(8..9));
        let (message, _, _) =
            check("XPath 3.1 selector", "/a[b[c[d[e[f[g[h[i[1]]]]]]]]]").unwrap_err();
        assert!(message.contains("more than 8 levels"), "{message}");
        let (message, _, _) = check("XPath 3.1 condition", " ").unwrap_err();
        assert_eq!(message, "the XPath 3.1 condition is empty");
    }
}
