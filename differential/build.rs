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
    arazzo_codegen::Builder::new().compile(FIXTURES)?;
    Ok(())
}
