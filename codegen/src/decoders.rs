//! Lean decoders for the generated object types: instead of serde's derived `Deserialize`
//! (which, for a struct with a `#[serde(flatten)]` member, reads every member name through a
//! visitor of its own that buffers unlisted members as `Content` and then decodes the
//! flattened member from that buffer), each plain object type gets one `crate::de::object!`
//! line naming its members, and the runtime's macro writes one `visit_map` that decodes each
//! listed member in place and puts every other member straight into `extra`.
//!
//! What the derive would do is kept: member names (`rename`), which members may be left out
//! (`default`, and `Option` members without a `deserialize_with`), the exact-fit array
//! decoders of `crate::de`, a duplicate member is an error, the expected type named in
//! errors. A struct with anything else in its serde attributes keeps serde's derive.

use quote::quote;

use crate::syntax::{derives, generic_arg, serde_rename};

/// How a member is decoded, from its serde attributes.
#[derive(Debug, PartialEq, Eq)]
struct Member {
    ident: syn::Ident,
    wire: String,
    /// May be left out (its `Default` when it is).
    optional: bool,
    /// The `crate::de` seed marker of its `deserialize_with`, if any.
    with: Option<&'static str>,
    /// `#[serde(flatten)]` (only the `extra` member may be).
    flatten: bool,
}

/// The `crate::de` marker for a `deserialize_with` path this module knows, `Some(None)` for
/// `Option::deserialize` (what decoding the member's type does anyway), `None` for another.
fn with_marker(path: &str) -> Option<Option<&'static str>> {
    match path {
        "crate::de::vec" => Some(Some("ExactVec")),
        "crate::de::option_vec" => Some(Some("OptionVec")),
        "crate::de::nullable_vec" => Some(Some("NullableVec")),
        "::std::option::Option::deserialize" => Some(None),
        _ => None,
    }
}

/// The member, or `None` when its attributes ask for more than this decoder does.
fn member(field: &syn::Field) -> Option<Member> {
    let ident = field.ident.clone()?;
    let wire = serde_rename(&field.attrs).unwrap_or_else(|| {
        let name = ident.to_string();
        name.strip_prefix("r#").unwrap_or(&name).to_owned()
    });
    let (mut default, mut flatten, mut with, mut supported) = (false, false, None, true);
    let mut has_with = false;
    for a in field.attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let parsed = a.parse_nested_meta(|meta| {
            let name = meta.path.get_ident().map(ToString::to_string);
            match name.as_deref() {
                Some("default") if !meta.input.peek(syn::Token![=]) => default = true,
                Some("flatten") => flatten = true,
                Some("rename") | Some("skip_serializing_if") => {
                    let _: syn::LitStr = meta.value()?.parse()?;
                }
                Some("deserialize_with") => {
                    let path: syn::LitStr = meta.value()?.parse()?;
                    has_with = true;
                    match with_marker(&path.value()) {
                        Some(marker) => with = marker,
                        None => supported = false,
                    }
                }
                _ => {
                    supported = false;
                    if meta.input.peek(syn::Token![=]) {
                        let _: syn::Expr = meta.value()?.parse()?;
                    }
                }
            }
            Ok(())
        });
        if parsed.is_err() {
            supported = false;
        }
    }
    let is = |outer| generic_arg(&field.ty, outer, 0).is_some();
    // serde's derive: a missing `Option` member is `None` unless it is decoded by a function.
    let optional = default || ((is("Option") || is("Nullable")) && !has_with);
    supported.then_some(Member {
        ident,
        wire,
        optional,
        with,
        flatten,
    })
}

/// The `crate::de::object!` line of a struct serde's derive would decode, with the
/// derive to drop, or `None` for a struct that keeps it.
fn object_line(s: &syn::ItemStruct) -> Option<syn::Item> {
    if !derives(&s.attrs, "Deserialize")
        || s.attrs.iter().any(|a| a.path().is_ident("serde"))
        || !s.generics.params.is_empty()
    {
        return None;
    }
    let syn::Fields::Named(fields) = &s.fields else {
        return None;
    };
    let members = fields
        .named
        .iter()
        .map(member)
        .collect::<Option<Vec<_>>>()?;
    let (flattened, listed): (Vec<_>, Vec<_>) = members.into_iter().partition(|m| m.flatten);
    let [extra] = flattened.as_slice() else {
        return None;
    };
    let extra_ty = &fields
        .named
        .iter()
        .find(|f| f.ident.as_ref() == Some(&extra.ident))?
        .ty;
    if !matches!(extra_ty, syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Extra"))
    {
        return None;
    }
    let name = &s.ident;
    let extra = &extra.ident;
    let lines = listed.iter().map(|m| {
        let ident = &m.ident;
        let wire = &m.wire;
        let kind = if m.optional {
            quote!(optional)
        } else {
            quote!(required)
        };
        // The wire name only where it is not the field's.
        let wire = (ident != wire.as_str()).then(|| quote!(= #wire));
        let marker = m
            .with
            .map(|marker| syn::Ident::new(marker, proc_macro2::Span::call_site()));
        quote!(#ident #wire #kind #marker)
    });
    Some(syn::parse_quote! {
        crate::de::object!(#name { #(#lines,)* } #extra);
    })
}

/// Drops serde's derived `Deserialize` from every plain object type and puts its
/// `crate::de::object!` line right after it (keyed like the type, so under its gate);
/// returns how many.
pub fn lean_object_decoders(types: &mut Vec<(Option<String>, syn::Item)>) -> usize {
    let mut out = Vec::with_capacity(types.len() + types.len() / 2);
    let mut n = 0;
    for (key, mut item) in std::mem::take(types) {
        let line = match &item {
            syn::Item::Struct(s) => object_line(s),
            _ => None,
        };
        let Some(line) = line else {
            out.push((key, item));
            continue;
        };
        if let syn::Item::Struct(s) = &mut item {
            drop_derive(&mut s.attrs, "Deserialize");
        }
        n += 1;
        out.push((key.clone(), item));
        out.push((key, line));
    }
    *types = out;
    n
}

/// Removes one trait from the `#[derive(..)]` lists of `attrs`.
fn drop_derive(attrs: &mut [syn::Attribute], name: &str) {
    for a in attrs.iter_mut().filter(|a| a.path().is_ident("derive")) {
        let Ok(paths) = a.parse_args_with(
            syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
        ) else {
            continue;
        };
        let kept = paths
            .iter()
            .filter(|p| p.segments.last().is_none_or(|s| s.ident != name));
        *a = syn::parse_quote!(#[derive(#(#kept),*)]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text<T: quote::ToTokens>(t: &T) -> String {
        quote!(#t).to_string().replace(' ', "")
    }

    #[test]
    fn plain_object_types_get_one_line_and_lose_the_derive() {
        let mut types = vec![(
            Some("Client".to_string()),
            syn::parse_quote! {
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone)]
                pub struct Client {
                    pub name: ::std::string::String,
                    #[serde(rename = "type", skip_serializing_if = "::std::option::Option::is_none")]
                    pub r#type: ::std::option::Option<::std::string::String>,
                    #[serde(skip_serializing_if = "crate::Nullable::is_absent")]
                    #[serde(default)]
                    #[serde(deserialize_with = "crate::de::nullable_vec")]
                    pub callbacks: crate::Nullable<::std::vec::Vec<::std::string::String>>,
                    #[serde(deserialize_with = "::std::option::Option::deserialize")]
                    pub owner: ::std::option::Option<::std::string::String>,
                    #[serde(deserialize_with = "crate::de::vec")]
                    pub grants: ::std::vec::Vec<::std::string::String>,
                    #[serde(flatten)]
                    pub extra: crate::Extra,
                }
            },
        )];
        assert_eq!(lean_object_decoders(&mut types), 1);
        assert_eq!(types.len(), 2);
        assert_eq!(types[1].0.as_deref(), Some("Client"), "keyed like its type");
        let derive = text(&types[0].1);
        assert!(
            derive.contains("#[derive(::serde::Serialize,Clone)]"),
            "{derive}"
        );
        assert_eq!(
            text(&types[1].1),
            "crate::de::object!(Client{namerequired,r#type=\"type\"optional,\
             callbacksoptionalNullableVec,ownerrequired,grantsrequiredExactVec,}extra);"
        );
    }

    #[test]
    fn anything_else_keeps_the_derive() {
        let cases: Vec<syn::Item> = vec![
            syn::parse_quote! {
                #[derive(::serde::Deserialize, ::serde::Serialize)]
                #[serde(remote = "Self")]
                pub struct Tagged { pub a: i64, #[serde(flatten)] pub extra: crate::Extra }
            },
            syn::parse_quote! {
                #[derive(::serde::Deserialize, ::serde::Serialize)]
                pub struct Union {
                    #[serde(flatten, skip_serializing_if = "crate::Nullable::is_absent")]
                    #[serde(default)]
                    pub subtype_0: crate::Nullable<A>,
                    #[serde(flatten)]
                    pub extra: crate::Extra,
                }
            },
            syn::parse_quote! {
                #[derive(::serde::Deserialize, ::serde::Serialize)]
                pub struct Deferred {
                    #[serde(deserialize_with = "crate::untagged::deferred")]
                    pub a: A,
                    #[serde(flatten)]
                    pub extra: crate::Extra,
                }
            },
            syn::parse_quote! {
                #[derive(::serde::Deserialize, ::serde::Serialize)]
                pub struct Map {
                    #[serde(flatten)]
                    pub extra: ::std::collections::HashMap<::std::string::String, i64>,
                }
            },
            syn::parse_quote! {
                #[derive(::serde::Serialize)]
                pub struct WriteOnly { pub a: i64 }
            },
        ];
        for item in cases {
            let mut types = vec![(None, item.clone())];
            assert_eq!(lean_object_decoders(&mut types), 0, "{}", text(&item));
            assert_eq!(text(&types[0].1), text(&item));
        }
    }
}
