//! Each source description's base URL, parsed once per client rather than once per request.

use std::collections::BTreeMap;
use std::sync::RwLock;

use url::Url;

/// A parsed base URL, or why the text is not one (reported by the step that uses it).
pub(crate) type Parsed = Result<Url, String>;

/// How many distinct default base URLs a client remembers. Generated code passes one constant
/// per source description, so this is never reached by it; a caller passing ever-new strings
/// (a test server per call, say) gets them parsed per request instead of a growing cache.
const MAX_CACHED_DEFAULTS: usize = 32;

/// The base URLs of one client: the overrides given to the builder, parsed when it is built,
/// and the defaults generated code passes (the OpenAPI servers), parsed on first use.
#[derive(Default)]
pub(crate) struct BaseUrls {
    overrides: BTreeMap<String, (String, Parsed)>,
    // A short list compared by content: a handful of sources, and no hashing per request.
    defaults: RwLock<Vec<(Box<str>, Parsed)>>,
}

impl BaseUrls {
    /// Parses each override once.
    pub(crate) fn new(overrides: BTreeMap<String, String>) -> Self {
        let overrides = overrides
            .into_iter()
            .map(|(source, text)| {
                let parsed = parse(&text);
                (source, (text, parsed))
            })
            .collect();
        Self {
            overrides,
            defaults: RwLock::default(),
        }
    }

    /// The override's text for `source`, if one was set.
    pub(crate) fn override_text(&self, source: &str) -> Option<&str> {
        self.overrides.get(source).map(|(text, _)| text.as_str())
    }

    /// The overrides' texts by source, for `Debug`.
    pub(crate) fn override_texts(&self) -> impl std::fmt::Debug + '_ {
        self.overrides
            .iter()
            .map(|(source, (text, _))| (source, text))
            .collect::<BTreeMap<_, _>>()
    }

    /// The parsed base URL for `source`: its override, else `default`.
    pub(crate) fn resolve(&self, source: &str, default: &str) -> Parsed {
        if let Some((_, parsed)) = self.overrides.get(source) {
            return parsed.clone();
        }
        // A poisoned lock only means another thread panicked while inserting: the list
        // itself is still a valid cache.
        {
            let cached = self.defaults.read().unwrap_or_else(|e| e.into_inner());
            if let Some((_, parsed)) = cached.iter().find(|(text, _)| **text == *default) {
                return parsed.clone();
            }
        }
        let parsed = parse(default);
        let mut cached = self.defaults.write().unwrap_or_else(|e| e.into_inner());
        if cached.len() < MAX_CACHED_DEFAULTS && !cached.iter().any(|(t, _)| **t == *default) {
            cached.push((default.into(), parsed.clone()));
        }
        parsed
    }
}

/// Parses a base URL; one that cannot take a path (`mailto:x`) is refused here rather than
/// producing a request to somewhere unexpected.
pub(crate) fn parse(text: &str) -> Parsed {
    match Url::parse(text) {
        Ok(url) if url.cannot_be_a_base() => {
            Err("the base URL cannot have a path appended".to_owned())
        }
        Ok(url) => Ok(url),
        Err(err) => Err(format!("the base URL is not a valid URL ({err})")),
    }
}

/// `base` with `path` (already percent-encoded, starting with `/`) appended to its path, the
/// way `{base}{path}` reads with the base's trailing `/` dropped.
pub(crate) fn join(mut base: Url, path: &str) -> Url {
    let base_path = base.path().trim_end_matches('/');
    if base_path.is_empty() {
        base.set_path(path);
    } else {
        let joined = [base_path, path].concat();
        base.set_path(&joined);
    }
    base
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_win_and_defaults_are_cached_once() {
        let urls = BaseUrls::new(BTreeMap::from([(
            "a".to_owned(),
            "http://override:81/v1/".to_owned(),
        )]));
        let a = urls.resolve("a", "http://default").unwrap();
        assert_eq!(a.as_str(), "http://override:81/v1/");
        for _ in 0..3 {
            assert_eq!(
                urls.resolve("b", "http://b.example").unwrap().as_str(),
                "http://b.example/"
            );
        }
        assert_eq!(urls.defaults.read().unwrap().len(), 1);
        for i in 0..MAX_CACHED_DEFAULTS + 5 {
            let url = format!("http://h{i}");
            assert!(urls.resolve("c", &url).is_ok());
        }
        assert_eq!(urls.defaults.read().unwrap().len(), MAX_CACHED_DEFAULTS);
    }

    #[test]
    fn invalid_bases_are_errors_not_panics() {
        let urls = BaseUrls::default();
        assert!(
            urls.resolve("s", "not a url")
                .unwrap_err()
                .contains("not a valid URL")
        );
        assert!(
            urls.resolve("s", "mailto:x")
                .unwrap_err()
                .contains("cannot have a path")
        );
    }

    #[test]
    fn paths_append_to_the_base_path() {
        let join_str = |base: &str, path: &str| join(parse(base).unwrap(), path).to_string();
        assert_eq!(join_str("http://h", "/p/1"), "http://h/p/1");
        assert_eq!(join_str("http://h/", "/p/1"), "http://h/p/1");
        assert_eq!(join_str("http://h/v1/", "/p/%2F"), "http://h/v1/p/%2F");
        assert_eq!(join_str("http://h/v1", "/a%20b"), "http://h/v1/a%20b");
        // An empty path parameter stays an empty segment, never a host.
        assert_eq!(join_str("http://h", "//evil/x"), "http://h//evil/x");
    }
}
