//! Unions decoded by the JSON kind of the value instead of serde's buffering `untagged`
//! derive (see `auth0_mgmt::untagged`): each variant's type is classified by the kinds of
//! JSON value it can take, and the union gets an `untagged!` invocation listing, per kind, the
//! variants in declaration order.

use std::collections::{BTreeMap, BTreeSet};

use quote::{format_ident, quote};
use syn::punctuated::Punctuated;

use crate::syntax::generic_arg;

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

/// What the generated types are, by name: the kinds of JSON each takes, and what
/// [`Profile`]s are made of (struct fields, union members, open enums' values).
pub struct Index {
    shapes: BTreeMap<String, Shape>,
    /// Named-field structs: `(JSON key, type, flattened)` per field.
    fields: BTreeMap<String, Vec<(String, syn::Type, bool)>>,
    /// Unions: the documented variants' types.
    members: BTreeMap<String, Vec<syn::Type>>,
    /// Open enums: their documented values.
    values: BTreeMap<String, BTreeSet<String>>,
}

/// How an object variant of a union looks, for choosing among several object variants
/// (see `auth0_mgmt::untagged`): the keys it knows, and its tags, the string fields with a
/// fixed set of values (`"type": "datadog"`), by path (one level of nesting at most).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profile {
    /// The JSON keys of its fields.
    pub keys: BTreeSet<String>,
    /// Tag paths and the values each allows.
    pub tags: BTreeMap<Vec<String>, BTreeSet<String>>,
}

impl Index {
    /// Indexes the generated items; `open_enums` are the types that decode from a string
    /// only, with their documented values (they are not among the items yet).
    pub fn new<'a>(
        items: impl Iterator<Item = &'a syn::Item>,
        open_enums: impl Iterator<Item = (String, Vec<String>)>,
    ) -> Self {
        let mut index = Index {
            shapes: BTreeMap::new(),
            fields: BTreeMap::new(),
            members: BTreeMap::new(),
            values: BTreeMap::new(),
        };
        for (name, values) in open_enums {
            index
                .shapes
                .insert(name.clone(), Shape::Kinds(BTreeSet::from([Kind::String])));
            index.values.insert(name, values.into_iter().collect());
        }
        for item in items {
            let (name, shape) = match item {
                syn::Item::Struct(s) => {
                    if let syn::Fields::Named(f) = &s.fields {
                        let fields = f.named.iter().filter_map(|f| {
                            let ident = f.ident.as_ref()?.to_string();
                            let key = crate::syntax::serde_rename(&f.attrs)
                                .unwrap_or_else(|| ident.trim_start_matches("r#").to_owned());
                            Some((key, f.ty.clone(), has_serde_word(&f.attrs, "flatten")))
                        });
                        index.fields.insert(s.ident.to_string(), fields.collect());
                    }
                    (s.ident.to_string(), struct_shape(s))
                }
                syn::Item::Enum(e) => {
                    if has_serde_word(&e.attrs, "untagged") {
                        let documented = e.variants.iter().rev().skip(1).rev();
                        let types = documented.filter_map(|v| match &v.fields {
                            syn::Fields::Unnamed(f) if f.unnamed.len() == 1 => {
                                Some(f.unnamed[0].ty.clone())
                            }
                            _ => None,
                        });
                        index.members.insert(e.ident.to_string(), types.collect());
                    }
                    (e.ident.to_string(), enum_shape(e))
                }
                syn::Item::Type(t) => (t.ident.to_string(), Shape::As((*t.ty).clone())),
                _ => continue,
            };
            index.shapes.insert(name, shape);
        }
        index
    }

    /// The name of the generated type `ty` is, through `Option`, `Box` and aliases.
    fn name_of(&self, ty: &syn::Type, depth: usize) -> Option<String> {
        if depth > 16 {
            return None;
        }
        let syn::Type::Path(p) = ty else { return None };
        let last = p.path.segments.last()?;
        match last.ident.to_string().as_str() {
            "Option" => self.name_of(&generic_arg(ty, "Option", 0)?, depth + 1),
            "Box" => self.name_of(&generic_arg(ty, "Box", 0)?, depth + 1),
            name if p.path.leading_colon.is_none() => match self.shapes.get(name)? {
                Shape::As(inner) => self
                    .name_of(inner, depth + 1)
                    .or_else(|| Some(name.to_owned())),
                _ => Some(name.to_owned()),
            },
            _ => None,
        }
    }

    /// The profile of an object variant's type; `None` when it is not a struct or a union
    /// of structs (a free-form map takes any keys).
    pub fn profile(&self, ty: &syn::Type) -> Option<Profile> {
        self.profile_at(&self.name_of(ty, 0)?, 0)
    }

    fn profile_at(&self, name: &str, depth: usize) -> Option<Profile> {
        if depth > 8 {
            return None;
        }
        if let Some(fields) = self.fields.get(name) {
            let mut profile = Profile::default();
            for (key, ty, flattened) in fields {
                let inner = self.name_of(ty, 0);
                if *flattened {
                    let flat = self.profile_at(inner.as_deref()?, depth + 1)?;
                    profile.keys.extend(flat.keys);
                    continue;
                }
                profile.keys.insert(key.clone());
                let Some(inner) = inner else { continue };
                if let Some(values) = self.values.get(&inner) {
                    profile.tags.insert(vec![key.clone()], values.clone());
                } else if depth == 0
                    && self.fields.contains_key(&inner)
                    && let Some(nested) = self.profile_at(&inner, depth + 1)
                {
                    for (path, values) in nested.tags.into_iter().filter(|(p, _)| p.len() == 1) {
                        let mut full = vec![key.clone()];
                        full.extend(path);
                        profile.tags.insert(full, values);
                    }
                }
            }
            return Some(profile);
        }
        // A union of object types: the keys any member knows, the tags every member has.
        let members = self.members.get(name)?;
        let profiles: Vec<Profile> = members
            .iter()
            .filter(|ty| self.kinds(ty).is_some_and(|k| k.contains(&Kind::Map)))
            .map(|ty| self.profile_at(&self.name_of(ty, 0)?, depth))
            .collect::<Option<_>>()?;
        let (first, rest) = profiles.split_first()?;
        let mut union = first.clone();
        for p in rest {
            union.keys.extend(p.keys.iter().cloned());
            union.tags.retain(|path, values| match p.tags.get(path) {
                Some(more) => {
                    values.extend(more.iter().cloned());
                    true
                }
                None => false,
            });
        }
        Some(union)
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
            name if p.path.leading_colon.is_none() => match self.shapes.get(name)? {
                Shape::Kinds(k) => Some(k.clone()),
                Shape::As(inner) => self.kinds_at(inner, depth + 1),
                Shape::Any => None,
            },
            _ => None,
        }
    }
}

/// Takes `name` out of the `#[derive(..)]` attributes; `None` if one cannot be read.
pub(crate) fn remove_derive(attrs: &mut [syn::Attribute], name: &str) -> Option<()> {
    for attr in attrs {
        if !attr.path().is_ident("derive") {
            continue;
        }
        let paths = attr
            .parse_args_with(Punctuated::<syn::Path, syn::Token![,]>::parse_terminated)
            .ok()?;
        let kept = paths
            .into_iter()
            .filter(|p| p.segments.last().is_none_or(|s| s.ident != name));
        *attr = syn::parse_quote!(#[derive(#(#kept),*)]);
    }
    Some(())
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
    let mut types = BTreeMap::new();
    for v in documented {
        let syn::Fields::Unnamed(f) = &v.fields else {
            return None;
        };
        if f.unnamed.len() != 1 {
            return None;
        }
        types.insert(v.ident.clone(), f.unnamed[0].ty.clone());
        // A variant that takes any kind (a nested union, `Value`) is a candidate for each.
        let kinds = index.kinds(&f.unnamed[0].ty).unwrap_or_else(Kind::all);
        for kind in kinds {
            per_kind.entry(kind).or_default().push(v.ident.clone());
        }
    }
    let mut e = e.clone();
    remove_derive(&mut e.attrs, "Deserialize")?;
    let name = &e.ident;
    let other = &other.ident;
    let arms = per_kind.iter().map(|(kind, variants)| {
        let ident = kind.ident();
        if *kind == Kind::Map && variants.len() > 1 {
            let profiled = profiled(&types, variants, index);
            quote!(#ident => [#(#profiled),*])
        } else {
            quote!(#ident => [#(#variants),*])
        }
    });
    let call: syn::Item = syn::parse_quote! {
        crate::untagged! { #name, #other, { #(#arms),* } }
    };
    Some((e, call))
}

/// The object variants of a union with their profiles, as the `untagged!` macro takes them:
/// `Variant { keys: [..], tags: [([path..], [values..]), ..] }`. Only tags that tell variants
/// apart are kept: a path at least two variants have, with different values.
fn profiled(
    types: &BTreeMap<syn::Ident, syn::Type>,
    variants: &[syn::Ident],
    index: &Index,
) -> Vec<proc_macro2::TokenStream> {
    let profiles: Vec<Profile> = variants
        .iter()
        .map(|v| {
            types
                .get(v)
                .and_then(|t| index.profile(t))
                .unwrap_or_default()
        })
        .collect();
    let mut by_path: BTreeMap<&Vec<String>, Vec<&BTreeSet<String>>> = BTreeMap::new();
    for p in &profiles {
        for (path, values) in &p.tags {
            by_path.entry(path).or_default().push(values);
        }
    }
    let telling: BTreeSet<&Vec<String>> = by_path
        .into_iter()
        .filter(|(_, sets)| sets.len() > 1 && sets.iter().any(|s| *s != sets[0]))
        .map(|(path, _)| path)
        .collect();
    variants
        .iter()
        .zip(&profiles)
        .map(|(v, p)| {
            let keys = &p.keys;
            let tags = p
                .tags
                .iter()
                .filter(|(path, _)| telling.contains(path))
                .map(|(path, values)| quote!(([#(#path),*], [#(#values),*])));
            quote!(#v { keys: [#(#keys),*], tags: [#(#tags),*] })
        })
        .collect()
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
        Index::new(
            file.items.iter(),
            [("Plan".to_string(), vec!["free".to_string()])].into_iter(),
        )
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
             boolean=>[Inner],null=>[Text,Inner],seq=>[Pages,Inner],\
             map=>[Page{keys:[\"total\"],tags:[]},Inner{keys:[],tags:[]}]}}"
        );
    }

    #[test]
    fn object_variants_get_profiles_with_the_tags_that_tell_them_apart() {
        let file: syn::File = syn::parse_quote! {
            pub struct Http {
                #[serde(rename = "type")]
                pub type_: Option<HttpType>,
                pub algorithm: Option<Algo>,
                pub sink: Option<HttpSink>,
            }
            pub struct HttpSink { #[serde(rename = "httpEndpoint")] pub endpoint: Option<String> }
            pub struct Dest { #[serde(rename = "type")] pub type_: Option<DestType> }
            pub struct Datadog {
                #[serde(rename = "type")]
                pub type_: Option<DatadogType>,
                pub algorithm: Option<Algo>,
                pub destination: Option<Dest>,
            }
            pub type Alias = Datadog;
            #[serde(untagged)]
            pub enum Streams { H(Http), D(Alias), Other(::serde_json::Value) }
            pub struct Bare { pub id: Option<String> }
        };
        let values =
            |name: &str, v: &[&str]| (name.to_string(), v.iter().map(|s| s.to_string()).collect());
        let index = Index::new(
            file.items.iter(),
            [
                values("HttpType", &["http"]),
                values("DatadogType", &["datadog"]),
                values("DestType", &["action"]),
                values("Algo", &["xxhash"]),
            ]
            .into_iter(),
        );
        let http = index.profile(&syn::parse_quote!(Option<Http>)).unwrap();
        assert_eq!(
            http.keys.iter().collect::<Vec<_>>(),
            ["algorithm", "sink", "type"]
        );
        let datadog = index.profile(&syn::parse_quote!(Alias)).unwrap();
        assert!(
            datadog
                .tags
                .contains_key(&vec!["destination".into(), "type".into()])
        );
        // A union: every member's keys, the tags all members have, with all their values.
        let streams = index.profile(&syn::parse_quote!(Streams)).unwrap();
        assert!(streams.keys.contains("sink") && streams.keys.contains("destination"));
        assert_eq!(
            streams.tags.keys().collect::<Vec<_>>(),
            [&vec!["algorithm".to_string()], &vec!["type".to_string()]]
        );
        assert_eq!(streams.tags[&vec!["type".to_string()]].len(), 2);
        assert!(
            index
                .profile(&syn::parse_quote!(::serde_json::Value))
                .is_none()
        );

        let types = BTreeMap::from([
            (format_ident!("H"), syn::parse_quote!(Http)),
            (format_ident!("D"), syn::parse_quote!(Datadog)),
            (format_ident!("B"), syn::parse_quote!(Bare)),
        ]);
        let variants = [format_ident!("H"), format_ident!("D"), format_ident!("B")];
        let arms = profiled(&types, &variants, &index);
        let text: Vec<String> = arms
            .iter()
            .map(|a| a.to_string().replace(' ', ""))
            .collect();
        // `algorithm` has one value in every variant: it tells nothing and is left out; the
        // nested destination type is in one variant only.
        assert_eq!(
            text,
            [
                r#"H{keys:["algorithm","sink","type"],tags:[(["type"],["http"])]}"#,
                r#"D{keys:["algorithm","destination","type"],tags:[(["type"],["datadog"])]}"#,
                r#"B{keys:["id"],tags:[]}"#,
            ]
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
