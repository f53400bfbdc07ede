//! `cargo xtask semver [--baseline-rev REF]`: the public API of the published crates checked
//! against a release (default: the last tag) with cargo-semver-checks. The generated
//! Management operations and types are `cargo xtask release-notes`' part: auth0-mgmt is
//! checked without resources, so its handwritten runtime alone.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use std::collections::BTreeSet;

use anyhow::{Context, Result, bail};

use crate::{git, published};

/// One run of cargo-semver-checks: packages and the features their API is read with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Check {
    /// Packages checked in this run.
    pub packages: &'static [&'static str],
    /// `None`: every feature; `Some(list)`: only these.
    pub features: Option<&'static [&'static str]>,
    /// Why these features.
    pub why: &'static str,
}

/// What `cargo xtask semver` checks.
pub const CHECKS: &[Check] = &[
    Check {
        packages: &["auth0-http", "auth0-verify", "auth0-auth", "auth0-standin"],
        features: None,
        why: "handwritten: every feature",
    },
    Check {
        packages: &["auth0-mgmt"],
        features: Some(&["schemars"]),
        why: "its handwritten runtime: no resource (the generated API is in the release notes)",
    },
    Check {
        packages: &["auth0"],
        features: Some(&["verify", "auth", "mgmt", "web", "axum", "schemars"]),
        why: "the umbrella's re-exports: every feature but mgmt-full (the generated API)",
    },
];

impl Check {
    /// The arguments after `cargo`.
    pub fn args(&self, baseline: &str) -> Vec<String> {
        let mut args: Vec<String> = vec!["semver-checks".into(), "check-release".into()];
        for p in self.packages {
            args.push("--package".into());
            args.push((*p).into());
        }
        args.push("--baseline-rev".into());
        args.push(baseline.into());
        match self.features {
            None => args.push("--all-features".into()),
            Some(list) => {
                args.push("--only-explicit-features".into());
                if !list.is_empty() {
                    args.push("--features".into());
                    args.push(list.join(","));
                }
            }
        }
        args
    }
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string())
}

/// Every package the workspace publishes is checked, once, and no other; the features named
/// exist.
pub fn covers_every_published_package(root: &Path, checks: &[Check]) -> Result<()> {
    let packages = published::packages(root)?;
    let published: BTreeSet<&str> = packages
        .iter()
        .filter(|p| p.published)
        .map(|p| p.name.as_str())
        .collect();
    let checked: Vec<&str> = checks
        .iter()
        .flat_map(|c| c.packages.iter().copied())
        .collect();
    let unique: BTreeSet<&str> = checked.iter().copied().collect();
    if unique.len() != checked.len() {
        bail!("a package is checked more than once: {checked:?}");
    }
    if unique != published {
        bail!(
            "the checks name {unique:?}, the workspace publishes {published:?}: \
             update xtask's semver::CHECKS"
        );
    }
    for check in checks {
        for name in check.packages {
            let package = packages
                .iter()
                .find(|p| p.name == *name)
                .expect("published");
            for feature in check.features.unwrap_or_default() {
                if !package.features.iter().any(|f| f == feature) {
                    bail!("{name} has no feature {feature}");
                }
            }
        }
    }
    Ok(())
}

/// Whether `cargo semver-checks` runs here.
pub fn installed() -> bool {
    Command::new(cargo())
        .args(["semver-checks", "--version"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The release to compare with: `given`, else the last tag reachable from `HEAD`.
pub fn baseline(root: &Path, given: Option<&str>) -> Result<String> {
    let rev = match given {
        Some(rev) => rev.to_string(),
        None => git::last_tag(root)?.context(
            "no release tag yet: pass --baseline-rev REF (the commit of the release to compare with)",
        )?,
    };
    git::commit(root, &rev)?;
    Ok(rev)
}

/// Runs `checks` in the workspace at `root` against `baseline`; `target_dir` overrides the
/// target folder. Fails naming the runs that found breaking changes.
pub fn run(root: &Path, baseline: &str, checks: &[Check], target_dir: Option<&Path>) -> Result<()> {
    if !installed() {
        bail!(
            "cargo-semver-checks is not installed: `cargo install cargo-semver-checks --locked` \
             (a few minutes of building, once)"
        );
    }
    let started = Instant::now();
    let mut failed = Vec::new();
    for check in checks {
        let args = check.args(baseline);
        println!("== cargo {} ({})", args.join(" "), check.why);
        let one = Instant::now();
        let mut cmd = Command::new(cargo());
        cmd.current_dir(root).args(&args);
        if let Some(dir) = target_dir {
            cmd.env("CARGO_TARGET_DIR", dir);
        }
        let status = cmd.status().context("running cargo semver-checks")?;
        println!("   {:.0?}", one.elapsed());
        if !status.success() {
            failed.push(check.packages.join(", "));
        }
    }
    println!("semver checks took {:.0?}", started.elapsed());
    if !failed.is_empty() {
        bail!(
            "breaking changes since {baseline} (or a failed check) in: {}; raise the version \
             as cargo-semver-checks says, or undo the change",
            failed.join("; ")
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::testing::Repo;

    #[test]
    fn arguments() {
        assert_eq!(
            CHECKS[0].args("v0.1.0").join(" "),
            "semver-checks check-release --package auth0-http --package auth0-verify \
             --package auth0-auth --package auth0-standin --baseline-rev v0.1.0 --all-features"
        );
        assert_eq!(
            CHECKS[2].args("abc").join(" "),
            "semver-checks check-release --package auth0 --baseline-rev abc \
             --only-explicit-features --features verify,auth,mgmt,web,axum,schemars"
        );
        let none = Check {
            packages: &["x"],
            features: Some(&[]),
            why: "",
        };
        assert_eq!(
            none.args("r").join(" "),
            "semver-checks check-release --package x --baseline-rev r --only-explicit-features"
        );
    }

    #[test]
    fn every_published_package_is_checked() {
        covers_every_published_package(&crate::root(), CHECKS).unwrap();
        let fewer = &CHECKS[1..];
        let err = covers_every_published_package(&crate::root(), fewer)
            .unwrap_err()
            .to_string();
        assert!(err.contains("auth0-http"), "{err}");
        let twice = [CHECKS, &CHECKS[..1]].concat();
        let err = covers_every_published_package(&crate::root(), &twice)
            .unwrap_err()
            .to_string();
        assert!(err.contains("more than once"), "{err}");
    }

    #[test]
    fn the_baseline_is_the_last_tag_or_the_given_ref() {
        let repo = Repo::new("semver-baseline");
        repo.commit("first");
        let err = baseline(repo.path(), None).unwrap_err().to_string();
        assert!(
            err.contains("no release tag yet: pass --baseline-rev"),
            "{err}"
        );
        repo.git(&["tag", "v0.1.0"]);
        repo.commit("second");
        assert_eq!(baseline(repo.path(), None).unwrap(), "v0.1.0");
        assert_eq!(baseline(repo.path(), Some("HEAD~1")).unwrap(), "HEAD~1");
        let err = baseline(repo.path(), Some("v7")).unwrap_err().to_string();
        assert!(err.contains("`v7` names no commit"), "{err}");
    }

    /// A small crate released as v0.1.0: adding a function passes, removing one fails.
    #[test]
    fn a_removed_function_fails_the_check() {
        if !installed() {
            eprintln!(
                "SKIPPED: cargo-semver-checks is not installed; \
                 the run against a released crate did not happen"
            );
            return;
        }
        let repo = Repo::new("semver-run");
        repo.write(
            "Cargo.toml",
            "[package]\nname = \"released\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[workspace]\n",
        );
        repo.write(
            "src/lib.rs",
            "//! Released.\n\n/// Kept.\npub fn kept() {}\n",
        );
        repo.write(".gitignore", "/target\n");
        repo.commit("release");
        repo.git(&["tag", "v0.1.0"]);
        let target = repo.path().join("target");
        let check = [Check {
            packages: &["released"],
            features: None,
            why: "test",
        }];

        repo.write(
            "src/lib.rs",
            "//! Released.\n\n/// Kept.\npub fn kept() {}\n\n/// Added.\npub fn added() {}\n",
        );
        repo.write(
            "Cargo.toml",
            "[package]\nname = \"released\"\nversion = \"0.1.1\"\nedition = \"2024\"\n\n[workspace]\n",
        );
        repo.commit("an addition");
        run(repo.path(), "v0.1.0", &check, Some(&target)).expect("an addition is not breaking");

        repo.write(
            "src/lib.rs",
            "//! Released.\n\n/// Added.\npub fn added() {}\n",
        );
        repo.commit("a removal");
        let err = run(repo.path(), "v0.1.0", &check, Some(&target))
            .unwrap_err()
            .to_string();
        assert!(err.contains("breaking changes since v0.1.0"), "{err}");
    }
}
