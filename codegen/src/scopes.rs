//! The scopes each operation accepts, from the document's `security`: the table the runtime
//! reads to explain a 403 (`generated/scopes.rs`).

use proc_macro2::TokenStream;
use quote::quote;

use crate::facade::FacadeOp;

/// A table of `(operation label, scopes)` sorted by label, and its lookup.
pub fn render(ops: &[FacadeOp]) -> TokenStream {
    let mut rows: Vec<(String, &[String])> = ops
        .iter()
        .map(|fop| (fop.op.label(), fop.op.scopes.as_slice()))
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    rows.dedup_by(|a, b| a.0 == b.0);
    let rows = rows.iter().map(|(label, scopes)| {
        quote! { (#label, &[#(#scopes),*]) }
    });
    quote! {
        //! The Management API scopes each operation accepts (any one of them), by the name
        //! errors give the operation.

        /// `(operation, scopes)`, sorted by operation.
        static SCOPES: &[(&str, &[&str])] = &[#(#rows),*];

        /// The scopes `operation` accepts; empty for an operation the document gives none.
        pub(crate) fn accepted(operation: &str) -> &'static [&'static str] {
            SCOPES
                .binary_search_by(|(name, _)| (*name).cmp(operation))
                .map_or(&[], |i| SCOPES[i].1)
        }
    }
}
