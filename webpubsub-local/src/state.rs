//! The in-memory hubs: connections, groups, user memberships and permissions. One mutex
//! guards it all; every operation is short and never awaits while holding it.

use crate::filter::{Filter, Subject};
use crate::message::{Delivery, Outbound};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::mpsc::UnboundedSender;

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

/// One live WebSocket connection.
pub(crate) struct Connection {
    pub(crate) user_id: Option<String>,
    pub(crate) groups: HashSet<String>,
    pub(crate) grants: HashSet<Grant>,
    pub(crate) out: UnboundedSender<Outbound>,
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

/// One hub.
#[derive(Default)]
pub(crate) struct Hub {
    /// Ordered so listings page stably.
    pub(crate) connections: BTreeMap<String, Connection>,
    /// Group name → connection ids.
    groups: HashMap<String, HashSet<String>>,
    /// User id → groups the user belongs to (applied to the user's future connections too).
    user_groups: HashMap<String, HashSet<String>>,
}

impl Hub {
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

    /// Unregisters a connection; returns it if it was there.
    pub(crate) fn remove(&mut self, id: &str) -> Option<Connection> {
        let connection = self.connections.remove(id)?;
        for g in &connection.groups {
            self.forget_member(g, id);
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
            .filter(|id| !narrowing.excluded.contains(*id))
            .filter_map(|id| self.connections.get(id).map(|c| (id, c)))
            .filter(|(_, c)| match scope {
                Scope::User(u) => c.user_id.as_deref() == Some(u),
                _ => true,
            })
            .filter(|(id, c)| {
                narrowing.filter.as_ref().is_none_or(|f| {
                    f.matches(&Subject {
                        connection_id: id,
                        user_id: c.user_id.as_deref(),
                        groups: &c.groups,
                    })
                })
            })
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// Queues `delivery` for the selected connections.
    pub(crate) fn send(&self, ids: &[String], delivery: &Arc<Delivery>) {
        for id in ids {
            if let Some(c) = self.connections.get(id) {
                // A closed queue means the connection is going away; nothing to deliver to.
                let _ = c.out.send(Outbound::Deliver(Arc::clone(delivery)));
            }
        }
    }

    /// Removes the selected connections and asks each to close with `reason`.
    pub(crate) fn close(&mut self, ids: &[String], reason: Option<&str>) {
        for id in ids {
            if let Some(c) = self.remove(id) {
                let _ = c.out.send(Outbound::Close(reason.map(str::to_owned)));
            }
        }
    }
}

/// All hubs, keyed by lower-cased hub name (hub names are case-insensitive).
#[derive(Default)]
pub(crate) struct Registry {
    hubs: Mutex<HashMap<String, Hub>>,
}

impl Registry {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Hub>> {
        // A panic while holding the lock cannot leave a hub half-updated in a way that matters
        // more than stopping the service would, so carry on with the data.
        self.hubs
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `f` on `hub`, creating it when first used.
    pub(crate) fn with_hub<R>(&self, hub: &str, f: impl FnOnce(&mut Hub) -> R) -> R {
        let mut hubs = self.lock();
        f(hubs.entry(hub.to_ascii_lowercase()).or_default())
    }

    /// Asks every connection of every hub to close (used at shutdown).
    pub(crate) fn close_everything(&self, reason: &str) {
        let mut hubs = self.lock();
        for hub in hubs.values_mut() {
            let ids: Vec<String> = hub.connections.keys().cloned().collect();
            hub.close(&ids, Some(reason));
        }
    }
}
