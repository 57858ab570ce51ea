//! The client that generated workflows send their requests through.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::request::Request;

/// Signs or otherwise adjusts each outgoing request, after the generated code has built it and
/// before it is sent. A credential that must see the final URL (an AccessKey JWT whose `aud`
/// is the request URL, say) is a hook.
pub trait RequestHook: Send + Sync + 'static {
    /// Adjusts `request` in place. An error stops the step; its message must not contain secrets.
    fn on_request(&self, request: &mut reqwest::Request) -> Result<(), HookError>;
}

/// Why a [`RequestHook`] refused a request. The message is shown to users: keep secrets out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookError(pub String);

impl fmt::Display for HookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for HookError {}

/// A handle shared by every workflow call: one `reqwest::Client` (and so one connection pool),
/// a base URL per source description, request hooks and a timeout. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base_urls: BTreeMap<String, String>,
    hooks: Vec<Arc<dyn RequestHook>>,
    timeout: Option<Duration>,
}

impl Client {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The underlying `reqwest::Client`, for requests of your own over the same pool.
    pub fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// The base URL requests to `source` go to: the override set with
    /// [`ClientBuilder::base_url`], or else `default` (from the OpenAPI description).
    pub fn base_url<'a>(&'a self, source: &str, default: &'a str) -> &'a str {
        self.inner
            .base_urls
            .get(source)
            .map_or(default, String::as_str)
    }

    /// Starts a request to `path` (already percent-encoded) on `source`'s base URL.
    /// Generated code calls this; `default_base` is the OpenAPI server URL.
    pub fn request(
        &self,
        method: reqwest::Method,
        source: &str,
        default_base: &str,
        path: &str,
    ) -> Request<'_> {
        let base = self.base_url(source, default_base).trim_end_matches('/');
        Request::new(self, method, format!("{base}{path}"), path)
    }

    pub(crate) fn hooks(&self) -> &[Arc<dyn RequestHook>] {
        &self.inner.hooks
    }

    pub(crate) fn timeout(&self) -> Option<Duration> {
        self.inner.timeout
    }
}

impl fmt::Debug for Client {
    // Hooks often hold credentials: show how many there are, never what they hold.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_urls", &self.inner.base_urls)
            .field("hooks", &self.inner.hooks.len())
            .field("timeout", &self.inner.timeout)
            .finish_non_exhaustive()
    }
}

/// Configures a [`Client`].
#[derive(Default)]
pub struct ClientBuilder {
    http: Option<reqwest::Client>,
    base_urls: BTreeMap<String, String>,
    hooks: Vec<Arc<dyn RequestHook>>,
    timeout: Option<Duration>,
}

impl ClientBuilder {
    /// Sends through this `reqwest::Client` (share one across your app to share its pool).
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Sends requests for the source description named `source` to `url` instead of the
    /// OpenAPI description's first server (for example a local service in development).
    pub fn base_url(mut self, source: impl Into<String>, url: impl Into<String>) -> Self {
        self.base_urls.insert(source.into(), url.into());
        self
    }

    /// Runs `hook` on every request, in the order hooks were added.
    pub fn hook(mut self, hook: impl RequestHook) -> Self {
        self.hooks.push(Arc::new(hook));
        self
    }

    /// Fails a step whose request (connect, send and read the response) takes longer.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Builds the client. Fails only when no `reqwest::Client` was given and the default one
    /// cannot be made (the TLS backend failed to initialise).
    pub fn build(self) -> Result<Client, reqwest::Error> {
        let http = match self.http {
            Some(http) => http,
            None => {
                install_crypto_provider();
                reqwest::Client::builder().build()?
            }
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_urls: self.base_urls,
                hooks: self.hooks,
                timeout: self.timeout,
            }),
        })
    }
}

/// Installs rustls' ring provider as the process default, unless one is installed already.
///
/// reqwest is built here without a bundled crypto provider (ring builds faster than aws-lc and
/// needs no cmake). [`ClientBuilder::build`] calls this itself; call it before building your own
/// `reqwest::Client` for [`ClientBuilder::http_client`].
pub fn install_crypto_provider() {
    // An error only means another provider was installed first, which is just as good.
    let _ = rustls::crypto::ring::default_provider().install_default();
}
