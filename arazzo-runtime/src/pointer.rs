//! Decoding the value at a JSON pointer straight from a response body, without building a
//! `serde_json::Value` tree of the whole body first: what a typed hand-written
//! `#[derive(Deserialize)]` struct of just the wanted field costs.
//!
//! Everything else in the body is skipped with `IgnoredAny` (parsed, not stored). Anything
//! unusual (no value there, a duplicated member on the way, a type mismatch, invalid JSON)
//! gives `None`, and the caller takes the `Value` path, whose errors and edge cases are the
//! reference: this is only a faster route to the same result.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess,
    Visitor,
};

/// The value at `pointer` (RFC 6901) in the JSON document `body`, decoded as `T`; `None`
/// when the fast route cannot say (see the module documentation).
pub(crate) fn decode_at<T: DeserializeOwned>(body: &[u8], pointer: &str) -> Option<T> {
    if !pointer.is_empty() && !pointer.starts_with('/') {
        return None;
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = At::<T>::new(pointer).deserialize(&mut de).ok()??;
    de.end().ok()?;
    Some(value)
}

/// Decodes the value at `rest` (a pointer, `""` for the value itself) inside the value being
/// deserialized.
struct At<'p, T> {
    rest: &'p str,
    target: PhantomData<T>,
}

impl<'p, T> At<'p, T> {
    fn new(rest: &'p str) -> Self {
        Self {
            rest,
            target: PhantomData,
        }
    }
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for At<'_, T> {
    type Value = Option<T>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<T>, D::Error> {
        if self.rest.is_empty() {
            return T::deserialize(deserializer).map(Some);
        }
        deserializer.deserialize_any(self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for At<'_, T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object or array to descend into")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<T>, A::Error> {
        let (token, rest) = split(self.rest);
        let mut found = None;
        while let Some(matches) = map.next_key_seed(KeyIs(&token))? {
            if !matches {
                map.next_value::<IgnoredAny>()?;
            } else if found.is_some() {
                // `Value` keeps the last of duplicated members: let that path decide.
                return Err(de::Error::custom("duplicated member"));
            } else {
                found = Some(map.next_value_seed(At::<T>::new(rest))?);
            }
        }
        Ok(found.flatten())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<T>, A::Error> {
        let (token, rest) = split(self.rest);
        let index = parse_index(&token);
        let mut found = None;
        let mut i = 0usize;
        loop {
            if Some(i) == index {
                match seq.next_element_seed(At::<T>::new(rest))? {
                    Some(value) => found = value,
                    None => break,
                }
            } else if seq.next_element::<IgnoredAny>()?.is_none() {
                break;
            }
            i += 1;
        }
        Ok(found)
    }
}

/// Whether a member's name equals the (unescaped) token, compared without copying it.
struct KeyIs<'t>(&'t str);

impl<'de> DeserializeSeed<'de> for KeyIs<'_> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for KeyIs<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<bool, E> {
        Ok(name == self.0)
    }
}

/// The first reference token of `pointer` (which starts with `/`), unescaped (`~1` is `/`,
/// `~0` is `~`), and the rest of the pointer.
fn split(pointer: &str) -> (Cow<'_, str>, &str) {
    let tail = pointer.get(1..).unwrap_or_default();
    let (token, rest) = match tail.find('/') {
        Some(at) => (&tail[..at], &tail[at..]),
        None => (tail, ""),
    };
    let token = if token.contains('~') {
        Cow::Owned(token.replace("~1", "/").replace("~0", "~"))
    } else {
        Cow::Borrowed(token)
    };
    (token, rest)
}

/// An array index token as `serde_json::Value::pointer` reads one: digits, no sign, no
/// leading zero.
fn parse_index(token: &str) -> Option<usize> {
    if token.starts_with('+') || (token.starts_with('0') && token.len() != 1) {
        return None;
    }
    token.parse().ok()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::*;

    /// What the reference path gives: the `Value` tree, then the pointer.
    fn reference<T: DeserializeOwned>(body: &[u8], pointer: &str) -> Option<T> {
        let json: Value = serde_json::from_slice(body).ok()?;
        T::deserialize(json.pointer(pointer)?).ok()
    }

    #[test]
    fn finds_members_and_items_and_skips_the_rest() {
        let body = br#"{"a":{"b/c":[10,{"d~e":"x"}],"z":null},"token":"t\"1","n":[1,2,3]}"#;
        assert_eq!(decode_at::<String>(body, "/token").as_deref(), Some("t\"1"));
        assert_eq!(
            decode_at::<String>(body, "/a/b~1c/1/d~0e").as_deref(),
            Some("x")
        );
        assert_eq!(decode_at::<u16>(body, "/a/b~1c/0"), Some(10));
        assert_eq!(decode_at::<Vec<i64>>(body, "/n"), Some(vec![1, 2, 3]));
        assert_eq!(decode_at::<Option<i64>>(body, "/a/z"), Some(None));
        assert_eq!(
            decode_at::<Value>(body, "").map(|v| v["n"][2].clone()),
            Some(json!(3))
        );
        // Nothing there, or not descendable: the caller's `Value` path decides.
        assert_eq!(decode_at::<String>(body, "/missing"), None);
        assert_eq!(decode_at::<String>(body, "/n/01"), None);
        assert_eq!(decode_at::<String>(body, "/n/9"), None);
        assert_eq!(decode_at::<String>(body, "/token/x"), None);
        assert_eq!(decode_at::<String>(body, "token"), None);
        // A type mismatch, duplicated members, trailing garbage: the same.
        assert_eq!(decode_at::<u16>(body, "/token"), None);
        assert_eq!(decode_at::<String>(br#"{"t":"a","t":"b"}"#, "/t"), None);
        assert_eq!(decode_at::<String>(br#"{"t":"a"} x"#, "/t"), None);
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            "[a-z~/\"]{0,4}".prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
                prop::collection::vec(("[a-c~/]{0,2}", inner), 0..4)
                    .prop_map(|members| Value::Object(members.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// Whenever the fast route answers, it answers what the `Value` path does.
        #[test]
        fn agrees_with_the_value_path(
            doc in json_value(),
            tokens in prop::collection::vec("[a-c~/0-3]{0,2}", 0..4),
        ) {
            let body = serde_json::to_vec(&doc).unwrap();
            let pointer: String = tokens
                .iter()
                .map(|t| format!("/{}", t.replace('~', "~0").replace('/', "~1")))
                .collect();
            if let Some(fast) = decode_at::<Value>(&body, &pointer) {
                prop_assert_eq!(Some(fast), reference::<Value>(&body, &pointer));
            }
            if let Some(fast) = decode_at::<String>(&body, &pointer) {
                prop_assert_eq!(Some(fast), reference::<String>(&body, &pointer));
            }
            // And it does answer whenever the value is there.
            prop_assert_eq!(
                decode_at::<Value>(&body, &pointer).is_some(),
                doc.pointer(&pointer).is_some()
            );
        }
    }
}
