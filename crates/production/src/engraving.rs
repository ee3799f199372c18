//! A design's engravings made at the machine settings the catalog names for each field: the
//! toolpath, ordered for short travel, and its files (SVG, DXF, G-code, the preview PNG, and the
//! outline the shopper approved as SVG).

use crate::{Assets, JobError};
use orfevre_catalog::{Catalog, FieldSpec, LaserMode, Machine};
use orfevre_engine::Design;
use orfevre_engrave::toolpath::Hatch;
use orfevre_engrave::{order, output, text, toolpath, Font, Layer, Mode, TextSpec, Toolpath, Zone};

/// Pixels per millimetre of the preview PNG and of the fidelity check's rasters.
pub const PREVIEW_PX_PER_MM: f64 = 40.0;

/// One field's engraving, ready for its machine.
#[derive(Clone, Debug)]
pub struct Engraved {
    pub field: String,
    pub label: String,
    pub text: String,
    pub machine: Machine,
    pub toolpath: Toolpath,
    /// The production outline as the configurator drew it for the shopper.
    pub approved_svg: String,
}

/// The laser settings of a machine for a font: single-line fonts are followed stroke by stroke
/// whatever the machine's mode; outline fonts are hatched, or traced, as the machine says.
pub fn layer(m: &Machine, single_line_font: bool) -> Layer {
    let spot = m.spot.as_f64();
    let mode = match m.mode {
        _ if single_line_font => Mode::SingleLine,
        LaserMode::Fill => Mode::Fill(Hatch { spacing: m.hatch.as_f64(), ..Hatch::default() }),
        LaserMode::Line | LaserMode::SingleLine => Mode::Line,
    };
    let speed: f64 = m.speed_mm_min.to_string().parse().unwrap_or(1000.0);
    Layer { mode, power: m.power, speed, passes: m.passes, kerf: if single_line_font { 0.0 } else { spot } }
}

/// Every filled engraving field of the design, made on its machine. A field with no machine, a
/// font that cannot be read, or a text that cannot be laid out refuses the job with the reason.
pub fn engrave(cat: &Catalog, design: &Design, assets: &dyn Assets) -> Result<Vec<Engraved>, JobError> {
    let Some(bi) = cat.base(&design.base) else { return Ok(Vec::new()) };
    let base = &cat.bases[bi as usize];
    let mut out = Vec::new();
    for f in &base.fields {
        let FieldSpec::Engraving { width, height, fonts, min_stroke, machine, .. } = &f.spec else { continue };
        let Some(v) = design.fields.get(&f.id) else { continue };
        let Some(t) = v.text.as_deref().filter(|t| !t.trim().is_empty()) else { continue };
        let Some(mi) = machine else { return Err(JobError::NoMachine { field: f.label.clone() }) };
        let m = &cat.machines[*mi as usize];
        let font = match v.font.as_deref() {
            Some(id) => fonts.iter().map(|&i| &cat.fonts[i as usize]).find(|x| x.id == id),
            None => fonts.first().map(|&i| &cat.fonts[i as usize]),
        };
        let Some(font) = font else {
            return Err(JobError::Engraving {
                field: f.label.clone(),
                why: "the design's font is not one of the field's".into(),
            });
        };
        let font_err = |why: String| JobError::Font { field: f.label.clone(), font: font.name.clone(), why };
        let file = font.file.clone().ok_or_else(|| font_err("the catalog gives no file for it".into()))?;
        let bytes = assets.font_file(&file).map_err(|e| {
            font_err(format!("{e} (install {})", font.package.as_deref().unwrap_or("the font's package")))
        })?;
        let loaded = Font::from_file_bytes(&font.name, &file, bytes).map_err(|e| font_err(e.to_string()))?;
        let zone = Zone::new(width.as_f64(), height.as_f64())
            .map_err(|e| JobError::Engraving { field: f.label.clone(), why: e.to_string() })?;
        let why = |e: orfevre_engrave::EngraveError| JobError::Engraving { field: f.label.clone(), why: e.to_string() };
        let mut shapes = text::layout(&loaded, &TextSpec::new(t), &zone).map_err(why)?;
        if let Some(min) = min_stroke {
            shapes = orfevre_engrave::min_feature(shapes, min.as_f64(), 0.0).map_err(why)?;
        }
        let single = loaded.is_single_line();
        let stroke = min_stroke.map_or(0.2, |m| m.as_f64());
        let approved_svg = output::outline_svg(&shapes, zone, stroke);
        let mut tp = toolpath::toolpath(&shapes, zone, layer(m, single)).map_err(why)?;
        if single {
            tp.notes.push(orfevre_engrave::font::HERSHEY_ACKNOWLEDGEMENT.to_string());
        }
        order::order(&mut tp, order::TwoOpt::default());
        out.push(Engraved {
            field: f.id.clone(),
            label: f.label.clone(),
            text: t.to_string(),
            machine: m.clone(),
            toolpath: tp,
            approved_svg,
        });
    }
    Ok(out)
}

/// The files of one engraving, named after its field: `engraving/{field}.svg|dxf|gcode`, the
/// preview as `{field}-preview.png` and the outline the shopper approved as `{field}-approved.svg`.
pub fn files(e: &Engraved) -> Vec<(String, Vec<u8>)> {
    let f = &e.field;
    vec![
        (format!("engraving/{f}.svg"), output::svg(&e.toolpath).into_bytes()),
        (format!("engraving/{f}.dxf"), output::dxf(&e.toolpath)),
        (format!("engraving/{f}.gcode"), output::gcode(&e.toolpath).into_bytes()),
        (format!("engraving/{f}-preview.png"), output::png(&e.toolpath, PREVIEW_PX_PER_MM)),
        (format!("engraving/{f}-approved.svg"), e.approved_svg.clone().into_bytes()),
    ]
}
