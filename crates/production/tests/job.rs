//! Job bags built from the example designs of both brands, read back with other people's tools:
//! zipfile, hashlib and `sha256sum -c` for the manifest, pdfplumber for the sheet's text and
//! order, `pdftoppm` + `zbarimg` for its QR code, trimesh and the 3MF's XML for the 3D files,
//! ezdxf and gcodeparser (the engrave crate's checkers) for the engraving files.

use orfevre_catalog::SourceSet;
use orfevre_engine::{Design, Engine};
use orfevre_production::{build, Assets, JobError, JobRequest, Paper};
use orfevre_testkit::skip;
use proptest::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

struct Files(PathBuf);

impl Assets for Files {
    fn font_file(&self, path: &str) -> Result<Vec<u8>, String> {
        std::fs::read(path).map_err(|e| format!("{path}: {e}"))
    }
    fn art(&self, path: &str) -> Option<Vec<u8>> {
        std::fs::read(self.0.join(path)).ok()
    }
}

fn catalog_dir(brand: &str) -> PathBuf {
    orfevre_testkit::workspace().join("catalogs").join(brand)
}

fn engine(brand: &str) -> Engine {
    let loaded = orfevre_catalog::load_dir(&catalog_dir(brand)).unwrap();
    Engine::new(loaded.catalog.expect("the brand's catalog loads"))
}

fn design(brand: &str, example: &str) -> Design {
    let p = catalog_dir(brand).join("examples").join(format!("{example}.json"));
    Design::from_json(&std::fs::read(p).unwrap()).unwrap()
}

fn valid_examples(brand: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(catalog_dir(brand).join("examples"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with("valid-") && n.ends_with(".json"))
        .map(|n| n.trim_end_matches(".json").to_string())
        .collect();
    v.sort();
    v
}

fn request<'a>(e: &'a Engine, d: &'a Design, assets: &'a Files, order: Option<&'a str>) -> JobRequest<'a> {
    JobRequest {
        engine: e,
        design: d,
        order,
        serial: None,
        board_url: "https://atelier.example/workshop/jobs/ORD-7-1",
        paper: Paper::A4,
        certificate: None,
        assets,
    }
}

fn python(script: &Path, args: &[&str]) -> Option<Value> {
    let out = match orfevre_testkit::python().arg(script).args(args).output() {
        Ok(o) => o,
        Err(_) => {
            skip("python3 is missing");
            return None;
        }
    };
    let err = String::from_utf8_lossy(&out.stderr);
    if err.contains("ModuleNotFoundError") {
        skip(&format!("{} needs a Python module: {}", script.display(), err.lines().last().unwrap_or("")));
        return None;
    }
    assert!(out.status.success(), "{} failed: {err}", script.display());
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

fn tool(name: &str) -> bool {
    let ok = Command::new(name).arg("-v").output().is_ok() || Command::new(name).arg("--version").output().is_ok();
    if !ok {
        skip(&format!("{name} is not installed (Debian: poppler-utils, zbar-tools)"));
    }
    ok
}

#[test]
fn every_valid_example_of_both_brands_makes_a_job_whose_files_read_back_as_the_design() {
    let checker = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/check/job_check.py");
    let engrave_checks = orfevre_testkit::workspace().join("crates/engrave/tests/check");
    let mut made = 0;
    for brand in ["demo", "atelier-sable"] {
        let e = engine(brand);
        let assets = Files(catalog_dir(brand));
        for ex in valid_examples(brand) {
            let d = design(brand, &ex);
            let job =
                build(&request(&e, &d, &assets, Some("ORD-7"))).unwrap_or_else(|err| panic!("{brand}/{ex}: {err}"));
            made += 1;
            assert_eq!(job.id, "ORD-7-1");
            assert_eq!(job.manifest.design_hash, d.hash(), "{ex}");
            assert!(job.manifest.checks.iter().all(|c| c.passed), "{ex}: {:?}", job.manifest.checks);
            let dir = tempfile::tempdir().unwrap();
            let zip = dir.path().join("job.zip");
            std::fs::write(&zip, &job.zip).unwrap();
            let out = dir.path().join("x");
            let Some(r) = python(&checker, &[zip.to_str().unwrap(), out.to_str().unwrap()]) else { return };
            assert_eq!(r["hash_mismatch"], serde_json::json!([]), "{ex}");
            assert_eq!(r["unlisted"], serde_json::json!([]), "{ex}");
            assert_eq!(r["missing"], serde_json::json!([]), "{ex}");
            // The sheet lists the positions in the design's order, SKU for SKU.
            let want: Vec<&str> = job.spec.positions.iter().map(|p| p.sku.as_str()).collect();
            let got: Vec<&str> = r["assembly_skus"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
            assert_eq!(got, want, "{brand}/{ex}: the sheet's order");
            // Every text as typed, accents included, and every pick line.
            let text = r["text"].as_str().unwrap();
            for t in &job.spec.texts {
                assert!(text.contains(&t.text), "{ex}: {:?} not on the sheet", t.text);
            }
            for p in &job.spec.pick {
                assert!(text.contains(&p.sku), "{ex}: {} not on the pick list", p.sku);
            }
            let csv = std::fs::read_to_string(out.join("pick-list.csv")).unwrap();
            let mut rows = csv.lines();
            assert_eq!(rows.next(), Some("bin,sku,name,qty"), "{ex}: the pick list's header");
            let picked: u32 = rows.map(|l| l.rsplit(',').next().unwrap().parse::<u32>().unwrap()).sum();
            let bom: u32 = e.evaluate(&d).bom.iter().map(|l| l.qty).sum();
            assert_eq!(picked, bom, "{ex}: the pick list sums to the bill of materials");
            // 3D files: watertight, the build item named after the job, the weight as quoted.
            if let Some(stl) = r.get("stl") {
                assert_eq!(stl["watertight"], true, "{ex}");
                assert_eq!(r["threemf_partnumbers"], serde_json::json!(["ORD-7-1"]), "{ex}");
            }
            // Engraving files, by the engrave crate's independent checkers.
            for g in job.files.iter().filter(|f| f.0.ends_with(".dxf") || f.0.ends_with(".gcode")) {
                let zone = base_zone(&e, &d, &g.0);
                let script = if g.0.ends_with(".dxf") { "dxf_check.py" } else { "gcode_check.py" };
                let path = out.join(&g.0);
                let Some(c) = python(&engrave_checks.join(script), &[path.to_str().unwrap(), &zone.0, &zone.1]) else {
                    return;
                };
                assert_eq!(c["outside"], 0, "{ex}: {} has moves outside its zone: {c}", g.0);
            }
            // The manifest as `sha256sum -c` reads it.
            sha256sum_agrees(&out, &job.manifest.files);
        }
    }
    assert!(made >= 30, "{made} jobs");
}

/// The engraving zone of the field a file belongs to, as "w", "h" in mm.
fn base_zone(e: &Engine, d: &Design, file: &str) -> (String, String) {
    let field = file.trim_start_matches("engraving/").split('.').next().unwrap();
    let base = &e.catalog.bases[e.catalog.base(&d.base).unwrap() as usize];
    let f = base.fields.iter().find(|f| f.id == field).unwrap();
    match &f.spec {
        orfevre_catalog::FieldSpec::Engraving { width, height, .. } => {
            (width.as_f64().to_string(), height.as_f64().to_string())
        }
        _ => panic!("{field} is not an engraving"),
    }
}

fn sha256sum_agrees(dir: &Path, files: &std::collections::BTreeMap<String, String>) {
    let list: String = files.iter().map(|(n, h)| format!("{h}  {n}\n")).collect();
    std::fs::write(dir.join("SHA256SUMS"), list).unwrap();
    let out = Command::new("sha256sum").arg("-c").arg("SHA256SUMS").current_dir(dir).output();
    match out {
        Ok(o) => assert!(o.status.success(), "sha256sum -c: {}", String::from_utf8_lossy(&o.stdout)),
        Err(_) => skip("sha256sum is not installed"),
    }
}

#[test]
fn the_sheets_qr_code_opens_the_job_on_the_board_in_both_paper_sizes() {
    if !tool("pdftoppm") || !tool("zbarimg") {
        return;
    }
    let e = engine("demo");
    let d = design("demo", "valid-name-bracelet");
    let assets = Files(catalog_dir("demo"));
    for paper in [Paper::A4, Paper::Letter] {
        let job = build(&JobRequest { paper, ..request(&e, &d, &assets, Some("ORD-7")) }).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let pdf = dir.path().join("assembly.pdf");
        std::fs::write(&pdf, &job.files.iter().find(|f| f.0 == "assembly.pdf").unwrap().1).unwrap();
        let st = Command::new("pdftoppm")
            .args(["-r", "150", "-png", "-f", "1", "-l", "1"])
            .arg(&pdf)
            .arg(dir.path().join("p"))
            .status()
            .unwrap();
        assert!(st.success());
        let png = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .find(|e| e.file_name().to_string_lossy().ends_with(".png"))
            .unwrap()
            .path();
        // The page's size in pixels is the paper's: A4 is narrower and taller than Letter.
        let out = Command::new("zbarimg").args(["-q", "--raw"]).arg(&png).output().unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            "https://atelier.example/workshop/jobs/ORD-7-1",
            "{paper:?}"
        );
        let (w, h) = png_size(&std::fs::read(&png).unwrap());
        let want = paper.size();
        assert!(
            ((w as f32) / 150.0 * 72.0 - want.0).abs() < 2.0 && ((h as f32) / 150.0 * 72.0 - want.1).abs() < 2.0,
            "{paper:?}: {w}×{h} px"
        );
    }
}

fn png_size(b: &[u8]) -> (u32, u32) {
    (u32::from_be_bytes(b[16..20].try_into().unwrap()), u32::from_be_bytes(b[20..24].try_into().unwrap()))
}

#[test]
fn the_same_design_makes_the_same_bytes_and_another_order_another_bag() {
    let e = engine("demo");
    let d = design("demo", "valid-signet-ring");
    let assets = Files(catalog_dir("demo"));
    let a = build(&request(&e, &d, &assets, Some("ORD-7"))).unwrap();
    let b = build(&request(&e, &d, &assets, Some("ORD-7"))).unwrap();
    let c = build(&request(&e, &d, &assets, Some("ORD-8"))).unwrap();
    let differs: Vec<&str> =
        a.files.iter().zip(&b.files).filter(|(x, y)| x.1 != y.1).map(|(x, _)| x.0.as_str()).collect();
    assert!(differs.is_empty(), "built twice, these files differ: {differs:?}");
    assert!(a.zip == b.zip, "built twice, the zips differ");
    assert!(a.zip != c.zip, "another order, the same zip");
    assert_eq!(c.id, "ORD-8-1");
}

#[test]
fn a_design_the_engine_refuses_is_refused_with_its_reasons_and_nothing_is_made() {
    let e = engine("demo");
    let d = design("demo", "invalid-capacity");
    let assets = Files(catalog_dir("demo"));
    match build(&request(&e, &d, &assets, None)) {
        Err(JobError::Invalid(reasons)) => assert!(!reasons.is_empty() && reasons.iter().all(|r| !r.is_empty())),
        other => panic!("expected a refusal, got {:?}", other.map(|j| j.id)),
    }
}

#[test]
fn a_design_of_another_catalog_version_is_refused_naming_both_versions() {
    let e = engine("demo");
    let mut d = design("demo", "valid-engraved-pendant");
    d.catalog.version = "2025.1.0".into();
    let assets = Files(catalog_dir("demo"));
    let err = build(&request(&e, &d, &assets, None)).err().unwrap();
    assert_eq!(err, JobError::CatalogVersion { wanted: "2025.1.0".into(), got: e.catalog.brand.version.clone() });
}

/// The demo catalog with one change to its files.
fn demo_with(edit: impl Fn(&str, String) -> String) -> Engine {
    let mut set = SourceSet::from_dir(&catalog_dir("demo")).unwrap();
    for (path, bytes) in set.files.iter_mut() {
        if path.ends_with(".toml") {
            *bytes = edit(path, String::from_utf8(bytes.clone()).unwrap()).into_bytes();
        }
    }
    let loaded = orfevre_catalog::load(&set);
    Engine::new(loaded.catalog.expect("the edited catalog loads"))
}

#[test]
fn an_engraving_field_with_no_machine_refuses_the_job_naming_the_field() {
    let e = demo_with(
        |path, s| if path.ends_with("engraved.toml") { s.replace("machine = \"fibre-flat\"\n", "") } else { s },
    );
    let d = design("demo", "valid-engraved-pendant");
    let assets = Files(catalog_dir("demo"));
    let err = build(&request(&e, &d, &assets, None)).err().unwrap();
    assert_eq!(err, JobError::NoMachine { field: "Engraving".into() });
    assert!(err.to_string().contains("machine = "), "{err}");
}

/// A machine where one font file is not installed.
struct Without(Files, &'static str);

impl Assets for Without {
    fn font_file(&self, path: &str) -> Result<Vec<u8>, String> {
        if path.ends_with(self.1) {
            return Err(format!("{path}: No such file or directory"));
        }
        self.0.font_file(path)
    }
    fn art(&self, path: &str) -> Option<Vec<u8>> {
        self.0.art(path)
    }
}

#[test]
fn a_missing_font_file_refuses_the_job_naming_the_font_and_its_package() {
    let e = engine("demo");
    let d = design("demo", "valid-engraved-pendant");
    let assets = Without(Files(catalog_dir("demo")), "scripts.jhf");
    let err =
        build(&JobRequest { assets: &assets, ..request(&e, &d, &Files(catalog_dir("demo")), None) }).err().unwrap();
    let msg = err.to_string();
    assert!(matches!(err, JobError::Font { .. }), "{msg}");
    assert!(msg.contains("Hershey Script") && msg.contains("hershey-fonts-data"), "{msg}");
}

#[test]
fn the_weight_window_is_the_catalogs_tolerance_around_the_evaluation() {
    let e = engine("atelier-sable");
    let d = design("atelier-sable", "valid-clip-night");
    let assets = Files(catalog_dir("atelier-sable"));
    let job = build(&request(&e, &d, &assets, None)).unwrap();
    let w = job.spec.weight.mg();
    assert_eq!(e.catalog.production.weight_tolerance_percent.to_string(), "3");
    assert_eq!(job.spec.weight_min.mg(), w - (w * 3 + 50) / 100);
    assert_eq!(job.spec.weight_max.mg(), w + (w * 3 + 50) / 100);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Any name the pendant takes is engraved by G-code that burns what the preview shows, and
    /// is printed on the sheet exactly as typed.
    #[test]
    fn any_engravable_name_makes_g_code_that_burns_its_preview(name in "[A-Za-zÀ-ÖØ-öø-ÿ][a-zà-ÿ '&-]{0,10}") {
        let e = engine("demo");
        let mut d = design("demo", "valid-engraved-pendant");
        d.fields.get_mut("engraving").unwrap().text = Some(name.clone());
        let d = Design::from_json(&serde_json::to_vec(&d).unwrap()).unwrap();
        prop_assume!(e.evaluate(&d).valid);
        let assets = Files(catalog_dir("demo"));
        match build(&request(&e, &d, &assets, None)) {
            Ok(job) => {
                let g = job.manifest.checks.iter().find(|c| c.check == "g-code");
                prop_assert!(name.trim().is_empty() || g.is_some_and(|c| c.passed));
                prop_assert!(job.spec.texts.iter().any(|t| t.text == d.fields["engraving"].text.clone().unwrap()));
            }
            // A name too wide for the zone at the smallest stroke is the engraver's refusal,
            // never a fidelity failure.
            Err(JobError::Engraving { .. }) => {}
            Err(other) => prop_assert!(false, "{name:?}: {other}"),
        }
    }
}
