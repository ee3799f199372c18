//! The configurator's live engraving preview: the production outline of a shopper's text in the
//! engraving zone of a base's field, in the catalog's font — the same layout the workshop's files
//! are made from (`orfevre-engrave`).

use crate::api::S;
use crate::problem::{ApiResult, Json, Problem};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use orfevre_catalog::FieldSpec;
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

/// The engraving as it will be made: an SVG of the outlines (or strokes, for single-line fonts)
/// laid out in the field's zone, in mm. Text that cannot be engraved is a 422 at `/text`.
#[utoipa::path(post, path = "/api/v1/engraving/preview", tag = "designs", request_body = PreviewRequest,
    responses((status = 200, content_type = "image/svg+xml"), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn preview(State(s): S, Json(r): Json<PreviewRequest>) -> ApiResult<Response> {
    let e = s.catalogs.active();
    let c = &e.catalog;
    let base = c.base(&r.base).ok_or_else(|| Problem::not_found(format!("there is no base {:?}", r.base)))?;
    let base = &c.bases[base as usize];
    let field = base.fields.iter().find(|f| f.id == r.field);
    let Some((width, height, fonts, max_length, min_stroke)) = field.and_then(|f| match &f.spec {
        FieldSpec::Engraving { width, height, fonts, max_length, min_stroke, .. } => {
            Some((*width, *height, fonts, *max_length, *min_stroke))
        }
        _ => None,
    }) else {
        return Err(Problem::invalid(
            "validation",
            format!("/field: {} has no engraving field {:?}", base.id, r.field),
        )
        .at("/field", "not an engraving field of this base"));
    };
    let n = r.text.chars().count();
    if n > max_length as usize {
        let why = format!("at most {max_length} characters (got {n})");
        return Err(Problem::invalid("validation", format!("/text: {why}")).at("/text", why));
    }
    let font = match &r.font {
        Some(id) => fonts.iter().map(|&i| &c.fonts[i as usize]).find(|f| &f.id == id),
        None => fonts.first().map(|&i| &c.fonts[i as usize]),
    };
    let Some(font) = font else {
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
    let shapes = tokio::task::spawn_blocking(move || text::layout(&loaded, &TextSpec::new(r.text), &zone))
        .await
        .map_err(Problem::internal)?;
    let shapes = match shapes {
        Ok(s) => s,
        Err(EngraveError::Empty) => Vec::new(),
        Err(e) => return Err(Problem::invalid("cannot-engrave", e.to_string()).at("/text", e.to_string())),
    };
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
