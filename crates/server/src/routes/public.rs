//! What anyone may check of the brand's certificates: the revocation status lists, the brand's
//! DID document, and GS1 Digital Links to a piece's page.

use crate::http::{ApiResult, Problem, S};
use crate::services::pieces::{find, host_of, identity_url, issuer, status_url, STATUS_BITS};
use crate::services::rfc3339;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use orfevre_store::now_ms;
use orfevre_twin::{credential, identity, status};
use std::sync::Arc;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/status/{list}", get(status_list))
        .route("/.well-known/did.json", get(did_document))
        .route("/01/{gtin}/21/{serial}", get(digital_link))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(status_list, did_document))]
pub struct Api;

/// The Bitstring Status List credential (revocation) for certificates of list `list`.
#[utoipa::path(get, path = "/api/v1/status/{list}", tag = "pieces",
    responses((status = 200, description = "a BitstringStatusListCredential"), (status = 404, body = Problem)))]
pub async fn status_list(State(s): S, Path(list): Path<String>) -> ApiResult<Response> {
    let n: i64 =
        list.parse().ok().filter(|n| *n >= 0).ok_or_else(|| Problem::not_found(format!("no status list {list}")))?;
    if n > s.store.piece_count().await? / (STATUS_BITS as i64 / 2) {
        return Err(Problem::not_found(format!("no status list {list}")));
    }
    let set: Vec<u64> = s.store.revoked_indices(n).await?.into_iter().map(|i| i as u64).collect();
    let encoded = status::encode(STATUS_BITS as usize, &set).map_err(Problem::internal)?;
    let (did, method) = issuer(&s);
    let now = rfc3339(now_ms());
    let doc = status::list_credential(&status_url(&s, n), &did, &now, &encoded);
    let signed = credential::issue_as(&doc, &s.twin.passport, &now, &method).map_err(Problem::internal)?;
    Ok((
        [(header::CONTENT_TYPE, "application/vc+json"), (header::CACHE_CONTROL, "public, max-age=60")],
        axum::Json(signed),
    )
        .into_response())
}

/// The brand's did:web DID document (its certificate key).
#[utoipa::path(get, path = "/.well-known/did.json", tag = "pieces", responses((status = 200, description = "DID document")))]
pub async fn did_document(State(s): S) -> Response {
    let did = credential::did_web(host_of(&s.public_url));
    axum::Json(credential::did_web_document(&did, &s.twin.passport)).into_response()
}

/// A GS1 Digital Link to a piece: checked against the piece's GTIN, then to its page.
pub async fn digital_link(State(s): S, Path((gtin, serial)): Path<(String, String)>) -> ApiResult<Response> {
    let p = find(&s, &serial).await?;
    let want = identity::path(Some(&gtin), &serial).map_err(|e| Problem::not_found(e.to_string()))?;
    if p.gtin.is_none() || identity_url(&s, &p) != format!("{}{want}", s.public_url) {
        return Err(Problem::not_found(format!("piece {serial} is not of GTIN {gtin}")));
    }
    Ok((StatusCode::SEE_OTHER, [(header::LOCATION, format!("/p/{serial}"))]).into_response())
}
