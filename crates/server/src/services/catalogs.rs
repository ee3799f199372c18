//! Catalog versions as the service sees them: stored in the database (so every server agrees),
//! compiled into an [`Engine`] once per version and cached (a version's content never changes),
//! one of them published as the active catalog.

use orfevre_catalog::load::{MAX_FILES, MAX_FILE_BYTES, MAX_TOTAL_BYTES};
use orfevre_catalog::{Diagnostic, Loc, Severity, SourceSet};
use orfevre_engine::Engine;
use orfevre_store::Store;
use orfevre_store::StoreError;
use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::sync::{Arc, RwLock};

/// Why a catalog could not be read, stored or found.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// A file of the upload is not UTF-8 text.
    #[error("{0} is not UTF-8 text")]
    Encoding(String),
    /// The catalog does not load: every diagnostic, errors and warnings.
    #[error("the catalog has {errors} error(s); nothing was stored")]
    Errors { errors: usize, diagnostics: Vec<Diagnostic> },
    #[error("the archive has more than {MAX_FILES} files")]
    TooManyFiles,
    #[error("the catalog exceeds {MAX_TOTAL_BYTES} bytes once unpacked")]
    TooLarge,
    #[error("unsafe path {0:?} in the upload")]
    UnsafePath(String),
    #[error("the upload holds no .toml file")]
    Empty,
    #[error("the archive cannot be read: {0}")]
    Archive(std::io::Error),
    #[error("there is no catalog version {0}")]
    UnknownVersion(String),
    /// A stored version no longer loads, or its stored files are not the JSON they were.
    #[error("stored catalog: {0}")]
    Broken(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

type Result<T, E = CatalogError> = std::result::Result<T, E>;

// What a catalog is, in a few figures (the published one, or one just published).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct CatalogInfo {
    pub id: String,
    pub name: String,
    pub version: String,
    pub digest: String,
    /// The main currency, then the others the brand sells in.
    pub currencies: Vec<String>,
    pub locales: Vec<String>,
    pub families: Vec<String>,
    pub tags: Vec<String>,
    pub bases: usize,
    pub components: usize,
    pub metals: Vec<MetalView>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct MetalView {
    pub id: String,
    pub name: String,
    /// Brand currency per gram, a decimal string.
    #[schema(value_type = String)]
    pub price_per_gram: rust_decimal::Decimal,
    /// g/cm³, a decimal string.
    #[schema(value_type = String)]
    pub density: rust_decimal::Decimal,
}

impl CatalogInfo {
    pub fn of(e: &Engine) -> CatalogInfo {
        let c = &e.catalog;
        let mut currencies = vec![c.brand.currency.to_string()];
        currencies.extend(c.brand.currencies.iter().map(|a| a.code.to_string()));
        CatalogInfo {
            id: c.brand.id.clone(),
            name: c.brand.name.clone(),
            version: c.brand.version.clone(),
            digest: c.digest.clone(),
            currencies,
            locales: c.brand.locales.clone(),
            families: c.families.clone(),
            tags: c.tags.clone(),
            bases: c.bases.len(),
            components: c.components.len(),
            metals: c
                .metals
                .iter()
                .map(|m| MetalView {
                    id: m.id.clone(),
                    name: m.name.clone(),
                    price_per_gram: m.price_per_gram,
                    density: m.density,
                })
                .collect(),
        }
    }
}

/// The demo brand, embedded so that `orfevre serve` works from any directory.
static DEMO: include_dir::Dir<'static> = include_dir::include_dir!("$CARGO_MANIFEST_DIR/../../catalogs/demo");

/// The embedded demo catalog's files (examples left out, as `SourceSet::from_dir` does).
pub fn demo_sources() -> SourceSet {
    let mut set = SourceSet::new();
    fn walk(d: &include_dir::Dir<'static>, set: &mut SourceSet) {
        for f in d.files() {
            let p = f.path().to_string_lossy().replace('\\', "/");
            if p.ends_with(".toml") || p.ends_with(".svg") {
                set.insert(p, f.contents().to_vec());
            }
        }
        for sub in d.dirs() {
            if sub.path() != std::path::Path::new("examples") {
                walk(sub, set);
            }
        }
    }
    walk(&DEMO, &mut set);
    set
}

/// The demo catalog's example designs (for tests and benchmarks of the running service).
pub fn demo_example(name: &str) -> Option<&'static [u8]> {
    DEMO.get_file(format!("examples/{name}")).map(|f| f.contents())
}

fn to_json(set: &SourceSet) -> Result<String> {
    let mut files = BTreeMap::new();
    for (p, b) in &set.files {
        let text = std::str::from_utf8(b).map_err(|_| CatalogError::Encoding(p.clone()))?;
        files.insert(p.clone(), text);
    }
    serde_json::to_string(&files).map_err(|e| CatalogError::Broken(e.to_string()))
}

fn from_json(s: &str) -> Result<SourceSet> {
    let files: BTreeMap<String, String> =
        serde_json::from_str(s).map_err(|e| CatalogError::Broken(format!("stored sources: {e}")))?;
    let mut set = SourceSet::new();
    for (p, t) in files {
        set.insert(p, t.into_bytes());
    }
    Ok(set)
}

/// A stored version's source files.
pub async fn sources(store: &Store, version: &str) -> Result<Option<SourceSet>> {
    let Some(src) = store.catalog_sources(version).await? else { return Ok(None) };
    Ok(Some(from_json(&src)?))
}

/// The catalogs a server evaluates against.
pub struct Catalogs {
    store: Store,
    cache: RwLock<HashMap<String, Arc<Engine>>>,
    /// The SVG drawings of each cached version, by path inside the catalog.
    art: RwLock<HashMap<String, Arc<Art>>>,
    active: RwLock<Arc<Engine>>,
}

/// A catalog version's SVG drawings, by path (`art/heart.svg`).
pub type Art = BTreeMap<String, Arc<[u8]>>;

fn art_of(set: &SourceSet) -> Art {
    set.files.iter().filter(|(p, _)| p.ends_with(".svg")).map(|(p, b)| (p.clone(), Arc::from(b.as_slice()))).collect()
}

/// A catalog that loaded cleanly, ready to store.
pub struct Checked {
    pub version: String,
    pub digest: String,
    pub engine: Engine,
    pub diagnostics: Vec<Diagnostic>,
    sources: String,
    art: Art,
}

/// Loads and checks a catalog; its diagnostics as a 422 problem when it has errors.
pub fn check(set: &SourceSet) -> Result<Checked> {
    let loaded = orfevre_catalog::load(set);
    match loaded.catalog {
        Some(c) => Ok(Checked {
            version: c.brand.version.clone(),
            digest: c.digest.clone(),
            sources: to_json(set)?,
            art: art_of(set),
            engine: Engine::new(c),
            diagnostics: loaded.diagnostics,
        }),
        None => {
            let errors = loaded.diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
            Err(CatalogError::Errors { errors, diagnostics: loaded.diagnostics })
        }
    }
}

impl Catalogs {
    /// Opens the catalogs. `initial` (the `--catalog` folder when `explicit`, else the embedded
    /// demo) is stored and published when the database has no catalog yet, and when it is a new
    /// version of the brand being served (or was asked for by `--catalog`). A catalog whose
    /// files changed under a version already stored is refused: serving the old content while
    /// the folder says otherwise would be a silent lie, and designs bind to the version.
    pub async fn open(store: Store, initial: SourceSet, explicit: bool) -> anyhow::Result<Catalogs> {
        let active = store.active_catalog().await?;
        if active.is_none() || explicit || initial.digest() != Self::stored_digest(&store, &initial).await? {
            let c = check(&initial).map_err(|e| match e {
                CatalogError::Errors { diagnostics, .. } => {
                    let lines: Vec<String> = diagnostics
                        .iter()
                        .filter(|d| d.severity == Severity::Error)
                        .map(|d| format!("{}: error[{}]: {}", d.loc, d.code, d.message))
                        .collect();
                    anyhow::anyhow!("the catalog has errors:\n{}", lines.join("\n"))
                }
                other => anyhow::anyhow!(other),
            })?;
            let stored = store.catalogs().await?.into_iter().find(|r| r.version == c.version);
            // The version names another brand's catalog: the embedded demo is left aside, a folder
            // given with --catalog needs another version name.
            let stored_brand = match &stored {
                Some(r) if r.digest != c.digest => match sources(&store, &r.version).await? {
                    Some(set) => orfevre_catalog::load(&set).catalog.map(|a| a.brand.id),
                    None => None,
                },
                _ => None,
            };
            let ours = &c.engine.catalog.brand.id;
            match (stored, stored_brand) {
                (Some(r), Some(brand)) if brand != *ours => {
                    if explicit {
                        anyhow::bail!(
                            "catalog {ours} {} cannot be stored: version {} is already brand {brand}'s; \
                             give the catalog another version in its [brand] table",
                            c.version,
                            r.version
                        );
                    }
                    tracing::info!(version = %c.version, %brand, "the embedded demo's version is another brand's: left aside");
                }
                (Some(r), _) if r.digest != c.digest => anyhow::bail!(
                    "catalog {} {} differs from the version {} already stored (files {} against {}): \
                     designs, quotes and pieces are bound to that version, so it cannot change under them. \
                     Give the catalog a new version in its [brand] table to publish it, or restore the stored files \
                     (GET /api/v1/catalog/versions/{}/sources)",
                    c.engine.catalog.brand.id,
                    c.version,
                    c.version,
                    &c.digest[..12],
                    &r.digest[..12.min(r.digest.len())],
                    c.version
                ),
                (Some(_), _) => {}
                (None, _) => {
                    // A new version of the brand being served (or one asked for) is stored and
                    // published; a brand's own catalog is never replaced by the embedded demo.
                    let same_brand = match &active {
                        Some(v) => match sources(&store, v).await? {
                            Some(set) => orfevre_catalog::load(&set)
                                .catalog
                                .is_some_and(|a| a.brand.id == c.engine.catalog.brand.id),
                            None => false,
                        },
                        None => true,
                    };
                    if active.is_some() && !explicit && !same_brand {
                        tracing::info!(version = %c.version, "the embedded demo is not another brand's catalog: left aside");
                    } else {
                        store.put_catalog(&c.version, &c.digest, &c.sources, Some("start")).await?;
                    }
                    if active.is_none() {
                        // Several servers may start at once: the first to publish wins, the others follow.
                        store.setting_or_init("active_catalog", || c.version.clone()).await?;
                    } else if explicit || same_brand {
                        store.set_setting("active_catalog", &c.version).await?;
                        tracing::info!(version = %c.version, "catalog published at start");
                    }
                }
            }
        }
        let version = store.active_catalog().await?.ok_or_else(|| anyhow::anyhow!("no active catalog"))?;
        let (engine, art) =
            Self::load(&store, &version).await?.ok_or_else(|| anyhow::anyhow!("catalog {version} is missing"))?;
        let engine = Arc::new(engine);
        let cache = HashMap::from([(version.clone(), engine.clone())]);
        let art = HashMap::from([(version, Arc::new(art))]);
        Ok(Catalogs { store, cache: RwLock::new(cache), art: RwLock::new(art), active: RwLock::new(engine) })
    }

    /// The digest stored for `set`'s version, if any (the empty string when none or unreadable).
    async fn stored_digest(store: &Store, set: &SourceSet) -> anyhow::Result<String> {
        // The version is read from the files without checking them (that is done once needed).
        let version = orfevre_catalog::load(set).catalog.map(|c| c.brand.version);
        let Some(version) = version else { return Ok(String::new()) };
        Ok(store.catalogs().await?.into_iter().find(|r| r.version == version).map(|r| r.digest).unwrap_or_default())
    }

    async fn load(store: &Store, version: &str) -> Result<Option<(Engine, Art)>> {
        let Some(set) = sources(store, version).await? else { return Ok(None) };
        let loaded = orfevre_catalog::load(&set);
        let c =
            loaded.catalog.ok_or_else(|| CatalogError::Broken(format!("stored catalog {version} no longer loads")))?;
        Ok(Some((Engine::new(c), art_of(&set))))
    }

    /// A drawing of a stored version.
    pub async fn art(&self, version: &str, path: &str) -> Result<Option<Arc<[u8]>>> {
        if self.get(version).await?.is_none() {
            return Ok(None);
        }
        let art = self.art.read().unwrap_or_else(|e| e.into_inner()).get(version).cloned();
        Ok(art.and_then(|a| a.get(path).cloned()))
    }

    /// The engine of a stored version and all its drawings.
    pub async fn with_art(&self, version: &str) -> Result<Option<(Arc<Engine>, Arc<Art>)>> {
        let Some(e) = self.get(version).await? else { return Ok(None) };
        let art = self.art.read().unwrap_or_else(|e| e.into_inner()).get(version).cloned();
        Ok(Some((e, art.unwrap_or_default())))
    }

    /// The published catalog (as last seen by [`Catalogs::refresh`]).
    pub fn active(&self) -> Arc<Engine> {
        self.active.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The engine of a stored version.
    pub async fn get(&self, version: &str) -> Result<Option<Arc<Engine>>> {
        if let Some(e) = self.cache.read().unwrap_or_else(|e| e.into_inner()).get(version) {
            return Ok(Some(e.clone()));
        }
        let Some((engine, art)) = Self::load(&self.store, version).await? else {
            return Ok(None);
        };
        let engine = Arc::new(engine);
        self.art.write().unwrap_or_else(|e| e.into_inner()).insert(version.to_string(), Arc::new(art));
        self.cache.write().unwrap_or_else(|e| e.into_inner()).insert(version.to_string(), engine.clone());
        Ok(Some(engine))
    }

    /// Follows the database's published version (another server may have published).
    pub async fn refresh(&self) -> Result<()> {
        let Some(version) = self.store.active_catalog().await? else { return Ok(()) };
        if self.active().catalog.brand.version != version {
            if let Some(e) = self.get(&version).await? {
                *self.active.write().unwrap_or_else(|e| e.into_inner()) = e;
                tracing::info!(%version, "active catalog changed");
            }
        }
        Ok(())
    }

    /// Stores a checked catalog; returns whether it was new. A version already stored keeps its
    /// content (and the cache keeps serving that content, not the one offered again).
    pub async fn put(&self, c: Checked, by: &str) -> Result<bool> {
        let new = self.store.put_catalog(&c.version, &c.digest, &c.sources, Some(by)).await?;
        if new {
            self.art.write().unwrap_or_else(|e| e.into_inner()).insert(c.version.clone(), Arc::new(c.art));
            self.cache.write().unwrap_or_else(|e| e.into_inner()).insert(c.version.clone(), Arc::new(c.engine));
        }
        Ok(new)
    }

    pub async fn publish(&self, version: &str) -> Result<Arc<Engine>> {
        let Some(e) = self.get(version).await? else {
            return Err(CatalogError::UnknownVersion(version.to_string()));
        };
        self.store.publish_catalog(version).await?;
        *self.active.write().unwrap_or_else(|e| e.into_inner()) = e.clone();
        Ok(e)
    }
}

/// An uploaded catalog: a tar archive (gzip-compressed or not), or the files of JSON
/// `{"files": {"path": "text"}}` (parsed by the caller, who names the field at fault).
pub enum Upload<'a> {
    Archive { gzip: bool, body: &'a [u8] },
    Files(BTreeMap<String, String>),
}

/// Reads an uploaded catalog. Paths are made relative; a single top folder is dropped; only
/// `.toml` and `.svg` files are kept; the catalog's size limits apply after decompression.
pub fn read_upload(upload: Upload<'_>) -> Result<SourceSet> {
    let mut raw: Vec<(String, Vec<u8>)> = Vec::new();
    let mut set = SourceSet::new();
    match upload {
        Upload::Files(files) => raw.extend(files.into_iter().map(|(p, t)| (p, t.into_bytes()))),
        Upload::Archive { gzip, body } => {
            let gz = gzip || body.starts_with(&[0x1f, 0x8b]);
            let reader: Box<dyn Read> = if gz { Box::new(flate2::read::GzDecoder::new(body)) } else { Box::new(body) };
            // The whole decompressed archive is bounded, whatever its headers claim.
            let mut archive = tar::Archive::new(reader.take((MAX_TOTAL_BYTES + MAX_FILES * 1024) as u64));
            let entries = archive.entries().map_err(|e| bad_archive(&e))?;
            for entry in entries {
                let mut entry = entry.map_err(|e| bad_archive(&e))?;
                if !entry.header().entry_type().is_file() {
                    continue;
                }
                let path = entry.path().map_err(|e| bad_archive(&e))?.to_string_lossy().into_owned();
                if raw.len() >= MAX_FILES {
                    return Err(CatalogError::TooManyFiles);
                }
                let size = entry.header().size().unwrap_or(0) as usize;
                if size > MAX_FILE_BYTES {
                    set.problems.push(
                        Diagnostic::error(
                            "file-too-large",
                            Loc::file_only(&path),
                            format!("file is {size} bytes; catalog files are limited to {MAX_FILE_BYTES} bytes"),
                        )
                        .hint("split it into several files: every .toml file in the directory is read"),
                    );
                    continue;
                }
                let mut bytes = Vec::with_capacity(size);
                entry.by_ref().take(MAX_FILE_BYTES as u64 + 1).read_to_end(&mut bytes).map_err(|e| bad_archive(&e))?;
                raw.push((path, bytes));
            }
        }
    }
    let mut cleaned = Vec::new();
    for (p, b) in raw {
        let p = p.trim_start_matches("./").replace('\\', "/");
        if p.starts_with('/') || p.split('/').any(|s| s == "..") {
            return Err(CatalogError::UnsafePath(p));
        }
        cleaned.push((p, b));
    }
    // A catalog archived with its folder (`demo/brand.toml`): drop the common top folder.
    let top = cleaned.first().and_then(|(p, _)| p.split_once('/').map(|(t, _)| format!("{t}/")));
    if let Some(top) = top.filter(|t| cleaned.iter().all(|(p, _)| p.starts_with(t.as_str()))) {
        for (p, _) in &mut cleaned {
            *p = p[top.len()..].to_string();
        }
    }
    let mut total = 0usize;
    for (p, b) in cleaned {
        let name = p.rsplit('/').next().unwrap_or(&p);
        if name.starts_with('.') || p.starts_with("examples/") || !(p.ends_with(".toml") || p.ends_with(".svg")) {
            continue;
        }
        if b.len() > MAX_FILE_BYTES {
            set.problems.push(Diagnostic::error(
                "file-too-large",
                Loc::file_only(&p),
                format!("file is {} bytes; catalog files are limited to {MAX_FILE_BYTES} bytes", b.len()),
            ));
            continue;
        }
        total += b.len();
        if total > MAX_TOTAL_BYTES {
            return Err(CatalogError::TooLarge);
        }
        set.insert(p, b);
    }
    if set.files.is_empty() {
        return Err(CatalogError::Empty);
    }
    Ok(set)
}

fn bad_archive(e: &std::io::Error) -> CatalogError {
    CatalogError::Archive(std::io::Error::new(e.kind(), e.to_string()))
}
