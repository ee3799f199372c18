//! A base's engraving laid out as it will be made: the production outline of a text in the
//! engraving zone of the base's field, in the catalog's font — the same layout the workshop's
//! files are made from (`orfevre-engrave`), for the configurator's live preview and for the
//! check a quote makes.

use orfevre_catalog::FieldSpec;
use orfevre_engine::{Design, Engine};
use orfevre_engrave::{text, EngraveError, Font, TextSpec, Zone};
use std::collections::HashMap;
use std::sync::RwLock;

/// Why an engraving cannot be laid out. The messages name the preview request's field at fault
/// (`/field`, `/text`, `/font`).
#[derive(Debug, thiserror::Error)]
pub enum EngravingError {
    #[error("there is no base {0:?}")]
    NoBase(String),
    #[error("/field: {base} has no engraving field {field:?}")]
    NotEngravingField { base: String, field: String },
    #[error("/text: at most {max} characters (got {got})")]
    TooLong { max: u32, got: usize },
    /// The font asked for is not one of the field's: these are.
    #[error("/font: one of {}", .0.join(", "))]
    UnknownFont(Vec<String>),
    /// The text does not fit the zone, or has glyphs the font lacks, or strokes too thin.
    #[error("{0}")]
    CannotEngrave(String),
    /// One of a design's engravings cannot be made (`why` starts with the field's label).
    #[error("{why}")]
    InField { field: String, why: String },
    /// The server's set-up: a font file missing or unreadable.
    #[error("{0}")]
    Setup(String),
}

/// Fonts read once per file and kept (a font file does not change under a running server).
#[derive(Default)]
pub struct Fonts(RwLock<HashMap<String, Font>>);

impl Fonts {
    fn get(&self, file: &str) -> Result<Font, EngraveError> {
        if let Some(f) = self.0.read().unwrap_or_else(|e| e.into_inner()).get(file) {
            return Ok(f.clone());
        }
        let f = Font::from_file(std::path::Path::new(file))?;
        self.0.write().unwrap_or_else(|e| e.into_inner()).insert(file.to_string(), f.clone());
        Ok(f)
    }
}

/// A base's engraving field laid out with `text` in `font` (default: the field's first): the zone
/// and the shapes. Problems point into a preview request (`/field`, `/font`, `/text`).
pub fn layout(
    fonts_cache: &Fonts,
    e: &Engine,
    base: &str,
    field: &str,
    text: &str,
    font: Option<&str>,
) -> Result<(Zone, Vec<orfevre_engrave::Shape>, f64), EngravingError> {
    let c = &e.catalog;
    let base_id = c.base(base).ok_or_else(|| EngravingError::NoBase(base.to_string()))?;
    let base = &c.bases[base_id as usize];
    let found = base.fields.iter().find(|f| f.id == field);
    let Some((width, height, fonts, max_length, min_stroke)) = found.and_then(|f| match &f.spec {
        FieldSpec::Engraving { width, height, fonts, max_length, min_stroke, .. } => {
            Some((*width, *height, fonts, *max_length, *min_stroke))
        }
        _ => None,
    }) else {
        return Err(EngravingError::NotEngravingField { base: base.id.clone(), field: field.to_string() });
    };
    let n = text.chars().count();
    if n > max_length as usize {
        return Err(EngravingError::TooLong { max: max_length, got: n });
    }
    let chosen = match font {
        Some(id) => fonts.iter().map(|&i| &c.fonts[i as usize]).find(|f| f.id == id),
        None => fonts.first().map(|&i| &c.fonts[i as usize]),
    };
    let Some(font) = chosen else {
        return Err(EngravingError::UnknownFont(fonts.iter().map(|&i| c.fonts[i as usize].id.clone()).collect()));
    };
    let file = font.file.clone().ok_or_else(|| EngravingError::Setup(format!("font {} has no file", font.id)))?;
    let zone = Zone::new(width.as_f64(), height.as_f64()).map_err(|e| EngravingError::Setup(e.to_string()))?;
    let stroke = min_stroke.map_or(0.2, |m| m.as_f64());
    let mut loaded = fonts_cache.get(&file).map_err(|e| {
        EngravingError::Setup(format!("{e} (install {})", font.package.as_deref().unwrap_or("the font's package")))
    })?;
    loaded.name = font.name.clone();
    let laid = text::layout(&loaded, &TextSpec::new(text), &zone)
        // The field's smallest stroke (the machine's spot, or cast relief's 0.3 mm): outlines with
        // more than a few per cent thinner than it cannot be made as drawn.
        .and_then(|shapes| match min_stroke {
            Some(m) => orfevre_engrave::min_feature(shapes, m.as_f64(), 0.0),
            None => Ok(shapes),
        });
    match laid {
        Ok(shapes) => Ok((zone, shapes, stroke)),
        Err(EngraveError::Empty) => Ok((zone, Vec::new(), stroke)),
        Err(e) => Err(EngravingError::CannotEngrave(e.to_string())),
    }
}

/// Every engraving of a design can be made in its font (the engine checks characters and lengths;
/// the font file decides glyphs and fit). A refusal names the field.
pub fn check_design(fonts: &Fonts, e: &Engine, d: &Design) -> Result<(), EngravingError> {
    let Some(base) = e.catalog.base(&d.base).map(|b| &e.catalog.bases[b as usize]) else { return Ok(()) };
    for f in base.fields.iter().filter(|f| matches!(f.spec, FieldSpec::Engraving { .. })) {
        let Some(v) = d.fields.get(&f.id) else { continue };
        let Some(text) = v.text.as_deref().filter(|t| !t.trim().is_empty()) else { continue };
        match layout(fonts, e, &d.base, &f.id, text, v.font.as_deref()) {
            Ok(_) => {}
            Err(err @ (EngravingError::NoBase(_) | EngravingError::Setup(_))) => return Err(err),
            Err(err) => {
                return Err(EngravingError::InField { field: f.id.clone(), why: format!("{}: {err}", f.label) })
            }
        }
    }
    Ok(())
}
