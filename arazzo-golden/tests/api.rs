//! The generated API as a user meets it: what it must refuse to compile (`tests/ui/`, checked
//! with trybuild against the expected compiler output), and what it must do when it compiles.
//! Regenerate the expected output with `TRYBUILD=overwrite cargo test -p arazzo-golden --test
//! api` and review it.

use arazzo_golden::generate_token_then_broadcast::{
    GenerateTokenThenBroadcastInputs, GenerateTokenThenBroadcastOutputs,
};

#[test]
fn the_generated_api_rejects_misuse_at_compile_time() {
    trybuild::TestCases::new().compile_fail("tests/ui/*.rs");
}

#[test]
fn inputs_have_defaults_and_debug_hides_secrets() {
    let inputs = GenerateTokenThenBroadcastInputs::new("s3cret", "chat", "hi");
    assert_eq!(inputs.api_version, "2024-01-01");
    assert_eq!(inputs.minutes_to_expire, 60);
    assert_eq!(inputs.user_id, None);
    let debug = format!("{inputs:?}");
    assert!(!debug.contains("s3cret"), "{debug}");
    assert!(debug.contains("Secret(\"***\")"), "{debug}");
}

#[test]
fn outputs_debug_hides_the_minted_token_but_callers_get_it_plain() {
    let outputs = GenerateTokenThenBroadcastOutputs {
        token: "eyJhbGciOiJIUzI1NiJ9.minted".to_owned(),
        broadcast_status: 202,
    };
    let debug = format!("{outputs:?}");
    assert!(!debug.contains("minted"), "{debug}");
    assert!(debug.contains("token: \"***\""), "{debug}");
    assert!(debug.contains("broadcast_status: 202"), "{debug}");
    // The field keeps its plain type.
    let token: &String = &outputs.token;
    assert!(token.ends_with(".minted"));
}
