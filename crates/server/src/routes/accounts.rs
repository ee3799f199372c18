//! Accounts: shoppers register and sign in (a session cookie with its CSRF token), find the
//! designs they saved; an admin creates staff accounts.

use crate::http::auth::SESSION_COOKIE;
use crate::http::extract::cookie;
use crate::http::{ApiResult, Json, Principal, Problem, S};
use crate::services::{accounts, rfc3339};
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use orfevre_commerce::{policy, Role};
use orfevre_engine::Design;
use orfevre_store::StoreError;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/accounts", post(register))
        .route("/api/v1/session", get(whoami).post(login).delete(logout))
        .route("/api/v1/me/designs", get(my_designs))
        .route("/api/v1/staff", post(create_staff))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(register, login, whoami, logout, my_designs, create_staff))]
pub struct Api;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    pub email: String,
    pub password: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SessionView {
    pub user_id: String,
    pub email: String,
    pub role: Role,
    /// Send it back in `X-CSRF-Token` on every signed-in POST, PUT, PATCH and DELETE.
    pub csrf_token: String,
}

fn session_cookie(s: &AppState, secret: &str, max_age: i64) -> HeaderValue {
    let secure = if s.config.cookie_secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{}={secret}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age}{secure}",
        SESSION_COOKIE
    ))
    .expect("cookie is ASCII")
}

async fn open_session(s: &AppState, user: &orfevre_store::User, status: StatusCode) -> ApiResult<Response> {
    let csrf = orfevre_store::new_secret();
    let secret = s.store.create_session(&user.id, &csrf, s.config.session_ttl).await?;
    let body = SessionView { user_id: user.id.clone(), email: user.email.clone(), role: user.role, csrf_token: csrf };
    let mut r = (status, axum::Json(body)).into_response();
    r.headers_mut().insert(header::SET_COOKIE, session_cookie(s, &secret, s.config.session_ttl.as_secs() as i64));
    Ok(r)
}

async fn hash_blocking(password: String) -> ApiResult<String> {
    tokio::task::spawn_blocking(move || accounts::hash_password(&password))
        .await
        .map_err(Problem::internal)?
        .map_err(Problem::internal)
}

/// A store error on creating an account: a taken email points at `/email`.
fn email_taken(e: StoreError) -> Problem {
    match e {
        StoreError::Unique(_) => Problem::from(e).at("/email", "taken"),
        other => other.into(),
    }
}

/// Create a shopper account and sign in.
#[utoipa::path(post, path = "/api/v1/accounts", tag = "accounts", request_body = Credentials,
    responses((status = 201, body = SessionView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn register(State(s): S, Json(c): Json<Credentials>) -> ApiResult<Response> {
    let email = accounts::parse_email(&c.email)?;
    accounts::check_password(&c.password)?;
    let hash = hash_blocking(c.password).await?;
    let user = s.store.create_user(&email, &hash, Role::Shopper).await.map_err(email_taken)?;
    open_session(&s, &user, StatusCode::CREATED).await
}

/// Sign in (sets the session cookie).
#[utoipa::path(post, path = "/api/v1/session", tag = "accounts", request_body = Credentials,
    responses((status = 200, body = SessionView), (status = 401, body = Problem)))]
pub async fn login(State(s): S, Json(c): Json<Credentials>) -> ApiResult<Response> {
    let email = c.email.trim().to_lowercase();
    let user = s.store.user_by_email(&email).await?;
    // Verify against a dummy hash when there is no such user, so both cases take as long.
    const DUMMY: &str =
        "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$4eTDRKs1Lv7iwpzEI+vHoHEHgWqgYyDmCGfG25Ogfko";
    let hash = user.as_ref().map(|u| u.password_hash.clone()).unwrap_or_else(|| DUMMY.to_string());
    let pw = c.password;
    let ok =
        tokio::task::spawn_blocking(move || accounts::verify_password(&pw, &hash)).await.map_err(Problem::internal)?;
    match user {
        Some(u) if ok => open_session(&s, &u, StatusCode::OK).await,
        _ => {
            Err(Problem::new(StatusCode::UNAUTHORIZED, "bad-credentials", "Sign-in failed", "wrong email or password")
                .at("/password", "wrong email or password"))
        }
    }
}

/// Who is signed in.
#[utoipa::path(get, path = "/api/v1/session", tag = "accounts",
    responses((status = 200, body = SessionView), (status = 401, body = Problem)))]
pub async fn whoami(who: Principal) -> ApiResult<axum::Json<SessionView>> {
    match who {
        Principal::User { user, role, csrf } => {
            Ok(axum::Json(SessionView { user_id: user.id, email: user.email, role, csrf_token: csrf }))
        }
        _ => Err(Problem::unauthorized()),
    }
}

/// Sign out.
#[utoipa::path(delete, path = "/api/v1/session", tag = "accounts", responses((status = 204), (status = 401, body = Problem)))]
pub async fn logout(State(s): S, who: Principal, req: Request) -> ApiResult<Response> {
    if !matches!(who, Principal::User { .. }) {
        return Err(Problem::unauthorized());
    }
    let (parts, _) = req.into_parts();
    if let Some(secret) = cookie(&parts.headers, SESSION_COOKIE) {
        s.store.delete_session(&secret).await?;
    }
    let mut r = StatusCode::NO_CONTENT.into_response();
    r.headers_mut().insert(header::SET_COOKIE, session_cookie(&s, "", 0));
    Ok(r)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DesignSummary {
    pub hash: String,
    pub catalog_version: String,
    pub base: String,
    pub share_url: String,
    pub saved_at: String,
}

/// The designs the signed-in user saved.
#[utoipa::path(get, path = "/api/v1/me/designs", tag = "accounts",
    responses((status = 200, body = [DesignSummary]), (status = 401, body = Problem)))]
pub async fn my_designs(State(s): S, who: Principal) -> ApiResult<axum::Json<Vec<DesignSummary>>> {
    let Some(uid) = who.user_id() else { return Err(Problem::unauthorized()) };
    let mut out = Vec::new();
    for r in s.store.user_designs(uid).await? {
        // A stored design is one this server wrote: one that does not read is the server's fault.
        let d = Design::from_json(r.body.as_bytes())
            .map_err(|e| Problem::internal(format!("stored design {}: {e}", r.hash)))?;
        out.push(DesignSummary {
            base: d.base,
            share_url: format!("{}/d/{}", s.public_url, r.hash),
            hash: r.hash,
            catalog_version: r.catalog_version,
            saved_at: rfc3339(r.created_at),
        });
    }
    Ok(axum::Json(out))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStaff {
    pub email: String,
    pub password: String,
    /// admin, merchandiser, workshop or designer.
    pub role: Role,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: String,
    pub email: String,
    pub role: Role,
}

/// Create a staff account (admin).
#[utoipa::path(post, path = "/api/v1/staff", tag = "accounts", request_body = NewStaff,
    responses((status = 201, body = UserView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_staff(State(s): S, who: Principal, Json(n): Json<NewStaff>) -> ApiResult<Response> {
    who.require(policy::ADMIN)?;
    if !n.role.is_staff() {
        return Err(Problem::invalid("validation", "/role: a staff role is admin, merchandiser, workshop or designer")
            .at("/role", "not a staff role"));
    }
    let email = accounts::parse_email(&n.email)?;
    accounts::check_password(&n.password)?;
    let hash = hash_blocking(n.password).await?;
    let u = s.store.create_user(&email, &hash, n.role).await.map_err(email_taken)?;
    Ok((StatusCode::CREATED, axum::Json(UserView { id: u.id, email: u.email, role: n.role })).into_response())
}
