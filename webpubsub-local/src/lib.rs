//! A local Azure Web PubSub service for development and tests.
//!
//! It speaks the data-plane REST API (api-version `2024-01-01`, plus `2024-12-01`, which adds
//! listing a group's connections) and the client WebSocket endpoint, so Microsoft's server
//! and client SDKs, generated REST clients and plain WebSocket clients can run against it
//! without an Azure subscription.
//!
//! ```no_run
//! # async fn demo() -> Result<(), webpubsub_local::Error> {
//! let service = webpubsub_local::Service::builder()
//!     .access_key("local-dev-key")
//!     .start_on("127.0.0.1:0".parse().expect("address"))
//!     .await?;
//! println!("{}", service.connection_string());
//! // Endpoint=http://127.0.0.1;AccessKey=local-dev-key;Version=1.0;Port=PORT;
//! service.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! # What it supports
//! - All 24 REST operations of 2024-01-01 and `GET /api/hubs/{hub}/groups/{group}/connections`
//!   (paged with `maxpagesize`, `top`, `continuationToken`; `nextLink` is absolute), with
//!   Azure's status codes, Microsoft's error body `{code, message, target, details, inner}` and
//!   the `x-ms-error-code` header. The `:` of `/:send` may also arrive as `%3A`.
//! - AccessKey authentication: `Authorization: Bearer <JWT>`, HS256 over the key's UTF-8 bytes,
//!   `exp` required, `nbf` honoured, both with a 30 second clock skew; `aud` must be the URL
//!   the client addressed (scheme `http`, host and port as in the `Host` header or the
//!   service endpoint, the path, optionally the query), a trailing slash aside. Other
//!   algorithms, including `none`, are refused with 401 and nothing changes.
//!   `HEAD /api/health` is anonymous.
//! - `:generateToken` mints client tokens (`aud`, `sub`, `role`, `webpubsub.group`, `iat`, `exp`).
//! - WebSocket clients at `/client/hubs/{hub}` with the token in `access_token` or an
//!   `Authorization: Bearer` header; subprotocols none (raw frames),
//!   `json.webpubsub.azure.v1` and `json.reliable.webpubsub.azure.v1` (`sequenceId`s,
//!   `reconnectionToken`, `sequenceAck` accepted); client requests `joinGroup`, `leaveGroup`,
//!   `sendToGroup` (`noEcho`, `dataType` text/json/binary), `event`, `ping`, acked when they
//!   carry an `ackId` (error names `Forbidden`, `Duplicate`, `BadRequest`); permissions from
//!   `webpubsub.joinLeaveGroup[.<group>]` / `webpubsub.sendToGroup[.<group>]` roles and from
//!   the permission REST operations.
//! - Targeting by all / group / user / connection with `excluded` and OData `filter`s over
//!   `userId`, `connectionId` and `groups` (`eq ne gt ge lt le`, `in groups`, `not`, `and`,
//!   `or`, parentheses, `null`). Adding a user to a group covers the user's later
//!   connections too.
//! - Per-connection ordered delivery: each connection has one unbounded outbound queue drained
//!   by one writer task.
//!
//! # Where it differs from Azure
//! - Nothing is persisted and there is one instance; state lives in memory until shutdown.
//! - No upstream event handlers: `event` requests are acked and dropped, raw clients' frames
//!   are ignored, `connect`/`connected`/`disconnected` events go nowhere.
//! - No connection recovery: a reliable client that loses its socket cannot resume with its
//!   reconnection token, and nothing is resent; `messageTtlSeconds` is validated and ignored.
//! - The `MQTT` client type, Socket.IO, the protobuf subprotocols and Entra ID tokens are not
//!   supported; HTTP only (no TLS).
//! - Outbound queues are unbounded: a client that stops reading makes its queue grow instead
//!   of being disconnected.
//! - WebSocket clients connect at `/client/hubs/{hub}` only (not `/client?hub=`).
//! - Hub names compare case-insensitively, and client-token audiences are compared without
//!   regard to case.
//! - Connections the service closes get close code 1008 with the reason (cut to 123 bytes);
//!   JSON clients first get the `disconnected` system message.
//! - Unknown routes give 404; sends without a `Content-Type` are taken as
//!   `application/octet-stream`, other content types give 415; bodies over 1 MiB give 413.
//! - Adding a connection to a group or granting it a permission answers 404 when the
//!   connection does not exist; sends, removals and closes of unknown targets still succeed.
//! - Every send and close operation also accepts `excluded` and `filter`, even where Azure's
//!   spec lists only some of them.

mod auth;
mod client;
mod filter;
mod jwt;
mod limits;
mod link;
mod message;
mod names;
mod request;
mod rest;
mod server;
mod service;
mod state;

#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;

pub use filter::MAX_DEPTH_CEILING as MAX_FILTER_DEPTH;
pub use limits::{AZURE_MESSAGE_LIMIT, Limits};
pub use service::{Error, RunningService, Service, ServiceBuilder};
