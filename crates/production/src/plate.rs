//! Laser plates: several jobs' engravings for one machine on one bed, each in its own slot of a
//! jig (or, on a free bed, in rows of rectangles), written as one G-code program and one SVG and
//! DXF with every part labelled. The head goes slot by slot, serpentine, so travel stays short.
//! What does not fit is listed with the reason, never dropped.

use crate::engraving::Engraved;
use crate::JobError;
use orfevre_catalog::{Catalog, Jig, Machine, Mm};
use orfevre_engrave::{output, Toolpath, Zone};
use serde::Serialize;
use std::fmt::Write as _;

/// Most parts on one plate.
pub const MAX_PARTS: usize = 500;

/// Where the parts go.
#[derive(Clone, Debug)]
pub enum Bed {
    /// The slots of a catalog jig.
    Jig(Jig),
    /// A machine's free bed: parts in rows, `gap` apart and from the edges.
    Free { width: Mm, height: Mm, gap: Mm },
}

/// One engraving to place: its job and field.
pub struct Part {
    pub job: String,
    pub engraved: Engraved,
}

/// A part in its place: the rectangle it may burn in (its slot, or its zone on a free bed) and
/// where its zone's origin sits, mm in the bed's frame.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Placed {
    pub job: String,
    pub field: String,
    pub label: String,
    /// 1-based slot of the jig, or place on a free bed.
    pub slot: usize,
    /// The slot (x, y, width, height): every laser-on move of the part lies inside it.
    pub slot_mm: [f64; 4],
    /// The zone's bottom-left corner on the bed.
    pub origin_mm: [f64; 2],
}

/// A part left off the plate, and why.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Left {
    pub job: String,
    pub field: String,
    pub reason: String,
}

/// A laser plate.
pub struct Plate {
    pub machine: String,
    pub bed_mm: [f64; 2],
    pub placed: Vec<Placed>,
    pub left: Vec<Left>,
    pub gcode: String,
    pub svg: String,
    pub dxf: Vec<u8>,
}

/// Places `parts` on `bed` for `machine`: a part engraved on another machine, or larger than a
/// slot, or beyond the last slot, is left off with the reason.
pub fn plate(cat: &Catalog, machine: &Machine, bed: &Bed, parts: Vec<Part>) -> Result<Plate, JobError> {
    if parts.len() > MAX_PARTS {
        return Err(JobError::TooLarge(format!("a plate takes at most {MAX_PARTS} parts")));
    }
    let (bed_w, bed_h) = match bed {
        Bed::Jig(j) => {
            let m = &cat.machines[j.machine as usize];
            if m.id != machine.id {
                return Err(JobError::Plate(format!("jig {} sits on {}, not on {}", j.name, m.name, machine.name)));
            }
            m.bed.map(|(w, h)| (w.as_f64(), h.as_f64())).unwrap_or_else(|| {
                let s = j.slots();
                let right = s.iter().map(|p| p.0.as_f64()).fold(0.0, f64::max) + j.slot.0.as_f64();
                let top = s.iter().map(|p| p.1.as_f64()).fold(0.0, f64::max) + j.slot.1.as_f64();
                (right, top)
            })
        }
        Bed::Free { width, height, .. } => (width.as_f64(), height.as_f64()),
    };
    let mut placed = Vec::new();
    let mut left = Vec::new();
    let mut paths: Vec<(String, Toolpath)> = Vec::new();
    let mut free = Shelf::new(bed);
    let mut slots = match bed {
        Bed::Jig(j) => j.slots().into_iter(),
        Bed::Free { .. } => Vec::new().into_iter(),
    };
    for p in parts {
        let e = &p.engraved;
        let leave = |reason: String| Left { job: p.job.clone(), field: e.label.clone(), reason };
        if e.machine.id != machine.id {
            left.push(leave(format!("engraved on {}, not on {}", e.machine.name, machine.name)));
            continue;
        }
        let (zw, zh) = (e.toolpath.zone.width(), e.toolpath.zone.height());
        let slot = match bed {
            Bed::Jig(j) => {
                let (sw, sh) = (j.slot.0.as_f64(), j.slot.1.as_f64());
                if zw > sw + 1e-9 || zh > sh + 1e-9 {
                    left.push(leave(format!(
                        "its zone of {} × {} mm does not fit a slot of {} × {} mm",
                        num(zw),
                        num(zh),
                        num(sw),
                        num(sh)
                    )));
                    continue;
                }
                let Some((x, y)) = slots.next() else {
                    left.push(leave(format!("the plate is full ({} slots)", j.columns * j.rows)));
                    continue;
                };
                [x.as_f64(), y.as_f64(), sw, sh]
            }
            Bed::Free { .. } => match free.place(zw, zh) {
                Some((x, y)) => [x, y, zw, zh],
                None => {
                    left.push(leave(format!(
                        "no room left for {} × {} mm on the {} × {} mm bed",
                        num(zw),
                        num(zh),
                        num(bed_w),
                        num(bed_h)
                    )));
                    continue;
                }
            },
        };
        // The zone centred in its slot.
        let origin = [slot[0] + (slot[2] - zw) / 2.0, slot[1] + (slot[3] - zh) / 2.0];
        let mut tp = e.toolpath.clone();
        for c in &mut tp.cuts {
            for q in &mut c.points {
                q.x += origin[0];
                q.y += origin[1];
            }
        }
        tp.zone = Zone::new(bed_w, bed_h).map_err(|err| JobError::Plate(format!("the bed: {err}")))?;
        let label = format!("{} · {}", p.job, e.label);
        paths.push((label.clone(), tp));
        placed.push(Placed {
            job: p.job.clone(),
            field: e.field.clone(),
            label,
            slot: placed.len() + 1,
            slot_mm: slot,
            origin_mm: origin,
        });
    }
    let parts: Vec<(String, &Toolpath)> = paths.iter().map(|(l, t)| (l.clone(), t)).collect();
    let gcode = output::gcode_plate(&parts, bed_w, bed_h);
    let (svg, dxf) = drawings(&paths, &placed, bed_w, bed_h)?;
    Ok(Plate { machine: machine.id.clone(), bed_mm: [bed_w, bed_h], placed, left, gcode, svg, dxf })
}

/// The parts of one design: each filled engraving field, made as its job would make it.
pub fn parts(
    cat: &Catalog,
    design: &orfevre_engine::Design,
    job: &str,
    assets: &dyn crate::Assets,
) -> Result<Vec<Part>, JobError> {
    Ok(crate::engraving::engrave(cat, design, assets)?
        .into_iter()
        .map(|engraved| Part { job: job.to_string(), engraved })
        .collect())
}

/// `plate.json`: the machine, the bed, what went where and what was left off.
#[derive(Serialize)]
pub struct PlateReport<'a> {
    pub machine: &'a str,
    pub bed_mm: [f64; 2],
    pub placed: &'a [Placed],
    pub left: &'a [Left],
}

/// The plate's files in one zip: `plate.gcode`, `plate.svg`, `plate.dxf` and `plate.json`.
pub fn zip(p: &Plate) -> Vec<u8> {
    let report = PlateReport { machine: &p.machine, bed_mm: p.bed_mm, placed: &p.placed, left: &p.left };
    crate::bag::pack(&[
        ("plate.gcode".into(), p.gcode.clone().into_bytes()),
        ("plate.svg".into(), p.svg.clone().into_bytes()),
        ("plate.dxf".into(), p.dxf.clone()),
        ("plate.json".into(), serde_json::to_vec_pretty(&report).expect("a report serialises")),
    ])
}

/// Rows of rectangles on a free bed, left to right, then the next row up.
struct Shelf {
    width: f64,
    height: f64,
    gap: f64,
    x: f64,
    y: f64,
    row: f64,
}

impl Shelf {
    fn new(bed: &Bed) -> Shelf {
        match bed {
            Bed::Free { width, height, gap } => {
                let g = gap.as_f64();
                Shelf { width: width.as_f64(), height: height.as_f64(), gap: g, x: g, y: g, row: 0.0 }
            }
            Bed::Jig(_) => Shelf { width: 0.0, height: 0.0, gap: 0.0, x: 0.0, y: 0.0, row: 0.0 },
        }
    }
    fn place(&mut self, w: f64, h: f64) -> Option<(f64, f64)> {
        if self.x + w + self.gap > self.width + 1e-9 {
            self.x = self.gap;
            self.y += self.row + self.gap;
            self.row = 0.0;
        }
        if self.x + w + self.gap > self.width + 1e-9 || self.y + h + self.gap > self.height + 1e-9 {
            return None;
        }
        let at = (self.x, self.y);
        self.x += w + self.gap;
        self.row = self.row.max(h);
        Some(at)
    }
}

fn num(v: f64) -> String {
    let s = format!("{:.2}", v);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The plate's SVG (slots dashed, each part labelled) and DXF (every cut on layer `ENGRAVE`).
fn drawings(paths: &[(String, Toolpath)], placed: &[Placed], w: f64, h: f64) -> Result<(String, Vec<u8>), JobError> {
    let zone = Zone::new(w, h).map_err(|e| JobError::Plate(format!("the bed: {e}")))?;
    let mut all = match paths.first() {
        Some((_, tp)) => tp.clone(),
        None => Toolpath {
            zone,
            layer: orfevre_engrave::Layer::default(),
            cuts: Vec::new(),
            before: Vec::new(),
            notes: Vec::new(),
        },
    };
    all.cuts = paths.iter().flat_map(|(_, t)| t.cuts.iter().cloned()).collect();
    all.before = vec![None; all.cuts.len()];
    all.zone = zone;
    let dxf = output::dxf(&all);
    let mut svg = output::svg(&all);
    let mut extra = String::new();
    for p in placed {
        let [x, y, sw, sh] = p.slot_mm;
        let _ = write!(
            extra,
            r##"<rect x="{x:.3}" y="{:.3}" width="{sw:.3}" height="{sh:.3}" fill="none" stroke="#c33" stroke-width="0.1" stroke-dasharray="1 0.5"/><text x="{x:.3}" y="{:.3}" font-size="1.6" font-family="sans-serif" fill="#c33">{}</text>"##,
            h - y - sh,
            h - y - sh - 0.4,
            xml(&format!("{} {}", p.slot, p.label))
        );
    }
    if let Some(end) = svg.rfind("</svg>") {
        svg.insert_str(end, &extra);
    }
    Ok((svg, dxf))
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
