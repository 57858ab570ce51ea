//! Azure Web PubSub workflows.

/// Connection strings and AccessKey signing for the Web PubSub data plane.
pub mod credentials;
