//! The workshop a catalog describes: its tolerances, its lasers and the jigs that hold several
//! pieces on one laser's bed. Read by `load/workshop`, used by `orfevre-production`.

use crate::diag::Loc;
use crate::units::Mm;
use rust_decimal::Decimal;

pub type MachineId = u32;

/// The workshop's tolerances.
#[derive(Clone, Debug)]
pub struct Production {
    /// How far a made piece's weight may be from the evaluation's, per cent either way.
    pub weight_tolerance_percent: Decimal,
    /// Days the workshop adds from payment to dispatch.
    pub handling_days: u32,
}

impl Default for Production {
    fn default() -> Production {
        Production { weight_tolerance_percent: Decimal::from(5), handling_days: 2 }
    }
}

/// How a laser makes an engraving.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LaserMode {
    /// Areas hatched.
    Fill,
    /// Outlines traced.
    Line,
    /// Strokes followed (single-line fonts).
    SingleLine,
}

impl LaserMode {
    pub fn as_str(self) -> &'static str {
        match self {
            LaserMode::Fill => "fill",
            LaserMode::Line => "line",
            LaserMode::SingleLine => "single-line",
        }
    }
    pub fn parse(s: &str) -> Option<LaserMode> {
        [LaserMode::Fill, LaserMode::Line, LaserMode::SingleLine].into_iter().find(|m| m.as_str() == s)
    }
}

/// A laser of the workshop and the settings it engraves at.
#[derive(Clone, Debug)]
pub struct Machine {
    pub id: String,
    pub name: String,
    pub mode: LaserMode,
    /// GRBL `S`, 0–1000.
    pub power: u32,
    pub speed_mm_min: Decimal,
    pub passes: u32,
    pub hatch: Mm,
    pub spot: Mm,
    /// The bed's width and height.
    pub bed: Option<(Mm, Mm)>,
    pub loc: Loc,
}

/// A plate of fixed slots for one machine.
#[derive(Clone, Debug)]
pub struct Jig {
    pub id: String,
    pub name: String,
    pub machine: MachineId,
    pub slot: (Mm, Mm),
    pub columns: u32,
    pub rows: u32,
    pub pitch: (Mm, Mm),
    pub origin: (Mm, Mm),
    pub loc: Loc,
}

impl Jig {
    /// The slots' bottom-left corners, row by row from the origin's row, serpentine (the second
    /// row right to left) so the head's travel between neighbours stays short.
    pub fn slots(&self) -> Vec<(Mm, Mm)> {
        let mut out = Vec::with_capacity((self.columns * self.rows) as usize);
        for r in 0..self.rows {
            let cols: Vec<u32> =
                if r % 2 == 0 { (0..self.columns).collect() } else { (0..self.columns).rev().collect() };
            for c in cols {
                out.push((
                    Mm::from_um(self.origin.0.um() + c as i64 * self.pitch.0.um()),
                    Mm::from_um(self.origin.1.um() + r as i64 * self.pitch.1.um()),
                ));
            }
        }
        out
    }
}
