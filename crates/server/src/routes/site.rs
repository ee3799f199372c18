//! The site around the API: the web UI (built by build.rs from `web/` and embedded), health and
//! readiness probes, Prometheus metrics.

use crate::http::{Problem, S};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::sync::Arc;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_text))
}

/// The web UI, built by build.rs from `web/` and embedded.
static WEB: include_dir::Dir<'static> = include_dir::include_dir!("$OUT_DIR/web");

/// Files of the web UI; any other GET outside the API gets the app's page (it routes on the
/// client: `/b/{base}`, `/d/{hash}`, `/account`, `/admin`). Unknown API paths are problems.
pub async fn web(method: axum::http::Method, uri: axum::http::Uri) -> Response {
    use axum::http::header;
    let path = uri.path().trim_start_matches('/');
    if path.starts_with("api/") || !(method == axum::http::Method::GET || method == axum::http::Method::HEAD) {
        return Problem::not_found("no such endpoint; see /api/v1/openapi.json").into_response();
    }
    let (file, found) = match WEB.get_file(path) {
        Some(f) if !path.is_empty() => (f, true),
        _ => match WEB.get_file("index.html") {
            Some(f) => (f, false),
            None => return Problem::not_found("the web UI is not built in").into_response(),
        },
    };
    let ext = file.path().extension().and_then(|e| e.to_str()).unwrap_or("");
    let mime = match ext {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "json" => "application/json",
        "png" => "image/png",
        _ => "application/octet-stream",
    };
    // Hashed assets never change; pages and embed.js must be revalidated.
    let cache = if found && path.starts_with("assets/") { "public, max-age=31536000, immutable" } else { "no-cache" };
    ([(header::CONTENT_TYPE, mime), (header::CACHE_CONTROL, cache)], file.contents()).into_response()
}

async fn readyz(State(s): S) -> Response {
    match s.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => Problem::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "Not ready", format!("database: {e}"))
            .into_response(),
    }
}

async fn metrics_text(State(s): S) -> Response {
    match &s.metrics {
        Some(h) => ([("content-type", "text/plain; version=0.0.4")], h.render()).into_response(),
        None => Problem::new(StatusCode::NOT_FOUND, "not-found", "Not found", "metrics are off").into_response(),
    }
}
