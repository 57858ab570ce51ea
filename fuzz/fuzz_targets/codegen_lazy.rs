//! arazzo-codegen's lazy reading of large OpenAPI descriptions (YAML line scan, JSON scan,
//! schema closure): no panic, and what it keeps is part of the whole read.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| arazzo_codegen::__fuzz::lazy(data));
