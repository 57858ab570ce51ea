// The `main` appended to the code generated from `requests.arazzo.yml` (see tests/requests.rs).

use arazzo_runtime::WorkflowError;
use arazzo_runtime::testing::{Recorded, Reply, TestServer};

async fn server() -> TestServer {
    TestServer::builder()
        .on("GET", "/items/params", Reply::json(200, "{}"))
        .on("GET", "/items/pre-release", Reply::json(200, "{}"))
        .on("GET", "/items/lookup", Reply::json(200, r#"{"note": null}"#))
        .on("GET", "/items/login", Reply::json(200, r#"{"token": "T0K"}"#))
        .on("GET", "/items/yes", Reply::json(200, r#"{"status": "completed", "ok": true, "count": 3, "items": [1]}"#))
        .on("GET", "/items/no", Reply::json(200, r#"{"status": "Completed", "ok": false, "count": 0, "items": [], "state": "open"}"#))
        .on("GET", "/items/done", Reply::json(200, r#"{"ok": false, "items": [], "state": "done"}"#))
        .on("GET", "/search", Reply::status(200))
        .on("POST", "/items", Reply::status(201))
        .on("POST", "/forms", Reply::status(204))
        .start()
        .await
        .unwrap()
}

fn client(server: &TestServer) -> arazzo_runtime::Client {
    arazzo_runtime::Client::builder()
        .base_url("api", server.url())
        .build()
        .unwrap()
}

fn line(r: &Recorded) -> String {
    format!("{} {}{}", r.method, r.path, r.query.as_deref().map(|q| format!("?{q}")).unwrap_or_default())
}

fn body(r: &Recorded) -> &str {
    std::str::from_utf8(&r.body).unwrap()
}

/// An absent value: no query, header or cookie parameter, no query string, no JSON member,
/// no form field; a path parameter fails the step before anything is sent.
fn assert_absent_everywhere(requests: &[Recorded], result: Result<(), WorkflowError>) {
    let [params, querystring, json, form] = requests else {
        panic!("{requests:#?}");
    };
    assert_eq!(line(params), "GET /items/params");
    assert_eq!(params.header("x-note"), None);
    assert_eq!(params.header("cookie"), None);
    assert_eq!(line(querystring), "GET /search");
    assert_eq!(line(json), "POST /items");
    assert_eq!(body(json), r#"{"name":"fixed"}"#);
    assert_eq!(line(form), "POST /forms");
    assert_eq!(body(form), "name=fixed");
    match result {
        Err(WorkflowError::Request { step: "path", message }) => {
            assert!(message.contains("path parameter"), "{message}")
        }
        other => panic!("the path step must fail before sending: {other:?}"),
    }
}

#[tokio::main]
async fn main() {
    let s = server().await;
    let result = absent_input(&client(&s), AbsentInputInputs::new()).await;
    assert_absent_everywhere(&s.requests(), result.map(drop));

    let s = server().await;
    let result = absent_output(&client(&s), AbsentOutputInputs::new()).await;
    let requests = s.requests();
    assert_eq!(line(&requests[0]), "GET /items/lookup");
    assert_absent_everywhere(&requests[1..], result.map(drop));

    let s = server().await;
    let inputs: WrittenInputs = arazzo_runtime::serde_json::from_str(
        r#"{"form": {"name": "Ann Lee", "qty": 2}}"#,
    )
    .unwrap();
    written(&client(&s), inputs).await.unwrap();
    let requests = s.requests();
    let [login, pre_release, whole_form, empty_json] = &requests[..] else {
        panic!("{requests:#?}");
    };
    assert_eq!(line(login), "GET /items/login");
    // The text before a pre-1.0.1 step reference is kept.
    assert_eq!(pre_release.header("authorization"), Some("Bearer T0K"));
    // A `$`-word that is no expression goes as written.
    assert_eq!(pre_release.header("x-note"), Some("Bearer $dependencies.x.token"));
    // Parameters the operation does not declare go as written.
    assert_eq!(line(pre_release), "GET /items/pre-release?debug=on");
    assert_eq!(pre_release.header("x-api-version"), Some("2024-01"));
    // A computed object under a form media type: its members as fields, not JSON text.
    assert_eq!(whole_form.header("content-type"), Some("application/x-www-form-urlencoded"));
    assert_eq!(body(whole_form), "name=Ann+Lee&qty=2");
    assert_eq!(body(empty_json), "{}");

    jsonpath_comparisons_pass_as_their_corrections_do().await;
}

/// Whether one workflow's criteria held on the body served at `/items/<item>`.
macro_rules! passes {
    ($workflow:ident, $inputs:ident, $item:expr) => {{
        let s = server().await;
        let inputs: $inputs =
            arazzo_runtime::serde_json::from_str(&format!(r#"{{"item": "{}"}}"#, $item)).unwrap();
        match $workflow(&client(&s), inputs).await {
            Ok(_) => true,
            Err(WorkflowError::CriteriaNotMet { .. }) => false,
            Err(other) => panic!("{}: {other:?}", stringify!($workflow)),
        }
    }};
}

/// Each JSONPath comparison read leniently and the RFC 9535 query its warning prints agree on
/// bodies where it holds, fails, or meets an absent member (`$.count != 0` holds when `count`
/// is absent, as RFC 9535 compares Nothing; `"Completed"` is not `"completed"`).
async fn jsonpath_comparisons_pass_as_their_corrections_do() {
    for (item, expected) in [
        ("yes", [true, true, true, true, true]),
        ("no", [false, false, false, false, false]),
        ("done", [false, false, true, false, true]),
    ] {
        let lenient = [
            passes!(lenient_string, LenientStringInputs, item),
            passes!(lenient_boolean, LenientBooleanInputs, item),
            passes!(lenient_number, LenientNumberInputs, item),
            passes!(lenient_length, LenientLengthInputs, item),
            passes!(lenient_and_or, LenientAndOrInputs, item),
        ];
        let corrected = [
            passes!(corrected_string, CorrectedStringInputs, item),
            passes!(corrected_boolean, CorrectedBooleanInputs, item),
            passes!(corrected_number, CorrectedNumberInputs, item),
            passes!(corrected_length, CorrectedLengthInputs, item),
            passes!(corrected_and_or, CorrectedAndOrInputs, item),
        ];
        assert_eq!(lenient, expected, "lenient readings on /items/{item}");
        assert_eq!(corrected, expected, "corrected queries on /items/{item}");
    }
}
