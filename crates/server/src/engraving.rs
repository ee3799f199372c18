//! The configurator's live engraving preview: the production outline of a shopper's text in the
//! engraving zone of a base's field, in the catalog's font — the same layout the workshop's files
//! are made from (`orfevre-engrave`).

use crate::api::S;
use crate::problem::{ApiResult, Json, Problem};
use crate::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use orfevre_catalog::FieldSpec;
use orfevre_engine::{Design, Engine};
use orfevre_engrave::{text, EngraveError, Font, TextSpec, Zone};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::RwLock;

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

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewRequest {
    pub base: String,
    /// The engraving field's id on that base.
    pub field: String,
    pub text: String,
    /// One of the field's fonts (default: its first).
    pub font: Option<String>,
}

/// A base's engraving field laid out with `text` in `font` (default: the field's first): the zone
/// and the shapes. Problems point into a preview request (`/field`, `/font`, `/text`).
fn layout(
    s: &AppState,
    e: &Engine,
    base: &str,
    field: &str,
    text: &str,
    font: Option<&str>,
) -> ApiResult<(Zone, Vec<orfevre_engrave::Shape>, f64)> {
    let c = &e.catalog;
    let base_id = c.base(base).ok_or_else(|| Problem::not_found(format!("there is no base {base:?}")))?;
    let base = &c.bases[base_id as usize];
    let found = base.fields.iter().find(|f| f.id == field);
    let Some((width, height, fonts, max_length, min_stroke)) = found.and_then(|f| match &f.spec {
        FieldSpec::Engraving { width, height, fonts, max_length, min_stroke, .. } => {
            Some((*width, *height, fonts, *max_length, *min_stroke))
        }
        _ => None,
    }) else {
        return Err(Problem::invalid("validation", format!("/field: {} has no engraving field {field:?}", base.id))
            .at("/field", "not an engraving field of this base"));
    };
    let n = text.chars().count();
    if n > max_length as usize {
        let why = format!("at most {max_length} characters (got {n})");
        return Err(Problem::invalid("validation", format!("/text: {why}")).at("/text", why));
    }
    let chosen = match font {
        Some(id) => fonts.iter().map(|&i| &c.fonts[i as usize]).find(|f| f.id == id),
        None => fonts.first().map(|&i| &c.fonts[i as usize]),
    };
    let Some(font) = chosen else {
        let ids: Vec<&str> = fonts.iter().map(|&i| c.fonts[i as usize].id.as_str()).collect();
        let why = format!("one of {}", ids.join(", "));
        return Err(Problem::invalid("validation", format!("/font: {why}")).at("/font", why));
    };
    let file = font.file.clone().ok_or_else(|| Problem::internal(format!("font {} has no file", font.id)))?;
    let zone = Zone::new(width.as_f64(), height.as_f64()).map_err(Problem::internal)?;
    let stroke = min_stroke.map_or(0.2, |m| m.as_f64());
    let mut loaded = s.fonts.get(&file).map_err(|e| {
        Problem::internal(format!("{e} (install {})", font.package.as_deref().unwrap_or("the font's package")))
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
        Err(e) => Err(Problem::invalid("cannot-engrave", e.to_string()).at("/text", e.to_string())),
    }
}

/// The engraving as it will be made: an SVG of the outlines (or strokes, for single-line fonts)
/// laid out in the field's zone, in mm. Text that cannot be engraved is a 422 at `/text`.
#[utoipa::path(post, path = "/api/v1/engraving/preview", tag = "designs", request_body = PreviewRequest,
    responses((status = 200, content_type = "image/svg+xml"), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn preview(State(s): S, Json(r): Json<PreviewRequest>) -> ApiResult<Response> {
    let e = s.catalogs.active();
    let st = s.clone();
    let (zone, shapes, stroke) =
        tokio::task::spawn_blocking(move || layout(&st, &e, &r.base, &r.field, &r.text, r.font.as_deref()))
            .await
            .map_err(Problem::internal)??;
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "no-store"),
            (header::CONTENT_SECURITY_POLICY, "default-src 'none'; style-src 'unsafe-inline'"),
        ],
        orfevre_engrave::output::outline_svg(&shapes, zone, stroke),
    )
        .into_response())
}

/// Every engraving of a design can be made in its font (the engine checks characters and lengths;
/// the font file decides glyphs and fit). A problem points at `/design` and names the field.
pub fn check_design(s: &AppState, e: &Engine, d: &Design) -> ApiResult<()> {
    let Some(base) = e.catalog.base(&d.base).map(|b| &e.catalog.bases[b as usize]) else { return Ok(()) };
    for f in base.fields.iter().filter(|f| matches!(f.spec, FieldSpec::Engraving { .. })) {
        let Some(v) = d.fields.get(&f.id) else { continue };
        let Some(text) = v.text.as_deref().filter(|t| !t.trim().is_empty()) else { continue };
        if let Err(p) = layout(s, e, &d.base, &f.id, text, v.font.as_deref()) {
            if p.status == 422 {
                let why = format!("{}: {}", f.label, p.detail);
                return Err(Problem::invalid("cannot-engrave", why.clone()).at("/design", why).with("field", &f.id));
            }
            return Err(p);
        }
    }
    Ok(())
}
