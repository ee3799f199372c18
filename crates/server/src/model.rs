//! The viewer's 3D model of a design: a GLB built by `orfevre-model` from the geometry the
//! engine resolved (the band at the exact size, the stone, the head), with the catalog's metal
//! and stone looks. A saved design's model is content-addressed, so it is served immutable.

use crate::api::{check_hash, design_body, engine_for, S};
use crate::problem::{ApiResult, Problem};
use axum::extract::{Path, Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use orfevre_engine::{Design, Engine};
use orfevre_model::export::{self, GemLook, MetalLook};
use std::sync::Arc;

/// The GLB of a design and its figures, off the async workers (a ring takes a few ms).
async fn glb(e: Arc<Engine>, d: Design) -> ApiResult<(Vec<u8>, f64, usize)> {
    tokio::task::spawn_blocking(move || {
        let ev = e.evaluate(&d);
        let Some(g) = ev.geometry else {
            return Err(Problem::invalid(
                "no-model",
                format!("base {} has no 3D model: the viewer shows rings built from a band", d.base),
            ));
        };
        let piece = orfevre_model::ring(&g.ring).map_err(|err| Problem::invalid("no-model", err.to_string()))?;
        let gem = match &g.stone {
            Some((_, species, ior)) => GemLook::for_species(species, ior.to_string().parse().unwrap_or(1.5)),
            None => GemLook::for_species("", 1.5),
        };
        let bytes = export::glb(&piece, &MetalLook::for_metal(&g.metal), &gem);
        Ok((bytes, piece.metal_volume_mm3, piece.triangles()))
    })
    .await
    .map_err(Problem::internal)?
}

fn response((bytes, volume, triangles): (Vec<u8>, f64, usize), cache: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "model/gltf-binary".to_string()),
            (header::CACHE_CONTROL, cache.to_string()),
            (header::HeaderName::from_static("x-orfevre-metal-volume-mm3"), format!("{volume:.2}")),
            (header::HeaderName::from_static("x-orfevre-triangles"), triangles.to_string()),
        ],
        bytes,
    )
        .into_response()
}

/// The 3D model (GLB) of a design, for the configurator's live viewer. Body: a design.
#[utoipa::path(post, path = "/api/v1/designs/model", tag = "designs",
    request_body(content = Object, description = "A design document (docs/design.md)"),
    responses((status = 200, description = "model/gltf-binary: glTF 2.0, millimetres scaled to metres, Y up"),
        (status = 400, body = Problem), (status = 422, body = Problem)))]
pub async fn design_model(State(s): S, req: Request) -> ApiResult<Response> {
    let d = design_body(req).await?;
    let e = engine_for(&s, &d).await?;
    Ok(response(glb(e, d).await?, "no-store"))
}

/// The 3D model (GLB) of a saved design: immutable, like the design.
#[utoipa::path(get, path = "/api/v1/designs/{hash}/model.glb", tag = "designs",
    responses((status = 200, description = "model/gltf-binary"), (status = 400, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn saved_model(State(s): S, Path(hash): Path<String>) -> ApiResult<Response> {
    check_hash(&hash)?;
    let row = s.store.design(&hash).await?.ok_or_else(|| Problem::not_found(format!("no design {hash}")))?;
    let d =
        Design::from_json(row.body.as_bytes()).map_err(|e| Problem::internal(format!("stored design {hash}: {e}")))?;
    let e = s
        .catalogs
        .get(&row.catalog_version)
        .await?
        .ok_or_else(|| Problem::not_found(format!("catalog version {} is gone", row.catalog_version)))?;
    Ok(response(glb(e, d).await?, "public, max-age=31536000, immutable"))
}
