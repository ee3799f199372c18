//! NFC tags (workshop, admin; the owner may declare one lost): fitted to a piece with the keys
//! to write to it, revoked so that its taps open nothing.

use crate::http::extract::tag_uid;
use crate::http::{ApiResult, Json, Principal, Problem, S};
use crate::services::pieces::{find, tag_keys, TagKeys};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use orfevre_commerce::policy;
use serde::Deserialize;
use std::sync::Arc;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/pieces/{serial}/tags", post(add_tag))
        .route("/api/v1/pieces/{serial}/tags/{uid}/revoke", post(revoke_tag))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(add_tag, revoke_tag), components(schemas(TagKeys)))]
pub struct Api;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTag {
    /// The tag's 7-byte UID, hex.
    pub uid: String,
}

/// Fit an NFC tag to a piece (workshop, admin); answers the keys to write to it.
#[utoipa::path(post, path = "/api/v1/pieces/{serial}/tags", tag = "pieces", request_body = NewTag,
    responses((status = 201, body = TagKeys), (status = 409, body = Problem)))]
pub async fn add_tag(
    State(s): S,
    who: Principal,
    Path(serial): Path<String>,
    Json(t): Json<NewTag>,
) -> ApiResult<Response> {
    who.require(policy::PIECE_STAFF)?;
    let uid = tag_uid(&t.uid, "/uid")?;
    let p = find(&s, &serial).await?;
    if !s.store.add_tag(&uid, &p.serial, &who.actor()).await? {
        return Err(Problem::conflict(format!("tag {uid} is already fitted to a piece")).at("/uid", "in use"));
    }
    Ok((StatusCode::CREATED, axum::Json(tag_keys(&s, &uid)?)).into_response())
}

/// Declare a tag lost (owner, admin, workshop): its taps open nothing any more.
#[utoipa::path(post, path = "/api/v1/pieces/{serial}/tags/{uid}/revoke", tag = "pieces",
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn revoke_tag(
    State(s): S,
    who: Principal,
    Path((serial, uid)): Path<(String, String)>,
) -> ApiResult<Response> {
    let p = find(&s, &serial).await?;
    if !who.caller(None).is_staff() {
        who.require_owner(&p)?;
    }
    let uid = tag_uid(&uid, "path:uid")?;
    if !s.store.revoke_tag(&p.serial, &uid, &who.actor()).await? {
        return Err(Problem::not_found(format!("piece {serial} has no live tag {uid}")));
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}
