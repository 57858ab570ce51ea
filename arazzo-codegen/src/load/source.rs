//! Turning a source URL (or a `$ref` file part) into a local path: maps first, then `file://`
//! URLs, absolute paths, and paths relative to the naming file's directory. Nothing is fetched
//! over the network at build time.

use std::path::{Path, PathBuf};

use url::Url;

use crate::diagnostic::Diagnostic;

/// Where a URL points on disk.
pub(crate) struct Located {
    /// The local path to read.
    pub(crate) path: PathBuf,
    /// The map prefix that applied, if any.
    pub(crate) mapped_from: Option<String>,
    /// What that prefix was mapped to.
    pub(crate) mapped_to: PathBuf,
}

/// Resolves `url` against `base` (the naming file's directory), after applying `maps`.
pub(crate) fn locate(
    maps: &[(String, PathBuf)],
    base: Option<&Path>,
    url: &str,
) -> Result<Located, Diagnostic> {
    let best = maps
        .iter()
        .filter(|(from, _)| !from.is_empty() && url.starts_with(from.as_str()))
        .max_by_key(|(from, _)| from.len());
    if let Some((from, to)) = best {
        let rest = &url[from.len()..];
        let mut mapped = to.clone().into_os_string();
        mapped.push(rest);
        return Ok(Located {
            path: PathBuf::from(mapped),
            mapped_from: Some(from.clone()),
            mapped_to: to.clone(),
        });
    }
    let path = match scheme(url) {
        Some(scheme) if scheme.eq_ignore_ascii_case("file") => file_url(url)?,
        Some(scheme)
            if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https") =>
        {
            return Err(match Url::parse(url) {
                Ok(_) => Diagnostic::error(
                    "cannot-load-source",
                    format!("`{url}` cannot be fetched at build time"),
                )
                .label("a remote URL")
                .help(format!(
                    "download the file and pass `--map {url}=<local path>` (or `Builder::map` in build.rs)"
                )),
                Err(err) => invalid(url, &err.to_string()),
            });
        }
        Some(scheme) => {
            return Err(invalid(url, &format!("unknown scheme `{scheme}`")));
        }
        None if url.contains("://") => return Err(invalid(url, "malformed scheme")),
        None => base.unwrap_or(Path::new("")).join(url),
    };
    Ok(Located {
        path,
        mapped_from: None,
        mapped_to: PathBuf::new(),
    })
}

/// The URL scheme, if `url` starts with one (`[A-Za-z][A-Za-z0-9+.-]*:`). One-letter schemes
/// are taken as Windows drive letters, not schemes.
fn scheme(url: &str) -> Option<&str> {
    let (scheme, _) = url.split_once(':')?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    let valid = first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'));
    (valid && scheme.len() > 1).then_some(scheme)
}

fn file_url(url: &str) -> Result<PathBuf, Diagnostic> {
    let parsed = Url::parse(url).map_err(|err| invalid(url, &err.to_string()))?;
    parsed
        .to_file_path()
        .map_err(|()| invalid(url, "not a local file path"))
}

fn invalid(url: &str, why: &str) -> Diagnostic {
    Diagnostic::error(
        "cannot-load-source",
        format!("`{url}` is not a valid URL: {why}"),
    )
    .label("not a valid URL")
    .help("write an `https://` URL, a `file://` URL, or a path relative to this file")
}
