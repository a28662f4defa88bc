//! The server's layers, read from its sources (ARCHITECTURE.md draws them): only `api`
//! and `startup` know of HTTP, only `startup` builds on `api`, and the top-level modules'
//! imports (`crate::…`) never close a circle, so each layer uses only those below it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file without its comments (`//`, `///`, `//!` to the end of the line).
fn code_of(text: &str) -> String {
    text.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level modules named after `crate::` in `code`, grouped ones
/// (`crate::{db, error::Error}`) included.
fn uses(code: &str) -> BTreeSet<String> {
    let name = |s: &str| -> String {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut found = BTreeSet::new();
    for (i, m) in code.match_indices("crate::") {
        let rest = &code[i + m.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            found.extend(group.split(',').map(name));
        } else {
            found.insert(name(rest));
        }
    }
    found.retain(|m| !m.is_empty() && m.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
    found
}

/// The layers of ARCHITECTURE.md, bottom first. Every module is in one, and imports
/// only modules of layers below its own.
const LAYERS: &[&[&str]] = &[
    &["db", "config", "clock", "error", "metrics"],
    &["kinds", "forms"],
    &[
        "totals",
        "units",
        "campaigns",
        "auth",
        "live",
        "backup",
        "document_fields",
        "heavy",
    ],
    &["reports"],
    &["deadlines", "packages", "reminders"],
    &["admin", "dashboard", "export", "group_commit", "template"],
    &["national", "demo", "migrate"],
    &["api"],
    &["startup"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// Each top-level module of the library, with its files' code.
fn modules() -> BTreeMap<String, String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut modules: BTreeMap<String, String> = BTreeMap::new();
    for file in files {
        let rel = file.strip_prefix(&src).expect("under src");
        let first = rel
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .expect("a name")
            .trim_end_matches(".rs")
            .to_owned();
        // The crate root and the binaries are not layers.
        if matches!(first.as_str(), "lib" | "main" | "bin") {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("readable source");
        modules.entry(first).or_default().push_str(&code_of(&text));
    }
    modules
}

#[test]
fn only_the_http_layer_knows_of_http() {
    let modules = modules();
    assert!(modules.contains_key("api") && modules.contains_key("reports"));
    for (name, code) in &modules {
        if name == "api" || name == "startup" {
            continue;
        }
        for http in ["axum", "tower_http", "http::", "hyper"] {
            assert!(!code.contains(http), "{name} uses {http}");
        }
        assert!(
            !uses(code).contains("api"),
            "{name} imports api, the layer above it"
        );
    }
}

#[test]
fn every_module_imports_only_layers_below_its_own() {
    for (name, code) in &modules() {
        let own = layer_of(name).unwrap_or_else(|| {
            panic!("{name} is in no layer: place it in LAYERS and ARCHITECTURE.md")
        });
        for used in uses(code).iter().filter(|u| *u != name) {
            let Some(below) = layer_of(used) else {
                continue; // not a module of the crate
            };
            assert!(
                below < own,
                "{name} (layer {own}) imports {used} (layer {below})"
            );
        }
    }
}

#[test]
fn no_module_imports_close_a_circle() {
    let modules = modules();
    let graph: BTreeMap<&str, BTreeSet<String>> = modules
        .iter()
        .map(|(name, code)| {
            let mut deps = uses(code);
            deps.remove(name);
            deps.retain(|d| modules.contains_key(d));
            (name.as_str(), deps)
        })
        .collect();
    // Depth-first search; a module met again on the current path closes a circle.
    fn visit<'a>(
        m: &'a str,
        graph: &'a BTreeMap<&'a str, BTreeSet<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) {
        if done.contains(m) {
            return;
        }
        if let Some(at) = path.iter().position(|p| *p == m) {
            panic!("a circle of imports: {} → {m}", path[at..].join(" → "));
        }
        path.push(m);
        for d in &graph[m] {
            visit(d.as_str(), graph, path, done);
        }
        path.pop();
        done.insert(m);
    }
    let mut done = BTreeSet::new();
    for m in graph.keys() {
        visit(m, &graph, &mut Vec::new(), &mut done);
    }
    assert!(
        graph["reports"].contains("totals"),
        "the check reads imports"
    );
}

#[test]
fn the_import_reader_finds_modules_and_ignores_comments() {
    let code = code_of(
        "use crate::db::Pool; // crate::api\nlet x = crate::totals::apply;\nuse crate::{units::unit, error};",
    );
    assert_eq!(
        uses(&code),
        ["db", "error", "totals", "units"]
            .into_iter()
            .map(String::from)
            .collect()
    );
}
