//! Diagnostics: what went wrong, where (file, byte span), and how to fix it.

use std::fmt;

/// A loaded file, as numbered by [`crate::load::Files`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub u32);

/// A byte range in one loaded file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    /// The file.
    pub file: FileId,
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the last byte (`start == end` for a point).
    pub end: usize,
}

impl Span {
    /// The sub-span `start..end` (byte offsets relative to this span's start), clamped to it.
    pub fn sub(self, start: usize, end: usize) -> Span {
        let s = (self.start + start).min(self.end);
        let e = (self.start + end).clamp(s, self.end);
        Span {
            file: self.file,
            start: s,
            end: e,
        }
    }
}

/// How bad it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The build fails.
    Error,
    /// The build goes on; cargo shows the text.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// One finding, rendered rustc-style by `Diagnostic::render`:
///
/// ```text
/// error[arazzo::unknown-operation]: no operation `webPubSub_sendToAl` in source `webPubSubApi`
///   --> specs/arazzo/x.arazzo.yml:80:22
///    |
/// 80 |         operationId: webPubSub_sendToAl
///    |                      ^^^^^^^^^^^^^^^^^^ not an operationId of ../openapi/x.yml
///    |
/// help: did you mean `webPubSub_sendToAll`?
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// A stable code, kebab-case, shown as `arazzo::<code>`.
    pub code: &'static str,
    /// One line saying what is wrong.
    pub message: String,
    /// Where; `None` only when no file is involved (a path that does not exist, say).
    pub span: Option<Span>,
    /// Text printed after the carets.
    pub label: String,
    /// How to fix it, when a fix can be named.
    pub help: Option<String>,
    /// Further context lines (`note: ...`).
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// A new error.
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, message)
    }

    /// A new warning.
    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, message)
    }

    fn new(severity: Severity, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            severity,
            code,
            message: message.into(),
            span: None,
            label: String::new(),
            help: None,
            notes: Vec::new(),
        }
    }

    /// Points at `span` (no-op for `None`, so callers can pass a lookup result directly).
    pub fn at(mut self, span: Option<Span>) -> Self {
        if span.is_some() {
            self.span = span;
        }
        self
    }

    /// Sets the label under the carets.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// Sets the help line.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a note line.
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}
