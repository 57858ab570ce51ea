//! Rust names from Arazzo and JSON names: `snake_case` for functions and fields,
//! `UpperCamelCase` for types, keywords escaped, collisions resolved deterministically.

use std::collections::BTreeSet;

/// Splits `generate-token-then-broadcast`, `accessToken`, `HTTPStatus`, `api_version2` into
/// lower-case words.
fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut words = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1).copied();
        let boundary = match prev {
            Some(p) if c.is_uppercase() => {
                p.is_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_uppercase() && next.is_some_and(char::is_lowercase))
            }
            _ => false,
        };
        if boundary && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// Words that cannot be raw identifiers either.
const NOT_RAW: &[&str] = &["crate", "self", "Self", "super", "_"];

/// An empty name becomes `fallback`; one starting with a digit gets `prefix` (`n123`,
/// `V123`: a leading `_` would make clippy and rustc's case lints complain).
fn fix_start(mut name: String, fallback: &str, prefix: &str) -> String {
    if name.is_empty() {
        return fallback.to_owned();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert_str(0, prefix);
    }
    name
}

/// `accessToken` → `access_token`; keywords get a trailing `_` (`type` → `type_`).
pub(crate) fn snake(name: &str) -> String {
    let s = fix_start(words(name).join("_"), "value", "n");
    escape_keyword(s)
}

/// `generate-token-then-broadcast` → `GenerateTokenThenBroadcast`.
pub(crate) fn camel(name: &str) -> String {
    let s: String = words(name)
        .iter()
        .map(|w| {
            let mut cs = w.chars();
            match cs.next() {
                Some(first) => first.to_uppercase().chain(cs).collect::<String>(),
                None => String::new(),
            }
        })
        .collect();
    escape_keyword(fix_start(s, "Value", "V"))
}

/// `SCREAMING_SNAKE` for constants.
pub(crate) fn screaming(name: &str) -> String {
    fix_start(words(name).join("_").to_uppercase(), "VALUE", "N")
}

fn escape_keyword(s: String) -> String {
    if KEYWORDS.contains(&s.as_str()) || NOT_RAW.contains(&s.as_str()) {
        format!("{s}_")
    } else {
        s
    }
}

/// Hands out unique names in one scope: the second `user_id` becomes `user_id_2`.
#[derive(Debug, Default)]
pub(crate) struct Scope {
    taken: BTreeSet<String>,
}

impl Scope {
    /// A scope where `reserved` names are already taken.
    pub(crate) fn with_reserved(reserved: &[&str]) -> Self {
        Self {
            taken: reserved.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    /// `name` if free, else `name_2`, `name_3`, ... (`Name2` for an `UpperCamelCase` name, and
    /// a keyword's escape `_` dropped first: `type_` → `type_2`... is `type2`).
    pub(crate) fn claim(&mut self, name: String) -> String {
        if self.taken.insert(name.clone()) {
            return name;
        }
        let camel = name.starts_with(|c: char| c.is_uppercase());
        let stem = name.trim_end_matches('_');
        let mut n = 2;
        loop {
            let candidate = if camel || stem.len() < name.len() {
                format!("{stem}{n}")
            } else {
                format!("{name}_{n}")
            };
            if self.taken.insert(candidate.clone()) {
                return candidate;
            }
            n += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case() {
        assert_eq!(snake("accessToken"), "access_token");
        assert_eq!(snake("api-version"), "api_version");
        assert_eq!(snake("HTTPStatus"), "http_status");
        assert_eq!(snake("minutesToExpire"), "minutes_to_expire");
        assert_eq!(snake("type"), "type_");
        assert_eq!(snake("2fa"), "n2fa");
        assert_eq!(camel("123"), "V123");
        assert_eq!(snake("--"), "value");
        assert_eq!(snake("self"), "self_");
    }

    #[test]
    fn camel_case() {
        assert_eq!(
            camel("generate-token-then-broadcast"),
            "GenerateTokenThenBroadcast"
        );
        assert_eq!(camel("webPubSubApi"), "WebPubSubApi");
        assert_eq!(camel("self"), "Self_");
    }

    #[test]
    fn screaming_case() {
        assert_eq!(screaming("webPubSubApi"), "WEB_PUB_SUB_API");
    }

    #[test]
    fn collisions_are_numbered() {
        let mut scope = Scope::with_reserved(&["client"]);
        assert_eq!(scope.claim("client".into()), "client_2");
        assert_eq!(scope.claim("a".into()), "a");
        assert_eq!(scope.claim("a".into()), "a_2");
        assert_eq!(scope.claim("a".into()), "a_3");
        assert_eq!(scope.claim("Pro".into()), "Pro");
        assert_eq!(scope.claim("Pro".into()), "Pro2");
        assert_eq!(scope.claim("self_".into()), "self_");
        assert_eq!(scope.claim("self_".into()), "self2");
    }
}
