//! The `buy-pet` workflow of `specs/petstore.arazzo.yml`, generated at build time, and a
//! local server for the petstore API it calls.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use petstore_example::{BuyPetInputs, buy_pet, server};
//!
//! let store = server::start().await?;
//! let client = arazzo_runtime::Client::builder()
//!     .base_url("petstore", store.base_url())
//!     .build()?;
//! let order = buy_pet(&client, BuyPetInputs::new("available", 2)).await?;
//! println!("{} ordered as {}", order.pet_name, order.order_id);
//! # Ok(())
//! # }
//! ```

/// The petstore API on 127.0.0.1, in memory.
pub mod server;

arazzo_runtime::include_workflows!("petstore");
