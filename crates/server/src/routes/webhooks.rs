//! Outgoing webhooks (admin): endpoints registered with a signing secret shown once, their
//! deliveries listed with their state.

use crate::http::{ApiResult, Json, Principal, Problem, S};
use crate::services::{rfc3339, webhooks};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::Router;
use orfevre_commerce::policy;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/webhooks", get(list_webhooks).post(create_webhook))
        .route("/api/v1/webhooks/{id}", delete(delete_webhook))
        .route("/api/v1/webhooks/{id}/deliveries", get(list_deliveries))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(create_webhook, list_webhooks, delete_webhook, list_deliveries))]
pub struct Api;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// http:// or https:// URL receiving `order.created`, `order.status_changed`, `piece.made`, `piece.altered` and `piece.transferred`.
    pub url: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct WebhookView {
    pub id: String,
    pub url: String,
    /// `whsec_…`: only in the response that creates the endpoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    pub created_at: String,
}

/// Register a webhook endpoint (admin).
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", request_body = NewWebhook,
    responses((status = 201, body = WebhookView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_webhook(State(s): S, who: Principal, Json(n): Json<NewWebhook>) -> ApiResult<Response> {
    who.require(policy::ADMIN)?;
    let url = n.url.trim();
    let ok = (url.starts_with("http://") || url.starts_with("https://"))
        && url.len() <= 2000
        && reqwest::Url::parse(url).is_ok();
    if !ok {
        return Err(Problem::invalid("validation", "/url: an http:// or https:// URL").at("/url", "not an http(s) URL"));
    }
    let e = s.store.add_webhook(url, &webhooks::new_secret()).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(WebhookView { id: e.id, url: e.url, secret: Some(e.secret), created_at: rfc3339(e.created_at) }),
    )
        .into_response())
}

/// Webhook endpoints (admin).
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks",
    responses((status = 200, body = [WebhookView]), (status = 403, body = Problem)))]
pub async fn list_webhooks(State(s): S, who: Principal) -> ApiResult<axum::Json<Vec<WebhookView>>> {
    who.require(policy::ADMIN)?;
    Ok(axum::Json(
        s.store
            .webhooks()
            .await?
            .into_iter()
            .map(|e| WebhookView { id: e.id, url: e.url, secret: None, created_at: rfc3339(e.created_at) })
            .collect(),
    ))
}

/// Stop sending to an endpoint (admin).
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks",
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete_webhook(State(s): S, who: Principal, Path(id): Path<String>) -> ApiResult<StatusCode> {
    who.require(policy::ADMIN)?;
    if s.store.disable_webhook(&id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Problem::not_found(format!("no webhook endpoint {id}")))
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DeliveryView {
    pub id: String,
    pub event_type: String,
    pub attempts: i64,
    /// pending, delivered or failed.
    pub state: &'static str,
    pub last_error: Option<String>,
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
}

/// Recent deliveries to an endpoint (admin).
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks",
    responses((status = 200, body = [DeliveryView]), (status = 403, body = Problem)))]
pub async fn list_deliveries(
    State(s): S,
    who: Principal,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Vec<DeliveryView>>> {
    who.require(policy::ADMIN)?;
    let mut out = Vec::new();
    for d in s.store.deliveries(&id).await? {
        out.push(DeliveryView {
            state: if d.delivered_at.is_some() {
                "delivered"
            } else if d.failed_at.is_some() {
                "failed"
            } else {
                "pending"
            },
            // The server wrote this payload: one that does not read is its own fault.
            payload: serde_json::from_str(&d.payload)
                .map_err(|e| Problem::internal(format!("delivery {}: payload: {e}", d.id)))?,
            id: d.id,
            event_type: d.event_type,
            attempts: d.attempts,
            last_error: d.last_error,
        });
    }
    Ok(axum::Json(out))
}
