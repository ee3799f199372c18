//! # orfevre-store
//!
//! Everything Orfèvre keeps: catalog versions, saved designs, accounts, sessions, API tokens,
//! orders with their history, and the webhook outbox — in SQLite (one file, WAL, `synchronous =
//! FULL`: an acknowledged write survives a crash) or PostgreSQL (several stateless servers).
//!
//! One schema (`migrations/`) and one set of SQL statements serve both databases through sqlx's
//! `Any` driver: only `TEXT` and `BIGINT` columns, `$n` placeholders, `ON CONFLICT` and
//! `RETURNING`, which SQLite and PostgreSQL both understand. Times are Unix milliseconds; money is
//! a decimal string beside its currency code, never a float.
//!
//! The crate knows nothing of HTTP. Every multi-row change (an order with its first event and its
//! webhook deliveries) is one transaction: nothing is ever half-written.

use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor, Row};
use std::time::Duration;

mod pieces;
pub use pieces::*;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Conflict(String),
}

pub type Result<T> = std::result::Result<T, StoreError>;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A connection pool to the brand's database.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// A random identifier: `prefix` + 20 lowercase base-32 characters (100 bits).
pub fn new_id(prefix: &str) -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghjkmnpqrstvwxyz";
    let mut bytes = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let mut s = String::with_capacity(prefix.len() + 20);
    s.push_str(prefix);
    s.extend(bytes.iter().map(|b| ALPHABET[(*b & 31) as usize] as char));
    s
}

/// A secret for a session cookie or an API token: 32 random bytes, hex.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// What is stored of a secret: its SHA-256 (a leaked database reveals no usable token).
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[derive(Clone, Debug, Serialize)]
pub struct CatalogRow {
    pub version: String,
    pub digest: String,
    pub created_at: i64,
    pub created_by: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct DesignRow {
    pub hash: String,
    pub catalog_version: String,
    pub body: String,
    pub created_at: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct User {
    pub id: String,
    pub email: String,
    #[serde(skip)]
    pub password_hash: String,
    pub role: String,
    pub created_at: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct ApiToken {
    pub id: String,
    pub name: String,
    pub role: String,
    pub created_at: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Order {
    pub id: String,
    #[serde(skip)]
    pub principal: String,
    #[serde(skip)]
    pub request_hash: String,
    pub user_id: Option<String>,
    pub token_id: Option<String>,
    pub quote_id: String,
    pub design_hash: String,
    pub catalog_version: String,
    pub total: String,
    pub currency: String,
    pub customer: serde_json::Value,
    pub status: String,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct OrderEvent {
    pub status: String,
    pub actor: String,
    pub at: i64,
}

/// An order to create, keyed by who asks and their idempotency key.
#[derive(Clone, Debug)]
pub struct NewOrder {
    pub principal: String,
    pub idempotency_key: String,
    pub request_hash: String,
    pub user_id: Option<String>,
    pub token_id: Option<String>,
    pub quote_id: String,
    pub design_hash: String,
    pub catalog_version: String,
    pub total: String,
    pub currency: String,
    pub customer: serde_json::Value,
    pub status: String,
}

/// The outcome of creating an order.
#[derive(Debug)]
pub enum Created {
    /// A new order.
    New(Order),
    /// The same principal and idempotency key were seen before with the same request.
    Replayed(Order),
    /// The same principal and key were seen before with a different request.
    KeyReused(Order),
    /// The quote was already turned into another order.
    QuoteUsed(String),
}

#[derive(Clone, Debug, Serialize)]
pub struct WebhookEndpoint {
    pub id: String,
    pub url: String,
    #[serde(skip)]
    pub secret: String,
    pub created_at: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Delivery {
    pub id: String,
    pub endpoint_id: String,
    pub url: String,
    #[serde(skip)]
    pub secret: String,
    pub event_type: String,
    pub payload: String,
    pub attempts: i64,
    pub delivered_at: Option<i64>,
    pub failed_at: Option<i64>,
    pub last_error: Option<String>,
}

const ORDER_COLUMNS: &str = "id, principal, request_hash, user_id, token_id, quote_id, design_hash, catalog_version, \
     total, currency, customer, status, created_at, updated_at";

const DELIVERY_SELECT: &str = "SELECT d.id, d.endpoint_id, e.url, e.secret, d.event_type, d.payload, d.attempts, \
     d.delivered_at, d.failed_at, d.last_error FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id";

fn design_of(r: &AnyRow) -> Result<DesignRow> {
    Ok(DesignRow {
        hash: r.try_get("hash")?,
        catalog_version: r.try_get("catalog_version")?,
        body: r.try_get("body")?,
        created_at: r.try_get("created_at")?,
    })
}

fn order_of(r: &AnyRow) -> Result<Order> {
    let customer: String = r.try_get("customer")?;
    Ok(Order {
        id: r.try_get("id")?,
        principal: r.try_get("principal")?,
        request_hash: r.try_get("request_hash")?,
        user_id: r.try_get("user_id")?,
        token_id: r.try_get("token_id")?,
        quote_id: r.try_get("quote_id")?,
        design_hash: r.try_get("design_hash")?,
        catalog_version: r.try_get("catalog_version")?,
        total: r.try_get("total")?,
        currency: r.try_get("currency")?,
        customer: serde_json::from_str(&customer).unwrap_or(serde_json::Value::Null),
        status: r.try_get("status")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn user_of(r: &AnyRow) -> Result<User> {
    Ok(User {
        id: r.try_get("id")?,
        email: r.try_get("email")?,
        password_hash: r.try_get("password_hash")?,
        role: r.try_get("role")?,
        created_at: r.try_get("created_at")?,
    })
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.kind() == sqlx::error::ErrorKind::UniqueViolation)
}

impl Store {
    /// Opens (creating if needed) the database at `url`: `sqlite://PATH` or `postgres://…`, and
    /// brings its schema up to date.
    pub async fn open(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(StoreError::Conflict(format!(
                "unsupported database URL {url:?}: use sqlite://PATH or postgres://USER@HOST/DB"
            )));
        };
        let mut opts = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(10));
        if backend == Backend::Sqlite {
            // WAL lets readers run beside the one writer; FULL makes every commit durable before
            // it is acknowledged; the busy timeout queues writers instead of failing them.
            opts = opts.max_connections(8).after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA synchronous = FULL").await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    conn.execute("PRAGMA busy_timeout = 10000").await?;
                    Ok(())
                })
            });
        } else {
            opts = opts.max_connections(16);
        }
        let url = if backend == Backend::Sqlite && !url.contains("mode=") {
            format!("{url}{}mode=rwc", if url.contains('?') { '&' } else { '?' })
        } else {
            url.to_string()
        };
        let pool = opts.connect(&url).await?;
        let store = Store { pool, backend };
        MIGRATOR.run(&store.pool).await?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await
    }

    // ----- settings -------------------------------------------------------------------------

    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        let row = sqlx::query("SELECT value FROM settings WHERE key = $1").bind(key).fetch_optional(&self.pool).await?;
        Ok(row.map(|r| r.try_get("value")).transpose()?)
    }

    pub async fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The value of `key`, set to `make()` by whichever server asks first (all servers then agree).
    pub async fn setting_or_init(&self, key: &str, make: impl FnOnce() -> String) -> Result<String> {
        sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
            .bind(key)
            .bind(make())
            .execute(&self.pool)
            .await?;
        self.setting(key).await?.ok_or_else(|| StoreError::Conflict(format!("setting {key} vanished")))
    }

    // ----- catalogs -------------------------------------------------------------------------

    /// Stores a catalog version. Returns false when the same version with the same digest is there
    /// already, and a conflict when that version holds other content.
    pub async fn put_catalog(&self, version: &str, digest: &str, sources: &str, by: Option<&str>) -> Result<bool> {
        let r = sqlx::query(
            "INSERT INTO catalogs (version, digest, sources, created_at, created_by) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (version) DO NOTHING",
        )
        .bind(version)
        .bind(digest)
        .bind(sources)
        .bind(now_ms())
        .bind(by)
        .execute(&self.pool)
        .await?;
        if r.rows_affected() == 1 {
            return Ok(true);
        }
        let existing: String = sqlx::query("SELECT digest FROM catalogs WHERE version = $1")
            .bind(version)
            .fetch_one(&self.pool)
            .await?
            .try_get("digest")?;
        if existing == digest {
            Ok(false)
        } else {
            Err(StoreError::Conflict(format!(
                "catalog version {version} already exists with other content; give the new catalog a new version in brand.toml"
            )))
        }
    }

    pub async fn catalog_sources(&self, version: &str) -> Result<Option<String>> {
        let row = sqlx::query("SELECT sources FROM catalogs WHERE version = $1")
            .bind(version)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get("sources")).transpose()?)
    }

    pub async fn catalogs(&self) -> Result<Vec<CatalogRow>> {
        let rows =
            sqlx::query("SELECT version, digest, created_at, created_by FROM catalogs ORDER BY created_at, version")
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|r| {
                Ok(CatalogRow {
                    version: r.try_get("version")?,
                    digest: r.try_get("digest")?,
                    created_at: r.try_get("created_at")?,
                    created_by: r.try_get("created_by")?,
                })
            })
            .collect()
    }

    /// The published catalog version, if any.
    pub async fn active_catalog(&self) -> Result<Option<String>> {
        self.setting("active_catalog").await
    }

    pub async fn publish_catalog(&self, version: &str) -> Result<()> {
        self.set_setting("active_catalog", version).await
    }

    // ----- designs --------------------------------------------------------------------------

    /// Saves a design (idempotent: a design is its hash). Returns whether it was new.
    pub async fn put_design(&self, hash: &str, catalog_version: &str, body: &str, owner: Option<&str>) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let now = now_ms();
        let r = sqlx::query(
            "INSERT INTO designs (hash, catalog_version, body, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (hash) DO NOTHING",
        )
        .bind(hash)
        .bind(catalog_version)
        .bind(body)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if let Some(user) = owner {
            sqlx::query(
                "INSERT INTO user_designs (user_id, hash, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(user)
            .bind(hash)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(r.rows_affected() == 1)
    }

    pub async fn design(&self, hash: &str) -> Result<Option<DesignRow>> {
        let row = sqlx::query("SELECT hash, catalog_version, body, created_at FROM designs WHERE hash = $1")
            .bind(hash)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(design_of).transpose()
    }

    /// The designs a user saved, newest first.
    pub async fn user_designs(&self, user_id: &str) -> Result<Vec<DesignRow>> {
        let rows = sqlx::query(
            "SELECT d.hash, d.catalog_version, d.body, u.created_at FROM user_designs u JOIN designs d ON d.hash = u.hash \
             WHERE u.user_id = $1 ORDER BY u.created_at DESC, d.hash LIMIT 500",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(design_of).collect()
    }

    // ----- accounts -------------------------------------------------------------------------

    /// Creates a user; a conflict when the email is taken.
    pub async fn create_user(&self, email: &str, password_hash: &str, role: &str) -> Result<User> {
        let user = User {
            id: new_id("usr_"),
            email: email.to_string(),
            password_hash: password_hash.to_string(),
            role: role.to_string(),
            created_at: now_ms(),
        };
        let r =
            sqlx::query("INSERT INTO users (id, email, password_hash, role, created_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(&user.id)
                .bind(&user.email)
                .bind(&user.password_hash)
                .bind(&user.role)
                .bind(user.created_at)
                .execute(&self.pool)
                .await;
        match r {
            Ok(_) => Ok(user),
            Err(e) if is_unique_violation(&e) => Err(StoreError::Conflict(format!("an account exists for {email}"))),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>> {
        let row = sqlx::query("SELECT id, email, password_hash, role, created_at FROM users WHERE email = $1")
            .bind(email)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user_of).transpose()
    }

    pub async fn set_password(&self, user_id: &str, password_hash: &str) -> Result<()> {
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(user_id)
            .execute(&self.pool)
            .await?;
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
        let row = sqlx::query(
            "SELECT u.id, u.email, u.password_hash, u.role, u.created_at, s.csrf FROM sessions s \
             JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2",
        )
        .bind(secret_hash(secret))
        .bind(now_ms())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| Ok((user_of(&r)?, r.try_get("csrf")?))).transpose()
    }

    pub async fn delete_session(&self, secret: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(secret_hash(secret)).execute(&self.pool).await?;
        Ok(())
    }

    /// Creates an API token; returns it with its secret (shown once, stored hashed).
    pub async fn create_token(&self, name: &str, role: &str) -> Result<(ApiToken, String)> {
        let token =
            ApiToken { id: new_id("tok_"), name: name.to_string(), role: role.to_string(), created_at: now_ms() };
        let secret = format!("orf_{}", new_secret());
        sqlx::query("INSERT INTO api_tokens (id, name, token_hash, role, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(&token.id)
            .bind(&token.name)
            .bind(secret_hash(&secret))
            .bind(&token.role)
            .bind(token.created_at)
            .execute(&self.pool)
            .await?;
        Ok((token, secret))
    }

    pub async fn token(&self, secret: &str) -> Result<Option<ApiToken>> {
        let row = sqlx::query(
            "SELECT id, name, role, created_at FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
        )
        .bind(secret_hash(secret))
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(ApiToken {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                role: r.try_get("role")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .transpose()
    }

    pub async fn revoke_token(&self, id: &str) -> Result<bool> {
        let r = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(now_ms())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() == 1)
    }

    // ----- orders ---------------------------------------------------------------------------

    /// Creates an order, its first event and its webhook deliveries in one transaction — or finds
    /// the order this principal already made with this idempotency key.
    pub async fn create_order(&self, o: NewOrder, event_payload: impl Fn(&Order) -> String) -> Result<Created> {
        if let Some(existing) = self.order_by_key(&o.principal, &o.idempotency_key).await? {
            return Ok(if existing.request_hash == o.request_hash {
                Created::Replayed(existing)
            } else {
                Created::KeyReused(existing)
            });
        }
        let now = now_ms();
        let order = Order {
            id: new_id("ord_"),
            principal: o.principal.clone(),
            request_hash: o.request_hash.clone(),
            user_id: o.user_id.clone(),
            token_id: o.token_id.clone(),
            quote_id: o.quote_id.clone(),
            design_hash: o.design_hash.clone(),
            catalog_version: o.catalog_version.clone(),
            total: o.total.clone(),
            currency: o.currency.clone(),
            customer: o.customer.clone(),
            status: o.status.clone(),
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query(&format!(
            "INSERT INTO orders ({ORDER_COLUMNS}, idempotency_key) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
        ))
        .bind(&order.id)
        .bind(&order.principal)
        .bind(&order.request_hash)
        .bind(&order.user_id)
        .bind(&order.token_id)
        .bind(&order.quote_id)
        .bind(&order.design_hash)
        .bind(&order.catalog_version)
        .bind(&order.total)
        .bind(&order.currency)
        .bind(order.customer.to_string())
        .bind(&order.status)
        .bind(order.created_at)
        .bind(order.updated_at)
        .bind(&o.idempotency_key)
        .execute(&mut *tx)
        .await;
        if let Err(e) = inserted {
            drop(tx);
            if is_unique_violation(&e) {
                // Another request (maybe on another server) won the race: report what it made.
                if let Some(existing) = self.order_by_key(&o.principal, &o.idempotency_key).await? {
                    return Ok(if existing.request_hash == o.request_hash {
                        Created::Replayed(existing)
                    } else {
                        Created::KeyReused(existing)
                    });
                }
                let by: Option<String> = sqlx::query("SELECT id FROM orders WHERE quote_id = $1")
                    .bind(&o.quote_id)
                    .fetch_optional(&self.pool)
                    .await?
                    .map(|r| r.try_get("id"))
                    .transpose()?;
                if let Some(id) = by {
                    return Ok(Created::QuoteUsed(id));
                }
            }
            return Err(e.into());
        }
        Self::add_event(&mut tx, &order.id, &order.status, "system", now).await?;
        Self::enqueue(&mut tx, "order.created", &event_payload(&order), now).await?;
        tx.commit().await?;
        Ok(Created::New(order))
    }

    async fn add_event(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        order: &str,
        status: &str,
        actor: &str,
        at: i64,
    ) -> Result<()> {
        sqlx::query("INSERT INTO order_events (id, order_id, status, actor, at) VALUES ($1, $2, $3, $4, $5)")
            .bind(new_id("evt_"))
            .bind(order)
            .bind(status)
            .bind(actor)
            .bind(at)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// Queues one delivery of an event per enabled webhook endpoint (inside the caller's transaction).
    async fn enqueue(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        event_type: &str,
        payload: &str,
        now: i64,
    ) -> Result<()> {
        let ids: Vec<String> = sqlx::query("SELECT id FROM webhook_endpoints WHERE disabled_at IS NULL")
            .fetch_all(&mut **tx)
            .await?
            .iter()
            .map(|r| r.try_get("id"))
            .collect::<std::result::Result<_, _>>()?;
        for endpoint in ids {
            sqlx::query(
                "INSERT INTO webhook_deliveries (id, endpoint_id, event_type, payload, attempts, next_attempt_at, created_at) \
                 VALUES ($1, $2, $3, $4, 0, $5, $5)",
            )
            .bind(new_id("msg_"))
            .bind(endpoint)
            .bind(event_type)
            .bind(payload)
            .bind(now)
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }

    async fn order_by_key(&self, principal: &str, key: &str) -> Result<Option<Order>> {
        let row =
            sqlx::query(&format!("SELECT {ORDER_COLUMNS} FROM orders WHERE principal = $1 AND idempotency_key = $2"))
                .bind(principal)
                .bind(key)
                .fetch_optional(&self.pool)
                .await?;
        row.as_ref().map(order_of).transpose()
    }

    pub async fn order(&self, id: &str) -> Result<Option<Order>> {
        let row = sqlx::query(&format!("SELECT {ORDER_COLUMNS} FROM orders WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(order_of).transpose()
    }

    /// Orders, newest first: all of them, or those of one user or one API token.
    pub async fn orders(&self, user_id: Option<&str>, token_id: Option<&str>, limit: i64) -> Result<Vec<Order>> {
        let rows = sqlx::query(&format!(
            "SELECT {ORDER_COLUMNS} FROM orders WHERE ($1 IS NULL OR user_id = $1) AND ($2 IS NULL OR token_id = $2) \
             ORDER BY created_at DESC, id LIMIT $3"
        ))
        .bind(user_id)
        .bind(token_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(order_of).collect()
    }

    pub async fn order_events(&self, id: &str) -> Result<Vec<OrderEvent>> {
        let rows = sqlx::query("SELECT status, actor, at FROM order_events WHERE order_id = $1 ORDER BY at, id")
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok(OrderEvent { status: r.try_get("status")?, actor: r.try_get("actor")?, at: r.try_get("at")? }))
            .collect()
    }

    /// Moves an order from `from` to `to` (compare-and-set: false when its status was no longer
    /// `from`), recording the event and queueing its webhooks in the same transaction.
    pub async fn transition_order(
        &self,
        id: &str,
        from: &str,
        to: &str,
        actor: &str,
        event_payload: impl Fn(&Order) -> String,
    ) -> Result<Option<Order>> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        let r = sqlx::query("UPDATE orders SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4")
            .bind(to)
            .bind(now)
            .bind(id)
            .bind(from)
            .execute(&mut *tx)
            .await?;
        if r.rows_affected() != 1 {
            return Ok(None);
        }
        Self::add_event(&mut tx, id, to, actor, now).await?;
        let row = sqlx::query(&format!("SELECT {ORDER_COLUMNS} FROM orders WHERE id = $1"))
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        let order = order_of(&row)?;
        Self::enqueue(&mut tx, "order.status_changed", &event_payload(&order), now).await?;
        tx.commit().await?;
        Ok(Some(order))
    }

    // ----- webhooks -------------------------------------------------------------------------

    pub async fn add_webhook(&self, url: &str, secret: &str) -> Result<WebhookEndpoint> {
        let e = WebhookEndpoint { id: new_id("whe_"), url: url.into(), secret: secret.into(), created_at: now_ms() };
        sqlx::query("INSERT INTO webhook_endpoints (id, url, secret, created_at) VALUES ($1, $2, $3, $4)")
            .bind(&e.id)
            .bind(&e.url)
            .bind(&e.secret)
            .bind(e.created_at)
            .execute(&self.pool)
            .await?;
        Ok(e)
    }

    pub async fn webhooks(&self) -> Result<Vec<WebhookEndpoint>> {
        let rows = sqlx::query(
            "SELECT id, url, secret, created_at FROM webhook_endpoints WHERE disabled_at IS NULL ORDER BY created_at, id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(WebhookEndpoint {
                    id: r.try_get("id")?,
                    url: r.try_get("url")?,
                    secret: r.try_get("secret")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    pub async fn disable_webhook(&self, id: &str) -> Result<bool> {
        let r = sqlx::query("UPDATE webhook_endpoints SET disabled_at = $1 WHERE id = $2 AND disabled_at IS NULL")
            .bind(now_ms())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Claims up to `limit` deliveries that are due, leasing each to the caller for `lease`. A
    /// delivery is claimed by one server only (compare-and-set on the lease).
    pub async fn claim_deliveries(&self, limit: i64, lease: Duration) -> Result<Vec<Delivery>> {
        let now = now_ms();
        let rows = sqlx::query(&format!(
            "{DELIVERY_SELECT} WHERE d.delivered_at IS NULL AND d.failed_at IS NULL AND d.next_attempt_at <= $1 \
             AND (d.lease_until IS NULL OR d.lease_until < $1) ORDER BY d.next_attempt_at, d.id LIMIT $2"
        ))
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut claimed = Vec::new();
        for r in rows {
            let id: String = r.try_get("id")?;
            let won = sqlx::query(
                "UPDATE webhook_deliveries SET lease_until = $1 WHERE id = $2 AND (lease_until IS NULL OR lease_until < $3)",
            )
            .bind(now + lease.as_millis() as i64)
            .bind(&id)
            .bind(now)
            .execute(&self.pool)
            .await?;
            if won.rows_affected() == 1 {
                claimed.push(delivery_of(&r)?);
            }
        }
        Ok(claimed)
    }

    pub async fn delivered(&self, id: &str) -> Result<()> {
        sqlx::query(
            "UPDATE webhook_deliveries SET delivered_at = $1, attempts = attempts + 1, lease_until = NULL, last_error = NULL \
             WHERE id = $2",
        )
        .bind(now_ms())
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records a failed attempt: retried at `retry_at`, or given up when `retry_at` is `None`.
    pub async fn delivery_failed(&self, id: &str, error: &str, retry_at: Option<i64>) -> Result<()> {
        let now = now_ms();
        sqlx::query(
            "UPDATE webhook_deliveries SET attempts = attempts + 1, lease_until = NULL, last_error = $1, \
             next_attempt_at = $2, failed_at = $3 WHERE id = $4",
        )
        .bind(error)
        .bind(retry_at.unwrap_or(now))
        .bind(if retry_at.is_none() { Some(now) } else { None })
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Recent deliveries to one endpoint, newest first (for the back office and tests).
    pub async fn deliveries(&self, endpoint_id: &str) -> Result<Vec<Delivery>> {
        let rows = sqlx::query(&format!(
            "{DELIVERY_SELECT} WHERE d.endpoint_id = $1 ORDER BY d.created_at DESC, d.id LIMIT 200"
        ))
        .bind(endpoint_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(delivery_of).collect()
    }
}

fn delivery_of(r: &AnyRow) -> Result<Delivery> {
    Ok(Delivery {
        id: r.try_get("id")?,
        endpoint_id: r.try_get("endpoint_id")?,
        url: r.try_get("url")?,
        secret: r.try_get("secret")?,
        event_type: r.try_get("event_type")?,
        payload: r.try_get("payload")?,
        attempts: r.try_get("attempts")?,
        delivered_at: r.try_get("delivered_at")?,
        failed_at: r.try_get("failed_at")?,
        last_error: r.try_get("last_error")?,
    })
}
