//! Unions chosen by a sibling member (see the `sibling-tagged-unions` pass): the union gets
//! `for_<tag>` (decode a value as the variant of a tag value) and `<tag>s()` (the tag values of
//! a variant); every parent that holds the tag decodes through serde's derive on itself
//! (`#[serde(remote = "Self")]`), reading the union member whole, and then decodes it once as
//! the variant its tag names (an unlisted tag value keeps the value whole in `Other`).

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::passes::tagged::TaggedUnion;
use crate::syntax::{generic_arg, is_path, simple_name};

/// How a member is held: bare, `Option`, or `Nullable`.
enum Wrap {
    Bare,
    Option,
    Nullable,
}

fn wrap_of(ty: &syn::Type) -> (Wrap, syn::Type) {
    if let Some(inner) = generic_arg(ty, "Option", 0) {
        (Wrap::Option, inner)
    } else if let Some(inner) = generic_arg(ty, "Nullable", 0) {
        (Wrap::Nullable, inner)
    } else {
        (Wrap::Bare, ty.clone())
    }
}

fn field_type<'a>(s: &'a syn::ItemStruct, wire: &str) -> Option<(&'a syn::Ident, &'a syn::Type)> {
    s.fields.iter().find_map(|f| {
        let id = f.ident.as_ref()?;
        let name = crate::syntax::serde_rename(&f.attrs).unwrap_or_else(|| id.to_string());
        (name == wire).then_some((id, &f.ty))
    })
}

/// Adds the choosing code for every recorded tagged union; returns how many parents choose.
pub fn choose_by_tag(
    types: &mut Vec<(Option<String>, syn::Item)>,
    unions: &[TaggedUnion],
) -> usize {
    let mut added: Vec<(Option<String>, syn::Item)> = Vec::new();
    let mut choosers: BTreeMap<String, Vec<TokenStream>> = BTreeMap::new();
    let mut defer: Vec<(String, syn::Ident, &str, bool)> = Vec::new();
    let mut n = 0;
    for u in unions {
        // The union's variants, by the (case-insensitive) name of the type they hold.
        let Some(e) = types.iter().find_map(|(_, i)| match i {
            syn::Item::Enum(e) if e.ident == u.union => Some(e.clone()),
            _ => None,
        }) else {
            continue;
        };
        let mut by_type: BTreeMap<String, (syn::Ident, syn::Type)> = BTreeMap::new();
        let mut fallback = None;
        for v in &e.variants {
            if let syn::Fields::Unnamed(f) = &v.fields
                && let [field] = f.unnamed.iter().collect::<Vec<_>>()[..]
            {
                if is_path(&field.ty, &["serde_json", "Value"]) {
                    fallback = Some(v.ident.clone());
                } else if let Some(name) = simple_name(&field.ty) {
                    // The schema's type, by name.
                    by_type.insert(name.to_lowercase(), (v.ident.clone(), field.ty.clone()));
                }
            }
        }
        let Some(fallback) = fallback else { continue };
        let mut decode_arms = Vec::new();
        let mut path_arms = Vec::new();
        let mut tag_arms = Vec::new();
        for (schema, tags) in &u.variants {
            let Some((variant, ty)) = by_type.get(&schema.to_lowercase()) else {
                continue;
            };
            path_arms.push(quote! {
                Some(#(#tags)|*) => crate::untagged::path_of::<#ty>(value),
            });
            let tags: Vec<&String> = tags.iter().collect();
            decode_arms.push(quote! {
                #(#tags)|* => crate::untagged::from_buffered(value).map(Self::#variant),
            });
            tag_arms.push(quote!(Self::#variant(_) => &[#(#tags),*],));
        }
        let name = format_ident!("{}", u.union);
        let for_tag = format_ident!("for_{}", heck::ToSnakeCase::to_snake_case(u.tag.as_str()));
        let tags_of = format_ident!(
            "{}",
            plural(&heck::ToSnakeCase::to_snake_case(u.tag.as_str()))
        );
        let tag = &u.tag;
        let name_text = u.union.as_str();
        let for_doc = format!(
            "Decodes `value` as the variant of a `{tag}` value (the document's per-`{tag}` shape); \
             a `{tag}` the document does not list keeps the value whole in `{fallback}`. A value \
             that does not fit its variant is an error naming where (answers and bodies decoded \
             with their parent keep such a value whole in `{fallback}` instead)."
        );
        let tags_doc =
            format!("The `{tag}` values whose shape this variant is (none for `{fallback}`).");
        added.push((
            Some(u.union.clone()),
            syn::parse_quote! {
                impl #name {
                    // `#[inline]` here and below: compiled only where called, so that a build
                    // of the crate does not decode every variant by the text decoder
                    // (`failing_path`) unless a program needs it.
                    #[doc = #for_doc]
                    #[inline]
                    pub fn #for_tag(tag: &str, value: ::serde_json::Value) -> ::std::result::Result<Self, ::serde_json::Error> {
                        match Self::by_tag(tag, &value) {
                            None => Ok(Self::#fallback(value)),
                            Some(Ok(chosen)) => Ok(chosen),
                            Some(Err(e)) => Err(<::serde_json::Error as ::serde::de::Error>::custom(
                                format_args!("at {}: {e}", Self::failing_path(Some(tag), &value)),
                            )),
                        }
                    }

                    /// The variant `tag` names decoded from `value`, or `None` for a tag the
                    /// document does not list.
                    #[inline]
                    fn by_tag(tag: &str, value: &::serde_json::Value) -> ::std::option::Option<::std::result::Result<Self, ::serde_json::Error>> {
                        Some(match tag {
                            #(#decode_arms)*
                            _ => return None,
                        })
                    }

                    /// Where in `value` decoding the variant `tag` names fails.
                    #[inline]
                    fn failing_path(tag: ::std::option::Option<&str>, value: &::serde_json::Value) -> ::std::string::String {
                        match tag {
                            #(#path_arms)*
                            _ => crate::untagged::path_of::<Self>(value),
                        }
                    }

                    #[doc = #tags_doc]
                    #[inline]
                    pub fn #tags_of(&self) -> &'static [&'static str] {
                        match self {
                            #(#tag_arms)*
                            _ => &[],
                        }
                    }

                    /// Decodes a member its parent read whole (into the catch-all) as the
                    /// variant `tag` names; without a tag, as the best fit of its keys. A value
                    /// that does not fit the variant stays whole in the catch-all: what the
                    /// tenant sent is kept, and the rest of the answer is read.
                    #[doc(hidden)]
                    #[inline]
                    pub fn chosen_by(self, tag: ::std::option::Option<&str>, member: &'static str) -> Self {
                        let Self::#fallback(value) = self else { return self };
                        let chosen = match tag {
                            Some(tag) => Self::by_tag(tag, &value),
                            None => Some(crate::untagged::from_buffered(&value)),
                        };
                        match chosen {
                            Some(Ok(chosen)) => chosen,
                            Some(Err(e)) => {
                                let path = Self::failing_path(tag, &value);
                                crate::untagged::kept_whole(#name_text, member, tag, &path, &e);
                                Self::#fallback(value)
                            }
                            None => Self::#fallback(value),
                        }
                    }
                }
            },
        ));
        for parent in &u.parents {
            let Some((_, syn::Item::Struct(s))) = types
                .iter()
                .find(|(k, i)| k.as_deref() == Some(parent) && matches!(i, syn::Item::Struct(_)))
            else {
                continue;
            };
            let (Some((tag_id, tag_ty)), Some((member_id, member_ty))) =
                (field_type(s, &u.tag), field_type(s, &u.member))
            else {
                continue;
            };
            let (tag_wrap, _) = wrap_of(tag_ty);
            let tag_expr: TokenStream = match tag_wrap {
                Wrap::Bare => quote!(Some(this.#tag_id.as_str())),
                Wrap::Option => quote!(this.#tag_id.as_ref().map(|t| t.as_str())),
                Wrap::Nullable => quote!(this.#tag_id.get().map(|t| t.as_str())),
            };
            let (member_wrap, _) = wrap_of(member_ty);
            let deferred = match member_wrap {
                Wrap::Bare => "crate::untagged::deferred",
                Wrap::Option => "crate::untagged::deferred_option",
                Wrap::Nullable => "crate::untagged::deferred_nullable",
            };
            defer.push((
                parent.clone(),
                member_id.clone(),
                deferred,
                matches!(member_wrap, Wrap::Bare),
            ));
            let wire = u.member.as_str();
            let choose: TokenStream = match member_wrap {
                Wrap::Bare => quote! {
                    this.#member_id = ::std::mem::replace(&mut this.#member_id, #name::#fallback(::serde_json::Value::Null)).chosen_by(tag, #wire);
                },
                Wrap::Option => quote! {
                    this.#member_id = this.#member_id.take().map(|v| v.chosen_by(tag, #wire));
                },
                Wrap::Nullable => quote! {
                    this.#member_id = match ::std::mem::take(&mut this.#member_id) {
                        crate::Nullable::Set(v) => crate::Nullable::Set(v.chosen_by(tag, #wire)),
                        other => other,
                    };
                },
            };
            choosers.entry(parent.clone()).or_default().push(quote! {
                {
                    let tag: ::std::option::Option<::std::string::String> = #tag_expr.map(str::to_string);
                    let tag = tag.as_deref();
                    #choose
                }
            });
        }
    }
    for (parent, chooses) in choosers {
        let Some((_, syn::Item::Struct(s))) = types.iter_mut().find(|(k, i)| {
            k.as_deref() == Some(parent.as_str()) && matches!(i, syn::Item::Struct(_))
        }) else {
            continue;
        };
        // The member is read whole, then decoded once: no decoding into a variant first.
        for (_, member, with, required) in defer.iter().filter(|(p, ..)| *p == parent) {
            if let Some(field) = s
                .fields
                .iter_mut()
                .find(|f| f.ident.as_ref() == Some(member))
            {
                let has_default = crate::unions::has_serde_word(&field.attrs, "default");
                field.attrs.push(if *required || has_default {
                    syn::parse_quote!(#[serde(deserialize_with = #with)])
                } else {
                    syn::parse_quote!(#[serde(default, deserialize_with = #with)])
                });
            }
        }
        s.attrs.push(syn::parse_quote!(#[serde(remote = "Self")]));
        let ident = s.ident.clone();
        added.push((
            Some(parent.clone()),
            syn::parse_quote! {
                impl ::serde::Serialize for #ident {
                    fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                        #ident::serialize(self, s)
                    }
                }
            },
        ));
        added.push((
            Some(parent.clone()),
            syn::parse_quote! {
                /// Decoded by serde's derive, then each union made the variant its tag names.
                impl<'de> ::serde::Deserialize<'de> for #ident {
                    fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                        let mut this = #ident::deserialize(d)?;
                        #(#chooses)*
                        Ok(this)
                    }
                }
            },
        ));
        n += 1;
    }
    types.extend(added);
    n
}

/// `strategy` -> `strategies`, `type` -> `types`.
fn plural(word: &str) -> String {
    match word.strip_suffix('y') {
        Some(stem) if !stem.ends_with(['a', 'e', 'i', 'o', 'u']) => format!("{stem}ies"),
        _ => format!("{word}s"),
    }
}
