//! The model's files checked by independent tools: every GLB of a matrix of profiles × cuts ×
//! settings × sizes by the Khronos glTF validator (npm `gltf-validator`, installed in `web/` by
//! `npm ci`); STL meshes by `trimesh` (PyPI) for watertightness and volume; the inner
//! circumference against the size tables. Without Node.js or trimesh the checks say loudly that
//! they skip; under ORFEVRE_TEST_STRICT=1 that is a failure.

use orfevre_model::export::{self, GemLook, MetalLook};
use orfevre_model::{
    pendant, ring, Band, Cut, PendantSpec, Piece, Profile, RingSize, RingSpec, Setting, StoneSize, StoneSpec,
};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

use orfevre_testkit::skip;

const SIZES: [&str; 4] = ["US4.5", "UKN½", "EU62", "JP20"];

fn spec(size: &str, profile: Profile, stone: Option<(Cut, Setting)>) -> RingSpec {
    RingSpec {
        band: Band {
            inner_circumference_mm: RingSize::parse(size).unwrap().circumference_mm(),
            width_mm: 2.5,
            thickness_mm: 1.8,
            profile,
        },
        stone: stone.map(|(cut, setting)| StoneSpec {
            cut,
            size: StoneSize::Carat(0.5),
            specific_gravity: 3.52,
            setting,
        }),
        pave: false,
        top: None,
        min_wall_mm: 0.6,
    }
}

/// Every combination once, each on one of the sizes in turn, and every band alone on every size.
fn matrix() -> Vec<(String, RingSpec)> {
    let mut out = Vec::new();
    let mut k = 0;
    for &p in Profile::ALL {
        for &c in Cut::ALL {
            for &s in Setting::ALL {
                let size = SIZES[k % SIZES.len()];
                k += 1;
                out.push((format!("{p}-{c}-{s}-{size}"), spec(size, p, Some((c, s)))));
            }
        }
        for size in SIZES {
            out.push((format!("{p}-band-{size}"), spec(size, p, None)));
        }
        let mut pave = spec(SIZES[k % SIZES.len()], p, Some((Cut::Round, Setting::FourProng)));
        pave.pave = true;
        out.push((format!("{p}-round-pave"), pave));
        let mut signet = spec(SIZES[(k + 1) % SIZES.len()], p, None);
        signet.band.width_mm = 5.0;
        let shape = [Cut::Round, Cut::Oval, Cut::Cushion][k % 3];
        signet.top = Some(orfevre_model::Top { shape, width_mm: 10.0, length_mm: 12.0, thickness_mm: 2.0 });
        out.push((format!("{p}-signet-{shape}-band"), signet));
    }
    out
}

/// Disc pendants, small to large.
fn pendants() -> Vec<(String, Piece)> {
    [(10.0, 0.8, 0.6), (15.0, 1.2, 0.8), (25.0, 1.5, 1.2)]
        .iter()
        .map(|&(d, t, w)| {
            let spec = PendantSpec { diameter_mm: d, thickness_mm: t, bail_wire_mm: w, min_wall_mm: 0.8 };
            (format!("pendant-{d}x{t}"), pendant(&spec).unwrap())
        })
        .collect()
}

fn tmp(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn lines(out: std::process::Output) -> Vec<Value> {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn every_glb_passes_the_khronos_validator() {
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web");
    let node = Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success());
    if !node || !web.join("node_modules/gltf-validator").is_dir() {
        skip("Node.js or web/node_modules/gltf-validator is missing (run `npm ci` in web/)");
        return;
    }
    let dir = tmp("glb-matrix");
    let mut files = Vec::new();
    let diamond = GemLook::for_species("diamond", 2.417);
    let sapphire = GemLook::for_species("sapphire", 1.77);
    for (i, (name, s)) in matrix().iter().enumerate() {
        let r = ring(s).unwrap();
        let metal = MetalLook::for_metal(["18k-yellow", "18k-white", "18k-rose", "platinum-950", "silver-925"][i % 5]);
        let gem = if i % 2 == 0 { &diamond } else { &sapphire };
        let f = dir.join(format!("{name}.glb"));
        std::fs::write(&f, export::glb(&r, &metal, gem)).unwrap();
        files.push(f);
    }
    for (name, p) in pendants() {
        let f = dir.join(format!("{name}.glb"));
        std::fs::write(&f, export::glb(&p, &MetalLook::for_metal("silver-925"), &diamond)).unwrap();
        files.push(f);
    }
    let out = Command::new("node")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/check/gltf_check.cjs"))
        .arg(&web)
        .args(&files)
        .output()
        .unwrap();
    let reports = lines(out);
    assert_eq!(reports.len(), files.len());
    for r in &reports {
        assert_eq!(r["errors"], 0, "{r}");
        assert_eq!(r["warnings"], 0, "{r}");
    }
    // A ring with a stone declares the gem extensions; the validator saw them.
    let with_stone = reports.iter().find(|r| r["file"].as_str().unwrap().contains("round-4-prong")).unwrap();
    let ext: Vec<&str> = with_stone["extensions"].as_array().unwrap().iter().map(|e| e.as_str().unwrap()).collect();
    for e in [
        "KHR_mesh_quantization",
        "KHR_materials_transmission",
        "KHR_materials_volume",
        "KHR_materials_ior",
        "KHR_materials_dispersion",
    ] {
        assert!(ext.contains(&e), "{e} in {ext:?}");
    }
    eprintln!("gltf-validator: {} files, 0 errors, 0 warnings", reports.len());
}

#[test]
fn stl_meshes_are_watertight_and_their_volume_is_ours_by_trimesh() {
    let ok = orfevre_testkit::python().args(["-c", "import trimesh"]).output().is_ok_and(|o| o.status.success());
    if !ok {
        skip("python3 with trimesh is missing (pip install -r crates/model/tests/check/requirements.txt)");
        return;
    }
    let dir = tmp("stl-matrix");
    let mut rings: Vec<(PathBuf, Piece)> = Vec::new();
    for (name, s) in matrix().into_iter().filter(|(n, _)| {
        n.contains("-round-") || n.contains("-pear-") || n.contains("-band-") || n.contains("-signet-")
    }) {
        let r = ring(&s).unwrap();
        let f = dir.join(format!("{name}.stl"));
        std::fs::write(&f, export::stl(&r)).unwrap();
        rings.push((f, r));
    }
    for (name, p) in pendants() {
        let f = dir.join(format!("{name}.stl"));
        std::fs::write(&f, export::stl(&p)).unwrap();
        rings.push((f, p));
    }
    let out = orfevre_testkit::python()
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/check/mesh_check.py"))
        .args(rings.iter().map(|(f, _)| f))
        .output()
        .unwrap();
    let reports = lines(out);
    assert_eq!(reports.len(), rings.len());
    let mut worst: f64 = 0.0;
    for (r, (_, ring)) in reports.iter().zip(&rings) {
        assert_eq!(r["watertight"], true, "{r}");
        assert_eq!(r["winding_consistent"], true, "{r}");
        let theirs = r["volume"].as_f64().unwrap();
        let dev = (theirs - ring.mesh_volume_mm3).abs() / theirs;
        worst = worst.max(dev);
        assert!(dev < 0.005, "volume {theirs} by trimesh vs {} ours: {r}", ring.mesh_volume_mm3);
        // The metal's weight is the file's volume less the drilled seats, never more.
        assert!(
            ring.metal_volume_mm3 <= ring.mesh_volume_mm3 + 1e-9 && ring.metal_volume_mm3 > 0.95 * ring.mesh_volume_mm3
        );
        assert_eq!(r["triangles"].as_u64().unwrap() as usize, ring.metal.triangles.len());
    }
    eprintln!("trimesh: {} STL files watertight; worst volume deviation {:.4} %", reports.len(), worst * 100.0);
}

#[test]
fn the_inner_circumference_is_the_size_table() {
    for size in
        ["US3", "US7", "US7.25", "US13", "UKA", "UKN½", "UKZ", "EU41", "EU54", "EU76", "IT14", "JP1", "JP14", "JP30"]
    {
        for &p in Profile::ALL {
            let table = RingSize::parse(size).unwrap().circumference_mm();
            let r = ring(&spec(size, p, Some((Cut::Round, Setting::FourProng)))).unwrap();
            // The innermost loop of the band: its vertices nearest the axis, in angular order.
            let rmin = r.metal.positions.iter().map(|q| q.truncate().length()).fold(f64::INFINITY, f64::min);
            let inner: Vec<_> =
                r.metal.positions.iter().filter(|q| (q.truncate().length() - rmin).abs() < 1e-9).collect();
            let z = inner[0].z;
            let mut ring_pts: Vec<_> = inner.into_iter().filter(|q| q.z == z).collect();
            ring_pts.sort_by(|a, b| a.y.atan2(a.x).total_cmp(&b.y.atan2(b.x)));
            ring_pts.dedup();
            assert_eq!(ring_pts.len(), orfevre_model::band::SEGMENTS, "{size} {p}");
            let perimeter: f64 = (0..ring_pts.len())
                .map(|i| (*ring_pts[(i + 1) % ring_pts.len()] - *ring_pts[i]).truncate().length())
                .sum();
            assert!((perimeter - table).abs() < 0.05, "{size} {p}: {perimeter} vs {table}");
        }
    }
}

#[test]
fn three_mf_holds_the_metal_in_millimetres() {
    let r = ring(&spec("US7", Profile::Court, Some((Cut::Oval, Setting::Bezel)))).unwrap();
    let bytes = export::threemf(&r);
    let models = threemf::read(std::io::Cursor::new(bytes)).unwrap();
    let mesh = models[0].resources.object[0].mesh.as_ref().unwrap();
    assert_eq!(mesh.triangles.triangle.len(), r.metal.triangles.len());
    assert_eq!(mesh.vertices.vertex.len(), r.metal.positions.len());
    assert!(matches!(models[0].unit, threemf::model::Unit::Millimeter));
}

/// The solitaire of the demo catalog, summarised: a golden file of its figures, so a change to
/// the geometry shows up in review.
#[test]
fn solitaire_figures() {
    let mut s = spec("US7", Profile::DShape, Some((Cut::Round, Setting::FourProng)));
    s.band.width_mm = 2.2;
    s.band.thickness_mm = 1.6;
    let r = ring(&s).unwrap();
    let glb = export::glb(&r, &MetalLook::for_metal("18k-yellow"), &GemLook::for_species("diamond", 2.417));
    let summary = format!(
        "metal volume {:.2} mm³\nmetal triangles {}\nstone width {:.3} mm\ncarats {:.2}\ntriangles {}\nglb bytes (±5 %) {}\n",
        r.metal_volume_mm3,
        r.metal.triangles.len(),
        r.gems[0].width_mm,
        r.carats,
        r.triangles(),
        (glb.len() as f64 / 1000.0 / 5.0).round() * 5.0,
    );
    insta::assert_snapshot!(summary);
}
