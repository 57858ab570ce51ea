//! OpenAPI descriptions as a table of operations.
