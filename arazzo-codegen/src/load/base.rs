//! Arazzo 1.1's "Relative References in Arazzo Description URIs": a relative source
//! description `url` (or `$ref` file part) is resolved against the document's base URI, which
//! is its `$self` when present (itself resolved first against the retrieval URI when relative,
//! RFC 3986 §5.1.1–5.1.3), else the retrieval URI: here the file's own path, which is what the
//! loader did already. Appendix B's cases are the tests.
//!
//! An `http(s)` result is an identity, not something fetched at build time: the document set
//! for it is supplied with `--map URL=PATH` (`Builder::map`), the "provided collection" the
//! spec's Identity-Based Referencing section describes. There is no encapsulating entity
//! (§5.1.2) or application default (§5.1.4) at build time.

use std::path::Path;

use serde_json::Value;
use url::Url;

/// `url` resolved against the `$self` of `document` (a 1.1 Arazzo document retrieved from
/// `path`), or `None` when `$self` does not apply: no `$self`, not a 1.1 document, or `url`
/// already absolute. A `file:` result is returned as a path.
pub(crate) fn against_self(document: &Value, path: &Path, url: &str) -> Option<String> {
    let self_uri = document.get("$self")?.as_str()?;
    let version = document.get("arazzo")?.as_str()?;
    if !version.starts_with("1.1.") || Url::parse(url).is_ok() {
        return None;
    }
    let retrieval = Url::from_file_path(path).ok()?;
    let target = resolve(&retrieval, self_uri, url)?;
    if target.scheme() == "file" {
        return target
            .to_file_path()
            .ok()
            .map(|p| p.to_string_lossy().into_owned());
    }
    Some(target.into())
}

/// RFC 3986 §5.2: `self_uri` against the retrieval URI, then `url` against that.
fn resolve(retrieval: &Url, self_uri: &str, url: &str) -> Option<Url> {
    retrieval.join(self_uri).ok()?.join(url).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn appendix_b_base_uri_within_content() {
        let got = resolve(
            &url("file:///Users/dev/projects/workflows/purchase.arazzo.yaml"),
            "https://api.example.com/workflows/purchase.arazzo.yaml",
            "../specs/petstore.yaml",
        );
        assert_eq!(
            got,
            Some(url("https://api.example.com/specs/petstore.yaml"))
        );
    }

    #[test]
    fn appendix_b_relative_self() {
        let got = resolve(
            &url("https://api.example.com/v2/api-description.yaml"),
            "workflows/purchase.arazzo.yaml",
            "../specs/petstore.yaml",
        );
        assert_eq!(
            got,
            Some(url("https://api.example.com/v2/specs/petstore.yaml"))
        );
    }

    #[test]
    fn appendix_b_retrieval_uri_without_self_is_the_file() {
        // No `$self`: the loader's own resolution against the file's directory applies.
        let doc = json!({"arazzo": "1.1.0"});
        let path = Path::new("/Users/dev/projects/workflows/purchase.arazzo.yaml");
        assert_eq!(against_self(&doc, path, "../specs/petstore.yaml"), None);
    }

    #[test]
    fn a_relative_self_stays_on_disk_and_1_0_documents_are_unchanged() {
        let path = Path::new("/work/flows/purchase.arazzo.yaml");
        let doc = json!({"arazzo": "1.1.0", "$self": "nested/purchase.arazzo.yaml"});
        assert_eq!(
            against_self(&doc, path, "../specs/petstore.yaml").as_deref(),
            Some("/work/flows/specs/petstore.yaml")
        );
        let old = json!({"arazzo": "1.0.1", "$self": "https://api.example.com/w/a.yaml"});
        assert_eq!(against_self(&old, path, "x.yaml"), None);
        let absolute = json!({"arazzo": "1.1.0", "$self": "https://api.example.com/w/a.yaml"});
        assert_eq!(
            against_self(&absolute, path, "https://other.example.com/x.yaml"),
            None
        );
    }
}
