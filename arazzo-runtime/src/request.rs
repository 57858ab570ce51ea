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
    /// Each pair's value is already percent-encoded (delimiters of non-exploded arrays stay
    /// literal, as OpenAPI's `form` style sends them).
    query: Vec<(&'static str, String)>,
    headers: HeaderMap,
    cookies: Vec<String>,
    body: Option<Vec<u8>>,
    error: Option<String>,
}

impl<'c> Request<'c> {
    pub(crate) fn new(client: &'c Client, method: Method, url: String, path: &str) -> Self {
        let mut request = Self {
            client,
            method,
            url,
            query: Vec::new(),
            headers: HeaderMap::new(),
            cookies: Vec::new(),
            body: None,
            error: None,
        };
        // URL parsers remove `.` and `..` segments (even percent-encoded ones), so a path
        // parameter with such a value would silently address another resource.
        if path.split('/').any(is_dot_segment) {
            request.fail(
                "a path parameter is `.` or `..`, which would change the request path".to_owned(),
            );
        }
        request
    }

    /// Adds a query parameter.
    pub fn query(mut self, name: &'static str, value: impl ParamValue) -> Self {
        self.query.push((name, encode_query(&value.to_param())));
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
                self.query.push((name, encode_query(&item.to_param())));
            }
            return self;
        }
        // Items are encoded one by one, so a comma inside an item (`%2C`) stays distinct
        // from the literal delimiter between items.
        let separator = if separator == " " { "%20" } else { separator };
        let mut joined = String::new();
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                joined.push_str(separator);
            }
            joined.push_str(&encode_query(&item.to_param()));
        }
        // An empty list sends nothing, exploded or not (RFC 6570 `{?list}`).
        if !joined.is_empty() {
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
        // Encoded, so a value cannot end its cookie and forge another (`a; admin=1`).
        let value =
            percent_encoding::utf8_percent_encode(&value.to_param(), COOKIE_VALUE).to_string();
        self.cookies.push(format!("{name}={value}"));
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
            let mut query = String::new();
            for (name, value) in &self.query {
                if !query.is_empty() {
                    query.push('&');
                }
                query.push_str(&encode_query(name));
                query.push('=');
                query.push_str(value);
            }
            url.set_query(Some(&query));
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

/// Characters a cookie value cannot carry as they are (RFC 6265 `cookie-octet` excludes
/// controls, space, `"`, `,`, `;` and `\`); `%` too, so encoded values decode unambiguously.
const COOKIE_VALUE: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b',')
    .add(b';')
    .add(b'\\')
    .add(b'%');

/// `application/x-www-form-urlencoded` encoding of one query name or value.
fn encode_query(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

fn is_dot_segment(segment: &str) -> bool {
    let decoded = percent_encoding::percent_decode_str(segment).decode_utf8_lossy();
    decoded == "." || decoded == ".."
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

#[cfg(test)]
mod tests {
    use super::*;

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
