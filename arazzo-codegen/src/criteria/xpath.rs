//! XPath criteria: the `condition` is an XPath 1.0 expression (parsed with `sxd-xpath`, the
//! crate `arazzo_runtime::__private::criteria::xpath` evaluates with) over the context XML, evaluated at
//! the document root; it passes when its value is true under XPath 1.0's `boolean()`: `true`,
//! a non-empty node-set, a number other than zero and NaN, a non-empty string.
//!
//! Beyond syntax, three things would parse but could never succeed at run time, so they are
//! build errors too: variables (`$x`: Arazzo has no way to bind them), namespace prefixes
//! (`soap:Envelope`: nor to declare them) and functions outside the XPath 1.0 library that
//! `sxd-xpath` implements (XPath 2.0+ functions such as `matches()`, and 1.0's `id()` and
//! `lang()`, which it lacks). So is `{$...}` in a string literal: runtime expressions are
//! not substituted, and it would be compared as that text.

use sxd_xpath::Factory;

/// A build error: the message, and a help line when a fix can be named.
pub(crate) type XPathError = (String, Option<String>);

/// The XPath 1.0 core functions that `sxd-xpath` implements: all but `id()` and `lang()`.
const FUNCTIONS: [&str; 25] = [
    "last",
    "position",
    "count",
    "local-name",
    "namespace-uri",
    "name",
    "string",
    "concat",
    "starts-with",
    "contains",
    "substring-before",
    "substring-after",
    "substring",
    "string-length",
    "normalize-space",
    "translate",
    "boolean",
    "not",
    "true",
    "false",
    "number",
    "sum",
    "floor",
    "ceiling",
    "round",
];

/// Node tests written like calls: `text()`, `node()`, ...
const NODE_TYPES: [&str; 4] = ["node", "text", "comment", "processing-instruction"];
/// Operators spelled as names, which may be followed by `(`.
const OPERATOR_NAMES: [&str; 4] = ["and", "or", "div", "mod"];

/// `Ok(())` when `expr` is an XPath 1.0 expression that can be evaluated; otherwise what is
/// wrong and how to write it instead.
pub(crate) fn check(expr: &str) -> Result<(), XPathError> {
    super::nesting::pre_scan("XPath", expr)?;
    match Factory::new().build(expr) {
        Ok(Some(_)) => {}
        Ok(None) => {
            return Err((
                "the XPath condition is empty".into(),
                Some(
                    "write an XPath 1.0 expression, e.g. `/root/pets` or `count(/root/pets/*) > 0`"
                        .into(),
                ),
            ));
        }
        Err(e) => {
            let what = readable(&e.to_string());
            return Err((
                format!("invalid XPath 1.0 expression `{expr}`: {what}"),
                Some(syntax_help(expr)),
            ));
        }
    }
    if expr.contains("{$") {
        // Only a string literal can hold `{`, and it would be compared as that very text.
        return Err((
            format!(
                "XPath condition `{expr}` contains `{{$`: runtime expressions are not substituted into an XPath condition"
            ),
            Some(
                "write the literal value, or compare the value with a simple condition, e.g. `$response.body#/status == $inputs.status`"
                    .into(),
            ),
        ));
    }
    for token in names(expr) {
        match token {
            Name::Variable(name) => {
                return Err((
                    format!("XPath condition `{expr}` uses the variable `${name}`, which nothing binds"),
                    Some(
                        "write the value itself; runtime expressions are not substituted into an XPath condition".into(),
                    ),
                ));
            }
            Name::Prefixed(qname) => {
                let local = qname.split_once(':').map_or(qname, |(_, l)| l);
                return Err((
                    format!(
                        "XPath condition `{expr}` uses the namespace prefix in `{qname}`, which cannot be declared in Arazzo"
                    ),
                    Some(format!(
                        "match by local name instead: `*[local-name()='{local}']`"
                    )),
                ));
            }
            Name::Call(name) if !FUNCTIONS.contains(&name) => {
                let why = if matches!(name, "id" | "lang") {
                    format!("`{name}()` is an XPath 1.0 function that sxd-xpath does not implement")
                } else {
                    format!("XPath 1.0 has no function `{name}()`")
                };
                return Err((
                    format!("XPath condition `{expr}`: {why}"),
                    Some(format!(
                        "the available functions are {}",
                        FUNCTIONS.map(|f| format!("`{f}()`")).join(", ")
                    )),
                ));
            }
            Name::Call(_) => {}
        }
    }
    Ok(())
}

/// `sxd-xpath` displays most errors as variant names (`EmptyPredicate`, `tokenizer error:
/// ExpectedQuote`) and tokens in `Debug` form: make them words.
fn readable(display: &str) -> String {
    if display.starts_with("unexpected token") {
        return "unexpected token".into();
    }
    let (context, name) = display.rsplit_once(": ").unwrap_or(("", display));
    let mut words = String::new();
    for c in name.chars() {
        if c.is_ascii_uppercase() && !words.is_empty() {
            words.push(' ');
        }
        words.push(c.to_ascii_lowercase());
    }
    if context.is_empty() {
        words
    } else {
        format!("{context}: {words}")
    }
}

fn syntax_help(expr: &str) -> String {
    if expr.contains("{$") {
        "runtime expressions like `{$inputs.x}` are not substituted into an XPath condition; write the literal value".into()
    } else {
        "only XPath 1.0 is supported (https://www.w3.org/TR/1999/REC-xpath-19991116/): \
         `if`/`for`/`some`/`every`, sequences and `instance of` are XPath 2.0+"
            .into()
    }
}

/// A name in an expression that needs more than syntax to be valid.
#[derive(Debug, PartialEq)]
enum Name<'a> {
    /// `$name`.
    Variable(&'a str),
    /// `prefix:local` or `prefix:*`.
    Prefixed(&'a str),
    /// `name(` that is neither a node type nor an operator.
    Call(&'a str),
}

/// The variables, prefixed names and function calls of an expression that already parsed,
/// skipping string literals.
fn names(expr: &str) -> Vec<Name<'_>> {
    let bytes = expr.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'\'' || c == b'"' {
            i = expr[i + 1..]
                .find(c as char)
                .map_or(bytes.len(), |end| i + end + 2);
        } else if c == b'$' {
            let end = name_end(expr, i + 1);
            found.push(Name::Variable(&expr[i + 1..end]));
            i = end;
        } else if name_start(c) {
            let mut end = name_end(expr, i);
            let prefixed = expr[end..].starts_with(':') && !expr[end..].starts_with("::");
            if prefixed {
                end = if expr[end + 1..].starts_with('*') {
                    end + 2
                } else {
                    name_end(expr, end + 1)
                };
                found.push(Name::Prefixed(&expr[i..end]));
            } else {
                let name = &expr[i..end];
                let call = expr[end..].trim_start().starts_with('(');
                if call && !NODE_TYPES.contains(&name) && !OPERATOR_NAMES.contains(&name) {
                    found.push(Name::Call(name));
                }
            }
            // A non-ASCII character that is not a name character (`׃`) starts no name: step
            // over it, or the scan would never move on.
            i = end.max(i + expr[i..].chars().next().map_or(1, char::len_utf8));
        } else {
            i += 1;
        }
    }
    found
}

/// Names start with a letter or `_`; non-ASCII counts as a letter.
fn name_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c >= 0x80
}

/// Where the NCName starting at `start` ends (letters, digits, `.`, `-`, `_`, non-ASCII).
fn name_end(expr: &str, start: usize) -> usize {
    expr[start..]
        .char_indices()
        .find(|&(_, c)| !(c.is_alphanumeric() || matches!(c, '.' | '-' | '_')))
        .map_or(expr.len(), |(at, _)| start + at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_expressions() {
        for e in [
            "/root/pets",
            "count(/root/pets/*) > 0",
            "//item[@id='a:b($x)']/text()",
            "/a/b[position() = last()] and not(/a/c)",
            "string-length(normalize-space(/a)) > 0",
            "/a/b div 2 > 1",
            "child::a/descendant-or-self::node()",
            "/a[contains(., \"x\")] or (/b)",
            "/données/élément",
            "1 mod(2)",
        ] {
            assert_eq!(check(e), Ok(()), "{e}");
        }
    }

    #[test]
    fn syntax_errors() {
        let (message, help) = check("/a/b[").unwrap_err();
        assert_eq!(
            message,
            "invalid XPath 1.0 expression `/a/b[`: empty predicate"
        );
        assert!(help.unwrap().starts_with("only XPath 1.0 is supported"));
        let (message, _) = check("for $x in /a return $x").unwrap_err();
        assert_eq!(
            message,
            "invalid XPath 1.0 expression `for $x in /a return $x`: extra unparsed tokens"
        );
        let (message, _) = check("/a[. instance of xs:string]").unwrap_err();
        assert_eq!(
            message,
            "invalid XPath 1.0 expression `/a[. instance of xs:string]`: unexpected token"
        );
        let (message, _) = check("/a[@b = 'x]").unwrap_err();
        assert_eq!(
            message,
            "invalid XPath 1.0 expression `/a[@b = 'x]`: right hand side expression missing"
        );
        let (_, help) = check("/a[. = {$inputs.x}]").unwrap_err();
        assert!(help.unwrap().contains("not substituted"));
        let (message, help) = check("/a[. = '{$inputs.x}']").unwrap_err();
        assert_eq!(
            message,
            "XPath condition `/a[. = '{$inputs.x}']` contains `{$`: runtime expressions are not substituted into an XPath condition"
        );
        assert!(help.unwrap().contains("simple condition"));
        let (message, _) = check("").unwrap_err();
        assert_eq!(message, "the XPath condition is empty");
    }

    #[test]
    fn variables_prefixes_and_functions() {
        let (message, _) = check("/a[@id = $id]").unwrap_err();
        assert_eq!(
            message,
            "XPath condition `/a[@id = $id]` uses the variable `$id`, which nothing binds"
        );
        let (message, help) = check("/soap:Envelope/soap:Body").unwrap_err();
        assert_eq!(
            message,
            "XPath condition `/soap:Envelope/soap:Body` uses the namespace prefix in `soap:Envelope`, which cannot be declared in Arazzo"
        );
        assert_eq!(
            help.as_deref(),
            Some("match by local name instead: `*[local-name()='Envelope']`")
        );
        let (message, help) = check("matches(/a, '^x')").unwrap_err();
        assert_eq!(
            message,
            "XPath condition `matches(/a, '^x')`: XPath 1.0 has no function `matches()`"
        );
        assert!(help.unwrap().contains("`starts-with()`"));
        let (message, _) = check("id('x')").unwrap_err();
        assert_eq!(
            message,
            "XPath condition `id('x')`: `id()` is an XPath 1.0 function that sxd-xpath does not implement"
        );
    }

    #[test]
    fn name_scanner() {
        assert_eq!(
            names("count(/a/x:*) and f ($v) or text()"),
            vec![
                Name::Call("count"),
                Name::Prefixed("x:*"),
                Name::Call("f"),
                Name::Variable("v"),
            ]
        );
        assert_eq!(names("'f(' = \"$x\""), vec![]);
    }

    #[test]
    fn deep_expressions_are_refused_before_the_parser() {
        // ~570 levels overflowed sxd-xpath's stack in a debug build.
        let deep = format!("{}1{}", "(".repeat(570), ")".repeat(570));
        let (message, _) = check(&deep).unwrap_err();
        assert!(message.contains("nests more than 64 levels"), "{message}");
        assert!(check(&format!("{}1", "-".repeat(570))).is_err());
        assert!(check(&format!("/a{}", "[b".repeat(570))).is_err());
    }

    #[test]
    fn a_non_ascii_non_name_character_does_not_stall_the_scan() {
        // Found by the codegen_xpath fuzz target: this looped forever.
        let _ = check("\u{5c3}nn|otar");
        assert!(names("\u{5c3}f(1)").contains(&Name::Call("f")));
    }
}
