fn main() -> anyhow::Result<()> {
    let src = std::env::args().nth(1).unwrap();
    let report = codegen::spec::import(
        std::path::Path::new(&src),
        std::path::Path::new("/tmp/spec"),
    )?;
    eprintln!(
        "import: {} ops {} schemas {} prose",
        report.operations, report.schemas, report.prose_dropped
    );
    let t = std::time::Instant::now();
    let out = codegen::generate_from_spec(std::path::Path::new("/tmp/spec"))?;
    eprintln!("generate {:?}", t.elapsed());
    for (p, n) in &out.passes {
        eprintln!("{p}: {n}");
    }
    let _ = std::fs::remove_dir_all("/tmp/gen");
    for (rel, text) in &out.files {
        let p = std::path::Path::new("/tmp/gen").join(rel);
        std::fs::create_dir_all(p.parent().unwrap())?;
        std::fs::write(p, text)?;
    }
    std::fs::create_dir_all("/tmp/surface")?;
    for (r, t) in &out.surface {
        std::fs::write(format!("/tmp/surface/{r}.txt"), t)?;
    }
    std::fs::write("/tmp/features.txt", &out.features_block)?;
    Ok(())
}
