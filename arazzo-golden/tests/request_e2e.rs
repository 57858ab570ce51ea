//! The request side on the wire: every row of the OpenAPI 3.1 "Style Examples" table,
//! security schemes filled from the client's credentials, per-operation servers, XML,
//! octet-stream and multipart bodies, and payload replacements. The generated workflows run
//! against a real HTTP/1.1 server on 127.0.0.1 that records each request; build errors for
//! what is not supported are checked through `Generator`.

use arazzo_codegen::Generator;
use arazzo_runtime::Credential;
use arazzo_runtime::{Client, WorkflowError};
use serde_json::json;

use arazzo_golden::request_auth;
use arazzo_golden::request_bodies;
use arazzo_golden::request_styles;

mod support;
use support::{Reply, Server, json_reply, text_reply};

fn client(source: &str, server: &Server) -> Client {
    Client::builder()
        .base_url(source, server.url.clone())
        .build()
        .unwrap()
}

// ---------------------------------------------------------------------------------------------
// Parameter styles.

/// The OpenAPI 3.1 Style Examples table, in the fixture's step order: `color` is "blue",
/// ["blue","black","brown"] and {"R":100,"G":200,"B":150}. (The table leaves out the `color=`
/// of space- and pipe-delimited values; label arrays follow RFC 6570, as OpenAPI 3.1.1 does.)
const PATHS: &[&str] = &[
    "/path/simple/false/blue",
    "/path/simple/false/blue,black,brown",
    "/path/simple/false/R,100,G,200,B,150",
    "/path/simple/true/blue",
    "/path/simple/true/blue,black,brown",
    "/path/simple/true/R=100,G=200,B=150",
    "/path/label/false/.blue",
    "/path/label/false/.blue,black,brown",
    "/path/label/false/.R,100,G,200,B,150",
    "/path/label/true/.blue",
    "/path/label/true/.blue.black.brown",
    "/path/label/true/.R=100.G=200.B=150",
    "/path/matrix/false/;color=blue",
    "/path/matrix/false/;color=blue,black,brown",
    "/path/matrix/false/;color=R,100,G,200,B,150",
    "/path/matrix/true/;color=blue",
    "/path/matrix/true/;color=blue;color=black;color=brown",
    "/path/matrix/true/;R=100;G=200;B=150",
];

const QUERIES: &[&str] = &[
    "/query/form/false?color=blue",
    "/query/form/false?color=blue,black,brown",
    "/query/form/false?color=R,100,G,200,B,150",
    "/query/form/true?color=blue",
    "/query/form/true?color=blue&color=black&color=brown",
    "/query/form/true?R=100&G=200&B=150",
    "/query/spaceDelimited/false?color=blue%20black%20brown",
    "/query/spaceDelimited/false?color=R%20100%20G%20200%20B%20150",
    "/query/pipeDelimited/false?color=blue|black|brown",
    "/query/pipeDelimited/false?color=R|100|G|200|B|150",
    "/query/deepObject/true?color[R]=100&color[G]=200&color[B]=150",
];

/// Header `simple` and cookie `form` (cookie text is percent-encoded, commas included, so a
/// value cannot end its cookie), explode false then true.
const HEADERS_AND_COOKIES: &[(&str, &str, &str)] = &[
    ("/header/simple/false", "x-color", "blue"),
    ("/header/simple/false", "x-color", "blue,black,brown"),
    ("/header/simple/false", "x-color", "R,100,G,200,B,150"),
    ("/cookie/form/false", "cookie", "color=blue"),
    ("/cookie/form/false", "cookie", "color=blue%2Cblack%2Cbrown"),
    (
        "/cookie/form/false",
        "cookie",
        "color=R%2C100%2CG%2C200%2CB%2C150",
    ),
    ("/header/simple/true", "x-color", "blue"),
    ("/header/simple/true", "x-color", "blue,black,brown"),
    ("/header/simple/true", "x-color", "R=100,G=200,B=150"),
    ("/cookie/form/true", "cookie", "color=blue"),
    (
        "/cookie/form/true",
        "cookie",
        "color=blue; color=black; color=brown",
    ),
    ("/cookie/form/true", "cookie", "R=100; G=200; B=150"),
];

#[tokio::test]
async fn every_style_example_is_sent_as_the_openapi_table_shows() {
    use request_styles::*;
    let server = Server::routes(
        &[
            "GET /path/simple/false/blue",
            "GET /path/simple/false/blue,black,brown",
            "GET /path/simple/false/R,100,G,200,B,150",
            "GET /path/simple/true/blue",
            "GET /path/simple/true/blue,black,brown",
            "GET /path/simple/true/R=100,G=200,B=150",
            "GET /path/label/false/.blue",
            "GET /path/label/false/.blue,black,brown",
            "GET /path/label/false/.R,100,G,200,B,150",
            "GET /path/label/true/.blue",
            "GET /path/label/true/.blue.black.brown",
            "GET /path/label/true/.R=100.G=200.B=150",
            "GET /path/matrix/false/;color=blue",
            "GET /path/matrix/false/;color=blue,black,brown",
            "GET /path/matrix/false/;color=R,100,G,200,B,150",
            "GET /path/matrix/true/;color=blue",
            "GET /path/matrix/true/;color=blue;color=black;color=brown",
            "GET /path/matrix/true/;R=100;G=200;B=150",
            "GET /query/form/false",
            "GET /query/form/true",
            "GET /query/spaceDelimited/false",
            "GET /query/pipeDelimited/false",
            "GET /query/deepObject/true",
            "GET /header/simple/false",
            "GET /cookie/form/false",
            "GET /header/simple/true",
            "GET /cookie/form/true",
        ],
        |_| Reply::status(204),
    )
    .await;
    style_table(
        &client("styles", &server),
        StyleTableInputs::new(
            "blue",
            vec!["blue".to_owned(), "black".to_owned(), "brown".to_owned()],
            StyleTableInputsObject::new(100, 200, 150),
        ),
    )
    .await
    .unwrap();
    let requests = server.requests();
    assert_eq!(
        requests.len(),
        PATHS.len() + QUERIES.len() + HEADERS_AND_COOKIES.len()
    );
    let mut sent = requests.iter();
    for (want, got) in PATHS.iter().chain(QUERIES).zip(sent.by_ref()) {
        assert_eq!(got.method, "GET");
        assert_eq!(got.target, *want);
    }
    for ((path, header, value), got) in HEADERS_AND_COOKIES.iter().zip(sent) {
        assert_eq!(got.target, *path);
        assert_eq!(got.header(header), Some(*value), "{path}");
    }
}

#[tokio::test]
async fn typed_objects_and_json_arrays_use_their_styles() {
    use request_styles::*;
    let server = Server::routes(
        &["GET /typed/;R=10;G=20;B=30", "GET /typed/;R=1;G=2;B=3"],
        |r| {
            if r.path().ends_with("=30") {
                json_reply(200, json!({"ids": [7, 8]}))
            } else {
                json_reply(200, json!({}))
            }
        },
    )
    .await;
    typed_styles(
        &client("styles", &server),
        TypedStylesInputs::new(TypedStylesInputsRgb::new(10, 20, 30), vec![1, 2]),
    )
    .await
    .unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    let first = &requests[0];
    assert_eq!(
        first.target,
        "/typed/;R=10;G=20;B=30?filter[R]=10&filter[G]=20&filter[B]=30&ids=1|2"
    );
    assert_eq!(first.header("x-rgb"), Some("R=10,G=20,B=30"));
    assert_eq!(first.header("cookie"), Some("R=10; G=20; B=30"));
    // A literal object in the path; an array read from the first response as JSON.
    assert_eq!(requests[1].target, "/typed/;R=1;G=2;B=3?ids=7|8");
}

#[tokio::test]
async fn an_absent_optional_object_in_the_path_fails_the_step_before_sending() {
    use request_styles::*;
    let server = Server::routes(&["GET /typed/;R=1;G=2;B=3"], |_| json_reply(200, json!({}))).await;
    let c = client("styles", &server);
    let err = optional_point(&c, OptionalPointInputs::new())
        .await
        .unwrap_err();
    assert_eq!(err.step(), "only");
    assert!(err.to_string().contains("`rgb`"), "{err}");
    assert!(server.requests().is_empty());
    let mut inputs = OptionalPointInputs::new();
    inputs.rgb = Some(OptionalPointInputsRgb::new(1, 2, 3));
    optional_point(&c, inputs).await.unwrap();
    assert_eq!(server.requests()[0].target, "/typed/;R=1;G=2;B=3");
}

#[tokio::test]
async fn content_parameters_are_sent_as_json_text() {
    use request_styles::*;
    let server = Server::routes(&["GET /content"], |_| Reply::status(204)).await;
    let c = client("styles", &server);
    let inputs = ContentParamsInputs::new(
        ContentParamsInputsRgb::new(1, 2, 3),
        vec!["a".to_owned(), "b c".to_owned()],
    );
    content_params(&c, inputs.clone()).await.unwrap();
    let mut with_note = inputs;
    with_note.note = Some("hi".to_owned());
    content_params(&c, with_note).await.unwrap();
    let r = server.requests();
    // An absent optional input sends nothing; a present string is JSON text, quotes included.
    assert_eq!(
        r[0].target,
        "/content?filter=%7B%22R%22%3A1%2C%22G%22%3A2%2C%22B%22%3A3%7D"
    );
    assert_eq!(r[0].header("x-tags"), Some(r#"["a","b c"]"#));
    assert!(r[1].target.ends_with("&note=%22hi%22"), "{}", r[1].target);
}

// ---------------------------------------------------------------------------------------------
// Security schemes and servers.

fn credentialed(server: &Server) -> Client {
    Client::builder()
        .base_url("vault", server.url.clone())
        .credential("bearer", Credential::Bearer("tok-123".into()))
        .credential(
            "basic",
            Credential::Basic {
                user: "user".to_owned(),
                password: "pass".into(),
            },
        )
        .credential("headerKey", Credential::ApiKey("k-header".into()))
        .credential("queryKey", Credential::ApiKey("k&q".into()))
        .credential("cookieKey", Credential::ApiKey("c 1".into()))
        .build()
        .unwrap()
}

#[tokio::test]
async fn each_scheme_kind_is_sent_from_the_client_credentials() {
    use request_auth::*;
    let server = Server::routes(
        &[
            "GET /secrets",
            "GET /header-key",
            "GET /query-key",
            "GET /cookie-key",
            "GET /basic",
            "GET /both",
            "GET /health",
        ],
        |_| Reply::status(200),
    )
    .await;
    every_scheme(&credentialed(&server), EverySchemeInputs::new())
        .await
        .unwrap();
    let r = server.requests();
    assert_eq!(r.len(), 7);
    assert_eq!(r[0].target, "/secrets");
    assert_eq!(r[0].header("authorization"), Some("Bearer tok-123"));
    assert_eq!(r[1].header("x-api-key"), Some("k-header"));
    assert_eq!(r[1].header("authorization"), None);
    assert_eq!(r[2].target, "/query-key?page=2&api_key=k%26q");
    assert_eq!(r[3].header("cookie"), Some("session=c%201"));
    // RFC 7617: base64("user:pass").
    assert_eq!(r[4].header("authorization"), Some("Basic dXNlcjpwYXNz"));
    assert_eq!(r[5].header("x-api-key"), Some("k-header"));
    assert_eq!(r[5].header("authorization"), Some("Bearer tok-123"));
    // `security: []`: nothing is sent.
    assert_eq!(r[6].header("authorization"), None);
    assert_eq!(r[6].header("x-api-key"), None);
}

#[tokio::test]
async fn without_credentials_the_server_answers_401_and_the_criterion_reports_it() {
    use request_auth::*;
    let server = Server::routes(&["GET /secrets"], |r| {
        if r.header("authorization").is_some() {
            Reply::status(200)
        } else {
            text_reply(401, "no credentials")
        }
    })
    .await;
    let err = every_scheme(&client("vault", &server), EverySchemeInputs::new())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            WorkflowError::CriteriaNotMet {
                step: "bearer",
                status: 401,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(server.requests()[0].header("authorization"), None);
}

#[tokio::test]
async fn a_steps_own_authorization_header_wins() {
    use request_auth::*;
    let server = Server::routes(&["GET /secrets"], |_| Reply::status(200)).await;
    own_authorization(&credentialed(&server), OwnAuthorizationInputs::new("mine"))
        .await
        .unwrap();
    // `header` also fails the test if Authorization was sent twice.
    assert_eq!(
        server.requests()[0].header("authorization"),
        Some("Bearer mine")
    );
}

#[tokio::test]
async fn keys_passed_as_parameters_win_over_configured_ones() {
    use request_auth::*;
    let server = Server::routes(&["GET /header-key", "GET /query-key"], |_| {
        Reply::status(200)
    })
    .await;
    own_keys(&credentialed(&server), OwnKeysInputs::new("mine"))
        .await
        .unwrap();
    let r = server.requests();
    // `header` also fails the test if the key was sent twice.
    assert_eq!(r[0].header("x-api-key"), Some("mine"));
    assert_eq!(r[1].target, "/query-key?api_key=mine");
}

#[test]
fn server_variables_take_their_defaults() {
    assert_eq!(
        request_auth::VAULT_BASE_URL,
        "https://eu.vault.example.com/v1"
    );
    // Path-item and operation servers become per-request default bases.
    let golden = include_str!("../golden/request_auth.rs");
    assert!(golden.contains("\"https://uploads.us.vault.example.com\""));
    assert!(golden.contains("\"https://archive.vault.example.com/cold\""));
}

#[tokio::test]
async fn a_base_url_override_wins_over_operation_servers_and_bodies_are_sent_as_written() {
    use request_auth::*;
    let server = Server::routes(&["POST /uploads", "POST /archive"], |r| {
        Reply::status(if r.path() == "/uploads" { 201 } else { 202 })
    })
    .await;
    store(
        &credentialed(&server),
        StoreInputs::new("raw \u{1} bytes", 7),
    )
    .await
    .unwrap();
    let r = server.requests();
    assert_eq!(r[0].target, "/uploads");
    assert_eq!(
        r[0].header("content-type"),
        Some("application/octet-stream")
    );
    assert_eq!(r[0].body, b"raw \x01 bytes");
    assert_eq!(r[1].target, "/archive");
    assert_eq!(r[1].header("content-type"), Some("application/xml"));
    assert_eq!(
        r[1].body,
        b"<archive><id>7</id><note>a &amp; b</note></archive>"
    );
}

// ---------------------------------------------------------------------------------------------
// Multipart bodies and replacements.

#[tokio::test]
async fn multipart_parts_are_text_or_json_and_absent_inputs_are_left_out() {
    use request_bodies::*;
    let server = Server::routes(&["POST /pets/5/photo"], |_| Reply::status(201)).await;
    let mut inputs = PhotoInputs::new(5, "Rex \"the\" dog", "\u{89}PNG");
    inputs.size = Some(3);
    photo(&client("records", &server), inputs).await.unwrap();
    let r = &server.requests()[0];
    assert_eq!(r.target, "/pets/5/photo");
    let boundary = "arazzo-boundary-00000000";
    assert_eq!(
        r.header("content-type").unwrap(),
        format!("multipart/form-data; boundary={boundary}")
    );
    let want = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\nRex \"the\" dog\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"photo\"\r\n\r\n\u{89}PNG\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"meta\"\r\n\
         Content-Type: application/json\r\n\r\n{{\"source\":\"camera\",\"size\":3}}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nportrait\r\n\
         --{boundary}--\r\n"
    );
    assert_eq!(String::from_utf8(r.body.clone()).unwrap(), want);
}

#[tokio::test]
async fn a_multipart_body_from_an_object_input_has_one_part_per_member() {
    use request_bodies::*;
    let server = Server::routes(&["POST /pets/1/photo"], |_| Reply::status(201)).await;
    let mut form = PhotoFormInputsForm::new("Rex");
    form.tags = Some(vec!["dog".to_owned()]);
    photo_form(&client("records", &server), PhotoFormInputs::new(form))
        .await
        .unwrap();
    let r = &server.requests()[0];
    let boundary = "arazzo-boundary-00000000";
    let want = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\nRex\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"tags\"\r\n\
         Content-Type: application/json\r\n\r\n[\"dog\"]\r\n--{boundary}--\r\n"
    );
    assert_eq!(String::from_utf8(r.body.clone()).unwrap(), want);
}

#[tokio::test]
async fn replacements_apply_to_literal_and_computed_payloads() {
    use request_bodies::*;
    let server = Server::routes(&["POST /pets"], |_| {
        json_reply(
            201,
            json!({"template": {"name": "x", "owner": {"id": 1}, "extra": true}}),
        )
    })
    .await;
    replaced(&client("records", &server), ReplacedInputs::new("Rex", 7))
        .await
        .unwrap();
    let r = server.requests();
    let body = |i: usize| serde_json::from_slice::<serde_json::Value>(&r[i].body).unwrap();
    assert_eq!(
        body(0),
        json!({"name": "Rex", "owner": {"id": 7, "email": "owner@example.com"}, "tags": ["new", "named"]})
    );
    assert_eq!(
        body(1),
        json!({"name": "Rex", "owner": {"id": 7, "email": null}, "extra": true})
    );
}

#[tokio::test]
async fn a_runtime_replacement_without_a_place_fails_the_step() {
    use request_bodies::*;
    let server = Server::routes(&["POST /pets"], |_| json_reply(201, json!({}))).await;
    let err = replaced(&client("records", &server), ReplacedInputs::new("Rex", 7))
        .await
        .unwrap_err();
    assert_eq!(err.step(), "fromOutput");
    assert!(err.to_string().contains("`/name`"), "{err}");
    assert_eq!(server.requests().len(), 1);
}

// ---------------------------------------------------------------------------------------------
// Build errors.

/// Generates a one-step document calling `operation` of the styles or bodies fixture with the
/// given step fields, returning the rendered diagnostics.
fn build_error(openapi: &str, operation: &str, step_fields: &str) -> String {
    let dir = std::env::temp_dir().join(format!(
        "arazzo-request-e2e-{}-{operation}-{}",
        std::process::id(),
        step_fields.len()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let api = format!(
        "{}/../arazzo-codegen/tests/features/{openapi}",
        env!("CARGO_MANIFEST_DIR")
    );
    let doc = format!(
        "arazzo: 1.0.1\ninfo: {{title: t, version: '1'}}\nsourceDescriptions:\n  - {{name: s, url: '{api}', type: openapi}}\n\
         workflows:\n  - workflowId: w\n    steps:\n      - stepId: one\n        operationId: {operation}\n{step_fields}"
    );
    let path = dir.join("doc.arazzo.yml");
    std::fs::write(&path, doc).unwrap();
    let Err(failure) = Generator::new().generate(&path) else {
        panic!("the document must fail to generate");
    };
    std::fs::remove_dir_all(&dir).unwrap();
    failure.rendered
}

#[test]
fn deep_object_arrays_are_a_build_error() {
    let out = build_error(
        "request-styles.openapi.yml",
        "query-deepObject-true",
        "        parameters:\n          - {name: color, in: query, value: [a, b]}\n",
    );
    assert!(out.contains("unsupported-parameter-style"), "{out}");
    assert!(
        out.contains("has `style: deepObject`, which serialises objects only"),
        "{out}"
    );
}

#[test]
fn xpath_replacement_targets_are_a_build_error() {
    let out = build_error(
        "request-auth.openapi.yml",
        "archive",
        "        requestBody:\n          contentType: application/xml\n          payload: '<a><b>1</b></a>'\n\
         \x20         replacements:\n            - {target: /a/b, value: 2}\n",
    );
    assert!(out.contains("unsupported-replacement"), "{out}");
    assert!(
        out.contains("XPath targets (XML payloads) are not supported"),
        "{out}"
    );
}

#[test]
fn replacement_targets_outside_a_literal_payload_are_a_build_error() {
    let out = build_error(
        "request-bodies.openapi.yml",
        "createPet",
        "        requestBody:\n          contentType: application/json\n          payload: {name: x}\n\
         \x20         replacements:\n            - {target: /owner/id, value: 2}\n",
    );
    assert!(out.contains("invalid-replacement-target"), "{out}");
    assert!(
        out.contains("replacement target `/owner/id` is not in the payload"),
        "{out}"
    );
}

#[test]
fn multipart_payloads_must_be_objects() {
    let out = build_error(
        "request-bodies.openapi.yml",
        "uploadPhoto",
        "        parameters:\n          - {name: id, in: path, value: 1}\n\
         \x20       requestBody:\n          contentType: multipart/form-data\n          payload: just text\n",
    );
    assert!(out.contains("must be an object"), "{out}");
}
