//! Parameters: where they go, how they are serialised, and path-level/operation-level merging.

use std::fmt;

use super::Version;
use super::pointer::{display, join};
use super::reader::Reader;
use super::schema::SchemaRef;
use crate::diagnostic::FileId;

/// Where a parameter (or an apiKey) goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Location {
    /// A `{name}` segment of the path template.
    Path,
    /// A query-string parameter.
    Query,
    /// A request header.
    Header,
    /// A cookie.
    Cookie,
    /// OpenAPI 3.2 `in: querystring`: the whole query string, described by `content`.
    QueryString,
}

impl Location {
    /// The `in` value as written in OpenAPI.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Location::Path => "path",
            Location::Query => "query",
            Location::Header => "header",
            Location::Cookie => "cookie",
            Location::QueryString => "querystring",
        }
    }

    /// The serialisation style used when `style` is absent.
    pub(crate) fn default_style(self) -> Style {
        match self {
            Location::Path | Location::Header => Style::Simple,
            Location::Query | Location::Cookie | Location::QueryString => Style::Form,
        }
    }

    /// The styles OpenAPI allows here.
    fn allows(self, style: Style) -> bool {
        match self {
            Location::Path => matches!(style, Style::Simple | Style::Label | Style::Matrix),
            Location::Query => matches!(
                style,
                Style::Form | Style::SpaceDelimited | Style::PipeDelimited | Style::DeepObject
            ),
            Location::Header => style == Style::Simple,
            Location::Cookie => matches!(style, Style::Form | Style::Cookie),
            Location::QueryString => style == Style::Form,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a parameter value is serialised (OpenAPI `style`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Style {
    /// `simple`: comma-separated (path, header).
    Simple,
    /// `label`: `.`-prefixed (path).
    Label,
    /// `matrix`: `;name=`-prefixed (path).
    Matrix,
    /// `form`: `name=value` (query, cookie).
    Form,
    /// `spaceDelimited` arrays (query).
    SpaceDelimited,
    /// `pipeDelimited` arrays (query).
    PipeDelimited,
    /// `deepObject`: `name[key]=value` (query).
    DeepObject,
    /// OpenAPI 3.2 `cookie`: like form, with `; ` separators and no percent-encoding.
    Cookie,
}

impl Style {
    fn parse(text: &str) -> Option<Style> {
        Some(match text {
            "simple" => Style::Simple,
            "label" => Style::Label,
            "matrix" => Style::Matrix,
            "form" => Style::Form,
            "spaceDelimited" => Style::SpaceDelimited,
            "pipeDelimited" => Style::PipeDelimited,
            "deepObject" => Style::DeepObject,
            "cookie" => Style::Cookie,
            _ => return None,
        })
    }
}

/// A parameter of an operation, with OpenAPI's defaults filled in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Parameter {
    /// The name (for headers, compare case-insensitively).
    pub(crate) name: String,
    /// Where it goes.
    pub(crate) location: Location,
    /// Whether it must be sent; always true for path parameters.
    pub(crate) required: bool,
    /// The serialisation style (default: form for query/cookie, simple for path/header).
    pub(crate) style: Style,
    /// Whether arrays/objects explode (default: true for form/cookie style, else false).
    pub(crate) explode: bool,
    /// Whether reserved characters are sent unencoded (query only; default false).
    pub(crate) allow_reserved: bool,
    /// The schema (`schema`, or the schema of the single `content` entry).
    pub(crate) schema: Option<SchemaRef>,
    /// The description.
    pub(crate) description: Option<String>,
    /// Where the parameter object itself lives (after following `$ref`).
    pub(crate) pointer: (FileId, String),
}

impl Parameter {
    /// Whether this is a header OpenAPI says to ignore (`Accept`, `Content-Type`,
    /// `Authorization`): they are kept in the table because real descriptions declare them
    /// and Arazzo steps set them, but the request body's media type and the security schemes
    /// govern those headers.
    pub(crate) fn is_reserved_header(&self) -> bool {
        self.location == Location::Header
            && ["accept", "content-type", "authorization"]
                .iter()
                .any(|h| self.name.eq_ignore_ascii_case(h))
    }

    /// Whether this is the parameter `name` in `location` (header names are case-insensitive).
    pub(crate) fn same_as(&self, name: &str, location: Location) -> bool {
        self.location == location
            && if location == Location::Header {
                self.name.eq_ignore_ascii_case(name)
            } else {
                self.name == name
            }
    }
}

/// Reads the `parameters` array at `ptr`; bad entries are reported and skipped.
pub(crate) fn read_list(r: &mut Reader<'_>, file: FileId, ptr: &str) -> Vec<Parameter> {
    let mut params: Vec<Parameter> = Vec::new();
    for i in 0..r.len(file, ptr) {
        let Some((f, p)) = r.follow(file, &format!("{ptr}/{i}")) else {
            continue;
        };
        let Some(param) = read_one(r, f, &p) else {
            continue;
        };
        if params
            .iter()
            .any(|q| q.same_as(&param.name, param.location))
        {
            r.warning(
                "invalid-openapi",
                f,
                &p,
                format!(
                    "parameter `{}` in {} is listed twice; the later one is used",
                    param.name, param.location
                ),
            );
            params.retain(|q| !q.same_as(&param.name, param.location));
        }
        params.push(param);
    }
    params
}

/// Path-item parameters overridden by operation parameters with the same name and location:
/// overridden ones keep their place, new ones follow.
pub(crate) fn merge(path_level: &[Parameter], operation_level: Vec<Parameter>) -> Vec<Parameter> {
    let mut merged = path_level.to_vec();
    for param in operation_level {
        match merged
            .iter_mut()
            .find(|q| q.same_as(&param.name, param.location))
        {
            Some(slot) => *slot = param,
            None => merged.push(param),
        }
    }
    merged
}

fn read_one(r: &mut Reader<'_>, f: FileId, p: &str) -> Option<Parameter> {
    let name = r.string(f, &join(p, "name"));
    let location_text = r.string(f, &join(p, "in"));
    let (Some(name), Some(location_text)) = (name, location_text) else {
        r.error(
            "invalid-openapi",
            f,
            p,
            "parameter without `name` and `in` strings",
        )
        .help =
            Some("every parameter needs `name` and `in` (path, query, header or cookie)".into());
        return None;
    };
    let location = match location_text.as_str() {
        "path" => Location::Path,
        "query" => Location::Query,
        "header" => Location::Header,
        "cookie" => Location::Cookie,
        "querystring" if r.version >= Version::V3_2 => Location::QueryString,
        other => {
            r.error(
                "invalid-openapi",
                f,
                &join(p, "in"),
                format!("parameter `{name}` has unknown location `in: {other}`"),
            )
            .help = Some("use `in: path`, `query`, `header` or `cookie`".into());
            return None;
        }
    };
    let required = match (location, r.boolean(f, &join(p, "required"))) {
        (Location::Path, Some(true)) => true,
        (Location::Path, _) => {
            r.warning(
                "invalid-openapi",
                f,
                p,
                format!(
                    "path parameter `{name}` must have `required: true`; treating it as required"
                ),
            );
            true
        }
        (_, required) => required.unwrap_or(false),
    };
    let style = match r.string(f, &join(p, "style")) {
        None => location.default_style(),
        Some(text) => match Style::parse(&text)
            .filter(|s| location.allows(*s))
            .filter(|s| *s != Style::Cookie || r.version >= Version::V3_2)
        {
            Some(style) => style,
            // OpenAPI ignores `Accept`, `Content-Type` and `Authorization` header parameters,
            // so their styles do not matter either.
            None if location == Location::Header
                && ["accept", "content-type", "authorization"]
                    .iter()
                    .any(|h| name.eq_ignore_ascii_case(h)) =>
            {
                location.default_style()
            }
            None => {
                r.error(
                    "invalid-openapi",
                    f,
                    &join(p, "style"),
                    format!("style `{text}` is not allowed for {location} parameter `{name}`"),
                )
                .help = Some(style_help(location).into());
                location.default_style()
            }
        },
    };
    let explode = r
        .boolean(f, &join(p, "explode"))
        .unwrap_or(matches!(style, Style::Form | Style::Cookie));
    let schema_ptr = join(p, "schema");
    let schema = if r.get(f, &schema_ptr).is_some() {
        Some(SchemaRef {
            file: f,
            pointer: schema_ptr,
        })
    } else {
        content_schema(r, f, &join(p, "content"))
    };
    Some(Parameter {
        name,
        location,
        required,
        style,
        explode,
        allow_reserved: r.boolean(f, &join(p, "allowReserved")).unwrap_or(false),
        schema,
        description: r.string(f, &join(p, "description")),
        pointer: (f, p.to_owned()),
    })
}

/// The schema of the first entry of a `content` map (parameters and headers allow exactly one).
pub(crate) fn content_schema(r: &mut Reader<'_>, f: FileId, content: &str) -> Option<SchemaRef> {
    let first = r.keys(f, content).into_iter().next()?;
    let (mf, mp) = r.follow(f, &join(content, &first))?;
    let schema_ptr = join(&mp, "schema");
    r.get(mf, &schema_ptr).is_some().then_some(SchemaRef {
        file: mf,
        pointer: schema_ptr,
    })
}

fn style_help(location: Location) -> &'static str {
    match location {
        Location::Path => "path parameters allow `simple` (default), `label` or `matrix`",
        Location::Query => {
            "query parameters allow `form` (default), `spaceDelimited`, `pipeDelimited` or `deepObject`"
        }
        Location::Header => "header parameters allow only `simple`",
        Location::Cookie => {
            "cookie parameters allow `form` (default), or `cookie` from OpenAPI 3.2"
        }
        Location::QueryString => "a querystring parameter is described by `content`, not `style`",
    }
}

/// The `{name}`s of a path template, in order.
pub(crate) fn template_names(path: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        names.push(&after[..close]);
        rest = &after[close + 1..];
    }
    names
}

/// Warns about path templates and path parameters that do not match each other.
pub(crate) fn check_template(
    r: &mut Reader<'_>,
    file: FileId,
    op_ptr: &str,
    path: &str,
    params: &[Parameter],
) {
    for name in template_names(path) {
        if !params.iter().any(|q| q.same_as(name, Location::Path)) {
            r.warning(
                "invalid-openapi",
                file,
                op_ptr,
                format!("path `{path}` has `{{{name}}}` but the operation declares no path parameter `{name}`"),
            )
            .help = Some(format!(
                "add `- {{ name: {name}, in: path, required: true, schema: {{ type: string }} }}` to `parameters`"
            ));
        }
    }
    let names = template_names(path);
    for q in params.iter().filter(|q| q.location == Location::Path) {
        if !names.contains(&q.name.as_str()) {
            r.warning(
                "invalid-openapi",
                q.pointer.0,
                &q.pointer.1,
                format!(
                    "path parameter `{}` does not appear in the path `{path}` (operation at `{}`)",
                    q.name,
                    display(op_ptr)
                ),
            );
        }
    }
}
