//! Loading Arazzo and OpenAPI files with a location index.
//!
//! Every file of one generator run goes into one [`Files`]: its text, its value as
//! `serde_json::Value`, and for every value its byte span (and the span of its key), found by
//! JSON pointer, so that any later stage can point a diagnostic at the exact text.

// `Diagnostic` is the crate's one error type; loading errors are rare, so its size costs nothing.
#![allow(clippy::result_large_err)]

mod base;
mod index;
mod lazy;
mod parse;
mod source;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::{fs, io};

use serde_json::Value;

use crate::diagnostic::{Diagnostic, FileId, SourceText, Span};

use index::Index;
use lazy::Wanted;

/// One loaded file.
struct File {
    path: PathBuf,
    text: String,
    value: Value,
    index: Index,
    /// Read from disk (so worth a `cargo::rerun-if-changed`), not given by `add_text`.
    on_disk: bool,
    /// The syntax error, for a file that did not parse; loading it again gives it again.
    error: Option<Diagnostic>,
    /// For a description read without the `paths` entries no operation it was loaded for
    /// names (see `lazy`): what it was loaded for.
    lazy: Option<Wanted>,
}

/// Every file loaded in one generator run.
pub(crate) struct Files {
    maps: Vec<(String, PathBuf)>,
    /// Canonical current directory, for [`Files::display_path`].
    cwd: Option<PathBuf>,
    files: Vec<File>,
    by_path: HashMap<PathBuf, FileId>,
    /// What every source URL and `$ref` file part, keyed by the file it is written in, loaded
    /// to (or why not): filled by [`Files::load_all`], read by [`Files::linked`].
    links: HashMap<(FileId, String), Result<FileId, Diagnostic>>,
}

/// Why a file could not be added.
enum ReadError {
    Io(PathBuf, io::Error),
    Invalid(Diagnostic),
}

static NULL: Value = Value::Null;

impl Files {
    /// `maps`: URL-or-path prefixes remapped to local paths (from `--map FROM=TO`): a source URL
    /// that starts with FROM has that prefix replaced by TO (the longest matching FROM wins; a
    /// relative TO is relative to the current directory).
    pub(crate) fn new(maps: Vec<(String, PathBuf)>) -> Self {
        Self {
            maps,
            cwd: std::env::current_dir()
                .ok()
                .and_then(|d| fs::canonicalize(d).ok()),
            files: Vec::new(),
            by_path: HashMap::new(),
            links: HashMap::new(),
        }
    }

    /// Loads a file by path (relative to the current directory). Each file is loaded once: the
    /// same canonical path gives the same [`FileId`].
    ///
    /// Errors: `cannot-read` (no span) when it cannot be read; `syntax` (at the error) when it is
    /// not valid YAML/JSON; `duplicate-key` for a key given twice in one mapping.
    pub(crate) fn load(&mut self, path: &Path) -> Result<FileId, Diagnostic> {
        self.read(path, None).map_err(|err| match err {
            ReadError::Io(path, err) => Diagnostic::error(
                "cannot-read",
                format!("cannot read `{}`: {err}", path.display()),
            ),
            ReadError::Invalid(diagnostic) => diagnostic,
        })
    }

    /// Loads the Arazzo document at `path` and, before anything reads it, every file it
    /// reaches: its source descriptions (`openapi`, `arazzo`, `asyncapi`, or no type), theirs in
    /// turn, and every file a `$ref` names, depth first in document order. A link that cannot
    /// be loaded is remembered with its diagnostic, which [`Files::linked`] gives to the check
    /// that reads it; only the document itself failing to load is an error here.
    pub(crate) fn load_all(&mut self, path: &Path) -> Result<FileId, Diagnostic> {
        let root = self.load(path)?;
        self.load_links(root);
        self.read_lazy_ones_whole();
        Ok(root)
    }

    /// A description read without some `paths` or schema entries is read whole after all when
    /// something else needs them: another Arazzo document that calls other operations, a `$ref`
    /// into its `paths`, or one that names nothing in what was read. Its newly seen links are
    /// loaded in turn, so this repeats until nothing changes.
    fn read_lazy_ones_whole(&mut self) {
        loop {
            let mut whole = Vec::new();
            for ((from, url), result) in &self.links {
                let Ok(to) = result else { continue };
                let Some(wanted) = self.file(*to).and_then(|f| f.lazy.as_ref()) else {
                    continue;
                };
                let from_value = self.value(*from);
                let other_caller =
                    from_value.get("arazzo").is_some() && Wanted::of(from_value) != *wanted;
                if other_caller || needs_whole(from_value, url, self.value(*to)) {
                    whole.push(*to);
                }
            }
            if whole.is_empty() {
                return;
            }
            // In load order, so that files their links bring get the same ids on every run.
            whole.sort_by_key(|id| id.0);
            whole.dedup();
            for id in whole {
                self.read_whole(id);
            }
        }
    }

    /// Reads a lazily read file again, whole, and loads its links.
    fn read_whole(&mut self, id: FileId) {
        let Some(file) = usize::try_from(id.0)
            .ok()
            .and_then(|i| self.files.get_mut(i))
        else {
            return;
        };
        if file.lazy.take().is_none() {
            return;
        }
        match parse::parse(&file.text, id) {
            Ok((value, index)) => {
                file.value = value;
                file.index = index;
                self.load_links(id);
            }
            Err(diagnostic) => {
                file.value = Value::Null;
                file.index = Index::default();
                file.error = Some(diagnostic.clone());
                for result in self.links.values_mut() {
                    if matches!(result, Ok(to) if *to == id) {
                        *result = Err(diagnostic.clone());
                    }
                }
            }
        }
    }

    /// Depth first with an explicit stack (documents can be deep and link in cycles; each file
    /// is loaded once, so this ends).
    fn load_links(&mut self, root: FileId) {
        let mut stack = vec![self.frame(root)];
        while let Some((from, urls, sources)) = stack.last_mut() {
            let from = *from;
            let Some(url) = urls.next() else {
                stack.pop();
                continue;
            };
            let key = (from, url);
            if self.links.contains_key(&key) {
                continue;
            }
            // A source description of an Arazzo document is read for what the document calls.
            let wanted = sources
                .as_ref()
                .filter(|(urls, _)| urls.contains(&key.1))
                .map(|(_, wanted)| wanted.clone());
            let known = self.files.len();
            let result = self.load_url(from, &key.1, None, wanted.as_ref());
            if let Ok(id) = &result
                && usize::try_from(id.0).is_ok_and(|i| i >= known)
            {
                let frame = self.frame(*id);
                stack.push(frame);
            }
            self.links.insert(key, result);
        }
    }

    /// What `load_links` keeps per file: its links, and for an Arazzo document its source
    /// description URLs and what it calls.
    fn frame(&self, id: FileId) -> LinkFrame {
        let value = self.value(id);
        let sources = value
            .get("arazzo")
            .is_some()
            .then(|| (sources_in(value), Wanted::of(value)));
        (id, links_in(value).into_iter(), sources)
    }

    /// The file that `url`, written in `from` (a source description URL or the file part of a
    /// `$ref`), names: loaded by [`Files::load_all`]. The error is the loading diagnostic,
    /// pointed at `at` (the span of the url value) when it has no place of its own.
    pub(crate) fn linked(
        &self,
        from: FileId,
        url: &str,
        at: Option<Span>,
    ) -> Result<FileId, Diagnostic> {
        match self.links.get(&(from, url.to_owned())) {
            Some(Ok(id)) => Ok(*id),
            Some(Err(d)) if d.span.is_none() => Err(d.clone().at(at)),
            Some(Err(d)) => Err(d.clone()),
            None => Err(Diagnostic::error(
                "internal",
                format!("`{url}` was not loaded with the document"),
            )
            .at(at)
            .help("this is a bug in arazzo-codegen: please report it with the Arazzo document")),
        }
    }

    /// Adds a file from a string (for tests), as if read from `path`. A path already
    /// loaded gives its existing [`FileId`], and `text` is ignored. Errors as for [`Files::load`].
    #[cfg(any(test, feature = "fuzzing"))]
    pub(crate) fn add_text(&mut self, path: PathBuf, text: String) -> Result<FileId, Diagnostic> {
        let key = fs::canonicalize(&path).unwrap_or(path);
        if let Some(id) = self.by_path.get(&key) {
            return self.existing(*id);
        }
        self.insert(key, text, false, None)
    }

    /// Resolves `url` (as written in a `sourceDescription` or in the file part of a `$ref`)
    /// against the directory of file `from`, after applying the maps, and loads it. Absolute
    /// paths and `file://` URLs work; `http(s)://` URLs must be mapped to a local file.
    ///
    /// Errors have code `cannot-load-source` and point at `at` (the span of the url value):
    /// an unmapped `http(s)` URL, a malformed URL, a file that cannot be read. A file that does
    /// not parse gives its own `syntax` diagnostic.
    /// `wanted`: what the Arazzo document whose source description this is calls; a large
    /// description may then be read without the `paths` entries it does not call.
    fn load_url(
        &mut self,
        from: FileId,
        url: &str,
        at: Option<Span>,
        wanted: Option<&Wanted>,
    ) -> Result<FileId, Diagnostic> {
        let base = self.path(from).parent().map(Path::to_path_buf);
        let resolved = base::against_self(self.value(from), self.path(from), url);
        let url = resolved.as_deref().unwrap_or(url);
        let located = source::locate(&self.maps, base.as_deref(), url).map_err(|d| {
            let d = d.at(at);
            match &resolved {
                Some(r) => d.note(format!("resolved against the document's `$self`: `{r}`")),
                None => d,
            }
        })?;
        self.read(&located.path, wanted).map_err(|err| match err {
            ReadError::Io(path, err) => {
                let mut diagnostic = Diagnostic::error(
                    "cannot-load-source",
                    format!("cannot read source `{url}`: {err}"),
                )
                .at(at)
                .label(format!("resolved to `{}`", self.show(&path)));
                if let Some(from) = located.mapped_from {
                    diagnostic = diagnostic.note(format!(
                        "`{from}` is mapped to `{}`",
                        located.mapped_to.display()
                    ));
                }
                diagnostic.help("check the path; a relative path is resolved against the directory of the file that names it")
            }
            ReadError::Invalid(diagnostic) => diagnostic,
        })
    }

    /// The file's value (`null` for an unknown id or a file that did not parse).
    pub(crate) fn value(&self, id: FileId) -> &Value {
        self.file(id).map_or(&NULL, |f| &f.value)
    }

    /// The file's path as loaded: canonical for files read from disk, as given to `add_text`.
    pub(crate) fn path(&self, id: FileId) -> &Path {
        self.file(id).map_or(Path::new(""), |f| &f.path)
    }

    /// The path relative to the current directory when it is inside it, with `/` separators;
    /// otherwise the path as loaded.
    pub(crate) fn display_path(&self, id: FileId) -> String {
        self.show(self.path(id))
    }

    /// A path as diagnostics show it: relative to the current directory (with `..` where
    /// needed, so output does not depend on where the checkout lives), `/`-separated.
    pub(crate) fn show(&self, path: &Path) -> String {
        let path = normalize(path);
        let relative = match &self.cwd {
            Some(cwd) if path.is_absolute() => relative_to(&path, &normalize(cwd)),
            _ => path,
        };
        let shown = relative.to_string_lossy();
        if std::path::MAIN_SEPARATOR == '/' {
            shown.into_owned()
        } else {
            shown.replace(std::path::MAIN_SEPARATOR, "/")
        }
    }

    /// The file's text.
    pub(crate) fn text(&self, id: FileId) -> &str {
        self.file(id).map_or("", |f| &f.text)
    }

    /// The span of the value at `pointer` (an RFC 6901 JSON pointer, `""` for the root): a
    /// scalar's text with its quotes, a block scalar from its `|`/`>`, a collection from its
    /// first to its last character.
    pub(crate) fn span(&self, id: FileId, pointer: &str) -> Option<Span> {
        let file = self.file(id)?;
        let located = file.index.get(&file.value, pointer)?;
        Some(Span {
            file: id,
            start: located.value.start,
            end: located.value.end,
        })
    }

    /// The span of the key of the last pointer token (`None` for array items and the root).
    pub(crate) fn key_span(&self, id: FileId, pointer: &str) -> Option<Span> {
        let file = self.file(id)?;
        let key = file.index.get(&file.value, pointer)?.key?;
        Some(Span {
            file: id,
            start: key.start,
            end: key.end,
        })
    }

    /// 1-based line and column (in characters) of `span.start`; `(1, 1)` for an unknown file.
    #[cfg(test)]
    pub(crate) fn line_col(&self, span: Span) -> (usize, usize) {
        crate::diagnostic::line_col_in(self.text(span.file), span.start)
    }

    /// Resolves a JSON Reference found in file `from`: `#/components/schemas/X` (same file),
    /// `other.yml#/X`, `other.yml` (its root, as [`Files::load_all`] loaded it relative to
    /// `from`'s directory, through the maps). Returns the target file and the JSON pointer,
    /// percent-decoded from the URI fragment but still in RFC 6901 form (`~0`/`~1`), as
    /// [`serde_json::Value::pointer`] and [`Files::span`] take it. `Err` is the loading
    /// diagnostic as [`Files::load_url`] gave it (code, label and help intact) when the file
    /// could not be loaded, else an `unresolved-ref` error saying why the fragment names no value.
    pub(crate) fn resolve_ref(
        &self,
        from: FileId,
        reference: &str,
    ) -> Result<(FileId, String), Diagnostic> {
        let unresolved = |message: String| Diagnostic::error("unresolved-ref", message);
        let (file_part, fragment) = reference.split_once('#').unwrap_or((reference, ""));
        let id = if file_part.is_empty() {
            self.file(from)
                .map(|_| from)
                .ok_or_else(|| unresolved(format!("cannot resolve `{reference}`: unknown file")))?
        } else {
            self.linked(from, file_part, None)?
        };
        let pointer = percent_encoding::percent_decode_str(fragment)
            .decode_utf8()
            .map_err(|_| {
                unresolved(format!(
                    "`#{fragment}` is not valid UTF-8 once percent-decoded"
                ))
            })?
            .into_owned();
        if !pointer.is_empty() && !pointer.starts_with('/') {
            return Err(unresolved(format!(
                "`#{fragment}` is not a JSON pointer: it must be empty or start with `/`"
            )));
        }
        if self.value(id).pointer(&pointer).is_none() {
            return Err(unresolved(format!(
                "`{}` has nothing at `{pointer}`",
                self.display_path(id)
            )));
        }
        Ok((id, pointer))
    }

    /// Every file read from disk so far (for `cargo::rerun-if-changed`), in load order,
    /// including files that did not parse.
    pub(crate) fn paths(&self) -> Vec<&Path> {
        self.files
            .iter()
            .filter(|f| f.on_disk)
            .map(|f| f.path.as_path())
            .collect()
    }

    fn file(&self, id: FileId) -> Option<&File> {
        self.files.get(usize::try_from(id.0).ok()?)
    }

    fn read(&mut self, path: &Path, wanted: Option<&Wanted>) -> Result<FileId, ReadError> {
        let key = fs::canonicalize(path).map_err(|e| ReadError::Io(path.to_path_buf(), e))?;
        if let Some(id) = self.by_path.get(&key) {
            return self.existing(*id).map_err(ReadError::Invalid);
        }
        let bytes = read_regular(&key).map_err(|e| ReadError::Io(path.to_path_buf(), e))?;
        match String::from_utf8(bytes) {
            Ok(text) => self
                .insert(key, text, true, wanted)
                .map_err(ReadError::Invalid),
            Err(e) => Err(ReadError::Invalid(self.insert_not_utf8(key, &e))),
        }
    }

    /// Stores a file that is not UTF-8 (its text with U+FFFD for the bad bytes, so snippets
    /// can show it) and returns the error located at the first bad byte.
    fn insert_not_utf8(&mut self, path: PathBuf, e: &std::string::FromUtf8Error) -> Diagnostic {
        let at = e.utf8_error().valid_up_to();
        let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
        let Ok(number) = u32::try_from(self.files.len()) else {
            return Diagnostic::error("cannot-read", "too many files");
        };
        let id = FileId(number);
        let error = Diagnostic::error(
            "not-utf8",
            format!("the file is not UTF-8: invalid byte at offset {at}"),
        )
        .at(Some(Span {
            file: id,
            start: at,
            end: at + 1,
        }))
        .label("not UTF-8")
        .help("save the file as UTF-8");
        self.files.push(File {
            path: path.clone(),
            text,
            value: Value::Null,
            index: Index::default(),
            on_disk: true,
            error: Some(error.clone()),
            lazy: None,
        });
        self.by_path.insert(path, id);
        error
    }

    fn existing(&self, id: FileId) -> Result<FileId, Diagnostic> {
        match self.file(id).and_then(|f| f.error.clone()) {
            Some(error) => Err(error),
            None => Ok(id),
        }
    }

    /// Parses and stores a new file; a file that does not parse is kept too, so that its
    /// diagnostic can show its text.
    fn insert(
        &mut self,
        path: PathBuf,
        text: String,
        on_disk: bool,
        wanted: Option<&Wanted>,
    ) -> Result<FileId, Diagnostic> {
        let Ok(number) = u32::try_from(self.files.len()) else {
            return Err(Diagnostic::error("cannot-read", "too many files"));
        };
        let id = FileId(number);
        let partial = wanted
            .filter(|_| text.len() >= lazy::LAZY_FROM)
            .and_then(|wanted| Some((read_partially(&text, id, wanted)?, wanted.clone())));
        let (value, index, error, lazy) = match partial {
            Some(((value, index), wanted)) => (value, index, None, Some(wanted)),
            None => match parse::parse(&text, id) {
                Ok((value, index)) => (value, index, None, None),
                Err(diagnostic) => (Value::Null, Index::default(), Some(diagnostic), None),
            },
        };
        self.files.push(File {
            path: path.clone(),
            text,
            value,
            index,
            on_disk,
            error: error.clone(),
            lazy,
        });
        self.by_path.insert(path, id);
        match error {
            Some(error) => Err(error),
            None => Ok(id),
        }
    }
}

impl SourceText for Files {
    fn source(&self, file: FileId) -> Option<(String, &str)> {
        let f = self.file(file)?;
        Some((self.show(&f.path), &f.text))
    }
}

/// `text` without the `paths` entries `wanted` does not name and the schemas nothing kept
/// refers to, parsed, its spans mapped back into `text`; `None` (read it whole) when the text is
/// not in the shape `lazy` reads, or what is left does not parse, defines an anchor, or has a
/// `$ref` into `paths` or one that names nothing in what is left ([`needs_whole`]).
fn read_partially(text: &str, id: FileId, wanted: &Wanted) -> Option<(Value, Index)> {
    let kept = lazy::plan(text, wanted)?;
    let (reduced, map) = lazy::reduce(text, &kept);
    let (value, mut index) = parse::parse(&reduced, id).ok()?;
    if index.anchors || needs_whole(&value, "", &value) {
        return None;
    }
    index.map_offsets(|at, end| lazy::to_file(&map, at, end));
    Some((value, index))
}

/// Files of this size or more are not read: 256 MiB, several times the largest public OpenAPI
/// descriptions (tens of MB), and under the 4 GiB that the location index's `u32` offsets
/// can address.
const MAX_FILE_BYTES: u64 = 256 << 20;

/// The bytes of the regular file at `path`. A path that a document names can be anything:
/// `/dev/zero` would be read until memory ran out, and a FIFO would block forever, so only
/// regular files are read, and none of [`MAX_FILE_BYTES`] or more. The size is checked
/// before reading, and the read stops past it, for files that grow meanwhile and files whose
/// size reads 0 but that give more (`/proc/self/pagemap`).
fn read_regular(path: &Path) -> io::Result<Vec<u8>> {
    use std::io::Read;
    let metadata = fs::metadata(path)?;
    if !metadata.is_file() {
        return Err(io::Error::other(
            "not a regular file (a directory, device or FIFO is not read)",
        ));
    }
    let too_large =
        || io::Error::other("the file is 256 MiB or larger, more than the generator reads");
    if metadata.len() >= MAX_FILE_BYTES {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    fs::File::open(path)?
        .take(MAX_FILE_BYTES)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 >= MAX_FILE_BYTES {
        return Err(too_large());
    }
    Ok(bytes)
}

/// For the `codegen_lazy` fuzz target: whether `text` is read lazily as a large description
/// loaded by an Arazzo document that calls `op1` and the path `/p1` and refers to schema `S1`.
/// A lazy read must hold only what a whole read holds, every value where that read has it.
#[cfg(feature = "fuzzing")]
pub(crate) fn read_lazily(text: &str) -> bool {
    let wanted = Wanted::of(&serde_json::json!([
        {"operationId": "op1"},
        {"operationPath": "{$sourceDescriptions.api.url}#/paths/~1p1/get"},
        "#/components/schemas/S1"
    ]));
    let Some((lazy, _)) = read_partially(text, FileId(0), &wanted) else {
        return false;
    };
    if let Ok((whole, _)) = parse::parse(text, FileId(0)) {
        assert!(
            within(&lazy, &whole),
            "a lazy read holds what the whole read does not"
        );
    }
    true
}

/// Whether every object member of `part` is in `whole` under the same pointer, and every
/// other value equal: what a lazy read must be of the whole one.
#[cfg(any(test, feature = "fuzzing"))]
fn within(part: &Value, whole: &Value) -> bool {
    let mut stack = vec![(part, whole)];
    while let Some((part, whole)) = stack.pop() {
        match (part, whole) {
            (Value::Object(p), Value::Object(w)) => {
                for (key, item) in p {
                    match w.get(key) {
                        Some(other) => stack.push((item, other)),
                        None => return false,
                    }
                }
            }
            _ if part != whole => return false,
            _ => {}
        }
    }
    true
}

/// Whether a lazily read file, whose value as read is `target`, must be read whole for the
/// `$ref`s of `value` that name it as `url` (`""`: `value` is its own): one into its `/paths`,
/// which may name a left-out entry, or one that names nothing in what was read (a left-out
/// schema the scan did not see referred to, or a reference that names nothing in the whole file
/// either, which the whole read then reports).
fn needs_whole(value: &Value, url: &str, target: &Value) -> bool {
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) => {
                if let Some(Value::String(reference)) = map.get("$ref") {
                    let (file, fragment) = reference.split_once('#').unwrap_or((reference, ""));
                    let fragment =
                        percent_encoding::percent_decode_str(fragment).decode_utf8_lossy();
                    if file == url
                        && (fragment.starts_with("/paths") || target.pointer(&fragment).is_none())
                    {
                        return true;
                    }
                }
                stack.extend(map.values());
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    false
}

/// A file being walked by `load_links`: its id, its links to go, and for an Arazzo document
/// its source description URLs and what it calls.
type LinkFrame = (
    FileId,
    std::vec::IntoIter<String>,
    Option<(Vec<String>, Wanted)>,
);

/// The URLs of an Arazzo document's source descriptions of a type this crate reads.
fn sources_in(value: &Value) -> Vec<String> {
    let sources = value.get("sourceDescriptions").and_then(Value::as_array);
    sources
        .into_iter()
        .flatten()
        .filter(|sd| {
            matches!(
                sd.get("type").and_then(Value::as_str),
                None | Some("openapi" | "arazzo" | "asyncapi")
            )
        })
        .filter_map(|sd| sd.get("url").and_then(Value::as_str).map(str::to_owned))
        .collect()
}

/// The URLs in one document that name other files, in document order: an Arazzo document's
/// source descriptions of a type this crate reads, then (in any document) the file part of
/// every `$ref`.
fn links_in(value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if value.get("arazzo").is_some() {
        out = sources_in(value);
    }
    // Preorder, children pushed in reverse so they come out in document order.
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) => {
                if let Some(Value::String(reference)) = map.get("$ref") {
                    let file = reference
                        .split_once('#')
                        .map_or(reference.as_str(), |(f, _)| f);
                    if !file.is_empty() {
                        out.push(file.to_owned());
                    }
                }
                stack.extend(map.values().rev());
            }
            Value::Array(items) => stack.extend(items.iter().rev()),
            _ => {}
        }
    }
    out
}

/// Removes `.` and folds `name/..` without touching the file system (the file may not exist).
fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                let last_is_normal =
                    matches!(out.components().next_back(), Some(Component::Normal(_)));
                if last_is_normal {
                    out.pop();
                } else if !out.has_root() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// `path` relative to `base` (both absolute and normalised): `../specs/x.yml`; `path` itself
/// when the two share nothing but the root (`../../../tmp/x` helps nobody).
fn relative_to(path: &Path, base: &Path) -> PathBuf {
    let mut path_parts = path.components().peekable();
    let mut base_parts = base.components().peekable();
    let mut shared = 0;
    while let (Some(a), Some(b)) = (path_parts.peek(), base_parts.peek()) {
        if a != b {
            break;
        }
        path_parts.next();
        base_parts.next();
        shared += 1;
    }
    if shared <= 1 {
        return path.to_path_buf();
    }
    let mut out = PathBuf::new();
    for _ in base_parts {
        out.push("..");
    }
    for part in path_parts {
        out.push(part.as_os_str());
    }
    out
}

#[cfg(test)]
mod display_tests {
    use super::*;

    #[test]
    fn paths_outside_the_current_directory_use_dot_dot() {
        assert_eq!(
            relative_to(Path::new("/w/main/specs/x.yml"), Path::new("/w/main/crate")),
            PathBuf::from("../specs/x.yml")
        );
        assert_eq!(
            relative_to(Path::new("/w/a.yml"), Path::new("/w")),
            PathBuf::from("a.yml")
        );
        assert_eq!(
            relative_to(Path::new("/tmp/a.yml"), Path::new("/w/x")),
            PathBuf::from("/tmp/a.yml")
        );
        assert_eq!(
            normalize(Path::new("/w/crate/tests/bad/../../../specs/./x.yml")),
            PathBuf::from("/w/specs/x.yml")
        );
        assert_eq!(normalize(Path::new("../a/../b")), PathBuf::from("../b"));
    }
}
