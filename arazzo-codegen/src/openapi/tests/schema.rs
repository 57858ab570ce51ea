//! Schema utilities: `$ref` chasing, instance pointers, kinds, nullability.

use super::MemDocs;
use crate::openapi::SchemaRef;
use crate::openapi::schema::{Kind, at_pointer, is_nullable, is_required, kind, resolve};

const SCHEMAS: &str = r##"
Token:
  type: object
  additionalProperties: false
  properties:
    token: { type: string }
    expires: { type: integer, format: int64 }
Page:
  type: object
  properties:
    items: { type: array, items: { $ref: "#/Item" } }
    next: { type: [string, "null"] }
    meta: { additionalProperties: { type: number } }
    extra: { additionalProperties: true }
Item:
  allOf:
    - $ref: "#/Base"
    - type: object
      properties:
        name: { type: string }
Base:
  type: object
  additionalProperties: false
  properties:
    id: { type: integer }
Either:
  oneOf:
    - { type: object, properties: { code: { $ref: "#/Code" } } }
    - { type: object, properties: { code: { $ref: "#/Code" }, detail: { type: string } } }
    - { type: "null" }
Split:
  anyOf:
    - { type: object, additionalProperties: false, properties: { a: { type: string } } }
    - { type: object, additionalProperties: false, properties: { b: { type: string } } }
Code: { type: integer, format: int32 }
Tuple:
  type: array
  prefixItems: [{ type: string }, { type: integer }]
  items: false
Legacy:
  type: string
  nullable: true
NullableRef:
  allOf: [{ $ref: "#/Token" }]
  nullable: true
Loop: { $ref: "#/Loop2" }
Loop2: { $ref: "#/Loop" }
Enum: { enum: [a, b, null] }
Mixed: { type: [string, integer] }
Remote: { $ref: "other.yaml#/Thing" }
Never: false
Pattern:
  type: object
  patternProperties: { "^x-": { type: boolean } }
  additionalProperties: false
Order:
  type: object
  required: [id, "a/b"]
  properties:
    id: { type: integer }
    note: { type: string }
    "a/b": { type: string }
    lines: { type: array, items: { $ref: "#/Order" } }
"##;

const OTHER: &str = r##"
Thing:
  type: object
  properties:
    inner: { $ref: "#/Inner" }
Inner: { type: array, items: { type: boolean } }
"##;

fn docs() -> MemDocs {
    MemDocs::new(&[("s.yaml", SCHEMAS), ("other.yaml", OTHER)])
}

fn at(docs: &MemDocs, name: &str) -> SchemaRef {
    SchemaRef {
        file: docs.id("s.yaml"),
        pointer: format!("/{name}"),
    }
}

/// The pointer of the schema found at `instance`, resolved through `$ref`s.
fn found(docs: &mut MemDocs, name: &str, instance: &str) -> Option<(String, String)> {
    let root = at(docs, name);
    let s = at_pointer(docs, &root, instance).unwrap_or_else(|e| panic!("{instance}: {e}"))?;
    let r = resolve(docs, &s).unwrap();
    let file = if r.file == docs.id("s.yaml") {
        "s"
    } else {
        "other"
    };
    Some((file.to_owned(), r.pointer))
}

fn some(file: &str, pointer: &str) -> Option<(String, String)> {
    Some((file.to_owned(), pointer.to_owned()))
}

#[test]
fn resolve_follows_chains_and_stops_cycles() {
    let d = docs();
    let remote = at(&d, "Remote");
    let r = resolve(&d, &remote).unwrap();
    assert_eq!((r.file, r.pointer.as_str()), (d.id("other.yaml"), "/Thing"));
    let looped = at(&d, "Loop");
    let err = resolve(&d, &looped).unwrap_err();
    assert!(err.message.contains("cycle"), "{err:?}");
    let missing = at(&d, "Nope");
    assert!(resolve(&d, &missing).is_err());
}

#[test]
fn walks_properties_items_and_additional_properties() {
    let mut d = docs();
    assert_eq!(
        found(&mut d, "Token", "/token"),
        some("s", "/Token/properties/token")
    );
    assert_eq!(found(&mut d, "Page", ""), some("s", "/Page"));
    assert_eq!(found(&mut d, "Page", "/items/0"), some("s", "/Item"));
    assert_eq!(
        found(&mut d, "Page", "/items/3/name"),
        some("s", "/Item/allOf/1/properties/name")
    );
    assert_eq!(
        found(&mut d, "Page", "/meta/anything"),
        some("s", "/Page/properties/meta/additionalProperties")
    );
    assert_eq!(found(&mut d, "Page", "/extra/anything"), None);
    assert_eq!(found(&mut d, "Page", "/undeclared"), None, "open object");
    assert_eq!(
        found(&mut d, "Pattern", "/x-flag"),
        some("s", "/Pattern/patternProperties/^x-")
    );
    assert_eq!(
        found(&mut d, "Remote", "/inner/2"),
        some("other", "/Inner/items")
    );
    assert_eq!(
        found(&mut d, "Tuple", "/1"),
        some("s", "/Tuple/prefixItems/1")
    );
}

#[test]
fn all_of_takes_the_branch_that_has_the_member() {
    let mut d = docs();
    assert_eq!(
        found(&mut d, "Item", "/id"),
        some("s", "/Base/properties/id")
    );
    assert_eq!(
        found(&mut d, "Item", "/name"),
        some("s", "/Item/allOf/1/properties/name")
    );
    let item = at(&d, "Item");
    let err = at_pointer(&d, &item, "/colour").unwrap_err();
    assert!(err.contains("`colour`") && err.contains("`id`"), "{err}");
}

#[test]
fn one_of_must_agree() {
    let mut d = docs();
    assert_eq!(
        found(&mut d, "Either", "/code"),
        some("s", "/Code"),
        "null branch ignored"
    );
    assert_eq!(
        found(&mut d, "Either", "/detail"),
        None,
        "only one branch has it"
    );
    assert_eq!(found(&mut d, "Split", "/a"), None);
    let split = at(&d, "Split");
    let err = at_pointer(&d, &split, "/c").unwrap_err();
    assert!(err.contains("`a`") && err.contains("`b`"), "{err}");
}

#[test]
fn closed_objects_and_scalars_prove_absence() {
    let d = docs();
    let token = at(&d, "Token");
    let err = at_pointer(&d, &token, "/tokne").unwrap_err();
    assert!(err.contains("no property `tokne`"), "{err}");
    assert!(err.contains("`token`, `expires`"), "{err}");
    let err = at_pointer(&d, &token, "/token/length").unwrap_err();
    assert!(err.contains("`/token` is a string"), "{err}");
    let page = at(&d, "Page");
    let err = at_pointer(&d, &page, "/items/first").unwrap_err();
    assert!(err.contains("an array"), "{err}");
    let err = at_pointer(&d, &page, "/items/0/nme").unwrap_err();
    assert!(
        err.contains("`/items/0`") && err.contains("`name`"),
        "{err}"
    );
    let tuple = at(&d, "Tuple");
    assert!(
        at_pointer(&d, &tuple, "/2").is_err(),
        "items: false closes the tuple"
    );
    let never = at(&d, "Never");
    assert!(at_pointer(&d, &never, "/x").is_err());
    let pattern = at(&d, "Pattern");
    assert!(at_pointer(&d, &pattern, "/y-flag").is_err());
    let looped = at(&d, "Loop");
    assert!(
        at_pointer(&d, &looped, "/x").is_err(),
        "broken $ref is an error"
    );
}

#[test]
fn escaped_instance_pointers() {
    let text = "type: object\nadditionalProperties: false\nproperties:\n  a/b: { type: string }\n  c~d: { type: integer }\n";
    let d = MemDocs::new(&[("e.yaml", text)]);
    let root = SchemaRef {
        file: d.id("e.yaml"),
        pointer: String::new(),
    };
    let s = at_pointer(&d, &root, "/a~1b").unwrap().unwrap();
    assert_eq!(s.pointer, "/properties/a~1b");
    assert_eq!(kind(&d, &s), Kind::String);
    let s = at_pointer(&d, &root, "/c~0d").unwrap().unwrap();
    assert_eq!(kind(&d, &s), Kind::Integer { format: None });
}

#[test]
fn classifies_kinds() {
    let d = docs();
    let k = |name: &str| {
        let s = at(&d, name);
        kind(&d, &s)
    };
    assert_eq!(k("Token"), Kind::Object);
    assert_eq!(
        k("Token/properties/expires"),
        Kind::Integer {
            format: Some("int64".into())
        }
    );
    assert_eq!(k("Page/properties/next"), Kind::String);
    assert_eq!(k("Item"), Kind::Object);
    assert_eq!(k("Either"), Kind::Object);
    assert_eq!(
        k("Code"),
        Kind::Integer {
            format: Some("int32".into())
        }
    );
    assert_eq!(k("Legacy"), Kind::String);
    assert_eq!(k("NullableRef"), Kind::Object);
    assert_eq!(k("Enum"), Kind::String);
    assert_eq!(k("Mixed"), Kind::Any);
    assert_eq!(k("Loop"), Kind::Any);
    assert_eq!(k("Never"), Kind::Any);
    assert_eq!(k("Either/oneOf/2"), Kind::Null);
    let page_items = at(&d, "Page/properties/items");
    assert_eq!(
        kind(&d, &page_items),
        Kind::Array(Some(SchemaRef {
            file: d.id("s.yaml"),
            pointer: "/Page/properties/items/items".into()
        }))
    );
    let tuple = at(&d, "Tuple");
    assert_eq!(kind(&d, &tuple), Kind::Array(None));
}

#[test]
fn tells_nullability() {
    let d = docs();
    let n = |name: &str| {
        let s = at(&d, name);
        is_nullable(&d, &s)
    };
    assert!(n("Legacy"));
    assert!(n("NullableRef"));
    assert!(n("Page/properties/next"));
    assert!(n("Either"));
    assert!(n("Enum"));
    assert!(!n("Token"));
    assert!(!n("Item"));
    assert!(!n("Split"));
    assert!(!n("Loop"));
}

#[test]
fn tells_required_members() {
    let d = docs();
    let order = at(&d, "Order");
    let required = |instance: &str| is_required(&d, &order, instance);
    assert!(required(""), "the top level is always there");
    assert!(required("/id"));
    assert!(required("/a~1b"), "the last token is unescaped");
    assert!(!required("/note"));
    assert!(!required("/missing"));
    assert!(!required("/lines/0"), "an array item may be absent");
    assert!(required("/lines/0/id"), "through `items` and its `$ref`");
    assert!(!required("/lines/0/note"));
}
