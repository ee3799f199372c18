//! The memory vault (its owner; a tap viewer reads): sharing settings, photos cleaned of their
//! location, videos and voice messages streamed in and served by range, the whole vault as a zip.

use crate::http::auth::viewer_cookie;
use crate::http::problem;
use crate::http::ranges;
use crate::http::{ApiResult, Json, Principal, Problem, Query, S};
use crate::services::accounts::hash_password;
use crate::services::bmff::Scrubber;
use crate::services::media::{self, Kind};
use crate::services::pieces::{access, find, item_view, piece_view, Access, ItemView, PieceView, MAX_NAME};
use crate::services::rfc3339;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;
use bytes::BytesMut;
use futures_util::StreamExt;
use orfevre_store::{now_ms, Piece, VaultItem};
use serde::Deserialize;
use serde_json::json;
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
    let ct = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let (mime, kind) = media::kind_of(&ct).ok_or_else(|| {
        Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
            format!("a vault takes {}; got {}", media::accepted(), if ct.is_empty() { "no Content-Type" } else { &ct }),
        )
        .at("header:content-type", format!("one of {}", media::accepted()))
    })?;
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > kind.max_bytes()) {
        return Err(problem::too_large(kind.max_bytes() as usize)
            .at("header:content-length", format!("a {} is at most {} bytes", kind.as_str(), kind.max_bytes())));
    }
    let name = match q.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) if n.chars().count() > MAX_NAME || n.chars().any(char::is_control) => {
            let why = format!("at most {MAX_NAME} characters, no control characters");
            return Err(Problem::invalid("validation", format!("name: {why}")).at("query:name", why));
        }
        Some(n) => n.to_string(),
        None => format!("{} {}", kind.as_str(), rfc3339(now_ms()).get(..10).unwrap_or("")),
    };
    let have = s.store.vault_items(&p.serial).await?.iter().filter(|i| i.kind == kind).count() as i64;
    if have >= kind.max_items() {
        return Err(vault_full(kind));
    }
    // Read enough to check the file is what it says.
    let mut stream = req.into_body().into_data_stream();
    let mut head = BytesMut::new();
    while head.len() < 16 {
        match stream.next().await {
            Some(Ok(c)) => head.extend_from_slice(&c),
            Some(Err(e)) => return Err(Problem::bad_request("body", format!("the upload broke off: {e}"))),
            None => break,
        }
    }
    if !media::sniff(mime, &head) {
        return Err(Problem::invalid("media-mismatch", format!("the file is not {mime}, as its Content-Type says"))
            .at("header:content-type", "does not match the file's content"));
    }
    let id = orfevre_store::new_id("vlt_");
    let object = format!("vault/{}/{id}", p.serial);
    let (bytes, thumb) = if kind == Kind::Photo {
        let mut all = head;
        while let Some(c) = stream.next().await {
            let c = c.map_err(|e| Problem::bad_request("body", format!("the upload broke off: {e}")))?;
            all.extend_from_slice(&c);
            if all.len() as u64 > kind.max_bytes() {
                return Err(problem::too_large(kind.max_bytes() as usize));
            }
        }
        let raw = all.freeze();
        let photo =
            tokio::task::spawn_blocking(move || media::clean_photo(mime, raw)).await.map_err(Problem::internal)??;
        let thumb_key = format!("{object}.thumb.jpg");
        s.media.put(&object, photo.bytes.clone()).await.map_err(Problem::internal)?;
        s.media.put(&thumb_key, photo.thumb).await.map_err(Problem::internal)?;
        (photo.bytes.len() as u64, Some(thumb_key))
    } else {
        // MP4, QuickTime and M4A carry the place they were recorded in their metadata.
        let scrubber = media::is_bmff(mime).then(Scrubber::new);
        (s.media.put_stream(&object, head.freeze(), stream, kind.max_bytes(), scrubber).await?, None)
    };
    let item = VaultItem {
        id,
        serial: p.serial.clone(),
        kind,
        mime: mime.into(),
        name,
        bytes: bytes as i64,
        object: object.clone(),
        thumb: thumb.clone(),
        created_at: now_ms(),
    };
    if !s.store.add_vault_item(&item).await? {
        s.media.delete_items(std::slice::from_ref(&item)).await;
        return Err(vault_full(kind));
    }
    let view = item_view(&p.serial, &item);
    let mut r = (StatusCode::CREATED, axum::Json(&view)).into_response();
    if let Ok(v) = HeaderValue::from_str(&view.url) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    Ok(r)
}

fn vault_full(kind: Kind) -> Problem {
    Problem::conflict(format!("a vault holds at most {} {} item(s); remove one first", kind.max_items(), kind.as_str()))
        .with("limit", kind.max_items())
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
    let p = find(&s, &serial).await?;
    may_read_vault(&s, &who, &headers, &p).await?;
    let i = s.store.vault_item(&p.serial, &id).await?.ok_or_else(|| Problem::not_found(format!("no item {id}")))?;
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
    let p = find(&s, &serial).await?;
    may_read_vault(&s, &who, &headers, &p).await?;
    let i = s.store.vault_item(&p.serial, &id).await?.ok_or_else(|| Problem::not_found(format!("no item {id}")))?;
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
    let items = s.store.vault_items(&p.serial).await?;
    let manifest = json!({
        "serial": p.serial,
        "exported_at": rfc3339(now_ms()),
        "items": items.iter().enumerate().map(|(n, i)| json!({
            "file": zip_name(n, i), "kind": i.kind, "mime": i.mime, "name": i.name, "bytes": i.bytes,
            "created_at": rfc3339(i.created_at),
        })).collect::<Vec<_>>(),
    });
    let file = tempfile::tempfile().map_err(Problem::internal)?;
    let (st, cert) = (s.clone(), p.certificate.clone());
    let handle = tokio::runtime::Handle::current();
    let file = tokio::task::spawn_blocking(move || -> anyhow::Result<std::fs::File> {
        use std::io::Write;
        let mut z = zip::ZipWriter::new(file);
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .large_file(true);
        let deflated = zip::write::SimpleFileOptions::default();
        z.start_file("manifest.json", deflated)?;
        z.write_all(&serde_json::to_vec_pretty(&manifest)?)?;
        z.start_file("certificate.json", deflated)?;
        z.write_all(&serde_json::to_vec_pretty(&cert)?)?;
        for (n, i) in items.iter().enumerate() {
            let bytes = handle.block_on(st.media.get(&i.object))?;
            z.start_file(zip_name(n, i), stored)?;
            z.write_all(&bytes)?;
        }
        let mut f = z.finish()?;
        use std::io::Seek;
        f.seek(std::io::SeekFrom::Start(0))?;
        Ok(f)
    })
    .await
    .map_err(Problem::internal)?
    .map_err(Problem::internal)?;
    let stream = tokio_util::io::ReaderStream::new(tokio::fs::File::from_std(file));
    let disposition = format!("attachment; filename=\"vault-{}.zip\"", p.serial);
    Ok((
        [(header::CONTENT_TYPE, "application/zip".to_string()), (header::CONTENT_DISPOSITION, disposition)],
        Body::from_stream(stream),
    )
        .into_response())
}

fn zip_name(n: usize, i: &VaultItem) -> String {
    let ext = match i.mime.as_str() {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "video/mp4" => "mp4",
        "video/quicktime" => "mov",
        "video/webm" | "audio/webm" => "webm",
        "audio/ogg" => "ogg",
        "audio/mp4" => "m4a",
        "audio/mpeg" => "mp3",
        "audio/wav" => "wav",
        _ => "bin",
    };
    let stem: String =
        i.name.chars().map(|c| if c.is_alphanumeric() || c == '-' || c == '_' { c } else { '-' }).take(60).collect();
    format!("{}/{:03}-{stem}.{ext}", i.kind, n + 1)
}
