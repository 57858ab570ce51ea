//! The OData filter subset Web PubSub uses to pick connections: `userId`, `connectionId` and
//! `groups`; `eq ne gt ge lt le` on strings (and `null`), `'g' in groups`, `not`, `and`, `or`
//! and parentheses. A small recursive-descent parser; bad filters become a 400.
//!
//! Bounded on purpose: the text is limited in length, and only parentheses and `not` recurse,
//! each counted against a depth limit (hard ceiling [`MAX_DEPTH_CEILING`]), so no input can
//! exhaust the stack. `and`/`or` chains are read in a loop into one n-ary node, so a chain of
//! 20,000 terms costs no stack at all, neither to parse, to evaluate nor to drop.

use std::collections::HashSet;

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Filter {
    /// Any of the terms (an `or` chain).
    Or(Vec<Filter>),
    /// All of the terms (an `and` chain).
    And(Vec<Filter>),
    Not(Box<Filter>),
    Compare(Operand, CompareOp, Operand),
    InGroups(Operand),
}

/// A value in a comparison.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Operand {
    UserId,
    ConnectionId,
    Literal(String),
    Null,
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum CompareOp {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

/// What a filter looks at in one connection.
pub(crate) struct Subject<'a> {
    pub(crate) connection_id: &'a str,
    pub(crate) user_id: Option<&'a str>,
    pub(crate) groups: &'a HashSet<String>,
}

/// The deepest nesting of parentheses and `not` any configuration may allow: it bounds the
/// recursion of parsing, evaluating and dropping a filter (a few frames a level).
pub const MAX_DEPTH_CEILING: usize = 64;

/// How large a filter may be.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FilterLimits {
    /// Longest filter text, in bytes.
    pub(crate) max_length: usize,
    /// Deepest nesting of parentheses and `not`; at most [`MAX_DEPTH_CEILING`].
    pub(crate) max_depth: usize,
}

impl Filter {
    /// Parses `text`; the error says what is wrong and where.
    pub(crate) fn parse(text: &str, limits: FilterLimits) -> Result<Filter, String> {
        if text.len() > limits.max_length {
            return Err(format!(
                "the filter is {} bytes long; the limit is {} bytes",
                text.len(),
                limits.max_length
            ));
        }
        let tokens = tokenize(text)?;
        let mut parser = Parser {
            tokens,
            pos: 0,
            depth: 0,
            max_depth: limits.max_depth.min(MAX_DEPTH_CEILING),
        };
        let filter = parser.or()?;
        match parser.tokens.get(parser.pos) {
            None => Ok(filter),
            Some(t) => Err(format!("unexpected {} in filter", t.describe())),
        }
    }

    /// How many terms and operators the filter has: the most work one evaluation does.
    pub(crate) fn size(&self) -> usize {
        let mut pending = vec![self];
        let mut size = 0;
        while let Some(f) = pending.pop() {
            size += 1;
            match f {
                Filter::Or(terms) | Filter::And(terms) => pending.extend(terms),
                Filter::Not(a) => pending.push(a),
                Filter::Compare(..) | Filter::InGroups(_) => {}
            }
        }
        size
    }

    /// Whether the connection described by `s` satisfies the filter.
    pub(crate) fn matches(&self, s: &Subject<'_>) -> bool {
        match self {
            Filter::Or(terms) => terms.iter().any(|t| t.matches(s)),
            Filter::And(terms) => terms.iter().all(|t| t.matches(s)),
            Filter::Not(a) => !a.matches(s),
            Filter::InGroups(v) => value(v, s).is_some_and(|g| s.groups.contains(g)),
            Filter::Compare(l, op, r) => {
                let (l, r) = (value(l, s), value(r, s));
                match op {
                    CompareOp::Eq => l == r,
                    CompareOp::Ne => l != r,
                    _ => match (l, r) {
                        (Some(l), Some(r)) => match op {
                            CompareOp::Gt => l > r,
                            CompareOp::Ge => l >= r,
                            CompareOp::Lt => l < r,
                            _ => l <= r,
                        },
                        _ => false,
                    },
                }
            }
        }
    }
}

fn value<'a>(o: &'a Operand, s: &Subject<'a>) -> Option<&'a str> {
    match o {
        Operand::UserId => s.user_id,
        Operand::ConnectionId => Some(s.connection_id),
        Operand::Literal(v) => Some(v),
        Operand::Null => None,
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    Str(String),
    Word(String),
}

impl Token {
    fn describe(&self) -> String {
        match self {
            Token::Open => "`(`".into(),
            Token::Close => "`)`".into(),
            Token::Str(s) => format!("string '{s}'"),
            Token::Word(w) => format!("`{w}`"),
        }
    }

    fn is_word(&self, w: &str) -> bool {
        matches!(self, Token::Word(x) if x.eq_ignore_ascii_case(w))
    }
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '(' {
            chars.next();
            tokens.push(Token::Open);
        } else if c == ')' {
            chars.next();
            tokens.push(Token::Close);
        } else if c == '\'' {
            chars.next();
            let mut s = String::new();
            loop {
                match chars.next() {
                    None => return Err("unterminated string in filter".into()),
                    // OData escapes a quote by doubling it.
                    Some('\'') if chars.peek() == Some(&'\'') => {
                        chars.next();
                        s.push('\'');
                    }
                    Some('\'') => break,
                    Some(c) => s.push(c),
                }
            }
            tokens.push(Token::Str(s));
        } else if c.is_alphanumeric() || c == '_' {
            let mut w = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_alphanumeric() || c == '_' {
                    w.push(c);
                    chars.next();
                } else {
                    break;
                }
            }
            tokens.push(Token::Word(w));
        } else {
            return Err(format!("unexpected character `{c}` in filter"));
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    /// Parentheses and `not`s open around the current position.
    depth: usize,
    max_depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Result<Token, String> {
        let t = self
            .tokens
            .get(self.pos)
            .cloned()
            .ok_or_else(|| "unexpected end of filter".to_string())?;
        self.pos += 1;
        Ok(t)
    }

    fn or(&mut self) -> Result<Filter, String> {
        let mut terms = vec![self.and()?];
        while self.peek().is_some_and(|t| t.is_word("or")) {
            self.pos += 1;
            terms.push(self.and()?);
        }
        Ok(one_or(terms, Filter::Or))
    }

    fn and(&mut self) -> Result<Filter, String> {
        let mut terms = vec![self.unary()?];
        while self.peek().is_some_and(|t| t.is_word("and")) {
            self.pos += 1;
            terms.push(self.unary()?);
        }
        Ok(one_or(terms, Filter::And))
    }

    /// Enters one level of nesting, refusing to go past the limit.
    fn descend(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > self.max_depth {
            return Err(format!(
                "the filter nests parentheses and `not` deeper than the limit of {} levels",
                self.max_depth
            ));
        }
        Ok(())
    }

    fn unary(&mut self) -> Result<Filter, String> {
        if self.peek().is_some_and(|t| t.is_word("not")) {
            self.pos += 1;
            self.descend()?;
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Filter::Not(Box::new(inner)));
        }
        if self.peek() == Some(&Token::Open) {
            self.pos += 1;
            self.descend()?;
            let inner = self.or()?;
            self.depth -= 1;
            return match self.next()? {
                Token::Close => Ok(inner),
                t => Err(format!("expected `)` but found {}", t.describe())),
            };
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Filter, String> {
        let left = self.operand()?;
        let op = match self.next()? {
            Token::Word(w) => w.to_ascii_lowercase(),
            t => return Err(format!("expected an operator but found {}", t.describe())),
        };
        if op == "in" {
            return match self.next()? {
                Token::Word(w) if w.eq_ignore_ascii_case("groups") => Ok(Filter::InGroups(left)),
                t => Err(format!(
                    "expected `groups` after `in` but found {}",
                    t.describe()
                )),
            };
        }
        let op = match op.as_str() {
            "eq" => CompareOp::Eq,
            "ne" => CompareOp::Ne,
            "gt" => CompareOp::Gt,
            "ge" => CompareOp::Ge,
            "lt" => CompareOp::Lt,
            "le" => CompareOp::Le,
            other => return Err(format!("unknown operator `{other}` in filter")),
        };
        let right = self.operand()?;
        Ok(Filter::Compare(left, op, right))
    }

    fn operand(&mut self) -> Result<Operand, String> {
        match self.next()? {
            Token::Str(s) => Ok(Operand::Literal(s)),
            Token::Word(w) if w.eq_ignore_ascii_case("userId") => Ok(Operand::UserId),
            Token::Word(w) if w.eq_ignore_ascii_case("connectionId") => Ok(Operand::ConnectionId),
            Token::Word(w) if w.eq_ignore_ascii_case("null") => Ok(Operand::Null),
            t => Err(format!(
                "expected userId, connectionId, a string or null but found {}",
                t.describe()
            )),
        }
    }
}

/// The single term itself, or the chain of several.
fn one_or(mut terms: Vec<Filter>, chain: fn(Vec<Filter>) -> Filter) -> Filter {
    if terms.len() == 1
        && let Some(only) = terms.pop()
    {
        return only;
    }
    chain(terms)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: FilterLimits = FilterLimits {
        max_length: 64 * 1024,
        max_depth: 32,
    };

    fn check(filter: &str, user: Option<&str>, groups: &[&str]) -> bool {
        let groups: HashSet<String> = groups.iter().map(|g| g.to_string()).collect();
        let s = Subject {
            connection_id: "c1",
            user_id: user,
            groups: &groups,
        };
        Filter::parse(filter, LIMITS).unwrap().matches(&s)
    }

    #[test]
    fn size_counts_every_term_and_operator() {
        let size = |f: &str| Filter::parse(f, LIMITS).unwrap().size();
        assert_eq!(size("userId eq 'a'"), 1);
        assert_eq!(size("userId eq 'a' or userId eq 'b' or 'g' in groups"), 4);
        assert_eq!(size("not (userId eq 'a' and connectionId ne null)"), 4);
        let chain = vec!["userId eq 'a'"; 3_000].join(" or ");
        assert_eq!(size(&chain), 3_001);
    }

    #[test]
    fn evaluates_forms_the_sdks_send() {
        assert!(check("userId eq 'a'", Some("a"), &[]));
        assert!(!check("userId ne 'a'", Some("a"), &[]));
        assert!(check("connectionId eq 'c1'", None, &[]));
        assert!(check("'g' in groups", None, &["g"]));
        assert!(check("not ('g' in groups)", None, &["h"]));
        assert!(check(
            "userId eq 'a' or 'g' in groups and userId eq 'b'",
            Some("a"),
            &[]
        ));
        assert!(!check(
            "(userId eq 'a' or 'g' in groups) and userId eq 'b'",
            Some("a"),
            &["g"]
        ));
        assert!(check("userId eq 'it''s'", Some("it's"), &[]));
        assert!(check("userId eq null", None, &[]));
    }

    #[test]
    fn rejects_bad_filters() {
        for bad in [
            "userId",
            "userId eq",
            "userId foo 'a'",
            "('a' in groups",
            "'a' in users",
            "userId eq 'a' )",
            "x eq 'a'",
            "userId eq 'a",
        ] {
            assert!(Filter::parse(bad, LIMITS).is_err(), "{bad}");
        }
    }

    /// Issue 8: 700 nested parentheses overflowed the stack of a debug build.
    #[test]
    fn deep_nesting_is_refused_not_a_crash() {
        let deep = format!("{}userId eq 'a'{}", "(".repeat(700), ")".repeat(700));
        let err = Filter::parse(&deep, LIMITS).unwrap_err();
        assert!(err.contains("deeper than the limit of 32"), "{err}");
        let nots = format!("{}userId eq 'a'", "not ".repeat(100_000));
        let unlimited = FilterLimits {
            max_length: usize::MAX,
            max_depth: usize::MAX,
        };
        let err = Filter::parse(&nots, unlimited).unwrap_err();
        assert!(
            err.contains(&format!("limit of {MAX_DEPTH_CEILING}")),
            "{err}"
        );
        // Exactly at the limit is fine.
        let at_limit = format!("{}userId eq 'a'{}", "(".repeat(32), ")".repeat(32));
        assert!(check(&at_limit, Some("a"), &[]));
    }

    /// Issue 8: ~8,000 (debug) / ~20,000 (release) `or` terms overflowed the stack.
    #[test]
    fn long_chains_parse_and_evaluate_without_recursion() {
        let unlimited = FilterLimits {
            max_length: usize::MAX,
            max_depth: 32,
        };
        for op in ["or", "and"] {
            let chain = (0..20_000)
                .map(|i| format!("userId ne 'u{i}'"))
                .collect::<Vec<_>>()
                .join(&format!(" {op} "));
            let f = Filter::parse(&chain, unlimited).unwrap();
            let groups = HashSet::new();
            let s = Subject {
                connection_id: "c",
                user_id: Some("u19999"),
                groups: &groups,
            };
            // `or`: some term holds; `and`: the last term fails.
            assert_eq!(f.matches(&s), op == "or");
        }
    }

    #[test]
    fn length_limit_is_checked_before_parsing() {
        let long = format!("userId eq '{}'", "x".repeat(100));
        let limits = FilterLimits {
            max_length: 50,
            max_depth: 32,
        };
        let err = Filter::parse(&long, limits).unwrap_err();
        assert!(err.contains("the limit is 50 bytes"), "{err}");
    }
}
