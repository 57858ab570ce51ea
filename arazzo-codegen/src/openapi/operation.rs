//! Operations: the rows of the table, read from `paths`.

use std::fmt;

use super::Version;
use super::parameter::{self, Parameter};
use super::pointer::{escape, join};
use super::reader::Reader;
use super::schema::SchemaRef;
use super::security::read_requirements;
use super::server::{Server, read_servers};
use crate::diagnostic::FileId;

/// An HTTP method of an operation.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Method {
    /// GET
    Get,
    /// PUT
    Put,
    /// POST
    Post,
    /// DELETE
    Delete,
    /// OPTIONS
    Options,
    /// HEAD
    Head,
    /// PATCH
    Patch,
    /// TRACE
    Trace,
    /// QUERY (OpenAPI 3.2).
    Query,
    /// A method from OpenAPI 3.2 `additionalOperations`, exactly as written (e.g. `LINK`).
    Other(String),
}

/// The fixed path-item fields that are operations, in the order OpenAPI lists them.
const FIXED: [(&str, Method); 9] = [
    ("get", Method::Get),
    ("put", Method::Put),
    ("post", Method::Post),
    ("delete", Method::Delete),
    ("options", Method::Options),
    ("head", Method::Head),
    ("patch", Method::Patch),
    ("trace", Method::Trace),
    ("query", Method::Query),
];

impl Method {
    /// The method as sent on the wire: upper case for the fixed ones, as written for others.
    pub(crate) fn as_str(&self) -> &str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Head => "HEAD",
            Method::Patch => "PATCH",
            Method::Trace => "TRACE",
            Method::Query => "QUERY",
            Method::Other(name) => name,
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One operation: a method on a path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Operation {
    /// `operationId`, if declared.
    pub(crate) operation_id: Option<String>,
    /// The HTTP method.
    pub(crate) method: Method,
    /// The path template, e.g. `/pets/{petId}`.
    pub(crate) path: String,
    /// Pointer in the root document, escaped, as Arazzo `operationPath` writes it:
    /// `/paths/~1pets/get`, or `/paths/~1x/additionalOperations/LINK` for 3.2 extra methods.
    pub(crate) pointer: String,
    /// Where the operation object really lives (differs from `pointer` under a path-item `$ref`).
    pub(crate) location: (FileId, String),
    /// `summary`.
    pub(crate) summary: Option<String>,
    /// `description`.
    pub(crate) description: Option<String>,
    /// Path-item parameters merged with the operation's (operation wins on the same name and
    /// location; overridden ones keep their place, new ones follow).
    pub(crate) parameters: Vec<Parameter>,
    /// The request body, if any.
    pub(crate) request_body: Option<RequestBody>,
    /// The responses in document order.
    pub(crate) responses: Vec<Response>,
    /// Operation-level servers, else path-level servers, else empty (use the document's).
    pub(crate) servers: Vec<Server>,
    /// Operation-level `security`, overriding the document's when present.
    pub(crate) security: Option<Vec<Vec<String>>>,
    /// `deprecated`.
    pub(crate) deprecated: bool,
}

impl Operation {
    /// How diagnostics and traces name the operation: its `operationId`, else `METHOD path`.
    pub(crate) fn name(&self) -> String {
        self.operation_id
            .clone()
            .unwrap_or_else(|| format!("{} {}", self.method, self.path))
    }

    /// The response declared for `status`: the exact code, else its range (`2XX`), else `default`.
    pub(crate) fn response(&self, status: u16) -> Option<&Response> {
        let exact = status.to_string();
        let range = format!("{}XX", status / 100);
        self.responses
            .iter()
            .find(|r| r.status == exact)
            .or_else(|| {
                self.responses
                    .iter()
                    .find(|r| r.status.eq_ignore_ascii_case(&range))
            })
            .or_else(|| self.responses.iter().find(|r| r.status == "default"))
    }

    /// The responses whose status is in 2XX (exact codes and the `2XX` range).
    pub(crate) fn success_responses(&self) -> impl Iterator<Item = &Response> {
        self.responses.iter().filter(|r| r.status.starts_with('2'))
    }

    /// The parameter `name` in `location` (header names are case-insensitive).
    #[cfg(test)]
    pub(crate) fn parameter(&self, name: &str, location: super::Location) -> Option<&Parameter> {
        self.parameters.iter().find(|p| p.same_as(name, location))
    }
}

/// A request body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RequestBody {
    /// `required` (default false).
    pub(crate) required: bool,
    /// One entry per media type, in document order.
    pub(crate) content: Vec<MediaType>,
}

/// One entry of a `content` map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct MediaType {
    /// The media type or range as written, e.g. `application/json`, `text/*`.
    pub(crate) media_type: String,
    /// Its schema, if given.
    pub(crate) schema: Option<SchemaRef>,
}

/// One response of an operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Response {
    /// The status key: `200`, `2XX` or `default`.
    pub(crate) status: String,
    /// `description`.
    pub(crate) description: Option<String>,
    /// The bodies by media type.
    pub(crate) content: Vec<MediaType>,
    /// Headers and their schemas, in document order.
    pub(crate) headers: Vec<(String, Option<SchemaRef>)>,
}

/// A path item's fields: its own, and those of its `$ref` target that it does not override.
struct PathItem {
    fields: Vec<(String, FileId, String)>,
}

impl PathItem {
    fn field(&self, name: &str) -> Option<(FileId, &str)> {
        self.fields
            .iter()
            .find(|(k, _, _)| k == name)
            .map(|(_, f, p)| (*f, p.as_str()))
    }
}

/// Reads every operation under `paths` of the root document.
/// What a path template must percent-encode to be a URL path (RFC 3986): controls, space and
/// the characters URLs do not allow; `{`/`}` stay, they delimit template variables.
const PATH_UNSAFE: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'`')
    .add(b'^')
    .add(b'|')
    .add(b'\\');

pub(crate) fn read_paths(r: &mut Reader<'_>, root: FileId) -> Vec<Operation> {
    let mut operations = Vec::new();
    for path in r.keys(root, "/paths") {
        if path.starts_with("x-") {
            continue;
        }
        let item_ptr = join("/paths", &path);
        if !path.starts_with('/') {
            r.error(
                "invalid-openapi",
                root,
                &item_ptr,
                format!("path `{path}` does not start with `/`; its operations are skipped"),
            )
            .help = Some(format!("write it as `/{path}`"));
            continue;
        }
        let Some(item) = path_item(r, root, &item_ptr) else {
            continue;
        };
        let before = operations.len();
        read_path_item(r, &path, &item_ptr, &item, &mut operations);
        // A URL path cannot hold whitespace or control characters as they are.
        if operations.len() > before
            && let Some(bad) = path.chars().find(|c| c.is_whitespace() || c.is_control())
        {
            r.warning(
                "invalid-openapi",
                root,
                &item_ptr,
                format!(
                    "path `{path}` contains {}, which a URL path cannot hold; it is sent percent-encoded",
                    if bad == ' ' { "a space".to_owned() } else { format!("`{}`", bad.escape_default()) }
                ),
            )
            .help = Some(format!(
                "write the path as the server expects it, percent-encoded: `{}`",
                percent_encoding::utf8_percent_encode(&path, PATH_UNSAFE)
            ));
        }
    }
    operations
}

fn path_item(r: &mut Reader<'_>, root: FileId, item_ptr: &str) -> Option<PathItem> {
    let own = r.keys(root, item_ptr);
    // `/pets:` with nothing under it is an empty path item, not a mistake worth stopping for.
    if r.get(root, item_ptr)
        .is_some_and(|v| !v.is_object() && !v.is_null())
    {
        r.error(
            "invalid-openapi",
            root,
            item_ptr,
            "a path item must be a mapping of methods to operations",
        );
        return None;
    }
    let mut fields: Vec<(String, FileId, String)> = own
        .iter()
        .filter(|k| *k != "$ref")
        .map(|k| (k.clone(), root, join(item_ptr, k)))
        .collect();
    if own.iter().any(|k| k == "$ref") {
        let (f, p) = r.follow(root, item_ptr)?;
        for key in r.keys(f, &p) {
            if !fields.iter().any(|(k, _, _)| *k == key) {
                let ptr = join(&p, &key);
                fields.push((key, f, ptr));
            }
        }
    }
    Some(PathItem { fields })
}

fn read_path_item(
    r: &mut Reader<'_>,
    path: &str,
    item_ptr: &str,
    item: &PathItem,
    out: &mut Vec<Operation>,
) {
    let shared = match item.field("parameters") {
        Some((f, p)) => parameter::read_list(r, f, p),
        None => Vec::new(),
    };
    let servers = match item.field("servers") {
        Some((f, p)) => read_servers(r, f, p),
        None => Vec::new(),
    };
    let context = Shared {
        path,
        parameters: &shared,
        servers: &servers,
    };
    for (key, method) in FIXED {
        if method == Method::Query && r.version < Version::V3_2 {
            continue;
        }
        if let Some((f, p)) = item.field(key) {
            let pointer = join(item_ptr, key);
            let location = (f, p.to_owned());
            if let Some(op) = read_operation(r, &context, method, pointer, location) {
                out.push(op);
            }
        }
    }
    for (key, f, p) in &item.fields {
        let lower = key.to_ascii_lowercase();
        if *key != lower && FIXED.iter().any(|(m, _)| *m == lower) {
            r.warning(
                "invalid-openapi",
                *f,
                p,
                format!("`{key}` is not a path item field, so this operation is ignored"),
            )
            .help = Some(format!("method fields are lower case: write `{lower}`"));
        }
    }
    if r.version >= Version::V3_2
        && let Some((f, p)) = item.field("additionalOperations")
    {
        for name in r.keys(f, p) {
            let pointer = format!("{item_ptr}/additionalOperations/{}", escape(&name));
            let location = (f, join(p, &name));
            let method = Method::Other(name);
            if let Some(op) = read_operation(r, &context, method, pointer, location) {
                out.push(op);
            }
        }
    }
}

/// What a path item gives all its operations.
struct Shared<'a> {
    path: &'a str,
    parameters: &'a [Parameter],
    servers: &'a [Server],
}

fn read_operation(
    r: &mut Reader<'_>,
    shared: &Shared<'_>,
    method: Method,
    pointer: String,
    (f, p): (FileId, String),
) -> Option<Operation> {
    if !r.get(f, &p).is_some_and(serde_json::Value::is_object) {
        r.error(
            "invalid-openapi",
            f,
            &p,
            format!(
                "the {method} operation of `{}` is not a mapping",
                shared.path
            ),
        );
        return None;
    }
    let operation_id = match r.get(f, &join(&p, "operationId")) {
        None => None,
        Some(serde_json::Value::String(id)) => Some(id.clone()),
        Some(_) => {
            r.error(
                "invalid-openapi",
                f,
                &join(&p, "operationId"),
                "`operationId` is not a string",
            );
            None
        }
    };
    let own = parameter::read_list(r, f, &join(&p, "parameters"));
    let parameters = parameter::merge(shared.parameters, own);
    parameter::check_template(r, f, &p, shared.path, &parameters);
    let request_body = match r.get(f, &join(&p, "requestBody")) {
        Some(_) => read_request_body(r, f, &join(&p, "requestBody")),
        None => None,
    };
    let responses = read_responses(r, f, &join(&p, "responses"));
    let own_servers = read_servers(r, f, &join(&p, "servers"));
    let servers = if own_servers.is_empty() {
        shared.servers.to_vec()
    } else {
        own_servers
    };
    let security_ptr = join(&p, "security");
    let security = r
        .get(f, &security_ptr)
        .is_some()
        .then(|| read_requirements(r, f, &security_ptr));
    Some(Operation {
        operation_id,
        method,
        path: shared.path.to_owned(),
        pointer,
        summary: r.string(f, &join(&p, "summary")),
        description: r.string(f, &join(&p, "description")),
        parameters,
        request_body,
        responses,
        servers,
        security,
        deprecated: r.boolean(f, &join(&p, "deprecated")).unwrap_or(false),
        location: (f, p),
    })
}

fn read_request_body(r: &mut Reader<'_>, file: FileId, ptr: &str) -> Option<RequestBody> {
    let (f, p) = r.follow(file, ptr)?;
    Some(RequestBody {
        required: r.boolean(f, &join(&p, "required")).unwrap_or(false),
        content: read_content(r, f, &join(&p, "content")),
    })
}

/// Reads a `content` map: media type → schema (media type objects may be `$ref`s in 3.2).
fn read_content(r: &mut Reader<'_>, file: FileId, ptr: &str) -> Vec<MediaType> {
    let mut content = Vec::new();
    for media_type in r.keys(file, ptr) {
        let Some((f, p)) = r.follow(file, &join(ptr, &media_type)) else {
            continue;
        };
        let schema_ptr = join(&p, "schema");
        let schema = r.get(f, &schema_ptr).is_some().then_some(SchemaRef {
            file: f,
            pointer: schema_ptr,
        });
        content.push(MediaType { media_type, schema });
    }
    content
}

fn read_responses(r: &mut Reader<'_>, file: FileId, ptr: &str) -> Vec<Response> {
    let mut responses = Vec::new();
    for status in r.keys(file, ptr) {
        if status.starts_with("x-") {
            continue;
        }
        let status_ptr = join(ptr, &status);
        if !valid_status(&status) {
            r.warning(
                "invalid-openapi",
                file,
                &status_ptr,
                format!(
                    "`{status}` is not a response status (expected e.g. `200`, `2XX` or `default`)"
                ),
            );
        }
        let Some((f, p)) = r.follow(file, &status_ptr) else {
            continue;
        };
        let headers_ptr = join(&p, "headers");
        let mut headers = Vec::new();
        for name in r.keys(f, &headers_ptr) {
            let Some((hf, hp)) = r.follow(f, &join(&headers_ptr, &name)) else {
                continue;
            };
            let schema_ptr = join(&hp, "schema");
            let schema = if r.get(hf, &schema_ptr).is_some() {
                Some(SchemaRef {
                    file: hf,
                    pointer: schema_ptr,
                })
            } else {
                parameter::content_schema(r, hf, &join(&hp, "content"))
            };
            headers.push((name, schema));
        }
        responses.push(Response {
            description: r.string(f, &join(&p, "description")),
            content: read_content(r, f, &join(&p, "content")),
            headers,
            status,
        });
    }
    if r.version == Version::V3_0 && r.get(file, ptr).is_none() {
        let op_ptr = ptr.rsplit_once('/').map_or(ptr, |(op, _)| op);
        r.warning(
            "invalid-openapi",
            file,
            op_ptr,
            "operation has no `responses` (required in OpenAPI 3.0)",
        );
    }
    responses
}

fn valid_status(status: &str) -> bool {
    let b = status.as_bytes();
    status == "default"
        || (b.len() == 3
            && (b'1'..=b'5').contains(&b[0])
            && ((b[1].is_ascii_digit() && b[2].is_ascii_digit())
                || (b[1..].eq_ignore_ascii_case(b"XX"))))
}
