//! Starts the local petstore and buys the first available pet through the generated workflow.
//!
//! `cargo run -p petstore-example -- [STATUS] [QUANTITY]` (defaults: `available 1`).

use petstore_example::{BuyPetInputs, buy_pet, server};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let status = args.next().unwrap_or_else(|| "available".to_owned());
    let quantity: i64 = match args.next() {
        Some(text) => text
            .parse()
            .map_err(|e| format!("QUANTITY {text:?}: {e}"))?,
        None => 1,
    };

    let store = server::start().await?;
    let client = arazzo_runtime::Client::builder()
        .base_url("petstore", store.base_url())
        .build()?;
    let order = buy_pet(&client, BuyPetInputs::new(status, quantity)).await?;
    println!(
        "ordered pet {} ({}) at {}: order {} is {}, total {}",
        order.pet_id, order.pet_name, order.price, order.order_id, order.order_status, order.total
    );
    Ok(())
}
