//! Web PubSub credentials: connection strings and AccessKey request signing.
//!
//! A Web PubSub resource's connection string holds its endpoint and AccessKey. The data plane
//! accepts `Authorization: Bearer <JWT>` where the JWT is signed HS256 with the AccessKey and
//! its `aud` claim is the URL the request goes to, so one token fits one URL. A flow that sends
//! two requests therefore needs two tokens: [`AccessKeyCredential`] is a [`RequestHook`] that
//! signs every request the generated code sends, just before it leaves.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use pubsub_flows::credentials::{ConnectionString, client_for};
//!
//! let conn = ConnectionString::parse(&std::env::var("WEBPUBSUB_CONNECTION_STRING")?)?;
//! let client = client_for(&conn)?;
//! // Pass `client` to a generated workflow function.
//! # Ok(()) }
//! ```
//!
//! **The hook wins over the flow's own `Authorization` header.** The user's Arazzo flows set
//! `Authorization: Bearer $inputs.accessToken` themselves. Hooks run after the generated code
//! has built the request, and [`AccessKeyCredential`] replaces any `Authorization` header it
//! finds, so with a client from [`client_for`] the `accessToken` input is ignored: pass any
//! placeholder. Without the hook, `accessToken` must be a token that fits every request of the
//! flow (a Microsoft Entra ID token), since an AccessKey JWT fits only one URL.
//!
//! [`AccessKeyCredential`]: crate::credentials::AccessKeyCredential
//! [`RequestHook`]: arazzo_runtime::RequestHook
//! [`client_for`]: crate::credentials::client_for

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use arazzo_runtime::{Client, ClientBuilder, Secret};
use reqwest::Url;

/// The AccessKey credential lives in the runtime (feature `access-key`), where
/// `arazzo-codegen run --access-key` uses it too; this crate adds connection strings.
pub use arazzo_runtime::access_key::{AccessKeyCredential, CredentialError};

/// The name of the Web PubSub REST source description in this crate's Arazzo documents.
pub const SOURCE_NAME: &str = "webPubSubApi";

/// The name of the Web PubSub client protocol (AsyncAPI, WebSocket) source description in this
/// crate's Arazzo documents.
pub const CLIENT_SOURCE_NAME: &str = "webPubSubClient";

/// A parsed Web PubSub connection string:
/// `Endpoint=https://<name>.webpubsub.azure.com;AccessKey=<key>;Version=1.0;` with an optional
/// `Port=<n>`. `Debug` shows the endpoint but never the key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectionString {
    endpoint: String,
    access_key: Secret<String>,
    version: String,
}

impl ConnectionString {
    /// Parses a connection string.
    ///
    /// Keys are case-insensitive and may come in any order; whitespace around keys, values and
    /// the whole string is ignored, as is a trailing `;`. `Endpoint` (an `http` or `https` URL)
    /// and `AccessKey` are required; `Port` replaces the endpoint's port; `Version` defaults to
    /// `1.0`; other keys are ignored. Error messages never contain the key, nor any value that
    /// might hold it by mistake.
    pub fn parse(text: &str) -> Result<Self, ConnectionStringError> {
        let mut endpoint = None;
        let mut access_key = None;
        let mut version = None;
        let mut port = None;
        for (index, segment) in text.split(';').enumerate() {
            let segment = segment.trim();
            if segment.is_empty() {
                continue;
            }
            let Some((name, value)) = segment.split_once('=') else {
                return Err(ConnectionStringError::MissingEquals {
                    position: index + 1,
                });
            };
            let (name, value) = (name.trim(), value.trim());
            let (key, slot) = match name.to_ascii_lowercase().as_str() {
                "endpoint" => (ConnectionStringKey::Endpoint, &mut endpoint),
                "accesskey" => (ConnectionStringKey::AccessKey, &mut access_key),
                "version" => (ConnectionStringKey::Version, &mut version),
                "port" => (ConnectionStringKey::Port, &mut port),
                // Other tools add keys of their own (`ClientEndpoint`, say); they are not ours.
                _ => continue,
            };
            if value.is_empty() {
                return Err(ConnectionStringError::EmptyValue { key });
            }
            if slot.replace(value).is_some() {
                return Err(ConnectionStringError::DuplicateKey { key });
            }
        }
        let endpoint = endpoint.ok_or(ConnectionStringError::MissingKey {
            key: ConnectionStringKey::Endpoint,
        })?;
        let access_key = access_key.ok_or(ConnectionStringError::MissingKey {
            key: ConnectionStringKey::AccessKey,
        })?;
        let port = port.map(parse_port).transpose()?;
        Ok(Self {
            endpoint: normalise_endpoint(endpoint, port)?,
            access_key: Secret::new(access_key.to_owned()),
            version: version.unwrap_or("1.0").to_owned(),
        })
    }

    /// Builds a connection string from its parts, checking the endpoint as [`Self::parse`] does.
    pub fn from_parts(
        endpoint: &str,
        access_key: impl Into<Secret<String>>,
    ) -> Result<Self, ConnectionStringError> {
        let access_key = access_key.into();
        if access_key.expose().is_empty() {
            return Err(ConnectionStringError::EmptyValue {
                key: ConnectionStringKey::AccessKey,
            });
        }
        Ok(Self {
            endpoint: normalise_endpoint(endpoint.trim(), None)?,
            access_key,
            version: "1.0".to_owned(),
        })
    }

    /// The endpoint with `Port` applied and no trailing slash, e.g. `http://127.0.0.1:8080`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The AccessKey, as written (it signs with its UTF-8 bytes, not base64-decoded ones).
    pub fn access_key(&self) -> &Secret<String> {
        &self.access_key
    }

    /// The `Version` value, `1.0` when absent.
    pub fn version(&self) -> &str {
        &self.version
    }
}

impl FromStr for ConnectionString {
    type Err = ConnectionStringError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

fn parse_port(value: &str) -> Result<u16, ConnectionStringError> {
    match value.parse::<u16>() {
        Ok(port) if port != 0 => Ok(port),
        _ => Err(ConnectionStringError::BadPort),
    }
}

fn normalise_endpoint(text: &str, port: Option<u16>) -> Result<String, ConnectionStringError> {
    let malformed = |reason: String| ConnectionStringError::MalformedEndpoint { reason };
    let mut url = Url::parse(text).map_err(|err| malformed(err.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        // The scheme is safe to show; the rest of a malformed value might be a pasted key.
        return Err(malformed(format!(
            "the scheme is `{}`, not http or https",
            url.scheme()
        )));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(malformed("it has a query or fragment".to_owned()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(malformed("it has user credentials".to_owned()));
    }
    if port.is_some() && url.set_port(port).is_err() {
        return Err(ConnectionStringError::BadPort);
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// A key of a connection string, named in errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectionStringKey {
    /// `Endpoint`.
    Endpoint,
    /// `AccessKey`.
    AccessKey,
    /// `Version`.
    Version,
    /// `Port`.
    Port,
}

impl fmt::Display for ConnectionStringKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ConnectionStringKey::Endpoint => "Endpoint",
            ConnectionStringKey::AccessKey => "AccessKey",
            ConnectionStringKey::Version => "Version",
            ConnectionStringKey::Port => "Port",
        })
    }
}

/// Why a connection string was rejected. Neither `Display` nor `Debug` shows any value from
/// the string: a value might be the AccessKey pasted in the wrong place.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectionStringError {
    /// A required key is absent.
    MissingKey {
        /// The absent key.
        key: ConnectionStringKey,
    },
    /// A key is present with nothing after its `=`.
    EmptyValue {
        /// The key without a value.
        key: ConnectionStringKey,
    },
    /// A key appears twice, so which one counts would be a guess.
    DuplicateKey {
        /// The repeated key.
        key: ConnectionStringKey,
    },
    /// A `;`-separated segment has no `=`.
    MissingEquals {
        /// The segment's position, counting from 1.
        position: usize,
    },
    /// `Endpoint` is not an absolute `http` or `https` URL.
    MalformedEndpoint {
        /// What is wrong with it.
        reason: String,
    },
    /// `Port` is not a number from 1 to 65535.
    BadPort,
}

impl fmt::Display for ConnectionStringError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid Web PubSub connection string (Endpoint=...;AccessKey=***;): ")?;
        match self {
            Self::MissingKey { key } => write!(f, "`{key}` is missing"),
            Self::EmptyValue { key } => write!(f, "`{key}` has an empty value"),
            Self::DuplicateKey { key } => write!(f, "`{key}` appears more than once"),
            Self::MissingEquals { position } => {
                write!(f, "segment {position} is not of the form `Key=value`")
            }
            Self::MalformedEndpoint { reason } => {
                write!(f, "`Endpoint` is not an http(s) URL: {reason}")
            }
            Self::BadPort => f.write_str("`Port` is not a number from 1 to 65535"),
        }
    }
}

impl std::error::Error for ConnectionStringError {}

impl From<&ConnectionString> for AccessKeyCredential {
    fn from(conn: &ConnectionString) -> Self {
        Self::new(conn.access_key().clone())
    }
}

/// How long one request of a flow (connect, send, read the whole response) may take with a
/// client from [`client_builder`] or [`client_for`] before its step fails with a timeout.
/// Web PubSub answers its data-plane calls in well under a second, so 30 s means the service
/// or the network is stuck, and a flow should not wait on it forever.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A [`ClientBuilder`] that sends the `webPubSubApi` source to `conn`'s endpoint (and connects
/// the `webPubSubClient` WebSocket source there), signs every REST request with its AccessKey and times requests out after [`DEFAULT_TIMEOUT`]. Call
/// [`ClientBuilder::timeout`] to change the timeout, add your own `reqwest::Client`, then build.
pub fn client_builder(conn: &ConnectionString) -> ClientBuilder {
    Client::builder()
        .base_url(SOURCE_NAME, conn.endpoint())
        // The runtime connects to an `http(s)` base URL as `ws(s)`.
        .base_url(CLIENT_SOURCE_NAME, conn.endpoint())
        .hook(AccessKeyCredential::from(conn))
        .timeout(DEFAULT_TIMEOUT)
}

/// A [`Client`] for `conn` with [`DEFAULT_TIMEOUT`]: see [`client_builder`] to change it.
/// Fails only when the TLS backend cannot start.
pub fn client_for(conn: &ConnectionString) -> Result<Client, reqwest::Error> {
    client_builder(conn).build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use arazzo_runtime::testing::{Reply, TestServer};

    const KEY: &str = "Sup3rS3cretKeyXYZ+/ab==";

    fn assert_hides_key(err: &ConnectionStringError) {
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("Sup3rS3cret"), "{shown}");
        assert!(!shown.contains("XYZ"), "{shown}");
    }

    #[test]
    fn parses_the_portal_form() {
        let conn = ConnectionString::parse(&format!(
            "Endpoint=https://contoso.webpubsub.azure.com;AccessKey={KEY};Version=1.0;"
        ))
        .unwrap();
        assert_eq!(conn.endpoint(), "https://contoso.webpubsub.azure.com");
        assert_eq!(conn.access_key().expose(), KEY);
        assert_eq!(conn.version(), "1.0");
    }

    #[test]
    fn keys_are_case_insensitive_order_free_and_trimmed() {
        let conn = ConnectionString::parse(&format!(
            "  version = 1.1 ; ACCESSKEY = {KEY} ;endpoint= http://127.0.0.1/ ;pOrT=8080  "
        ))
        .unwrap();
        assert_eq!(conn.endpoint(), "http://127.0.0.1:8080");
        assert_eq!(conn.access_key().expose(), KEY);
        assert_eq!(conn.version(), "1.1");
    }

    #[test]
    fn port_replaces_the_endpoint_port_and_version_defaults() {
        let conn = ConnectionString::parse(&format!(
            "Endpoint=http://localhost:1234;AccessKey={KEY};Port=9"
        ))
        .unwrap();
        assert_eq!(conn.endpoint(), "http://localhost:9");
        assert_eq!(conn.version(), "1.0");
    }

    #[test]
    fn unknown_keys_and_empty_segments_are_ignored() {
        let conn = ConnectionString::parse(&format!(
            "ClientEndpoint=;;Endpoint=https://x.webpubsub.azure.com/base/;Other=1;AccessKey={KEY}"
        ))
        .unwrap();
        assert_eq!(conn.endpoint(), "https://x.webpubsub.azure.com/base");
    }

    #[test]
    fn from_str_and_from_parts_agree_with_parse() {
        let parsed: ConnectionString = format!("Endpoint=http://127.0.0.1:80;AccessKey={KEY}")
            .parse()
            .unwrap();
        let built = ConnectionString::from_parts("http://127.0.0.1:80/", KEY).unwrap();
        assert_eq!(parsed, built);
        assert_eq!(built.endpoint(), "http://127.0.0.1");
    }

    #[test]
    fn debug_hides_the_key() {
        let conn = ConnectionString::from_parts("https://x.webpubsub.azure.com", KEY).unwrap();
        let shown = format!("{conn:?} {:?}", AccessKeyCredential::from(&conn));
        assert!(shown.contains("https://x.webpubsub.azure.com"), "{shown}");
        assert!(!shown.contains("Sup3rS3cret"), "{shown}");
    }

    #[test]
    fn every_error_names_the_problem_and_hides_the_key() {
        let cases: &[(String, ConnectionStringError)] = &[
            (
                format!("AccessKey={KEY}"),
                ConnectionStringError::MissingKey {
                    key: ConnectionStringKey::Endpoint,
                },
            ),
            (
                "Endpoint=https://x.webpubsub.azure.com".to_owned(),
                ConnectionStringError::MissingKey {
                    key: ConnectionStringKey::AccessKey,
                },
            ),
            (
                "Endpoint=https://x.webpubsub.azure.com;AccessKey= ;".to_owned(),
                ConnectionStringError::EmptyValue {
                    key: ConnectionStringKey::AccessKey,
                },
            ),
            (
                format!("Endpoint=;AccessKey={KEY}"),
                ConnectionStringError::EmptyValue {
                    key: ConnectionStringKey::Endpoint,
                },
            ),
            (
                format!("Endpoint=https://a;endpoint=https://b;AccessKey={KEY}"),
                ConnectionStringError::DuplicateKey {
                    key: ConnectionStringKey::Endpoint,
                },
            ),
            // A mistyped segment may hold the key: it must not come back in the message.
            (
                "Endpoint=https://x.webpubsub.azure.com;AccessKey:Sup3rS3cretKeyXYZ".to_owned(),
                ConnectionStringError::MissingEquals { position: 2 },
            ),
            (
                format!("Endpoint=ftp://x;AccessKey={KEY}"),
                ConnectionStringError::MalformedEndpoint {
                    reason: "the scheme is `ftp`, not http or https".to_owned(),
                },
            ),
            (
                format!("Endpoint=https://x?a=b;AccessKey={KEY}"),
                ConnectionStringError::MalformedEndpoint {
                    reason: "it has a query or fragment".to_owned(),
                },
            ),
            (
                format!("Endpoint=https://u:p@x;AccessKey={KEY}"),
                ConnectionStringError::MalformedEndpoint {
                    reason: "it has user credentials".to_owned(),
                },
            ),
            (
                format!("Endpoint=https://x;AccessKey={KEY};Port=0"),
                ConnectionStringError::BadPort,
            ),
            (
                format!("Endpoint=https://x;AccessKey={KEY};Port=65536"),
                ConnectionStringError::BadPort,
            ),
            // A forgotten `;` glues the key onto another value: still never shown.
            (
                format!("Endpoint=https://x;Port=80 AccessKey={KEY};AccessKey=other"),
                ConnectionStringError::BadPort,
            ),
        ];
        for (text, want) in cases {
            let err = ConnectionString::parse(text).unwrap_err();
            assert_eq!(&err, want, "{text}");
            assert_hides_key(&err);
        }
    }

    #[test]
    fn an_endpoint_glued_to_the_key_is_malformed_and_hidden() {
        let err = ConnectionString::parse(&format!(
            "Endpoint=https://x AccessKey={KEY};AccessKey=other"
        ))
        .unwrap_err();
        assert!(
            matches!(err, ConnectionStringError::MalformedEndpoint { .. }),
            "{err}"
        );
        assert_hides_key(&err);
        let err = ConnectionString::parse(&format!("Endpoint={KEY};AccessKey={KEY}")).unwrap_err();
        assert!(
            matches!(err, ConnectionStringError::MalformedEndpoint { .. }),
            "{err}"
        );
        assert_hides_key(&err);
        let err = ConnectionString::from_parts("contoso.webpubsub.azure.com", KEY).unwrap_err();
        assert!(
            matches!(err, ConnectionStringError::MalformedEndpoint { .. }),
            "{err}"
        );
    }

    #[test]
    fn messages_are_readable() {
        let err = ConnectionString::parse("Endpoint=https://x").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid Web PubSub connection string (Endpoint=...;AccessKey=***;): \
             `AccessKey` is missing"
        );
    }

    /// Decodes a JWT's claims, checking its HS256 signature with the key's UTF-8 bytes
    /// independently of the runtime's signer.
    fn open(token: &str, key: &str) -> (serde_json::Value, serde_json::Value) {
        use base64::Engine as _;
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        use hmac::Mac as _;

        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3, "{token}");
        let decode = |part: &str| -> serde_json::Value {
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
        };
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).unwrap();
        mac.update(format!("{}.{}", parts[0], parts[1]).as_bytes());
        mac.verify_slice(&URL_SAFE_NO_PAD.decode(parts[2]).unwrap())
            .expect("signature checks out with the key's UTF-8 bytes");
        (decode(parts[0]), decode(parts[1]))
    }

    #[tokio::test]
    async fn client_for_sends_to_the_endpoint_with_a_signed_request() {
        let server = TestServer::builder()
            .on("POST", "/api/hubs/chat/:send", Reply::status(202))
            .start()
            .await
            .unwrap();
        let port = Url::parse(server.url()).unwrap().port().unwrap();
        // `Port` replaces the endpoint's: the request must reach the server on it.
        let conn = ConnectionString::parse(&format!(
            "Endpoint=http://127.0.0.1;AccessKey={KEY};Version=1.0;Port={port}"
        ))
        .unwrap();
        let client = client_for(&conn).unwrap();
        let response = client
            .request(
                reqwest::Method::POST,
                SOURCE_NAME,
                "https://contoso.webpubsub.azure.com",
                "/api/hubs/chat/:send",
            )
            .header("Authorization", "Bearer placeholder")
            .query("api-version", "2024-01-01")
            .text_body("text/plain", "hello")
            .send("broadcast")
            .await
            .unwrap();
        assert_eq!(response.status(), 202);

        let sent = server.requests();
        assert_eq!(sent.len(), 1, "{sent:?}");
        assert_eq!(sent[0].method, "POST");
        assert_eq!(sent[0].path, "/api/hubs/chat/:send");
        assert_eq!(sent[0].query.as_deref(), Some("api-version=2024-01-01"));
        assert_eq!(&sent[0].body[..], b"hello");
        let authorization: Vec<&str> = sent[0]
            .headers
            .iter()
            .filter(|(name, _)| name == "authorization")
            .map(|(_, value)| value.as_str())
            .collect();
        assert_eq!(authorization.len(), 1, "{sent:?}");
        let token = authorization[0].strip_prefix("Bearer ").unwrap();
        let (_, claims) = open(token, KEY);
        assert_eq!(
            claims["aud"],
            format!("http://127.0.0.1:{port}/api/hubs/chat/:send")
        );
    }

    /// A server on 127.0.0.1 that answers `generateToken` at once with a head and then one
    /// body byte a second for longer than any test waits: what a stuck proxy or service looks
    /// like, and what defeats a timeout that only bounds each read.
    async fn dribbling_server() -> (TestServer, ConnectionString) {
        let server = TestServer::builder()
            .on(
                "POST",
                "/api/hubs/chat/:generateToken",
                Reply::status(200).body_parts(vec!["a"; 600], Duration::from_secs(1)),
            )
            .start()
            .await
            .unwrap();
        let conn = ConnectionString::from_parts(server.url(), KEY).unwrap();
        (server, conn)
    }

    /// Runs the generated flow with `client` against a dribbling server and returns how long
    /// it took to fail, checking that it failed with a timeout in its first step.
    async fn time_out(client: &Client, bound: Duration) -> Duration {
        let inputs = crate::GenerateTokenThenBroadcastInputs::new("placeholder", "chat", "hi");
        let start = std::time::Instant::now();
        let outcome =
            tokio::time::timeout(bound, crate::generate_token_then_broadcast(client, inputs))
                .await
                .expect("the flow is still waiting on the dribbling server: no timeout");
        let elapsed = start.elapsed();
        match outcome {
            Err(arazzo_runtime::WorkflowError::Transport { step, source }) => {
                assert_eq!(step, "generateToken");
                assert!(source.is_timeout(), "{source:?}");
            }
            other => panic!("expected a timeout, got {other:?}"),
        }
        elapsed
    }

    #[tokio::test]
    async fn client_for_times_out_a_server_that_sends_one_byte_a_second() {
        let (_server, conn) = dribbling_server().await;
        let elapsed = time_out(
            &client_for(&conn).unwrap(),
            DEFAULT_TIMEOUT + Duration::from_secs(10),
        )
        .await;
        assert!(elapsed >= DEFAULT_TIMEOUT, "{elapsed:?}");
    }

    #[tokio::test]
    async fn the_default_timeout_can_be_changed() {
        let (_server, conn) = dribbling_server().await;
        let client = client_builder(&conn)
            .timeout(Duration::from_secs(1))
            .build()
            .unwrap();
        let elapsed = time_out(&client, Duration::from_secs(10)).await;
        assert!(elapsed >= Duration::from_secs(1), "{elapsed:?}");
        assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    }
}
