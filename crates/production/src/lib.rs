//! From a design to the bench.
//!
//! A job is built from a design and the catalog version it was made against, and nothing else:
//! the same design hash gives the same files, byte for byte. The stages hand plain data to each
//! other:
//!
//! ```text
//! Design + Engine ─▶ Sheet (positions in order, choices, texts, stones, weight window, pick list)
//!        │         ─▶ engraving::Engraved per field (toolpath at the field's machine settings)
//!        │         ─▶ solid::Solid for parametric pieces (STL, 3MF with the job's part number)
//!        └────────▶ fidelity checks (order, G-code burned back vs preview, weight of the 3D file)
//!                 ─▶ bag: the files, a manifest with each one's SHA-256, in one zip
//! ```
//!
//! A job that fails a check is refused with the reason; nothing half-made comes out. Laser
//! plates (`plate`) batch several jobs' engravings for one machine onto a jig.

pub mod bag;
pub mod engraving;
pub mod gcode;
pub mod plate;
pub mod sheet;
pub mod solid;
pub mod spec;

pub use bag::{build, Job, JobRequest, Manifest};
pub use sheet::Paper;
pub use spec::{JobSpec, Position};

/// What the crate needs from outside and does not read itself: font files and the catalog's art.
pub trait Assets {
    /// The bytes of a font file named by the catalog (a path from a Debian package).
    fn font_file(&self, path: &str) -> Result<Vec<u8>, String>;
    /// A catalog art file (SVG), by its path in the catalog.
    fn art(&self, path: &str) -> Option<Vec<u8>>;
}

/// Why a job cannot be made. Each names what to change.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum JobError {
    /// The design breaks the catalog's rules: the reasons, as the engine gives them.
    #[error("the design cannot be made: {}", .0.join("; "))]
    Invalid(Vec<String>),
    /// The design was made against another catalog version than the one given.
    #[error("the design was made against catalog {wanted}, not {got}")]
    CatalogVersion { wanted: String, got: String },
    /// An engraving field names no machine, or one the catalog lacks.
    #[error("{field}: no machine is set for this engraving field (add machine = \"…\" to it in the catalog)")]
    NoMachine { field: String },
    /// A font file could not be read.
    #[error("{field}: the font {font} cannot be read: {why}")]
    Font { field: String, font: String, why: String },
    /// The text cannot be engraved in its zone (too long, a glyph missing, strokes too thin).
    #[error("{field}: {why}")]
    Engraving { field: String, why: String },
    /// The 3D piece cannot be built.
    #[error("the 3D piece cannot be built: {0}")]
    Model(String),
    /// A fidelity check failed: the files would not make the piece the shopper bought.
    #[error("check {check} failed: {why}")]
    Fidelity { check: &'static str, why: String },
    /// The job is larger than a job may be.
    #[error("{0}")]
    TooLarge(String),
    /// A plate that cannot be laid out: a jig of another machine, a bed of no size.
    #[error("{0}")]
    Plate(String),
}
