//! Semantic checks. Each family of checks lives in its own file; together they prove what the
//! plan needs and build it, collecting every diagnostic instead of stopping at the first.

mod actions;
mod calls;
mod components;
mod document;
mod flow;
mod memo;
mod message;
mod order;
mod request;
mod selection;
mod selector;
mod signature;
mod sources;
mod status;
mod step;
mod structure;
mod types;
mod values;
mod workflow;

use crate::diagnostic::{Diagnostic, FileId, Span};
use crate::load::Files;
use crate::plan::Plan;

pub(crate) use sources::Source;

/// Settings that change what counts as an error, and what is generated.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    /// Make an unbraced expression inside a longer string (`"Bearer $inputs.token"`) an
    /// error instead of a warning.
    pub(crate) strict: bool,
    /// How many steps a branching workflow may run before it fails with
    /// `WorkflowError::StepBudgetExceeded` (ends `goto` loops). Default 1000.
    pub(crate) step_budget: usize,
    /// Which serde derives the generated types get.
    pub(crate) serde: crate::plan::Serde,
    /// Attributes for generated types, passed on to the plan.
    pub(crate) type_attributes: Vec<crate::plan::TypeAttribute>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            strict: false,
            step_budget: 1000,
            serde: crate::plan::Serde::default(),
            type_attributes: Vec::new(),
        }
    }
}

/// Checks the Arazzo document in `file` and everything it references. Returns the plan when
/// there were no errors, and every diagnostic (warnings too) in document order.
pub(crate) fn check(
    files: &Files,
    file: FileId,
    options: &Options,
) -> (Option<Plan>, Vec<Diagnostic>) {
    let mut cx = Cx {
        files,
        file,
        options,
        components: None,
        children: Vec::new(),
        stack: vec![file],
        diags: Vec::new(),
        version: Version::V1_0,
        unsound: Default::default(),
        string_offset: Default::default(),
        selectors: Default::default(),
        used_operations: Default::default(),
        openapi_warnings: Vec::new(),
        schemas: Default::default(),
    };
    let plan = document::check(&mut cx);
    let mut diags = cx.diags;
    diags.sort_by_key(|d| (d.span.map(|s| (s.file, s.start)), d.severity));
    let failed = diags.iter().any(Diagnostic::is_error);
    (if failed { None } else { plan }, diags)
}

/// What every check needs: the files, the document being checked, and the findings so far.
///
/// Tables only looked up are hash maps; `BTree*` stays where iteration order reaches the
/// output. Each B-tree key/value type compiles about three times the code of a hash map's
/// into the generator's build (issue 11, item 3).
pub(crate) struct Cx<'a> {
    pub(crate) files: &'a Files,
    pub(crate) file: FileId,
    pub(crate) options: &'a Options,
    /// The document's `components`, for Reusable Objects.
    pub(crate) components: Option<serde_json::Value>,
    /// Workflows of `type: arazzo` source descriptions, callable as
    /// `$sourceDescriptions.<name>.<workflowId>`.
    pub(crate) children: Vec<sources::Child>,
    /// Arazzo documents being checked, outermost first (a cycle of sources is an error).
    pub(crate) stack: Vec<FileId>,
    pub(crate) diags: Vec<Diagnostic>,
    /// The document's Arazzo minor version (known once the document is decoded).
    pub(crate) version: Version,
    /// Steps (by pointer) that break a structural rule: reported once, not checked further.
    pub(crate) unsound: std::collections::BTreeSet<String>,
    /// Operations steps call, by where they live (file, pointer).
    pub(crate) used_operations: std::collections::HashSet<(FileId, String)>,
    /// Warnings about OpenAPI operations, with the operations they concern: reported at the
    /// end, only when the document calls one of them.
    pub(crate) openapi_warnings: Vec<(Vec<(FileId, String)>, Diagnostic)>,
    /// The last string [`Cx::span_in_string`] mapped: its pointer, length and offset in the
    /// source (`None`: offsets do not map). Comparing the source with the value costs its
    /// length, and one string can hold thousands of expressions.
    pub(crate) string_offset: std::cell::RefCell<Option<(String, usize, Option<usize>)>>,
    /// Schema queries already answered (see [`memo`]).
    pub(crate) schemas: memo::SchemaMemo,
    /// Selector Objects evaluated at run time (XPath 3.1, JSONPath that may select several
    /// nodes) by the pointer of the value they stood for, which now holds their context.
    pub(crate) selectors: std::collections::HashMap<String, Selection>,
}

/// A Selector Object the generated code evaluates over its context at run time.
#[derive(Debug, Clone)]
pub(crate) struct Selection {
    /// Its language.
    pub(crate) kind: SelectionKind,
    /// The expression, checked at build time.
    pub(crate) expr: String,
}

/// The language of a [`Selection`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SelectionKind {
    /// XPath 3.1: the string value of the one item selected.
    XPath31,
    /// RFC 9535 JSONPath that is not a singular query: every node selected.
    JsonPath,
}

/// The Arazzo minor versions this generator reads; 1.1 adds fields and rules to 1.0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Version {
    /// 1.0.0 and 1.0.1.
    V1_0,
    /// 1.1.x.
    V1_1,
}

impl Cx<'_> {
    /// The span of the value at `pointer` in the Arazzo document, or of its closest ancestor
    /// (a missing field is reported at the object that lacks it).
    pub(crate) fn span(&self, pointer: &str) -> Option<Span> {
        let mut p = pointer;
        loop {
            if let Some(span) = self.files.span(self.file, p) {
                return Some(span);
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return None,
            }
        }
    }

    /// The span of the key of the member at `pointer`, else of its value.
    pub(crate) fn key_span(&self, pointer: &str) -> Option<Span> {
        self.files
            .key_span(self.file, pointer)
            .or_else(|| self.span(pointer))
    }

    /// The span of bytes `range` inside the string value at `pointer`, when the string is
    /// written so that offsets map one to one (plain or quoted on one line without escapes);
    /// otherwise the whole value.
    pub(crate) fn span_in_string(
        &self,
        pointer: &str,
        value: &str,
        range: std::ops::Range<usize>,
    ) -> Option<Span> {
        let span = self.span(pointer)?;
        let cached = match &*self.string_offset.borrow() {
            Some((p, len, offset)) if p == pointer && *len == value.len() => Some(*offset),
            _ => None,
        };
        let offset = match cached {
            Some(offset) => offset,
            None => {
                let raw = self.files.text(self.file).get(span.start..span.end)?;
                let offset = if raw == value {
                    Some(0)
                } else if (raw.starts_with('"') || raw.starts_with('\''))
                    && raw.get(1..raw.len().saturating_sub(1)) == Some(value)
                {
                    Some(1)
                } else {
                    None
                };
                *self.string_offset.borrow_mut() = Some((pointer.to_owned(), value.len(), offset));
                offset
            }
        };
        let Some(offset) = offset else {
            return Some(span);
        };
        Some(span.sub(
            offset + range.start,
            offset + range.end.max(range.start + 1),
        ))
    }

    /// Records a diagnostic.
    pub(crate) fn push(&mut self, diagnostic: Diagnostic) {
        self.diags.push(diagnostic);
    }

    /// The Selector Object evaluated at run time that stood at `pointer`, if any.
    pub(crate) fn selection(&self, pointer: &str) -> Option<(SelectionKind, String)> {
        let s = self.selectors.get(pointer)?;
        Some((s.kind, s.expr.clone()))
    }

    /// Records an error at the value at `pointer`.
    pub(crate) fn error(
        &mut self,
        code: &'static str,
        message: impl Into<String>,
        pointer: &str,
    ) -> &mut Diagnostic {
        let d = Diagnostic::error(code, message).at(self.span(pointer));
        self.diags.push(d);
        let last = self.diags.len() - 1;
        &mut self.diags[last]
    }

    /// The display path of the Arazzo document.
    pub(crate) fn display_path(&self) -> String {
        self.files.display_path(self.file)
    }
}
