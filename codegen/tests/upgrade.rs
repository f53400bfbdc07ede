//! The upgrade workflow on Auth0's real documents: import the 2026-04-01 document, then the
//! 2026-06-25 one; the API-surface diff must list exactly the operations added between them,
//! and the release notes read from the two surfaces exactly the operations added and changed.
//! The documents are read from `../shared/reference` beside the workspace, or from the folder
//! `AUTH0_REFERENCE_DIR` names. Without them the test fails where the reference data must be
//! present (`AUTH0_REQUIRE_REFERENCE` or `CI` set, as in `.ci/run`) and is skipped with a
//! notice elsewhere.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use codegen::spec::{import_bytes, load_facts, operation_keys};

fn reference(name: &str) -> Option<PathBuf> {
    let dir = match std::env::var_os("AUTH0_REFERENCE_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/reference"),
    };
    let p = dir.join("auth0-oas").join(name);
    p.exists().then_some(p)
}

/// Imports a document into a fresh folder and loads it back, as `cargo xtask spec import` does.
fn import(path: &Path, dir: &Path) -> serde_json::Value {
    let bytes = std::fs::read(path).unwrap();
    let report = import_bytes("doc.json", &bytes).unwrap();
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir.join("resources")).unwrap();
    for (rel, text) in &report.files {
        std::fs::write(dir.join(rel), text).unwrap();
    }
    load_facts(dir).unwrap()
}

/// Method lines of a surface (`users().get(id) = GET /users/{id} ...`), all resources.
fn method_lines(out: &codegen::Output) -> BTreeSet<String> {
    out.surface
        .values()
        .flat_map(|t| t.lines())
        .filter(|l| !l.starts_with("type ") && !l.starts_with("enum ") && !l.starts_with("alias "))
        .map(str::to_string)
        .collect()
}

/// `METHOD /path` of a method line.
fn endpoint(line: &str) -> String {
    let rest = line.split(" = ").nth(1).unwrap();
    rest.split(' ').take(2).collect::<Vec<_>>().join(" ")
}

#[test]
fn upgrading_shows_exactly_the_added_operations() {
    let (Some(old_path), Some(new_path)) = (
        reference("management-api-oas.2026-04-01.json"),
        reference("management-api-oas.json"),
    ) else {
        let required = ["AUTH0_REQUIRE_REFERENCE", "CI"].iter().any(|name| {
            std::env::var(name).is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
        });
        assert!(
            !required,
            "../shared/reference/auth0-oas is absent: the upgrade test must run here \
             (AUTH0_REQUIRE_REFERENCE or CI is set)"
        );
        eprintln!("SKIPPED: ../shared/reference/auth0-oas is absent; the upgrade test did not run");
        return;
    };
    let tmp = std::env::temp_dir().join(format!("auth0-upgrade-{}", std::process::id()));
    let old = import(&old_path, &tmp.join("old"));
    let new = import(&new_path, &tmp.join("new"));

    let old_ops = operation_keys(&old);
    let new_ops = operation_keys(&new);
    let added: BTreeSet<String> = new_ops.difference(&old_ops).cloned().collect();
    let removed: BTreeSet<String> = old_ops.difference(&new_ops).cloned().collect();

    let old_out = codegen::generate_from_doc(old).unwrap();
    let new_out = codegen::generate_from_doc(new).unwrap();
    let old_lines = method_lines(&old_out);
    let new_lines = method_lines(&new_out);
    let old_endpoints: BTreeSet<String> = old_lines.iter().map(|l| endpoint(l)).collect();
    let new_endpoints: BTreeSet<String> = new_lines.iter().map(|l| endpoint(l)).collect();

    // Surface lines for endpoints that did not exist before: exactly the added operations.
    let surfaced_added: BTreeSet<String> =
        new_endpoints.difference(&old_endpoints).cloned().collect();
    assert_eq!(surfaced_added, added);
    let surfaced_removed: BTreeSet<String> =
        old_endpoints.difference(&new_endpoints).cloned().collect();
    assert_eq!(surfaced_removed, removed);
    let changed: BTreeSet<String> = new_lines
        .difference(&old_lines)
        .map(|l| endpoint(l))
        .filter(|e| old_endpoints.contains(e))
        .collect();

    println!(
        "{} -> {} operations: {} added, {} removed, {} changed signature",
        old_out.operations,
        new_out.operations,
        added.len(),
        removed.len(),
        changed.len()
    );
    assert_eq!(old_out.operations, 392);
    assert_eq!(new_out.operations, 452);
    assert_eq!(added.len(), 60);
    // 13 operations changed their signature, 16 their lifecycle (EA -> GA), one of them
    // (`groups().list()`) both.
    assert_eq!(changed.len(), 28);
    std::fs::remove_dir_all(&tmp).unwrap();

    release_notes_list_exactly_what_changed(&old_out, &new_out, &added, &changed);
}

/// The release notes of the upgrade, read from the two surfaces as `cargo xtask release-notes`
/// reads them from two commits: the added operations and the changed ones, nothing else; every
/// type whose lines differ, and no other.
fn release_notes_list_exactly_what_changed(
    old: &codegen::Output,
    new: &codegen::Output,
    added: &BTreeSet<String>,
    changed: &BTreeSet<String>,
) {
    use codegen::release_notes::{Bump, Version, compare};

    let notes = compare(&old.surface, &new.surface);
    let endpoints = |f: &dyn Fn(&codegen::release_notes::ResourceNotes) -> Vec<String>| {
        notes
            .resources
            .values()
            .flat_map(f)
            .collect::<BTreeSet<String>>()
    };
    let noted_added = endpoints(&|r| {
        r.added_operations
            .iter()
            .map(|o| o.endpoint.clone())
            .collect()
    });
    let noted_removed = endpoints(&|r| {
        r.removed_operations
            .iter()
            .map(|o| o.endpoint.clone())
            .collect()
    });
    let noted_changed = endpoints(&|r| {
        r.changed_operations
            .iter()
            .map(|c| c.after.endpoint.clone())
            .chain(r.lifecycle.iter().map(|c| c.operation.endpoint.clone()))
            .collect()
    });
    assert_eq!(&noted_added, added);
    assert!(noted_removed.is_empty(), "{noted_removed:?}");
    assert_eq!(&noted_changed, changed);
    let keys: BTreeSet<&str> = notes.operations().map(|o| o.key.as_str()).collect();
    assert_eq!(keys.len(), 60 + 28);
    let count = |f: &dyn Fn(&codegen::release_notes::ResourceNotes) -> usize| -> usize {
        notes.resources.values().map(f).sum()
    };
    assert_eq!(count(&|r| r.changed_operations.len()), 13);
    assert_eq!(count(&|r| r.lifecycle.len()), 16);
    assert!(
        notes
            .resources
            .values()
            .flat_map(|r| &r.lifecycle)
            .all(|c| c.before.as_deref() == Some("EA") && c.after.is_none()),
        "every lifecycle change of this upgrade is EA -> GA"
    );

    // Types: exactly those whose lines differ, each in the right list.
    let types = |out: &codegen::Output| {
        let mut by_name: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for line in out.surface.values().flat_map(|t| t.lines()) {
            let Some(rest) = ["type ", "enum ", "alias "]
                .iter()
                .find_map(|p| line.strip_prefix(p))
            else {
                continue;
            };
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            by_name
                .entry(rest[..end].to_string())
                .or_default()
                .insert(line.to_string());
        }
        by_name
    };
    let (before, after) = (types(old), types(new));
    let names = |f: &dyn Fn(&codegen::release_notes::ResourceNotes) -> Vec<String>| {
        notes
            .resources
            .values()
            .flat_map(f)
            .collect::<BTreeSet<String>>()
    };
    let expected_added: BTreeSet<String> = after
        .keys()
        .filter(|n| !before.contains_key(*n))
        .cloned()
        .collect();
    let expected_removed: BTreeSet<String> = before
        .keys()
        .filter(|n| !after.contains_key(*n))
        .cloned()
        .collect();
    let expected_changed: BTreeSet<String> = after
        .iter()
        .filter(|(n, lines)| before.get(*n).is_some_and(|b| b != *lines))
        .map(|(n, _)| n.clone())
        .collect();
    assert_eq!(
        names(&|r| r.added_types.iter().map(|t| t.name.clone()).collect()),
        expected_added
    );
    assert_eq!(
        names(&|r| r.removed_types.iter().map(|t| t.name.clone()).collect()),
        expected_removed
    );
    assert_eq!(
        names(&|r| r
            .changed_types
            .iter()
            .map(|c| c.after.name.clone())
            .collect()),
        expected_changed
    );

    let version: Version = "0.1.0".parse().unwrap();
    let text = notes.render("2026-04-01", "2026-06-25", Some(&version));
    for r in notes.resources.values() {
        for op in &r.added_operations {
            assert!(text.contains(&format!("- `{}`: `{}`", op.call, op.endpoint)));
        }
        for c in &r.changed_operations {
            assert!(!c.changes.is_empty());
            for ch in &c.changes {
                if let (Some(b), Some(a)) = (&ch.before, &ch.after) {
                    assert!(text.contains(&format!("`{b}` → `{a}`")), "{b} -> {a}");
                }
            }
        }
    }
    println!("{text}");
    assert_eq!(notes.bump(), Bump::Major);
    assert!(text.contains("Version: 0.2.0 after 0.1.0 (breaking)."));
}
