//! Runs the generated workflow end to end against the local petstore server.

use arazzo_runtime::{Client, WorkflowError};
use petstore_example::{BuyPetInputs, buy_pet, server};

fn client_for(store: &server::Server) -> Client {
    Client::builder()
        .base_url("petstore", store.base_url())
        .build()
        .expect("a client with the default TLS backend")
}

#[tokio::test]
async fn buys_the_first_available_pet_and_then_the_next() {
    let store = server::start().await.expect("the petstore starts");
    let client = client_for(&store);

    let order = buy_pet(&client, BuyPetInputs::new("available", 2))
        .await
        .expect("the workflow succeeds");
    assert_eq!(order.pet_id, 2);
    assert_eq!(order.pet_name, "Whiskers");
    assert_eq!(order.price, 25.0);
    assert_eq!(order.order_id, "order-1");
    assert_eq!(order.order_status, "placed");
    assert_eq!(order.total, 50.0);

    // Whiskers is sold now, so the same inputs find the next available pet.
    let order = buy_pet(&client, BuyPetInputs::new("available", 1))
        .await
        .expect("the workflow succeeds again");
    assert_eq!((order.pet_id, order.pet_name.as_str()), (3, "Bubbles"));
    assert_eq!((order.order_id.as_str(), order.total), ("order-2", 5.5));
}

#[tokio::test]
async fn a_pet_that_is_not_available_fails_at_get_pet() {
    let store = server::start().await.expect("the petstore starts");
    let client = client_for(&store);

    let error = buy_pet(&client, BuyPetInputs::new("pending", 1))
        .await
        .expect_err("Polly is pending, not available");
    assert!(
        matches!(error, WorkflowError::CriteriaNotMet { .. }),
        "{error:?}"
    );
    assert_eq!(error.step(), "getPet");
}

#[tokio::test]
async fn no_pet_with_the_status_fails_at_find_pets() {
    let store = server::start().await.expect("the petstore starts");
    let client = client_for(&store);

    // The list is empty, so `$response.body#/0/id` has nothing to point at.
    let error = buy_pet(&client, BuyPetInputs::new("sold-out", 1))
        .await
        .expect_err("no pet has that status");
    assert!(matches!(error, WorkflowError::Decode { .. }), "{error:?}");
    assert_eq!(error.step(), "findPets");
}
