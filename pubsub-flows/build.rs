//! Generates the Web PubSub workflows from the project's Arazzo documents.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    arazzo_codegen::Builder::new()
        .compile(&["../specs/arazzo/generate-token-then-broadcast.arazzo.yml"])?;
    Ok(())
}
