//! Small readings of `syn` syntax that generation, the decoders, the schema tables and the
//! union and lossless reworks share: an item's serde rename and derives, a type's generic
//! arguments, whether a type is a given path.

/// The `#[serde(rename = "..")]` of an item, if any.
pub fn serde_rename(attrs: &[syn::Attribute]) -> Option<String> {
    let mut out = None;
    for a in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = a.parse_nested_meta(|m| {
            if m.path.is_ident("rename") {
                let lit: syn::LitStr = m.value()?.parse()?;
                out = Some(lit.value());
            } else if m.input.peek(syn::Token![=]) {
                let _: syn::Expr = m.value()?.parse()?;
            }
            Ok(())
        });
    }
    out
}

/// Whether the item's `#[derive(..)]` lists `name`.
pub fn derives(attrs: &[syn::Attribute], name: &str) -> bool {
    attrs.iter().any(|a| {
        let mut found = false;
        if a.path().is_ident("derive") {
            let _ = a.parse_nested_meta(|m| {
                found |= m.path.segments.last().is_some_and(|s| s.ident == name);
                Ok(())
            });
        }
        found
    })
}

/// Whether a type is the path `segments` without generic arguments (`["std", "string",
/// "String"]` matches `::std::string::String` and `std::string::String`).
pub fn is_path(ty: &syn::Type, segments: &[&str]) -> bool {
    let syn::Type::Path(p) = ty else { return false };
    p.qself.is_none()
        && p.path.segments.len() == segments.len()
        && p.path.segments.iter().zip(segments).all(|(seg, name)| {
            seg.ident == name && matches!(seg.arguments, syn::PathArguments::None)
        })
}

/// `::std::string::String`.
pub fn is_string(ty: &syn::Type) -> bool {
    is_path(ty, &["std", "string", "String"])
}

/// The name of a type that is one identifier (`Foo`, a type of the same module).
pub fn single_ident(ty: &syn::Type) -> Option<String> {
    let syn::Type::Path(p) = ty else { return None };
    if p.qself.is_some() || p.path.leading_colon.is_some() {
        return None;
    }
    p.path.get_ident().map(ToString::to_string)
}

/// The `idx`-th generic argument of a type whose last path segment is `outer`.
pub fn generic_arg(ty: &syn::Type, outer: &str, idx: usize) -> Option<syn::Type> {
    let syn::Type::Path(p) = ty else { return None };
    let seg = p.path.segments.last()?;
    if seg.ident != outer {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &seg.arguments else {
        return None;
    };
    args.args
        .iter()
        .filter_map(|a| match a {
            syn::GenericArgument::Type(t) => Some(t.clone()),
            _ => None,
        })
        .nth(idx)
}

/// The name of a path type without generic arguments (`String`, `::std::string::String`,
/// `bool`, `crate::types::User`, `::serde_json::Value` -> `Value`).
pub fn simple_name(ty: &syn::Type) -> Option<String> {
    let syn::Type::Path(p) = ty else { return None };
    if p.qself.is_some()
        || p.path
            .segments
            .iter()
            .any(|s| !matches!(s.arguments, syn::PathArguments::None))
    {
        return None;
    }
    p.path.segments.last().map(|s| s.ident.to_string())
}

/// The name of a generic path type (`::std::vec::Vec<T>` -> `Vec`, `Map<K, V>` -> `Map`).
pub fn generic_name(ty: &syn::Type) -> Option<String> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    matches!(last.arguments, syn::PathArguments::AngleBracketed(_)).then(|| last.ident.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_derives_are_read_from_syntax() {
        assert!(is_string(&syn::parse_quote!(::std::string::String)));
        assert!(!is_string(&syn::parse_quote!(
            ::std::option::Option<::std::string::String>
        )));
        assert!(!is_string(&syn::parse_quote!(String)));
        assert_eq!(
            single_ident(&syn::parse_quote!(Secret)).as_deref(),
            Some("Secret")
        );
        assert_eq!(single_ident(&syn::parse_quote!(types::Secret)), None);
        assert_eq!(
            simple_name(&syn::parse_quote!(crate::types::User)).as_deref(),
            Some("User")
        );
        assert_eq!(simple_name(&syn::parse_quote!(::std::vec::Vec<User>)), None);
        assert_eq!(
            generic_name(&syn::parse_quote!(::std::vec::Vec<User>)).as_deref(),
            Some("Vec")
        );
        assert_eq!(generic_name(&syn::parse_quote!(User)), None);
        let item: syn::ItemStruct = syn::parse_quote! {
            #[derive(::serde::Serialize, Clone, DebugLike)]
            struct S;
        };
        assert!(derives(&item.attrs, "Serialize"));
        assert!(derives(&item.attrs, "Clone"));
        assert!(!derives(&item.attrs, "Debug"));
    }
}
