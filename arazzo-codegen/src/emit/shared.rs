//! Workflows whose inputs types are identical share them: the later ones get `pub type`
//! aliases instead of their own copies (issue 11, item 4: each struct, its constructor and its
//! `Deserialize` cost compile time in the user's crate). Documents that take inputs from one
//! `$components.inputs` entry, and workflows without inputs, are the common case.

use std::collections::HashMap;

use crate::plan::{Field, RustType, TypeBody, TypeDef, WorkflowPlan};

use super::types::Attributes;

/// For each workflow (by id) whose inputs types equal an earlier workflow's, that workflow's
/// inputs struct name. Types that `Builder::type_attribute` gives attributes are never shared,
/// since an alias would carry the other workflow's attributes.
pub(super) fn inputs(
    workflows: &[WorkflowPlan],
    attributes: &Attributes,
) -> HashMap<String, String> {
    let mut out = HashMap::new();
    // Shapes seen so far, bucketed by their field names so most comparisons are skipped.
    let mut seen: HashMap<String, Vec<(Vec<TypeDef>, String)>> = HashMap::new();
    for w in workflows {
        let Some(first) = w.inputs.first() else {
            continue;
        };
        if w.inputs
            .iter()
            .any(|d| !attributes.of(&w.id, &d.name).is_empty())
        {
            continue;
        }
        let shape = shape(&w.inputs, &first.name);
        let bucket = seen.entry(bucket_key(&shape)).or_default();
        match bucket.iter().find(|(s, _)| *s == shape) {
            Some((_, canonical)) => {
                out.insert(w.id.clone(), canonical.clone());
            }
            None => bucket.push((shape, first.name.clone())),
        }
    }
    out
}

/// The types with their names relative to the inputs struct's (`BuyPetInputsAddress` →
/// `Address`, also where docs name them) and the struct's own doc comment left out (it names
/// the workflow).
fn shape(defs: &[TypeDef], base: &str) -> Vec<TypeDef> {
    let rename = |name: &str| name.strip_prefix(base).unwrap_or(name).to_owned();
    defs.iter()
        .enumerate()
        .map(|(i, d)| TypeDef {
            name: rename(&d.name),
            // The struct's doc names the workflow, the others' their own type.
            doc: if i == 0 {
                String::new()
            } else {
                d.doc.replace(base, "")
            },
            body: match &d.body {
                TypeBody::Struct(fields) => TypeBody::Struct(
                    fields
                        .iter()
                        .map(|f| Field {
                            ty: renamed(&f.ty, &rename),
                            ..f.clone()
                        })
                        .collect(),
                ),
                TypeBody::Enum(variants) => TypeBody::Enum(variants.clone()),
            },
        })
        .collect()
}

fn renamed(ty: &RustType, rename: &dyn Fn(&str) -> String) -> RustType {
    match ty {
        RustType::Named(name) => RustType::Named(rename(name)),
        RustType::Vec(inner) => RustType::Vec(Box::new(renamed(inner, rename))),
        RustType::Option(inner) => RustType::Option(Box::new(renamed(inner, rename))),
        RustType::Secret(inner) => RustType::Secret(Box::new(renamed(inner, rename))),
        other => other.clone(),
    }
}

fn bucket_key(shape: &[TypeDef]) -> String {
    match shape.first().map(|d| &d.body) {
        Some(TypeBody::Struct(fields)) => fields
            .iter()
            .map(|f| f.json_name.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}
