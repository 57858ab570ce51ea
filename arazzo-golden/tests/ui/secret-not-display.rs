// A secret input has no `Display`: it cannot be formatted into a log line or a message.
use arazzo_golden::generate_token_then_broadcast::GenerateTokenThenBroadcastInputs;

fn main() {
    let inputs = GenerateTokenThenBroadcastInputs::new("s3cret", "hub", "hi");
    println!("token: {}", inputs.access_token);
    let _ = inputs.access_token.to_string();
}
