//! Building one step's HTTP request.

use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, COOKIE, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, Url};

use crate::client::Client;
use crate::error::WorkflowError;
use crate::param::ParamValue;
use crate::response::Response;

/// One step's request, built by generated code and sent with [`Request::send`].
///
/// Invalid values (a header value with a newline, say) are remembered and reported by `send`
/// with the step's name, so building never fails half-way and never panics.
#[must_use = "a request does nothing until it is sent"]
pub struct Request<'c> {
    client: &'c Client,
    method: Method,
    url: String,
    query: Vec<(&'static str, String)>,
    headers: HeaderMap,
    cookies: Vec<String>,
    body: Option<Vec<u8>>,
    error: Option<String>,
}

impl<'c> Request<'c> {
    pub(crate) fn new(client: &'c Client, method: Method, url: String) -> Self {
        Self {
            client,
            method,
            url,
            query: Vec::new(),
            headers: HeaderMap::new(),
            cookies: Vec::new(),
            body: None,
            error: None,
        }
    }

    /// Adds a query parameter.
    pub fn query(mut self, name: &'static str, value: impl ParamValue) -> Self {
        self.query.push((name, value.to_param().into_owned()));
        self
    }

    /// Adds a query parameter when `value` is present; an absent optional input sends nothing.
    pub fn query_opt(self, name: &'static str, value: Option<impl ParamValue>) -> Self {
        match value {
            Some(value) => self.query(name, value),
            None => self,
        }
    }

    /// Adds an array query parameter, `form` style: exploded repeats the name
    /// (`id=1&id=2`), otherwise the items are joined with `separator` (`id=1,2`).
    pub fn query_array<I, V>(
        mut self,
        name: &'static str,
        items: I,
        explode: bool,
        separator: &str,
    ) -> Self
    where
        I: IntoIterator<Item = V>,
        V: ParamValue,
    {
        if explode {
            for item in items {
                self.query.push((name, item.to_param().into_owned()));
            }
        } else {
            let joined = crate::param::join(items, separator);
            self.query.push((name, joined));
        }
        self
    }

    /// Sets a header. A value that is not valid in HTTP is reported by [`Request::send`]
    /// without echoing it (it may be a secret).
    pub fn header(mut self, name: &'static str, value: impl ParamValue) -> Self {
        let parsed = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value.to_param()),
        );
        match parsed {
            (Ok(name), Ok(mut value)) => {
                if is_sensitive(&name) {
                    value.set_sensitive(true);
                }
                self.headers.append(name, value);
            }
            (Err(_), _) => self.fail(format!("`{name}` is not a valid HTTP header name")),
            (_, Err(_)) => self.fail(format!(
                "the value of header `{name}` contains characters HTTP headers cannot carry"
            )),
        }
        self
    }

    /// Sets a header when `value` is present.
    pub fn header_opt(self, name: &'static str, value: Option<impl ParamValue>) -> Self {
        match value {
            Some(value) => self.header(name, value),
            None => self,
        }
    }

    /// Adds a cookie (`form` style): all cookies go in one `Cookie` header.
    pub fn cookie(mut self, name: &'static str, value: impl ParamValue) -> Self {
        self.cookies.push(format!("{name}={}", value.to_param()));
        self
    }

    /// Adds a cookie when `value` is present.
    pub fn cookie_opt(self, name: &'static str, value: Option<impl ParamValue>) -> Self {
        match value {
            Some(value) => self.cookie(name, value),
            None => self,
        }
    }

    /// Sends `body` as it is with the given content type (`text/plain`, `application/xml`...).
    pub fn text_body(self, content_type: &'static str, body: impl ParamValue) -> Self {
        let bytes = body.to_param().into_owned().into_bytes();
        self.raw_body(content_type, bytes)
    }

    /// Sends `body` serialised as JSON.
    pub fn json_body(mut self, content_type: &'static str, body: &impl serde::Serialize) -> Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => self.raw_body(content_type, bytes),
            Err(err) => {
                self.fail(format!("the JSON body cannot be serialised: {err}"));
                self
            }
        }
    }

    /// Sends `pairs` as `application/x-www-form-urlencoded`; `None` values (absent optional
    /// inputs) are left out.
    pub fn form_body<'a>(self, pairs: impl IntoIterator<Item = (&'a str, Option<String>)>) -> Self {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in pairs {
            if let Some(value) = value {
                form.append_pair(name, &value);
            }
        }
        let body = form.finish().into_bytes();
        self.raw_body("application/x-www-form-urlencoded", body)
    }

    /// Sends raw bytes with the given content type.
    pub fn raw_body(mut self, content_type: &'static str, body: Vec<u8>) -> Self {
        self.headers
            .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        self.body = Some(body);
        self
    }

    fn fail(&mut self, message: String) {
        // The first problem is the one to report: later ones often follow from it.
        self.error.get_or_insert(message);
    }

    /// Runs the client's hooks and sends the request, reading the whole response body.
    /// Errors name `step`.
    pub async fn send(self, step: &'static str) -> Result<Response, WorkflowError> {
        let client = self.client;
        let request = self.build(step)?;
        let response = client
            .http()
            .execute(request)
            .await
            .map_err(|source| WorkflowError::transport(step, source))?;
        Response::read(step, response).await
    }

    fn build(self, step: &'static str) -> Result<reqwest::Request, WorkflowError> {
        if let Some(message) = self.error {
            return Err(WorkflowError::Request { step, message });
        }
        let mut url = Url::parse(&self.url).map_err(|err| WorkflowError::Request {
            step,
            message: format!("the base URL is not a valid URL ({err})"),
        })?;
        if !self.query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in &self.query {
                pairs.append_pair(name, value);
            }
        }
        let needs_length = matches!(self.method, Method::POST | Method::PUT | Method::PATCH);
        let mut request = reqwest::Request::new(self.method, url);
        let mut headers = self.headers;
        if !self.cookies.is_empty() {
            match HeaderValue::from_str(&self.cookies.join("; ")) {
                Ok(value) => {
                    headers.insert(COOKIE, value);
                }
                Err(_) => {
                    return Err(WorkflowError::Request {
                        step,
                        message: "a cookie value contains characters HTTP headers cannot carry"
                            .to_owned(),
                    });
                }
            }
        }
        match self.body {
            Some(body) => *request.body_mut() = Some(body.into()),
            // Front ends answer 411 to a POST or PUT without a length.
            None if needs_length => {
                headers.insert(CONTENT_LENGTH, HeaderValue::from_static("0"));
            }
            None => {}
        }
        *request.headers_mut() = headers;
        *request.timeout_mut() = self.client.timeout();
        for hook in self.client.hooks() {
            hook.on_request(&mut request)
                .map_err(|err| WorkflowError::Request {
                    step,
                    message: err.0,
                })?;
        }
        Ok(request)
    }
}

fn is_sensitive(name: &HeaderName) -> bool {
    let name = name.as_str();
    name == "authorization"
        || name == "proxy-authorization"
        || name == "cookie"
        || name.contains("key")
        || name.contains("token")
        || name.contains("secret")
}
