//! Runtime expressions (`$inputs.token`, `$response.body#/id`, ...) and strings that embed them.
//!
//! The grammar is the Arazzo 1.0.1 ABNF with the 1.1.0 clarifications: step ids, workflow ids
//! and source description names are `[A-Za-z0-9_-]+`; input, output and component names also
//! allow `.`; braces never belong to a name or a pointer. Expressions are case-sensitive.
//! Every parse error carries a byte offset into the parsed text and, for the common mistakes,
//! the fix.

use std::fmt;
use std::ops::Range;

/// One runtime expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Expr {
    /// `$url`: the request URL.
    Url,
    /// `$method`: the request method.
    Method,
    /// `$statusCode`: the response status.
    StatusCode,
    /// `$request.<source>`.
    Request(Source),
    /// `$response.<source>`.
    Response(Source),
    /// `$inputs.<name>[#<pointer>]`.
    Inputs {
        /// The input's name.
        name: String,
        /// A JSON pointer into the input (RFC 6901 form, without `#`).
        pointer: Option<String>,
    },
    /// `$outputs.<name>[#<pointer>]`.
    Outputs {
        /// The workflow output's name.
        name: String,
        /// A JSON pointer into the output (RFC 6901 form, without `#`).
        pointer: Option<String>,
    },
    /// `$steps.<step>.outputs.<output>[#<pointer>]`.
    Steps {
        /// The step id.
        step: String,
        /// The step output's name.
        output: String,
        /// A JSON pointer into the output (RFC 6901 form, without `#`).
        pointer: Option<String>,
    },
    /// `$workflows.<workflow>.inputs|outputs.<name>[#<pointer>]`.
    Workflows {
        /// The workflow id.
        workflow: String,
        /// `inputs` or `outputs`.
        field: WorkflowField,
        /// The input's or output's name.
        name: String,
        /// A JSON pointer into the value (RFC 6901 form, without `#`).
        pointer: Option<String>,
    },
    /// `$sourceDescriptions.<name>.<reference>`.
    SourceDescriptions {
        /// The source description's name.
        name: String,
        /// `url`, or an operationId or workflowId of that source.
        reference: String,
    },
    /// `$components.<kind>.<name>`.
    Components {
        /// `parameters`, `inputs`, `successActions` or `failureActions`.
        kind: String,
        /// The component's key.
        name: String,
    },
    /// `$message.payload[#<pointer>]` or `$message.header.<name>` (Arazzo 1.1): the message a
    /// `receive` step took.
    Message(Source),
}

/// The part of a request or response an expression reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    /// `header.<token>` (header names are case-insensitive).
    Header(String),
    /// `query.<name>`.
    Query(String),
    /// `path.<name>`.
    Path(String),
    /// `body[#<pointer>]`, the pointer in RFC 6901 form without `#`.
    Body(Option<String>),
    /// `payload[#<pointer>]` of a `$message`, the pointer in RFC 6901 form without `#`.
    Payload(Option<String>),
}

/// Which values of a workflow `$workflows.<id>.<field>` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WorkflowField {
    /// `inputs`.
    Inputs,
    /// `outputs`.
    Outputs,
}

/// A parse failure: byte offset into the parsed text, a message, and a fix when one is known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ExprError {
    /// Byte offset of the offending text.
    pub(crate) offset: usize,
    /// Its length in bytes (0 at the end of the text).
    pub(crate) len: usize,
    /// What is wrong.
    pub(crate) message: String,
    /// How to fix it, when that is known.
    pub(crate) help: Option<String>,
}

impl ExprError {
    pub(crate) fn new(offset: usize, len: usize, message: impl Into<String>) -> Self {
        ExprError {
            offset,
            len,
            message: message.into(),
            help: None,
        }
    }

    pub(crate) fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte {})", self.message, self.offset)?;
        if let Some(help) = &self.help {
            write!(f, "; help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ExprError {}

/// A string value that may hold expressions: `"Bearer {$inputs.token}"`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Template {
    /// Literal text and expressions, in order; adjacent text is merged.
    pub(crate) parts: Vec<Part>,
}

/// A piece of a [`Template`].
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Part {
    /// Literal text.
    Text(String),
    /// An expression. `span` is the byte range it replaces, braces included when `braced`.
    Expr {
        /// The expression.
        expr: Expr,
        /// Byte range in the template text (with the braces when braced).
        span: Range<usize>,
        /// Written as `{$...}`; `false` for a whole-value expression or `$x` inside text.
        braced: bool,
    },
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Url => f.write_str("$url"),
            Expr::Method => f.write_str("$method"),
            Expr::StatusCode => f.write_str("$statusCode"),
            Expr::Request(source) => write!(f, "$request.{source}"),
            Expr::Response(source) => write!(f, "$response.{source}"),
            Expr::Inputs { name, pointer } => write!(f, "$inputs.{name}{}", Hash(pointer)),
            Expr::Outputs { name, pointer } => write!(f, "$outputs.{name}{}", Hash(pointer)),
            Expr::Steps {
                step,
                output,
                pointer,
            } => write!(f, "$steps.{step}.outputs.{output}{}", Hash(pointer)),
            Expr::Workflows {
                workflow,
                field,
                name,
                pointer,
            } => {
                let field = match field {
                    WorkflowField::Inputs => "inputs",
                    WorkflowField::Outputs => "outputs",
                };
                write!(f, "$workflows.{workflow}.{field}.{name}{}", Hash(pointer))
            }
            Expr::SourceDescriptions { name, reference } => {
                write!(f, "$sourceDescriptions.{name}.{reference}")
            }
            Expr::Components { kind, name } => write!(f, "$components.{kind}.{name}"),
            Expr::Message(source) => write!(f, "$message.{source}"),
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Header(name) => write!(f, "header.{name}"),
            Source::Query(name) => write!(f, "query.{name}"),
            Source::Path(name) => write!(f, "path.{name}"),
            Source::Body(pointer) => write!(f, "body{}", Hash(pointer)),
            Source::Payload(pointer) => write!(f, "payload{}", Hash(pointer)),
        }
    }
}

/// Writes `#<pointer>` when there is one.
struct Hash<'a>(&'a Option<String>);

impl fmt::Display for Hash<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(p) => write!(f, "#{p}"),
            None => Ok(()),
        }
    }
}

impl Expr {
    /// The JSON pointer the expression carries, if any.
    pub(crate) fn pointer(&self) -> Option<&str> {
        match self {
            Expr::Inputs { pointer, .. }
            | Expr::Outputs { pointer, .. }
            | Expr::Steps { pointer, .. }
            | Expr::Workflows { pointer, .. }
            | Expr::Request(Source::Body(pointer))
            | Expr::Response(Source::Body(pointer))
            | Expr::Message(Source::Payload(pointer)) => pointer.as_deref(),
            _ => None,
        }
    }

    /// The same expression reading `pointer`, when this kind of expression can hold one.
    pub(crate) fn with_pointer(&self, new: String) -> Option<Expr> {
        let mut out = self.clone();
        match &mut out {
            Expr::Inputs { pointer, .. }
            | Expr::Outputs { pointer, .. }
            | Expr::Steps { pointer, .. }
            | Expr::Workflows { pointer, .. }
            | Expr::Request(Source::Body(pointer))
            | Expr::Response(Source::Body(pointer))
            | Expr::Message(Source::Payload(pointer)) => *pointer = Some(new),
            _ => return None,
        }
        Some(out)
    }
}

/// Parses `text` as exactly one runtime expression.
pub(crate) fn parse(text: &str) -> Result<Expr, ExprError> {
    if let Some(inner) = text.strip_prefix("{$").and_then(|t| t.strip_suffix('}')) {
        return Err(ExprError::new(
            0,
            text.len(),
            "a whole-value runtime expression is written without braces",
        )
        .with_help(format!("write `${inner}`")));
    }
    parse_prefix(text, 0, Mode::Whole).map(|(expr, _)| expr)
}

/// Parses a string value that may embed expressions.
///
/// `{$...}` embeds an expression; an unbraced `$inputs.x` inside longer text is also taken as
/// one (`braced: false`) so the caller can warn with the braced form. A string that is exactly
/// one expression gives a single unbraced [`Part::Expr`]. A `$` that does not start an
/// expression prefix is text, except a near miss of one followed by `.` (`$input.x`), which
/// is an error that names the fix.
pub(crate) fn parse_template(text: &str) -> Result<Template, ExprError> {
    if text.starts_with('$') {
        match parse(text) {
            Ok(expr) => {
                return Ok(Template {
                    parts: vec![Part::Expr {
                        expr,
                        span: 0..text.len(),
                        braced: false,
                    }],
                });
            }
            // A whole value that is a misspelt expression (`$statuscode`) is a mistake, not text.
            Err(err)
                if !text.contains(char::is_whitespace)
                    && classify_dollar(text, 0, true) == Start::NearMiss =>
            {
                return Err(err);
            }
            Err(_) => {}
        }
    }
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut i = 0;
    while let Some(c) = text[i..].chars().next() {
        if text[i..].starts_with("{$") {
            let (expr, end) = parse_prefix(text, i + 1, Mode::Braced)?;
            match text[end..].chars().next() {
                Some('}') => {}
                None => {
                    return Err(ExprError::new(i, end - i, "`{$` has no closing `}`")
                        .with_help(format!("write `{}}}`", &text[i..end])));
                }
                Some(other) => {
                    return Err(ExprError::new(
                        end,
                        other.len_utf8(),
                        format!("unexpected `{other}` in an embedded expression; expected `}}`"),
                    )
                    .with_help(format!(
                        "end the expression with `}}`: `{}}}`",
                        &text[i..end]
                    )));
                }
            }
            flush(&mut parts, &mut literal);
            parts.push(Part::Expr {
                expr,
                span: i..end + 1,
                braced: true,
            });
            i = end + 1;
        } else if c == '$' && classify_dollar(text, i, false) != Start::Text {
            let (expr, end) = parse_prefix(text, i, Mode::Unbraced)?;
            flush(&mut parts, &mut literal);
            parts.push(Part::Expr {
                expr,
                span: i..end,
                braced: false,
            });
            i = end;
        } else {
            literal.push(c);
            i += c.len_utf8();
        }
    }
    if parts.is_empty() || !literal.is_empty() {
        flush(&mut parts, &mut literal);
    }
    if parts.is_empty() {
        parts.push(Part::Text(String::new()));
    }
    Ok(Template { parts })
}

/// Moves collected literal text into `parts`.
fn flush(parts: &mut Vec<Part>, literal: &mut String) {
    if !literal.is_empty() {
        parts.push(Part::Text(std::mem::take(literal)));
    }
}

/// What a `$` inside a template starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Start {
    Expr,
    NearMiss,
    Text,
}

/// Whether the `$` at `at` starts an expression prefix, a near miss of one, or plain text.
fn classify_dollar(text: &str, at: usize, whole: bool) -> Start {
    let after = &text[at + 1..];
    let word_len = after
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(after.len());
    let word = &after[..word_len];
    let next = after[word_len..].chars().next();
    let bare = ["url", "method", "statusCode"];
    if bare.contains(&word) && !next.is_some_and(is_strict) {
        return Start::Expr;
    }
    if ROOTS.contains(&word) && next == Some('.') {
        return Start::Expr;
    }
    let near = ROOTS.iter().any(|r| r.eq_ignore_ascii_case(word))
        || crate::suggest::closest(word, &ROOTS).is_some()
        || alias(word).is_some();
    if !word.is_empty() && near && (next == Some('.') || (whole && next.is_none())) {
        return Start::NearMiss;
    }
    Start::Text
}

/// Every expression root after `$`.
pub(crate) const ROOTS: [&str; 12] = [
    "url",
    "method",
    "statusCode",
    "request",
    "response",
    "inputs",
    "outputs",
    "steps",
    "workflows",
    "sourceDescriptions",
    "components",
    "message",
];

/// The component kinds `$components.<kind>` may name.
const COMPONENT_KINDS: [&str; 4] = ["parameters", "inputs", "successActions", "failureActions"];

fn roots_help() -> String {
    "a runtime expression is one of `$url`, `$method`, `$statusCode`, `$request.<source>`, \
     `$response.<source>`, `$inputs.<name>`, `$outputs.<name>`, `$steps.<id>.outputs.<name>`, \
     `$workflows.<id>.inputs|outputs.<name>`, `$sourceDescriptions.<name>.<ref>`, \
     `$components.<kind>.<name>` or `$message.payload|header.<name>`"
        .to_owned()
}

/// Common words written where an expression root was meant.
fn alias(word: &str) -> Option<&'static str> {
    Some(match word.to_ascii_lowercase().as_str() {
        "body" | "payload" => "response.body",
        "header" | "headers" => "response.header",
        "status" | "status_code" | "code" | "statuscode" => "statusCode",
        "input" | "param" | "params" => "inputs",
        "output" | "result" => "outputs",
        "step" => "steps",
        _ => return None,
    })
}

/// Where an expression stands, which decides where it ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// The whole text is one expression.
    Whole,
    /// Inside `{...}`: ends at `}`.
    Braced,
    /// Inside longer text without braces: ends at the first character that cannot continue it.
    Unbraced,
    /// An operand of a simple condition: a `.` after a name navigates into the value, and a
    /// pointer ends at whitespace, a parenthesis or an operator.
    Condition,
}

/// The kinds of names, which allow different characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NameKind {
    /// Step and workflow ids, source description names: `[A-Za-z0-9_-]+`.
    Id,
    /// Input, output and component names: ids plus `.`.
    Ident,
    /// Header names: RFC 7230 tokens.
    Header,
    /// Query and path parameter names, source references: anything but whitespace and braces.
    Free,
}

pub(crate) fn is_strict(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

fn is_ident(c: char) -> bool {
    is_strict(c) || c == '.'
}

fn is_tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

impl Mode {
    fn name_char(self, kind: NameKind, c: char) -> bool {
        match (kind, self) {
            (NameKind::Id, _) => is_strict(c),
            (NameKind::Header, Mode::Condition) => is_tchar(c) && !".!&|'".contains(c),
            (_, Mode::Condition) => is_strict(c),
            (_, Mode::Unbraced) => is_ident(c),
            (NameKind::Ident, _) => is_ident(c),
            (NameKind::Header, _) => is_tchar(c),
            (NameKind::Free, _) => !c.is_whitespace() && !c.is_control() && c != '{' && c != '}',
        }
    }

    /// Whether `c` ends a JSON pointer (and the expression) here.
    fn ends_pointer(self, c: char) -> bool {
        match self {
            Mode::Whole => false,
            Mode::Braced => c == '}',
            Mode::Unbraced => c.is_whitespace() || "\"'{}<>,;&)".contains(c),
            Mode::Condition => c.is_whitespace() || "()=!<>&|{}'".contains(c),
        }
    }
}

/// Parses one expression starting at the `$` at byte `start` of `text`; returns it and the
/// byte offset just past it. In [`Mode::Whole`] the expression must reach the end of `text`.
pub(crate) fn parse_prefix(
    text: &str,
    start: usize,
    mode: Mode,
) -> Result<(Expr, usize), ExprError> {
    let mut cursor = Cursor {
        text,
        pos: start,
        mode,
    };
    let expr = cursor.expr()?;
    if mode == Mode::Whole && cursor.pos < text.len() {
        return Err(cursor.trailing(start, &expr));
    }
    Ok((expr, cursor.pos))
}

struct Cursor<'a> {
    text: &'a str,
    pos: usize,
    mode: Mode,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn take(&mut self, f: impl Fn(char) -> bool) -> &'a str {
        let rest = self.rest();
        let len = rest.find(|c: char| !f(c)).unwrap_or(rest.len());
        self.pos += len;
        &rest[..len]
    }

    /// A name of `kind`; in unbraced text a trailing `.` ends the sentence, not the name.
    fn name(&mut self, kind: NameKind) -> &'a str {
        let start = self.pos;
        let mode = self.mode;
        let mut name = self.take(|c| mode.name_char(kind, c));
        if mode == Mode::Unbraced {
            name = name.trim_end_matches('.');
            self.pos = start + name.len();
        }
        name
    }

    /// Byte length of the next character (0 at the end).
    fn next_len(&self) -> usize {
        self.peek().map_or(0, char::len_utf8)
    }

    fn found(&self) -> String {
        match self.peek() {
            Some(c) => format!("found `{c}`"),
            None => "found the end of the text".to_owned(),
        }
    }

    /// Where the expression-like text starting at `from` ends, for quoting it in help.
    fn extent(&self, from: usize) -> usize {
        let rest = &self.text[from..];
        let len = rest
            .find(|c: char| {
                (self.mode != Mode::Whole && c.is_whitespace()) || self.mode.ends_pointer(c)
            })
            .unwrap_or(rest.len());
        from + len
    }

    fn expect_dot(&mut self, after: &str, example: &str) -> Result<(), ExprError> {
        if self.eat('.') {
            return Ok(());
        }
        Err(ExprError::new(
            self.pos,
            self.next_len(),
            format!("expected `.` after `{after}`, {}", self.found()),
        )
        .with_help(format!("write `{example}`")))
    }

    fn required_name(
        &mut self,
        kind: NameKind,
        what: &str,
        after: &str,
        example: &str,
    ) -> Result<String, ExprError> {
        let name = self.name(kind);
        if name.is_empty() {
            return Err(ExprError::new(
                self.pos,
                self.next_len(),
                format!("expected {what} after `{after}`, {}", self.found()),
            )
            .with_help(format!("write `{example}`")));
        }
        Ok(name.to_owned())
    }

    fn expr(&mut self) -> Result<Expr, ExprError> {
        let start = self.pos;
        if !self.eat('$') {
            return Err(ExprError::new(
                start,
                self.next_len(),
                format!(
                    "expected a runtime expression starting with `$`, {}",
                    self.found()
                ),
            )
            .with_help(roots_help()));
        }
        let root_at = self.pos;
        let root = self.take(|c| c.is_ascii_alphanumeric() || c == '_');
        Ok(match root {
            "url" => Expr::Url,
            "method" => Expr::Method,
            "statusCode" => Expr::StatusCode,
            "request" | "response" => {
                self.expect_dot(&format!("${root}"), &format!("${root}.body"))?;
                let source = self.source(root)?;
                if root == "request" {
                    Expr::Request(source)
                } else {
                    Expr::Response(source)
                }
            }
            "inputs" | "outputs" => {
                let what = &root[..root.len() - 1];
                let example = format!("${root}.<name>");
                self.expect_dot(&format!("${root}"), &example)?;
                let name = self.required_name(
                    NameKind::Ident,
                    &format!("an {what} name"),
                    &format!("${root}."),
                    &example,
                )?;
                let pointer = self.pointer()?;
                if root == "inputs" {
                    Expr::Inputs { name, pointer }
                } else {
                    Expr::Outputs { name, pointer }
                }
            }
            "steps" => self.steps()?,
            "workflows" => self.workflows()?,
            "sourceDescriptions" => {
                let example = "$sourceDescriptions.<name>.url";
                self.expect_dot("$sourceDescriptions", example)?;
                let name = self.required_name(
                    NameKind::Id,
                    "a source description name",
                    "$sourceDescriptions.",
                    example,
                )?;
                let example = format!("$sourceDescriptions.{name}.url");
                self.expect_dot(&format!("$sourceDescriptions.{name}"), &example)?;
                let reference = self.required_name(
                    NameKind::Free,
                    "`url` or an operationId or workflowId",
                    &format!("$sourceDescriptions.{name}."),
                    &example,
                )?;
                Expr::SourceDescriptions { name, reference }
            }
            "components" => {
                let example = "$components.parameters.<name>";
                self.expect_dot("$components", example)?;
                let at = self.pos;
                let kind = self.take(|c| c.is_ascii_alphanumeric());
                if !COMPONENT_KINDS.contains(&kind) {
                    let mut err = ExprError::new(
                        at,
                        kind.len(),
                        format!(
                            "`{kind}` is not a kind of component; expected `parameters`, `inputs`, `successActions` or `failureActions`"
                        ),
                    );
                    if let Some(best) = crate::suggest::closest(kind, &COMPONENT_KINDS) {
                        let rest = &self.text[self.pos..self.extent(self.pos)];
                        err = err.with_help(format!("did you mean `$components.{best}{rest}`?"));
                    }
                    return Err(err);
                }
                let kind = kind.to_owned();
                let after = format!("$components.{kind}");
                let example = format!("{after}.<name>");
                self.expect_dot(&after, &example)?;
                let name = self.required_name(
                    NameKind::Ident,
                    "a component name",
                    &format!("{after}."),
                    &example,
                )?;
                Expr::Components { kind, name }
            }
            "message" => {
                self.expect_dot("$message", "$message.payload")?;
                Expr::Message(self.message_source()?)
            }
            _ => return Err(self.unknown_root(start, root_at, root)),
        })
    }

    /// `payload[#<pointer>]` or `header.<name>` after `$message.`.
    fn message_source(&mut self) -> Result<Source, ExprError> {
        let at = self.pos;
        let part = self.take(|c| c.is_ascii_alphanumeric() || c == '_');
        match part {
            "header" => {
                let example = "$message.header.<name>";
                self.expect_dot("$message.header", example)?;
                let name = self.required_name(
                    NameKind::Header,
                    "a header name",
                    "$message.header.",
                    example,
                )?;
                Ok(Source::Header(name))
            }
            "payload" => {
                if self.peek() == Some('#') {
                    return Ok(Source::Payload(self.pointer()?));
                }
                // `$message.payload.orderId` (the 1.1 text's own example, outside its ABNF).
                if let Some((pointer, len)) = nav_to_pointer(self.rest()) {
                    return Err(ExprError::new(
                        self.pos,
                        len,
                        format!(
                            "`{}` does not navigate into `$message.payload`: a payload is read with a JSON pointer",
                            &self.rest()[..len]
                        ),
                    )
                    .with_help(format!("write `$message.payload#{pointer}`")));
                }
                Ok(Source::Payload(None))
            }
            _ => {
                let best = match part.to_ascii_lowercase().as_str() {
                    "body" | "data" | "json" | "content" => Some("payload"),
                    "headers" => Some("header"),
                    _ => crate::suggest::closest(part, &["payload", "header"]),
                };
                let (offset, len) = if part.is_empty() {
                    (at, self.next_len())
                } else {
                    (at, part.len())
                };
                let err =
                    ExprError::new(offset, len, format!("`{part}` is not a part of `$message`"));
                Err(match best {
                    Some(best) if !part.is_empty() => {
                        let rest = &self.text[self.pos..self.extent(self.pos)];
                        err.with_help(format!("write `$message.{best}{rest}`"))
                    }
                    _ => err.with_help(
                        "write `$message.payload[#<pointer>]` or `$message.header.<name>`",
                    ),
                })
            }
        }
    }

    fn unknown_root(&self, start: usize, root_at: usize, root: &str) -> ExprError {
        let len = root_at - start + root.len();
        if root.is_empty() {
            return ExprError::new(
                start,
                1 + self.next_len(),
                format!("expected an expression name after `$`, {}", self.found()),
            )
            .with_help(roots_help());
        }
        let rest = &self.text[self.pos..self.extent(self.pos)];
        if let Some(right) = ROOTS.iter().find(|r| r.eq_ignore_ascii_case(root)) {
            return ExprError::new(
                start,
                len,
                format!("`${root}` is not an expression: runtime expressions are case-sensitive"),
            )
            .with_help(format!("write `${right}{rest}`"));
        }
        if root == "self" {
            return ExprError::new(
                start,
                len,
                format!("`${root}` belongs to Arazzo 1.1, which this generator does not support"),
            )
            .with_help(roots_help());
        }
        let suggestion = alias(root).or_else(|| crate::suggest::closest(root, &ROOTS));
        let err = ExprError::new(start, len, format!("unknown runtime expression `${root}`"));
        match suggestion {
            Some(best) => err.with_help(format!("did you mean `${best}{rest}`?")),
            None => err.with_help(roots_help()),
        }
    }

    fn source(&mut self, root: &str) -> Result<Source, ExprError> {
        let at = self.pos;
        let part = self.take(|c| c.is_ascii_alphanumeric() || c == '_');
        match part {
            "header" => {
                let example = format!("${root}.header.<name>");
                self.expect_dot(&format!("${root}.header"), &example)?;
                let name = self.required_name(
                    NameKind::Header,
                    "a header name",
                    &format!("${root}.header."),
                    &example,
                )?;
                Ok(Source::Header(name))
            }
            "query" | "path" => {
                let example = format!("${root}.{part}.<name>");
                self.expect_dot(&format!("${root}.{part}"), &example)?;
                let what = format!("a {part} parameter name");
                let name = self.required_name(
                    NameKind::Free,
                    &what,
                    &format!("${root}.{part}."),
                    &example,
                )?;
                Ok(if part == "query" {
                    Source::Query(name)
                } else {
                    Source::Path(name)
                })
            }
            "body" => self.body(root),
            _ => {
                let list = format!(
                    "write `${root}.header.<name>`, `${root}.query.<name>`, `${root}.path.<name>` or `${root}.body`"
                );
                if part.is_empty() {
                    return Err(ExprError::new(
                        at,
                        self.next_len(),
                        format!(
                            "expected `header`, `query`, `path` or `body` after `${root}.`, {}",
                            self.found()
                        ),
                    )
                    .with_help(list));
                }
                let best = match part.to_ascii_lowercase().as_str() {
                    "headers" => Some("header"),
                    "params" | "parameters" | "querystring" => Some("query"),
                    "payload" | "data" | "json" | "content" => Some("body"),
                    _ => crate::suggest::closest(part, &["header", "query", "path", "body"]),
                };
                let err = ExprError::new(
                    at,
                    part.len(),
                    format!("`{part}` is not a part of `${root}`"),
                );
                Err(match best {
                    Some(best) => {
                        let rest = &self.text[self.pos..self.extent(self.pos)];
                        err.with_help(format!("did you mean `${root}.{best}{rest}`?"))
                    }
                    None => err.with_help(list),
                })
            }
        }
    }

    fn body(&mut self, root: &str) -> Result<Source, ExprError> {
        if self.peek() == Some('#') {
            return Ok(Source::Body(self.pointer()?));
        }
        // `$response.body.preview_url`: the most common mistake; the body takes a pointer.
        if let Some((pointer, len)) = nav_to_pointer(self.rest()) {
            return Err(ExprError::new(
                self.pos,
                len,
                format!(
                    "`{}` does not navigate into `${root}.body`: a body is read with a JSON pointer",
                    &self.rest()[..len]
                ),
            )
            .with_help(format!("write `${root}.body#{pointer}`")));
        }
        Ok(Source::Body(None))
    }

    fn steps(&mut self) -> Result<Expr, ExprError> {
        let example = "$steps.<stepId>.outputs.<name>";
        self.expect_dot("$steps", example)?;
        let step = self.required_name(NameKind::Id, "a step id", "$steps.", example)?;
        let after = format!("$steps.{step}");
        let example = format!("{after}.outputs.<name>");
        if !self.eat('.') {
            return Err(ExprError::new(
                self.pos,
                self.next_len(),
                format!(
                    "expected `.outputs.<name>` after `{after}`, {}",
                    self.found()
                ),
            )
            .with_help(format!("write `{example}`")));
        }
        let at = self.pos;
        let seg = self.take(is_strict);
        if seg != "outputs" {
            let rest = &self.text[self.pos..self.extent(self.pos)];
            if rest.starts_with(".outputs.") {
                return Err(ExprError::new(
                    at - 1,
                    1,
                    format!("a step id cannot contain `.` (in `{step}.{seg}`)"),
                )
                .with_help("step ids are made of letters, digits, `-` and `_`: rename the step"));
            }
            let fixed = if seg.is_empty() {
                example.clone()
            } else if seg.eq_ignore_ascii_case("outputs")
                || crate::suggest::closest(seg, &["outputs"]).is_some()
            {
                format!("{after}.outputs{rest}")
            } else {
                format!("{after}.outputs.{seg}{rest}")
            };
            let found = if seg.is_empty() {
                self.found()
            } else {
                format!("found `{seg}`")
            };
            return Err(ExprError::new(
                at,
                if seg.is_empty() { self.next_len() } else { seg.len() },
                format!("expected `outputs` after `{after}.`, {found}: a step's values are read through its outputs"),
            )
            .with_help(format!("write `{fixed}`")));
        }
        let after = format!("{after}.outputs");
        self.expect_dot(&after, &example)?;
        let output = self.required_name(
            NameKind::Ident,
            "an output name",
            &format!("{after}."),
            &example,
        )?;
        let pointer = self.pointer()?;
        Ok(Expr::Steps {
            step,
            output,
            pointer,
        })
    }

    fn workflows(&mut self) -> Result<Expr, ExprError> {
        let example = "$workflows.<workflowId>.outputs.<name>";
        self.expect_dot("$workflows", example)?;
        let workflow = self.required_name(NameKind::Id, "a workflow id", "$workflows.", example)?;
        let after = format!("$workflows.{workflow}");
        let example = format!("{after}.outputs.<name>");
        self.expect_dot(&after, &example)?;
        let at = self.pos;
        let seg = self.take(is_strict);
        let field = match seg {
            "inputs" => WorkflowField::Inputs,
            "outputs" => WorkflowField::Outputs,
            _ => {
                let rest = &self.text[self.pos..self.extent(self.pos)];
                let fixed = match crate::suggest::closest(seg, &["inputs", "outputs"]) {
                    Some(best) => format!("{after}.{best}{rest}"),
                    None if seg.is_empty() => example.clone(),
                    None => format!("{after}.outputs.{seg}{rest}"),
                };
                let found = if seg.is_empty() {
                    self.found()
                } else {
                    format!("found `{seg}`")
                };
                return Err(ExprError::new(
                    at,
                    seg.len(),
                    format!("expected `inputs` or `outputs` after `{after}.`, {found}"),
                )
                .with_help(format!("write `{fixed}`")));
            }
        };
        let after = format!("{after}.{seg}");
        let example = format!("{after}.<name>");
        self.expect_dot(&after, &example)?;
        let name = self.required_name(NameKind::Ident, "a name", &format!("{after}."), &example)?;
        let pointer = self.pointer()?;
        Ok(Expr::Workflows {
            workflow,
            field,
            name,
            pointer,
        })
    }

    /// `#/a/b` when present: stored without `#`, validated as RFC 6901.
    fn pointer(&mut self) -> Result<Option<String>, ExprError> {
        if self.peek() != Some('#') {
            return Ok(None);
        }
        // In running text `#` without `/` is prose ("issue $inputs.id#3"), not a pointer.
        if self.mode == Mode::Unbraced && !self.rest()[1..].starts_with('/') {
            return Ok(None);
        }
        self.pos += 1;
        let start = self.pos;
        let mode = self.mode;
        let mut pointer = self.take(|c| !mode.ends_pointer(c));
        if mode == Mode::Unbraced {
            pointer = pointer.trim_end_matches('.');
            self.pos = start + pointer.len();
        }
        validate_pointer(pointer, start, mode)?;
        Ok(Some(pointer.to_owned()))
    }

    /// The error for text left after a whole-value expression.
    fn trailing(&self, start: usize, expr: &Expr) -> ExprError {
        let rest = self.rest();
        if expr.pointer().is_none()
            && let Some((pointer, len)) = nav_to_pointer(rest)
            && let Some(fixed) = expr.with_pointer(pointer)
        {
            return ExprError::new(
                self.pos,
                len,
                format!(
                    "`{}` does not navigate into a runtime expression's value",
                    &rest[..len]
                ),
            )
            .with_help(format!("use a JSON pointer: write `{fixed}`"));
        }
        let len = rest.chars().next().map_or(0, char::len_utf8);
        ExprError::new(
            self.pos,
            len,
            format!(
                "unexpected `{rest}` after the expression `{}`",
                &self.text[start..self.pos]
            ),
        )
        .with_help(format!(
            "to embed the expression in text, brace it: `{{{}}}{rest}`",
            &self.text[start..self.pos]
        ))
    }
}

/// `.a[0].b` → (`/a/0/b`, its length): dotted navigation rewritten as a JSON pointer.
fn nav_to_pointer(text: &str) -> Option<(String, usize)> {
    let mut pointer = String::new();
    let mut pos = 0;
    loop {
        let rest = &text[pos..];
        if let Some(after) = rest.strip_prefix('.') {
            let len = after.find(|c: char| !is_strict(c)).unwrap_or(after.len());
            if len == 0 {
                break;
            }
            pointer.push('/');
            pointer.push_str(&after[..len]);
            pos += 1 + len;
        } else if let Some(after) = rest.strip_prefix('[') {
            let len = after
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(after.len());
            if len == 0 || !after[len..].starts_with(']') {
                break;
            }
            pointer.push('/');
            pointer.push_str(&after[..len]);
            pos += len + 2;
        } else {
            break;
        }
    }
    (pos > 0).then_some((pointer, pos))
}

/// Checks a pointer that starts at byte `start`: RFC 6901 escapes, a leading `/`, no braces.
fn validate_pointer(pointer: &str, start: usize, mode: Mode) -> Result<(), ExprError> {
    if !pointer.is_empty() && !pointer.starts_with('/') {
        return Err(ExprError::new(
            start,
            pointer.len(),
            format!("a JSON pointer starts with `/`, found `{pointer}`"),
        )
        .with_help(format!("write `#/{pointer}`")));
    }
    let mut chars = pointer.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '~' => match chars.peek() {
                Some((_, '0' | '1')) => {}
                next => {
                    let len = 1 + next.map_or(0, |(_, n)| n.len_utf8());
                    return Err(ExprError::new(
                        start + i,
                        len,
                        "`~` in a JSON pointer must be followed by `0` or `1`",
                    )
                    .with_help("write `~0` for a literal `~` and `~1` for a literal `/`"));
                }
            },
            '{' | '}' => {
                return Err(ExprError::new(
                    start + i,
                    1,
                    format!("`{c}` cannot appear in a runtime expression's JSON pointer"),
                )
                .with_help("braces only delimit embedded expressions, as in `{$inputs.name}`"));
            }
            '[' if mode == Mode::Condition && bracket_index(&pointer[i..]).is_some() => {
                let len = bracket_index(&pointer[i..]).unwrap_or(1);
                return Err(ExprError::new(
                    start + i,
                    len,
                    format!(
                        "`{}` inside a JSON pointer is not an array index",
                        &pointer[i..i + len]
                    ),
                )
                .with_help(format!("write `#{}`", brackets_to_pointer(pointer))));
            }
            _ => {}
        }
    }
    Ok(())
}

/// The length of `[digits]` at the start of `text`.
fn bracket_index(text: &str) -> Option<usize> {
    let after = text.strip_prefix('[')?;
    let len = after
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(after.len());
    (len > 0 && after[len..].starts_with(']')).then_some(len + 2)
}

/// `/items[0].name` → `/items/0/name`.
fn brackets_to_pointer(pointer: &str) -> String {
    let mut out = String::new();
    let mut rest = pointer;
    while let Some(c) = rest.chars().next() {
        if let Some(len) = bracket_index(rest) {
            out.push('/');
            out.push_str(&rest[1..len - 1]);
            rest = &rest[len..];
            if let Some(after) = rest.strip_prefix('.') {
                out.push('/');
                rest = after;
            }
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ok(text: &str) -> Expr {
        match parse(text) {
            Ok(e) => e,
            Err(e) => panic!("{text}: {e}"),
        }
    }

    fn err(text: &str) -> ExprError {
        match parse(text) {
            Ok(e) => panic!("{text} parsed as {e:?}"),
            Err(e) => e,
        }
    }

    fn inputs(name: &str, pointer: Option<&str>) -> Expr {
        Expr::Inputs {
            name: name.into(),
            pointer: pointer.map(Into::into),
        }
    }

    fn steps(step: &str, output: &str, pointer: Option<&str>) -> Expr {
        Expr::Steps {
            step: step.into(),
            output: output.into(),
            pointer: pointer.map(Into::into),
        }
    }

    fn body(pointer: Option<&str>) -> Expr {
        Expr::Response(Source::Body(pointer.map(Into::into)))
    }

    #[test]
    fn every_form() {
        assert_eq!(ok("$url"), Expr::Url);
        assert_eq!(ok("$method"), Expr::Method);
        assert_eq!(ok("$statusCode"), Expr::StatusCode);
        assert_eq!(
            ok("$request.header.accept"),
            Expr::Request(Source::Header("accept".into()))
        );
        assert_eq!(
            ok("$response.header.X-Rate-Limit"),
            Expr::Response(Source::Header("X-Rate-Limit".into()))
        );
        assert_eq!(
            ok("$request.query.api-version"),
            Expr::Request(Source::Query("api-version".into()))
        );
        assert_eq!(
            ok("$request.path.id"),
            Expr::Request(Source::Path("id".into()))
        );
        assert_eq!(ok("$request.body"), Expr::Request(Source::Body(None)));
        assert_eq!(
            ok("$request.body#/user/uuid"),
            Expr::Request(Source::Body(Some("/user/uuid".into())))
        );
        assert_eq!(ok("$response.body#/token"), body(Some("/token")));
        assert_eq!(ok("$response.body#/items/0/id"), body(Some("/items/0/id")));
        assert_eq!(ok("$inputs.username"), inputs("username", None));
        assert_eq!(ok("$inputs.pet#/id"), inputs("pet", Some("/id")));
        assert_eq!(
            ok("$outputs.bar#/name"),
            Expr::Outputs {
                name: "bar".into(),
                pointer: Some("/name".into())
            }
        );
        assert_eq!(
            ok("$steps.loginStep.outputs.sessionToken"),
            steps("loginStep", "sessionToken", None)
        );
        assert_eq!(
            ok("$steps.browser-authorize.outputs.code"),
            steps("browser-authorize", "code", None)
        );
        assert_eq!(
            ok("$steps.someStepId.outputs.pets#/0/id"),
            steps("someStepId", "pets", Some("/0/id"))
        );
        assert_eq!(
            ok("$workflows.foo.outputs.mappedResponse#/name"),
            Expr::Workflows {
                workflow: "foo".into(),
                field: WorkflowField::Outputs,
                name: "mappedResponse".into(),
                pointer: Some("/name".into())
            }
        );
        assert_eq!(
            ok("$workflows.foo.inputs.username"),
            Expr::Workflows {
                workflow: "foo".into(),
                field: WorkflowField::Inputs,
                name: "username".into(),
                pointer: None
            }
        );
        assert_eq!(
            ok("$sourceDescriptions.petStore.findPets"),
            Expr::SourceDescriptions {
                name: "petStore".into(),
                reference: "findPets".into()
            }
        );
        assert_eq!(
            ok("$sourceDescriptions.petstore.url"),
            Expr::SourceDescriptions {
                name: "petstore".into(),
                reference: "url".into()
            }
        );
        assert_eq!(
            ok("$components.parameters.page.size"),
            Expr::Components {
                kind: "parameters".into(),
                name: "page.size".into()
            }
        );
        for kind in COMPONENT_KINDS {
            assert_eq!(
                ok(&format!("$components.{kind}.x")),
                Expr::Components {
                    kind: kind.into(),
                    name: "x".into()
                }
            );
        }
        // 1.1.0: input and output names may hold dots.
        assert_eq!(ok("$inputs.user.name"), inputs("user.name", None));
    }

    #[test]
    fn json_pointer_edge_cases() {
        // The empty pointer is the whole document.
        assert_eq!(ok("$response.body#"), body(Some("")));
        assert_eq!(ok("$response.body#/"), body(Some("/")));
        assert_eq!(ok("$response.body#/a~1b"), body(Some("/a~1b")));
        assert_eq!(ok("$response.body#/m~0n"), body(Some("/m~0n")));
        assert_eq!(ok("$response.body#/~01"), body(Some("/~01")));
        assert_eq!(ok("$response.body#//x"), body(Some("//x")));
        assert_eq!(ok("$response.body#/a b"), body(Some("/a b")));
        assert_eq!(ok("$response.body#/ünï"), body(Some("/ünï")));
        // The stored form is what serde_json's pointer lookup takes.
        let doc = serde_json::json!({"a/b": 1, "m~n": 2, "items": [{"id": 7}]});
        for (text, want) in [
            ("$response.body#/a~1b", 1),
            ("$response.body#/m~0n", 2),
            ("$response.body#/items/0/id", 7),
        ] {
            let pointer = ok(text).pointer().map(str::to_owned).unwrap_or_default();
            assert_eq!(
                doc.pointer(&pointer),
                Some(&serde_json::json!(want)),
                "{text}"
            );
        }

        let e = err("$response.body#/a~2");
        assert_eq!((e.offset, e.len), (17, 2));
        assert_eq!(
            e.message,
            "`~` in a JSON pointer must be followed by `0` or `1`"
        );
        assert_eq!(
            e.help.as_deref(),
            Some("write `~0` for a literal `~` and `~1` for a literal `/`")
        );
        let e = err("$response.body#/a~");
        assert_eq!((e.offset, e.len), (17, 1));
        let e = err("$response.body#items");
        assert_eq!((e.offset, e.len), (15, 5));
        assert_eq!(e.message, "a JSON pointer starts with `/`, found `items`");
        assert_eq!(e.help.as_deref(), Some("write `#/items`"));
        let e = err("$inputs.a#/x{y}");
        assert_eq!((e.offset, e.len), (12, 1));
        assert_eq!(
            e.message,
            "`{` cannot appear in a runtime expression's JSON pointer"
        );
    }

    #[test]
    fn errors_teach_the_fix() {
        let e = err("$response.body.preview_url");
        assert_eq!((e.offset, e.len), (14, 12));
        assert_eq!(
            e.message,
            "`.preview_url` does not navigate into `$response.body`: a body is read with a JSON pointer"
        );
        assert_eq!(
            e.help.as_deref(),
            Some("write `$response.body#/preview_url`")
        );
        let e = err("$response.body.items[0].name");
        assert_eq!(
            e.help.as_deref(),
            Some("write `$response.body#/items/0/name`")
        );

        let e = err("$steps.getTrack.preview_url");
        assert_eq!((e.offset, e.len), (16, 11));
        assert_eq!(
            e.message,
            "expected `outputs` after `$steps.getTrack.`, found `preview_url`: a step's values are read through its outputs"
        );
        assert_eq!(
            e.help.as_deref(),
            Some("write `$steps.getTrack.outputs.preview_url`")
        );
        let e = err("$steps.getTrack.output.preview_url");
        assert_eq!(
            e.help.as_deref(),
            Some("write `$steps.getTrack.outputs.preview_url`")
        );
        let e = err("$steps.getTrack");
        assert_eq!((e.offset, e.len), (15, 0));
        assert_eq!(
            e.help.as_deref(),
            Some("write `$steps.getTrack.outputs.<name>`")
        );
        let e = err("$steps.my.step.outputs.x");
        assert_eq!((e.offset, e.len), (9, 1));
        assert_eq!(e.message, "a step id cannot contain `.` (in `my.step`)");
        let e = err("$steps.a.outputs.");
        assert_eq!(
            e.message,
            "expected an output name after `$steps.a.outputs.`, found the end of the text"
        );

        let e = err("$input.x");
        assert_eq!((e.offset, e.len), (0, 6));
        assert_eq!(e.message, "unknown runtime expression `$input`");
        assert_eq!(e.help.as_deref(), Some("did you mean `$inputs.x`?"));
        let e = err("$step.a.outputs.b");
        assert_eq!(
            e.help.as_deref(),
            Some("did you mean `$steps.a.outputs.b`?")
        );
        let e = err("$body#/x");
        assert_eq!(e.help.as_deref(), Some("did you mean `$response.body#/x`?"));

        let e = err("$statuscode");
        assert_eq!((e.offset, e.len), (0, 11));
        assert_eq!(
            e.message,
            "`$statuscode` is not an expression: runtime expressions are case-sensitive"
        );
        assert_eq!(e.help.as_deref(), Some("write `$statusCode`"));
        let e = err("$Inputs.token");
        assert_eq!(e.help.as_deref(), Some("write `$inputs.token`"));

        let e = err("$foo.bar");
        assert_eq!(e.message, "unknown runtime expression `$foo`");
        let help = e.help.unwrap_or_default();
        for root in [
            "`$url`",
            "`$method`",
            "`$statusCode`",
            "`$request.",
            "`$response.",
            "`$inputs.",
            "`$outputs.",
            "`$steps.",
            "`$workflows.",
            "`$sourceDescriptions.",
            "`$components.",
        ] {
            assert!(help.contains(root), "{help} lacks {root}");
        }
        let e = err("$");
        assert_eq!((e.offset, e.len), (0, 1));
        assert_eq!(
            e.message,
            "expected an expression name after `$`, found the end of the text"
        );
        let e = err("inputs.x");
        assert_eq!(
            e.message,
            "expected a runtime expression starting with `$`, found `i`"
        );
        assert_eq!(
            parse("$message.payload#/ackId"),
            Ok(Expr::Message(Source::Payload(Some("/ackId".into()))))
        );
        assert_eq!(
            parse("$message.header.X-Id"),
            Ok(Expr::Message(Source::Header("X-Id".into())))
        );
        assert_eq!(
            parse("$message.payload").map(|e| e.to_string()),
            Ok("$message.payload".into())
        );
        let e = err("$message.payload.orderId");
        assert_eq!(e.help.as_deref(), Some("write `$message.payload#/orderId`"));
        let e = err("$message.body#/x");
        assert_eq!(e.message, "`body` is not a part of `$message`");
        assert_eq!(e.help.as_deref(), Some("write `$message.payload#/x`"));

        let e = err("$response.headers.X-Id");
        assert_eq!((e.offset, e.len), (10, 7));
        assert_eq!(e.message, "`headers` is not a part of `$response`");
        assert_eq!(
            e.help.as_deref(),
            Some("did you mean `$response.header.X-Id`?")
        );
        let e = err("$response.");
        assert_eq!(
            e.message,
            "expected `header`, `query`, `path` or `body` after `$response.`, found the end of the text"
        );
        let e = err("$response.header.");
        assert_eq!(
            e.message,
            "expected a header name after `$response.header.`, found the end of the text"
        );
        let e = err("$response");
        assert_eq!(
            e.message,
            "expected `.` after `$response`, found the end of the text"
        );
        assert_eq!(e.help.as_deref(), Some("write `$response.body`"));
        let e = err("$inputs");
        assert_eq!(e.help.as_deref(), Some("write `$inputs.<name>`"));

        let e = err("$workflows.w.input.x");
        assert_eq!(
            e.message,
            "expected `inputs` or `outputs` after `$workflows.w.`, found `input`"
        );
        assert_eq!(e.help.as_deref(), Some("write `$workflows.w.inputs.x`"));
        let e = err("$components.parameter.x");
        assert_eq!(
            e.help.as_deref(),
            Some("did you mean `$components.parameters.x`?")
        );
        let e = err("$sourceDescriptions.api");
        assert_eq!(
            e.help.as_deref(),
            Some("write `$sourceDescriptions.api.url`")
        );

        let e = err("$inputs.list[0]");
        assert_eq!((e.offset, e.len), (12, 3));
        assert_eq!(
            e.help.as_deref(),
            Some("use a JSON pointer: write `$inputs.list#/0`")
        );
        let e = err("$statusCode == 200");
        assert_eq!((e.offset, e.len), (11, 1));
        assert_eq!(
            e.message,
            "unexpected ` == 200` after the expression `$statusCode`"
        );
        let e = err("{$inputs.a}");
        assert_eq!(e.help.as_deref(), Some("write `$inputs.a`"));
        let e = err("$inputs.a b");
        assert_eq!(e.offset, 9);
    }

    #[test]
    fn display_is_canonical() {
        for text in [
            "$url",
            "$method",
            "$statusCode",
            "$request.header.accept",
            "$request.query.q",
            "$request.path.id",
            "$request.body",
            "$response.body#/a~1b/0",
            "$response.body#",
            "$inputs.a.b#/c",
            "$outputs.o",
            "$steps.a.outputs.b#/c",
            "$workflows.w.inputs.x",
            "$workflows.w.outputs.x#/y",
            "$sourceDescriptions.s.url",
            "$components.successActions.done",
        ] {
            assert_eq!(ok(text).to_string(), text);
        }
    }

    fn expr_part(expr: Expr, span: Range<usize>, braced: bool) -> Part {
        Part::Expr { expr, span, braced }
    }

    fn template(text: &str) -> Vec<Part> {
        match parse_template(text) {
            Ok(t) => t.parts,
            Err(e) => panic!("{text}: {e}"),
        }
    }

    fn template_err(text: &str) -> ExprError {
        match parse_template(text) {
            Ok(t) => panic!("{text} parsed as {t:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn templates() {
        assert_eq!(
            template("Bearer $inputs.accessToken"),
            vec![
                Part::Text("Bearer ".into()),
                expr_part(inputs("accessToken", None), 7..26, false)
            ]
        );
        assert_eq!(
            template("Bearer {$inputs.accessToken}"),
            vec![
                Part::Text("Bearer ".into()),
                expr_part(inputs("accessToken", None), 7..28, true)
            ]
        );
        assert_eq!(
            template("{$inputs.a}-{$inputs.b}"),
            vec![
                expr_part(inputs("a", None), 0..11, true),
                Part::Text("-".into()),
                expr_part(inputs("b", None), 12..23, true)
            ]
        );
        assert_eq!(
            template("$response.body#/token"),
            vec![expr_part(body(Some("/token")), 0..21, false)]
        );
        assert_eq!(
            template("{$statusCode}"),
            vec![expr_part(Expr::StatusCode, 0..13, true)]
        );
        assert_eq!(
            template("plain text"),
            vec![Part::Text("plain text".into())]
        );
        assert_eq!(template(""), vec![Part::Text(String::new())]);
        assert_eq!(
            template("costs $5 or $HOME or $input"),
            vec![Part::Text("costs $5 or $HOME or $input".into())]
        );
        assert_eq!(
            template("{\"a\": 1}"),
            vec![Part::Text("{\"a\": 1}".into())]
        );
        assert_eq!(
            template("https://{$inputs.host}/api/{$steps.create.outputs.id}/status"),
            vec![
                Part::Text("https://".into()),
                expr_part(inputs("host", None), 8..22, true),
                Part::Text("/api/".into()),
                expr_part(steps("create", "id", None), 27..53, true),
                Part::Text("/status".into())
            ]
        );
        // An unbraced expression ends where it cannot continue.
        assert_eq!(
            template("\"$inputs.pet_id\", $response.body#/a/b}."),
            vec![
                Part::Text("\"".into()),
                expr_part(inputs("pet_id", None), 1..15, false),
                Part::Text("\", ".into()),
                expr_part(body(Some("/a/b")), 18..37, false),
                Part::Text("}.".into())
            ]
        );
        assert_eq!(
            template("token $inputs.t. Done"),
            vec![
                Part::Text("token ".into()),
                expr_part(inputs("t", None), 6..15, false),
                Part::Text(". Done".into())
            ]
        );
        assert_eq!(
            template("$response.body#/a b"),
            vec![expr_part(body(Some("/a b")), 0..19, false)]
        );
        assert_eq!(
            template("issue $inputs.id#3 and $statusCode"),
            vec![
                Part::Text("issue ".into()),
                expr_part(inputs("id", None), 6..16, false),
                Part::Text("#3 and ".into()),
                expr_part(Expr::StatusCode, 23..34, false)
            ]
        );
        assert_eq!(
            template("scope=$inputs.scope}&x=1"),
            vec![
                Part::Text("scope=".into()),
                expr_part(
                    Expr::Inputs {
                        name: "scope".into(),
                        pointer: None
                    },
                    6..19,
                    false
                ),
                Part::Text("}&x=1".into())
            ]
        );
    }

    #[test]
    fn template_errors() {
        let e = template_err("Bearer {$inputs.token");
        assert_eq!((e.offset, e.len), (7, 14));
        assert_eq!(e.message, "`{$` has no closing `}`");
        assert_eq!(e.help.as_deref(), Some("write `{$inputs.token}`"));
        let e = template_err("x {$inputs.a b}");
        assert_eq!((e.offset, e.len), (12, 1));
        assert_eq!(
            e.message,
            "unexpected ` ` in an embedded expression; expected `}`"
        );
        let e = template_err("x {$input.a}");
        assert_eq!(e.offset, 3);
        assert_eq!(e.help.as_deref(), Some("did you mean `$inputs.a`?"));
        let e = template_err("url: $response.body.preview_url");
        assert_eq!(
            e.help.as_deref(),
            Some("write `$response.body#/preview_url`")
        );
        let e = template_err("$steps.getTrack.preview_url");
        assert_eq!(
            e.help.as_deref(),
            Some("write `$steps.getTrack.outputs.preview_url`")
        );
        let e = template_err("Bearer $input.token");
        assert_eq!(e.offset, 7);
        assert_eq!(e.help.as_deref(), Some("did you mean `$inputs.token`?"));
        let e = template_err("$statuscode");
        assert_eq!(e.help.as_deref(), Some("write `$statusCode`"));
    }

    fn strict() -> impl Strategy<Value = String> {
        "[A-Za-z0-9_-]{1,8}"
    }

    fn ident() -> impl Strategy<Value = String> {
        "[A-Za-z0-9_.-]{1,8}"
    }

    fn pointer() -> impl Strategy<Value = String> {
        let token = proptest::collection::vec(
            prop_oneof![Just("~0".to_owned()), Just("~1".to_owned()), "[^{}/~]"],
            0..4,
        )
        .prop_map(|parts| parts.concat());
        proptest::collection::vec(token, 0..4)
            .prop_map(|tokens| tokens.iter().map(|t| format!("/{t}")).collect())
    }

    fn source() -> impl Strategy<Value = Source> {
        prop_oneof![
            "[A-Za-z0-9!#$%&'*+.^_`|~-]{1,8}".prop_map(Source::Header),
            "[^{}\\s\\p{Cc}]{1,8}".prop_map(Source::Query),
            "[^{}\\s\\p{Cc}]{1,8}".prop_map(Source::Path),
            proptest::option::of(pointer()).prop_map(Source::Body),
        ]
    }

    pub(crate) fn any_expr() -> impl Strategy<Value = Expr> {
        let field = prop_oneof![Just(WorkflowField::Inputs), Just(WorkflowField::Outputs)];
        let kind = proptest::sample::select(COMPONENT_KINDS.to_vec()).prop_map(str::to_owned);
        prop_oneof![
            Just(Expr::Url),
            Just(Expr::Method),
            Just(Expr::StatusCode),
            source().prop_map(Expr::Request),
            source().prop_map(Expr::Response),
            (ident(), proptest::option::of(pointer()))
                .prop_map(|(name, pointer)| Expr::Inputs { name, pointer }),
            (ident(), proptest::option::of(pointer()))
                .prop_map(|(name, pointer)| Expr::Outputs { name, pointer }),
            (strict(), ident(), proptest::option::of(pointer())).prop_map(
                |(step, output, pointer)| Expr::Steps {
                    step,
                    output,
                    pointer
                }
            ),
            (strict(), field, ident(), proptest::option::of(pointer())).prop_map(
                |(workflow, field, name, pointer)| {
                    Expr::Workflows {
                        workflow,
                        field,
                        name,
                        pointer,
                    }
                }
            ),
            (strict(), "[^{}\\s\\p{Cc}]{1,8}")
                .prop_map(|(name, reference)| Expr::SourceDescriptions { name, reference }),
            (kind, ident()).prop_map(|(kind, name)| Expr::Components { kind, name }),
        ]
    }

    proptest! {
        #[test]
        fn display_parse_round_trips(expr in any_expr()) {
            let text = expr.to_string();
            prop_assert_eq!(parse(&text), Ok(expr.clone()));
            // Braced inside text, the expression reads back too.
            let wrapped = format!("a {{{text}}} b");
            let parts = parse_template(&wrapped).map(|t| t.parts);
            prop_assert_eq!(parts, Ok(vec![
                Part::Text("a ".into()),
                Part::Expr { expr, span: 2..text.len() + 4, braced: true },
                Part::Text(" b".into()),
            ]));
        }

        #[test]
        fn never_panics(text in ".{0,40}") {
            let _ = parse(&text);
            let _ = parse_template(&text);
        }

        #[test]
        fn never_panics_near_the_grammar(text in "[${}#/~0-9a-zA-Z._ \\[\\]'\"()!=<>&|-]{0,40}") {
            let _ = parse(&text);
            let _ = parse_template(&text);
            if let Ok(t) = parse_template(&text) {
                for part in t.parts {
                    if let Part::Expr { span, .. } = part {
                        prop_assert!(text.get(span).is_some());
                    }
                }
            }
        }

        #[test]
        fn error_spans_lie_in_the_text(text in "\\$[a-zA-Z.#/~{}\\[\\]0-9 ]{0,30}") {
            for e in [parse(&text).err(), parse_template(&text).err()].into_iter().flatten() {
                prop_assert!(text.get(e.offset..e.offset + e.len).is_some(), "{:?} in {:?}", e, text);
            }
        }
    }
}
