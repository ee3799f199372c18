//! What the engine's test files share: the repository's catalogs, loaded and checked.

#![allow(dead_code)]

use orfevre_engine::Engine;
use std::path::PathBuf;

pub fn demo_dir() -> PathBuf {
    catalog_dir("demo")
}

/// `catalogs/<name>` of the repository.
pub fn catalog_dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../catalogs").join(name)
}

pub fn demo_engine() -> Engine {
    catalog_engine("demo")
}

/// The engine of `catalogs/<name>`, which must check without an error.
pub fn catalog_engine(name: &str) -> Engine {
    let loaded = orfevre_catalog::load_dir(&catalog_dir(name)).unwrap();
    assert_eq!(loaded.errors(), 0, "{:#?}", loaded.diagnostics);
    Engine::new(loaded.catalog.unwrap())
}
