//! Generates typed async Rust from Arazzo workflows and the OpenAPI descriptions they call.

pub mod criteria;
pub mod diagnostic;
pub mod expr;
pub mod load;
pub mod openapi;
