//! Quotes: a saved, valid design priced on the published catalog and signed, so that a shop can
//! carry the price through its cart; and the check a shop's checkout makes of one.

use crate::http::extract::check_hash_at;
use crate::http::problem;
use crate::http::{ApiResult, Json, Problem, S};
use crate::services::quotes::{self, Claims};
use crate::services::rfc3339;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use orfevre_store::now_ms;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new().route("/api/v1/quotes", post(create_quote)).route("/api/v1/quotes/verify", post(verify_quote))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(create_quote, verify_quote))]
pub struct Api;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteRequest {
    /// The hash of a saved design.
    pub design: String,
    /// One of the brand's currencies (default: its main one).
    pub currency: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LineItemProperties {
    pub _design: String,
    pub _quote: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct QuoteResponse {
    /// The signed quote token: give it back when ordering.
    pub quote: String,
    pub claims: Claims,
    pub expires_at: String,
    /// What to attach to the cart line in a Shopify-style shop (docs/integration.md).
    pub line_item_properties: LineItemProperties,
}

/// Quote a saved, valid design at the published catalog's price: a signed token a shop can carry.
#[utoipa::path(post, path = "/api/v1/quotes", tag = "orders", request_body = QuoteRequest,
    responses((status = 201, body = QuoteResponse), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create_quote(State(s): S, Json(q): Json<QuoteRequest>) -> ApiResult<Response> {
    check_hash_at(&q.design, "/design")?;
    let claims = quotes::quote(&s, &q.design, q.currency.as_deref()).await?;
    let token = quotes::sign(&s.quote_key, &claims);
    let out = QuoteResponse {
        expires_at: rfc3339(claims.expires_at),
        line_item_properties: LineItemProperties { _design: q.design.clone(), _quote: token.clone() },
        quote: token,
        claims,
    };
    Ok((StatusCode::CREATED, axum::Json(out)).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    pub quote: String,
}

/// Check a quote (for a shop's checkout): its claims when genuine and unexpired.
#[utoipa::path(post, path = "/api/v1/quotes/verify", tag = "orders", request_body = VerifyRequest,
    responses((status = 200, body = Claims), (status = 422, body = Problem)))]
pub async fn verify_quote(State(s): S, Json(v): Json<VerifyRequest>) -> ApiResult<axum::Json<Claims>> {
    let claims = quotes::verify(&s.quote_key, &v.quote, now_ms()).map_err(|e| problem::quote(e, "/quote"))?;
    Ok(axum::Json(claims))
}
