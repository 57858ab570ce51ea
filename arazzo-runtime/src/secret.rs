//! A wrapper that keeps secrets out of `Debug` output and logs.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A value that must never be printed: a token, a key, a password. `Debug` shows `"***"`;
/// there is no `Display`. Read it with [`Secret::expose`] where it is really needed.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    /// Wraps a secret value.
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// The secret itself. Every call site is a place the secret leaves its wrapper.
    pub fn expose(&self) -> &T {
        &self.0
    }

    /// Unwraps the secret.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> From<T> for Secret<T> {
    fn from(value: T) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret<String> {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(\"***\")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = Secret::new(String::from("hunter2"));
        assert_eq!(format!("{s:?}"), "Secret(\"***\")");
        assert_eq!(format!("{:?}", Some(&s)), "Some(Secret(\"***\"))");
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn serde_is_transparent() {
        let s: Secret<String> = serde_json::from_str("\"k\"").unwrap();
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"k\"");
    }
}
