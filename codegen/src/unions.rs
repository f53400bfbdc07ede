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

/// Whether a `#[serde(..)]` attribute among `attrs` has `word` (`untagged`, `default`, ..).
pub(crate) fn has_serde_word(attrs: &[syn::Attribute], word: &str) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> Index {
        let file: syn::File = syn::parse_quote! {
            pub struct Page { pub total: Option<f64> }
            #[serde(transparent)]
            pub struct Meta(pub ::serde_json::Map<::std::string::String, ::serde_json::Value>);
            pub struct Id(pub ::std::string::String);
            pub type Alias = Page;
            #[serde(untagged)]
            pub enum Nested { A(::std::string::String), Other(::serde_json::Value) }
            #[serde(tag = "kind")]
            pub enum Tagged { A { x: i64 } }
        };
        Index::new(file.items.iter(), ["Plan".to_string()].into_iter())
    }

    fn kinds(ty: syn::Type) -> Option<Vec<Kind>> {
        index().kinds(&ty).map(|k| k.into_iter().collect())
    }

    #[test]
    fn types_take_the_kinds_of_json_they_decode_from() {
        use Kind::*;
        assert_eq!(
            kinds(syn::parse_quote!(::std::string::String)),
            Some(vec![String])
        );
        assert_eq!(kinds(syn::parse_quote!(i64)), Some(vec![Number]));
        assert_eq!(kinds(syn::parse_quote!(f64)), Some(vec![Number]));
        assert_eq!(kinds(syn::parse_quote!(bool)), Some(vec![Boolean]));
        assert_eq!(
            kinds(syn::parse_quote!(::std::vec::Vec<Page>)),
            Some(vec![Seq])
        );
        assert_eq!(
            kinds(syn::parse_quote!(
                ::std::option::Option<::std::string::String>
            )),
            Some(vec![String, Null])
        );
        assert_eq!(kinds(syn::parse_quote!(Page)), Some(vec![Map]));
        assert_eq!(kinds(syn::parse_quote!(Alias)), Some(vec![Map]));
        assert_eq!(kinds(syn::parse_quote!(Meta)), Some(vec![Map]));
        assert_eq!(kinds(syn::parse_quote!(Id)), Some(vec![String]));
        assert_eq!(
            kinds(syn::parse_quote!(Plan)),
            Some(vec![String]),
            "an open enum"
        );
        assert_eq!(kinds(syn::parse_quote!(Tagged)), Some(vec![Map]));
        assert_eq!(
            kinds(syn::parse_quote!(Nested)),
            None,
            "a union takes any kind"
        );
        assert_eq!(kinds(syn::parse_quote!(::serde_json::Value)), None);
        assert_eq!(kinds(syn::parse_quote!(Unknown)), None);
    }

    #[test]
    fn a_union_lists_its_variants_per_kind_in_order() {
        let e: syn::ItemEnum = syn::parse_quote! {
            #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
            #[serde(untagged)]
            pub enum U {
                Text(::std::option::Option<::std::string::String>),
                Count(i64),
                Pages(::std::vec::Vec<Page>),
                Page(Page),
                Inner(Nested),
                Other(::serde_json::Value),
            }
        };
        let (e, call) = by_kind(&e, &index()).unwrap();
        let attrs = &e.attrs;
        let derive = quote!(#(#attrs)*).to_string();
        assert!(
            !derive.contains("Deserialize") && derive.contains("Serialize"),
            "{derive}"
        );
        assert_eq!(
            quote!(#call).to_string().replace(' ', ""),
            "crate::untagged!{U,Other,{string=>[Text,Inner],number=>[Count,Inner],\
             boolean=>[Inner],null=>[Text,Inner],seq=>[Pages,Inner],map=>[Page,Inner]}}"
        );
    }

    #[test]
    fn struct_like_variants_get_named_types() {
        let mut e: syn::ItemEnum = syn::parse_quote! {
            #[serde(untagged)]
            pub enum Limit {
                Variant0 { limit: i64 },
                Id(::std::string::String),
                Other(::serde_json::Value),
            }
        };
        let mut taken = BTreeSet::from(["LimitVariant0".to_string()]);
        let types = name_struct_variants(&mut e, &mut taken);
        assert_eq!(types.len(), 1);
        let ty = &types[0];
        let text = quote!(#ty).to_string().replace(' ', "");
        assert!(
            text.contains("pubstructLimitVariant0Shape{publimit:i64}"),
            "{text}"
        );
        let first = &e.variants[0];
        assert_eq!(
            quote!(#first).to_string().replace(' ', ""),
            "Variant0(LimitVariant0Shape)"
        );
        assert!(taken.contains("LimitVariant0Shape"));
    }
}
