//! The workshop's files for an order: its job bag, built by `orfevre-production` from the order's
//! design hash and catalog version alone, with the made piece's serial and certificate once made.

use crate::services::catalogs::{Art, CatalogError};
use crate::state::AppState;
use orfevre_commerce::OrderStatus;
use orfevre_engine::Design;
use orfevre_production::{Assets, Job, JobError, JobRequest, Paper};
use orfevre_store::StoreError;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum ProductionError {
    #[error("no order {0}")]
    NoOrder(String),
    /// The workshop makes only what is paid for and not cancelled.
    #[error("order {order} is {status}: the workshop makes paid orders only")]
    NotPaid { order: String, status: OrderStatus },
    /// The order's catalog version is no longer stored.
    #[error("order {order} was placed on catalog {version}, which is no longer stored")]
    CatalogGone { order: String, version: String },
    /// The jig or machine asked for is not in the published catalog.
    #[error("{pointer}: {why}")]
    NoBed { pointer: &'static str, why: String },
    #[error(transparent)]
    Job(#[from] JobError),
    #[error("{0}")]
    Broken(String),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Fonts from the files the catalog names (read where the server runs); art from the stored
/// catalog version.
struct Stored(Arc<Art>);

impl Assets for Stored {
    fn font_file(&self, path: &str) -> Result<Vec<u8>, String> {
        std::fs::read(path).map_err(|e| format!("{path}: {e}"))
    }
    fn art(&self, path: &str) -> Option<Vec<u8>> {
        self.0.get(path).map(|b| b.to_vec())
    }
}

/// The job bag of an order, built off the async workers. An unpaid or cancelled order has none.
pub async fn job(s: &AppState, order_id: &str, paper: Paper) -> Result<Job, ProductionError> {
    let o = s.store.order(order_id).await?.ok_or_else(|| ProductionError::NoOrder(order_id.to_string()))?;
    if matches!(o.status, OrderStatus::AwaitingPayment | OrderStatus::Cancelled) {
        return Err(ProductionError::NotPaid { order: o.id, status: o.status });
    }
    let (engine, art) = s
        .catalogs
        .with_art(&o.catalog_version)
        .await?
        .ok_or_else(|| ProductionError::CatalogGone { order: o.id.clone(), version: o.catalog_version.clone() })?;
    let row = s
        .store
        .design(&o.design_hash)
        .await?
        .ok_or_else(|| ProductionError::Broken("the order's design is missing".into()))?;
    let design = Design::from_json(row.body.as_bytes()).map_err(|e| ProductionError::Broken(e.to_string()))?;
    // The piece made from this very design, if any (an altered piece has moved on).
    let piece = s.store.pieces_of_order(&o.id).await?.into_iter().find(|p| p.design_hash == o.design_hash);
    let board = format!(
        "{}/workshop/jobs/{}",
        s.public_url.trim_end_matches('/'),
        orfevre_production::bag::job_id(Some(&o.id), &o.design_hash)
    );
    tokio::task::spawn_blocking(move || {
        let cert = piece.as_ref().map(|p| serde_json::to_vec_pretty(&p.certificate).unwrap_or_default());
        let assets = Stored(art);
        let req = JobRequest {
            engine: &engine,
            design: &design,
            order: Some(&o.id),
            serial: piece.as_ref().map(|p| p.serial.as_str()),
            board_url: &board,
            paper,
            certificate: cert.as_deref(),
            assets: &assets,
        };
        orfevre_production::build(&req).map_err(ProductionError::from)
    })
    .await
    .map_err(|e| ProductionError::Broken(e.to_string()))?
}

/// Most orders on one plate request.
pub const MAX_PLATE_ORDERS: usize = 100;

/// Where a plate's parts go: a jig of the published catalog, or a machine's free bed.
pub enum BedChoice {
    Jig(String),
    Machine { id: String, gap: orfevre_catalog::Mm },
}

/// A laser plate of the engravings of paid orders, for the published catalog's jig or machine.
/// Orders that cannot be engraved (unpaid, nothing to engrave, another machine) are left off with
/// the reason; an unknown jig or machine is the request's error.
pub async fn plate(
    s: &AppState,
    orders: &[String],
    bed: BedChoice,
) -> Result<orfevre_production::plate::Plate, ProductionError> {
    use orfevre_production::plate::{self, Bed, Left};
    let active = s.catalogs.active();
    let cat = &active.catalog;
    let (machine, bed) = match bed {
        BedChoice::Jig(id) => {
            let j = cat
                .jigs
                .iter()
                .find(|j| j.id == id)
                .ok_or_else(|| ProductionError::NoBed { pointer: "/jig", why: format!("there is no jig {id:?}") })?;
            (cat.machines[j.machine as usize].clone(), Bed::Jig(j.clone()))
        }
        BedChoice::Machine { id, gap } => {
            let m = cat.machine(&id).map(|i| cat.machines[i as usize].clone());
            let m = m.ok_or_else(|| ProductionError::NoBed {
                pointer: "/machine",
                why: format!("there is no machine {id:?}"),
            })?;
            let (width, height) = m.bed.ok_or_else(|| ProductionError::NoBed {
                pointer: "/machine",
                why: format!("{} has no bed size in the catalog", m.name),
            })?;
            (m, Bed::Free { width, height, gap })
        }
    };
    let mut jobs = Vec::new();
    let mut refused = Vec::new();
    for id in orders {
        let left = |reason: String| Left { job: id.clone(), field: String::new(), reason };
        let Some(o) = s.store.order(id).await? else {
            refused.push(left("no such order".into()));
            continue;
        };
        if matches!(o.status, OrderStatus::AwaitingPayment | OrderStatus::Cancelled) {
            refused.push(left(format!("the order is {}", o.status)));
            continue;
        }
        let Some((engine, art)) = s.catalogs.with_art(&o.catalog_version).await? else {
            refused.push(left(format!("catalog {} is no longer stored", o.catalog_version)));
            continue;
        };
        let Some(row) = s.store.design(&o.design_hash).await? else {
            refused.push(left("the order's design is missing".into()));
            continue;
        };
        let design = Design::from_json(row.body.as_bytes()).map_err(|e| ProductionError::Broken(e.to_string()))?;
        jobs.push((orfevre_production::bag::job_id(Some(&o.id), &o.design_hash), engine, art, design));
    }
    let p = tokio::task::spawn_blocking(move || {
        let mut parts = Vec::new();
        for (job, engine, art, design) in &jobs {
            match plate::parts(&engine.catalog, design, job, &Stored(art.clone())) {
                Ok(ps) if ps.is_empty() => {
                    refused.push(Left { job: job.clone(), field: String::new(), reason: "nothing to engrave".into() })
                }
                Ok(ps) => parts.extend(ps),
                Err(e) => refused.push(Left { job: job.clone(), field: String::new(), reason: e.to_string() }),
            }
        }
        let mut p = plate::plate(&active.catalog, &machine, &bed, parts)?;
        p.left.extend(refused);
        Ok::<_, ProductionError>(p)
    })
    .await
    .map_err(|e| ProductionError::Broken(e.to_string()))??;
    Ok(p)
}
