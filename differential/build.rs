//! Generates every fixture under `fixtures/` the way a user's crate would; `src/lib.rs`
//! includes each as a module.

/// The fixture documents, one generated file (and module) each.
const FIXTURES: &[&str] = &[
    "fixtures/parameters.arazzo.yml",
    "fixtures/auth.arazzo.yml",
    "fixtures/bodies.arazzo.yml",
    "fixtures/flow.arazzo.yml",
    "fixtures/absent.arazzo.yml",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    arazzo_codegen::Builder::new()
        // The auth fixture writes the unbraced and pre-1.0.1 forms on purpose: how they are
        // sent is what it compares.
        .allow("unbraced-expression")
        .allow("lenient-expression")
        // It also sends `Bearer $dependencies.x.token`, which is no expression, on purpose.
        .allow("not-an-expression")
        // The absent-values fixture sends an optional step output into a path on purpose.
        .allow("optional-path-parameter")
        .compile(FIXTURES)?;
    Ok(())
}
