//! A generated integration test of auth0-mgmt that calls every operation through the facade,
//! by the naming rule, from outside the crate.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::facade_op::{FacadeOp, Holding};
use crate::syntax::{generic_name, simple_name};

/// A value of an owned parameter type the test can write, if it can write one.
fn sample(owned: &syn::Type, with_default: &BTreeSet<String>) -> Option<TokenStream> {
    match simple_name(owned).as_deref() {
        Some("String") => return Some(quote!("q")),
        Some("bool") => return Some(quote!(true)),
        Some("i64" | "i32" | "u64" | "u32" | "f64") => return Some(quote!(1 as _)),
        Some("Value") => return Some(quote!(::serde_json::json!({}))),
        _ => {}
    }
    if has_default(owned, with_default, true) {
        let ty = outside(owned)?;
        Some(quote!(<#ty as Default>::default()))
    } else {
        None
    }
}

/// Whether the test can make a value of a type with `Default`: a list (or, with `maps`, a
/// map) or a generated type that has one.
fn has_default(ty: &syn::Type, with_default: &BTreeSet<String>, maps: bool) -> bool {
    match generic_name(ty).as_deref() {
        Some("Vec") => true,
        Some("Map") => maps,
        Some(_) => false,
        None => simple_name(ty).is_some_and(|name| with_default.contains(&name)),
    }
}

/// The owned type of a parameter or answer, as code outside the crate names it.
fn outside(ty: &syn::Type) -> Option<syn::Type> {
    struct Outside;
    impl syn::visit_mut::VisitMut for Outside {
        fn visit_path_mut(&mut self, path: &mut syn::Path) {
            syn::visit_mut::visit_path_mut(self, path);
            if let Some(first) = path.segments.first_mut()
                && first.ident == "crate"
            {
                first.ident = quote::format_ident!("auth0_mgmt");
            }
        }
    }
    let mut ty = ty.clone();
    syn::visit_mut::VisitMut::visit_type_mut(&mut Outside, &mut ty);
    Some(ty)
}

/// A full round trip for one operation of a resource: the request leaves with its method,
/// path, a query parameter, the `Authorization` header and the JSON body; the answer (the
/// documented type's default, plus a field the document does not know) decodes and encodes
/// again with that field.
fn round_trip(fop: &FacadeOp, with_default: &BTreeSet<String>) -> Option<TokenStream> {
    fop.raw.as_ref()?;
    let op = &fop.op;
    let answer_ty = outside(&fop.success)?;
    let answer = if has_default(&fop.success, with_default, false) {
        quote!(serde_json::to_value(<#answer_ty as Default>::default()).unwrap())
    } else {
        return None;
    };
    let mut path = format!("/api/v2{}", op.path);
    let mut args = Vec::new();
    for (i, name) in op.path_params().iter().enumerate() {
        let value = format!("p{}", i + 1);
        path = path.replace(&format!("{{{name}}}"), &value);
        args.push(quote!(#value));
    }
    let mut setters = Vec::new();
    let mut matchers = Vec::new();
    let mut body_setup = TokenStream::new();
    let mut query_done = false;
    for p in fop.params.iter().filter(|p| p.location != "path") {
        let id = format_ident!("{}", p.ident);
        let required = matches!(
            p.holding,
            Holding::Str | Holding::Ref(_) | Holding::Value(_)
        );
        let owned = p.holding.owned();
        if p.location == "body" {
            if !has_default(&owned, with_default, false) {
                return None;
            }
            let ty = outside(&owned)?;
            body_setup = quote! {
                let body = <#ty as Default>::default();
                let sent = serde_json::to_value(&body).unwrap();
            };
            setters.push(quote!(.#id(body)));
            matchers.push(quote!(.and(body_json(sent))));
            continue;
        }
        let wire = &p.wire;
        let value = match simple_name(&owned).as_deref() {
            Some("String") => Some(("q", quote!("q"))),
            Some("bool") => Some(("true", quote!(true))),
            Some("i64" | "i32" | "u64" | "u32") => Some(("1", quote!(1 as _))),
            _ => None,
        };
        match value {
            Some((on_wire, v)) if required || (!query_done && p.location == "query") => {
                setters.push(quote!(.#id(#v)));
                if p.location == "query" {
                    matchers.push(quote!(.and(query_param(#wire, #on_wire))));
                    query_done = true;
                } else {
                    matchers.push(quote!(.and(header(#wire, #on_wire))));
                }
            }
            Some(_) => {}
            None if required => return None,
            None => {}
        }
    }
    let accessors = op.accessors();
    let accessors = accessors.iter().map(|a| format_ident!("{}", a));
    let method = format_ident!("{}", op.method_name());
    let http_method = op.method.to_uppercase();
    let status = fop.success_status;
    let test = format_ident!("{}_round_trip", op.resource());
    let feature = op.resource();
    Some(quote! {
        #[cfg(feature = #feature)]
        #[tokio::test]
        async fn #test() {
            let server = MockServer::start().await;
            let answer = #answer;
            let mut sent_back = answer.clone();
            if let Some(object) = sent_back.as_object_mut() {
                object.insert("field_added_later".into(), serde_json::json!({"x": [1, 2]}));
            }
            let expected = sent_back.clone();
            #body_setup
            Mock::given(method(#http_method))
                .and(path(#path))
                .and(header("authorization", "Bearer test-token"))
                #(#matchers)*
                .respond_with(ResponseTemplate::new(#status).set_body_json(sent_back))
                .expect(1)
                .mount(&server)
                .await;
            let client = Client::builder(server.uri()).token("test-token").build().unwrap();
            let decoded = client #(.#accessors())* .#method(#(#args),*) #(#setters)* .send().await.unwrap();
            // The member the document does not list comes back too.
            assert_eq!(serde_json::to_value(&decoded).unwrap(), expected);
        }
    })
}

/// The test file's text (formatted, with the generated-code header).
pub fn render(ops: &[FacadeOp], with_default: &BTreeSet<String>) -> anyhow::Result<String> {
    let mut blocks: std::collections::BTreeMap<String, Vec<TokenStream>> = Default::default();
    let mut round_trips: std::collections::BTreeMap<String, TokenStream> = Default::default();
    // Prefer an operation with a body, so that the body is checked too.
    for with_body in [true, false] {
        for fop in ops {
            let has_body = fop.params.iter().any(|p| p.location == "body");
            if has_body == with_body
                && !round_trips.contains_key(&fop.op.resource())
                && let Some(t) = round_trip(fop, with_default)
            {
                round_trips.insert(fop.op.resource(), t);
            }
        }
    }
    for fop in ops {
        let op = &fop.op;
        let feature = op.resource();
        let accessors = op.accessors();
        let accessors = accessors.iter().map(|a| format_ident!("{}", a));
        let method = format_ident!("{}", op.method_name());
        let mut path = format!("/api/v2{}", op.path);
        let mut args = Vec::new();
        for (i, name) in op.path_params().iter().enumerate() {
            let value = format!("p{}", i + 1);
            path = path.replace(&format!("{{{name}}}"), &value);
            args.push(quote!(#value));
        }
        let label = op.label();
        let mut setters = Vec::new();
        let mut complete = fop.raw.is_some();
        for p in fop.params.iter().filter(|p| p.location != "path") {
            let required = matches!(
                p.holding,
                Holding::Str | Holding::Ref(_) | Holding::Value(_)
            );
            if !required {
                continue;
            }
            match sample(&p.holding.owned(), with_default) {
                Some(v) => {
                    let id = format_ident!("{}", p.ident);
                    setters.push(quote!(.#id(#v)));
                }
                None => complete = false,
            }
        }
        let method_upper = op.method.to_uppercase();
        let check = if complete {
            quote!(sent(&server, &mut seen, #label, result, #method_upper, #path).await;)
        } else {
            quote!(refused(#label, result);)
        };
        blocks.entry(feature).or_default().push(quote! {
            {
                let result = Box::pin(client #(.#accessors())* .#method(#(#args),*) #(#setters)* .send()).await;
                #check
                calls += 1;
            }
        });
    }
    let round_trips = round_trips.values();
    let tests = blocks.iter().map(|(feature, calls)| {
        let test = format_ident!("every_{}_operation_is_callable_by_the_naming_rule", feature);
        let count = calls.len();
        quote! {
            #[cfg(feature = #feature)]
            #[tokio::test]
            async fn #test() {
                let (server, client) = setup().await;
                let mut seen = 0usize;
                let mut calls = 0usize;
                #(#calls)*
                assert_eq!(calls, #count);
            }
        }
    });
    let tokens = quote! {
        //! Calls every Management API operation through the facade, by the naming rule of the
        //! README's auth0-mgmt section, against a local server: each request must leave with the documented method
        //! and path, and Auth0's error answer must come back as a typed `HttpError::Api`. An
        //! operation whose required values this test cannot invent must refuse to send.
        #![allow(unused_mut, unused_variables, clippy::all)]

        use auth0_mgmt::{Client, Error, HttpError};
        use wiremock::matchers::{any, body_json, header, method, path, query_param};
        use wiremock::{Mock, MockServer, ResponseTemplate};

        async fn sent<T>(
            server: &MockServer,
            seen: &mut usize,
            label: &str,
            result: Result<T, Error>,
            method: &str,
            path: &str,
        ) {
            let requests = server.received_requests().await.unwrap_or_default();
            assert_eq!(requests.len(), *seen + 1, "{label}: exactly one request");
            *seen += 1;
            let last = requests.last().expect("a request");
            assert_eq!(last.method.as_str(), method, "{label}");
            assert_eq!(last.url.path(), path, "{label}");
            assert_eq!(
                last.headers.get("authorization").and_then(|v| v.to_str().ok()),
                Some("Bearer test-token"),
                "{label}"
            );
            match result {
                Err(Error::Http(HttpError::Api(e))) => {
                    assert_eq!(e.status().as_u16(), 404, "{label}");
                    assert_eq!(e.error_code(), Some("inexistent_thing"), "{label}");
                }
                Err(other) => panic!("{label}: expected the 404 answer, got {other}"),
                Ok(_) => panic!("{label}: expected the 404 answer, got a success"),
            }
        }

        fn refused<T>(label: &str, result: Result<T, Error>) {
            match result {
                Err(Error::Http(HttpError::InvalidRequest { .. })) => {}
                Err(other) => panic!("{label}: expected a refusal to send, got {other}"),
                Ok(_) => panic!("{label}: expected a refusal to send, got a success"),
            }
        }

        async fn setup() -> (MockServer, Client) {
            let server = MockServer::start().await;
            Mock::given(any())
                .respond_with(ResponseTemplate::new(404).set_body_json(serde_json::json!({
                    "statusCode": 404,
                    "error": "Not Found",
                    "message": "not here",
                    "errorCode": "inexistent_thing"
                })))
                .mount(&server)
                .await;
            let client = Client::builder(server.uri()).token("test-token").build().unwrap();
            (server, client)
        }

        #(#tests)*

        #(#round_trips)*
    };
    crate::generate::pretty(tokens)
}
