//! Runtime expressions.
