//! Keeping secrets out of the response bodies that errors quote: JSON members whose names
//! look secret are masked, and so is anything equal to a credential the request carried.

use serde_json::Value;

use reqwest::header::AUTHORIZATION;

use crate::error::excerpt;
use crate::{Client, Secret};

/// What replaces a secret.
const MASK: &str = "***";

/// Secrets shorter than this are only masked where a whole JSON string equals them: replacing
/// every occurrence of a 2-character password would mangle the body beyond reading.
const MIN_SUBSTRING_SECRET: usize = 6;

/// Whether a JSON member's name looks like it holds a secret (`access_token`, `apiKey`,
/// `password`, `clientSecret`, `Authorization`, `connectionString`, `sig`...).
pub(crate) fn looks_secret(name: &str) -> bool {
    let folded: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    const PARTS: [&str; 11] = [
        "token",
        "secret",
        "password",
        "passwd",
        "apikey",
        "accesskey",
        "privatekey",
        "authorization",
        "credential",
        "connectionstring",
        "signature",
    ];
    PARTS.iter().any(|part| folded.contains(part))
        || matches!(folded.as_str(), "key" | "sig" | "pwd" | "sas")
}

/// What a request carried that an error quoting its response must mask: the client's
/// credentials and the request's sensitive header values (a hook's signature included; for
/// `Authorization`, the part after the scheme too).
///
/// Kept cheap for the usual case, a response no error quotes: the header values are copied
/// into one buffer when the request is sent, and split into secrets only when asked.
#[derive(Default)]
pub(crate) struct SentSecrets {
    client: Option<Client>,
    /// The sensitive header values, each followed by `\n` (which no header value holds).
    headers: Secret<String>,
}

impl SentSecrets {
    /// The secrets `request` carries, about to be sent through `client`.
    pub(crate) fn capture(client: &Client, request: &reqwest::Request) -> Self {
        // One pass; any UTF-8 is kept (masking more is harmless), and no header value holds
        // the `\n` separator.
        let mut headers = String::new();
        for (name, value) in request.headers() {
            if !(value.is_sensitive() || name == AUTHORIZATION) {
                continue;
            }
            if let Ok(text) = std::str::from_utf8(value.as_bytes()) {
                headers.reserve_exact(text.len() + 1);
                headers.push_str(text);
                headers.push('\n');
            }
        }
        Self {
            // Only a client with credentials has secrets of its own to mask.
            client: client.has_credentials().then(|| client.clone()),
            headers: Secret::new(headers),
        }
    }

    /// Every secret, for masking.
    pub(crate) fn list(&self) -> Vec<Secret<String>> {
        let mut secrets = self
            .client
            .as_ref()
            .map(Client::credential_secrets)
            .unwrap_or_default();
        for text in self.headers.expose().split_terminator('\n') {
            if let Some((_, token)) = text.split_once(' ') {
                secrets.push(Secret::new(token.trim().to_owned()));
            }
            secrets.push(Secret::new(text.to_owned()));
        }
        secrets
    }
}

impl std::fmt::Debug for SentSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SentSecrets(***)")
    }
}

/// A message from outside the runtime (a middleware's error) made safe to show: the request
/// URL's query and fragment (which may hold an API key) and every sent secret masked.
#[cfg(feature = "middleware")]
pub(crate) fn scrub(text: &str, url: &url::Url, secrets: &SentSecrets) -> String {
    let mut out = text.to_owned();
    if let Some(query) = url.query().filter(|q| !q.is_empty()) {
        out = out.replace(query, MASK);
    }
    if let Some(fragment) = url.fragment().filter(|f| !f.is_empty()) {
        out = out.replace(fragment, MASK);
    }
    mask_text(&out, &secrets.list())
}

/// `text` with every occurrence of a (long enough) secret masked.
pub(crate) fn mask_text(text: &str, secrets: &[Secret<String>]) -> String {
    let mut out = text.to_owned();
    for secret in secrets {
        let secret = secret.expose();
        if secret.len() >= MIN_SUBSTRING_SECRET && out.contains(secret.as_str()) {
            out = out.replace(secret.as_str(), MASK);
        }
    }
    out
}

/// The start of `body` for an error message, secrets masked.
pub(crate) fn body_excerpt(body: &[u8], secrets: &[Secret<String>]) -> String {
    match serde_json::from_slice::<Value>(body) {
        // Unchanged bodies are quoted as they came (re-serialising would reformat them).
        Ok(mut json) => {
            if mask_json(&mut json, secrets) {
                excerpt(json.to_string().as_bytes())
            } else {
                excerpt(body)
            }
        }
        Err(_) => excerpt(mask_text(&String::from_utf8_lossy(body), secrets).as_bytes()),
    }
}

/// Masks in place, iteratively (a parsed body is at most serde_json's 128 levels deep, but no
/// recursion is needed); whether anything was masked.
fn mask_json(json: &mut Value, secrets: &[Secret<String>]) -> bool {
    let mut changed = false;
    let mut pending = vec![json];
    while let Some(value) = pending.pop() {
        match value {
            Value::Object(members) => {
                for (name, member) in members.iter_mut() {
                    if looks_secret(name) && !member.is_null() {
                        *member = Value::String(MASK.to_owned());
                        changed = true;
                    } else {
                        pending.push(member);
                    }
                }
            }
            Value::Array(items) => pending.extend(items.iter_mut()),
            Value::String(text) => {
                let masked = if secrets.iter().any(|s| s.expose() == text) {
                    MASK.to_owned()
                } else {
                    mask_text(text, secrets)
                };
                if masked != *text {
                    *text = masked;
                    changed = true;
                }
            }
            _ => {}
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets() -> Vec<Secret<String>> {
        vec![
            Secret::new("sk-live-12345".to_owned()),
            Secret::new("ab".to_owned()),
        ]
    }

    #[test]
    fn secret_names_and_sent_credentials_are_masked() {
        let body = br#"{"error":"bad key sk-live-12345","access_token":"eyJ...","nested":[{"clientSecret":"x","ok":"ab"}],"name":"ab-c"}"#;
        let out = body_excerpt(body, &secrets());
        assert_eq!(
            out,
            r#"{"error":"bad key ***","access_token":"***","nested":[{"clientSecret":"***","ok":"***"}],"name":"ab-c"}"#
        );
    }

    #[test]
    fn bodies_without_secrets_are_quoted_as_they_came() {
        let body = b"{ \"status\" : \"busy\" }";
        assert_eq!(body_excerpt(body, &secrets()), "{ \"status\" : \"busy\" }");
    }

    #[test]
    fn text_bodies_mask_credentials() {
        let out = body_excerpt(b"denied for sk-live-12345 (ab)", &secrets());
        assert_eq!(out, "denied for *** (ab)");
    }

    #[test]
    fn names_that_look_secret() {
        for name in [
            "token",
            "accessToken",
            "api_key",
            "Authorization",
            "password",
            "sig",
        ] {
            assert!(looks_secret(name), "{name}");
        }
        for name in ["monkey", "name", "status", "keyboard"] {
            assert!(!looks_secret(name), "{name}");
        }
    }
}
