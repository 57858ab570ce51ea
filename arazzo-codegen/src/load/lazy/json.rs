//! [`super::plan`] for JSON: the top-level object's `paths` entries and `components.schemas`
//! entries, found by a scan that knows strings and nesting and nothing else. Leaving an entry
//! out cuts it with the comma before it, so what is kept is JSON still, and the first and last
//! entries always stay. What is kept is parsed by the real reader, so a text the scan reads
//! wrongly fails there and is read whole.
//!
//! Hand-written rather than taken from serde_json's `RawValue`, which gives a member's text but
//! needs serde_json's `raw_value` feature: that would compile serde_json twice in a crate that
//! also uses arazzo-runtime (issue 11, item 3).

use std::collections::HashSet;
use std::ops::Range;

use super::{Wanted, keep_schemas, without};

/// A member of a JSON object: its key, unescaped, and where its value is.
struct Member {
    key: String,
    value: Range<usize>,
}

/// The kept byte ranges of a JSON text whose object starts at `start`, or `None`.
pub(super) fn plan(text: &str, start: usize, wanted: &Wanted) -> Option<Vec<Range<usize>>> {
    let top = members(text, start)?;
    if !unique(&top) {
        return None;
    }
    let paths = members(text, top.iter().find(|m| m.key == "paths")?.value.start)?;
    if !unique(&paths) {
        return None;
    }
    let mut keep = vec![false; paths.len()];
    let mut found_ids = HashSet::new();
    let mut found_paths = HashSet::new();
    for (i, entry) in paths.iter().enumerate() {
        for id in operation_ids(text, entry.value.clone())? {
            if let Some(id) = wanted.ids.get(&id) {
                keep[i] = true;
                found_ids.insert(id);
            }
        }
        if let Some(path) = wanted.paths.get(&entry.key) {
            keep[i] = true;
            found_paths.insert(path);
        }
    }
    if found_ids.len() != wanted.ids.len() || found_paths.len() != wanted.paths.len() {
        return None;
    }
    let whole = 0..text.len();
    let kept = without(std::slice::from_ref(&whole), &left_out(&paths, keep));
    let schemas = top
        .iter()
        .find(|m| m.key == "components")
        .and_then(|c| members(text, c.value.start))
        .and_then(|c| {
            let at = c.into_iter().find(|m| m.key == "schemas")?.value;
            Some((members(text, at.start)?, at))
        });
    let Some((schemas, region)) = schemas else {
        return Some(kept);
    };
    let named: Vec<(&str, Range<usize>)> = schemas
        .iter()
        .map(|m| (m.key.as_str(), m.value.clone()))
        .collect();
    match keep_schemas(text, &named, region, &kept, wanted) {
        Some(keep) => Some(without(&kept, &left_out(&schemas, keep))),
        None => Some(kept),
    }
}

/// The bytes that leave out the entries `keep` does not keep: each from the end of the value
/// before it (its comma, its key) to the end of its own value. The first entry always stays.
fn left_out(entries: &[Member], mut keep: Vec<bool>) -> Vec<Range<usize>> {
    if let Some(first) = keep.first_mut() {
        *first = true;
    }
    if let Some(last) = keep.last_mut() {
        *last = true;
    }
    entries
        .windows(2)
        .zip(keep.iter().skip(1))
        .filter(|(_, keep)| !**keep)
        .map(|(pair, _)| pair[0].value.end..pair[1].value.end)
        .collect()
}

fn unique(members: &[Member]) -> bool {
    let mut keys = HashSet::new();
    members.iter().all(|m| keys.insert(m.key.as_str()))
}

/// The members of the object starting at `at` (white space first allowed), in order; `None`
/// when there is no object there or the scan cannot read it.
fn members(text: &str, at: usize) -> Option<Vec<Member>> {
    let b = text.as_bytes();
    let mut i = skip_ws(b, at);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    let mut out = Vec::new();
    i = skip_ws(b, i + 1);
    if b.get(i) == Some(&b'}') {
        return Some(out);
    }
    loop {
        let key_end = skip_string(b, i)?;
        let key = unescape(text.get(i..key_end)?)?;
        i = skip_ws(b, key_end);
        if b.get(i) != Some(&b':') {
            return None;
        }
        let start = skip_ws(b, i + 1);
        let end = skip_value(b, start)?;
        out.push(Member {
            key,
            value: start..end,
        });
        i = skip_ws(b, end);
        match b.get(i)? {
            b',' => i = skip_ws(b, i + 1),
            b'}' => return Some(out),
            _ => return None,
        }
    }
}

/// Every id of an `"operationId": "…"` member in the value at `range`; `None` when one's value
/// is not a string (it could be a called id the scan cannot read).
fn operation_ids(text: &str, range: Range<usize>) -> Option<Vec<String>> {
    const KEY: &str = "\"operationId\"";
    let b = text.as_bytes();
    let mut ids = Vec::new();
    for (at, _) in text.get(range.clone())?.match_indices(KEY) {
        let i = skip_ws(b, range.start + at + KEY.len());
        if b.get(i) != Some(&b':') {
            // A value (`"required": ["operationId"]`), not a key.
            continue;
        }
        let start = skip_ws(b, i + 1);
        let end = skip_string(b, start)?;
        ids.push(unescape(text.get(start..end)?)?);
    }
    Some(ids)
}

/// The text of a JSON string token, unescaped.
fn unescape(token: &str) -> Option<String> {
    match token.contains('\\') {
        true => serde_json::from_str(token).ok(),
        false => Some(token.get(1..token.len().checked_sub(1)?)?.to_owned()),
    }
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// The end of the string token starting at `i` (just past its closing quote).
fn skip_string(b: &[u8], i: usize) -> Option<usize> {
    if b.get(i) != Some(&b'"') {
        return None;
    }
    let mut j = i + 1;
    loop {
        match b.get(j)? {
            b'"' => return Some(j + 1),
            b'\\' => j += 2,
            _ => j += 1,
        }
    }
}

/// YAML's indicators that JSON never has outside a string. The real reader is YAML's, so a
/// text that starts as JSON may hold them: a `'...'` string or a `# ...` comment can hide
/// quotes and brackets, where this scan would then cut in another place than that reader.
/// Meeting one, the scan gives up and the file is read whole.
fn yaml_only(c: u8) -> bool {
    matches!(
        c,
        b'\'' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'%' | b'@' | b'`' | b'?'
    )
}

/// The end of the value starting at `i`: a string, an object or array (by nesting, strings
/// skipped), or a scalar (up to the next delimiter: a number, `true`, `false` or `null`).
fn skip_value(b: &[u8], i: usize) -> Option<usize> {
    match b.get(i)? {
        b'"' => skip_string(b, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            loop {
                match b.get(j)? {
                    b'"' => {
                        j = skip_string(b, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.checked_sub(1)?;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    c if yaml_only(*c) => return None,
                    _ => {}
                }
                j += 1;
            }
        }
        _ => {
            let len = b[i..]
                .iter()
                .position(|c| matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'))
                .unwrap_or(b.len() - i);
            let scalar = &b[i..i + len];
            let json = scalar
                .iter()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'));
            (len > 0 && json).then_some(i + len)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_of_an_object_with_strings_and_nesting() {
        let text = r#" {"a": {"x": "}{\"", "y": [1, {"z": null}]}, "b\/c" : 2 ,"d":"e"}"#;
        let found = members(text, 0).unwrap();
        let seen: Vec<(&str, &str)> = found
            .iter()
            .map(|m| (m.key.as_str(), &text[m.value.clone()]))
            .collect();
        assert_eq!(
            seen,
            [
                ("a", r#"{"x": "}{\"", "y": [1, {"z": null}]}"#),
                ("b/c", "2"),
                ("d", r#""e""#)
            ]
        );
        assert!(members(r#"{"a": [1, 2}"#, 0).is_none());
        assert!(members(r#"{"a" 1}"#, 0).is_none());
        assert!(members("[]", 0).is_none());
        // YAML that starts as JSON: a single-quoted key hides a quote and brackets, a comment
        // hides a bracket, an anchor and a plain scalar are not JSON.
        assert!(members(r#"{"a": {'b"': ["}"]}, "c": 1}"#, 0).is_none());
        assert!(members("{\"a\": [1, # ]\n 2], \"c\": 1}", 0).is_none());
        assert!(members(r#"{"a": &x {"b": 1}}"#, 0).is_none());
        assert!(members(r#"{"a": 'x, y'}"#, 0).is_none());
        assert!(members(r#"{"a": -1.5e+3, "b": true, "c": null}"#, 0).is_some());
        assert_eq!(members("{ }", 0).map(|m| m.len()), Some(0));
    }

    #[test]
    fn operation_ids_are_keys_with_string_values() {
        let text = r#"{"get": {"operationId": "a\u0062"}, "x": {"required": ["operationId"]}}"#;
        assert_eq!(
            operation_ids(text, 0..text.len()),
            Some(vec!["ab".to_owned()])
        );
        let text = r#"{"get": {"operationId": 7}}"#;
        assert_eq!(operation_ids(text, 0..text.len()), None);
    }

    #[test]
    fn entries_left_out_take_the_comma_before_them() {
        let text = r#"{"a": 1, "b": 2, "c": 3, "d": 4}"#;
        let found = members(text, 0).unwrap();
        let cut = left_out(&found, vec![false, false, true, false]);
        let whole = 0..text.len();
        let kept = without(std::slice::from_ref(&whole), &cut);
        let reduced: String = kept.iter().map(|r| &text[r.clone()]).collect();
        assert_eq!(reduced, r#"{"a": 1, "c": 3, "d": 4}"#);
    }
}
