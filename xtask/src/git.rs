//! The few git questions the release tasks ask, through the `git` command.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

/// Runs `git -C root args...` and returns its standard output.
pub fn git(root: &Path, args: &[&str]) -> Result<String> {
    // The repository is the one at `root`, whatever a calling git (a hook) exported.
    let out = Command::new("git")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .context("running git")?;
    if !out.status.success() {
        bail!(
            "`git {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    String::from_utf8(out.stdout)
        .with_context(|| format!("`git {}` wrote non-UTF-8", args.join(" ")))
}

/// The commit `rev` names, or an error naming `rev`.
pub fn commit(root: &Path, rev: &str) -> Result<String> {
    let spec = format!("{rev}^{{commit}}");
    git(root, &["rev-parse", "--verify", "--quiet", &spec])
        .map(|s| s.trim().to_string())
        .map_err(|_| anyhow::anyhow!("`{rev}` names no commit of {}", root.display()))
}

/// The newest tag reachable from `HEAD`, if any.
pub fn last_tag(root: &Path) -> Result<Option<String>> {
    if git(root, &["tag", "--list"])?.trim().is_empty() {
        return Ok(None);
    }
    match git(root, &["describe", "--tags", "--abbrev=0", "HEAD"]) {
        Ok(tag) => Ok(Some(tag.trim().to_string())),
        // Tags exist, but none is an ancestor of HEAD.
        Err(_) => Ok(None),
    }
}

/// The first commit of `HEAD`'s history (the oldest root).
pub fn first_commit(root: &Path) -> Result<String> {
    let roots = git(root, &["rev-list", "--max-parents=0", "HEAD"])?;
    roots
        .lines()
        .last()
        .map(str::to_string)
        .context("HEAD has no root commit")
}

/// The text of `path` at `rev`, `None` where the commit has no such file.
pub fn show(root: &Path, rev: &str, path: &str) -> Result<Option<String>> {
    let listed = git(root, &["ls-tree", "--name-only", rev, "--", path])?;
    if listed.trim().is_empty() {
        return Ok(None);
    }
    git(root, &["show", &format!("{rev}:{path}")]).map(Some)
}

/// The files under `dir` at `rev` (paths from the repository root).
pub fn files_under(root: &Path, rev: &str, dir: &str) -> Result<Vec<String>> {
    Ok(
        git(root, &["ls-tree", "-r", "--name-only", rev, "--", dir])?
            .lines()
            .map(str::to_string)
            .collect(),
    )
}

#[cfg(test)]
pub mod testing {
    //! Real git repositories in temporary folders.

    use std::path::{Path, PathBuf};
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::git;

    /// A git repository in a fresh temporary folder, removed on drop.
    pub struct Repo {
        pub root: PathBuf,
    }

    impl Repo {
        pub fn new(name: &str) -> Repo {
            static N: AtomicUsize = AtomicUsize::new(0);
            let root = std::env::temp_dir().join(format!(
                "xtask-{name}-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            let _ = std::fs::remove_dir_all(&root);
            std::fs::create_dir_all(&root).unwrap();
            let repo = Repo { root };
            repo.git(&["init", "--quiet", "--initial-branch=main"]);
            repo.git(&["config", "user.name", "Test"]);
            repo.git(&["config", "user.email", "test@example.com"]);
            repo.git(&["config", "commit.gpgsign", "false"]);
            repo.git(&["config", "tag.gpgsign", "false"]);
            repo
        }

        pub fn git(&self, args: &[&str]) -> String {
            git(&self.root, args).unwrap()
        }

        pub fn write(&self, rel: &str, text: &str) {
            let path = self.root.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }

        pub fn remove(&self, rel: &str) {
            std::fs::remove_file(self.root.join(rel)).unwrap();
        }

        /// Commits everything and returns the commit.
        pub fn commit(&self, message: &str) -> String {
            self.git(&["add", "-A"]);
            self.git(&["commit", "--quiet", "--allow-empty", "-m", message]);
            self.git(&["rev-parse", "HEAD"]).trim().to_string()
        }

        pub fn path(&self) -> &Path {
            &self.root
        }
    }

    impl Drop for Repo {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.root);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::Repo;
    use super::*;

    #[test]
    fn tags_commits_and_files() {
        let repo = Repo::new("git");
        repo.write("README.md", "first\n");
        let first = repo.commit("first");
        assert_eq!(last_tag(repo.path()).unwrap(), None);
        repo.write("dir/a.txt", "a\n");
        repo.commit("second");
        repo.git(&["tag", "v0.1.0"]);
        repo.write("dir/b.txt", "b\n");
        let third = repo.commit("third");
        assert_eq!(last_tag(repo.path()).unwrap().as_deref(), Some("v0.1.0"));
        assert_eq!(first_commit(repo.path()).unwrap(), first);
        assert_eq!(commit(repo.path(), "HEAD").unwrap(), third);
        let err = commit(repo.path(), "no-such-ref").unwrap_err().to_string();
        assert!(err.contains("`no-such-ref` names no commit"), "{err}");
        assert_eq!(
            files_under(repo.path(), &first, "dir").unwrap(),
            Vec::<String>::new()
        );
        assert_eq!(
            files_under(repo.path(), "v0.1.0", "dir").unwrap(),
            ["dir/a.txt"]
        );
        assert_eq!(show(repo.path(), "v0.1.0", "dir/b.txt").unwrap(), None);
        assert_eq!(
            show(repo.path(), "HEAD", "dir/b.txt").unwrap().as_deref(),
            Some("b\n")
        );
    }

    #[test]
    fn a_tag_off_the_history_of_head_is_not_the_last_release() {
        let repo = Repo::new("git-branch");
        repo.commit("first");
        repo.git(&["checkout", "--quiet", "-b", "side"]);
        repo.commit("on a side branch");
        repo.git(&["tag", "v9.0.0"]);
        repo.git(&["checkout", "--quiet", "main"]);
        assert_eq!(last_tag(repo.path()).unwrap(), None);
    }
}
