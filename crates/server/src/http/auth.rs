//! Who is asking: a shopper or staff member by session cookie, a shop integration by API token,
//! or nobody; and whether their role is in the policy a handler names. Cookie-authenticated
//! writes need the session's CSRF token in `X-CSRF-Token`.

use crate::http::extract::cookie;
use crate::http::problem::{ApiResult, Problem};
use crate::services::pieces::Caller;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode};
use orfevre_commerce::Role;
use orfevre_store::{ApiToken, User};
use std::sync::Arc;

pub const SESSION_COOKIE: &str = "orfevre_session";
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The cookie a genuine tap sets: the viewer capability's secret.
pub const VIEWER_COOKIE: &str = "orfevre_viewer";

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
    /// 401 for nobody, 403 for a role not in `policy` (one of `orfevre_commerce::policy`).
    pub fn require(&self, policy: &[Role]) -> ApiResult<Role> {
        match self.role() {
            None => Err(Problem::unauthorized()),
            Some(r) if policy.contains(&r) => Ok(r),
            Some(r) => Err(Problem::forbidden(format!(
                "the {} role cannot do this; it needs {}",
                r.as_str(),
                policy.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(" or ")
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
    /// Who to name in an order's or a piece's history.
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
    /// The piece's owner, or 401/403: a piece's private side is not even acknowledged to others.
    pub fn require_owner(&self, p: &orfevre_store::Piece) -> ApiResult<()> {
        if self.role().is_none() {
            return Err(Problem::unauthorized());
        }
        if !self.caller(None).owns(p) {
            return Err(Problem::forbidden("only the piece's owner can do this"));
        }
        Ok(())
    }

    /// The caller as the pieces service sees it, with the tap's viewer cookie from `headers`.
    pub fn caller<'a>(&'a self, viewer: Option<&'a str>) -> Caller<'a> {
        Caller { role: self.role(), user: self.user_id(), viewer }
    }
}

/// The viewer capability a genuine tap left in the request's cookies.
pub fn viewer_cookie(headers: &HeaderMap) -> Option<String> {
    cookie(headers, VIEWER_COOKIE)
}

impl FromRequestParts<Arc<AppState>> for Principal {
    type Rejection = Problem;
    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> ApiResult<Principal> {
        if let Some(auth) = parts.headers.get(axum::http::header::AUTHORIZATION) {
            let secret = auth
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .ok_or_else(|| Problem::unauthorized().at("header:authorization", "expected `Bearer orf_…`"))?;
            let token =
                state.store.token(secret.trim()).await?.ok_or_else(|| {
                    Problem::unauthorized().at("header:authorization", "unknown or revoked API token")
                })?;
            let role = token.role;
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
        let role = user.role;
        Ok(Principal::User { user, role, csrf })
    }
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use orfevre_commerce::policy;

    #[test]
    fn nobody_is_401_and_a_role_outside_the_policy_is_403_naming_the_roles_needed() {
        assert_eq!(Principal::Anonymous.require(policy::ADMIN).unwrap_err().status, 401);
        let t = ApiToken { id: "tok_1".into(), name: "shop".into(), role: Role::Integration, created_at: 0 };
        let who = Principal::Token { token: t, role: Role::Integration };
        let p = who.require(policy::CATALOG_STAFF).unwrap_err();
        assert_eq!(p.status, 403);
        assert_eq!(p.detail, "the integration role cannot do this; it needs admin or merchandiser");
        assert_eq!(who.require(policy::ORDER_MAKERS).unwrap(), Role::Integration);
        assert_eq!(who.key().as_deref(), Some("token:tok_1"));
    }

    #[test]
    fn tokens_are_compared_in_constant_time_and_exactly() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }
}
