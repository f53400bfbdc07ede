//! `cargo xtask release-notes [--since REF] [--to REF]`: what changed in the generated
//! Management API between two commits, read from the surface snapshots alone
//! (`codegen/tests/snapshots/surface/*.snap`; a commit without them is an empty API), and the
//! version the changes need.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use codegen::SURFACE_SNAPSHOTS;
use codegen::release_notes::{Bump, Surface, Version, compare, snapshot_body};

use crate::git;

/// The release notes from `since` (default: the last tag reachable from `HEAD`, or the first
/// commit) to `to` (default: the working tree), as Markdown.
pub fn release_notes(root: &Path, since: Option<&str>, to: Option<&str>) -> Result<String> {
    let (since_rev, since_label, released) = match since {
        Some(rev) => (rev.to_string(), rev.to_string(), true),
        None => match git::last_tag(root)? {
            Some(tag) => (tag.clone(), tag, true),
            None => {
                let first = git::first_commit(root)?;
                let label = format!("{} (the first commit; no tag yet)", &first[..12]);
                (first, label, false)
            }
        },
    };
    let since_commit = git::commit(root, &since_rev)?;
    let before = surface_at(root, &since_commit)?;
    // Without a tag nothing was released: the first release takes the manifest's version.
    let base = match released {
        true => git::show(root, &since_commit, "Cargo.toml")?
            .as_deref()
            .and_then(workspace_version),
        false => None,
    };
    let (after, current, to_label) = match to {
        Some(rev) => {
            let commit = git::commit(root, rev)?;
            let manifest = git::show(root, &commit, "Cargo.toml")?;
            (
                surface_at(root, &commit)?,
                manifest.as_deref().and_then(workspace_version),
                rev.to_string(),
            )
        }
        None => {
            let manifest = std::fs::read_to_string(root.join("Cargo.toml")).ok();
            (
                surface_in_tree(root)?,
                manifest.as_deref().and_then(workspace_version),
                "the working tree".to_string(),
            )
        }
    };

    let notes = compare(&before, &after);
    let mut text = notes.render(&since_label, &to_label, base.as_ref());
    text.push('\n');
    if released {
        text.push_str(&version_advice(
            base.as_ref(),
            current.as_ref(),
            notes.bump(),
        ));
    } else {
        let version = current.map_or_else(|| "none".to_string(), |v| v.to_string());
        text.push_str(&format!(
            "No release tagged yet: the first release takes Cargo.toml's version ({version}).\n"
        ));
    }
    text.push_str(&match released {
        true => format!(
            "\nThe handwritten crates' API: `cargo xtask semver --baseline-rev {since_rev}`.\n"
        ),
        false => "\nThe handwritten crates' API: `cargo xtask semver` once a release is tagged.\n"
            .to_string(),
    });
    Ok(text)
}

/// What the manifest's version says against the version the changes need.
fn version_advice(base: Option<&Version>, current: Option<&Version>, bump: Bump) -> String {
    let Some(base) = base else {
        return match current {
            Some(v) => format!(
                "No workspace version at the start: a first release takes Cargo.toml's \
                 version ({v}).\n"
            ),
            None => "No workspace version on either side.\n".to_string(),
        };
    };
    let needed = base.next(bump);
    match current {
        None => format!("Cargo.toml names no workspace version; these changes need {needed}.\n"),
        Some(v) if v == base && bump != Bump::None => {
            format!("Cargo.toml still says {v}: set {needed} to release these changes.\n")
        }
        Some(v) if *v >= needed => format!("Cargo.toml says {v}: enough for these changes.\n"),
        Some(v) => format!("Cargo.toml says {v}, short of the {needed} these changes need.\n"),
    }
}

/// The workspace version of a root manifest (`[workspace.package]`, else `[package]`).
pub fn workspace_version(manifest: &str) -> Option<Version> {
    let in_table = |table: &str| {
        let mut inside = false;
        for line in manifest.lines().map(str::trim) {
            if line.starts_with('[') {
                inside = line == table;
            } else if inside
                && let Some((key, value)) = line.split_once('=')
                && key.trim() == "version"
            {
                let value = value.split('#').next()?.trim();
                return value.strip_prefix('"')?.strip_suffix('"')?.parse().ok();
            }
        }
        None
    };
    in_table("[workspace.package]").or_else(|| in_table("[package]"))
}

/// The surface snapshots of a commit, by resource (none: an empty API).
fn surface_at(root: &Path, commit: &str) -> Result<Surface> {
    let mut out = BTreeMap::new();
    for path in git::files_under(root, commit, SURFACE_SNAPSHOTS)? {
        let Some(resource) = resource_of(&path) else {
            continue;
        };
        let text = git::git(root, &["show", &format!("{commit}:{path}")])?;
        out.insert(resource, snapshot_body(&text).to_string());
    }
    Ok(out)
}

/// The surface snapshots of the working tree (pending `.snap.new` files are not read).
fn surface_in_tree(root: &Path) -> Result<Surface> {
    let dir = root.join(SURFACE_SNAPSHOTS);
    let mut out = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(out);
    };
    for entry in entries {
        let path = entry?.path();
        let Some(resource) = path.to_str().and_then(resource_of) else {
            continue;
        };
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        out.insert(resource, snapshot_body(&text).to_string());
    }
    Ok(out)
}

fn resource_of(path: &str) -> Option<String> {
    let name = path.rsplit('/').next()?;
    name.strip_suffix(".snap").map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::testing::Repo;

    fn snap(body: &str) -> String {
        format!("---\nsource: codegen/tests/surface.rs\nexpression: text\n---\n{body}")
    }

    fn manifest(version: &str) -> String {
        format!(
            "[workspace]\nmembers = []\n\n[workspace.package]\nversion = \"{version}\" # released\n\
             edition = \"2024\"\n\n[package]\nname = \"auth0\"\nversion.workspace = true\n"
        )
    }

    const USERS_1: &str = "\
type User.email: Option<String>
users().get(id) = GET /users/{id} -> User
users().list() = GET /users .page(query: i64) -> Vec<User> [EA]
";

    const USERS_2: &str = "\
type User.email: Option<String>
type User.name: Option<String>
users().delete(id) = DELETE /users/{id} -> ()
users().get(id) = GET /users/{id} .fields(query: String) -> User
users().list() = GET /users .page(query: i64) -> Vec<User>
";

    /// A repository as the workspace's: a first commit without snapshots, a release tagged
    /// v0.1.0 with a users snapshot.
    fn released() -> (Repo, String) {
        let repo = Repo::new("release-notes");
        repo.write("README.md", "the beginning\n");
        let first = repo.commit("first");
        repo.write("Cargo.toml", &manifest("0.1.0"));
        repo.write("codegen/tests/snapshots/surface/users.snap", &snap(USERS_1));
        repo.commit("the users resource");
        repo.git(&["tag", "v0.1.0"]);
        (repo, first)
    }

    #[test]
    fn from_the_last_tag_to_the_working_tree() {
        let (repo, _) = released();
        repo.write("codegen/tests/snapshots/surface/users.snap", &snap(USERS_2));
        repo.write(
            "codegen/tests/snapshots/surface/roles.snap",
            &snap("roles().list() = GET /roles -> Vec<Role>\n"),
        );
        // A pending snapshot not yet accepted is not part of the API.
        repo.write(
            "codegen/tests/snapshots/surface/logs.snap.new",
            &snap("logs().list() = GET /logs -> Vec<Log>\n"),
        );
        let text = release_notes(repo.path(), None, None).unwrap();
        assert!(
            text.contains("From `v0.1.0` to `the working tree`"),
            "{text}"
        );
        assert!(
            text.contains(
                "## `roles`\n\n### Added operations\n\n- `roles().list()`: `GET /roles`\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("- `users().delete(id)`: `DELETE /users/{id}`\n"),
            "{text}"
        );
        assert!(
            text.contains("  - setter `.fields` added: `.fields(query: String)`\n"),
            "{text}"
        );
        assert!(text.contains("- `users().list()`: EA → GA\n"), "{text}");
        assert!(
            text.contains("  - field `name` added: `name: Option<String>` (breaking)\n"),
            "{text}"
        );
        assert!(!text.contains("logs()"), "{text}");
        assert!(
            text.contains("Version: 0.2.0 after 0.1.0 (breaking)."),
            "{text}"
        );
        assert!(
            text.contains("Cargo.toml still says 0.1.0: set 0.2.0 to release these changes."),
            "{text}"
        );

        // The version bumped, but not far enough; then far enough.
        repo.write("Cargo.toml", &manifest("0.1.1"));
        let text = release_notes(repo.path(), None, None).unwrap();
        assert!(
            text.contains("Cargo.toml says 0.1.1, short of the 0.2.0 these changes need."),
            "{text}"
        );
        repo.write("Cargo.toml", &manifest("0.2.0"));
        let text = release_notes(repo.path(), None, None).unwrap();
        assert!(text.contains("Cargo.toml says 0.2.0: enough"), "{text}");
        assert!(
            text.contains("`cargo xtask semver --baseline-rev v0.1.0`"),
            "{text}"
        );
    }

    #[test]
    fn between_two_commits() {
        let (repo, _) = released();
        repo.write("codegen/tests/snapshots/surface/users.snap", &snap(USERS_2));
        repo.write("Cargo.toml", &manifest("0.2.0"));
        let second = repo.commit("more users");
        // The working tree drops everything: not read when `--to` names a commit.
        repo.remove("codegen/tests/snapshots/surface/users.snap");
        let text = release_notes(repo.path(), Some("v0.1.0"), Some(&second)).unwrap();
        assert!(
            text.contains(&format!("From `v0.1.0` to `{second}`")),
            "{text}"
        );
        assert!(text.contains("- `users().delete(id)`"), "{text}");
        assert!(!text.contains("Removed operations"), "{text}");
        assert!(text.contains("Cargo.toml says 0.2.0: enough"), "{text}");

        // And the working tree without the snapshot: every operation removed.
        let text = release_notes(repo.path(), Some(&second), None).unwrap();
        assert!(
            text.contains("### Removed operations\n\n- `users().delete(id)`"),
            "{text}"
        );
        assert!(
            text.contains("Version: 0.3.0 after 0.2.0 (breaking)."),
            "{text}"
        );
    }

    #[test]
    fn since_the_first_commit_everything_is_added() {
        let (repo, first) = released();
        let text = release_notes(repo.path(), Some(&first), None).unwrap();
        assert!(
            text.contains(
                "Operations: 2 added, 0 removed, 0 changed, 0 lifecycle changes. Types: 1 added"
            ),
            "{text}"
        );
        assert!(
            text.contains("- `users().list()`: `GET /users` (EA)\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "No workspace version at the start: a first release takes Cargo.toml's version (0.1.0)."
            ),
            "{text}"
        );
        // Without a tag, the first commit is where the notes start.
        repo.git(&["tag", "-d", "v0.1.0"]);
        let text = release_notes(repo.path(), None, None).unwrap();
        assert!(
            text.contains(&format!(
                "From `{} (the first commit; no tag yet)`",
                &first[..12]
            )),
            "{text}"
        );
        assert!(text.contains("Operations: 2 added"), "{text}");
        assert!(text.contains("Size of the change: additions."), "{text}");
        assert!(
            text.contains("`cargo xtask semver` once a release is tagged"),
            "{text}"
        );
        assert!(
            text.contains(
                "No release tagged yet: the first release takes Cargo.toml's version (0.1.0)."
            ),
            "{text}"
        );
    }

    #[test]
    fn no_change_and_unknown_refs() {
        let (repo, _) = released();
        let text = release_notes(repo.path(), None, None).unwrap();
        assert!(text.contains("No change of the generated API."), "{text}");
        assert!(
            text.contains("Version: 0.1.0 needs no new release."),
            "{text}"
        );
        assert!(text.contains("Cargo.toml says 0.1.0: enough"), "{text}");
        let err = release_notes(repo.path(), Some("v9.9.9"), None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("`v9.9.9` names no commit"), "{err}");
    }

    #[test]
    fn workspace_versions() {
        assert_eq!(
            workspace_version(&manifest("1.2.3")),
            Some("1.2.3".parse().unwrap())
        );
        let plain = "[package]\nname = \"x\"\nversion = \"0.4.0\"\n";
        assert_eq!(workspace_version(plain), Some("0.4.0".parse().unwrap()));
        assert_eq!(workspace_version("[workspace]\nmembers = []\n"), None);
        // The root manifest of this workspace.
        let ours = std::fs::read_to_string(crate::root().join("Cargo.toml")).unwrap();
        assert!(workspace_version(&ours).is_some());
    }
}
