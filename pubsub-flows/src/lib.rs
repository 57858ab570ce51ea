//! Azure Web PubSub workflows, generated at build time from the Arazzo documents in `specs/`.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use pubsub_flows::credentials::{ConnectionString, client_for};
//! use pubsub_flows::{GenerateTokenThenBroadcastInputs, generate_token_then_broadcast};
//!
//! let conn = ConnectionString::parse("Endpoint=https://contoso.webpubsub.azure.com;AccessKey=...;Version=1.0;")?;
//! // The AccessKey credential signs every request; the `accessToken` input is replaced by it.
//! let client = client_for(&conn)?;
//! let inputs = GenerateTokenThenBroadcastInputs::new("signed-per-request", "chat", "hello");
//! let outputs = generate_token_then_broadcast(&client, inputs).await?;
//! println!("status {} and a token for browsers", outputs.broadcast_status);
//! # Ok(())
//! # }
//! ```
#![deny(warnings)]

/// Connection strings and AccessKey signing for the Web PubSub data plane.
pub mod credentials;

arazzo_runtime::include_workflows!("generate-token-then-broadcast");
