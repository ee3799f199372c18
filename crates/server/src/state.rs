//! What a server is told ([`Config`]) and what it holds while it runs ([`AppState`]): the store,
//! the catalogs, the keys, the media. Nothing in it changes in a way that matters between two
//! servers on one database.

use crate::services::catalogs::{self, Catalogs};
use crate::services::engraving::Fonts;
use crate::services::media::Media;
use crate::services::pieces::TwinKeys;
use metrics_exporter_prometheus::PrometheusHandle;
use orfevre_catalog::SourceSet;
use orfevre_store::Store;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

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
    pub catalogs: Catalogs,
    pub config: Config,
    pub public_url: String,
    pub quote_key: Vec<u8>,
    pub metrics: Option<PrometheusHandle>,
    pub fonts: Fonts,
    pub media: Media,
    pub twin: TwinKeys,
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
    let catalogs = Catalogs::open(store.clone(), initial, config.catalog_dir.is_some()).await?;
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
    let media = Media::local(&config.media_dir.clone().unwrap_or_else(|| config.data_dir.join("media")))?;
    let twin = TwinKeys::load(&store, config.nfc_master_key.as_deref()).await?;
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
