//! Throughput of the generated `generate_token_then_broadcast` against hand-written reqwest
//! code sending the same two requests, over one shared `reqwest::Client`, against the same
//! local HTTP server, in one run: both sides run at the same time in each round, so drift on a
//! shared machine hits both alike; the medians and the ratio are printed.
//!
//! `cargo bench --bench token_then_broadcast` (environment: `ROUNDS`, `WINDOW_MS`,
//! `CONCURRENCY` tasks per side).

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

/// Runs both sides at once for `window`, `per_side` tasks each, and counts the workflows each
/// side completes. Running them side by side in the same window means load from elsewhere on a
/// shared machine slows both alike, so the ratio of the counts is stable where separate timings
/// are not.
async fn round(client: &Client, base: &str, per_side: usize, window: Duration) -> (u64, u64) {
    let deadline = Instant::now() + window;
    let mut tasks = tokio::task::JoinSet::new();
    for side in [Side::Generated, Side::HandWritten] {
        for _ in 0..per_side {
            let client = client.clone();
            let base = base.to_owned();
            tasks.spawn(async move {
                let mut done = 0u64;
                while Instant::now() < deadline {
                    // Both sides start from the same owned inputs.
                    let inputs = GenerateTokenThenBroadcastInputs::new(
                        "service-jwt",
                        "chat",
                        "hello, world",
                    );
                    let ok = match side {
                        Side::Generated => {
                            generate_token_then_broadcast(&client, inputs).await.is_ok()
                        }
                        Side::HandWritten => {
                            hand_written(client.http(), &base, &inputs).await.is_ok()
                        }
                    };
                    assert!(ok, "a workflow failed during the benchmark");
                    done += 1;
                }
                (side, done)
            });
        }
    }
    let (mut generated, mut hand) = (0, 0);
    while let Some(joined) = tasks.join_next().await {
        match joined.expect("benchmark task") {
            (Side::Generated, n) => generated += n,
            (Side::HandWritten, n) => hand += n,
        }
    }
    (generated, hand)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let rounds = env("ROUNDS", 9);
    let window = Duration::from_millis(env("WINDOW_MS", 1500) as u64);
    let per_side = env("CONCURRENCY", 8);
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
        round(&client, &server.url(), per_side, Duration::from_millis(300)).await;
        let (mut ratios, mut generated, mut hand) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..rounds {
            let (g, h) = round(&client, &server.url(), per_side, window).await;
            let secs = window.as_secs_f64();
            generated.push(g as f64 / secs);
            hand.push(h as f64 / secs);
            ratios.push(g as f64 / h.max(1) as f64);
        }
        let (lo, hi) = ratios.iter().fold((f64::MAX, f64::MIN), |(lo, hi), r| (lo.min(*r), hi.max(*r)));
        println!(
            "token-then-broadcast: {rounds} rounds of {} ms, {per_side} tasks per side running side by side",
            window.as_millis()
        );
        println!("  generated     {:>10.0} workflows/s (median)", median(generated));
        println!("  hand-written  {:>10.0} workflows/s (median)", median(hand));
        println!(
            "  ratio generated / hand-written: {:.3} median (target >= 0.95; rounds {lo:.3}..{hi:.3})",
            median(ratios)
        );
    });
}
