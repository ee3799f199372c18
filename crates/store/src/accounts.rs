//! Accounts: users with their role, their sessions, and the API tokens of shop integrations.

use crate::{is_unique_violation, new_id, new_secret, now_ms, secret_hash, Result, Store, StoreError, Word};
use orfevre_commerce::Role;
use serde::Serialize;
use std::time::Duration;

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct User {
    pub id: String,
    pub email: String,
    #[serde(skip)]
    pub password_hash: String,
    #[sqlx(try_from = "Word<Role>")]
    pub role: Role,
    pub created_at: i64,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct ApiToken {
    pub id: String,
    pub name: String,
    #[sqlx(try_from = "Word<Role>")]
    pub role: Role,
    pub created_at: i64,
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    #[sqlx(flatten)]
    user: User,
    csrf: String,
}

const USER_COLUMNS: &str = "id, email, password_hash, role, created_at";

impl Store {
    /// Creates a user; `Unique` when the email is taken.
    pub async fn create_user(&self, email: &str, password_hash: &str, role: Role) -> Result<User> {
        let user = User {
            id: new_id("usr_"),
            email: email.to_string(),
            password_hash: password_hash.to_string(),
            role,
            created_at: now_ms(),
        };
        let r = sqlx::query(&format!("INSERT INTO users ({USER_COLUMNS}) VALUES ($1, $2, $3, $4, $5)"))
            .bind(&user.id)
            .bind(&user.email)
            .bind(&user.password_hash)
            .bind(user.role.as_str())
            .bind(user.created_at)
            .execute(&self.pool)
            .await;
        match r {
            Ok(_) => Ok(user),
            Err(e) if is_unique_violation(&e) => Err(StoreError::Unique(format!("an account exists for {email}"))),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>> {
        Ok(sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1"))
            .bind(email)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub async fn set_password(&self, user_id: &str, password_hash: &str) -> Result<()> {
        let r = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        if r.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("no user {user_id}")));
        }
        Ok(())
    }

    /// Opens a session; returns the secret for the cookie (only its hash is stored).
    pub async fn create_session(&self, user_id: &str, csrf: &str, ttl: Duration) -> Result<String> {
        let secret = new_secret();
        let now = now_ms();
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(secret_hash(&secret))
        .bind(user_id)
        .bind(csrf)
        .bind(now)
        .bind(now + ttl.as_millis() as i64)
        .execute(&self.pool)
        .await?;
        Ok(secret)
    }

    /// The user and CSRF token of a live session.
    pub async fn session(&self, secret: &str) -> Result<Option<(User, String)>> {
        let row: Option<SessionRow> = sqlx::query_as(
            "SELECT u.id, u.email, u.password_hash, u.role, u.created_at, s.csrf FROM sessions s \
             JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2",
        )
        .bind(secret_hash(secret))
        .bind(now_ms())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| (r.user, r.csrf)))
    }

    pub async fn delete_session(&self, secret: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(secret_hash(secret)).execute(&self.pool).await?;
        Ok(())
    }

    /// Creates an API token; returns it with its secret (shown once, stored hashed).
    pub async fn create_token(&self, name: &str, role: Role) -> Result<(ApiToken, String)> {
        let token = ApiToken { id: new_id("tok_"), name: name.to_string(), role, created_at: now_ms() };
        let secret = format!("orf_{}", new_secret());
        sqlx::query("INSERT INTO api_tokens (id, name, token_hash, role, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(&token.id)
            .bind(&token.name)
            .bind(secret_hash(&secret))
            .bind(token.role.as_str())
            .bind(token.created_at)
            .execute(&self.pool)
            .await?;
        Ok((token, secret))
    }

    /// The live (unrevoked) token with this secret.
    pub async fn token(&self, secret: &str) -> Result<Option<ApiToken>> {
        Ok(sqlx::query_as(
            "SELECT id, name, role, created_at FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
        )
        .bind(secret_hash(secret))
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn revoke_token(&self, id: &str) -> Result<bool> {
        let r = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(now_ms())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() == 1)
    }
}
