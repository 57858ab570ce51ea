//! Throughput of the generated `generate_token_then_broadcast` against hand-written reqwest
//! code sending the same two requests, over one shared `reqwest::Client`, against the same
//! local HTTP server, in one run. Rounds alternate between the two so drift on a shared
//! machine hits both alike; the medians and their ratio are printed.
//!
//! `cargo bench --bench token_then_broadcast` (environment: `ROUNDS`, `WORKFLOWS`, `CONCURRENCY`).

use std::time::{Duration, Instant};

use arazzo_runtime::Client;
use arazzo_suite::{Recorded, RecordingServer, Reply};
use pubsub_flows::{GenerateTokenThenBroadcastInputs, generate_token_then_broadcast};
use reqwest::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE};

fn azure_like(request: &Recorded) -> Reply {
    if request.path().ends_with("/:generateToken") {
        Reply::json(
            200,
            &serde_json::json!({"token": "client-token-for-browsers"}),
        )
    } else {
        Reply::empty(202)
    }
}

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// What a careful person writes by hand with reqwest for the same flow, from the same inputs.
async fn hand_written(
    http: &reqwest::Client,
    base: &str,
    inputs: &GenerateTokenThenBroadcastInputs,
) -> Result<(String, u16), Box<dyn std::error::Error + Send + Sync>> {
    #[derive(serde::Deserialize)]
    struct TokenResponse {
        token: String,
    }
    let hub =
        percent_encoding::utf8_percent_encode(&inputs.hub, percent_encoding::NON_ALPHANUMERIC);
    let bearer = format!("Bearer {}", inputs.access_token.expose());
    let mut url = reqwest::Url::parse(&format!("{base}/api/hubs/{hub}/:generateToken"))?;
    url.query_pairs_mut()
        .append_pair("api-version", &inputs.api_version)
        .append_pair("minutesToExpire", &inputs.minutes_to_expire.to_string());
    let response = http
        .post(url)
        .header(AUTHORIZATION, &bearer)
        .header(CONTENT_LENGTH, "0")
        .send()
        .await?;
    if response.status() != 200 {
        return Err(format!("generateToken: {}", response.status()).into());
    }
    let token: TokenResponse = serde_json::from_slice(&response.bytes().await?)?;
    let mut url = reqwest::Url::parse(&format!("{base}/api/hubs/{hub}/:send"))?;
    url.query_pairs_mut()
        .append_pair("api-version", &inputs.api_version);
    let response = http
        .post(url)
        .header(AUTHORIZATION, &bearer)
        .header(CONTENT_TYPE, "text/plain")
        .body(inputs.message.clone())
        .send()
        .await?;
    let status = response.status().as_u16();
    response.bytes().await?;
    if status != 202 {
        return Err(format!("broadcast: {status}").into());
    }
    Ok((token.token, status))
}

#[derive(Clone, Copy, PartialEq)]
enum Side {
    Generated,
    HandWritten,
}

/// Runs `workflows` flows on `concurrency` tasks; returns the elapsed time.
async fn round(
    side: Side,
    client: &Client,
    base: &str,
    workflows: usize,
    concurrency: usize,
) -> Duration {
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let client = client.clone();
        let base = base.to_owned();
        let per_task = workflows / concurrency;
        tasks.spawn(async move {
            for _ in 0..per_task {
                // Both sides start from the same owned inputs.
                let inputs =
                    GenerateTokenThenBroadcastInputs::new("service-jwt", "chat", "hello, world");
                let ok = match side {
                    Side::Generated => generate_token_then_broadcast(&client, inputs).await.is_ok(),
                    Side::HandWritten => hand_written(client.http(), &base, &inputs).await.is_ok(),
                };
                assert!(ok, "a workflow failed during the benchmark");
            }
        });
    }
    while let Some(joined) = tasks.join_next().await {
        joined.expect("benchmark task");
    }
    start.elapsed()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let rounds = env("ROUNDS", 7);
    let workflows = env("WORKFLOWS", 4000);
    let concurrency = env("CONCURRENCY", 16);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let server = RecordingServer::start_quiet(azure_like).await.expect("server");
        arazzo_runtime::install_crypto_provider();
        let http = reqwest::Client::new();
        let client = Client::builder()
            .http_client(http)
            .base_url("webPubSubApi", server.url())
            .build()
            .expect("client");
        // Warm the connection pool and both code paths.
        round(Side::Generated, &client, &server.url(), concurrency * 20, concurrency).await;
        round(Side::HandWritten, &client, &server.url(), concurrency * 20, concurrency).await;
        let (mut generated, mut hand) = (Vec::new(), Vec::new());
        for r in 0..rounds {
            // Alternate which side goes first, so neither always runs on a warmer machine.
            let order = if r % 2 == 0 {
                [Side::Generated, Side::HandWritten]
            } else {
                [Side::HandWritten, Side::Generated]
            };
            for side in order {
                let elapsed = round(side, &client, &server.url(), workflows, concurrency).await;
                let rate = (workflows / concurrency * concurrency) as f64 / elapsed.as_secs_f64();
                match side {
                    Side::Generated => generated.push(rate),
                    Side::HandWritten => hand.push(rate),
                }
            }
        }
        let ratios: Vec<f64> = generated.iter().zip(&hand).map(|(g, h)| g / h).collect();
        let (lo, hi) = ratios.iter().fold((f64::MAX, f64::MIN), |(lo, hi), r| (lo.min(*r), hi.max(*r)));
        let (g, h) = (median(generated), median(hand));
        println!("token-then-broadcast: {rounds} rounds x {workflows} workflows, {concurrency} concurrent, median of rounds");
        println!("  generated     {g:>10.0} workflows/s");
        println!("  hand-written  {h:>10.0} workflows/s");
        println!("  ratio generated / hand-written: {:.3} (target >= 0.95; per-round ratios {lo:.3}..{hi:.3})", g / h);
    });
}
