//! 200 concurrent WebSocket connections each receive 100 broadcasts, complete and in order.

mod common;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_clients_get_every_broadcast_in_order() {
    const CLIENTS: usize = 200;
    const MESSAGES: usize = 100;
    let service = start().await;
    let token = client_token(&service, "fan", None, &[], &[]).await;
    let mut clients = Vec::with_capacity(CLIENTS);
    for _ in 0..CLIENTS {
        clients.push(connect_with(&service, "fan", &token, None).await.unwrap());
    }
    // The service registers a connection before answering its handshake, so all 200 are
    // reachable now.
    let readers: Vec<_> = clients
        .into_iter()
        .map(|mut ws| {
            tokio::spawn(async move {
                let mut got = Vec::with_capacity(MESSAGES);
                for _ in 0..MESSAGES {
                    got.push(next_text(&mut ws).await);
                }
                got
            })
        })
        .collect();
    for i in 0..MESSAGES {
        send_text(&service, "/api/hubs/fan/:send", &format!("m{i}")).await;
    }
    let expected: Vec<String> = (0..MESSAGES).map(|i| format!("m{i}")).collect();
    for reader in readers {
        assert_eq!(reader.await.unwrap(), expected);
    }
    service.shutdown().await;
}
