//! `in: querystring` parameters (Arazzo 1.1, OpenAPI 3.2) against a real server on 127.0.0.1:
//! what arrives is the whole query string, and a server reading it by its media type gets back
//! the value the step gave.

use arazzo_runtime::Client;
use arazzo_runtime::testing::{Reply, TestServer};

#[tokio::test]
async fn whole_query_strings_arrive_as_their_media_type_reads_them() {
    let server = TestServer::builder()
        .on("GET", "/search", Reply::status(204))
        .start()
        .await
        .unwrap();
    let client = Client::builder().build().unwrap();
    let send = |media_type: &'static str, value: &'static str| {
        client
            .request(reqwest::Method::GET, "shop", server.url(), "/search")
            .query_string(media_type, value)
            .send("search")
    };
    send(
        "application/x-www-form-urlencoded",
        "category=garden tools&minPrice=10&inStock=true&note=50%25 off",
    )
    .await
    .unwrap();
    send(
        "application/json",
        r#"{"filter":"active","sort":"desc","limit":50}"#,
    )
    .await
    .unwrap();

    let sent = server.requests();
    let form = sent[0].query.as_deref().unwrap();
    assert_eq!(
        form,
        "category=garden+tools&minPrice=10&inStock=true&note=50%25+off"
    );
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(form.as_bytes())
        .into_owned()
        .collect();
    assert_eq!(
        pairs,
        [
            ("category", "garden tools"),
            ("minPrice", "10"),
            ("inStock", "true"),
            ("note", "50% off"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
    );
    let json = sent[1].query.as_deref().unwrap();
    let decoded = percent_encoding::percent_decode_str(json)
        .decode_utf8()
        .unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&decoded).unwrap(),
        serde_json::json!({"filter": "active", "sort": "desc", "limit": 50})
    );
}
