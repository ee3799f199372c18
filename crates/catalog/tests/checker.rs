//! `catalog check` on one small broken catalog per kind of mistake, against golden diagnostics.
//! Each directory under tests/broken/ is a catalog named after the diagnostic code it must raise;
//! `clean` must raise nothing at all.

use std::path::PathBuf;

/// The code each broken catalog must raise, where it differs from the directory's name.
fn expected_code(name: &str) -> &str {
    match name {
        "toml-syntax" => "toml",
        "bad-expression" => "invalid-expression",
        "bad-gtin" => "invalid-gtin",
        "missing-art" => "invalid-art",
        "bad-units" => "invalid-value",
        "signet-top" => "unknown-value",
        other => other,
    }
}

#[test]
fn broken_catalogs_report_golden_diagnostics() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/broken");
    let mut dirs: Vec<_> = std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()).collect();
    dirs.sort();
    assert!(dirs.len() >= 14);
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let loaded = orfevre_catalog::load_dir(&dir).unwrap();
        let text: Vec<String> = loaded.diagnostics.iter().map(|d| d.to_string()).collect();
        if name == "clean" {
            assert!(text.is_empty(), "{text:#?}");
            assert!(loaded.catalog.is_some());
            continue;
        }
        assert!(loaded.errors() > 0, "{name} should have errors");
        assert!(loaded.catalog.is_none(), "{name}: a catalog with errors must not load");
        for d in &loaded.diagnostics {
            assert!(d.loc.line >= 1 && d.loc.col >= 1, "{d}");
        }
        let code = expected_code(&name);
        assert!(loaded.diagnostics.iter().any(|d| d.code == code), "{name} should raise {code}: {text:#?}");
        insta::assert_snapshot!(name, text.join("\n"));
    }
}

#[test]
fn the_demo_catalog_is_clean() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../catalogs/demo");
    let loaded = orfevre_catalog::load_dir(&dir).unwrap();
    assert_eq!(loaded.errors(), 0, "{:#?}", loaded.diagnostics);
    let cat = loaded.catalog.unwrap();
    assert!(cat.components.len() >= 150, "the demo brand needs 150+ components");
    let pieces: std::collections::BTreeSet<_> = cat.bases.iter().map(|b| b.piece).collect();
    for p in ["bracelet", "necklace", "ring", "pendant", "cuff", "locket"] {
        assert!(pieces.contains(&orfevre_catalog::Piece::parse(p).unwrap()), "no {p} in the demo");
    }
}

#[test]
fn huge_files_are_refused_not_read() {
    let dir = std::env::temp_dir().join(format!("orfevre-huge-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("brand.toml"), "[brand]\nid = \"t\"\nname = \"T\"\nversion = \"1\"\ncurrency = \"EUR\"\n")
        .unwrap();
    std::fs::write(dir.join("big.toml"), vec![b'#'; orfevre_catalog::load::MAX_FILE_BYTES + 1]).unwrap();
    let loaded = orfevre_catalog::load_dir(&dir).unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert!(loaded.diagnostics.iter().any(|d| d.code == "file-too-large" && d.loc.file.as_ref() == "big.toml"));
}

#[test]
fn threaded_beads_must_clear_the_core() {
    let mut s = orfevre_catalog::SourceSet::new();
    s.insert("brand.toml", "[brand]\nid = \"t\"\nname = \"T\"\nversion = \"1\"\ncurrency = \"EUR\"\n");
    s.insert("materials.toml", "[[cord]]\nid = \"chain\"\nname = \"Chain\"\ndiameter_mm = 3\n");
    let strand = |id: &str, core: &str| {
        format!("[[base]]\nid = \"{id}\"\nname = \"{id}\"\npiece = \"bracelet\"\nprice = \"1\"\nsizes = [{{ id = \"17\", length_mm = 170 }}]\n\n[[base.mount]]\nid = \"strand\"\nkind = \"strand\"\nfamilies = [\"m\"]\n{core}\n")
    };
    s.insert("bases.toml", strand("chain", "core = \"chain\"") + &strand("cord", ""));
    let bead = |sku: &str, hole: &str| {
        format!("[[component]]\nsku = \"{sku}\"\nname = \"{sku}\"\nkind = \"bead\"\nfamily = \"m\"\nconnector = \"threaded\"\nwidth_mm = 5\nhole_mm = {hole}\nweight_g = 1\nprice = \"1\"\n")
    };
    s.insert("components.toml", bead("WIDE", "3.5") + &bead("NARROW", "2.5"));
    let loaded = orfevre_catalog::load(&s);
    assert_eq!(loaded.errors(), 0, "{:#?}", loaded.diagnostics);
    let cat = loaded.catalog.unwrap();
    let chain = &cat.bases[cat.base("chain").unwrap() as usize].mounts[0];
    let wide = cat.comp(cat.component("WIDE").unwrap());
    let narrow = cat.comp(cat.component("NARROW").unwrap());
    assert!(cat.mount_takes(chain, wide).is_ok());
    let err = cat.mount_takes(chain, narrow).unwrap_err();
    assert_eq!(cat.unfit_text(chain, narrow, err), "NARROW's hole (2.5 mm) is narrower than the 3 mm core");
    let cord = &cat.bases[cat.base("cord").unwrap() as usize].mounts[0];
    assert!(cat.mount_takes(cord, narrow).is_ok());
}
