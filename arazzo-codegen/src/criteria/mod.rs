//! Criteria: simple conditions, regex, JSONPath, XPath.

pub mod condition;
pub mod jsonpath;
pub mod kinds;
pub mod regex;
pub mod xpath;
