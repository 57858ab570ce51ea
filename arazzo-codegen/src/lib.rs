//! Generates typed async Rust from Arazzo workflows and the OpenAPI descriptions they call.
//!
//! Use it from build.rs through [`Builder`], from code through [`Generator`], or from the shell
//! through the `arazzo-codegen` command (the `arazzo-codegen-cli` crate). A run either gives
//! [`Generated`] code or a [`Failure`]
//! holding every [`Diagnostic`], rendered rustc-style.
//!
//! Inside, one run is a one-way pipeline; each layer imports only the layers below it:
//!
//! 1. `load`: the document and every file it reaches (source descriptions, `$ref` targets),
//!    up front, with a byte-span index for every value;
//! 2. read: `model` (Arazzo), `openapi`, `asyncapi`, `expr` and `criteria` parse what was
//!    loaded;
//! 3. `check` (with `typing`): proves every reference and builds the `plan`, a self-contained
//!    model of what to generate;
//! 4. `emit`: turns the plan, and nothing else, into formatted Rust.
//!
//! `diagnostic`, `suggest` ("did you mean"), `names` and `pointer` (JSON Pointer tokens) are
//! leaves every layer may use.

#![deny(missing_docs)]
// A Diagnostic carries its text and location, and is returned by value on purpose.
#![allow(clippy::result_large_err)]

mod asyncapi;
mod builder;
mod check;
mod codes;
mod criteria;
mod diagnostic;
mod emit;
mod expr;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod __fuzz {
    //! Fuzz entry points; see `fuzz/README.md`. Not public API.
    pub use crate::fuzzing::*;
}
#[cfg(feature = "fuzzing")]
mod fuzzing;
mod generator;
mod load;
mod model;
mod names;
mod openapi;
mod plan;
mod pointer;
mod suggest;
mod typing;

pub use builder::{__generated_earlier, BuildError, Builder, module_name};
pub use codes::{CODES, Code};
pub use diagnostic::{Diagnostic, FileId, Label, Location, Severity, Span};
pub use generator::{Failure, Generated, Generator, LINTS};

impl openapi::Documents for load::Files {
    fn value(&self, file: FileId) -> &serde_json::Value {
        load::Files::value(self, file)
    }

    fn resolve_ref(&self, from: FileId, reference: &str) -> Result<(FileId, String), Diagnostic> {
        load::Files::resolve_ref(self, from, reference)
    }
}

impl asyncapi::Documents for load::Files {
    fn value(&self, file: FileId) -> &serde_json::Value {
        load::Files::value(self, file)
    }

    fn resolve_ref(&self, from: FileId, reference: &str) -> Result<(FileId, String), Diagnostic> {
        load::Files::resolve_ref(self, from, reference)
    }
}
