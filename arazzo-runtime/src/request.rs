//! Building one step's HTTP request.

use reqwest::header::{
    AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, COOKIE, HeaderMap, HeaderName, HeaderValue,
};
use reqwest::{Method, Url};
use std::future::Future;
use std::pin::Pin;

use crate::__private::param::{Flat, ParamValue, Part, Style, flatten};
use crate::client::{Client, Credential, KeyLocation, Requirements};
use crate::error::WorkflowError;
use crate::response::Response;

/// The future of a step's I/O (a request and its response, a connect, a send, a receive),
/// boxed.
///
/// The box costs one allocation per step and saves the user's build far more: every workflow's
/// future must be `Send`, and to prove it rustc walks each future the workflow awaits, down
/// through this crate's, `reqwest`'s and `hyper`'s, for every workflow anew. A boxed
/// `dyn Future + Send` ends that walk. Measured on 100 generated workflows (`run.sh item4`), the
/// crate compiles in about four-fifths of the time.
pub(crate) type Boxed<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The room a request's query starts with (it grows past it as needed).
const QUERY_CAPACITY: usize = 128;

/// One step's request, built by generated code and sent with [`Request::send`].
///
/// Invalid values (a header value with a newline, say) are remembered and reported by `send`
/// with the step's name, so building never fails half-way and never panics.
#[must_use = "a request does nothing until it is sent"]
pub struct Request<'c> {
    client: &'c Client,
    method: Method,
    /// The base URL with the step's path appended; `None` when the base URL was refused
    /// (the reason is in `error`).
    url: Option<Url>,
    /// The query, `&`-separated pairs whose names and values are already percent-encoded
    /// (delimiters of non-exploded arrays stay literal, as OpenAPI's `form` style sends
    /// them). Written in place, so a pair costs no allocation of its own; set on `url` once.
    query: String,
    headers: HeaderMap,
    cookies: Vec<String>,
    body: Option<Vec<u8>>,
    security: Requirements,
    error: Option<String>,
    operation: &'static str,
    template: &'static str,
}

impl<'c> Request<'c> {
    /// A request to `path` (percent-encoded) appended to `base`'s path.
    pub(crate) fn new(
        client: &'c Client,
        method: Method,
        base: crate::base_url::Parsed,
        path: &str,
    ) -> Self {
        let mut request = Self {
            client,
            method,
            url: None,
            query: String::new(),
            headers: HeaderMap::new(),
            cookies: Vec::new(),
            body: None,
            security: &[],
            error: None,
            operation: "",
            template: "",
        };
        // URL parsers remove `.` and `..` segments (even percent-encoded ones), so a path
        // parameter with such a value would silently address another resource.
        if path.split(['/', '\\']).any(is_dot_segment) {
            request.fail(
                "a path parameter is `.` or `..`, which would change the request path".to_owned(),
            );
        }
        match base {
            Ok(base) => request.url = Some(crate::base_url::join(base, path)),
            Err(message) => request.fail(message),
        }
        request
    }

    /// Adds a query parameter.
    pub fn query(mut self, name: &'static str, value: impl ParamValue) -> Self {
        self.push_pair(name, &value.to_param());
        self
    }

    /// Sets the whole query string: an `in: querystring` parameter (OpenAPI 3.2, Arazzo 1.1),
    /// one value in the format of the parameter's `content` media type.
    ///
    /// - `application/x-www-form-urlencoded` (`filter=active&sort=desc`): the value is the
    ///   query already; it is kept as written (`&`, `=`, `+` and `%XX` escapes included), and
    ///   only what a URL query cannot carry is percent-encoded (a space becomes `+`, a stray
    ///   `%` `%25`, `#` `%23`, non-ASCII its UTF-8 bytes).
    /// - any other media type (`application/json`...): the value is the serialized content,
    ///   percent-encoded whole except RFC 3986's unreserved characters, as OpenAPI 3.2's
    ///   example sends `{"numbers":[1,2],"flag":null}` as
    ///   `%7B%22numbers%22%3A%5B1%2C2%5D%2C%22flag%22%3Anull%7D`.
    ///
    /// An empty value sends no query. Pairs other setters add (an API key the client puts in
    /// the query) follow it after `&`; OpenAPI forbids `in: query` parameters beside it.
    pub fn query_string(mut self, media_type: &str, value: impl ParamValue) -> Self {
        let value = value.to_param();
        if value.is_empty() {
            return self;
        }
        if !self.query.is_empty() {
            self.query.push('&');
        }
        let essence = media_type.split(';').next().unwrap_or_default().trim();
        if essence.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
            encode_form_query_into(&mut self.query, &value);
        } else {
            self.query.extend(percent_encoding::utf8_percent_encode(
                &value,
                UNRESERVED_ONLY,
            ));
        }
        self
    }

    /// Sets the whole query string when `value` is present (see [`Request::query_string`]).
    pub fn query_string_opt(self, media_type: &str, value: Option<impl ParamValue>) -> Self {
        match value {
            Some(value) => self.query_string(media_type, value),
            None => self,
        }
    }

    /// Starts a pair: `&` unless it is the first, the encoded name, `=`.
    fn start_pair(&mut self, name: &str) {
        if self.query.is_empty() {
            // Room for a typical query at once, rather than growing it pair by pair.
            self.query.reserve(QUERY_CAPACITY);
        } else {
            self.query.push('&');
        }
        encode_query_into(&mut self.query, name);
        self.query.push('=');
    }

    fn push_pair(&mut self, name: &str, value: &str) {
        self.start_pair(name);
        encode_query_into(&mut self.query, value);
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
                self.push_pair(name, &item.to_param());
            }
            return self;
        }
        // Items are encoded one by one, so a comma inside an item (`%2C`) stays distinct
        // from the literal delimiter between items.
        let separator = if separator == " " { "%20" } else { separator };
        let mark = self.query.len();
        self.start_pair(name);
        let values = self.query.len();
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                self.query.push_str(separator);
            }
            encode_query_into(&mut self.query, &item.to_param());
        }
        // An empty list sends nothing, exploded or not (RFC 6570 `{?list}`).
        if self.query.len() == values {
            self.query.truncate(mark);
        }
        self
    }

    /// Adds a query parameter of any shape (`value` as JSON, see
    /// [`to_json`](crate::__private::param::to_json)) in an OpenAPI style: `form` (exploded objects send
    /// one pair per member), `spaceDelimited`, `pipeDelimited` or `deepObject`
    /// (`name[member]=value`). `null` (an absent optional value) and empty arrays send nothing.
    pub fn query_styled(
        mut self,
        name: &str,
        style: Style,
        explode: bool,
        value: &serde_json::Value,
    ) -> Self {
        let sep = match style {
            Style::SpaceDelimited => "%20",
            Style::PipeDelimited => "|",
            _ => ",",
        };
        match flatten(value) {
            Flat::Absent => {}
            Flat::One(v) => self.push_pair(name, &v),
            Flat::List(items) if items.is_empty() => {}
            Flat::List(items) if explode => {
                for item in items {
                    self.push_pair(name, &item);
                }
            }
            Flat::List(items) => {
                self.start_pair(name);
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.query.push_str(sep);
                    }
                    encode_query_into(&mut self.query, item);
                }
            }
            Flat::Pairs(pairs) if style == Style::DeepObject => {
                for (k, v) in pairs {
                    if !self.query.is_empty() {
                        self.query.push('&');
                    }
                    encode_query_into(&mut self.query, name);
                    self.query.push('[');
                    encode_query_into(&mut self.query, k);
                    self.query.push_str("]=");
                    encode_query_into(&mut self.query, &v);
                }
            }
            Flat::Pairs(pairs) if explode => {
                for (k, v) in pairs {
                    self.push_pair(k, &v);
                }
            }
            Flat::Pairs(pairs) => {
                self.start_pair(name);
                for (i, (k, v)) in pairs.iter().enumerate() {
                    if i > 0 {
                        self.query.push_str(sep);
                    }
                    encode_query_into(&mut self.query, k);
                    self.query.push_str(sep);
                    encode_query_into(&mut self.query, v);
                }
            }
        }
        self
    }

    /// Sets a header of any shape in the `simple` style (`a,b`; objects `k,v,k,v`, exploded
    /// `k=v,k=v`); `null` sends nothing.
    pub fn header_styled(
        self,
        name: &'static str,
        explode: bool,
        value: &serde_json::Value,
    ) -> Self {
        self.header_opt(name, crate::__private::param::simple(value, explode))
    }

    /// Adds a cookie of any shape in the `form` style: not exploded, one cookie holding the
    /// `simple` text (`color=blue,black`, commas encoded like any cookie text); exploded, an
    /// array repeats the cookie and an object sends one cookie per member. `null` sends nothing.
    pub fn cookie_styled(
        mut self,
        name: &'static str,
        explode: bool,
        value: &serde_json::Value,
    ) -> Self {
        if !explode {
            if let Some(text) = crate::__private::param::simple(value, false) {
                self.cookies.push(cookie_pair(name, &text));
            }
            return self;
        }
        match flatten(value) {
            Flat::Absent => {}
            Flat::One(v) => self.cookies.push(cookie_pair(name, &v)),
            Flat::List(items) => {
                for item in items {
                    self.cookies.push(cookie_pair(name, &item));
                }
            }
            Flat::Pairs(pairs) => {
                for (k, v) in pairs {
                    self.cookies.push(cookie_pair(k, &v));
                }
            }
        }
        self
    }

    /// The OpenAPI operation this request calls: its `operationId` (or `METHOD path` when it
    /// has none) and its path template (`/pets/{petId}`), which the step's `tracing` span
    /// shows. The filled-in path may hold identifiers, so it is not recorded.
    pub fn operation(mut self, operation: &'static str, template: &'static str) -> Self {
        self.operation = operation;
        self.template = template;
        self
    }

    /// The operation's security requirements (from its OpenAPI description): when sent, the
    /// first requirement whose schemes all have a credential in the client adds them.
    pub fn security(mut self, requirements: Requirements) -> Self {
        self.security = requirements;
        self
    }

    /// Sets a header. A value that is not valid in HTTP is reported by [`Request::send`]
    /// without echoing it (it may be a secret).
    pub fn header(mut self, name: &'static str, value: impl ParamValue) -> Self {
        let value = HeaderValue::from_maybe_shared(bytes::Bytes::from(value.into_text()));
        self.insert_header(name, value, false);
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
        self.cookies.push(cookie_pair(name, &value.to_param()));
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

    /// Sends `body` as JSON after setting the value at each JSON pointer of `replacements`
    /// (Arazzo payload replacements computed at run time). A target whose parent is not in
    /// the payload fails the step.
    pub fn json_body_replaced(
        mut self,
        content_type: &'static str,
        mut body: serde_json::Value,
        replacements: impl IntoIterator<Item = (&'static str, serde_json::Value)>,
    ) -> Self {
        for (target, value) in replacements {
            if let Err(message) = crate::__private::param::replace(&mut body, target, value) {
                self.fail(message);
            }
        }
        self.json_body(content_type, &body)
    }

    /// Sends `parts` as `multipart/form-data` (RFC 7578), in order; `None` parts (absent
    /// optional inputs) are left out. Text parts carry no `Content-Type`; JSON parts say
    /// `application/json`.
    pub fn multipart_body<'a>(
        mut self,
        parts: impl IntoIterator<Item = (&'a str, Option<Part>)>,
    ) -> Self {
        let parts: Vec<(&str, Vec<u8>, bool)> = parts
            .into_iter()
            .filter_map(|(name, part)| {
                Some(match part? {
                    Part::Text(text) => (name, text.into_bytes(), false),
                    Part::Json(value) => {
                        (name, serde_json::to_vec(&value).unwrap_or_default(), true)
                    }
                })
            })
            .collect();
        let boundary = boundary_for(parts.iter().map(|(_, body, _)| body.as_slice()));
        let mut body = Vec::new();
        for (name, content, json) in &parts {
            body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            // RFC 7578 §4.2 (and the HTML form encoder): quotes and line breaks in the name
            // are percent-encoded so the header stays one well-formed line.
            let name = name
                .replace('"', "%22")
                .replace('\r', "%0D")
                .replace('\n', "%0A");
            body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n").as_bytes(),
            );
            if *json {
                body.extend_from_slice(b"Content-Type: application/json\r\n");
            }
            body.extend_from_slice(b"\r\n");
            body.extend_from_slice(content);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        match HeaderValue::from_str(&format!("multipart/form-data; boundary={boundary}")) {
            Ok(value) => {
                self.headers.insert(CONTENT_TYPE, value);
                self.body = Some(body);
            }
            Err(_) => self.fail("the multipart boundary is not a valid header value".to_owned()),
        }
        self
    }

    /// Sends a computed object as `multipart/form-data`: each member one part, strings as
    /// text, `null` members left out, other values as JSON. Anything but an object fails the
    /// step.
    pub fn multipart_object(mut self, value: &serde_json::Value) -> Self {
        let serde_json::Value::Object(members) = value else {
            self.fail("the multipart payload is not a JSON object".to_owned());
            return self;
        };
        let parts: Vec<(&str, Option<Part>)> = members
            .iter()
            .map(|(name, v)| {
                let part = match v {
                    serde_json::Value::Null => None,
                    serde_json::Value::String(s) => Some(Part::Text(s.clone())),
                    other => Some(Part::Json(other.clone())),
                };
                (name.as_str(), part)
            })
            .collect();
        self.multipart_body(parts)
    }

    /// Sends raw bytes with the given content type.
    pub fn raw_body(mut self, content_type: &'static str, body: Vec<u8>) -> Self {
        self.headers
            .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        self.body = Some(body);
        self
    }

    fn set_header(&mut self, name: &'static str, value: &str, secret: bool) {
        self.insert_header(name, HeaderValue::from_str(value), secret);
    }

    fn insert_header(
        &mut self,
        name: &'static str,
        value: Result<HeaderValue, reqwest::header::InvalidHeaderValue>,
        secret: bool,
    ) {
        match (header_name(name), value) {
            (Ok(name), Ok(mut value)) => {
                if secret || is_sensitive(&name) {
                    value.set_sensitive(true);
                }
                self.headers.append(name, value);
            }
            (Err(_), _) => self.fail(format!("`{name}` is not a valid HTTP header name")),
            (_, Err(_)) => self.fail(format!(
                "the value of header `{name}` contains characters HTTP headers cannot carry"
            )),
        }
    }

    /// Adds the credentials of the first security requirement the client can satisfy.
    /// Empty requirements (`{}`: "no authentication") are only a fallback, so optional
    /// authentication is still sent when credentials are configured.
    fn apply_security(&mut self) {
        let client = self.client;
        let chosen = self.security.iter().find(|requirement| {
            !requirement.is_empty()
                && requirement
                    .iter()
                    .all(|(scheme, kind)| client.credential(scheme, *kind).is_some())
        });
        let Some(requirement) = chosen else { return };
        for (scheme, kind) in requirement.iter() {
            let Some(credential) = client.credential(scheme, *kind) else {
                continue;
            };
            match (kind, credential) {
                (crate::client::SchemeKind::ApiKey { name, location }, Credential::ApiKey(key)) => {
                    match location {
                        KeyLocation::Header => {
                            if !self.headers.contains_key(*name) {
                                self.set_header(name, key.expose(), true);
                            }
                        }
                        KeyLocation::Query => {
                            if !self.has_query_name(name) {
                                self.push_pair(name, key.expose());
                            }
                        }
                        KeyLocation::Cookie => {
                            let prefix = format!("{name}=");
                            if !self.cookies.iter().any(|c| c.starts_with(&prefix)) {
                                self.cookies.push(cookie_pair(name, key.expose()));
                            }
                        }
                    }
                }
                (_, Credential::Basic { user, password }) => {
                    let token = base64(format!("{user}:{}", password.expose()).as_bytes());
                    self.authorization(&format!("Basic {token}"));
                }
                (_, Credential::Bearer(token)) => {
                    self.authorization(&format!("Bearer {}", token.expose()));
                }
                _ => {}
            }
        }
    }

    /// Sets `Authorization` unless the step set it itself.
    fn authorization(&mut self, value: &str) {
        if self.headers.contains_key(AUTHORIZATION) {
            return;
        }
        match HeaderValue::from_str(value) {
            Ok(mut value) => {
                value.set_sensitive(true);
                self.headers.insert(AUTHORIZATION, value);
            }
            Err(_) => self.fail(
                "a configured credential contains characters HTTP headers cannot carry".to_owned(),
            ),
        }
    }

    /// Whether the query already has a pair named `name` (before encoding).
    fn has_query_name(&self, name: &str) -> bool {
        let mut encoded = String::new();
        encode_query_into(&mut encoded, name);
        self.query
            .split('&')
            .any(|pair| pair.split_once('=').map_or(pair, |(n, _)| n) == encoded)
    }

    fn fail(&mut self, message: String) {
        // The first problem is the one to report: later ones often follow from it.
        self.error.get_or_insert(message);
    }

    /// Runs the client's hooks and sends the request, reading the whole response body.
    /// Errors name `step`.
    ///
    /// The request is built (URL, headers, credentials, body) when this is called, and only
    /// the built request goes into the returned future, so the builder is not kept while the
    /// response is awaited. A request that cannot be built fails when the future is awaited,
    /// naming `step`.
    pub fn send(self, step: &'static str) -> Boxed<'c, Result<Response, WorkflowError>> {
        crate::__private::deadline::enter(step);
        let method = self.method.clone();
        let (operation, template, client) = (self.operation, self.template, self.client);
        let status = |r: &Response| Some(r.status());
        // No `async` block around the step: it would hold the request a second time beside
        // the future below, which is all that needs boxing.
        match self.build(step) {
            Ok(request) => Box::pin(crate::trace::step(
                step,
                "http",
                method.as_str(),
                (operation, template),
                send_built(client, step, request),
                status,
            )),
            Err(err) => Box::pin(crate::trace::step(
                step,
                "http",
                method.as_str(),
                (operation, template),
                std::future::ready(Err(err)),
                status,
            )),
        }
    }

    /// What identifies a message connection besides its source and server: the URL with the
    /// step's query and headers (before credentials and hooks, which may add timestamps).
    pub(crate) fn identity(&self) -> String {
        let mut key = self.url.as_ref().map_or("", Url::as_str).to_owned();
        key.push_str("\n?");
        key.push_str(&self.query);
        for (name, value) in &self.headers {
            key.push_str(&format!(
                "\n{name}:{}",
                String::from_utf8_lossy(value.as_bytes())
            ));
        }
        key
    }

    pub(crate) fn build(mut self, step: &'static str) -> Result<reqwest::Request, WorkflowError> {
        self.apply_security();
        if let Some(message) = self.error {
            return Err(WorkflowError::Request { step, message });
        }
        // `url` is `None` only with an error, reported above.
        let Some(mut url) = self.url else {
            return Err(WorkflowError::Request {
                step,
                message: "the request has no URL".to_owned(),
            });
        };
        if !self.query.is_empty() {
            url.set_query(Some(&self.query));
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
        // Only when set: the first write allocates the request's extensions map.
        if let Some(timeout) = self.client.timeout() {
            *request.timeout_mut() = Some(timeout);
        }
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

/// Characters a cookie value cannot carry as they are (RFC 6265 `cookie-octet` excludes
/// controls, space, `"`, `,`, `;` and `\`); `%` too, so encoded values decode unambiguously.
const COOKIE_VALUE: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b',')
    .add(b';')
    .add(b'\\')
    .add(b'%');

/// `name=value` for the `Cookie` header, the value encoded so it cannot end its cookie and
/// forge another (`a; admin=1`).
fn cookie_pair(name: &str, value: &str) -> String {
    let value = percent_encoding::utf8_percent_encode(value, COOKIE_VALUE);
    format!("{name}={value}")
}

/// A multipart boundary that occurs in none of the parts: a fixed prefix and a counter, so
/// bodies are reproducible.
fn boundary_for<'a>(parts: impl Iterator<Item = &'a [u8]> + Clone) -> String {
    let mut n = 0u32;
    loop {
        let boundary = format!("arazzo-boundary-{n:08x}");
        let clash = parts
            .clone()
            .any(|p| p.windows(boundary.len()).any(|w| w == boundary.as_bytes()));
        if !clash {
            return boundary;
        }
        n += 1;
    }
}

/// Standard base64 with padding (RFC 4648 §4), for HTTP basic credentials.
pub(crate) fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Appends the `application/x-www-form-urlencoded` encoding of one query name or value.
fn encode_query_into(out: &mut String, text: &str) {
    out.extend(url::form_urlencoded::byte_serialize(text.as_bytes()));
}

/// Everything but RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`) is encoded.
const UNRESERVED_ONLY: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Appends a form-urlencoded query string as written, percent-encoding only what an RFC 3986
/// query cannot carry: a space as `+` (the form encoding of a space), a `%` that does not
/// start an escape as `%25`, and anything outside `pchar / "/" / "?"` as its UTF-8 bytes.
fn encode_form_query_into(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        let escape_start = b == b'%'
            && bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
            && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
        let kept = b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?".contains(&b);
        if kept || escape_start {
            out.push(char::from(b));
        } else if b == b' ' {
            out.push('+');
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
}

/// `.` or `..`, each dot possibly written `%2E` (what a URL parser would remove). Checked
/// byte by byte: it runs on every segment of every request.
fn is_dot_segment(segment: &str) -> bool {
    let mut rest = segment.as_bytes();
    let mut dots = 0;
    while !rest.is_empty() {
        rest = match rest {
            [b'.', tail @ ..] => tail,
            [b'%', b'2', e, tail @ ..] if e.eq_ignore_ascii_case(&b'e') => tail,
            _ => return false,
        };
        dots += 1;
        if dots > 2 {
            return false;
        }
    }
    dots > 0
}

/// A header name from the static text generated code passes: borrowed as it is when it is
/// already lower case (no allocation for names that are not standard), else parsed.
fn header_name(name: &'static str) -> Result<HeaderName, reqwest::header::InvalidHeaderName> {
    // RFC 9110 `tchar`, lower case only: exactly what `from_static` accepts without panicking
    // (it also allows a few more), checked first so it never can.
    let static_ok = !name.is_empty()
        && name.len() <= 1024
        && name.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || b"!#$%&'*+-.^_`|~".contains(&b)
        });
    if static_ok {
        Ok(HeaderName::from_static(name))
    } else {
        HeaderName::from_bytes(name.as_bytes())
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

/// The step's I/O: the client's hooks, the exchange and the response read in full.
// Not an `async fn`: its arguments would be held twice in its state, as arguments and as the
// locals they are moved into (1,192 bytes instead of 904, `-Zprint-type-sizes`).
#[allow(clippy::manual_async_fn)]
fn send_built<'c>(
    client: &'c Client,
    step: &'static str,
    mut request: reqwest::Request,
) -> impl Future<Output = Result<Response, WorkflowError>> + Send + 'c {
    async move {
        for hook in client.step_hooks() {
            hook.before_send(step, &mut request)
                .await
                .map_err(|err| WorkflowError::Request {
                    step,
                    message: err.0,
                })?;
        }
        let secrets = crate::redact::SentSecrets::capture(client, &request);
        let response = client.execute(step, request, &secrets).await?;
        let mut response = Response::read(
            step,
            response,
            client.max_response_size(),
            client.max_retry_after(),
        )
        .await?;
        response.secrets = secrets;
        response.attempt = crate::__private::deadline::attempt(step);
        for hook in client.step_hooks() {
            hook.after_response(step, &response).await;
        }
        Ok(response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::SchemeKind;

    fn client() -> Client {
        Client::builder().build().unwrap()
    }

    fn built(request: Request<'_>) -> Result<reqwest::Request, WorkflowError> {
        request.build("step")
    }

    #[test]
    fn non_exploded_arrays_keep_literal_delimiters_and_encode_items() {
        let c = client();
        let r = c
            .request(Method::GET, "s", "http://h", "/p")
            .query_array("fields", ["a,b", "c d"], false, ",")
            .query_array("ids", [1i64, 2], false, " ")
            .query_array("tag", ["x", "y"], true, ",");
        let url = built(r).unwrap().url().to_string();
        assert_eq!(url, "http://h/p?fields=a%2Cb,c+d&ids=1%202&tag=x&tag=y");
    }

    #[test]
    fn empty_arrays_send_nothing() {
        let c = client();
        let none: [&str; 0] = [];
        let r = c
            .request(Method::GET, "s", "http://h", "/p")
            .query_array("a", none, false, ",")
            .query_array("b", none, true, ",");
        assert_eq!(built(r).unwrap().url().as_str(), "http://h/p");
    }

    #[test]
    fn cookie_values_cannot_forge_cookies() {
        let c = client();
        let r = c
            .request(Method::GET, "s", "http://h", "/p")
            .cookie("session", "a; admin=1")
            .cookie("theme", "dark");
        let req = built(r).unwrap();
        assert_eq!(
            req.headers()["cookie"],
            "session=a%3B%20admin=1; theme=dark"
        );
    }

    fn color(kind: &str) -> serde_json::Value {
        match kind {
            "string" => serde_json::json!("blue"),
            "array" => serde_json::json!(["blue", "black", "brown"]),
            _ => serde_json::json!({"R": 100, "G": 200, "B": 150}),
        }
    }

    /// The OpenAPI 3.1 "Style Examples" table, query styles (the table leaves out the
    /// `color=` of space- and pipe-delimited values; the query string has it).
    #[test]
    fn query_styles_match_the_openapi_table() {
        let cases = [
            (Style::Form, false, "string", "color=blue"),
            (Style::Form, false, "array", "color=blue,black,brown"),
            (
                Style::Form,
                true,
                "array",
                "color=blue&color=black&color=brown",
            ),
            (Style::Form, false, "object", "color=R,100,G,200,B,150"),
            (Style::Form, true, "object", "R=100&G=200&B=150"),
            (
                Style::SpaceDelimited,
                false,
                "array",
                "color=blue%20black%20brown",
            ),
            (
                Style::SpaceDelimited,
                false,
                "object",
                "color=R%20100%20G%20200%20B%20150",
            ),
            (
                Style::PipeDelimited,
                false,
                "array",
                "color=blue|black|brown",
            ),
            (
                Style::PipeDelimited,
                false,
                "object",
                "color=R|100|G|200|B|150",
            ),
            (
                Style::DeepObject,
                true,
                "object",
                "color[R]=100&color[G]=200&color[B]=150",
            ),
        ];
        let c = client();
        for (style, explode, kind, want) in cases {
            let r = c.request(Method::GET, "s", "http://h", "/p").query_styled(
                "color",
                style,
                explode,
                &color(kind),
            );
            assert_eq!(
                built(r).unwrap().url().query(),
                Some(want),
                "{style:?} explode={explode} {kind}"
            );
        }
        let r = c.request(Method::GET, "s", "http://h", "/p").query_styled(
            "color",
            Style::Form,
            true,
            &serde_json::Value::Null,
        );
        assert_eq!(built(r).unwrap().url().query(), None);
    }

    #[test]
    fn styled_cookies_and_headers() {
        let c = client();
        let r = c
            .request(Method::GET, "s", "http://h", "/p")
            .cookie_styled("color", true, &color("object"))
            .cookie_styled("list", true, &color("array"))
            .cookie_styled("flat", false, &color("array"))
            .header_styled("X-Color", true, &color("object"));
        let req = built(r).unwrap();
        assert_eq!(
            req.headers()["cookie"],
            "R=100; G=200; B=150; list=blue; list=black; list=brown; flat=blue%2Cblack%2Cbrown"
        );
        assert_eq!(req.headers()["x-color"], "R=100,G=200,B=150");
    }

    fn query_of(media_type: &str, value: &str) -> Option<String> {
        let c = client();
        let r = c
            .request(Method::GET, "s", "http://h", "/p")
            .query_string(media_type, value);
        built(r).unwrap().url().query().map(str::to_owned)
    }

    /// Arazzo 1.1's `in: querystring` examples, and OpenAPI 3.2's JSON one.
    #[test]
    fn query_strings_follow_their_media_type() {
        let form = "application/x-www-form-urlencoded";
        // The Arazzo examples: a form query string is sent as written.
        assert_eq!(
            query_of(form, "filter=active&sort=desc&limit=50").as_deref(),
            Some("filter=active&sort=desc&limit=50")
        );
        // Escapes and `+` stay; what a query cannot carry is encoded.
        assert_eq!(
            query_of(form, "q=a b&x=%2F&p=1+1&pct=100%&h=#1&u=é&b=[x]").as_deref(),
            Some("q=a+b&x=%2F&p=1+1&pct=100%25&h=%231&u=%C3%A9&b=%5Bx%5D")
        );
        assert_eq!(
            query_of("Application/X-WWW-Form-Urlencoded; charset=utf-8", "a=b c").as_deref(),
            Some("a=b+c")
        );
        // Any other media type: the content, encoded whole.
        assert_eq!(
            query_of("application/json", r#"{"numbers":[1,2],"flag":null}"#).as_deref(),
            Some("%7B%22numbers%22%3A%5B1%2C2%5D%2C%22flag%22%3Anull%7D")
        );
        assert_eq!(
            query_of(
                "application/json",
                r#"{"filter":"active","sort":"desc","limit":50}"#
            )
            .as_deref(),
            Some("%7B%22filter%22%3A%22active%22%2C%22sort%22%3A%22desc%22%2C%22limit%22%3A50%7D")
        );
        assert_eq!(
            query_of("text/plain", "a-b.c_d~e f").as_deref(),
            Some("a-b.c_d~e%20f")
        );
        assert_eq!(query_of(form, ""), None);
    }

    #[test]
    fn a_query_string_comes_first_and_a_query_api_key_follows() {
        let c = Client::builder()
            .credential("key", Credential::ApiKey("k 1".into()))
            .build()
            .unwrap();
        const KEY: SchemeKind = SchemeKind::ApiKey {
            name: "api_key",
            location: KeyLocation::Query,
        };
        let r = c
            .request(Method::GET, "s", "http://h", "/p")
            .query_string("application/x-www-form-urlencoded", "a=1")
            .query_string_opt("application/json", None::<&str>)
            .security(&[&[("key", KEY)]]);
        assert_eq!(built(r).unwrap().url().query(), Some("a=1&api_key=k+1"));
    }

    /// Lower-case names are borrowed as they are; anything else is parsed, and an invalid
    /// name is an error, never `from_static`'s panic.
    #[test]
    fn static_header_names_never_panic() {
        for name in ["x-api-key", "authorization", "a!#$%&'*+-.^_`|~9"] {
            assert_eq!(header_name(name).unwrap().as_str(), name);
        }
        assert_eq!(header_name("X-Api-Key").unwrap().as_str(), "x-api-key");
        for bad in ["", "bad name", "quo\"te", "new\nline", "é", "a:b"] {
            assert!(header_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn base64_pads() {
        assert_eq!(
            base64(b"Aladdin:open sesame"),
            "QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"abc"), "YWJj");
        assert_eq!(base64(b""), "");
    }

    const KEY_HEADER: SchemeKind = SchemeKind::ApiKey {
        name: "X-API-Key",
        location: KeyLocation::Header,
    };

    #[test]
    fn security_uses_the_first_satisfiable_requirement() {
        let c = Client::builder()
            .credential("bearer", Credential::Bearer("tok".into()))
            .credential("key", Credential::ApiKey("k1".into()))
            .build()
            .unwrap();
        // `basic` has no credential, so the second requirement is used.
        let req = built(c.request(Method::GET, "s", "http://h", "/p").security(&[
            &[("basic", SchemeKind::Basic)],
            &[("bearer", SchemeKind::Bearer), ("key", KEY_HEADER)],
        ]))
        .unwrap();
        assert_eq!(req.headers()["authorization"], "Bearer tok");
        assert_eq!(req.headers()["x-api-key"], "k1");
        assert!(req.headers()["x-api-key"].is_sensitive());
        // Optional auth (`{}` first) still sends configured credentials; an explicit header wins.
        let req = built(
            c.request(Method::GET, "s", "http://h", "/p")
                .header("Authorization", "Bearer mine")
                .security(&[&[], &[("bearer", SchemeKind::Bearer)]]),
        )
        .unwrap();
        assert_eq!(req.headers()["authorization"], "Bearer mine");
        // A credential of the wrong kind does not satisfy a scheme: sent without.
        let req = built(
            c.request(Method::GET, "s", "http://h", "/p")
                .security(&[&[("key", SchemeKind::Bearer)]]),
        )
        .unwrap();
        assert!(req.headers().get("authorization").is_none());
        assert!(!format!("{c:?}").contains("tok"));
    }

    #[test]
    fn multipart_bodies_frame_each_part() {
        let c = client();
        let req = built(
            c.request(Method::POST, "s", "http://h", "/p")
                .multipart_body([
                    ("name", Some(Part::Text("Rex".into()))),
                    ("skip", None),
                    ("meta", Some(Part::Json(serde_json::json!({"a": 1})))),
                ]),
        )
        .unwrap();
        assert_eq!(
            req.headers()["content-type"],
            "multipart/form-data; boundary=arazzo-boundary-00000000"
        );
        let body = req.body().and_then(|b| b.as_bytes()).unwrap();
        assert_eq!(
            std::str::from_utf8(body).unwrap(),
            "--arazzo-boundary-00000000\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nRex\r\n\
             --arazzo-boundary-00000000\r\nContent-Disposition: form-data; name=\"meta\"\r\n\
             Content-Type: application/json\r\n\r\n{\"a\":1}\r\n--arazzo-boundary-00000000--\r\n"
        );
        let clash = built(
            c.request(Method::POST, "s", "http://h", "/p")
                .multipart_body([("x", Some(Part::Text("--arazzo-boundary-00000000".into())))]),
        )
        .unwrap();
        assert_eq!(
            clash.headers()["content-type"],
            "multipart/form-data; boundary=arazzo-boundary-00000001"
        );
    }

    #[test]
    fn computed_multipart_objects_become_parts() {
        let c = client();
        let value = serde_json::json!({"a": "text", "b": null, "c": [1]});
        let req = built(
            c.request(Method::POST, "s", "http://h", "/p")
                .multipart_object(&value),
        )
        .unwrap();
        let body =
            String::from_utf8(req.body().and_then(|b| b.as_bytes()).unwrap().to_vec()).unwrap();
        assert!(body.contains("name=\"a\"\r\n\r\ntext\r\n"), "{body}");
        assert!(!body.contains("name=\"b\""), "{body}");
        assert!(
            body.contains("name=\"c\"\r\nContent-Type: application/json\r\n\r\n[1]"),
            "{body}"
        );
        let err = built(
            c.request(Method::POST, "s", "http://h", "/p")
                .multipart_object(&serde_json::json!("x")),
        )
        .unwrap_err();
        assert!(err.to_string().contains("not a JSON object"), "{err}");
    }

    #[test]
    fn runtime_replacements_fail_the_step_when_the_target_is_missing() {
        let c = client();
        let req = built(
            c.request(Method::POST, "s", "http://h", "/p")
                .json_body_replaced(
                    "application/json",
                    serde_json::json!({"a": {"b": 1}}),
                    [("/a/b", serde_json::json!(2))],
                ),
        )
        .unwrap();
        assert_eq!(
            req.body().and_then(|b| b.as_bytes()).unwrap(),
            br#"{"a":{"b":2}}"#
        );
        let err = built(
            c.request(Method::POST, "s", "http://h", "/p")
                .json_body_replaced(
                    "application/json",
                    serde_json::json!({}),
                    [("/a/b", serde_json::json!(2))],
                ),
        )
        .unwrap_err();
        assert!(err.to_string().contains("`/a/b`"), "{err}");
    }

    #[test]
    fn dot_segments_are_refused() {
        let c = client();
        for path in ["/owners/1/pets/..", "/owners/./x", "/a/%2E%2e/b"] {
            let err = built(c.request(Method::GET, "s", "http://h", path)).unwrap_err();
            assert!(err.to_string().contains("`.` or `..`"), "{err}");
        }
        assert!(built(c.request(Method::GET, "s", "http://h", "/a/.../b")).is_ok());
    }

    #[test]
    fn bodiless_posts_say_so_and_bad_headers_are_reported_without_their_value() {
        let c = client();
        let req = built(c.request(Method::POST, "s", "http://h", "/p")).unwrap();
        assert_eq!(req.headers()["content-length"], "0");
        let err = built(
            c.request(Method::GET, "s", "http://h", "/p")
                .header("Authorization", "Bearer x\ny"),
        )
        .unwrap_err();
        assert!(!err.to_string().contains("Bearer"), "{err}");
        assert_eq!(err.step(), "step");
    }
}
