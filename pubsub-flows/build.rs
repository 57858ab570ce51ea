//! Generates the Web PubSub workflows from the project's Arazzo documents.
//!
//! `specs` is a symlink to the workspace's `specs/`: `cargo package` follows it, so the
//! published crate carries the documents it generates from and builds on its own.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    arazzo_codegen::Builder::new()
        // The user's document writes `Bearer $inputs.accessToken` unbraced (twice). It is kept
        // verbatim, as its author wrote it, and the generator reads it as the braced form, so
        // the warning would only repeat on every build what is already decided.
        .allow("unbraced-expression")
        .compile(&[
            "specs/arazzo/generate-token-then-broadcast.arazzo.yml",
            "specs/arazzo/web-pubsub-receive-broadcast.arazzo.yml",
            // Only `tests/receive_broadcast.rs` includes it (the library does not).
            "tests/specs/receive-timeout.arazzo.yml",
            // Only `tests/receive_on_failure.rs` includes it.
            "tests/specs/receive-on-failure.arazzo.yml",
        ])?;
    Ok(())
}
