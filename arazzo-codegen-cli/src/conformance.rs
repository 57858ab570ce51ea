//! The conformance runner behind `arazzo-codegen conformance <folder>`: every Arazzo document
//! in a folder tree is checked, generated and (unless told not to) compiled, all generated
//! files together in one scratch crate; each document gets one [`Outcome`], judged against an
//! expectation table (`conformance/expect.rs`).
//!
//! The built-in table and the remaps in [`default_maps`] are for the public corpus in
//! `../shared/corpus` (see its README) and apply only to it ([`is_shared_corpus`]). Any other
//! folder is judged by its own table (`--expect FILE`, `conformance/table.rs`) or, without
//! one, by what each document reports: located errors are `diagnosed`.

pub(crate) mod compile;
mod discover;
mod expect;
mod report;
mod table;

use std::path::{Path, PathBuf};
use std::time::Instant;

use arazzo_codegen::{Diagnostic, Generator};

pub use report::{Outcome, Report, Row};

/// How to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// The folder searched for Arazzo documents.
    pub folder: PathBuf,
    /// Remaps on top of [`default_maps`]; a longer `from` wins over a shorter one.
    pub maps: Vec<(String, PathBuf)>,
    /// Compile the generated code; `false` stops after check and generate.
    pub compile: bool,
    /// The `arazzo-runtime` crate the scratch crate depends on.
    pub runtime: PathBuf,
    /// Cargo's target directory for the scratch crate; kept between runs so reruns are fast.
    pub target_dir: PathBuf,
    /// A `Cargo.lock` to start the scratch crate from, so it builds the versions the workspace
    /// was tested with (and needs no registry look-up).
    pub lockfile: Option<PathBuf>,
    /// The folder's own expectation table (see `--expect`), instead of the built-in one.
    pub expect: Option<PathBuf>,
}

impl Options {
    /// Options for `folder` with this workspace's runtime, lockfile and `target/conformance`
    /// (paths fixed when this crate was compiled).
    pub fn new(folder: impl Into<PathBuf>) -> Self {
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let lockfile = workspace.join("Cargo.lock");
        Self {
            folder: folder.into(),
            maps: Vec::new(),
            compile: true,
            runtime: workspace.join("arazzo-runtime"),
            target_dir: workspace.join("target").join("conformance"),
            lockfile: lockfile.is_file().then_some(lockfile),
            expect: None,
        }
    }
}

/// The title line of the shared corpus's README, by which the corpus is recognised wherever
/// its copy lives.
const CORPUS_TITLE: &str = "# Public Arazzo corpus for conformance runs";

/// Whether `folder` is the shared public corpus (`../shared/corpus`): its `README.md` starts
/// with the corpus's title. Only there do the built-in expectations and remaps apply.
pub fn is_shared_corpus(folder: &Path) -> bool {
    std::fs::read_to_string(folder.join("README.md"))
        .is_ok_and(|readme| readme.lines().next() == Some(CORPUS_TITLE))
}

/// The remaps the corpus README asks for, for the parts of it present in `folder`: JaredCE's
/// raw GitHub prefix to `jaredce/`, and the OAI BNPL OpenAPI URL to `oai/bnpl-openapi.yaml`.
/// None outside the shared corpus.
pub fn default_maps(folder: &Path) -> Vec<(String, PathBuf)> {
    let mut maps = Vec::new();
    if !is_shared_corpus(folder) {
        return maps;
    }
    if folder.join("jaredce").is_dir() {
        // String concatenation: the rest of the URL is appended to this path.
        let mut to = folder.join("jaredce").into_os_string();
        to.push("/");
        maps.push((
            "https://raw.githubusercontent.com/JaredCE/Arazzo-Runner/refs/heads/main/test/mocks/"
                .to_owned(),
            PathBuf::from(to),
        ));
    }
    if folder.join("oai").is_dir() {
        maps.push((
            "https://raw.githubusercontent.com/OAI/Arazzo-Specification/main/examples/1.0.0/bnpl-openapi.yaml"
                .to_owned(),
            folder.join("oai").join("bnpl-openapi.yaml"),
        ));
    }
    maps
}

/// One diagnostic reduced to what the runner judges: severity, code and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// `true` for an error, `false` for a warning.
    pub error: bool,
    /// The diagnostic code without `arazzo::`.
    pub code: String,
    /// The one-line message.
    pub message: String,
    /// Message, label, notes and help: what an expectation's substring is searched in.
    pub text: String,
    /// Whether it points at a place in a file.
    pub located: bool,
}

impl Finding {
    fn from_diagnostic(d: &Diagnostic) -> Self {
        let mut text = format!("{}\n{}", d.message, d.label);
        for note in &d.notes {
            text.push('\n');
            text.push_str(note);
        }
        if let Some(help) = &d.help {
            text.push('\n');
            text.push_str(help);
        }
        Self {
            error: d.is_error(),
            code: d.code.to_owned(),
            message: d.message.clone(),
            text,
            located: d.location.is_some(),
        }
    }

    /// Reads back a rendered warning (`warning[arazzo::code]: message` then the snippet).
    fn from_rendered(rendered: &str) -> Self {
        let first = rendered.lines().next().unwrap_or_default();
        let (head, message) = first.split_once("]: ").unwrap_or((first, ""));
        let code = head.split_once("[arazzo::").map_or("", |(_, c)| c);
        Self {
            error: head.starts_with("error"),
            code: code.to_owned(),
            message: message.to_owned(),
            // The second line of a located diagnostic is its `  --> path:line:column`.
            located: rendered
                .lines()
                .nth(1)
                .is_some_and(|l| l.trim_start().starts_with("--> ")),
            text: rendered.to_owned(),
        }
    }

    /// `error[arazzo::code]: message`, the first line of the rendered diagnostic.
    pub fn headline(&self) -> String {
        let severity = if self.error { "error" } else { "warning" };
        format!("{severity}[arazzo::{}]: {}", self.code, self.message)
    }
}

/// What check and generate made of one document, before judging.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The document's path relative to the folder, with `/` separators.
    pub document: String,
    /// Every diagnostic, errors and warnings.
    pub findings: Vec<Finding>,
    /// The generated code, when generation succeeded.
    pub code: Option<String>,
}

/// Runs the whole suite: discover, check and generate, judge, compile what generated.
pub fn run(options: &Options) -> Result<Report, String> {
    let started = Instant::now();
    let documents = discover::documents(&options.folder)?;
    if documents.is_empty() {
        return Err(format!(
            "no Arazzo documents under {}",
            options.folder.display()
        ));
    }
    let table = match &options.expect {
        Some(path) => table::load(path)?,
        None if is_shared_corpus(&options.folder) => expect::Table::corpus(),
        None => expect::Table::none(),
    };
    let mut maps = default_maps(&options.folder);
    maps.extend(options.maps.iter().cloned());
    let generator = maps
        .into_iter()
        .fold(Generator::new(), |g, (from, to)| g.map(from, to));
    let checked: Vec<Checked> = documents
        .iter()
        .map(|path| check_one(&generator, &options.folder, path))
        .collect();
    let mut rows: Vec<Row> = checked.iter().map(|c| expect::judge(c, &table)).collect();
    let mut compile_failures = Vec::new();
    let compile_report = if options.compile {
        let candidates: Vec<(usize, &str)> = rows
            .iter()
            .zip(&checked)
            .enumerate()
            .filter(|(_, (row, _))| row.outcome == Outcome::Generated)
            .filter_map(|(i, (_, c))| c.code.as_deref().map(|code| (i, code)))
            .collect();
        let result = compile::compile_all(options, &candidates)?;
        for (i, error) in &result.failed {
            if let Some(row) = rows.get_mut(*i) {
                let (outcome, blockers) = expect::compile_failure(&table, &row.document, error);
                row.outcome = outcome;
                row.blockers = blockers;
                row.detail = format!("does not compile: {error}");
                compile_failures.push((row.document.clone(), error.clone()));
            }
        }
        for row in rows.iter_mut().filter(|r| r.outcome == Outcome::Generated) {
            row.outcome = Outcome::Compiled;
        }
        Some(result.rounds)
    } else {
        None
    };
    let compiled = compile_report.map(|_| compile_failures.as_slice());
    let mut stale = expect::unseen_known_bugs(&table, &checked, compiled);
    stale.extend(expect::unseen_expectations(&table, &checked));
    Ok(Report::new(rows, stale, compile_report, started.elapsed()))
}

/// Checks and generates one document. A panic in the generator fails that document (as an
/// error with code `generator-panic`) instead of ending the run.
fn check_one(generator: &Generator, folder: &Path, path: &Path) -> Checked {
    let document = discover::relative(folder, path);
    let result =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| generator.generate(path)));
    let Ok(result) = result else {
        return Checked {
            document,
            findings: vec![Finding {
                error: true,
                code: "generator-panic".to_owned(),
                message: "arazzo-codegen panicked on this document (message above the table)"
                    .to_owned(),
                text: String::new(),
                located: false,
            }],
            code: None,
        };
    };
    match result {
        Ok(generated) => Checked {
            document,
            findings: generated
                .warnings
                .iter()
                .map(|w| Finding::from_rendered(w))
                .collect(),
            code: Some(generated.code),
        },
        Err(failure) => Checked {
            document,
            findings: failure
                .diagnostics
                .iter()
                .map(Finding::from_diagnostic)
                .collect(),
            code: None,
        },
    }
}
