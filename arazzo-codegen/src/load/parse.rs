//! YAML (and JSON, read as YAML 1.2) → `serde_json::Value` plus a location index.
//!
//! We build the value ourselves from the marked events of `saphyr-parser` so that every value's
//! byte span is known, and so that the rules the generator relies on hold: keys are strings
//! (a scalar key is taken as written, so `200:` is the key `"200"`), duplicate keys are an error,
//! and merge keys (`<<`), anchors and aliases work.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::rc::Rc;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, StrInput, Tag};
use serde_json::{Map, Number, Value};

use crate::diagnostic::{Diagnostic, FileId, Span};

use crate::pointer::escape_token;

/// Deeper nesting than this is refused, so that neither parsing nor walking can overflow the stack.
const MAX_DEPTH: usize = 256;
/// Most values that aliases and merge keys may add, against "billion laughs" documents.
const MAX_EXPANDED: usize = 1_000_000;

/// Where one value sits in its file.
#[derive(Clone, Debug)]
pub(crate) struct Located {
    /// Byte span of the value's text.
    pub(crate) value: Range<usize>,
    /// Byte span of the key, for a mapping entry.
    pub(crate) key: Option<Range<usize>>,
}

/// Escaped JSON pointer → location.
/// foldhash (which serde_json already builds on) rather than SipHash: the index takes one
/// entry per node, hundreds of thousands for a large description, and build scripts hash them
/// at opt-level 0. Its seed is random per process, like std's.
pub(crate) type Index = HashMap<String, Located, foldhash::fast::RandomState>;

/// Parses `text` (one YAML document or a JSON text) of file `file`.
pub(crate) fn parse(text: &str, file: FileId) -> Result<(Value, Index), Diagnostic> {
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
    };
    let root = builder.document()?;
    let mut index = Index::default();
    let value = match &root {
        Some(node) => emit(node, &mut String::new(), None, &mut index),
        None => {
            index.insert(
                String::new(),
                Located {
                    value: 0..0,
                    key: None,
                },
            );
            Value::Null
        }
    };
    Ok((value, index))
}

/// One parsed value with its span; children are shared so aliases cost nothing to copy.
struct Node {
    span: Range<usize>,
    /// Values in this subtree, counting aliased ones as often as they appear.
    size: usize,
    /// Nesting depth of this subtree, aliases expanded.
    depth: usize,
    kind: Kind,
}

enum Kind {
    /// `text` is the scalar's content, used when the scalar is a key; `plain` tells `<<` the
    /// merge key from a quoted `"<<"`.
    Scalar {
        text: String,
        value: Value,
        plain: bool,
    },
    Seq(Vec<Rc<Node>>),
    Map(Vec<Entry>),
    /// An alias or an anchored node: the span is the alias's own, the content is the target's.
    Alias(Rc<Node>),
}

#[derive(Clone)]
struct Entry {
    key: String,
    key_span: Range<usize>,
    value: Rc<Node>,
}

impl Node {
    /// The node an alias stands for.
    fn target(&self) -> &Node {
        match &self.kind {
            Kind::Alias(target) => target.target(),
            _ => self,
        }
    }
}

/// JSON escapes a character outside the BMP as a UTF-16 surrogate pair (`\ud83d\ude00`), which
/// YAML does not accept. For a valid JSON text that has such pairs, returns the text with each
/// pair written as YAML's `\U0001F600`, and for every character of it the byte offset in `text`
/// of the character it came from (plus the end), so spans still point into `text`.
fn json_surrogates(text: &str) -> Option<(String, Vec<usize>)> {
    if !text.contains("\\u") || serde_json::from_str::<serde::de::IgnoredAny>(text).is_err() {
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
    anchors: HashMap<usize, Rc<Node>>,
    expanded: usize,
    /// Byte offset where the previous event ended; a block scalar's header is searched from here.
    last_end: usize,
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

    /// The document's root node; `None` for an empty stream.
    fn document(&mut self) -> Result<Option<Rc<Node>>, Diagnostic> {
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

    fn node(
        &mut self,
        event: Event<'a>,
        span: Range<usize>,
        depth: usize,
    ) -> Result<Rc<Node>, Diagnostic> {
        if depth >= MAX_DEPTH {
            return Err(self
                .error_at(
                    span.start,
                    format!("values nested more than {MAX_DEPTH} levels deep"),
                )
                .label("too deep"));
        }
        let node = match event {
            Event::Scalar(text, style, anchor, tag) => {
                let span = self.scalar_span(&span, style, anchor != 0 || tag.is_some());
                self.last_end = span.end;
                let value = scalar_value(&text, style, tag.as_deref());
                let node = Rc::new(Node {
                    span,
                    size: 1,
                    depth: 1,
                    kind: Kind::Scalar {
                        plain: style == ScalarStyle::Plain && tag.is_none(),
                        text: text.into_owned(),
                        value,
                    },
                });
                self.anchor(anchor, node)
            }
            Event::SequenceStart(anchor, _) => {
                let start = self.skip_properties(span.start, span.end.max(span.start));
                self.last_end = span.end;
                let node = self.sequence(start, depth)?;
                self.anchor(anchor, node)
            }
            Event::MappingStart(anchor, _) => {
                let start = self.skip_properties(span.start, span.end.max(span.start));
                self.last_end = span.end;
                let node = self.mapping(start, depth)?;
                self.anchor(anchor, node)
            }
            Event::Alias(id) => {
                self.last_end = span.end;
                let Some(target) = self.anchors.get(&id).cloned() else {
                    return Err(self
                        .error_at(span.start, "alias refers to the node that contains it")
                        .at(Some(self.span(span)))
                        .label("recursive alias")
                        .help("an alias may only refer to a node that is complete before it"));
                };
                self.expanded = self.expanded.saturating_add(target.size);
                if self.expanded > MAX_EXPANDED {
                    return Err(self
                        .error_at(
                            span.start,
                            format!("aliases expand to more than {MAX_EXPANDED} values"),
                        )
                        .at(Some(self.span(span)))
                        .label("this alias exceeds the limit"));
                }
                Rc::new(Node {
                    span,
                    size: target.size,
                    depth: target.depth,
                    kind: Kind::Alias(target),
                })
            }
            _ => return Err(self.error_at(span.start, "unexpected YAML event")),
        };
        if depth + node.depth > MAX_DEPTH {
            return Err(self
                .error_at(
                    node.span.start,
                    format!("values nested more than {MAX_DEPTH} levels deep"),
                )
                .label("too deep once aliases are expanded"));
        }
        Ok(node)
    }

    /// Registers an anchored node; in the tree it stands as an alias with the same span.
    fn anchor(&mut self, anchor: usize, node: Rc<Node>) -> Rc<Node> {
        if anchor == 0 {
            return node;
        }
        self.anchors.insert(anchor, Rc::clone(&node));
        Rc::new(Node {
            span: node.span.clone(),
            size: node.size,
            depth: node.depth,
            kind: Kind::Alias(node),
        })
    }

    fn sequence(&mut self, start: usize, depth: usize) -> Result<Rc<Node>, Diagnostic> {
        let mut items = Vec::new();
        let mut end = start;
        let (mut size, mut inner) = (1usize, 0usize);
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
            end = item.span.end;
            size = size.saturating_add(item.size);
            inner = inner.max(item.depth);
            items.push(item);
        }
        Ok(Rc::new(Node {
            span: start..end.max(start),
            size,
            depth: inner + 1,
            kind: Kind::Seq(items),
        }))
    }

    fn mapping(&mut self, start: usize, depth: usize) -> Result<Rc<Node>, Diagnostic> {
        let mut entries: Vec<Entry> = Vec::new();
        let mut seen: HashMap<String, Range<usize>, foldhash::fast::RandomState> =
            HashMap::default();
        // (position among `entries`, merged entries), applied once every explicit key is known.
        let mut merges: Vec<(usize, Vec<Entry>)> = Vec::new();
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
            let key = self.node(event, span, depth + 1)?;
            let (event, span) = self.next()?;
            let value = self.node(event, span, depth + 1)?;
            end = value.span.end.max(key.span.end);
            size = size.saturating_add(value.size);
            inner = inner.max(value.depth);
            let (text, plain) = match &key.target().kind {
                Kind::Scalar { text, plain, .. } => (text.clone(), *plain),
                _ => {
                    return Err(self
                        .error_at(key.span.start, "a mapping key must be a string")
                        .at(Some(self.span(key.span.clone())))
                        .label("a list or mapping used as a key")
                        .help("JSON and OpenAPI need string keys: write the key as a plain or quoted string"));
                }
            };
            if plain && text == "<<" && !matches!(key.kind, Kind::Alias(_)) {
                if let Some(first) = &merge_key {
                    return Err(self.duplicate_key("<<", &key.span, first));
                }
                merge_key = Some(key.span.clone());
                let sources = self.merge_sources(&value)?;
                self.expanded = self.expanded.saturating_add(value.size);
                if self.expanded > MAX_EXPANDED {
                    return Err(self
                        .error_at(
                            key.span.start,
                            format!("aliases expand to more than {MAX_EXPANDED} values"),
                        )
                        .label("this merge exceeds the limit"));
                }
                merges.push((entries.len(), sources));
                continue;
            }
            if let Some(first) = seen.get(&text) {
                return Err(self.duplicate_key(&text, &key.span, first));
            }
            seen.insert(text.clone(), key.span.clone());
            entries.push(Entry {
                key: text,
                key_span: key.span.clone(),
                value,
            });
        }
        if !merges.is_empty() {
            entries = apply_merges(entries, merges, &seen);
        }
        Ok(Rc::new(Node {
            span: start..end.max(start),
            size,
            depth: inner + 1,
            kind: Kind::Map(entries),
        }))
    }

    /// The entries a `<<` value brings: a mapping, or a list of mappings (earlier ones win).
    fn merge_sources(&self, value: &Node) -> Result<Vec<Entry>, Diagnostic> {
        let not_mapping = |node: &Node| {
            self.error_at(node.span.start, "a merge key (`<<`) needs a mapping or a list of mappings")
                .at(Some(self.span(node.span.clone())))
                .label("not a mapping")
                .help("write `<<: *anchor` or `<<: [*a, *b]`, where each anchor names a mapping; quote `\"<<\"` for a literal key")
        };
        match &value.target().kind {
            Kind::Map(entries) => Ok(entries.clone()),
            Kind::Seq(items) => {
                let mut all = Vec::new();
                for item in items {
                    match &item.target().kind {
                        Kind::Map(entries) => all.extend(entries.iter().cloned()),
                        _ => return Err(not_mapping(item)),
                    }
                }
                Ok(all)
            }
            _ => Err(not_mapping(value)),
        }
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

/// Puts merged entries where their `<<` stood, skipping keys the mapping sets itself and keys an
/// earlier merge already brought.
fn apply_merges(
    entries: Vec<Entry>,
    merges: Vec<(usize, Vec<Entry>)>,
    explicit: &HashMap<String, Range<usize>, foldhash::fast::RandomState>,
) -> Vec<Entry> {
    let mut merged: HashSet<String> = HashSet::new();
    let mut out = Vec::with_capacity(entries.len());
    let mut merges = merges.into_iter().peekable();
    for (i, entry) in entries.into_iter().enumerate() {
        while let Some((_, sources)) = merges.next_if(|(at, _)| *at == i) {
            push_merged(&mut out, sources, explicit, &mut merged);
        }
        out.push(entry);
    }
    for (_, sources) in merges {
        push_merged(&mut out, sources, explicit, &mut merged);
    }
    out
}

fn push_merged(
    out: &mut Vec<Entry>,
    sources: Vec<Entry>,
    explicit: &HashMap<String, Range<usize>, foldhash::fast::RandomState>,
    merged: &mut HashSet<String>,
) {
    for entry in sources {
        if !explicit.contains_key(&entry.key) && merged.insert(entry.key.clone()) {
            out.push(entry);
        }
    }
}

/// Builds the value and fills the index (escaped pointer → spans).
fn emit(node: &Node, pointer: &mut String, key: Option<Range<usize>>, index: &mut Index) -> Value {
    index.insert(
        pointer.clone(),
        Located {
            value: node.span.clone(),
            key,
        },
    );
    emit_kind(&node.kind, pointer, index)
}

fn emit_kind(kind: &Kind, pointer: &mut String, index: &mut Index) -> Value {
    match kind {
        Kind::Scalar { value, .. } => value.clone(),
        Kind::Alias(target) => emit_kind(&target.kind, pointer, index),
        Kind::Seq(items) => {
            let mut values = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&i.to_string());
                values.push(emit(item, pointer, None, index));
                pointer.truncate(len);
            }
            Value::Array(values)
        }
        Kind::Map(entries) => {
            let mut map = Map::new();
            for entry in entries {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&escape_token(&entry.key));
                let value = emit(&entry.value, pointer, Some(entry.key_span.clone()), index);
                pointer.truncate(len);
                map.insert(entry.key.clone(), value);
            }
            Value::Object(map)
        }
    }
}

/// A scalar's value under the YAML 1.2 core schema; quoted and block scalars and `!!str` are
/// strings. Other tags are ignored.
fn scalar_value(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> Value {
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
        return Value::String(text.to_owned());
    }
    match text {
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
    if let Some(number) = core_number(text) {
        return Value::Number(number);
    }
    Value::String(text.to_owned())
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
