//! Security schemes (`components.securitySchemes`) and requirements (`security`).

use super::parameter::Location;
use super::pointer::join;
use super::reader::Reader;
use crate::diagnostic::FileId;

/// What a security scheme asks the client to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SecuritySchemeKind {
    /// `type: apiKey`: a key in a header, query parameter or cookie named `name`.
    ApiKey {
        /// The header, query parameter or cookie name.
        name: String,
        /// Where the key goes.
        location: Location,
    },
    /// `type: http, scheme: basic`.
    HttpBasic,
    /// `type: http, scheme: bearer`.
    HttpBearer {
        /// `bearerFormat`, a hint such as `JWT`.
        format: Option<String>,
    },
    /// `type: http` with another scheme (`digest`, ...), lower-cased.
    Http {
        /// The scheme name, lower-cased.
        scheme: String,
    },
    /// `type: oauth2` (the token travels as `Authorization: Bearer`).
    OAuth2,
    /// `type: openIdConnect` (the token travels as `Authorization: Bearer`).
    OpenIdConnect,
    /// `type: mutualTLS` (a client certificate; no header).
    MutualTls,
    /// Any other `type`, as written.
    Other(String),
}

impl SecuritySchemeKind {
    /// Whether the credential travels in the `Authorization` header.
    pub(crate) fn uses_authorization_header(&self) -> bool {
        match self {
            SecuritySchemeKind::ApiKey { name, location } => {
                *location == Location::Header && name.eq_ignore_ascii_case("authorization")
            }
            SecuritySchemeKind::HttpBasic
            | SecuritySchemeKind::HttpBearer { .. }
            | SecuritySchemeKind::Http { .. }
            | SecuritySchemeKind::OAuth2
            | SecuritySchemeKind::OpenIdConnect => true,
            SecuritySchemeKind::MutualTls | SecuritySchemeKind::Other(_) => false,
        }
    }
}

/// A named entry of `components.securitySchemes`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SecurityScheme {
    /// The key under `securitySchemes`, as used in `security` requirements.
    pub(crate) name: String,
    /// What it asks for.
    pub(crate) kind: SecuritySchemeKind,
}

/// Reads `components.securitySchemes` of the root document.
pub(crate) fn read_schemes(r: &mut Reader<'_>, file: FileId) -> Vec<SecurityScheme> {
    let ptr = "/components/securitySchemes";
    let mut schemes = Vec::new();
    for name in r.keys(file, ptr) {
        let Some((f, p)) = r.follow(file, &join(ptr, &name)) else {
            continue;
        };
        let Some(ty) = r.string(f, &join(&p, "type")) else {
            r.error(
                "invalid-openapi",
                f,
                &p,
                format!("security scheme `{name}` has no `type`"),
            )
            .help = Some("set `type` to apiKey, http, oauth2, openIdConnect or mutualTLS".into());
            continue;
        };
        let kind = match ty.as_str() {
            "apiKey" => {
                let key_name = r.string(f, &join(&p, "name"));
                let location = r.string(f, &join(&p, "in")).and_then(|l| match l.as_str() {
                    "query" => Some(Location::Query),
                    "header" => Some(Location::Header),
                    "cookie" => Some(Location::Cookie),
                    _ => None,
                });
                match (key_name, location) {
                    (Some(name), Some(location)) => SecuritySchemeKind::ApiKey { name, location },
                    _ => {
                        r.error(
                            "invalid-openapi",
                            f,
                            &p,
                            format!("apiKey security scheme `{name}` needs `name` and `in` (query, header or cookie)"),
                        );
                        continue;
                    }
                }
            }
            "http" => {
                let scheme = r
                    .string(f, &join(&p, "scheme"))
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                match scheme.as_str() {
                    "basic" => SecuritySchemeKind::HttpBasic,
                    "bearer" => SecuritySchemeKind::HttpBearer {
                        format: r.string(f, &join(&p, "bearerFormat")),
                    },
                    "" => {
                        r.error(
                            "invalid-openapi",
                            f,
                            &p,
                            format!("http security scheme `{name}` has no `scheme`"),
                        )
                        .help = Some("set `scheme: bearer` or `scheme: basic`".into());
                        continue;
                    }
                    _ => SecuritySchemeKind::Http { scheme },
                }
            }
            "oauth2" => SecuritySchemeKind::OAuth2,
            "openIdConnect" => SecuritySchemeKind::OpenIdConnect,
            "mutualTLS" => SecuritySchemeKind::MutualTls,
            _ => SecuritySchemeKind::Other(ty),
        };
        schemes.push(SecurityScheme { name, kind });
    }
    schemes
}

/// Reads a `security` array at `ptr`: each requirement as the scheme names it combines
/// (an empty requirement `{}` means "no authentication needed").
pub(crate) fn read_requirements(r: &mut Reader<'_>, file: FileId, ptr: &str) -> Vec<Vec<String>> {
    let mut requirements = Vec::new();
    for i in 0..r.len(file, ptr) {
        let entry = format!("{ptr}/{i}");
        if !r
            .get(file, &entry)
            .is_some_and(serde_json::Value::is_object)
        {
            r.error(
                "invalid-openapi",
                file,
                &entry,
                "a security requirement must be a mapping of scheme names to scopes",
            )
            .help = Some("write e.g. `- bearerAuth: []`".into());
            continue;
        }
        requirements.push(r.keys(file, &entry));
    }
    requirements
}
