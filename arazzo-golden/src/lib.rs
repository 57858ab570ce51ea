//! The code `arazzo-codegen` generates for its fixtures (progenitor's `tests/output` pattern).
//!
//! Every file in `golden/` is a module of this crate, compiled with `#![deny(warnings)]` (and,
//! through `cargo clippy --workspace --all-targets -D warnings`, clippy's lints), so generated
//! code is held to the standards of hand-written code. The tests:
//! - `golden`: each file equals what the generator writes now for the document its header
//!   names (a unified diff on mismatch; `BLESS=1` rewrites them);
//! - `compile_fail`: what the generated API refuses to compile (`tests/ui/`);
//! - `flows_e2e`, `features_e2e`, `request_e2e`: the modules run against a real HTTP server.

#![deny(warnings)]

/// The runtime under another name, for the golden generated with
/// `Generator::runtime_path("crate::runtime")`.
pub use arazzo_runtime as runtime;

include!(concat!(env!("OUT_DIR"), "/goldens.rs"));
