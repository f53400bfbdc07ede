use std::collections::*;
fn main() -> anyhow::Result<()> {
    let target = std::env::args().nth(1).unwrap();
    let mut doc = codegen::spec::load(std::path::Path::new("spec/management"))?;
    let ops = codegen::ops::operations(&doc);
    codegen::passes::run_all(&mut doc);
    let g = codegen::generate::take_apart(codegen::generate::progenitor(&doc)?)?;
    let names: BTreeSet<String> = g.types.iter().filter_map(|(k,_)| k.clone()).chain(g.open_enums.iter().map(|e| e.name.clone())).collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (k, item) in &g.types { if let Some(k)=k { edges.entry(k.clone()).or_default().extend(codegen::generate::idents_in(item).into_iter().filter(|r| names.contains(r) && r!=k)); } }
    let mut parent: BTreeMap<String,String> = BTreeMap::new();
    let mut queue = VecDeque::new();
    for op in ops.iter().filter(|o| o.resource()=="users") {
        if let Some((_, f)) = g.methods.get(&op.raw_ident()) {
            for t in codegen::generate::types_in_method(f).into_iter().filter(|i| names.contains(i)) {
                if !parent.contains_key(&t) { parent.insert(t.clone(), format!("op {}", op.id)); queue.push_back(t); }
            }
        }
    }
    while let Some(t) = queue.pop_front() {
        for n in edges.get(&t).into_iter().flatten() { if !parent.contains_key(n) { parent.insert(n.clone(), t.clone()); queue.push_back(n.clone()); } }
    }
    let mut cur = target.clone();
    while let Some(p) = parent.get(&cur) { println!("{cur} <- {p}"); if p.starts_with("op ") {break;} cur = p.clone(); }
    Ok(())
}
