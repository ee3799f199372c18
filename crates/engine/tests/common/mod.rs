//! What the engine's test files share: the demo brand's catalog, loaded and checked.

#![allow(dead_code)]

use orfevre_engine::Engine;
use std::path::PathBuf;

pub fn demo_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../catalogs/demo")
}

pub fn demo_engine() -> Engine {
    let loaded = orfevre_catalog::load_dir(&demo_dir()).unwrap();
    assert_eq!(loaded.errors(), 0, "{:#?}", loaded.diagnostics);
    Engine::new(loaded.catalog.unwrap())
}
