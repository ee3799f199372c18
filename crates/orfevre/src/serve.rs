//! `orfevre serve`, `orfevre user`, `orfevre token`: the service's settings and its bootstrap.

use anyhow::{Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Clone, Copy, Debug, ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable (coloured in a terminal).
    Pretty,
    /// One JSON object per line.
    Json,
}

/// Where the data lives (shared by `serve`, `user` and `token`).
#[derive(Args, Clone, Debug)]
pub struct DbArgs {
    /// Data directory: the SQLite database (and media) when no database URL is given
    /// [default: ./orfevre-data].
    #[arg(long, env = "ORFEVRE_DATA")]
    pub data: Option<PathBuf>,
    /// PostgreSQL (postgres://USER@HOST/DB) for several servers on one database, or sqlite://PATH.
    #[arg(long, env = "ORFEVRE_DATABASE_URL")]
    pub database_url: Option<String>,
    /// A TOML file with any of the settings below (snake_case keys, e.g. `addr`, `database_url`).
    #[arg(long, env = "ORFEVRE_CONFIG")]
    pub config: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Address to listen on [default: 127.0.0.1:8080]; port 0 picks a free port.
    #[arg(long, env = "ORFEVRE_ADDR")]
    pub addr: Option<SocketAddr>,
    /// Catalog directory stored and published on first start [default: the embedded demo brand].
    #[arg(long, env = "ORFEVRE_CATALOG")]
    pub catalog: Option<PathBuf>,
    /// The URL shoppers reach, for share links [default: http://ADDR]. https:// marks cookies Secure.
    #[arg(long, env = "ORFEVRE_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Log format [default: pretty].
    #[arg(long, env = "ORFEVRE_LOG_FORMAT", value_enum)]
    pub log_format: Option<LogFormat>,
    /// How long a quote stays valid, in seconds [default: 86400].
    #[arg(long, env = "ORFEVRE_QUOTE_TTL_SECS")]
    pub quote_ttl_secs: Option<u64>,
    /// How long a session lasts, in seconds [default: 2592000].
    #[arg(long, env = "ORFEVRE_SESSION_TTL_SECS")]
    pub session_ttl_secs: Option<u64>,
    /// How often to look for a catalog published by another server, in ms [default: 2000].
    #[arg(long, env = "ORFEVRE_CATALOG_POLL_MS")]
    pub catalog_poll_ms: Option<u64>,
    /// First webhook retry delay in ms, doubling each attempt up to an hour [default: 5000].
    #[arg(long, env = "ORFEVRE_WEBHOOK_RETRY_BASE_MS")]
    pub webhook_retry_base_ms: Option<u64>,
    /// Attempts before a webhook delivery is given up [default: 10].
    #[arg(long, env = "ORFEVRE_WEBHOOK_MAX_ATTEMPTS")]
    pub webhook_max_attempts: Option<u32>,
    /// HMAC key for quotes [default: generated once and kept in the database].
    #[arg(long, env = "ORFEVRE_QUOTE_SECRET", hide_env_values = true)]
    pub quote_secret: Option<String>,
    /// Directory of the memory vaults' media [default: DATA/media]; servers sharing one
    /// PostgreSQL share it too.
    #[arg(long, env = "ORFEVRE_MEDIA_DIR")]
    pub media_dir: Option<PathBuf>,
    /// AES master key of the NFC tags, 32 hex digits [default: generated once and kept in the database].
    #[arg(long, env = "ORFEVRE_NFC_MASTER_KEY", hide_env_values = true)]
    pub nfc_master_key: Option<String>,
    /// Sign certificates as did:web:HOST of the public URL (published at /.well-known/did.json)
    /// rather than did:key.
    #[arg(long, env = "ORFEVRE_DID_WEB")]
    pub did_web: bool,
}

/// The config file: the same settings as the flags.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    data: Option<PathBuf>,
    database_url: Option<String>,
    addr: Option<SocketAddr>,
    catalog: Option<PathBuf>,
    public_url: Option<String>,
    log_format: Option<LogFormat>,
    quote_ttl_secs: Option<u64>,
    session_ttl_secs: Option<u64>,
    catalog_poll_ms: Option<u64>,
    webhook_retry_base_ms: Option<u64>,
    webhook_max_attempts: Option<u32>,
    quote_secret: Option<String>,
    media_dir: Option<PathBuf>,
    nfc_master_key: Option<String>,
    did_web: Option<bool>,
}

fn read_file(p: Option<&Path>) -> Result<FileConfig> {
    let Some(p) = p else { return Ok(FileConfig::default()) };
    let text = std::fs::read_to_string(p).with_context(|| format!("cannot read config {}", p.display()))?;
    toml::from_str(&text).map_err(|e| {
        let at = e
            .span()
            .map(|s| {
                let before = &text[..s.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let col = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) + 1;
                format!(":{line}:{col}")
            })
            .unwrap_or_default();
        anyhow::anyhow!("{}{at}: {}", p.display(), e.message())
    })
}

fn database(db: &DbArgs, file: &FileConfig) -> (PathBuf, Option<String>) {
    let data = db.data.clone().or(file.data.clone()).unwrap_or_else(|| PathBuf::from("orfevre-data"));
    (data, db.database_url.clone().or(file.database_url.clone()))
}

fn init_logging(format: LogFormat) {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_env("ORFEVRE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let b = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Json => b.json().init(),
        LogFormat::Pretty => b.with_ansi(std::io::stderr().is_terminal()).init(),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}

pub fn serve(a: ServeArgs) -> Result<u8> {
    let f = read_file(a.db.config.as_deref())?;
    init_logging(a.log_format.or(f.log_format).unwrap_or(LogFormat::Pretty));
    let d = orfevre_server::Config::default();
    let (data_dir, database_url) = database(&a.db, &f);
    let public_url = a.public_url.or(f.public_url).map(|u| u.trim_end_matches('/').to_string());
    let ms = Duration::from_millis;
    let config = orfevre_server::Config {
        addr: a.addr.or(f.addr).unwrap_or(d.addr),
        data_dir,
        database_url,
        catalog_dir: a.catalog.or(f.catalog),
        cookie_secure: public_url.as_deref().is_some_and(|u| u.starts_with("https://")),
        public_url,
        quote_ttl: a.quote_ttl_secs.or(f.quote_ttl_secs).map(Duration::from_secs).unwrap_or(d.quote_ttl),
        session_ttl: a.session_ttl_secs.or(f.session_ttl_secs).map(Duration::from_secs).unwrap_or(d.session_ttl),
        catalog_poll: a.catalog_poll_ms.or(f.catalog_poll_ms).map(ms).unwrap_or(d.catalog_poll),
        webhook_tick: d.webhook_tick,
        webhook_retry_base: a.webhook_retry_base_ms.or(f.webhook_retry_base_ms).map(ms).unwrap_or(d.webhook_retry_base),
        webhook_max_attempts: a.webhook_max_attempts.or(f.webhook_max_attempts).unwrap_or(d.webhook_max_attempts),
        quote_secret: a.quote_secret.or(f.quote_secret),
        media_dir: a.media_dir.or(f.media_dir),
        nfc_master_key: a.nfc_master_key.or(f.nfc_master_key),
        did_web: a.did_web || f.did_web.unwrap_or(false),
    };
    runtime()?.block_on(orfevre_server::serve(config))?;
    Ok(0)
}

#[derive(Subcommand, Debug)]
pub enum UserCmd {
    /// Create an account. The password is read from ORFEVRE_PASSWORD or the first line of stdin.
    /// Exit 0 created, 2 bad input.
    Add {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        email: String,
        /// shopper, admin, merchandiser, workshop or designer.
        #[arg(long, default_value = "admin")]
        role: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum TokenCmd {
    /// Create an API token for a shop integration; prints its secret once. Exit 0 created, 2 bad
    /// input.
    Create {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        name: String,
    },
}

async fn open_store(db: &DbArgs) -> Result<orfevre_store::Store> {
    let f = read_file(db.config.as_deref())?;
    let (data, url) = database(db, &f);
    let url = match url {
        Some(u) => u,
        None => {
            std::fs::create_dir_all(&data)?;
            format!("sqlite://{}", data.join("orfevre.db").display())
        }
    };
    Ok(orfevre_store::Store::open(&url).await?)
}

pub fn user(cmd: UserCmd) -> Result<u8> {
    let UserCmd::Add { db, email, role } = cmd;
    use orfevre_commerce::Role;
    use orfevre_server::services::accounts;
    let role = role
        .parse::<Role>()
        .ok()
        .filter(|r| *r != Role::Integration)
        .ok_or_else(|| anyhow::anyhow!("--role: one of shopper, admin, merchandiser, workshop, designer"))?;
    let email = accounts::parse_email(&email).map_err(|e| anyhow::anyhow!("--email: /email: {e}"))?;
    let password = match std::env::var("ORFEVRE_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            line.trim_end_matches(['\n', '\r']).to_string()
        }
    };
    accounts::check_password(&password).map_err(|e| anyhow::anyhow!("password: /password: {e}"))?;
    let hash = accounts::hash_password(&password)?;
    let u = runtime()?.block_on(async {
        let store = open_store(&db).await?;
        let u = store.create_user(&email, &hash, role).await?;
        store.close().await;
        anyhow::Ok(u)
    })?;
    outln!("{} {} {}", u.id, u.email, u.role);
    Ok(0)
}

pub fn token(cmd: TokenCmd) -> Result<u8> {
    let TokenCmd::Create { db, name } = cmd;
    let (t, secret) = runtime()?.block_on(async {
        let store = open_store(&db).await?;
        let r = store.create_token(&name, orfevre_commerce::Role::Integration).await?;
        store.close().await;
        anyhow::Ok(r)
    })?;
    eprintln!("token {} ({}) created; its secret is shown once:", t.id, t.name);
    outln!("{secret}");
    Ok(0)
}
