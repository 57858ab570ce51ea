//! Reading only the `paths` entries a document calls, and the schemas they use, from large
//! YAML OpenAPI descriptions.
//!
//! Build scripts run the generator at opt-level 0, where saphyr reads YAML at about 1,500
//! instructions per byte: a 2.8 MB description takes 0.4 s before anything else happens. Most
//! of such a file is `paths` entries the Arazzo document never calls, and `components.schemas`
//! entries only those use. For a description of [`LAZY_FROM`] bytes or more, a line scan finds
//! the `paths` entries (by indentation) and leaves out those that hold none of the operations
//! the document names, then leaves out the schemas nothing kept refers to; the rest of the text,
//! whole lines, is parsed as usual and its spans mapped back into the file.
//!
//! The scan only decides what to leave out; anything outside the plain shape, any wanted
//! operation it cannot find, any error parsing the rest, and any `$ref` that then names
//! nothing (`load::needs_whole`) fall back to reading the whole file, so values, spans and
//! errors of what is read are those of a full read (see README, "Decisions": what is left out
//! is not checked).

use std::collections::{BTreeSet, HashSet};
use std::ops::Range;

use serde_json::Value;

/// Descriptions smaller than this are read whole: they parse quickly anyway.
pub(super) const LAZY_FROM: usize = 256 * 1024;

/// What an Arazzo document calls: operationIds (without a `$sourceDescriptions.<name>.`
/// prefix) and the path templates of operationPaths.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Wanted {
    ids: BTreeSet<String>,
    paths: BTreeSet<String>,
    /// Schemas the Arazzo document itself refers to (`…#/components/schemas/<name>`).
    schemas: BTreeSet<String>,
}

impl Wanted {
    /// Every `operationId` and `operationPath` string anywhere in an Arazzo document (steps are
    /// where they belong; counting others too only keeps more), and every schema any of its
    /// strings names.
    pub(super) fn of(doc: &Value) -> Self {
        let mut wanted = Wanted::default();
        let mut stack = vec![doc];
        while let Some(v) = stack.pop() {
            match v {
                Value::Object(map) => {
                    if let Some(Value::String(id)) = map.get("operationId") {
                        wanted.ids.insert(unqualified(id).to_owned());
                    }
                    if let Some(Value::String(path)) = map.get("operationPath") {
                        // An operationPath whose path cannot be told: no entry has the key
                        // "", so the file is read whole.
                        wanted.paths.insert(path_of(path).unwrap_or_default());
                    }
                    stack.extend(map.values());
                }
                Value::Array(items) => stack.extend(items),
                Value::String(text) => wanted.schemas.extend(schema_names(text)),
                _ => {}
            }
        }
        wanted
    }
}

/// `getPet` of `$sourceDescriptions.petstore.getPet` (source names have no dots).
fn unqualified(id: &str) -> &str {
    id.strip_prefix("$sourceDescriptions.")
        .and_then(|rest| rest.split_once('.'))
        .map_or(id, |(_, id)| id)
}

/// The path template an operationPath names: `/pets/{id}` of `{…url}#/paths/~1pets~1{id}/get`.
fn path_of(operation_path: &str) -> Option<String> {
    let (_, fragment) = operation_path.split_once('#')?;
    let decoded = percent_encoding::percent_decode_str(fragment)
        .decode_utf8()
        .ok()?;
    let token = decoded.strip_prefix("/paths/")?.split('/').next()?;
    Some(token.replace("~1", "/").replace("~0", "~"))
}

/// The text to parse instead of `text`: the kept byte ranges of `text` (whole lines, in
/// order), or `None` to read it whole.
pub(super) fn plan(text: &str, wanted: &Wanted) -> Option<Vec<Range<usize>>> {
    // The scan goes by lines and looks at few bytes of each: byte-wise loops over the whole
    // text would cost, at opt-level 0, a good part of what leaving entries out saves.
    let first = text.bytes().find(|b| !b.is_ascii_whitespace());
    if matches!(first, Some(b'{' | b'[' | b'"')) || text.contains('\t') {
        return None;
    }
    let lines = lines(text);
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
    let kept = without(&kept, &unused_schemas(text, &lines, &kept, wanted));
    // Nothing left out: the plain read is as quick.
    if kept.first() == Some(&(0..text.len())) {
        return None;
    }
    Some(kept)
}

/// The `components.schemas` entries nothing kept refers to, as byte ranges of `text`, in order:
/// a `#/components/schemas/<name>` anywhere in `kept` outside the block, or in the Arazzo
/// document, keeps that entry, and the entries it names in turn (the first and last always
/// stay, so that `schemas` spans what a whole read spans). None when the block is not in the
/// shape [`entries`] reads. A reference written in a way this scan misses leaves a `$ref` that
/// names nothing once parsed, and the file is then read whole (`load::needs_whole`).
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
    let bytes = |e: &Entry| match (block.get(e.lines.start), block.get(e.lines.end - 1)) {
        (Some(a), Some(b)) => a.start..b.end,
        _ => 0..0,
    };
    let by_name: std::collections::HashMap<&str, usize> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| (e.key.as_str(), i))
        .collect();
    if by_name.len() != entries.len() {
        // A key written twice is an error a full read reports.
        return Vec::new();
    }
    let region = block.first().map_or(0, |l| l.start)..block.last().map_or(0, |l| l.end);
    let mut keep = vec![false; entries.len()];
    let mut todo: Vec<usize> = vec![0, entries.len().saturating_sub(1)];
    let outside = kept.iter().flat_map(|r| {
        [
            r.start..r.end.min(region.start),
            r.start.max(region.end)..r.end,
        ]
        .into_iter()
        .filter(|r| !r.is_empty())
    });
    for r in outside {
        todo.extend(schema_names(&text[r]).filter_map(|n| by_name.get(n.as_str()).copied()));
    }
    todo.extend(
        wanted
            .schemas
            .iter()
            .filter_map(|n| by_name.get(n.as_str()).copied()),
    );
    while let Some(i) = todo.pop() {
        let Some(slot) = keep.get_mut(i).filter(|k| !**k) else {
            continue;
        };
        *slot = true;
        let body = &text[bytes(&entries[i])];
        todo.extend(schema_names(body).filter_map(|n| by_name.get(n.as_str()).copied()));
    }
    entries
        .iter()
        .zip(keep)
        .filter(|(_, keep)| !keep)
        .map(|(e, _)| bytes(e))
        .collect()
}

/// The schema names `text` refers to as `#/components/schemas/<name>`, percent- and
/// `~`-decoded (a name the scan reads wrongly only keeps an entry or makes a `$ref` miss).
fn schema_names(text: &str) -> impl Iterator<Item = String> + '_ {
    const AT: &str = "#/components/schemas/";
    text.match_indices(AT).map(|(at, _)| {
        let rest = &text[at + AT.len()..];
        let len = rest
            .find(|c: char| {
                !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '%' | '~'))
            })
            .unwrap_or(rest.len());
        let decoded = percent_encoding::percent_decode_str(&rest[..len]).decode_utf8_lossy();
        decoded.replace("~1", "/").replace("~0", "~")
    })
}

/// `kept` (ordered, disjoint) without `drop` (ordered, disjoint, each inside one kept range).
fn without(kept: &[Range<usize>], drop: &[Range<usize>]) -> Vec<Range<usize>> {
    let mut out = Vec::with_capacity(kept.len() + drop.len());
    let mut drop = drop.iter().peekable();
    for r in kept {
        let mut from = r.start;
        while let Some(d) = drop.next_if(|d| d.start < r.end) {
            out.push(from..d.start.max(from));
            from = d.end.max(from);
        }
        out.push(from..r.end.max(from));
    }
    merge(out)
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

/// One entry of `paths`: its key, unquoted, and its lines (relative to the block).
struct Entry {
    key: String,
    lines: Range<usize>,
}

/// The entries of the `paths` block: each starts at a line indented exactly as the first one,
/// with a plain or simply quoted key. Anything else (a flow mapping, a complex key, an anchor,
/// a tag, a merge key, a line indented less) is `None`.
fn entries(text: &str, block: &[Range<usize>]) -> Option<Vec<Entry>> {
    let mut out: Vec<Entry> = Vec::new();
    let mut width = None;
    for (i, line) in block.iter().enumerate() {
        let line = &text[line.clone()];
        let here = indent(line);
        if matches!(line.as_bytes().get(here), None | Some(b'#' | b'\n' | b'\r')) {
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

/// Adjacent ranges joined.
fn merge(ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for r in ranges.into_iter().filter(|r| !r.is_empty()) {
        match out.last_mut() {
            Some(last) if last.end == r.start => last.end = r.end,
            _ => out.push(r),
        }
    }
    out
}

/// The kept text, and for each kept range where it starts in that text and in the file.
pub(super) fn reduce(text: &str, kept: &[Range<usize>]) -> (String, Vec<(usize, usize)>) {
    let mut out = String::with_capacity(kept.iter().map(|r| r.len()).sum());
    let mut map = Vec::with_capacity(kept.len());
    for r in kept {
        map.push((out.len(), r.start));
        out.push_str(&text[r.clone()]);
    }
    (out, map)
}

/// An offset in the kept text → the same place in the file. `end`: the end of a span, which
/// belongs to the range before it when it falls on a boundary.
pub(super) fn to_file(map: &[(usize, usize)], at: usize, end: bool) -> usize {
    let probe = if end && at > 0 { at - 1 } else { at };
    let i = map
        .partition_point(|(kept, _)| *kept <= probe)
        .saturating_sub(1);
    map.get(i)
        .map_or(at, |(kept, file)| file + (at - kept.min(&at)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wanted_reads_ids_and_paths_anywhere() {
        let doc = serde_json::json!({"workflows": [{"steps": [
            {"operationId": "$sourceDescriptions.api.list.all"},
            {"operationId": "get"},
            {"operationPath": "{$sourceDescriptions.api.url}#/paths/~1pets~1%7Bid%7D/get"}
        ], "inputs": {"$ref": "api.yml#/components/schemas/Pet%20Input"}}]});
        let wanted = Wanted::of(&doc);
        assert_eq!(wanted.ids.iter().collect::<Vec<_>>(), ["get", "list.all"]);
        assert_eq!(wanted.paths.iter().collect::<Vec<_>>(), ["/pets/{id}"]);
        assert_eq!(wanted.schemas.iter().collect::<Vec<_>>(), ["Pet Input"]);
    }

    #[test]
    fn schema_names_as_refs_write_them() {
        let names: Vec<String> = schema_names(
            "a: {$ref: '#/components/schemas/Pet'}\n$ref: \"x.yml#/components/schemas/A~1B/properties/c\" # n\n",
        )
        .collect();
        assert_eq!(names, ["Pet", "A/B"]);
    }

    #[test]
    fn dropped_ranges_are_cut_out_of_the_kept_ones() {
        assert_eq!(
            without(&[0..10, 20..30], &[2..4, 6..10, 25..30]),
            [0..2, 4..6, 20..25]
        );
        assert_eq!(without(&[0..10, 20..30], &[]), [0..10, 20..30]);
    }

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
    fn offsets_map_back_with_ends_on_the_left() {
        let map = [(0, 0), (10, 50)];
        assert_eq!(to_file(&map, 3, false), 3);
        assert_eq!(to_file(&map, 10, false), 50);
        assert_eq!(to_file(&map, 10, true), 10);
        assert_eq!(to_file(&map, 12, true), 52);
    }
}
