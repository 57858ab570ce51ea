//! webpubsub-local's OData `filter` parser and evaluator (REST `filter` query parameter).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| webpubsub_local::fuzzing::filter(data));
