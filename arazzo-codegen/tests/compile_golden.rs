//! Compiles every golden file as a module with `#![deny(warnings)]`, so generated code is held
//! to rustc's warnings and, through `cargo clippy --all-targets -D warnings`, to clippy's.
#![deny(warnings)]

// Items a user would call are unused in this test crate: only that lint is relaxed.
#[allow(dead_code)]
mod generate_token_then_broadcast {
    include!("golden/generate_token_then_broadcast.rs");
}

/// The generated types are usable as a user would use them.
#[test]
fn inputs_have_defaults_and_hide_secrets() {
    let inputs = generate_token_then_broadcast::GenerateTokenThenBroadcastInputs::new(
        "s3cret", "chat", "hi",
    );
    assert_eq!(inputs.api_version, "2024-01-01");
    assert_eq!(inputs.minutes_to_expire, 60);
    assert_eq!(inputs.user_id, None);
    let debug = format!("{inputs:?}");
    assert!(!debug.contains("s3cret"), "{debug}");
}
