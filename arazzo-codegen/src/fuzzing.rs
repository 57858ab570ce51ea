//! Entry points for the coverage-guided fuzz targets in `fuzz/` (the `fuzzing` feature): each
//! feeds arbitrary bytes to one parser that reads spec text and must return normally for every
//! input. Not public API.

use std::path::PathBuf;

use crate::load::Files;

/// The YAML/JSON loader with spans: the bytes as a document, and any error rendered with its
/// snippet.
pub fn load(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut files = Files::new(Vec::new());
    if let Err(d) = files.add_text(PathBuf::from("/fuzz/input.arazzo.yml"), text.to_owned()) {
        let _ = d.render(&files);
    }
}

/// The lazy reading of large descriptions: the bytes as a description the scan reads part of
/// (whatever their size), and what it keeps parsed and compared with the whole read.
pub fn lazy(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = crate::load::read_lazily(text);
    }
}

/// Runtime expressions: alone, then as a string with embedded expressions.
pub fn expression(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(expr) = crate::expr::parse(text) {
        let _ = crate::expr::parse(&expr.to_string());
    }
    let _ = crate::expr::parse_template(text);
}

/// Simple conditions; a parsed one must print as text that parses again.
pub fn condition(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(c) = crate::criteria::condition::parse(text) {
        assert!(crate::criteria::condition::parse(&c.to_string()).is_ok());
    }
}

/// JSONPath criteria checks (the pre-scan, then `serde_json_path`), and the lenient reading
/// of a comparison that fails them, as `check::step` runs it.
pub fn jsonpath(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data)
        && crate::criteria::jsonpath::check(text).is_err()
    {
        let _ = crate::criteria::jsonpath_lenient::read(text);
    }
}

/// XPath criteria checks (the pre-scan, then `sxd-xpath`).
pub fn xpath(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = crate::criteria::xpath::check(text);
    }
}
