//! Which catalog version a design is read against, and whether its values fit that version's
//! fields.

use crate::services::catalogs::{CatalogError, Catalogs};
use orfevre_catalog::Currency;
use orfevre_engine::{Design, Engine};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum DesignError {
    /// Values of the wrong kind for the base's fields: malformed, with the pointer.
    #[error("{0}")]
    Shape(orfevre_engine::design::DesignError),
    /// The design names a catalog version that is not stored.
    #[error("there is no catalog version {0}")]
    UnknownCatalog(String),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
}

/// The engine a design names, or the active one (which then reports the mismatch). A design whose
/// values are of the wrong kind for the base's fields is malformed.
pub async fn engine_for(catalogs: &Catalogs, d: &Design) -> Result<Arc<Engine>, DesignError> {
    let active = catalogs.active();
    let e = if active.catalog.brand.version == d.catalog.version {
        active
    } else {
        catalogs.get(&d.catalog.version).await?.unwrap_or(active)
    };
    // Against another version than its own, the design's fields are not checked: the evaluation
    // reports the version mismatch.
    if e.catalog.brand.version == d.catalog.version {
        check_shape(&e, d)?;
    }
    Ok(e)
}

/// The engine of the design's own version, which must be stored.
pub async fn own_engine(catalogs: &Catalogs, d: &Design) -> Result<Arc<Engine>, DesignError> {
    let e = catalogs.get(&d.catalog.version).await?;
    let e = e.ok_or_else(|| DesignError::UnknownCatalog(d.catalog.version.clone()))?;
    check_shape(&e, d)?;
    Ok(e)
}

/// [`Engine::check_shape`] as a design error.
pub fn check_shape(e: &Engine, d: &Design) -> Result<(), DesignError> {
    e.check_shape(d).map_err(DesignError::Shape)
}

/// A currency the brand does not sell in, or not a currency code.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CurrencyError(pub String);

/// The currency asked for, which must be one of the brand's (none: its main one).
pub fn currency_of(e: &Engine, c: Option<&str>) -> Result<Option<Currency>, CurrencyError> {
    let Some(c) = c else { return Ok(None) };
    let cur: Currency = c.parse().map_err(CurrencyError)?;
    let b = &e.catalog.brand;
    if cur != b.currency && !b.currencies.iter().any(|a| a.code == cur) {
        return Err(CurrencyError(format!("{} does not sell in {cur}", b.name)));
    }
    Ok(Some(cur))
}
