use std::path::{Path, PathBuf};

use serde_json::json;

use super::*;
use crate::pointer::escape_token;

/// A fresh directory under the system temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "arazzo-load-{name}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).unwrap();
        }
        fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn load_str(text: &str) -> (Files, FileId) {
    let mut files = Files::new(Vec::new());
    let id = files
        .add_text(PathBuf::from("mem.yml"), text.to_owned())
        .unwrap();
    (files, id)
}

/// The text of the value at `pointer`.
fn at<'a>(files: &'a Files, id: FileId, pointer: &str) -> &'a str {
    let span = files
        .span(id, pointer)
        .unwrap_or_else(|| panic!("no span for {pointer:?}"));
    &files.text(id)[span.start..span.end]
}

fn key_at<'a>(files: &'a Files, id: FileId, pointer: &str) -> &'a str {
    let span = files
        .key_span(id, pointer)
        .unwrap_or_else(|| panic!("no key span for {pointer:?}"));
    &files.text(id)[span.start..span.end]
}

fn error_of(text: &str) -> (Files, Diagnostic) {
    let mut files = Files::new(Vec::new());
    let err = files
        .add_text(PathBuf::from("bad.yml"), text.to_owned())
        .unwrap_err();
    (files, err)
}

fn err_line_col(text: &str) -> (&'static str, (usize, usize)) {
    let (files, err) = error_of(text);
    (err.code, files.line_col(err.span.unwrap()))
}

#[test]
fn block_yaml_values_and_spans() {
    let (files, id) = load_str(
        "arazzo: 1.0.1\ninfo:\n  title: Demo\n  version: \"1\"\nsteps:\n  - stepId: a\n    n: 3\n  - x\n",
    );
    assert_eq!(
        files.value(id),
        &json!({"arazzo": "1.0.1", "info": {"title": "Demo", "version": "1"},
                "steps": [{"stepId": "a", "n": 3}, "x"]})
    );
    assert_eq!(at(&files, id, "/arazzo"), "1.0.1");
    assert_eq!(key_at(&files, id, "/arazzo"), "arazzo");
    assert_eq!(at(&files, id, "/info/version"), "\"1\"");
    assert_eq!(at(&files, id, "/info"), "title: Demo\n  version: \"1\"");
    assert_eq!(at(&files, id, "/steps/0/stepId"), "a");
    assert_eq!(at(&files, id, "/steps/1"), "x");
    assert_eq!(files.key_span(id, "/steps/1"), None);
    assert_eq!(files.key_span(id, ""), None);
    assert!(at(&files, id, "/steps").starts_with("- stepId: a"));
    assert!(at(&files, id, "").starts_with("arazzo"));
    let span = files.span(id, "/steps/0/n").unwrap();
    assert_eq!(files.line_col(span), (7, 8));
    assert_eq!(files.span(id, "/nope"), None);
}

#[test]
fn flow_yaml_spans() {
    let (files, id) = load_str("{a: [1, 2], b: {c: d}}");
    assert_eq!(files.value(id), &json!({"a": [1, 2], "b": {"c": "d"}}));
    assert_eq!(at(&files, id, ""), "{a: [1, 2], b: {c: d}}");
    assert_eq!(at(&files, id, "/a"), "[1, 2]");
    assert_eq!(at(&files, id, "/a/1"), "2");
    assert_eq!(at(&files, id, "/b"), "{c: d}");
    assert_eq!(key_at(&files, id, "/b/c"), "c");
}

#[test]
fn multi_line_and_quoted_scalars() {
    let text =
        "a: |\n  x\n  y\n\nb: >-\n  p\n  q\nc: 'it''s'\nd: \"tab\\t\"\ne: plain\n  wrapped\nf:\n";
    let (files, id) = load_str(text);
    assert_eq!(
        files.value(id),
        &json!({"a": "x\ny\n", "b": "p q", "c": "it's", "d": "tab\t", "e": "plain wrapped", "f": null})
    );
    assert_eq!(at(&files, id, "/a"), "|\n  x\n  y");
    assert_eq!(at(&files, id, "/b"), ">-\n  p\n  q");
    assert_eq!(at(&files, id, "/c"), "'it''s'");
    assert_eq!(at(&files, id, "/d"), "\"tab\\t\"");
    assert_eq!(at(&files, id, "/e"), "plain\n  wrapped");
    assert_eq!(at(&files, id, "/f"), "");
    assert_eq!(files.line_col(files.span(id, "/b").unwrap()), (5, 4));
}

#[test]
fn block_scalar_header_with_comment_and_in_sequence() {
    let (files, id) = load_str("list:\n  - |- # note | here\n    one\n  - >\n    two\n");
    assert_eq!(files.value(id), &json!({"list": ["one", "two\n"]}));
    assert_eq!(at(&files, id, "/list/0"), "|- # note | here\n    one");
    assert_eq!(at(&files, id, "/list/1"), ">\n    two");
}

#[test]
fn core_schema_scalars() {
    let (files, id) = load_str(
        "a: 12\nb: -3\nc: 1.5\nd: 1e3\ne: true\nf: ~\ng: 0x1F\nh: 0o17\ni: \"12\"\nj: !!str 12\nk: yes\nl: 1.2.3\nm: 18446744073709551615\nn: .5\n200: ok\n",
    );
    assert_eq!(
        files.value(id),
        &json!({"a": 12, "b": -3, "c": 1.5, "d": 1000.0, "e": true, "f": null, "g": 31, "h": 15,
                "i": "12", "j": "12", "k": "yes", "l": "1.2.3", "m": 18446744073709551615u64,
                "n": 0.5, "200": "ok"})
    );
    assert_eq!(at(&files, id, "/j"), "12");
    assert_eq!(key_at(&files, id, "/200"), "200");
}

#[test]
fn json_file_spans() {
    let dir = TempDir::new("json");
    let path = dir.write(
        "api.json",
        "{\n\t\"openapi\": \"3.1.0\",\n\t\"paths\": {\n\t\t\"/users/{id}\": {\"get\": {\"operationId\": \"getUser\"}}\n\t},\n\t\"n\": [1.5, -2, null, false]\n}\n",
    );
    let mut files = Files::new(Vec::new());
    let id = files.load(&path).unwrap();
    assert_eq!(
        files.value(id)["paths"]["/users/{id}"]["get"]["operationId"],
        json!("getUser")
    );
    assert_eq!(files.value(id)["n"], json!([1.5, -2, null, false]));
    let op = "/paths/~1users~1{id}/get/operationId";
    assert_eq!(at(&files, id, op), "\"getUser\"");
    assert_eq!(key_at(&files, id, op), "\"operationId\"");
    assert_eq!(
        key_at(&files, id, "/paths/~1users~1{id}"),
        "\"/users/{id}\""
    );
    assert_eq!(files.line_col(files.span(id, op).unwrap()), (4, 42));
    assert_eq!(files.paths(), vec![files.path(id)]);
}

#[test]
fn keys_with_slash_and_tilde() {
    let (files, id) = load_str("\"a/b\": 1\n\"c~d\": {\"~/\": x}\n");
    assert_eq!(escape_token("c~d"), "c~0d");
    assert_eq!(escape_token("~/"), "~0~1");
    assert_eq!(at(&files, id, "/a~1b"), "1");
    assert_eq!(at(&files, id, "/c~0d/~0~1"), "x");
    assert_eq!(files.value(id).pointer("/c~0d/~0~1"), Some(&json!("x")));
}

#[test]
fn anchors_aliases_and_merge_keys() {
    let text = "base: &base\n  a: 1\n  b: 2\nlist: &l [x, y]\ncopy: *l\nderived:\n  <<: *base\n  b: 3\nmulti:\n  <<: [{k: 1}, {k: 2, m: 2}]\nq:\n  \"<<\": literal\nanchored: &s \"str\"\n";
    let (files, id) = load_str(text);
    assert_eq!(
        files.value(id),
        &json!({"base": {"a": 1, "b": 2}, "list": ["x", "y"], "copy": ["x", "y"],
                "derived": {"a": 1, "b": 3}, "multi": {"k": 1, "m": 2}, "q": {"<<": "literal"},
                "anchored": "str"})
    );
    assert_eq!(at(&files, id, "/copy"), "*l");
    // An aliased value's children point into the anchored node.
    assert_eq!(files.span(id, "/copy/1"), files.span(id, "/list/1"));
    assert_eq!(at(&files, id, "/list"), "[x, y]");
    assert_eq!(at(&files, id, "/base"), "a: 1\n  b: 2");
    assert_eq!(files.span(id, "/derived/a"), files.span(id, "/base/a"));
    assert_eq!(at(&files, id, "/derived/b"), "3");
    assert_eq!(at(&files, id, "/anchored"), "\"str\"");
    let keys: Vec<&String> = files.value(id)["derived"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(keys, ["a", "b"]);
}

#[test]
fn recursive_alias_and_alias_bombs_are_refused() {
    let (_, err) = error_of("a: &a [*a]\n");
    assert_eq!(err.code, "syntax");
    assert!(err.message.contains("contains it"), "{}", err.message);
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..9 {
        let prev = i - 1;
        bomb.push_str(&format!(
            "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
        ));
    }
    let (_, err) = error_of(&bomb);
    assert!(err.message.contains("expand"), "{}", err.message);
    // The parser refuses deep nesting itself; aliases can nest deeper still, which we refuse.
    let deep = format!("{}{}", "[".repeat(300), "]".repeat(300));
    assert_eq!(error_of(&deep).1.code, "syntax");
    let mut chain = String::from("a0: &a0 [x]\n");
    for i in 1..300 {
        chain.push_str(&format!("a{i}: &a{i} [*a{}]\n", i - 1));
    }
    let (_, err) = error_of(&chain);
    assert!(err.message.contains("levels deep"), "{}", err.message);
}

#[test]
fn merge_of_a_scalar_is_an_error() {
    let (files, err) = error_of("x: &x 1\ny:\n  <<: *x\n");
    assert_eq!(err.code, "syntax");
    assert_eq!(files.line_col(err.span.unwrap()), (3, 7));
}

#[test]
fn syntax_errors_point_at_the_problem() {
    assert_eq!(err_line_col("a: 1\nb: [1, 2\nc: 3\n"), ("syntax", (3, 2)));
    assert_eq!(err_line_col("a:\n\tb: 1\n"), ("syntax", (2, 2)));
    assert_eq!(err_line_col("a: b: c\n"), ("syntax", (1, 5)));
    assert_eq!(err_line_col("x: 1\ny: *nope\n"), ("syntax", (2, 4)));
    assert_eq!(err_line_col("{\"a\": 1,, }"), ("syntax", (1, 9)));
    let (_, err) = error_of("a: b: c\n");
    assert_eq!(err.label, "unexpected `:`");
    assert!(err.help.is_some());
}

#[test]
fn syntax_error_in_non_ascii_text_counts_characters() {
    let (files, err) = error_of("é: ü\nb: c: d\n");
    let span = err.span.unwrap();
    assert_eq!(files.line_col(span), (2, 5));
    assert_eq!(&files.text(span.file)[span.start..], ": d\n");
}

#[test]
fn second_document_and_complex_keys_are_errors() {
    assert_eq!(err_line_col("a: 1\n---\nb: 2\n"), ("syntax", (2, 1)));
    assert_eq!(err_line_col("? [a]\n: b\n"), ("syntax", (1, 3)));
}

#[test]
fn duplicate_keys_are_errors() {
    let (files, err) = error_of("a: 1\nb:\n  c: 1\n  c: 2\n");
    assert_eq!(err.code, "duplicate-key");
    assert_eq!(err.message, "duplicate key `c`");
    assert_eq!(err.label, "`c` is already defined on line 3");
    assert_eq!(files.line_col(err.span.unwrap()), (4, 3));
    let (_, err) = error_of("{\"a\": 1, \"a\": 2}");
    assert_eq!(err.code, "duplicate-key");
}

#[test]
fn empty_file_is_null() {
    let (files, id) = load_str("");
    assert_eq!(files.value(id), &Value::Null);
    assert_eq!(
        files.span(id, ""),
        Some(Span {
            file: id,
            start: 0,
            end: 0
        })
    );
}

#[test]
fn bom_and_non_ascii_spans_are_bytes() {
    let (files, id) = load_str("\u{feff}title: Grüße\nnext: \"é\"\n");
    assert_eq!(at(&files, id, "/title"), "Grüße");
    assert_eq!(at(&files, id, "/next"), "\"é\"");
    assert_eq!(files.line_col(files.span(id, "/next").unwrap()), (2, 7));
}

#[test]
fn cannot_read_has_no_span() {
    let mut files = Files::new(Vec::new());
    let err = files
        .load(Path::new("/definitely/not/here.yml"))
        .unwrap_err();
    assert_eq!(err.code, "cannot-read");
    assert_eq!(err.span, None);
    assert!(files.paths().is_empty());
}

#[test]
fn loads_each_file_once_and_keeps_syntax_errors() {
    let dir = TempDir::new("once");
    let good = dir.write("a.yml", "x: 1\n");
    dir.write("sub/b.yml", "y: [\n");
    let mut files = Files::new(Vec::new());
    let id = files.load(&good).unwrap();
    let again = files.load(&dir.0.join("sub/../a.yml")).unwrap();
    assert_eq!(id, again);
    let first = files.load(&dir.0.join("sub/b.yml")).unwrap_err();
    let second = files.load(&dir.0.join("sub/b.yml")).unwrap_err();
    assert_eq!(first, second);
    assert_eq!(first.code, "syntax");
    assert_eq!(files.paths().len(), 2);
    assert!(files.paths()[1].ends_with("sub/b.yml"));
}

#[test]
fn refs_into_other_files() {
    let dir = TempDir::new("refs");
    let main = dir.write(
        "specs/main.yml",
        "components:\n  schemas:\n    Local: {type: string}\n    Far:\n      $ref: '../shared/common.yml#/components/schemas/Thing'\n    Gone: {$ref: 'gone.yml#/x'}\n",
    );
    dir.write(
        "shared/common.yml",
        "components:\n  schemas:\n    Thing:\n      type: object\n    \"a/b\": {type: string}\n",
    );
    let mut files = Files::new(Vec::new());
    let id = files.load_all(&main).unwrap();
    assert_eq!(
        files.resolve_ref(id, "#/components/schemas/Local"),
        Ok((id, "/components/schemas/Local".to_owned()))
    );
    let (other, pointer) = files
        .resolve_ref(id, "../shared/common.yml#/components/schemas/Thing")
        .unwrap();
    assert_ne!(other, id);
    assert_eq!(pointer, "/components/schemas/Thing");
    assert_eq!(
        files.value(other).pointer(&pointer),
        Some(&json!({"type": "object"}))
    );
    assert_eq!(at(&files, other, &pointer), "type: object");
    // Percent-encoded fragments are decoded to a JSON pointer.
    let (_, pointer) = files
        .resolve_ref(id, "../shared/common.yml#/components/schemas/a~1b")
        .unwrap();
    assert_eq!(pointer, "/components/schemas/a~1b");
    let (_, pointer) = files
        .resolve_ref(id, "../shared/common.yml#%2Fcomponents/schemas")
        .unwrap();
    assert_eq!(pointer, "/components/schemas");
    let (root, pointer) = files.resolve_ref(id, "../shared/common.yml").unwrap();
    assert_eq!((root, pointer.as_str()), (other, ""));
    assert_eq!(files.paths().len(), 2);

    let missing = files
        .resolve_ref(id, "#/components/schemas/Nope")
        .unwrap_err();
    assert_eq!(missing.code, "unresolved-ref");
    assert!(
        missing.message.contains("/components/schemas/Nope"),
        "{missing:?}"
    );
    // A file that cannot be loaded gives the loader's own diagnostic, help included.
    let no_file = files.resolve_ref(id, "gone.yml#/x").unwrap_err();
    assert_eq!(no_file.code, "cannot-load-source");
    assert!(no_file.message.contains("gone.yml"), "{no_file:?}");
    assert!(no_file.help.is_some(), "{no_file:?}");
    // A file no link of the document names was not loaded: a bug, said as one.
    let unlinked = files.resolve_ref(id, "other.yml#/x").unwrap_err();
    assert_eq!(unlinked.code, "internal");
    let not_pointer = files.resolve_ref(id, "#components").unwrap_err();
    assert!(
        not_pointer.message.contains("not a JSON pointer"),
        "{not_pointer:?}"
    );
}

#[test]
fn load_url_paths_and_file_urls() {
    let dir = TempDir::new("urls");
    let main = dir.write("specs/arazzo/flow.yml", "x: 1\n");
    let api = dir.write("specs/openapi/api.yml", "openapi: 3.1.0\n");
    let mut files = Files::new(Vec::new());
    let from = files.load(&main).unwrap();
    let rel = files
        .load_url(from, "../openapi/api.yml", None, None)
        .unwrap();
    let abs = files
        .load_url(from, api.to_str().unwrap(), None, None)
        .unwrap();
    let file_url = url::Url::from_file_path(fs::canonicalize(&api).unwrap()).unwrap();
    let by_url = files.load_url(from, file_url.as_str(), None, None).unwrap();
    assert_eq!(rel, abs);
    assert_eq!(rel, by_url);
    assert_eq!(files.value(rel), &json!({"openapi": "3.1.0"}));

    let at = files.span(from, "/x");
    let err = files.load_url(from, "missing.yml", at, None).unwrap_err();
    assert_eq!(err.code, "cannot-load-source");
    assert_eq!(err.span, at);
}

/// A document can name any path; only regular files under the size limit are read, so naming
/// `/dev/zero` (read until memory runs out), a directory or a huge file fails at once, at the URL.
#[test]
fn only_regular_files_are_read() {
    let dir = TempDir::new("regular");
    let main = dir.write("flow.yml", "x: 1\n");
    dir.write("sub/api.yml", "openapi: 3.1.0\n");
    let mut files = Files::new(Vec::new());
    let from = files.load(&main).unwrap();
    let at = files.span(from, "/x");
    let mut named = vec!["sub"];
    if cfg!(unix) {
        named.push("/dev/zero");
    }
    for url in named {
        let err = files.load_url(from, url, at, None).unwrap_err();
        assert_eq!(err.code, "cannot-load-source", "{url}");
        assert!(err.message.contains("not a regular file"), "{err:?}");
        assert_eq!(err.span, at);
    }
    let err = files.load(&dir.0.join("sub")).unwrap_err();
    assert_eq!(err.code, "cannot-read");
    assert!(err.message.contains("not a regular file"), "{err:?}");
    // A sparse file past the limit: refused from its size, without reading it.
    let large = dir.write("large.yml", "");
    fs::File::options()
        .write(true)
        .open(&large)
        .unwrap()
        .set_len(MAX_FILE_BYTES)
        .unwrap();
    let err = files.load_url(from, "large.yml", at, None).unwrap_err();
    assert!(err.message.contains("256 MiB or larger"), "{err:?}");
    assert_eq!(
        files.paths(),
        vec![fs::canonicalize(&main).unwrap().as_path()]
    );
}

#[test]
fn remote_and_malformed_urls() {
    let mut files = Files::new(Vec::new());
    let from = files
        .add_text(PathBuf::from("flow.yml"), "url: x\n".to_owned())
        .unwrap();
    let at = files.span(from, "/url");
    let err = files
        .load_url(from, "https://example.com/openapi.yml", at, None)
        .unwrap_err();
    assert_eq!(err.code, "cannot-load-source");
    assert_eq!(err.span, at);
    assert!(
        err.message.contains("cannot be fetched at build time"),
        "{}",
        err.message
    );
    let help = err.help.unwrap();
    assert!(
        help.contains("--map https://example.com/openapi.yml=<local path>"),
        "{help}"
    );
    assert!(help.contains("Builder::map"), "{help}");

    let err = files
        .load_url(from, "hhttps://example.com/openapi.yml", at, None)
        .unwrap_err();
    assert_eq!(err.code, "cannot-load-source");
    assert!(
        err.message.contains("is not a valid URL"),
        "{}",
        err.message
    );
    let err = files
        .load_url(from, "https://exa mple.com/x.yml", None, None)
        .unwrap_err();
    assert!(
        err.message.contains("is not a valid URL"),
        "{}",
        err.message
    );
}

#[test]
fn maps_replace_url_prefixes() {
    let dir = TempDir::new("maps");
    let local = dir.write("local/openapi.yml", "openapi: 3.1.0\n");
    dir.write("local/v2/openapi.yml", "openapi: 3.2.0\n");
    let mut files = Files::new(vec![
        (
            "https://example.com/specs/".to_owned(),
            dir.0.join("local/"),
        ),
        (
            "https://example.com/specs/v2/".to_owned(),
            dir.0.join("local/v2/"),
        ),
        ("../openapi/exact.yml".to_owned(), local.clone()),
    ]);
    let from = files
        .add_text(dir.0.join("flow.yml"), "x: 1\n".to_owned())
        .unwrap();
    let id = files
        .load_url(from, "https://example.com/specs/openapi.yml", None, None)
        .unwrap();
    assert_eq!(files.value(id), &json!({"openapi": "3.1.0"}));
    let v2 = files
        .load_url(from, "https://example.com/specs/v2/openapi.yml", None, None)
        .unwrap();
    assert_eq!(files.value(v2), &json!({"openapi": "3.2.0"}));
    let exact = files
        .load_url(from, "../openapi/exact.yml", None, None)
        .unwrap();
    assert_eq!(exact, id);
    // In-memory files are not on disk, so only the two real files need watching.
    assert_eq!(files.paths().len(), 2);

    let err = files
        .load_url(from, "https://example.com/specs/missing.yml", None, None)
        .unwrap_err();
    assert_eq!(err.code, "cannot-load-source");
    assert!(err.notes[0].contains("is mapped to"), "{:?}", err.notes);
}

#[test]
fn display_path_is_relative_to_the_current_dir() {
    let cwd = fs::canonicalize(std::env::current_dir().unwrap()).unwrap();
    let mut files = Files::new(Vec::new());
    let inside = files
        .add_text(cwd.join("specs/x.arazzo.yml"), "a: 1\n".to_owned())
        .unwrap();
    assert_eq!(files.display_path(inside), "specs/x.arazzo.yml");
    let outside = files
        .add_text(PathBuf::from("/elsewhere/y.yml"), "a: 1\n".to_owned())
        .unwrap();
    assert_eq!(files.display_path(outside), "/elsewhere/y.yml");
    let relative = files
        .add_text(PathBuf::from("rel/z.yml"), "a: 1\n".to_owned())
        .unwrap();
    assert_eq!(files.display_path(relative), "rel/z.yml");
    assert_eq!(files.path(relative), Path::new("rel/z.yml"));
}

#[test]
fn add_text_twice_gives_the_same_file() {
    let mut files = Files::new(Vec::new());
    let a = files
        .add_text(PathBuf::from("m.yml"), "a: 1\n".to_owned())
        .unwrap();
    let b = files
        .add_text(PathBuf::from("m.yml"), "b: 2\n".to_owned())
        .unwrap();
    assert_eq!(a, b);
    assert_eq!(files.value(a), &json!({"a": 1}));
}

/// Every value of `value` has an index entry, and its span starts where its text does.
fn check_index(files: &Files, id: FileId, value: &Value, pointer: &str) {
    let span = files
        .span(id, pointer)
        .unwrap_or_else(|| panic!("no span for {pointer:?}"));
    let text = &files.text(id)[span.start..span.end];
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                let child = format!("{pointer}/{}", escape_token(key));
                assert!(
                    files.key_span(id, &child).is_some(),
                    "no key span for {child:?}"
                );
                check_index(files, id, item, &child);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                check_index(files, id, item, &format!("{pointer}/{i}"));
            }
        }
        Value::String(s) if !s.contains(['\n', '\\', '\'', '"']) && !s.is_empty() => {
            let first = s.split(' ').next().unwrap_or_default();
            assert!(
                text.trim_start_matches(['"', '\'']).starts_with(first)
                    || text.starts_with(['|', '>', '*']),
                "{pointer}: {text:?} vs {s:?}"
            );
        }
        _ => {}
    }
}

#[test]
fn repository_specs_match_yaml_serde_and_are_fully_indexed() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs");
    for rel in [
        "openapi/microsoft-azure-web-pubsub-openapi.yml",
        "arazzo/generate-token-then-broadcast.arazzo.yml",
    ] {
        let path = root.join(rel);
        let mut files = Files::new(Vec::new());
        let id = files.load(&path).unwrap();
        let expected: Value = serde_yaml::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(files.value(id), &expected, "{rel}");
        check_index(&files, id, files.value(id), "");
    }
}

#[test]
fn json_surrogate_pairs_are_decoded_and_spans_kept() {
    let (files, id) =
        load_str("{\"a\": \"x\\ud83d\\ude00y\", \"b\": \"\\\\ud83d\\\\ude00\", \"c\": 1}");
    assert_eq!(files.value(id)["a"], json!("x\u{1F600}y"));
    assert_eq!(files.value(id)["b"], json!("\\ud83d\\ude00"));
    assert_eq!(at(&files, id, "/a"), "\"x\\ud83d\\ude00y\"");
    assert_eq!(at(&files, id, "/c"), "1");
    // In YAML, outside JSON, the same text stays an error rather than being rewritten.
    let (_, err) = error_of("a: \"\\ud83d\\ude00\"\nb: 'x'\nc: [\n");
    assert_eq!(err.code, "syntax");
}

#[test]
fn load_all_reads_every_linked_file_first_depth_first() {
    let dir = TempDir::new("all");
    let main = dir.write(
        "flows/main.arazzo.yml",
        "arazzo: 1.0.1\nsourceDescriptions:\n  - {name: api, url: ../apis/api.yml, type: openapi}\n  - {name: child, url: child.arazzo.yml, type: arazzo}\n  - {name: gone, url: missing.yml}\n  - {name: other, url: ../apis/graph.yml, type: graphql}\n",
    );
    dir.write(
        "apis/api.yml",
        "paths:\n  /a:\n    $ref: 'shared/paths.yml#/A'\n",
    );
    dir.write("apis/shared/paths.yml", "A: {get: {}}\n");
    dir.write("apis/graph.yml", "x: 1\n");
    dir.write(
        "flows/child.arazzo.yml",
        "arazzo: 1.0.1\nsourceDescriptions:\n  - {name: api, url: ../apis/api.yml}\n  - {name: main, url: main.arazzo.yml, type: arazzo}\n",
    );
    let mut files = Files::new(Vec::new());
    let root = files.load_all(&main).unwrap();
    let names: Vec<String> = files
        .paths()
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    // The OpenAPI file's own `$ref` target comes before the next source; a cycle of Arazzo
    // sources ends; a source of an unknown type is not read.
    assert_eq!(
        names,
        [
            "main.arazzo.yml",
            "api.yml",
            "paths.yml",
            "child.arazzo.yml"
        ]
    );
    let api = files.linked(root, "../apis/api.yml", None).unwrap();
    assert_eq!(
        files.resolve_ref(api, "shared/paths.yml#/A").unwrap().1,
        "/A"
    );
    let at = files.span(root, "/sourceDescriptions/2/url");
    let gone = files.linked(root, "missing.yml", at).unwrap_err();
    assert_eq!((gone.code, gone.span), ("cannot-load-source", at));
}

#[test]
fn a_relative_source_url_resolves_against_self_and_through_the_maps() {
    // Appendix B "Base URI Within Content": the file lives elsewhere than its `$self`; the
    // identity URL is supplied from a local folder by a map.
    let dir = TempDir::new("self-base");
    let doc = dir.write(
        "checkout/flows/purchase.arazzo.yaml",
        "arazzo: 1.1.0\n$self: https://api.example.com/workflows/purchase.arazzo.yaml\nsourceDescriptions:\n  - name: petstore\n    url: ../specs/petstore.yaml\n",
    );
    dir.write("mirror/specs/petstore.yaml", "openapi: 3.0.3\n");
    // Next to the file, where the retrieval URI would point: must not be read.
    dir.write("checkout/specs/petstore.yaml", "openapi: wrong\n");
    let mut mirror = dir.0.join("mirror").into_os_string();
    mirror.push("/");
    let mut files = Files::new(vec![(
        "https://api.example.com/".to_owned(),
        PathBuf::from(mirror),
    )]);
    let root = files.load_all(&doc).unwrap();
    let source = files.linked(root, "../specs/petstore.yaml", None).unwrap();
    assert_eq!(files.value(source), &json!({"openapi": "3.0.3"}));

    // Without the map the identity URL is named in the error.
    let mut files = Files::new(Vec::new());
    let root = files.load_all(&doc).unwrap();
    let err = files
        .linked(root, "../specs/petstore.yaml", None)
        .unwrap_err();
    assert_eq!(err.code, "cannot-load-source");
    assert!(
        err.message
            .contains("https://api.example.com/specs/petstore.yaml"),
        "{}",
        err.message
    );
}

#[test]
fn merged_entries_and_alias_keys_keep_their_own_spans() {
    let text = "a: &a {x: 1}\nb: &b {y: 2, x: 3}\nc:\n  z: 0\n  <<: [*a, *b]\n  w: 1\n&k key: 4\nd:\n  *k : 5\n";
    let (files, id) = load_str(text);
    assert_eq!(
        files.value(id),
        &json!({"a": {"x": 1}, "b": {"y": 2, "x": 3}, "c": {"z": 0, "x": 1, "y": 2, "w": 1},
                "key": 4, "d": {"key": 5}})
    );
    let keys: Vec<&String> = files.value(id)["c"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["z", "x", "y", "w"]);
    // Merged entries point where they are written (earlier sources win), explicit ones in place.
    assert_eq!(files.span(id, "/c/x"), files.span(id, "/a/x"));
    assert_eq!(files.key_span(id, "/c/y"), files.key_span(id, "/b/y"));
    assert_eq!(at(&files, id, "/c/w"), "1");
    assert_eq!(key_at(&files, id, "/c/w"), "w");
    // An alias used as a key: the key is the anchored scalar's text, its span the alias.
    assert_eq!(key_at(&files, id, "/d/key"), "*k");
    assert_eq!(at(&files, id, "/d/key"), "5");
    check_index(&files, id, files.value(id), "");
}

#[test]
fn duplicate_keys_name_the_first_one_also_beside_merges_and_aliases() {
    let (files, err) = error_of("a: &a {x: 1}\nc:\n  x: 1\n  <<: *a\n  x: 2\n");
    assert_eq!(err.code, "duplicate-key");
    assert_eq!(err.label, "`x` is already defined on line 3");
    assert_eq!(files.line_col(err.span.unwrap()), (5, 3));
    let (files, err) = error_of("&k key: 1\nother: 2\n*k : 3\n");
    assert_eq!(err.message, "duplicate key `key`");
    assert_eq!(err.label, "`key` is already defined on line 1");
    assert_eq!(files.line_col(err.span.unwrap()), (3, 1));
    let (_, err) = error_of("a: &a [1]\n*a : 2\n");
    assert_eq!(err.message, "a mapping key must be a string");
}

#[test]
fn pointers_are_read_as_lookup_reads_them() {
    let (files, id) = load_str("e: [a, b, c]\n\"01\": x\n");
    assert_eq!(at(&files, id, "/e/2"), "c");
    assert_eq!(at(&files, id, "/01"), "x");
    for pointer in ["/e/02", "/e/-", "/e/3", "/e/+1", "e", "/e/0/x", "/nope/x"] {
        assert_eq!(files.span(id, pointer), None, "{pointer}");
    }
    // A large mapping: every entry is found at its place.
    let mut big = String::new();
    for i in 0..2000 {
        big.push_str(&format!("k{i}: {i}\n"));
    }
    let (files, id) = load_str(&big);
    assert_eq!(at(&files, id, "/k1999"), "1999");
    assert_eq!(key_at(&files, id, "/k0"), "k0");
    check_index(&files, id, files.value(id), "");
}

#[test]
fn surrogate_pairs_in_a_top_level_json_string_and_after_white_space() {
    let (files, id) = load_str("\"\\ud83d\\ude00\"");
    assert_eq!(files.value(id), &json!("\u{1F600}"));
    assert_eq!(at(&files, id, ""), "\"\\ud83d\\ude00\"");
    let (files, id) = load_str("\n  [\"\\ud83d\\ude00\"]");
    assert_eq!(files.value(id), &json!(["\u{1F600}"]));
    assert_eq!(at(&files, id, "/0"), "\"\\ud83d\\ude00\"");
}

/// An OpenAPI description of `entries` paths `/pN` (operationId `opN`), larger than
/// `lazy::LAZY_FROM`, with `extra` appended to entry 3's operation.
fn big_openapi(entries: usize, extra: &str) -> String {
    let mut text = String::from("openapi: 3.1.0\ninfo:\n  title: big\n  version: '1'\npaths:\n");
    for i in 0..entries {
        text.push_str(&format!(
            "  /p{i}:\n    # entry {i}\n    get:\n      operationId: op{i}\n      description: \"{}\"\n      responses:\n        '200':\n          $ref: '#/components/responses/Ok'\n",
            "padding ".repeat(100)
        ));
        if i == 3 {
            text.push_str(extra);
        }
    }
    text.push_str("components:\n  responses:\n    Ok:\n      description: fine\n");
    text
}

fn arazzo_calling(steps: &str) -> String {
    format!(
        "arazzo: 1.0.1\ninfo: {{title: t, version: '1'}}\nsourceDescriptions:\n  - {{name: api, url: api.yml, type: openapi}}\nworkflows:\n  - workflowId: w\n    steps:\n{steps}"
    )
}

/// Loads `doc` and `api` from a fresh directory; the OpenAPI file's id and its paths' keys.
fn load_pair(name: &str, doc: &str, api: &str) -> (Files, FileId, Vec<String>, TempDir) {
    let dir = TempDir::new(name);
    let main = dir.write("doc.arazzo.yml", doc);
    dir.write("api.yml", api);
    let mut files = Files::new(Vec::new());
    let root = files.load_all(&main).unwrap();
    let id = files.linked(root, "api.yml", None).unwrap();
    let keys = files.value(id)["paths"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    (files, id, keys, dir)
}

/// Every value of `value` has the same span and key span in `lazy` as in `whole`.
fn same_spans(lazy: (&Files, FileId), whole: (&Files, FileId), value: &Value, pointer: &str) {
    let range = |s: Option<Span>| s.map(|s| s.start..s.end);
    assert_eq!(
        range(lazy.0.span(lazy.1, pointer)),
        range(whole.0.span(whole.1, pointer)),
        "{pointer}"
    );
    assert_eq!(
        range(lazy.0.key_span(lazy.1, pointer)),
        range(whole.0.key_span(whole.1, pointer)),
        "{pointer}"
    );
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                same_spans(
                    lazy,
                    whole,
                    item,
                    &format!("{pointer}/{}", escape_token(key)),
                );
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                same_spans(lazy, whole, item, &format!("{pointer}/{i}"));
            }
        }
        _ => {}
    }
}

#[test]
fn a_large_description_is_read_without_the_paths_no_step_calls() {
    let api = big_openapi(400, "");
    assert!(api.len() >= lazy::LAZY_FROM);
    let doc = arazzo_calling(
        "      - {stepId: a, operationId: op5}\n      - {stepId: b, operationId: '$sourceDescriptions.api.op399'}\n      - {stepId: c, operationPath: '{$sourceDescriptions.api.url}#/paths/~1p7/get'}\n",
    );
    let (files, id, keys, _dir) = load_pair("lazy", &doc, &api);
    assert_eq!(keys, ["/p0", "/p5", "/p7", "/p399"]);
    assert_eq!(
        files.value(id)["components"]["responses"]["Ok"]["description"],
        "fine"
    );
    assert_eq!(files.text(id), api);
    // What is read has the values and spans of a whole read.
    let mut whole = Files::new(Vec::new());
    let whole_id = whole.load(files.path(id)).unwrap();
    for key in &keys {
        let pointer = format!("/paths/{}", escape_token(key));
        assert_eq!(
            files.value(id).pointer(&pointer),
            whole.value(whole_id).pointer(&pointer)
        );
    }
    same_spans((&files, id), (&whole, whole_id), files.value(id), "");
    assert_eq!(at(&files, id, "/paths/~1p399/get/operationId"), "op399");
    check_index(&files, id, files.value(id), "");
}

#[test]
fn a_large_description_is_read_whole_when_the_scan_cannot_tell() {
    let calls = "      - {stepId: a, operationId: op5}\n";
    let whole = |name: &str, doc: &str, api: &str| {
        let (_, _, keys, _dir) = load_pair(name, doc, api);
        keys.len()
    };
    // An operation the scan does not find (here: none has this id).
    let unknown = arazzo_calling("      - {stepId: a, operationId: nope}\n");
    assert_eq!(whole("lazy-unknown", &unknown, &big_openapi(300, "")), 300);
    // A `$ref` into `paths` from what is kept.
    let reference = "    post:\n      operationId: op5b\n      responses:\n        '200':\n          $ref: '#/paths/~1p9/get/responses/200'\n";
    let both = arazzo_calling("      - {stepId: a, operationId: op3}\n");
    assert_eq!(whole("lazy-ref", &both, &big_openapi(300, reference)), 300);
    // A key the scan does not read (a flow mapping on the key's line).
    let flow = "  /flow: {get: {operationId: f}}\n";
    assert_eq!(
        whole("lazy-flow", &arazzo_calling(calls), &big_openapi(300, flow)),
        301
    );
    // An operationId the scan cannot read, which could duplicate a called one.
    let hidden = "  /hidden:\n    get: {operationId: op5}\n";
    assert_eq!(
        whole(
            "lazy-hidden",
            &arazzo_calling(calls),
            &big_openapi(300, hidden)
        ),
        301
    );
    // An anchor in what is kept: a left-out one of the same name could change its aliases.
    let anchor = "    x-note: &note kept\n";
    let op3 = arazzo_calling("      - {stepId: a, operationId: op3}\n");
    assert_eq!(whole("lazy-anchor", &op3, &big_openapi(300, anchor)), 300);
    // Small descriptions are always read whole.
    let mut small = big_openapi(300, "");
    small.truncate(small.find("  /p10:").unwrap());
    small.push_str("components: {}\n");
    assert_eq!(whole("lazy-small", &arazzo_calling(calls), &small), 10);
    // A path written twice: the full read reports it.
    let dir = TempDir::new("lazy-dup");
    let main = dir.write("doc.arazzo.yml", &arazzo_calling(calls));
    dir.write("api.yml", &big_openapi(300, "  /p0:\n    get: {}\n"));
    let mut files = Files::new(Vec::new());
    let root = files.load_all(&main).unwrap();
    let err = files.linked(root, "api.yml", None).unwrap_err();
    assert_eq!(err.code, "duplicate-key");
}

#[test]
fn a_syntax_error_in_an_unused_path_is_not_read_and_one_in_a_used_path_is() {
    let broken = "    put:\n      operationId: [unclosed\n";
    let unused = arazzo_calling("      - {stepId: a, operationId: op9}\n");
    let (_, _, keys, _dir) = load_pair("lazy-bad-unused", &unused, &big_openapi(300, broken));
    assert_eq!(keys, ["/p0", "/p9", "/p299"]);
    // Entry 3 holds the error; calling op3 keeps it, and the whole read reports it.
    let used = arazzo_calling("      - {stepId: a, operationId: op3}\n");
    let dir = TempDir::new("lazy-bad-used");
    let main = dir.write("doc.arazzo.yml", &used);
    dir.write("api.yml", &big_openapi(300, broken));
    let mut files = Files::new(Vec::new());
    let root = files.load_all(&main).unwrap();
    let err = files.linked(root, "api.yml", None).unwrap_err();
    assert_eq!(err.code, "syntax");
    let mut whole = Files::new(Vec::new());
    let whole_err = whole.load(&dir.0.join("api.yml")).unwrap_err();
    let range = |s: Option<Span>| s.map(|s| s.start..s.end);
    assert_eq!(
        (err.message, range(err.span)),
        (whole_err.message, range(whole_err.span))
    );
}

#[test]
fn a_description_two_documents_call_differently_is_read_whole() {
    let dir = TempDir::new("lazy-two");
    let main = dir.write(
        "doc.arazzo.yml",
        "arazzo: 1.0.1\ninfo: {title: t, version: '1'}\nsourceDescriptions:\n  - {name: api, url: api.yml, type: openapi}\n  - {name: child, url: child.arazzo.yml, type: arazzo}\nworkflows:\n  - workflowId: w\n    steps:\n      - {stepId: a, operationId: op5}\n",
    );
    dir.write(
        "child.arazzo.yml",
        &arazzo_calling("      - {stepId: b, operationId: op6}\n"),
    );
    dir.write("api.yml", &big_openapi(300, ""));
    let mut files = Files::new(Vec::new());
    let root = files.load_all(&main).unwrap();
    let api = files.linked(root, "api.yml", None).unwrap();
    assert_eq!(files.value(api)["paths"].as_object().unwrap().len(), 300);
    assert_eq!(at(&files, api, "/paths/~1p6/get/operationId"), "op6");
}

/// [`big_openapi`] with 50 schemas `S0`…`S49`: the shared response refers to `S1`, which
/// refers to `S2` (written with double quotes); `extra` goes into entry 3 as there.
fn big_openapi_with_schemas(extra: &str) -> String {
    let mut text = big_openapi(300, extra);
    text.push_str(
        "      content:\n        application/json:\n          schema:\n            $ref: '#/components/schemas/S1'\n  schemas:\n",
    );
    for i in 0..50 {
        text.push_str(&format!(
            "    S{i}:\n      # schema {i}\n      type: object\n      description: \"{}\"\n",
            "schema ".repeat(20)
        ));
        if i == 1 {
            text.push_str(
                "      properties:\n        next:\n          $ref: \"#/components/schemas/S2\"\n",
            );
        }
    }
    text
}

fn schema_keys(files: &Files, id: FileId) -> Vec<String> {
    files.value(id)["components"]["schemas"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

#[test]
fn a_large_description_is_read_without_the_schemas_nothing_kept_refers_to() {
    let to_s5 = "    x-schema:\n      $ref: '#/components/schemas/S5'\n";
    let api = big_openapi_with_schemas(to_s5);
    // Entry 3 refers to S5: calling op3 keeps it, calling op4 does not.
    let calls_op3 = arazzo_calling("      - {stepId: a, operationId: op3}\n");
    let (files, id, keys, _dir) = load_pair("lazy-schemas", &calls_op3, &api);
    assert_eq!(keys, ["/p0", "/p3", "/p299"]);
    assert_eq!(schema_keys(&files, id), ["S0", "S1", "S2", "S5", "S49"]);
    let mut whole = Files::new(Vec::new());
    let whole_id = whole.load(files.path(id)).unwrap();
    for key in schema_keys(&files, id) {
        let pointer = format!("/components/schemas/{key}");
        assert_eq!(
            files.value(id).pointer(&pointer),
            whole.value(whole_id).pointer(&pointer)
        );
    }
    same_spans((&files, id), (&whole, whole_id), files.value(id), "");
    check_index(&files, id, files.value(id), "");
    let calls_op4 = arazzo_calling("      - {stepId: a, operationId: op4}\n");
    let (files, id, _, _dir) = load_pair("lazy-schemas-4", &calls_op4, &api);
    assert_eq!(schema_keys(&files, id), ["S0", "S1", "S2", "S49"]);
    // A schema the Arazzo document itself refers to stays.
    let inputs = format!(
        "{}    inputs:\n      $ref: 'api.yml#/components/schemas/S7'\n",
        arazzo_calling("      - {stepId: a, operationId: op4}\n")
    );
    let (files, id, _, _dir) = load_pair("lazy-schemas-inputs", &inputs, &api);
    assert_eq!(schema_keys(&files, id), ["S0", "S1", "S2", "S7", "S49"]);
}

#[test]
fn a_reference_the_schema_scan_misses_has_the_description_read_whole() {
    // `\x61` is `a`: the parsed `$ref` names S9, which the text scan does not see.
    let hidden = "    x-schema:\n      $ref: \"#/components/schem\\x61s/S9\"\n";
    let calls_op3 = arazzo_calling("      - {stepId: a, operationId: op3}\n");
    let api = big_openapi_with_schemas(hidden);
    let (files, id, keys, _dir) = load_pair("lazy-schemas-hidden", &calls_op3, &api);
    assert_eq!(keys.len(), 300);
    assert_eq!(schema_keys(&files, id).len(), 50);
    // Another description referring to a left-out schema has it read whole too.
    let dir = TempDir::new("lazy-schemas-other");
    let main = dir.write(
        "doc.arazzo.yml",
        "arazzo: 1.0.1\ninfo: {title: t, version: '1'}\nsourceDescriptions:\n  - {name: api, url: api.yml, type: openapi}\n  - {name: other, url: other.yml, type: openapi}\nworkflows:\n  - workflowId: w\n    steps:\n      - {stepId: a, operationId: op4}\n",
    );
    dir.write("api.yml", &big_openapi_with_schemas(""));
    dir.write(
        "other.yml",
        "openapi: 3.1.0\ninfo: {title: o, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    Mine:\n      $ref: 'api.yml#/components/schemas/S20'\n",
    );
    let mut files = Files::new(Vec::new());
    let root = files.load_all(&main).unwrap();
    let api = files.linked(root, "api.yml", None).unwrap();
    assert_eq!(schema_keys(&files, api).len(), 50);
    assert_eq!(files.value(api)["paths"].as_object().unwrap().len(), 300);
}

/// The pointers of `value`'s `$ref`s into its own file, percent-decoded.
fn local_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref")
                && let Some(fragment) = r.strip_prefix('#')
            {
                out.push(
                    percent_encoding::percent_decode_str(fragment)
                        .decode_utf8_lossy()
                        .into_owned(),
                );
            }
            map.values().for_each(|v| local_refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| local_refs(v, out)),
        _ => {}
    }
}

/// The first `$ref` of `lazy` into its own file that names something other than it names in
/// `whole`, with what each names; `None` when every one agrees.
fn ref_mismatch(lazy: &Value, whole: &Value) -> Option<(String, Option<Value>, Option<Value>)> {
    let mut refs = Vec::new();
    local_refs(lazy, &mut refs);
    refs.into_iter().find_map(|r| {
        let (here, there) = (lazy.pointer(&r), whole.pointer(&r));
        (here != there).then(|| (r.clone(), here.cloned(), there.cloned()))
    })
}

/// Lines the property test below puts into the schemas: references written several ways,
/// keys, comments, flow and block values.
const SCHEMA_EDITS: &[&str] = &[
    "      $ref: '#/components/schemas/S{k}'\n",
    "      $ref: \"#/components/schemas/S{k}/properties/next\"\n",
    "      items: {$ref: '#/components/schemas/S{k}'}\n",
    "      $ref: '#/components/schemas/S%{k}'\n",
    "      $ref: \"#/components/schem\\x61s/S{k}\"\n",
    "      $ref: '#/components/schemas/Nope{k}'\n",
    "    S{k}:\n      type: string\n",
    "    'S{k}x':\n      type: string\n",
    "    S{k}y: {type: string}\n",
    "  # comment {k}\n",
    "      description: |\n        #/components/schemas/S{k}\n",
    "      x-note: &n{k} note\n",
    "  extra{k}:\n    A: {}\n",
    "x-top{k}: 1\n",
];

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

    /// Whatever is written among the schemas, a lazy read holds only values of the whole
    /// read, at the same places, and every `$ref` in it names something in it; or it fails
    /// as the whole read fails.
    #[test]
    fn a_lazy_read_is_part_of_the_whole_one(
        edits in proptest::collection::vec((0..SCHEMA_EDITS.len(), 0usize..400, 0usize..50), 1..6)
    ) {
        let api = big_openapi_with_schemas("    x-schema:\n      $ref: '#/components/schemas/S5'\n");
        let start = api.find("  schemas:\n").unwrap_or(0) + "  schemas:\n".len();
        let mut lines: Vec<String> = api[start..].split_inclusive('\n').map(str::to_owned).collect();
        for (edit, at, k) in edits {
            let line = SCHEMA_EDITS[edit].replace("{k}", &k.to_string());
            let at = at % (lines.len() + 1);
            lines.insert(at, line);
        }
        let api = format!("{}{}", &api[..start], lines.concat());
        let dir = TempDir::new("lazy-prop");
        let main = dir.write("doc.arazzo.yml", &arazzo_calling("      - {stepId: a, operationId: op3}\n"));
        dir.write("api.yml", &api);
        let mut files = Files::new(Vec::new());
        let root = files.load_all(&main).unwrap();
        let lazy = files.linked(root, "api.yml", None);
        let mut whole = Files::new(Vec::new());
        let whole_id = whole.load(&dir.0.join("api.yml"));
        match (lazy, whole_id) {
            (Ok(id), Ok(whole_id)) => {
                proptest::prop_assert!(within(files.value(id), whole.value(whole_id)));
                same_spans((&files, id), (&whole, whole_id), files.value(id), "");
                // Every `$ref` of what is kept names in it what it names in the whole file.
                proptest::prop_assert_eq!(ref_mismatch(files.value(id), whole.value(whole_id)), None);
            }
            (Err(lazy), Err(whole)) => proptest::prop_assert_eq!(lazy.message, whole.message),
            (Ok(id), Err(err)) => {
                // A problem inside a left-out schema is not read (README, "Decisions"): the
                // entry the error is in must be among the schemas, and not kept.
                let at = err.span.map_or(0, |s| s.start);
                let entry = api[..at]
                    .lines()
                    .rev()
                    .find(|l| l.starts_with("    ") && !l.starts_with("     "))
                    .map(|l| l.trim().split(':').next().unwrap_or("").trim_matches('\''));
                let kept = schema_keys(&files, id);
                proptest::prop_assert!(
                    at > start && entry.is_some_and(|e| !kept.iter().any(|k| k == e)),
                    "lazy read, whole error {err:?} in a kept entry {entry:?}"
                );
            }
            (lazy, whole) => proptest::prop_assert!(
                false,
                "lazy {:?}, whole {:?}",
                lazy.map(|_| ()),
                whole.map(|_| ())
            ),
        }
    }
}

/// A JSON OpenAPI description larger than `lazy::LAZY_FROM`: paths `/pN` (operation `opN`,
/// answering with schema `S<N mod 50>` when `answers` holds N), and schemas `S0`…`S49`, each
/// referring to those `refs` gives it; `pretty` or compact.
fn big_json_openapi(answers: &[usize], refs: &[(usize, usize)], pretty: bool) -> String {
    let mut paths = serde_json::Map::new();
    for i in 0..300 {
        let mut response = json!({"description": "padding ".repeat(100)});
        if answers.contains(&i) {
            response["content"] = json!({"application/json": {"schema": {
                "$ref": format!("#/components/schemas/S{}", i % 50)
            }}});
        }
        paths.insert(
            format!("/p{i}"),
            json!({"get": {"operationId": format!("op{i}"), "responses": {"200": response}}}),
        );
    }
    let mut schemas = serde_json::Map::new();
    for i in 0..50 {
        let mut properties = serde_json::Map::new();
        for (from, to) in refs {
            if *from == i {
                properties.insert(
                    format!("to{to}"),
                    json!({"$ref": format!("#/components/schemas/S{to}")}),
                );
            }
        }
        schemas.insert(
            format!("S{i}"),
            json!({"type": "object", "description": "schema ".repeat(20), "properties": properties}),
        );
    }
    let doc = json!({
        "openapi": "3.1.0",
        "info": {"title": "big", "version": "1"},
        "paths": paths,
        "components": {"schemas": schemas}
    });
    let text = if pretty {
        serde_json::to_string_pretty(&doc)
    } else {
        serde_json::to_string(&doc)
    };
    text.unwrap_or_default()
}

#[test]
fn a_large_json_description_is_read_for_the_paths_and_schemas_called() {
    let api = big_json_openapi(&[3, 9], &[(3, 4), (4, 3), (9, 10)], true);
    assert!(api.len() >= lazy::LAZY_FROM);
    let doc = arazzo_calling("      - {stepId: a, operationId: op3}\n");
    let (files, id, keys, _dir) = load_pair("lazy-json", &doc, &api);
    assert_eq!(keys, ["/p0", "/p3", "/p299"]);
    assert_eq!(schema_keys(&files, id), ["S0", "S3", "S4", "S49"]);
    let mut whole = Files::new(Vec::new());
    let whole_id = whole.load(files.path(id)).unwrap();
    assert!(within(files.value(id), whole.value(whole_id)));
    same_spans((&files, id), (&whole, whole_id), files.value(id), "");
    check_index(&files, id, files.value(id), "");
    // An operation the scan does not find: read whole.
    let unknown = arazzo_calling("      - {stepId: a, operationId: nope}\n");
    let (_, _, keys, _dir) = load_pair("lazy-json-unknown", &unknown, &api);
    assert_eq!(keys.len(), 300);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(16))]

    /// Whatever the schemas refer to and whichever operation is called, a lazy read of a JSON
    /// description holds only values of the whole read, at the same places, and every `$ref`
    /// in it names what it names in the whole file.
    #[test]
    fn a_lazy_json_read_is_part_of_the_whole_one(
        answers in proptest::collection::vec(0usize..300, 0..8),
        refs in proptest::collection::vec((0usize..50, 0usize..50), 0..30),
        called in 0usize..300,
        pretty in proptest::prelude::any::<bool>(),
    ) {
        let api = big_json_openapi(&answers, &refs, pretty);
        let doc = arazzo_calling(&format!("      - {{stepId: a, operationId: op{called}}}\n"));
        let (files, id, _, dir) = load_pair("lazy-json-prop", &doc, &api);
        let mut whole = Files::new(Vec::new());
        let whole_id = whole.load(&dir.0.join("api.yml")).unwrap();
        proptest::prop_assert!(within(files.value(id), whole.value(whole_id)));
        same_spans((&files, id), (&whole, whole_id), files.value(id), "");
        proptest::prop_assert_eq!(ref_mismatch(files.value(id), whole.value(whole_id)), None);
    }
}
