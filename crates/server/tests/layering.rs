//! The boundaries ARCHITECTURE.md draws, held by reading the source (in the manner of
//! rust-analyzer's tidy tests): a test names the rule, and a failure names the file and line that
//! breaks it.
//!
//! - services do not know HTTP: no axum, no `crate::http`, no `crate::routes`;
//! - the state is plain data: the same;
//! - the HTTP kernel imports no route module;
//! - a route module imports no other route module (what two share lives below them);
//! - no source file of the service is over 600 lines;
//! - the pure domain crates and the store know nothing of HTTP, and the pure crates nothing of a
//!   database or a runtime.

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

/// Lines of `file` (outside comments) that mention any of `forbidden`, as `file:line: text`.
fn mentions(file: &Path, forbidden: &[&str]) -> Vec<String> {
    let text = std::fs::read_to_string(file).unwrap();
    let rel = file.strip_prefix(src()).unwrap_or(file).display().to_string();
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim_start().starts_with("//"))
        .filter(|(_, l)| forbidden.iter().any(|f| l.contains(f)))
        .map(|(i, l)| format!("src/{rel}:{}: {}", i + 1, l.trim()))
        .collect()
}

fn assert_none(what: &str, found: Vec<String>) {
    assert!(found.is_empty(), "{what}:\n{}", found.join("\n"));
}

#[test]
fn services_and_the_state_know_nothing_of_http() {
    let mut files = rust_files(&src().join("services"));
    files.push(src().join("state.rs"));
    assert!(files.len() > 10, "the services are where they should be");
    let found = files.iter().flat_map(|f| mentions(f, &["axum", "crate::http", "crate::routes"])).collect();
    assert_none("a service (or the state) reaches into HTTP", found);
}

#[test]
fn the_http_kernel_imports_no_route_module() {
    let found =
        rust_files(&src().join("http")).iter().flat_map(|f| mentions(f, &["crate::routes", "routes::"])).collect();
    assert_none("the kernel imports a route", found);
}

#[test]
fn a_route_module_never_imports_another() {
    let files: Vec<PathBuf> =
        rust_files(&src().join("routes")).into_iter().filter(|f| f.file_name().unwrap() != "mod.rs").collect();
    assert!(files.len() >= 15, "one module per resource: {}", files.len());
    let found = files.iter().flat_map(|f| mentions(f, &["crate::routes", "super::"])).collect();
    assert_none("a route module imports another (move what they share into a service or the kernel)", found);
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
    assert_none("files over 600 lines (split them by what they own)", long);
}

#[test]
fn the_domain_crates_know_nothing_of_http_databases_or_runtimes() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let deps = |name: &str| -> Vec<String> {
        let toml = std::fs::read_to_string(crates.join(name).join("Cargo.toml")).unwrap();
        let section = toml.split("[dependencies]").nth(1).unwrap_or("").split("\n[").next().unwrap_or("").to_string();
        section.lines().filter_map(|l| l.split(['.', ' ', '=']).next()).map(str::to_string).collect()
    };
    for pure in ["catalog", "engine", "engrave", "model", "twin", "commerce"] {
        let bad: Vec<String> = deps(pure)
            .into_iter()
            .filter(|d| {
                ["axum", "tower", "tower-http", "sqlx", "tokio", "reqwest", "object_store"].contains(&d.as_str())
            })
            .collect();
        assert!(bad.is_empty(), "crates/{pure} is pure but depends on {bad:?}");
    }
    let store: Vec<String> =
        deps("store").into_iter().filter(|d| d.starts_with("axum") || d.starts_with("tower")).collect();
    assert!(store.is_empty(), "the store knows HTTP: {store:?}");
}

#[test]
fn the_checks_above_find_what_they_look_for() {
    // A rule that can never fail proves nothing: each needle is found where it must be.
    assert!(!mentions(&src().join("lib.rs"), &["axum"]).is_empty());
    assert!(!mentions(&src().join("routes").join("mod.rs"), &["crate::routes", "catalog::routes"]).is_empty());
}
