//! Criteria: simple conditions, regex, JSONPath, XPath.
