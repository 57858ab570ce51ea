//! webpubsub-local's parser of JSON-subprotocol client frames (joinGroup, sendToGroup, ...).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| webpubsub_local::fuzzing::client_message(data));
