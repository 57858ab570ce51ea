//! Diagnostics for tools and terminals: JSON Lines ([`json`]), SARIF 2.1.0 ([`sarif`]) and
//! colour for the rustc-style text ([`colour`]).

pub mod colour;
pub mod json;
pub mod sarif;

use arazzo_codegen::{Diagnostic, Failure, Generated};

/// What `check` or `generate` made of one document: its path as given on the command line
/// and every diagnostic (errors and warnings), with whether it passed.
#[derive(Debug, Clone)]
pub struct DocumentResult {
    /// The document's path as given on the command line.
    pub document: String,
    /// `true` when the document checked (or generated) without errors.
    pub ok: bool,
    /// Every diagnostic, in the order the generator reported them.
    pub diagnostics: Vec<Diagnostic>,
}

impl DocumentResult {
    /// From a run's result.
    pub fn new(document: impl Into<String>, result: &Result<Generated, Failure>) -> Self {
        let (ok, diagnostics) = match result {
            Ok(generated) => (true, generated.diagnostics.clone()),
            Err(failure) => (false, failure.diagnostics.clone()),
        };
        Self {
            document: document.into(),
            ok,
            diagnostics,
        }
    }
}
