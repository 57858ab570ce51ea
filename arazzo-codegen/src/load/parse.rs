//! YAML (and JSON, read as YAML 1.2) → `serde_json::Value` plus a location index.
//!
//! We build the value ourselves from the marked events of `saphyr-parser` so that every value's
//! byte span is known, and so that the rules the generator relies on hold: keys are strings
//! (a scalar key is taken as written, so `200:` is the key `"200"`), duplicate keys are an error,
//! and merge keys (`<<`), anchors and aliases work. The value and its [`Index`] are built in
//! one pass over the events, with no tree in between: build scripts run this at opt-level 0 on
//! descriptions of megabytes.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::ops::Range;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, StrInput, Tag};
use serde_json::map::Entry;
use serde_json::{Map, Number, Value};

use super::index::{Index, Loc};
use crate::diagnostic::{Diagnostic, FileId, Span};

/// Deeper nesting than this is refused, so that neither parsing nor walking can overflow the stack.
const MAX_DEPTH: usize = 256;
/// Most values that aliases and merge keys may add, against "billion laughs" documents.
const MAX_EXPANDED: usize = 1_000_000;

/// Parses `text` (one YAML document or a JSON text) of file `file`.
pub(crate) fn parse(text: &str, file: FileId) -> Result<(Value, Index), Diagnostic> {
    if u32::try_from(text.len()).is_err() {
        // The index keeps byte offsets as `u32`, half the size of `usize` on 64-bit targets.
        return Err(Diagnostic::error(
            "cannot-read",
            "the file is 4 GiB or larger, more than the generator reads",
        ));
    }
    let (source, offsets) = match json_surrogates(text) {
        Some((rewritten, table)) => (rewritten, Offsets::Table(table)),
        None => (String::new(), Offsets::new(text)),
    };
    let mut builder = Builder {
        text,
        file,
        parser: Parser::new_from_str(if source.is_empty() { text } else { &source }),
        offsets,
        anchors: HashMap::new(),
        expanded: 0,
        last_end: 0,
        index: Index::default(),
        pending: Vec::new(),
    };
    let value = match builder.document()? {
        Some(root) => {
            builder.index.root = root.loc;
            root.value
        }
        None => {
            builder.index.root = builder.push_loc(&(0..0), 0);
            Value::Null
        }
    };
    builder.index.anchors = !builder.anchors.is_empty();
    Ok((value, builder.index))
}

/// One value as built: the value, its `Loc` in the index, and what the limits need.
struct Built {
    value: Value,
    loc: u32,
    /// Values in this subtree, counting aliased ones as often as they appear.
    size: usize,
    /// Nesting depth of this subtree, aliases expanded.
    depth: usize,
}

/// What an alias needs of an anchored value. The value is kept as a copy (the document's own
/// copy moves into its parent); its children's `Loc`s are shared.
struct Anchor {
    value: Value,
    kids: Range<u32>,
    size: usize,
    depth: usize,
    /// A scalar's text as written, for an alias used as a key (`200` is the key `"200"`).
    text: Option<String>,
}

/// A mapping key.
struct Key {
    text: String,
    span: Range<usize>,
    /// A plain `<<` (not quoted, tagged, anchored or an alias): a merge key.
    merge: bool,
}

/// Merged entries (key, value, `Loc`) and where among the explicit entries their `<<` stood.
type Merge = (usize, Vec<(String, Value, u32)>);

/// JSON escapes a character outside the BMP as a UTF-16 surrogate pair (`\ud83d\ude00`), which
/// YAML does not accept. For a valid JSON text that has such pairs, returns the text with each
/// pair written as YAML's `\U0001F600`, and for every character of it the byte offset in `text`
/// of the character it came from (plus the end), so spans still point into `text`.
fn json_surrogates(text: &str) -> Option<(String, Vec<usize>)> {
    // Only a JSON object, array or string can hold an escape; testing the first byte spares
    // YAML files a scan of their whole text (a generic substring search, slow at opt-level 0).
    let first = text
        .bytes()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
    if !matches!(first, Some(b'{' | b'[' | b'"'))
        || !text.contains("\\u")
        || serde_json::from_str::<serde::de::IgnoredAny>(text).is_err()
    {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut table = Vec::with_capacity(text.len() + 1);
    let mut replaced = false;
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            table.push(i);
            continue;
        }
        if let Some(code) = surrogate_pair(&text[i..]) {
            let escape = format!("\\U{code:08X}");
            table.extend(i..i + escape.len());
            out.push_str(&escape);
            // The pair is 12 ASCII bytes; its first character is consumed already.
            for _ in 1..12 {
                chars.next();
            }
            replaced = true;
            continue;
        }
        // In valid JSON a backslash always starts an escape: keep `\\` together.
        out.push(c);
        table.push(i);
        if let Some((j, next)) = chars.next() {
            out.push(next);
            table.push(j);
        }
    }
    table.push(text.len());
    replaced.then_some((out, table))
}

/// The code point of a `\uD8xx\uDCxx` pair at the start of `s`.
fn surrogate_pair(s: &str) -> Option<u32> {
    let hex = |from: usize| {
        s.get(from..from + 4)
            .and_then(|h| u32::from_str_radix(h, 16).ok())
    };
    if !s.starts_with("\\u") || s.get(6..8) != Some("\\u") {
        return None;
    }
    let (high, low) = (hex(2)?, hex(8)?);
    ((0xD800..0xDC00).contains(&high) && (0xDC00..0xE000).contains(&low))
        .then(|| 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
}

/// Character index (what saphyr reports) → byte offset.
enum Offsets {
    Ascii(usize),
    Table(Vec<usize>),
}

impl Offsets {
    fn new(text: &str) -> Self {
        if text.is_ascii() {
            Offsets::Ascii(text.len())
        } else {
            let mut table: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
            table.push(text.len());
            Offsets::Table(table)
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        match self {
            Offsets::Ascii(len) => char_index.min(*len),
            Offsets::Table(table) => table.get(char_index).or(table.last()).copied().unwrap_or(0),
        }
    }
}

struct Builder<'a> {
    text: &'a str,
    file: FileId,
    parser: Parser<'a, StrInput<'a>>,
    offsets: Offsets,
    anchors: HashMap<usize, Anchor>,
    expanded: usize,
    /// Byte offset where the previous event ended; a block scalar's header is searched from here.
    last_end: usize,
    index: Index,
    /// The `Loc`s of the children of every collection being built, innermost last; a finished
    /// collection moves its own to `index.kids`.
    pending: Vec<u32>,
}

type Marked<'a> = (Event<'a>, Range<usize>);

impl<'a> Builder<'a> {
    fn next(&mut self) -> Result<Marked<'a>, Diagnostic> {
        match self.parser.next_event() {
            Some(Ok((event, span))) => {
                let start = self.offsets.byte(span.start.index());
                let end = self.offsets.byte(span.end.index()).max(start);
                Ok((event, start..end))
            }
            Some(Err(err)) => Err(self.scan_error(&err)),
            None => Err(self.error_at(self.text.len(), "unexpected end of input")),
        }
    }

    /// The document's root value; `None` for an empty stream.
    fn document(&mut self) -> Result<Option<Built>, Diagnostic> {
        let mut root = None;
        loop {
            let (event, span) = self.next()?;
            match event {
                Event::StreamStart | Event::DocumentEnd | Event::Nothing => {}
                Event::StreamEnd => return Ok(root),
                Event::DocumentStart(_) => {
                    if root.is_some() {
                        return Err(self
                            .error_at(span.start, "a second YAML document in one file")
                            .label("second document starts here")
                            .help("keep one document per file: remove this `---` and what follows, or move it to its own file"));
                    }
                    let (event, span) = self.next()?;
                    root = Some(self.node(event, span, 0)?);
                }
                _ => return Err(self.error_at(span.start, "unexpected YAML event")),
            }
        }
    }

    /// A new `Loc` at `span` whose children are the last `children` of `pending`.
    fn push_loc(&mut self, span: &Range<usize>, children: usize) -> u32 {
        let from = self.pending.len().saturating_sub(children);
        let kids = self.kids_from(from);
        self.push_loc_with(span, kids)
    }

    /// Moves `pending[from..]` to the index's children lists; returns where they now are.
    fn kids_from(&mut self, from: usize) -> Range<u32> {
        let start = self.index.kids.len();
        self.index.kids.extend(self.pending.drain(from..));
        index_u32(start)..index_u32(self.index.kids.len())
    }

    fn push_loc_with(&mut self, span: &Range<usize>, kids: Range<u32>) -> u32 {
        let at = index_u32(self.index.locs.len());
        self.index.locs.push(Loc::new(span, kids));
        at
    }

    fn loc(&self, at: u32) -> Loc {
        self.index
            .locs
            .get(at as usize)
            .copied()
            .unwrap_or(Loc::new(&(0..0), 0..0))
    }

    fn too_deep(&self, at: usize, depth: usize) -> Result<(), Diagnostic> {
        if depth >= MAX_DEPTH {
            return Err(self
                .error_at(
                    at,
                    format!("values nested more than {MAX_DEPTH} levels deep"),
                )
                .label("too deep"));
        }
        Ok(())
    }

    fn node(
        &mut self,
        event: Event<'a>,
        span: Range<usize>,
        depth: usize,
    ) -> Result<Built, Diagnostic> {
        self.too_deep(span.start, depth)?;
        let built = match event {
            Event::Scalar(text, style, anchor, tag) => {
                let span = self.scalar_span(&span, style, anchor != 0 || tag.is_some());
                self.last_end = span.end;
                let loc = self.push_loc(&span, 0);
                let anchored = (anchor != 0).then(|| text.to_string());
                let built = Built {
                    value: scalar_value(text, style, tag.as_deref()),
                    loc,
                    size: 1,
                    depth: 1,
                };
                self.anchor(anchor, &built, anchored);
                built
            }
            Event::SequenceStart(anchor, _) => {
                let start = self.skip_properties(span.start, span.end.max(span.start));
                self.last_end = span.end;
                let built = self.sequence(start, depth)?;
                self.anchor(anchor, &built, None);
                built
            }
            Event::MappingStart(anchor, _) => {
                let start = self.skip_properties(span.start, span.end.max(span.start));
                self.last_end = span.end;
                let built = self.mapping(start, depth)?;
                self.anchor(anchor, &built, None);
                built
            }
            Event::Alias(id) => {
                self.last_end = span.end;
                let (value, kids, size, depth) = self.alias(id, &span)?;
                let loc = self.push_loc_with(&span, kids);
                Built {
                    value,
                    loc,
                    size,
                    depth,
                }
            }
            _ => return Err(self.error_at(span.start, "unexpected YAML event")),
        };
        if depth + built.depth > MAX_DEPTH {
            return Err(self
                .error_at(
                    self.loc(built.loc).span().start,
                    format!("values nested more than {MAX_DEPTH} levels deep"),
                )
                .label("too deep once aliases are expanded"));
        }
        Ok(built)
    }

    /// What alias `id` (at `span`) stands for: a copy of the anchored value, its children's
    /// `Loc`s, its size and depth. The copy counts against [`MAX_EXPANDED`] before it is made.
    fn alias(
        &mut self,
        id: usize,
        span: &Range<usize>,
    ) -> Result<(Value, Range<u32>, usize, usize), Diagnostic> {
        let Some(target) = self.anchors.get(&id) else {
            return Err(self
                .error_at(span.start, "alias refers to the node that contains it")
                .at(Some(self.span(span.clone())))
                .label("recursive alias")
                .help("an alias may only refer to a node that is complete before it"));
        };
        let (size, depth, kids) = (target.size, target.depth, target.kids.clone());
        self.expanded = self.expanded.saturating_add(size);
        if self.expanded > MAX_EXPANDED {
            return Err(self
                .error_at(
                    span.start,
                    format!("aliases expand to more than {MAX_EXPANDED} values"),
                )
                .at(Some(self.span(span.clone())))
                .label("this alias exceeds the limit"));
        }
        let value = self
            .anchors
            .get(&id)
            .map_or(Value::Null, |a| a.value.clone());
        Ok((value, kids, size, depth))
    }

    /// Registers an anchored value (`text`: a scalar's text, for an alias used as a key).
    fn anchor(&mut self, anchor: usize, built: &Built, text: Option<String>) {
        if anchor == 0 {
            return;
        }
        let kids = self.loc(built.loc).kids();
        self.anchors.insert(
            anchor,
            Anchor {
                value: built.value.clone(),
                kids,
                size: built.size,
                depth: built.depth,
                text,
            },
        );
    }

    fn sequence(&mut self, start: usize, depth: usize) -> Result<Built, Diagnostic> {
        let mut items = Vec::new();
        let mut end = start;
        let (mut size, mut inner) = (1usize, 0usize);
        let base = self.pending.len();
        loop {
            let (event, span) = self.next()?;
            if event == Event::SequenceEnd {
                if !span.is_empty() {
                    end = span.end;
                }
                self.last_end = self.last_end.max(span.end);
                break;
            }
            let item = self.node(event, span, depth + 1)?;
            end = self.loc(item.loc).span().end;
            size = size.saturating_add(item.size);
            inner = inner.max(item.depth);
            self.pending.push(item.loc);
            items.push(item.value);
        }
        let kids = self.kids_from(base);
        let loc = self.push_loc_with(&(start..end.max(start)), kids);
        Ok(Built {
            value: Value::Array(items),
            loc,
            size,
            depth: inner + 1,
        })
    }

    /// A mapping key: a scalar as written, or an alias of one.
    fn key(
        &mut self,
        event: Event<'a>,
        span: Range<usize>,
        depth: usize,
    ) -> Result<Key, Diagnostic> {
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                self.too_deep(span.start, depth)?;
                let span = self.scalar_span(&span, style, anchor != 0 || tag.is_some());
                self.last_end = span.end;
                let plain = style == ScalarStyle::Plain && tag.is_none();
                let text = text.into_owned();
                if anchor != 0 {
                    // Anchored keys are rare; the anchor needs the key's value and a `Loc`.
                    let loc = self.push_loc(&span, 0);
                    let value = scalar_value(Cow::Borrowed(&text), style, tag.as_deref());
                    let built = Built {
                        value,
                        loc,
                        size: 1,
                        depth: 1,
                    };
                    self.anchor(anchor, &built, Some(text.clone()));
                }
                Ok(Key {
                    merge: plain && anchor == 0 && text == "<<",
                    text,
                    span,
                })
            }
            Event::Alias(id) => {
                self.too_deep(span.start, depth)?;
                self.last_end = span.end;
                self.alias(id, &span)?;
                match self.anchors.get(&id).and_then(|a| a.text.clone()) {
                    Some(text) => Ok(Key {
                        text,
                        span,
                        merge: false,
                    }),
                    None => Err(self.not_a_string_key(&span)),
                }
            }
            _ => {
                let key = self.node(event, span, depth)?;
                Err(self.not_a_string_key(&self.loc(key.loc).span()))
            }
        }
    }

    fn not_a_string_key(&self, span: &Range<usize>) -> Diagnostic {
        self.error_at(span.start, "a mapping key must be a string")
            .at(Some(self.span(span.clone())))
            .label("a list or mapping used as a key")
            .help("JSON and OpenAPI need string keys: write the key as a plain or quoted string")
    }

    fn mapping(&mut self, start: usize, depth: usize) -> Result<Built, Diagnostic> {
        let mut map = Map::new();
        let base = self.pending.len();
        let mut merges: Vec<Merge> = Vec::new();
        let mut merge_key: Option<Range<usize>> = None;
        let mut end = start;
        let (mut size, mut inner) = (1usize, 0usize);
        loop {
            let (event, span) = self.next()?;
            if event == Event::MappingEnd {
                if !span.is_empty() {
                    end = span.end;
                }
                self.last_end = self.last_end.max(span.end);
                break;
            }
            let key = self.key(event, span, depth + 1)?;
            let (event, span) = self.next()?;
            let value = self.node(event, span, depth + 1)?;
            end = self.loc(value.loc).span().end.max(key.span.end);
            size = size.saturating_add(value.size);
            inner = inner.max(value.depth);
            if key.merge {
                if let Some(first) = &merge_key {
                    return Err(self.duplicate_key("<<", &key.span, first));
                }
                merge_key = Some(key.span.clone());
                let sources = self.merge_sources(value.value, value.loc)?;
                self.expanded = self.expanded.saturating_add(value.size);
                if self.expanded > MAX_EXPANDED {
                    return Err(self
                        .error_at(
                            key.span.start,
                            format!("aliases expand to more than {MAX_EXPANDED} values"),
                        )
                        .label("this merge exceeds the limit"));
                }
                merges.push((map.len(), sources));
                continue;
            }
            // One hash per entry finds both a duplicate and the place of a new key.
            let duplicate = match map.entry(key.text) {
                Entry::Vacant(slot) => {
                    slot.insert(value.value);
                    None
                }
                Entry::Occupied(slot) => Some(slot.key().clone()),
            };
            if let Some(text) = duplicate {
                let first = self.first_key_span(&map, &text, base);
                return Err(self.duplicate_key(&text, &key.span, &first));
            }
            if let Some(loc) = self.index.locs.get_mut(value.loc as usize) {
                loc.set_key(&key.span);
            }
            self.pending.push(value.loc);
        }
        if !merges.is_empty() {
            map = self.apply_merges(map, merges, base);
        }
        let kids = self.kids_from(base);
        let loc = self.push_loc_with(&(start..end.max(start)), kids);
        Ok(Built {
            value: Value::Object(map),
            loc,
            size,
            depth: inner + 1,
        })
    }

    /// The key span of `key`'s entry in `map`, the mapping being built (its `Loc`s are
    /// `pending[base..]`).
    fn first_key_span(&self, map: &Map<String, Value>, key: &str, base: usize) -> Range<usize> {
        map.keys()
            .position(|k| k == key)
            .and_then(|i| self.pending.get(base + i))
            .and_then(|at| self.loc(*at).key())
            .unwrap_or(0..0)
    }

    /// The entries a `<<` value (`value`, at `loc`) brings: a mapping, or a list of mappings
    /// (earlier ones win). They keep their `Loc`s, so their spans are where they are written.
    fn merge_sources(
        &self,
        value: Value,
        loc: u32,
    ) -> Result<Vec<(String, Value, u32)>, Diagnostic> {
        let not_mapping = |span: Range<usize>| {
            self.error_at(span.start, "a merge key (`<<`) needs a mapping or a list of mappings")
                .at(Some(self.span(span)))
                .label("not a mapping")
                .help("write `<<: *anchor` or `<<: [*a, *b]`, where each anchor names a mapping; quote `\"<<\"` for a literal key")
        };
        let kids = |loc: u32| -> &[u32] {
            let range = self.loc(loc).kids();
            self.index
                .kids
                .get(range.start as usize..range.end as usize)
                .unwrap_or(&[])
        };
        let entries = |map: Map<String, Value>, loc: u32| {
            map.into_iter()
                .zip(kids(loc).iter().copied())
                .map(|((k, v), at)| (k, v, at))
        };
        match value {
            Value::Object(map) => Ok(entries(map, loc).collect()),
            Value::Array(items) => {
                let mut all = Vec::new();
                for (item, at) in items.into_iter().zip(kids(loc).iter().copied()) {
                    match item {
                        Value::Object(map) => all.extend(entries(map, at)),
                        _ => return Err(not_mapping(self.loc(at).span())),
                    }
                }
                Ok(all)
            }
            _ => Err(not_mapping(self.loc(loc).span())),
        }
    }

    /// Puts merged entries where their `<<` stood, skipping keys the mapping sets itself and
    /// keys an earlier merge already brought; reorders `pending[base..]` to match.
    fn apply_merges(
        &mut self,
        explicit: Map<String, Value>,
        merges: Vec<Merge>,
        base: usize,
    ) -> Map<String, Value> {
        let mut merged: HashSet<String> = HashSet::new();
        let merges: Vec<Merge> = merges
            .into_iter()
            .map(|(at, sources)| {
                let kept = sources
                    .into_iter()
                    .filter(|(k, _, _)| !explicit.contains_key(k) && merged.insert(k.clone()))
                    .collect();
                (at, kept)
            })
            .collect();
        let explicit_locs: Vec<u32> = self.pending.drain(base..).collect();
        let mut out = Map::with_capacity(explicit.len() + merged.len());
        let mut merges = merges.into_iter().peekable();
        let take = |out: &mut Map<String, Value>, pending: &mut Vec<u32>, m: Merge| {
            for (k, v, at) in m.1 {
                out.insert(k, v);
                pending.push(at);
            }
        };
        for (i, ((k, v), at)) in explicit.into_iter().zip(explicit_locs).enumerate() {
            while let Some(m) = merges.next_if(|(at, _)| *at == i) {
                take(&mut out, &mut self.pending, m);
            }
            out.insert(k, v);
            self.pending.push(at);
        }
        for m in merges {
            take(&mut out, &mut self.pending, m);
        }
        out
    }

    fn duplicate_key(&self, key: &str, at: &Range<usize>, first: &Range<usize>) -> Diagnostic {
        let (line, _) = crate::diagnostic::line_col_in(self.text, first.start);
        Diagnostic::error("duplicate-key", format!("duplicate key `{key}`"))
            .at(Some(self.span(at.clone())))
            .label(format!("`{key}` is already defined on line {line}"))
            .help("remove one of the two entries, or merge them into one")
    }

    /// The span of a scalar's own text: quotes included, anchor and tag left out; a block
    /// scalar starts at its `|` or `>` header and ends at its last non-blank character.
    fn scalar_span(
        &self,
        span: &Range<usize>,
        style: ScalarStyle,
        properties: bool,
    ) -> Range<usize> {
        let mut start = if properties {
            self.skip_properties(span.start, span.end)
        } else {
            span.start
        };
        let mut end = span.end;
        if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded) {
            let from = self.last_end.min(span.start);
            if let Some(header) = self.block_header(from, span.end) {
                start = header;
            }
            let trimmed = self.text.get(start..end).map_or(0, |s| s.trim_end().len());
            end = start + trimmed;
        }
        start..end.max(start)
    }

    /// Finds the `|` or `>` that opens a block scalar between `from` and `to`.
    fn block_header(&self, from: usize, to: usize) -> Option<usize> {
        let region = self.text.get(from..to)?;
        let mut offset = 0;
        for token in region.split_inclusive(char::is_whitespace) {
            let word = token.trim_end();
            if word.starts_with('|') || word.starts_with('>') {
                return Some(from + offset);
            }
            if word.starts_with('#') {
                return None;
            }
            offset += token.len();
        }
        None
    }

    /// Skips an anchor (`&a`), a tag (`!t`), comments and white space before a node's content.
    fn skip_properties(&self, start: usize, limit: usize) -> usize {
        let bytes = self.text.as_bytes();
        let limit = limit.min(bytes.len());
        let mut pos = start;
        while pos < limit {
            match bytes[pos] {
                b'&' | b'!' => {
                    while pos < limit && !bytes[pos].is_ascii_whitespace() {
                        pos += 1;
                    }
                }
                b'#' => {
                    while pos < limit && bytes[pos] != b'\n' {
                        pos += 1;
                    }
                }
                b' ' | b'\t' | b'\r' | b'\n' => pos += 1,
                _ => break,
            }
        }
        if pos >= limit && limit > start {
            // Only properties in the event's span (a block collection): content starts at its end.
            limit
        } else {
            pos
        }
    }

    fn span(&self, range: Range<usize>) -> Span {
        Span {
            file: self.file,
            start: range.start,
            end: range.end,
        }
    }

    fn error_at(&self, at: usize, message: impl Into<String>) -> Diagnostic {
        Diagnostic::error("syntax", message).at(Some(self.span(at..at)))
    }

    fn scan_error(&self, err: &ScanError) -> Diagnostic {
        let at = self.offsets.byte(err.marker().index());
        let info = err.info();
        let diagnostic = self.error_at(at, format!("invalid YAML: {info}"));
        if info.contains("tab") {
            diagnostic
                .label("tab character")
                .help("replace the tab with spaces: YAML allows no tabs here (nor in indentation)")
        } else if info.contains("mapping values are not allowed") {
            diagnostic
                .label("unexpected `:`")
                .help("a plain value cannot contain `: `; put the value in quotes, or fix the indentation")
        } else if info.contains("unknown anchor") {
            diagnostic
                .label("no anchor of this name before here")
                .help("define the anchor (`&name`) before the alias (`*name`) that uses it")
        } else if info.contains("quoted scalar") {
            diagnostic
                .label("this quoted string is not closed properly")
                .help("close the quote on the same indentation level, or check for a stray quote")
        } else if info.contains("did not find expected key")
            || info.contains("did not find expected")
        {
            diagnostic
                .label("the parser expected something else here")
                .help("check the indentation of this line against the lines above it")
        } else {
            diagnostic.label("here")
        }
    }
}

/// A position in the index's lists as stored: the loader refuses texts of `u32::MAX` bytes or
/// more, and every value takes at least one byte or one event, so this never saturates.
fn index_u32(at: usize) -> u32 {
    u32::try_from(at).unwrap_or(u32::MAX)
}

/// A scalar's value under the YAML 1.2 core schema; quoted and block scalars and `!!str` are
/// strings. Other tags are ignored.
fn scalar_value(text: Cow<'_, str>, style: ScalarStyle, tag: Option<&Tag>) -> Value {
    let is_str = tag.is_some_and(|t| t.is_yaml_core_schema() && t.suffix == "str");
    // Only text that starts with one of these can be a null, a boolean or a number: most
    // plain scalars (names, descriptions) are strings at the first byte.
    let maybe_other = matches!(
        text.as_bytes().first(),
        None | Some(
            b'0'..=b'9' | b'+' | b'-' | b'.' | b'~' | b'n' | b'N' | b't' | b'T' | b'f' | b'F'
        )
    );
    if style != ScalarStyle::Plain || is_str || !maybe_other {
        return Value::String(text.into_owned());
    }
    match &*text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".nan" | ".NaN" | ".NAN" | ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF"
        | "-.inf" | "-.Inf" | "-.INF" => {
            // JSON has no NaN or infinity; like serde_json, such a float becomes null.
            return Value::Null;
        }
        _ => {}
    }
    if let Some(number) = core_number(&text) {
        return Value::Number(number);
    }
    Value::String(text.into_owned())
}

fn core_number(text: &str) -> Option<Number> {
    if let Some(octal) = text.strip_prefix("0o") {
        return radix(octal, 8);
    }
    if let Some(hex) = text.strip_prefix("0x") {
        return radix(hex, 16);
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(n) = text.parse::<i64>() {
            return Some(n.into());
        }
        if let Ok(n) = text.trim_start_matches('+').parse::<u64>() {
            return Some(n.into());
        }
        return text.parse::<f64>().ok().and_then(Number::from_f64);
    }
    if is_core_float(digits) {
        return text.parse::<f64>().ok().and_then(Number::from_f64);
    }
    None
}

fn radix(digits: &str, radix: u32) -> Option<Number> {
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok().map(Number::from)
}

/// `( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?` (sign already stripped).
fn is_core_float(text: &str) -> bool {
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], Some(&text[i + 1..])),
        None => (text, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => {
            int.bytes().all(|b| b.is_ascii_digit())
                && frac.bytes().all(|b| b.is_ascii_digit())
                && !(int.is_empty() && frac.is_empty())
        }
        None => !mantissa.is_empty() && mantissa.bytes().all(|b| b.is_ascii_digit()),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit())
    });
    mantissa_ok && exponent_ok
}
