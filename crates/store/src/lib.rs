//! # orfevre-store
//!
//! Everything Orfèvre keeps: catalog versions, saved designs, accounts, sessions, API tokens,
//! orders with their history, the webhook outbox, made pieces with their tags, vaults and gift
//! codes — in SQLite (one file, WAL, `synchronous = FULL`: an acknowledged write survives a crash)
//! or PostgreSQL (several stateless servers).
//!
//! One schema (`migrations/`) and one set of SQL statements serve both databases through sqlx's
//! `Any` driver: only `TEXT` and `BIGINT` columns, `$n` placeholders, `ON CONFLICT` and
//! `RETURNING`, which SQLite and PostgreSQL both understand. Times are Unix milliseconds; money is
//! a decimal string beside its currency code, never a float.
//!
//! The SQL is kept per aggregate, one module each: [`settings`], [`catalogs`], [`designs`],
//! [`accounts`], [`orders`], [`webhooks`], [`pieces`], [`tags`] (and the tap viewers they let
//! in), [`vault`] (and the gift codes that hand it over). Rows are read with `sqlx::FromRow`;
//! the closed sets of values (roles, statuses, kinds) are the types of `orfevre-commerce`, and a
//! stored word that is none of them is [`StoreError::Corrupt`], never a default.
//!
//! The crate knows nothing of HTTP. Every multi-row change (an order with its first event and its
//! webhook deliveries) is one transaction: nothing is ever half-written.

use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Executor, Row};
use std::time::Duration;

pub mod accounts;
pub mod catalogs;
pub mod designs;
pub mod orders;
pub mod pieces;
pub mod settings;
pub mod tags;
pub mod vault;
pub mod webhooks;

pub use accounts::{ApiToken, User};
pub use catalogs::CatalogRow;
pub use designs::DesignRow;
pub use orders::{Created, NewOrder, Order, OrderEvent, Transition};
pub use pieces::{Alteration, NewPiece, Piece, PieceEvent, PieceState};
pub use tags::{Tag, TapOutcome, Viewer};
pub use vault::{new_claim_code, normalise_claim_code, Redeemed, VaultItem};
pub use webhooks::{Delivery, WebhookEndpoint};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// What can go wrong in the store. The first three carry a message meant for the caller; the
/// last three are the server's own failures, for its log.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A row the operation needs is not there.
    #[error("{0}")]
    NotFound(String),
    /// The thing exists already (an email, a catalog version with other content).
    #[error("{0}")]
    Unique(String),
    /// A compare-and-set lost: the row changed since it was read.
    #[error("{0}")]
    Stale(String),
    /// A stored value this code cannot read: an unknown role or status, a JSON column that is not
    /// JSON.
    #[error("corrupt data: {0}")]
    Corrupt(String),
    /// The store cannot be opened as configured: an unsupported URL, a schema it cannot migrate.
    #[error("{0}")]
    Config(String),
    #[error("database: {0}")]
    Db(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> StoreError {
        match e {
            sqlx::Error::ColumnDecode { index, source } => StoreError::Corrupt(format!("column {index}: {source}")),
            sqlx::Error::Decode(source) => StoreError::Corrupt(source.to_string()),
            other => StoreError::Db(other),
        }
    }
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

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.kind() == sqlx::error::ErrorKind::UniqueViolation)
}

type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

/// The histories a new event is stamped in: its table and the column naming whose history it is.
#[derive(Clone, Copy)]
pub(crate) enum History {
    Order,
    Piece,
}

/// The time to stamp a new event of `owner`'s history with: `now`, or a millisecond after the
/// history's last event if that is later, so that a history read back in time order is the order
/// of its writes (two events within one millisecond would otherwise tie, and read back in either
/// order).
pub(crate) async fn next_event_at(tx: &mut Tx<'_>, history: History, owner: &str, now: i64) -> Result<i64> {
    let sql = match history {
        History::Order => "SELECT MAX(at) AS last FROM order_events WHERE order_id = $1",
        History::Piece => "SELECT MAX(at) AS last FROM piece_events WHERE serial = $1",
    };
    let last: Option<i64> = sqlx::query(sql).bind(owner).fetch_one(&mut **tx).await?.try_get("last")?;
    Ok(last.map_or(now, |l| now.max(l + 1)))
}

/// A column holding one word of a closed set (a role, a status, a kind), decoded by parsing it:
/// an unknown word is a decoding error that names the word and the words known, which the store
/// reports as [`StoreError::Corrupt`]. Row types read such a column with
/// `#[sqlx(try_from = "Word<T>")]`.
pub struct Word<T>(T);

impl<T> sqlx::Type<sqlx::Any> for Word<T> {
    fn type_info() -> sqlx::any::AnyTypeInfo {
        <String as sqlx::Type<sqlx::Any>>::type_info()
    }
    fn compatible(ty: &sqlx::any::AnyTypeInfo) -> bool {
        <String as sqlx::Type<sqlx::Any>>::compatible(ty)
    }
}

impl<'r, T> sqlx::Decode<'r, sqlx::Any> for Word<T>
where
    T: std::str::FromStr<Err = orfevre_commerce::UnknownValue>,
{
    fn decode(value: sqlx::any::AnyValueRef<'r>) -> std::result::Result<Self, sqlx::error::BoxDynError> {
        let text = <String as sqlx::Decode<'r, sqlx::Any>>::decode(value)?;
        Ok(Word(text.parse()?))
    }
}

/// A `TEXT` column holding JSON, decoded as a `serde_json::Value`; text that is not JSON is a
/// decoding error the store reports as [`StoreError::Corrupt`]. Read with
/// `#[sqlx(try_from = "JsonText")]`.
pub struct JsonText(serde_json::Value);

impl sqlx::Type<sqlx::Any> for JsonText {
    fn type_info() -> sqlx::any::AnyTypeInfo {
        <String as sqlx::Type<sqlx::Any>>::type_info()
    }
    fn compatible(ty: &sqlx::any::AnyTypeInfo) -> bool {
        <String as sqlx::Type<sqlx::Any>>::compatible(ty)
    }
}

impl<'r> sqlx::Decode<'r, sqlx::Any> for JsonText {
    fn decode(value: sqlx::any::AnyValueRef<'r>) -> std::result::Result<Self, sqlx::error::BoxDynError> {
        let text = <String as sqlx::Decode<'r, sqlx::Any>>::decode(value)?;
        Ok(JsonText(serde_json::from_str(&text).map_err(|e| format!("not JSON: {e}"))?))
    }
}

impl From<JsonText> for serde_json::Value {
    fn from(j: JsonText) -> serde_json::Value {
        j.0
    }
}

/// A `BIGINT` column holding a flag, 0 or 1 (the schema keeps to types both databases share);
/// any other number is a decoding error. Read with `#[sqlx(try_from = "Flag")]`.
pub struct Flag(bool);

impl sqlx::Type<sqlx::Any> for Flag {
    fn type_info() -> sqlx::any::AnyTypeInfo {
        <i64 as sqlx::Type<sqlx::Any>>::type_info()
    }
    fn compatible(ty: &sqlx::any::AnyTypeInfo) -> bool {
        <i64 as sqlx::Type<sqlx::Any>>::compatible(ty)
    }
}

impl<'r> sqlx::Decode<'r, sqlx::Any> for Flag {
    fn decode(value: sqlx::any::AnyValueRef<'r>) -> std::result::Result<Self, sqlx::error::BoxDynError> {
        match <i64 as sqlx::Decode<'r, sqlx::Any>>::decode(value)? {
            0 => Ok(Flag(false)),
            1 => Ok(Flag(true)),
            n => Err(format!("a flag is 0 or 1, not {n}").into()),
        }
    }
}

impl From<Flag> for bool {
    fn from(f: Flag) -> bool {
        f.0
    }
}

macro_rules! words_from_columns {
    ($($t:ty),*) => {$(
        impl From<Word<$t>> for $t {
            fn from(w: Word<$t>) -> $t {
                w.0
            }
        }
    )*};
}
words_from_columns!(
    orfevre_commerce::Role,
    orfevre_commerce::OrderStatus,
    orfevre_commerce::PieceEventKind,
    orfevre_commerce::VaultKind,
    orfevre_commerce::GiftVault
);

impl Store {
    /// Opens (creating if needed) the database at `url`: `sqlite://PATH`, `sqlite::memory:`
    /// (one private in-memory database per store, for tests) or `postgres://…`, and brings its
    /// schema up to date.
    pub async fn open(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(StoreError::Config(format!(
                "unsupported database URL {url:?}: use sqlite://PATH or postgres://USER@HOST/DB"
            )));
        };
        let mut opts = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(10));
        let url = if backend == Backend::Sqlite {
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
            if url == "sqlite::memory:" {
                // A named, shared-cache in-memory database lives while one connection does: the
                // pool keeps one open for good.
                opts = opts.min_connections(1).idle_timeout(None).max_lifetime(None);
                format!("sqlite:file:orfevre-{}?mode=memory&cache=shared", new_id(""))
            } else if url.contains("mode=") {
                url.to_string()
            } else {
                format!("{url}{}mode=rwc", if url.contains('?') { '&' } else { '?' })
            }
        } else {
            opts = opts.max_connections(16);
            url.to_string()
        };
        let pool = opts.connect(&url).await?;
        let store = Store { pool, backend };
        MIGRATOR.run(&store.pool).await.map_err(|e| StoreError::Config(format!("migration: {e}")))?;
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
}
