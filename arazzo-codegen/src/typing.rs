//! JSON Schema → Rust types: workflow inputs become generated structs and enums; OpenAPI
//! response schemas give output types.
//!
//! `string` → `String`, `integer` → `i64`, `number` → `f64`, `boolean` → `bool`, a string
//! `enum` → a Rust enum, `object` with `properties` → a struct, `array` → `Vec`; required →
//! `T`, with a `default` → `T` filled with the default, otherwise `Option<T>`; anything else →
//! `serde_json::Value`. Secrets (`format: password`, or used in an `Authorization`-like header)
//! are `Secret<T>`, which `Debug` never prints.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::names::{self, Scope};
use crate::openapi::schema::{self, Kind};
use crate::openapi::{Documents, SchemaRef};
use crate::plan::{Field, Presence, RustType, TypeBody, TypeDef, Variant};

/// A problem with an inputs schema: the JSON pointer (relative to the schema) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SchemaProblem {
    /// Pointer inside the schema, e.g. `/properties/hub/type`.
    pub(crate) pointer: String,
    /// What is wrong.
    pub(crate) message: String,
    /// How to fix it.
    pub(crate) help: Option<String>,
}

/// Builds the inputs struct `type_name` (first in the result) and the types it uses.
/// `secrets` names the top-level inputs to wrap in `Secret`.
pub(crate) fn inputs(
    schema: Option<&Value>,
    type_name: &str,
    doc: String,
    secrets: &BTreeSet<String>,
) -> (Vec<TypeDef>, Vec<SchemaProblem>) {
    let mut builder = Builder {
        defs: Vec::new(),
        problems: Vec::new(),
        names: Scope::default(),
    };
    builder.names.claim(type_name.to_owned());
    match schema {
        None => builder.defs.push(TypeDef {
            name: type_name.to_owned(),
            doc,
            body: TypeBody::Struct(Vec::new()),
        }),
        Some(schema) => {
            if schema
                .get("type")
                .and_then(Value::as_str)
                .is_some_and(|t| t != "object")
            {
                builder.problem("/type", "workflow inputs must be an object schema");
            }
            builder.object(schema, "", type_name.to_owned(), doc, secrets);
        }
    }
    // The struct itself first, then what it uses, in the order first used.
    let (mut first, rest): (Vec<_>, Vec<_>) =
        builder.defs.into_iter().partition(|d| d.name == type_name);
    first.extend(rest);
    (first, builder.problems)
}

struct Builder {
    defs: Vec<TypeDef>,
    problems: Vec<SchemaProblem>,
    names: Scope,
}

impl Builder {
    fn problem(&mut self, pointer: &str, message: &str) {
        self.problems.push(SchemaProblem {
            pointer: pointer.to_owned(),
            message: message.to_owned(),
            help: None,
        });
    }

    fn object(
        &mut self,
        schema: &Value,
        pointer: &str,
        name: String,
        doc: String,
        secrets: &BTreeSet<String>,
    ) {
        let required: std::collections::HashSet<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut fields = Vec::new();
        let mut field_names = Scope::default();
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            for (prop, prop_schema) in props {
                let prop_pointer = format!(
                    "{pointer}/properties/{}",
                    crate::pointer::escape_token(prop)
                );
                if prop_schema.get("$ref").is_some() {
                    self.problem(
                        &format!("{prop_pointer}/$ref"),
                        "`$ref` in workflow inputs needs `components`, which this generator does not support yet",
                    );
                }
                let nested_name = format!("{name}{}", names::camel(prop));
                let mut ty = self.schema_type(prop_schema, &prop_pointer, nested_name, secrets);
                let secret = (pointer.is_empty() && secrets.contains(prop))
                    || prop_schema.get("format").and_then(Value::as_str) == Some("password");
                if secret {
                    ty = RustType::Secret(Box::new(ty));
                }
                let presence = if required.contains(prop.as_str()) {
                    Presence::Required
                } else if let Some(default) = prop_schema.get("default") {
                    // A generated struct cannot be built from a JSON default without parsing it
                    // at run time; defaults of its properties can be.
                    if default.is_object() && matches!(ty.inner(), RustType::Named(_)) {
                        self.problems.push(SchemaProblem {
                            pointer: format!("{prop_pointer}/default"),
                            message: format!(
                                "a `default` for the object input `{prop}` is not supported"
                            ),
                            help: Some("give its properties defaults instead".into()),
                        });
                    }
                    Presence::Default(default.clone())
                } else {
                    ty = ty.optional();
                    Presence::Optional
                };
                fields.push(Field {
                    json_name: prop.clone(),
                    rust_name: field_names.claim(names::snake(prop)),
                    ty,
                    doc: doc_of(prop_schema),
                    presence,
                });
            }
        }
        let listed = schema.get("required").and_then(Value::as_array);
        for (i, missing) in listed.into_iter().flatten().enumerate() {
            let Some(missing) = missing.as_str() else {
                continue;
            };
            if fields.iter().any(|f| f.json_name == missing) {
                continue;
            }
            let names: Vec<&str> = fields.iter().map(|f| f.json_name.as_str()).collect();
            let help = match crate::suggest::similar(missing, &names).first() {
                Some(best) => format!("did you mean `{best}`?"),
                None => format!("add `{missing}` under `properties`, or remove it from `required`"),
            };
            self.problems.push(SchemaProblem {
                pointer: format!("{pointer}/required/{i}"),
                message: format!("`{missing}` is required but has no entry in `properties`"),
                help: Some(help),
            });
        }
        self.defs.push(TypeDef {
            name,
            doc,
            body: TypeBody::Struct(fields),
        });
    }

    fn schema_type(
        &mut self,
        schema: &Value,
        pointer: &str,
        name: String,
        secrets: &BTreeSet<String>,
    ) -> RustType {
        let (ty, nullable) = type_name(schema);
        let rust = match ty.as_deref() {
            Some("string") => match schema.get("enum").and_then(Value::as_array) {
                Some(values) if values.iter().all(Value::is_string) && !values.is_empty() => {
                    let name = self.names.claim(name);
                    let mut variants = Scope::default();
                    let body = TypeBody::Enum(
                        values
                            .iter()
                            .filter_map(Value::as_str)
                            .map(|wire| Variant {
                                rust_name: variants.claim(names::camel(wire)),
                                wire: wire.to_owned(),
                            })
                            .collect(),
                    );
                    self.defs.push(TypeDef {
                        name: name.clone(),
                        doc: doc_of(schema).unwrap_or_else(|| format!("Values of `{name}`.")),
                        body,
                    });
                    RustType::Named(name)
                }
                _ => RustType::String,
            },
            Some("integer") => RustType::I64,
            Some("number") => RustType::F64,
            Some("boolean") => RustType::Bool,
            Some("array") => {
                let item = match schema.get("items") {
                    Some(items) => self.schema_type(
                        items,
                        &format!("{pointer}/items"),
                        format!("{name}Item"),
                        secrets,
                    ),
                    None => RustType::Json,
                };
                RustType::Vec(Box::new(item))
            }
            Some("object") if schema.get("properties").is_some() => {
                let name = self.names.claim(name);
                let doc =
                    doc_of(schema).unwrap_or_else(|| format!("Part of the inputs: `{name}`."));
                self.object(schema, pointer, name.clone(), doc, secrets);
                RustType::Named(name)
            }
            _ => RustType::Json,
        };
        if nullable && rust != RustType::Json {
            rust.optional()
        } else {
            rust
        }
    }
}

/// The schema's single type, and whether `null` is allowed too (`type: [x, "null"]`,
/// 3.0 `nullable: true`).
fn type_name(schema: &Value) -> (Option<String>, bool) {
    let nullable = schema.get("nullable").and_then(Value::as_bool) == Some(true);
    match schema.get("type") {
        Some(Value::String(t)) => (Some(t.clone()), nullable),
        Some(Value::Array(types)) => {
            let non_null: Vec<&str> = types
                .iter()
                .filter_map(Value::as_str)
                .filter(|t| *t != "null")
                .collect();
            let has_null = non_null.len() < types.len();
            match non_null.as_slice() {
                [one] => (Some((*one).to_owned()), nullable || has_null),
                _ => (None, nullable || has_null),
            }
        }
        _ if schema.get("enum").is_some() => (Some("string".to_owned()), nullable),
        _ => (None, nullable),
    }
}

/// A doc comment from a schema's `title`/`description`.
fn doc_of(schema: &Value) -> Option<String> {
    let description = schema.get("description").and_then(Value::as_str);
    let title = schema.get("title").and_then(Value::as_str);
    match (title, description) {
        (Some(t), Some(d)) => Some(format!("{t}\n\n{d}")),
        (Some(t), None) => Some(t.to_owned()),
        (None, Some(d)) => Some(d.to_owned()),
        (None, None) => None,
    }
}

/// The Rust type of a value described by an OpenAPI schema (for outputs).
pub(crate) fn from_openapi(docs: &dyn Documents, schema: &SchemaRef) -> RustType {
    let ty = match schema::kind(docs, schema) {
        Kind::String => RustType::String,
        Kind::Integer { .. } => RustType::I64,
        Kind::Number => RustType::F64,
        Kind::Boolean => RustType::Bool,
        Kind::Array(Some(items)) => RustType::Vec(Box::new(from_openapi(docs, &items))),
        Kind::Array(None) => RustType::Vec(Box::new(RustType::Json)),
        Kind::Object | Kind::Null | Kind::Any => return RustType::Json,
    };
    if schema::is_nullable(docs, schema) {
        ty.optional()
    } else {
        ty
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(def: &TypeDef) -> &[Field] {
        match &def.body {
            TypeBody::Struct(f) => f,
            TypeBody::Enum(_) => panic!("not a struct"),
        }
    }

    #[test]
    fn required_default_and_optional_fields() {
        let schema = json!({
            "type": "object",
            "required": ["hub"],
            "properties": {
                "hub": {"type": "string", "description": "Target hub."},
                "minutesToExpire": {"type": "integer", "default": 60},
                "userId": {"type": "string"},
                "accessToken": {"type": "string"}
            }
        });
        let secrets = BTreeSet::from(["accessToken".to_owned()]);
        let (defs, problems) = inputs(Some(&schema), "FlowInputs", "Inputs.".into(), &secrets);
        assert!(problems.is_empty());
        let f = fields(&defs[0]);
        assert_eq!(f[0].rust_name, "hub");
        assert_eq!(f[0].ty, RustType::String);
        assert_eq!(f[0].doc.as_deref(), Some("Target hub."));
        assert_eq!(f[1].presence, Presence::Default(json!(60)));
        assert_eq!(f[1].ty, RustType::I64);
        assert_eq!(f[2].ty, RustType::Option(Box::new(RustType::String)));
        assert_eq!(
            f[3].ty,
            RustType::Option(Box::new(RustType::Secret(Box::new(RustType::String))))
        );
    }

    #[test]
    fn enums_nested_objects_and_arrays() {
        let schema = json!({
            "type": "object",
            "required": ["kind", "owner", "tags"],
            "properties": {
                "kind": {"type": "string", "enum": ["cat", "dog"]},
                "owner": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}},
                "tags": {"type": "array", "items": {"type": "string"}},
                "extra": {},
                "password": {"type": "string", "format": "password"}
            }
        });
        let (defs, problems) = inputs(Some(&schema), "PetInputs", String::new(), &BTreeSet::new());
        assert!(problems.is_empty());
        let names: Vec<&str> = defs.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["PetInputs", "PetInputsKind", "PetInputsOwner"]);
        let f = fields(&defs[0]);
        assert_eq!(f[0].ty, RustType::Named("PetInputsKind".into()));
        assert_eq!(f[2].ty, RustType::Vec(Box::new(RustType::String)));
        assert_eq!(f[3].ty, RustType::Option(Box::new(RustType::Json)));
        assert!(matches!(f[4].ty.inner(), RustType::String));
        assert!(matches!(&f[4].ty, RustType::Option(t) if matches!(**t, RustType::Secret(_))));
    }

    #[test]
    fn problems_point_into_the_schema() {
        let schema = json!({"type": "array", "required": ["x"]});
        let (_, problems) = inputs(Some(&schema), "X", String::new(), &BTreeSet::new());
        assert_eq!(problems[0].pointer, "/type");
        assert_eq!(problems[1].pointer, "/required/0");
    }
}
