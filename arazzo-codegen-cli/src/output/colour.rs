//! Colour for the rustc-style text on a terminal, in rustc's palette: the severity in red or
//! yellow, the gutter and `-->` in blue, carets in the severity's colour, `help`/`note`
//! bold. The generator renders plain text; this paints it line by line, so the plain bytes
//! (what a pipe or file gets) stay exactly the library's.

use anstyle::{AnsiColor, Style};

/// Whether to paint: `--color auto|always|never`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum When {
    /// When standard error is a terminal and `NO_COLOR` is not set (anstream's rules, which
    /// also honour `CLICOLOR`, `CLICOLOR_FORCE` and `TERM=dumb`).
    #[default]
    Auto,
    /// Always, even into a pipe.
    Always,
    /// Never.
    Never,
}

impl When {
    /// Whether text written to standard error should be painted.
    pub fn for_stderr(self) -> bool {
        match self {
            When::Always => true,
            When::Never => false,
            When::Auto => !matches!(
                anstream::AutoStream::choice(&std::io::stderr()),
                anstream::ColorChoice::Never
            ),
        }
    }
}

const BOLD: Style = Style::new().bold();
const ERROR: Style = AnsiColor::BrightRed.on_default().bold();
const WARNING: Style = AnsiColor::BrightYellow.on_default().bold();
const GUTTER: Style = AnsiColor::BrightBlue.on_default().bold();
const HELP: Style = AnsiColor::BrightCyan.on_default().bold();
const OK: Style = AnsiColor::BrightGreen.on_default().bold();

fn paint(style: Style, text: &str) -> String {
    format!("{}{text}{}", style.render(), style.render_reset())
}

/// `text` (rendered diagnostics, `ok:` lines) with ANSI colours.
pub fn paint_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    // The severity of the diagnostic being painted: its carets take that colour.
    let mut severity = ERROR;
    for line in text.split_inclusive('\n') {
        let (body, newline) = match line.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (line, ""),
        };
        out.push_str(&paint_line(body, &mut severity));
        out.push_str(newline);
    }
    out
}

fn paint_line(line: &str, severity: &mut Style) -> String {
    for (prefix, style) in [("error", ERROR), ("warning", WARNING)] {
        if let Some(rest) = line.strip_prefix(prefix)
            && (rest.starts_with('[') || rest.starts_with(':'))
        {
            *severity = style;
            // `error[arazzo::code]` in colour, the message bold.
            let head_end = rest.find("]:").map_or(0, |i| i + 1);
            let (head, message) = rest.split_at(head_end);
            return format!(
                "{}{}",
                paint(style, &format!("{prefix}{head}")),
                paint(BOLD, message)
            );
        }
    }
    for (prefix, style) in [("help:", HELP), ("note:", BOLD), ("ok:", OK)] {
        if let Some(rest) = line.strip_prefix(prefix) {
            return format!("{}{rest}", paint(style, prefix));
        }
    }
    if let Some(arrow) = line.find("--> ")
        && line[..arrow].trim().is_empty()
    {
        let (indent, rest) = line.split_at(arrow);
        return format!("{indent}{}{}", paint(GUTTER, "-->"), &rest[3..]);
    }
    // The gutter: optional line number, spaces, `|` (or `= note:` lines under it).
    let Some(bar) = gutter_end(line) else {
        return line.to_owned();
    };
    let (gutter, rest) = line.split_at(bar);
    if let Some(note) = rest.strip_prefix(" = ") {
        let (kind, text) = note.split_once(':').unwrap_or((note, ""));
        let text = if note.contains(':') {
            format!(":{text}")
        } else {
            String::new()
        };
        return format!("{gutter} = {}{text}", paint(BOLD, kind));
    }
    let Some(body) = rest.strip_prefix('|') else {
        return line.to_owned();
    };
    let painted_gutter = paint(GUTTER, &format!("{gutter}|"));
    // An underline line holds only carets or dashes and its label.
    let trimmed = body.trim_start();
    if trimmed.starts_with('^') {
        let indent = &body[..body.len() - trimmed.len()];
        return format!("{painted_gutter}{indent}{}", paint(*severity, trimmed));
    }
    if trimmed.starts_with('-') {
        let indent = &body[..body.len() - trimmed.len()];
        return format!("{painted_gutter}{indent}{}", paint(GUTTER, trimmed));
    }
    format!("{painted_gutter}{body}")
}

/// The byte index of the `|` (or ` = `) ending a snippet gutter: digits or spaces only before
/// it, at least one space.
fn gutter_end(line: &str) -> Option<usize> {
    let end = line.find(['|', '='])?;
    let gutter = &line[..end];
    let is_gutter = gutter.ends_with(' ')
        && gutter.chars().all(|c| c == ' ' || c.is_ascii_digit())
        && (line[end..].starts_with('|') || line[end..].starts_with("= "));
    let end = if line[end..].starts_with('=') {
        end - 1
    } else {
        end
    };
    is_gutter.then_some(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RENDERED: &str = "error[arazzo::unknown-input]: `$inputs.hubb` is not declared\n  --> x.arazzo.yml:67:20\n   |\n67 |             value: $inputs.hubb\n   |                    ^^^^^^^^^^^^ not an input\n   = note: a note\n   |\nhelp: did you mean `$inputs.hub`?\n";

    #[test]
    fn painting_only_adds_escape_sequences() {
        let painted = paint_text(RENDERED);
        assert_ne!(painted, RENDERED);
        let stripped: String = anstream::adapter::strip_str(&painted).to_string();
        assert_eq!(stripped, RENDERED);
        assert!(painted.contains(&paint(ERROR, "^^^^^^^^^^^^ not an input")));
        assert!(painted.contains(&paint(GUTTER, "-->")));
    }
}
