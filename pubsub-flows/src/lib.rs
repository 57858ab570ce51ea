//! Azure Web PubSub workflows.
