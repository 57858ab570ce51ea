//! The library behind the `arazzo-codegen` command (`check`, `generate`, `run`, `conformance`,
//! and `build-script` for `arazzo-build`).
//!
//! Build scripts want the [`arazzo-codegen`](https://docs.rs/arazzo-codegen) library, not this
//! crate: the command's dependencies (clap, a YAML reader for the corpus, the scratch-crate
//! compiler) live here so that a build-dependency on the generator does not pay for them.

#![deny(missing_docs)]

pub mod build_script;
pub mod conformance;
pub mod output;
pub mod run;
