//! What the renderers share about one operation: [`FacadeOp`] (the operation, progenitor's
//! signature of it, its parameters and how a request builder holds each, its answer and paging), built by
//! [`facade::facade_ops`](crate::facade::facade_ops) and read by the facade, the surface
//! snapshots, the every-operation test, the replay dispatcher and the paging code.

use heck::ToUpperCamelCase;
use proc_macro2::TokenStream;

use crate::generate::RawMethod;
use crate::ops::Operation;
use crate::syntax::generic_arg;

/// How a parameter is held by a request builder (and read when its request is made).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Holding {
    /// `&'a str` -> `String`.
    Str,
    /// `&'a T` -> `T`.
    Ref(syn::Type),
    /// `T` by value.
    Value(syn::Type),
    /// `Option<&'a str>` -> `Option<String>`.
    OptStr,
    /// `Option<&'a T>` -> `Option<T>`.
    OptRef(syn::Type),
    /// `Option<T>` -> `Option<T>`.
    OptValue(syn::Type),
}

fn is_str(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.path.is_ident("str"))
}

/// Classifies a parameter type of progenitor's signature of an operation.
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
}

/// Rewrites `types::X` into `crate::types::X` (and progenitor's `ByteStream` into the
/// crate's) so the type reads the same from any module.
pub fn qualify(ty: &syn::Type) -> syn::Type {
    struct Qualify;
    impl syn::visit_mut::VisitMut for Qualify {
        fn visit_path_mut(&mut self, path: &mut syn::Path) {
            syn::visit_mut::visit_path_mut(self, path);
            if path.leading_colon.is_some() {
                return;
            }
            let first = path.segments.first().map(|s| s.ident.to_string());
            let single = path.segments.len() == 1;
            match first.as_deref() {
                Some("types") if !single => path.segments.insert(0, syn::parse_quote!(crate)),
                Some("ByteStream") if single => *path = syn::parse_quote!(crate::ByteStream),
                _ => {}
            }
        }
    }
    let mut ty = ty.clone();
    syn::visit_mut::VisitMut::visit_type_mut(&mut Qualify, &mut ty);
    ty
}

/// Whether an answer type is a stream of bytes (`crate::ByteStream`), handed over unread.
pub fn is_byte_stream(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p)
        if p.path.segments.last().is_some_and(|s| s.ident == "ByteStream"))
}

/// Whether a type is a number or a boolean (held and passed by value).
pub(crate) fn is_primitive(ty: &syn::Type) -> bool {
    const PRIMITIVES: [&str; 11] = [
        "bool", "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "f32", "f64",
    ];
    matches!(ty, syn::Type::Path(p)
        if p.qself.is_none() && PRIMITIVES.iter().any(|name| p.path.is_ident(name)))
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
    /// progenitor's signature of the operation: its parameters' types and its answer type
    /// (absent for handwritten operations).
    pub raw: Option<RawMethod>,
    /// Parameters in progenitor's order (path parameters first, in path order; the body last).
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
