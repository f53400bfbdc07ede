//! The resource facade: `client.users().roles().list("id").page(2).send().await`.
//!
//! Built on `x-operation-group` / `x-operation-name` (the naming rule of the README's
//! auth0-mgmt section): group segments become
//! accessors, the name becomes the method, path parameters are positional, everything else is
//! a builder setter, and `send()` hands the runtime the request the builder makes.

use std::collections::{BTreeMap, BTreeSet};

use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

use crate::facade_op::{
    FacadeOp, Holding, Param, accessor_name, holding, is_byte_stream, is_primitive, qualify,
};
use crate::generate::RawMethod;
use crate::ops::Operation;

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
            if loc == "header" && !is_header_name(name) {
                anyhow::bail!("operation {}: {name:?} is not a header name", op.id);
            }
            locations.insert(name.to_snake_case(), (loc, name.to_string()));
        }
        let n_path = op.path_params().len();
        let has_body = node.get("requestBody").is_some();
        // The builders send JSON bodies (the multipart upload is handwritten).
        if let Some(content) = node
            .pointer("/requestBody/content")
            .and_then(Value::as_object)
            && !content.contains_key("application/json")
        {
            let types: Vec<&String> = content.keys().collect();
            anyhow::bail!(
                "operation {}: a request body of {types:?} is not generated (only JSON is)",
                op.id
            );
        }
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

/// Whether a header parameter's name is one a request can carry (a token of RFC 9110).
fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
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
            #[cfg(feature = "blocking")]
            impl crate::blocking::Client {
                #[doc = #doc]
                pub fn #accessor(&self) -> #name<'_, crate::blocking::Client> {
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
            pub fn #accessor(&self) -> #child_name<'a, C> {
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
        pub struct #name<'a, C = crate::Client> {
            pub(crate) client: &'a C,
        }
        crate::mode::accessor!(#name);
        impl<'a, C: crate::Mode> #name<'a, C> {
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
            pub fn #method(&self, #(#args),*) -> crate::handwritten::#builder<'a, C> {
                crate::handwritten::#builder::new(self.client, #(#inits),*)
            }
        };
        return (method_tokens, TokenStream::new());
    }
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
    let request = request(fop);
    let success = &fop.success;
    let send = match answer_kind(success) {
        Answer::Stream => quote!(send_stream),
        Answer::Empty => quote!(send_empty),
        Answer::Json => quote!(send_json),
    };
    let builder_doc = format!(
        " Request builder for `{}` (`{} {}`); finish with [`send`](Self::send).",
        op_label,
        op.method.to_uppercase(),
        op.path
    );
    let method_tokens = quote! {
        #[doc = #doc]
        pub fn #method(&self, #(#args),*) -> #builder<'a, C> {
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
                impl<C: ::std::fmt::Debug> ::std::fmt::Debug for #builder<'_, C> {
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
        #[must_use = "a request does nothing until it is sent"]
        pub struct #builder<'a, C = crate::Client> {
            pub(crate) client: &'a C,
            #(#path_fields,)*
            #(#other_fields,)*
            options: crate::runtime::RequestOptions,
        }
        #debug_impl
        crate::runtime::request_options!(#builder);
        impl<'a, C: crate::Mode> #builder<'a, C> {
            #(#setter_fns)*
            /// Sends the request and decodes the answer: a future to `.await` from a
            /// [`Client`](crate::Client), the answer itself from a `blocking::Client`.
            #[inline]
            pub fn send(
                self,
            ) -> C::Output<impl ::std::future::Future<Output = Result<#success, crate::Error>> + Send + 'a> {
                let mode = self.client;
                crate::Mode::run(mode, crate::runtime::body(crate::runtime::#send(self.call())))
            }
            /// As [`send`](Self::send), with the answer's status, headers and rate limit.
            #[inline]
            pub fn send_with_response(
                self,
            ) -> C::Output<impl ::std::future::Future<
                Output = Result<crate::ApiResponse<#success>, crate::Error>,
            > + Send + 'a> {
                let mode = self.client;
                crate::Mode::run(mode, crate::runtime::#send(self.call()))
            }
            /// The call, ready to send whatever the client.
            #[inline]
            fn call(mut self) -> crate::runtime::Call<'a> {
                let client = crate::Mode::client(self.client);
                let options = ::std::mem::take(&mut self.options);
                // Called for the first attempt, and again for each retry.
                let build: crate::runtime::Build<'a> = ::std::boxed::Box::new(
                    move || -> ::std::result::Result<::reqwest::Request, crate::Error> {
                        #request
                    },
                );
                crate::runtime::Call::new(#op_label, client, options, build)
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

/// How an operation's answer is read, by its type.
enum Answer {
    /// Handed over as a stream of bytes (`crate::ByteStream`).
    Stream,
    /// Documented without a body (`()`).
    Empty,
    /// Decoded from JSON.
    Json,
}

fn answer_kind(success: &syn::Type) -> Answer {
    match success {
        syn::Type::Tuple(t) if t.elems.is_empty() => Answer::Empty,
        ty if is_byte_stream(ty) => Answer::Stream,
        _ => Answer::Json,
    }
}

/// The body of an operation's request builder (the closure the runtime calls for each
/// attempt): the checks of its values, then its request, made from the document's facts: the
/// method, the URL (the path template's pieces, each path value percent-encoded), `Accept`
/// when the answer is JSON, the query parameters in order (absent optional ones skipped), the
/// JSON body, the header parameters.
fn request(fop: &FacadeOp) -> TokenStream {
    let op = &fop.op;
    let op_label = op.label();
    let mut checks = TokenStream::new();
    let path_params: Vec<&Param> = fop.params.iter().filter(|p| p.location == "path").collect();
    for p in &path_params {
        let id = format_ident!("{}", p.ident);
        let name = p.ident.trim_end_matches('_');
        let value = match p.holding {
            Holding::Str => quote!(&self.#id),
            // Open enums and newtypes take any string too.
            _ => quote!(&self.#id.to_string()),
        };
        checks.extend(quote!(crate::runtime::path_value(#op_label, #name, #value)?;));
    }
    // Required values other than path parameters, taken or refused.
    for p in fop.params.iter().filter(|p| p.location != "path") {
        if p.holding.optional() {
            continue;
        }
        let id = format_ident!("{}", p.ident);
        let what = if p.location == "body" {
            "the request body".to_string()
        } else {
            format!("the `{}` parameter", p.ident)
        };
        let value = match &p.holding {
            Holding::Str => quote!(self.#id.as_deref()),
            Holding::Ref(_) => quote!(self.#id.as_ref()),
            Holding::Value(t) | Holding::OptValue(t) if is_primitive(t) => quote!(self.#id),
            _ => quote!(self.#id.clone()),
        };
        checks.extend(quote! {
            let #id = #value.ok_or_else(|| crate::Error::missing(#op_label, #what))?;
        });
    }
    // The URL: the template's literal pieces and the path values between them.
    let mut pieces: Vec<TokenStream> = Vec::new();
    let mut rest = op.path.as_str();
    let mut values = path_params.iter();
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        if start > 0 {
            let literal = &rest[..start];
            pieces.push(quote!(#literal));
        }
        if let Some(p) = values.next() {
            let id = format_ident!("{}", p.ident);
            pieces.push(match p.holding {
                Holding::Str => quote!(&*crate::runtime::encode_path(&self.#id)),
                _ => quote!(&*crate::runtime::encode_path(&self.#id.to_string())),
            });
        }
        rest = &rest[start + len + 1..];
    }
    if !rest.is_empty() {
        pieces.push(quote!(#rest));
    }
    let method = format_ident!("{}", op.method.to_uppercase());
    let accept = match answer_kind(&fop.success) {
        Answer::Json => quote! {
            .header(
                ::reqwest::header::ACCEPT,
                ::reqwest::header::HeaderValue::from_static("application/json"),
            )
        },
        Answer::Stream | Answer::Empty => TokenStream::new(),
    };
    let mut query = Vec::new();
    let mut body = TokenStream::new();
    let mut headers = Vec::new();
    for p in fop.params.iter().filter(|p| p.location != "path") {
        let id = format_ident!("{}", p.ident);
        let wire = &p.wire;
        match (p.location, p.holding.optional()) {
            ("query", true) => query.push(quote!(.query_some(#wire, &self.#id))),
            ("query", false) => query.push(quote!(.query_value(#wire, &#id))),
            ("body", false) => body = quote!(let request = request.json(&#id);),
            ("body", true) => {
                body = quote! {
                    let request = match &self.#id {
                        Some(body) => request.json(body),
                        None => request,
                    };
                }
            }
            (_, optional) => {
                let name = wire.to_ascii_lowercase();
                let value = match (&p.holding, optional) {
                    (Holding::OptStr, _) => quote!(self.#id.as_deref()),
                    (_, true) => {
                        quote!(self.#id.as_ref().map(::std::string::ToString::to_string).as_deref())
                    }
                    (Holding::Str, false) => quote!(Some(#id)),
                    (_, false) => quote!(Some(&*#id.to_string())),
                };
                // The client's custom domain unless the request sets its own.
                let value = if p.ident == CUSTOM_DOMAIN_PARAM && optional {
                    quote!(#value.or(client.custom_domain()))
                } else {
                    value
                };
                checks.extend(quote! {
                    let #id = crate::runtime::header_value(#op_label, #name, #value)?;
                });
                headers.push(quote!(.header_some(#name, #id)));
            }
        }
    }
    let headers = if headers.is_empty() {
        TokenStream::new()
    } else {
        quote!(let request = request #(#headers)*;)
    };
    quote! {
        #checks
        let url = crate::runtime::endpoint(client, &[#(#pieces),*]);
        let request = client
            .http()
            .request(::reqwest::Method::#method, url)
            #accept
            #(#query)*;
        #body
        #headers
        crate::runtime::finish(#op_label, request)
    }
}
