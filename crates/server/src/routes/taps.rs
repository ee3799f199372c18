//! A tap on a piece's NFC tag: verified (SUN: the tag's encrypted UID and counter, its CMAC), the
//! counter advanced once, the vault opened for a while if the owner allows it — and the owner's
//! PIN given after a tap.

use crate::http::auth::viewer_cookie;
use crate::http::auth::VIEWER_COOKIE;
use crate::http::{ApiResult, Json, Principal, Problem, S};
use crate::services::pieces::{self, find, view_as, PieceView, Tapped, VIEWER_TTL};
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use orfevre_store::TapOutcome;
use serde::Deserialize;
use std::sync::Arc;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new().route("/t", get(tap)).route("/api/v1/pieces/{serial}/unlock", post(unlock))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(tap, unlock))]
pub struct Api;

/// A tap on a piece's NFC tag. A genuine tap with a fresh counter opens the vault for
/// [`VIEWER_TTL`] (if the owner allows it) and redirects to the clean page URL, so the one-time
/// parameters are neither bookmarked nor shared; a replayed URL or a lost tag leads to the public
/// page only.
/// A phone's browser that asks for HTML gets a refused tap as a page in the brand's words, with
/// the same status; API clients get the problem document.
#[utoipa::path(get, path = "/t", tag = "pieces",
    responses((status = 303, description = "to the piece's page"), (status = 400, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn tap(State(s): S, headers: HeaderMap, uri: Uri) -> Response {
    match check_tap(&s, &uri).await {
        Ok(r) => r,
        Err(p) if p.status < 500 && wants_html(&headers) => refused_tap_page(&s, &headers, &p),
        Err(p) => p.into_response(),
    }
}

fn wants_html(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"))
}

/// The page a refused tap shows: what happened, in English or French as the phone prefers.
fn refused_tap_page(s: &AppState, headers: &HeaderMap, p: &Problem) -> Response {
    let fr = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|l| l.trim_start().to_ascii_lowercase().starts_with("fr"));
    let brand = s.catalogs.active().catalog.brand.name.clone();
    let brand = brand.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    let (title, text) = match (p.status, fr) {
        (403, false) => (
            "This tag could not be verified",
            format!("It may not be a genuine {brand} tag. Tap the piece again; if this page comes back, contact {brand}."),
        ),
        (403, true) => (
            "Cette puce n’a pas pu être vérifiée",
            format!("Ce n’est peut-être pas une puce {brand} authentique. Touchez de nouveau le bijou ; si cette page revient, contactez {brand}."),
        ),
        (404, false) => ("This tag is not fitted to a piece yet", format!("It is a genuine {brand} tag, but no piece has it.")),
        (404, true) => ("Cette puce n’est encore posée sur aucun bijou", format!("C’est une puce {brand} authentique, mais aucun bijou ne la porte.")),
        (_, false) => ("This link is not a tag reading", "Tap the piece's tag with your phone to open its page.".to_string()),
        (_, true) => ("Ce lien n’est pas une lecture de puce", "Touchez la puce du bijou avec votre téléphone pour ouvrir sa page.".to_string()),
    };
    let lang = if fr { "fr" } else { "en" };
    let body = format!(
        r#"<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{title} — {brand}</title><style>body{{font:1.05rem/1.5 system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1.2rem;color:#222}}h1{{font-size:1.4rem}}</style></head><body><main><h1>{title}</h1><p>{text}</p><p><a href="/">{brand}</a></p></main></body></html>"#
    );
    let status = StatusCode::from_u16(p.status).unwrap_or(StatusCode::BAD_REQUEST);
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], body)
        .into_response()
}

async fn check_tap(s: &AppState, uri: &Uri) -> ApiResult<Response> {
    let url = uri.path_and_query().map(|pq| pq.as_str()).unwrap_or("/t");
    let Tapped { serial, outcome, viewer } = pieces::tap(s, url).await?;
    let (fragment, label) = match outcome {
        TapOutcome::Replayed { .. } => ("#tap-replayed", "replayed"),
        TapOutcome::Revoked { .. } => ("#tap-revoked", "revoked"),
        TapOutcome::Accepted { .. } | TapOutcome::Unknown => ("", "accepted"),
    };
    let mut r = Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(header::LOCATION, format!("/p/{serial}{fragment}"))
        .header(header::CACHE_CONTROL, "no-store")
        .header("x-orfevre-tap", label)
        .body(Body::empty())
        .map_err(Problem::internal)?;
    if let Some(secret) = viewer {
        let secure = if s.config.cookie_secure { "; Secure" } else { "" };
        let c = format!(
            "{VIEWER_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
            VIEWER_TTL.as_secs()
        );
        if let Ok(v) = HeaderValue::from_str(&c) {
            r.headers_mut().insert(header::SET_COOKIE, v);
        }
    }
    Ok(r)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Unlock {
    pub pin: String,
}

/// Give the owner's PIN after a tap (the tap's cookie is needed).
#[utoipa::path(post, path = "/api/v1/pieces/{serial}/unlock", tag = "pieces", request_body = Unlock,
    responses((status = 200, body = PieceView), (status = 403, body = Problem)))]
pub async fn unlock(
    State(s): S,
    who: Principal,
    headers: HeaderMap,
    Path(serial): Path<String>,
    Json(u): Json<Unlock>,
) -> ApiResult<Response> {
    let p = find(&s, &serial).await?;
    let cookie = viewer_cookie(&headers);
    pieces::unlock(&s, &p, cookie.as_deref(), &u.pin).await?;
    Ok(axum::Json(view_as(&s, who.caller(cookie.as_deref()), p).await?).into_response())
}
