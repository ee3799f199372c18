//! Designs: evaluated (stateless), explored choice by choice, spelled in letter beads, saved
//! (immutable, content-addressed) and read back.

use crate::http::auth::Principal;
use crate::http::extract::{body_bytes, parse_design, parse_json};
use crate::http::problem;
use crate::http::respond::{created, json_bytes};
use crate::http::{ApiResult, DesignBody, DesignHash, Json, Problem, Query, S};
use crate::services::designs::{currency_of, engine_for, own_engine};
use crate::services::rfc3339;
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use orfevre_engine::Design;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/designs/evaluate", post(evaluate))
        .route("/api/v1/designs/choice", post(choose))
        .route("/api/v1/designs/spell", post(spell))
        .route("/api/v1/designs", post(save_design))
        .route("/api/v1/designs/{hash}", get(get_design))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(evaluate, choose, spell, save_design, get_design))]
pub struct Api;

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EvalQuery {
    /// One of the brand's currencies (default: its main one).
    pub currency: Option<String>,
    /// Also report every open choice with its feasible candidates and repairs.
    pub choices: Option<bool>,
}

/// Evaluate a design (stateless): valid or not with every violation, price breakdown, weight,
/// lead time, bill of materials, and optionally the open choices. Body: a design
/// (docs/design.md).
#[utoipa::path(post, path = "/api/v1/designs/evaluate", tag = "designs", params(EvalQuery),
    request_body(content = Object, description = "A design document (docs/design.md)"),
    responses((status = 200, description = "The evaluation; `valid` says whether the design can be made"),
        (status = 400, body = Problem), (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn evaluate(State(s): S, Query(q): Query<EvalQuery>, DesignBody(d): DesignBody) -> ApiResult<Response> {
    let e = engine_for(&s.catalogs, &d).await?;
    let cur = currency_of(&e, q.currency.as_deref()).map_err(|c| problem::currency(c, "query:currency"))?;
    let body = if q.choices.unwrap_or(false) {
        // Choices evaluate every candidate (milliseconds): off the async workers, so that the
        // cheap requests around it are not held up.
        tokio::task::spawn_blocking(move || {
            let ev = e.evaluate_in(&d, cur);
            serde_json::to_vec(&serde_json::json!({ "evaluation": ev, "choices": e.all_choices(&d) }))
        })
        .await
        .map_err(Problem::internal)?
    } else {
        serde_json::to_vec(&serde_json::json!({ "evaluation": e.evaluate_in(&d, cur) }))
    }
    .map_err(Problem::internal)?;
    Ok(json_bytes(body))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChoiceRequest {
    design: Box<serde_json::value::RawValue>,
    choice: orfevre_engine::Choice,
}

/// The candidates of one open choice of a design — feasible or not with the reasons, and a
/// verified repair where one exists. Body: `{"design": {…}, "choice": {"kind": "insert",
/// "mount": "strand", "section": 0}}` (kinds: insert, station, slot, socket, param, field, size).
#[utoipa::path(post, path = "/api/v1/designs/choice", tag = "designs",
    request_body(content = Object, description = "{design, choice}"),
    responses((status = 200, description = "The choice's candidates"), (status = 400, body = Problem), (status = 422, body = Problem)))]
pub async fn choose(State(s): S, req: Request) -> ApiResult<Response> {
    let bytes = body_bytes(req, orfevre_engine::design::MAX_DESIGN_BYTES + 4096, &["application/json"]).await?;
    let r: ChoiceRequest = parse_json(&bytes)?;
    let under_design = |mut p: Problem| {
        for e in &mut p.errors {
            e.pointer = format!("/design{}", e.pointer);
        }
        p
    };
    let d = parse_design(r.design.get().as_bytes()).map_err(under_design)?;
    let e = engine_for(&s.catalogs, &d).await.map_err(|e| under_design(e.into()))?;
    let choice = r.choice;
    let body = tokio::task::spawn_blocking(move || serde_json::to_vec(&e.choice(&d, &choice)))
        .await
        .map_err(Problem::internal)?
        .map_err(Problem::internal)?;
    Ok(json_bytes(body))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SpellRequest {
    /// A base with a strand of letter beads (default: name-bracelet).
    pub base: Option<String>,
    /// Its strand mount (default: strand).
    pub mount: Option<String>,
    /// The size to spell at (default: the base's default size).
    pub size: Option<String>,
    /// The word (at most 100 characters).
    pub text: String,
}

/// Spell a word in letter beads: the design, every letter missing or short of stock with its
/// fallback (never substituted silently), and why the word as a whole cannot be made as it is
/// (`problems`: too many letters, a larger size needed, too long for the largest size, empty).
#[utoipa::path(post, path = "/api/v1/designs/spell", tag = "designs", request_body = SpellRequest,
    responses((status = 200, description = "skus, issues and the design"), (status = 422, body = Problem)))]
pub async fn spell(State(s): S, Json(r): Json<SpellRequest>) -> ApiResult<Response> {
    if r.text.chars().count() > 100 {
        return Err(problem::field("/text", "at most 100 characters"));
    }
    let e = s.catalogs.active();
    let base = r.base.unwrap_or_else(|| "name-bracelet".into());
    let mount = r.mount.unwrap_or_else(|| "strand".into());
    let sp = e.spell(&base, &mount, r.size.as_deref(), &r.text);
    if sp.design.is_none() {
        return Err(Problem::invalid("validation", format!("base {base} has no strand mount {mount}"))
            .at("/base", "no such strand of letter beads"));
    }
    Ok(axum::Json(sp).into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SavedDesign {
    pub hash: String,
    pub catalog_version: String,
    /// Where a shopper opens it.
    pub share_url: String,
    pub valid: bool,
    pub created_at: String,
    #[schema(value_type = Object)]
    pub design: serde_json::Value,
}

/// Save a design (immutable, content-addressed): 201 the first time, 200 after. Signed-in
/// shoppers find it under /api/v1/me/designs.
#[utoipa::path(post, path = "/api/v1/designs", tag = "designs",
    request_body(content = Object, description = "A design document (docs/design.md)"),
    responses((status = 201, body = SavedDesign), (status = 200, body = SavedDesign), (status = 422, body = Problem)))]
pub async fn save_design(State(s): S, who: Principal, DesignBody(d): DesignBody) -> ApiResult<Response> {
    let e = own_engine(&s.catalogs, &d).await?;
    let valid = e.violations(&d).is_empty();
    let hash = d.hash();
    let body = d.canonical_json();
    let new = s.store.put_design(&hash, &d.catalog.version, &body, who.user_id()).await?;
    let row = s.store.design(&hash).await?.ok_or_else(|| Problem::internal("a saved design vanished"))?;
    let out = SavedDesign {
        share_url: format!("{}/d/{hash}", s.public_url),
        catalog_version: d.catalog.version.clone(),
        valid,
        created_at: rfc3339(row.created_at),
        design: serde_json::from_str(&body).map_err(Problem::internal)?,
        hash: hash.clone(),
    };
    Ok(if new { created(format!("/api/v1/designs/{hash}"), out) } else { axum::Json(out).into_response() })
}

/// A saved design.
#[utoipa::path(get, path = "/api/v1/designs/{hash}", tag = "designs",
    responses((status = 200, body = SavedDesign), (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn get_design(State(s): S, DesignHash(hash): DesignHash) -> ApiResult<axum::Json<SavedDesign>> {
    let row = s.store.design(&hash).await?.ok_or_else(|| Problem::not_found(format!("no design {hash}")))?;
    let d =
        Design::from_json(row.body.as_bytes()).map_err(|e| Problem::internal(format!("stored design {hash}: {e}")))?;
    let valid = match s.catalogs.get(&row.catalog_version).await? {
        Some(e) => e.violations(&d).is_empty(),
        None => false,
    };
    Ok(axum::Json(SavedDesign {
        share_url: format!("{}/d/{hash}", s.public_url),
        catalog_version: row.catalog_version,
        valid,
        created_at: rfc3339(row.created_at),
        design: serde_json::from_str(&row.body).map_err(Problem::internal)?,
        hash,
    }))
}
