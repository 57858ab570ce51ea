//! arazzo-codegen's YAML/JSON loader with spans (and the rendering of its errors).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| arazzo_codegen::__fuzz::load(data));
