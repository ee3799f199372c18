//! Gifts: the owner gives a piece away with a one-time code (the vault handed over or wiped);
//! whoever redeems it, signed in, owns the piece.

use crate::http::{ApiResult, Json, Principal, Problem, S};
use crate::services::pieces::{find, piece_view, transferred, Access, PieceView, GIFT_TTL};
use crate::services::rfc3339;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use orfevre_commerce::GiftVault;
use orfevre_store::{now_ms, Redeemed};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new().route("/api/v1/pieces/{serial}/gift", post(gift)).route("/api/v1/claims", post(claim))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(gift, claim))]
pub struct Api;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Gift {
    /// `hand_over` (the new owner gets the vault) or `wipe` (the vault is emptied at the transfer).
    pub vault: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct GiftCode {
    /// The one-time code the recipient types in (shown once).
    pub code: String,
    pub expires_at: String,
    pub vault: String,
}

/// Give the piece away (owner): a one-time code that transfers it to whoever redeems it.
#[utoipa::path(post, path = "/api/v1/pieces/{serial}/gift", tag = "pieces", request_body = Gift,
    responses((status = 201, body = GiftCode), (status = 403, body = Problem)))]
pub async fn gift(State(s): S, who: Principal, Path(serial): Path<String>, Json(g): Json<Gift>) -> ApiResult<Response> {
    let p = find(&s, &serial).await?;
    who.require_owner(&p)?;
    let Ok(vault) = g.vault.parse::<GiftVault>() else {
        return Err(Problem::invalid("validation", "/vault: hand_over or wipe").at("/vault", "hand_over or wipe"));
    };
    let code = s.store.create_claim(&p.serial, who.user_id(), vault, GIFT_TTL).await?;
    let expires = rfc3339(now_ms() + GIFT_TTL.as_millis() as i64);
    Ok((StatusCode::CREATED, axum::Json(GiftCode { code, expires_at: expires, vault: g.vault })).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    pub code: String,
}

/// Redeem a gift code (signed-in): the piece becomes the caller's.
#[utoipa::path(post, path = "/api/v1/claims", tag = "pieces", request_body = Claim,
    responses((status = 200, body = PieceView), (status = 404, body = Problem), (status = 410, body = Problem)))]
pub async fn claim(State(s): S, who: Principal, Json(c): Json<Claim>) -> ApiResult<Response> {
    let user = match &who {
        Principal::User { user, .. } => user.id.clone(),
        Principal::Anonymous => return Err(Problem::unauthorized()),
        Principal::Token { .. } => return Err(Problem::forbidden("a piece belongs to a person: sign in to claim it")),
    };
    if orfevre_store::normalise_claim_code(&c.code).len() != 12 {
        return Err(Problem::invalid("validation", "/code: 12 letters and digits (XXXX-XXXX-XXXX)")
            .at("/code", "12 letters and digits"));
    }
    match s.store.redeem_claim(&c.code, &user, &who.actor(), transferred).await? {
        Redeemed::Done { serial, wiped } => {
            s.media.delete_items(&wiped).await;
            let p = find(&s, &serial).await?;
            Ok(axum::Json(piece_view(&s, p, Access::Owner, false).await?).into_response())
        }
        Redeemed::Unknown => Err(Problem::not_found("no such gift code").at("/code", "unknown")),
        Redeemed::Used => {
            Err(Problem::new(StatusCode::GONE, "claim-used", "Gone", "this gift code was used already")
                .at("/code", "used"))
        }
        Redeemed::Expired => Err(Problem::new(StatusCode::GONE, "claim-expired", "Gone", "this gift code has expired")
            .at("/code", "expired")),
        Redeemed::OwnPiece => Err(Problem::conflict("the piece is yours already").at("/code", "your own piece")),
    }
}
