//! Compiles every golden file as a module with `#![deny(warnings)]`, so generated code is held
//! to rustc's warnings and, through `cargo clippy --all-targets -D warnings`, to clippy's.
#![deny(warnings)]
// The generated items sit in private modules of this test crate; in a user crate they are
// the public API.
#![allow(unreachable_pub)]

// Items a user would call are unused in this test crate: only that lint is relaxed.
#[allow(dead_code)]
mod generate_token_then_broadcast {
    include!("golden/generate_token_then_broadcast.rs");
}

#[allow(dead_code)]
mod features_json_body {
    include!("golden/features_json_body.rs");
}

#[allow(dead_code)]
mod features_form_body {
    include!("golden/features_form_body.rs");
}

#[allow(dead_code)]
mod features_parameters {
    include!("golden/features_parameters.rs");
}

#[allow(dead_code)]
mod features_operation_path {
    include!("golden/features_operation_path.rs");
}

#[allow(dead_code)]
mod features_two_sources {
    include!("golden/features_two_sources.rs");
}

#[allow(dead_code)]
mod features_openapi_versions {
    include!("golden/features_openapi_versions.rs");
}

#[allow(dead_code)]
mod features_conditions {
    include!("golden/features_conditions.rs");
}

#[allow(dead_code)]
mod features_inputs {
    include!("golden/features_inputs.rs");
}

#[allow(dead_code)]
mod features_edge_cases {
    include!("golden/features_edge_cases.rs");
}

#[allow(dead_code)]
mod features_query_styles {
    include!("golden/features_query_styles.rs");
}

#[allow(dead_code)]
mod features_refs {
    include!("golden/features_refs.rs");
}

#[allow(dead_code)]
mod features_methods {
    include!("golden/features_methods.rs");
}

#[allow(dead_code)]
mod features_criteria_kinds {
    include!("golden/features_criteria_kinds.rs");
}

#[allow(dead_code)]
mod flows_actions {
    include!("golden/flows_actions.rs");
}

#[allow(dead_code)]
mod flows_subflows {
    include!("golden/flows_subflows.rs");
}

#[allow(dead_code)]
mod flows_criteria {
    include!("golden/flows_criteria.rs");
}

#[allow(dead_code)]
mod flows_step_budget {
    include!("golden/flows_step_budget.rs");
}

#[allow(dead_code)]
mod flows_pet_adoption {
    include!("golden/flows_pet_adoption.rs");
}

#[allow(dead_code)]
mod flows_loan_checkout {
    include!("golden/flows_loan_checkout.rs");
}

#[allow(dead_code)]
mod flows_train_booking {
    include!("golden/flows_train_booking.rs");
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

#[allow(dead_code)]
mod request_styles {
    include!("golden/request_styles.rs");
}

#[allow(dead_code)]
mod request_auth {
    include!("golden/request_auth.rs");
}

#[allow(dead_code)]
mod request_bodies {
    include!("golden/request_bodies.rs");
}
