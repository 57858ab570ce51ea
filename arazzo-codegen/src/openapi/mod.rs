//! OpenAPI descriptions (3.0.x, 3.1.x, 3.2.x) as a table of operations.
//!
//! Reads `serde_json::Value` documents directly (the `openapiv3` crate models 3.0 only), through
//! the [`Documents`] trait so that the loader decides how files and `$ref`s are found. Problems
//! come back as [`Located`] diagnostics: each names its file and JSON pointer (also written in
//! the message) so the caller can attach a source span.
//!
//! Choices worth knowing:
//! - `servers` lists are kept as written; OpenAPI's default of `/` when absent is left to the caller.
//! - OpenAPI 3.2 `additionalOperations` become [`Method::Other`] with the method name as written,
//!   and `pointer` `/paths/<path>/additionalOperations/<METHOD>`. Before 3.2, `query` and
//!   `additionalOperations` are not read.
//! - A malformed parameter, server or security scheme is reported and left out; the operation
//!   stays in the table so that later checks do not cascade into "unknown operation".
//! - A path item `$ref` (3.0 and 3.1) is followed; its own fields win over the target's.
//!   [`Operation::pointer`] stays in the root document's terms (what Arazzo `operationPath`
//!   names); [`Operation::location`] is where the operation object really is.
//! - Header parameters named `Accept`, `Content-Type` or `Authorization`, which OpenAPI says to
//!   ignore, are kept (real descriptions declare them and Arazzo steps set them); see
//!   [`Parameter::is_reserved_header`].
//! - Unusual but usable input (a path parameter without `required: true`, a `{name}` in the path
//!   with no parameter, a duplicate operationId, an unknown security scheme name) is a warning.
//!
//! Problems become ordinary diagnostics with a span like this:
//!
//! ```text
//! let (api, problems) = OpenApi::read(&mut files, id);
//! for p in problems {
//!     diagnostics.push(p.diagnostic.at(files.span(p.file, &p.pointer)));
//! }
//! ```

mod operation;
mod parameter;
mod pointer;
mod reader;
pub(crate) mod schema;
mod security;
mod server;
mod version;

#[cfg(test)]
mod tests;

pub(crate) use operation::{MediaType, Method, Operation, Response};
pub(crate) use parameter::{Location, Parameter, Style};
pub(crate) use schema::SchemaRef;
pub(crate) use security::{SecurityScheme, SecuritySchemeKind};
pub(crate) use server::Server;
pub(crate) use version::Version;

use crate::diagnostic::{Diagnostic, FileId};
use reader::Reader;

/// The loaded documents an OpenAPI description and its `$ref`s live in.
pub(crate) trait Documents {
    /// The parsed content of `file`.
    fn value(&self, file: FileId) -> &serde_json::Value;
    /// Resolves a JSON Reference written in `from` (`#/components/x`, `other.yml#/x`,
    /// `other.yml`), in files loaded before reading began: (file, RFC 6901 pointer such that
    /// `value(file).pointer(ptr)` is the target).
    /// `Err` is a diagnostic: the loader's own when the file cannot be loaded.
    fn resolve_ref(&self, from: FileId, reference: &str) -> Result<(FileId, String), Diagnostic>;
}

/// A diagnostic about an OpenAPI description and the value it is about. The diagnostic has no
/// span; its message already names the pointer, and `file` + `pointer` let the caller add one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Located {
    /// What is wrong.
    pub(crate) diagnostic: Diagnostic,
    /// The file holding the offending value (a `$ref` target may be another file).
    pub(crate) file: FileId,
    /// RFC 6901 pointer to the offending value in `file` (`""` for the whole document).
    pub(crate) pointer: String,
}

/// An OpenAPI description read into a table of operations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct OpenApi {
    /// The file of the root document.
    pub(crate) file: FileId,
    /// The declared version.
    pub(crate) version: Version,
    /// `info.title` (empty when absent).
    pub(crate) title: String,
    /// Root `servers`, as written (empty when absent).
    pub(crate) servers: Vec<Server>,
    /// Every operation under `paths`, in document order.
    pub(crate) operations: Vec<Operation>,
    /// `components.securitySchemes`, in document order.
    pub(crate) security_schemes: Vec<SecurityScheme>,
    /// Root `security`: each requirement as the scheme names it combines.
    pub(crate) security: Vec<Vec<String>>,
}

impl OpenApi {
    /// Reads the description in `file`.
    ///
    /// Returns `None` when the document is not OpenAPI 3.0–3.2 (not a mapping, no `openapi`
    /// field, Swagger 2.0, another version), with one diagnostic saying so. Otherwise returns the
    /// table (with malformed pieces left out) and every problem found: errors for what cannot be
    /// used (`invalid-openapi`, `unresolved-ref`), warnings for what is off but usable
    /// (`invalid-openapi`, `duplicate-operation-id`).
    pub(crate) fn read(docs: &dyn Documents, file: FileId) -> (Option<OpenApi>, Vec<Located>) {
        let version = match version::detect(docs.value(file)) {
            Ok(v) => v,
            Err(found) => {
                let (mut diagnostic, pointer) = *found;
                if !pointer.is_empty() {
                    diagnostic.message = format!("{} (at `#{pointer}`)", diagnostic.message);
                }
                return (
                    None,
                    vec![Located {
                        diagnostic,
                        file,
                        pointer: pointer.to_owned(),
                    }],
                );
            }
        };
        let mut r = Reader {
            docs,
            version,
            problems: Vec::new(),
        };
        if r.get(file, "/paths").is_none() && version == Version::V3_0 {
            r.warning(
                "invalid-openapi",
                file,
                "",
                "the description has no `paths` (required in OpenAPI 3.0), so it has no operations",
            );
        }
        let title = r.string(file, "/info/title").unwrap_or_default();
        let servers = server::read_servers(&mut r, file, "/servers");
        let security_schemes = security::read_schemes(&mut r, file);
        let security = security::read_requirements(&mut r, file, "/security");
        let operations = operation::read_paths(&mut r, file);
        let api = OpenApi {
            file,
            version,
            title,
            servers,
            operations,
            security_schemes,
            security,
        };
        api.check_ids(&mut r);
        api.check_requirements(&mut r);
        (Some(api), r.problems)
    }

    /// The first operation with this `operationId`.
    pub(crate) fn operation_by_id(&self, id: &str) -> Option<&Operation> {
        self.operations
            .iter()
            .find(|op| op.operation_id.as_deref() == Some(id))
    }

    /// For Arazzo `operationPath`: the pointer after `#`, e.g. `/paths/~1pets~1{petId}/get`.
    /// Percent-escapes (`%7B`) are decoded and the method segment is matched case-insensitively.
    pub(crate) fn operation_by_pointer(&self, pointer: &str) -> Option<&Operation> {
        let decoded = percent_encoding::percent_decode_str(pointer.trim_start_matches('#'))
            .decode_utf8_lossy();
        let wanted = pointer::tokens(&decoded);
        self.operations.iter().find(|op| {
            let have = pointer::tokens(&op.pointer);
            have.len() == wanted.len()
                && have.iter().zip(&wanted).enumerate().all(|(i, (h, w))| {
                    if i + 1 == have.len() && !matches!(op.method, Method::Other(_)) {
                        h.eq_ignore_ascii_case(w)
                    } else {
                        h == w
                    }
                })
        })
    }

    /// The operationIds closest to `id`, best first, for "did you mean".
    pub(crate) fn similar_operation_ids(&self, id: &str) -> Vec<&str> {
        let others: Vec<&str> = self
            .operations
            .iter()
            .filter_map(|op| op.operation_id.as_deref())
            .filter(|candidate| *candidate != id)
            .collect();
        crate::suggest::similar(id, &others)
    }

    /// The security requirements that apply to `op`: its own, else the document's.
    pub(crate) fn security_for<'a>(&'a self, op: &'a Operation) -> &'a [Vec<String>] {
        op.security.as_deref().unwrap_or(&self.security)
    }

    /// The scheme named `name` in `components.securitySchemes`.
    pub(crate) fn security_scheme(&self, name: &str) -> Option<&SecurityScheme> {
        self.security_schemes.iter().find(|s| s.name == name)
    }

    /// Whether a scheme that travels in the `Authorization` header (http basic/bearer/other,
    /// oauth2, openIdConnect, or an apiKey header named `Authorization`) applies to `op`, so an
    /// `Authorization` header the description does not declare as a parameter is expected.
    pub(crate) fn has_http_security(&self, op: &Operation) -> bool {
        self.security_for(op).iter().flatten().any(|name| {
            self.security_scheme(name)
                .is_some_and(|s| s.kind.uses_authorization_header())
        })
    }

    fn check_ids(&self, r: &mut Reader<'_>) {
        // The first operation of each id: a map, since large descriptions have thousands.
        let mut firsts: std::collections::HashMap<&str, &Operation> =
            std::collections::HashMap::with_capacity(self.operations.len());
        for op in &self.operations {
            let Some(id) = op.operation_id.as_deref() else {
                continue;
            };
            let first = *firsts.entry(id).or_insert(op);
            if !std::ptr::eq(first, op) {
                r.warning(
                    "duplicate-operation-id",
                    op.location.0,
                    &format!("{}/operationId", op.location.1),
                    format!(
                        "operationId `{id}` is also used by {} {}; references by id reach that one",
                        first.method, first.path
                    ),
                )
                .help = Some("operationIds must be unique: rename one of them".into());
            }
        }
    }

    fn check_requirements(&self, r: &mut Reader<'_>) {
        let mut sites: Vec<(FileId, String, &Vec<Vec<String>>)> =
            vec![(self.file, "/security".to_owned(), &self.security)];
        for op in &self.operations {
            if let Some(security) = &op.security {
                sites.push((
                    op.location.0,
                    format!("{}/security", op.location.1),
                    security,
                ));
            }
        }
        for (file, ptr, requirements) in sites {
            for name in requirements.iter().flatten() {
                if self.security_scheme(name).is_none() {
                    r.warning(
                        "invalid-openapi",
                        file,
                        &ptr,
                        format!("security requirement names `{name}`, which is not in `components.securitySchemes`"),
                    );
                }
            }
        }
    }
}
