//! Who is asking: a shopper or staff member by session cookie, a shop integration by API token,
//! or nobody. Passwords are hashed with argon2id; cookie-authenticated writes need the session's
//! CSRF token in `X-CSRF-Token`.

use crate::problem::{ApiResult, Problem};
use crate::AppState;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, Method, StatusCode};
use orfevre_store::{ApiToken, User};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub const SESSION_COOKIE: &str = "orfevre_session";
pub const CSRF_HEADER: &str = "x-csrf-token";
pub const MIN_PASSWORD: usize = 10;
pub const MAX_PASSWORD: usize = 256;
pub const MAX_EMAIL: usize = 254;

/// What a principal may do. Shoppers have accounts of their own; staff roles are given by an
/// admin; `integration` is the role of API tokens used by a brand's shop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Shopper,
    Admin,
    Merchandiser,
    Workshop,
    Designer,
    Integration,
}

impl Role {
    pub const ALL: [Role; 6] =
        [Role::Shopper, Role::Admin, Role::Merchandiser, Role::Workshop, Role::Designer, Role::Integration];
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Shopper => "shopper",
            Role::Admin => "admin",
            Role::Merchandiser => "merchandiser",
            Role::Workshop => "workshop",
            Role::Designer => "designer",
            Role::Integration => "integration",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Admin | Role::Merchandiser | Role::Workshop | Role::Designer)
    }
}

/// The caller of a request.
#[derive(Clone, Debug)]
pub enum Principal {
    Anonymous,
    User { user: User, role: Role, csrf: String },
    Token { token: ApiToken, role: Role },
}

impl Principal {
    pub fn role(&self) -> Option<Role> {
        match self {
            Principal::Anonymous => None,
            Principal::User { role, .. } | Principal::Token { role, .. } => Some(*role),
        }
    }
    /// 401 for nobody, 403 for a role not in `allowed`.
    pub fn require(&self, allowed: &[Role]) -> ApiResult<Role> {
        match self.role() {
            None => Err(Problem::unauthorized()),
            Some(r) if allowed.contains(&r) => Ok(r),
            Some(r) => Err(Problem::forbidden(format!(
                "the {} role cannot do this; it needs {}",
                r.as_str(),
                allowed.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(" or ")
            ))),
        }
    }
    /// A stable key for idempotency and ownership (`user:…` or `token:…`).
    pub fn key(&self) -> Option<String> {
        match self {
            Principal::Anonymous => None,
            Principal::User { user, .. } => Some(format!("user:{}", user.id)),
            Principal::Token { token, .. } => Some(format!("token:{}", token.id)),
        }
    }
    /// Who to name in an order's history.
    pub fn actor(&self) -> String {
        match self {
            Principal::Anonymous => "anonymous".into(),
            Principal::User { user, role, .. } => format!("{} ({})", user.email, role.as_str()),
            Principal::Token { token, .. } => format!("token {} ({})", token.name, token.id),
        }
    }
    pub fn user_id(&self) -> Option<&str> {
        match self {
            Principal::User { user, .. } => Some(&user.id),
            _ => None,
        }
    }
    pub fn token_id(&self) -> Option<&str> {
        match self {
            Principal::Token { token, .. } => Some(&token.id),
            _ => None,
        }
    }
}

/// The value of cookie `name` in the request's headers.
pub fn cookie(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|h| {
        h.split(';').find_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            (k == name).then(|| v.to_string())
        })
    })
}

impl FromRequestParts<Arc<AppState>> for Principal {
    type Rejection = Problem;
    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> ApiResult<Principal> {
        if let Some(auth) = parts.headers.get(header::AUTHORIZATION) {
            let secret = auth
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .ok_or_else(|| Problem::unauthorized().at("header:authorization", "expected `Bearer orf_…`"))?;
            let token =
                state.store.token(secret.trim()).await?.ok_or_else(|| {
                    Problem::unauthorized().at("header:authorization", "unknown or revoked API token")
                })?;
            let role = Role::parse(&token.role).unwrap_or(Role::Integration);
            return Ok(Principal::Token { token, role });
        }
        let Some(secret) = cookie(&parts.headers, SESSION_COOKIE) else { return Ok(Principal::Anonymous) };
        let Some((user, csrf)) = state.store.session(&secret).await? else {
            // An expired or unknown cookie is no session; the caller is anonymous.
            return Ok(Principal::Anonymous);
        };
        let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if unsafe_method {
            let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
            if !constant_time_eq(sent.as_bytes(), csrf.as_bytes()) {
                return Err(Problem::new(
                    StatusCode::FORBIDDEN,
                    "csrf",
                    "Forbidden",
                    "a signed-in write needs the session's CSRF token in the X-CSRF-Token header",
                )
                .at("header:x-csrf-token", if sent.is_empty() { "missing" } else { "does not match the session" }));
            }
        }
        let role = Role::parse(&user.role).unwrap_or(Role::Shopper);
        Ok(Principal::User { user, role, csrf })
    }
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Normalises and checks an email address (`/email` of the body on failure).
pub fn parse_email(raw: &str) -> ApiResult<String> {
    let e = raw.trim().to_lowercase();
    let bad = |why: &str| Problem::invalid("validation", format!("/email: {why}")).at("/email", why);
    if e.len() > MAX_EMAIL {
        return Err(bad(&format!("at most {MAX_EMAIL} characters")));
    }
    let Some((local, domain)) = e.split_once('@') else { return Err(bad("an email address needs an @")) };
    if local.is_empty()
        || domain.len() < 3
        || !domain.contains('.')
        || domain.contains('@')
        || e.contains(char::is_whitespace)
    {
        return Err(bad("not an email address"));
    }
    Ok(e)
}

pub fn check_password(p: &str) -> ApiResult<()> {
    let n = p.chars().count();
    if !(MIN_PASSWORD..=MAX_PASSWORD).contains(&n) {
        let why = format!("a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters; this one has {n}");
        return Err(Problem::invalid("validation", format!("/password: {why}")).at("/password", why));
    }
    Ok(())
}

/// argon2id with the crate's defaults (19 MiB, 2 passes), a fresh salt each time.
pub fn hash_password(p: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Ok(Argon2::default().hash_password(p.as_bytes(), &salt).map_err(|e| anyhow::anyhow!("{e}"))?.to_string())
}

pub fn verify_password(p: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(p.as_bytes(), &h).is_ok())
}
