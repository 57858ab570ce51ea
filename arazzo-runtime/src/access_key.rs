//! AccessKey request signing (feature `access-key`): a [`RequestHook`] that gives every HTTP
//! request its own `Authorization: Bearer <JWT>`, HS256 over a shared key, with `aud` = the
//! request URL. Azure Web PubSub and SignalR accept this for their data planes; since one
//! token fits one URL, a workflow that calls two URLs needs a token per request, which an
//! `accessToken` input cannot give.
//!
//! ```no_run
//! use arazzo_runtime::Client;
//! use arazzo_runtime::access_key::AccessKeyCredential;
//!
//! let key = std::env::var("WEBPUBSUB_ACCESS_KEY").unwrap_or_default();
//! let client = Client::builder()
//!     .hook(AccessKeyCredential::new(key))
//!     .build()?;
//! # Ok::<(), arazzo_runtime::reqwest::Error>(())
//! ```
//!
//! **The hook wins over the flow's own `Authorization` header.** Hooks run after the generated
//! code has built the request, and the credential replaces any `Authorization` header it
//! finds. WebSocket connects (`ws`/`wss`) are left alone: they carry a client token of their
//! own (Web PubSub's `access_token` query), which an `Authorization` header would shadow.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use reqwest::header::{AUTHORIZATION, HeaderValue};
use url::Url;

use crate::{HookError, RequestHook, Secret};

/// How long a request token stays valid unless [`AccessKeyCredential::with_lifetime`] says
/// otherwise: long enough for slow networks, short enough to be useless when leaked later.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(60 * 60);

/// Signs requests with an AccessKey: each gets `Authorization: Bearer <JWT>`, HS256 over the
/// key's UTF-8 bytes (as written, not base64-decoded), `aud` = the request URL without its
/// query, `iat` = now and `exp` = now + the lifetime (one hour unless changed). `Debug` never
/// shows the key.
#[derive(Clone, Debug)]
pub struct AccessKeyCredential {
    access_key: Secret<String>,
    lifetime: Duration,
}

impl AccessKeyCredential {
    /// A credential for this AccessKey.
    pub fn new(access_key: impl Into<Secret<String>>) -> Self {
        Self {
            access_key: access_key.into(),
            lifetime: DEFAULT_LIFETIME,
        }
    }

    /// Tokens expire `lifetime` after they are signed (rounded down to whole seconds).
    pub fn with_lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// A bearer token for one request to `url`, for callers that must present it themselves.
    /// The query of `url` is left out of the `aud` claim, as the service expects.
    pub fn token_for(&self, url: &str) -> Result<Secret<String>, CredentialError> {
        let url = Url::parse(url).map_err(|err| CredentialError::InvalidUrl {
            reason: err.to_string(),
        })?;
        if !url.has_host() {
            return Err(CredentialError::InvalidUrl {
                reason: "it has no host".to_owned(),
            });
        }
        self.sign(&audience(&url), unix_now()?)
    }

    fn sign(&self, audience: &str, now: u64) -> Result<Secret<String>, CredentialError> {
        let claims = Claims {
            aud: audience,
            iat: now,
            exp: now.saturating_add(self.lifetime.as_secs()),
        };
        let payload = serde_json::to_vec(&claims).map_err(|_| CredentialError::Encoding)?;
        let mut token = String::from(JWT_HEADER);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(payload, &mut token);
        // HMAC takes keys of any length, so this never fails; the error arm keeps it panic-free.
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(self.access_key.expose().as_bytes())
            .map_err(|_| CredentialError::Encoding)?;
        mac.update(token.as_bytes());
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(mac.finalize().into_bytes(), &mut token);
        Ok(Secret::new(token))
    }
}

impl RequestHook for AccessKeyCredential {
    fn on_request(&self, request: &mut reqwest::Request) -> Result<(), HookError> {
        if matches!(request.url().scheme(), "ws" | "wss") {
            return Ok(());
        }
        let token = unix_now()
            .and_then(|now| self.sign(&audience(request.url()), now))
            .map_err(|err| HookError(err.to_string()))?;
        let mut value = HeaderValue::try_from(format!("Bearer {}", token.expose()))
            .map_err(|_| HookError(CredentialError::Encoding.to_string()))?;
        value.set_sensitive(true);
        // `insert` replaces whatever `Authorization` the flow itself set.
        request.headers_mut().insert(AUTHORIZATION, value);
        Ok(())
    }
}

/// Why no token could be signed. Messages never contain the key or the URL (which may carry
/// an `access_token` query).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CredentialError {
    /// The URL to sign for is not an absolute URL with a host.
    InvalidUrl {
        /// What is wrong with it.
        reason: String,
    },
    /// The system clock reads before 1970, so `iat` and `exp` cannot be written.
    ClockBeforeEpoch,
    /// The token could not be encoded (not expected to happen).
    Encoding,
}

impl fmt::Display for CredentialError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidUrl { reason } => {
                write!(f, "cannot sign an AccessKey token for this URL: {reason}")
            }
            Self::ClockBeforeEpoch => {
                f.write_str("cannot sign an AccessKey token: the system clock is before 1970")
            }
            Self::Encoding => f.write_str("cannot encode an AccessKey token"),
        }
    }
}

impl std::error::Error for CredentialError {}

/// `{"alg":"HS256","typ":"JWT"}`, base64url without padding: the same for every token.
const JWT_HEADER: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

/// The claims; a fixed field order keeps tokens reproducible.
#[derive(serde::Serialize)]
struct Claims<'a> {
    aud: &'a str,
    iat: u64,
    exp: u64,
}

/// The URL a token is for: the request URL without query or fragment.
fn audience(url: &Url) -> String {
    let mut url = url.clone();
    url.set_query(None);
    url.set_fragment(None);
    url.into()
}

fn unix_now() -> Result<u64, CredentialError> {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .map_err(|_| CredentialError::ClockBeforeEpoch)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "Sup3rS3cretKeyXYZ+/ab==";

    /// Splits a JWT and decodes its header and payload, checking the signature with a fresh
    /// HMAC over the first two parts.
    fn open(token: &str, key: &str) -> (serde_json::Value, serde_json::Value) {
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3, "{token}");
        let decode = |part: &str| -> serde_json::Value {
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
        };
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).unwrap();
        mac.update(format!("{}.{}", parts[0], parts[1]).as_bytes());
        mac.verify_slice(&URL_SAFE_NO_PAD.decode(parts[2]).unwrap())
            .expect("signature checks out with the key's UTF-8 bytes");
        (decode(parts[0]), decode(parts[1]))
    }

    #[test]
    fn signs_the_same_bytes_as_an_independent_implementation() {
        // Computed with Python's hmac/hashlib/base64 for this key, audience and time.
        let key = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij0123456789+/==";
        let expected = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.\
            eyJhdWQiOiJodHRwczovL2NvbnRvc28ud2VicHVic3ViLmF6dXJlLmNvbS9hcGkvaHVicy9jaGF0LzpzZW5kIiwiaWF0IjoxNzAwMDAwMDAwLCJleHAiOjE3MDAwMDM2MDB9.\
            8jAw2bOHt1Nj9oT2IHH-Rx4VAmMGj8mJ2gE0Vrbu5I0";
        let token = AccessKeyCredential::new(key)
            .sign(
                "https://contoso.webpubsub.azure.com/api/hubs/chat/:send",
                1_700_000_000,
            )
            .unwrap();
        assert_eq!(token.expose(), expected);
    }

    #[test]
    fn token_for_signs_the_url_without_its_query() {
        let before = unix_now().unwrap();
        let token = AccessKeyCredential::new(KEY)
            .with_lifetime(Duration::from_secs(90))
            .token_for("http://127.0.0.1:8080/api/hubs/chat/:generateToken?api-version=2024-01-01&userId=u")
            .unwrap();
        let after = unix_now().unwrap();
        let (header, claims) = open(token.expose(), KEY);
        assert_eq!(header, serde_json::json!({"alg": "HS256", "typ": "JWT"}));
        assert_eq!(
            claims["aud"],
            "http://127.0.0.1:8080/api/hubs/chat/:generateToken"
        );
        let iat = claims["iat"].as_u64().unwrap();
        assert!((before..=after).contains(&iat), "{claims}");
        assert_eq!(claims["exp"].as_u64().unwrap(), iat + 90);
        assert_eq!(format!("{token:?}"), "Secret(\"***\")");
    }

    #[test]
    fn token_for_rejects_relative_urls_without_echoing_them() {
        let credential = AccessKeyCredential::new(KEY);
        let err = credential
            .token_for("/api/hubs/chat/:send?access_token=abc")
            .unwrap_err();
        assert!(matches!(err, CredentialError::InvalidUrl { .. }), "{err}");
        assert!(!err.to_string().contains("access_token"), "{err}");
        let err = credential
            .token_for("mailto:someone@example.com")
            .unwrap_err();
        assert!(matches!(err, CredentialError::InvalidUrl { .. }), "{err}");
    }

    #[test]
    fn debug_hides_the_key() {
        let shown = format!("{:?}", AccessKeyCredential::new(KEY));
        assert!(!shown.contains("Sup3rS3cret"), "{shown}");
    }

    #[test]
    fn the_hook_replaces_the_flows_authorization_with_a_token_for_the_request_url() {
        let url = "http://127.0.0.1:8080/api/hubs/chat/:send?api-version=2024-01-01&excluded=c1";
        let mut request = reqwest::Request::new(reqwest::Method::POST, Url::parse(url).unwrap());
        request.headers_mut().append(
            AUTHORIZATION,
            HeaderValue::from_static("Bearer placeholder"),
        );
        AccessKeyCredential::new(KEY)
            .on_request(&mut request)
            .unwrap();

        let values: Vec<&HeaderValue> = request.headers().get_all(AUTHORIZATION).iter().collect();
        assert_eq!(values.len(), 1);
        assert!(values[0].is_sensitive());
        let token = values[0].to_str().unwrap().strip_prefix("Bearer ").unwrap();
        let (_, claims) = open(token, KEY);
        assert_eq!(claims["aud"], "http://127.0.0.1:8080/api/hubs/chat/:send");
        assert_eq!(
            claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
            3600
        );
        // The request itself still goes to the URL with its query.
        assert_eq!(request.url().as_str(), url);
    }

    #[test]
    fn the_hook_leaves_a_websocket_connect_unsigned() {
        let url = "ws://127.0.0.1:8080/client/hubs/chat?access_token=client-token";
        let mut request = reqwest::Request::new(reqwest::Method::GET, Url::parse(url).unwrap());
        AccessKeyCredential::new(KEY)
            .on_request(&mut request)
            .unwrap();
        assert!(request.headers().get(AUTHORIZATION).is_none());
        assert_eq!(request.url().as_str(), url);
        // And the same hook still signs REST calls over https.
        let rest = "https://contoso.webpubsub.azure.com/api/hubs/chat/:send";
        let mut request = reqwest::Request::new(reqwest::Method::POST, Url::parse(rest).unwrap());
        AccessKeyCredential::new(KEY)
            .on_request(&mut request)
            .unwrap();
        assert!(request.headers().get(AUTHORIZATION).is_some());
    }
}
