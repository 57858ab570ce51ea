//! Expected-output files shared by the tests that compare rendered diagnostics with committed
//! text (`diagnostics.rs`, `spec_change.rs`); `BLESS=1` rewrites them.

use std::path::Path;

/// Compares `actual` with the file `expected` (or, with `BLESS` set, writes it there); a
/// mismatch is described by the first line that differs and the whole actual output.
pub(crate) fn compare(expected: &Path, actual: &str) -> Result<(), String> {
    if std::env::var_os("BLESS").is_some() {
        return std::fs::write(expected, actual)
            .map_err(|err| format!("cannot write {}: {err}", expected.display()));
    }
    match std::fs::read_to_string(expected) {
        Ok(text) if text == actual => Ok(()),
        Ok(text) => Err(format!(
            "differs from {}, {}\n--- actual output:\n{actual}",
            expected.display(),
            first_difference(&text, actual)
        )),
        Err(err) => Err(format!(
            "cannot read {}: {err}\n--- actual output:\n{actual}",
            expected.display()
        )),
    }
}

/// The first line where `expected` and `actual` differ, both versions shown.
fn first_difference(expected: &str, actual: &str) -> String {
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    let line = (0..e.len().max(a.len()))
        .find(|&i| e.get(i) != a.get(i))
        .unwrap_or(0);
    format!(
        "line {}:\n  expected: {:?}\n  actual:   {:?}",
        line + 1,
        e.get(line).unwrap_or(&"<end>"),
        a.get(line).unwrap_or(&"<end>")
    )
}
