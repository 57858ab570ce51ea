//! arazzo-codegen's runtime expression and embedded-expression parsers.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| arazzo_codegen::__fuzz::expression(data));
