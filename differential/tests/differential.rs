//! Issue #9's differential test: each fixture workflow runs once through the code
//! `arazzo-codegen` generated (`arazzo_differential::*`) and once through
//! `roas-arazzo-executor`, each against a fresh `arazzo_runtime::testing::TestServer` started
//! from the same script (so retries see the same replies), and the two recorded request
//! sequences are compared. Every difference must be in `support/known.rs`, and every entry there
//! must still happen: a new difference, or one that went away, fails the test.

mod support;

use std::future::Future;
use std::pin::Pin;

use arazzo_runtime::Client;
use arazzo_runtime::testing::{Reply, TestServer, TestServerBuilder};
use serde_json::{Value, json};

use support::known::{self, Class, KNOWN};
use support::sent::{Difference, compare};

/// What running the generated function returns: `succeeded`, or which step failed.
type Outcome = Pin<Box<dyn Future<Output = String> + Send>>;

/// One workflow of a fixture, with its inputs and the server's script.
struct Case {
    /// The fixture document under `fixtures/`.
    document: &'static str,
    /// The workflow id.
    workflow: &'static str,
    /// The step of each request the generated code sends, in order.
    steps: &'static [&'static str],
    inputs: Value,
    script: fn(TestServerBuilder) -> TestServerBuilder,
    ours: fn(Client, Value) -> Outcome,
}

/// Runs a generated workflow function with inputs deserialized from the case's JSON.
macro_rules! ours {
    ($function:path, $inputs:ty) => {
        |client: Client, inputs: Value| -> Outcome {
            Box::pin(async move {
                let inputs: $inputs = match serde_json::from_value(inputs) {
                    Ok(inputs) => inputs,
                    Err(error) => return format!("inputs: {error}"),
                };
                match $function(&client, inputs).await {
                    Ok(_) => "succeeded".to_owned(),
                    Err(error) => format!("failed at `{}`", error.step()),
                }
            })
        }
    };
}

fn item(id: &str, name: &str, next: &str) -> Reply {
    Reply::json(
        200,
        json!({ "id": id, "name": name, "next": next }).to_string(),
    )
}

fn login(server: TestServerBuilder) -> TestServerBuilder {
    let token = Reply::json(200, r#"{"token":"T0K"}"#).header("x-request-id", "req-7");
    server.on("POST", "/login", token)
}

/// Runs both sides and returns every difference, after checking the generated side sent
/// what the case expects (so a broken fixture cannot pass as "no difference").
async fn differences(case: Case) -> Vec<Difference> {
    arazzo_runtime::install_crypto_provider();

    let server = (case.script)(TestServer::builder())
        .start()
        .await
        .expect("the scripted server starts on 127.0.0.1");
    let client = Client::builder()
        .base_url("shop", server.url())
        .build()
        .expect("a client");
    let http = client.http().clone();
    let ours_outcome = (case.ours)(client, case.inputs.clone()).await;
    let ours = server.requests();
    drop(server);

    let server = (case.script)(TestServer::builder())
        .start()
        .await
        .expect("the scripted server starts on 127.0.0.1");
    let theirs_outcome = support::roas::run(
        case.document,
        case.workflow,
        case.inputs,
        server.url(),
        http,
    )
    .await;
    let theirs = server.requests();

    assert_eq!(
        ours.len(),
        case.steps.len(),
        "the generated `{}` sent {} requests, the case names {} steps ({ours_outcome})",
        case.workflow,
        ours.len(),
        case.steps.len()
    );
    let mut found = compare(case.workflow, case.steps, &ours, &theirs);
    if ours_outcome != theirs_outcome {
        found.push(Difference {
            workflow: case.workflow.to_owned(),
            step: "-".to_owned(),
            aspect: "outcome".to_owned(),
            ours: ours_outcome,
            theirs: theirs_outcome,
        });
    }
    found
}

/// Asserts that `case` differs exactly as the table says.
async fn check(case: Case) {
    let workflow = case.workflow;
    let mut found = differences(case).await;
    found.sort();
    let mut expected: Vec<Difference> = KNOWN
        .iter()
        .filter(|known| known.workflow == workflow)
        .map(known::Known::difference)
        .collect();
    expected.sort();
    if found != expected {
        let listed: Vec<String> = found.iter().map(known::literal).collect();
        panic!(
            "`{workflow}`: the differences are not the known ones.\nfound:\n{}\nknown:\n{}\n\
             A new difference is either fixed or added to known::KNOWN (and, when it is a \
             deliberate reading, to the README's Decisions); one that went away is removed.",
            listed.join("\n"),
            expected
                .iter()
                .map(known::literal)
                .collect::<Vec<_>>()
                .join("\n"),
        );
    }
}

#[tokio::test]
async fn parameters_in_every_location_and_chained_outputs() {
    check(Case {
        document: "parameters.arazzo.yml",
        workflow: "parameters",
        steps: &["login", "getItem", "getNext"],
        inputs: json!({
            "user": "ann",
            "password": "p@ss w0rd",
            "itemId": "item-1",
            "limit": 10,
            "trace": "abc",
            "session": "a b;c",
            "tags": ["red", "big blue"],
        }),
        script: |server| {
            login(server)
                .on("GET", "/items/item-1", item("item-1", "one", "item 2/b"))
                .on("GET", "/items/item%202%2Fb", item("item 2/b", "two", "end"))
        },
        ours: ours!(
            arazzo_differential::parameters::parameters,
            arazzo_differential::parameters::ParametersInputs
        ),
    })
    .await;
}

#[tokio::test]
async fn authorization_headers_written_four_ways() {
    check(Case {
        document: "auth.arazzo.yml",
        workflow: "auth-headers",
        steps: &[
            "login",
            "braced",
            "unbraced",
            "preRelease",
            "notAnExpression",
        ],
        inputs: json!({ "user": "ann" }),
        script: |server| {
            login(server)
                .on("GET", "/items/braced", item("b", "b", "b"))
                .on("GET", "/items/unbraced", item("u", "u", "u"))
                .on("GET", "/items/pre-release", item("p", "p", "p"))
                .on("GET", "/items/not-an-expression", item("n", "n", "n"))
        },
        ours: ours!(
            arazzo_differential::auth::auth_headers,
            arazzo_differential::auth::AuthHeadersInputs
        ),
    })
    .await;
}

#[tokio::test]
async fn json_bodies_literal_whole_expression_and_replacements() {
    check(Case {
        document: "bodies.arazzo.yml",
        workflow: "json-bodies",
        steps: &["literal", "whole", "replaced", "note"],
        inputs: json!({
            "first": "Ann",
            "last": "Lee",
            "tag": "t1",
            "ownerId": "o-9",
            "count": 3,
            "item": { "name": "whole", "count": 7 },
        }),
        script: |server| {
            server
                .on("POST", "/items", Reply::json(201, r#"{"id":"new-1"}"#))
                .on("PUT", "/items/new-1", Reply::status(200))
                .on("POST", "/notes", Reply::status(201))
        },
        ours: ours!(
            arazzo_differential::bodies::json_bodies,
            arazzo_differential::bodies::JsonBodiesInputs
        ),
    })
    .await;
}

#[tokio::test]
async fn form_bodies_literal_and_whole_expression() {
    check(Case {
        document: "bodies.arazzo.yml",
        workflow: "form-bodies",
        steps: &["literalForm", "wholeForm"],
        inputs: json!({
            "name": "Ann Lee",
            "qty": 2,
            "form": { "name": "Bo & Co", "qty": 4 },
        }),
        script: |server| server.on("POST", "/forms", Reply::status(204)),
        ours: ours!(
            arazzo_differential::bodies::form_bodies,
            arazzo_differential::bodies::FormBodiesInputs
        ),
    })
    .await;
}

#[tokio::test]
async fn retry_then_goto_past_a_step() {
    check(Case {
        document: "flow.arazzo.yml",
        workflow: "retry-goto",
        steps: &["waitReady", "waitReady", "waitReady", "check", "audit"],
        inputs: json!({}),
        script: |server| {
            server
                .on("GET", "/status", Reply::status(503))
                .on("GET", "/status", Reply::status(503))
                .on("GET", "/status", Reply::json(200, r#"{"state":"ready"}"#))
                .on("GET", "/items/current", item("current", "pending", "audit"))
                .on("POST", "/audit", Reply::status(204))
        },
        ours: ours!(
            arazzo_differential::flow::retry_goto,
            arazzo_differential::flow::RetryGotoInputs
        ),
    })
    .await;
}

#[tokio::test]
async fn a_step_that_calls_another_workflow() {
    check(Case {
        document: "flow.arazzo.yml",
        workflow: "calls-workflow",
        steps: &["record", "after"],
        inputs: json!({ "who": "ann" }),
        script: |server| {
            server.on("POST", "/audit", Reply::status(204)).on(
                "GET",
                "/items/code-204",
                item("c", "c", "c"),
            )
        },
        ours: ours!(
            arazzo_differential::flow::calls_workflow,
            arazzo_differential::flow::CallsWorkflowInputs
        ),
    })
    .await;
}

#[tokio::test]
async fn a_workflow_step_reading_its_callee_through_outputs() {
    check(Case {
        document: "flow.arazzo.yml",
        workflow: "calls-workflow-outputs",
        steps: &["record", "after"],
        inputs: json!({ "who": "ann" }),
        script: |server| {
            server.on("POST", "/audit", Reply::status(204)).on(
                "GET",
                "/items/code-204",
                item("c", "c", "c"),
            )
        },
        ours: ours!(
            arazzo_differential::flow::calls_workflow_outputs,
            arazzo_differential::flow::CallsWorkflowOutputsInputs
        ),
    })
    .await;
}

#[tokio::test]
async fn an_absent_optional_input_in_every_location() {
    check(Case {
        document: "absent.arazzo.yml",
        workflow: "absent-values",
        steps: &["query", "json", "form"],
        inputs: json!({}),
        script: |server| {
            server
                .on("GET", "/items/absent", item("absent", "a", "a"))
                .on("POST", "/items", Reply::json(201, r#"{"id":"new-1"}"#))
                .on("POST", "/forms", Reply::status(204))
        },
        ours: ours!(
            arazzo_differential::absent::absent_values,
            arazzo_differential::absent::AbsentValuesInputs
        ),
    })
    .await;
}

#[tokio::test]
async fn an_absent_optional_step_output_in_every_location() {
    check(Case {
        document: "absent.arazzo.yml",
        workflow: "absent-step-output",
        // The generated code fails at `path` before sending it (the value is absent).
        steps: &["lookup", "json", "form", "header"],
        inputs: json!({}),
        script: |server| {
            let lookup = json!({ "id": "l", "name": "n", "next": "x", "note": null });
            server
                .on("GET", "/items/lookup", Reply::json(200, lookup.to_string()))
                .on("POST", "/items", Reply::json(201, r#"{"id":"new-1"}"#))
                .on("POST", "/forms", Reply::status(204))
                .on("GET", "/items/header", item("h", "h", "h"))
                .on("GET", "/items/null", item("null", "null", "null"))
        },
        ours: ours!(
            arazzo_differential::absent::absent_step_output,
            arazzo_differential::absent::AbsentStepOutputInputs
        ),
    })
    .await;
}

/// Every table entry names a workflow one of the tests above runs, so none is never checked.
#[test]
fn every_known_difference_belongs_to_a_tested_workflow() {
    const WORKFLOWS: &[&str] = &[
        "parameters",
        "auth-headers",
        "json-bodies",
        "form-bodies",
        "retry-goto",
        "calls-workflow",
        "calls-workflow-outputs",
        "absent-values",
        "absent-step-output",
    ];
    for known in KNOWN {
        assert!(
            WORKFLOWS.contains(&known.workflow),
            "{} names no tested workflow",
            known::literal(&known.difference())
        );
    }
}

/// Every deliberate reading is written down in the README's Decisions, by workflow and step
/// (the workflow alone for a difference of the whole run).
#[test]
fn every_deliberate_reading_is_in_the_readme() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md");
    let readme = std::fs::read_to_string(path).expect("the workspace README");
    for known in KNOWN
        .iter()
        .filter(|known| known.class == Class::Deliberate)
    {
        let marker = match known.step {
            "-" => format!("`{}`:", known.workflow),
            step => format!("`{}` / `{step}`:", known.workflow),
        };
        assert!(
            readme.contains(&marker),
            "README.md's Decisions do not mention {marker}: {}",
            known.why
        );
    }
}
