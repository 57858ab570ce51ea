//! Schema queries answered once per check.
//!
//! The generator runs inside build scripts, at opt-level 0, and many steps read the same few
//! response and request schemas: at 1000 workflows, walking them again for every output,
//! parameter and body member was most of `check` (issue 11). These queries are pure (the
//! documents do not change while checking), so each distinct one is computed once and
//! answered from a table after; the tables hold one entry per distinct query. Diagnostics are
//! never remembered here: the checks that report them still run every time.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::Hash;

use super::Cx;
use crate::openapi::SchemaRef;
use crate::openapi::schema::{self, Kind};
use crate::plan::RustType;
use crate::typing;

/// One kind of query: its key, and the answer.
type Table<K, V> = RefCell<HashMap<K, V>>;

/// A schema and an instance pointer into the values it describes.
type Walk = (SchemaRef, String);

/// The remembered answers, keyed by schema (and instance pointer).
#[derive(Default)]
pub(crate) struct SchemaMemo {
    resolved: Table<SchemaRef, Option<SchemaRef>>,
    at_pointer: Table<Walk, Result<Option<SchemaRef>, String>>,
    required: Table<Walk, bool>,
    kind: Table<SchemaRef, Kind>,
    password: Table<SchemaRef, bool>,
    rust_type: Table<SchemaRef, RustType>,
}

/// The answer for `key` in `table`, computed by `compute` the first time.
fn remembered<K: Eq + Hash, V: Clone>(
    table: &Table<K, V>,
    key: K,
    compute: impl FnOnce() -> V,
) -> V {
    if let Some(answer) = table.borrow().get(&key) {
        return answer.clone();
    }
    let answer = compute();
    table.borrow_mut().insert(key, answer.clone());
    answer
}

impl Cx<'_> {
    /// [`schema::resolve`], `None` when a `$ref` does not resolve.
    pub(crate) fn resolved(&self, s: &SchemaRef) -> Option<SchemaRef> {
        remembered(&self.schemas.resolved, s.clone(), || {
            schema::resolve(self.files, s).ok()
        })
    }

    /// [`schema::at_pointer`].
    pub(crate) fn at_pointer(&self, s: &SchemaRef, ptr: &str) -> Result<Option<SchemaRef>, String> {
        remembered(
            &self.schemas.at_pointer,
            (s.clone(), ptr.to_owned()),
            || schema::at_pointer(self.files, s, ptr),
        )
    }

    /// [`schema::is_required`].
    pub(crate) fn is_required(&self, s: &SchemaRef, ptr: &str) -> bool {
        remembered(&self.schemas.required, (s.clone(), ptr.to_owned()), || {
            schema::is_required(self.files, s, ptr)
        })
    }

    /// [`schema::kind`].
    pub(crate) fn kind(&self, s: &SchemaRef) -> Kind {
        remembered(&self.schemas.kind, s.clone(), || {
            schema::kind(self.files, s)
        })
    }

    /// [`schema::is_password`].
    pub(crate) fn is_password(&self, s: &SchemaRef) -> bool {
        remembered(&self.schemas.password, s.clone(), || {
            schema::is_password(self.files, s)
        })
    }

    /// [`typing::from_openapi`].
    pub(crate) fn rust_type(&self, s: &SchemaRef) -> RustType {
        remembered(&self.schemas.rust_type, s.clone(), || {
            typing::from_openapi(self.files, s)
        })
    }
}
