//! The in-memory hubs: connections, groups, user memberships and permissions. Each hub has
//! its own mutex (a heavy filter on one hub does not hold up another); every operation is
//! short and never awaits while holding it.

use crate::filter::{Filter, Subject};
use crate::link::{AckWindow, Link, Reliable};
use crate::message::{self, Delivery, Outbound};
use crate::names::HubName;
use crate::recovery::{Held, RecoveryBudget};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Bound;
use std::sync::{Arc, Mutex, MutexGuard};

/// A permission a connection can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Permission {
    /// Publish to groups with `sendToGroup`.
    SendToGroup,
    /// Join and leave groups.
    JoinLeaveGroup,
}

impl Permission {
    /// Parses the REST path value.
    pub(crate) fn parse(s: &str) -> Option<Permission> {
        match s {
            "sendToGroup" => Some(Permission::SendToGroup),
            "joinLeaveGroup" => Some(Permission::JoinLeaveGroup),
            _ => None,
        }
    }

    /// Parses a token role such as `webpubsub.sendToGroup` or `webpubsub.joinLeaveGroup.g1`.
    pub(crate) fn from_role(role: &str) -> Option<Grant> {
        let rest = role.strip_prefix("webpubsub.")?;
        for (name, permission) in [
            ("sendToGroup", Permission::SendToGroup),
            ("joinLeaveGroup", Permission::JoinLeaveGroup),
        ] {
            if rest == name {
                return Some(Grant {
                    permission,
                    group: None,
                });
            }
            if let Some(group) = rest.strip_prefix(name).and_then(|g| g.strip_prefix('.')) {
                return Some(Grant {
                    permission,
                    group: Some(group.to_owned()),
                });
            }
        }
        None
    }
}

/// A permission, for all groups (`group: None`) or one group.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Grant {
    pub(crate) permission: Permission,
    pub(crate) group: Option<String>,
}

/// One WebSocket connection (for the reliable subprotocol it outlives its socket for the
/// recovery window).
pub(crate) struct Connection {
    pub(crate) user_id: Option<String>,
    pub(crate) groups: HashSet<String>,
    pub(crate) grants: HashSet<Grant>,
    /// The socket's outbound side; `None` while a reliable connection waits to be resumed.
    pub(crate) link: Option<Link>,
    /// Sequence numbers and unacknowledged messages, for the reliable subprotocol only.
    pub(crate) reliable: Option<Reliable>,
    /// Recent `ackId`s, to answer resends with `Duplicate`.
    pub(crate) ack_ids: AckWindow,
    /// The connection's upstream worker, when its hub has event handlers; dropped with the
    /// connection, which sends `disconnected`.
    pub(crate) upstream: Option<crate::upstream::EventQueue>,
    /// The subprotocol chosen, for the dashboard.
    pub(crate) subprotocol: Option<String>,
}

/// What the dashboard shows of one connection.
pub(crate) struct ConnectionView {
    pub(crate) id: String,
    pub(crate) user_id: Option<String>,
    pub(crate) subprotocol: Option<String>,
    pub(crate) groups: Vec<String>,
    /// False while a reliable connection waits to be resumed.
    pub(crate) online: bool,
}

impl Connection {
    /// Whether the connection may use `permission` on `group`.
    pub(crate) fn allowed(&self, permission: Permission, group: &str) -> bool {
        self.grants
            .iter()
            .any(|g| g.permission == permission && g.group.as_deref().is_none_or(|t| t == group))
    }
}

/// Which connections an operation addresses before `excluded` and `filter` narrow it.
#[derive(Clone, Copy)]
pub(crate) enum Scope<'a> {
    All,
    Group(&'a str),
    User(&'a str),
    Connection(&'a str),
}

/// `excluded` and `filter` of a REST call.
#[derive(Default)]
pub(crate) struct Narrowing {
    pub(crate) excluded: HashSet<String>,
    pub(crate) filter: Option<Filter>,
}

/// One hub. It lives in the registry while it has anything to keep (see [`Hub::is_idle`]).
pub(crate) struct Hub {
    /// Its registry key.
    name: String,
    /// Most bytes one connection may have waiting (see `Limits::outbound_queue_bytes`).
    queue_limit: usize,
    /// What dropped reliable connections of every hub may keep.
    budget: Arc<RecoveryBudget>,
    /// Dropped reliable connections the budget gave up, to remove once this hub's lock is
    /// released (they may be in other hubs).
    evicted: Vec<Held>,
    /// Taken out of the registry: whoever still holds it looks the hub up again.
    retired: bool,
    /// Ordered so listings page stably.
    pub(crate) connections: BTreeMap<String, Connection>,
    /// Group name → connection ids.
    groups: HashMap<String, HashSet<String>>,
    /// User id → groups the user belongs to (applied to the user's future connections too).
    user_groups: HashMap<String, HashSet<String>>,
}

impl Hub {
    fn new(name: String, queue_limit: usize, budget: Arc<RecoveryBudget>) -> Hub {
        Hub {
            name,
            queue_limit,
            budget,
            evicted: Vec::new(),
            retired: false,
            connections: BTreeMap::new(),
            groups: HashMap::new(),
            user_groups: HashMap::new(),
        }
    }

    /// Registers a connection and gives it its token groups and its user's groups.
    pub(crate) fn add(&mut self, id: &str, connection: Connection, token_groups: &[String]) {
        let mut groups: Vec<String> = token_groups.to_vec();
        if let Some(user_groups) = connection
            .user_id
            .as_ref()
            .and_then(|u| self.user_groups.get(u))
        {
            groups.extend(user_groups.iter().cloned());
        }
        self.connections.insert(id.to_owned(), connection);
        for g in groups {
            self.join(id, &g);
        }
    }

    /// Whether the hub keeps nothing: no connections (live or waiting to be resumed), so no
    /// group members and no permissions, and no user's group memberships. Its settings are
    /// the service's, not the hub's, so an idle hub can go and come back as it was.
    fn is_idle(&self) -> bool {
        self.connections.is_empty() && self.user_groups.is_empty() && self.evicted.is_empty()
    }

    /// Unregisters a connection; returns it if it was there.
    pub(crate) fn remove(&mut self, id: &str) -> Option<Connection> {
        let connection = self.connections.remove(id)?;
        for g in &connection.groups {
            self.forget_member(g, id);
        }
        if let Some(ticket) = connection.reliable.as_ref().and_then(|r| r.ticket) {
            self.budget.release(ticket);
        }
        Some(connection)
    }

    fn forget_member(&mut self, group: &str, id: &str) {
        if let Some(members) = self.groups.get_mut(group) {
            members.remove(id);
            if members.is_empty() {
                self.groups.remove(group);
            }
        }
    }

    /// Adds a connection to a group; false if there is no such connection.
    pub(crate) fn join(&mut self, id: &str, group: &str) -> bool {
        let Some(c) = self.connections.get_mut(id) else {
            return false;
        };
        c.groups.insert(group.to_owned());
        self.groups
            .entry(group.to_owned())
            .or_default()
            .insert(id.to_owned());
        true
    }

    /// Removes a connection from a group.
    pub(crate) fn leave(&mut self, id: &str, group: &str) {
        if let Some(c) = self.connections.get_mut(id) {
            c.groups.remove(group);
        }
        self.forget_member(group, id);
    }

    /// Removes a connection from every group.
    pub(crate) fn leave_all(&mut self, id: &str) {
        let groups: Vec<String> = self
            .connections
            .get(id)
            .map(|c| c.groups.iter().cloned().collect())
            .unwrap_or_default();
        for g in groups {
            self.leave(id, &g);
        }
    }

    /// Adds a user (current and future connections) to a group.
    pub(crate) fn add_user_to_group(&mut self, user: &str, group: &str) {
        self.user_groups
            .entry(user.to_owned())
            .or_default()
            .insert(group.to_owned());
        for id in self.user_connection_ids(user) {
            self.join(&id, group);
        }
    }

    /// Removes a user (current and future connections) from a group.
    pub(crate) fn remove_user_from_group(&mut self, user: &str, group: &str) {
        if let Some(groups) = self.user_groups.get_mut(user) {
            groups.remove(group);
            if groups.is_empty() {
                self.user_groups.remove(user);
            }
        }
        for id in self.user_connection_ids(user) {
            self.leave(&id, group);
        }
    }

    /// Removes a user (current and future connections) from every group.
    pub(crate) fn remove_user_from_all_groups(&mut self, user: &str) {
        self.user_groups.remove(user);
        for id in self.user_connection_ids(user) {
            self.leave_all(&id);
        }
    }

    fn user_connection_ids(&self, user: &str) -> Vec<String> {
        self.connections
            .iter()
            .filter(|(_, c)| c.user_id.as_deref() == Some(user))
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// Whether a group has at least one connection.
    pub(crate) fn group_exists(&self, group: &str) -> bool {
        self.groups.get(group).is_some_and(|m| !m.is_empty())
    }

    /// Whether a user has at least one connection.
    pub(crate) fn user_exists(&self, user: &str) -> bool {
        self.connections
            .values()
            .any(|c| c.user_id.as_deref() == Some(user))
    }

    /// The ids of the connections `scope` and `narrowing` select, in id order.
    pub(crate) fn select(&self, scope: Scope<'_>, narrowing: &Narrowing) -> Vec<String> {
        let candidates: Vec<&String> = match scope {
            Scope::All | Scope::User(_) => self.connections.keys().collect(),
            Scope::Connection(id) => self
                .connections
                .get_key_value(id)
                .map(|(k, _)| k)
                .into_iter()
                .collect(),
            Scope::Group(g) => {
                let mut ids: Vec<&String> = self
                    .groups
                    .get(g)
                    .map(|m| m.iter().collect())
                    .unwrap_or_default();
                ids.sort();
                ids
            }
        };
        candidates
            .into_iter()
            .filter_map(|id| self.connections.get(id).map(|c| (id, c)))
            .filter(|(id, c)| selected(scope, narrowing, id, c))
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// Up to `max` connections in `scope` after id `after`, in id order, each checked against
    /// `narrowing`: the selected ids, and the last id looked at when more may follow.
    fn select_batch(
        &self,
        scope: Scope<'_>,
        narrowing: &Narrowing,
        after: Option<&str>,
        max: usize,
    ) -> (Vec<String>, Option<String>) {
        let start = after.map_or(Bound::Unbounded, Bound::Excluded);
        let mut picked = Vec::new();
        let mut looked_at: Option<&String> = None;
        let mut count = 0;
        for (id, c) in self.connections.range::<str, _>((start, Bound::Unbounded)) {
            let in_scope = match scope {
                Scope::All | Scope::User(_) => true,
                Scope::Group(g) => c.groups.contains(g),
                Scope::Connection(only) => id == only,
            };
            if !in_scope {
                continue;
            }
            if count == max
                && let Some(last) = looked_at
            {
                // More to look at: the next batch starts after the last one looked at.
                return (picked, Some(last.clone()));
            }
            count += 1;
            looked_at = Some(id);
            if selected(scope, narrowing, id, c) {
                picked.push(id.clone());
            }
        }
        (picked, None)
    }

    /// Queues `delivery` for connections `ids` (already selected); as [`Hub::send`] otherwise.
    pub(crate) fn send_to(&mut self, ids: &[String], delivery: &Arc<Delivery>) {
        let limit = self.queue_limit;
        let mut slow = Vec::new();
        for id in ids {
            if let Some(c) = self.connections.get_mut(id)
                && !deliver(c, delivery, limit, &self.budget, &mut self.evicted)
            {
                slow.push(id);
            }
        }
        for id in slow {
            self.drop_slow(id);
        }
    }

    /// Queues `delivery` for the connections `scope` and `narrowing` select; a connection
    /// whose queue (or, for the reliable subprotocol, unacknowledged backlog) would pass the
    /// limit is closed instead.
    ///
    /// Walks the connections in place (no list of ids first): this is the fan-out hot path.
    pub(crate) fn send(
        &mut self,
        scope: Scope<'_>,
        narrowing: &Narrowing,
        delivery: &Arc<Delivery>,
    ) {
        let limit = self.queue_limit;
        let mut slow = Vec::new();
        let (budget, evicted) = (&self.budget, &mut self.evicted);
        let mut offer = |id: &str, c: &mut Connection| {
            if selected(scope, narrowing, id, c) && !deliver(c, delivery, limit, budget, evicted) {
                slow.push(id.to_owned());
            }
        };
        match scope {
            Scope::All | Scope::User(_) => {
                for (id, c) in self.connections.iter_mut() {
                    offer(id, c);
                }
            }
            Scope::Connection(id) => {
                if let Some(c) = self.connections.get_mut(id) {
                    offer(id, c);
                }
            }
            Scope::Group(g) => {
                // Disjoint fields: the members are read while the connections change.
                let connections = &mut self.connections;
                for id in self.groups.get(g).into_iter().flatten() {
                    if let Some(c) = connections.get_mut(id) {
                        offer(id, c);
                    }
                }
            }
        }
        for id in slow {
            self.drop_slow(&id);
        }
    }

    /// Queues a control frame (ack, pong) for one connection; closes it when over the limit.
    pub(crate) fn control(&mut self, id: &str, text: String) {
        let limit = self.queue_limit;
        let over = self
            .connections
            .get(id)
            .and_then(|c| c.link.as_ref())
            .is_some_and(|link| !link.push(Outbound::Control(text), limit));
        if over {
            self.drop_slow(id);
        }
    }

    /// Removes a connection that does not keep up and closes its socket with the reason.
    fn drop_slow(&mut self, id: &str) {
        let reason = format!(
            "the connection was closed because more than {} bytes were waiting for it (it did not read, or did not send sequenceAck)",
            self.queue_limit
        );
        self.drop_now(id, reason);
    }

    /// Removes a connection at once (no recovery) and closes its socket with `reason`, if
    /// socket `generation` is still the one attached (a replaced socket changes nothing).
    pub(crate) fn drop_current(&mut self, id: &str, generation: u64, reason: String) {
        let current = self
            .connections
            .get(id)
            .and_then(|c| c.link.as_ref())
            .is_some_and(|l| l.generation == generation);
        if current {
            self.drop_now(id, reason);
        }
    }

    /// Removes a connection at once (no recovery) and closes its socket with `reason`.
    fn drop_now(&mut self, id: &str, reason: String) {
        tracing::info!(connection_id = id, reason, "closing a client connection");
        if let Some(c) = self.remove(id) {
            if let Some(u) = &c.upstream {
                u.set_reason(&reason);
            }
            if let Some(link) = c.link {
                link.kill(reason);
            }
        }
    }

    /// Removes the selected connections and asks each to close with `reason` after what is
    /// already queued for it.
    pub(crate) fn close(&mut self, ids: &[String], reason: Option<&str>) {
        for id in ids {
            let Some(c) = self.remove(id) else { continue };
            if let (Some(u), Some(r)) = (&c.upstream, reason) {
                u.set_reason(r);
            }
            if let Some(link) = c.link
                && !link.push(Outbound::Close(reason.map(str::to_owned)), self.queue_limit)
            {
                link.kill(reason.unwrap_or_default().to_owned());
            }
        }
    }

    /// The socket of connection `id` ended: a reliable connection stays for its client to
    /// resume (true), any other is removed (false). Only the socket `generation` currently
    /// attached counts; a late report from a replaced socket changes nothing.
    pub(crate) fn detach(&mut self, id: &str, generation: u64) -> bool {
        let Some(c) = self.connections.get_mut(id) else {
            return false;
        };
        if c.link.as_ref().map(|l| l.generation) != Some(generation) {
            return false;
        }
        if let Some(reliable) = c.reliable.as_mut() {
            c.link = None;
            let (ticket, evicted) = self.budget.hold(
                &self.name,
                id,
                reliable.generation,
                reliable.unacked_bytes(),
            );
            reliable.ticket = Some(ticket);
            self.evicted.extend(evicted);
            true
        } else {
            self.remove(id);
            false
        }
    }

    /// Removes a reliable connection still waiting for its client since socket `generation`
    /// dropped (its recovery window passed, or the recovery budget gave it up).
    pub(crate) fn expire(&mut self, id: &str, generation: u64) {
        let waiting = self.connections.get(id).is_some_and(|c| {
            c.link.is_none() && c.reliable.as_ref().map(|r| r.generation) == Some(generation)
        });
        if waiting {
            self.remove(id);
        }
    }

    /// Resumes reliable connection `id` on a new socket: checks the token, then queues the
    /// `connected` message and every message not yet acknowledged, in order, ahead of
    /// anything sent later. Returns the link's generation and the connection's user, or why it
    /// cannot be resumed.
    pub(crate) fn resume(
        &mut self,
        id: &str,
        token: &str,
        mut link: Link,
    ) -> Result<(u64, Option<String>), &'static str> {
        let limit = self.queue_limit;
        let Some(c) = self.connections.get_mut(id) else {
            return Err("the connection does not exist or its recovery window has passed");
        };
        let Some(reliable) = c.reliable.as_mut() else {
            return Err("the connection does not use the reliable subprotocol");
        };
        if !reliable.token_matches(token) {
            return Err("the reconnection token is not valid for this connection");
        }
        if let Some(ticket) = reliable.ticket {
            // Given up for the budget and about to be removed: as if its window had passed.
            if !self.budget.holds(ticket) {
                return Err("the connection does not exist or its recovery window has passed");
            }
            self.budget.release(ticket);
            reliable.ticket = None;
        }
        if let Some(old) = c.link.take() {
            old.kill("the connection was resumed on another socket".into());
        }
        reliable.generation += 1;
        link.generation = reliable.generation;
        let connected = message::connected(id, c.user_id.as_deref(), Some(reliable.token()));
        let mut fits = link.push(Outbound::Control(connected), limit);
        for (seq, delivery) in reliable.unacked() {
            fits = fits && link.deliver(&delivery, Some(seq), limit);
        }
        let generation = link.generation;
        let user_id = c.user_id.clone();
        c.link = Some(link);
        if !fits {
            self.drop_slow(id);
            return Err("the messages waiting for the connection exceed its queue limit");
        }
        Ok((generation, user_id))
    }

    /// Forgets the messages a reliable client acknowledged.
    pub(crate) fn sequence_ack(&mut self, id: &str, sequence: u64) {
        if let Some(r) = self
            .connections
            .get_mut(id)
            .and_then(|c| c.reliable.as_mut())
        {
            r.acknowledge(sequence);
        }
    }
}

/// Whether connection `id` passes `scope` (beyond where it was found) and `narrowing`.
fn selected(scope: Scope<'_>, narrowing: &Narrowing, id: &str, c: &Connection) -> bool {
    // Most sends exclude nobody: skip hashing the id then.
    (narrowing.excluded.is_empty() || !narrowing.excluded.contains(id))
        && match scope {
            Scope::User(u) => c.user_id.as_deref() == Some(u),
            _ => true,
        }
        && narrowing.filter.as_ref().is_none_or(|f| {
            f.matches(&Subject {
                connection_id: id,
                user_id: c.user_id.as_deref(),
                groups: &c.groups,
            })
        })
}

/// Queues `delivery` for `c`; false when its queue or reliable backlog would pass `limit`.
/// What a dropped reliable connection keeps counts against `budget`; sessions it gives up
/// go to `evicted`.
fn deliver(
    c: &mut Connection,
    delivery: &Arc<Delivery>,
    limit: usize,
    budget: &RecoveryBudget,
    evicted: &mut Vec<Held>,
) -> bool {
    let sequence = match c.reliable.as_mut() {
        Some(r) => match r.record(delivery, limit) {
            Some(seq) => {
                if let Some(ticket) = r.ticket {
                    evicted.extend(budget.grow(ticket, delivery.cost()));
                }
                Some(seq)
            }
            None => return false,
        },
        None => None,
    };
    c.link
        .as_ref()
        .is_none_or(|link| link.deliver(delivery, sequence, limit))
}

/// Filter terms evaluated under one hold of a hub's lock: at some 10 ns a term (release
/// build), well under a millisecond before other calls on the hub get their turn.
const FILTER_BATCH_WORK: usize = 65_536;

/// All hubs, keyed by lower-cased hub name (hub names are case-insensitive). The map's lock
/// is held only to find, add or retire a hub; each hub has its own. A hub that keeps nothing
/// after an operation is taken out, so hub names clients or callers make up do not pile up.
///
/// Lock order: the map, then a hub, then the recovery budget; never a hub while taking the
/// map.
pub(crate) struct Registry {
    hubs: Mutex<HashMap<String, Arc<Mutex<Hub>>>>,
    queue_limit: usize,
    budget: Arc<RecoveryBudget>,
}

/// Locks a mutex even if a panic poisoned it: a panic while holding the lock cannot leave a
/// hub half-updated in a way that matters more than stopping the service would.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Registry {
    /// An empty registry whose hubs bound each connection's queue to `queue_limit` bytes and
    /// what all dropped reliable connections keep to `recovery_bytes`.
    pub(crate) fn new(queue_limit: usize, recovery_bytes: usize) -> Registry {
        Registry {
            hubs: Mutex::new(HashMap::new()),
            queue_limit,
            budget: Arc::new(RecoveryBudget::new(recovery_bytes)),
        }
    }

    fn hub(&self, hub: &HubName) -> Arc<Mutex<Hub>> {
        let mut hubs = lock(&self.hubs);
        if let Some(found) = hubs.get(hub.key()) {
            return Arc::clone(found);
        }
        let key = hub.key().to_owned();
        let fresh = Hub::new(key.clone(), self.queue_limit, Arc::clone(&self.budget));
        Arc::clone(
            hubs.entry(key)
                .or_insert_with(|| Arc::new(Mutex::new(fresh))),
        )
    }

    /// Runs `f` on the locked `hub` unless it was retired meanwhile (then `f` comes back: look
    /// the hub up again), then removes the sessions the budget gave up and retires the hub if
    /// idle.
    fn run<R, F: FnOnce(&mut Hub) -> R>(&self, hub: Arc<Mutex<Hub>>, f: F) -> Result<R, F> {
        let mut guard = lock(&hub);
        if guard.retired {
            return Err(f);
        }
        let result = f(&mut guard);
        let evicted = std::mem::take(&mut guard.evicted);
        let idle = guard.is_idle();
        drop(guard);
        for held in evicted {
            self.evict(&held);
        }
        if idle {
            self.retire(&hub);
        }
        Ok(result)
    }

    /// Removes a dropped reliable connection the recovery budget gave up, if it still waits.
    fn evict(&self, held: &Held) {
        tracing::info!(
            hub = held.hub,
            connection_id = held.id,
            "giving up a dropped reliable connection: the recovery budget is spent"
        );
        let Some(hub) = lock(&self.hubs).get(&held.hub).cloned() else {
            return;
        };
        let mut guard = lock(&hub);
        // A retired hub has no connections left to remove.
        if guard.retired {
            return;
        }
        // Removing a connection gives up no other, so nothing more to settle but retiring.
        guard.expire(&held.id, held.generation);
        let idle = guard.is_idle();
        drop(guard);
        if idle {
            self.retire(&hub);
        }
    }

    /// Takes `hub` out of the map if it is still idle and still the map's.
    fn retire(&self, hub: &Arc<Mutex<Hub>>) {
        let mut hubs = lock(&self.hubs);
        let mut guard = lock(hub);
        if guard.retired || !guard.is_idle() {
            return;
        }
        if hubs.get(&guard.name).is_some_and(|h| Arc::ptr_eq(h, hub)) {
            hubs.remove(&guard.name);
            guard.retired = true;
        }
    }

    /// Runs `act` on the connections of `hub` that `scope` and `narrowing` select, in id
    /// order. Without a filter (or for one connection) that is one pass under the hub's lock.
    /// A filter is evaluated a batch of connections at a time, at most [`FILTER_BATCH_WORK`]
    /// terms per batch, and the lock is released between batches, so one heavy filter over
    /// many connections does not stall every other call on the hub for the whole evaluation.
    /// A connection that comes or goes meanwhile is selected or not as if that had happened
    /// a moment earlier or later.
    pub(crate) fn for_selected(
        &self,
        hub: &HubName,
        scope: Scope<'_>,
        narrowing: &Narrowing,
        mut act: impl FnMut(&mut Hub, &[String]),
    ) {
        let filter = match (&narrowing.filter, scope) {
            (Some(filter), Scope::All | Scope::Group(_) | Scope::User(_)) => filter,
            _ => {
                self.with_hub(hub, |h| {
                    let ids = h.select(scope, narrowing);
                    act(h, &ids);
                });
                return;
            }
        };
        let batch = (FILTER_BATCH_WORK / filter.size().max(1)).max(1);
        let mut after: Option<String> = None;
        loop {
            let next = self.with_hub(hub, |h| {
                let (ids, next) = h.select_batch(scope, narrowing, after.as_deref(), batch);
                act(h, &ids);
                next
            });
            match next {
                Some(next) => after = Some(next),
                None => return,
            }
        }
    }

    /// Every hub (sorted by name) and its connections, one hub locked at a time; at most
    /// `limit` connections per hub.
    pub(crate) fn snapshot(&self, limit: usize) -> Vec<(String, Vec<ConnectionView>)> {
        let hubs: Vec<(String, Arc<Mutex<Hub>>)> = lock(&self.hubs)
            .iter()
            .map(|(name, hub)| (name.clone(), Arc::clone(hub)))
            .collect();
        let mut out: Vec<(String, Vec<ConnectionView>)> = hubs
            .into_iter()
            .map(|(name, hub)| {
                let hub = lock(&hub);
                let connections = hub
                    .connections
                    .iter()
                    .take(limit)
                    .map(|(id, c)| {
                        let mut groups: Vec<String> = c.groups.iter().cloned().collect();
                        groups.sort();
                        ConnectionView {
                            id: id.clone(),
                            user_id: c.user_id.clone(),
                            subprotocol: c.subprotocol.clone(),
                            groups,
                            online: c.link.is_some(),
                        }
                    })
                    .collect();
                (name, connections)
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// Runs `f` on `hub`, creating it when first used.
    pub(crate) fn with_hub<R>(&self, hub: &HubName, f: impl FnOnce(&mut Hub) -> R) -> R {
        // A retired hub is out of the map, so the next look-up finds or makes its successor.
        let mut f = f;
        loop {
            match self.run(self.hub(hub), f) {
                Ok(result) => return result,
                Err(back) => f = back,
            }
        }
    }

    /// Runs `f` on `hub` if it exists; never creates one (for unauthenticated callers, who
    /// must not grow the hub map).
    pub(crate) fn with_existing_hub<R>(
        &self,
        hub: &HubName,
        f: impl FnOnce(&mut Hub) -> R,
    ) -> Option<R> {
        let mut f = f;
        loop {
            let found = lock(&self.hubs).get(hub.key()).cloned()?;
            match self.run(found, f) {
                Ok(result) => return Some(result),
                Err(back) => f = back,
            }
        }
    }

    /// Asks every connection of every hub to close (used at shutdown).
    pub(crate) fn close_everything(&self, reason: &str) {
        let hubs: Vec<Arc<Mutex<Hub>>> = lock(&self.hubs).values().cloned().collect();
        for hub in hubs {
            let mut hub = lock(&hub);
            let ids: Vec<String> = hub.connections.keys().cloned().collect();
            hub.close(&ids, Some(reason));
        }
    }
}
