//! Parametric jewellery geometry for Orfèvre: ring sizes in every system, band profiles swept at
//! the exact inner size, cut stones with real proportions, prong and bezel heads, engravable
//! pendant discs, manufacturing checks, and the files a viewer, a caster or a printer takes (GLB, STL, 3MF).
//!
//! Units: millimetres, cubic millimetres, carats. Frames are documented where they are built
//! ([`band`], [`gem`]). The crate does no I/O: writers return bytes.

pub mod band;
pub mod export;
pub mod gem;
pub mod mesh;
pub mod pendant;
pub mod ring;
pub mod size;

pub use band::{Band, Profile};
pub use gem::{Cut, Gem};
pub use mesh::{Mesh, RenderMesh};
pub use pendant::{pendant, PendantSpec};
pub use ring::{figures, ring, Figures, Piece, RingSpec, Setting, StoneSize, StoneSpec, Top};
pub use size::RingSize;

/// Input the geometry cannot be built from: what, the rule, and what was given.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum Error {
    #[error("{what} must be {rule} (got {got})")]
    Invalid { what: String, rule: String, got: String },
}

pub type Result<T> = std::result::Result<T, Error>;
