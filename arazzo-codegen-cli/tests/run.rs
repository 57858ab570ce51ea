//! `arazzo-codegen run` end to end: the command generates the code, builds the cached binary
//! (in the workspace's `target/conformance`) and runs it against real local servers: the
//! petstore example's server, and `webpubsub-local` for the user's seed flow.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::json;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs the command from the workspace root.
fn cli(args: &[&str]) -> (i32, String, String) {
    cli_with_env(args, &[])
}

/// Runs the command from the workspace root with these environment variables set.
fn cli_with_env(args: &[&str], vars: &[(&str, &str)]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_arazzo-codegen"))
        .args(args)
        .envs(vars.iter().copied())
        .current_dir(workspace())
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

const PETSTORE: &str = "examples/petstore/specs/petstore.arazzo.yml";

#[test]
fn run_buys_a_pet_from_the_local_petstore() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let store = runtime.block_on(petstore_example::server::start()).unwrap();
    let server = format!("petstore={}", store.base_url());
    let inputs_file = std::env::temp_dir().join(format!("run-inputs-{}.json", std::process::id()));
    std::fs::write(&inputs_file, r#"{"status": "available", "quantity": 2}"#).unwrap();
    let json_output = std::env::temp_dir().join(format!("run-outputs-{}.json", std::process::id()));
    let inputs_arg = format!("@{}", inputs_file.display());
    let (code, stdout, stderr) = cli(&[
        "run",
        PETSTORE,
        "--workflow",
        "buy-pet",
        "--inputs",
        &inputs_arg,
        "--server",
        &server,
        "--verbose",
        "--json-output",
        json_output.to_str().unwrap(),
    ]);
    std::fs::remove_file(&inputs_file).unwrap();
    assert_eq!(code, 0, "stderr:\n{stderr}");
    let expected = json!({
        "petId": 2,
        "petName": "Whiskers",
        "price": 25.0,
        "orderId": "order-1",
        "orderStatus": "placed",
        "total": 50.0,
    });
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&stdout).unwrap(),
        expected
    );
    let written = std::fs::read_to_string(&json_output).unwrap();
    std::fs::remove_file(&json_output).unwrap();
    assert_eq!(written, format!("{stdout}"));
    // Each step with its status and time, in order; --verbose adds method and path.
    let steps: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("step ") && l.ends_with(" ms"))
        .collect();
    assert_eq!(steps.len(), 3, "{stderr}");
    for (line, (step, status)) in
        steps
            .iter()
            .zip([("findPets", 200), ("getPet", 200), ("placeOrder", 201)])
    {
        assert!(
            line.starts_with(&format!("step {step}: {status} in ")),
            "{line}\n{stderr}"
        );
    }
    assert!(stderr.contains("step getPet: GET /v1/pets/2\n"), "{stderr}");
    assert!(stderr.contains("workflow buy-pet: ok in "), "{stderr}");

    // Again, from the cache: no build, same result (the store now has order-2).
    let (code, stdout, stderr) = cli(&[
        "run",
        PETSTORE,
        "--workflow",
        "buy-pet",
        "--inputs",
        r#"{"status": "available", "quantity": 1}"#,
        "--server",
        &server,
    ]);
    assert_eq!(code, 0, "stderr:\n{stderr}");
    assert!(!stderr.contains("built "), "{stderr}");
    assert!(!stderr.contains(": GET "), "not verbose: {stderr}");
    let outputs: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(outputs["petName"], "Bubbles");
    assert_eq!(outputs["orderId"], "order-2");
}

#[test]
fn run_exits_1_naming_the_step_that_failed() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let store = runtime.block_on(petstore_example::server::start()).unwrap();
    let server = format!("petstore={}", store.base_url());
    // Polly is pending: getPet's `$response.body#/status == 'available'` is not met.
    let (code, stdout, stderr) = cli(&[
        "run",
        PETSTORE,
        "--workflow",
        "buy-pet",
        "--inputs",
        r#"{"status": "pending", "quantity": 1}"#,
        "--server",
        &server,
    ]);
    assert_eq!(code, 1, "stderr:\n{stderr}");
    assert_eq!(stdout, "");
    assert!(stderr.contains("step findPets: 200 in "), "{stderr}");
    assert!(
        stderr.contains("error: workflow `buy-pet` failed after ")
            && stderr.contains(" ms: step `getPet`: success criterion `$response.body#/status == 'available'` not met"),
        "{stderr}"
    );
}

#[test]
fn run_refuses_an_unknown_workflow_and_inputs_that_do_not_fit() {
    let (code, _, stderr) = cli(&["run", PETSTORE, "--workflow", "sell-pet"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("error: no workflow `sell-pet` in the document; its workflows: `buy-pet`"),
        "{stderr}"
    );
    let (code, _, stderr) = cli(&["run", PETSTORE, "--workflow", "buy-pet", "--inputs", "{"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--inputs is not JSON"), "{stderr}");
    // Valid JSON, wrong shape: the binary's serde error names the field.
    let (code, _, stderr) = cli(&[
        "run",
        PETSTORE,
        "--workflow",
        "buy-pet",
        "--inputs",
        r#"{"status": "available"}"#,
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("the inputs do not fit workflow `buy-pet`: missing field `quantity`"),
        "{stderr}"
    );
    let (code, _, stderr) = cli(&[
        "run",
        "arazzo-codegen/tests/bad/unknown-input.arazzo.yml",
        "--workflow",
        "x",
    ]);
    assert_eq!(code, 1, "a document with errors: {stderr}");
    assert!(stderr.contains("error[arazzo::unknown-input]"), "{stderr}");
}

/// Starts `webpubsub-local` on an ephemeral port; its endpoint and AccessKey.
fn webpubsub(
    runtime: &tokio::runtime::Runtime,
) -> (webpubsub_local::RunningService, String, String) {
    let service = runtime
        .block_on(webpubsub_local::Service::builder().start_on(([127, 0, 0, 1], 0).into()))
        .unwrap();
    let endpoint = service.endpoint().to_owned();
    let conn =
        pubsub_flows::credentials::ConnectionString::parse(&service.connection_string()).unwrap();
    let key = conn.access_key().expose().clone();
    (service, endpoint, key)
}

/// The user's seed flow against the local Web PubSub service. The service wants a JWT whose
/// audience is the request URL, so one `accessToken` input cannot fit both steps:
/// `--access-key` signs each request for its own URL (the input is then a placeholder the
/// signature replaces).
#[test]
fn run_the_seed_flow_against_webpubsub_local() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (_service, endpoint, key) = webpubsub(&runtime);
    let inputs = json!({
        "accessToken": "signed-per-request",
        "hub": "chat",
        "userId": "user-1",
        "message": "hello from arazzo-codegen run",
    })
    .to_string();
    let (code, stdout, stderr) = cli_with_env(
        &[
            "run",
            "specs/arazzo/generate-token-then-broadcast.arazzo.yml",
            "--workflow",
            "generate-token-then-broadcast",
            "--allow",
            "unbraced-expression",
            "--inputs",
            &inputs,
            "--server",
            &format!("webPubSubApi={endpoint}"),
            "--access-key",
            "env:RUN_TEST_WEBPUBSUB_KEY",
        ],
        &[("RUN_TEST_WEBPUBSUB_KEY", &key)],
    );
    assert_eq!(code, 0, "stderr:\n{stderr}");
    let steps: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("step ") && l.ends_with(" ms"))
        .collect();
    assert_eq!(steps.len(), 2, "{stderr}");
    assert!(
        steps[0].starts_with("step generateToken: 200 in "),
        "{stderr}"
    );
    assert!(steps[1].starts_with("step broadcast: 202 in "), "{stderr}");
    assert!(
        stderr.contains("workflow generate-token-then-broadcast: ok in "),
        "{stderr}"
    );
    let outputs: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(outputs["broadcastStatus"], 202, "{stdout}");
    // The client token webpubsub-local minted: a JWT for the hub's client URL.
    let token = outputs["token"].as_str().unwrap_or_default();
    assert_eq!(token.split('.').count(), 3, "{stdout}");
    assert!(!stderr.contains(&key), "the key leaked: {stderr}");
    assert!(!stdout.contains(&key), "the key leaked: {stdout}");
}

/// Without `--access-key` the one `accessToken` (signed for `generateToken`'s URL) fits one
/// step only: `broadcast` is refused with 401, which `run` reports as the failing step.
#[test]
fn run_names_the_step_a_token_for_another_url_fails() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (_service, endpoint, key) = webpubsub(&runtime);
    let credential = arazzo_runtime::access_key::AccessKeyCredential::new(key);
    let token = credential
        .token_for(&format!("{endpoint}/api/hubs/chat/:generateToken"))
        .unwrap();
    let inputs = json!({
        "accessToken": token.expose(),
        "hub": "chat",
        "message": "hello",
    })
    .to_string();
    let (code, stdout, stderr) = cli(&[
        "run",
        "specs/arazzo/generate-token-then-broadcast.arazzo.yml",
        "--workflow",
        "generate-token-then-broadcast",
        "--allow",
        "unbraced-expression",
        "--inputs",
        &inputs,
        "--server",
        &format!("webPubSubApi={endpoint}"),
    ]);
    assert_eq!(code, 1, "stderr:\n{stderr}");
    assert_eq!(stdout, "");
    assert!(stderr.contains("step generateToken: 200 in "), "{stderr}");
    assert!(stderr.contains("step broadcast: 401 in "), "{stderr}");
    assert!(
        stderr.contains(" ms: step `broadcast`: success criterion `$statusCode == 202` not met (HTTP status 401)"),
        "{stderr}"
    );
    assert!(
        !stderr.contains(token.expose().as_str()),
        "the token leaked: {stderr}"
    );
}

/// Message steps print their lines too: the receive-broadcast flow (Arazzo 1.1, AsyncAPI
/// steps over WebSocket) against `webpubsub-local`, the key read from a file.
#[test]
fn run_prints_a_line_for_each_message_step() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (_service, endpoint, key) = webpubsub(&runtime);
    let key_file = std::env::temp_dir().join(format!("run-key-{}.txt", std::process::id()));
    std::fs::write(&key_file, format!("{key}\n")).unwrap();
    let inputs = json!({
        "accessToken": "signed-per-request",
        "hub": "chat",
        "group": "lobby",
        "message": "hello, lobby",
    })
    .to_string();
    let (code, stdout, stderr) = cli(&[
        "run",
        "specs/arazzo/web-pubsub-receive-broadcast.arazzo.yml",
        "--workflow",
        "receive-group-broadcast",
        "--inputs",
        &inputs,
        "--server",
        &format!("webPubSubApi={endpoint}"),
        "--server",
        &format!("webPubSubClient={endpoint}"),
        "--access-key",
        &format!("file:{}", key_file.display()),
    ]);
    std::fs::remove_file(&key_file).unwrap();
    assert_eq!(code, 0, "stderr:\n{stderr}");
    let steps: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("step ") && l.ends_with(" ms"))
        .collect();
    // The receive of the broadcast started listening before the broadcast and is awaited
    // after it, by `leaveGroup`'s `dependsOn`.
    let expected = [
        "step generateToken: 200 in ",
        "step joinAck: connected in ",
        "step joinGroup: sent in ",
        "step joinAck: received in ",
        "step broadcast: 202 in ",
        "step receiveBroadcast: received in ",
        "step leaveGroup: sent in ",
    ];
    assert_eq!(steps.len(), expected.len(), "{stderr}");
    for (line, start) in steps.iter().zip(expected) {
        assert!(line.starts_with(start), "{line}\n{stderr}");
    }
    let outputs: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(outputs["receivedText"], "hello, lobby", "{stdout}");
    assert_eq!(outputs["broadcastStatus"], 202, "{stdout}");
    assert!(
        !stderr.contains(&key) && !stdout.contains(&key),
        "the key leaked"
    );
}

/// A key given on the command line itself is refused, and not echoed back.
#[test]
fn run_refuses_a_key_on_the_command_line() {
    let (code, _, stderr) = cli(&[
        "run",
        PETSTORE,
        "--workflow",
        "buy-pet",
        "--access-key",
        "Sup3rS3cretPastedKey",
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("`env:NAME` or `file:PATH`"), "{stderr}");
    assert!(!stderr.contains("Sup3rS3cret"), "{stderr}");
}
