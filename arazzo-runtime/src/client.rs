//! The client that generated workflows send their requests through.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::Secret;
use crate::base_url::BaseUrls;
use crate::message::{BoxFuture, DEFAULT_INBOUND_BUFFER, MessageStep, Transport, WebSocket};
use crate::response::Response;

/// The largest response body (and inbound message) a client reads unless told otherwise:
/// 16 MiB.
pub const DEFAULT_MAX_RESPONSE_SIZE: usize = 16 << 20;
use crate::request::Request;

/// A credential for one OpenAPI security scheme, set with [`ClientBuilder::credential`].
/// `Debug` never shows the secret parts.
#[derive(Clone, Debug)]
pub enum Credential {
    /// The key of an `apiKey` scheme, sent in the header, query parameter or cookie the
    /// scheme names.
    ApiKey(Secret<String>),
    /// HTTP `basic`: `Authorization: Basic base64(user:password)`.
    Basic {
        /// The user name.
        user: String,
        /// The password.
        password: Secret<String>,
    },
    /// HTTP `bearer` (also `oauth2` and `openIdConnect` schemes): `Authorization: Bearer <token>`.
    Bearer(Secret<String>),
}

/// What a security scheme asks for, as generated code describes it (from the OpenAPI
/// description's `securitySchemes`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SchemeKind {
    /// `type: apiKey`: the key goes in `location` under `name`.
    ApiKey {
        /// The header, query parameter or cookie name.
        name: &'static str,
        /// Where the key goes.
        location: KeyLocation,
    },
    /// `type: http, scheme: basic`.
    Basic,
    /// `type: http, scheme: bearer`, `oauth2`, `openIdConnect`.
    Bearer,
}

/// Where an `apiKey` goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyLocation {
    /// A request header.
    Header,
    /// A query parameter.
    Query,
    /// A cookie.
    Cookie,
}

/// An operation's security requirements: alternatives, each a list of (scheme name, kind)
/// that must all be satisfied together.
pub type Requirements = &'static [&'static [(&'static str, SchemeKind)]];

/// Signs or otherwise adjusts each outgoing request, after the generated code has built it and
/// before it is sent. A credential that must see the final URL (an AccessKey JWT whose `aud`
/// is the request URL, say) is a hook.
pub trait RequestHook: Send + Sync + 'static {
    /// Adjusts `request` in place. An error stops the step; its message must not contain secrets.
    fn on_request(&self, request: &mut reqwest::Request) -> Result<(), HookError>;
}

/// Sees each step as it runs, asynchronously. For an HTTP step: the step id and the request
/// just before it is sent (after credentials and [`RequestHook`]s; it may still change it),
/// then the response once read. For an AsyncAPI message step: each connect, send and receive
/// once it is over, with its time and outcome. For metrics, audit logs, or a signature that
/// needs an async call (a token from a vault). Every method does nothing unless overridden.
pub trait StepHook: Send + Sync + 'static {
    /// Runs before `step`'s request is sent. An error stops the step; keep secrets out of it.
    fn before_send<'a>(
        &'a self,
        step: &'static str,
        request: &'a mut reqwest::Request,
    ) -> BoxFuture<'a, Result<(), HookError>> {
        let _ = (step, request);
        Box::pin(async { Ok(()) })
    }

    /// Runs once `step`'s response has been read, before its criteria are checked.
    fn after_response<'a>(
        &'a self,
        step: &'static str,
        response: &'a Response,
    ) -> BoxFuture<'a, ()> {
        let _ = (step, response);
        Box::pin(async {})
    }

    /// Runs once a message step's connect, send or receive is over, successful or not (a
    /// failed one also fails the step, or goes to its `onFailure`).
    fn after_message<'a>(
        &'a self,
        step: &'static str,
        event: &'a MessageStep<'a>,
    ) -> BoxFuture<'a, ()> {
        let _ = (step, event);
        Box::pin(async {})
    }
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
    /// What requests go through when the client was built with a middleware stack.
    #[cfg(feature = "middleware")]
    middleware: Option<reqwest_middleware::ClientWithMiddleware>,
    base_urls: BaseUrls,
    hooks: Vec<Arc<dyn RequestHook>>,
    step_hooks: Vec<Arc<dyn StepHook>>,
    timeout: Option<Duration>,
    credentials: BTreeMap<String, Credential>,
    transports: Transports,
    inbound_buffer: usize,
    max_response_size: usize,
    max_retry_after: Duration,
    workflow_deadline: Option<Duration>,
}

/// The message transports a client was given, by source description and by protocol.
#[derive(Default, Clone)]
struct Transports {
    by_source: BTreeMap<String, Arc<dyn Transport>>,
    by_protocol: BTreeMap<String, Arc<dyn Transport>>,
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
            .override_text(source)
            .unwrap_or(default)
    }

    /// Starts a request to `path` (already percent-encoded) on `source`'s base URL.
    /// Generated code calls this; `default_base` is the OpenAPI server URL.
    ///
    /// Each base URL is parsed once per client (an override when the client is built, a
    /// default on first use); the request's URL is that one with `path` appended.
    pub fn request(
        &self,
        method: reqwest::Method,
        source: &str,
        default_base: &str,
        path: &str,
    ) -> Request<'_> {
        let base = self.base_url_parsed(source, default_base);
        Request::new(self, method, base, path)
    }

    /// `source`'s base URL, parsed (cached per client).
    pub(crate) fn base_url_parsed(&self, source: &str, default: &str) -> crate::base_url::Parsed {
        self.inner.base_urls.resolve(source, default)
    }

    /// Sends `request` (through the middleware stack, when there is one). Errors name `step`;
    /// `secrets` are masked in a middleware's error message.
    pub(crate) async fn execute(
        &self,
        step: &'static str,
        request: reqwest::Request,
        secrets: &crate::redact::SentSecrets,
    ) -> Result<reqwest::Response, crate::WorkflowError> {
        #[cfg(feature = "middleware")]
        if let Some(stack) = &self.inner.middleware {
            let url = request.url().clone();
            return stack.execute(request).await.map_err(|err| match err {
                reqwest_middleware::Error::Reqwest(source) => {
                    crate::WorkflowError::transport(step, source)
                }
                reqwest_middleware::Error::Middleware(err) => crate::WorkflowError::Middleware {
                    step,
                    message: crate::redact::scrub(&format!("{err:#}"), &url, secrets),
                },
            });
        }
        let _ = secrets;
        self.inner
            .http
            .execute(request)
            .await
            .map_err(|source| crate::WorkflowError::transport(step, source))
    }

    /// The credential configured for the security scheme `scheme`, if it fits `kind`.
    pub(crate) fn credential(&self, scheme: &str, kind: SchemeKind) -> Option<&Credential> {
        let c = self.inner.credentials.get(scheme)?;
        let fits = matches!(
            (kind, c),
            (SchemeKind::ApiKey { .. }, Credential::ApiKey(_))
                | (SchemeKind::Basic, Credential::Basic { .. })
                | (SchemeKind::Bearer, Credential::Bearer(_))
        );
        fits.then_some(c)
    }

    /// Whether any credential is configured (so [`Self::credential_secrets`] has any).
    pub(crate) fn has_credentials(&self) -> bool {
        !self.inner.credentials.is_empty()
    }

    /// Every secret part of the configured credentials (for Basic, the password and the
    /// encoded pair).
    pub(crate) fn credential_secrets(&self) -> Vec<Secret<String>> {
        let mut out = Vec::new();
        for credential in self.inner.credentials.values() {
            match credential {
                Credential::ApiKey(key) | Credential::Bearer(key) => out.push(key.clone()),
                Credential::Basic { user, password } => {
                    out.push(password.clone());
                    out.push(Secret::new(crate::request::base64(
                        format!("{user}:{}", password.expose()).as_bytes(),
                    )));
                }
            }
        }
        out
    }

    pub(crate) fn hooks(&self) -> &[Arc<dyn RequestHook>] {
        &self.inner.hooks
    }

    pub(crate) fn step_hooks(&self) -> &[Arc<dyn StepHook>] {
        &self.inner.step_hooks
    }

    pub(crate) fn timeout(&self) -> Option<Duration> {
        self.inner.timeout
    }

    /// The transport for a message source: the one set for `source`, else the one set for
    /// `protocol`, else the built-in WebSocket transport for `ws`/`wss`.
    pub(crate) fn transport(&self, source: &str, protocol: &str) -> Option<Arc<dyn Transport>> {
        let set = &self.inner.transports;
        if let Some(t) = set
            .by_source
            .get(source)
            .or_else(|| set.by_protocol.get(protocol))
        {
            return Some(Arc::clone(t));
        }
        matches!(protocol, "ws" | "wss").then(|| Arc::new(WebSocket) as Arc<dyn Transport>)
    }

    pub(crate) fn inbound_buffer(&self) -> usize {
        self.inner.inbound_buffer
    }

    pub(crate) fn max_response_size(&self) -> usize {
        self.inner.max_response_size
    }

    pub(crate) fn max_retry_after(&self) -> Duration {
        self.inner.max_retry_after
    }

    pub(crate) fn workflow_deadline(&self) -> Option<Duration> {
        self.inner.workflow_deadline
    }
}

impl fmt::Debug for Client {
    // Hooks often hold credentials: show how many there are, never what they hold.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_urls", &self.inner.base_urls.override_texts())
            .field("hooks", &self.inner.hooks.len())
            .field("step_hooks", &self.inner.step_hooks.len())
            .field("timeout", &self.inner.timeout)
            .field(
                "transports",
                &(
                    self.inner.transports.by_source.keys().collect::<Vec<_>>(),
                    self.inner.transports.by_protocol.keys().collect::<Vec<_>>(),
                ),
            )
            .field("inbound_buffer", &self.inner.inbound_buffer)
            .field("max_response_size", &self.inner.max_response_size)
            .field("max_retry_after", &self.inner.max_retry_after)
            .field("workflow_deadline", &self.inner.workflow_deadline)
            .field(
                "credentials",
                &self.inner.credentials.keys().collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

/// Configures a [`Client`].
#[derive(Default)]
pub struct ClientBuilder {
    http: Option<reqwest::Client>,
    #[cfg(feature = "middleware")]
    middleware: Option<reqwest_middleware::ClientWithMiddleware>,
    base_urls: BTreeMap<String, String>,
    hooks: Vec<Arc<dyn RequestHook>>,
    step_hooks: Vec<Arc<dyn StepHook>>,
    timeout: Option<Duration>,
    credentials: BTreeMap<String, Credential>,
    transports: Transports,
    inbound_buffer: Option<usize>,
    max_response_size: Option<usize>,
    max_retry_after: Option<Duration>,
    workflow_deadline: Option<Duration>,
}

impl ClientBuilder {
    /// Sends through this `reqwest::Client` (share one across your app to share its pool).
    /// Replaces a `middleware_client` (feature `middleware`) given before.
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        #[cfg(feature = "middleware")]
        {
            self.middleware = None;
        }
        self
    }

    /// Sends every HTTP step's request through this `reqwest_middleware` stack (feature
    /// `middleware`): retries, caching, tracing or signing middleware of your own. Its inner
    /// `reqwest::Client` is what [`Client::http`] returns and what its redirect policy is.
    /// Credentials, [`RequestHook`]s and [`StepHook::before_send`] run before the stack sees
    /// the request. A middleware's own error fails the step with
    /// [`WorkflowError::Middleware`](crate::WorkflowError::Middleware). Replaces an
    /// [`http_client`](Self::http_client) given before.
    #[cfg(feature = "middleware")]
    pub fn middleware_client(mut self, client: reqwest_middleware::ClientWithMiddleware) -> Self {
        self.http = Some(client.as_ref().clone());
        self.middleware = Some(client);
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

    /// Runs `hook` around every step (HTTP and message), in the order step hooks were added.
    pub fn step_hook(mut self, hook: impl StepHook) -> Self {
        self.step_hooks.push(Arc::new(hook));
        self
    }

    /// Uses `credential` for the OpenAPI security scheme named `scheme` (its key under
    /// `components.securitySchemes`, in every source description that has one so named).
    /// A request uses the first of its operation's security requirements whose schemes all
    /// have a fitting credential; when none has, it is sent without (the server will likely
    /// answer 401). A header the step sets itself (`Authorization`, say) is left alone.
    pub fn credential(mut self, scheme: impl Into<String>, credential: Credential) -> Self {
        self.credentials.insert(scheme.into(), credential);
        self
    }

    /// Fails a step whose request (connect, send and read the response) takes longer; also
    /// bounds each message connect and send.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Opens the message connections of AsyncAPI source description `source` with
    /// `transport` (takes precedence over [`ClientBuilder::transport_for_protocol`]).
    pub fn transport_for_source(
        mut self,
        source: impl Into<String>,
        transport: impl Transport,
    ) -> Self {
        self.transports
            .by_source
            .insert(source.into(), Arc::new(transport));
        self
    }

    /// Opens message connections whose server protocol (the AsyncAPI server's `protocol`,
    /// `mqtt`, say) is `protocol` with `transport`. `ws` and `wss` use
    /// [`WebSocket`](crate::message::WebSocket) unless replaced here.
    pub fn transport_for_protocol(
        mut self,
        protocol: impl Into<String>,
        transport: impl Transport,
    ) -> Self {
        self.transports
            .by_protocol
            .insert(protocol.into(), Arc::new(transport));
        self
    }

    /// The largest response body a step reads, in bytes (default
    /// [`DEFAULT_MAX_RESPONSE_SIZE`], 16 MiB); also the largest inbound message. A larger one
    /// fails the step with [`WorkflowError::ResponseTooLarge`](crate::WorkflowError::ResponseTooLarge)
    /// (or a message error), and reading stops there.
    pub fn max_response_size(mut self, bytes: usize) -> Self {
        self.max_response_size = Some(bytes);
        self
    }

    /// Fails a workflow call that takes longer, all its steps, retries and waits included,
    /// with [`WorkflowError::DeadlineExceeded`](crate::WorkflowError::DeadlineExceeded) naming
    /// the step that was running. A workflow another one calls shares its caller's deadline.
    pub fn workflow_deadline(mut self, deadline: Duration) -> Self {
        self.workflow_deadline = Some(deadline);
        self
    }

    /// The longest server `Retry-After` a `retry` action waits for (default
    /// [`DEFAULT_MAX_RETRY_AFTER`](crate::DEFAULT_MAX_RETRY_AFTER), 2 minutes). Past it the
    /// action does not retry and the step fails with
    /// [`WorkflowError::RetryAfterTooLong`](crate::WorkflowError::RetryAfterTooLong), naming the
    /// delay the server asked for.
    pub fn max_retry_after(mut self, cap: Duration) -> Self {
        self.max_retry_after = Some(cap);
        self
    }

    /// How many messages a `receive` step holds between being reached and being awaited
    /// (default [`DEFAULT_INBOUND_BUFFER`](crate::message::DEFAULT_INBOUND_BUFFER), at least
    /// 1). When more arrive and none of them matches, the step fails with
    /// [`WorkflowError::InboundOverflow`](crate::WorkflowError::InboundOverflow): memory stays
    /// bounded on a busy channel.
    pub fn inbound_buffer(mut self, messages: usize) -> Self {
        self.inbound_buffer = Some(messages.max(1));
        self
    }

    /// Builds the client. Fails only when no `reqwest::Client` was given and the default one
    /// cannot be made (the TLS backend failed to initialise).
    pub fn build(self) -> Result<Client, reqwest::Error> {
        let http = match self.http {
            Some(http) => http,
            None => {
                install_crypto_provider();
                reqwest::Client::builder()
                    .redirect(same_origin_redirects())
                    .build()?
            }
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                #[cfg(feature = "middleware")]
                middleware: self.middleware,
                base_urls: BaseUrls::new(self.base_urls),
                hooks: self.hooks,
                step_hooks: self.step_hooks,
                timeout: self.timeout,
                credentials: self.credentials,
                transports: self.transports,
                inbound_buffer: self.inbound_buffer.unwrap_or(DEFAULT_INBOUND_BUFFER),
                max_response_size: self.max_response_size.unwrap_or(DEFAULT_MAX_RESPONSE_SIZE),
                max_retry_after: self
                    .max_retry_after
                    .unwrap_or(crate::response::DEFAULT_MAX_RETRY_AFTER),
                workflow_deadline: self.workflow_deadline,
            }),
        })
    }
}

/// How many same-origin redirects one request follows.
const MAX_REDIRECTS: usize = 10;

/// The redirect rule of the client [`ClientBuilder::build`] makes: a redirect to the same
/// origin (scheme, host and port) is followed, up to ten in a row; a redirect to another
/// origin is not followed, and the 3xx response itself is what the step's criteria see. A
/// request's body and credentials (headers, query keys, cookies) therefore never reach an
/// origin the workflow did not address. A client given with [`ClientBuilder::http_client`]
/// keeps its own policy.
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let same_origin = attempt
            .previous()
            .last()
            .is_some_and(|from| from.origin() == attempt.url().origin());
        if !same_origin {
            attempt.stop()
        } else if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error("too many redirects")
        } else {
            attempt.follow()
        }
    })
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
