//! `schemars::JsonSchema` for the generated types, under the crate's opt-in `schemars`
//! feature: one `crate::json_schema!` line per type that hands a table of its members to the
//! runtime's `crate::schema` functions, instead of schemars' derive, whose per-member code (a default
//! value built and serialized to JSON for every member with a serde default) more than
//! doubled the build of the whole crate.

use quote::quote;

use crate::syntax::{derives, generic_arg, serde_rename};

/// What the schema of a struct member needs from its serde attributes.
#[derive(Debug, Default, PartialEq, Eq)]
struct Member {
    /// The name on the wire.
    name: String,
    /// `#[serde(default)]`: may be left out.
    default: bool,
    /// `#[serde(flatten)]`: its members are the object's.
    flatten: bool,
}

fn member(field: &syn::Field) -> Member {
    let mut m = Member {
        name: serde_rename(&field.attrs).unwrap_or_else(|| {
            let ident = field.ident.as_ref().map(ToString::to_string);
            let ident = ident.unwrap_or_default();
            ident.strip_prefix("r#").unwrap_or(&ident).to_owned()
        }),
        ..Member::default()
    };
    for a in field.attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = a.parse_nested_meta(|meta| {
            if meta.path.is_ident("default") {
                m.default = true;
            } else if meta.path.is_ident("flatten") {
                m.flatten = true;
            }
            if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        });
    }
    m
}

fn is_named(ty: &syn::Type, name: &str) -> bool {
    matches!(ty, syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == name))
}

/// The `JsonSchema` impl of one generated type (every type serde writes), as one
/// `crate::json_schema!` invocation, or `None` for an item that is not one.
fn impl_for(item: &syn::Item) -> Option<syn::Item> {
    let args = match item {
        syn::Item::Struct(s) if derives(&s.attrs, "Serialize") => {
            let ident = &s.ident;
            match &s.fields {
                // A newtype is its inner type on the wire.
                syn::Fields::Unnamed(f) if f.unnamed.len() == 1 => {
                    let ty = &f.unnamed[0].ty;
                    quote!(newtype #ident, #ty)
                }
                syn::Fields::Named(f) => object(ident, f),
                _ => return None,
            }
        }
        syn::Item::Enum(e) if derives(&e.attrs, "Serialize") => {
            let ident = &e.ident;
            let variants = e
                .variants
                .iter()
                .map(|v| match &v.fields {
                    syn::Fields::Unnamed(f) if f.unnamed.len() == 1 => {
                        let ty = &f.unnamed[0].ty;
                        Some(quote!(of::<#ty>))
                    }
                    syn::Fields::Unit => Some(quote!(of::<()>)),
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()?;
            quote!(any_of #ident, [#(#variants),*])
        }
        _ => return None,
    };
    Some(syn::parse_quote!(crate::json_schema!(#args);))
}

fn object(ident: &syn::Ident, fields: &syn::FieldsNamed) -> proc_macro2::TokenStream {
    let mut members = Vec::new();
    let mut additional = quote!(None);
    let mut flattened = Vec::new();
    for field in &fields.named {
        let m = member(field);
        let ty = &field.ty;
        if m.flatten {
            if is_named(ty, "Extra") {
                // Unlisted members are allowed: an object schema's default.
            } else if let Some(value) = generic_arg(ty, "HashMap", 1) {
                additional = quote!(Some(of::<#value>));
            } else {
                flattened.push(quote!(of::<#ty>));
            }
            continue;
        }
        let required = !(m.default
            || generic_arg(ty, "Option", 0).is_some()
            || generic_arg(ty, "Nullable", 0).is_some());
        let name = &m.name;
        members.push(quote!((#name, #required, of::<#ty>)));
    }
    quote!(object #ident, [#(#members),*], #additional, [#(#flattened),*])
}

/// The `JsonSchema` impl of every generated type serde writes (structs, newtypes, unions),
/// each keyed to its type's features like the type (the caller puts them under the
/// `schemars` feature).
pub fn json_schema_impls(
    types: &[(Option<String>, syn::Item)],
) -> Vec<(Option<String>, syn::Item)> {
    types
        .iter()
        .filter_map(|(key, item)| impl_for(item).map(|i| (key.clone(), i)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(item: &syn::Item) -> String {
        quote!(#item).to_string().replace(' ', "")
    }

    #[test]
    fn members_are_described_by_their_wire_names_and_whether_they_may_be_left_out() {
        let item: syn::Item = syn::parse_quote! {
            #[derive(::serde::Deserialize, ::serde::Serialize, Clone)]
            pub struct Client {
                pub name: ::std::string::String,
                #[serde(rename = "type")]
                pub r#type: ::std::option::Option<::std::string::String>,
                #[serde(skip_serializing_if = "crate::Nullable::is_absent")]
                #[serde(default)]
                pub addons: crate::Nullable<ClientAddons>,
                #[serde(default, deserialize_with = "crate::de::vec")]
                pub callbacks: ::std::vec::Vec<::std::string::String>,
                #[serde(rename = "default")]
                pub is_default: bool,
                #[serde(flatten)]
                pub extra: crate::Extra,
            }
        };
        let out = text(&impl_for(&item).expect("an impl"));
        assert_eq!(
            out,
            "crate::json_schema!(objectClient,[(\"name\",true,of::<::std::string::String>),\
             (\"type\",false,of::<::std::option::Option<::std::string::String>>),\
             (\"addons\",false,of::<crate::Nullable<ClientAddons>>),\
             (\"callbacks\",false,of::<::std::vec::Vec<::std::string::String>>),\
             (\"default\",true,of::<bool>)],None,[]);"
        );
    }

    #[test]
    fn unions_are_any_of_their_variants_and_newtypes_their_inner_type() {
        let union: syn::Item = syn::parse_quote! {
            #[derive(::serde::Serialize, Clone)]
            #[serde(untagged)]
            pub enum Filter { Id(FilterById), Other(::serde_json::Value) }
        };
        assert_eq!(
            text(&impl_for(&union).expect("an impl")),
            "crate::json_schema!(any_ofFilter,[of::<FilterById>,of::<::serde_json::Value>]);"
        );
        let newtype: syn::Item = syn::parse_quote! {
            #[derive(::serde::Deserialize, ::serde::Serialize, Clone)]
            #[serde(transparent)]
            pub struct Tag(pub ::std::string::String);
        };
        assert_eq!(
            text(&impl_for(&newtype).expect("an impl")),
            "crate::json_schema!(newtypeTag,::std::string::String);"
        );
        let map: syn::Item = syn::parse_quote! {
            #[derive(::serde::Deserialize, ::serde::Serialize, Clone)]
            pub struct Key {
                #[serde(flatten)]
                pub extra: ::std::collections::HashMap<::std::string::String, ::std::string::String>,
            }
        };
        assert_eq!(
            text(&impl_for(&map).expect("an impl")),
            "crate::json_schema!(objectKey,[],Some(of::<::std::string::String>),[]);"
        );
        let plain: syn::Item = syn::parse_quote! {
            #[derive(Clone, Debug)]
            pub struct Plain;
        };
        assert!(
            impl_for(&plain).is_none(),
            "not written by serde: no schema"
        );
    }
}
