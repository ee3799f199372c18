//! The configurator's live engraving preview: the production outline of a shopper's text in the
//! engraving zone of a base's field, in the catalog's font.

use crate::http::{ApiResult, Json, Problem, S};
use crate::services::engraving::layout;
use crate::state::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde::Deserialize;
use std::sync::Arc;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new().route("/api/v1/engraving/preview", post(preview))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(preview))]
pub struct Api;

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
    let st = s.clone();
    let (zone, shapes, stroke) =
        tokio::task::spawn_blocking(move || layout(&st.fonts, &e, &r.base, &r.field, &r.text, r.font.as_deref()))
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
