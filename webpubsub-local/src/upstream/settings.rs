//! Hub settings: which upstream event handlers receive which events, as Azure's hub settings
//! describe them (an ordered list of handlers per hub, each with a URL template, a user-event
//! pattern and system events:
//! <https://learn.microsoft.com/azure/azure-web-pubsub/howto-develop-eventhandler>).

use crate::names::HubName;
use serde_json::Value;
use std::collections::HashMap;
use std::fmt;

/// A system event a handler may subscribe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SystemEvent {
    /// `connect`: blocking; the handler may refuse the client or set its user, groups, roles
    /// and subprotocol.
    Connect,
    /// `connected`: non-blocking, after the client is connected.
    Connected,
    /// `disconnected`: non-blocking, after the connection is gone.
    Disconnected,
}

impl SystemEvent {
    /// The event name as it appears in `{event}` and `ce-eventName`.
    pub fn name(self) -> &'static str {
        match self {
            SystemEvent::Connect => "connect",
            SystemEvent::Connected => "connected",
            SystemEvent::Disconnected => "disconnected",
        }
    }

    fn parse(s: &str) -> Option<SystemEvent> {
        match s.trim().to_ascii_lowercase().as_str() {
            "connect" => Some(SystemEvent::Connect),
            "connected" => Some(SystemEvent::Connected),
            "disconnected" => Some(SystemEvent::Disconnected),
            _ => None,
        }
    }
}

/// Which user events (`message` from simple clients, custom events from JSON clients) a
/// handler receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserEvents {
    /// None.
    None,
    /// Every user event (`*`).
    All,
    /// The events named (Azure's comma-separated pattern, e.g. `message,chat`).
    Named(Vec<String>),
}

impl UserEvents {
    fn matches(&self, event: &str) -> bool {
        match self {
            UserEvents::None => false,
            UserEvents::All => true,
            UserEvents::Named(names) => names.iter().any(|n| n == event),
        }
    }

    /// Azure's pattern syntax: empty or `-` for none, `*` for all, else a comma list.
    fn parse(pattern: &str) -> UserEvents {
        let pattern = pattern.trim();
        match pattern {
            "" | "-" => UserEvents::None,
            "*" => UserEvents::All,
            list => UserEvents::Named(
                list.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
            ),
        }
    }
}

/// One upstream event handler of a hub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventHandler {
    pub(crate) url_template: String,
    pub(crate) user_events: UserEvents,
    pub(crate) system_events: Vec<SystemEvent>,
}

impl EventHandler {
    /// A handler at `url_template` (`http://` only; `{hub}` and `{event}` are replaced per
    /// request) that receives every user event and no system event until told otherwise.
    pub fn new(url_template: impl Into<String>) -> Result<EventHandler, SettingsError> {
        let url_template = url_template.into();
        let probe = url_template
            .replace("{hub}", "hub")
            .replace("{event}", "event");
        match url::Url::parse(&probe) {
            Ok(u) if u.scheme() == "http" && u.host().is_some() => {}
            Ok(u) if u.scheme() == "https" => {
                return Err(SettingsError(format!(
                    "event handler `{url_template}`: https upstreams are not supported by this local service; use http://"
                )));
            }
            _ => {
                return Err(SettingsError(format!(
                    "event handler `{url_template}` is not an absolute http:// URL"
                )));
            }
        }
        Ok(EventHandler {
            url_template,
            user_events: UserEvents::All,
            system_events: Vec::new(),
        })
    }

    /// Sets which user events the handler receives.
    pub fn user_events(mut self, events: UserEvents) -> Self {
        self.user_events = events;
        self
    }

    /// Sets which system events the handler receives.
    pub fn system_events(mut self, events: impl IntoIterator<Item = SystemEvent>) -> Self {
        self.system_events = events.into_iter().collect();
        self
    }

    /// The URL for `event` of `hub`.
    pub(crate) fn url(&self, hub: &str, event: &str) -> String {
        let enc = |s: &str| {
            percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
        };
        self.url_template
            .replace("{hub}", &enc(hub))
            .replace("{event}", &enc(event))
    }

    /// Parses the command-line form `URL[;user=PATTERN][;system=EVENT,...]`.
    fn parse_spec(spec: &str) -> Result<EventHandler, SettingsError> {
        let mut parts = spec.split(';');
        let url = parts.next().unwrap_or("").trim();
        let mut handler = EventHandler::new(url)?;
        for part in parts {
            let Some((key, value)) = part.split_once('=') else {
                return Err(SettingsError(format!(
                    "event handler option `{part}` is not KEY=VALUE"
                )));
            };
            match key.trim() {
                "user" => handler.user_events = UserEvents::parse(value),
                "system" => handler.system_events = parse_system(value)?,
                other => {
                    return Err(SettingsError(format!(
                        "unknown event handler option `{other}` (expected `user` or `system`)"
                    )));
                }
            }
        }
        Ok(handler)
    }
}

fn parse_system(list: &str) -> Result<Vec<SystemEvent>, SettingsError> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty() && *s != "-")
        .map(|s| {
            SystemEvent::parse(s).ok_or_else(|| {
                SettingsError(format!(
                    "unknown system event `{s}` (expected connect, connected, disconnected)"
                ))
            })
        })
        .collect()
}

/// Invalid hub settings, with what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsError(String);

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SettingsError {}

/// Every hub's event handlers, in order. Hub names compare case-insensitively.
#[derive(Debug, Clone, Default)]
pub struct HubSettings {
    hubs: HashMap<String, Vec<EventHandler>>,
}

impl HubSettings {
    /// Appends `handler` to `hub`'s list (earlier handlers win when several match an event).
    pub fn add(&mut self, hub: &str, handler: EventHandler) {
        self.hubs
            .entry(hub.to_ascii_lowercase())
            .or_default()
            .push(handler);
    }

    /// Parses the command-line / environment form `HUB=URL[;user=PATTERN][;system=EVENTS]`
    /// and appends it.
    pub fn add_spec(&mut self, spec: &str) -> Result<(), SettingsError> {
        let Some((hub, rest)) = spec.split_once('=') else {
            return Err(SettingsError(format!(
                "event handler `{spec}` is not HUB=URL[;user=PATTERN][;system=EVENTS]"
            )));
        };
        let hub = hub.trim();
        crate::names::validate_hub(hub).map_err(|e| SettingsError(format!("hub `{hub}`: {e}")))?;
        self.add(hub, EventHandler::parse_spec(rest)?);
        Ok(())
    }

    /// Reads a JSON settings document shaped like Azure's hub resources:
    /// `{"hubs": {"chat": {"eventHandlers": [{"urlTemplate": "http://...",
    /// "userEventPattern": "*", "systemEvents": ["connect", "connected"]}]}}}`.
    pub fn from_json(text: &str) -> Result<HubSettings, SettingsError> {
        let doc: Value = serde_json::from_str(text)
            .map_err(|e| SettingsError(format!("settings are not JSON: {e}")))?;
        let hubs = doc
            .get("hubs")
            .and_then(Value::as_object)
            .ok_or_else(|| SettingsError("settings need a `hubs` object".into()))?;
        let mut settings = HubSettings::default();
        for (hub, body) in hubs {
            crate::names::validate_hub(hub)
                .map_err(|e| SettingsError(format!("hub `{hub}`: {e}")))?;
            let handlers = body
                .get("eventHandlers")
                .and_then(Value::as_array)
                .ok_or_else(|| {
                    SettingsError(format!("hub `{hub}` needs an `eventHandlers` array"))
                })?;
            for h in handlers {
                let url = h
                    .get("urlTemplate")
                    .and_then(Value::as_str)
                    .ok_or_else(|| {
                        SettingsError(format!("hub `{hub}`: every handler needs `urlTemplate`"))
                    })?;
                let user = h
                    .get("userEventPattern")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let system: Vec<&str> = match h.get("systemEvents") {
                    None | Some(Value::Null) => Vec::new(),
                    Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
                    Some(_) => {
                        return Err(SettingsError(format!(
                            "hub `{hub}`: `systemEvents` must be an array of names"
                        )));
                    }
                };
                let handler = EventHandler::new(url)?
                    .user_events(UserEvents::parse(user))
                    .system_events(parse_system(&system.join(","))?);
                settings.add(hub, handler);
            }
        }
        Ok(settings)
    }

    /// Adds every handler of `other` after this one's.
    pub fn extend(&mut self, other: HubSettings) {
        for (hub, handlers) in other.hubs {
            self.hubs.entry(hub).or_default().extend(handlers);
        }
    }

    /// Whether no hub has a handler.
    pub fn is_empty(&self) -> bool {
        self.hubs.values().all(Vec::is_empty)
    }

    /// The first handler of `hub` for system event `event`.
    pub(crate) fn system(&self, hub: &HubName, event: SystemEvent) -> Option<&EventHandler> {
        self.handlers(hub)
            .find(|h| h.system_events.contains(&event))
    }

    /// Whether some handler of `hub` takes user events.
    pub(crate) fn has_user_events(&self, hub: &HubName) -> bool {
        self.handlers(hub)
            .any(|h| h.user_events != UserEvents::None)
    }

    /// The first handler of `hub` for user event `event`.
    pub(crate) fn user(&self, hub: &HubName, event: &str) -> Option<&EventHandler> {
        self.handlers(hub).find(|h| h.user_events.matches(event))
    }

    fn handlers(&self, hub: &HubName) -> impl Iterator<Item = &EventHandler> {
        // Keys are lower case (`add`), as the hub name's key is.
        self.hubs.get(hub.key()).into_iter().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_and_json_give_the_same_settings() {
        let mut a = HubSettings::default();
        a.add_spec("Chat=http://127.0.0.1:3000/api/{hub}/{event};user=*;system=connect,connected")
            .expect("spec");
        let b = HubSettings::from_json(
            r#"{"hubs":{"chat":{"eventHandlers":[{"urlTemplate":"http://127.0.0.1:3000/api/{hub}/{event}","userEventPattern":"*","systemEvents":["connect","connected"]}]}}}"#,
        )
        .expect("json");
        assert_eq!(a.hubs, b.hubs);
        let hub = |name: &str| HubName::parse(name).expect("a valid hub name");
        let h = a
            .system(&hub("CHAT"), SystemEvent::Connect)
            .expect("handler");
        assert_eq!(
            h.url("chat", "connect"),
            "http://127.0.0.1:3000/api/chat/connect"
        );
        assert!(a.system(&hub("chat"), SystemEvent::Disconnected).is_none());
        assert!(a.user(&hub("chat"), "anything").is_some());
    }

    #[test]
    fn bad_settings_are_refused_with_a_reason() {
        let mut s = HubSettings::default();
        for bad in [
            "chat",
            "chat=ftp://x/",
            "chat=https://x/",
            "chat=http://x/;system=open",
            "chat=http://x/;colour=red",
            "1hub=http://x/",
        ] {
            assert!(s.add_spec(bad).is_err(), "{bad}");
        }
        assert!(HubSettings::from_json("{}").is_err());
        assert!(HubSettings::from_json(r#"{"hubs":{"chat":{"eventHandlers":[{}]}}}"#).is_err());
        let named = UserEvents::parse("message, chat");
        assert!(named.matches("chat") && !named.matches("other"));
        assert!(!UserEvents::parse("-").matches("message"));
    }
}
