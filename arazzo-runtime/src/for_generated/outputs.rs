//! Writing a workflow's outputs struct: the `Serialize` impl generated outputs structs get
//! instead of `#[derive(Serialize)]`.
//!
//! serde's derive writes a `serialize_struct` call and one generic `serialize_field` per field
//! into the user's crate for every workflow. The generated impl is one call here with the
//! fields as `(name, &dyn Field)` pairs, so what is compiled per workflow is that call; the
//! per-type code is shared by every workflow whose outputs have that type (issue 11, item 4:
//! 100 workflows 414 → 402 MB of rustc peak RSS, median of 3, and 0.2 s less CPU).
//!
//! The price: each field is written through a [`serde_json::Value`], so a value reaches a
//! non-JSON format as JSON would carry it (a `NaN` as `null`), and writing allocates. Outputs
//! are written once per run, after the workflow, never on its path. The JSON is the derive's:
//! the same names, in the same order.

use serde::Serialize;
use serde::ser::{Error as _, SerializeStruct, Serializer};
use serde_json::Value;

/// One output field, written through a JSON value.
pub trait Field {
    /// The field's value as JSON.
    ///
    /// # Errors
    ///
    /// `serde_json`'s, when the value has no JSON form (a map with non-string keys).
    fn to_json(&self) -> Result<Value, serde_json::Error>;
}

impl<T: Serialize + ?Sized> Field for T {
    fn to_json(&self) -> Result<Value, serde_json::Error> {
        serde_json::to_value(self)
    }
}

/// Writes the outputs struct `name` with `fields` (each its JSON name and value) to
/// `serializer`, as the derive would.
///
/// # Errors
///
/// The serializer's error, or a field's (see [`Field::to_json`]) as the serializer's.
pub fn encode<S: Serializer>(
    serializer: S,
    name: &'static str,
    fields: &[(&'static str, &dyn Field)],
) -> Result<S::Ok, S::Error> {
    let mut out = serializer.serialize_struct(name, fields.len())?;
    for (key, value) in fields {
        let value = value.to_json().map_err(S::Error::custom)?;
        out.serialize_field(key, &value)?;
    }
    out.end()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the generated impl looks like, next to the derive it replaces.
    struct Outputs {
        pet_name: String,
        price: f64,
        tags: Vec<String>,
        note: Option<String>,
    }

    impl Serialize for Outputs {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            encode(
                serializer,
                "Outputs",
                &[
                    ("petName", &self.pet_name),
                    ("price", &self.price),
                    ("tags", &self.tags),
                    ("note", &self.note),
                ],
            )
        }
    }

    #[derive(Serialize)]
    struct Derived {
        #[serde(rename = "petName")]
        pet_name: String,
        price: f64,
        tags: Vec<String>,
        note: Option<String>,
    }

    #[test]
    fn writes_what_the_derive_writes() {
        for (price, note) in [(12.5, Some("x".to_owned())), (f64::NAN, None)] {
            let ours = Outputs {
                pet_name: "Rex".into(),
                price,
                tags: vec!["a".into(), "b".into()],
                note: note.clone(),
            };
            let derived = Derived {
                pet_name: "Rex".into(),
                price,
                tags: vec!["a".into(), "b".into()],
                note,
            };
            assert_eq!(
                serde_json::to_string(&ours).unwrap(),
                serde_json::to_string(&derived).unwrap()
            );
            assert_eq!(
                serde_json::to_string_pretty(&ours).unwrap(),
                serde_json::to_string_pretty(&derived).unwrap()
            );
        }
    }

    #[test]
    fn a_field_without_a_json_form_is_the_serializers_error() {
        struct Bad(std::collections::BTreeMap<(u8, u8), u8>);
        impl Serialize for Bad {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                encode(serializer, "Bad", &[("map", &self.0)])
            }
        }
        let err = serde_json::to_string(&Bad([((1, 2), 3)].into())).unwrap_err();
        assert!(err.to_string().contains("key must be a string"), "{err}");
    }
}
