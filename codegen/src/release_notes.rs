//! Release notes from two API surfaces (the text [`crate::surface::render`] writes per
//! resource and `codegen/tests/snapshots/surface/*.snap` keeps): the operations and types
//! added, removed and changed per resource, lifecycle changes, and the version the changes
//! need under Cargo's semver rules.
//!
//! Operations are matched by their call (`users().roles().list`), types by name. A type that
//! is listed under another resource than before has not changed (every type lives in
//! `auth0_mgmt::types`); it is listed under the resource that holds it now.
//!
//! What breaks is judged by the rules of Cargo's SemVer guide for the generated code as it is:
//! the generated structs have only public fields and are not `#[non_exhaustive]`, and neither
//! are the enums, so a field, a variant or an open-enum value added breaks a struct literal
//! without `..Default::default()` or an exhaustive `match`. A setter or an operation added
//! breaks nothing; a removal, or a type that changes, breaks; a change that leaves every Rust
//! signature as it was (the HTTP path, a path argument's name, a wire name, the lifecycle) is a
//! patch.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write as _};
use std::str::FromStr;

/// The surface text of each resource, by resource (a snapshot's file stem).
pub type Surface = BTreeMap<String, String>;

/// The body of an insta snapshot file (the text after its `---` header).
pub fn snapshot_body(text: &str) -> &str {
    let Some(rest) = text.strip_prefix("---\n") else {
        return text;
    };
    match rest.find("\n---\n") {
        Some(end) => &rest[end + "\n---\n".len()..],
        None => text,
    }
}

/// How much a change breaks, in the terms of Cargo's semver rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Bump {
    /// No change of the API.
    #[default]
    None,
    /// Every Rust signature stays as it was (documentation, HTTP paths, wire names).
    Patch,
    /// Additions only.
    Minor,
    /// Something users compile against changed or went away.
    Major,
}

impl Bump {
    fn word(self) -> &'static str {
        match self {
            Bump::None => "no change",
            Bump::Patch => "patch",
            Bump::Minor => "additions",
            Bump::Major => "breaking",
        }
    }
}

/// A version `MAJOR.MINOR.PATCH[-PRE]` (build metadata is not kept).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    /// Major.
    pub major: u64,
    /// Minor.
    pub minor: u64,
    /// Patch.
    pub patch: u64,
    /// The pre-release part without its `-`, empty for a release.
    pub pre: String,
}

impl FromStr for Version {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let core = s.split('+').next().unwrap_or_default();
        let (numbers, pre) = match core.split_once('-') {
            Some((n, p)) if !p.is_empty() => (n, p.to_string()),
            Some(_) => return Err(format!("`{s}` has an empty pre-release part")),
            None => (core, String::new()),
        };
        let parts: Vec<&str> = numbers.split('.').collect();
        let [major, minor, patch] = parts.as_slice() else {
            return Err(format!("`{s}` is not MAJOR.MINOR.PATCH"));
        };
        let number = |p: &str| {
            p.parse::<u64>()
                .map_err(|_| format!("`{s}`: `{p}` is not a number"))
        };
        Ok(Version {
            major: number(major)?,
            minor: number(minor)?,
            patch: number(patch)?,
            pre,
        })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.pre.is_empty() {
            write!(f, "-{}", self.pre)?;
        }
        Ok(())
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    /// Semver precedence, with pre-release parts compared as text.
    fn cmp(&self, other: &Self) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => self.pre.cmp(&other.pre),
            })
    }
}

impl Version {
    /// The version a release of changes of this size after `self` takes. Cargo reads `0.y.z`
    /// with `y` as the major number and `z` as minor and patch together, and every `0.0.z` as
    /// incompatible with the others. A pre-release is followed by its release.
    pub fn next(&self, bump: Bump) -> Version {
        let release = |major, minor, patch| Version {
            major,
            minor,
            patch,
            pre: String::new(),
        };
        if bump == Bump::None {
            return self.clone();
        }
        if !self.pre.is_empty() {
            return release(self.major, self.minor, self.patch);
        }
        let (x, y, z) = (self.major, self.minor, self.patch);
        match (x, y, bump) {
            (0, 0, _) => release(0, 0, z + 1),
            (0, _, Bump::Major) => release(0, y + 1, 0),
            (0, _, _) => release(0, y, z + 1),
            (_, _, Bump::Major) => release(x + 1, 0, 0),
            (_, _, Bump::Minor) => release(x, y + 1, 0),
            (_, _, _) => release(x, y, z + 1),
        }
    }
}

/// One facade operation of a surface.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation {
    /// The resource (snapshot) it is listed under.
    pub resource: String,
    /// The call without its arguments: `users().roles().list`.
    pub key: String,
    /// The call as written: `users().roles().list(id)`.
    pub call: String,
    /// `METHOD /path` (empty when the line could not be read).
    pub endpoint: String,
    /// `EA`, `beta`, `deprecated`, ... (`None`: generally available or not stated).
    pub lifecycle: Option<String>,
    /// The surface line.
    pub line: String,
    parts: Option<OpParts>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct OpParts {
    args: Vec<String>,
    setters: BTreeMap<String, String>,
    answer: String,
    paging: Option<String>,
    handwritten: bool,
}

/// A change of one part of an operation or a type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// What changed: `answer`, `setter .from`, `field email`, `variant Other`, ...
    pub what: String,
    /// Before (`None`: it was not there).
    pub before: Option<String>,
    /// After (`None`: it is gone).
    pub after: Option<String>,
    /// What the change breaks.
    pub bump: Bump,
}

/// An operation whose line changed other than by its lifecycle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OperationChange {
    /// Before.
    pub before: Operation,
    /// After.
    pub after: Operation,
    /// The parts that changed.
    pub changes: Vec<Change>,
}

/// An operation whose lifecycle changed (`None` on a side: generally available).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LifecycleChange {
    /// The operation after the change.
    pub operation: Operation,
    /// Before.
    pub before: Option<String>,
    /// After.
    pub after: Option<String>,
}

/// What kind of item a type's lines describe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TypeKind {
    /// `type Name.field: T`, `type Name(T)`, `type Name {}`.
    Struct,
    /// `enum Name::Variant(T)`.
    Enum,
    /// `enum Name = "a" | "b" | other`.
    OpenEnum,
    /// `alias Name = Target`.
    Alias,
}

impl TypeKind {
    fn word(self) -> &'static str {
        match self {
            TypeKind::Struct => "struct",
            TypeKind::Enum => "enum",
            TypeKind::OpenEnum => "open enum",
            TypeKind::Alias => "alias",
        }
    }
}

/// One type of a surface: its lines gathered by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Type {
    /// The resource (snapshot) it is listed under.
    pub resource: String,
    /// The type's name.
    pub name: String,
    /// What it is.
    pub kind: TypeKind,
    /// Its members (fields, variants, values; the tuple `()` or the alias target `=`) and
    /// their text.
    pub members: BTreeMap<String, String>,
}

/// A type whose lines changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeChange {
    /// Before.
    pub before: Type,
    /// After.
    pub after: Type,
    /// The members that changed.
    pub changes: Vec<Change>,
}

/// The changes listed under one resource.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResourceNotes {
    /// Operations added.
    pub added_operations: Vec<Operation>,
    /// Operations removed.
    pub removed_operations: Vec<Operation>,
    /// Operations changed.
    pub changed_operations: Vec<OperationChange>,
    /// Lifecycle changes.
    pub lifecycle: Vec<LifecycleChange>,
    /// Types added.
    pub added_types: Vec<Type>,
    /// Types removed.
    pub removed_types: Vec<Type>,
    /// Types changed.
    pub changed_types: Vec<TypeChange>,
}

impl ResourceNotes {
    fn is_empty(&self) -> bool {
        self == &ResourceNotes::default()
    }

    fn bump(&self) -> Bump {
        let mut b = Bump::None;
        if !self.added_operations.is_empty() || !self.added_types.is_empty() {
            b = b.max(Bump::Minor);
        }
        if !self.removed_operations.is_empty() || !self.removed_types.is_empty() {
            b = b.max(Bump::Major);
        }
        if !self.lifecycle.is_empty() {
            b = b.max(Bump::Patch);
        }
        let changes = self
            .changed_operations
            .iter()
            .flat_map(|c| &c.changes)
            .chain(self.changed_types.iter().flat_map(|c| &c.changes));
        changes.fold(b, |b, c| b.max(c.bump))
    }
}

/// The changes between two surfaces, per resource.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Notes {
    /// By resource; resources without changes are left out.
    pub resources: BTreeMap<String, ResourceNotes>,
}

/// Compares two surfaces.
pub fn compare(before: &Surface, after: &Surface) -> Notes {
    let (ops_before, types_before) = read(before);
    let (ops_after, types_after) = read(after);
    let mut notes = Notes::default();
    fn at<'a>(notes: &'a mut Notes, resource: &str) -> &'a mut ResourceNotes {
        notes.resources.entry(resource.to_string()).or_default()
    }

    for (key, op) in &ops_after {
        match ops_before.get(key) {
            None => at(&mut notes, &op.resource)
                .added_operations
                .push(op.clone()),
            Some(old) if old.line != op.line => {
                if old.lifecycle != op.lifecycle {
                    at(&mut notes, &op.resource)
                        .lifecycle
                        .push(LifecycleChange {
                            operation: op.clone(),
                            before: old.lifecycle.clone(),
                            after: op.lifecycle.clone(),
                        });
                }
                let changes = operation_changes(old, op);
                if !changes.is_empty() {
                    at(&mut notes, &op.resource)
                        .changed_operations
                        .push(OperationChange {
                            before: old.clone(),
                            after: op.clone(),
                            changes,
                        });
                }
            }
            Some(_) => {}
        }
    }
    for (key, op) in &ops_before {
        if !ops_after.contains_key(key) {
            at(&mut notes, &op.resource)
                .removed_operations
                .push(op.clone());
        }
    }
    for (name, ty) in &types_after {
        match types_before.get(name) {
            None => at(&mut notes, &ty.resource).added_types.push(ty.clone()),
            Some(old) if old.kind != ty.kind || old.members != ty.members => {
                at(&mut notes, &ty.resource).changed_types.push(TypeChange {
                    before: old.clone(),
                    after: ty.clone(),
                    changes: type_changes(old, ty),
                });
            }
            Some(_) => {}
        }
    }
    for (name, ty) in &types_before {
        if !types_after.contains_key(name) {
            at(&mut notes, &ty.resource).removed_types.push(ty.clone());
        }
    }
    notes.resources.retain(|_, r| !r.is_empty());
    notes
}

impl Notes {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.resources.is_empty()
    }

    /// The largest change.
    pub fn bump(&self) -> Bump {
        self.resources
            .values()
            .map(ResourceNotes::bump)
            .max()
            .unwrap_or(Bump::None)
    }

    /// Every operation added, removed, changed or with a new lifecycle.
    pub fn operations(&self) -> impl Iterator<Item = &Operation> {
        self.resources.values().flat_map(|r| {
            r.added_operations
                .iter()
                .chain(&r.removed_operations)
                .chain(r.changed_operations.iter().map(|c| &c.after))
                .chain(r.lifecycle.iter().map(|c| &c.operation))
        })
    }

    /// The notes as Markdown. `version` is the version released before `from`; with it, the
    /// version these changes need is stated.
    pub fn render(&self, from: &str, to: &str, version: Option<&Version>) -> String {
        let mut s = String::new();
        let count =
            |f: &dyn Fn(&ResourceNotes) -> usize| -> usize { self.resources.values().map(f).sum() };
        let _ = writeln!(s, "# Management API changes\n");
        let _ = writeln!(s, "From `{from}` to `{to}`, read from the API surface.\n");
        if self.is_empty() {
            let _ = writeln!(s, "No change of the generated API.");
        } else {
            let _ = writeln!(
                s,
                "Operations: {} added, {} removed, {} changed, {} lifecycle changes. \
                 Types: {} added, {} removed, {} changed.",
                count(&|r| r.added_operations.len()),
                count(&|r| r.removed_operations.len()),
                count(&|r| r.changed_operations.len()),
                count(&|r| r.lifecycle.len()),
                count(&|r| r.added_types.len()),
                count(&|r| r.removed_types.len()),
                count(&|r| r.changed_types.len()),
            );
        }
        let bump = self.bump();
        match version {
            Some(v) if bump == Bump::None => {
                let _ = writeln!(s, "\nVersion: {v} needs no new release.");
            }
            Some(v) => {
                let _ = writeln!(
                    s,
                    "\nVersion: {} after {v} ({}).",
                    v.next(bump),
                    bump.word()
                );
            }
            None => {
                let _ = writeln!(s, "\nSize of the change: {}.", bump.word());
            }
        }
        for (resource, r) in &self.resources {
            let _ = writeln!(s, "\n## `{resource}`");
            section(&mut s, "Added operations", &r.added_operations, |s, op| {
                let _ = write!(s, "- `{}`: `{}`", op.call, op.endpoint);
                if let Some(l) = &op.lifecycle {
                    let _ = write!(s, " ({l})");
                }
                s.push('\n');
            });
            section(
                &mut s,
                "Removed operations",
                &r.removed_operations,
                |s, op| {
                    let _ = writeln!(s, "- `{}`: `{}`", op.call, op.endpoint);
                },
            );
            section(
                &mut s,
                "Changed operations",
                &r.changed_operations,
                |s, c| {
                    let _ = writeln!(s, "- `{}`: `{}`", c.after.call, c.after.endpoint);
                    changes(s, &c.changes);
                },
            );
            section(&mut s, "Lifecycle", &r.lifecycle, |s, c| {
                let _ = writeln!(
                    s,
                    "- `{}`: {} → {}",
                    c.operation.call,
                    c.before.as_deref().unwrap_or("GA"),
                    c.after.as_deref().unwrap_or("GA")
                );
            });
            section(&mut s, "Added types", &r.added_types, |s, t| {
                let _ = writeln!(s, "- `{}` ({})", t.name, t.kind.word());
            });
            section(&mut s, "Removed types", &r.removed_types, |s, t| {
                let _ = writeln!(s, "- `{}` ({})", t.name, t.kind.word());
            });
            section(&mut s, "Changed types", &r.changed_types, |s, c| {
                let _ = writeln!(s, "- `{}`", c.after.name);
                changes(s, &c.changes);
            });
        }
        s
    }
}

fn section<T>(s: &mut String, title: &str, items: &[T], mut each: impl FnMut(&mut String, &T)) {
    if items.is_empty() {
        return;
    }
    let _ = writeln!(s, "\n### {title}\n");
    for item in items {
        each(s, item);
    }
}

fn changes(s: &mut String, changes: &[Change]) {
    for c in changes {
        let mark = if c.bump == Bump::Major {
            " (breaking)"
        } else {
            ""
        };
        let _ = match (&c.before, &c.after) {
            (None, Some(a)) => writeln!(s, "  - {} added: `{a}`{mark}", c.what),
            (Some(b), None) => writeln!(s, "  - {} removed: `{b}`{mark}", c.what),
            (Some(b), Some(a)) => writeln!(s, "  - {}: `{b}` → `{a}`{mark}", c.what),
            (None, None) => writeln!(s, "  - {}{mark}", c.what),
        };
    }
}

fn is_type_line(line: &str) -> bool {
    line.starts_with("type ") || line.starts_with("enum ") || line.starts_with("alias ")
}

type Read = (BTreeMap<String, Operation>, BTreeMap<String, Type>);

/// The operations by key and the types by name of a surface.
fn read(surface: &Surface) -> Read {
    let mut ops = BTreeMap::new();
    let mut types: BTreeMap<String, Type> = BTreeMap::new();
    for (resource, text) in surface {
        for line in text.lines().map(str::trim_end).filter(|l| !l.is_empty()) {
            if is_type_line(line) {
                let (name, kind, member, text) = type_line(line);
                let ty = types.entry(name.clone()).or_insert_with(|| Type {
                    resource: resource.clone(),
                    name,
                    kind,
                    members: BTreeMap::new(),
                });
                ty.members.insert(member, text);
            } else {
                let op = operation(resource, line);
                ops.insert(op.key.clone(), op);
            }
        }
    }
    (ops, types)
}

/// `(name, kind, member, text)` of a type line.
fn type_line(line: &str) -> (String, TypeKind, String, String) {
    let name_end = |s: &str| {
        s.find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(s.len())
    };
    if let Some(rest) = line.strip_prefix("alias ") {
        let (name, target) = rest.split_once(" = ").unwrap_or((rest, ""));
        return (name.into(), TypeKind::Alias, "=".into(), target.into());
    }
    if let Some(rest) = line.strip_prefix("enum ") {
        let n = name_end(rest);
        let (name, tail) = rest.split_at(n);
        if let Some(variants) = tail.strip_prefix(" = ") {
            // One line holds every value: the values are the members.
            return (
                name.into(),
                TypeKind::OpenEnum,
                variants.into(),
                String::new(),
            );
        }
        let tail = tail.strip_prefix("::").unwrap_or(tail);
        let v = name_end(tail);
        return (
            name.into(),
            TypeKind::Enum,
            tail[..v].into(),
            tail[v..].into(),
        );
    }
    let rest = line.strip_prefix("type ").unwrap_or(line);
    let n = name_end(rest);
    let (name, tail) = rest.split_at(n);
    match tail.strip_prefix('.') {
        Some(field) => {
            let f = name_end(field);
            (
                name.into(),
                TypeKind::Struct,
                field[..f].into(),
                field[f..].into(),
            )
        }
        None => (
            name.into(),
            TypeKind::Struct,
            "()".into(),
            tail.trim().into(),
        ),
    }
}

/// An operation line: `chain.method(args) = METHOD /path .setter(where: T)* -> Answer
/// [.items(how): Item] [(handwritten)] [[lifecycle]]`. A line that does not read so is kept
/// whole (its changes are shown as the whole line).
fn operation(resource: &str, line: &str) -> Operation {
    let (call, rest) = line.split_once(" = ").unwrap_or((line, ""));
    let key = call.rfind('(').map_or(call, |i| &call[..i]).to_string();
    let mut rest = rest;
    let mut lifecycle = None;
    if let Some(open) = rest.rfind(" [")
        && let Some(inner) = rest[open + 2..].strip_suffix(']')
        && !inner.is_empty()
        && inner
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
    {
        lifecycle = Some(inner.to_string());
        rest = &rest[..open];
    }
    let mut words = rest.splitn(3, ' ');
    let endpoint = match (words.next(), words.next()) {
        (Some(m), Some(p)) => format!("{m} {p}"),
        _ => String::new(),
    };
    let parts = parts(call, rest);
    Operation {
        resource: resource.to_string(),
        key,
        call: call.to_string(),
        endpoint,
        lifecycle,
        line: line.to_string(),
        parts,
    }
}

fn parts(call: &str, rest: &str) -> Option<OpParts> {
    let open = call.rfind('(')?;
    let args: Vec<String> = call[open + 1..]
        .strip_suffix(')')?
        .split(", ")
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .collect();
    let (rest, handwritten) = match rest.strip_suffix(" (handwritten)") {
        Some(r) => (r, true),
        None => (rest, false),
    };
    let mut words = rest.splitn(3, ' ');
    let (_method, _path) = (words.next()?, words.next()?);
    let mut tail = words.next()?;
    let mut setters = BTreeMap::new();
    while let Some(after_dot) = tail.strip_prefix('.') {
        let name_end = after_dot.find('(')?;
        let name = &after_dot[..name_end];
        let mut depth = 0usize;
        let mut close = None;
        for (i, c) in after_dot[name_end..].char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        close = Some(name_end + i);
                        break;
                    }
                }
                _ => {}
            }
        }
        let close = close?;
        setters.insert(name.to_string(), after_dot[name_end + 1..close].to_string());
        tail = after_dot[close + 1..].strip_prefix(' ')?;
    }
    let answer = tail.strip_prefix("-> ")?;
    let (answer, paging) = match answer.split_once(" .items(") {
        Some((a, p)) => (a, Some(format!(".items({p}"))),
        None => (answer, None),
    };
    Some(OpParts {
        args,
        setters,
        answer: answer.to_string(),
        paging,
        handwritten,
    })
}

fn change(
    what: impl Into<String>,
    before: Option<&str>,
    after: Option<&str>,
    bump: Bump,
) -> Change {
    Change {
        what: what.into(),
        before: before.map(str::to_string),
        after: after.map(str::to_string),
        bump,
    }
}

/// The changes of an operation's line other than its lifecycle.
fn operation_changes(old: &Operation, new: &Operation) -> Vec<Change> {
    let (Some(a), Some(b)) = (&old.parts, &new.parts) else {
        let strip = |op: &Operation| match &op.lifecycle {
            Some(l) => op.line.trim_end_matches(&format!(" [{l}]")).to_string(),
            None => op.line.clone(),
        };
        let (x, y) = (strip(old), strip(new));
        return if x == y {
            Vec::new()
        } else {
            vec![change("signature", Some(&x), Some(&y), Bump::Major)]
        };
    };
    let mut out = Vec::new();
    if a.args != b.args {
        let bump = if a.args.len() == b.args.len() {
            Bump::Patch
        } else {
            Bump::Major
        };
        out.push(change(
            "arguments",
            Some(&format!("({})", a.args.join(", "))),
            Some(&format!("({})", b.args.join(", "))),
            bump,
        ));
    }
    if old.endpoint != new.endpoint {
        out.push(change(
            "endpoint",
            Some(&old.endpoint),
            Some(&new.endpoint),
            Bump::Patch,
        ));
    }
    let names: BTreeSet<&String> = a.setters.keys().chain(b.setters.keys()).collect();
    for name in names {
        let show = |t: Option<&String>| t.map(|t| format!(".{name}({t})"));
        let (x, y) = (show(a.setters.get(name)), show(b.setters.get(name)));
        let bump = match (&x, &y) {
            (None, Some(_)) => Bump::Minor,
            (Some(x), Some(y)) if x == y => continue,
            _ => Bump::Major,
        };
        out.push(change(
            format!("setter `.{name}`"),
            x.as_deref(),
            y.as_deref(),
            bump,
        ));
    }
    if a.answer != b.answer {
        out.push(change(
            "answer",
            Some(&a.answer),
            Some(&b.answer),
            Bump::Major,
        ));
    }
    if a.paging != b.paging {
        let bump = if a.paging.is_none() {
            Bump::Minor
        } else {
            Bump::Major
        };
        out.push(change(
            "paging",
            a.paging.as_deref(),
            b.paging.as_deref(),
            bump,
        ));
    }
    if a.handwritten != b.handwritten {
        let word = |h: bool| if h { "handwritten" } else { "generated" };
        out.push(change(
            "made",
            Some(word(a.handwritten)),
            Some(word(b.handwritten)),
            Bump::Patch,
        ));
    }
    out
}

/// A field's text `"wire": T` or `: T`, as (wire name, type).
fn field_parts(text: &str) -> (Option<&str>, &str) {
    match text.strip_prefix(' ') {
        Some(quoted) => match quoted.split_once(": ") {
            Some((wire, ty)) => (Some(wire), ty),
            None => (None, text),
        },
        None => (None, text.strip_prefix(": ").unwrap_or(text)),
    }
}

/// The changes of a type's members.
fn type_changes(old: &Type, new: &Type) -> Vec<Change> {
    if old.kind != new.kind {
        return vec![change(
            "kind",
            Some(old.kind.word()),
            Some(new.kind.word()),
            Bump::Major,
        )];
    }
    let mut out = Vec::new();
    match new.kind {
        TypeKind::Alias => {
            let (x, y) = (old.members.get("="), new.members.get("="));
            out.push(change(
                "target",
                x.map(String::as_str),
                y.map(String::as_str),
                Bump::Major,
            ));
        }
        TypeKind::OpenEnum => {
            let values = |t: &Type| -> Vec<String> {
                t.members
                    .keys()
                    .flat_map(|k| k.split(" | "))
                    .filter(|v| *v != "other")
                    .map(str::to_string)
                    .collect()
            };
            let (x, y) = (values(old), values(new));
            for v in y.iter().filter(|v| !x.contains(v)) {
                out.push(change("value", None, Some(v), Bump::Major));
            }
            for v in x.iter().filter(|v| !y.contains(v)) {
                out.push(change("value", Some(v), None, Bump::Major));
            }
            if out.is_empty() {
                out.push(change(
                    "order of values",
                    Some(&x.join(" | ")),
                    Some(&y.join(" | ")),
                    Bump::Patch,
                ));
            }
        }
        TypeKind::Struct | TypeKind::Enum => {
            let word = if new.kind == TypeKind::Enum {
                "variant"
            } else {
                "field"
            };
            let names: BTreeSet<&String> = old.members.keys().chain(new.members.keys()).collect();
            for name in names {
                let what = match name.as_str() {
                    "()" => "fields".to_string(),
                    _ => format!("{word} `{name}`"),
                };
                let show = |text: Option<&String>| {
                    text.map(|t| match name.as_str() {
                        "()" => t.clone(),
                        _ => format!("{name}{t}"),
                    })
                };
                let (x, y) = (old.members.get(name), new.members.get(name));
                let bump = match (x, y) {
                    (Some(x), Some(y)) if x == y => continue,
                    (Some(x), Some(y))
                        if new.kind == TypeKind::Struct && field_parts(x).1 == field_parts(y).1 =>
                    {
                        // Only the wire name changed.
                        Bump::Patch
                    }
                    _ => Bump::Major,
                };
                out.push(change(what, show(x).as_deref(), show(y).as_deref(), bump));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn surface(pairs: &[(&str, &str)]) -> Surface {
        pairs
            .iter()
            .map(|(r, t)| (r.to_string(), t.to_string()))
            .collect()
    }

    const USERS: &str = "\
enum UserKind = \"a\" | \"b\" | other
type User.email: Option<String>
type User.extra: Extra
users().get(id) = GET /users/{id} .fields(query: String) -> User
users().list() = GET /users .page(query: i64) -> ListUsers .items(page): User [EA]
";

    #[test]
    fn snapshot_header_is_cut() {
        let file =
            "---\nsource: codegen/tests/surface.rs\nexpression: text\n---\nline one\nline two\n";
        assert_eq!(snapshot_body(file), "line one\nline two\n");
        assert_eq!(snapshot_body("no header\n"), "no header\n");
    }

    #[test]
    fn same_surface_has_no_notes() {
        let s = surface(&[("users", USERS)]);
        let notes = compare(&s, &s);
        assert!(notes.is_empty());
        assert_eq!(notes.bump(), Bump::None);
        assert!(notes.render("a", "b", None).contains("No change"));
        let text = notes.render("a", "b", Some(&"0.3.1".parse().unwrap()));
        assert!(
            text.contains("Version: 0.3.1 needs no new release."),
            "{text}"
        );
    }

    #[test]
    fn an_empty_api_before_lists_everything_as_added() {
        let notes = compare(&Surface::new(), &surface(&[("users", USERS)]));
        let users = &notes.resources["users"];
        let calls: Vec<&str> = users
            .added_operations
            .iter()
            .map(|o| o.call.as_str())
            .collect();
        assert_eq!(calls, ["users().get(id)", "users().list()"]);
        let types: Vec<&str> = users.added_types.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(types, ["User", "UserKind"]);
        assert_eq!(notes.bump(), Bump::Minor);
        let text = notes.render("first", "HEAD", Some(&"0.1.0".parse().unwrap()));
        assert!(
            text.contains("- `users().list()`: `GET /users` (EA)\n"),
            "{text}"
        );
        assert!(
            text.contains("Version: 0.1.1 after 0.1.0 (additions)."),
            "{text}"
        );
    }

    #[test]
    fn changed_operations_show_each_part_before_and_after() {
        let before = surface(&[("users", USERS)]);
        let after = surface(&[(
            "users",
            "\
users().get(user_id) = GET /users/{user_id} .fields(query: String) .from(query: String) -> UserV2
users().list() = GET /users .page(query: String) -> ListUsers .items(page): User
",
        )]);
        let notes = compare(&before, &after);
        let users = &notes.resources["users"];
        assert!(users.added_operations.is_empty() && users.removed_operations.is_empty());
        let get = &users.changed_operations[0];
        assert_eq!(get.after.key, "users().get");
        let by_what: BTreeMap<&str, &Change> =
            get.changes.iter().map(|c| (c.what.as_str(), c)).collect();
        assert_eq!(by_what["arguments"].bump, Bump::Patch);
        assert_eq!(by_what["endpoint"].bump, Bump::Patch);
        assert_eq!(by_what["setter `.from`"].bump, Bump::Minor);
        assert_eq!(by_what["setter `.from`"].before, None);
        assert_eq!(by_what["answer"].bump, Bump::Major);
        assert_eq!(by_what["answer"].after.as_deref(), Some("UserV2"));
        assert!(!by_what.contains_key("setter `.fields`"));
        // `list` changed its setter's type and left EA.
        let list = &users.changed_operations[1];
        assert_eq!(list.changes.len(), 1);
        assert_eq!(list.changes[0].bump, Bump::Major);
        assert_eq!(
            users.lifecycle,
            [LifecycleChange {
                operation: list.after.clone(),
                before: Some("EA".into()),
                after: None
            }]
        );
        let text = notes.render("v0.1.0", "HEAD", Some(&"0.1.0".parse().unwrap()));
        assert!(
            text.contains("  - answer: `User` → `UserV2` (breaking)\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "  - setter `.page`: `.page(query: i64)` → `.page(query: String)` (breaking)\n"
            ),
            "{text}"
        );
        assert!(text.contains("- `users().list()`: EA → GA\n"), "{text}");
        assert!(
            text.contains("Version: 0.2.0 after 0.1.0 (breaking)."),
            "{text}"
        );
    }

    #[test]
    fn a_lifecycle_change_alone_is_a_patch_and_not_a_changed_operation() {
        let before = surface(&[("users", USERS)]);
        let after = surface(&[(
            "users",
            &USERS
                .replace(" [EA]", "")
                .replace("-> User\n", "-> User [deprecated]\n"),
        )]);
        let notes = compare(&before, &after);
        let users = &notes.resources["users"];
        assert!(users.changed_operations.is_empty());
        let seen: Vec<(&str, Option<&str>, Option<&str>)> = users
            .lifecycle
            .iter()
            .map(|c| {
                (
                    c.operation.call.as_str(),
                    c.before.as_deref(),
                    c.after.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                ("users().get(id)", None, Some("deprecated")),
                ("users().list()", Some("EA"), None)
            ]
        );
        assert_eq!(notes.bump(), Bump::Patch);
    }

    #[test]
    fn removals_break() {
        let before = surface(&[("users", USERS)]);
        let after = surface(&[(
            "users",
            "users().get(id) = GET /users/{id} .fields(query: String) -> User\n\
             type User.email: Option<String>\ntype User.extra: Extra\n",
        )]);
        let notes = compare(&before, &after);
        let users = &notes.resources["users"];
        assert_eq!(users.removed_operations[0].call, "users().list()");
        assert_eq!(users.removed_types[0].name, "UserKind");
        assert_eq!(notes.bump(), Bump::Major);
    }

    #[test]
    fn type_members_are_compared_one_by_one() {
        let before = surface(&[(
            "users",
            "type User.email: Option<String>\n\
             type User.kind_ \"kind\": UserKind\n\
             type User.extra: Extra\n\
             enum UserKind = \"a\" | \"b\" | other\n\
             enum Answer::Array(Vec<User>)\n\
             enum Answer::Other(Value)\n\
             alias GetUser = User\n\
             type Ids(Vec<String>)\n",
        )]);
        let after = surface(&[(
            "users",
            "type User.email: String\n\
             type User.kind_ \"type\": UserKind\n\
             type User.name: Option<String>\n\
             type User.extra: Extra\n\
             enum UserKind = \"a\" | \"c\" | other\n\
             enum Answer::Array(Vec<User>)\n\
             enum Answer::Other(Value)\n\
             enum Answer::Paged(Paged)\n\
             alias GetUser = UserV2\n\
             type Ids(Vec<String>)\n",
        )]);
        let notes = compare(&before, &after);
        let changed: BTreeMap<&str, &[Change]> = notes.resources["users"]
            .changed_types
            .iter()
            .map(|c| (c.after.name.as_str(), c.changes.as_slice()))
            .collect();
        let s = Some;
        assert_eq!(
            changed["User"],
            [
                change(
                    "field `email`",
                    s("email: Option<String>"),
                    s("email: String"),
                    Bump::Major
                ),
                change(
                    "field `kind_`",
                    s("kind_ \"kind\": UserKind"),
                    s("kind_ \"type\": UserKind"),
                    Bump::Patch
                ),
                change("field `name`", None, s("name: Option<String>"), Bump::Major),
            ]
        );
        assert_eq!(
            changed["UserKind"],
            [
                change("value", None, s("\"c\""), Bump::Major),
                change("value", s("\"b\""), None, Bump::Major),
            ]
        );
        assert_eq!(
            changed["Answer"],
            [change(
                "variant `Paged`",
                None,
                s("Paged(Paged)"),
                Bump::Major
            )]
        );
        assert_eq!(
            changed["GetUser"],
            [change("target", s("User"), s("UserV2"), Bump::Major)]
        );
        assert!(!changed.contains_key("Ids"));
        let text = notes.render("a", "b", None);
        assert!(
            text.contains("- `User`\n  - field `email`: `email: Option<String>` → `email: String` (breaking)\n"),
            "{text}"
        );
        assert!(
            text.contains("  - value added: `\"c\"` (breaking)\n"),
            "{text}"
        );
    }

    #[test]
    fn a_type_listed_under_another_resource_has_not_changed() {
        let line = "type Role.id: String\n";
        let before = surface(&[("roles", line), ("users", "")]);
        let after = surface(&[("roles", ""), ("shared", line)]);
        assert!(compare(&before, &after).is_empty());
    }

    #[test]
    fn an_unreadable_operation_line_is_compared_whole() {
        let before = surface(&[("odd", "odd().x() = something else [EA]\n")]);
        let after = surface(&[("odd", "odd().x() = something other [EA]\n")]);
        let notes = compare(&before, &after);
        let c = &notes.resources["odd"].changed_operations[0];
        assert_eq!(
            c.changes,
            [change(
                "signature",
                Some("odd().x() = something else"),
                Some("odd().x() = something other"),
                Bump::Major
            )]
        );
        assert!(notes.resources["odd"].lifecycle.is_empty());
    }

    #[test]
    fn versions_follow_cargo_semver_rules() {
        let next = |v: &str, b| v.parse::<Version>().unwrap().next(b).to_string();
        assert_eq!(next("0.1.0", Bump::Major), "0.2.0");
        assert_eq!(next("0.1.3", Bump::Minor), "0.1.4");
        assert_eq!(next("0.1.3", Bump::Patch), "0.1.4");
        assert_eq!(next("0.0.3", Bump::Minor), "0.0.4");
        assert_eq!(next("0.0.3", Bump::Major), "0.0.4");
        assert_eq!(next("1.2.3", Bump::Major), "2.0.0");
        assert_eq!(next("1.2.3", Bump::Minor), "1.3.0");
        assert_eq!(next("1.2.3", Bump::Patch), "1.2.4");
        assert_eq!(next("1.2.3", Bump::None), "1.2.3");
        assert_eq!(next("2.0.0-rc.1", Bump::Major), "2.0.0");
        assert_eq!(next("1.2.3+build.5", Bump::Patch), "1.2.4");
        assert!("1.2".parse::<Version>().is_err());
        assert!("1.x.3".parse::<Version>().is_err());
        let v = |s: &str| s.parse::<Version>().unwrap();
        assert!(v("1.0.0-rc.1") < v("1.0.0"));
        assert!(v("0.2.0") > v("0.1.9"));
        assert_eq!(v("1.0.0-rc.1").to_string(), "1.0.0-rc.1");
    }
}
