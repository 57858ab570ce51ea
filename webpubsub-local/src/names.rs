//! Azure's rules for hub, group and user names.
//!
//! Azure's REST spec gives hubs a pattern, groups 1 to 1024 characters that are not all
//! whitespace, and users at least one character. Control characters (CR, LF, NUL and the rest
//! of C0, and DEL) are refused in group and user names too: they cannot travel in a header or
//! a log line safely, and Azure's pattern for groups (`.+` in .NET) already excludes LF.

/// The longest group name Azure accepts, in characters.
pub(crate) const MAX_GROUP_CHARS: usize = 1024;
/// The longest user id accepted, in characters (Azure documents none; this keeps one bounded).
pub(crate) const MAX_USER_CHARS: usize = 1024;

/// Checks a hub name against Azure's pattern ``^[A-Za-z][A-Za-z0-9_`,.[\]]{0,127}$``.
pub(crate) fn validate_hub(hub: &str) -> Result<(), &'static str> {
    let mut chars = hub.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || "_`,.[]".contains(c));
    if first_ok && rest_ok && hub.len() <= 128 {
        Ok(())
    } else {
        Err(
            "hub must start with a letter and contain at most 128 letters, digits or _`,.[] characters",
        )
    }
}

/// A hub name that passed [`validate_hub`], and the key the service files its hub under. Hub
/// names are case-insensitive, so the key is the lower-case form; it is made once, when the
/// name arrives with a REST call or a client connection, not on every look-up after that.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HubName {
    /// As the caller wrote it (what events and logs carry).
    given: String,
    /// The lower-case form when it differs from `given` (most names are lower case already).
    lower: Option<String>,
}

impl HubName {
    /// Checks `hub` against Azure's pattern and makes its key.
    pub(crate) fn parse(hub: &str) -> Result<HubName, &'static str> {
        validate_hub(hub)?;
        let lower = hub
            .bytes()
            .any(|b| b.is_ascii_uppercase())
            .then(|| hub.to_ascii_lowercase());
        Ok(HubName {
            given: hub.to_owned(),
            lower,
        })
    }

    /// The name as given.
    pub(crate) fn as_str(&self) -> &str {
        &self.given
    }

    /// The case-insensitive key: the name in lower case.
    pub(crate) fn key(&self) -> &str {
        self.lower.as_deref().unwrap_or(&self.given)
    }
}

impl std::fmt::Display for HubName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.given)
    }
}

/// Checks a group name: 1 to 1024 characters, not only whitespace, no control characters.
pub(crate) fn validate_group(group: &str) -> Result<(), &'static str> {
    let len = group.chars().count();
    if !(1..=MAX_GROUP_CHARS).contains(&len) || group.trim().is_empty() {
        return Err("group must have 1 to 1024 characters and not be only whitespace");
    }
    if group.chars().any(char::is_control) {
        return Err("group must not contain control characters such as CR, LF or NUL");
    }
    Ok(())
}

/// Checks a user id: 1 to 1024 characters, no control characters.
pub(crate) fn validate_user(user: &str) -> Result<(), &'static str> {
    let len = user.chars().count();
    if !(1..=MAX_USER_CHARS).contains(&len) {
        return Err("userId must have 1 to 1024 characters");
    }
    if user.chars().any(char::is_control) {
        return Err("userId must not contain control characters such as CR, LF or NUL");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hub_keys_ignore_case_and_names_keep_it() {
        let mixed = HubName::parse("Chat_Room").unwrap();
        assert_eq!((mixed.as_str(), mixed.key()), ("Chat_Room", "chat_room"));
        assert_eq!(mixed.to_string(), "Chat_Room");
        let lower = HubName::parse("chat_room").unwrap();
        assert_eq!((lower.as_str(), lower.key()), ("chat_room", "chat_room"));
        assert!(lower.lower.is_none(), "a lower-case name is its own key");
        assert_eq!(
            HubName::parse("1hub"),
            Err(validate_hub("1hub").unwrap_err())
        );
        assert!(HubName::parse("").is_err());
    }

    #[test]
    fn control_characters_are_refused() {
        for bad in ["a\r\nb", "a\0", "\n", "x\u{7f}", "tab\there"] {
            assert!(validate_group(bad).is_err(), "{bad:?}");
            assert!(validate_user(bad).is_err(), "{bad:?}");
        }
        assert!(validate_group("  ").is_err());
        assert!(validate_group(&"g".repeat(1025)).is_err());
        assert!(validate_group("ok group ü").is_ok());
        assert!(validate_user("user@example.com").is_ok());
    }
}
