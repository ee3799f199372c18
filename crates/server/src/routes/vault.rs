//! The memory vault (its owner; a tap viewer reads): sharing settings, photos cleaned of their
//! location, videos and voice messages streamed in and served by range, the whole vault as a zip.

use crate::http::auth::viewer_cookie;
use crate::http::ranges;
use crate::http::{ApiResult, Json, Principal, Problem, Query, S};
use crate::services::accounts::hash_password;
use crate::services::pieces::{access, find, item_view, piece_view, Access, ItemView, PieceView};
use crate::services::vault::{self, Upload};
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;
use orfevre_store::{Piece, VaultItem};
use serde::Deserialize;
use std::sync::Arc;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/pieces/{serial}/sharing", put(set_sharing))
        .route("/api/v1/pieces/{serial}/vault", post(upload))
        .route("/api/v1/pieces/{serial}/vault.zip", get(export))
        .route("/api/v1/pieces/{serial}/vault/{id}", get(vault_media).delete(delete_item))
        .route("/api/v1/pieces/{serial}/vault/{id}/thumb", get(vault_thumb))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(set_sharing, upload, export, vault_media, vault_thumb, delete_item))]
pub struct Api;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Sharing {
    /// Whether a genuine tap opens the vault (read-only, for a while).
    pub tap_access: bool,
    /// A PIN the tapper must also give (4 to 8 digits), or null for none.
    pub pin: Option<String>,
}

/// The owner's sharing choices.
#[utoipa::path(put, path = "/api/v1/pieces/{serial}/sharing", tag = "pieces", request_body = Sharing,
    responses((status = 200, body = PieceView), (status = 403, body = Problem)))]
pub async fn set_sharing(
    State(s): S,
    who: Principal,
    Path(serial): Path<String>,
    Json(sh): Json<Sharing>,
) -> ApiResult<Response> {
    let p = find(&s, &serial).await?;
    who.require_owner(&p)?;
    let pin_hash = match sh.pin.as_deref() {
        None => None,
        Some(pin) if (4..=8).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit()) => {
            Some(hash_password(pin).map_err(Problem::internal)?)
        }
        Some(_) => {
            return Err(Problem::invalid("validation", "/pin: 4 to 8 digits").at("/pin", "4 to 8 digits, or null"))
        }
    };
    let owner = who.user_id().unwrap_or_default();
    if !s.store.set_sharing(&p.serial, owner, sh.tap_access, pin_hash.as_deref()).await? {
        return Err(Problem::conflict("the piece changed hands meanwhile"));
    }
    let p = find(&s, &serial).await?;
    Ok(axum::Json(piece_view(&s, p, Access::Owner, false).await?).into_response())
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// The item's name as shown (at most 120 characters).
    pub name: Option<String>,
}

/// Add a photo (JPEG, PNG; ≤ 20 MiB, ≤ 50 MP; GPS and other metadata removed), a video (MP4,
/// QuickTime, WebM; ≤ 200 MiB, one per vault) or a voice message (WebM, Ogg, MP4, MP3, WAV;
/// ≤ 20 MiB, 20 per vault) to the vault (owner). MP4, QuickTime and M4A files lose the place they
/// were recorded (location and XMP boxes). The body is the file; its type is the
/// Content-Type.
#[utoipa::path(post, path = "/api/v1/pieces/{serial}/vault", tag = "pieces", params(UploadQuery),
    responses((status = 201, body = ItemView), (status = 409, body = Problem), (status = 413, body = Problem),
        (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn upload(
    State(s): S,
    who: Principal,
    Path(serial): Path<String>,
    q: Result<Query<UploadQuery>, Problem>,
    req: Request,
) -> ApiResult<Response> {
    let p = find(&s, &serial).await?;
    who.require_owner(&p)?;
    let Query(q) = q?;
    let h = req.headers();
    let announced = Upload {
        content_type: h.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or(""),
        declared_length: h.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok()),
        name: q.name.as_deref(),
    };
    let admitted = vault::admit(&s, &p, announced).await?;
    let item = vault::store(&s, &p, admitted, req.into_body().into_data_stream()).await?;
    let view = item_view(&p.serial, &item);
    let mut r = (StatusCode::CREATED, axum::Json(&view)).into_response();
    if let Ok(v) = HeaderValue::from_str(&view.url) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    Ok(r)
}

/// Whether the caller may read the vault: the owner, or a tap viewer with the PIN given.
async fn may_read_vault(s: &AppState, who: &Principal, headers: &HeaderMap, p: &Piece) -> ApiResult<()> {
    let cookie = viewer_cookie(headers);
    match access(s, who.caller(cookie.as_deref()), p).await? {
        (Access::Owner | Access::Viewer, _) => Ok(()),
        (_, true) => Err(Problem::forbidden("give the owner's PIN first").at("/pin", "required")),
        _ if who.role().is_none() => Err(Problem::unauthorized()),
        _ => Err(Problem::forbidden("the vault is open to the piece's owner and, if allowed, to a genuine tap")),
    }
}

/// Item `id` of piece `serial`'s vault, if the caller may read the vault.
async fn readable_item(
    s: &AppState,
    who: &Principal,
    headers: &HeaderMap,
    serial: &str,
    id: &str,
) -> ApiResult<VaultItem> {
    let p = find(s, serial).await?;
    may_read_vault(s, who, headers, &p).await?;
    s.store.vault_item(&p.serial, id).await?.ok_or_else(|| Problem::not_found(format!("no item {id}")))
}

/// One item of the vault, with HTTP range requests (owner, tap viewer).
#[utoipa::path(get, path = "/api/v1/pieces/{serial}/vault/{id}", tag = "pieces",
    responses((status = 200, description = "the file"), (status = 206, description = "a range of it"),
        (status = 403, body = Problem), (status = 416, body = Problem)))]
pub async fn vault_media(
    State(s): S,
    who: Principal,
    headers: HeaderMap,
    Path((serial, id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let i = readable_item(&s, &who, &headers, &serial, &id).await?;
    Ok(ranges::serve(&s.media, &i.object, &i.mime, i.bytes as u64, &headers, &format!("\"{}\"", i.id)).await)
}

/// A photo's thumbnail (JPEG, at most 480 px a side, upright).
#[utoipa::path(get, path = "/api/v1/pieces/{serial}/vault/{id}/thumb", tag = "pieces",
    responses((status = 200, description = "JPEG"), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn vault_thumb(
    State(s): S,
    who: Principal,
    headers: HeaderMap,
    Path((serial, id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let i = readable_item(&s, &who, &headers, &serial, &id).await?;
    let key = i.thumb.ok_or_else(|| Problem::not_found(format!("item {id} has no thumbnail")))?;
    let b = s.media.get(&key).await.map_err(Problem::internal)?;
    Ok(([(header::CONTENT_TYPE, "image/jpeg"), (header::CACHE_CONTROL, "private, max-age=3600")], b).into_response())
}

/// Remove an item from the vault (owner).
#[utoipa::path(delete, path = "/api/v1/pieces/{serial}/vault/{id}", tag = "pieces",
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete_item(
    State(s): S,
    who: Principal,
    Path((serial, id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let p = find(&s, &serial).await?;
    who.require_owner(&p)?;
    let i =
        s.store.delete_vault_item(&p.serial, &id).await?.ok_or_else(|| Problem::not_found(format!("no item {id}")))?;
    s.media.delete_items(std::slice::from_ref(&i)).await;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The whole vault as a zip (owner): every item as uploaded (photos as cleaned), the certificate
/// and a manifest.
#[utoipa::path(get, path = "/api/v1/pieces/{serial}/vault.zip", tag = "pieces",
    responses((status = 200, description = "application/zip"), (status = 403, body = Problem)))]
pub async fn export(State(s): S, who: Principal, Path(serial): Path<String>) -> ApiResult<Response> {
    let p = find(&s, &serial).await?;
    who.require_owner(&p)?;
    let file = vault::export(&s, &p).await?;
    let stream = tokio_util::io::ReaderStream::new(tokio::fs::File::from_std(file));
    let disposition = format!("attachment; filename=\"vault-{}.zip\"", p.serial);
    Ok((
        [(header::CONTENT_TYPE, "application/zip".to_string()), (header::CONTENT_DISPOSITION, disposition)],
        Body::from_stream(stream),
    )
        .into_response())
}
