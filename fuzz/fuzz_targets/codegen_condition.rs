//! arazzo-codegen's simple-condition parser (a parsed condition must print as text that parses again).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| arazzo_codegen::__fuzz::condition(data));
