//! Unions decoded by the JSON kind of the value instead of serde's buffering `untagged`
//! derive (see `auth0_mgmt::untagged`): each variant's type is classified by the kinds of
//! JSON value it can take, and the union gets an `untagged!` invocation listing, per kind, the
//! variants in declaration order.

use std::collections::{BTreeMap, BTreeSet};

use quote::{format_ident, quote};
use syn::punctuated::Punctuated;

use crate::generate::generic_arg;

/// A kind of JSON value, in the order of the macro's arms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// A string.
    String,
    /// A number.
    Number,
    /// `true`/`false`.
    Boolean,
    /// `null`.
    Null,
    /// An array.
    Seq,
    /// An object.
    Map,
}

impl Kind {
    fn all() -> BTreeSet<Kind> {
        BTreeSet::from([
            Kind::String,
            Kind::Number,
            Kind::Boolean,
            Kind::Null,
            Kind::Seq,
            Kind::Map,
        ])
    }

    fn ident(self) -> syn::Ident {
        format_ident!(
            "{}",
            match self {
                Kind::String => "string",
                Kind::Number => "number",
                Kind::Boolean => "boolean",
                Kind::Null => "null",
                Kind::Seq => "seq",
                Kind::Map => "map",
            }
        )
    }
}

/// What a generated type is made of, as far as the kinds of JSON it takes.
enum Shape {
    /// Takes exactly these kinds.
    Kinds(BTreeSet<Kind>),
    /// Takes what this type takes (newtypes, aliases).
    As(syn::Type),
    /// Takes any kind (a union with a catch-all, `Value`).
    Any,
}

/// Shapes of the generated types by name.
pub struct Index(BTreeMap<String, Shape>);

impl Index {
    /// Indexes the generated items; `strings` are types that decode from a string only
    /// (the open enums, which are not among the items yet).
    pub fn new<'a>(
        items: impl Iterator<Item = &'a syn::Item>,
        strings: impl Iterator<Item = String>,
    ) -> Self {
        let mut shapes = BTreeMap::new();
        for name in strings {
            shapes.insert(name, Shape::Kinds(BTreeSet::from([Kind::String])));
        }
        for item in items {
            let (name, shape) = match item {
                syn::Item::Struct(s) => (s.ident.to_string(), struct_shape(s)),
                syn::Item::Enum(e) => (e.ident.to_string(), enum_shape(e)),
                syn::Item::Type(t) => (t.ident.to_string(), Shape::As((*t.ty).clone())),
                _ => continue,
            };
            shapes.insert(name, shape);
        }
        Index(shapes)
    }

    /// The kinds a type takes; `None` when it takes any kind or is unknown.
    pub fn kinds(&self, ty: &syn::Type) -> Option<BTreeSet<Kind>> {
        self.kinds_at(ty, 0)
    }

    fn kinds_at(&self, ty: &syn::Type, depth: usize) -> Option<BTreeSet<Kind>> {
        if depth > 16 {
            return None;
        }
        let syn::Type::Path(p) = ty else { return None };
        let last = p.path.segments.last()?;
        let one = |k| Some(BTreeSet::from([k]));
        match last.ident.to_string().as_str() {
            "String" => one(Kind::String),
            "bool" => one(Kind::Boolean),
            "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" | "f32" | "f64" => {
                one(Kind::Number)
            }
            "Vec" => one(Kind::Seq),
            "Map" | "HashMap" | "BTreeMap" => one(Kind::Map),
            "Option" => {
                let mut kinds = self.kinds_at(&generic_arg(ty, "Option", 0)?, depth + 1)?;
                kinds.insert(Kind::Null);
                Some(kinds)
            }
            "Box" => self.kinds_at(&generic_arg(ty, "Box", 0)?, depth + 1),
            name if p.path.leading_colon.is_none() => match self.0.get(name)? {
                Shape::Kinds(k) => Some(k.clone()),
                Shape::As(inner) => self.kinds_at(inner, depth + 1),
                Shape::Any => None,
            },
            _ => None,
        }
    }
}

fn has_serde_word(attrs: &[syn::Attribute], word: &str) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("serde")
            && quote!(#a)
                .to_string()
                .split(|c: char| !c.is_alphanumeric() && c != '_')
                .any(|w| w == word)
    })
}

fn struct_shape(s: &syn::ItemStruct) -> Shape {
    match &s.fields {
        syn::Fields::Unnamed(f) if f.unnamed.len() == 1 => Shape::As(f.unnamed[0].ty.clone()),
        syn::Fields::Named(f) if f.named.len() == 1 && has_serde_word(&s.attrs, "transparent") => {
            Shape::As(f.named[0].ty.clone())
        }
        syn::Fields::Named(_) => Shape::Kinds(BTreeSet::from([Kind::Map])),
        _ => Shape::Any,
    }
}

fn enum_shape(e: &syn::ItemEnum) -> Shape {
    if has_serde_word(&e.attrs, "untagged") {
        Shape::Any
    } else if has_serde_word(&e.attrs, "tag") {
        Shape::Kinds(BTreeSet::from([Kind::Map]))
    } else if e
        .variants
        .iter()
        .all(|v| matches!(v.fields, syn::Fields::Unit))
    {
        Shape::Kinds(BTreeSet::from([Kind::String]))
    } else {
        Shape::Any
    }
}

/// For an untagged enum whose last variant is the catch-all: the enum without its derived
/// `Deserialize`, and the `untagged!` invocation.
pub fn by_kind(e: &syn::ItemEnum, index: &Index) -> Option<(syn::ItemEnum, syn::Item)> {
    let (other, documented) = e
        .variants
        .iter()
        .collect::<Vec<_>>()
        .split_last()
        .map(|(o, d)| (*o, d.to_vec()))?;
    let mut per_kind: BTreeMap<Kind, Vec<syn::Ident>> = BTreeMap::new();
    for v in documented {
        let syn::Fields::Unnamed(f) = &v.fields else {
            return None;
        };
        if f.unnamed.len() != 1 {
            return None;
        }
        // A variant that takes any kind (a nested union, `Value`) is a candidate for each.
        let kinds = index.kinds(&f.unnamed[0].ty).unwrap_or_else(Kind::all);
        for kind in kinds {
            per_kind.entry(kind).or_default().push(v.ident.clone());
        }
    }
    let mut e = e.clone();
    for attr in &mut e.attrs {
        if !attr.path().is_ident("derive") {
            continue;
        }
        let paths = attr
            .parse_args_with(Punctuated::<syn::Path, syn::Token![,]>::parse_terminated)
            .ok()?;
        let kept = paths
            .into_iter()
            .filter(|p| p.segments.last().is_none_or(|s| s.ident != "Deserialize"));
        *attr = syn::parse_quote!(#[derive(#(#kept),*)]);
    }
    let name = &e.ident;
    let other = &other.ident;
    let arms = per_kind.iter().map(|(kind, variants)| {
        let kind = kind.ident();
        quote!(#kind => [#(#variants),*])
    });
    let call: syn::Item = syn::parse_quote! {
        crate::untagged! { #name, #other, { #(#arms),* } }
    };
    Some((e, call))
}

/// Gives each struct-like variant of a union (`Variant1 { limit: i64 }`) a named type of its
/// own (`Variant1(NameVariant1)`), so that every variant is decoded through its type; returns
/// the new types.
pub fn name_struct_variants(e: &mut syn::ItemEnum, taken: &mut BTreeSet<String>) -> Vec<syn::Item> {
    let owner = e.ident.clone();
    let mut types = Vec::new();
    for v in e.variants.iter_mut() {
        let syn::Fields::Named(named) = &v.fields else {
            continue;
        };
        let mut name = format!("{owner}{}", v.ident);
        while !taken.insert(name.clone()) {
            name.push_str("Shape");
        }
        let ident = format_ident!("{name}");
        let mut fields = named.clone();
        for f in fields.named.iter_mut() {
            f.vis = syn::parse_quote!(pub);
        }
        let doc = format!("The `{}` shape of [`{owner}`].", v.ident);
        types.push(syn::parse_quote! {
            #[doc = #doc]
            #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
            pub struct #ident #fields
        });
        v.fields = syn::Fields::Unnamed(syn::parse_quote!((#ident)));
    }
    types
}
