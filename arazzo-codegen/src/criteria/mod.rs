//! Criteria: simple conditions, regex, JSONPath, XPath.

pub(crate) mod condition;
pub(crate) mod jsonpath;
pub(crate) mod jsonpath_lenient;
pub(crate) mod kinds;
pub(crate) mod nesting;
pub(crate) mod regex;
pub(crate) mod xpath;
pub(crate) mod xpath31;
