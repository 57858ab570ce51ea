//! `CODES` is the one description of each diagnostic code: equal to the codes the source
//! reports, consistent with `LINTS`, and the README's code list is made from it
//! (`BLESS=1 cargo test -p arazzo-codegen --test codes` rewrites that list).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use arazzo_codegen::{CODES, LINTS, Severity};

/// Hyphenated string literals in the library's source that are not diagnostic codes.
const NOT_CODES: &[&str] = &[
    "api-version",
    "arazzo-codegen",
    "browser-authorize",
    "content-type",
    "draft-goessner-dispatch-jsonpath-00",
    "generate-token-then-broadcast",
    "local-name",
    "namespace-uri",
    "non-empty",
    "normalize-space",
    "processing-instruction",
    "proxy-authorization",
    "starts-with",
    "string-length",
    "substring-after",
    "substring-before",
    "xpath-10",
    "xpath-20",
    "xpath-30",
    "xpath-31",
];

const README: &str = "../README.md";
const START: &str =
    "<!-- codes: generated from arazzo_codegen::CODES by arazzo-codegen/tests/codes.rs -->\n";
const END: &str = "<!-- end of codes -->\n";

/// The library's source files, without test modules and test files.
fn sources() -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut pending = vec![PathBuf::from("src")];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if !path.ends_with("tests") {
                    pending.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "rs")
                && !path.ends_with("tests.rs")
                && !path.ends_with("codes.rs")
            {
                let text = std::fs::read_to_string(&path).unwrap();
                // Test modules come last in a file.
                let text = match text.find("#[cfg(test)]\nmod tests {") {
                    Some(i) => text[..i].to_owned(),
                    None => text,
                };
                out.push((path, text));
            }
        }
    }
    out
}

#[test]
fn codes_are_the_codes_the_source_reports() {
    // Codes given to a constructor (one word too: `syntax`), and every hyphenated literal,
    // which is how codes reach helpers that take them as an argument.
    let call = regex::Regex::new(r#"\b(?:error|warning)\(\s*"([a-z0-9-]+)""#).unwrap();
    let literal = regex::Regex::new(r#""([a-z]+(?:-[a-z0-9]+)+)""#).unwrap();
    let mut found = BTreeSet::new();
    for (_, text) in sources() {
        found.extend(call.captures_iter(&text).map(|c| c[1].to_owned()));
        found.extend(
            literal
                .captures_iter(&text)
                .map(|c| c[1].to_owned())
                .filter(|l| !NOT_CODES.contains(&l.as_str())),
        );
    }
    let listed: BTreeSet<String> = CODES.iter().map(|c| c.code.to_owned()).collect();
    assert_eq!(
        found.difference(&listed).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "codes in the source missing from CODES (or, if not codes, from NOT_CODES)"
    );
    assert_eq!(
        listed.difference(&found).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "codes in CODES that the source never reports"
    );
    assert!(
        CODES.windows(2).all(|p| p[0].code < p[1].code),
        "CODES is sorted"
    );
    for c in CODES {
        assert!(
            !c.description.is_empty()
                && !c.description.contains('\n')
                && c.description.ends_with('.'),
            "{}: one line, a sentence",
            c.code
        );
    }
}

#[test]
fn lints_are_the_warning_codes() {
    let warnings: BTreeSet<&str> = CODES
        .iter()
        .filter(|c| c.severity == Severity::Warning)
        .map(|c| c.code)
        .collect();
    let lints: BTreeSet<&str> = LINTS.iter().copied().collect();
    // `invalid-openapi` is listed as an error and is also reported as a warning.
    let both: Vec<&str> = lints.difference(&warnings).copied().collect();
    assert_eq!(both, ["invalid-openapi"]);
    assert!(warnings.is_subset(&lints));
}

/// The README's list: one row per code.
fn table() -> String {
    let mut out = String::from(START);
    out.push_str("\n| code | level | what it reports |\n|---|---|---|\n");
    for c in CODES {
        let level = match c.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        out.push_str(&format!(
            "| `{}` | {level} | {} |\n",
            c.code,
            c.description.replace('|', "\\|")
        ));
    }
    out.push('\n');
    out.push_str(END);
    out
}

#[test]
fn the_readme_lists_every_code() {
    let path = Path::new(README);
    let readme = std::fs::read_to_string(path).unwrap();
    let (Some(start), Some(end)) = (readme.find(START), readme.find(END)) else {
        panic!(
            "{README} has no `{}` ... `{}` section",
            START.trim(),
            END.trim()
        );
    };
    let current = &readme[start..end + END.len()];
    let wanted = table();
    if current == wanted {
        return;
    }
    if std::env::var_os("BLESS").is_some() {
        let updated = format!("{}{wanted}{}", &readme[..start], &readme[end + END.len()..]);
        std::fs::write(path, updated).unwrap();
    } else {
        panic!("the README's code list differs from CODES; rerun with BLESS=1:\n{wanted}");
    }
}
