//! Reading only the `paths` entries a document calls, and the schemas they use, from large
//! OpenAPI descriptions.
//!
//! Build scripts run the generator at opt-level 0, where saphyr reads YAML (and JSON, which it
//! reads as YAML) at about 1,500 instructions per byte: a 2.8 MB description takes 0.4 s before
//! anything else happens. Most of such a file is `paths` entries the Arazzo document never
//! calls, and `components.schemas` entries only those use. For a description of [`LAZY_FROM`]
//! bytes or more, a scan ([`yaml`] by lines and indentation, [`json`] by strings and nesting)
//! finds the `paths` entries and leaves out those that hold none of the operations the document
//! names, then leaves out the schemas nothing kept refers to ([`keep_schemas`]); the rest of the
//! text is parsed as usual and its spans mapped back into the file.
//!
//! The scan only decides what to leave out; anything outside the plain shape, any wanted
//! operation it cannot find, any error parsing the rest, and any `$ref` that then names
//! nothing (`load::needs_whole`) fall back to reading the whole file, so values, spans and
//! errors of what is read are those of a full read (see README, "Decisions": what is left out
//! is not checked).

mod json;
mod yaml;

use std::collections::{BTreeSet, HashMap};
use std::ops::Range;

use serde_json::Value;

/// Descriptions smaller than this are read whole: they parse quickly anyway.
pub(super) const LAZY_FROM: usize = 256 * 1024;

/// What an Arazzo document calls: operationIds (without a `$sourceDescriptions.<name>.`
/// prefix) and the path templates of operationPaths; and the schemas it names.
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

/// The text to parse instead of `text`: the kept byte ranges of `text`, in order, or `None` to
/// read it whole. A JSON object is scanned as JSON ([`json`]), anything else as YAML
/// ([`yaml`]); a JSON array or string is read whole.
pub(super) fn plan(text: &str, wanted: &Wanted) -> Option<Vec<Range<usize>>> {
    let first = text.bytes().position(|b| !b.is_ascii_whitespace())?;
    let kept = match text.as_bytes().get(first) {
        Some(b'{') => json::plan(text, first, wanted)?,
        Some(b'[' | b'"') => return None,
        _ => yaml::plan(text, wanted)?,
    };
    // Nothing left out: the plain read is as quick.
    (kept.first() != Some(&(0..text.len()))).then_some(kept)
}

/// Which entries of a `components.schemas` block stay, given as names and byte ranges (the
/// block spanning `region`), `kept` being the text kept so far: a
/// `#/components/schemas/<name>` anywhere in `kept` outside the block, or in the Arazzo
/// document, keeps that entry, and the entries it names in turn; the first and last always
/// stay, so that `schemas` spans what a whole read spans. `None` when a name is written twice
/// (an error a whole read reports). A reference written in a way this scan misses leaves a
/// `$ref` that names nothing once parsed, and the file is then read whole
/// (`load::needs_whole`).
fn keep_schemas(
    text: &str,
    entries: &[(&str, Range<usize>)],
    region: Range<usize>,
    kept: &[Range<usize>],
    wanted: &Wanted,
) -> Option<Vec<bool>> {
    let by_name: HashMap<&str, usize> = entries
        .iter()
        .enumerate()
        .map(|(i, (name, _))| (*name, i))
        .collect();
    if by_name.len() != entries.len() {
        return None;
    }
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
        if let Some((_, bytes)) = entries.get(i) {
            let names = schema_names(&text[bytes.clone()]);
            todo.extend(names.filter_map(|n| by_name.get(n.as_str()).copied()));
        }
    }
    Some(keep)
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
    fn offsets_map_back_with_ends_on_the_left() {
        let map = [(0, 0), (10, 50)];
        assert_eq!(to_file(&map, 3, false), 3);
        assert_eq!(to_file(&map, 10, false), 50);
        assert_eq!(to_file(&map, 10, true), 10);
        assert_eq!(to_file(&map, 12, true), 52);
    }
}
