//! The source layout stays readable: no import cycle between the modules of the two
//! library crates, and no source file past ~500 lines of code (test modules aside).
//!
//! A module's dependencies are what its `use crate::…` and `use super::…` lines name,
//! resolved to the deepest module that exists as a file. A `mod.rs` or `lib.rs` that
//! only re-exports (`pub use child::X`) is a façade, not a dependency: its `pub use`
//! lines are left out, so a child importing a sibling's type through the parent is an
//! edge to the parent, which depends on nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Longest source file allowed, in lines of code; test modules are exempt.
const MAX_LINES: usize = 550;

fn root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `src/a/b.rs` and `src/a/b/mod.rs` are module `a::b`; `lib.rs` and `main.rs` are
/// the crate root, written `""`.
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).expect("under src");
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts.join("::")
}

/// The module a `use` path lands in: the longest prefix that is a known module.
fn resolve(path: &[&str], modules: &BTreeSet<String>) -> Option<String> {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].join("::"))
        .find(|candidate| modules.contains(candidate))
}

/// The module graph of one crate's `src`: module -> modules it uses.
fn graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(src, f)).collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let module = module_of(src, file);
        let facade = matches!(
            file.file_name().and_then(|n| n.to_str()),
            Some("mod.rs" | "lib.rs")
        );
        let text = std::fs::read_to_string(file).expect("read source");
        // Test modules may reach anywhere; only the code itself must be acyclic.
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        let mut statement = String::new();
        for line in code.lines().map(str::trim) {
            if statement.is_empty() && !line.contains("use ") {
                continue;
            }
            statement.push_str(line);
            if !line.ends_with(';') {
                continue;
            }
            let taken = std::mem::take(&mut statement);
            let is_reexport = taken.starts_with("pub use") || taken.starts_with("pub(crate) use");
            if facade && is_reexport {
                continue;
            }
            let Some(path) = taken.split("use ").nth(1) else {
                continue;
            };
            let segments: Vec<&str> = path
                .split("::")
                .map(|s| s.trim_matches(|c: char| !c.is_alphanumeric() && c != '_'))
                .take_while(|s| !s.is_empty())
                .collect();
            let absolute: Vec<&str> = match segments.first() {
                Some(&"crate") => segments[1..].to_vec(),
                Some(&"super") => {
                    let mut base: Vec<&str> = if module.is_empty() {
                        Vec::new()
                    } else {
                        module.split("::").collect()
                    };
                    let mut rest = &segments[..];
                    while rest.first() == Some(&"super") {
                        base.pop();
                        rest = &rest[1..];
                    }
                    base.extend_from_slice(rest);
                    base
                }
                _ => continue,
            };
            if let Some(target) = resolve(&absolute, &modules)
                && target != module
            {
                edges.entry(module.clone()).or_default().insert(target);
            }
        }
    }
    edges
}

/// A cycle in `edges`, if there is one, as the modules along it.
fn find_cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[at..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_owned());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, edges, stack, done) {
                return Some(cycle);
            }
        }
        stack.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    edges
        .keys()
        .find_map(|node| visit(node, edges, &mut Vec::new(), &mut done))
}

#[test]
fn library_modules_import_without_cycles() {
    for krate in ["harness", "reference-server"] {
        let edges = graph(&root().join(krate).join("src"));
        assert!(edges.len() > 5, "{krate}: the module graph was read");
        if let Some(cycle) = find_cycle(&edges) {
            panic!("{krate}: modules import in a cycle: {}", cycle.join(" -> "));
        }
    }
}

#[test]
fn a_cycle_is_found_when_there_is_one() {
    let edges = BTreeMap::from([
        ("a".to_owned(), BTreeSet::from(["b".to_owned()])),
        ("b".to_owned(), BTreeSet::from(["c".to_owned()])),
        ("c".to_owned(), BTreeSet::from(["a".to_owned()])),
    ]);
    assert_eq!(
        find_cycle(&edges),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    let acyclic = BTreeMap::from([("a".to_owned(), BTreeSet::from(["b".to_owned()]))]);
    assert_eq!(find_cycle(&acyclic), None);
}

#[test]
fn no_source_file_is_too_long_to_read() {
    let mut long = Vec::new();
    for krate in [
        "harness",
        "reference-server",
        "bench-gate",
        "scenario-tests",
    ] {
        let mut files = Vec::new();
        rust_files(&root().join(krate).join("src"), &mut files);
        for file in files {
            if file.file_name().is_some_and(|n| n == "tests.rs") {
                continue;
            }
            // Lines of code: an inline test module, like a `tests.rs`, is exempt.
            let text = std::fs::read_to_string(&file).expect("read");
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            let lines = code.lines().count();
            if lines > MAX_LINES {
                long.push(format!("{} ({lines} lines)", file.display()));
            }
        }
    }
    assert!(
        long.is_empty(),
        "source files over {MAX_LINES} lines: split them along their seams: {long:?}"
    );
}
