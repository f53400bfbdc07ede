//! Rewrites of progenitor's output that make the generated types lossless:
//!
//! - [`keep_unknown_members`]: every object type gets an `extra` field (`crate::Extra`,
//!   `#[serde(flatten)]`) that keeps the members the document does not list and writes them
//!   back, so a decoded answer encodes to what the tenant sent;
//! - [`nullable_request_members`]: the optional members of request types (every type a
//!   request body or parameter reaches) become `crate::Nullable<T>`, which tells "leave out"
//!   from "send null", so a body parsed from JSON leaves exactly as that JSON.

use std::collections::{BTreeMap, BTreeSet};

use quote::quote;

use crate::syntax::{derives, generic_arg};

#[path = "../../auth0-http/src/secret_names.rs"]
mod secret_names;

pub use secret_names::{is_link_name, is_secret_name};

/// The name of the field that keeps unknown members (`extra`, or `extra_members` when the
/// document lists a member called `extra`).
pub fn extra_field_name(fields: &syn::FieldsNamed) -> &'static str {
    let taken = |n: &str| {
        fields
            .named
            .iter()
            .any(|f| f.ident.as_ref().is_some_and(|i| i == n))
    };
    ["extra", "extra_members", "unlisted_members"]
        .into_iter()
        .find(|n| !taken(n))
        .unwrap_or("unlisted_members_")
}

/// Adds the `extra` field to every struct with named fields that derives `Deserialize`;
/// returns how many.
pub fn keep_unknown_members(types: &mut [(Option<String>, syn::Item)]) -> usize {
    let mut n = 0;
    for (_, item) in types.iter_mut() {
        let syn::Item::Struct(s) = item else { continue };
        if !derives(&s.attrs, "Deserialize") {
            continue;
        }
        let syn::Fields::Named(fields) = &mut s.fields else {
            continue;
        };
        let name = syn::Ident::new(extra_field_name(fields), proc_macro2::Span::call_site());
        fields.named.push(syn::parse_quote! {
            /// Members the document does not list, kept as sent and written back.
            #[serde(flatten)]
            pub #name: crate::Extra
        });
        n += 1;
    }
    n
}

/// The generated types every request reaches: the types the raw methods take (bodies and
/// parameters), and every type those mention, transitively.
pub fn request_types(
    method_types: impl IntoIterator<Item = String>,
    edges: &BTreeMap<String, BTreeSet<String>>,
) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<String> = method_types.into_iter().collect();
    while let Some(t) = stack.pop() {
        if seen.insert(t.clone()) {
            stack.extend(edges.get(&t).into_iter().flatten().cloned());
        }
    }
    seen
}

const OPTION_IS_NONE: &str = "::std::option::Option::is_none";

/// Turns the optional members (`Option<T>` skipped when `None`) of the structs named in
/// `request` into `crate::Nullable<T>`; returns how many members.
pub fn nullable_request_members(
    types: &mut [(Option<String>, syn::Item)],
    request: &BTreeSet<String>,
) -> usize {
    let mut n = 0;
    for (key, item) in types.iter_mut() {
        let syn::Item::Struct(s) = item else { continue };
        if !key.as_ref().is_some_and(|k| request.contains(k))
            || !matches!(s.fields, syn::Fields::Named(_))
        {
            continue;
        }
        for field in s.fields.iter_mut() {
            let Some(inner) = generic_arg(&field.ty, "Option", 0) else {
                continue;
            };
            let mut skipped = false;
            for attr in field.attrs.iter_mut() {
                if !attr.path().is_ident("serde") {
                    continue;
                }
                skipped |= skip_if_absent(attr);
            }
            if !skipped {
                // Required and nullable: `None` is the `null` it must send.
                continue;
            }
            if !crate::unions::has_serde_word(&field.attrs, "default") {
                field.attrs.push(syn::parse_quote!(#[serde(default)]));
            }
            field.ty = syn::parse_quote!(crate::Nullable<#inner>);
            n += 1;
        }
    }
    n
}

/// `#[serde(.., skip_serializing_if = "::std::option::Option::is_none")]` made to skip an
/// absent `Nullable` instead; whether the attribute had it.
fn skip_if_absent(attr: &mut syn::Attribute) -> bool {
    let syn::Meta::List(list) = &mut attr.meta else {
        return false;
    };
    let parser = syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated;
    let Ok(mut metas) = list.parse_args_with(parser) else {
        return false;
    };
    let mut swapped = false;
    for meta in metas.iter_mut() {
        if let syn::Meta::NameValue(nv) = meta
            && nv.path.is_ident("skip_serializing_if")
            && let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(check),
                ..
            }) = &mut nv.value
            && check.value() == OPTION_IS_NONE
        {
            *check = syn::LitStr::new("crate::Nullable::is_absent", check.span());
            swapped = true;
        }
    }
    if swapped {
        list.tokens = quote!(#metas);
    }
    swapped
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(item: &syn::Item) -> String {
        quote!(#item).to_string().replace(' ', "")
    }

    #[test]
    fn every_object_type_keeps_unknown_members() {
        let mut types = vec![
            (
                Some("Role".to_string()),
                syn::parse_quote! {
                    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
                    pub struct Role { pub id: ::std::option::Option<::std::string::String> }
                },
            ),
            (
                Some("Named".to_string()),
                syn::parse_quote! {
                    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
                    pub struct Named { pub extra: bool }
                },
            ),
            (
                Some("Id".to_string()),
                syn::parse_quote! {
                    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
                    #[serde(transparent)]
                    pub struct Id(pub ::std::string::String);
                },
            ),
        ];
        assert_eq!(keep_unknown_members(&mut types), 2);
        assert!(
            text(&types[0].1).contains("#[serde(flatten)]pubextra:crate::Extra"),
            "{}",
            text(&types[0].1)
        );
        assert!(
            text(&types[1].1).contains("pubextra_members:crate::Extra"),
            "a listed `extra` member keeps its name: {}",
            text(&types[1].1)
        );
        assert!(!text(&types[2].1).contains("Extra"), "newtypes are left");
    }

    #[test]
    fn optional_request_members_become_nullable() {
        let mut types = vec![
            (
                Some("Body".to_string()),
                syn::parse_quote! {
                    #[derive(::serde::Deserialize, ::serde::Serialize)]
                    pub struct Body {
                        #[serde(rename = "fontUrl", skip_serializing_if = "::std::option::Option::is_none")]
                        pub font_url: ::std::option::Option<::std::string::String>,
                        pub required_nullable: ::std::option::Option<i64>,
                        pub name: ::std::string::String,
                    }
                },
            ),
            (
                Some("Answer".to_string()),
                syn::parse_quote! {
                    #[derive(::serde::Deserialize, ::serde::Serialize)]
                    pub struct Answer {
                        #[serde(skip_serializing_if = "::std::option::Option::is_none")]
                        pub font_url: ::std::option::Option<::std::string::String>,
                    }
                },
            ),
        ];
        let request = BTreeSet::from(["Body".to_string()]);
        assert_eq!(nullable_request_members(&mut types, &request), 1);
        let body = text(&types[0].1);
        assert!(
            body.contains(
                r#"#[serde(rename="fontUrl",skip_serializing_if="crate::Nullable::is_absent")]#[serde(default)]pubfont_url:crate::Nullable<::std::string::String>"#
            ),
            "{body}"
        );
        assert!(
            body.contains("pubrequired_nullable:::std::option::Option<i64>"),
            "{body}"
        );
        assert!(text(&types[1].1).contains("Option<::std::string::String>"));
    }

    #[test]
    fn request_types_are_the_closure_of_what_methods_take() {
        let edges = BTreeMap::from([
            ("Body".to_string(), BTreeSet::from(["Inner".to_string()])),
            ("Inner".to_string(), BTreeSet::from(["Leaf".to_string()])),
            ("Answer".to_string(), BTreeSet::from(["Other".to_string()])),
        ]);
        assert_eq!(
            request_types(["Body".to_string()], &edges),
            BTreeSet::from(["Body".into(), "Inner".into(), "Leaf".into()])
        );
    }
}
