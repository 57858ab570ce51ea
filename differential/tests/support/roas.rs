//! Driving the other implementation, `roas-arazzo-executor`, with the same fixture, inputs and
//! server as the generated code.

use std::time::Duration;

use roas_arazzo_executor::{
    AsyncHttpClient, ClientError, HttpRequest, HttpResponse, Options, SendFuture, SleepFuture,
    execute_async,
};
use serde_json::Value;

/// The executor's `AsyncHttpClient` over a `reqwest::Client`.
///
/// Hand-written rather than the crate's `reqwest` feature: that feature enables reqwest's
/// `native-tls` (OpenSSL), and feature unification would switch it on for every crate of the
/// workspace built together with this test. This forwards exactly what the executor's own
/// client forwards (method, URL, headers in order, body, timeout), and the test hands it the
/// same `reqwest::Client` the generated code uses, so both sides share one transport.
pub(crate) struct Reqwest(pub(crate) reqwest::Client);

impl AsyncHttpClient for Reqwest {
    fn send<'a>(&'a mut self, request: &'a HttpRequest) -> SendFuture<'a> {
        let client = self.0.clone();
        Box::pin(async move {
            let method =
                reqwest::Method::from_bytes(request.method.as_bytes()).map_err(ClientError::new)?;
            let mut builder = client.request(method, &request.url);
            for (name, value) in &request.headers {
                builder = builder.header(name, value);
            }
            if let Some(body) = &request.body {
                builder = builder.body(body.clone());
            }
            if let Some(timeout) = request.timeout {
                builder = builder.timeout(timeout);
            }
            let response = builder.send().await.map_err(ClientError::new)?;
            let mut reply = HttpResponse::default();
            reply.status = response.status().as_u16();
            reply.headers = response
                .headers()
                .iter()
                .map(|(name, value)| {
                    let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                    (name.to_string(), value)
                })
                .collect();
            reply.body = response.bytes().await.map_err(ClientError::new)?.to_vec();
            Ok(reply)
        })
    }

    fn sleep(&self, duration: Duration) -> SleepFuture<'_> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// A fixture file of this crate, parsed from YAML into JSON.
pub(crate) fn fixture(name: &str) -> Value {
    let path = format!("{}/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"));
    serde_yaml::from_str(&text).unwrap_or_else(|error| panic!("{path}: {error}"))
}

/// Runs `workflow` of the 1.0.1 document `document` with `inputs`, sending source `shop`'s
/// requests to `server`. The outcome as the difference table writes it: `succeeded`, `failed`
/// (a step failed and nothing handled it) or `error: <the executor's message>`.
pub(crate) async fn run(
    document: &str,
    workflow: &str,
    inputs: Value,
    server: &str,
    http: reqwest::Client,
) -> String {
    let parsed: roas_arazzo::v1_0::Description = serde_json::from_value(fixture(document))
        .unwrap_or_else(|error| panic!("roas-arazzo reads {document}: {error}"));
    // The executor runs 1.1; a 1.0 document is upconverted first, as its `execute_v1_0` does.
    let description = roas_arazzo::v1_1::Description::from(parsed);
    let options = Options::new()
        .workflow(workflow)
        .inputs(inputs)
        .source("shop", "./shop.openapi.yml", fixture("shop.openapi.yml"))
        .base_url("shop", server);
    match execute_async(&description, &options, &mut Reqwest(http)).await {
        Ok(report) if report.is_success() => "succeeded".to_owned(),
        Ok(_) => "failed".to_owned(),
        Err(error) => format!("error: {error}"),
    }
}
