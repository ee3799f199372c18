//! Production: an order's job bag for the workshop.

use crate::http::problem;
use crate::http::Json;
use crate::http::{ApiResult, Principal, Problem, Query, S};
use crate::services::production;
use crate::services::production::{BedChoice, MAX_PLATE_ORDERS};
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use orfevre_commerce::policy;
use orfevre_production::Paper;
use serde::Deserialize;
use std::sync::Arc;

use crate::state::AppState;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/orders/{id}/job.zip", get(job_bag))
        .route("/api/v1/production/plates", post(create_plate))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(job_bag, create_plate))]
pub struct Api;

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct JobQuery {
    /// The assembly sheet's paper: `a4` (default) or `letter`.
    pub paper: Option<String>,
}

/// The job bag of an order: `manifest.json` (order, line, serial once made, design hash, catalog
/// version, the checks passed and every file's SHA-256), the assembly sheet (PDF), the pick list
/// (CSV), the quality checklist, the engraving files of each field at its machine's settings
/// (SVG, DXF, G-code, preview PNG), STL and 3MF for parametric pieces, and the certificate once
/// made. Built from the order's design hash and catalog version alone; a job that fails a check is
/// refused, never served half-made. Workshop and admins only; an unpaid or cancelled order is 409.
#[utoipa::path(get, path = "/api/v1/orders/{id}/job.zip", tag = "production", params(JobQuery),
    responses((status = 200, content_type = "application/zip", body = Vec<u8>), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
pub async fn job_bag(
    State(s): S,
    who: Principal,
    Path(id): Path<String>,
    q: Result<Query<JobQuery>, Problem>,
) -> ApiResult<Response> {
    who.require(policy::ORDER_STAFF)?;
    let Query(q) = q?;
    let paper = match q.paper.as_deref() {
        None => Paper::A4,
        Some(p) => Paper::parse(p).ok_or_else(|| problem::field("query:paper", "a4 or letter"))?,
    };
    let job = production::job(&s, &id, paper).await?;
    let mut r = job.zip.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/zip"));
    let disposition = format!("attachment; filename=\"job-{}.zip\"", job.id);
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(r)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlateRequest {
    /// The orders whose engravings go on the plate, in slot order (at most 100).
    pub orders: Vec<String>,
    /// A jig of the published catalog: each part in its own slot.
    #[serde(default)]
    pub jig: Option<String>,
    /// Or a machine of the published catalog: parts in rows on its free bed.
    #[serde(default)]
    pub machine: Option<String>,
    /// The distance between parts on a free bed, mm (default 2).
    #[serde(default)]
    pub gap_mm: Option<String>,
}

/// A laser plate: the engravings of several paid orders batched onto one jig (each in its slot)
/// or one machine's free bed (in rows), as a zip of `plate.gcode`, `plate.svg`, `plate.dxf` and
/// `plate.json` (what went where, and each part left off with the reason: another machine, larger
/// than a slot, the plate full, an unpaid order). Workshop and admins only.
#[utoipa::path(post, path = "/api/v1/production/plates", tag = "production", request_body = PlateRequest,
    responses((status = 200, content_type = "application/zip", body = Vec<u8>), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_plate(State(s): S, who: Principal, Json(req): Json<PlateRequest>) -> ApiResult<Response> {
    who.require(policy::ORDER_STAFF)?;
    if req.orders.is_empty() || req.orders.len() > MAX_PLATE_ORDERS {
        return Err(problem::field("/orders", format!("between 1 and {MAX_PLATE_ORDERS} orders")));
    }
    let bed = match (req.jig, req.machine) {
        (Some(j), None) => BedChoice::Jig(j),
        (None, Some(id)) => {
            let gap = match req.gap_mm.as_deref() {
                None => orfevre_catalog::Mm::from_mm(2),
                Some(g) => g
                    .parse()
                    .ok()
                    .and_then(orfevre_catalog::Mm::from_decimal)
                    .filter(|m| m.um() <= 50_000)
                    .ok_or_else(|| problem::field("/gap_mm", "a number of millimetres from 0 to 50"))?,
            };
            BedChoice::Machine { id, gap }
        }
        _ => return Err(problem::field("/jig", "give a jig, or a machine for its free bed (not both)")),
    };
    let plate = production::plate(&s, &req.orders, bed).await?;
    let mut r = orfevre_production::plate::zip(&plate).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/zip"));
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"plate.zip\""));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(r)
}
