//! What the workshop reads off a design: the positions in order, the choices, the texts as typed,
//! the stones, the weight window and the pick list. Plain data, drawn by `sheet` and written by
//! `bag`.

use crate::JobError;
use orfevre_catalog::{Catalog, FieldSpec, Grams, MountSpec};
use orfevre_engine::{Design, Engine, Evaluation};
use rust_decimal::Decimal;
use serde::Serialize;

/// One component at its place on the piece, in the order the workshop assembles them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Position {
    /// The mount's name, as the catalog gives it.
    pub mount: String,
    /// Where on the mount: "section 2, 3rd", "station 1", "slot 4", "socket", "inside".
    pub place: String,
    /// 1-based section of a strand, if any.
    pub section: Option<u32>,
    /// 1-based index within the section, the stations, the slots or the container.
    pub index: u32,
    pub sku: String,
    pub name: String,
    pub art: Option<String>,
    pub bin: Option<String>,
}

/// A choice made on the piece, by its label.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChoiceLine {
    pub label: String,
    pub value: String,
}

/// A text to engrave or print, as typed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TextLine {
    pub field: String,
    pub label: String,
    pub text: String,
    /// The font's name, for engravings.
    pub font: Option<String>,
    /// The machine it is engraved on, for engravings.
    pub machine: Option<String>,
}

/// One line of the pick list: what to take from which bin.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PickLine {
    pub bin: Option<String>,
    pub sku: String,
    pub name: String,
    pub qty: u32,
}

/// Everything a job's sheet says, derived from the design and its evaluation.
#[derive(Clone, Debug, Serialize)]
pub struct JobSpec {
    pub brand: String,
    pub piece: String,
    pub size: Option<String>,
    pub positions: Vec<Position>,
    pub choices: Vec<ChoiceLine>,
    pub texts: Vec<TextLine>,
    /// Stones: "Diamond, round brilliant, 1 ct" and the melee of a halo or pavé.
    pub stones: Vec<String>,
    /// The expected weight, and the window a made piece must weigh within.
    pub weight: Grams,
    pub weight_min: Grams,
    pub weight_max: Grams,
    pub lead_time_days: u32,
    pub pick: Vec<PickLine>,
}

/// The job's spec from a design the engine finds valid; a design it refuses is refused here too.
pub fn spec(engine: &Engine, design: &Design, ev: &Evaluation) -> Result<JobSpec, JobError> {
    let cat = &engine.catalog;
    if design.catalog.version != cat.brand.version {
        return Err(JobError::CatalogVersion {
            wanted: design.catalog.version.clone(),
            got: cat.brand.version.clone(),
        });
    }
    if !ev.valid {
        return Err(JobError::Invalid(ev.violations.iter().map(|v| v.message.clone()).collect()));
    }
    let Some(bi) = cat.base(&design.base) else {
        return Err(JobError::Invalid(vec![format!("there is no base {}", design.base)]));
    };
    let base = &cat.bases[bi as usize];
    let size = match &design.size {
        Some(id) => base.sizes.iter().find(|s| &s.id == id).map(|s| s.label.clone()),
        None => base.sizes.get(base.default_size).map(|s| s.label.clone()),
    };
    let tol = cat.production.weight_tolerance_percent;
    let mg = Decimal::from(ev.weight.mg());
    let delta = (mg * tol / Decimal::ONE_HUNDRED).round();
    let as_mg = |d: Decimal| Grams::from_mg(d.try_into().unwrap_or(0));
    Ok(JobSpec {
        brand: cat.brand.name.clone(),
        piece: base.name.clone(),
        size,
        positions: positions(cat, design),
        choices: choices(cat, design),
        texts: texts(cat, design),
        stones: stones(cat, design),
        weight: ev.weight,
        weight_min: as_mg((mg - delta).max(Decimal::ZERO)),
        weight_max: as_mg(mg + delta),
        lead_time_days: ev.lead_time_days,
        pick: pick(cat, ev),
    })
}

fn ordinal(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// The components of a design at their places, mount by mount in the base's order, each mount's
/// pieces in the order the design lists them (along the strand, station by station, slot by
/// slot). A slot left empty holds the mount's default link, which is picked like any other.
pub fn positions(cat: &Catalog, design: &Design) -> Vec<Position> {
    let Some(bi) = cat.base(&design.base) else { return Vec::new() };
    let base = &cat.bases[bi as usize];
    let mut out = Vec::new();
    let mut push = |mount: &str, place: String, section: Option<u32>, index: u32, sku: &str| {
        let (name, art, bin) = match cat.component(sku) {
            Some(c) => {
                let c = cat.comp(c);
                (c.name.clone(), c.art.clone(), c.bin.clone())
            }
            None => (sku.to_string(), None, None),
        };
        out.push(Position { mount: mount.to_string(), place, section, index, sku: sku.to_string(), name, art, bin });
    };
    for m in &base.mounts {
        let Some(md) = design.mounts.get(&m.id) else { continue };
        match &m.spec {
            MountSpec::Strand(_) => {
                for (s, sec) in md.sections.iter().flatten().enumerate() {
                    let s = s as u32 + 1;
                    for (i, sku) in sec.iter().enumerate() {
                        let i = i as u32 + 1;
                        push(&m.label, format!("section {s}, {}", ordinal(i)), Some(s), i, sku);
                    }
                }
                for (i, st) in md.stations.iter().flatten().enumerate() {
                    if let Some(sku) = st {
                        let i = i as u32 + 1;
                        push(&m.label, format!("station {i}"), None, i, sku);
                    }
                }
            }
            MountSpec::Slots(sl) => {
                let default = cat.comp(sl.default).sku.clone();
                let count = design
                    .size
                    .as_ref()
                    .and_then(|id| base.sizes.iter().find(|s| &s.id == id))
                    .or(base.sizes.get(base.default_size))
                    .map(|s| sl.slot_count(s))
                    .unwrap_or(0);
                let given = md.slots.as_deref().unwrap_or(&[]);
                for i in 0..count.max(given.len() as u32) {
                    let sku = given.get(i as usize).cloned().flatten().unwrap_or_else(|| default.clone());
                    push(&m.label, format!("slot {}", i + 1), None, i + 1, &sku);
                }
            }
            MountSpec::Socket(_) => {
                if let Some(sku) = &md.item {
                    push(&m.label, "socket".into(), None, 1, sku);
                }
            }
            MountSpec::Container(_) => {
                for (i, sku) in md.items.iter().flatten().enumerate() {
                    push(&m.label, "inside".into(), None, i as u32 + 1, sku);
                }
            }
            MountSpec::Parametric(_) => {}
        }
    }
    out
}

/// The parametric choices (metal, profile, width, stone, cut, carat, setting) and the choice and
/// colour fields, by their labels, with the catalog's names for the values.
fn choices(cat: &Catalog, design: &Design) -> Vec<ChoiceLine> {
    let Some(bi) = cat.base(&design.base) else { return Vec::new() };
    let base = &cat.bases[bi as usize];
    let mut out = Vec::new();
    for m in &base.mounts {
        let MountSpec::Parametric(p) = &m.spec else { continue };
        let given = design.mounts.get(&m.id).and_then(|md| md.params.as_ref());
        let get = |k: &str| given.and_then(|g| g.get(k)).map(|v| v.0.clone());
        let mut line = |label: &str, value: Option<String>| {
            if let Some(value) = value {
                out.push(ChoiceLine { label: label.to_string(), value });
            }
        };
        let pick_named = |k: &str, opts: Vec<(String, String)>| -> Option<String> {
            let v = get(k).or_else(|| opts.first().map(|o| o.0.clone()))?;
            opts.into_iter().find(|o| o.0 == v).map(|o| o.1)
        };
        line(
            "Metal",
            pick_named(
                "metal",
                p.metals
                    .iter()
                    .map(|&i| (cat.metals[i as usize].id.clone(), cat.metals[i as usize].name.clone()))
                    .collect(),
            ),
        );
        line(
            "Profile",
            pick_named(
                "profile",
                p.profiles.iter().map(|x| (x.as_str().to_string(), x.as_str().to_string())).collect(),
            ),
        );
        let number = |k: &str, r: &Option<orfevre_catalog::Range>, unit: &str| -> Option<String> {
            let r = r.as_ref()?;
            let v = get(k).and_then(|s| s.parse::<Decimal>().ok()).unwrap_or(r.default);
            Some(format!("{}{unit}", v.normalize()))
        };
        line("Width", number("width_mm", &p.width, " mm"));
        line("Thickness", number("thickness_mm", &p.thickness, " mm"));
        line(
            "Stone",
            pick_named(
                "stone",
                p.stones
                    .iter()
                    .map(|&i| (cat.stones[i as usize].id.clone(), cat.stones[i as usize].name.clone()))
                    .collect(),
            ),
        );
        line("Cut", pick_named("cut", p.cuts.iter().map(|c| (c.id.clone(), c.label.clone())).collect()));
        line("Carat", number("carat", &p.carat, " ct"));
        line("Setting", pick_named("setting", p.settings.iter().map(|c| (c.id.clone(), c.label.clone())).collect()));
    }
    for f in &base.fields {
        let v = design.fields.get(&f.id);
        match &f.spec {
            FieldSpec::Choice { options, default } => {
                let chosen = v
                    .and_then(|v| v.choice.as_deref())
                    .and_then(|c| options.iter().find(|o| o.id == c))
                    .or(default.and_then(|d| options.get(d)));
                if let Some(o) = chosen {
                    out.push(ChoiceLine { label: f.label.clone(), value: o.label.clone() });
                }
            }
            FieldSpec::Colour { colours, default, .. } => {
                let chosen = v
                    .and_then(|v| v.choice.as_deref())
                    .and_then(|c| colours.iter().find(|&&i| cat.materials[i as usize].id == c))
                    .or(default.and_then(|d| colours.get(d)));
                if let Some(&i) = chosen {
                    out.push(ChoiceLine { label: f.label.clone(), value: cat.materials[i as usize].name.clone() });
                }
            }
            _ => {}
        }
    }
    out
}

/// The texts to engrave or to print, exactly as typed (NFC, as the design holds them).
fn texts(cat: &Catalog, design: &Design) -> Vec<TextLine> {
    let Some(bi) = cat.base(&design.base) else { return Vec::new() };
    let base = &cat.bases[bi as usize];
    let mut out = Vec::new();
    for f in &base.fields {
        let Some(v) = design.fields.get(&f.id) else { continue };
        let Some(text) = v.text.as_deref().filter(|t| !t.trim().is_empty()) else { continue };
        let (font, machine) = match &f.spec {
            FieldSpec::Engraving { fonts, machine, .. } => {
                let font = match v.font.as_deref() {
                    Some(id) => fonts.iter().map(|&i| &cat.fonts[i as usize]).find(|x| x.id == id),
                    None => fonts.first().map(|&i| &cat.fonts[i as usize]),
                };
                (font.map(|x| x.name.clone()), machine.map(|m| cat.machines[m as usize].name.clone()))
            }
            FieldSpec::Text { .. } => (None, None),
            _ => continue,
        };
        out.push(TextLine { field: f.id.clone(), label: f.label.clone(), text: text.to_string(), font, machine });
    }
    out
}

/// The stones to set: the centre stone of a parametric piece with its cut and carats.
fn stones(cat: &Catalog, design: &Design) -> Vec<String> {
    let Some(bi) = cat.base(&design.base) else { return Vec::new() };
    let base = &cat.bases[bi as usize];
    let mut out = Vec::new();
    for m in &base.mounts {
        let MountSpec::Parametric(p) = &m.spec else { continue };
        if p.stones.is_empty() {
            continue;
        }
        let given = design.mounts.get(&m.id).and_then(|md| md.params.as_ref());
        let get = |k: &str| given.and_then(|g| g.get(k)).map(|v| v.0.clone());
        let stone = get("stone")
            .and_then(|id| cat.stone(&id))
            .or(p.stones.first().copied())
            .map(|i| cat.stones[i as usize].name.clone());
        let cut =
            get("cut").and_then(|c| p.cuts.iter().find(|x| x.id == c)).or(p.cuts.first()).map(|c| c.label.clone());
        let carat = p.carat.as_ref().map(|r| get("carat").and_then(|s| s.parse::<Decimal>().ok()).unwrap_or(r.default));
        let mut s = stone.unwrap_or_default();
        if let Some(c) = cut {
            s = format!("{s}, {c}");
        }
        if let Some(ct) = carat {
            s = format!("{s}, {} ct", ct.normalize());
        }
        out.push(s);
    }
    out
}

/// The bill of materials by bin, so one walk along the shelves picks it.
fn pick(cat: &Catalog, ev: &Evaluation) -> Vec<PickLine> {
    let mut out: Vec<PickLine> = ev
        .bom
        .iter()
        .map(|l| PickLine {
            bin: cat.component(&l.sku).and_then(|c| cat.comp(c).bin.clone()),
            sku: l.sku.clone(),
            name: l.name.clone(),
            qty: l.qty,
        })
        .collect();
    out.sort_by(|a, b| (a.bin.is_none(), &a.bin, &a.sku).cmp(&(b.bin.is_none(), &b.bin, &b.sku)));
    out
}

#[cfg(test)]
mod tests {
    use super::ordinal;

    #[test]
    fn ordinals_read_as_english() {
        let got: Vec<String> = [1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111].iter().map(|&n| ordinal(n)).collect();
        assert_eq!(got, ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th"]);
    }
}
