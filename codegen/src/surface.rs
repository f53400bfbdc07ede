//! The API surface: a line per facade method (path, parameters, answer) and a line per type
//! field or enum value, grouped per top-level resource, for review as snapshot diffs.

use std::collections::{BTreeMap, BTreeSet};

use quote::ToTokens;

use crate::facade_op::FacadeOp;
use crate::generate::Generated;

/// Compact text of a type: `Option<crate::types::Foo>` -> `Option<Foo>`.
pub fn type_text<T: ToTokens>(ty: &T) -> String {
    let mut s = ty.to_token_stream().to_string();
    for (from, to) in [
        (" :: ", "::"),
        (":: ", "::"),
        (" < ", "<"),
        ("< ", "<"),
        (" <", "<"),
        (" > ", ">"),
        (" >", ">"),
        ("& ", "&"),
        (" , ", ", "),
        (" ,", ","),
        ("' a ", ""),
        ("'a ", ""),
    ] {
        s = s.replace(from, to);
    }
    for prefix in [
        "crate::types::",
        "::std::string::",
        "::std::vec::",
        "::std::option::",
        "::std::collections::",
        "::serde_json::",
        "crate::",
    ] {
        s = s.replace(prefix, "");
    }
    s
}

/// The surface lines of each resource; types reached by several resources go under `shared`.
pub fn render(
    ops: &[FacadeOp],
    generated: &Generated,
    reach: &BTreeMap<String, BTreeSet<String>>,
) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for fop in ops {
        let op = &fop.op;
        let path_args: Vec<&str> = fop
            .params
            .iter()
            .filter(|p| p.location == "path")
            .map(|p| p.ident.as_str())
            .collect();
        let mut line = format!(
            "{}.{}({}) = {} {}",
            op.accessors()
                .iter()
                .map(|a| format!("{a}()"))
                .collect::<Vec<_>>()
                .join("."),
            op.method_name(),
            path_args.join(", "),
            op.method.to_uppercase(),
            op.path,
        );
        for p in fop.params.iter().filter(|p| p.location != "path") {
            line.push_str(&format!(
                " .{}({}: {})",
                p.ident,
                p.location,
                type_text(&p.holding.owned())
            ));
        }
        line.push_str(&format!(" -> {}", type_text(&fop.success)));
        if let Some(p) = &fop.paging {
            let how = match p.kind {
                crate::facade_op::PagingKind::Offset { .. } => "page",
                crate::facade_op::PagingKind::Checkpoint => "checkpoint",
                crate::facade_op::PagingKind::Both { .. } => "checkpoint; .pages(): page",
            };
            line.push_str(&format!(" .items({how}): {}", type_text(&p.item)));
        }
        if fop.raw.is_none() {
            line.push_str(" (handwritten)");
        }
        if let Some(l) = &op.lifecycle
            && l != "GA"
        {
            line.push_str(&format!(" [{l}]"));
        }
        out.entry(op.resource()).or_default().push(line);
    }
    let owner = |name: &str| -> Option<String> {
        let r = reach.get(name)?;
        Some(if r.len() == 1 {
            r.iter().next().expect("one").clone()
        } else {
            "shared".to_string()
        })
    };
    for (key, item) in &generated.types {
        let Some(key) = key else { continue };
        let Some(res) = owner(key) else { continue };
        let lines = out.entry(res).or_default();
        match item {
            syn::Item::Struct(s) => match &s.fields {
                syn::Fields::Named(named) if !named.named.is_empty() => {
                    for f in &named.named {
                        let ident = f
                            .ident
                            .as_ref()
                            .map(ToString::to_string)
                            .unwrap_or_default();
                        let wire = crate::syntax::serde_rename(&f.attrs);
                        let wire = wire.map(|w| format!(" \"{w}\"")).unwrap_or_default();
                        lines.push(format!("type {key}.{ident}{wire}: {}", type_text(&f.ty)));
                    }
                }
                syn::Fields::Unnamed(fields) => lines.push(format!(
                    "type {key}({})",
                    fields
                        .unnamed
                        .iter()
                        .map(|f| type_text(&f.ty))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
                _ => lines.push(format!("type {key} {{}}")),
            },
            syn::Item::Enum(e) => {
                for v in &e.variants {
                    let fields = match &v.fields {
                        syn::Fields::Unnamed(f) => format!(
                            "({})",
                            f.unnamed
                                .iter()
                                .map(|f| type_text(&f.ty))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        syn::Fields::Named(f) => format!(
                            " {{ {} }}",
                            f.named
                                .iter()
                                .map(|f| format!(
                                    "{}: {}",
                                    f.ident
                                        .as_ref()
                                        .map(ToString::to_string)
                                        .unwrap_or_default(),
                                    type_text(&f.ty)
                                ))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        syn::Fields::Unit => String::new(),
                    };
                    lines.push(format!("enum {key}::{}{fields}", v.ident));
                }
            }
            syn::Item::Type(t) => lines.push(format!("alias {key} = {}", type_text(&t.ty))),
            _ => {}
        }
    }
    for e in &generated.open_enums {
        let Some(res) = owner(&e.name) else { continue };
        let values: Vec<String> = e.variants.iter().map(|(_, w)| format!("\"{w}\"")).collect();
        out.entry(res).or_default().push(format!(
            "enum {} = {} | other",
            e.name,
            values.join(" | ")
        ));
    }
    out.into_iter()
        .map(|(k, mut lines)| {
            lines.sort();
            let mut text = lines.join("\n");
            text.push('\n');
            (k, text)
        })
        .collect()
}
