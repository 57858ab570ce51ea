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
//!   `json.webpubsub.azure.v1` and `json.reliable.webpubsub.azure.v1`; client requests
//!   `joinGroup`, `leaveGroup`, `sendToGroup` (`noEcho`, `dataType` text/json/binary),
//!   `event`, `ping`, acked when they carry an `ackId` (error names `Forbidden`, `Duplicate`,
//!   `BadRequest`; an `ackId` that is not an unsigned integer is acked back as given with
//!   `BadRequest`; a frame that is not a JSON object, or a binary frame, closes the connection
//!   with code 1008, as Azure terminates clients that violate the subprotocol); permissions from
//!   `webpubsub.joinLeaveGroup[.<group>]` / `webpubsub.sendToGroup[.<group>]` roles and from
//!   the permission REST operations.
//! - Targeting by all / group / user / connection with `excluded` and OData `filter`s over
//!   `userId`, `connectionId` and `groups` (`eq ne gt ge lt le`, `in groups`, `not`, `and`,
//!   `or`, parentheses, `null`). Adding a user to a group covers the user's later
//!   connections too.
//! - Reliable connections (`json.reliable.webpubsub.azure.v1`): data messages carry
//!   `sequenceId`s and are kept until the client's `sequenceAck`; a client whose socket drops
//!   may reconnect within [`Limits::recovery_window`] to
//!   `/client/hubs/{hub}?awps_connection_id=ID&awps_reconnection_token=TOKEN` (no access token
//!   needed) and gets the same connection back: its groups and permissions, a `connected`
//!   message, then every message after its last `sequenceAck`, in order, then what is sent
//!   later. A wrong token, an unknown id or an expired window gets close code 1008 (Microsoft's
//!   clients then stop recovering and connect anew).
//!   A client that closes its socket with a close frame ends the connection at once.
//! - Upstream event handlers ([`HubSettings`], [`EventHandler`],
//!   [`ServiceBuilder::event_handler`]): `connect` (blocking; may refuse the client or set its
//!   user, groups, roles and subprotocol), `connected`, `disconnected` and user events,
//!   delivered per Microsoft's CloudEvents HTTP protocol for Web PubSub
//!   (<https://learn.microsoft.com/azure/azure-web-pubsub/reference-cloud-events>) with
//!   `ce-signature` and the abuse-protection handshake; answers to user events go back to the
//!   client. See the README section "Upstream event handlers".
//! - A dashboard at `/_dashboard` ([`ServiceBuilder::dashboard`]): hubs, connections, recent
//!   REST calls and upstream deliveries, and a test client; no access key or token is shown.
//! - Per-connection ordered delivery: each connection has one outbound queue drained by one
//!   writer task.
//!
//! # Limits
//! Every limit answers clearly and none can be exceeded by crashing, hanging or growing the
//! process: see [`Limits`] for each default and what happens past it, and
//! [`ServiceBuilder::limits`] (or the binary's flags and `WEBPUBSUB_LOCAL_*` variables) to
//! change them.
//! - Messages: 1 MiB (Azure's limit) for REST bodies (413) and client WebSocket messages (close
//!   code 1009 with a reason).
//! - OData `filter`: 32 KiB and 32 levels of parentheses/`not` (400 naming the limit);
//!   `and`/`or` chains of any length are read without recursion. A filter is evaluated a
//!   batch of connections at a time (at most 65,536 terms per batch) with the hub's lock
//!   released in between, so other calls on the hub are not held up for the whole run.
//! - Connections: 10,000 open TCP connections; at the limit a new connection displaces the
//!   oldest one that has not sent a request, else gets 503. Headers (and keep-alive idling) and
//!   bodies each get 10 s (then the connection closes, 408 for a body); a WebSocket silent for
//!   120 s (no frame, not even a pong to the service's pings) is closed with a reason.
//! - Outbound: 16 MiB waiting per connection (for reliable clients: sent and not yet
//!   acknowledged); past it the connection is closed with a reason and removed, as Azure
//!   documents for reliable clients.
//! - `ackId`s: the last 10,000 per connection are remembered for `Duplicate`.
//! - Recovery: dropped reliable connections keep at most 256 MiB of unacknowledged messages
//!   together; past it the ones that dropped first are removed (their recovery gets 1008).
//! - Hubs: a hub with no connections and no user group memberships is forgotten, so made-up
//!   hub names do not accumulate.
//! - Upstream event handlers: each call (handshake, request, answer body) within
//!   [`Limits::upstream_timeout`] (20 s), answer bodies up to the message limit; up to 16 user
//!   events wait per connection, then that client's frames are read no further until one is done.
//! - Names: groups 1 to 1024 characters, not only whitespace; users 1 to 1024; neither may
//!   contain control characters (CR, LF, NUL, ...): 400, or an ack with `BadRequest`.
//! - Token times: `exp`/`nbf` are compared with saturating arithmetic, so any `exp` (even
//!   `i64::MAX`, which `minutesToExpire=9223372036854775807` mints) is simply far away.
//!
//! # Where it differs from Azure
//! - Nothing is persisted and there is one instance; state lives in memory until shutdown.
//! - Upstream event handlers take `http://` URLs only; the abuse-protection `OPTIONS` goes out
//!   before the first event to a URL (Azure sends it when settings are saved);
//!   `connected`/`disconnected` are tried 3 times; `ce-signature` has one value (one key); the
//!   `connect` event's `query` and `headers` leave out the access token and `Authorization`.
//!   Without a handler, `event` requests are acked and dropped and raw clients' frames are
//!   ignored, as in Azure.
//! - `messageTtlSeconds` is validated and ignored. A reliable connection's backlog is bounded
//!   in bytes ([`Limits::outbound_queue_bytes`]); Azure documents a limit but not its size.
//! - The `MQTT` client type, Socket.IO, the protobuf subprotocols and Entra ID tokens are not
//!   supported; HTTP only (no TLS).
//! - A non-reliable client that stops reading is closed (code 1008, with a reason) once
//!   [`Limits::outbound_queue_bytes`] wait for it; Azure documents nothing for that case.
//! - The limits differ from Azure's where Azure has none or does not say (connections per
//!   instance, filter size, timeouts): see [Limits](#limits).
//! - WebSocket clients connect at `/client/hubs/{hub}` only (not `/client?hub=`).
//! - Hub names compare case-insensitively, and client-token audiences are compared without
//!   regard to case.
//! - Connections the service closes get close code 1008 with the reason (cut to 123 bytes);
//!   JSON clients first get the `disconnected` system message. Messages over the size limit
//!   close with 1009.
//! - Unknown routes give 404; sends without a `Content-Type` are taken as
//!   `application/octet-stream`, other content types give 415; bodies over 1 MiB give 413.
//! - Group names and user ids with control characters are refused (Azure's group pattern only
//!   excludes LF).
//! - Adding a connection to a group or granting it a permission answers 404 when the
//!   connection does not exist; sends, removals and closes of unknown targets still succeed.
//! - Every send and close operation also accepts `excluded` and `filter`, even where Azure's
//!   spec lists only some of them.

mod auth;
mod client;
mod dashboard;
mod filter;
mod jwt;
mod limits;
mod link;
mod message;
mod names;
mod recovery;
mod request;
mod rest;
mod server;
mod service;
mod state;
mod upstream;

#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;

pub use filter::MAX_DEPTH_CEILING as MAX_FILTER_DEPTH;
pub use limits::{AZURE_MESSAGE_LIMIT, Limits};
pub use service::{Error, RunningService, Service, ServiceBuilder};
pub use upstream::{EventHandler, HubSettings, SettingsError, SystemEvent, UserEvents};
