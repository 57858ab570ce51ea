//! What only generated code calls, under one hidden path (`arazzo_runtime::__private`): not a
//! stable API and not documented. Everything a user names is at the crate root.

pub use reqwest;
pub use serde;
pub use serde_json;

pub mod cond;
pub mod criteria;
pub mod flow;
pub mod param;
