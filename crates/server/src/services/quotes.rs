//! Signed quotes: HMAC-SHA256 over the design hash, catalog version, total, currency and expiry,
//! so that a shop can carry the price through its cart and Orfèvre can trust it back at checkout.
//!
//! Token: `q1.` + base64url(JSON claims) + `.` + base64url(HMAC-SHA256(key, "q1." + claims part)).

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::services::catalogs::CatalogError;
use crate::services::designs::{currency_of, CurrencyError};
use crate::services::engraving::{check_design, EngravingError};
use crate::state::AppState;
use orfevre_engine::Design;
use orfevre_store::StoreError;
use std::sync::Arc;

/// What a quote vouches for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Claims {
    /// The quote's identifier (one order per quote).
    pub id: String,
    /// The design's content address.
    pub design: String,
    pub catalog_version: String,
    /// The total, a decimal string in `currency`'s units (e.g. `"184.00"`).
    pub total: String,
    /// ISO 4217 code.
    pub currency: String,
    /// Expiry, Unix milliseconds.
    pub expires_at: i64,
}

#[derive(Debug, PartialEq, Eq)]
pub enum QuoteError {
    Malformed,
    BadSignature,
    Expired,
}

impl std::fmt::Display for QuoteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            QuoteError::Malformed => "the quote is not a quote token",
            QuoteError::BadSignature => "the quote's signature does not match: it was altered or not issued here",
            QuoteError::Expired => "the quote has expired; ask for a new one",
        })
    }
}

fn mac(key: &[u8], signed: &str) -> Hmac<Sha256> {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    m.update(signed.as_bytes());
    m
}

pub fn sign(key: &[u8], claims: &Claims) -> String {
    let body = format!("q1.{}", B64.encode(serde_json::to_vec(claims).expect("claims serialise")));
    let tag = mac(key, &body).finalize().into_bytes();
    format!("{body}.{}", B64.encode(tag))
}

/// Checks the signature (in constant time) and then the expiry against `now_ms`.
pub fn verify(key: &[u8], token: &str, now_ms: i64) -> Result<Claims, QuoteError> {
    let (body, tag) = token.rsplit_once('.').ok_or(QuoteError::Malformed)?;
    let claims_part = body.strip_prefix("q1.").ok_or(QuoteError::Malformed)?;
    let tag = B64.decode(tag).map_err(|_| QuoteError::Malformed)?;
    mac(key, body).verify_slice(&tag).map_err(|_| QuoteError::BadSignature)?;
    let claims: Claims =
        B64.decode(claims_part).ok().and_then(|b| serde_json::from_slice(&b).ok()).ok_or(QuoteError::Malformed)?;
    if claims.expires_at <= now_ms {
        return Err(QuoteError::Expired);
    }
    Ok(claims)
}

/// Why a saved design cannot be quoted.
#[derive(Debug, thiserror::Error)]
pub enum QuotingError {
    #[error("no saved design {0}")]
    NoDesign(String),
    #[error("the design was made on catalog {made_on}; the published catalog is {published}")]
    StaleCatalog { made_on: String, published: String },
    #[error(transparent)]
    Currency(#[from] CurrencyError),
    #[error("the design cannot be made: {} problem(s)", .0.len())]
    Invalid(Vec<orfevre_engine::Violation>),
    #[error(transparent)]
    Engraving(#[from] EngravingError),
    #[error("{0}")]
    Broken(String),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Quotes a saved, valid design at the published catalog's price, in `currency` (default: the
/// brand's main one), valid for the configured time from when it is made.
pub async fn quote(s: &Arc<AppState>, design: &str, currency: Option<&str>) -> Result<Claims, QuotingError> {
    let row = s.store.design(design).await?.ok_or_else(|| QuotingError::NoDesign(design.to_string()))?;
    // The published version is read from the database, not the cache: a quote is never made on a
    // catalog another server has just replaced.
    let active = s.store.active_catalog().await?.unwrap_or_default();
    if row.catalog_version != active {
        return Err(QuotingError::StaleCatalog { made_on: row.catalog_version, published: active });
    }
    let e = s.catalogs.get(&active).await?.ok_or_else(|| QuotingError::Broken("published catalog missing".into()))?;
    let d = Design::from_json(row.body.as_bytes()).map_err(|e| QuotingError::Broken(e.to_string()))?;
    let cur = currency_of(&e, currency)?;
    let ev = e.evaluate_in(&d, cur);
    if !ev.valid {
        return Err(QuotingError::Invalid(ev.violations));
    }
    let st = s.clone();
    let (engine, checked) = (e.clone(), d.clone());
    tokio::task::spawn_blocking(move || check_design(&st.fonts, &engine, &checked))
        .await
        .map_err(|e| QuotingError::Broken(e.to_string()))??;
    Ok(Claims {
        id: orfevre_store::new_id("quo_"),
        design: design.to_string(),
        catalog_version: active,
        total: ev.price.total.amount_string(),
        currency: ev.price.total.currency.to_string(),
        expires_at: orfevre_store::now_ms() + s.config.quote_ttl.as_millis() as i64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> Claims {
        Claims {
            id: "quo_1".into(),
            design: "ab".repeat(32),
            catalog_version: "2026.12.0".into(),
            total: "184.00".into(),
            currency: "EUR".into(),
            expires_at: 2_000,
        }
    }

    #[test]
    fn round_trip_and_tamper() {
        let key = b"0123456789abcdef0123456789abcdef";
        let t = sign(key, &claims());
        assert_eq!(verify(key, &t, 1_000), Ok(claims()));
        assert_eq!(verify(key, &t, 2_000), Err(QuoteError::Expired));
        assert_eq!(verify(b"another key", &t, 1_000), Err(QuoteError::BadSignature));
        // A cheaper total with the old signature.
        let mut cheap = claims();
        cheap.total = "1.00".into();
        let forged = format!("{}.{}", sign(key, &cheap).rsplit_once('.').unwrap().0, t.rsplit_once('.').unwrap().1);
        assert_eq!(verify(key, &forged, 1_000), Err(QuoteError::BadSignature));
        assert_eq!(verify(key, "nonsense", 1_000), Err(QuoteError::Malformed));
    }
}
