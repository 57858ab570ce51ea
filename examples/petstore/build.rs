//! Generates the workflow exactly as a user's crate would: the document's path is relative to
//! this crate, and its OpenAPI description is found next to it.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    arazzo_codegen::Builder::new().compile(&["specs/petstore.arazzo.yml"])?;
    Ok(())
}
