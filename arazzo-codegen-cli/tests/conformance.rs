//! The public corpus (`../shared/corpus` next to the repository) through check and generate:
//! no document may fail its expectation. Compiling the generated code takes minutes, so it is
//! left to `.ci/run` (`arazzo-codegen conformance ../shared/corpus`). Skipped when the corpus
//! is absent.
use std::path::PathBuf;

use arazzo_codegen_cli::conformance::{self, Outcome};

/// The shared corpus, or `None` (and a note) when it is absent outside CI.
fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
    if dir.is_dir() {
        return Some(dir);
    }
    // CI always has the corpus: its absence there is a broken checkout, not a skip.
    assert!(
        std::env::var_os("CI").is_none(),
        "no corpus at ../../shared/corpus, and CI is set"
    );
    eprintln!("skipped: no corpus at ../../shared/corpus");
    None
}

#[test]
fn every_corpus_document_meets_its_expectation() {
    let Some(folder) = corpus() else {
        return;
    };
    let mut options = conformance::Options::new(folder);
    options.compile = false;
    let report = conformance::run(&options).unwrap();
    let failed: Vec<String> = report
        .rows
        .iter()
        .filter(|r| r.outcome == Outcome::Failed)
        .map(|r| format!("{}: {}", r.document, r.detail))
        .collect();
    assert!(failed.is_empty(), "{}", failed.join("\n"));
    // The README's known defects are diagnosed with the right message, not merely rejected
    // (the expectation table checks the message). Spotify's dotted expressions may instead be
    // read past with a warning that names the 1.0.1 form.
    let outcome = |document: &str| {
        let row = report.rows.iter().find(|r| r.document == document).unwrap();
        (row.outcome, row.detail.clone())
    };
    for document in [
        "oai/FAPI-PAR.arazzo.yaml",
        "oai/ExtendedParametersExample.arazzo.yaml",
        "oai/LoginAndRetrievePets.arazzo.yaml",
        "jaredce/workingArazzoMock.json",
    ] {
        let (got, detail) = outcome(document);
        assert_eq!(got, Outcome::Diagnosed, "{document}: {detail}");
    }
    // The Arazzo 1.1 schema tests: every rejected document is diagnosed with its own fault
    // (the table names each), and every accepted one passes the structural rules (only its
    // placeholder sources fail to load; the folder rule checks that).
    let in_folder = |prefix: &str| {
        report
            .rows
            .iter()
            .filter(|r| r.document.starts_with(prefix))
            .collect::<Vec<_>>()
    };
    let fail = in_folder("oai-1.1/schema-fail/");
    assert_eq!(fail.len(), 27, "every schema-fail document is discovered");
    for row in fail {
        assert_eq!(
            row.outcome,
            Outcome::Diagnosed,
            "{}: {}",
            row.document,
            row.detail
        );
    }
    let pass = in_folder("oai-1.1/schema-pass/");
    assert_eq!(pass.len(), 35);
    for row in pass {
        assert_eq!(
            row.outcome,
            Outcome::Diagnosed,
            "{}: {}",
            row.document,
            row.detail
        );
    }
    let (got, detail) = outcome("jentic/spotify/spotify.arazzo.yaml");
    assert!(
        matches!(got, Outcome::Diagnosed | Outcome::Generated),
        "spotify: {got:?} {detail}"
    );
    assert!(report.count(Outcome::Generated) > 0, "{}", report.totals());
}

#[test]
fn a_folder_without_documents_is_an_error() {
    let dir = std::env::temp_dir().join(format!("conformance-empty-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("notes.yaml"), "title: not arazzo\n").unwrap();
    let err = conformance::run(&conformance::Options::new(&dir)).unwrap_err();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(err.contains("no Arazzo documents"), "{err}");
}

/// A folder of documents that is not the shared corpus: the petstore example's document
/// (generates), a copy with an operationId typo (a located error), and a clean copy at a
/// path the corpus's built-in table lists as defective (`oai/FAPI-PAR.arazzo.yaml`).
struct Folder(PathBuf);

impl Folder {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("conformance-{name}-{}", std::process::id()));
        let specs = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/petstore/specs");
        let arazzo = std::fs::read_to_string(specs.join("petstore.arazzo.yml")).unwrap();
        let openapi = std::fs::read_to_string(specs.join("petstore.openapi.yml")).unwrap();
        for sub in ["good", "bad", "oai"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
            std::fs::write(dir.join(sub).join("petstore.openapi.yml"), &openapi).unwrap();
        }
        std::fs::write(dir.join("good/petstore.arazzo.yml"), &arazzo).unwrap();
        std::fs::write(
            dir.join("bad/typo.arazzo.yml"),
            arazzo.replace("operationId: getPetById", "operationId: getPetByld"),
        )
        .unwrap();
        std::fs::write(dir.join("oai/FAPI-PAR.arazzo.yaml"), &arazzo).unwrap();
        Folder(dir)
    }

    fn run(&self, expect: Option<&str>) -> conformance::Report {
        let mut options = conformance::Options::new(&self.0);
        options.compile = false;
        if let Some(table) = expect {
            let path = self.0.join("expect.yaml");
            std::fs::write(&path, table).unwrap();
            options.expect = Some(path);
        }
        conformance::run(&options).unwrap()
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn outcomes(report: &conformance::Report) -> Vec<(&str, Outcome)> {
    report
        .rows
        .iter()
        .map(|r| (r.document.as_str(), r.outcome))
        .collect()
}

#[test]
fn any_folder_is_judged_by_what_it_reports_without_the_corpus_table() {
    let folder = Folder::new("own");
    assert!(!conformance::is_shared_corpus(&folder.0));
    let report = folder.run(None);
    assert_eq!(
        outcomes(&report),
        vec![
            ("bad/typo.arazzo.yml", Outcome::Diagnosed),
            ("good/petstore.arazzo.yml", Outcome::Generated),
            // The corpus table expects `unknown-operation` here; outside the corpus it is not
            // applied.
            ("oai/FAPI-PAR.arazzo.yaml", Outcome::Generated),
        ]
    );
    let typo = &report.rows[0];
    assert!(
        typo.detail
            .starts_with("error[arazzo::unknown-operation]: no operation `getPetByld`"),
        "{}",
        typo.detail
    );
    assert!(report.stale.is_empty(), "{:?}", report.stale);
    assert!(!report.failed());
}

#[test]
fn expect_file_is_the_folders_own_table() {
    let folder = Folder::new("expect");
    let report = folder.run(Some(
        "expect:\n  - document: bad/typo.arazzo.yml\n    code: unknown-operation\n    contains: \"did you mean `getPetById`\"\n  - document: gone.arazzo.yml\n    code: syntax\n",
    ));
    assert_eq!(
        outcomes(&report),
        vec![
            ("bad/typo.arazzo.yml", Outcome::Diagnosed),
            ("good/petstore.arazzo.yml", Outcome::Generated),
            ("oai/FAPI-PAR.arazzo.yaml", Outcome::Generated),
        ]
    );
    assert_eq!(report.stale, vec!["gone.arazzo.yml (no such document)"]);

    // With a table, an unlisted document with errors fails, and so does a listed one whose
    // diagnostic is not the one expected.
    let report = folder.run(Some(
        "expect:\n  - document: oai/FAPI-PAR.arazzo.yaml\n    code: unknown-operation\n",
    ));
    assert_eq!(
        outcomes(&report),
        vec![
            ("bad/typo.arazzo.yml", Outcome::Failed),
            ("good/petstore.arazzo.yml", Outcome::Generated),
            ("oai/FAPI-PAR.arazzo.yaml", Outcome::Failed),
        ]
    );
    assert!(report.failed());
    assert_eq!(
        report.rows[2].detail,
        "expected [arazzo::unknown-operation] with ``, got: it generated"
    );
}

#[test]
fn a_broken_expect_file_is_an_error() {
    let folder = Folder::new("broken-table");
    let path = folder.0.join("expect.yaml");
    std::fs::write(
        &path,
        "expect:\n  - {document: a.yaml, code: x, contain: y}\n",
    )
    .unwrap();
    let mut options = conformance::Options::new(&folder.0);
    options.compile = false;
    options.expect = Some(path);
    let err = conformance::run(&options).unwrap_err();
    assert!(err.contains("unknown field `contain`"), "{err}");
}

#[test]
fn the_shared_corpus_is_recognised_by_its_readme() {
    let Some(folder) = corpus() else {
        return;
    };
    assert!(conformance::is_shared_corpus(&folder));
    assert!(!conformance::default_maps(&folder).is_empty());
    assert!(!conformance::is_shared_corpus(&folder.join("oai")));
}
