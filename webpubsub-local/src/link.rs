//! What a connection keeps between frames: the bounded outbound queue of its socket, the
//! switch that closes that socket out of turn, the reliable subprotocol's backlog of
//! unacknowledged messages, and the window of recent `ackId`s.

use crate::message::{Delivery, Outbound, Protocol};
use futures_util::task::AtomicWaker;
use std::collections::{HashSet, VecDeque};
use std::future::poll_fn;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use tokio::sync::mpsc::UnboundedSender;

/// The outbound side of one socket: a queue drained in order by the socket's writer task,
/// bounded by the bytes it holds (counted by [`Outbound::cost`]).
#[derive(Clone)]
pub(crate) struct Link {
    tx: UnboundedSender<Outbound>,
    /// Bytes queued and not yet written; the writer subtracts what it writes.
    queued: Arc<AtomicUsize>,
    switch: Arc<KillSwitch>,
    /// The socket's subprotocol, so data messages are queued ready to write.
    protocol: Protocol,
    /// Which socket of a reliable connection this is (0 for other connections).
    pub(crate) generation: u64,
}

impl Link {
    /// A link over `tx` to a socket using `protocol`; the writer gets the counter and the
    /// switch through [`Link::parts`].
    pub(crate) fn new(tx: UnboundedSender<Outbound>, protocol: Protocol) -> Link {
        Link {
            tx,
            queued: Arc::new(AtomicUsize::new(0)),
            switch: Arc::new(KillSwitch::default()),
            protocol,
            generation: 0,
        }
    }

    /// Queues a data message (with its sequence id on the reliable subprotocol) as
    /// [`Link::push`] does. Without a sequence id the frame is rendered here, a reference
    /// count on the rendering every recipient shares, so the writer has nothing left to do
    /// with it and nothing of the delivery but its bytes stays alive.
    pub(crate) fn deliver(
        &self,
        delivery: &Arc<Delivery>,
        sequence: Option<u64>,
        limit: usize,
    ) -> bool {
        let item = match sequence {
            Some(sequence) => Outbound::Sequenced(Arc::clone(delivery), sequence),
            None => Outbound::Frame(delivery.frame(self.protocol, None), delivery.cost()),
        };
        self.push(item, limit)
    }

    /// The byte counter and the kill switch, for the writer.
    pub(crate) fn parts(&self) -> (Arc<AtomicUsize>, Arc<KillSwitch>) {
        (Arc::clone(&self.queued), Arc::clone(&self.switch))
    }

    /// Queues `item` unless that would put more than `limit` bytes in the queue; false then.
    pub(crate) fn push(&self, item: Outbound, limit: usize) -> bool {
        let cost = item.cost();
        let before = self.queued.fetch_add(cost, Ordering::AcqRel);
        if before.saturating_add(cost) > limit {
            self.queued.fetch_sub(cost, Ordering::AcqRel);
            return false;
        }
        // A closed queue means the socket is going away; nothing to deliver to.
        let _ = self.tx.send(item);
        true
    }

    /// Closes the socket now, ahead of anything queued, with close code 1008 and `reason`.
    pub(crate) fn kill(&self, reason: String) {
        self.switch.fire(crate::client::SERVER_CLOSE_CODE, reason);
    }

    /// Closes the socket now with `code` and `reason`.
    pub(crate) fn kill_with(&self, code: u16, reason: String) {
        self.switch.fire(code, reason);
    }
}

/// Closes a socket out of turn: the writer waits on it beside its queue. The writer polls it
/// on every wake, once per frame or batch, so an unfired switch costs an atomic load and a
/// waker registration (no lock, unlike a `Notify`).
#[derive(Default)]
pub(crate) struct KillSwitch {
    fired: AtomicBool,
    why: Mutex<Option<(u16, String)>>,
    waker: AtomicWaker,
}

impl KillSwitch {
    fn fire(&self, code: u16, reason: String) {
        let mut why = self.why.lock().unwrap_or_else(|p| p.into_inner());
        if why.is_none() {
            *why = Some((code, reason));
        }
        drop(why);
        self.fired.store(true, Ordering::Release);
        // A writer not waiting yet sees the flag when it first polls.
        self.waker.wake();
    }

    /// Waits until the switch is fired; returns the close code and reason.
    pub(crate) async fn fired(&self) -> (u16, String) {
        poll_fn(|cx| {
            if !self.fired.load(Ordering::Acquire) {
                self.waker.register(cx.waker());
                // Fired between the check and the registration: its wake may have missed us.
                if !self.fired.load(Ordering::Acquire) {
                    return Poll::Pending;
                }
            }
            let why = self.why.lock().unwrap_or_else(|p| p.into_inner()).clone();
            Poll::Ready(why.unwrap_or_default())
        })
        .await
    }
}

/// The reliable subprotocol's state of one connection, kept across its sockets.
pub(crate) struct Reliable {
    token: String,
    last_sequence: u64,
    /// Messages sent and not yet acknowledged, in sequence order.
    unacked: VecDeque<(u64, Arc<Delivery>)>,
    unacked_bytes: usize,
    /// Bumped each time a socket attaches.
    pub(crate) generation: u64,
    /// The recovery budget's ticket while no socket is attached.
    pub(crate) ticket: Option<u64>,
}

impl Reliable {
    /// Fresh state for a connection whose client holds `token`.
    pub(crate) fn new(token: String) -> Reliable {
        Reliable {
            token,
            last_sequence: 0,
            unacked: VecDeque::new(),
            unacked_bytes: 0,
            generation: 0,
            ticket: None,
        }
    }

    /// The token the client resumes with.
    pub(crate) fn token(&self) -> &str {
        &self.token
    }

    /// Numbers `delivery` and keeps it until acknowledged; `None` when the backlog would pass
    /// `limit` bytes (Azure then closes the connection and drops its session).
    pub(crate) fn record(&mut self, delivery: &Arc<Delivery>, limit: usize) -> Option<u64> {
        let cost = delivery.cost();
        if self.unacked_bytes.saturating_add(cost) > limit {
            return None;
        }
        self.last_sequence += 1;
        self.unacked_bytes += cost;
        self.unacked
            .push_back((self.last_sequence, Arc::clone(delivery)));
        Some(self.last_sequence)
    }

    /// Bytes of the messages kept until acknowledged.
    pub(crate) fn unacked_bytes(&self) -> usize {
        self.unacked_bytes
    }

    /// Forgets every message up to and including `sequence`.
    pub(crate) fn acknowledge(&mut self, sequence: u64) {
        while let Some((seq, delivery)) = self.unacked.front() {
            if *seq > sequence {
                break;
            }
            self.unacked_bytes = self.unacked_bytes.saturating_sub(delivery.cost());
            self.unacked.pop_front();
        }
    }

    /// The unacknowledged messages, oldest first.
    pub(crate) fn unacked(&self) -> Vec<(u64, Arc<Delivery>)> {
        self.unacked.iter().cloned().collect()
    }

    /// Compares in constant time, so response timing does not leak the token.
    pub(crate) fn token_matches(&self, token: &str) -> bool {
        let (a, b) = (self.token.as_bytes(), token.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

/// The most recent `ackId`s of a connection, at most `capacity` of them.
pub(crate) struct AckWindow {
    order: VecDeque<u64>,
    seen: HashSet<u64>,
    capacity: usize,
}

impl AckWindow {
    /// An empty window remembering up to `capacity` ids.
    pub(crate) fn new(capacity: usize) -> AckWindow {
        AckWindow {
            order: VecDeque::new(),
            seen: HashSet::new(),
            capacity,
        }
    }

    /// Records `id`; false when it is already in the window (a duplicate).
    pub(crate) fn insert(&mut self, id: u64) -> bool {
        if !self.seen.insert(id) {
            return false;
        }
        self.order.push_back(id);
        while self.order.len() > self.capacity {
            if let Some(old) = self.order.pop_front() {
                self.seen.remove(&old);
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{Data, Origin};
    use axum::extract::ws::Message;
    use std::time::Duration;
    use tokio::sync::mpsc::unbounded_channel;

    #[test]
    fn deliveries_are_queued_ready_for_each_protocol() {
        let delivery = Delivery::new(&Data::Text("hi".into()), Origin::Server);
        let json = r#"{"type":"message","from":"server","dataType":"text","data":"hi"}"#;
        for (protocol, sequence, expected) in [
            (Protocol::Raw, None, "hi".to_owned()),
            (Protocol::Json, None, json.to_owned()),
            (
                Protocol::ReliableJson,
                Some(7),
                format!("{{\"sequenceId\":7,{}", &json[1..]),
            ),
        ] {
            let (tx, mut rx) = unbounded_channel();
            let link = Link::new(tx, protocol);
            assert!(link.deliver(&delivery, sequence, usize::MAX));
            assert_eq!(link.queued.load(Ordering::Acquire), delivery.cost());
            let item = rx.try_recv().expect("queued");
            assert_eq!(item.cost(), delivery.cost(), "{protocol:?}");
            let frame = match item {
                // Rendered when queued: the shared rendering, nothing left for the writer.
                Outbound::Frame(frame, _) => {
                    assert!(sequence.is_none(), "{protocol:?}");
                    frame
                }
                Outbound::Sequenced(d, seq) => {
                    assert_eq!(Some(seq), sequence);
                    d.frame(protocol, Some(seq))
                }
                other => panic!("{other:?}"),
            };
            assert_eq!(
                frame,
                Message::Text(expected.as_str().into()),
                "{protocol:?}"
            );
        }
    }

    #[test]
    fn a_delivery_past_the_limit_is_refused_and_not_counted() {
        let delivery = Delivery::new(&Data::Text("x".repeat(100)), Origin::Server);
        let (tx, mut rx) = unbounded_channel();
        let link = Link::new(tx, Protocol::Raw);
        let limit = delivery.cost() * 2;
        assert!(link.deliver(&delivery, None, limit));
        assert!(link.deliver(&delivery, None, limit));
        assert!(
            !link.deliver(&delivery, None, limit),
            "a third would pass the limit"
        );
        assert_eq!(link.queued.load(Ordering::Acquire), limit);
        assert!(rx.try_recv().is_ok() && rx.try_recv().is_ok() && rx.try_recv().is_err());
    }

    #[tokio::test]
    async fn the_kill_switch_keeps_its_first_reason_and_wakes_a_waiting_writer() {
        let switch = Arc::new(KillSwitch::default());
        let waiting = tokio::spawn({
            let switch = Arc::clone(&switch);
            async move { switch.fired().await }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiting.is_finished(), "not fired yet");
        switch.fire(1009, "too big".into());
        switch.fire(1008, "later".into());
        let why = tokio::time::timeout(Duration::from_secs(5), waiting).await;
        assert_eq!(
            why.expect("woken").expect("joined"),
            (1009, "too big".into())
        );
        // Fired before anyone waits: seen at once.
        assert_eq!(switch.fired().await, (1009, "too big".into()));
    }

    #[test]
    fn ack_window_forgets_the_oldest() {
        let mut w = AckWindow::new(3);
        assert!(w.insert(1) && w.insert(2) && w.insert(3));
        assert!(!w.insert(2));
        assert!(w.insert(4));
        assert!(w.insert(1), "1 fell out of the window");
        assert!(!w.insert(4));
        assert_eq!(w.seen.len(), 3);
        assert_eq!(w.order.len(), 3);
    }

    #[test]
    fn tokens_compare_exactly() {
        let r = Reliable::new("abc".into());
        assert!(r.token_matches("abc"));
        assert!(!r.token_matches("abd"));
        assert!(!r.token_matches("ab"));
        assert!(!r.token_matches(""));
    }
}
