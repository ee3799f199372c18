//! # orfevre-server
//!
//! The HTTP service: the JSON API under `/api/v1` (catalog, designs, quotes, orders, accounts,
//! webhooks), its OpenAPI document, health and metrics endpoints. It is the only crate that knows
//! HTTP; it holds no state that matters in memory — everything lives in the database, so several
//! servers on one PostgreSQL behave as one. What it caches (compiled catalog versions) never
//! changes once stored.

// A `Problem` is the error of every handler and becomes the HTTP response as is; it is large,
// but only on the error path, where boxing would buy nothing measurable.
#![allow(clippy::result_large_err)]

pub mod api;
pub mod auth;
pub mod bmff;
pub mod catalogs;
pub mod engraving;
pub mod media;
pub mod model;
pub mod openapi;
pub mod pieces;
pub mod problem;
pub mod quote;
pub mod views;
pub mod webhooks;

use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use metrics_exporter_prometheus::PrometheusHandle;
use orfevre_catalog::SourceSet;
use orfevre_store::Store;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

/// Everything `orfevre serve` is told.
#[derive(Clone, Debug)]
pub struct Config {
    pub addr: SocketAddr,
    /// SQLite database and media when no database URL is given.
    pub data_dir: PathBuf,
    /// `postgres://…` or `sqlite://…`; the SQLite file in `data_dir` when absent.
    pub database_url: Option<String>,
    /// Catalog stored and published on first start; the embedded demo brand when absent.
    pub catalog_dir: Option<PathBuf>,
    /// The address shoppers reach (share links); `http://ADDR` when absent.
    pub public_url: Option<String>,
    pub quote_ttl: Duration,
    pub session_ttl: Duration,
    /// Mark cookies `Secure` (on when the public URL is https).
    pub cookie_secure: bool,
    /// How often to look for a catalog published by another server.
    pub catalog_poll: Duration,
    pub webhook_tick: Duration,
    pub webhook_retry_base: Duration,
    pub webhook_max_attempts: u32,
    /// HMAC key for quotes; generated once and kept in the database when absent.
    pub quote_secret: Option<String>,
    /// Where the memory vaults' media live; `DATA/media` when absent. Servers sharing one
    /// PostgreSQL must share this directory too.
    pub media_dir: Option<PathBuf>,
    /// The NFC tags' AES master key (32 hex digits); generated once and kept in the database
    /// when absent.
    pub nfc_master_key: Option<String>,
    /// Sign certificates with the brand's did:web (its public URL's host) instead of did:key.
    pub did_web: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("orfevre-data"),
            database_url: None,
            catalog_dir: None,
            public_url: None,
            quote_ttl: Duration::from_secs(24 * 3600),
            session_ttl: Duration::from_secs(30 * 24 * 3600),
            cookie_secure: false,
            catalog_poll: Duration::from_secs(2),
            webhook_tick: Duration::from_millis(500),
            webhook_retry_base: Duration::from_secs(5),
            webhook_max_attempts: 10,
            quote_secret: None,
            media_dir: None,
            nfc_master_key: None,
            did_web: false,
        }
    }
}

impl Config {
    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("orfevre.db").display()))
    }
}

pub struct AppState {
    pub store: Store,
    pub catalogs: catalogs::Catalogs,
    pub config: Config,
    pub public_url: String,
    pub quote_key: Vec<u8>,
    pub metrics: Option<PrometheusHandle>,
    pub fonts: engraving::Fonts,
    pub media: media::Media,
    pub twin: pieces::TwinKeys,
}

/// Opens storage, loads the catalogs and builds the state a router serves.
pub async fn state(config: Config, public_url: String) -> anyhow::Result<Arc<AppState>> {
    if config.database_url.is_none() {
        std::fs::create_dir_all(&config.data_dir)?;
    }
    let store = Store::open(&config.database_url()).await?;
    let initial = match &config.catalog_dir {
        Some(d) => SourceSet::from_dir(d)?,
        None => catalogs::demo_sources(),
    };
    let catalogs = catalogs::Catalogs::open(store.clone(), initial, config.catalog_dir.is_some()).await?;
    let quote_key = match &config.quote_secret {
        Some(s) => s.as_bytes().to_vec(),
        None => hex::decode(store.setting_or_init("quote_key", orfevre_store::new_secret).await?)?,
    };
    let metrics = metrics_exporter_prometheus::PrometheusBuilder::new()
        .set_buckets_for_metric(
            metrics_exporter_prometheus::Matcher::Full("http_request_duration_seconds".into()),
            &[0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5],
        )
        .ok()
        .and_then(|b| b.install_recorder().ok());
    let media = media::Media::local(&config.media_dir.clone().unwrap_or_else(|| config.data_dir.join("media")))?;
    let twin = pieces::TwinKeys::load(&store, config.nfc_master_key.as_deref()).await?;
    Ok(Arc::new(AppState {
        store,
        catalogs,
        config,
        public_url,
        quote_key,
        metrics,
        fonts: Default::default(),
        media,
        twin,
    }))
}

/// The whole HTTP surface.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .merge(api::routes())
        .merge(pieces::routes())
        .route("/healthz", axum::routing::get(|| async { "ok" }))
        .route("/readyz", axum::routing::get(readyz))
        .route("/metrics", axum::routing::get(metrics_text))
        .fallback(web)
        .method_not_allowed_fallback(|| async {
            problem::Problem::new(
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
            problem::Problem::internal("a handler panicked").into_response()
        }))
        .with_state(state)
}

/// The web UI, built by build.rs from `web/` and embedded.
static WEB: include_dir::Dir<'static> = include_dir::include_dir!("$OUT_DIR/web");

/// Files of the web UI; any other GET outside the API gets the app's page (it routes on the
/// client: `/b/{base}`, `/d/{hash}`, `/account`, `/admin`). Unknown API paths are problems.
async fn web(method: axum::http::Method, uri: axum::http::Uri) -> Response {
    use axum::http::header;
    let path = uri.path().trim_start_matches('/');
    if path.starts_with("api/") || !(method == axum::http::Method::GET || method == axum::http::Method::HEAD) {
        return problem::Problem::not_found("no such endpoint; see /api/v1/openapi.json").into_response();
    }
    let (file, found) = match WEB.get_file(path) {
        Some(f) if !path.is_empty() => (f, true),
        _ => match WEB.get_file("index.html") {
            Some(f) => (f, false),
            None => return problem::Problem::not_found("the web UI is not built in").into_response(),
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

async fn readyz(State(s): State<Arc<AppState>>) -> Response {
    match s.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            problem::Problem::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "Not ready", format!("database: {e}"))
                .into_response()
        }
    }
}

async fn metrics_text(State(s): State<Arc<AppState>>) -> Response {
    match &s.metrics {
        Some(h) => ([("content-type", "text/plain; version=0.0.4")], h.render()).into_response(),
        None => {
            problem::Problem::new(StatusCode::NOT_FOUND, "not-found", "Not found", "metrics are off").into_response()
        }
    }
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
    let worker = tokio::spawn(webhooks::worker(state.clone(), stop_rx.clone()));
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
        if let Err(p) = state.catalogs.refresh().await {
            tracing::warn!(detail = %p.detail, "cannot refresh the active catalog");
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
