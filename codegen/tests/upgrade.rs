//! The upgrade workflow on Auth0's real documents: import the 2026-04-01 document, then the
//! 2026-06-25 one; the API-surface diff must list exactly the operations added between them.
//! Without `../shared/reference` the test fails where the reference data must be present
//! (`AUTH0_REQUIRE_REFERENCE` or `CI` set, as in `.ci/run`) and is skipped with a notice
//! elsewhere.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use codegen::spec::{import_bytes, load_facts, operation_keys};

fn reference(name: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/reference/auth0-oas")
        .join(name);
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
    std::fs::remove_dir_all(&tmp).unwrap();
}
