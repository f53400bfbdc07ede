//! Code generation for the Auth0 Management API: spec import, normalization passes,
//! generation with progenitor-impl, the resource facade, the API-surface rendering and the
//! release notes read from two surfaces.
//!
//! Never a dependency of the SDK crates; `cargo xtask` drives it.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod calls;
pub mod decoders;
pub mod facade;
pub mod facade_op;
pub mod generate;
pub mod json_schema;
pub mod lossless;
pub mod ops;
pub mod paging;
pub mod passes;
pub mod release_notes;
pub mod replay;
pub mod scopes;
pub mod spec;
pub mod standin;
pub mod surface;
pub mod syntax;
pub mod tagged;
pub mod unions;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::Result;
use quote::{format_ident, quote};
use serde_json::Value;

use generate::pretty;

/// Everything one generation produces.
pub struct Output {
    /// Generated files, relative to the workspace root: `auth0-mgmt/src/generated/**`, the
    /// every-operation test `auth0-mgmt/tests/it/generated/every_operation.rs` and the
    /// stand-in's table (`auth0-standin/src/generated/`).
    pub files: BTreeMap<PathBuf, String>,
    /// The `[features]` block of `auth0-mgmt/Cargo.toml` (between the generated markers).
    pub features_block: String,
    /// The umbrella's features of the Management resources, in the workspace's `Cargo.toml`
    /// (between [`UMBRELLA_FEATURES_MARKERS`]): each resource's name turns on `mgmt` and that
    /// resource of `auth0-mgmt`, so that one dependency on `auth0` suffices.
    pub umbrella_features_block: String,
    /// API surface text per resource (and `shared`).
    pub surface: BTreeMap<String, String>,
    /// `(pass, places touched)` for each normalization pass.
    pub passes: Vec<(&'static str, usize)>,
    /// Number of operations reachable through the facade.
    pub operations: usize,
}

/// Generates from the spec folder (facts + overlay).
pub fn generate_from_spec(spec_dir: &Path) -> Result<Output> {
    generate_from_doc(spec::load(spec_dir)?)
}

/// Generates from a loaded (not yet normalized) document.
pub fn generate_from_doc(mut doc: Value) -> Result<Output> {
    let all_ops = ops::operations(&doc);
    // The stand-in's table is read from the document as loaded, before the passes.
    let standin_files = standin::render(&doc)?;
    let handwritten = passes::multipart_operations(&doc);
    // Types no generated method names but handwritten code decodes: the answers of the
    // handwritten operations, and the events of `text/event-stream` answers (the client
    // hands those over as bytes).
    let extra_roots: Vec<(String, String)> = all_ops
        .iter()
        .filter_map(|op| {
            let schema = if handwritten.contains(&op.id) {
                facade::handwritten_success_schema(&doc, op)
            } else {
                facade::success_schema(&doc, op, "text/event-stream")
            };
            Some((schema?, op.resource()))
        })
        .collect();
    let pass_counts = passes::run_all(&mut doc);
    let file = generate::progenitor(&doc)?;
    let mut generated = generate::take_apart(file)?;
    tagged::choose_by_tag(&mut generated.types, &passes::tagged::tagged_unions(&doc));
    decoders::lean_object_decoders(&mut generated.types);
    let features: BTreeSet<String> = all_ops.iter().map(ops::Operation::resource).collect();
    let extra_roots: Vec<(String, String)> = extra_roots
        .into_iter()
        .map(|(name, resource)| (passes::merge::current_name(&doc, &name), resource))
        .collect();
    let mut reach = generate::type_resources(&generated, &all_ops, &extra_roots);
    generate::merged_aliases(
        &mut generated,
        &mut reach,
        &passes::merge::merged_names(&doc),
    );

    let raw_methods: BTreeMap<String, generate::RawMethod> = generated
        .methods
        .iter()
        .map(|(k, (raw, _))| (k.clone(), raw.clone()))
        .collect();
    let mut facade_ops = facade::facade_ops(&doc, &all_ops, &raw_methods, &handwritten)?;
    for fop in &mut facade_ops {
        fop.paging = paging::paging(fop, &generated);
    }
    let facade_files = facade::render(&facade_ops);
    let surface = surface::render(&facade_ops, &generated, &reach);

    let op_ids: BTreeSet<&str> = all_ops.iter().map(|op| op.id.as_str()).collect();
    let extensions: Vec<&Extension> = HANDWRITTEN_EXTENSIONS
        .iter()
        .filter(|x| x.needs.iter().all(|id| op_ids.contains(id)))
        .filter(|x| x.types.iter().all(|t| reach.contains_key(*t)))
        .collect();
    let modules = extensions.iter().map(|x| {
        let module = quote::format_ident!("{}", x.module);
        let path = format!("../{}.rs", x.module);
        let feature = x.feature;
        quote! {
            #[cfg(feature = #feature)]
            #[path = #path]
            mod #module;
        }
    });
    let exports = extensions.iter().map(|x| {
        let module = quote::format_ident!("{}", x.module);
        let feature = x.feature;
        let items = x.exports.iter().map(|e| quote::format_ident!("{}", e));
        quote! {
            #[cfg(feature = #feature)]
            pub use super::#module::{#(#items),*};
        }
    });
    let mut files = BTreeMap::new();
    files.insert(
        gen_path("mod.rs"),
        pretty(quote! {
            //! The generated Management API: types and the resource facade.
            pub mod types;
            pub mod facade;
            pub(crate) mod scopes;

            // Handwritten conveniences over generated operations, each declared here when the
            // document has the operations it builds on.
            #(#modules)*
            /// What the handwritten conveniences export.
            pub mod extensions {
                #(#exports)*
            }
        })?,
    );
    let types = generate::render_types(&generated, &reach, &features);
    files.insert(
        gen_path("types.rs"),
        pretty(quote! {
            //! Request and response types of the Management API.
            #![allow(clippy::all, missing_docs, unused_imports, dead_code)]
            #types
        })?,
    );
    files.insert(gen_path("scopes.rs"), pretty(scopes::render(&facade_ops))?);
    let mut mods = Vec::new();
    for (resource, tokens) in &facade_files {
        let m = format_ident!("{}", resource);
        mods.push(quote! {
            #[cfg(feature = #resource)]
            mod #m;
            #[cfg(feature = #resource)]
            pub use #m::*;
        });
        files.insert(
            gen_path(&format!("facade/{resource}.rs")),
            pretty(quote! {
                #![allow(clippy::all, unused_imports)]
                use crate::runtime::QuerySome as _;
                #tokens
            })?,
        );
    }
    files.insert(
        gen_path("facade/mod.rs"),
        pretty(quote! {
            //! Resource accessors and request builders, one module per top-level resource.
            #(#mods)*
        })?,
    );
    files.insert(
        PathBuf::from(EVERY_OPERATION_TEST),
        calls::render(&facade_ops, &generated.with_default)?,
    );
    files.insert(
        PathBuf::from(REPLAY_CALLS),
        replay::render(
            &facade_ops,
            &generated
                .open_enums
                .iter()
                .map(|e| e.name.clone())
                .collect(),
        )?,
    );
    files.extend(standin_files);
    let mut features_block = String::from("default = [\"full\"]\nfull = [\n");
    for f in &features {
        features_block.push_str(&format!("    \"{f}\",\n"));
    }
    features_block.push_str("]\n");
    // Set by every resource: without any, the runtime the operations use goes unused.
    features_block.push_str(&format!("{ANY_RESOURCE_FEATURE} = []\n"));
    for f in &features {
        let deps: Vec<String> = std::iter::once(ANY_RESOURCE_FEATURE)
            .chain(
                HANDWRITTEN_FEATURE_DEPS
                    .iter()
                    .filter(|(feature, _)| feature == f)
                    .flat_map(|(_, deps)| deps.iter().copied()),
            )
            .map(|d| format!("\"{d}\""))
            .collect();
        features_block.push_str(&format!("{f} = [{}]\n", deps.join(", ")));
    }
    let mut umbrella_features_block = String::new();
    for f in &features {
        umbrella_features_block.push_str(&format!("{f} = [\"mgmt\", \"auth0-mgmt/{f}\"]\n"));
    }
    Ok(Output {
        files,
        features_block,
        umbrella_features_block,
        surface,
        passes: pass_counts,
        operations: facade_ops.len(),
    })
}

/// The feature every resource feature turns on (`auth0-mgmt` tells by it whether any resource,
/// and so the runtime the operations use, is compiled).
pub const ANY_RESOURCE_FEATURE: &str = "__any_resource";

/// Folder of the generated module, relative to the workspace root.
pub const GENERATED_DIR: &str = "auth0-mgmt/src/generated";

/// The API-surface snapshots (`<resource>.snap`), relative to the workspace root: what
/// `cargo xtask release-notes` reads at two commits.
pub const SURFACE_SNAPSHOTS: &str = "codegen/tests/snapshots/surface";

/// The generated every-operation test, relative to the workspace root.
pub const EVERY_OPERATION_TEST: &str = "auth0-mgmt/tests/it/generated/every_operation.rs";

/// The generated dispatcher of the real-traffic replay test, relative to the workspace root.
pub const REPLAY_CALLS: &str = "auth0-mgmt/tests/it/generated/replay_calls.rs";

fn gen_path(rel: &str) -> PathBuf {
    Path::new(GENERATED_DIR).join(rel)
}

/// A handwritten module of `auth0-mgmt/src/` that adds conveniences to generated
/// operations: declared by the generated code (under its resource's feature) only when the
/// document has the operations it calls.
pub struct Extension {
    /// The module's file, `auth0-mgmt/src/{module}.rs`.
    pub module: &'static str,
    /// The resource feature it belongs to.
    pub feature: &'static str,
    /// The operation ids it calls.
    pub needs: &'static [&'static str],
    /// The generated types it names.
    pub types: &'static [&'static str],
    /// The items the crate re-exports from it.
    pub exports: &'static [&'static str],
}

/// The handwritten extensions: waiting for jobs and reading users exports, event streams.
pub const HANDWRITTEN_EXTENSIONS: &[Extension] = &[
    Extension {
        module: "jobs",
        feature: "jobs",
        needs: &["get_jobs_by_id", "post_users-exports"],
        types: &["GetJobResponseContent"],
        exports: &["JobWait"],
    },
    Extension {
        module: "events",
        feature: "events",
        needs: &["subscribe_events"],
        types: &["EventStreamSubscribeEventsResponseContent"],
        exports: &["EventStreamSettings"],
    },
];

/// Optional dependencies of the handwritten code behind a resource's feature (reading a
/// users export's gzip file, under `jobs`).
pub const HANDWRITTEN_FEATURE_DEPS: &[(&str, &[&str])] = &[("jobs", &["dep:flate2"])];

/// Start and end markers of the generated features block in `auth0-mgmt/Cargo.toml`.
pub const FEATURES_MARKERS: (&str, &str) = (
    "# BEGIN generated features (cargo xtask codegen)\n",
    "# END generated features\n",
);

/// Start and end markers of the generated Management resource features of the umbrella, in
/// the workspace's `Cargo.toml`.
pub const UMBRELLA_FEATURES_MARKERS: (&str, &str) = (
    "# BEGIN generated Management resource features (cargo xtask codegen)\n",
    "# END generated Management resource features\n",
);

/// Replaces the generated features block of `auth0-mgmt/Cargo.toml`'s text.
pub fn splice_features(manifest: &str, block: &str) -> Result<String> {
    splice_block(manifest, FEATURES_MARKERS, block)
}

/// Replaces the block between `markers` of a manifest's text.
pub fn splice_block(manifest: &str, markers: (&str, &str), block: &str) -> Result<String> {
    let (begin, end) = markers;
    let start = manifest
        .find(begin)
        .ok_or_else(|| anyhow::anyhow!("the manifest lacks `{}`", begin.trim()))?;
    let stop = manifest
        .find(end)
        .ok_or_else(|| anyhow::anyhow!("the manifest lacks `{}`", end.trim()))?;
    Ok(format!(
        "{}{begin}{block}{}",
        &manifest[..start],
        &manifest[stop..]
    ))
}
