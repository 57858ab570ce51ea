//! The two sides compared: the generated flow, and what a careful person writes by hand with
//! reqwest for the same two requests. Both start from the same owned inputs, over the same
//! `reqwest::Client`.

use std::error::Error;
use std::hint::black_box;
use std::time::{Duration, Instant};

use arazzo_runtime::Client;
use arazzo_suite::RecordingServer;
use pubsub_flows::{GenerateTokenThenBroadcastInputs, generate_token_then_broadcast};
use reqwest::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE};

use crate::server::azure_like;

/// An error from either side, or from the bench itself.
pub type BenchError = Box<dyn Error + Send + Sync>;

/// Which implementation runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// `pubsub_flows::generate_token_then_broadcast`.
    Generated,
    /// [`hand_written`].
    HandWritten,
}

impl Side {
    /// The name on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Side::Generated => "generated",
            Side::HandWritten => "hand-written",
        }
    }

    /// The side named `name` on the command line.
    pub fn parse(name: &str) -> Option<Self> {
        [Side::Generated, Side::HandWritten]
            .into_iter()
            .find(|side| side.name() == name)
    }
}

/// Extra work added to the generated side only, to show that the bench and the gate notice a
/// regression of that size.
#[derive(Clone, Copy, Debug, Default)]
pub struct Injection {
    /// Busy-wait this long per workflow.
    pub spin: Duration,
    /// Make this many extra heap allocations per workflow.
    pub allocations: usize,
}

impl Injection {
    fn apply(self) {
        for i in 0..self.allocations {
            black_box(Box::new(black_box(i)));
        }
        if !self.spin.is_zero() {
            let start = Instant::now();
            while start.elapsed() < self.spin {
                std::hint::spin_loop();
            }
        }
    }
}

/// Runs one workflow of `side` against the server at `base` (the same URL `client` sends the
/// flow's source to).
pub async fn run(
    side: Side,
    client: &Client,
    base: &str,
    injection: Injection,
) -> Result<(), BenchError> {
    let inputs = GenerateTokenThenBroadcastInputs::new("service-jwt", "chat", "hello, world");
    let token = match side {
        Side::Generated => {
            let outputs = generate_token_then_broadcast(client, inputs).await?;
            injection.apply();
            outputs.token
        }
        Side::HandWritten => hand_written(client.http(), base, inputs).await?,
    };
    black_box(token);
    Ok(())
}

/// What a careful person writes by hand with reqwest for the same flow, from the same inputs.
async fn hand_written(
    http: &reqwest::Client,
    base: &str,
    inputs: GenerateTokenThenBroadcastInputs,
) -> Result<String, BenchError> {
    #[derive(serde::Deserialize)]
    struct TokenResponse {
        token: String,
    }
    let hub =
        percent_encoding::utf8_percent_encode(&inputs.hub, percent_encoding::NON_ALPHANUMERIC);
    let bearer = format!("Bearer {}", inputs.access_token.expose());
    let mut url = reqwest::Url::parse(&format!("{base}/api/hubs/{hub}/:generateToken"))?;
    {
        let mut query = url.query_pairs_mut();
        query.append_pair("api-version", &inputs.api_version);
        if let Some(user_id) = &inputs.user_id {
            query.append_pair("userId", user_id);
        }
        query.append_pair("minutesToExpire", &inputs.minutes_to_expire.to_string());
    }
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
        .body(inputs.message)
        .send()
        .await?;
    let status = response.status();
    response.bytes().await?;
    if status != 202 {
        return Err(format!("broadcast: {status}").into());
    }
    Ok(token.token)
}

/// Fails unless both sides send byte-for-byte the same requests (method, path and query,
/// headers, body), so the comparison stays fair when either side changes.
pub async fn check_same_requests() -> Result<(), BenchError> {
    let server = RecordingServer::start(azure_like).await?;
    let client = crate::client(&server.url())?;
    run(
        Side::Generated,
        &client,
        &server.url(),
        Injection::default(),
    )
    .await?;
    let generated = server.requests();
    run(
        Side::HandWritten,
        &client,
        &server.url(),
        Injection::default(),
    )
    .await?;
    let hand_written = server.requests().split_off(generated.len());
    let key = |r: &arazzo_suite::Recorded| {
        (
            r.method.clone(),
            r.uri.clone(),
            r.headers.clone(),
            r.body.clone(),
        )
    };
    let differs = generated.len() != hand_written.len()
        || generated
            .iter()
            .zip(&hand_written)
            .any(|(g, h)| key(g) != key(h));
    if differs {
        return Err(format!(
            "the two sides no longer send the same requests; update the hand-written side\n\
             generated:    {generated:#?}\nhand-written: {hand_written:#?}"
        )
        .into());
    }
    Ok(())
}
