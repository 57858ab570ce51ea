//! A local Azure Web PubSub service.
