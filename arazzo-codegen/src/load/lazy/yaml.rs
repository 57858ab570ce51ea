//! [`super::plan`] for YAML: a scan by lines. Entries are found by their indentation, and
//! anything outside the plain block shape makes the file read whole.

use std::collections::HashSet;
use std::ops::Range;

use super::{Wanted, keep_schemas, merge, without};

/// [`super::plan`] for a YAML text: the kept byte ranges (whole lines, in order), or `None`.
pub(super) fn plan(text: &str, wanted: &Wanted) -> Option<Vec<Range<usize>>> {
    // A tab, or a carriage return alone (a line break to YAML, not to this scan).
    let lone_cr = text
        .match_indices('\r')
        .any(|(at, _)| text.as_bytes().get(at + 1) != Some(&b'\n'));
    if text.contains('\t') || lone_cr {
        return None;
    }
    // The scan goes by lines and looks at few bytes of each: byte-wise loops over the whole
    // text would cost, at opt-level 0, a good part of what leaving entries out saves.
    let lines = lines(text);
    if !top_level_mapping(text, &lines) {
        return None;
    }
    // `paths:` at column 0, and where its block ends (the next line at column 0).
    let start = lines
        .iter()
        .position(|l| is_key(&text[l.clone()], "paths"))?;
    let block = start + 1;
    let end = lines[block..]
        .iter()
        .position(|l| starts_at_column_0(&text[l.clone()]))
        .map_or(lines.len(), |i| block + i);
    let block_lines = &lines[block..end];
    let entries = entries(text, block_lines)?;
    let mut keys = HashSet::new();
    if !entries.iter().all(|e| keys.insert(e.key.as_str())) {
        // A key written twice is an error a full read reports.
        return None;
    }
    // Every `operationId` in the block: its line must read as one, and a wanted one keeps its
    // entry. (An id the scan cannot read, in a flow mapping or on the next line, could be a
    // wanted one or a duplicate of one.)
    let mut keep = vec![false; entries.len()];
    let mut found_ids = HashSet::new();
    let region = lines.get(block).map_or(text.len(), |l| l.start)
        ..lines.get(end).map_or(text.len(), |l| l.start);
    for (at, _) in text[region.clone()].match_indices("operationId") {
        let at = region.start + at;
        let line = lines.partition_point(|l| l.start <= at).checked_sub(1)?;
        let id = operation_id(&text[lines.get(line)?.clone()]).filter(|id| !id.is_empty())?;
        if wanted.ids.contains(id) {
            let entry = entries
                .partition_point(|e| block + e.lines.start <= line)
                .checked_sub(1)?;
            *keep.get_mut(entry)? = true;
            found_ids.insert(id);
        }
    }
    let mut found_paths = HashSet::new();
    let mut kept = Vec::with_capacity(wanted.ids.len() + wanted.paths.len() + 4);
    kept.push(0..region.start);
    let last = entries.len().saturating_sub(1);
    for (i, entry) in entries.iter().enumerate() {
        let by_path = wanted.paths.contains(&entry.key);
        // The first and last entries stay, so that `paths` spans what a whole read spans.
        if !keep[i] && !by_path && i != 0 && i != last {
            continue;
        }
        if by_path {
            found_paths.insert(entry.key.as_str());
        }
        let body = &block_lines[entry.lines.clone()];
        if let (Some(a), Some(b)) = (body.first(), body.last()) {
            kept.push(a.start..b.end);
        }
    }
    let all_ids = wanted.ids.iter().all(|id| found_ids.contains(id.as_str()));
    let all_paths = wanted
        .paths
        .iter()
        .all(|p| found_paths.contains(p.as_str()));
    if !all_ids || !all_paths {
        return None;
    }
    kept.push(region.end..text.len());
    let kept = merge(kept);
    Some(without(&kept, &unused_schemas(text, &lines, &kept, wanted)))
}

/// The `components.schemas` entries [`keep_schemas`] does not keep, as byte ranges of `text`,
/// in order; none when the block is not in the shape [`entries`] reads.
fn unused_schemas(
    text: &str,
    lines: &[Range<usize>],
    kept: &[Range<usize>],
    wanted: &Wanted,
) -> Vec<Range<usize>> {
    let line = |i: usize| lines.get(i).map_or("", |l| &text[l.clone()]);
    let Some(start) = (0..lines.len()).find(|&i| is_key(line(i), "components")) else {
        return Vec::new();
    };
    let end = (start + 1..lines.len())
        .find(|&i| starts_at_column_0(line(i)))
        .unwrap_or(lines.len());
    // `schemas:` among the children of `components`, which are indented as the first one.
    let width = (start + 1..end)
        .map(line)
        .find(|l| !is_blank_or_comment(l))
        .map_or(0, indent);
    let Some(at) = (start + 1..end)
        .find(|&i| width > 0 && indent(line(i)) == width && is_key(&line(i)[width..], "schemas"))
    else {
        return Vec::new();
    };
    let block_end = (at + 1..end)
        .find(|&i| !is_blank_or_comment(line(i)) && indent(line(i)) <= width)
        .unwrap_or(end);
    let block = &lines[at + 1..block_end];
    let Some(entries) = entries(text, block) else {
        return Vec::new();
    };
    let named: Vec<(&str, Range<usize>)> = entries
        .iter()
        .map(|e| {
            let bytes = match (block.get(e.lines.start), block.get(e.lines.end - 1)) {
                (Some(a), Some(b)) => a.start..b.end,
                _ => 0..0,
            };
            (e.key.as_str(), bytes)
        })
        .collect();
    let region = block.first().map_or(0, |l| l.start)..block.last().map_or(0, |l| l.end);
    let Some(keep) = keep_schemas(text, &named, region, kept, wanted) else {
        return Vec::new();
    };
    named
        .into_iter()
        .zip(keep)
        .filter(|(_, keep)| !keep)
        .map(|((_, bytes), _)| bytes)
        .collect()
}

/// Whether `text` is one document whose top level is a block mapping, so that a line at column
/// 0 is one of its keys. A top-level scalar could hold lines that look like keys, and a second
/// document or a directive is more than this scan follows.
fn top_level_mapping(text: &str, lines: &[Range<usize>]) -> bool {
    let first = lines
        .iter()
        .map(|l| &text[l.clone()])
        .find(|l| !is_blank_or_comment(l));
    let Some(first) = first else {
        return false;
    };
    let plain_key = first.as_bytes().first().is_some_and(|b| {
        !matches!(
            b,
            b' ' | b'|'
                | b'>'
                | b'"'
                | b'\''
                | b'-'
                | b'['
                | b'{'
                | b'%'
                | b'?'
                | b'!'
                | b'&'
                | b'*'
                | b'.'
                | b'@'
                | b'`'
                | b'#'
        )
    });
    let key_line = first.contains(": ") || first.trim_end().ends_with(':');
    let markers = text.starts_with("---") || text.contains("\n---") || text.contains("\n...");
    plain_key && key_line && !markers
}

/// Byte ranges of the lines of `text`, each with its line break.
fn lines(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < text.len() {
        let end = text[start..]
            .find('\n')
            .map_or(text.len(), |i| start + i + 1);
        out.push(start..end);
        start = end;
    }
    out
}

/// The number of spaces a line starts with.
fn indent(line: &str) -> usize {
    let bytes = line.as_bytes();
    let mut n = 0;
    while n < bytes.len() && bytes[n] == b' ' {
        n += 1;
    }
    n
}

/// Whether `line` is `name:` with nothing after it but a comment.
fn is_key(line: &str, name: &str) -> bool {
    line.strip_prefix(name)
        .and_then(|rest| rest.strip_prefix(':'))
        .is_some_and(is_blank_or_comment)
}

fn starts_at_column_0(line: &str) -> bool {
    line.as_bytes()
        .first()
        .is_some_and(|b| !matches!(b, b' ' | b'\r' | b'\n' | b'#'))
}

fn is_blank_or_comment(s: &str) -> bool {
    matches!(
        s.as_bytes().get(indent(s)),
        None | Some(b'#' | b'\n' | b'\r')
    )
}

/// One entry of `paths` or `schemas`: its key, unquoted, and its lines (relative to the block).
struct Entry {
    key: String,
    lines: Range<usize>,
}

/// The entries of a `paths` or `schemas` block: each starts at a line indented exactly as the first one,
/// with a plain or simply quoted key. Anything else (a flow mapping, a complex key, an anchor,
/// a tag, a merge key, a line indented less) is `None`.
fn entries(text: &str, block: &[Range<usize>]) -> Option<Vec<Entry>> {
    let mut out: Vec<Entry> = Vec::new();
    let mut width = None;
    for (i, line) in block.iter().enumerate() {
        let line = &text[line.clone()];
        let here = indent(line);
        if is_blank_or_comment(&line[here..]) {
            continue;
        }
        let n = *width.get_or_insert(here);
        if here < n || n == 0 {
            return None;
        }
        if here > n {
            continue;
        }
        let key = key(&line[n..])?;
        if let Some(last) = out.last_mut() {
            last.lines.end = i;
        }
        out.push(Entry {
            key,
            lines: i..block.len(),
        });
    }
    Some(out)
}

/// The key of an entry line (`/pets:` or `'/pets':` or `"/pets":`), if it is that simple.
fn key(line: &str) -> Option<String> {
    let (key, rest) = match line.as_bytes().first()? {
        b'\'' => {
            let close = line[1..].find('\'')? + 1;
            (line[1..close].to_owned(), &line[close + 1..])
        }
        b'"' => {
            let close = line[1..].find('"')? + 1;
            let key = &line[1..close];
            if key.contains('\\') {
                return None;
            }
            (key.to_owned(), &line[close + 1..])
        }
        b'?' | b'-' | b'{' | b'[' | b'&' | b'*' | b'!' | b'<' | b'|' | b'>' | b'%' | b'@'
        | b'`' => {
            return None;
        }
        _ => {
            let colon = line.find(": ").or_else(|| {
                let t = line.trim_end();
                t.ends_with(':').then(|| t.len() - 1)
            })?;
            (line[..colon].trim_end().to_owned(), &line[colon..])
        }
    };
    let value = rest.strip_prefix(':')?;
    // The entry's value must start on the next lines (a block mapping) or be a `$ref`-free
    // comment; anything on the key's line (a flow mapping, an anchor) reads whole.
    is_blank_or_comment(value).then_some(key)
}

/// The id of an `operationId: …` line (plain or simply quoted).
fn operation_id(line: &str) -> Option<&str> {
    let rest = line.trim_start_matches(' ').strip_prefix("operationId:")?;
    let rest = rest.trim_start_matches(' ');
    let rest = rest.split(" #").next()?.trim_end();
    match rest.as_bytes().first()? {
        b'\'' | b'"' => rest.get(1..rest.len().checked_sub(1)?),
        _ => Some(rest),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_operation_ids_as_written() {
        assert_eq!(key("/pets:\n").as_deref(), Some("/pets"));
        assert_eq!(key("'/a: b': # c\n").as_deref(), Some("/a: b"));
        assert_eq!(key("\"/q\":\n").as_deref(), Some("/q"));
        assert_eq!(key("/pets: {get: {}}\n"), None);
        assert_eq!(key("/pets: &a\n"), None);
        assert_eq!(key("? /pets\n"), None);
        assert_eq!(key("\"/a\\u0041\":\n"), None);
        assert_eq!(
            operation_id("      operationId: getPet # x\n"),
            Some("getPet")
        );
        assert_eq!(operation_id("  operationId: 'getPet'\n"), Some("getPet"));
        assert_eq!(operation_id("  summary: x\n"), None);
    }

    #[test]
    fn a_carriage_return_alone_is_a_line_break_the_scan_leaves_to_the_parser() {
        let wanted = Wanted::of(&serde_json::json!({"operationPath": "x#/paths/~1p1/get"}));
        // Found by the `codegen_lazy` fuzz target: `\rk:` starts a top-level key to YAML.
        let text = "paths:\n  /p1:\n   a: 1\n  :\n\rk:\n  O:";
        assert_eq!(plan(text, &wanted), None);
        let crlf = "paths:\r\n  /p0:\r\n    a: 1\r\n  /p1:\r\n    a: 1\r\n  /p2:\r\n    a: 1\r\n  /p3:\r\n    a: 1\r\n";
        assert!(plan(crlf, &wanted).is_some());
    }

    #[test]
    fn no_value_continues_on_a_line_indented_as_the_entries() {
        // The scan takes a line indented as the `paths` entries for the next entry. That holds
        // only because the YAML reader refuses a quoted scalar or a flow collection continued
        // on a line indented no more than the entries: were it lenient, leaving `/p1` out of
        // this text would cut the value of `/p0`.
        for (open, close) in [
            ("\"x", "z\""),
            ("'x", "z'"),
            ("[x,", "z]"),
            ("{x: 1,", "z: 2}"),
        ] {
            // `/p0`'s description opened, continued on `between`, closed; then one more entry.
            let doc = |between: &str| {
                format!(
                    "openapi: 3.1.0\npaths:\n  /p0:\n    get:\n      description: {open}\n\
                     {between}{close}\n  /p2:\n    a: 1\n"
                )
            };
            let read = |text: &str| crate::load::parse::parse(text, crate::diagnostic::FileId(0));
            let across = doc("  /p1:\n    get:\n      operationId: op1\n      ");
            assert!(
                read(&across).is_err(),
                "the reader took a value across entries:\n{across}"
            );
            // The same value indented more than the entries is read.
            let inside = doc("        w\n        ");
            assert!(read(&inside).is_ok(), "{inside}");
        }
    }

    #[test]
    fn only_a_top_level_block_mapping_is_scanned() {
        let wanted = Wanted::of(&serde_json::json!({"operationPath": "x#/paths/~1p1/get"}));
        let body = "paths:\n\n /p0:\n  a: 1\n /p1:\n  a: 1\n /p2:\n  a: 1\n /p3:\n  a: 1\n";
        assert!(plan(&format!("openapi: 3.1.0\n{body}"), &wanted).is_some());
        // Found by the `codegen_lazy` fuzz target: all of it is one literal scalar.
        for start in [
            "|\n",
            "'openapi': 3.1.0\n",
            "--- \n",
            "%YAML 1.2\n---\n",
            "- a\n",
        ] {
            assert_eq!(plan(&format!("{start}{body}"), &wanted), None, "{start:?}");
        }
        assert_eq!(plan(&format!("openapi: 3.1.0\n{body}...\n"), &wanted), None);
    }
}
