// `message` is a required input of the workflow: the constructor cannot be called without it,
// and a struct literal cannot leave it out.
use arazzo_golden::generate_token_then_broadcast::GenerateTokenThenBroadcastInputs;

fn main() {
    let _ = GenerateTokenThenBroadcastInputs::new("token", "hub");
    let _ = GenerateTokenThenBroadcastInputs {
        access_token: "token".into(),
        api_version: "2024-01-01".into(),
        hub: "hub".into(),
        user_id: None,
        minutes_to_expire: 60,
    };
}
