//! arazzo-codegen's XPath criteria check (depth pre-scan, then sxd-xpath).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| arazzo_codegen::__fuzz::xpath(data));
