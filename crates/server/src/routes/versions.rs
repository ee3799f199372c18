//! The catalog's versions (staff): stored by upload or by a price change, published one at a
//! time, taken back out as files for the brand's git repository.

use crate::http::auth::Principal;
use crate::http::extract::{body_bytes, parse_json};
use crate::http::respond::created;
use crate::http::{ApiResult, Json, Problem, S};
use crate::services::catalogs::{self, CatalogInfo, Upload};
use crate::services::rfc3339;
use crate::state::AppState;
use axum::extract::{Path, Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use orfevre_commerce::policy;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Largest catalog upload (compressed or not); the catalog's own limits apply once unpacked.
pub const UPLOAD_LIMIT: usize = 16 << 20;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/catalog/versions", get(list_versions).post(upload_catalog))
        .route("/api/v1/catalog/versions/{version}/publish", post(publish_catalog))
        .route("/api/v1/catalog/versions/{version}/sources", get(catalog_sources))
        .route("/api/v1/catalog/versions/{version}/metal-prices", post(set_metal_prices))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(list_versions, upload_catalog, publish_catalog, catalog_sources, set_metal_prices))]
pub struct Api;

#[derive(Serialize, utoipa::ToSchema)]
pub struct CatalogVersion {
    pub version: String,
    pub digest: String,
    pub created_at: String,
    pub created_by: Option<String>,
    pub active: bool,
}

/// Stored catalog versions (staff).
#[utoipa::path(get, path = "/api/v1/catalog/versions", tag = "catalog",
    responses((status = 200, body = [CatalogVersion]), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_versions(State(s): S, who: Principal) -> ApiResult<axum::Json<Vec<CatalogVersion>>> {
    who.require(policy::CATALOG_STAFF)?;
    let active = s.store.active_catalog().await?;
    let rows = s.store.catalogs().await?;
    Ok(axum::Json(
        rows.into_iter()
            .map(|r| CatalogVersion {
                active: active.as_deref() == Some(r.version.as_str()),
                version: r.version,
                digest: r.digest,
                created_at: rfc3339(r.created_at),
                created_by: r.created_by,
            })
            .collect(),
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct UploadResult {
    pub version: String,
    pub digest: String,
    /// False when this exact version was already stored.
    pub created: bool,
    pub warnings: usize,
    /// The checker's report (warnings only: a catalog with errors is refused with 422).
    #[schema(value_type = Vec<Object>)]
    pub diagnostics: Vec<orfevre_catalog::Diagnostic>,
}

/// Upload a catalog version (staff): a tar or tar.gz archive of the catalog directory, or JSON
/// `{"files": {"brand.toml": "…"}}`. Checked first: with errors, nothing is stored and the 422
/// problem lists every diagnostic (`file:line:column`). Publishing is a separate step.
#[utoipa::path(post, path = "/api/v1/catalog/versions", tag = "catalog",
    request_body(content = Vec<u8>, content_type = "application/x-tar", description = "tar (or tar.gz as application/gzip) of the catalog directory, or JSON {\"files\": {path: text}}"),
    responses((status = 201, body = UploadResult), (status = 200, body = UploadResult), (status = 422, body = Problem),
        (status = 409, body = Problem), (status = 413, body = Problem)))]
pub async fn upload_catalog(State(s): S, who: Principal, req: Request) -> ApiResult<Response> {
    who.require(policy::CATALOG_STAFF)?;
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let body = body_bytes(
        req,
        UPLOAD_LIMIT,
        &["application/x-tar", "application/gzip", "application/x-gzip", "application/tar+gzip", "application/json"],
    )
    .await?;
    let upload = if ct == "application/json" {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Files {
            files: BTreeMap<String, String>,
        }
        Upload::Files(parse_json::<Files>(&body)?.files)
    } else {
        Upload::Archive { gzip: ct.contains("gzip"), body: &body }
    };
    let set = catalogs::read_upload(upload)?;
    let checked = catalogs::check(&set)?;
    let out = UploadResult {
        version: checked.version.clone(),
        digest: checked.digest.clone(),
        created: false,
        warnings: checked.diagnostics.len(),
        diagnostics: checked.diagnostics.clone(),
    };
    let version = checked.version.clone();
    let new = s.catalogs.put(checked, &who.actor()).await?;
    let out = UploadResult { created: new, ..out };
    Ok(if new { created(format!("/api/v1/catalog/versions/{version}"), out) } else { axum::Json(out).into_response() })
}

/// Publish a stored version (staff): every server switches to it (within the poll interval).
#[utoipa::path(post, path = "/api/v1/catalog/versions/{version}/publish", tag = "catalog",
    responses((status = 200, body = CatalogInfo), (status = 404, body = Problem)))]
pub async fn publish_catalog(
    State(s): S,
    who: Principal,
    Path(version): Path<String>,
) -> ApiResult<axum::Json<CatalogInfo>> {
    who.require(policy::CATALOG_STAFF)?;
    let e = s.catalogs.publish(&version).await?;
    tracing::info!(%version, by = %who.actor(), "catalog published");
    Ok(axum::Json(CatalogInfo::of(&e)))
}

/// A stored version's files as `{"files": {path: text}}` — the upload format — so that a version
/// made in the back office can be taken back into the brand's git repository (staff).
#[utoipa::path(get, path = "/api/v1/catalog/versions/{version}/sources", tag = "catalog",
    responses((status = 200, body = Object), (status = 404, body = Problem)))]
pub async fn catalog_sources(State(s): S, who: Principal, Path(version): Path<String>) -> ApiResult<Response> {
    who.require(policy::CATALOG_STAFF)?;
    let files = s.store.catalog_sources(&version).await?;
    let files = files.ok_or_else(|| Problem::not_found(format!("there is no catalog version {version}")))?;
    let body = format!("{{\"files\":{files}}}");
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MetalPrices {
    /// The new version's name (brand.toml's `version`); it must not exist yet.
    pub version: String,
    /// Metal id → price per gram in the brand's currency (decimal string).
    pub prices: BTreeMap<String, String>,
}

/// Make a new catalog version from `{version}` with new metal prices per gram (staff). The TOML
/// sources are edited in place (comments and layout kept), checked like an upload and stored
/// unpublished; publishing is the same separate step.
#[utoipa::path(post, path = "/api/v1/catalog/versions/{version}/metal-prices", tag = "catalog",
    request_body = MetalPrices,
    responses((status = 201, body = UploadResult), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
pub async fn set_metal_prices(
    State(s): S,
    who: Principal,
    Path(version): Path<String>,
    Json(req): Json<MetalPrices>,
) -> ApiResult<Response> {
    who.require(policy::CATALOG_STAFF)?;
    let set = catalogs::sources(&s.store, &version).await?;
    let set = set.ok_or_else(|| Problem::not_found(format!("there is no catalog version {version}")))?;
    let edited = orfevre_catalog::edit::set_metal_prices(&set, &req.version, &req.prices).map_err(|e| {
        let pointer = if e.key == "version" { "/version".to_string() } else { format!("/prices/{}", e.key) };
        Problem::invalid("validation", format!("{pointer}: {}", e.message)).at(pointer, e.message)
    })?;
    let checked = catalogs::check(&edited)?;
    let out = UploadResult {
        version: checked.version.clone(),
        digest: checked.digest.clone(),
        created: true,
        warnings: checked.diagnostics.len(),
        diagnostics: checked.diagnostics.clone(),
    };
    let new_version = checked.version.clone();
    // An existing version is refused, whether its content matches (false) or not (a 409 already).
    let stored = s.catalogs.put(checked, &who.actor()).await.map_err(|e| {
        let p = Problem::from(e);
        if p.status == 409 {
            p.at("/version", "choose a new version name")
        } else {
            p
        }
    })?;
    if !stored {
        return Err(Problem::conflict(format!("catalog version {new_version} already exists"))
            .at("/version", "choose a new version name"));
    }
    tracing::info!(from = %version, version = %new_version, by = %who.actor(), "metal prices changed");
    Ok(created(format!("/api/v1/catalog/versions/{new_version}"), out))
}
