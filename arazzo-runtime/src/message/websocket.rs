//! The WebSocket transport (`ws`/`wss`), on tokio-tungstenite.

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Message as Frame};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::{
    BoxFuture, ConnectRequest, Connection, Message, MessageSender, MessageStream, Payload,
    TransportError,
};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Connects over WebSocket: `ws://` and `wss://` URLs (TLS through rustls with the platform's
/// root certificates), the binding's subprotocol in `Sec-WebSocket-Protocol`, the request's
/// headers on the handshake. A text frame is received as JSON when it parses as JSON, else as
/// text; a binary frame as binary. WebSocket frames have no headers: sending a message with
/// headers fails rather than dropping them.
#[derive(Debug, Default, Clone, Copy)]
pub struct WebSocket;

impl super::Transport for WebSocket {
    fn connect(
        &self,
        request: ConnectRequest,
    ) -> BoxFuture<'_, Result<Connection, TransportError>> {
        Box::pin(async move {
            let connecting = connect(&request);
            let socket = match request.timeout {
                Some(limit) => tokio::time::timeout(limit, connecting)
                    .await
                    .map_err(|_| {
                        TransportError::new(format!(
                            "the connect took longer than the client's timeout ({} ms)",
                            limit.as_millis()
                        ))
                    })??,
                None => connecting.await?,
            };
            let (sink, stream) = socket.split();
            Ok(Connection::new(Sender(sink), Inbound(stream)))
        })
    }
}

async fn connect(request: &ConnectRequest) -> Result<Socket, TransportError> {
    crate::install_crypto_provider();
    let url = &request.url;
    if !matches!(url.scheme(), "ws" | "wss") {
        return Err(TransportError::new(format!(
            "the WebSocket transport cannot open a `{}` URL",
            url.scheme()
        )));
    }
    let host = url
        .host_str()
        .ok_or_else(|| TransportError::new("the server URL has no host"))?;
    let port = url.port_or_known_default().unwrap_or(80);
    // The TCP connect is ours so that its error names the host and port only, never the
    // URL's query (where `access_token` travels).
    let tcp = TcpStream::connect((host.trim_matches(['[', ']']), port))
        .await
        .map_err(|err| TransportError::new(format!("cannot reach {host}:{port}: {err}")))?;
    let mut handshake = url
        .as_str()
        .into_client_request()
        .map_err(|_| TransportError::new("the server URL is not a valid WebSocket URL"))?;
    for (name, value) in &request.headers {
        handshake.headers_mut().append(name.clone(), value.clone());
    }
    if let Some(protocol) = &request.subprotocol {
        let value = HeaderValue::from_str(protocol).map_err(|_| {
            TransportError::new("the subprotocol contains characters HTTP headers cannot carry")
        })?;
        handshake
            .headers_mut()
            .insert("sec-websocket-protocol", value);
    }
    let config = WebSocketConfig::default()
        .max_message_size(Some(request.max_message_size))
        .max_frame_size(Some(request.max_message_size));
    let (socket, _) =
        tokio_tungstenite::client_async_tls_with_config(handshake, tcp, Some(config), None)
            .await
            .map_err(describe)?;
    Ok(socket)
}

/// A tungstenite error as users may see it: the handshake's status, never a URL.
fn describe(err: tungstenite::Error) -> TransportError {
    match err {
        tungstenite::Error::Http(response) => {
            let status = response.status();
            TransportError::new(format!(
                "the server refused the WebSocket handshake with HTTP status {status}"
            ))
            .with_status(status.as_u16())
        }
        // URL errors may quote the URL.
        tungstenite::Error::Url(_) => TransportError::new("the server URL cannot be used"),
        other => TransportError::new(other.to_string()),
    }
}

struct Sender(SplitSink<Socket, Frame>);

impl MessageSender for Sender {
    fn send(&mut self, message: Message) -> BoxFuture<'_, Result<(), TransportError>> {
        Box::pin(async move {
            if message.headers().as_object().is_some_and(|h| !h.is_empty()) {
                return Err(TransportError::new(
                    "WebSocket messages carry no headers; this message has some",
                ));
            }
            let frame = match message.payload {
                Payload::Binary(bytes) => Frame::Binary(bytes),
                Payload::Json(json) => Frame::text(json.to_string()),
                Payload::Text(text) => Frame::text(text),
            };
            self.0.send(frame).await.map_err(describe)
        })
    }

    fn close(&mut self) -> BoxFuture<'_, Result<(), TransportError>> {
        Box::pin(async move { self.0.close().await.map_err(describe) })
    }
}

struct Inbound(SplitStream<Socket>);

impl MessageStream for Inbound {
    fn next(&mut self) -> BoxFuture<'_, Option<Result<Message, TransportError>>> {
        Box::pin(async move {
            loop {
                let frame = match self.0.next().await? {
                    Ok(frame) => frame,
                    Err(err) => return Some(Err(describe(err))),
                };
                return Some(Ok(match frame {
                    Frame::Text(text) => match serde_json::from_str(text.as_str()) {
                        Ok(json) => Message::json(json),
                        Err(_) => Message::text(text.as_str()),
                    },
                    Frame::Binary(bytes) => Message::binary(bytes),
                    Frame::Close(_) => return None,
                    // Pongs are answered by tungstenite itself.
                    Frame::Ping(_) | Frame::Pong(_) | Frame::Frame(_) => continue,
                }));
            }
        })
    }
}
