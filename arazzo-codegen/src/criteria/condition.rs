//! Simple conditions: `$statusCode == 200 && $response.body#/status == 'approved'`.
//!
//! Our own grammar (the Arazzo spec gives only examples): `||` binds looser than `&&`; `!` and
//! parentheses group; `== != < <= > >=` compare two values and never chain; values are
//! `true`, `false`, `null`, JSON numbers, `'single-quoted'` strings (`''` is a quote) and
//! runtime expressions followed by `.member` / `[index]` navigation. An operand may be written
//! braced (`{$statusCode}`); a name holding `.` must be (`{$inputs.a.b}`), because in a
//! condition a `.` after a name navigates into the value.

use std::fmt;
use std::ops::Range;

use serde_json::Number;

use crate::expr::{self, Expr, ExprError, Mode};

#[cfg(any(test, feature = "fuzzing"))]
mod print;

/// A parsed simple condition.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Condition {
    /// `a || b`.
    Or(Box<Condition>, Box<Condition>),
    /// `a && b`.
    And(Box<Condition>, Box<Condition>),
    /// `!a`.
    Not(Box<Condition>),
    /// `left <op> right`.
    Compare {
        /// The comparison.
        op: CmpOp,
        /// The left value.
        left: Operand,
        /// The right value.
        right: Operand,
    },
    /// A bare operand: true when it is `true` or `"true"`.
    Operand(Operand),
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CmpOp {
    /// `==`.
    Eq,
    /// `!=`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
}

impl CmpOp {
    /// The operator as written.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

/// One side of a comparison, or a bare operand.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Operand {
    /// A literal value.
    Literal(Literal),
    /// A runtime expression and the navigation after it.
    Expr {
        /// The expression.
        expr: Expr,
        /// `.member` and `[index]` steps into its value (empty when the expression has a pointer).
        path: Vec<Access>,
        /// Byte range of the expression in the condition text (braces included, navigation not).
        span: Range<usize>,
    },
}

/// A literal value.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Literal {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A JSON number.
    Number(Number),
    /// A `'single-quoted'` string, unescaped.
    String(String),
}

/// One navigation step after an expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Access {
    /// `.member`.
    Member(String),
    /// `[index]`.
    Index(usize),
}

/// How deep `!` and parentheses may nest; deeper input is an error, not a stack overflow.
const MAX_DEPTH: usize = 64;

const VALUES_HELP: &str = "a value is a runtime expression (`$statusCode`), a number, a `'string'`, `true`, `false` or `null`";

/// Parses a simple condition.
pub(crate) fn parse(text: &str) -> Result<Condition, ExprError> {
    let mut p = Parser {
        text,
        pos: 0,
        depth: 0,
    };
    p.ws();
    if p.peek().is_none() {
        return Err(ExprError::new(0, text.len(), "the condition is empty")
            .with_help("write a condition such as `$statusCode == 200`"));
    }
    let condition = p.or()?;
    p.ws();
    if p.peek().is_some() {
        return Err(p.unexpected("after the condition"));
    }
    Ok(condition)
}

/// Chains up to this many terms nest to the left, as written; longer chains are grouped as a
/// balanced tree.
const LEFT_CHAIN: usize = 16;

/// Joins the terms of a `&&` or `||` chain. Both operators are associative and the terms keep
/// their order, so grouping a long chain as a balanced tree changes nothing it means, while
/// every later pass (checking, emitting, the generated Rust, dropping) recurses only
/// `log2(terms)` deep: a 10,000-term chain is 14 levels, not 10,000.
fn chain(
    mut terms: Vec<Condition>,
    join: fn(Box<Condition>, Box<Condition>) -> Condition,
) -> Condition {
    if terms.len() > LEFT_CHAIN {
        let right = terms.split_off(terms.len() / 2);
        return join(Box::new(chain(terms, join)), Box::new(chain(right, join)));
    }
    let mut terms = terms.into_iter();
    // The parser pushes a term before every call, so the chain is never empty.
    let first = terms
        .next()
        .unwrap_or(Condition::Operand(Operand::Literal(Literal::Null)));
    terms.fold(first, |left, right| join(Box::new(left), Box::new(right)))
}

#[derive(Clone)]
struct Parser<'a> {
    text: &'a str,
    pos: usize,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn next_len(&self) -> usize {
        self.peek().map_or(0, char::len_utf8)
    }

    fn ws(&mut self) {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start().len();
    }

    fn eat(&mut self, s: &str) -> bool {
        if self.rest().starts_with(s) {
            self.pos += s.len();
            true
        } else {
            false
        }
    }

    /// The word (letters, digits, `_`) at the cursor.
    fn word(&self) -> &'a str {
        let rest = self.rest();
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        &rest[..len]
    }

    fn or(&mut self) -> Result<Condition, ExprError> {
        let mut terms = vec![self.and()?];
        loop {
            self.ws();
            if !self.eat("||") {
                return Ok(chain(terms, Condition::Or));
            }
            terms.push(self.and()?);
        }
    }

    fn and(&mut self) -> Result<Condition, ExprError> {
        let mut terms = vec![self.unary()?];
        loop {
            self.ws();
            if !self.eat("&&") {
                return Ok(chain(terms, Condition::And));
            }
            terms.push(self.unary()?);
        }
    }

    fn unary(&mut self) -> Result<Condition, ExprError> {
        self.ws();
        if self.depth >= MAX_DEPTH {
            return Err(ExprError::new(
                self.pos,
                self.next_len(),
                "the condition is nested too deeply",
            )
            .with_help(format!(
                "use at most {MAX_DEPTH} levels of `!` and parentheses"
            )));
        }
        self.depth += 1;
        let result = self.unary_inner();
        self.depth -= 1;
        result
    }

    fn unary_inner(&mut self) -> Result<Condition, ExprError> {
        let start = self.pos;
        if self.rest().starts_with('!') && !self.rest().starts_with("!=") {
            self.pos += 1;
            self.ws();
            // `!` and a parenthesis right after it are one level: `!(a == b)` is as deep as
            // `!a == b`, which reads the same, so a condition prints (with the parentheses)
            // as text within the limit whenever it was read within it.
            let inner = if self.rest().starts_with('(') {
                self.unary_inner()?
            } else {
                self.unary()?
            };
            return Ok(Condition::Not(Box::new(inner)));
        }
        if self.eat("(") {
            let inner = self.or()?;
            self.ws();
            if !self.eat(")") {
                if self.peek().is_some() {
                    return Err(self.unexpected("inside the parentheses"));
                }
                return Err(
                    ExprError::new(start, 1, "unbalanced `(`: nothing closes it")
                        .with_help("add `)` where the group ends"),
                );
            }
            self.ws();
            let op_at = self.pos;
            if let Some((op, _)) = self.cmp_op()? {
                return match inner {
                    Condition::Operand(left) => self.comparison(left),
                    _ => Err(ExprError::new(
                        op_at,
                        op.as_str().len(),
                        format!("a parenthesised condition cannot be compared with `{op}`"),
                    )
                    .with_help(
                        "compare values, then combine the comparisons with `&&`, `||` and `!`",
                    )),
                };
            }
            return Ok(inner);
        }
        let left = self.operand()?;
        self.comparison(left)
    }

    /// After a left operand: `<op> right`, or nothing.
    fn comparison(&mut self, left: Operand) -> Result<Condition, ExprError> {
        self.ws();
        let Some((op, len)) = self.cmp_op()? else {
            return Ok(Condition::Operand(left));
        };
        self.pos += len;
        self.ws();
        if matches!(self.peek(), Some('(' | '!')) {
            return Err(ExprError::new(
                self.pos,
                1,
                format!(
                    "expected a value after `{op}`, found `{}`",
                    self.rest().chars().next().unwrap_or('(')
                ),
            )
            .with_help(VALUES_HELP));
        }
        let right = self.operand()?;
        self.ws();
        let second_at = self.pos;
        if let Some((op2, len2)) = self.cmp_op()? {
            let mut third = self.clone();
            third.pos += len2;
            third.ws();
            let rest = match third.operand() {
                Ok(r) => r.to_string(),
                Err(_) => "...".to_owned(),
            };
            return Err(ExprError::new(second_at, len2, "comparisons cannot be chained").with_help(format!(
                "compare two values at a time and join the comparisons: `{left} {op} {right} && {right} {op2} {rest}`"
            )));
        }
        Ok(Condition::Compare { op, left, right })
    }

    /// The comparison operator at the cursor, without consuming it; the near misses are errors.
    fn cmp_op(&self) -> Result<Option<(CmpOp, usize)>, ExprError> {
        let rest = self.rest();
        let wrong = [
            ("===", "=="),
            ("!==", "!="),
            ("<>", "!="),
            ("=>", ">="),
            ("=<", "<="),
        ];
        for (bad, good) in wrong {
            if rest.starts_with(bad) {
                return Err(ExprError::new(
                    self.pos,
                    bad.len(),
                    format!("`{bad}` is not an operator"),
                )
                .with_help(format!("did you mean `{good}`?")));
            }
        }
        let ops = [
            ("==", CmpOp::Eq),
            ("!=", CmpOp::Ne),
            ("<=", CmpOp::Le),
            (">=", CmpOp::Ge),
            ("<", CmpOp::Lt),
            (">", CmpOp::Gt),
        ];
        for (text, op) in ops {
            if rest.starts_with(text) {
                return Ok(Some((op, text.len())));
            }
        }
        if rest.starts_with('=') {
            return Err(ExprError::new(self.pos, 1, "`=` is not a comparison")
                .with_help("did you mean `==`?"));
        }
        Ok(None)
    }

    /// The error for something that cannot continue the condition at the cursor.
    fn unexpected(&self, place: &str) -> ExprError {
        let at = self.pos;
        let word = self.word();
        let swap = match word.to_ascii_lowercase().as_str() {
            "and" => Some("&&"),
            "or" => Some("||"),
            "not" => Some("!"),
            _ => None,
        };
        if let Some(good) = swap {
            return ExprError::new(at, word.len(), format!("`{word}` is not an operator"))
                .with_help(format!("write `{good}`"));
        }
        let rest = self.rest();
        match self.peek() {
            Some(')') => ExprError::new(at, 1, "unbalanced `)`: no `(` opens it")
                .with_help("remove it, or add `(` where the group starts"),
            Some('&') if !rest.starts_with("&&") => {
                ExprError::new(at, 1, "`&` is not an operator").with_help("write `&&`")
            }
            Some('|') if !rest.starts_with("||") => {
                ExprError::new(at, 1, "`|` is not an operator").with_help("write `||`")
            }
            Some(c) if c == '$' || c == '{' || c == '\'' || c == '"' || c.is_ascii_alphanumeric() => ExprError::new(
                at,
                c.len_utf8(),
                format!("expected an operator {place}, found `{c}`"),
            )
            .with_help("compare values with `==`, `!=`, `<`, `<=`, `>` or `>=`, and join conditions with `&&` or `||`"),
            Some(c) => ExprError::new(at, c.len_utf8(), format!("unexpected `{c}` {place}")),
            None => ExprError::new(at, 0, format!("unexpected end of the condition {place}")),
        }
    }

    fn operand(&mut self) -> Result<Operand, ExprError> {
        self.ws();
        let start = self.pos;
        let rest = self.rest();
        let Some(c) = self.peek() else {
            return Err(ExprError::new(
                start,
                0,
                "expected a value, found the end of the condition",
            )
            .with_help(VALUES_HELP));
        };
        match c {
            '$' => {
                let (expr, end) = expr::parse_prefix(self.text, start, Mode::Condition)?;
                self.pos = end;
                let path = self.navigation(&expr)?;
                Ok(Operand::Expr {
                    expr,
                    path,
                    span: start..end,
                })
            }
            '{' if rest.starts_with("{$") => {
                let (expr, end) = expr::parse_prefix(self.text, start + 1, Mode::Braced)?;
                match self.text[end..].chars().next() {
                    Some('}') => {}
                    None => {
                        return Err(
                            ExprError::new(start, end - start, "`{$` has no closing `}`")
                                .with_help(format!("write `{}}}`", &self.text[start..end])),
                        );
                    }
                    Some(other) => {
                        return Err(ExprError::new(
                            end,
                            other.len_utf8(),
                            format!("unexpected `{other}` in a braced expression; expected `}}`"),
                        )
                        .with_help(format!(
                            "end the expression with `}}`: `{}}}`",
                            &self.text[start..end]
                        )));
                    }
                }
                self.pos = end + 1;
                let path = self.navigation(&expr)?;
                Ok(Operand::Expr {
                    expr,
                    path,
                    span: start..end + 1,
                })
            }
            '\'' => self.string(),
            '"' => {
                let body = &rest[1..];
                let (content, len) = match body.find('"') {
                    Some(i) => (&body[..i], i + 2),
                    None => (body, rest.len()),
                };
                Err(
                    ExprError::new(start, len, "string literals use single quotes")
                        .with_help(format!("write `'{}'`", content.replace('\'', "''"))),
                )
            }
            '-' | '0'..='9' => self.number(),
            '.' if rest[1..].starts_with(|c: char| c.is_ascii_digit()) => {
                Err(ExprError::new(start, 1, "a number starts with a digit")
                    .with_help(format!("write `0{}`", self.number_text(start))))
            }
            c if c.is_ascii_alphabetic() || c == '_' => self.word_value(),
            c => Err(ExprError::new(
                start,
                c.len_utf8(),
                format!("expected a value, found `{c}`"),
            )
            .with_help(VALUES_HELP)),
        }
    }

    /// The number-like text at `from` (for quoting in help).
    fn number_text(&self, from: usize) -> &'a str {
        let rest = &self.text[from..];
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || "+-.".contains(c)))
            .unwrap_or(rest.len());
        &rest[..len]
    }

    /// `.member` and `[index]` steps after an expression.
    fn navigation(&mut self, expr: &Expr) -> Result<Vec<Access>, ExprError> {
        let mut path = Vec::new();
        loop {
            let rest = self.rest();
            let member = rest
                .strip_prefix('.')
                .filter(|r| r.starts_with(expr::is_strict));
            if (member.is_some() || rest.starts_with('['))
                && let Some(pointer) = expr.pointer()
            {
                let (more, len) = nav_text(rest);
                let extended = expr
                    .with_pointer(format!("{pointer}{more}"))
                    .unwrap_or_else(|| expr.clone());
                return Err(ExprError::new(
                    self.pos,
                    len.max(1),
                    "navigation after a JSON pointer: extend the pointer instead",
                )
                .with_help(format!("write `{{{extended}}}`")));
            }
            if let Some(after) = member {
                let len = after
                    .find(|c: char| !expr::is_strict(c))
                    .unwrap_or(after.len());
                path.push(Access::Member(after[..len].to_owned()));
                self.pos += 1 + len;
            } else if let Some(after) = rest.strip_prefix('[') {
                let digits = after
                    .find(|c: char| !c.is_ascii_digit())
                    .unwrap_or(after.len());
                if digits == 0 || !after[digits..].starts_with(']') {
                    let help = match after.strip_prefix('\'').and_then(|a| a.split_once("']")) {
                        Some((name, _)) => format!("write `.{name}` for a member"),
                        None => "an index is a non-negative integer, as in `[0]`; write `.name` for a member".to_owned(),
                    };
                    return Err(
                        ExprError::new(self.pos, 1, "expected an array index in `[...]`")
                            .with_help(help),
                    );
                }
                let index = after[..digits].parse::<usize>().map_err(|_| {
                    ExprError::new(self.pos + 1, digits, "the array index is too large")
                })?;
                path.push(Access::Index(index));
                self.pos += digits + 2;
            } else {
                return Ok(path);
            }
        }
    }

    fn string(&mut self) -> Result<Operand, ExprError> {
        let start = self.pos;
        let mut value = String::new();
        let mut i = start + 1;
        loop {
            let rest = &self.text[i..];
            let Some(quote) = rest.find('\'') else {
                return Err(ExprError::new(
                    start,
                    self.text.len() - start,
                    "this string literal is never closed",
                )
                .with_help("end it with `'` (write `''` for a quote inside it)"));
            };
            value.push_str(&rest[..quote]);
            i += quote + 1;
            if self.text[i..].starts_with('\'') {
                value.push('\'');
                i += 1;
            } else {
                self.pos = i;
                return Ok(Operand::Literal(Literal::String(value)));
            }
        }
    }

    /// A JSON number: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    fn number(&mut self) -> Result<Operand, ExprError> {
        let start = self.pos;
        let bytes = self.text.as_bytes();
        let digits = |mut i: usize| {
            while bytes.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            i
        };
        let bad = |at: usize, message: &str| {
            let text = self.number_text(start);
            ExprError::new(start, text.len().max(at - start), message.to_owned())
        };
        let mut i = start;
        if bytes.get(i) == Some(&b'-') {
            i += 1;
        }
        let int_start = i;
        i = digits(i);
        if i == int_start {
            return Err(bad(i, "expected a digit after `-`")
                .with_help("negative numbers are written `-1`; `-` applies only to numbers"));
        }
        if bytes[int_start] == b'0' && i - int_start > 1 {
            let trimmed = self.text[int_start..i].trim_start_matches('0');
            let sign = &self.text[start..int_start];
            let fixed = if trimmed.is_empty() { "0" } else { trimmed };
            return Err(bad(i, "numbers cannot have leading zeros")
                .with_help(format!("write `{sign}{fixed}`")));
        }
        if bytes.get(i) == Some(&b'.') {
            let frac = digits(i + 1);
            if frac == i + 1 {
                return Err(bad(i + 1, "expected digits after the decimal point")
                    .with_help(format!("write `{}.0`", &self.text[start..i])));
            }
            i = frac;
        }
        if matches!(bytes.get(i), Some(b'e' | b'E')) {
            let mut j = i + 1;
            if matches!(bytes.get(j), Some(b'+' | b'-')) {
                j += 1;
            }
            let exp = digits(j);
            if exp == j {
                return Err(bad(j, "expected digits in the exponent")
                    .with_help("write an exponent such as `1e3`"));
            }
            i = exp;
        }
        let text = &self.text[start..i];
        if let Some(c) = self.text[i..].chars().next()
            && (c.is_ascii_alphanumeric() || c == '_' || c == '.')
        {
            return Err(ExprError::new(
                i,
                c.len_utf8(),
                format!("unexpected `{c}` after the number `{text}`"),
            )
            .with_help("put a space or an operator after a number; strings are written `'...'`"));
        }
        // Rust's float parsing is exact, unlike serde_json's default, so values read back unchanged.
        let number = if let Ok(n) = text.parse::<u64>() {
            Number::from(n)
        } else if let Ok(n) = text.parse::<i64>() {
            Number::from(n)
        } else {
            text.parse::<f64>()
                .ok()
                .and_then(Number::from_f64)
                .ok_or_else(|| {
                    ExprError::new(
                        start,
                        text.len(),
                        format!("the number `{text}` is out of range"),
                    )
                })?
        };
        self.pos = i;
        Ok(Operand::Literal(Literal::Number(number)))
    }

    /// `true`, `false`, `null`, or a word that is a mistake.
    fn word_value(&mut self) -> Result<Operand, ExprError> {
        let start = self.pos;
        let word = self.word();
        let literal = match word {
            "true" => Some(Literal::Bool(true)),
            "false" => Some(Literal::Bool(false)),
            "null" => Some(Literal::Null),
            _ => None,
        };
        if let Some(literal) = literal {
            self.pos += word.len();
            return Ok(Operand::Literal(literal));
        }
        let lower = word.to_ascii_lowercase();
        let err = |message: String| ExprError::new(start, word.len(), message);
        Err(match lower.as_str() {
            "true" | "false" | "null" => err(format!("`{word}` is not a literal: literals are lowercase"))
                .with_help(format!("write `{lower}`")),
            "none" | "nil" | "undefined" => err(format!("`{word}` is not a literal")).with_help("write `null`"),
            "and" | "or" | "not" => return Err(self.unexpected("here")),
            _ if expr::ROOTS.contains(&word) => {
                let rest = self.text[start..]
                    .split(|c: char| c.is_whitespace() || "()=!<>&|".contains(c))
                    .next()
                    .unwrap_or(word);
                err(format!("`{word}` is not a value: runtime expressions start with `$`"))
                    .with_help(format!("write `${rest}`"))
            }
            _ => err(format!("unknown word `{word}`")).with_help(format!(
                "string literals are single-quoted (`'{word}'`) and runtime expressions start with `$`"
            )),
        })
    }
}

/// `.a[0]` at the start of `text` as pointer segments (`/a/0`), and its length.
fn nav_text(text: &str) -> (String, usize) {
    let mut out = String::new();
    let mut pos = 0;
    loop {
        let rest = &text[pos..];
        if let Some(after) = rest.strip_prefix('.') {
            let len = after
                .find(|c: char| !expr::is_strict(c))
                .unwrap_or(after.len());
            if len == 0 {
                break;
            }
            out.push('/');
            out.push_str(&after[..len]);
            pos += 1 + len;
        } else if let Some(after) = rest.strip_prefix('[') {
            let len = after
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(after.len());
            if len == 0 || !after[len..].starts_with(']') {
                break;
            }
            out.push('/');
            out.push_str(&after[..len]);
            pos += len + 2;
        } else {
            break;
        }
    }
    (out, pos)
}

impl fmt::Display for CmpOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Null => f.write_str("null"),
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Number(n) => write!(f, "{n}"),
            Literal::String(s) => write!(f, "'{}'", s.replace('\'', "''")),
        }
    }
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Access::Member(name) => write!(f, ".{name}"),
            Access::Index(i) => write!(f, "[{i}]"),
        }
    }
}

/// Navigation steps as written.
struct PathText<'a>(&'a [Access]);

impl fmt::Display for PathText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|a| write!(f, "{a}"))
    }
}

impl fmt::Display for Operand {
    /// Bare when that reads back the same (`$steps.a.outputs.b[0]`), braced otherwise
    /// (`{$inputs.a.b}`, `{$response.body#/a b}`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operand::Literal(l) => write!(f, "{l}"),
            Operand::Expr { expr, path, .. } => {
                let bare = format!("{expr}{}", PathText(path));
                let mut p = Parser {
                    text: &bare,
                    pos: 0,
                    depth: 0,
                };
                let same = matches!(p.operand(), Ok(Operand::Expr { expr: e, path: pa, .. }) if &e == expr && &pa == path);
                if same && p.pos == bare.len() {
                    f.write_str(&bare)
                } else {
                    write!(f, "{{{expr}}}{}", PathText(path))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::Source;
    use proptest::prelude::*;

    fn ok(text: &str) -> Condition {
        match parse(text) {
            Ok(c) => c,
            Err(e) => panic!("{text}: {e}"),
        }
    }

    fn err(text: &str) -> ExprError {
        match parse(text) {
            Ok(c) => panic!("{text} parsed as {c:?}"),
            Err(e) => e,
        }
    }

    fn ex(expr: Expr, span: Range<usize>) -> Operand {
        Operand::Expr {
            expr,
            path: Vec::new(),
            span,
        }
    }

    fn num(n: i64) -> Operand {
        Operand::Literal(Literal::Number(n.into()))
    }

    fn cmp(op: CmpOp, left: Operand, right: Operand) -> Condition {
        Condition::Compare { op, left, right }
    }

    fn body(pointer: &str) -> Expr {
        Expr::Response(Source::Body(Some(pointer.into())))
    }

    #[test]
    fn real_world_conditions() {
        assert_eq!(
            ok("$statusCode == 200"),
            cmp(CmpOp::Eq, ex(Expr::StatusCode, 0..11), num(200))
        );
        assert_eq!(
            ok("$statusCode==200"),
            cmp(CmpOp::Eq, ex(Expr::StatusCode, 0..11), num(200))
        );
        assert_eq!(
            ok("$response.body#/status == 'approved' && $statusCode == 200"),
            Condition::And(
                Box::new(cmp(
                    CmpOp::Eq,
                    ex(body("/status"), 0..22),
                    Operand::Literal(Literal::String("approved".into()))
                )),
                Box::new(cmp(CmpOp::Eq, ex(Expr::StatusCode, 40..51), num(200)))
            )
        );
        assert_eq!(
            ok("$statusCode == 201 || $statusCode == 202"),
            Condition::Or(
                Box::new(cmp(CmpOp::Eq, ex(Expr::StatusCode, 0..11), num(201))),
                Box::new(cmp(CmpOp::Eq, ex(Expr::StatusCode, 22..33), num(202)))
            )
        );
        assert_eq!(
            ok("!($response.body#/count > 0)"),
            Condition::Not(Box::new(cmp(CmpOp::Gt, ex(body("/count"), 2..23), num(0))))
        );
        assert_eq!(
            ok("{$statusCode} == 200"),
            cmp(CmpOp::Eq, ex(Expr::StatusCode, 0..13), num(200))
        );
        assert_eq!(
            ok("$response.header.X-Rate-Limit >= 10"),
            cmp(
                CmpOp::Ge,
                ex(Expr::Response(Source::Header("X-Rate-Limit".into())), 0..29),
                num(10)
            )
        );
        assert_eq!(
            ok("$steps.s.outputs.list[0].id != null"),
            cmp(
                CmpOp::Ne,
                Operand::Expr {
                    expr: Expr::Steps {
                        step: "s".into(),
                        output: "list".into(),
                        pointer: None
                    },
                    path: vec![Access::Index(0), Access::Member("id".into())],
                    span: 0..21
                },
                Operand::Literal(Literal::Null)
            )
        );
        assert_eq!(
            ok("{$inputs.a.b}.c"),
            Condition::Operand(Operand::Expr {
                expr: Expr::Inputs {
                    name: "a.b".into(),
                    pointer: None
                },
                path: vec![Access::Member("c".into())],
                span: 0..13
            })
        );
        assert_eq!(
            ok("$inputs.flag"),
            Condition::Operand(ex(
                Expr::Inputs {
                    name: "flag".into(),
                    pointer: None
                },
                0..12
            ))
        );
    }

    #[test]
    fn precedence_and_grouping() {
        let a = || Condition::Operand(Operand::Literal(Literal::Bool(true)));
        let b = || Condition::Operand(Operand::Literal(Literal::Bool(false)));
        let c = || Condition::Operand(Operand::Literal(Literal::Null));
        let bx = Box::new;
        assert_eq!(
            ok("true || false && null"),
            Condition::Or(bx(a()), bx(Condition::And(bx(b()), bx(c()))))
        );
        assert_eq!(
            ok("true && false || null"),
            Condition::Or(bx(Condition::And(bx(a()), bx(b()))), bx(c()))
        );
        assert_eq!(
            ok("(true || false) && null"),
            Condition::And(bx(Condition::Or(bx(a()), bx(b()))), bx(c()))
        );
        assert_eq!(
            ok("true || false || null"),
            Condition::Or(bx(Condition::Or(bx(a()), bx(b()))), bx(c()))
        );
        assert_eq!(
            ok("!true && false"),
            Condition::And(bx(Condition::Not(bx(a()))), bx(b()))
        );
        assert_eq!(ok("!!true"), Condition::Not(bx(Condition::Not(bx(a())))));
        assert_eq!(ok("  ( ( true ) )  "), a());
        // `!` applies to the comparison after it.
        assert_eq!(
            ok("!$statusCode == 200"),
            Condition::Not(bx(cmp(CmpOp::Eq, ex(Expr::StatusCode, 1..12), num(200))))
        );
        assert_eq!(
            ok("($statusCode) < 300"),
            cmp(CmpOp::Lt, ex(Expr::StatusCode, 1..12), num(300))
        );
    }

    #[test]
    fn literals() {
        let lit = |text: &str| match ok(text) {
            Condition::Operand(Operand::Literal(l)) => l,
            other => panic!("{other:?}"),
        };
        assert_eq!(lit("'it''s'"), Literal::String("it's".into()));
        assert_eq!(lit("''"), Literal::String(String::new()));
        assert_eq!(
            lit("'a && b == \"c\"'"),
            Literal::String("a && b == \"c\"".into())
        );
        assert_eq!(lit("-1"), Literal::Number((-1).into()));
        assert_eq!(lit("0"), Literal::Number(0.into()));
        assert_eq!(
            lit("1.5e3"),
            Literal::Number(serde_json::Number::from_f64(1500.0).unwrap())
        );
        assert_eq!(
            lit("-0.25"),
            Literal::Number(serde_json::Number::from_f64(-0.25).unwrap())
        );
        assert_eq!(
            lit("18446744073709551615"),
            Literal::Number(u64::MAX.into())
        );
        assert_eq!(lit("true"), Literal::Bool(true));
        assert_eq!(lit("null"), Literal::Null);
    }

    fn check(text: &str, offset: usize, len: usize, message: &str, help: Option<&str>) {
        let e = err(text);
        assert_eq!(
            (e.offset, e.len, e.message.as_str(), e.help.as_deref()),
            (offset, len, message, help),
            "{text}"
        );
    }

    #[test]
    fn errors_teach() {
        check(
            "$statusCode = 200",
            12,
            1,
            "`=` is not a comparison",
            Some("did you mean `==`?"),
        );
        check(
            "$statusCode === 200",
            12,
            3,
            "`===` is not an operator",
            Some("did you mean `==`?"),
        );
        check(
            "$statusCode <> 200",
            12,
            2,
            "`<>` is not an operator",
            Some("did you mean `!=`?"),
        );
        check(
            "$statusCode => 200",
            12,
            2,
            "`=>` is not an operator",
            Some("did you mean `>=`?"),
        );
        check(
            "$response.body#/status == \"approved\"",
            26,
            10,
            "string literals use single quotes",
            Some("write `'approved'`"),
        );
        check(
            "$inputs.a == \"it's",
            13,
            5,
            "string literals use single quotes",
            Some("write `'it''s'`"),
        );
        check(
            "$statusCode == 200 and $statusCode == 201",
            19,
            3,
            "`and` is not an operator",
            Some("write `&&`"),
        );
        check(
            "true or false",
            5,
            2,
            "`or` is not an operator",
            Some("write `||`"),
        );
        check(
            "not true",
            0,
            3,
            "`not` is not an operator",
            Some("write `!`"),
        );
        check(
            "true & false",
            5,
            1,
            "`&` is not an operator",
            Some("write `&&`"),
        );
        check(
            "true | false",
            5,
            1,
            "`|` is not an operator",
            Some("write `||`"),
        );
        check(
            "(true",
            0,
            1,
            "unbalanced `(`: nothing closes it",
            Some("add `)` where the group ends"),
        );
        check(
            "true)",
            4,
            1,
            "unbalanced `)`: no `(` opens it",
            Some("remove it, or add `(` where the group starts"),
        );
        check(
            "0 < $inputs.n < 10",
            14,
            1,
            "comparisons cannot be chained",
            Some(
                "compare two values at a time and join the comparisons: `0 < $inputs.n && $inputs.n < 10`",
            ),
        );
        check(
            "$statusCode == 200 $statusCode",
            19,
            1,
            "expected an operator after the condition, found `$`",
            Some(
                "compare values with `==`, `!=`, `<`, `<=`, `>` or `>=`, and join conditions with `&&` or `||`",
            ),
        );
        check(
            "",
            0,
            0,
            "the condition is empty",
            Some("write a condition such as `$statusCode == 200`"),
        );
        check(
            "$statusCode ==",
            14,
            0,
            "expected a value, found the end of the condition",
            Some(VALUES_HELP),
        );
        check(
            "$statusCode == (1)",
            15,
            1,
            "expected a value after `==`, found `(`",
            Some(VALUES_HELP),
        );
        check(
            "'abc",
            0,
            4,
            "this string literal is never closed",
            Some("end it with `'` (write `''` for a quote inside it)"),
        );
        check(
            "True",
            0,
            4,
            "`True` is not a literal: literals are lowercase",
            Some("write `true`"),
        );
        check(
            "$inputs.a == None",
            13,
            4,
            "`None` is not a literal",
            Some("write `null`"),
        );
        check(
            "statusCode == 200",
            0,
            10,
            "`statusCode` is not a value: runtime expressions start with `$`",
            Some("write `$statusCode`"),
        );
        check(
            "approved",
            0,
            8,
            "unknown word `approved`",
            Some(
                "string literals are single-quoted (`'approved'`) and runtime expressions start with `$`",
            ),
        );
        check(
            "007 == 7",
            0,
            3,
            "numbers cannot have leading zeros",
            Some("write `7`"),
        );
        check(
            "1. == 1",
            0,
            2,
            "expected digits after the decimal point",
            Some("write `1.0`"),
        );
        check(
            ".5 == 1",
            0,
            1,
            "a number starts with a digit",
            Some("write `0.5`"),
        );
        check(
            "200OK",
            3,
            1,
            "unexpected `O` after the number `200`",
            Some("put a space or an operator after a number; strings are written `'...'`"),
        );
        check("1e999", 0, 5, "the number `1e999` is out of range", None);
        check(
            "- 1",
            0,
            1,
            "expected a digit after `-`",
            Some("negative numbers are written `-1`; `-` applies only to numbers"),
        );
        check(
            "(true && false) == true",
            16,
            2,
            "a parenthesised condition cannot be compared with `==`",
            Some("compare values, then combine the comparisons with `&&`, `||` and `!`"),
        );
        check(
            "$steps.s.outputs.list[x]",
            21,
            1,
            "expected an array index in `[...]`",
            Some("an index is a non-negative integer, as in `[0]`; write `.name` for a member"),
        );
        check(
            "$steps.s.outputs.o['name']",
            18,
            1,
            "expected an array index in `[...]`",
            Some("write `.name` for a member"),
        );
        check(
            "{$response.body#/a}.b",
            19,
            2,
            "navigation after a JSON pointer: extend the pointer instead",
            Some("write `{$response.body#/a/b}`"),
        );
        check(
            "{$statusCode == 200",
            12,
            1,
            "unexpected ` ` in a braced expression; expected `}`",
            Some("end the expression with `}`: `{$statusCode}`"),
        );
        check(
            "{$statusCode",
            0,
            12,
            "`{$` has no closing `}`",
            Some("write `{$statusCode}`"),
        );
        check(
            "a(",
            0,
            1,
            "unknown word `a`",
            Some(
                "string literals are single-quoted (`'a'`) and runtime expressions start with `$`",
            ),
        );
        // Expression errors keep their offsets inside the condition.
        check(
            "$statusCode == 200 && $response.body.items[0] > 1",
            36,
            9,
            "`.items[0]` does not navigate into `$response.body`: a body is read with a JSON pointer",
            Some("write `$response.body#/items/0`"),
        );
        check(
            "$response.body#/items[0].name == 'x'",
            21,
            3,
            "`[0]` inside a JSON pointer is not an array index",
            Some("write `#/items/0/name`"),
        );
        let e = err("true && $statuscode == 200");
        assert_eq!(
            (e.offset, e.help.as_deref()),
            (8, Some("write `$statusCode`"))
        );
        let deep = format!("{}true{}", "(".repeat(100), ")".repeat(100));
        assert_eq!(err(&deep).message, "the condition is nested too deeply");
        assert_eq!(
            err(&"!".repeat(10_000)).message,
            "the condition is nested too deeply"
        );
    }

    #[test]
    fn long_chains_parse_and_print_without_deep_recursion() {
        // 625 terms overflowed the stack of a debug build; grouping keeps every pass shallow.
        for join in [" && ", " || "] {
            let text = vec!["$statusCode == 200"; 10_000].join(join);
            let c = ok(&text);
            // Printed flat, as written: reading it again groups it the same way.
            assert_eq!(c.to_string(), text);
        }
        let mixed: Vec<String> = (0..10_000)
            .map(|i| {
                format!(
                    "$statusCode == {}{}",
                    i % 600,
                    if i % 3 == 0 { " ||" } else { " &&" }
                )
            })
            .collect();
        let text = format!("{} true", mixed.join(" "));
        ok(&text);
    }

    #[test]
    fn conditions_read_at_the_nesting_limit_print_within_it() {
        // Found by the `codegen_condition` fuzz target: a long chain printed with the
        // parentheses of its grouping nested one term past the limit.
        let chained = format!(
            "4&&4&&4&&4&&8&&8&&4&&8&&4&&4&&4&&8&&{}4&&4&&4&&4&&2",
            "!".repeat(MAX_DEPTH - 1)
        );
        // `!a == b` prints as `!(a == b)`.
        let negated = format!("{}$statusCode == 200", "!".repeat(MAX_DEPTH - 1));
        for text in [chained, negated] {
            let c = ok(&text);
            let printed = c.to_string();
            assert_eq!(without_spans(&ok(&printed)), without_spans(&c), "{printed}");
        }
        for deep in [
            format!("{}true", "!".repeat(MAX_DEPTH)),
            "!(".repeat(10_000),
        ] {
            assert_eq!(err(&deep).message, "the condition is nested too deeply");
        }
    }

    #[test]
    fn display_is_canonical() {
        for text in [
            "$statusCode == 200",
            "$response.body#/status == 'approved' && $statusCode == 200",
            "$statusCode == 201 || $statusCode == 202",
            "!($response.body#/count > 0)",
            "(true || false) && null",
            "true || false && null",
            "true || (false || null)",
            "!!$inputs.flag",
            "$steps.s.outputs.list[0].id != -1.5",
            "{$inputs.a.b}.c == 'it''s'",
            "{$response.body#/a b} == 1",
            "{$response.body}.x == 1",
        ] {
            assert_eq!(ok(text).to_string(), text);
        }
        assert_eq!(ok("{$statusCode}==200").to_string(), "$statusCode == 200");
        assert_eq!(ok("((true))&&(false)").to_string(), "true && false");
    }

    fn access() -> impl Strategy<Value = Access> {
        prop_oneof![
            "[A-Za-z0-9_-]{1,6}".prop_map(Access::Member),
            (0usize..1000).prop_map(Access::Index)
        ]
    }

    fn operand() -> impl Strategy<Value = Operand> {
        let literal = prop_oneof![
            Just(Literal::Null),
            any::<bool>().prop_map(Literal::Bool),
            any::<i64>().prop_map(|n| Literal::Number(n.into())),
            any::<u64>().prop_map(|n| Literal::Number(n.into())),
            any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f)
                .map(Literal::Number)),
            ".{0,8}".prop_map(Literal::String),
        ];
        let expr = (
            crate::expr::tests::any_expr(),
            proptest::collection::vec(access(), 0..3),
        )
            .prop_map(|(expr, path)| {
                // Navigation follows only expressions without a pointer.
                let path = if expr.pointer().is_some() {
                    Vec::new()
                } else {
                    path
                };
                Operand::Expr {
                    expr,
                    path,
                    span: 0..0,
                }
            });
        prop_oneof![literal.prop_map(Operand::Literal), expr]
    }

    fn condition() -> impl Strategy<Value = Condition> {
        let leaf = prop_oneof![
            operand().prop_map(Condition::Operand),
            (
                prop_oneof![
                    Just(CmpOp::Eq),
                    Just(CmpOp::Ne),
                    Just(CmpOp::Lt),
                    Just(CmpOp::Le),
                    Just(CmpOp::Gt),
                    Just(CmpOp::Ge)
                ],
                operand(),
                operand()
            )
                .prop_map(|(op, left, right)| Condition::Compare { op, left, right }),
        ];
        leaf.prop_recursive(5, 24, 2, |inner| {
            prop_oneof![
                (inner.clone(), inner.clone())
                    .prop_map(|(a, b)| Condition::Or(Box::new(a), Box::new(b))),
                (inner.clone(), inner.clone())
                    .prop_map(|(a, b)| Condition::And(Box::new(a), Box::new(b))),
                inner.prop_map(|a| Condition::Not(Box::new(a))),
            ]
        })
    }

    /// Spans depend on the text; round-trips compare everything else.
    fn without_spans(c: &Condition) -> Condition {
        let op = |o: &Operand| match o {
            Operand::Expr { expr, path, .. } => Operand::Expr {
                expr: expr.clone(),
                path: path.clone(),
                span: 0..0,
            },
            lit => lit.clone(),
        };
        match c {
            Condition::Or(a, b) => {
                Condition::Or(Box::new(without_spans(a)), Box::new(without_spans(b)))
            }
            Condition::And(a, b) => {
                Condition::And(Box::new(without_spans(a)), Box::new(without_spans(b)))
            }
            Condition::Not(a) => Condition::Not(Box::new(without_spans(a))),
            Condition::Compare { op: o, left, right } => Condition::Compare {
                op: *o,
                left: op(left),
                right: op(right),
            },
            Condition::Operand(o) => Condition::Operand(op(o)),
        }
    }

    /// Every span in `c` must cover an expression in `text`.
    fn spans_ok(c: &Condition, text: &str) -> bool {
        let op = |o: &Operand| match o {
            Operand::Expr { span, .. } => text
                .get(span.clone())
                .is_some_and(|s| s.starts_with("$") || s.starts_with("{$")),
            Operand::Literal(_) => true,
        };
        match c {
            Condition::Or(a, b) | Condition::And(a, b) => spans_ok(a, text) && spans_ok(b, text),
            Condition::Not(a) => spans_ok(a, text),
            Condition::Compare { left, right, .. } => op(left) && op(right),
            Condition::Operand(o) => op(o),
        }
    }

    proptest! {
        #[test]
        fn display_parse_round_trips(c in condition()) {
            let text = c.to_string();
            let parsed = parse(&text);
            prop_assert!(parsed.is_ok(), "{} -> {:?}", text, parsed);
            let parsed = parsed.unwrap_or_else(|_| c.clone());
            prop_assert_eq!(without_spans(&parsed), c);
            prop_assert!(spans_ok(&parsed, &text));
            prop_assert_eq!(parsed.to_string(), text);
        }

        #[test]
        fn never_panics(text in ".{0,60}") {
            let _ = parse(&text);
        }

        #[test]
        fn never_panics_near_the_grammar(text in "[${}#/~0-9a-zA-Z._ \\[\\]'\"()!=<>&|-]{0,60}") {
            if let Err(e) = parse(&text) {
                prop_assert!(text.get(e.offset..e.offset + e.len).is_some(), "{:?} in {:?}", e, text);
            }
        }
    }
}
