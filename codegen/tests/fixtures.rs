//! Codegen on small hand-written specs, one per normalization pass and one for the facade:
//! the output is snapshotted (`snapshots/fixtures/`) and compiled, so a snapshot cannot drift
//! from code that builds.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("codegen lives in the workspace")
        .to_path_buf()
}

/// Every fixture, by name, completed with the document header.
fn fixtures() -> Vec<(String, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut out: Vec<(String, Value)> = std::fs::read_dir(&dir)
        .expect("fixtures folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap())
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            if doc.get("openapi").is_none() {
                doc["openapi"] = json!("3.1.0");
            }
            doc["info"] = json!({"title": "fixture", "version": "2.0"});
            (name, doc)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn normalized(name: &str) -> String {
    name.replace(['-', '.'], "_")
}

/// The generated module's files of one generation, concatenated for a snapshot.
fn generated_text(out: &codegen::Output) -> String {
    let mut text = String::new();
    for (pass, n) in &out.passes {
        if *n > 0 {
            text.push_str(&format!("// pass {pass}: {n}\n"));
        }
    }
    for (path, body) in &out.files {
        if path.starts_with(codegen::GENERATED_DIR) {
            text.push_str(&format!("\n// ===== {} =====\n", path.display()));
            text.push_str(body);
        }
    }
    text
}

#[test]
fn every_pass_has_a_fixture_that_exercises_it() {
    let names: Vec<String> = fixtures().into_iter().map(|(n, _)| n).collect();
    for pass in codegen::passes::PASSES {
        let fixture = normalized(pass.name);
        assert!(
            names.contains(&fixture),
            "no fixture for pass {}",
            pass.name
        );
        let doc = fixtures()
            .into_iter()
            .find(|(n, _)| *n == fixture)
            .unwrap()
            .1;
        let out = codegen::generate_from_doc(doc).unwrap();
        let touched = out.passes.iter().find(|(p, _)| *p == pass.name).unwrap().1;
        assert!(
            touched > 0,
            "fixture {fixture} does not exercise pass {}",
            pass.name
        );
    }
    assert!(names.contains(&"facade".to_string()));
}

#[test]
fn fixture_output_matches_the_snapshots() {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_snapshot_path("snapshots/fixtures");
    settings.bind(|| {
        for (name, doc) in fixtures() {
            let out =
                codegen::generate_from_doc(doc).unwrap_or_else(|e| panic!("fixture {name}: {e:#}"));
            insta::assert_snapshot!(name.as_str(), generated_text(&out));
        }
    });
}

/// The `[section]` of a TOML text, header included, up to the next section.
fn section(toml: &str, header: &str) -> String {
    let start = toml
        .find(&format!("\n{header}\n"))
        .unwrap_or_else(|| panic!("no {header}"))
        + 1;
    let rest = &toml[start + header.len()..];
    let end = rest
        .find("\n[")
        .map_or(toml.len(), |i| start + header.len() + i + 1);
    toml[start..end].to_string()
}

fn copy_handwritten(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap();
        if name == "generated" {
            continue;
        }
        if path.is_dir() {
            copy_handwritten(&path, &to.join(name));
        } else {
            std::fs::copy(&path, to.join(name)).unwrap();
        }
    }
}

/// Each fixture's output becomes the generated module of a copy of auth0-mgmt (its real
/// handwritten runtime, manifest and lock file), and `cargo check` builds them all, with every
/// feature.
#[test]
fn fixture_output_compiles_with_the_real_runtime() {
    let root = root();
    let ws = Path::new(env!("CARGO_TARGET_TMPDIR")).join("codegen-fixtures");
    let _ = std::fs::remove_dir_all(ws.join("crates"));
    std::fs::create_dir_all(ws.join("crates")).unwrap();

    let root_toml = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let abs = format!("path = \"{}/", root.display());
    let deps = section(&root_toml, "[workspace.dependencies]").replace("path = \"", &abs);
    let package = section(&root_toml, "[workspace.package]");
    let mgmt_toml = std::fs::read_to_string(root.join("auth0-mgmt/Cargo.toml")).unwrap();
    let mgmt_toml = match mgmt_toml.find("\n[dev-dependencies]") {
        Some(i) => mgmt_toml[..i + 1].to_string(),
        None => mgmt_toml,
    };

    let mut members = Vec::new();
    for (name, doc) in fixtures() {
        let out = codegen::generate_from_doc(doc).unwrap();
        let dir = ws.join("crates").join(&name);
        copy_handwritten(&root.join("auth0-mgmt/src"), &dir.join("src"));
        for (path, body) in &out.files {
            if let Ok(rel) = path.strip_prefix(codegen::GENERATED_DIR) {
                let target = dir.join("src/generated").join(rel);
                std::fs::create_dir_all(target.parent().unwrap()).unwrap();
                std::fs::write(target, body).unwrap();
            }
        }
        let manifest = codegen::splice_features(&mgmt_toml, &out.features_block)
            .unwrap()
            .replace(
                "name = \"auth0-mgmt\"",
                &format!("name = \"fixture-{}\"", name.replace('_', "-")),
            );
        std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
        members.push(format!("\"crates/{name}\""));
    }
    std::fs::write(
        ws.join("Cargo.toml"),
        format!(
            "[workspace]\nresolver = \"3\"\nmembers = [{}]\n\n{package}\n{deps}",
            members.join(", ")
        ),
    )
    .unwrap();
    std::fs::copy(root.join("Cargo.lock"), ws.join("Cargo.lock")).unwrap();

    let output = Command::new(env!("CARGO"))
        // Every feature: the resources and the opt-in ones (`schemars`'s derives).
        .args([
            "check",
            "--workspace",
            "--all-features",
            "--offline",
            "--quiet",
        ])
        .current_dir(&ws)
        .env("CARGO_TARGET_DIR", ws.join("target"))
        .env("CARGO_TERM_COLOR", "never")
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "the fixtures' generated code does not compile:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
