//! The job bag: every file the workshop needs for one order line, checked, with a manifest of
//! their SHA-256, in one zip. Built from the design and its catalog version alone, so the same
//! design, order and serial give the same bytes.

use crate::engraving::{self, Engraved, PREVIEW_PX_PER_MM};
use crate::sheet::{self, Heading, Paper};
use crate::spec::{self, JobSpec};
use crate::{gcode, solid, Assets, JobError};
use orfevre_engine::{Design, Engine};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Write;

/// Most positions a job's sheet lists (a design holds at most 500 components).
pub const MAX_POSITIONS: usize = 500;
/// The least IoU between the G-code burned back and the preview the shopper approved.
pub const MIN_IOU: f64 = 0.99;
/// How far the 3D file's weight may be from the quoted weight, per cent.
pub const WEIGHT_TOLERANCE_PERCENT: f64 = 1.0;

/// What a job is made for.
pub struct JobRequest<'a> {
    pub engine: &'a Engine,
    pub design: &'a Design,
    /// The order it belongs to; none for a job made offline from a design file.
    pub order: Option<&'a str>,
    /// The piece's serial, once made.
    pub serial: Option<&'a str>,
    /// The workshop board's address of this job (the sheet's QR code opens it).
    pub board_url: &'a str,
    pub paper: Paper,
    /// The signed certificate of the made piece (JSON), if made: it must name the design.
    pub certificate: Option<&'a [u8]>,
    /// Fonts and art.
    pub assets: &'a dyn Assets,
}

/// One fidelity check and what it measured.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    pub check: &'static str,
    pub passed: bool,
    pub detail: String,
}

/// `manifest.json`.
#[derive(Clone, Debug, Serialize)]
pub struct Manifest {
    pub job: String,
    pub order: Option<String>,
    pub line: u32,
    pub serial: Option<String>,
    pub design_hash: String,
    pub catalog: CatalogRef,
    pub paper: Paper,
    pub checks: Vec<Check>,
    /// Every other file of the bag and its SHA-256, hex.
    pub files: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CatalogRef {
    pub id: String,
    pub version: String,
    pub digest: String,
}

/// A built job: its files (manifest last) and the zip of them.
pub struct Job {
    pub id: String,
    pub spec: JobSpec,
    pub manifest: Manifest,
    pub files: Vec<(String, Vec<u8>)>,
    pub zip: Vec<u8>,
}

/// The job's id: the order's, or the design hash's first twelve digits for an offline job.
pub fn job_id(order: Option<&str>, design_hash: &str) -> String {
    match order {
        Some(o) => format!("{o}-1"),
        None => format!("D-{}", &design_hash[..12.min(design_hash.len())]),
    }
}

/// Builds, checks and packs a job. Any failed check refuses the whole job.
pub fn build(req: &JobRequest) -> Result<Job, JobError> {
    let e = req.engine;
    let ev = e.evaluate(req.design);
    let spec = spec::spec(e, req.design, &ev)?;
    if spec.positions.len() > MAX_POSITIONS {
        return Err(JobError::TooLarge(format!("a job lists at most {MAX_POSITIONS} positions")));
    }
    let id = job_id(req.order, &ev.design_hash);
    let mut checks = Vec::new();

    // Positions: the sheet lists the design's components in the design's own order.
    checks.push(order_check(req.design, &spec)?);

    let engraved = engraving::engrave(&e.catalog, req.design, req.assets)?;
    for g in &engraved {
        checks.push(burn_check(g)?);
    }

    let solid = solid::build(&e.catalog, &ev, &id)?;
    if let Some(s) = &solid {
        checks.push(weight_check(s, &spec)?);
    }

    if let Some(c) = req.certificate {
        checks.push(certificate_check(c, &ev.design_hash)?);
    }

    let head = Heading {
        job: &id,
        order: req.order,
        serial: req.serial,
        design_hash: &ev.design_hash,
        catalog_version: &ev.catalog.version,
        board_url: req.board_url,
    };
    let pages = sheet::layout(&spec, &head, req.paper);
    let pdf = sheet::pdf(&pages, req.paper, &format!("Job {id} — {}", spec.piece), req.assets)?;

    let mut files: Vec<(String, Vec<u8>)> = vec![
        ("assembly.pdf".into(), pdf),
        ("pick-list.csv".into(), pick_csv(&spec)),
        ("checklist.json".into(), checklist_json(&spec)),
        ("design.json".into(), serde_json::to_vec_pretty(req.design).expect("a design serialises")),
    ];
    for g in &engraved {
        files.extend(engraving::files(g));
    }
    if let Some(s) = solid {
        files.push((format!("3d/{id}.stl"), s.stl));
        files.push((format!("3d/{id}.3mf"), s.threemf));
    }
    if let Some(c) = req.certificate {
        files.push(("certificate.json".into(), c.to_vec()));
    }
    let manifest = Manifest {
        job: id.clone(),
        order: req.order.map(str::to_string),
        line: 1,
        serial: req.serial.map(str::to_string),
        design_hash: ev.design_hash.clone(),
        catalog: CatalogRef {
            id: ev.catalog.id.clone(),
            version: ev.catalog.version.clone(),
            digest: ev.catalog.digest.clone(),
        },
        paper: req.paper,
        checks,
        files: files.iter().map(|(n, b)| (n.clone(), hex::encode(Sha256::digest(b)))).collect(),
    };
    files.push(("manifest.json".into(), serde_json::to_vec_pretty(&manifest).expect("a manifest serialises")));
    let zip = pack(&files);
    Ok(Job { id, spec, manifest, files, zip })
}

/// A zip with a fixed date on every entry, so a job's bytes depend on its files alone.
pub fn pack(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    for (name, bytes) in files {
        z.start_file(name.as_str(), opts).expect("writing to memory");
        z.write_all(bytes).expect("writing to memory");
    }
    z.finish().expect("writing to memory").into_inner()
}

fn pick_csv(spec: &JobSpec) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["bin", "sku", "name", "qty"]).expect("writing to memory");
    for l in &spec.pick {
        let qty = l.qty.to_string();
        w.write_record([l.bin.as_deref().unwrap_or(""), &l.sku, &l.name, &qty]).expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

fn checklist_json(spec: &JobSpec) -> Vec<u8> {
    let v = serde_json::json!({
        "weight_g": { "expected": spec.weight.as_decimal().to_string(), "min": spec.weight_min.as_decimal().to_string(), "max": spec.weight_max.as_decimal().to_string() },
        "size": spec.size,
        "positions": spec.positions.len(),
        "texts": spec.texts.iter().map(|t| serde_json::json!({ "field": t.field, "text": t.text })).collect::<Vec<_>>(),
        "stones": spec.stones,
        "steps": sheet::checklist(spec),
    });
    serde_json::to_vec_pretty(&v).expect("JSON serialises")
}

/// The sheet's positions are the design's components in the design's order, mount by mount.
fn order_check(d: &Design, spec: &JobSpec) -> Result<Check, JobError> {
    let mut want: Vec<&str> = Vec::new();
    for md in d.mounts.values() {
        want.extend(md.sections.iter().flatten().flatten().map(String::as_str));
        want.extend(md.stations.iter().flatten().flatten().map(String::as_str));
        want.extend(md.slots.iter().flatten().flatten().map(String::as_str));
        want.extend(md.item.iter().map(String::as_str));
        want.extend(md.items.iter().flatten().map(String::as_str));
    }
    // Default links fill a slot row's empty slots: the design does not name them.
    let got: Vec<&str> = spec.positions.iter().map(|p| p.sku.as_str()).collect();
    let mut it = got.iter();
    let in_order = want.iter().all(|w| it.any(|g| g == w));
    let ok = in_order && want.len() <= got.len();
    if !ok {
        return Err(JobError::Fidelity {
            check: "order",
            why: format!("the sheet lists {} positions, not the design's {} in its order", got.len(), want.len()),
        });
    }
    Ok(Check { check: "order", passed: true, detail: format!("{} positions in the design's order", got.len()) })
}

/// The G-code, read back and burned at the layer's width, covers what the preview shows.
fn burn_check(g: &Engraved) -> Result<Check, JobError> {
    let tp = &g.toolpath;
    let code = orfevre_engrave::output::gcode(tp);
    let segs = gcode::burns(&code).map_err(|why| JobError::Fidelity { check: "g-code", why })?;
    let burn = orfevre_engrave::output::burn_width(tp);
    // Fine enough that the burn is ten pixels wide (an edge pixel is then a small share of a
    // line), at most 8,192 pixels along the zone.
    let ppm = (10.0 / burn).max(PREVIEW_PX_PER_MM).min(8192.0 / tp.zone.width().max(tp.zone.height()));
    let burned = gcode::rasterise(&segs, tp.zone.width(), tp.zone.height(), ppm, burn);
    // The preview's outline at the machine's resolution (G-code gives micrometres): a thin line's
    // edge moved by half a micrometre flips whole anti-aliasing steps, which is no difference a
    // laser makes.
    let mut at_um = tp.clone();
    for c in &mut at_um.cuts {
        for p in &mut c.points {
            p.x = (p.x * 1000.0).round() / 1000.0;
            p.y = (p.y * 1000.0).round() / 1000.0;
        }
    }
    let preview = orfevre_engrave::output::rasterise(&at_um, ppm, burn);
    let iou = gcode::iou(&burned, &preview);
    if iou < MIN_IOU {
        return Err(JobError::Fidelity {
            check: "g-code",
            why: format!(
                "{}: the G-code burns {:.1} % of what the preview shows (at least 99 %)",
                g.label,
                iou * 100.0
            ),
        });
    }
    Ok(Check { check: "g-code", passed: true, detail: format!("{}: IoU {iou:.4} with the preview", g.label) })
}

/// The 3D file's volume × the metal's density, plus the stones, is the quoted weight within 1 %.
fn weight_check(s: &solid::Solid, spec: &JobSpec) -> Result<Check, JobError> {
    let v = solid::stl_volume(&s.stl).map_err(|why| JobError::Fidelity { check: "weight", why })?;
    let file_mg = v * s.density + s.carats * 200.0;
    let quoted = spec.weight.mg() as f64;
    let off = if quoted > 0.0 { (file_mg - quoted).abs() / quoted * 100.0 } else { 100.0 };
    let detail =
        format!("the 3D file weighs {:.3} g, the quote {:.3} g ({off:.2} % apart)", file_mg / 1000.0, quoted / 1000.0);
    if off > WEIGHT_TOLERANCE_PERCENT {
        return Err(JobError::Fidelity { check: "weight", why: detail });
    }
    Ok(Check { check: "weight", passed: true, detail })
}

/// The certificate names the job's design.
fn certificate_check(cert: &[u8], design_hash: &str) -> Result<Check, JobError> {
    let text = std::str::from_utf8(cert).unwrap_or("");
    if !text.contains(design_hash) {
        return Err(JobError::Fidelity {
            check: "certificate",
            why: "the certificate does not name this design".into(),
        });
    }
    Ok(Check { check: "certificate", passed: true, detail: "the certificate names the design".into() })
}
