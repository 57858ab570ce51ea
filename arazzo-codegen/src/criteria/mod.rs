//! Criteria: simple conditions, regex, JSONPath, XPath.
//!
//! The regex, JSONPath and XPath 1.0 checks parse with the crates the runtime evaluates with,
//! each behind this crate's feature of the same name (on by default). Without it, `off`
//! stands in: the same `check` signature, failing with an error that names the feature.

pub(crate) mod condition;
#[cfg(feature = "jsonpath")]
pub(crate) mod jsonpath;
pub(crate) mod jsonpath_lenient;
pub(crate) mod kinds;
pub(crate) mod nesting;
#[cfg(feature = "regex")]
pub(crate) mod regex;
#[cfg(feature = "xpath")]
pub(crate) mod xpath;
pub(crate) mod xpath31;

#[cfg(not(feature = "jsonpath"))]
pub(crate) use off::jsonpath;
#[cfg(not(feature = "regex"))]
pub(crate) use off::regex;
#[cfg(not(feature = "xpath"))]
pub(crate) use off::xpath;

/// A build error: the message, and a help line when a fix can be named.
pub(crate) type Note = (String, Option<String>);

/// The checks of a build without their features.
#[cfg(not(all(feature = "regex", feature = "jsonpath", feature = "xpath")))]
mod off {
    use super::Note;

    /// What to write to turn `feature` on, for `what` (`a regex criterion`).
    pub(super) fn needs(feature: &str, what: &str) -> Note {
        (
            format!(
                "checking {what} needs arazzo-codegen's `{feature}` feature, which this build turned off"
            ),
            Some(format!(
                "in Cargo.toml, under [build-dependencies]: `arazzo-codegen = {{ version = \"0.1\", features = [\"{feature}\"] }}` (it is on by default; `default-features = false` turned it off)"
            )),
        )
    }

    #[cfg(not(feature = "regex"))]
    pub(crate) mod regex {
        /// Every regex criterion is an error naming the feature.
        pub(crate) fn check(_pattern: &str) -> Result<(), super::Note> {
            Err(super::needs("regex", "a regex criterion"))
        }
    }

    #[cfg(not(feature = "jsonpath"))]
    pub(crate) mod jsonpath {
        /// Every JSONPath query is an error naming the feature.
        pub(crate) fn check(_path: &str) -> Result<Vec<super::Note>, super::Note> {
            Err(super::needs("jsonpath", "a JSONPath query"))
        }

        /// Nothing is selected: [`check`] has already failed.
        pub(crate) fn located_pointers(_query: &str, _value: &serde_json::Value) -> Vec<String> {
            Vec::new()
        }
    }

    #[cfg(not(feature = "xpath"))]
    pub(crate) mod xpath {
        /// Every XPath 1.0 condition is an error naming the feature.
        pub(crate) fn check(_expr: &str) -> Result<(), super::Note> {
            Err(super::needs("xpath", "an XPath 1.0 condition"))
        }
    }
}
