//! A generated dispatcher for the real-traffic replay test of auth0-mgmt: one function per
//! operation that calls it through the facade with the recorded path values and the recorded
//! request body parsed into its typed body, and hands back the typed answer encoded again.

use quote::{format_ident, quote};

use crate::facade_op::FacadeOp;
use crate::syntax::simple_name;

/// The dispatcher file's text (formatted, with the generated-code header).
pub fn render(
    ops: &[FacadeOp],
    open_enums: &std::collections::BTreeSet<String>,
) -> anyhow::Result<String> {
    let mut fns = Vec::new();
    let mut arms = Vec::new();
    let mut with_body = Vec::new();
    for fop in ops {
        let op = &fop.op;
        if fop.raw.is_none() || crate::facade_op::is_byte_stream(&fop.success) {
            // Handwritten (multipart) and streamed operations carry no JSON both ways.
            continue;
        }
        let feature = op.resource();
        let accessors = op.accessors();
        let accessors = accessors.iter().map(|a| format_ident!("{}", a));
        let method = format_ident!("{}", op.method_name());
        let args = (0..op.path_params().len()).map(|i| quote!(path[#i].as_str()));
        let arity = op.path_params().len();
        let body = fop
            .params
            .iter()
            .find(|p| p.location == "body")
            .and_then(|p| {
                let owned = p.holding.owned();
                let ty: syn::Type = syn::parse_str(
                    &quote!(#owned)
                        .to_string()
                        .replace("crate ::", "auth0_mgmt ::"),
                )
                .ok()?;
                let id = format_ident!("{}", p.ident);
                Some(quote! {
                    if let Some(text) = body {
                        request = request.#id(parse::<#ty>(text)?);
                    }
                })
            });
        let query = fop
            .params
            .iter()
            .filter(|p| p.location == "query")
            .filter_map(|p| {
                let name = simple_name(&p.holding.owned())?;
                let id = format_ident!("{}", p.ident);
                let wire = &p.wire;
                let value = match name.as_str() {
                    "String" => quote!(v.as_str()),
                    "bool" | "i64" | "i32" | "u64" | "u32" | "f64" => {
                        quote!(v.parse().map_err(|e| format!("query {k}: {e}"))?)
                    }
                    // Open enums take any string.
                    t if open_enums.contains(t) => quote!(v.as_str()),
                    _ => return None,
                };
                Some(quote!(#wire => request = request.#id(#value),))
            });
        let name = format_ident!("op_{}", op.raw_ident());
        let id = &op.id;
        if body.is_some() {
            with_body.push(quote!(#[cfg(feature = #feature)] #id => true,));
        }
        fns.push(quote! {
            #[cfg(feature = #feature)]
            async fn #name(client: &Client, path: &[String], query: &[(String, String)], body: Option<&str>) -> Result<Value, String> {
                if path.len() != #arity {
                    return Err(format!("{} path values for {} parameters", path.len(), #arity));
                }
                let mut request = client #(.#accessors())* .#method(#(#args),*);
                for (k, v) in query {
                    match k.as_str() {
                        #(#query)*
                        // A parameter without a typed setter of these kinds goes as it is.
                        _ => request = request.query(k, v),
                    }
                }
                #body
                let answer = request.send().await.map_err(|e| format!("{e}"))?;
                serde_json::to_value(&answer).map_err(|e| format!("encoding the answer: {e}"))
            }
        });
        arms.push(quote! {
            #[cfg(feature = #feature)]
            #id => Some(Box::pin(#name(client, path, query, body))),
        });
    }
    let tokens = quote! {
        //! Calls one Management API operation, named by its operationId, through the facade: the
        //! recorded path values as positional arguments, the recorded query values through the
        //! builder's setters (those of string, number, boolean and enum type; any other through
        //! `.query(name, value)`), the recorded body parsed into the typed body; the typed answer
        //! comes back encoded as JSON again.
        #![allow(unused_mut, unused_variables, clippy::all)]

        use std::future::Future;
        use std::pin::Pin;

        use auth0_mgmt::Client;
        use serde_json::Value;

        /// What [`call`] returns: the answer encoded again, or what went wrong.
        pub type Answer<'a> = Pin<Box<dyn Future<Output = Result<Value, String>> + 'a>>;

        fn parse<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
            serde_json::from_str(text).map_err(|e| format!("the recorded body does not parse into its typed body: {e}"))
        }

        #(#fns)*

        /// Whether `operation` takes a request body.
        pub fn takes_body(operation: &str) -> bool {
            match operation {
                #(#with_body)*
                _ => false,
            }
        }

        /// The call of `operation`, or `None` when this build has no such operation (another
        /// document's, a feature turned off, a handwritten or streamed one).
        pub fn call<'a>(client: &'a Client, operation: &str, path: &'a [String], query: &'a [(String, String)], body: Option<&'a str>) -> Option<Answer<'a>> {
            match operation {
                #(#arms)*
                _ => None,
            }
        }
    };
    crate::generate::pretty(tokens)
}
