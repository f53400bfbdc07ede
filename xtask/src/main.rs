//! Project tasks: `cargo xtask spec import --from FILE`, `cargo xtask codegen [--check]`,
//! `cargo xtask release-notes [--since REF] [--to REF]`, `cargo xtask semver [--baseline-rev REF]`.

mod git;
mod published;
mod release_notes;
mod semver;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(about = "Project tasks for the auth0 workspace")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Work with spec/management.
    Spec {
        #[command(subcommand)]
        command: SpecCommand,
    },
    /// Regenerate auth0-mgmt/src/generated from spec/management.
    Codegen {
        /// Regenerate in memory and fail with a diff if the committed files are stale.
        #[arg(long)]
        check: bool,
    },
    /// Release notes of the generated Management API between two commits, read from the
    /// surface snapshots, and the version the changes need.
    ReleaseNotes {
        /// The commit to compare from (default: the last tag, or the first commit).
        #[arg(long, value_name = "REF")]
        since: Option<String>,
        /// The commit to compare to (default: the working tree).
        #[arg(long, value_name = "REF")]
        to: Option<String>,
    },
    /// Check the published crates' public API against a release with cargo-semver-checks
    /// (the generated Management API: `release-notes`).
    Semver {
        /// The release to compare with (default: the last tag).
        #[arg(long, value_name = "REF")]
        baseline_rev: Option<String>,
    },
}

#[derive(Subcommand)]
enum SpecCommand {
    /// Import an upstream Management API document (its facts only) into spec/management.
    Import {
        /// The upstream OpenAPI document (JSON).
        #[arg(long)]
        from: PathBuf,
    },
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    let root = root();
    let spec_dir = root.join("spec/management");
    match cli.command {
        Command::Spec {
            command: SpecCommand::Import { from },
        } => {
            let report = codegen::spec::import(&from, &spec_dir)?;
            println!(
                "imported {} ({} operations, {} schemas, sha256 {}); dropped {} prose values",
                from.display(),
                report.operations,
                report.schemas,
                report.sha256,
                report.prose_dropped
            );
            println!(
                "wrote {} files under {}",
                report.files.len(),
                spec_dir.display()
            );
            Ok(())
        }
        Command::Codegen { check } => codegen_cmd(&root, &spec_dir, check),
        Command::ReleaseNotes { since, to } => {
            let text = release_notes::release_notes(&root, since.as_deref(), to.as_deref())?;
            print!("{text}");
            Ok(())
        }
        Command::Semver { baseline_rev } => {
            semver::covers_every_published_package(&root, semver::CHECKS)?;
            let baseline = semver::baseline(&root, baseline_rev.as_deref())?;
            semver::run(&root, &baseline, semver::CHECKS, None)
        }
    }
}

fn codegen_cmd(root: &Path, spec_dir: &Path, check: bool) -> Result<()> {
    let out = codegen::generate_from_spec(spec_dir)?;
    for (name, n) in &out.passes {
        println!("pass {name:<24} {n:>5} places");
    }
    let gen_dir = root.join(codegen::GENERATED_DIR);
    let manifest_path = root.join("auth0-mgmt/Cargo.toml");
    let manifest = std::fs::read_to_string(&manifest_path)
        .with_context(|| format!("reading {}", manifest_path.display()))?;
    let new_manifest = codegen::splice_features(&manifest, &out.features_block)?;
    let mut expected: Vec<(PathBuf, String)> = out
        .files
        .iter()
        .map(|(rel, text)| (root.join(rel), text.clone()))
        .collect();
    expected.push((manifest_path.clone(), new_manifest));
    let umbrella_path = root.join("Cargo.toml");
    let umbrella = std::fs::read_to_string(&umbrella_path)
        .with_context(|| format!("reading {}", umbrella_path.display()))?;
    let new_umbrella = codegen::splice_block(
        &umbrella,
        codegen::UMBRELLA_FEATURES_MARKERS,
        &out.umbrella_features_block,
    )?;
    expected.push((umbrella_path, new_umbrella));

    if check {
        let mut stale = Vec::new();
        for (path, text) in &expected {
            let current = std::fs::read_to_string(path).unwrap_or_default();
            if &current != text {
                let diff = similar::TextDiff::configure()
                    .timeout(std::time::Duration::from_secs(2))
                    .diff_lines(&current, text);
                let rel = path
                    .strip_prefix(root)
                    .unwrap_or(path)
                    .display()
                    .to_string();
                let shown: String = diff
                    .unified_diff()
                    .context_radius(2)
                    .header(&format!("{rel} (committed)"), &format!("{rel} (generated)"))
                    .to_string()
                    .lines()
                    .take(60)
                    .map(|l| format!("{l}\n"))
                    .collect();
                stale.push(shown);
            }
        }
        let extra = extra_files(root, &gen_dir, &out.files)?;
        for p in &extra {
            stale.push(format!("{} is no longer generated\n", p.display()));
        }
        if !stale.is_empty() {
            for s in &stale {
                eprint!("{s}");
            }
            bail!(
                "{} generated file(s) are stale: run `cargo xtask codegen` and commit the result",
                stale.len()
            );
        }
        println!(
            "generated code is up to date ({} operations, {} files)",
            out.operations,
            out.files.len()
        );
        return Ok(());
    }

    for p in extra_files(root, &gen_dir, &out.files)? {
        std::fs::remove_file(&p)?;
    }
    for (path, text) in &expected {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
        }
    }
    let lines: usize = out.files.values().map(|t| t.lines().count()).sum();
    println!(
        "wrote {} files ({} lines, {} operations) under {}",
        out.files.len(),
        lines,
        out.operations,
        gen_dir.display()
    );
    Ok(())
}

/// Files under the generated folder that this generation does not produce.
fn extra_files(
    root: &Path,
    gen_dir: &Path,
    files: &std::collections::BTreeMap<PathBuf, String>,
) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![
        gen_dir.to_path_buf(),
        root.join(codegen::EVERY_OPERATION_TEST)
            .parent()
            .expect("a folder")
            .to_path_buf(),
    ];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries {
            let path = e?.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(rel) = path.strip_prefix(root)
                && !files.contains_key(rel)
            {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}
