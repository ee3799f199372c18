//! The boundaries ARCHITECTURE.md draws, held by reading the source (in the manner of
//! rust-analyzer's tidy tests): a test names the rule, and a failure names the file and what it
//! reaches for.
//!
//! - services (and the state) do not know HTTP: no `crate::http`, no `crate::routes`, and none of
//!   the crates `axum`, `tower`, `tower_http`;
//! - the HTTP kernel and the OpenAPI frame import no route module;
//! - a route module imports no other route module (`crate::routes…` or `super::…` outside its
//!   tests);
//! - no source file of the service is over 600 lines;
//! - the pure domain crates depend on no HTTP, database or runtime crate, and the store on no HTTP
//!   crate.
//!
//! Paths are read as Rust writes them — `use crate::{http::Problem, …}` across lines included —
//! after dropping comments and `#[cfg(test)]` modules; each rule's check is shown to fail on a
//! file that breaks it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// The code of a file: line comments and everything from `#[cfg(test)]` on dropped.
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or("");
    text.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n")
}

/// The first segments of every path starting with `root::` (e.g. `crate`), braces expanded:
/// `crate::{http::Problem, services::{a, b}}` gives {http, services}.
fn reached(code: &str, root: &str) -> BTreeSet<String> {
    // Whitespace goes where it cannot separate words (around `::`, braces and commas), so that a
    // path spread over lines reads as one, and `use crate` keeps its boundary.
    let spaced = code.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut compact = String::with_capacity(spaced.len());
    let chars: Vec<char> = spaced.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let joins = |x: Option<&char>| x.is_some_and(|x| matches!(x, ':' | '{' | '}' | ','));
        if c == ' ' && (joins(chars.get(i.wrapping_sub(1))) || joins(chars.get(i + 1))) {
            continue;
        }
        compact.push(c);
    }
    let needle = format!("{root}::");
    let mut out = BTreeSet::new();
    let bytes = compact.as_bytes();
    let mut at = 0;
    while let Some(i) = compact[at..].find(&needle) {
        let start = at + i;
        at = start + needle.len();
        // Only a path's start: not `xcrate::` or `foo::crate::`.
        if start > 0
            && (bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_' || bytes[start - 1] == b':')
        {
            continue;
        }
        if bytes.get(at) == Some(&b'{') {
            let mut depth = 0;
            let mut item = String::new();
            let mut first = true;
            for c in compact[at..].chars() {
                match c {
                    '{' => {
                        depth += 1;
                        if depth == 1 {
                            first = true;
                            item.clear();
                            continue;
                        }
                    }
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    ',' if depth == 1 => {
                        first = true;
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                if depth == 1 && first {
                    if c.is_alphanumeric() || c == '_' {
                        item.push(c);
                    } else if !item.is_empty() {
                        out.insert(item.clone());
                        first = false;
                    }
                }
            }
        } else {
            let name: String = compact[at..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            out.insert(name);
        }
    }
    out
}

/// External crates a file names: `axum::…` at a path's start.
fn crates_named(code: &str, names: &[&str]) -> Vec<String> {
    names.iter().filter(|n| !reached(code, n).is_empty()).map(|n| n.to_string()).collect()
}

/// What `file` breaks of a room's rule: the `crate::` modules it must not reach, the crates it
/// must not name, and (for route modules) any `super::` path.
fn breaches(text: &str, modules: &[&str], crates: &[&str], no_super: bool) -> Vec<String> {
    let code = code(text);
    let mut out: Vec<String> = reached(&code, "crate")
        .into_iter()
        .filter(|m| modules.contains(&m.as_str()))
        .map(|m| format!("crate::{m}"))
        .collect();
    out.extend(crates_named(&code, crates));
    if no_super && !reached(&code, "super").is_empty() {
        out.push("super::".into());
    }
    out
}

fn check_room(files: &[PathBuf], modules: &[&str], crates: &[&str], no_super: bool) -> Vec<String> {
    files
        .iter()
        .filter_map(|f| {
            let b = breaches(&std::fs::read_to_string(f).unwrap(), modules, crates, no_super);
            (!b.is_empty()).then(|| format!("{}: reaches {}", f.strip_prefix(src()).unwrap().display(), b.join(", ")))
        })
        .collect()
}

const HTTP_CRATES: &[&str] = &["axum", "tower", "tower_http"];

#[test]
fn services_and_the_state_know_nothing_of_http() {
    let mut files = rust_files(&src().join("services"));
    files.push(src().join("state.rs"));
    assert!(files.len() > 10, "the services are where they should be");
    let bad = check_room(&files, &["http", "routes"], HTTP_CRATES, false);
    assert!(bad.is_empty(), "a service (or the state) reaches into HTTP:\n{}", bad.join("\n"));
}

#[test]
fn the_http_kernel_and_the_openapi_frame_import_no_route_module() {
    let mut files = rust_files(&src().join("http"));
    files.push(src().join("openapi.rs"));
    let bad = check_room(&files, &["routes"], &[], false);
    assert!(bad.is_empty(), "the kernel imports a route:\n{}", bad.join("\n"));
}

#[test]
fn a_route_module_never_imports_another() {
    let files: Vec<PathBuf> =
        rust_files(&src().join("routes")).into_iter().filter(|f| f.file_name().unwrap() != "mod.rs").collect();
    assert!(files.len() >= 15, "one module per resource: {}", files.len());
    let bad = check_room(&files, &["routes"], &[], true);
    assert!(
        bad.is_empty(),
        "a route module imports another (move what they share into a service or the kernel):\n{}",
        bad.join("\n")
    );
}

#[test]
fn no_source_file_of_the_service_is_over_600_lines() {
    let long: Vec<String> = rust_files(&src())
        .iter()
        .filter_map(|f| {
            let n = std::fs::read_to_string(f).unwrap().lines().count();
            (n > 600).then(|| format!("{}: {n} lines", f.display()))
        })
        .collect();
    assert!(long.is_empty(), "files over 600 lines (split them by what they own):\n{}", long.join("\n"));
}

/// Every crate a Cargo.toml depends on outside dev-dependencies: `[dependencies]`, in whatever
/// TOML form, and `[target.*.dependencies]`.
fn dependencies(manifest: &str) -> BTreeSet<String> {
    let doc: toml::Table = manifest.parse().unwrap();
    let mut out = BTreeSet::new();
    let mut take = |t: Option<&toml::Value>| {
        if let Some(t) = t.and_then(|v| v.as_table()) {
            out.extend(t.keys().cloned());
        }
    };
    take(doc.get("dependencies"));
    if let Some(targets) = doc.get("target").and_then(|v| v.as_table()) {
        for t in targets.values() {
            take(t.get("dependencies"));
        }
    }
    out
}

const NOT_PURE: &[&str] = &["axum", "tower", "tower-http", "sqlx", "tokio", "reqwest", "object_store", "hyper"];

#[test]
fn the_domain_crates_know_nothing_of_http_databases_or_runtimes() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let deps = |name: &str| dependencies(&std::fs::read_to_string(crates.join(name).join("Cargo.toml")).unwrap());
    for pure in ["catalog", "engine", "engrave", "model", "twin", "commerce", "production"] {
        let bad: Vec<String> = deps(pure).into_iter().filter(|d| NOT_PURE.contains(&d.as_str())).collect();
        assert!(bad.is_empty(), "crates/{pure} is pure but depends on {bad:?}");
    }
    let store: Vec<String> =
        deps("store").into_iter().filter(|d| ["axum", "tower", "tower-http", "hyper"].contains(&d.as_str())).collect();
    assert!(store.is_empty(), "the store knows HTTP: {store:?}");
}

#[test]
fn each_check_fails_on_a_file_that_breaks_its_rule() {
    // A service that imports the kernel through a group spread over lines.
    let service = "use crate::{\n    services::rfc3339,\n    http::Problem,\n};\nfn f() {}";
    assert_eq!(breaches(service, &["http", "routes"], HTTP_CRATES, false), ["crate::http"]);
    // One that names axum in a path, not a use.
    let service = "fn f() -> axum::response::Response { respond() }";
    assert_eq!(breaches(service, &["http", "routes"], HTTP_CRATES, false), ["axum"]);
    // A route that reaches a sibling through super, and one through a nested group.
    assert_eq!(breaches("use super::orders::OrderView;", &["routes"], &[], true), ["super::"]);
    let route = "use crate::{http::S, routes::{orders, pieces}};";
    assert_eq!(breaches(route, &["routes"], &[], true), ["crate::routes"]);
    // What is allowed passes: tests, comments, and names that only contain the words.
    let fine = "// use crate::routes::x;\nuse crate::services::orders;\nlet my_axum = 1;\n#[cfg(test)]\nmod tests { use super::*; }";
    assert!(
        breaches(fine, &["routes", "http"], HTTP_CRATES, true).is_empty(),
        "{:?}",
        breaches(fine, &["routes", "http"], HTTP_CRATES, true)
    );
    // Dependencies in every form TOML allows.
    let manifest = "[dependencies]\nserde = \"1\"\n[dependencies.sqlx]\nversion = \"0.8\"\n[target.'cfg(unix)'.dependencies]\ntokio = \"1\"\n[dev-dependencies]\naxum = \"0.8\"";
    assert_eq!(dependencies(manifest), ["serde", "sqlx", "tokio"].map(String::from).into_iter().collect());
}
