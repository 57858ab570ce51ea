//! `arazzo-codegen build-script`: what `arazzo_build::Builder` runs from a user's build script
//! instead of compiling the generator into it. The settings arrive as `arazzo-build`'s argument
//! list; this process replays them on `arazzo_codegen::Builder`, which writes the files, prints
//! the `cargo::` lines on the standard output cargo reads, and whose error text goes to
//! standard error for `arazzo-build` to return.

use std::ffi::OsString;
use std::process::ExitCode;

use arazzo_build::__protocol::{EXIT_INVALID, EXIT_IO, EXIT_PROTOCOL, Op, Request};
use arazzo_codegen::{BuildError, Builder};

/// Runs one `compile` or `check` call: exit 0 when it succeeds, else the protocol's status
/// for documents with errors, a file not written, or arguments that do not decode.
pub fn main(args: Vec<OsString>) -> ExitCode {
    let request = match Request::decode(args) {
        Ok(request) => request,
        Err(why) => {
            eprintln!("arazzo-codegen build-script: {why}");
            return ExitCode::from(EXIT_PROTOCOL);
        }
    };
    let mut builder = request
        .ops
        .into_iter()
        .fold(Builder::new(), |b, op| match op {
            Op::Map(from, to) => b.map(from, to),
            Op::Strict(on) => b.strict(on),
            Op::StepBudget(steps) => b.step_budget(steps),
            Op::Serde(inputs, outputs) => b.serde(inputs, outputs),
            Op::Allow(code) => b.allow(code),
            Op::Deny(code) => b.deny(code),
            Op::TypeAttribute(path, attribute) => b.type_attribute(path, attribute),
            Op::Derive(path, derives) => b.derive(path, derives),
            Op::RuntimePath(path) => b.runtime_path(path),
        });
    // Without a directory `compile` fails with the library's own OUT_DIR error.
    let dir = request
        .out_dir
        .clone()
        .or_else(|| std::env::var_os("OUT_DIR").map(Into::into));
    if let Some(dir) = &dir {
        for document in &request.earlier {
            arazzo_codegen::__generated_earlier(dir, document);
        }
    }
    if let Some(dir) = request.out_dir {
        builder = builder.out_dir(dir);
    }
    let result = if request.write {
        builder.compile(&request.documents)
    } else {
        builder.check(&request.documents)
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprint!("{error}");
            ExitCode::from(match error {
                BuildError::Invalid(_) => EXIT_INVALID,
                BuildError::Io(_) => EXIT_IO,
            })
        }
    }
}
