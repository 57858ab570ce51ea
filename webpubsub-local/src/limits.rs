//! The service's limits: what one client or one request may use at most. Each is enforced with
//! a clear answer (a 4xx with Microsoft's error body, or a WebSocket close with a reason), so
//! no input can crash the service, hang it or grow its memory without bound.

use std::time::Duration;

/// Azure's documented maximum size of one message, for REST bodies and WebSocket frames alike.
pub const AZURE_MESSAGE_LIMIT: usize = 1024 * 1024;

/// Limits of a [`Service`](crate::Service); start from [`Limits::default`] and change the
/// fields you need, then pass them to [`ServiceBuilder::limits`](crate::ServiceBuilder::limits).
///
/// ```
/// let mut limits = webpubsub_local::Limits::default();
/// limits.max_connections = 50_000;
/// let builder = webpubsub_local::Service::builder().limits(limits);
/// # drop(builder);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Largest message: a REST request body, or one WebSocket message from a client (the whole
    /// JSON frame for the JSON subprotocols). Default 1 MiB, Azure's limit. Larger REST bodies
    /// get 413; larger WebSocket messages close the connection with code 1009 and a reason.
    pub max_message_bytes: usize,
    /// Longest OData `filter`, in bytes. Default 32 KiB; longer filters get 400.
    pub max_filter_length: usize,
    /// Deepest nesting of parentheses and `not` in a `filter`. Default 32, at most
    /// [`MAX_FILTER_DEPTH`](crate::MAX_FILTER_DEPTH) (larger values are treated as that);
    /// deeper filters get 400.
    pub max_filter_depth: usize,
    /// Open TCP connections (HTTP and WebSocket together). Default 10,000, below the usual
    /// 20,000 descriptor limit so accepting never fails for lack of descriptors. At the limit a
    /// new connection first displaces the oldest one that has not yet sent a request; when
    /// every connection has, the new one gets 503 and is closed.
    pub max_connections: usize,
    /// How long a client may take to send a request's headers (also how long an idle
    /// keep-alive connection stays open) and, separately, its body. Default 10 s; past it the
    /// connection is closed (408 for a slow body).
    pub header_read_timeout: Duration,
    /// A WebSocket connection that sends nothing (not even a pong to the service's pings,
    /// which go out every third of this) for this long is closed with a reason. Default 120 s.
    pub idle_timeout: Duration,
    /// Bytes waiting to be written to one WebSocket connection (and, for the reliable
    /// subprotocol, sent but not yet acknowledged with `sequenceAck`). Default 16 MiB. A
    /// connection over it is closed with a reason and removed. For the reliable subprotocol
    /// this is what Azure documents ("if messages exceed the limit, the service will close the
    /// WebSockets connection and remove the connection-id session",
    /// <https://learn.microsoft.com/azure/azure-web-pubsub/howto-develop-reliable-clients>);
    /// for the other protocols Azure documents nothing, so the same rule applies.
    pub outbound_queue_bytes: usize,
    /// How many recent `ackId`s a connection remembers to answer resends with `Duplicate`.
    /// Default 10,000; older ids are forgotten (a resend that old is processed again).
    pub ack_id_window: usize,
    /// How long a dropped reliable-subprotocol connection is kept for the client to resume it
    /// with `awps_connection_id` and `awps_reconnection_token`. Default 60 s, the time
    /// Microsoft's clients keep trying.
    pub recovery_window: Duration,
    /// Bytes of unacknowledged messages that all dropped reliable-subprotocol connections
    /// together may keep for their clients (each alone is bounded by
    /// [`outbound_queue_bytes`](Limits::outbound_queue_bytes)). Default 256 MiB. Past it the
    /// connections that dropped first are removed first, and their recovery is refused with
    /// close code 1008 as for an expired window, so many clients dropping at once cannot hold
    /// their per-connection limit each.
    pub recovery_bytes: usize,
    /// How long an upstream event handler may take to answer one event (the abuse-protection
    /// `OPTIONS` included), body and all. Default 20 s. A `connect` past it refuses the client
    /// (500), a user event past it closes the connection (a JSON client's ack carries
    /// `InternalServerError` first); `connected`/`disconnected` are retried.
    pub upstream_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message_bytes: AZURE_MESSAGE_LIMIT,
            max_filter_length: 32 * 1024,
            max_filter_depth: 32,
            max_connections: 10_000,
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(120),
            outbound_queue_bytes: 16 * 1024 * 1024,
            ack_id_window: 10_000,
            recovery_window: Duration::from_secs(60),
            recovery_bytes: 256 * 1024 * 1024,
            upstream_timeout: Duration::from_secs(20),
        }
    }
}

impl Limits {
    /// The filter limits in the parser's terms.
    pub(crate) fn filter(&self) -> crate::filter::FilterLimits {
        crate::filter::FilterLimits {
            max_length: self.max_filter_length,
            max_depth: self.max_filter_depth,
        }
    }
}
