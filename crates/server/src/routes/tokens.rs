//! API tokens for a shop's integration (admin): created with their secret shown once, revoked.

use crate::http::problem;
use crate::http::{ApiResult, Json, Principal, Problem, S};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, post};
use axum::Router;
use orfevre_commerce::{policy, Role};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new().route("/api/v1/tokens", post(create_token)).route("/api/v1/tokens/{id}", delete(revoke_token))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(create_token, revoke_token))]
pub struct Api;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// What the token is for (e.g. "shopify").
    pub name: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TokenCreated {
    pub id: String,
    pub name: String,
    pub role: Role,
    /// `orf_…`: shown once; send it as `Authorization: Bearer …`.
    pub secret: String,
}

/// Create an API token for a shop integration (admin).
#[utoipa::path(post, path = "/api/v1/tokens", tag = "accounts", request_body = NewToken,
    responses((status = 201, body = TokenCreated), (status = 403, body = Problem)))]
pub async fn create_token(State(s): S, who: Principal, Json(n): Json<NewToken>) -> ApiResult<Response> {
    who.require(policy::ADMIN)?;
    let name = n.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(problem::field("/name", "1 to 100 characters"));
    }
    let (t, secret) = s.store.create_token(name, Role::Integration).await?;
    Ok((StatusCode::CREATED, axum::Json(TokenCreated { id: t.id, name: t.name, role: Role::Integration, secret }))
        .into_response())
}

/// Revoke an API token (admin).
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "accounts",
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn revoke_token(State(s): S, who: Principal, Path(id): Path<String>) -> ApiResult<StatusCode> {
    who.require(policy::ADMIN)?;
    if s.store.revoke_token(&id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Problem::not_found(format!("no live token {id}")))
    }
}
