//! webpubsub-local's HS256 JWT verification (REST and client access tokens).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| webpubsub_local::fuzzing::jwt(data));
