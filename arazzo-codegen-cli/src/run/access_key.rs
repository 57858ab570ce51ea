//! `run --access-key env:NAME|file:PATH`: the AccessKey the binary signs each HTTP request
//! with (the runtime's `access_key::AccessKeyCredential`). The key itself is never an
//! argument (the shell history and `ps` would keep it), never printed, and reaches the binary
//! on its stdin.

use std::fmt;

/// An AccessKey, read from the environment or a file. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessKey(String);

impl AccessKey {
    /// Reads the key `spec` names: `env:NAME` (an environment variable) or `file:PATH` (the
    /// file's text, without surrounding whitespace). Errors name the variable or file, never
    /// the value, nor `spec` when it is neither form (it may be a key pasted by mistake).
    pub fn read(spec: &str) -> Result<Self, String> {
        let key = if let Some(name) = spec.strip_prefix("env:") {
            std::env::var(name).map_err(|e| match e {
                std::env::VarError::NotPresent => {
                    format!("--access-key: the environment variable `{name}` is not set")
                }
                std::env::VarError::NotUnicode(_) => {
                    format!("--access-key: the environment variable `{name}` is not UTF-8")
                }
            })?
        } else if let Some(path) = spec.strip_prefix("file:") {
            std::fs::read_to_string(path)
                .map_err(|e| format!("--access-key: cannot read {path}: {e}"))?
        } else {
            return Err(
                "--access-key takes `env:NAME` or `file:PATH`: the key itself is \
                        never taken from the command line, where the shell history and `ps` \
                        keep it"
                    .to_owned(),
            );
        };
        let key = key.trim();
        if key.is_empty() {
            return Err(format!("--access-key: `{spec}` holds an empty key"));
        }
        Ok(Self(key.to_owned()))
    }

    /// The key, for the binary's stdin only.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessKey(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "unit-test-access-key-Sup3rS3cret";

    #[test]
    fn reads_a_file_trimmed_and_never_shows_the_key() {
        let path = std::env::temp_dir().join(format!("access-key-{}.txt", std::process::id()));
        std::fs::write(&path, format!("{KEY}\n")).unwrap();
        let key = AccessKey::read(&format!("file:{}", path.display())).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(key.expose(), KEY);
        assert_eq!(format!("{key:?}"), "AccessKey(***)");
    }

    #[test]
    fn an_unset_variable_is_named() {
        // Setting a variable needs `unsafe` in edition 2024 (forbidden here): tests/run.rs
        // passes one to the command instead.
        let name = "ARAZZO_RUN_UNIT_TEST_NEVER_SET";
        let err = AccessKey::read(&format!("env:{name}")).unwrap_err();
        assert_eq!(
            err,
            format!("--access-key: the environment variable `{name}` is not set")
        );
    }

    #[test]
    fn a_key_on_the_command_line_is_refused_without_being_echoed() {
        let err = AccessKey::read(KEY).unwrap_err();
        assert!(err.contains("`env:NAME` or `file:PATH`"), "{err}");
        assert!(!err.contains("Sup3rS3cret"), "{err}");
        let path = std::env::temp_dir().join(format!("access-key-empty-{}", std::process::id()));
        std::fs::write(&path, " \n").unwrap();
        let err = AccessKey::read(&format!("file:{}", path.display())).unwrap_err();
        std::fs::remove_file(&path).unwrap();
        assert!(err.ends_with("holds an empty key"), "{err}");
    }
}
