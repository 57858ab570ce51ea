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
//!
//! `receive_group_broadcast` proves a broadcast end to end: it mints a client token, connects a
//! WebSocket client with it (AsyncAPI steps of `specs/asyncapi/web-pubsub-client.asyncapi.yml`),
//! joins a group, broadcasts to it through REST and returns the message the client received.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use pubsub_flows::credentials::{ConnectionString, client_for};
//! use pubsub_flows::{ReceiveGroupBroadcastInputs, receive_group_broadcast};
//!
//! let conn = ConnectionString::parse("Endpoint=https://contoso.webpubsub.azure.com;AccessKey=...;Version=1.0;")?;
//! let client = client_for(&conn)?; // connects the WebSocket client to the same endpoint
//! let inputs = ReceiveGroupBroadcastInputs::new("signed-per-request", "chat", "lobby", "hello");
//! let outputs = receive_group_broadcast(&client, inputs).await?;
//! assert_eq!(outputs.received_text, "hello");
//! # Ok(())
//! # }
//! ```
#![deny(warnings)]

/// Connection strings and AccessKey signing for the Web PubSub data plane.
pub mod credentials;

arazzo_runtime::include_workflows!("generate-token-then-broadcast");

/// The generated `receive-group-broadcast` flow. In a module of its own because its file
/// defines `WEB_PUB_SUB_API_BASE_URL` too (every generated file defines the base URLs of the
/// sources it calls); the flow, its types and the client source's URL are re-exported.
mod receive_broadcast {
    arazzo_runtime::include_workflows!("web-pubsub-receive-broadcast");
}

pub use receive_broadcast::{
    ReceiveGroupBroadcastInputs, ReceiveGroupBroadcastOutputs,
    ReceiveGroupBroadcastReceiveBroadcastMessage,
    ReceiveGroupBroadcastReceiveBroadcastMessageDataType,
    ReceiveGroupBroadcastReceiveBroadcastMessageFrom,
    ReceiveGroupBroadcastReceiveBroadcastMessageType, WEB_PUB_SUB_CLIENT_SERVER_URL,
    receive_group_broadcast,
};
