//! A small in-memory implementation of `specs/petstore.openapi.yml`, enough to run the
//! workflow for real: pets can be listed by status and fetched, and ordering an available pet
//! marks it sold.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};
use tokio::task::JoinHandle;

/// A running petstore server; it stops when this is dropped.
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Server {
    /// The base URL of the API (the OpenAPI `servers` entry, on this server's port).
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts the server on 127.0.0.1 with an ephemeral port and the seed pets: 1 Rex (sold),
/// 2 Whiskers (available, 25.0), 3 Bubbles (available, 5.5), 4 Polly (pending, 80.0).
pub async fn start() -> io::Result<Server> {
    let listener = tokio::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0)).await?;
    let addr = listener.local_addr()?;
    let store = Arc::new(Mutex::new(Store::seeded()));
    let app = Router::new()
        .route("/v1/pets", get(find_pets))
        .route("/v1/pets/{pet_id}", get(get_pet))
        .route("/v1/store/orders", post(place_order))
        .with_state(store);
    let task = tokio::spawn(async move {
        // Serving only ends with an I/O error on the listener; the caller sees it as failed
        // requests, which is what a test of the workflow should report.
        let _ = axum::serve(listener, app).await;
    });
    Ok(Server { addr, task })
}

type Shared = Arc<Mutex<Store>>;

struct Pet {
    id: i64,
    name: &'static str,
    status: &'static str,
    price: f64,
}

impl Pet {
    fn to_json(&self) -> Value {
        json!({ "id": self.id, "name": self.name, "status": self.status, "price": self.price })
    }
}

struct Store {
    pets: Vec<Pet>,
    orders: u64,
}

impl Store {
    fn seeded() -> Self {
        let pet = |id, name, status, price| Pet {
            id,
            name,
            status,
            price,
        };
        Store {
            pets: vec![
                pet(1, "Rex", "sold", 40.0),
                pet(2, "Whiskers", "available", 25.0),
                pet(3, "Bubbles", "available", 5.5),
                pet(4, "Polly", "pending", 80.0),
            ],
            orders: 0,
        }
    }
}

fn lock(store: &Shared) -> std::sync::MutexGuard<'_, Store> {
    // No handler panics while holding the lock, and the data stays consistent if one did.
    store.lock().unwrap_or_else(PoisonError::into_inner)
}

async fn find_pets(
    State(store): State<Shared>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let Some(status) = query.get("status") else {
        return (StatusCode::BAD_REQUEST, "status is required").into_response();
    };
    let store = lock(&store);
    let pets: Vec<Value> = store
        .pets
        .iter()
        .filter(|pet| pet.status == status)
        .map(Pet::to_json)
        .collect();
    Json(pets).into_response()
}

async fn get_pet(State(store): State<Shared>, Path(pet_id): Path<i64>) -> Response {
    let store = lock(&store);
    match store.pets.iter().find(|pet| pet.id == pet_id) {
        Some(pet) => Json(pet.to_json()).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn place_order(State(store): State<Shared>, Json(body): Json<Value>) -> Response {
    let (Some(pet_id), Some(quantity)) = (body["petId"].as_i64(), body["quantity"].as_i64()) else {
        return (StatusCode::BAD_REQUEST, "petId and quantity are integers").into_response();
    };
    if quantity < 1 {
        return (StatusCode::BAD_REQUEST, "quantity is at least 1").into_response();
    }
    let mut guard = lock(&store);
    let store = &mut *guard;
    let Some(pet) = store.pets.iter_mut().find(|pet| pet.id == pet_id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if pet.status != "available" {
        return (StatusCode::CONFLICT, "the pet is not available").into_response();
    }
    pet.status = "sold";
    store.orders += 1;
    let order_id = format!("order-{}", store.orders);
    let order = json!({
        "id": order_id,
        "petId": pet_id,
        "quantity": quantity,
        "status": "placed",
        "total": pet.price * quantity as f64,
    });
    (StatusCode::CREATED, Json(order)).into_response()
}
