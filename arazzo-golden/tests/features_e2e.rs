//! The feature fixtures' generated workflows, run against a real HTTP/1.1 server on
//! 127.0.0.1 that records every request and answers canned responses. What goes on the wire
//! (method, percent-encoded path, query, headers, cookies, body bytes) and the typed outputs
//! are asserted exactly.

use arazzo_runtime::{Client, WorkflowError};
use serde_json::json;

use arazzo_golden::features_arazzo_1_1;
use arazzo_golden::features_conditions;
use arazzo_golden::features_criteria_kinds;
use arazzo_golden::features_edge_cases;
use arazzo_golden::features_form_body;
use arazzo_golden::features_inputs;
use arazzo_golden::features_json_body;
use arazzo_golden::features_methods;
use arazzo_golden::features_openapi_versions;
use arazzo_golden::features_operation_path;
use arazzo_golden::features_parameter_lists;
use arazzo_golden::features_parameters;
use arazzo_golden::features_query_styles;
use arazzo_golden::features_querystring;
use arazzo_golden::features_refs;
use arazzo_golden::features_secret_outputs;
use arazzo_golden::features_shared_inputs;
use arazzo_golden::features_step_timeout;
use arazzo_golden::features_two_sources;
use arazzo_golden::features_v11_http;
use arazzo_golden::features_v11_other_document;
use arazzo_golden::features_v11_xpath31;

mod support;
use support::{Recorded, Reply, Server, TestServer, json_reply, text_reply, xml_reply};

fn client(sources: &[(&str, &Server)]) -> Client {
    sources
        .iter()
        .fold(Client::builder(), |b, (name, server)| {
            b.base_url(*name, server.url.clone())
        })
        .build()
        .unwrap()
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

// ---------------------------------------------------------------------------------------------
// 1. JSON request body built from expressions; outputs typed from the response schema.

#[tokio::test]
async fn json_body_is_built_from_inputs_and_outputs_are_typed() {
    use features_json_body::*;
    let server = Server::routes(&["POST /orders"], |_| {
        json_reply(
            201,
            json!({
                "id": 9_007_199_254_740_993_i64,
                "total": 59.5,
                "customer": {"name": "Ada Lovelace", "address": {"city": "Amsterdam"}},
                "tags": ["gift", "rush"]
            }),
        )
    })
    .await;
    let inputs = PlaceOrderInputs::new(
        "Ada",
        "Lovelace",
        "SKU-1",
        3,
        "Amsterdam",
        strings(&["gift", "rush"]),
    );

    let outputs = place_order(&client(&[("shop", &server)]), inputs)
        .await
        .unwrap();

    // i64, not f64: 2^53 + 1 survives.
    let order_id: i64 = outputs.order_id;
    assert_eq!(order_id, 9_007_199_254_740_993);
    assert_eq!(outputs.total, 59.5);
    assert_eq!(outputs.city, "Amsterdam");
    let tags: Vec<String> = outputs.tags;
    assert_eq!(tags, strings(&["gift", "rush"]));
    assert_eq!(outputs.coupon, None, "an optional field that is absent");

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.target, "/orders");
    assert_eq!(r.header("content-type"), Some("application/json"));
    let expected = concat!(
        r#"{"customer":{"name":"Ada Lovelace","address":{"city":"Amsterdam","country":"NL"}},"#,
        r#""items":[{"sku":"SKU-1","quantity":3},{"sku":"GIFT-WRAP","quantity":1}],"#,
        r#""tags":["gift","rush"],"express":true,"note":null}"#
    );
    assert_eq!(std::str::from_utf8(&r.body).unwrap(), expected);
    assert_eq!(
        r.header("content-length"),
        Some(expected.len().to_string().as_str())
    );
}

#[tokio::test]
async fn a_present_optional_output_is_some_and_a_wrong_type_is_a_decode_error() {
    use features_json_body::*;
    let inputs = || PlaceOrderInputs::new("A", "B", "S", 1, "C", Vec::new());
    let server = Server::routes(&["POST /orders"], |_| {
        json_reply(
            201,
            json!({"id": 1, "total": 2, "customer": {"name": "A B", "address": {"city": "C"}},
                   "tags": [], "coupon": "SPRING"}),
        )
    })
    .await;
    let outputs = place_order(&client(&[("shop", &server)]), inputs())
        .await
        .unwrap();
    assert_eq!(outputs.coupon.as_deref(), Some("SPRING"));
    assert_eq!(outputs.total, 2.0, "an integer is a valid number");

    let server = Server::routes(&["POST /orders"], |_| json_reply(201, json!({"id": "one"}))).await;
    let err = place_order(&client(&[("shop", &server)]), inputs())
        .await
        .unwrap_err();
    match err {
        WorkflowError::Decode {
            step,
            location,
            expected,
            ..
        } => {
            assert_eq!(step, "createOrder");
            assert_eq!(location, "$response.body#/id");
            assert_eq!(expected, "i64");
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Form body; an absent optional input is left out; an empty POST has Content-Length: 0.

fn auth_server() -> impl Fn(&Recorded) -> Reply + Send + Sync + 'static {
    |r: &Recorded| match r.path() {
        "/oauth/token" => json_reply(200, json!({"access_token": "tok-123", "expires_in": 3600})),
        "/oauth/revoke" => Reply::status(204),
        _ => Reply::status(404),
    }
}

#[tokio::test]
async fn form_body_leaves_out_absent_inputs_and_empty_post_has_zero_length() {
    use features_form_body::*;
    let server = Server::routes(&["POST /oauth/token", "POST /oauth/revoke"], auth_server()).await;
    let inputs = LoginLogoutInputs::new("ada@example.com", "p&ss=w rd");
    assert!(
        !format!("{inputs:?}").contains("p&ss"),
        "password is a Secret"
    );

    let outputs = login_logout(&client(&[("auth", &server)]), inputs)
        .await
        .unwrap();
    assert_eq!(outputs.expires_in, 3600_i64);

    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    let login = &requests[0];
    assert_eq!(login.method, "POST");
    assert_eq!(login.target, "/oauth/token");
    assert_eq!(
        login.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    let expected = "grant_type=password&username=ada%40example.com&password=p%26ss%3Dw+rd&client=shop+web%26app";
    assert_eq!(std::str::from_utf8(&login.body).unwrap(), expected);

    let logout = &requests[1];
    assert_eq!(logout.method, "POST");
    assert_eq!(logout.target, "/oauth/revoke");
    assert_eq!(logout.header("authorization"), Some("Bearer tok-123"));
    assert_eq!(logout.header("content-length"), Some("0"));
    assert_eq!(logout.header("content-type"), None);
    assert!(logout.body.is_empty());
}

#[tokio::test]
async fn form_body_sends_a_present_optional_input() {
    use features_form_body::*;
    let server = Server::routes(&["POST /oauth/token", "POST /oauth/revoke"], auth_server()).await;
    let mut inputs = LoginLogoutInputs::new("ada", "pw");
    inputs.scope = Some("read write".to_owned());
    login_logout(&client(&[("auth", &server)]), inputs)
        .await
        .unwrap();
    let body = server.requests()[0].body.clone();
    assert_eq!(
        std::str::from_utf8(&body).unwrap(),
        "grant_type=password&username=ada&password=pw&scope=read+write&client=shop+web%26app"
    );
}

// ---------------------------------------------------------------------------------------------
// 3. Path, query, header and cookie parameters; workflow parameters merged with the step's.

#[tokio::test]
async fn parameters_go_where_the_description_says() {
    use features_parameters::*;
    let server = Server::routes(
        &[
            "GET /pets",
            "GET /owners/42/pets/Mr%20Whiskers%2F2%20%C3%BC%3F",
        ],
        |r| {
            if r.path() == "/pets" {
                json_reply(200, json!([{"id": 1}]))
            } else {
                json_reply(200, json!({"name": "Mr Whiskers"}))
            }
        },
    )
    .await;
    let inputs = FindOwnerPetInputs::new(
        42,
        "Mr Whiskers/2 ü?",
        "abc123",
        strings(&["a b", "c"]),
        strings(&["name", "age"]),
        "trace-1",
        5,
    );

    let outputs = find_owner_pet(&client(&[("petStore", &server)]), inputs)
        .await
        .unwrap();
    assert_eq!(outputs.name, "Mr Whiskers");

    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    // Workflow parameters alone.
    let list = &requests[0];
    assert_eq!(list.method, "GET");
    assert_eq!(list.target, "/pets?limit=10");
    assert_eq!(list.header("x-trace-id"), Some("trace-1"));
    assert_eq!(list.header("cookie"), None);
    assert_eq!(list.header("content-length"), None, "a GET has no length");

    // The step's `limit` replaces the workflow's; the workflow's header is kept, once.
    let get = &requests[1];
    assert_eq!(get.method, "GET");
    assert_eq!(
        get.path(),
        "/owners/42/pets/Mr%20Whiskers%2F2%20%C3%BC%3F",
        "a path value cannot change the path's shape"
    );
    assert_eq!(
        get.target,
        "/owners/42/pets/Mr%20Whiskers%2F2%20%C3%BC%3F?tag=a+b&tag=c&fields=name,age&limit=5"
    );
    assert_eq!(get.header("x-trace-id"), Some("trace-1"));
    assert_eq!(get.header("cookie"), Some("session=abc123; theme=dark"));
}

#[tokio::test]
async fn a_present_optional_query_parameter_is_sent() {
    use features_parameters::*;
    let server = Server::routes(&["GET /pets", "GET /owners/1/pets/rex"], |_| {
        json_reply(200, json!({"name": "Rex"}))
    })
    .await;
    let mut inputs = FindOwnerPetInputs::new(1, "rex", "s", Vec::new(), strings(&["id"]), "t", 2);
    inputs.search = Some("good boy".to_owned());
    find_owner_pet(&client(&[("petStore", &server)]), inputs)
        .await
        .unwrap();
    // An empty exploded array sends nothing.
    assert_eq!(
        server.requests()[1].target,
        "/owners/1/pets/rex?fields=id&limit=2&q=good+boy"
    );
}

#[tokio::test]
async fn cookie_values_cannot_add_cookies_and_empty_arrays_send_nothing() {
    use features_parameters::*;
    let server = Server::routes(&["GET /pets", "GET /owners/1/pets/rex"], |_| {
        json_reply(200, json!({"name": "Rex"}))
    })
    .await;
    let inputs = FindOwnerPetInputs::new(1, "rex", "a; admin=1", Vec::new(), Vec::new(), "t", 2);
    find_owner_pet(&client(&[("petStore", &server)]), inputs)
        .await
        .unwrap();
    let get = &server.requests()[1];
    assert_eq!(
        get.header("cookie"),
        Some("session=a%3B%20admin=1; theme=dark")
    );
    assert_eq!(get.target, "/owners/1/pets/rex?limit=2");
}

#[tokio::test]
async fn a_dot_segment_path_value_is_refused_before_sending() {
    use features_parameters::*;
    for name in ["..", "."] {
        let server =
            Server::routes(&["GET /pets"], |_| json_reply(200, json!({"name": "Rex"}))).await;
        let inputs = FindOwnerPetInputs::new(1, name, "s", Vec::new(), Vec::new(), "t", 2);
        let err = find_owner_pet(&client(&[("petStore", &server)]), inputs)
            .await
            .unwrap_err();
        assert!(
            matches!(err, WorkflowError::Request { step: "getPet", .. }),
            "{name}: {err:?}"
        );
        let targets: Vec<String> = server.requests().into_iter().map(|r| r.target).collect();
        assert_eq!(targets, ["/pets?limit=10"], "only the first step was sent");
    }
}

#[tokio::test]
async fn a_header_value_that_http_cannot_carry_stops_the_step_without_echoing_it() {
    use features_parameters::*;
    let server = Server::routes(&["GET /pets"], |_| json_reply(200, json!({"name": "Rex"}))).await;
    let inputs = FindOwnerPetInputs::new(1, "x", "s", Vec::new(), Vec::new(), "t\r\nX-Evil: 1", 2);
    let err = find_owner_pet(&client(&[("petStore", &server)]), inputs)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            WorkflowError::Request {
                step: "listPets",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!err.to_string().contains("Evil"), "{err}");
    assert!(server.requests().is_empty(), "nothing was sent");
}

// ---------------------------------------------------------------------------------------------
// 4. operationPath.

#[tokio::test]
async fn operation_path_reaches_an_operation_without_an_id() {
    use features_operation_path::*;
    let server = Server::routes(&["GET /pets/7"], |_| {
        json_reply(200, json!({"id": 7, "name": "Rex"}))
    })
    .await;
    let outputs = fetch_pet(&client(&[("petStore", &server)]), FetchPetInputs::new(7))
        .await
        .unwrap();
    assert_eq!((outputs.id, outputs.name.as_str()), (7, "Rex"));
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, "GET");
    assert_eq!(requests[0].target, "/pets/7");
}

#[tokio::test]
async fn a_missing_required_output_names_the_pointer() {
    use features_operation_path::*;
    let server = Server::routes(&["GET /pets/7"], |_| json_reply(200, json!({"id": 7}))).await;
    let err = fetch_pet(&client(&[("petStore", &server)]), FetchPetInputs::new(7))
        .await
        .unwrap_err();
    assert_eq!(err.step(), "fetchPet");
    assert!(
        matches!(&err, WorkflowError::Decode { location, .. } if location == "$response.body#/name"),
        "{err:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// 5. Two source descriptions, each with its own server.

#[tokio::test]
async fn two_sources_chain_an_output_into_a_path_and_read_header_and_text() {
    use features_two_sources::*;
    let catalog = Server::routes(&["GET /products/search"], |_| {
        json_reply(200, json!({"id": 314})).header("X-Request-Id", "req-77")
    })
    .await;
    let inventory = Server::routes(&["GET /stock/314/label"], |_| {
        text_reply(200, "MUG-314 · aisle 5")
    })
    .await;

    let outputs = product_label(
        &client(&[("catalog", &catalog), ("inventory", &inventory)]),
        ProductLabelInputs::new("blue mug"),
    )
    .await
    .unwrap();
    assert_eq!(outputs.product_id, 314_i64);
    assert_eq!(outputs.request_id, "req-77");
    assert_eq!(outputs.label, "MUG-314 · aisle 5");

    let find = catalog.requests();
    assert_eq!(find.len(), 1);
    assert_eq!(find[0].method, "GET");
    assert_eq!(find[0].target, "/products/search?name=blue+mug");
    let label = inventory.requests();
    assert_eq!(label.len(), 1);
    assert_eq!(label[0].target, "/stock/314/label");
}

#[tokio::test]
async fn a_missing_response_header_output_is_a_decode_error() {
    use features_two_sources::*;
    let catalog = Server::routes(&["GET /products/search"], |_| {
        json_reply(200, json!({"id": 1}))
    })
    .await;
    let inventory = Server::routes(&["GET /stock/1/label"], |_| text_reply(200, "x")).await;
    let err = product_label(
        &client(&[("catalog", &catalog), ("inventory", &inventory)]),
        ProductLabelInputs::new("x"),
    )
    .await
    .unwrap_err();
    assert_eq!(err.step(), "find");
    assert!(
        matches!(&err, WorkflowError::Decode { location, .. } if location == "$response.header.X-Request-Id"),
        "{err:?}"
    );
    assert!(inventory.requests().is_empty(), "the workflow stopped");
}

// ---------------------------------------------------------------------------------------------
// 6. OpenAPI 3.0 (`nullable`, `$ref`s, a `$ref` into another file) and 3.1 (`type: [.., null]`).

#[tokio::test]
async fn nullable_fields_are_options_in_both_openapi_versions() {
    use features_openapi_versions::*;
    let server = Server::routes(&["GET /records/cat%201", "GET /notes/cat%201"], |r| {
        if r.path().starts_with("/records/") {
            json_reply(
                200,
                json!({"nickname": null, "weight": 4.25, "owner": {"name": "Sam", "visits": [1, 5]}}),
            )
        } else {
            json_reply(200, json!({"text": null, "author": "Dr. K"}))
        }
    })
    .await;
    let outputs = pet_history(
        &client(&[("legacy", &server), ("modern", &server)]),
        PetHistoryInputs::new("cat 1"),
    )
    .await
    .unwrap();
    let nickname: Option<String> = outputs.nickname;
    let text: Option<String> = outputs.text;
    let visits: Vec<i64> = outputs.visits;
    assert_eq!(nickname, None);
    assert_eq!(text, None);
    assert_eq!(outputs.weight, 4.25);
    assert_eq!(outputs.owner_name, "Sam");
    assert_eq!(visits, [1, 5]);
    assert_eq!(outputs.author, "Dr. K");
    let targets: Vec<String> = server.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(targets, ["/records/cat%201", "/notes/cat%201"]);
}

#[tokio::test]
async fn nullable_fields_with_values_are_some() {
    use features_openapi_versions::*;
    let server = Server::routes(&["GET /records/c", "GET /notes/c"], |r| {
        if r.path().starts_with("/records/") {
            json_reply(
                200,
                json!({"nickname": "Fluffy", "weight": 4, "owner": {"name": "Sam", "visits": []}}),
            )
        } else {
            json_reply(200, json!({"text": "Healthy", "author": "Dr. K"}))
        }
    })
    .await;
    let outputs = pet_history(
        &client(&[("legacy", &server), ("modern", &server)]),
        PetHistoryInputs::new("c"),
    )
    .await
    .unwrap();
    assert_eq!(outputs.nickname.as_deref(), Some("Fluffy"));
    assert_eq!(outputs.text.as_deref(), Some("Healthy"));
}

// ---------------------------------------------------------------------------------------------
// 7. Conditions.

async fn check(
    status: u16,
    body: serde_json::Value,
) -> Result<features_conditions::CheckShipmentOutputs, WorkflowError> {
    use features_conditions::*;
    let server = Server::routes(&["GET /shipments/SH%2F1"], move |_| {
        json_reply(status, body.clone())
    })
    .await;
    let result = check_shipment(
        &client(&[("shipping", &server)]),
        CheckShipmentInputs::new("SH/1", 3.0),
    )
    .await;
    assert_eq!(server.requests()[0].target, "/shipments/SH%2F1");
    result
}

#[tokio::test]
async fn conditions_accept_a_matching_response() {
    // `'SHIPPED'` matches `shipped`: string equality ignores case.
    let ok = check(
        200,
        json!({"status": "shipped", "weight": 2.5, "parcels": 3}),
    )
    .await
    .unwrap();
    assert_eq!((ok.status.as_str(), ok.code), ("shipped", 200));
    // The other side of `||`, another 2xx, a weight exactly at the limit, insured false.
    let ok = check(
        202,
        json!({"status": "Delivered", "weight": 3, "parcels": 10, "insured": false}),
    )
    .await
    .unwrap();
    assert_eq!((ok.status.as_str(), ok.code), ("Delivered", 202));
}

fn assert_unmet(err: WorkflowError, criterion: &str, status: u16) {
    match err {
        WorkflowError::CriteriaNotMet {
            step,
            criterion: c,
            status: s,
            ..
        } => {
            assert_eq!(step, "shipment");
            assert_eq!(c, criterion);
            assert_eq!(s, status);
        }
        other => panic!("expected CriteriaNotMet, got {other:?}"),
    }
}

#[tokio::test]
async fn each_failing_criterion_is_named_with_the_status() {
    let range = "$statusCode >= 200 && $statusCode < 300";
    let status = "$response.body#/status == 'SHIPPED' || $response.body#/status == 'delivered'";
    let limits = "!($response.body#/parcels > 10) && $response.body#/weight <= $inputs.maxWeight";
    let insured = "$response.body#/insured != true";
    let good = json!({"status": "shipped", "weight": 2.5, "parcels": 3});

    let err = check(500, json!({"error": "boom"})).await.unwrap_err();
    assert!(err.to_string().contains("boom"), "{err}");
    assert_unmet(err, range, 500);
    assert_unmet(check(300, good.clone()).await.unwrap_err(), range, 300);
    let mut cancelled = good.clone();
    cancelled["status"] = json!("cancelled");
    assert_unmet(check(200, cancelled).await.unwrap_err(), status, 200);
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("status");
    assert_unmet(check(200, missing).await.unwrap_err(), status, 200);
    let mut parcels = good.clone();
    parcels["parcels"] = json!(11);
    assert_unmet(check(200, parcels).await.unwrap_err(), limits, 200);
    let mut heavy = good.clone();
    heavy["weight"] = json!(3.5);
    assert_unmet(check(200, heavy).await.unwrap_err(), limits, 200);
    let mut insured_body = good.clone();
    insured_body["insured"] = json!(true);
    assert_unmet(check(200, insured_body).await.unwrap_err(), insured, 200);
}

// ---------------------------------------------------------------------------------------------
// 8. Typed inputs: enums, nested structs, arrays, secrets, numbers, booleans, defaults.

#[tokio::test]
async fn typed_inputs_and_defaults_are_sent_as_json() {
    use features_inputs::*;
    let server = Server::routes(&["POST /subscriptions"], |_| {
        json_reply(201, json!({"id": "sub-1"}))
    })
    .await;
    let mut address = SubscribeInputsAddress::new("Main St 1", "1011AB");
    address.floor = Some(3);
    let inputs = SubscribeInputs::new(
        "ada@example.com",
        "hunter2",
        SubscribeInputsPlan::EnterprisePlus,
        address,
        strings(&["rust", "http"]),
        99.5,
        true,
    );
    assert!(!format!("{inputs:?}").contains("hunter2"));
    assert_eq!(inputs.frequency, SubscribeInputsFrequency::Weekly);
    assert_eq!(inputs.language, "en");
    assert_eq!(inputs.max_issues, 12);
    assert_eq!(inputs.discount, 0.5);
    assert!(inputs.html);
    assert_eq!(inputs.extra_topics, strings(&["news", "tips"]));
    assert_eq!(inputs.referrer, None);

    let outputs = subscribe(&client(&[("news", &server)]), inputs)
        .await
        .unwrap();
    assert_eq!(outputs.id, "sub-1");

    let r = &server.requests()[0];
    assert_eq!(
        (r.method.as_str(), r.target.as_str()),
        ("POST", "/subscriptions")
    );
    assert_eq!(r.header("content-type"), Some("application/json"));
    let expected = concat!(
        r#"{"email":"ada@example.com","password":"hunter2","plan":"enterprise-plus","#,
        r#""address":{"street":"Main St 1","zip":"1011AB","floor":3},"topics":["rust","http"],"#,
        r#""budget":99.5,"consent":true,"frequency":"weekly","language":"en","maxIssues":12,"#,
        r#""discount":0.5,"html":true,"extraTopics":["news","tips"]}"#
    );
    assert_eq!(std::str::from_utf8(&r.body).unwrap(), expected);
}

#[tokio::test]
async fn a_present_optional_input_is_a_json_member() {
    use features_inputs::*;
    let server = Server::routes(&["POST /subscriptions"], |_| {
        json_reply(201, json!({"id": "sub-2"}))
    })
    .await;
    let mut inputs = SubscribeInputs::new(
        "a@b.c",
        "pw",
        SubscribeInputsPlan::Free,
        SubscribeInputsAddress::new("s", "z"),
        Vec::new(),
        0.0,
        false,
    );
    inputs.referrer = Some("friend".to_owned());
    subscribe(&client(&[("news", &server)]), inputs)
        .await
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&server.requests()[0].body).unwrap();
    assert_eq!(body["referrer"], json!("friend"));
    assert_eq!(body["address"], json!({"street": "s", "zip": "z"}));
    assert_eq!(body["budget"], json!(0.0));
}

#[test]
fn inputs_deserialise_with_defaults_and_reject_unknown_enum_values() {
    use features_inputs::*;
    let inputs: SubscribeInputs = serde_json::from_value(json!({
        "email": "a@b.c", "password": "pw", "plan": "pro",
        "address": {"street": "s", "zip": "z"}, "topics": [], "budget": 1, "consent": false,
        "frequency": "daily"
    }))
    .unwrap();
    assert_eq!(inputs.plan, SubscribeInputsPlan::Pro);
    assert_eq!(inputs.frequency, SubscribeInputsFrequency::Daily);
    assert_eq!(inputs.address.floor, None);
    assert_eq!(inputs.max_issues, 12);
    assert_eq!(inputs.extra_topics, strings(&["news", "tips"]));
    assert_eq!(inputs.password.expose(), "pw");

    let err = |inputs: serde_json::Value| {
        serde_json::from_value::<SubscribeInputs>(inputs)
            .unwrap_err()
            .to_string()
    };
    // The generated `Deserialize` (not serde's derive: see `__private::inputs`) names the input.
    assert_eq!(
        err(json!({
            "email": "a", "password": "p", "plan": "gold",
            "address": {"street": "s", "zip": "z"}, "topics": [], "budget": 1, "consent": false
        })),
        "input `plan`: unknown variant `gold`, expected one of `free`, `pro`, `enterprise-plus`"
    );
    assert_eq!(
        err(json!({"email": "a", "password": "p"})),
        "missing field `plan`"
    );
    assert_eq!(
        err(json!({
            "email": "a", "password": "p", "plan": "pro",
            "address": {"street": "s", "zip": "z"}, "topics": [], "budget": "lots", "consent": false
        })),
        "input `budget`: invalid type: string \"lots\", expected f64"
    );
    // A credential of the wrong type is not quoted back.
    let secret = err(json!({
        "email": "a", "password": ["hunter2"], "plan": "pro",
        "address": {"street": "s", "zip": "z"}, "topics": [], "budget": 1, "consent": false
    }));
    assert!(!secret.contains("hunter2"), "{secret}");
    assert!(
        secret.starts_with("input `password` does not have the type"),
        "{secret}"
    );
    assert_eq!(
        err(json!("hunter2")),
        "the inputs must be an object, not a string"
    );
    // Optional inputs may be `null`; unknown members are ignored, as with serde's derive.
    let inputs: SubscribeInputs = serde_json::from_value(json!({
        "email": "a", "password": "p", "plan": "pro", "referrer": null, "surprise": 1,
        "address": {"street": "s", "zip": "z"}, "topics": [], "budget": 1, "consent": false
    }))
    .unwrap();
    assert_eq!(inputs.referrer, None);
}

/// Workflows with the same inputs share one inputs type: `SecondInputs` is `FirstInputs`, so
/// one value runs both, and it still reads from JSON; `ThirdInputs` (one more input) is its own.
#[tokio::test]
async fn workflows_with_the_same_inputs_share_one_inputs_type() {
    use features_shared_inputs::*;
    let server = Server::routes(&["GET /pets"], |_| json_reply(200, json!([]))).await;
    let client = client(&[("petStore", &server)]);
    let inputs: FirstInputs =
        SecondInputs::new(3, SecondInputsOwner::new("ann"), FirstInputsPlan::Pro);
    first(&client, inputs.clone()).await.unwrap();
    second(&client, inputs.clone()).await.unwrap();
    fourth(&client, inputs).await.unwrap();
    let read: SecondInputs =
        serde_json::from_value(json!({"limit": 5, "owner": {"name": "bo"}, "plan": "free"}))
            .unwrap();
    assert_eq!(read.plan, SecondInputsPlan::Free);
    third(
        &client,
        ThirdInputs::new(7, ThirdInputsOwner::new("cy"), ThirdInputsPlan::Free, true),
    )
    .await
    .unwrap();
    let calls: Vec<String> = server.requests().iter().map(|r| r.call()).collect();
    assert_eq!(
        calls,
        [
            "GET /pets?limit=3",
            "GET /pets?limit=3",
            "GET /pets?limit=3",
            "GET /pets?limit=7"
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// 9. Edge cases: inputs named like Rust keywords, typed literals in parameters, a whole input
//    object as the JSON body, an optional step output in a header, criteria on a response
//    header, an input and an earlier step's output.

fn thing_inputs() -> features_edge_cases::RegisterThingInputs {
    use features_edge_cases::*;
    RegisterThingInputs::new(
        "gadget",
        "me",
        "ann",
        "Ann",
        true,
        "k&y",
        RegisterThingInputsPlan::AB,
        RegisterThingInputsAddress::new("Elm 1"),
    )
}

fn things(
    coupon: Option<&'static str>,
    second_id: &'static str,
) -> impl Fn(&Recorded) -> Reply + Send + Sync + 'static {
    move |r: &Recorded| {
        if r.target.starts_with("/things/thing-") {
            let mut body = json!({"id": "t/1", "owner": {"name": "Bo"}, "labels": ["x"]});
            if let Some(c) = coupon {
                body["coupon"] = json!(c);
            }
            json_reply(200, body).header("X-Rate", "5")
        } else {
            json_reply(200, json!({"id": second_id, "labels": ["y", "z"]}))
        }
    }
}

#[tokio::test]
async fn keyword_names_literals_and_whole_input_payloads_reach_the_wire() {
    use features_edge_cases::*;
    let server = Server::routes(
        &["PUT /things/thing-gadget", "PUT /things/t%2F1"],
        things(None, "t/1"),
    )
    .await;
    let outputs = register_thing(&client(&[("things", &server)]), thing_inputs())
        .await
        .unwrap();
    assert_eq!(outputs.id, "t/1");
    assert_eq!(outputs.labels, strings(&["y", "z"]));
    assert_eq!(
        outputs.whole,
        json!({"id": "t/1", "owner": {"name": "Bo"}, "labels": ["x"]})
    );
    assert_eq!(outputs.type_input, "gadget");
    assert_eq!(outputs.street, json!("Elm 1"));

    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    let first = &requests[0];
    assert_eq!(first.method, "PUT");
    assert_eq!(
        first.target,
        "/things/thing-gadget?verbose=true&ratio=1.5&api_key=k%26y"
    );
    assert_eq!(first.header("x-count"), Some("3"));
    assert_eq!(first.header("content-type"), Some("application/json"));
    // The optional `type` member of the address is absent and left out.
    assert_eq!(
        std::str::from_utf8(&first.body).unwrap(),
        r#"{"street":"Elm 1"}"#
    );

    let second = &requests[1];
    assert_eq!(second.method, "PUT");
    assert_eq!(second.target, "/things/t%2F1");
    assert_eq!(second.header("x-coupon"), None, "absent optional output");
    assert_eq!(second.header("content-type"), Some("text/plain"));
    assert_eq!(
        std::str::from_utf8(&second.body).unwrap(),
        "owner Bo of ann"
    );
}

#[tokio::test]
async fn a_present_optional_output_is_sent_as_a_header() {
    use features_edge_cases::*;
    let server = Server::routes(
        &["PUT /things/thing-gadget", "PUT /things/t%2F1"],
        things(Some("SAVE10"), "t/1"),
    )
    .await;
    register_thing(&client(&[("things", &server)]), thing_inputs())
        .await
        .unwrap();
    assert_eq!(server.requests()[1].header("x-coupon"), Some("SAVE10"));
}

#[tokio::test]
async fn criteria_on_inputs_headers_and_earlier_outputs_fail_with_their_text() {
    let server = Server::routes(
        &["PUT /things/thing-gadget", "PUT /things/t%2F1"],
        things(None, "t/1"),
    )
    .await;
    let mut inputs = thing_inputs();
    inputs.flag = false;
    let err = features_edge_cases::register_thing(&client(&[("things", &server)]), inputs)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            WorkflowError::CriteriaNotMet {
                step: "first",
                criterion: "$inputs.flag",
                status: 200,
                ..
            }
        ),
        "{err:?}"
    );

    let server = Server::routes(&["PUT /things/thing-gadget", "PUT /things/t%2F1"], |_| {
        json_reply(200, json!({"id": "a", "labels": []})).header("X-Rate", "6")
    })
    .await;
    let err = features_edge_cases::register_thing(&client(&[("things", &server)]), thing_inputs())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            WorkflowError::CriteriaNotMet {
                step: "first",
                criterion: "$statusCode == 200 && $response.header.X-Rate == '5'",
                ..
            }
        ),
        "{err:?}"
    );

    let server = Server::routes(
        &["PUT /things/thing-gadget", "PUT /things/t%2F1"],
        things(None, "t/2"),
    )
    .await;
    let err = features_edge_cases::register_thing(&client(&[("things", &server)]), thing_inputs())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            WorkflowError::CriteriaNotMet {
                step: "second",
                criterion: "$response.body#/id == $steps.first.outputs.id",
                ..
            }
        ),
        "{err:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// 10. Pipe- and space-delimited arrays, a `+json` response, a server URL with variables.

#[tokio::test]
async fn delimited_query_arrays_and_a_vendor_json_response() {
    use features_query_styles::*;
    assert_eq!(SEARCH_BASE_URL, "https://eu.example.com/api");
    let server = Server::routes(&["GET /search"], |_| {
        Reply::status(200)
            .header("content-type", "application/vnd.api+json")
            .body(json!({"items": [{"id": 4}, {"id": 9}]}).to_string())
    })
    .await;
    let outputs = search_documents(
        &client(&[("search", &server)]),
        SearchDocumentsInputs::new(vec![4, 9], strings(&["red", "fox"]), 4),
    )
    .await
    .unwrap();
    assert_eq!(outputs.first, 4_i64);
    assert_eq!(
        outputs.items,
        Some(vec![json!({"id": 4}), json!({"id": 9})])
    );
    // OpenAPI's delimiters go as they are; a space is `%20` in a space-delimited array.
    assert_eq!(
        server.requests()[0].target,
        "/search?ids=4|9&words=red%20fox"
    );

    let err = search_documents(
        &client(&[("search", &server)]),
        SearchDocumentsInputs::new(vec![4], Vec::new(), 9),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            err,
            WorkflowError::CriteriaNotMet {
                step: "search",
                status: 200,
                ..
            }
        ),
        "{err:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// 11. `$ref`s: shared path-item parameters (overridden by the operation), component parameters,
//     request bodies and responses, `allOf`, and a path item in another file.

#[tokio::test]
async fn referenced_parameters_bodies_responses_and_path_items_work() {
    use features_refs::*;
    let server = Server::routes(
        &[
            "GET /zoos/3/animals",
            "POST /zoos/3/animals",
            "GET /zoos/3/keeper",
        ],
        |r| match (r.method.as_str(), r.path()) {
            ("GET", "/zoos/3/animals") => json_reply(
                200,
                json!({"animals": [{"id": 1, "name": "Zed"}, {"id": 2, "name": "Ann"}]}),
            ),
            ("POST", "/zoos/3/animals") => json_reply(
                201,
                json!({"id": 3, "name": "Leo", "createdAt": "2026-11-28"}),
            ),
            ("GET", "/zoos/3/keeper") => json_reply(200, json!({"name": "Kim"})),
            _ => Reply::status(404),
        },
    )
    .await;
    let outputs = stock_zoo(&client(&[("zoo", &server)]), StockZooInputs::new(3))
        .await
        .unwrap();
    assert_eq!(outputs.first_name, "Zed");
    // Required only through `allOf`, so typed as optional (finding F15).
    assert_eq!(outputs.id, Some(3));
    assert_eq!(outputs.created_at.as_deref(), Some("2026-11-28"));
    assert_eq!(outputs.keeper, "Kim");

    let requests = server.requests();
    let seen: Vec<(&str, &str)> = requests
        .iter()
        .map(|r| (r.method.as_str(), r.target.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            ("GET", "/zoos/3/animals?limit=5"),
            ("POST", "/zoos/3/animals"),
            ("GET", "/zoos/3/keeper"),
        ]
    );
    assert_eq!(
        requests[0].header("x-region"),
        None,
        "optional for this operation"
    );
    assert_eq!(requests[1].header("x-region"), Some("eu"));
    assert_eq!(requests[1].header("content-type"), Some("application/json"));
    assert_eq!(&requests[1].body[..], br#"{"name":"Leo"}"#);
}

// ---------------------------------------------------------------------------------------------
// 12. PATCH with a `+json` media type, a PUT without a body, DELETE.

#[tokio::test]
async fn patch_empty_put_and_delete_are_sent_as_declared() {
    use features_methods::*;
    let server = Server::routes(
        &["PATCH /notes/12", "PUT /notes/12/pin", "DELETE /notes/12"],
        |r| match r.method.as_str() {
            "PATCH" => json_reply(200, json!({"version": 8})),
            _ => Reply::status(204),
        },
    )
    .await;
    let outputs = archive_note(
        &client(&[("notes", &server)]),
        ArchiveNoteInputs::new(12, "Groceries"),
    )
    .await
    .unwrap();
    assert_eq!(outputs.version, 8_i64);
    assert_eq!(outputs.deleted, 204_u16);

    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    let patch = &requests[0];
    assert_eq!(
        (patch.method.as_str(), patch.target.as_str()),
        ("PATCH", "/notes/12")
    );
    assert_eq!(
        patch.header("content-type"),
        Some("application/merge-patch+json")
    );
    assert_eq!(&patch.body[..], br#"{"title":"Groceries","draft":null}"#);
    let pin = &requests[1];
    assert_eq!(
        (pin.method.as_str(), pin.target.as_str()),
        ("PUT", "/notes/12/pin")
    );
    assert_eq!(pin.header("content-length"), Some("0"));
    assert_eq!(pin.header("content-type"), None);
    let delete = &requests[2];
    assert_eq!(
        (delete.method.as_str(), delete.target.as_str()),
        ("DELETE", "/notes/12")
    );
    assert_eq!(delete.header("content-length"), None);
    assert!(delete.body.is_empty());
}

// ---------------------------------------------------------------------------------------------
// 13. Regex (on the status and a header), RFC 9535 JSONPath and XPath 1.0 criteria.

const RECORD: &str = "<record><datafield tag='245'><subfield code='a'>Persuasion</subfield>\
                      </datafield></record>";

fn library(
    request_id: &'static str,
    available: bool,
    record: &'static str,
) -> impl Fn(&Recorded) -> Reply + Send + Sync + 'static {
    move |r: &Recorded| {
        if r.path() == "/books" {
            json_reply(
                200,
                json!({"books": [
                    {"isbn": "1", "title": "Emma", "available": false},
                    {"isbn": "2", "title": "Persuasion", "available": available}
                ]}),
            )
            .header("X-Request-Id", request_id)
        } else {
            xml_reply(200, record)
        }
    }
}

async fn find_book(
    server: &Server,
) -> Result<features_criteria_kinds::FindAvailableBookOutputs, WorkflowError> {
    use features_criteria_kinds::*;
    find_available_book(
        &client(&[("library", server)]),
        FindAvailableBookInputs::new("Jane Austen", "978-0"),
    )
    .await
}

#[tokio::test]
async fn regex_jsonpath_and_xpath_criteria_pass_on_a_matching_response() {
    let server = Server::routes(
        &["GET /books", "GET /books/978-0/catalogue-record"],
        library("req-00af", true, RECORD),
    )
    .await;
    let outputs = find_book(&server).await.unwrap();
    assert_eq!(outputs.first_title, "Emma");
    assert_eq!(outputs.xml, RECORD);
    let targets: Vec<String> = server.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(
        targets,
        ["/books?author=Jane+Austen", "/books/978-0/catalogue-record"]
    );
}

#[tokio::test]
async fn each_criterion_kind_fails_on_its_own() {
    let unmet = |err: WorkflowError| match err {
        WorkflowError::CriteriaNotMet {
            step, criterion, ..
        } => (step, criterion),
        other => panic!("expected CriteriaNotMet, got {other:?}"),
    };
    // Regex is case-sensitive.
    let server = Server::routes(
        &["GET /books", "GET /books/978-0/catalogue-record"],
        library("REQ-00AF", true, RECORD),
    )
    .await;
    assert_eq!(
        unmet(find_book(&server).await.unwrap_err()),
        ("search", "^req-[0-9a-f]{4}$")
    );
    let server = Server::routes(
        &["GET /books", "GET /books/978-0/catalogue-record"],
        library("req-00af", false, RECORD),
    )
    .await;
    assert_eq!(
        unmet(find_book(&server).await.unwrap_err()),
        ("search", "$.books[?@.available == true]")
    );
    let other =
        "<record><datafield tag='245'><subfield code='a'>Emma</subfield></datafield></record>";
    let server = Server::routes(
        &["GET /books", "GET /books/978-0/catalogue-record"],
        library("req-00af", true, other),
    )
    .await;
    assert_eq!(
        unmet(find_book(&server).await.unwrap_err()),
        (
            "record",
            "/record/datafield[@tag='245']/subfield[@code='a'] = 'Persuasion'"
        )
    );
}

// ---------------------------------------------------------------------------------------------
// Arazzo 1.1 on HTTP steps: Selector Objects (JSONPath and JSON Pointer) as parameter values,
// outputs and action parameters; `$sourceDescriptions.<name>#/...` operation paths; a step
// `dependsOn` an earlier one; a failure action going to a workflow with `parameters`.

#[tokio::test]
async fn selector_objects_read_the_values_their_selectors_name() {
    use features_arazzo_1_1::*;
    let server = Server::routes(&["GET /pets", "GET /pets/7"], |r| match r.target.as_str() {
        "/pets?limit=3" => json_reply(200, json!([{"id": 7}, {"id": 8}])),
        "/pets/7" => json_reply(200, json!({"id": 7, "name": "Rex"})),
        _ => json_reply(500, json!({})),
    })
    .await;
    let inputs = SelectPetInputs::new(SelectPetInputsOwner::new(3, "Rex"));
    let outputs = select_pet(&client(&[("petStore", &server)]), inputs)
        .await
        .unwrap();
    assert_eq!(outputs.name.as_deref(), Some("Rex"));
    let calls: Vec<String> = server.requests().iter().map(|r| r.call()).collect();
    assert_eq!(calls, ["GET /pets?limit=3", "GET /pets/7"]);
}

#[tokio::test]
async fn an_object_literal_with_expressions_fills_a_called_workflows_object_input() {
    use features_arazzo_1_1::*;
    let server = Server::routes(&["GET /pets", "GET /pets/7"], |r| match r.target.as_str() {
        "/pets?limit=3" => json_reply(200, json!([{"id": 7}])),
        "/pets/7" => json_reply(200, json!({"id": 7, "name": "Rex"})),
        _ => json_reply(500, json!({})),
    })
    .await;
    let inputs = SelectForOwnerInputs::new(3, "Rex");
    let outputs = select_for_owner(&client(&[("petStore", &server)]), inputs)
        .await
        .unwrap();
    // `owner: {id: $inputs.ownerId, ...}` reached `select-pet`, whose selector read its `id`.
    assert_eq!(outputs.name.as_deref(), Some("Rex"));
    let calls: Vec<String> = server.requests().iter().map(|r| r.call()).collect();
    assert_eq!(calls, ["GET /pets?limit=3", "GET /pets/7"]);
}

#[tokio::test]
async fn a_failure_action_passes_its_parameters_to_the_workflow_it_goes_to() {
    use features_arazzo_1_1::*;
    let server = Server::routes(
        &["GET /pets", "GET /pets/7", "GET /owners/3/pets/Rex"],
        |r| match r.target.as_str() {
            "/pets?limit=3" => json_reply(200, json!([{"id": 7}])),
            "/pets/7" => json_reply(404, json!({})),
            "/owners/3/pets/Rex" => json_reply(200, json!({"name": "Rex"})),
            _ => json_reply(500, json!({})),
        },
    )
    .await;
    let inputs = SelectPetInputs::new(SelectPetInputsOwner::new(3, "Rex"));
    let outputs = select_pet(&client(&[("petStore", &server)]), inputs)
        .await
        .unwrap();
    // The workflow gone to ran with the action's parameters; this one's output stays unset.
    assert_eq!(outputs.name, None);
    let calls: Vec<String> = server.requests().iter().map(|r| r.call()).collect();
    assert_eq!(
        calls,
        ["GET /pets?limit=3", "GET /pets/7", "GET /owners/3/pets/Rex"]
    );
}

#[tokio::test]
async fn a_step_depending_on_another_workflows_step_runs_after_that_workflow_ran() {
    use features_arazzo_1_1::*;
    let server = Server::routes(&["GET /owners/3/pets/Rex"], |r| match r.target.as_str() {
        "/owners/3/pets/Rex" => json_reply(200, json!({"name": "Rex"})),
        _ => json_reply(500, json!({})),
    })
    .await;
    let inputs = RecheckOwnerPetInputs::new(3, "Rex");
    let outputs = recheck_owner_pet(&client(&[("petStore", &server)]), inputs)
        .await
        .unwrap();
    assert_eq!(outputs.name, "Rex");
    // `owner-pet`'s `getOwnerPet` first (the `lookUp` step), then `recheck`, which depends on it.
    let calls: Vec<String> = server.requests().iter().map(|r| r.call()).collect();
    assert_eq!(calls, ["GET /owners/3/pets/Rex", "GET /owners/3/pets/Rex"]);
}

#[tokio::test]
async fn a_step_depending_on_a_step_of_another_documents_workflow_runs_after_it() {
    use features_v11_other_document::*;
    let server = Server::routes(&["GET /owners/3/pets/Rex"], |r| match r.target.as_str() {
        "/owners/3/pets/Rex" => json_reply(200, json!({"name": "Rex"})),
        _ => json_reply(500, json!({})),
    })
    .await;
    let inputs = RecheckElsewhereInputs::new(3, "Rex");
    let outputs = recheck_elsewhere(&client(&[("petStore", &server)]), inputs)
        .await
        .unwrap();
    assert_eq!(outputs.name, "Rex");
    // The other document's `owner-pet` (its `getOwnerPet`) first, then `recheck`.
    let calls: Vec<String> = server.requests().iter().map(|r| r.call()).collect();
    assert_eq!(calls, ["GET /owners/3/pets/Rex", "GET /owners/3/pets/Rex"]);
}

// ---------------------------------------------------------------------------------------------
// Arazzo 1.1 step `timeout` on an HTTP step without `onFailure`: a server that never answers
// fails the workflow with `WorkflowError::Timeout` naming the step, soon after the timeout.

/// A server that takes `GET /pets` and answers it only after an hour.
async fn silent_pets() -> Server {
    Server::start(TestServer::builder().on(
        "GET",
        "/pets",
        json_reply(200, json!([])).delay(std::time::Duration::from_secs(3600)),
    ))
    .await
}

#[tokio::test]
async fn a_step_past_its_timeout_fails_the_workflow_naming_the_step() {
    use features_step_timeout::*;
    let server = silent_pets().await;
    let client = client(&[("petStore", &server)]);
    let started = std::time::Instant::now();
    let err = list_quickly(&client, ListQuicklyInputs::default())
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert_eq!(err.to_string(), "step `listPets`: timed out after 300 ms");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert_eq!(server.calls(), ["GET /pets"], "the request went out");
}

#[tokio::test]
async fn a_step_within_its_timeout_succeeds() {
    use features_step_timeout::*;
    let server = Server::routes(&["GET /pets"], |_| json_reply(200, json!([]))).await;
    let outputs = list_quickly(
        &client(&[("petStore", &server)]),
        ListQuicklyInputs::default(),
    )
    .await
    .unwrap();
    assert_eq!(outputs.status, 200);
}

#[tokio::test]
async fn a_workflow_step_past_its_timeout_fails_naming_the_calling_step() {
    use features_step_timeout::*;
    let server = silent_pets().await;
    let client = client(&[("petStore", &server)]);
    let err = list_within(&client, ListWithinInputs::default())
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert_eq!(err.to_string(), "step `runList`: timed out after 200 ms");
    assert_eq!(
        server.calls(),
        ["GET /pets"],
        "the called workflow's request went out"
    );
}

#[tokio::test]
async fn a_workflow_step_past_its_timeout_runs_its_on_failure_goto() {
    use features_step_timeout::*;
    // The called workflow's request never answers; the fallback's does (it carries a header).
    let server = Server::routes(&["GET /pets"], |r: &Recorded| {
        if r.header("x-trace-id") == Some("fallback") {
            json_reply(200, json!([]))
        } else {
            json_reply(200, json!([])).delay(std::time::Duration::from_secs(3600))
        }
    })
    .await;
    let started = std::time::Instant::now();
    let outputs = list_or_fall_back(
        &client(&[("petStore", &server)]),
        ListOrFallBackInputs::default(),
    )
    .await
    .unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert_eq!(outputs.fell_back, Some(200));
    // `done` was skipped: the callee's request, then the fallback's.
    assert_eq!(server.calls(), ["GET /pets", "GET /pets"]);
}

// ---------------------------------------------------------------------------------------------
// Outputs whose response schema says `format: password` (here through `allOf` and `$ref`, under
// a name nothing would guess) print `***` in `Debug` and stay plain `String`s for callers.

#[tokio::test]
async fn an_output_the_schema_marks_as_password_is_hidden_from_debug() {
    use features_secret_outputs::*;
    let server = Server::routes(&["POST /accounts"], |_| {
        json_reply(201, json!({"id": "acc-1", "recoveryCode": "R3C0VER-ME"}))
    })
    .await;
    let outputs = open_account(&client(&[("accounts", &server)]), OpenAccountInputs::new())
        .await
        .unwrap();
    let debug = format!("{outputs:?}");
    assert!(!debug.contains("R3C0VER-ME"), "{debug}");
    assert!(debug.contains("recovery: \"***\""), "{debug}");
    assert!(debug.contains("account_id: \"acc-1\""), "{debug}");
    let plain: &String = &outputs.recovery;
    assert_eq!(plain, "R3C0VER-ME");
}

// ---------------------------------------------------------------------------------------------
// Arazzo 1.1 `in: querystring` (OpenAPI 3.2): the whole query string in the format of the
// parameter's `content` media type.

#[tokio::test]
async fn querystring_parameters_send_the_whole_query_in_their_media_type() {
    use features_querystring::*;
    let server = Server::routes(&["GET /products", "GET /products/filtered"], |_| {
        json_reply(200, json!([]))
    })
    .await;
    let client = client(&[("shop", &server)]);
    // A form query is sent as written; what a template interpolates is form-encoded, so
    // `&`, `=` and `+` in an input stay inside its pair.
    // A JSON query escapes it as JSON string content, so its quotes cannot end the string.
    let mut inputs = SearchInputs::new(r#"toys & "games"=1+1"#, 9.5);
    inputs.filter = Some(r#"{"tag":"a b"}"#.to_owned());
    search(&client, inputs).await.unwrap();
    let calls: Vec<String> = server.requests().iter().map(Recorded::call).collect();
    assert_eq!(
        calls,
        [
            "GET /products?category=toys+%26+%22games%22%3D1%2B1&minPrice=9.5&inStock=true",
            "GET /products/filtered?%7B%22filter%22%3A%22active%22%2C%22sort%22%3A%22desc%22%2C%22limit%22%3A50%7D",
            "GET /products/filtered?%7B%22category%22%3A%22toys%20%26%20%5C%22games%5C%22%3D1%2B1%22%2C%22limit%22%3A50%7D",
            "GET /products/filtered?%7B%22tag%22%3A%22a%20b%22%7D",
        ]
    );
}

#[tokio::test]
async fn an_absent_optional_querystring_sends_no_query() {
    use features_querystring::*;
    let server = Server::routes(&["GET /products", "GET /products/filtered"], |_| {
        json_reply(200, json!([]))
    })
    .await;
    search(
        &client(&[("shop", &server)]),
        SearchInputs::new("books", 1.0),
    )
    .await
    .unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 4);
    assert_eq!(requests[3].target, "/products/filtered");
}

// ---------------------------------------------------------------------------------------------
// An array literal parameter value whose items embed expressions: each item is sent with its
// expressions filled in (the Web PubSub role `webpubsub.joinLeaveGroup.{$inputs.group}`).

#[tokio::test]
async fn array_literal_items_with_expressions_are_sent_filled_in() {
    use features_parameter_lists::*;
    let server = Server::routes(&["GET /owners/7/pets/rex"], |_| json_reply(200, json!({}))).await;
    tagged_pet(
        &client(&[("petStore", &server)]),
        TaggedPetInputs::new(7, "rex", "lobby&x", 50),
    )
    .await
    .unwrap();
    let calls: Vec<String> = server.requests().iter().map(Recorded::call).collect();
    assert_eq!(
        calls,
        [
            "GET /owners/7/pets/rex?tag=webpubsub.joinLeaveGroup.lobby%26x&tag=plain&tag=rex&fields=id,50,3"
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// The Arazzo 1.1 rows the fixtures above leave out (`fixtures/v11-http.arazzo.yml`, an
// `arazzo: 1.1.1` document whose sources resolve against its http `$self`): Expression Type
// Objects in criteria, Selector Objects in a component parameter, a path parameter, payload
// members, replacement values with `targetSelectorType`, and outputs.

fn library_v11(books: serde_json::Value, record: &'static str) -> impl Fn(&Recorded) -> Reply {
    move |r: &Recorded| {
        if r.path() == "/books" {
            json_reply(200, json!({ "books": books }))
        } else {
            xml_reply(200, record)
        }
    }
}

const LIBRARY_V11: [&str; 2] = ["GET /books", "GET /books/978-0/catalogue-record"];

fn check_book_inputs() -> features_v11_http::CheckBookInputs {
    use features_v11_http::*;
    CheckBookInputs::new(CheckBookInputsQuery::new("Jane Austen", "978-0"))
}

#[tokio::test]
async fn v11_expression_types_in_criteria_and_selectors_in_parameters_and_outputs() {
    use features_v11_http::*;
    let books = json!([
        {"isbn": "978-0", "title": "Emma", "available": false},
        {"isbn": "978-1", "title": "Persuasion", "available": true}
    ]);
    let server = Server::routes(&LIBRARY_V11, library_v11(books, RECORD)).await;
    let outputs = check_book(&client(&[("library", &server)]), check_book_inputs())
        .await
        .unwrap();
    // The step output's JSONPath selector, read again through the workflow output's pointer.
    assert_eq!(outputs.first_isbn, "978-0");
    assert_eq!(outputs.xml, RECORD);
    // JSONPath selectors that may select several nodes: every node, typed from the schema
    // where the query walks one path through it (a filter and a wildcard over `books`), as
    // JSON where it does not (a descendant query, a selection over an earlier output).
    let available: &Vec<String> = &outputs.available_isbns;
    assert_eq!(available, &["978-1"]);
    let availability: &Vec<bool> = &outputs.availability;
    assert_eq!(availability, &[false, true]);
    assert_eq!(outputs.every_isbn, [json!("978-0"), json!("978-1")]);
    assert_eq!(outputs.titles, [json!("Emma"), json!("Persuasion")]);
    // The component parameter's selector filled the query, the path parameter's the path.
    assert_eq!(
        server.calls(),
        [
            "GET /books?author=Jane+Austen",
            "GET /books/978-0/catalogue-record"
        ]
    );
}

#[tokio::test]
async fn v11_a_selected_node_of_another_type_fails_the_step_naming_the_query_and_node() {
    use features_v11_http::*;
    // `$.books[*].available` is `Vec<bool>`: a book whose `available` is a string fails the
    // step when the output is read, rather than being skipped or read loosely.
    let books = json!([
        {"isbn": "978-0", "title": "Emma", "available": "yes"},
        {"isbn": "978-1", "title": "Persuasion", "available": true}
    ]);
    let server = Server::routes(&LIBRARY_V11, library_v11(books, RECORD)).await;
    let err = check_book(&client(&[("library", &server)]), check_book_inputs())
        .await
        .unwrap_err();
    match &err {
        WorkflowError::Decode { step, location, .. } => {
            assert_eq!(*step, "search");
            assert!(location.contains("$.books[*].available"), "{location}");
            assert!(location.contains("node 0"), "{location}");
        }
        other => panic!("expected Decode, got {other:?}"),
    }
}

#[tokio::test]
async fn v11_each_expression_type_criterion_fails_on_its_own() {
    use features_v11_http::*;
    let run = |books: serde_json::Value, record: &'static str| async move {
        let server = Server::routes(&LIBRARY_V11, library_v11(books, record)).await;
        let err = check_book(&client(&[("library", &server)]), check_book_inputs())
            .await
            .unwrap_err();
        match err {
            WorkflowError::CriteriaNotMet {
                step, criterion, ..
            } => (step, criterion, server.calls().len()),
            other => panic!("expected CriteriaNotMet, got {other:?}"),
        }
    };
    // `{type: jsonpath, version: rfc9535}`: no available book.
    let none_available = json!([{"isbn": "978-0", "title": "Emma", "available": false}]);
    assert_eq!(
        run(none_available, RECORD).await,
        ("search", "$.books[?@.available == true]", 1)
    );
    // `draft-goessner-dispatch-jsonpath-00` (evaluated as RFC 9535): no book titled Emma.
    let no_emma = json!([{"isbn": "978-0", "title": "Persuasion", "available": true}]);
    assert_eq!(
        run(no_emma, RECORD).await,
        ("search", "$.books[?(@.title == 'Emma')]", 1)
    );
    // `{type: xpath, version: xpath-10}`: another title in the record.
    let books = json!([{"isbn": "978-0", "title": "Emma", "available": true}]);
    let other =
        "<record><datafield tag='245'><subfield code='a'>Emma</subfield></datafield></record>";
    assert_eq!(
        run(books, other).await,
        (
            "record",
            "/record/datafield[@tag='245']/subfield[@code='a'] = 'Persuasion'",
            2
        )
    );
}

#[tokio::test]
async fn v11_selectors_in_payload_members_and_replacement_values_reach_the_body() {
    use features_v11_http::*;
    let server = Server::routes(&["POST /pets"], |_| {
        json_reply(201, json!({"template": {"name": "Rex", "ok": true}}))
    })
    .await;
    let inputs = RegisterPetInputs::new(
        RegisterPetInputsPet::new("Rex"),
        RegisterPetInputsOwner::new(42, "ann@example.com"),
    );
    let outputs = register_pet(&client(&[("bodies", &server)]), inputs)
        .await
        .unwrap();
    assert_eq!(outputs.template, Some(json!({"name": "Rex", "ok": true})));
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].call(), "POST /pets");
    assert_eq!(requests[0].header("content-type"), Some("application/json"));
    // `name` and `owner.email` from the replacements (a JSONPath and a JSON Pointer target),
    // `owner.id` and the second tag from Selector Objects inside the payload, the last two
    // tags from one JSONPath target that selects both.
    assert_eq!(
        std::str::from_utf8(&requests[0].body).unwrap(),
        r#"{"name":"Rex","owner":{"id":42,"email":"ann@example.com"},"tags":["new","Rex","reviewed","reviewed"]}"#
    );
    // `copy` sends the template the first answer held, every `name` in it replaced at run
    // time by the JSONPath target `$..name`.
    assert_eq!(
        std::str::from_utf8(&requests[1].body).unwrap(),
        r#"{"name":"Copy","ok":true}"#
    );
}

#[tokio::test]
async fn v11_a_component_failure_action_passes_its_selected_parameter_to_the_workflow() {
    use features_v11_http::*;
    let server = Server::routes(
        &["GET /books/978-9/catalogue-record", "GET /books"],
        |r: &Recorded| {
            if r.path() == "/books" {
                json_reply(
                    200,
                    json!({"books": [{"isbn": "1", "title": "Emma", "available": true}]}),
                )
            } else {
                text_reply(404, "no such record")
            }
        },
    )
    .await;
    let inputs = RecordOrSearchInputs::new(RecordOrSearchInputsQuery::new("Jane Austen", "978-9"));
    let outputs = record_or_search(&client(&[("library", &server)]), inputs)
        .await
        .unwrap();
    // The failed step still reads its output from the response it got.
    assert_eq!(outputs.xml.as_deref(), Some("no such record"));
    // The `$components.failureActions` goto ran `search-author` with the author its
    // parameter's JSONPath selector took from the inputs.
    assert_eq!(
        server.calls(),
        [
            "GET /books/978-9/catalogue-record",
            "GET /books?author=Jane+Austen"
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// XPath 3.1 (`fixtures/v11-xpath31.arazzo.yml`, arazzo-codegen's and arazzo-runtime's `xpath31`
// features): criteria over an XML body, Selector Objects in outputs, a path parameter, a payload
// member and a replacement value, evaluated by xee-xpath against what the server sent.

const ORDER_PAID: &str = "<order><status>paid</status><customer id='c-42'/>\
    <item sku='A-1' price='10'/><item sku='B-2' price='20.5'/></order>";

const XPATH31_CALLS: [&str; 3] = ["GET /orders/o-1", "GET /customers/c-42", "POST /invoices"];

fn orders(order: &'static str) -> impl Fn(&Recorded) -> Reply {
    move |r: &Recorded| match r.path() {
        "/invoices" => json_reply(201, json!({"id": "inv-1"})),
        "/customers/c-42" => xml_reply(200, "<customer><name>Ada</name></customer>"),
        _ => xml_reply(200, order),
    }
}

fn invoice_order_inputs() -> features_v11_xpath31::InvoiceOrderInputs {
    features_v11_xpath31::InvoiceOrderInputs::new("o-1")
}

#[tokio::test]
async fn v11_xpath31_criteria_pass_and_selections_reach_outputs_parameters_and_the_body() {
    use features_v11_xpath31::*;
    let server = Server::routes(&XPATH31_CALLS, orders(ORDER_PAID)).await;
    let outputs = invoice_order(&client(&[("orders", &server)]), invoice_order_inputs())
        .await
        .unwrap();
    // Step outputs selected from `$response.body`: a node's string value, and an atomic value
    // (`sum` of two attributes) as its canonical text.
    assert_eq!(outputs.status, "paid");
    assert_eq!(outputs.total, "30.5");
    assert_eq!(outputs.customer_name, "Ada");
    // A workflow output selected from a step's XML output.
    assert_eq!(outputs.first_sku, "A-1");
    assert_eq!(outputs.invoice, "inv-1");
    // The path parameter's selector took the customer id from the first step's XML.
    assert_eq!(server.calls(), XPATH31_CALLS);
    let requests = server.requests();
    // The payload member's selector and the replacement value's, in the JSON body.
    assert_eq!(
        std::str::from_utf8(&requests[2].body).unwrap(),
        r#"{"customer":"c-42","total":"30.5","note":"first"}"#
    );
}

#[tokio::test]
async fn v11_each_xpath31_criterion_fails_on_its_own() {
    use features_v11_xpath31::*;
    let run = |order: &'static str| async move {
        let server = Server::routes(&XPATH31_CALLS, orders(order)).await;
        let err = invoice_order(&client(&[("orders", &server)]), invoice_order_inputs())
            .await
            .unwrap_err();
        match err {
            WorkflowError::CriteriaNotMet {
                step, criterion, ..
            } => (step, criterion, server.calls().len()),
            other => panic!("expected CriteriaNotMet, got {other:?}"),
        }
    };
    // The plain `type: xpath` (XPath 3.1 in a 1.1 document): the order is not paid.
    let open = "<order><status>open</status><customer id='c-42'/></order>";
    assert_eq!(run(open).await, ("order", "/order/status = 'paid'", 1));
    // `{type: xpath, version: xpath-31}` with `matches`, an XPath 2.0+ function.
    let odd_id = "<order><status>paid</status><customer id='x-42'/></order>";
    assert_eq!(
        run(odd_id).await,
        ("order", "matches(/order/customer/@id, '^c-[0-9]+$')", 1)
    );
    // Not XML at all: every XPath criterion fails (it is not evaluated as text).
    assert_eq!(run("paid").await, ("order", "/order/status = 'paid'", 1));
}

#[tokio::test]
async fn v11_an_xpath31_selection_of_several_items_fails_naming_the_step() {
    use features_v11_xpath31::*;
    // Both criteria hold (`=` is existential over the two statuses), but the `status` output
    // must be one item.
    let twice = "<order><status>paid</status><status>late</status><customer id='c-1'/></order>";
    let server = Server::routes(&XPATH31_CALLS, orders(twice)).await;
    let err = invoice_order(&client(&[("orders", &server)]), invoice_order_inputs())
        .await
        .unwrap_err();
    assert_eq!(err.step(), "order");
    let shown = err.to_string();
    assert!(shown.contains("XPath 3.1 `/order/status`"), "{shown}");
    assert!(shown.contains("it selects 2 items"), "{shown}");
    assert_eq!(server.calls(), ["GET /orders/o-1"]);
}
