//! Lean request building: what the generated raw methods do per request, cut to what the
//! operation needs.
//!
//! progenitor's raw methods format the whole URL (base URL included) and have `reqwest` parse
//! it again for every request, send an `api-version` header taken from the document's
//! `info.version` (Auth0 reads no such header), and run every optional query parameter
//! through `reqwest`'s query serializer even when it is absent. Rewritten here:
//!
//! - `format!("{}/users/{}", self.baseurl, ..)` becomes
//!   `crate::runtime::endpoint(&self.inner, &["/users/", &*encode_path(id)])`: the client's
//!   base URL, read once when the client is built, with the operation's path (its pieces
//!   joined once, at their size) after its own; no scheme, host or port is read again;
//! - the `api-version` header is not sent, and a header map left empty is not built;
//! - `.query(&QueryParam::new("name", &value))` of an `Option` parameter becomes
//!   `.query_some("name", &value)` (`crate::runtime::QuerySome`), which adds nothing for
//!   `None` and what the former added for `Some`;
//! - a `&str` path value is encoded as it is, not copied into a `String` first.

use syn::visit_mut::VisitMut;

/// Rewrites one raw method's body (see the module docs). Statements of another shape are
/// left as they are.
pub fn lean(f: &mut syn::ImplItemFn) {
    let strs: Vec<String> = f
        .sig
        .inputs
        .iter()
        .filter_map(|input| match input {
            syn::FnArg::Typed(pt) if text(&pt.ty).replace(' ', "").ends_with("str") => {
                match &*pt.pat {
                    syn::Pat::Ident(pi) => Some(pi.ident.to_string()),
                    _ => None,
                }
            }
            _ => None,
        })
        .collect();
    let optional: Vec<String> = f
        .sig
        .inputs
        .iter()
        .filter_map(|input| match input {
            syn::FnArg::Typed(pt) if is_option(&pt.ty) => match &*pt.pat {
                syn::Pat::Ident(pi) => Some(pi.ident.to_string()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    f.block.stmts.retain(|stmt| !is_api_version(stmt));
    let header_map_used = f
        .block
        .stmts
        .iter()
        .filter(|s| !is_header_map_let(s))
        .any(|s| mentions(s, "header_map") && !chain_headers_only(s));
    if !header_map_used {
        f.block.stmts.retain(|s| !is_header_map_let(s));
    }
    let mut rewrite = Rewrite {
        optional,
        strs,
        drop_headers: !header_map_used,
    };
    for stmt in &mut f.block.stmts {
        rewrite.visit_stmt_mut(stmt);
        if let syn::Stmt::Local(local) = stmt
            && let Some(init) = &mut local.init
        {
            if let Some(url) = endpoint(&init.expr, &mut rewrite) {
                *init.expr = url;
            }
            if is_header_map_init(&init.expr) {
                shrink_capacity(&mut init.expr);
            }
        }
    }
}

fn is_option(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p)
        if p.path.segments.last().is_some_and(|s| s.ident == "Option"))
}

fn text(tokens: &impl quote::ToTokens) -> String {
    tokens.to_token_stream().to_string()
}

fn mentions(stmt: &syn::Stmt, ident: &str) -> bool {
    text(stmt)
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .any(|word| word == ident)
}

/// `header_map.append(HeaderName::from_static("api-version"), ..);`
fn is_api_version(stmt: &syn::Stmt) -> bool {
    matches!(stmt, syn::Stmt::Expr(syn::Expr::MethodCall(m), _)
        if m.method == "append" && text(&m.receiver) == "header_map"
            && m.args.first().is_some_and(|a| text(a).contains("\"api-version\"")))
}

fn is_header_map_init(expr: &syn::Expr) -> bool {
    text(expr).contains("HeaderMap :: with_capacity")
}

fn is_header_map_let(stmt: &syn::Stmt) -> bool {
    matches!(stmt, syn::Stmt::Local(l)
        if matches!(&l.pat, syn::Pat::Ident(p) if p.ident == "header_map"))
}

/// A statement whose only use of `header_map` is `.headers(header_map)` in the request chain.
fn chain_headers_only(stmt: &syn::Stmt) -> bool {
    let mut probe = Rewrite {
        optional: Vec::new(),
        strs: Vec::new(),
        drop_headers: true,
    };
    let mut copy = stmt.clone();
    probe.visit_stmt_mut(&mut copy);
    !mentions(&copy, "header_map")
}

/// One less than progenitor's capacity: it counted the `api-version` header.
fn shrink_capacity(expr: &mut syn::Expr) {
    if let syn::Expr::Call(call) = expr
        && let Some(syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(n),
            ..
        })) = call.args.first_mut()
        && let Ok(count) = n.base10_parse::<usize>()
    {
        let shrunk = count.saturating_sub(1).max(1);
        *n = syn::LitInt::new(&format!("{shrunk}usize"), n.span());
    }
}

/// `format!("{}/path/{}", self.baseurl, args..)` as
/// `crate::runtime::endpoint(&self.inner, &format!("/path/{}", args..))` (or the literal path
/// when nothing is formatted into it).
fn endpoint(expr: &syn::Expr, rewrite: &mut Rewrite) -> Option<syn::Expr> {
    let syn::Expr::Macro(m) = expr else {
        return None;
    };
    if !m.mac.path.is_ident("format") {
        return None;
    }
    let args = m
        .mac
        .parse_body_with(syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated)
        .ok()?;
    let mut args = args.into_iter();
    let syn::Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Str(template),
        ..
    }) = args.next()?
    else {
        return None;
    };
    let path = template.value().strip_prefix("{}")?.to_owned();
    if !path.starts_with('/') || text(&args.next()?) != "self . baseurl" {
        return None;
    }
    let mut rest: Vec<syn::Expr> = args.collect();
    for arg in &mut rest {
        rewrite.visit_expr_mut(arg);
    }
    // The template's literal pieces between the values, in order.
    let literals: Vec<String> = path
        .split("{}")
        .map(|piece| piece.replace("{{", "{").replace("}}", "}"))
        .collect();
    if literals.len() != rest.len() + 1 || literals.iter().any(|l| l.contains(['{', '}'])) {
        return None;
    }
    let mut pieces: Vec<syn::Expr> = Vec::new();
    for (i, literal) in literals.iter().enumerate() {
        if !literal.is_empty() {
            pieces.push(syn::parse_quote!(#literal));
        }
        if let Some(value) = rest.get(i) {
            pieces.push(syn::parse_quote!(&*#value));
        }
    }
    Some(syn::parse_quote!(crate::runtime::endpoint(&self.inner, &[#(#pieces),*])))
}

struct Rewrite {
    /// The method's `Option` parameters.
    optional: Vec<String>,
    /// The method's `&str` parameters.
    strs: Vec<String>,
    /// Whether `.headers(header_map)` goes (the map is not built).
    drop_headers: bool,
}

impl VisitMut for Rewrite {
    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        syn::visit_mut::visit_expr_mut(self, expr);
        if let syn::Expr::Call(call) = expr
            && text(&call.func) == "encode_path"
            && call.args.len() == 1
            && let Some(value) = to_string_of(&call.args[0])
            && self.strs.contains(&value)
        {
            let value = syn::Ident::new(&value, proc_macro2::Span::call_site());
            call.args[0] = syn::parse_quote!(#value);
            return;
        }
        let syn::Expr::MethodCall(call) = expr else {
            return;
        };
        if self.drop_headers
            && call.method == "headers"
            && call.args.len() == 1
            && text(&call.args[0]) == "header_map"
        {
            *expr = (*call.receiver).clone();
            return;
        }
        if call.method == "query"
            && call.args.len() == 1
            && let Some((name, value)) = query_param(&call.args[0])
            && self.optional.contains(&value)
        {
            let receiver = &call.receiver;
            let value = syn::Ident::new(&value, proc_macro2::Span::call_site());
            *expr = syn::parse_quote!(#receiver.query_some(#name, &#value));
        }
    }
}

/// `&value.to_string()`: the value's identifier.
fn to_string_of(arg: &syn::Expr) -> Option<String> {
    let syn::Expr::Reference(r) = arg else {
        return None;
    };
    let syn::Expr::MethodCall(call) = &*r.expr else {
        return None;
    };
    if call.method != "to_string" || !call.args.is_empty() {
        return None;
    }
    let syn::Expr::Path(p) = &*call.receiver else {
        return None;
    };
    Some(p.path.get_ident()?.to_string())
}

/// `&progenitor_client::QueryParam::new("name", &value)`: the name and the value's identifier.
fn query_param(arg: &syn::Expr) -> Option<(syn::LitStr, String)> {
    let syn::Expr::Reference(r) = arg else {
        return None;
    };
    let syn::Expr::Call(call) = &*r.expr else {
        return None;
    };
    if !text(&call.func).ends_with("QueryParam :: new") || call.args.len() != 2 {
        return None;
    }
    let syn::Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Str(name),
        ..
    }) = &call.args[0]
    else {
        return None;
    };
    let syn::Expr::Reference(value) = &call.args[1] else {
        return None;
    };
    let syn::Expr::Path(p) = &*value.expr else {
        return None;
    };
    Some((name.clone(), p.path.get_ident()?.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(text: &str) -> String {
        text.split_whitespace().collect()
    }

    fn leaned(f: syn::ImplItemFn) -> String {
        let mut f = f;
        lean(&mut f);
        prettyplease::unparse(&syn::parse_quote!(impl Client { #f }))
    }

    #[test]
    fn base_url_read_once_no_api_version_absent_queries_skipped() {
        let out = leaned(syn::parse_quote! {
            pub fn get_users_by_id<'a>(&'a self, id: &'a str, fields: Option<&'a str>, page: i64) -> Result<reqwest::Request, Error<()>> {
                let url = format!("{}/users/{}", self.baseurl, encode_path(&id.to_string()),);
                let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
                header_map.append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(Self::api_version()),
                );
                let mut request = self.client.get(url)
                    .query(&progenitor_client::QueryParam::new("fields", &fields))
                    .query(&progenitor_client::QueryParam::new("page", &page))
                    .headers(header_map)
                    .build()?;
                return Ok(request);
            }
        });
        assert!(
            flat(&out).contains(
                r#"crate::runtime::endpoint(&self.inner,&["/users/",&*encode_path(id)])"#
            ),
            "{out}"
        );
        assert!(!out.contains("baseurl"), "{out}");
        assert!(!out.contains("api-version"), "{out}");
        assert!(!out.contains("header_map"), "{out}");
        assert!(out.contains(r#".query_some("fields", &fields)"#), "{out}");
        // A required parameter is always sent, as before.
        assert!(
            flat(&out).contains(r#".query(&progenitor_client::QueryParam::new("page",&page))"#),
            "{out}"
        );
    }

    #[test]
    fn a_header_parameter_keeps_its_map() {
        let out = leaned(syn::parse_quote! {
            pub fn create<'a>(&'a self, auth0_custom_domain: Option<&'a str>) -> Result<reqwest::Request, Error<()>> {
                let url = format!("{}/tickets/email-verification", self.baseurl,);
                let mut header_map = ::reqwest::header::HeaderMap::with_capacity(2usize);
                header_map.append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(Self::api_version()),
                );
                if let Some(value) = auth0_custom_domain {
                    header_map.append("auth0-custom-domain", value.to_string().try_into()?);
                }
                let mut request = self.client.post(url).headers(header_map).build()?;
                return Ok(request);
            }
        });
        assert!(
            flat(&out).contains(
                r#"crate::runtime::endpoint(&self.inner,&["/tickets/email-verification"]"#
            ),
            "{out}"
        );
        assert!(out.contains("HeaderMap::with_capacity(1usize)"), "{out}");
        assert!(out.contains(".headers(header_map)"), "{out}");
        assert!(!out.contains("api-version"), "{out}");
    }
}
