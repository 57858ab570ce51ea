//! What only generated code calls, under one hidden path (`arazzo_runtime::__private`): not a
//! stable API and not documented. Everything a user names is at the crate root.

pub use reqwest;
pub use reqwest::Method;
pub use serde;
pub use serde_json;

#[cfg(any(feature = "jsonpath", feature = "xpath", feature = "xpath31"))]
mod bounds;
pub mod cond;
#[cfg(any(feature = "regex", feature = "jsonpath", feature = "xpath"))]
pub mod criteria;
pub mod deadline;
pub mod flow;
pub mod inputs;
pub mod instances;
#[cfg(feature = "jsonpath")]
pub mod jsonpath;
pub mod message;
pub mod outputs;
pub mod param;
pub mod steps;
pub mod timeout;
#[cfg(feature = "xpath31")]
pub mod xpath31;

// A generated file whose criteria need an engine invokes `requires_<feature>!()` once: nothing
// when the feature is on; a compile error that says which feature to enable when it is off
// (rather than an unresolved `criteria::regex` further down).

#[cfg(feature = "regex")]
#[doc(hidden)]
#[macro_export]
macro_rules! __arazzo_runtime_requires_regex {
    () => {};
}

#[cfg(not(feature = "regex"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __arazzo_runtime_requires_regex {
    () => {
        compile_error!(
            "this generated workflow file has `regex` success criteria: enable the `regex` feature of arazzo-runtime (features = [\"regex\"])"
        );
    };
}

#[cfg(feature = "jsonpath")]
#[doc(hidden)]
#[macro_export]
macro_rules! __arazzo_runtime_requires_jsonpath {
    () => {};
}

#[cfg(not(feature = "jsonpath"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __arazzo_runtime_requires_jsonpath {
    () => {
        compile_error!(
            "this generated workflow file has `jsonpath` success criteria or selectors: enable the `jsonpath` feature of arazzo-runtime (features = [\"jsonpath\"])"
        );
    };
}

#[cfg(feature = "xpath")]
#[doc(hidden)]
#[macro_export]
macro_rules! __arazzo_runtime_requires_xpath {
    () => {};
}

#[cfg(not(feature = "xpath"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __arazzo_runtime_requires_xpath {
    () => {
        compile_error!(
            "this generated workflow file has `xpath` success criteria: enable the `xpath` feature of arazzo-runtime (features = [\"xpath\"])"
        );
    };
}

#[cfg(feature = "xpath31")]
#[doc(hidden)]
#[macro_export]
macro_rules! __arazzo_runtime_requires_xpath31 {
    () => {};
}

#[cfg(not(feature = "xpath31"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __arazzo_runtime_requires_xpath31 {
    () => {
        compile_error!(
            "this generated workflow file has XPath 3.1 criteria or selectors: enable the `xpath31` feature of arazzo-runtime (features = [\"xpath31\"])"
        );
    };
}

pub use crate::__arazzo_runtime_requires_jsonpath as requires_jsonpath;
pub use crate::__arazzo_runtime_requires_regex as requires_regex;
pub use crate::__arazzo_runtime_requires_xpath as requires_xpath;
pub use crate::__arazzo_runtime_requires_xpath31 as requires_xpath31;

/// Shows up as ignored, rather than the engines' tests vanishing, when they are compiled out.
#[cfg(all(
    test,
    not(all(feature = "regex", feature = "jsonpath", feature = "xpath"))
))]
#[test]
#[ignore = "the criteria engines are tested with --features regex,jsonpath,xpath (as `cargo test --workspace` builds them)"]
fn criteria_engines_are_tested_with_their_features() {}
