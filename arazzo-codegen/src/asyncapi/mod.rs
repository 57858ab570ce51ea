//! AsyncAPI 3.0 and 2.6 descriptions read into one message-operation table: what an Arazzo 1.1
//! `send`/`receive` step can name, with every entry's location.
//!
//! 2.6's channel-nested `publish`/`subscribe` are mapped once, here, to 3.0's `send`/`receive`
//! (the Arazzo Step Object: "send (publish) or receive (subscribe)"); a 2.6 channel's key is its
//! address. `$ref`s are followed (within and across loaded files) with a hop limit, so a
//! reference cycle ends in a diagnostic.

mod reader;
#[cfg(test)]
mod tests;

use serde_json::Value;

use crate::diagnostic::{Diagnostic, FileId};

pub(crate) use crate::openapi::Located;

/// The files an AsyncAPI description is read from (implemented by the loader).
pub(crate) trait Documents {
    /// The parsed content of `file`.
    fn value(&self, file: FileId) -> &Value;
    /// Resolves a JSON Reference written in `from`: (file, RFC 6901 pointer).
    fn resolve_ref(&self, from: FileId, reference: &str) -> Result<(FileId, String), Diagnostic>;
}

/// Whether an operation sends to or receives from its channel (as the application the
/// description is written for, which is the Arazzo step's point of view).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    /// 3.0 `send`, 2.6 `publish`.
    Send,
    /// 3.0 `receive`, 2.6 `subscribe`.
    Receive,
}

impl Action {
    /// The Arazzo spelling.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Action::Send => "send",
            Action::Receive => "receive",
        }
    }
}

/// An AsyncAPI description read into a table.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct AsyncApi {
    /// The file it was read from.
    pub(crate) file: FileId,
    /// `asyncapi`: `3.0.x` or `2.6.x`.
    pub(crate) version: String,
    /// `servers`, in document order.
    pub(crate) servers: Vec<Server>,
    /// `channels`, in document order.
    pub(crate) channels: Vec<Channel>,
    /// Every operation (2.6: every `publish`/`subscribe`).
    pub(crate) operations: Vec<MessageOperation>,
    /// `components.securitySchemes`.
    pub(crate) security_schemes: Vec<SecurityScheme>,
}

/// A server.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Server {
    /// Its key.
    pub(crate) name: String,
    /// `host` (3.0) or the host of `url` (2.6), with `{variables}` left in.
    pub(crate) host: String,
    /// `protocol`, lower case.
    pub(crate) protocol: String,
    /// `pathname` (3.0) or the path of `url` (2.6).
    pub(crate) pathname: String,
    /// Each `{variable}` with its default.
    pub(crate) variables: Vec<(String, Option<String>)>,
    /// Names of the security schemes it lists.
    pub(crate) security: Vec<String>,
    /// Where it is.
    pub(crate) pointer: String,
}

/// A channel.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Channel {
    /// Its key.
    pub(crate) key: String,
    /// The address template (`/client/hubs/{hub}`); `None` when unknown until run time.
    pub(crate) address: Option<String>,
    /// Its parameters' names.
    pub(crate) parameters: Vec<String>,
    /// The `ws` binding, when it has one.
    pub(crate) ws: Option<WsBinding>,
    /// Where it is (`/channels/<key>`).
    pub(crate) pointer: String,
}

/// A channel's `ws` binding: the upgrade request's query and header schemas.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct WsBinding {
    /// `method` (`GET` or `POST`).
    pub(crate) method: Option<String>,
    /// `query`: a schema of the query parameters.
    pub(crate) query: Option<Value>,
    /// `headers`: a schema of the headers.
    pub(crate) headers: Option<Value>,
}

/// An operation: a channel, a direction and the messages it carries.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct MessageOperation {
    /// The operation's id (3.0: its key; 2.6: `operationId`).
    pub(crate) id: Option<String>,
    /// `send` or `receive`.
    pub(crate) action: Action,
    /// Index into [`AsyncApi::channels`].
    pub(crate) channel: usize,
    /// The messages (3.0: the operation's `messages`, else all of the channel's).
    pub(crate) messages: Vec<Message>,
    /// Where it is.
    pub(crate) pointer: String,
}

/// A message.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Message {
    /// `name`, else its key.
    pub(crate) name: String,
    /// `payload`: a schema, with `$ref`s left for the typing layer (the file it is in).
    pub(crate) payload: Option<(FileId, Value)>,
    /// `headers`: a schema.
    pub(crate) headers: Option<(FileId, Value)>,
    /// `correlationId.location` (`$message.payload#/ackId`).
    pub(crate) correlation_id: Option<String>,
    /// Where it is.
    pub(crate) pointer: String,
}

/// A security scheme.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SecurityScheme {
    /// Its key.
    pub(crate) name: String,
    /// `type` (`httpApiKey`, `http`, `userPassword`, ...).
    pub(crate) kind: String,
    /// `name` of an `httpApiKey`.
    pub(crate) key_name: Option<String>,
    /// `in` of an `httpApiKey` (`query`, `header`, `cookie`).
    pub(crate) location: Option<String>,
    /// `scheme` of an `http` scheme (`bearer`).
    pub(crate) scheme: Option<String>,
}

impl Server {
    /// `protocol://host/pathname` with each variable's default, or the first variable that
    /// has none.
    pub(crate) fn url(&self) -> Result<String, String> {
        let mut url = format!("{}://{}{}", self.protocol, self.host, self.pathname);
        for (name, default) in &self.variables {
            let Some(default) = default else {
                return Err(name.clone());
            };
            url = url.replace(&format!("{{{name}}}"), default);
        }
        Ok(url.trim_end_matches('/').to_owned())
    }
}

impl Message {
    /// Its payload schema (pointer into the file it is written in).
    pub(crate) fn payload_schema(&self) -> Option<crate::openapi::SchemaRef> {
        self.payload
            .as_ref()
            .map(|(file, _)| crate::openapi::SchemaRef {
                file: *file,
                pointer: format!("{}/payload", self.pointer),
            })
    }
}

impl AsyncApi {
    /// Reads the description in `file`; problems are located diagnostics.
    pub(crate) fn read(docs: &dyn Documents, file: FileId) -> (Option<AsyncApi>, Vec<Located>) {
        reader::read(docs, file)
    }

    /// The operation with this id.
    pub(crate) fn operation(&self, id: &str) -> Option<&MessageOperation> {
        self.operations.iter().find(|o| o.id.as_deref() == Some(id))
    }

    /// The channel at this JSON pointer (`/channels/<key>`), from a `channelPath`.
    pub(crate) fn channel_at(&self, pointer: &str) -> Option<usize> {
        self.channels.iter().position(|c| c.pointer == pointer)
    }
}
