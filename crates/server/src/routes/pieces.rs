//! Made pieces (workshop, admin, and whoever the piece shows itself to): recorded from an order
//! in production, read as their caller may see them, their certificate and QR code, their story
//! added to, altered, revoked.

use crate::http::auth::viewer_cookie;
use crate::http::extract::{body_bytes, parse_json, tag_uid, JSON_LIMIT};
use crate::http::problem;
use crate::http::respond::created;
use crate::http::{ApiResult, Json, Principal, Problem, Query, S};
use crate::services::making::{self, Made};
use crate::services::pieces::{
    find, identity_url, piece_view, tag_keys, view_as, Access, PieceView, TagKeys, MAX_NOTE,
};
use crate::state::AppState;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use orfevre_commerce::{policy, PieceEventKind};
use orfevre_store::Piece;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::Arc;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/orders/{id}/pieces", post(make_piece).get(order_pieces))
        .route("/api/v1/pieces/{serial}", get(get_piece))
        .route("/api/v1/pieces/{serial}/certificate.json", get(certificate))
        .route("/api/v1/pieces/{serial}/qr.svg", get(qr_svg))
        .route("/api/v1/pieces/{serial}/qr.png", get(qr_png))
        .route("/api/v1/pieces/{serial}/events", post(add_event))
        .route("/api/v1/pieces/{serial}/alterations", post(alter_piece))
        .route("/api/v1/pieces/{serial}/revoke", post(revoke_piece))
        .route("/api/v1/me/pieces", get(my_pieces))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    make_piece,
    order_pieces,
    get_piece,
    certificate,
    qr_svg,
    qr_png,
    add_event,
    alter_piece,
    revoke_piece,
    my_pieces
))]
pub struct Api;

#[derive(Deserialize, utoipa::ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct MakePiece {
    /// The NFC tag fitted to the piece (7-byte UID, hex), if any.
    pub tag_uid: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PieceMade {
    #[serde(flatten)]
    pub piece: PieceView,
    /// For an order made without an account (by a shop integration): the code the buyer types to
    /// own the piece, to print in the box. Shown once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claim_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<TagKeys>,
}

/// Record a made piece of an order (workshop, admin): a serial, the signed certificate, the
/// owner (the order's account), and the NFC tag if one is fitted.
#[utoipa::path(post, path = "/api/v1/orders/{id}/pieces", tag = "pieces", request_body = MakePiece,
    responses((status = 201, body = PieceMade), (status = 409, body = Problem)))]
pub async fn make_piece(State(s): S, who: Principal, Path(id): Path<String>, req: Request) -> ApiResult<Response> {
    who.require(policy::PIECE_STAFF)?;
    let body = body_bytes(req, JSON_LIMIT, &["application/json"]).await?;
    let m: MakePiece = if body.is_empty() { MakePiece::default() } else { parse_json(&body)? };
    let tag_uid = m.tag_uid.as_deref().map(|u| tag_uid(u, "/tag_uid")).transpose()?;
    if let Some(uid) = &tag_uid {
        if s.store.tag(uid).await?.is_some() {
            return Err(Problem::conflict(format!("tag {uid} is already fitted to a piece")).at("/tag_uid", "in use"));
        }
    }
    let Made { piece: p, claim_code } = making::make(&s, &id, tag_uid.as_deref(), &who.actor()).await?;
    let tag = tag_uid.map(|uid| tag_keys(&s, &uid)).transpose()?;
    let location = format!("/api/v1/pieces/{}", p.serial);
    let view = piece_view(&s, p, Access::Staff, false).await?;
    Ok(created(location, PieceMade { piece: view, claim_code, tag }))
}

/// The pieces of an order (its maker, admin, workshop).
#[utoipa::path(get, path = "/api/v1/orders/{id}/pieces", tag = "pieces",
    responses((status = 200, body = [PieceView]), (status = 404, body = Problem)))]
pub async fn order_pieces(
    State(s): S,
    who: Principal,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let role = who.require(policy::ORDER_PARTIES)?;
    let o = s
        .store
        .order(&id)
        .await?
        .filter(|o| policy::PIECE_STAFF.contains(&role) || who.key().as_deref() == Some(&o.principal));
    let o = o.ok_or_else(|| Problem::not_found(format!("no order {id}")))?;
    let mut out = Vec::new();
    for p in s.store.pieces_of_order(&o.id).await? {
        let viewer = viewer_cookie(&headers);
        out.push(view_as(&s, who.caller(viewer.as_deref()), p).await?);
    }
    Ok(axum::Json(out).into_response())
}

/// A piece's page: its public part for anyone, more for its owner, a tap viewer or staff.
#[utoipa::path(get, path = "/api/v1/pieces/{serial}", tag = "pieces",
    responses((status = 200, body = PieceView), (status = 404, body = Problem)))]
pub async fn get_piece(
    State(s): S,
    who: Principal,
    headers: HeaderMap,
    Path(serial): Path<String>,
) -> ApiResult<Response> {
    let p = find(&s, &serial).await?;
    let viewer = viewer_cookie(&headers);
    let mut r = axum::Json(view_as(&s, who.caller(viewer.as_deref()), p).await?).into_response();
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    Ok(r)
}

/// The signed certificate of authenticity (a W3C Verifiable Credential, eddsa-jcs-2022).
#[utoipa::path(get, path = "/api/v1/pieces/{serial}/certificate.json", tag = "pieces",
    responses((status = 200, description = "the credential"), (status = 404, body = Problem)))]
pub async fn certificate(State(s): S, Path(serial): Path<String>) -> ApiResult<Response> {
    let p = find(&s, &serial).await?;
    let body = serde_json::to_vec_pretty(&p.certificate).map_err(Problem::internal)?;
    Ok(([(header::CONTENT_TYPE, "application/vc+json"), (header::CACHE_CONTROL, "public, max-age=300")], body)
        .into_response())
}

/// What a piece's QR code says: its identity URL, scheme and host in capitals where that makes a
/// smaller code.
fn qr_text(s: &AppState, p: &Piece) -> ApiResult<String> {
    orfevre_twin::qr::text_for_url(&identity_url(s, p)).map_err(Problem::internal)
}

/// The QR code of the piece's identity URL (SVG, 30 mm, error correction Q), for packaging and
/// the printed certificate.
#[utoipa::path(get, path = "/api/v1/pieces/{serial}/qr.svg", tag = "pieces",
    responses((status = 200, description = "SVG"), (status = 404, body = Problem)))]
pub async fn qr_svg(State(s): S, Path(serial): Path<String>) -> ApiResult<Response> {
    let p = find(&s, &serial).await?;
    let svg = orfevre_twin::qr::svg(&qr_text(&s, &p)?, 30.0).map_err(Problem::internal)?;
    Ok(([(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "public, max-age=86400")], svg)
        .into_response())
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct QrQuery {
    /// Pixels a module, 1–64 (default 8): 8 gives about 300 dpi for a 30 mm code of a short URL.
    pub module: Option<u32>,
}

/// The QR code of the piece's identity URL as a PNG (error correction Q, 4-module quiet zone),
/// for packaging printers and engraving software that take raster images.
#[utoipa::path(get, path = "/api/v1/pieces/{serial}/qr.png", tag = "pieces", params(QrQuery),
    responses((status = 200, description = "PNG"), (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn qr_png(State(s): S, Path(serial): Path<String>, Query(q): Query<QrQuery>) -> ApiResult<Response> {
    let module = q.module.unwrap_or(8);
    if !(1..=64).contains(&module) {
        return Err(Problem::bad_request("query", "module is 1–64 pixels").at("query:module", "1–64 pixels"));
    }
    let p = find(&s, &serial).await?;
    let png = orfevre_twin::qr::png(&qr_text(&s, &p)?, module).map_err(Problem::internal)?;
    Ok(([(header::CONTENT_TYPE, "image/png"), (header::CACHE_CONTROL, "public, max-age=86400")], png).into_response())
}

/// The caller's pieces.
#[utoipa::path(get, path = "/api/v1/me/pieces", tag = "pieces", responses((status = 200, body = [PieceView])))]
pub async fn my_pieces(State(s): S, who: Principal) -> ApiResult<Response> {
    let user = who.user_id().ok_or_else(Problem::unauthorized)?;
    let mut out = Vec::new();
    for p in s.store.pieces_of_owner(user).await? {
        out.push(piece_view(&s, p, Access::Owner, false).await?);
    }
    Ok(axum::Json(out).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEvent {
    /// engraved, repaired, resized (modules go through `POST …/alterations`, which checks them).
    pub kind: String,
    pub note: Option<String>,
}

/// A history note: trimmed, at most [`MAX_NOTE`] characters, no control characters.
fn note_of(note: Option<String>, pointer: &str) -> ApiResult<Option<String>> {
    let note = note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    if let Some(n) = &note {
        if n.chars().count() > MAX_NOTE || n.chars().any(char::is_control) {
            return Err(problem::field(pointer, format!("at most {MAX_NOTE} characters, no control characters")));
        }
    }
    Ok(note)
}

/// Add to a piece's history (workshop, admin).
#[utoipa::path(post, path = "/api/v1/pieces/{serial}/events", tag = "pieces", request_body = NewEvent,
    responses((status = 201, body = PieceView), (status = 422, body = Problem)))]
pub async fn add_event(
    State(s): S,
    who: Principal,
    Path(serial): Path<String>,
    Json(e): Json<NewEvent>,
) -> ApiResult<Response> {
    who.require(policy::PIECE_STAFF)?;
    let kind = e.kind.parse::<PieceEventKind>().ok().filter(|k| PieceEventKind::NOTED.contains(k));
    let Some(kind) = kind else {
        let noted: Vec<&str> = PieceEventKind::NOTED.iter().map(|k| k.as_str()).collect();
        return Err(problem::field("/kind", format!("one of {}", noted.join(", "))));
    };
    let note = note_of(e.note, "/note")?;
    let p = find(&s, &serial).await?;
    s.store.add_piece_event(&p.serial, kind, &json!({"note": note}), &who.actor()).await?;
    Ok((StatusCode::CREATED, axum::Json(piece_view(&s, p, Access::Staff, false).await?)).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlterPiece {
    /// `{"op": "add", "choice": {"kind": "insert", "mount": "strand", "section": 0}, "sku": "…"}`
    /// (kinds insert, station, slot, socket; a taken station, slot or socket is a swap) or
    /// `{"op": "remove", "mount": "strand", "section": 0, "index": 2}`.
    #[schema(value_type = Object)]
    pub alteration: orfevre_engine::Alteration,
    pub note: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PieceAltered {
    #[serde(flatten)]
    pub piece: PieceView,
    /// What changed: kind (module_added, module_swapped, module_removed), sku, replaced.
    #[schema(value_type = Object)]
    pub alteration: orfevre_engine::Altered,
}

/// Alter a made piece (workshop, admin): a charm, bead, link, clip or insert added, swapped in or
/// taken off. Checked against the piece's current state under the catalog on sale now (a module
/// bought later comes from it): refused with the rules it would break (422 `cannot-alter`, and a
/// verified repair where one exists), else the piece's design, materials and weight follow, and
/// its story tells it.
#[utoipa::path(post, path = "/api/v1/pieces/{serial}/alterations", tag = "pieces", request_body = AlterPiece,
    responses((status = 201, body = PieceAltered), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn alter_piece(
    State(s): S,
    who: Principal,
    Path(serial): Path<String>,
    Json(body): Json<AlterPiece>,
) -> ApiResult<Response> {
    who.require(policy::PIECE_STAFF)?;
    let note = note_of(body.note, "/note")?;
    let (p, done) = making::alter(&s, &serial, &body.alteration, note.as_deref(), &who.actor()).await?;
    let view = piece_view(&s, p, Access::Staff, false).await?;
    Ok((StatusCode::CREATED, axum::Json(PieceAltered { piece: view, alteration: done })).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Revoke {
    pub reason: String,
}

/// Revoke a piece's certificate (admin): its bit in the status list turns on.
#[utoipa::path(post, path = "/api/v1/pieces/{serial}/revoke", tag = "pieces", request_body = Revoke,
    responses((status = 204), (status = 409, body = Problem)))]
pub async fn revoke_piece(
    State(s): S,
    who: Principal,
    Path(serial): Path<String>,
    Json(r): Json<Revoke>,
) -> ApiResult<Response> {
    who.require(policy::ADMIN)?;
    let reason = r.reason.trim();
    if reason.is_empty() || reason.chars().count() > MAX_NOTE {
        return Err(problem::field("/reason", format!("1 to {MAX_NOTE} characters")));
    }
    let p = find(&s, &serial).await?;
    if !s.store.revoke_piece(&p.serial, reason, &who.actor()).await? {
        return Err(Problem::conflict(format!("the certificate of {serial} is revoked already")));
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}
