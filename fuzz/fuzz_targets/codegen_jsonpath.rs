//! arazzo-codegen's JSONPath criteria check (depth pre-scan, then serde_json_path).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| arazzo_codegen::__fuzz::jsonpath(data));
