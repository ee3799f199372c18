//! # orfevre-server
//!
//! The HTTP service: the JSON API under `/api/v1` (catalog, designs, quotes, orders, accounts,
//! webhooks, pieces), its OpenAPI document, health and metrics endpoints, the embedded web UI. It
//! is the only crate that knows HTTP; it holds no state that matters in memory — everything lives
//! in the database, so several servers on one PostgreSQL behave as one. What it caches (compiled
//! catalog versions) never changes once stored.
//!
//! In rooms (tests/it/layering.rs holds them to it):
//! - [`services`] and [`state`]: the work and what a server holds, without HTTP — each service
//!   with its own error enum;
//! - [`http`]: the kernel — problems (and every service error's mapping to one), extractors,
//!   auth and role policies, responses; it never imports a route;
//! - [`routes`]: one module per resource, never importing another;
//! - this file: the middleware around the routes, and the serving loop.

// A `Problem` is the error of every handler and becomes the HTTP response as is; it is large,
// but only on the error path, where boxing would buy nothing measurable.
#![allow(clippy::result_large_err)]

pub mod http;
pub mod openapi;
pub mod routes;
pub mod services;
pub mod state;

pub use state::{state, AppState, Config};

use axum::extract::{MatchedPath, Request};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use std::sync::Arc;
use std::time::Instant;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

/// The whole HTTP surface.
pub fn router(state: Arc<AppState>) -> Router {
    routes::all()
        .fallback(routes::site::web)
        .method_not_allowed_fallback(|| async {
            http::Problem::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "Method not allowed",
                "this endpoint does not take that method",
            )
        })
        .layer(axum::middleware::from_fn(track))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", method = %req.method(), uri = %req.uri(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(|_| {
            http::Problem::internal("a handler panicked").into_response()
        }))
        .with_state(state)
}

/// Counts requests and their latency per route and status.
async fn track(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().as_str().to_owned();
    let route =
        req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "unmatched".into());
    let res = next.run(req).await;
    let status = res.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
        .record(start.elapsed().as_secs_f64());
    res
}

/// Serves until SIGINT or SIGTERM, then finishes the requests in flight. Prints
/// `orfevre listening on http://ADDR` on standard output once the socket is bound.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(config.addr).await?;
    let local = listener.local_addr()?;
    let public = config.public_url.clone().unwrap_or_else(|| format!("http://{local}"));
    let state = state(config, public).await?;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(services::webhooks::worker(state.clone(), stop_rx.clone()));
    let poller = tokio::spawn(poll_catalog(state.clone(), stop_rx));
    let b = state.catalogs.active().catalog.brand.clone();
    tracing::info!(addr = %local, brand = %b.name, catalog = %b.version, backend = ?state.store.backend(), "serving");
    let shutdown = shutdown_signal()?;
    println!("orfevre listening on http://{local}");
    use std::io::Write;
    let _ = std::io::stdout().flush();
    axum::serve(listener, router(state.clone())).with_graceful_shutdown(shutdown).await?;
    let _ = stop_tx.send(true);
    let _ = tokio::join!(worker, poller);
    state.store.close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn poll_catalog(state: Arc<AppState>, mut stop: tokio::sync::watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(state.config.catalog_poll) => {}
            _ = stop.changed() => return,
        }
        if let Err(e) = state.catalogs.refresh().await {
            tracing::warn!(error = %e, "cannot refresh the active catalog");
        }
    }
}

/// The shutdown signal (SIGTERM or Ctrl-C). The SIGTERM handler is installed here, before the
/// server says it is listening: a SIGTERM sent right after that line must not find the default
/// disposition (which would kill the process without finishing requests).
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    Ok(async move {
        #[cfg(unix)]
        let term = async move {
            term.recv().await;
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {},
            _ = term => {},
        }
        tracing::info!("shutting down: finishing requests in flight");
    })
}
