//! Generates typed async Rust from Arazzo workflows and the OpenAPI descriptions they call.
//!
//! The pipeline: [`load`] reads YAML/JSON with a location index, `check` proves every
//! reference and builds the typed [`plan`], `emit` turns the plan into formatted Rust. Use it
//! from build.rs through [`Builder`], from code through [`Generator`], or from the shell
//! through the `arazzo-codegen` binary.

// A Diagnostic carries its text and location, and is returned by value on purpose.
#![allow(clippy::result_large_err)]

mod builder;
mod check;
#[cfg(feature = "cli")]
pub mod conformance;
pub mod criteria;
pub mod diagnostic;
mod emit;
pub mod expr;
mod generator;
pub mod load;
mod model;
mod names;
pub mod openapi;
pub mod plan;
mod suggest;
mod typing;

pub use builder::{BuildError, Builder, module_name};
pub use check::Options;
pub use diagnostic::{Diagnostic, Severity};
pub use generator::{Failure, Generated, Generator};

impl openapi::Documents for load::Files {
    fn value(&self, file: diagnostic::FileId) -> &serde_json::Value {
        load::Files::value(self, file)
    }

    fn resolve_ref(
        &self,
        from: diagnostic::FileId,
        reference: &str,
    ) -> Result<(diagnostic::FileId, String), Diagnostic> {
        load::Files::resolve_ref(self, from, reference)
    }
}
