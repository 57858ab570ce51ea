//! The inputs and outputs structs, and the enums and nested structs inputs use.

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use quote::{format_ident, quote};
use serde_json::Value;

use super::doc;
use super::values::{json_tokens, type_tokens};
use crate::plan::{
    Field, OutputsPlan, Presence, RustType, Serde, TypeAttribute, TypeBody, TypeDef, ValueExpr,
    WorkflowPlan,
};

/// The attributes `Builder::type_attribute` adds, lexed once per document.
pub(super) struct Attributes(Vec<(TypeAttribute, TokenStream)>);

impl Attributes {
    pub(super) fn parse(attributes: &[TypeAttribute]) -> Result<Self, syn::Error> {
        attributes
            .iter()
            .map(|a| Ok((a.clone(), syn::parse_str::<TokenStream>(&a.attribute)?)))
            .collect::<Result<Vec<_>, syn::Error>>()
            .map(Self)
    }

    /// The attributes of type `type_name` of workflow `workflow_id`, in call order.
    pub(super) fn of(&self, workflow_id: &str, type_name: &str) -> TokenStream {
        let selected = self
            .0
            .iter()
            .filter(|(a, _)| a.selects(workflow_id, type_name))
            .map(|(_, tokens)| tokens);
        quote! { #(#selected)* }
    }
}

/// `item` with `extra` attributes inserted before its first top-level `pub`: after the
/// generated docs and derives, so that a derive helper (`#[serde(...)]`) follows its derive,
/// and after `without_serde`, which must not drop what the user asked for.
fn with_attributes(item: TokenStream, extra: TokenStream) -> TokenStream {
    if extra.is_empty() {
        return item;
    }
    let mut out: Vec<TokenTree> = Vec::new();
    let mut extra = Some(extra);
    for tree in item {
        if matches!(&tree, TokenTree::Ident(i) if i == "pub")
            && let Some(extra) = extra.take()
        {
            out.extend(extra);
        }
        out.push(tree);
    }
    out.into_iter().collect()
}

const SERDE: &str = "::arazzo_runtime::__private::serde";

/// The derives of a generated type. Only the serde derives that serve: the inputs struct is
/// read (`Deserialize`), the outputs struct written (`Serialize`); the types inputs use are
/// read with the inputs and written into request bodies, so get both. Each derive costs compile time in every crate that
/// generates code. One list while it fits a line; with both serde paths it would wrap item by
/// item, so then one derive per line. `Default` is derived only for a struct without fields,
/// where it equals `new()`.
fn derives(debug: bool, default: bool, serialize: bool, deserialize: bool) -> TokenStream {
    let serde = quote! { ::arazzo_runtime::__private::serde };
    let debug = debug.then(|| quote! { Debug, });
    // Its own line: in the list it would make the list wrap.
    let default = default.then(|| quote! { #[derive(Default)] });
    let std = quote! { Clone, #debug PartialEq };
    let list = match (serialize, deserialize) {
        (true, true) => quote! {
            #[derive(#std)]
            #[derive(#serde::Serialize)]
            #[derive(#serde::Deserialize)]
        },
        (true, false) => quote! { #[derive(#std, #serde::Serialize)] },
        (false, true) => quote! { #[derive(#std, #serde::Deserialize)] },
        (false, false) => quote! { #[derive(#std)] },
    };
    let krate = (serialize || deserialize).then(|| quote! { #[serde(crate = #SERDE)] });
    quote! {
        #list
        #default
        #krate
    }
}

/// `tokens` without its `#[serde(...)]` attributes, at any depth: for a type that derives
/// neither serde trait, where they would not compile.
fn without_serde(tokens: TokenStream) -> TokenStream {
    let mut out: Vec<TokenTree> = Vec::new();
    let mut iter = tokens.into_iter().peekable();
    while let Some(tree) = iter.next() {
        match tree {
            TokenTree::Punct(p) if p.as_char() == '#' => {
                let is_serde =
                    matches!(iter.peek(), Some(TokenTree::Group(g)) if is_serde_attribute(g));
                if is_serde {
                    iter.next();
                } else {
                    out.push(TokenTree::Punct(p));
                }
            }
            TokenTree::Group(g) => {
                let mut inner = Group::new(g.delimiter(), without_serde(g.stream()));
                inner.set_span(g.span());
                out.push(TokenTree::Group(inner));
            }
            other => out.push(other),
        }
    }
    out.into_iter().collect()
}

/// `tokens` as they are when the type derives a serde trait, else without serde attributes.
fn serde_attrs(tokens: TokenStream, derives_serde: bool) -> TokenStream {
    if derives_serde {
        tokens
    } else {
        without_serde(tokens)
    }
}

/// A generated input type.
pub(super) fn type_def(
    def: &TypeDef,
    all: &[TypeDef],
    serde: Serde,
    extra: TokenStream,
) -> TokenStream {
    let is_inputs = all.first().is_some_and(|first| first.name == def.name);
    if let (true, true, TypeBody::Struct(fields)) = (is_inputs, serde.inputs, &def.body)
        && !has_serde_attribute(&extra)
    {
        let tokens = type_def_with(def, all, false, false, true);
        let deserialize = deserialize_inputs(def, fields);
        return with_attributes(quote! { #tokens #deserialize }, extra);
    }
    // The types inputs use are written into request bodies (and may be outputs): always
    // `Serialize`.
    with_attributes(
        type_def_with(def, all, !is_inputs, serde.inputs, true),
        extra,
    )
}

/// `pub type` aliases for workflow `w`'s inputs types, which equal those whose struct is
/// `canonical` (see `shared`).
pub(super) fn aliases(w: &WorkflowPlan, canonical: &str) -> Vec<TokenStream> {
    let base = w.inputs.first().map_or("", |d| d.name.as_str());
    w.inputs
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let name = format_ident!("{}", d.name);
            let suffix = d.name.strip_prefix(base).unwrap_or_default();
            let target = format_ident!("{canonical}{suffix}");
            let text = if i == 0 {
                format!(
                    "Inputs of the `{}` workflow: the same type as [`{target}`].",
                    w.id
                )
            } else {
                format!("The same as [`{target}`].")
            };
            let d = doc(&text);
            quote! { #d pub type #name = #target; }
        })
        .collect()
}

/// Whether the user's attributes hold a `#[serde(...)]`, which only serde's derive reads.
fn has_serde_attribute(extra: &TokenStream) -> bool {
    extra
        .clone()
        .into_iter()
        .any(|tree| matches!(&tree, TokenTree::Group(g) if is_serde_attribute(g)))
}

/// Whether `group` is the bracketed part of a `#[serde(...)]` attribute.
fn is_serde_attribute(group: &Group) -> bool {
    group.delimiter() == Delimiter::Bracket
        && matches!(group.stream().into_iter().next(), Some(TokenTree::Ident(i)) if i == "serde")
}

/// The inputs struct's `Deserialize`: one call into the runtime taking each field by name,
/// instead of serde's derive (a visitor per workflow, about a quarter of the generated code's
/// compile time; see `arazzo_runtime::__private::inputs`). A user attribute `#[serde(...)]` on
/// the struct brings the derive back, since only it reads those.
fn deserialize_inputs(def: &TypeDef, fields: &[Field]) -> TokenStream {
    let name = format_ident!("{}", def.name);
    let inits = fields.iter().map(|f| {
        let ident = format_ident!("{}", f.rust_name);
        let json = &f.json_name;
        let secret = if holds_secret(&f.ty) { "_secret" } else { "" };
        match &f.presence {
            Presence::Required => {
                let take = format_ident!("required{secret}");
                quote! { #ident: fields.#take(#json)? }
            }
            Presence::Default(_) => {
                let take = format_ident!("or_else{secret}");
                let func = format_ident!("default_{}", f.rust_name);
                quote! { #ident: fields.#take(#json, Self::#func)? }
            }
            Presence::Optional => {
                let take = format_ident!("optional{secret}");
                quote! { #ident: fields.#take(#json)? }
            }
        }
    });
    let fields_var = if fields.is_empty() {
        quote! { _fields }
    } else {
        quote! { fields }
    };
    quote! {
        impl<'de> ::arazzo_runtime::__private::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::arazzo_runtime::__private::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::core::result::Result<Self, D::Error> {
                ::arazzo_runtime::__private::inputs::decode(deserializer, |#fields_var| {
                    ::core::result::Result::Ok(Self { #(#inits,)* })
                })
            }
        }
    }
}

/// Whether a value of this type is or holds a credential.
fn holds_secret(ty: &RustType) -> bool {
    match ty {
        RustType::Secret(_) => true,
        RustType::Vec(inner) | RustType::Option(inner) => holds_secret(inner),
        _ => false,
    }
}

/// A type of a step output read from a message: decoded from the payload (`Deserialize`,
/// whatever `Builder::serde` says) and written as a workflow output (`Serialize`); no
/// constructor, since the workflow builds it.
pub(super) fn output_type_def(def: &TypeDef, extra: TokenStream) -> TokenStream {
    with_attributes(type_def_with(def, &[], true, true, false), extra)
}

fn type_def_with(
    def: &TypeDef,
    all: &[TypeDef],
    ser: bool,
    de: bool,
    with_constructor: bool,
) -> TokenStream {
    let name = format_ident!("{}", def.name);
    let docs = doc(&def.doc);
    let empty = matches!(&def.body, TypeBody::Struct(fields) if fields.is_empty());
    let derives = derives(true, empty && with_constructor, ser, de);
    let tokens = match &def.body {
        TypeBody::Enum(variants) => {
            let vs = variants.iter().map(|v| {
                let ident = format_ident!("{}", v.rust_name);
                let wire = &v.wire;
                let d = doc(&format!("`{wire}`"));
                quote! { #d #[serde(rename = #wire)] #ident }
            });
            quote! {
                #docs
                #derives
                pub enum #name { #(#vs,)* }
            }
        }
        TypeBody::Struct(fields) => {
            let fs = fields.iter().map(|f| field(def, f));
            let constructor = with_constructor.then(|| constructor(def, fields, all));
            quote! {
                #docs
                #derives
                pub struct #name { #(#fs,)* }
                #constructor
            }
        }
    };
    serde_attrs(tokens, ser || de)
}

fn field(def: &TypeDef, f: &Field) -> TokenStream {
    let ident = format_ident!("{}", f.rust_name);
    let ty = type_tokens(&f.ty);
    let json = &f.json_name;
    let mut text = f.doc.clone().unwrap_or_default();
    // The JSON name is written only where it differs from the field's.
    let rename = (json != &f.rust_name).then(|| quote! { rename = #json, });
    let serde = match &f.presence {
        Presence::Required => rename.map(|r| quote! { #[serde(#r)] }).unwrap_or_default(),
        Presence::Default(v) => {
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(&format!("Default: `{v}`."));
            let path = format!("{}::default_{}", def.name, f.rust_name);
            quote! { #[serde(#rename default = #path)] }
        }
        Presence::Optional => {
            quote! { #[serde(#rename default, skip_serializing_if = "Option::is_none")] }
        }
    };
    let d = doc(&text);
    quote! { #d #serde pub #ident: #ty }
}

/// `new(required...)` filling defaulted and optional fields, the default functions serde uses,
/// and `Default` when nothing is required.
fn constructor(def: &TypeDef, fields: &[Field], all: &[TypeDef]) -> TokenStream {
    let name = format_ident!("{}", def.name);
    let required: Vec<&Field> = fields
        .iter()
        .filter(|f| f.presence == Presence::Required)
        .collect();
    let args = required.iter().map(|f| {
        let ident = format_ident!("{}", f.rust_name);
        match &f.ty {
            RustType::String => quote! { #ident: impl Into<String> },
            RustType::Secret(inner) => {
                let inner = type_tokens(inner);
                quote! { #ident: impl Into<::arazzo_runtime::Secret<#inner>> }
            }
            other => {
                let ty = type_tokens(other);
                quote! { #ident: #ty }
            }
        }
    });
    let inits = fields.iter().map(|f| {
        let ident = format_ident!("{}", f.rust_name);
        match &f.presence {
            Presence::Required => match &f.ty {
                RustType::String | RustType::Secret(_) => quote! { #ident: #ident.into() },
                _ => quote! { #ident },
            },
            Presence::Default(_) => {
                let func = format_ident!("default_{}", f.rust_name);
                quote! { #ident: Self::#func() }
            }
            Presence::Optional => quote! { #ident: None },
        }
    });
    let defaults = fields.iter().filter_map(|f| match &f.presence {
        Presence::Default(v) => {
            let func = format_ident!("default_{}", f.rust_name);
            let ty = type_tokens(&f.ty);
            let value = default_value(&f.ty, v, all);
            let d = doc(&format!("The default of `{}`: `{v}`.", f.json_name));
            Some(quote! { #d pub fn #func() -> #ty { #value } })
        }
        _ => None,
    });
    let new_doc = doc(if required.is_empty() {
        "Inputs with every value at its default; optional inputs absent."
    } else {
        "Inputs with the required values; the others at their defaults, optional ones absent."
    });
    let many = (required.len() > 7).then(|| quote! { #[allow(clippy::too_many_arguments)] });
    // Derived when there are no fields (see `derives`).
    let default_impl = (required.is_empty() && !fields.is_empty()).then(|| {
        quote! {
            impl Default for #name {
                fn default() -> Self { Self::new() }
            }
        }
    });
    quote! {
        impl #name {
            #new_doc
            #many
            pub fn new(#(#args),*) -> Self {
                Self { #(#inits,)* }
            }
            #(#defaults)*
        }
        #default_impl
    }
}

/// A default value as a Rust expression of type `ty` (checked to fit by `typing`).
fn default_value(ty: &RustType, v: &Value, all: &[TypeDef]) -> TokenStream {
    match (ty, v) {
        (RustType::String, Value::String(s)) => quote! { #s.to_owned() },
        (RustType::Secret(inner), _) => {
            let inner = default_value(inner, v, all);
            quote! { ::arazzo_runtime::Secret::new(#inner) }
        }
        (RustType::I64, Value::Number(n)) if n.as_i64().is_some() => {
            let n = n.as_i64().unwrap_or_default();
            quote! { #n }
        }
        (RustType::F64, Value::Number(n)) => {
            let n = n.as_f64().unwrap_or_default();
            quote! { #n }
        }
        (RustType::Bool, Value::Bool(b)) => quote! { #b },
        (RustType::Vec(item), Value::Array(items)) => {
            let items = items.iter().map(|i| default_value(item, i, all));
            quote! { vec![#(#items),*] }
        }
        (RustType::Option(inner), v) => {
            let inner = default_value(inner, v, all);
            quote! { Some(#inner) }
        }
        (RustType::Named(name), Value::String(s)) => {
            let variant = all
                .iter()
                .find(|d| &d.name == name)
                .and_then(|d| match &d.body {
                    TypeBody::Enum(vs) => vs
                        .iter()
                        .find(|x| &x.wire == s)
                        .map(|x| x.rust_name.clone()),
                    TypeBody::Struct(_) => None,
                });
            let ty = format_ident!("{}", name);
            match variant {
                Some(v) => {
                    let v = format_ident!("{}", v);
                    quote! { #ty::#v }
                }
                None => json_tokens(v),
            }
        }
        _ => json_tokens(v),
    }
}

/// The outputs struct.
pub(super) fn outputs(
    workflow_id: &str,
    o: &OutputsPlan,
    serde: Serde,
    extra: TokenStream,
) -> TokenStream {
    let name = format_ident!("{}", o.type_name);
    let docs = doc(&format!("Outputs of the `{workflow_id}` workflow."));
    let fields = o.fields.iter().map(|f| {
        let ident = format_ident!("{}", f.rust_name);
        let ty = type_tokens(&f.ty);
        let json = &f.json_name;
        let d = match &f.value {
            ValueExpr::JsonPath { query, .. } => doc(&format!(
                "`{}`: every node JSONPath `{query}` selects in `{}`.",
                f.json_name, f.expression
            )),
            ValueExpr::XPath31 { expr, .. } => doc(&format!(
                "`{}`: what XPath `{expr}` selects in `{}`.",
                f.json_name, f.expression
            )),
            _ => doc(&format!("`{}`: `{}`.", f.json_name, f.expression)),
        };
        let rename = (json != &f.rust_name).then(|| quote! { #[serde(rename = #json)] });
        quote! { #d #rename pub #ident: #ty }
    });
    // `Serialize` through the runtime (see `serialize_outputs`) unless the user's attributes
    // hold a `#[serde(...)]`, which only the derive reads.
    let derive_serialize = serde.outputs && has_serde_attribute(&extra);
    let serialize = (serde.outputs && !derive_serialize).then(|| serialize_outputs(o));
    if !o.fields.iter().any(|f| f.secret) {
        let derives = derives(true, false, derive_serialize, false);
        let tokens = quote! {
            #docs
            #derives
            pub struct #name { #(#fields,)* }
            #serialize
        };
        return with_attributes(serde_attrs(tokens, derive_serialize), extra);
    }
    // Credentials keep their plain types for callers; only `Debug` hides them.
    let debug_fields = o.fields.iter().map(|f| {
        let ident = format_ident!("{}", f.rust_name);
        let label = &f.rust_name;
        if f.secret {
            quote! { .field(#label, &"***") }
        } else {
            quote! { .field(#label, &self.#ident) }
        }
    });
    let label = &o.type_name;
    let derives = derives(false, false, derive_serialize, false);
    let tokens = quote! {
        #docs
        #derives
        pub struct #name { #(#fields,)* }
        #serialize
        /// Prints `***` for the outputs that hold credentials.
        impl ::std::fmt::Debug for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(#label) #(#debug_fields)* .finish()
            }
        }
    };
    with_attributes(serde_attrs(tokens, derive_serialize), extra)
}

/// The outputs struct's `Serialize`: one call into the runtime with each field's JSON name and
/// value, instead of serde's derive (a `serialize_field` per field, generic over the
/// serializer, in every workflow; see `arazzo_runtime::__private::outputs`).
fn serialize_outputs(o: &OutputsPlan) -> TokenStream {
    let name = format_ident!("{}", o.type_name);
    let label = &o.type_name;
    let fields = o.fields.iter().map(|f| {
        let ident = format_ident!("{}", f.rust_name);
        let json = &f.json_name;
        quote! { (#json, &self.#ident) }
    });
    quote! {
        impl ::arazzo_runtime::__private::serde::Serialize for #name {
            fn serialize<S: ::arazzo_runtime::__private::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::core::result::Result<S::Ok, S::Error> {
                ::arazzo_runtime::__private::outputs::encode(serializer, #label, &[#(#fields),*])
            }
        }
    }
}
