//! Geometry in millimetres: the engraving zone and the shapes laid out in it.

use crate::{EngraveError, Result};
pub use kurbo::{Point, Vec2};

/// The largest zone side accepted, mm (a laser's bed, far beyond any jewel).
pub const MAX_ZONE_MM: f64 = 500.0;

/// A rectangular engraving zone, mm. Invariant: both sides are finite, > 0 and ≤ [`MAX_ZONE_MM`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Zone {
    width: f64,
    height: f64,
}

impl Zone {
    pub fn new(width_mm: f64, height_mm: f64) -> Result<Zone> {
        for (what, v) in [("the zone width", width_mm), ("the zone height", height_mm)] {
            if !(v.is_finite() && v > 0.0 && v <= MAX_ZONE_MM) {
                return Err(EngraveError::Invalid { what, rule: "between 0 and 500 mm", got: format!("{v}") });
            }
        }
        Ok(Zone { width: width_mm, height: height_mm })
    }

    /// Parses `16x8` or `16×8` (mm).
    pub fn parse(s: &str) -> Result<Zone> {
        let bad = || EngraveError::Invalid { what: "the zone", rule: "WIDTHxHEIGHT in mm, e.g. 16x8", got: s.into() };
        let (w, h) = s.split_once(['x', 'X', '×']).ok_or_else(bad)?;
        Zone::new(w.trim().parse().map_err(|_| bad())?, h.trim().parse().map_err(|_| bad())?)
    }

    /// The unrolled band of a ring for a rotary engraver: its length is the circumference where the
    /// laser writes — π × inner diameter inside, π × (inner diameter + 2 × thickness) outside —
    /// and its height the band's width. X then runs around the ring, Y across the band.
    pub fn ring_band(inner_diameter_mm: f64, thickness_mm: f64, band_width_mm: f64, outside: bool) -> Result<Zone> {
        let d = if outside { inner_diameter_mm + 2.0 * thickness_mm } else { inner_diameter_mm };
        Zone::new(std::f64::consts::PI * d, band_width_mm)
    }

    pub fn width(&self) -> f64 {
        self.width
    }
    pub fn height(&self) -> f64 {
        self.height
    }
    /// Whether `p` lies in the zone, with `eps` mm of slack.
    pub fn contains(&self, p: Point, eps: f64) -> bool {
        p.x >= -eps && p.y >= -eps && p.x <= self.width + eps && p.y <= self.height + eps
    }
}

/// A polyline in mm. A closed shape is an outline (its last point joins its first, not repeated);
/// an open one is a stroke (single-line fonts, centre lines).
#[derive(Clone, Debug, PartialEq)]
pub struct Shape {
    pub points: Vec<Point>,
    pub closed: bool,
}

impl Shape {
    pub fn length(&self) -> f64 {
        let open: f64 = self.points.windows(2).map(|w| w[0].distance(w[1])).sum();
        match (self.closed, self.points.first(), self.points.last()) {
            (true, Some(a), Some(b)) => open + a.distance(*b),
            _ => open,
        }
    }

    /// Signed area (positive counter-clockwise, Y up), closed shapes only.
    pub fn area(&self) -> f64 {
        let n = self.points.len();
        (0..n)
            .map(|i| {
                let (a, b) = (self.points[i], self.points[(i + 1) % n]);
                a.x * b.y - b.x * a.y
            })
            .sum::<f64>()
            / 2.0
    }

    /// Even-odd point-in-polygon test (closed shapes).
    pub fn contains(&self, p: Point) -> bool {
        let n = self.points.len();
        let mut inside = false;
        for i in 0..n {
            let (a, b) = (self.points[i], self.points[(i + 1) % n]);
            if (a.y > p.y) != (b.y > p.y) && p.x < a.x + (p.y - a.y) / (b.y - a.y) * (b.x - a.x) {
                inside = !inside;
            }
        }
        inside
    }
}

/// The bounding box of points, or `None` for none.
pub fn bounds<'a>(points: impl IntoIterator<Item = &'a Point>) -> Option<kurbo::Rect> {
    let mut it = points.into_iter();
    let first = *it.next()?;
    Some(it.fold(kurbo::Rect::from_points(first, first), |r, p| r.union_pt(*p)))
}
