//! The location index: every value's byte span (and its key's), laid out like the value.
//!
//! One [`Loc`] per value, children listed in value order, so a JSON pointer is answered by
//! walking the file's `Value` and the index together. No pointer `String` per value and no
//! hashing while loading: build scripts load large descriptions at opt-level 0, where one
//! string and one hash-map insert per node cost about as much as the YAML parsing itself.

use std::ops::Range;

use serde_json::Value;

use crate::pointer::array_index;

/// `Loc::key_start` of a value that has no key (an array item, the root).
const NO_KEY: u32 = u32::MAX;

/// Where one value sits in its file. Offsets are `u32`: the loader refuses larger files.
#[derive(Clone, Copy, Debug)]
pub(super) struct Loc {
    pub(super) start: u32,
    pub(super) end: u32,
    key_start: u32,
    key_end: u32,
    /// The children's `Loc`s are `Index::kids[kids..kids + len]`, in the value's order (array
    /// items, object entries as the `Map` iterates them).
    kids: u32,
    len: u32,
}

impl Loc {
    /// A value at `span` with the children `kids` (a range of [`Index::kids`]), without a key.
    pub(super) fn new(span: &Range<usize>, kids: Range<u32>) -> Self {
        Loc {
            start: offset(span.start),
            end: offset(span.end),
            key_start: NO_KEY,
            key_end: NO_KEY,
            kids: kids.start,
            len: kids.end.saturating_sub(kids.start),
        }
    }

    /// The range of [`Index::kids`] that lists this value's children.
    pub(super) fn kids(&self) -> Range<u32> {
        self.kids..self.kids.saturating_add(self.len)
    }

    pub(super) fn set_key(&mut self, span: &Range<usize>) {
        self.key_start = offset(span.start);
        self.key_end = offset(span.end);
    }

    pub(super) fn span(&self) -> Range<usize> {
        self.start as usize..self.end as usize
    }

    pub(super) fn key(&self) -> Option<Range<usize>> {
        (self.key_start != NO_KEY).then_some(self.key_start as usize..self.key_end as usize)
    }
}

/// A byte offset as the index stores it; the loader refuses texts of `u32::MAX` bytes or more,
/// so this never saturates on a loaded file.
fn offset(at: usize) -> u32 {
    u32::try_from(at).unwrap_or(u32::MAX - 1)
}

/// Where one value sits in its file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Located {
    /// Byte span of the value's text.
    pub(crate) value: Range<usize>,
    /// Byte span of the key, for a mapping entry.
    pub(crate) key: Option<Range<usize>>,
}

/// Every value's location in one file; empty for a file that did not parse.
#[derive(Debug, Default)]
pub(crate) struct Index {
    pub(super) locs: Vec<Loc>,
    /// Children lists of every `Loc`, one after another. An alias's `Loc` shares the anchored
    /// value's list (its children are the anchored text), and a merged entry's `Loc` is the
    /// merged-from entry's, so neither copies anything.
    pub(super) kids: Vec<u32>,
    /// The root value's `Loc`.
    pub(super) root: u32,
    /// Whether the text defines an anchor: a text with parts left out (see `lazy`) is then
    /// read whole, since a left-out anchor of the same name could change what an alias means.
    pub(super) anchors: bool,
}

impl Index {
    /// Moves every offset by `to_file` (an offset, and whether it ends a span): for a file
    /// parsed from a text with parts left out.
    pub(super) fn map_offsets(&mut self, to_file: impl Fn(usize, bool) -> usize) {
        for loc in &mut self.locs {
            let span = loc.span();
            let mapped = to_file(span.start, false)..to_file(span.end, span.end > span.start);
            let key = loc.key();
            *loc = Loc {
                start: offset(mapped.start),
                end: offset(mapped.end.max(mapped.start)),
                ..*loc
            };
            if let Some(key) = key {
                loc.set_key(&(to_file(key.start, false)..to_file(key.end, key.end > key.start)));
            }
        }
    }

    /// The location of the value at `pointer` (RFC 6901, `""` for the root) in `root`, the value
    /// this index was built with. Tokens are read as [`crate::pointer::lookup`] reads them.
    ///
    /// An object's entry is found by hashing (`Map::get`), and its place among the entries,
    /// which names its `Loc`, by comparing addresses: linear, but lookups come per diagnostic
    /// or expression, not per value, and the comparison is cheap.
    pub(crate) fn get(&self, root: &Value, pointer: &str) -> Option<Located> {
        let mut loc = self.locs.get(self.root as usize)?;
        if !pointer.is_empty() {
            let mut here = root;
            for token in pointer.strip_prefix('/')?.split('/') {
                let unescaped;
                let token = if token.contains('~') {
                    unescaped = token.replace("~1", "/").replace("~0", "~");
                    unescaped.as_str()
                } else {
                    token
                };
                let (child, position) = match here {
                    Value::Object(map) => {
                        let child = map.get(token)?;
                        let position = map.values().position(|v| std::ptr::eq(v, child))?;
                        (child, position)
                    }
                    Value::Array(items) => {
                        let i = array_index(token)?;
                        (items.get(i)?, i)
                    }
                    _ => return None,
                };
                let kids = loc.kids();
                let at = self
                    .kids
                    .get(kids.start as usize..kids.end as usize)?
                    .get(position)?;
                loc = self.locs.get(*at as usize)?;
                here = child;
            }
        }
        Some(Located {
            value: loc.span(),
            key: loc.key(),
        })
    }
}
