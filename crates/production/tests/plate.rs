//! Laser plates from many name pendants: every part inside its slot as an independent G-code
//! reader (gcodeparser) follows the program, the DXF on the bed (ezdxf), and what does not fit
//! left off with the reason.

use orfevre_catalog::Mm;
use orfevre_engine::{Design, Engine};
use orfevre_production::plate::{self, Bed, Part};
use orfevre_production::{Assets, JobError};
use orfevre_testkit::skip;
use std::path::Path;

struct Files;

impl Assets for Files {
    fn font_file(&self, path: &str) -> Result<Vec<u8>, String> {
        std::fs::read(path).map_err(|e| format!("{path}: {e}"))
    }
    fn art(&self, _: &str) -> Option<Vec<u8>> {
        None
    }
}

fn demo() -> Engine {
    let dir = orfevre_testkit::workspace().join("catalogs/demo");
    Engine::new(orfevre_catalog::load_dir(&dir).unwrap().catalog.unwrap())
}

const NAMES: [&str; 26] = [
    "Léa", "Anaïs", "Chloé", "Zoé", "Inès", "Manon", "Camille", "Louise", "Jade", "Emma", "Alice", "Rose", "Lina",
    "Mia", "Ambre", "Julia", "Anna", "Léna", "Iris", "Agathe", "Nina", "Eva", "Margaux", "Sofia", "Lou", "Romy",
];

/// One pendant per name, in the given font, as parts of jobs P-00, P-01…
fn pendants(e: &Engine, font: &str, n: usize) -> Vec<Part> {
    let path = orfevre_testkit::workspace().join("catalogs/demo/examples/valid-engraved-pendant.json");
    let base = Design::from_json(&std::fs::read(path).unwrap()).unwrap();
    let mut out = Vec::new();
    for (i, name) in NAMES.iter().cycle().take(n).enumerate() {
        let mut d = base.clone();
        let f = d.fields.get_mut("engraving").unwrap();
        f.text = Some(name.to_string());
        f.font = Some(font.to_string());
        out.extend(plate::parts(&e.catalog, &d, &format!("P-{i:02}"), &Files).unwrap());
    }
    out
}

fn check(plate: &plate::Plate) -> Option<serde_json::Value> {
    let dir = tempfile::tempdir().unwrap();
    let zip = plate::zip(plate);
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    z.extract(dir.path()).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/check/plate_check.py");
    let out = orfevre_testkit::python().arg(script).arg(dir.path()).output().ok()?;
    let err = String::from_utf8_lossy(&out.stderr);
    if err.contains("ModuleNotFoundError") {
        skip(&format!("plate_check.py needs a Python module: {}", err.lines().last().unwrap_or("")));
        return None;
    }
    assert!(out.status.success(), "plate_check.py failed: {err}");
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

#[test]
fn twenty_four_pendants_fill_the_jig_each_inside_its_slot_and_the_rest_wait_with_the_reason() {
    let e = demo();
    let jig = e.catalog.jigs.iter().find(|j| j.id == "pendant-plate").unwrap().clone();
    let m = e.catalog.machines[jig.machine as usize].clone();
    for font in ["serif", "script"] {
        let p = plate::plate(&e.catalog, &m, &Bed::Jig(jig.clone()), pendants(&e, font, 26)).unwrap();
        assert_eq!(p.placed.len(), 24, "{font}");
        assert_eq!(p.left.len(), 2);
        assert!(p.left.iter().all(|l| l.reason == "the plate is full (24 slots)"), "{:?}", p.left);
        assert_eq!(p.left.iter().map(|l| l.job.as_str()).collect::<Vec<_>>(), ["P-24", "P-25"]);
        // Slots in serpentine order: the second row runs right to left.
        assert!(p.placed[4].slot_mm[0] > p.placed[7].slot_mm[0] && p.placed[3].slot_mm[0] == p.placed[4].slot_mm[0]);
        // Every part is labelled in the drawing.
        for q in &p.placed {
            assert!(p.svg.contains(&q.label), "{} unlabelled", q.label);
        }
        let Some(r) = check(&p) else { return };
        assert_eq!(r["outside"], 0, "{font}: laser-on moves outside every slot: {r}");
        assert_eq!(r["overlapping_slots"], 0);
        assert_eq!(r["dxf_outside"], 0);
        let per: Vec<u64> = r["per_slot"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
        assert!(per.iter().all(|&n| n > 0), "{font}: a slot with nothing burned: {per:?}");
    }
}

#[test]
fn a_free_bed_takes_parts_in_rows_until_it_is_full() {
    let e = demo();
    let m = e.catalog.machines.iter().find(|m| m.id == "fibre-flat").unwrap().clone();
    let bed = Bed::Free { width: Mm::from_mm(40), height: Mm::from_mm(22), gap: Mm::from_mm(2) };
    let p = plate::plate(&e.catalog, &m, &bed, pendants(&e, "sans", 6)).unwrap();
    // 16 × 8 mm zones, 2 mm apart: two across and two up on 40 × 22 mm.
    assert_eq!(p.placed.len(), 4);
    assert!(p.left.iter().all(|l| l.reason.starts_with("no room left for 16 × 8 mm")), "{:?}", p.left);
    let Some(r) = check(&p) else { return };
    assert_eq!((r["outside"].as_u64(), r["overlapping_slots"].as_u64()), (Some(0), Some(0)), "{r}");
}

#[test]
fn a_part_for_another_machine_or_too_large_for_a_slot_is_left_off_with_the_reason() {
    let e = demo();
    let jig = e.catalog.jigs[0].clone();
    let m = e.catalog.machines[jig.machine as usize].clone();
    // A wedding band's engraving is made on the rotary, and its 40 mm zone fits no 20 mm slot.
    let path = orfevre_testkit::workspace().join("catalogs/demo/examples/valid-wedding-band.json");
    let band = Design::from_json(&std::fs::read(path).unwrap()).unwrap();
    let mut parts = plate::parts(&e.catalog, &band, "B-1", &Files).unwrap();
    let mut moved = parts[0].engraved.clone();
    moved.machine = m.clone();
    parts.push(Part { job: "B-2".into(), engraved: moved });
    let p = plate::plate(&e.catalog, &m, &Bed::Jig(jig), parts).unwrap();
    assert!(p.placed.is_empty());
    assert_eq!(p.left[0].reason, "engraved on Fibre laser 20 W, rotary, not on Fibre laser 20 W, flat bed");
    assert!(
        p.left[1].reason.starts_with("its zone of 40 × 2.5 mm does not fit a slot of 20 × 12 mm"),
        "{}",
        p.left[1].reason
    );
}

#[test]
fn a_jig_on_another_machine_is_refused() {
    let e = demo();
    let jig = e.catalog.jigs[0].clone();
    let other = e.catalog.machines.iter().find(|m| m.id == "fibre-rotary").unwrap().clone();
    let err = plate::plate(&e.catalog, &other, &Bed::Jig(jig), Vec::new()).err().unwrap();
    assert!(matches!(err, JobError::Plate(_)), "{err}");
    assert!(err.to_string().contains("not on Fibre laser 20 W, rotary"), "{err}");
}
