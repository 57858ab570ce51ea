//! Diagnostics: what went wrong, where (file, byte span), and how to fix it.

use std::fmt;

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

/// Columns a tab takes in a rendered source line (as rustc shows them).
const TAB_WIDTH: usize = 4;

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
    /// Renders rustc-style, without colours (see the type's docs). Notes follow the snippet as
    /// `= note:` lines, help comes last; without a span (or with a span in a file `files` does
    /// not know) only the header, notes and help are shown. Ends with a newline.
    pub(crate) fn render(&self, files: &dyn SourceText) -> String {
        let mut out = format!(
            "{}[arazzo::{}]: {}\n",
            self.severity,
            self.code,
            clip(&self.message)
        );
        // The main span's file with every mark in it by line, then each other file that a
        // secondary label points into, under a `:::` header (as rustc does).
        let mut marks: Vec<Mark<'_>> = Vec::new();
        if let Some(snippet) = self.span.and_then(|span| Snippet::new(span, files)) {
            marks.push(Mark {
                snippet,
                primary: true,
                label: clip(&self.label),
            });
            for l in &self.secondary {
                if let Some(snippet) = Snippet::new(l.span, files) {
                    marks.push(Mark {
                        snippet,
                        primary: false,
                        label: clip(&l.text),
                    });
                }
            }
        }
        let gutter = marks
            .iter()
            .map(|m| m.snippet.line.to_string().len())
            .max()
            .unwrap_or(1);
        let pad = " ".repeat(gutter);
        let mut shown: Vec<FileId> = Vec::new();
        for m in &marks {
            let s = &m.snippet;
            if shown.contains(&s.file) {
                continue;
            }
            let arrow = if shown.is_empty() { "-->" } else { ":::" };
            shown.push(s.file);
            out.push_str(&format!(
                "{pad}{arrow} {}:{}:{}\n",
                s.path, s.line, s.column
            ));
            out.push_str(&format!("{pad} |\n"));
            render_lines(
                &mut out,
                &pad,
                marks.iter().filter(|o| o.snippet.file == s.file).collect(),
            );
        }
        if !marks.is_empty() && (!self.notes.is_empty() || self.help.is_some()) {
            out.push_str(&format!("{pad} |\n"));
        }
        for note in &self.notes {
            out.push_str(&indented(&format!("{pad} = note: "), &clip(note)));
        }
        if let Some(help) = &self.help {
            out.push_str(&indented("help: ", &clip(help)));
        }
        out
    }
}

/// The longest message, label, note or help text rendered, in bytes; longer ones end in `…`.
/// Messages quote spec text, and a quote must never repeat a whole hostile document.
pub(crate) const MAX_TEXT: usize = 400;

/// The widest source line shown in a snippet, in characters; longer lines show a window
/// around the span, `…` marking what is cut.
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

/// `prefix` then `text`, later lines of `text` indented under its first.
fn indented(prefix: &str, text: &str) -> String {
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        if i == 0 {
            out.push_str(prefix);
        } else {
            out.push_str(&" ".repeat(prefix.len()));
        }
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
    snippet: Snippet,
    primary: bool,
    label: std::borrow::Cow<'a, str>,
}

/// Annotated lines of one file in line order (each source line once, every mark under it),
/// with `...` where lines are skipped.
fn render_lines(out: &mut String, pad: &str, mut marks: Vec<&Mark<'_>>) {
    marks.sort_by_key(|m| (m.snippet.line, !m.primary));
    let mut last: Option<usize> = None;
    for m in marks {
        let s = &m.snippet;
        if last != Some(s.line) {
            if last.is_some_and(|l| s.line > l + 1) {
                out.push_str("...\n");
            }
            if s.text.is_empty() {
                out.push_str(&format!("{:<w$} |\n", s.line, w = pad.len()));
            } else {
                out.push_str(&format!("{:<w$} | {}\n", s.line, s.text, w = pad.len()));
            }
            last = Some(s.line);
        }
        let under = if m.primary { "^" } else { "-" };
        let mut line = format!("{pad} | {}{}", " ".repeat(s.indent), under.repeat(s.carets));
        if !m.label.is_empty() {
            line.push(' ');
            line.push_str(&m.label);
        }
        out.push_str(&line);
        out.push('\n');
    }
}

/// The source line a span starts on, tabs expanded, and where its carets go.
struct Snippet {
    file: FileId,
    path: String,
    line: usize,
    column: usize,
    text: String,
    /// Display columns before the first caret.
    indent: usize,
    /// At least one.
    carets: usize,
}

impl Snippet {
    fn new(span: Span, files: &dyn SourceText) -> Option<Self> {
        let (path, text) = files.source(span.file)?;
        let start = floor_char_boundary(text, span.start);
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let end = floor_char_boundary(text, span.end).clamp(start, line_end);
        let (line, column) = line_col_in(text, span.start);
        let source = text[line_start..line_end].trim_end_matches('\r');
        let before = &text[line_start..start];
        let marked = text[start..end].trim_end_matches('\r');
        let (mut shown, mut indent) = (expand_tabs(source), display_width(before));
        let mut carets = display_width(marked).max(1);
        if source.chars().count() > MAX_LINE {
            // A window of the line: some context before the span, then as much as fits.
            let context = MAX_LINE / 4;
            let skip = before.chars().count().saturating_sub(context);
            let window: String = source.chars().skip(skip).take(MAX_LINE).collect();
            let cut_before = if skip > 0 { "…" } else { "" };
            let cut_after = if skip + MAX_LINE < source.chars().count() {
                "…"
            } else {
                ""
            };
            indent = display_width(&before.chars().skip(skip).collect::<String>())
                + cut_before.chars().count();
            carets = carets.min(MAX_LINE.saturating_sub(indent).max(1));
            shown = format!("{cut_before}{}{cut_after}", expand_tabs(&window));
        }
        Some(Self {
            file: span.file,
            path,
            line,
            column,
            text: shown,
            indent,
            carets,
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

fn expand_tabs(text: &str) -> String {
    text.replace('\t', &" ".repeat(TAB_WIDTH))
}

fn display_width(text: &str) -> usize {
    text.chars()
        .map(|c| if c == '\t' { TAB_WIDTH } else { 1 })
        .sum()
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
1  | k1: 1
   | -- first defined here
...
9  | step: send
   |       ^^^^ defined again
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
