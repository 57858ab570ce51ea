//! The service-wide budget for what dropped reliable connections keep for their clients: each
//! may hold up to [`Limits::outbound_queue_bytes`](crate::Limits::outbound_queue_bytes) of
//! unacknowledged messages for the recovery window, so many clients dropping at once could
//! otherwise hold that many times over. Past [`Limits::recovery_bytes`](crate::Limits::recovery_bytes)
//! the sessions that dropped first are given up first.
//!
//! Its lock is a leaf: it is taken under a hub's lock and never takes another, so the
//! sessions it gives up are removed by the caller after the hub's lock is released.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

/// A dropped session the budget holds bytes for.
pub(crate) struct Held {
    /// The hub's registry key.
    pub(crate) hub: String,
    pub(crate) id: String,
    /// The socket generation that dropped; a resumed session has another.
    pub(crate) generation: u64,
    bytes: usize,
}

/// Bytes held by dropped reliable sessions, bounded service-wide.
pub(crate) struct RecoveryBudget {
    limit: usize,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    total: usize,
    next_ticket: u64,
    /// By ticket, which is the order the sessions dropped in.
    held: BTreeMap<u64, Held>,
}

impl RecoveryBudget {
    /// A budget of `limit` bytes.
    pub(crate) fn new(limit: usize) -> RecoveryBudget {
        RecoveryBudget {
            limit,
            inner: Mutex::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts holding `bytes` for session `id` of `hub`, dropped at socket `generation`.
    /// Returns its ticket and the sessions given up (oldest first, possibly this one) to stay
    /// within the budget; the caller removes them.
    pub(crate) fn hold(
        &self,
        hub: &str,
        id: &str,
        generation: u64,
        bytes: usize,
    ) -> (u64, Vec<Held>) {
        let mut inner = self.lock();
        let ticket = inner.next_ticket;
        inner.next_ticket += 1;
        inner.total = inner.total.saturating_add(bytes);
        inner.held.insert(
            ticket,
            Held {
                hub: hub.to_owned(),
                id: id.to_owned(),
                generation,
                bytes,
            },
        );
        let evicted = self.trim(&mut inner);
        (ticket, evicted)
    }

    /// A message of `bytes` was kept for held session `ticket`. Returns the sessions given up
    /// to stay within the budget (possibly this one); none when `ticket` was already given up.
    pub(crate) fn grow(&self, ticket: u64, bytes: usize) -> Vec<Held> {
        let mut inner = self.lock();
        let Some(held) = inner.held.get_mut(&ticket) else {
            return Vec::new();
        };
        held.bytes = held.bytes.saturating_add(bytes);
        inner.total = inner.total.saturating_add(bytes);
        self.trim(&mut inner)
    }

    /// Stops holding session `ticket` (resumed or removed); false when it was given up.
    pub(crate) fn release(&self, ticket: u64) -> bool {
        let mut inner = self.lock();
        match inner.held.remove(&ticket) {
            Some(held) => {
                inner.total = inner.total.saturating_sub(held.bytes);
                true
            }
            None => false,
        }
    }

    /// Whether session `ticket` is still held (not given up).
    pub(crate) fn holds(&self, ticket: u64) -> bool {
        self.lock().held.contains_key(&ticket)
    }

    /// Gives up the oldest sessions until the total fits the limit.
    fn trim(&self, inner: &mut Inner) -> Vec<Held> {
        let mut evicted = Vec::new();
        while inner.total > self.limit {
            let Some((_, held)) = inner.held.pop_first() else {
                break;
            };
            inner.total = inner.total.saturating_sub(held.bytes);
            evicted.push(held);
        }
        evicted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_sessions_go_first() {
        let budget = RecoveryBudget::new(100);
        let (a, none) = budget.hold("h", "a", 1, 40);
        assert!(none.is_empty());
        let (b, none) = budget.hold("h", "b", 1, 40);
        assert!(none.is_empty());
        let (c, evicted) = budget.hold("h", "c", 1, 40);
        let ids: Vec<&str> = evicted.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["a"]);
        assert!(!budget.holds(a) && budget.holds(b) && budget.holds(c));
        // Growth while dropped counts too.
        let evicted = budget.grow(c, 30);
        let ids: Vec<&str> = evicted.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["b"]);
        assert!(
            budget.grow(a, 1).is_empty(),
            "a given-up ticket stays given up"
        );
        assert!(!budget.release(a));
        assert!(budget.release(c));
        assert_eq!(budget.lock().total, 0);
    }

    #[test]
    fn a_session_larger_than_the_budget_is_given_up_itself() {
        let budget = RecoveryBudget::new(10);
        let (t, evicted) = budget.hold("h", "big", 3, 11);
        assert_eq!(evicted.len(), 1);
        assert_eq!(evicted[0].generation, 3);
        assert!(!budget.holds(t));
    }
}
