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

/// docs/catalog.md is the merchandiser's reference: every diagnostic code, every variable and
/// function a rule may use and every named character set must be in it.
#[test]
fn the_docs_name_every_code_variable_function_and_charset() {
    let docs =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/catalog.md")).unwrap();
    let mut missing = Vec::new();
    for (code, _) in orfevre_catalog::diag::CODES {
        if !docs.contains(&format!("`{code}`")) {
            missing.push(format!("code {code}"));
        }
    }
    for v in orfevre_catalog::rules::variable_names() {
        if !docs.contains(&format!("| `{v}` |")) {
            missing.push(format!("variable {v}"));
        }
    }
    for (f, receiver, _) in orfevre_catalog::rules::FUNCTIONS {
        let call = if *receiver { format!(".{f}(") } else { format!("{f}(") };
        if !docs.contains(&call) {
            missing.push(format!("function {call}"));
        }
    }
    for c in orfevre_catalog::Charset::NAMES {
        if !docs.contains(&format!("| `{c}`")) {
            missing.push(format!("charset {c}"));
        }
    }
    assert!(missing.is_empty(), "docs/catalog.md does not name: {missing:?}");
}

fn catalog(files: &[(&str, &str)]) -> orfevre_catalog::Loaded {
    let mut s = orfevre_catalog::SourceSet::new();
    s.insert("brand.toml", "[brand]\nid = \"t\"\nname = \"T\"\nversion = \"1\"\ncurrency = \"EUR\"\n");
    for (p, t) in files {
        s.insert(*p, *t);
    }
    orfevre_catalog::load(&s)
}

fn errors(l: &orfevre_catalog::Loaded) -> Vec<String> {
    l.diagnostics.iter().filter(|d| d.severity == orfevre_catalog::Severity::Error).map(|d| d.to_string()).collect()
}

const STRAND: &str = "[[component]]\nsku = \"A\"\nname = \"A\"\nkind = \"charm\"\nfamily = \"m\"\nconnector = \"threaded\"\nwidth_mm = 5\nweight_g = 1\nprice = \"1\"\n";

#[test]
fn a_base_without_sizes_is_one_error() {
    let l = catalog(&[
        ("c.toml", STRAND),
        ("b.toml", "[[base]]\nid = \"b\"\nname = \"B\"\npiece = \"bracelet\"\nprice = \"1\"\n\n[[base.mount]]\nid = \"strand\"\nkind = \"strand\"\nfamilies = [\"m\"]\n\n[[base.mount]]\nid = \"row\"\nkind = \"container\"\nfamilies = [\"m\"]\nmax_count = 3\n"),
    ]);
    let e = errors(&l);
    assert_eq!(e.len(), 1, "{e:#?}");
    assert!(e[0].starts_with("b.toml:1:1: error[missing-field]: base b needs `sizes`"), "{e:#?}");
}

#[test]
fn a_field_may_share_its_id_with_a_mount_and_packaging_needs_no_width_or_price() {
    let l = catalog(&[
        ("c.toml", &format!("{STRAND}\n[[component]]\nsku = \"BOX\"\nname = \"Box\"\nkind = \"packaging\"\nfamily = \"pack\"\nconnector = \"none\"\n")),
        ("b.toml", "[[base]]\nid = \"b\"\nname = \"B\"\npiece = \"bracelet\"\nprice = \"1\"\nsizes = [{ id = \"17\", length_mm = 170 }]\n\n[[base.mount]]\nid = \"charms\"\nkind = \"strand\"\nfamilies = [\"m\"]\n\n[[base.field]]\nid = \"charms\"\nkind = \"choice\"\noptions = [{ id = \"box\", label = \"Box\", price = \"5\", sku = \"BOX\" }]\n"),
    ]);
    assert_eq!(errors(&l), Vec::<String>::new());
}

#[test]
fn a_rule_no_design_can_meet_or_that_fails_on_one_is_an_error() {
    let base = "[[base]]\nid = \"b\"\nname = \"B\"\npiece = \"bracelet\"\nprice = \"1\"\nsizes = [{ id = \"17\", length_mm = 170 }]\n\n[[base.mount]]\nid = \"strand\"\nkind = \"strand\"\nfamilies = [\"m\"]\n";
    let rule =
        |require: &str| format!("[[rule]]\nid = \"r\"\nkind = \"expr\"\nmessage = \"m\"\nrequire = '{require}'\n");
    let l = catalog(&[
        ("c.toml", STRAND),
        ("b.toml", base),
        ("r.toml", &rule(r#"kinds["charm"] >= 3 && kinds["charm"] <= 1"#)),
    ]);
    let e = errors(&l);
    assert_eq!(e.len(), 1, "{e:#?}");
    assert!(e[0].contains("error[unsatisfiable-rule]: rule r can never be met"), "{e:#?}");
    // A bracelet has no carat: "" is not a number.
    let l = catalog(&[("c.toml", STRAND), ("b.toml", base), ("r.toml", &rule(r#"double(params["carat"]) <= 1.0"#))]);
    let e = errors(&l);
    assert_eq!(e.len(), 1, "{e:#?}");
    assert!(e[0].contains("error[unknown-reference]") || e[0].contains("cannot be evaluated"), "{e:#?}");
    // Satisfiable ones are quiet, counts far from zero included.
    let l = catalog(&[
        ("c.toml", STRAND),
        ("b.toml", base),
        ("r.toml", &rule(r#"kinds["charm"] == 0 || kinds["charm"] == 37 || items > 5"#)),
    ]);
    assert_eq!(errors(&l), Vec::<String>::new());
}
