//! What the renderers share about one operation: [`FacadeOp`] (the operation, its raw method,
//! its parameters and how a request builder holds each, its answer and paging), built by
//! [`facade::facade_ops`](crate::facade::facade_ops) and read by the facade, the surface
//! snapshots, the every-operation test, the replay dispatcher and the paging code.

use heck::ToUpperCamelCase;
use proc_macro2::TokenStream;
use quote::quote;

use crate::generate::RawMethod;
use crate::ops::Operation;
use crate::syntax::generic_arg;

/// How a raw parameter is held by a request builder and handed to the raw method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Holding {
    /// `&'a str` -> `String`, passed as `&x`.
    Str,
    /// `&'a T` -> `T`, passed as `&x`.
    Ref(syn::Type),
    /// `T` by value, passed as `x`.
    Value(syn::Type),
    /// `Option<&'a str>` -> `Option<String>`, passed as `x.as_deref()`.
    OptStr,
    /// `Option<&'a T>` -> `Option<T>`, passed as `x.as_ref()`.
    OptRef(syn::Type),
    /// `Option<T>` -> `Option<T>`, passed as `x`.
    OptValue(syn::Type),
}

fn is_str(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.path.is_ident("str"))
}

/// Classifies a parameter type of a raw method.
pub fn holding(ty: &syn::Type) -> Holding {
    if let Some(inner) = generic_arg(ty, "Option", 0) {
        return match inner {
            syn::Type::Reference(r) if is_str(&r.elem) => Holding::OptStr,
            syn::Type::Reference(r) => Holding::OptRef(qualify(&r.elem)),
            other => Holding::OptValue(qualify(&other)),
        };
    }
    match ty {
        syn::Type::Reference(r) if is_str(&r.elem) => Holding::Str,
        syn::Type::Reference(r) => Holding::Ref(qualify(&r.elem)),
        other => Holding::Value(qualify(other)),
    }
}

impl Holding {
    /// The owned type a builder stores (without the `Option` of unset setters).
    pub fn owned(&self) -> syn::Type {
        match self {
            Holding::Str | Holding::OptStr => syn::parse_quote!(String),
            Holding::Ref(t) | Holding::Value(t) | Holding::OptRef(t) | Holding::OptValue(t) => {
                t.clone()
            }
        }
    }

    pub(crate) fn optional(&self) -> bool {
        matches!(
            self,
            Holding::OptStr | Holding::OptRef(_) | Holding::OptValue(_)
        )
    }

    /// The builder's field as the raw method takes it, leaving the builder whole: its request
    /// is made again for each attempt after the first.
    pub(crate) fn pass(&self, field: TokenStream) -> TokenStream {
        match self {
            Holding::Str | Holding::Ref(_) => quote!(&#field),
            Holding::Value(t) | Holding::OptValue(t) if is_primitive(t) => quote!(#field),
            Holding::Value(_) | Holding::OptValue(_) => quote!(#field.clone()),
            Holding::OptStr => quote!(#field.as_deref()),
            Holding::OptRef(_) => quote!(#field.as_ref()),
        }
    }
}

/// Rewrites `types::X` into `crate::types::X` so the type reads the same from any module.
pub fn qualify(ty: &syn::Type) -> syn::Type {
    let text = quote!(#ty).to_string();
    let text = if text.starts_with("types ::") {
        format!("crate :: {text}")
    } else {
        text.replace("< types ::", "< crate :: types ::")
    };
    let text = text.replace("ByteStream", "crate :: ByteStream");
    syn::parse_str(&text).unwrap_or_else(|_| ty.clone())
}

pub(crate) fn is_primitive(ty: &syn::Type) -> bool {
    let text = quote!(#ty).to_string();
    matches!(
        text.as_str(),
        "bool" | "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" | "f32" | "f64"
    )
}

/// A parameter of a facade method or request builder.
#[derive(Debug, Clone)]
pub struct Param {
    /// Rust identifier (as progenitor named it).
    pub ident: String,
    /// Where it goes: `path`, `query`, `header` or `body`.
    pub location: &'static str,
    /// The name on the wire (the document's parameter name; `body` for the body).
    pub wire: String,
    /// How it is held.
    pub holding: Holding,
}

/// One operation with everything the facade, docs and surface need.
#[derive(Debug, Clone)]
pub struct FacadeOp {
    /// The operation's facts.
    pub op: Operation,
    /// The raw method (absent for handwritten operations).
    pub raw: Option<RawMethod>,
    /// Parameters in raw-method order.
    pub params: Vec<Param>,
    /// The body type `send()` returns.
    pub success: syn::Type,
    /// The documented success status (the first 2xx the document lists).
    pub success_status: u16,
    /// How it pages, for list operations.
    pub paging: Option<Paging>,
}

impl FacadeOp {
    /// Name of the request builder type.
    pub fn builder_name(&self) -> String {
        format!(
            "{}{}Request",
            accessor_name(&self.op.group),
            self.op.name.to_upper_camel_case()
        )
    }
}

/// Name of the accessor type for a group path.
pub fn accessor_name(group: &[String]) -> String {
    group.iter().map(|s| s.to_upper_camel_case()).collect()
}

/// How an operation pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PagingKind {
    /// `page` and `per_page` query parameters; `include_totals` asked for when offered.
    Offset {
        /// Whether the operation takes `include_totals`.
        include_totals: bool,
    },
    /// `from` and `take` query parameters; the answer carries `next`.
    Checkpoint,
    /// Both: `.items()` walks by checkpoint (offset paging stops at 1,000 records), `.pages()`
    /// by offset, `.checkpoint_pages()` by checkpoint.
    Both {
        /// Whether the operation takes `include_totals`.
        include_totals: bool,
    },
}

/// Pagination of one operation.
#[derive(Debug, Clone)]
pub struct Paging {
    /// How it pages.
    pub kind: PagingKind,
    /// The item type (qualified).
    pub item: syn::Type,
    /// Body of `fn(answer) -> Result<Page<Item>, Error>`, with the answer bound to `answer`.
    pub extract: TokenStream,
}
