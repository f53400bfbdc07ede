//! Checks on the crates the workspace publishes, read from `cargo metadata`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// A package of the workspace as `cargo metadata --no-deps` describes it.
pub struct Package {
    /// Its name.
    pub name: String,
    /// The folder of its manifest (read by the tests).
    #[cfg_attr(not(test), allow(dead_code))]
    pub dir: PathBuf,
    /// Whether it may be published (`publish = false` is not set).
    pub published: bool,
    /// Its features' names.
    pub features: Vec<String>,
}

/// The workspace's packages.
pub fn packages(root: &Path) -> Result<Vec<Package>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let out = Command::new(cargo)
        .current_dir(root)
        .args(["metadata", "--no-deps", "--format-version", "1"])
        .output()
        .context("running cargo metadata")?;
    if !out.status.success() {
        bail!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let mut list = Vec::new();
    for p in meta["packages"].as_array().context("no packages")? {
        let manifest = p["manifest_path"].as_str().context("no manifest path")?;
        list.push(Package {
            name: p["name"].as_str().context("no name")?.to_string(),
            dir: Path::new(manifest)
                .parent()
                .context("a manifest in a folder")?
                .to_path_buf(),
            // `publish = false` reads as an empty list of registries.
            published: p["publish"].as_array().is_none_or(|r| !r.is_empty()),
            features: p["features"]
                .as_object()
                .map(|f| f.keys().cloned().collect())
                .unwrap_or_default(),
        });
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// What each published crate ships: its sources, README and manifest, nothing else (no
    /// tests, benches, examples, snapshots or spec); auth0-mgmt its generated sources, and
    /// auth0-standin the generated table of the schemas its routes check bodies against.
    #[test]
    fn packages_ship_sources_only() {
        let root = crate::root();
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
        for package in packages(&root).unwrap() {
            if !package.published {
                continue;
            }
            let out = Command::new(&cargo)
                .current_dir(&root)
                .args(["package", "--list", "--allow-dirty", "-p", &package.name])
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}: {}",
                package.name,
                String::from_utf8_lossy(&out.stderr)
            );
            let files: Vec<String> = String::from_utf8(out.stdout)
                .unwrap()
                .lines()
                .map(str::to_string)
                .collect();
            let allowed = |f: &str| {
                [
                    ".cargo_vcs_info.json",
                    "Cargo.toml",
                    "Cargo.toml.orig",
                    "Cargo.lock",
                    "README.md",
                    "build.rs",
                ]
                .contains(&f)
                    || (f.starts_with("src/") && f.ends_with(".rs"))
                    || (package.name == "auth0-standin" && f == "src/generated/schemas.json")
            };
            for f in &files {
                assert!(allowed(f), "{} ships {f}", package.name);
            }
            for needed in ["Cargo.toml", "README.md", "src/lib.rs"] {
                assert!(
                    files.iter().any(|f| f == needed),
                    "{} lacks {needed}",
                    package.name
                );
            }
            if package.name == "auth0-mgmt" {
                for needed in [
                    "src/generated/mod.rs",
                    "src/generated/types.rs",
                    "src/generated/scopes.rs",
                    "src/generated/facade/users.rs",
                ] {
                    assert!(
                        files.iter().any(|f| f == needed),
                        "auth0-mgmt lacks {needed}"
                    );
                }
            }
        }
    }

    /// The published crates take their version from the workspace, and the workspace's
    /// entries for them require that same version (a path with a version: crates.io gets the
    /// version, the workspace the path). The stand-in's entry has no version: it depends on
    /// auth0-verify and is a dev-dependency of the SDK crates, which would otherwise wait for
    /// each other on crates.io.
    #[test]
    fn inter_crate_requirements_follow_the_workspace_version() {
        let root = crate::root();
        let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
        let version = crate::release_notes::workspace_version(&manifest)
            .unwrap()
            .to_string();
        let mut table = "";
        let mut entries = std::collections::BTreeMap::new();
        for line in manifest.lines().map(str::trim) {
            if line.starts_with('[') {
                table = line;
            } else if table == "[workspace.dependencies]"
                && let Some((name, spec)) = line.split_once(" = ")
            {
                entries.insert(name.trim().to_string(), spec.to_string());
            }
        }
        let mut checked = 0;
        for package in packages(&root).unwrap() {
            if !package.published {
                continue;
            }
            let own = std::fs::read_to_string(package.dir.join("Cargo.toml")).unwrap();
            assert!(
                own.contains("\nversion.workspace = true\n"),
                "{} does not take the workspace's version",
                package.name
            );
            let Some(spec) = entries.get(&package.name) else {
                continue;
            };
            assert!(spec.contains("path = "), "{}: {spec}", package.name);
            if package.name == "auth0-standin" {
                assert!(!spec.contains("version"), "auth0-standin: {spec}");
            } else {
                assert!(
                    spec.contains(&format!("version = \"{version}\"")),
                    "[workspace.dependencies] {}: {spec} does not require {version}",
                    package.name
                );
            }
            checked += 1;
        }
        assert_eq!(
            checked, 5,
            "the four SDK crates and the stand-in are workspace entries"
        );
    }

    /// docs.rs builds with `--cfg docsrs` on nightly, CI on stable without it: `docsrs` may
    /// only turn on nightly's documentation attributes, never change what compiles.
    #[test]
    fn docsrs_gates_only_the_nightly_documentation_attributes() {
        let mut seen = 0;
        for package in packages(&crate::root()).unwrap() {
            if !package.published {
                continue;
            }
            let mut files = Vec::new();
            rust_files(&package.dir.join("src"), &mut files);
            let mut gated = false;
            let mut feature_on = false;
            for file in files {
                let text = std::fs::read_to_string(&file).unwrap();
                for (n, line) in text.lines().enumerate() {
                    if !line.contains("docsrs") {
                        continue;
                    }
                    let line = line.trim();
                    if line == "#![cfg_attr(docsrs, feature(doc_cfg))]" {
                        feature_on = true;
                    } else if line.starts_with("#[cfg_attr(docsrs, doc(cfg(")
                        && line.ends_with(")))]")
                    {
                        gated = true;
                    } else {
                        panic!(
                            "{}:{}: `docsrs` used other than for doc(cfg): {line}",
                            file.display(),
                            n + 1
                        );
                    }
                    seen += 1;
                }
            }
            assert!(
                !gated || feature_on,
                "{} uses doc(cfg) without #![cfg_attr(docsrs, feature(doc_cfg))]",
                package.name
            );
            let manifest = std::fs::read_to_string(package.dir.join("Cargo.toml")).unwrap();
            assert!(
                !feature_on || manifest.contains("rustdoc-args = [\"--cfg\", \"docsrs\"]"),
                "{} turns on doc_cfg under docsrs, but its docs.rs metadata does not set docsrs",
                package.name
            );
        }
        assert!(seen > 0, "no crate names docsrs: the test reads nothing");
    }
}
