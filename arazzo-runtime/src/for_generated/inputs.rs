//! Reading a workflow's inputs struct: the `Deserialize` impl generated inputs structs get
//! instead of `#[derive(Deserialize)]`.
//!
//! serde's derive writes a field enum, a visitor with `visit_map` and `visit_seq`, all generic
//! over the deserializer, into the user's crate for every workflow; type-checking and
//! borrow-checking that was about a quarter of the compile time of generated code (issue 11,
//! item 4: 100 workflows 4.1–4.3 s → 3.0–3.3 s of rustc CPU, 500 → 440 MB). The generated impl is
//! one call here with a non-capturing closure that takes each field by name, so what is
//! compiled per workflow is that closure and one small generic call per field type.
//!
//! The price: the inputs are read through a [`serde_json::Value`], so they must come from a
//! self-describing format (JSON, YAML, TOML; not bincode), and an error has no line and column.
//! In exchange an error names the input it is about. Unknown members are ignored and `null`
//! reads as absent for an optional input, as the derive did.

use serde::Deserialize;
use serde::de::{DeserializeOwned, Deserializer, Error as _};
use serde_json::{Map, Value};

/// The members of the inputs object, taken one by one by the generated closure.
pub struct Fields(Map<String, Value>);

/// Why one input could not be read (becomes the deserializer's own error).
pub struct FieldError(String);

impl Fields {
    /// A required input: missing is an error, as with the derive (``missing field `x` ``).
    pub fn required<T: DeserializeOwned>(&mut self, name: &'static str) -> Result<T, FieldError> {
        self.take(name, false)?.ok_or_else(|| missing(name))
    }

    /// An input with a default: `default()` when the member is missing.
    pub fn or_else<T: DeserializeOwned>(
        &mut self,
        name: &'static str,
        default: fn() -> T,
    ) -> Result<T, FieldError> {
        Ok(self.take(name, false)?.unwrap_or_else(default))
    }

    /// An optional input (`T` is an `Option`): absent when the member is missing or `null`.
    pub fn optional<T: DeserializeOwned + Default>(
        &mut self,
        name: &'static str,
    ) -> Result<T, FieldError> {
        Ok(self.take(name, false)?.unwrap_or_default())
    }

    /// [`Fields::required`] for a credential: an error never quotes the value (serde's
    /// `invalid type: string "…"` would).
    pub fn required_secret<T: DeserializeOwned>(
        &mut self,
        name: &'static str,
    ) -> Result<T, FieldError> {
        self.take(name, true)?.ok_or_else(|| missing(name))
    }

    /// [`Fields::or_else`] for a credential.
    pub fn or_else_secret<T: DeserializeOwned>(
        &mut self,
        name: &'static str,
        default: fn() -> T,
    ) -> Result<T, FieldError> {
        Ok(self.take(name, true)?.unwrap_or_else(default))
    }

    /// [`Fields::optional`] for a credential.
    pub fn optional_secret<T: DeserializeOwned + Default>(
        &mut self,
        name: &'static str,
    ) -> Result<T, FieldError> {
        Ok(self.take(name, true)?.unwrap_or_default())
    }

    /// The member `name` read as `T`, `None` when there is none.
    fn take<T: DeserializeOwned>(
        &mut self,
        name: &str,
        secret: bool,
    ) -> Result<Option<T>, FieldError> {
        let Some(value) = self.0.remove(name) else {
            return Ok(None);
        };
        T::deserialize(value).map(Some).map_err(|err| {
            FieldError(if secret {
                format!(
                    "input `{name}` does not have the type its schema declares (the value is a credential: not shown)"
                )
            } else {
                format!("input `{name}`: {err}")
            })
        })
    }
}

fn missing(name: &str) -> FieldError {
    FieldError(format!("missing field `{name}`"))
}

/// Reads an inputs object from `deserializer` and builds the struct with `build`.
///
/// # Errors
///
/// The deserializer's error when the input is not an object, a required input is missing, or
/// an input has another type than its schema's.
pub fn decode<'de, D: Deserializer<'de>, T>(
    deserializer: D,
    build: fn(&mut Fields) -> Result<T, FieldError>,
) -> Result<T, D::Error> {
    let mut fields = match Value::deserialize(deserializer)? {
        Value::Object(members) => Fields(members),
        other => {
            return Err(D::Error::custom(format!(
                "the inputs must be an object, not {}",
                kind(&other)
            )));
        }
    };
    build(&mut fields).map_err(|FieldError(message)| D::Error::custom(message))
}

/// What a JSON value is, without quoting it (it may hold a credential).
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Secret;

    #[derive(Debug, PartialEq)]
    struct Inputs {
        status: String,
        limit: i64,
        tag: Option<String>,
        key: Secret<String>,
    }

    impl<'de> Deserialize<'de> for Inputs {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            decode(d, |f| {
                Ok(Self {
                    status: f.required("status")?,
                    limit: f.or_else("limit", || 20)?,
                    tag: f.optional("tag")?,
                    key: f.required_secret("key")?,
                })
            })
        }
    }

    fn inputs(json: &str) -> Result<Inputs, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn required_defaulted_and_optional_inputs_read_as_the_derive_did() {
        let read = inputs(r#"{"status":"sold","key":"k","extra":1}"#);
        assert_eq!(
            read,
            Ok(Inputs {
                status: "sold".into(),
                limit: 20,
                tag: None,
                key: Secret::new("k".into()),
            })
        );
        let read = inputs(r#"{"status":"sold","limit":5,"tag":null,"key":"k"}"#);
        assert_eq!(read.map(|i| (i.limit, i.tag)), Ok((5, None)));
        let read = inputs(r#"{"status":"sold","tag":"t","key":"k"}"#);
        assert_eq!(read.map(|i| i.tag), Ok(Some("t".into())));
    }

    #[test]
    fn errors_name_the_input_and_never_quote_a_credential() {
        assert_eq!(
            inputs(r#"{"key":"k"}"#),
            Err("missing field `status`".to_owned())
        );
        assert_eq!(
            inputs(r#"{"status":"s","limit":"many","key":"k"}"#),
            Err(r#"input `limit`: invalid type: string "many", expected i64"#.to_owned())
        );
        let err = inputs(r#"{"status":"s","key":["hunter2"]}"#).unwrap_err();
        assert!(
            err.starts_with("input `key` does not have the type"),
            "{err}"
        );
        assert!(!err.contains("hunter2"), "{err}");
        assert_eq!(
            inputs(r#""hunter2""#),
            Err("the inputs must be an object, not a string".to_owned())
        );
    }
}
