//! Criteria: simple conditions, regex, JSONPath, XPath.

pub mod condition;
