//! # orfevre-engrave
//!
//! Engraving for the workshop, as a pipeline of small stages with one unit throughout:
//! **millimetres**, in the zone's frame — origin at the zone's bottom-left corner, X to the
//! right, Y up (the machine's frame; SVG output flips Y for display).
//!
//! 1. [`font`]: an outline font (TrueType/OpenType, shaped with rustybuzz) or a single-line
//!    Hershey font (`.jhf`, Debian `hershey-fonts-data`).
//! 2. [`text`]: text laid out in a [`Zone`] — lines, alignment, shrink-to-fit down to a minimum
//!    cap height, optionally bent along an arc — giving [`Shape`]s (closed outlines or strokes).
//!    Or [`image`]: a PNG drawing traced as outlines, handwriting as centre lines, a photo
//!    dithered into rows; [`fingerprint`] enhances ridges first.
//! 3. [`toolpath`]: shapes → cuts for one [`Layer`] (line, hatch fill, offset fill, single line)
//!    with power, speed, passes and kerf ([`offset`]); [`min_feature`] refuses or thickens what
//!    the material cannot hold.
//! 4. [`order`]: cuts ordered for short travel (nearest neighbour, then 2-opt; inner contours
//!    before the outlines around them).
//! 5. [`output`]: SVG, DXF, GRBL G-code, PNG preview, and a JSON-able [`output::Summary`].
//!
//! The crate does no I/O except [`font::Font::from_file`]; images come in as bytes.

pub mod fingerprint;
pub mod font;
pub mod geom;
pub mod image;
pub mod offset;
pub mod order;
pub mod output;
pub mod text;
pub mod toolpath;

pub use font::Font;
pub use geom::{Shape, Zone};
pub use text::{Align, TextSpec};
pub use toolpath::{Layer, Mode, Toolpath};

/// What went wrong, said so that a shopper or a merchandiser can act on it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EngraveError {
    #[error("the font {font} has no glyph for {}", .chars.iter().map(|c| format!("{c:?}")).collect::<Vec<_>>().join(", "))]
    MissingGlyphs { font: String, chars: Vec<char> },
    #[error("the text does not fit the {zone_w}×{zone_h} mm zone: it would need capitals {cap:.2} mm high, below the {min:.2} mm minimum; shorten it or use fewer lines")]
    DoesNotFit { zone_w: f64, zone_h: f64, cap: f64, min: f64 },
    #[error("there is nothing to engrave")]
    Empty,
    #[error("{:.0} % of the design is thinner than the material's {min} mm minimum feature: make it larger, choose a bolder font, or thicken it", share * 100.0)]
    TooThin { share: f64, min: f64 },
    #[error("{what} must be {rule} (got {got})")]
    Invalid { what: &'static str, rule: &'static str, got: String },
    #[error("font {name}: {why}")]
    Font { name: String, why: String },
}

pub type Result<T> = std::result::Result<T, EngraveError>;

/// The share of the design allowed below the minimum feature size before it is refused: the tips
/// of serifs and the ends of curves are always thinner somewhere.
pub const THIN_TOLERANCE: f64 = 0.03;

/// Refuses closed outlines with more than [`THIN_TOLERANCE`] of their area thinner than `min` mm;
/// `thicken` mm first grows them outwards (strokes get thicker, counters smaller).
pub fn min_feature(shapes: Vec<Shape>, min: f64, thicken: f64) -> Result<Vec<Shape>> {
    if !(min.is_finite() && min >= 0.0 && thicken.is_finite() && (0.0..=2.0).contains(&thicken)) {
        return Err(EngraveError::Invalid {
            what: "the minimum feature or thickening",
            rule: "0 to 2 mm",
            got: format!("{min} / {thicken}"),
        });
    }
    let (closed, open): (Vec<Shape>, Vec<Shape>) = shapes.into_iter().partition(|s| s.closed);
    let closed = if thicken > 0.0 { offset::offset(&closed, thicken / 2.0) } else { closed };
    if min > 0.0 && !closed.is_empty() {
        let share = offset::thinner_than(&closed, min);
        if share > THIN_TOLERANCE {
            return Err(EngraveError::TooThin { share, min });
        }
    }
    Ok(closed.into_iter().chain(open).collect())
}
