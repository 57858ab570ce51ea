//! Diagnostics: what went wrong, where (file, byte span), and how to fix it.

use std::fmt;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

/// A loaded file, numbered in load order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub(crate) u32);

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
    pub(crate) fn sub(self, start: usize, end: usize) -> Span {
        let s = (self.start + start).min(self.end);
        let e = (self.start + end).clamp(s, self.end);
        Span {
            file: self.file,
            start: s,
            end: e,
        }
    }
}

/// Where a span is, for tools that do not read the files themselves (JSON and SARIF output,
/// editors): the path as diagnostics show it and 1-based lines and columns (columns count
/// characters, as rustc's do).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Location {
    /// The file's path as the rendered diagnostic shows it (relative to the current
    /// directory, `/`-separated).
    pub path: String,
    /// Line of the span's first character.
    pub line: usize,
    /// Column of the span's first character.
    pub column: usize,
    /// Line of the span's end (one past its last character).
    pub end_line: usize,
    /// Column of the span's end (one past its last character).
    pub end_column: usize,
}

/// A place a diagnostic points at besides its main span, and what it says there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// The same place as path, line and column (set once the run ends).
    pub location: Option<Location>,
    /// Text printed after the underline.
    pub text: String,
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
    /// The same place as path, line and column (set once the run ends).
    pub location: Option<Location>,
    /// Text printed after the carets.
    pub label: String,
    /// Other places that explain this one ("first defined here"), underlined with `-`.
    pub secondary: Vec<Label>,
    /// How to fix it, when a fix can be named.
    pub help: Option<String>,
    /// Further context lines (`note: ...`).
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// A new error.
    pub(crate) fn error(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, message)
    }

    /// A new warning.
    pub(crate) fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, message)
    }

    fn new(severity: Severity, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            severity,
            code,
            message: message.into(),
            span: None,
            location: None,
            label: String::new(),
            secondary: Vec::new(),
            help: None,
            notes: Vec::new(),
        }
    }

    /// Points at `span` (no-op for `None`, so callers can pass a lookup result directly).
    pub(crate) fn at(mut self, span: Option<Span>) -> Self {
        if span.is_some() {
            self.span = span;
        }
        self
    }

    /// Sets the label under the carets.
    pub(crate) fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// Adds a secondary label at `span` (no-op for `None`), as miette's `LabeledSpan`: a place
    /// that explains the main one, shown in its own file with `-` under it.
    pub(crate) fn secondary(mut self, span: Option<Span>, text: impl Into<String>) -> Self {
        if let Some(span) = span {
            self.secondary.push(Label {
                span,
                location: None,
                text: text.into(),
            });
        }
        self
    }

    /// Sets the help line.
    pub(crate) fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a note line.
    pub(crate) fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The text of the files diagnostics point into: all rendering needs, so that this module
/// does not depend on how files are loaded.
pub(crate) trait SourceText {
    /// The path to show and the text of `file`; `None` for a file it does not know.
    fn source(&self, file: FileId) -> Option<(String, &str)>;
}

/// Fills in the [`Location`] of every span of `diagnostics` (main and secondary). One pass
/// over each file for all of them: sorted offsets are walked in order, so thousands of
/// diagnostics on one long line cost what the line costs, not that many times over.
pub(crate) fn locate_all(diagnostics: &mut [Diagnostic], files: &dyn SourceText) {
    let mut wanted: Vec<(FileId, usize)> = Vec::new();
    for d in diagnostics.iter() {
        for span in d.span.iter().chain(d.secondary.iter().map(|l| &l.span)) {
            wanted.push((span.file, span.start));
            wanted.push((span.file, span.end));
        }
    }
    wanted.sort_unstable();
    wanted.dedup();
    let mut found: std::collections::HashMap<(FileId, usize), (usize, usize)> =
        std::collections::HashMap::with_capacity(wanted.len());
    let mut paths: std::collections::HashMap<FileId, String> = std::collections::HashMap::new();
    let mut at = 0;
    while at < wanted.len() {
        let file = wanted[at].0;
        let Some((path, text)) = files.source(file) else {
            while at < wanted.len() && wanted[at].0 == file {
                at += 1;
            }
            continue;
        };
        paths.insert(file, path);
        // Walk the text once, stopping at each wanted offset in order.
        let (mut line, mut column, mut pos) = (1, 1, 0);
        let mut chars = text.char_indices().peekable();
        while at < wanted.len() && wanted[at].0 == file {
            let target = floor_char_boundary(text, wanted[at].1);
            while pos < target {
                match chars.next() {
                    Some((_, '\n')) => {
                        line += 1;
                        column = 1;
                    }
                    Some(_) => column += 1,
                    None => break,
                }
                pos = chars.peek().map_or(text.len(), |&(i, _)| i);
            }
            found.insert(wanted[at], (line, column));
            at += 1;
        }
    }
    let locate = |span: &Span| {
        let path = paths.get(&span.file)?;
        let &(line, column) = found.get(&(span.file, span.start))?;
        let &(end_line, end_column) = found.get(&(span.file, span.end))?;
        Some(Location {
            path: path.clone(),
            line,
            column,
            end_line,
            end_column,
        })
    };
    for d in diagnostics.iter_mut() {
        d.location = d.span.as_ref().and_then(locate);
        for label in &mut d.secondary {
            label.location = locate(&label.span);
        }
    }
}

impl Diagnostic {
    /// Renders rustc-style, without colours (see the type's docs), with `annotate-snippets`,
    /// rustc's own renderer. Notes follow the snippet as `= note:` lines, help comes last;
    /// without a span (or with a span in a file `files` does not know) only the header, notes
    /// and help are shown. Ends with a newline.
    pub(crate) fn render(&self, files: &dyn SourceText) -> String {
        let level = match self.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
        };
        let id = format!("arazzo::{}", self.code);
        let message = clip(&self.message);
        let notes: Vec<_> = self.notes.iter().map(|n| clip(n)).collect();
        let help = self.help.as_deref().map(clip);
        // The main span first, then the secondary labels; each file once, in that order (a
        // file after the first is shown under a `:::` header, as rustc does).
        let mut marks: Vec<Mark<'_>> = Vec::new();
        if let Some(span) = self.span {
            marks.push(Mark {
                span,
                primary: true,
                label: clip(&self.label),
            });
            marks.extend(self.secondary.iter().map(|l| Mark {
                span: l.span,
                primary: false,
                label: clip(&l.text),
            }));
        }
        let mut excerpts: Vec<Excerpt<'_>> = Vec::new();
        for m in &marks {
            if excerpts.iter().any(|e| e.file == m.span.file) {
                continue;
            }
            let in_file: Vec<&Mark<'_>> = marks
                .iter()
                .filter(|o| o.span.file == m.span.file)
                .collect();
            // A span in a file `files` does not know hides only itself; the primary's file
            // decides whether there is a snippet at all.
            if let Some(excerpt) = Excerpt::new(m.span.file, &in_file, files) {
                excerpts.push(excerpt);
            } else if m.primary {
                break;
            }
        }
        if excerpts.is_empty() {
            // annotate-snippets draws a gutter even with no snippet to hang it on; without one,
            // the header, notes and help stand alone, as rustc prints a spanless error.
            let mut out = format!("{}[{id}]: {message}\n", self.severity);
            for note in &notes {
                out.push_str(&indented("  = note: ", note));
            }
            if let Some(help) = &help {
                out.push_str(&indented("help: ", help));
            }
            return out;
        }
        let mut group = Group::with_title(level.primary_title(message.as_ref()).id(id.as_str()));
        for e in &excerpts {
            let mut snippet = Snippet::source(e.text)
                .path(e.path.as_str())
                .line_start(e.line);
            for (range, primary, label) in &e.marks {
                let kind = if *primary {
                    AnnotationKind::Primary
                } else {
                    AnnotationKind::Context
                };
                let annotation = kind.span(range.clone());
                snippet = snippet.annotation(if label.is_empty() {
                    annotation
                } else {
                    annotation.label(*label)
                });
            }
            group = group.element(snippet);
        }
        for note in &notes {
            group = group.element(Level::NOTE.message(note.as_ref()));
        }
        let mut report = vec![group];
        if let Some(help) = &help {
            report.push(Group::with_title(
                Level::HELP.secondary_title(help.as_ref()),
            ));
        }
        let mut out = Renderer::plain().term_width(MAX_LINE).render(&report);
        out.push('\n');
        out
    }
}

/// The longest message, label, note or help text rendered, in bytes; longer ones end in `…`.
/// Messages quote spec text, and a quote must never repeat a whole hostile document.
pub(crate) const MAX_TEXT: usize = 400;

/// The width a snippet is laid out for, in columns; longer source lines show a window around
/// the span, `...` marking what is cut (annotate-snippets' `term_width`).
const MAX_LINE: usize = 160;

/// How many diagnostics of one document are rendered; the rest are counted in a last line.
pub(crate) const MAX_SHOWN: usize = 100;

/// `text` cut to at most [`MAX_TEXT`] bytes at a character boundary.
fn clip(text: &str) -> std::borrow::Cow<'_, str> {
    if text.len() <= MAX_TEXT {
        return text.into();
    }
    format!("{}…", &text[..floor_char_boundary(text, MAX_TEXT)]).into()
}

/// The diagnostics to render (at most [`MAX_SHOWN`], errors before warnings when some must be
/// left out, each kept in its original order) and how many errors and warnings are left out.
pub(crate) fn shown(diagnostics: &[Diagnostic]) -> (Vec<&Diagnostic>, usize, usize) {
    if diagnostics.len() <= MAX_SHOWN {
        return (diagnostics.iter().collect(), 0, 0);
    }
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings_shown = MAX_SHOWN.saturating_sub(errors);
    let (mut e, mut w) = (0, 0);
    let mut out = Vec::with_capacity(MAX_SHOWN);
    for d in diagnostics {
        let keep = if d.is_error() {
            e += 1;
            e <= MAX_SHOWN
        } else {
            w += 1;
            w <= warnings_shown
        };
        if keep {
            out.push(d);
        }
    }
    let hidden_errors = errors.saturating_sub(MAX_SHOWN);
    let hidden_warnings = (diagnostics.len() - errors).saturating_sub(warnings_shown);
    (out, hidden_errors, hidden_warnings)
}

/// `prefix` then `text`, later lines of `text` indented under its first; ends with a newline.
fn indented(prefix: &str, text: &str) -> String {
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        let lead = if i == 0 {
            prefix.to_owned()
        } else {
            " ".repeat(prefix.len())
        };
        out.push_str(&lead);
        out.push_str(line);
        out.push('\n');
    }
    if out.is_empty() {
        out.push_str(prefix.trim_end());
        out.push('\n');
    }
    out
}

/// One annotated span: carets (`^`) for the main one, dashes (`-`) for secondary ones.
struct Mark<'a> {
    span: Span,
    primary: bool,
    label: std::borrow::Cow<'a, str>,
}

/// What one file shows: the lines from its first mark to its last (so a snippet of a large
/// document costs what those lines do), where they start, and the marks as ranges into them,
/// each cut at the end of its first line as rustc marks a span in YAML.
struct Excerpt<'a> {
    file: FileId,
    path: String,
    text: &'a str,
    /// 1-based number of the first line of `text`.
    line: usize,
    marks: Vec<(std::ops::Range<usize>, bool, &'a str)>,
}

impl<'a> Excerpt<'a> {
    fn new(file: FileId, marks: &[&'a Mark<'a>], files: &'a dyn SourceText) -> Option<Self> {
        let (path, text) = files.source(file)?;
        let start_of = |at: usize| {
            let at = floor_char_boundary(text, at);
            text[..at].rfind('\n').map_or(0, |i| i + 1)
        };
        let end_of = |at: usize| {
            let at = floor_char_boundary(text, at);
            text[at..].find('\n').map_or(text.len(), |i| at + i)
        };
        let first = marks.iter().map(|m| start_of(m.span.start)).min()?;
        let last = marks.iter().map(|m| end_of(m.span.start)).max()?;
        let (line, _) = line_col_in(text, first);
        let shown = &text[first..last];
        let marks = marks
            .iter()
            .map(|m| {
                let start = floor_char_boundary(text, m.span.start);
                let end = floor_char_boundary(text, m.span.end).clamp(start, end_of(start));
                let end = start + text[start..end].trim_end_matches('\r').len();
                (start - first..end - first, m.primary, m.label.as_ref())
            })
            .collect();
        Some(Self {
            file,
            path,
            text: shown,
            line,
            marks,
        })
    }
}

/// 1-based line and column (in characters) of byte offset `at` in `text`.
pub(crate) fn line_col_in(text: &str, at: usize) -> (usize, usize) {
    let at = floor_char_boundary(text, at);
    let before = &text[..at];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// `at` clamped to `text` and moved back to a character boundary.
fn floor_char_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::load::Files;

    /// A file at `rel` under the current directory whose line `line` is `content`.
    fn file_with_line(rel: &str, line: usize, content: &str) -> (Files, FileId, String) {
        let cwd = std::fs::canonicalize(std::env::current_dir().unwrap()).unwrap();
        let mut text: String = (1..line).map(|i| format!("k{i}: {i}\n")).collect();
        text.push_str(content);
        text.push('\n');
        let mut files = Files::new(Vec::new());
        let id = files.add_text(cwd.join(rel), text.clone()).unwrap();
        (files, id, text)
    }

    fn span_of(files: &Files, id: FileId, needle: &str) -> Span {
        let start = files.text(id).rfind(needle).unwrap();
        Span {
            file: id,
            start,
            end: start + needle.len(),
        }
    }

    #[test]
    fn renders_like_rustc() {
        let (mut files, _, _) = file_with_line("x.yml", 1, "a: 1");
        let cwd = std::fs::canonicalize(std::env::current_dir().unwrap()).unwrap();
        let text = format!(
            "steps:\n{}      - stepId: send\n        operationId: webPubSub_sendToAl\n",
            "  #\n".repeat(77)
        );
        let id = files
            .add_text(
                cwd.join("specs/arazzo/generate-token-then-broadcast.arazzo.yml"),
                text,
            )
            .unwrap();
        let diag = Diagnostic::error(
            "unknown-operation",
            "no operation `webPubSub_sendToAl` in source `webPubSubApi`",
        )
        .at(Some(span_of(&files, id, "webPubSub_sendToAl")))
        .label("not an operationId of ../openapi/microsoft-azure-web-pubsub-openapi.yml")
        .help("did you mean `webPubSub_sendToAll`?");
        assert_eq!(
            diag.render(&files),
            "error[arazzo::unknown-operation]: no operation `webPubSub_sendToAl` in source `webPubSubApi`
  --> specs/arazzo/generate-token-then-broadcast.arazzo.yml:80:22
   |
80 |         operationId: webPubSub_sendToAl
   |                      ^^^^^^^^^^^^^^^^^^ not an operationId of ../openapi/microsoft-azure-web-pubsub-openapi.yml
   |
help: did you mean `webPubSub_sendToAll`?
"
        );
    }

    #[test]
    fn wide_gutter_notes_then_help() {
        let (files, id, _) = file_with_line("specs/big.yml", 123, "name: value");
        let diag = Diagnostic::warning("unused-output", "output `value` is never used")
            .at(Some(span_of(&files, id, "value")))
            .label("unused")
            .note("outputs are public API of the workflow")
            .note("second note")
            .help("remove it\nor use it");
        assert_eq!(
            diag.render(&files),
            "warning[arazzo::unused-output]: output `value` is never used
   --> specs/big.yml:123:7
    |
123 | name: value
    |       ^^^^^ unused
    |
    = note: outputs are public API of the workflow
    = note: second note
help: remove it
      or use it
"
        );
    }

    #[test]
    fn tabs_keep_carets_under_the_text() {
        let mut files = Files::new(Vec::new());
        let id = files
            .add_text(
                PathBuf::from("t.json"),
                "{\n\t\"key\":\t\"v\tw\"}\n".to_owned(),
            )
            .unwrap();
        let diag = Diagnostic::error("syntax", "bad").at(files.span(id, "/key"));
        assert_eq!(
            diag.render(&files),
            "error[arazzo::syntax]: bad
 --> t.json:2:9
  |
2 |     \"key\":    \"v    w\"}
  |               ^^^^^^^^
"
        );
    }

    #[test]
    fn multi_line_span_underlines_the_first_line_and_points_get_one_caret() {
        let (files, id, text) = file_with_line("m.yml", 3, "desc: |\n  more\n  lines");
        let start = text.find('|').unwrap();
        let span = Span {
            file: id,
            start,
            end: text.len(),
        };
        let multi = Diagnostic::error("x", "multi").at(Some(span)).label("here");
        assert_eq!(
            multi.render(&files),
            "error[arazzo::x]: multi\n --> m.yml:3:7\n  |\n3 | desc: |\n  |       ^ here\n"
        );
        let end_of_line = text.find(": 1\n").unwrap() + 3;
        let point = Diagnostic::error("x", "point").at(Some(Span {
            file: id,
            start: end_of_line,
            end: end_of_line,
        }));
        assert_eq!(
            point.render(&files),
            "error[arazzo::x]: point\n --> m.yml:1:6\n  |\n1 | k1: 1\n  |      ^\n"
        );
    }

    #[test]
    fn without_a_span_only_header_notes_and_help() {
        let files = Files::new(Vec::new());
        let diag = Diagnostic::error("cannot-read", "cannot read `x.yml`: not found")
            .note("a note")
            .help("check the path");
        assert_eq!(
            diag.render(&files),
            "error[arazzo::cannot-read]: cannot read `x.yml`: not found\n  = note: a note\nhelp: check the path\n"
        );
        let unknown = Diagnostic::error("x", "y").at(Some(Span {
            file: FileId(9),
            start: 0,
            end: 1,
        }));
        assert_eq!(unknown.render(&files), "error[arazzo::x]: y\n");
    }

    #[test]
    fn secondary_labels_in_line_order_then_other_files() {
        let (mut files, id, _) = file_with_line("flow.yml", 9, "step: send");
        let cwd = std::fs::canonicalize(std::env::current_dir().unwrap()).unwrap();
        let text = format!("{}step: send\n", "#\n".repeat(11));
        let other = files.add_text(cwd.join("api.yml"), text).unwrap();
        let first = Span {
            file: id,
            start: 0,
            end: 2,
        };
        let diag = Diagnostic::error("duplicate-id", "step `send` is defined twice")
            .at(Some(span_of(&files, id, "send")))
            .label("defined again")
            .secondary(Some(first), "first defined here")
            .secondary(Some(span_of(&files, other, "send")), "also here")
            .secondary(None, "ignored")
            .help("rename one");
        assert_eq!(
            diag.render(&files),
            "error[arazzo::duplicate-id]: step `send` is defined twice
  --> flow.yml:9:7
   |
 1 | k1: 1
   | -- first defined here
...
 9 | step: send
   |       ^^^^ defined again
   |
  ::: api.yml:12:7
   |
12 | step: send
   |       ---- also here
   |
help: rename one
"
        );
    }

    #[test]
    fn syntax_errors_render_with_their_file() {
        let mut files = Files::new(Vec::new());
        let err = files
            .add_text(PathBuf::from("bad.yml"), "a: 1\nb: c: d\n".to_owned())
            .unwrap_err();
        assert_eq!(
            err.render(&files),
            "error[arazzo::syntax]: invalid YAML: mapping values are not allowed in this context
 --> bad.yml:2:5
  |
2 | b: c: d
  |     ^ unexpected `:`
  |
help: a plain value cannot contain `: `; put the value in quotes, or fix the indentation
"
        );
    }
}
