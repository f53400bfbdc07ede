//! Pagination: which list operations page by `page`/`per_page` or by `from`/`take`, and how
//! to take the items (and the total or next checkpoint) out of their answer types.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::facade_op::{FacadeOp, Paging, PagingKind};
use crate::generate::Generated;
use crate::syntax::generic_arg;

fn last_ident(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

fn vec_item(ty: &syn::Type) -> Option<syn::Type> {
    generic_arg(ty, "Vec", 0)
}

/// Qualifies bare names of generated types (`UserResponseSchema` ->
/// `crate::types::UserResponseSchema`) inside a type from the types module.
fn qualify_bare(ty: &syn::Type, names: &BTreeSet<String>) -> syn::Type {
    struct Qualify<'a>(&'a BTreeSet<String>);
    impl syn::visit_mut::VisitMut for Qualify<'_> {
        fn visit_path_mut(&mut self, path: &mut syn::Path) {
            syn::visit_mut::visit_path_mut(self, path);
            if path.leading_colon.is_none()
                && path
                    .segments
                    .first()
                    .is_some_and(|s| self.0.contains(&s.ident.to_string()))
            {
                path.segments.insert(0, syn::parse_quote!(types));
                path.segments.insert(0, syn::parse_quote!(crate));
            }
        }
    }
    let mut ty = ty.clone();
    syn::visit_mut::VisitMut::visit_type_mut(&mut Qualify(names), &mut ty);
    ty
}

/// A struct answer's items field (`Vec<T>` or `Option<Vec<T>>`) and its `total`/`next`.
struct Fields {
    items: syn::Ident,
    items_optional: bool,
    item: syn::Type,
    total: Option<(syn::Ident, bool)>,
    next: Option<(syn::Ident, bool)>,
}

fn struct_fields(s: &syn::ItemStruct) -> Option<Fields> {
    let syn::Fields::Named(named) = &s.fields else {
        return None;
    };
    let mut items = None;
    let mut total = None;
    let mut next = None;
    for f in &named.named {
        let ident = f.ident.clone()?;
        let (inner, optional) = match generic_arg(&f.ty, "Option", 0) {
            Some(inner) => (inner, true),
            None => (f.ty.clone(), false),
        };
        if let Some(item) = vec_item(&inner) {
            if items.is_some() {
                return None; // several lists: not a page
            }
            items = Some((ident, optional, item));
        } else if ident == "total" {
            total = Some((ident, optional));
        } else if ident == "next" {
            next = Some((ident, optional));
        }
    }
    let (items, items_optional, item) = items?;
    Some(Fields {
        items,
        items_optional,
        item,
        total,
        next,
    })
}

/// The item type of a newtype over a list (`struct List(pub Vec<T>)`).
fn newtype_vec(s: &syn::ItemStruct) -> Option<syn::Type> {
    let syn::Fields::Unnamed(fields) = &s.fields else {
        return None;
    };
    if fields.unnamed.len() != 1 {
        return None;
    }
    vec_item(&fields.unnamed[0].ty)
}

/// `Page { .. }` from a struct value bound to `value`.
fn page_from_struct(f: &Fields) -> TokenStream {
    let items = &f.items;
    let items = if f.items_optional {
        quote!(value.#items.unwrap_or_default())
    } else {
        quote!(value.#items)
    };
    let total = match &f.total {
        Some((t, true)) => quote!(value.#t.map(|t| t as u64)),
        Some((t, false)) => quote!(Some(value.#t as u64)),
        None => quote!(None),
    };
    let next = match &f.next {
        Some((n, true)) => quote!(value.#n),
        Some((n, false)) => quote!(Some(value.#n)),
        None => quote!(None),
    };
    quote!(crate::pagination::Page::new(#items, #total, #next))
}

/// Works out the pagination of an operation, if it pages.
pub fn paging(fop: &FacadeOp, generated: &Generated) -> Option<Paging> {
    let setters: BTreeSet<&str> = fop
        .params
        .iter()
        .filter(|p| p.location == "query")
        .map(|p| p.ident.as_str())
        .collect();
    let offset = setters.contains("page") && setters.contains("per_page");
    let checkpoint = setters.contains("from") && setters.contains("take");
    let include_totals = setters.contains("include_totals");
    let kind = match (offset, checkpoint) {
        (true, true) => PagingKind::Both { include_totals },
        (true, false) => PagingKind::Offset { include_totals },
        (false, true) => PagingKind::Checkpoint,
        (false, false) => return None,
    };
    fop.raw.as_ref()?;
    let names: BTreeSet<String> = generated
        .types
        .iter()
        .filter_map(|(k, _)| k.clone())
        .collect();
    let find_struct = |name: &str| {
        generated.types.iter().find_map(|(_, item)| match item {
            syn::Item::Struct(s) if s.ident == name => Some(s),
            _ => None,
        })
    };
    let find_enum = |name: &str| {
        generated.types.iter().find_map(|(_, item)| match item {
            syn::Item::Enum(e) if e.ident == name => Some(e),
            _ => None,
        })
    };
    let success = &fop.success;
    // A plain list.
    if let Some(item) = vec_item(success) {
        return Some(Paging {
            kind,
            item,
            extract: quote!(Ok(crate::pagination::Page::new(answer, None, None))),
        });
    }
    let name = last_ident(success)?;
    if let Some(s) = find_struct(&name) {
        let fields = struct_fields(s)?;
        let page = page_from_struct(&fields);
        return Some(Paging {
            kind,
            item: qualify_bare(&fields.item, &names),
            extract: quote!({ let value = answer; Ok(#page) }),
        });
    }
    let e = find_enum(&name)?;
    let mut item: Option<syn::Type> = None;
    let mut arms = Vec::new();
    let enum_ident = format_ident!("{}", name);
    for v in &e.variants {
        let vname = &v.ident;
        let syn::Fields::Unnamed(fields) = &v.fields else {
            return None;
        };
        let ty = &fields.unnamed.first()?.ty;
        if let Some(inner) = vec_item(ty) {
            item.get_or_insert_with(|| qualify_bare(&inner, &names));
            arms.push(quote! {
                crate::types::#enum_ident::#vname(value) => Ok(crate::pagination::Page::new(value, None, None)),
            });
        } else if let Some(inner) = last_ident(ty)
            .and_then(|n| find_struct(&n))
            .and_then(newtype_vec)
        {
            item.get_or_insert_with(|| qualify_bare(&inner, &names));
            arms.push(quote! {
                crate::types::#enum_ident::#vname(value) => Ok(crate::pagination::Page::new(value.0, None, None)),
            });
        } else if let Some(s) = last_ident(ty).and_then(|n| find_struct(&n)) {
            let fields = struct_fields(s)?;
            item.get_or_insert_with(|| qualify_bare(&fields.item, &names));
            let page = page_from_struct(&fields);
            arms.push(quote! {
                crate::types::#enum_ident::#vname(value) => Ok(#page),
            });
        } else if last_ident(ty).as_deref() == Some("Value") {
            arms.push(quote! {
                crate::types::#enum_ident::#vname(value) => Err(crate::Error::UnexpectedAnswer {
                    operation: OPERATION,
                    body: value,
                }),
            });
        } else {
            return None;
        }
    }
    Some(Paging {
        kind,
        item: item?,
        extract: quote!(match answer { #(#arms)* }),
    })
}

/// The `pages()`, `items()` and `send_page()` methods of a paging request builder.
pub fn render(fop: &FacadeOp, paging: &Paging) -> TokenStream {
    let builder = format_ident!("{}", fop.builder_name());
    let success = &fop.success;
    let item = &paging.item;
    let extract = &paging.extract;
    // Errors name the operation as it is called: `users.list`.
    let op_id = fop.op.label();
    let offset = |include_totals: bool| {
        let totals = include_totals.then(|| quote!(.include_totals(true)));
        quote! {
            let first = self.page.map_or(0, |p| p as i64);
            let per_page = self.per_page.map_or(50, |p| p as i64);
            crate::pagination::offset_pages(self, first, per_page, |request, page, per_page| {
                Box::pin(async move {
                    let answer = crate::runtime::body(crate::runtime::send_json(request.page(page as _).per_page(per_page as _) #totals .call())).await?;
                    extract(answer)
                })
            })
        }
    };
    // With offset paging too, a `per_page` set is the page size unless `take` is, and is not
    // sent with the checkpoint.
    let checkpoint = |both: bool| {
        let (take, clear) = if both {
            (
                quote!(self.take.or(self.per_page)),
                quote!(let mut request = request; request.per_page = None;),
            )
        } else {
            (quote!(self.take), quote!())
        };
        quote! {
            let from = self.from.clone();
            let take = #take.map_or(50, |t| t as i64);
            crate::pagination::checkpoint_pages(self, from, take, |request, from, take| {
                Box::pin(async move {
                    #clear
                    let request = request.take(take as _);
                    let request = match from {
                        Some(from) => request.from(from),
                        None => request,
                    };
                    extract(crate::runtime::body(crate::runtime::send_json(request.call())).await?)
                })
            })
        }
    };
    const OFFSET_DOC: &str = " Every page from the one set with `.page(..)` (default the first), \
        `.per_page(..)` items each (default 50); stops after the last page.";
    const CHECKPOINT_DOC: &str = " Every page from the checkpoint set with `.from(..)` (default \
        the start), `.take(..)` items each (default 50), following `next` until the last page.";
    let extract_fn = quote! {
        #[allow(dead_code)]
        const OPERATION: &str = #op_id;
        #[inline]
        fn extract(answer: #success) -> Result<crate::pagination::Page<#item>, crate::Error> {
            #extract
        }
    };
    let send_page = quote! {
        /// Sends the request and gives the answer as one page: its items as a `Vec` whatever
        /// shape the answer took (a bare list or a page object), the total when the answer
        /// carries it (ask for it with `.include_totals(true)` where the operation offers it),
        /// and the next checkpoint.
        #[inline]
        pub fn send_page(
            self,
        ) -> C::Output<impl ::std::future::Future<
            Output = Result<crate::pagination::Page<#item>, crate::Error>,
        > + Send + 'a> {
            #extract_fn
            let mode = self.client;
            crate::Mode::run(mode, crate::pagination::page(crate::runtime::body(crate::runtime::send_json(self.call())), extract))
        }
    };
    if let PagingKind::Both { include_totals } = paging.kind {
        let pages = offset(include_totals);
        let checkpoints = checkpoint(true);
        return quote! {
            impl<'a, C: crate::Mode> #builder<'a, C> {
                #[doc = #OFFSET_DOC]
                ///
                /// Auth0 answers offset pages up to the 1,000th record; [`checkpoint_pages`](Self::checkpoint_pages)
                /// and [`items`](Self::items) walk past it.
                #[inline]
                pub fn pages(self) -> C::Stream<'a, crate::pagination::Page<#item>> {
                    let mode = self.client;
                    crate::Mode::stream(mode, self.offset_walk())
                }

                #send_page

                #[doc = #CHECKPOINT_DOC]
                /// A `.per_page(..)` set is the page size when `.take(..)` is not.
                #[inline]
                pub fn checkpoint_pages(self) -> C::Stream<'a, crate::pagination::Page<#item>> {
                    let mode = self.client;
                    crate::Mode::stream(mode, self.checkpoint_walk())
                }

                /// Every item, by checkpoint ([`checkpoint_pages`](Self::checkpoint_pages)), so that
                /// a walk goes past 1,000 records; by offset ([`pages`](Self::pages)) from the page
                /// set with `.page(..)`, if one is.
                #[inline]
                pub fn items(self) -> C::Stream<'a, #item> {
                    let mode = self.client;
                    let pages = if self.page.is_some() {
                        self.offset_walk()
                    } else {
                        self.checkpoint_walk()
                    };
                    crate::Mode::stream(mode, crate::pagination::items(pages))
                }

                /// The offset walk, as a stream whatever the client.
                #[inline]
                fn offset_walk(self) -> crate::pagination::Pages<'a, #item> {
                    #extract_fn
                    #pages
                }

                /// The checkpoint walk, as a stream whatever the client.
                #[inline]
                fn checkpoint_walk(self) -> crate::pagination::Pages<'a, #item> {
                    #extract_fn
                    #checkpoints
                }
            }
        };
    }
    let (pages, doc) = match &paging.kind {
        PagingKind::Offset { include_totals } => (offset(*include_totals), OFFSET_DOC),
        _ => (checkpoint(false), CHECKPOINT_DOC),
    };
    quote! {
        impl<'a, C: crate::Mode> #builder<'a, C> {
            #[doc = #doc]
            #[inline]
            pub fn pages(self) -> C::Stream<'a, crate::pagination::Page<#item>> {
                let mode = self.client;
                crate::Mode::stream(mode, self.walk())
            }

            #send_page

            /// Every item of every page (see [`pages`](Self::pages)).
            #[inline]
            pub fn items(self) -> C::Stream<'a, #item> {
                let mode = self.client;
                crate::Mode::stream(mode, crate::pagination::items(self.walk()))
            }

            /// The walk, as a stream whatever the client.
            #[inline]
            fn walk(self) -> crate::pagination::Pages<'a, #item> {
                #extract_fn
                #pages
            }
        }
    }
}
