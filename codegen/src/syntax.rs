//! Small readings of `syn` syntax that generation, the decoders, the schema tables and the
//! union and lossless reworks share: an item's serde rename and derives, a type's generic
//! arguments.

use quote::quote;

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
        a.path().is_ident("derive")
            && quote!(#a)
                .to_string()
                .split(|c: char| !c.is_alphanumeric())
                .any(|w| w == name)
    })
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
