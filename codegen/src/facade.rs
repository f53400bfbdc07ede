//! The resource facade: `client.users().roles().list("id").page(2).send().await`.
//!
//! Built on `x-operation-group` / `x-operation-name` (the naming rule of the README's
//! auth0-mgmt section): group segments become
//! accessors, the name becomes the method, path parameters are positional, everything else is
//! a builder setter, and `send()` calls the generated raw client.

use std::collections::{BTreeMap, BTreeSet};

use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

use crate::generate::{RawMethod, generic_arg};
use crate::ops::Operation;

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

/// A map or a JSON value: a body whose members the document does not describe.
fn is_free_form(ty: &syn::Type) -> bool {
    let syn::Type::Path(p) = ty else { return false };
    p.path.segments.last().is_some_and(|s| {
        matches!(
            s.ident.to_string().as_str(),
            "HashMap" | "BTreeMap" | "Map" | "Value"
        )
    })
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

    fn optional(&self) -> bool {
        matches!(
            self,
            Holding::OptStr | Holding::OptRef(_) | Holding::OptValue(_)
        )
    }

    /// The builder's field as the raw method takes it, leaving the builder whole: its request
    /// is made again for each attempt after the first.
    fn pass(&self, field: TokenStream) -> TokenStream {
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

fn is_primitive(ty: &syn::Type) -> bool {
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
    pub paging: Option<crate::paging::Paging>,
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

/// Pairs each operation with its raw method and classifies the parameters.
pub fn facade_ops(
    doc: &Value,
    ops: &[Operation],
    methods: &BTreeMap<String, RawMethod>,
    handwritten: &BTreeSet<String>,
) -> anyhow::Result<Vec<FacadeOp>> {
    let mut out = Vec::new();
    for op in ops {
        if handwritten.contains(&op.id) {
            out.push(FacadeOp {
                op: op.clone(),
                raw: None,
                params: op
                    .path_params()
                    .into_iter()
                    .map(|p| Param {
                        ident: p.to_snake_case(),
                        location: "path",
                        wire: p,
                        holding: Holding::Str,
                    })
                    .collect(),
                success: handwritten_success(doc, op),
                success_status: success_status(doc, op),
                paging: None,
            });
            continue;
        }
        let raw = methods
            .get(&op.raw_ident())
            .ok_or_else(|| anyhow::anyhow!("no generated method for operation {}", op.id))?;
        let node = &doc["paths"][&op.path][&op.method];
        let mut locations: BTreeMap<String, (&'static str, String)> = BTreeMap::new();
        for p in node
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
            let loc = match p.get("in").and_then(Value::as_str) {
                Some("path") => "path",
                Some("header") => "header",
                _ => "query",
            };
            locations.insert(name.to_snake_case(), (loc, name.to_string()));
        }
        let n_path = op.path_params().len();
        let has_body = node.get("requestBody").is_some();
        let count = raw.params.len();
        let params = raw
            .params
            .iter()
            .enumerate()
            .map(|(i, (ident, ty))| {
                let found = locations.get(ident.trim_end_matches('_'));
                let wire = found.map_or_else(|| ident.clone(), |(_, w)| w.clone());
                let location = if i < n_path {
                    "path"
                } else if has_body && i + 1 == count {
                    "body"
                } else {
                    found.map_or("query", |(l, _)| l)
                };
                Param {
                    ident: ident.clone(),
                    location,
                    wire,
                    holding: holding(ty),
                }
            })
            .collect();
        out.push(FacadeOp {
            op: op.clone(),
            raw: Some(raw.clone()),
            params,
            success: qualify(&raw.success),
            success_status: success_status(doc, op),
            paging: None,
        });
    }
    Ok(out)
}

/// The first success status the document lists for an operation (200 if none).
fn success_status(doc: &Value, op: &Operation) -> u16 {
    doc["paths"][&op.path][&op.method]
        .get("responses")
        .and_then(Value::as_object)
        .and_then(|r| {
            r.keys()
                .filter_map(|c| c.parse::<u16>().ok())
                .find(|c| (200..300).contains(c))
        })
        .unwrap_or(200)
}

/// The answer type of a handwritten operation: its documented JSON success schema.
fn handwritten_success(doc: &Value, op: &Operation) -> syn::Type {
    handwritten_success_schema(doc, op)
        .and_then(|name| syn::parse_str(&format!("crate::types::{name}")).ok())
        .unwrap_or_else(|| syn::parse_quote!(::serde_json::Value))
}

/// The component schema a handwritten operation answers with, if it names one.
pub fn handwritten_success_schema(doc: &Value, op: &Operation) -> Option<String> {
    success_schema(doc, op, "application/json")
}

/// The named schema of an operation's success answer of `media_type`, if it has one.
pub fn success_schema(doc: &Value, op: &Operation, media_type: &str) -> Option<String> {
    let responses = doc["paths"][&op.path][&op.method]
        .get("responses")?
        .as_object()?;
    let pointer = format!("/content/{}/schema/$ref", media_type.replace('/', "~1"));
    responses
        .iter()
        .filter(|(code, _)| code.starts_with('2'))
        .find_map(|(_, r)| r.pointer(&pointer))
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
        .map(ToUpperCamelCase::to_upper_camel_case)
}

/// The doc comment of a facade method: method, path, scopes, lifecycle, reference link.
pub fn method_doc(op: &Operation) -> String {
    let scopes = if op.scopes.is_empty() {
        "none stated".to_string()
    } else {
        op.scopes
            .iter()
            .map(|s| format!("`{s}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let lifecycle = op.lifecycle.as_deref().unwrap_or("not stated");
    format!(
        " `{} {}`\n\n Scopes: {scopes}. Lifecycle: {lifecycle}.\n\n [Auth0 reference]({})",
        op.method.to_uppercase(),
        op.path,
        op.reference_url()
    )
}

struct Node {
    ops: Vec<FacadeOp>,
    children: BTreeSet<Vec<String>>,
}

/// Renders the facade: one token stream per top-level resource (its cargo feature).
pub fn render(ops: &[FacadeOp]) -> BTreeMap<String, TokenStream> {
    let mut nodes: BTreeMap<Vec<String>, Node> = BTreeMap::new();
    for fop in ops {
        let group = &fop.op.group;
        for len in 1..=group.len() {
            let key = group[..len].to_vec();
            nodes.entry(key.clone()).or_insert_with(|| Node {
                ops: Vec::new(),
                children: BTreeSet::new(),
            });
            if len > 1 {
                nodes
                    .get_mut(&group[..len - 1])
                    .expect("parent inserted first")
                    .children
                    .insert(key);
            }
        }
        nodes
            .get_mut(group)
            .expect("inserted")
            .ops
            .push(fop.clone());
    }
    let mut files: BTreeMap<String, TokenStream> = BTreeMap::new();
    for (group, node) in &nodes {
        let resource = group[0].to_snake_case();
        let out = files.entry(resource).or_default();
        out.extend(render_node(group, node));
    }
    files
}

fn render_node(group: &[String], node: &Node) -> TokenStream {
    let name = format_ident!("{}", accessor_name(group));
    let path_text = group
        .iter()
        .map(|s| format!("{}()", s.to_snake_case()))
        .collect::<Vec<_>>()
        .join(".");
    let struct_doc = format!(" Operations reached by `client.{path_text}`.");
    let mut out = TokenStream::new();
    if group.len() == 1 {
        let accessor = format_ident!("{}", group[0].to_snake_case());
        let doc = format!(" The `{}` resource.", group[0].to_snake_case());
        out.extend(quote! {
            impl crate::Client {
                #[doc = #doc]
                pub fn #accessor(&self) -> #name<'_> {
                    #name { client: self }
                }
            }
        });
    }
    let children = node.children.iter().map(|child| {
        let seg = child.last().expect("non-empty");
        let accessor = format_ident!("{}", seg.to_snake_case());
        let child_name = format_ident!("{}", accessor_name(child));
        let doc = format!(" The `{}` sub-resource.", seg.to_snake_case());
        quote! {
            #[doc = #doc]
            pub fn #accessor(&self) -> #child_name<'a> {
                #child_name { client: self.client }
            }
        }
    });
    let mut builders = TokenStream::new();
    let methods: Vec<TokenStream> = node
        .ops
        .iter()
        .map(|fop| {
            let (method, builder) = render_op(fop);
            builders.extend(builder);
            method
        })
        .collect();
    out.extend(quote! {
        #[doc = #struct_doc]
        #[derive(Clone, Copy, Debug)]
        pub struct #name<'a> {
            pub(crate) client: &'a crate::Client,
        }
        impl<'a> #name<'a> {
            #(#children)*
            #(#methods)*
        }
        #builders
    });
    out
}

/// The header parameter of the operations that send emails or make links
/// (`Auth0-Custom-Domain`): the client's custom domain fills it when the request does not.
const CUSTOM_DOMAIN_PARAM: &str = "auth0_custom_domain";

fn render_op(fop: &FacadeOp) -> (TokenStream, TokenStream) {
    let op = &fop.op;
    let method = format_ident!("{}", op.method_name());
    let builder = format_ident!("{}", fop.builder_name());
    let doc = method_doc(op);
    let path_params: Vec<&Param> = fop.params.iter().filter(|p| p.location == "path").collect();
    let args = path_params.iter().map(|p| {
        let id = format_ident!("{}", p.ident);
        let owned = p.holding.owned();
        quote!(#id: impl Into<#owned>)
    });
    let inits = path_params.iter().map(|p| {
        let id = format_ident!("{}", p.ident);
        quote!(#id: #id.into())
    });
    if fop.raw.is_none() {
        // Handwritten operation: the builder lives in `crate::handwritten`.
        let method_tokens = quote! {
            #[doc = #doc]
            pub fn #method(&self, #(#args),*) -> crate::handwritten::#builder<'a> {
                crate::handwritten::#builder::new(self.client, #(#inits),*)
            }
        };
        return (method_tokens, TokenStream::new());
    }
    let raw = fop.raw.as_ref().expect("checked");
    let setters: Vec<&Param> = fop.params.iter().filter(|p| p.location != "path").collect();
    let other_fields = setters.iter().map(|p| {
        let id = format_ident!("{}", p.ident);
        let owned = p.holding.owned();
        quote!(#id: Option<#owned>)
    });
    let other_inits = setters.iter().map(|p| {
        let id = format_ident!("{}", p.ident);
        quote!(#id: None)
    });
    let path_fields = path_params.iter().map(|p| {
        let id = format_ident!("{}", p.ident);
        let owned = p.holding.owned();
        quote!(#id: #owned)
    });
    let setter_fns = setters.iter().map(|p| {
        let id = format_ident!("{}", p.ident);
        let owned = p.holding.owned();
        // Numbers and booleans are taken as they are, so that literals infer their type.
        let param_ty = if is_primitive(&owned) {
            quote!(#owned)
        } else {
            quote!(impl Into<#owned>)
        };
        let doc = match p.location {
            "body" => " Sets the request body.".to_string(),
            loc => format!(
                " Sets the `{}` {loc} parameter.",
                p.ident.trim_end_matches('_')
            ),
        };
        quote! {
            #[doc = #doc]
            #[inline]
            pub fn #id(mut self, value: #param_ty) -> Self {
                self.#id = Some(value.into());
                self
            }
        }
    });
    let op_label = op.label();
    let mut prelude = TokenStream::new();
    for p in &path_params {
        let id = format_ident!("{}", p.ident);
        let name = p.ident.trim_end_matches('_');
        let value = match p.holding {
            Holding::Str => quote!(&self.#id),
            // Open enums and newtypes take any string too.
            _ => quote!(&self.#id.to_string()),
        };
        prelude.extend(quote!(crate::runtime::path_value(#op_label, #name, #value)?;));
    }
    let call_args: Vec<TokenStream> = fop
        .params
        .iter()
        .map(|p| {
            let id = format_ident!("{}", p.ident);
            match (p.location, p.holding.optional()) {
                ("path", _) => p.holding.pass(quote!(self.#id)),
                ("body", false) | (_, false) => {
                    // A required non-path value (the body, or a required query/header parameter).
                    let what = if p.location == "body" {
                        "the request body".to_string()
                    } else {
                        format!("the `{}` parameter", p.ident)
                    };
                    let value = match &p.holding {
                        Holding::Str => quote!(self.#id.as_deref()),
                        Holding::Ref(_) => quote!(self.#id.as_ref()),
                        Holding::Value(t) | Holding::OptValue(t) if is_primitive(t) => {
                            quote!(self.#id)
                        }
                        _ => quote!(self.#id.clone()),
                    };
                    prelude.extend(quote! {
                        let #id = #value.ok_or_else(|| crate::Error::missing(#op_label, #what))?;
                    });
                    quote!(#id)
                }
                // The client's custom domain unless the request sets its own.
                ("header", true) if p.ident == CUSTOM_DOMAIN_PARAM => {
                    let own = p.holding.pass(quote!(self.#id));
                    quote!(#own.or(client.custom_domain()))
                }
                (_, true) => p.holding.pass(quote!(self.#id)),
            }
        })
        .collect();
    let raw_ident = format_ident!("{}", raw.ident);
    let success = &fop.success;
    let success_text = quote!(#success).to_string();
    let send = if success_text.contains("ByteStream") {
        quote!(send_stream)
    } else if success_text == "()" {
        quote!(send_empty)
    } else {
        quote!(send_json)
    };
    let builder_doc = format!(
        " Request builder for `{}` (`{} {}`); finish with [`send`](Self::send).",
        op_label,
        op.method.to_uppercase(),
        op.path
    );
    let method_tokens = quote! {
        #[doc = #doc]
        pub fn #method(&self, #(#args),*) -> #builder<'a> {
            #builder {
                client: self.client,
                #(#inits,)*
                #(#other_inits,)*
                options: Default::default(),
            }
        }
    };
    // A free-form body (a map or JSON value the document does not describe: hook secrets,
    // say) may hold secrets under any name: its `Debug` shows member names, not values.
    let free_form_body = setters
        .iter()
        .any(|p| p.location == "body" && is_free_form(&p.holding.owned()));
    let (derives, debug_impl) = if free_form_body {
        let label = builder.to_string();
        let fields = fop.params.iter().map(|p| {
            let id = format_ident!("{}", p.ident);
            let name = p.ident.as_str();
            if p.location == "body" {
                quote!(.field(#name, &crate::runtime::MemberNames(&self.#id)))
            } else {
                quote!(.field(#name, &self.#id))
            }
        });
        (
            quote!(#[derive(Clone)]),
            quote! {
                impl ::std::fmt::Debug for #builder<'_> {
                    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.debug_struct(#label) #(#fields)* .field("options", &self.options).finish_non_exhaustive()
                    }
                }
            },
        )
    } else {
        (quote!(#[derive(Debug, Clone)]), TokenStream::new())
    };
    let builder_tokens = quote! {
        #[doc = #builder_doc]
        #derives
        #[must_use = "a request does nothing until `.send().await`"]
        pub struct #builder<'a> {
            pub(crate) client: &'a crate::Client,
            #(#path_fields,)*
            #(#other_fields,)*
            options: crate::runtime::RequestOptions,
        }
        #debug_impl
        crate::runtime::request_options!(#builder);
        impl<'a> #builder<'a> {
            #(#setter_fns)*
            /// Sends the request and decodes the answer.
            #[inline]
            pub fn send(
                self,
            ) -> impl ::std::future::Future<Output = Result<#success, crate::Error>> + Send + 'a {
                crate::runtime::body(self.send_with_response())
            }
            /// As [`send`](Self::send), with the answer's status, headers and rate limit.
            #[inline]
            pub fn send_with_response(
                mut self,
            ) -> impl ::std::future::Future<
                Output = Result<crate::ApiResponse<#success>, crate::Error>,
            > + Send + 'a {
                let client = self.client;
                let options = ::std::mem::take(&mut self.options);
                // Called for the first attempt, and again for each retry.
                let build: crate::runtime::Build<'a> = ::std::boxed::Box::new(
                    move || -> crate::runtime::Built {
                        #prelude
                        Ok(client.raw().#raw_ident(#(#call_args),*))
                    },
                );
                crate::runtime::#send(#op_label, client, options, build)
            }
        }
    };
    let paging = fop
        .paging
        .as_ref()
        .map(|p| crate::paging::render(fop, p))
        .unwrap_or_default();
    (method_tokens, quote!(#builder_tokens #paging))
}
