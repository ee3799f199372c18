//! The 3D model of a design, for the configurator's viewer. A saved design's model is
//! content-addressed, so it is served immutable.

use crate::http::{ApiResult, DesignBody, DesignHash, Problem, S};
use crate::services::designs::engine_for;
use crate::services::model::{build, Model};
use crate::state::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use orfevre_engine::Design;
use std::sync::Arc;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/designs/model", post(design_model))
        .route("/api/v1/designs/{hash}/model.glb", get(saved_model))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(design_model, saved_model))]
pub struct Api;

fn response(m: Model, cache: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "model/gltf-binary".to_string()),
            (header::CACHE_CONTROL, cache.to_string()),
            (header::HeaderName::from_static("x-orfevre-metal-volume-mm3"), format!("{:.2}", m.metal_volume_mm3)),
            (header::HeaderName::from_static("x-orfevre-triangles"), m.triangles.to_string()),
        ],
        m.glb,
    )
        .into_response()
}

/// The 3D model (GLB) of a design, for the configurator's live viewer. Body: a design.
#[utoipa::path(post, path = "/api/v1/designs/model", tag = "designs",
    request_body(content = Object, description = "A design document (docs/design.md)"),
    responses((status = 200, description = "model/gltf-binary: glTF 2.0, millimetres scaled to metres, Y up"),
        (status = 400, body = Problem), (status = 422, body = Problem)))]
pub async fn design_model(State(s): S, DesignBody(d): DesignBody) -> ApiResult<Response> {
    let e = engine_for(&s.catalogs, &d).await?;
    Ok(response(build(e, d).await?, "no-store"))
}

/// The 3D model (GLB) of a saved design: immutable, like the design.
#[utoipa::path(get, path = "/api/v1/designs/{hash}/model.glb", tag = "designs",
    responses((status = 200, description = "model/gltf-binary"), (status = 400, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn saved_model(State(s): S, DesignHash(hash): DesignHash) -> ApiResult<Response> {
    let row = s.store.design(&hash).await?.ok_or_else(|| Problem::not_found(format!("no design {hash}")))?;
    let d =
        Design::from_json(row.body.as_bytes()).map_err(|e| Problem::internal(format!("stored design {hash}: {e}")))?;
    let e = s
        .catalogs
        .get(&row.catalog_version)
        .await?
        .ok_or_else(|| Problem::not_found(format!("catalog version {} is gone", row.catalog_version)))?;
    Ok(response(build(e, d).await?, "public, max-age=31536000, immutable"))
}
