//! XPath 3.1 selectors (feature `xpath31`, `xee-xpath`) over XML bodies a real local server
//! sent: what they select, as strings and as typed values, and the step-naming errors for
//! bodies and expressions that cannot be evaluated.

use arazzo_runtime::__private::xpath31::{select, select_value};
use arazzo_runtime::testing::{Reply, TestServer};
use arazzo_runtime::{Client, Response, WorkflowError};

const PETS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<pets count="2">
  <pet id="1" available="true"><name>Tom</name><price>12.50</price></pet>
  <pet id="2" available="false"><name>Jerry &amp; Co</name><price>8</price></pet>
</pets>"#;

/// The response of step `getPets` to GET /pets, whose body the server sends as `body`.
async fn fetch(body: impl Into<bytes::Bytes>) -> Response {
    let server = TestServer::builder()
        .on(
            "GET",
            "/pets",
            Reply::status(200)
                .header("content-type", "application/xml")
                .body(body.into()),
        )
        .start()
        .await
        .unwrap();
    let client = Client::builder().build().unwrap();
    client
        .request(reqwest::Method::GET, "petstore", server.url(), "/pets")
        .send("getPets")
        .await
        .unwrap()
}

fn detail(err: &WorkflowError) -> String {
    assert_eq!(err.step(), "getPets", "{err}");
    match err {
        WorkflowError::Decode {
            location, detail, ..
        } => {
            assert!(
                location.starts_with("$response.body (XPath 3.1 `"),
                "{location}"
            );
            detail.clone()
        }
        other => panic!("not a decode error: {other:?}"),
    }
}

#[tokio::test]
async fn selects_strings_with_xpath_3_1_syntax() {
    let response = fetch(PETS).await;
    assert_eq!(
        select(&response, "/pets/pet/name").unwrap(),
        ["Tom", "Jerry & Co"]
    );
    // The arrow operator, `!` and `let` are XPath 3.x, not 1.0.
    assert_eq!(
        select(&response, "/pets/pet[@id = 2]/name => upper-case()").unwrap(),
        ["JERRY & CO"]
    );
    assert_eq!(
        select(&response, "/pets/pet ! string(@id)").unwrap(),
        ["1", "2"]
    );
    assert_eq!(
        select(
            &response,
            "let $p := /pets/pet return string-join($p/name, ', ')"
        )
        .unwrap(),
        ["Tom, Jerry & Co"]
    );
    assert_eq!(
        select(&response, "/pets/cat").unwrap(),
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn selects_typed_values() {
    let response = fetch(PETS).await;
    assert_eq!(
        select_value::<u64>(&response, "count(/pets/pet)").unwrap(),
        2
    );
    assert_eq!(
        select_value::<Vec<i64>>(&response, "/pets/pet/@id ! xs:integer(.)").unwrap(),
        [1, 2]
    );
    assert_eq!(
        select_value::<f64>(&response, "sum(/pets/pet/price ! xs:decimal(.))").unwrap(),
        20.5
    );
    assert!(select_value::<bool>(&response, "exists(/pets/pet[@available = 'true'])").unwrap());
    assert_eq!(
        select_value::<String>(&response, "/pets/pet[1]/name").unwrap(),
        "Tom"
    );
    assert_eq!(
        select_value::<Option<String>>(&response, "/pets/cat").unwrap(),
        None
    );
    // Text that is not a number stays text, and decoding it as one names the type.
    let err = select_value::<u64>(&response, "/pets/pet[1]/name").unwrap_err();
    let shown = detail(&err);
    assert!(shown.contains("invalid type: string \"Tom\""), "{shown}");
    assert!(err.to_string().contains("u64"), "{err}");
    // A selector that names a secret never gets its value quoted.
    let response = fetch("<auth><accessToken>s3cr3t-value</accessToken></auth>").await;
    let err = select_value::<u64>(&response, "/auth/accessToken").unwrap_err();
    assert!(!err.to_string().contains("s3cr3t-value"), "{err}");
    assert!(detail(&err).contains("not shown"), "{err}");
}

#[tokio::test]
async fn bad_bodies_fail_naming_the_step_without_panicking() {
    for (body, expected) in [
        ("<pets><pet></pets>", "the body is not well-formed XML"),
        ("not xml at all", "the body is not well-formed XML"),
        ("", "the body is not well-formed XML"),
        // A DTD is refused, so an entity cannot expand the body.
        (
            r#"<!DOCTYPE pets [<!ENTITY a "aaaaaaaaaa">]><pets>&a;&a;</pets>"#,
            "the body is not well-formed XML",
        ),
    ] {
        let response = fetch(body).await;
        let err = select(&response, "/pets").unwrap_err();
        let detail = detail(&err);
        assert!(detail.starts_with(expected), "{body}: {detail}");
    }
    let deep = format!("{}{}", "<a>".repeat(300), "</a>".repeat(300));
    let err = select(&fetch(deep).await, "/a").unwrap_err();
    assert!(detail(&err).contains("deeper than 256"), "{err}");
    let err = select(&fetch(vec![0xff, 0xfe, b'<']).await, "/a").unwrap_err();
    assert_eq!(detail(&err), "the body is not UTF-8 XML");
}

#[tokio::test]
async fn bad_expressions_and_results_fail_naming_the_step() {
    let response = fetch(PETS).await;
    let err = select(&response, "/pets/pet[").unwrap_err();
    assert!(
        detail(&err).starts_with("the expression does not compile"),
        "{err}"
    );
    // Compiled once per thread: the same error again, from the cache.
    let again = select(&response, "/pets/pet[").unwrap_err();
    assert_eq!(detail(&again), detail(&err));
    let err = select_value::<serde_json::Value>(&response, "map { 'a': 1 }").unwrap_err();
    assert!(detail(&err).contains("function, map or array"), "{err}");
    let err = select(&response, "error(xs:QName('boom'))").unwrap_err();
    assert!(detail(&err).starts_with("the evaluation failed"), "{err}");
    let err = select(&response, "(1 to 200000) ! string(.)").unwrap_err();
    assert!(detail(&err).contains("more than 100000 items"), "{err}");
}
