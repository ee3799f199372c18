//! # orfevre-catalog
//!
//! A brand's catalog — materials, components, base pieces, rules and prices — read from a
//! directory of TOML files that merchandisers review in git, resolved into typed indices, and
//! checked so that every mistake is reported at once as `path:line:col: error[code]: message`.
//!
//! Pipeline: [`SourceSet`] (bytes) → [`raw`] (serde tables with spans) → [`Catalog`] (resolved)
//! → [`check`] (semantic diagnostics). The crate does no I/O except [`SourceSet::from_dir`].

mod analyse;
pub mod check;
pub mod diag;
pub mod edit;
pub mod load;
pub mod model;
pub mod raw;
mod recover;
pub mod rules;
mod satisfy;
pub mod units;
pub mod workshop;

pub use diag::{Diagnostic, Loc, Severity};
pub use load::{load, load_dir, Loaded, SourceSet, CEL_VARIABLES};
pub use model::*;
pub use units::{Currency, Dec, Grams, Mm, Money, Price, PricePoint};
pub use workshop::{Jig, LaserMode, Machine, MachineId, Production};
