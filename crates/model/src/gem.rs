//! Cut stones: a girdle outline, a crown up to the table and a pavilion down to the culet.
//!
//! Frame: millimetres, the girdle plane at z = 0, the table up (+Z), the length along X.
//! Proportions are Tolkowsky's ideal round brilliant (domain.md): table 53 %, crown height
//! 16.2 %, pavilion depth 43.1 % (total 59.3 %, so a knife-edge girdle), which give the crown
//! angle 34.5° and the pavilion angle 40.75°. Fancy shapes take the same percentages of their
//! width (the short side) — a simplification: their trade proportions vary by cutter.
//! The facets are simplified (a 16-sided girdle, one ring of crown facets, a pavilion fan), which
//! reads as a cut stone under refraction at a fraction of 57 facets' triangles.

use crate::mesh::Mesh;
use crate::{Error, Result};
use glam::DVec3;
use std::f64::consts::PI;

/// Points around the girdle.
const GIRDLE: usize = 16;
pub const TABLE: f64 = 0.53;
pub const CROWN: f64 = 0.162;
pub const PAVILION: f64 = 0.431;

crate::named!(
    /// A stone's cut.
    Cut, "the cut" {
        Round = "round",
        Princess = "princess",
        Oval = "oval",
        Emerald = "emerald",
        Pear = "pear",
        Cushion = "cushion",
        Marquise = "marquise",
    }
);

impl Cut {
    /// Length over width of the outline (1 for round, princess and cushion; the usual shop
    /// ratios for the others — a drawing choice, not a trade figure from domain.md).
    pub fn ratio(self) -> f64 {
        match self {
            Cut::Round | Cut::Princess | Cut::Cushion => 1.0,
            Cut::Oval | Cut::Emerald => 1.4,
            Cut::Pear => 1.55,
            Cut::Marquise => 2.0,
        }
    }

    /// The girdle outline for a width of 1 (length = ratio), counter-clockwise from +X.
    pub(crate) fn outline(self) -> Vec<(f64, f64)> {
        let (a, b) = (self.ratio() / 2.0, 0.5);
        let raw: Vec<(f64, f64)> = (0..GIRDLE)
            .map(|i| {
                let t = 2.0 * PI * i as f64 / GIRDLE as f64;
                let (s, c) = t.sin_cos();
                match self {
                    Cut::Round | Cut::Oval => (a * c, b * s),
                    // Squares and an octagonal emerald: a polygon sampled by angle; 16 points put
                    // a vertex on each corner of the square.
                    Cut::Princess => {
                        let k = 1.0 / c.abs().max(s.abs());
                        (a * c * k, b * s * k)
                    }
                    Cut::Emerald => {
                        // A rectangle with its corners cut at 45°, a fifth of the width.
                        let k = 1.0 / c.abs().max(s.abs()).max((c.abs() + s.abs()) / 1.6);
                        (a * c * k, b * s * k)
                    }
                    Cut::Cushion => (a * c.signum() * c.abs().sqrt(), b * s.signum() * s.abs().sqrt()),
                    Cut::Marquise => (a * c, b * s * s.abs()),
                    // Round at −X, pointed at +X.
                    Cut::Pear => (a * c, b * s * ((1.0 - c) / 2.0).sqrt()),
                }
            })
            .collect();
        // Scale to exactly `ratio` × 1 over the sampled points (the pear's widest point is not at
        // a quarter turn), keeping the centre of the bounds at the origin.
        let (x0, x1) = raw.iter().fold((f64::MAX, f64::MIN), |(l, h), p| (l.min(p.0), h.max(p.0)));
        let (y0, y1) = raw.iter().fold((f64::MAX, f64::MIN), |(l, h), p| (l.min(p.1), h.max(p.1)));
        let (sx, sy) = (self.ratio() / (x1 - x0), 1.0 / (y1 - y0));
        let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
        raw.iter().map(|&(x, y)| ((x - cx) * sx, (y - cy) * sy)).collect()
    }
}

/// A stone of a cut and size.
#[derive(Debug, Clone)]
pub struct Gem {
    pub cut: Cut,
    /// Width (short side) and length at the girdle, mm.
    pub width_mm: f64,
    pub length_mm: f64,
    pub crown_mm: f64,
    pub pavilion_mm: f64,
    /// The girdle outline at this size, (x, y) mm, counter-clockwise.
    pub girdle: Vec<(f64, f64)>,
    pub mesh: Mesh,
}

impl Gem {
    /// A stone `width_mm` wide.
    pub fn with_width(cut: Cut, width_mm: f64) -> Gem {
        let girdle: Vec<(f64, f64)> = cut.outline().iter().map(|(x, y)| (x * width_mm, y * width_mm)).collect();
        let (crown, pavilion) = (CROWN * width_mm, PAVILION * width_mm);
        let n = girdle.len();
        let mut positions: Vec<DVec3> = girdle.iter().map(|&(x, y)| DVec3::new(x, y, 0.0)).collect();
        positions.extend(girdle.iter().map(|&(x, y)| DVec3::new(x * TABLE, y * TABLE, crown)));
        // The table's centre and the culet.
        positions.push(DVec3::new(0.0, 0.0, crown));
        positions.push(DVec3::new(0.0, 0.0, -pavilion));
        let (table_c, culet) = ((2 * n) as u32, (2 * n + 1) as u32);
        let mut triangles = Vec::with_capacity(4 * n);
        for i in 0..n {
            let j = (i + 1) % n;
            let (g0, g1, t0, t1) = (i as u32, j as u32, (n + i) as u32, (n + j) as u32);
            // Crown: two facets per girdle edge, split the brilliant way (star and upper girdle).
            triangles.push([g0, g1, t0]);
            triangles.push([g1, t1, t0]);
            triangles.push([table_c, t0, t1]);
            triangles.push([culet, g1, g0]);
        }
        Gem {
            cut,
            width_mm,
            length_mm: width_mm * cut.ratio(),
            crown_mm: crown,
            pavilion_mm: pavilion,
            girdle,
            mesh: Mesh { positions, triangles },
        }
    }

    /// A stone of `carat` ct of a material of `specific_gravity`. Round brilliants follow the
    /// trade's rule (domain.md: ct ≈ D² × depth × 0.0061, depth 59.3 % of D); fancy shapes are
    /// sized by their mesh volume × specific gravity (1 ct = 0.2 g).
    pub fn with_carat(cut: Cut, carat: f64, specific_gravity: f64) -> Result<Gem> {
        if !(carat.is_finite() && (0.005..=20.0).contains(&carat)) {
            return Err(Error::Invalid {
                what: "the stone".into(),
                rule: "between 0.005 and 20 ct".into(),
                got: format!("{carat} ct"),
            });
        }
        let width = match cut {
            Cut::Round => (carat / (0.593 * 0.0061)).cbrt(),
            _ => {
                let unit = Gem::with_width(cut, 1.0).mesh.volume();
                (carat * 200.0 / (specific_gravity * unit)).cbrt()
            }
        };
        Ok(Gem::with_width(cut, width))
    }

    /// The stone's weight in carats: the trade's rule for a round brilliant, its volume × the
    /// specific gravity for other cuts (1 ct = 0.2 g).
    pub fn carats(&self, specific_gravity: f64) -> f64 {
        match self.cut {
            Cut::Round => self.width_mm.powi(3) * 0.593 * 0.0061,
            _ => self.mesh.volume() * specific_gravity / 1000.0 / 0.2,
        }
    }

    /// The volume below the girdle, mm³: the seat a stone set flush needs drilled out.
    pub fn pavilion_volume(&self) -> f64 {
        let n = self.girdle.len();
        let area: f64 = (0..n)
            .map(|i| self.girdle[i].0 * self.girdle[(i + 1) % n].1 - self.girdle[(i + 1) % n].0 * self.girdle[i].1)
            .sum::<f64>()
            / 2.0;
        area * self.pavilion_mm / 3.0
    }

    /// The girdle's extent from the centre along a direction in the girdle plane.
    pub fn reach(&self, dir: (f64, f64)) -> f64 {
        self.girdle.iter().map(|&(x, y)| x * dir.0 + y * dir.1).fold(0.0, f64::max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cut_is_a_closed_stone() {
        for &c in Cut::ALL {
            let g = Gem::with_width(c, 5.0);
            assert_eq!(g.mesh.check_closed(), Ok(()), "{c}");
            assert!(g.mesh.volume() > 0.0, "{c}");
            let (lo, hi) = g.mesh.bounds();
            assert!((hi.y - lo.y - 5.0).abs() < 1e-9, "{c}: width {}", hi.y - lo.y);
            assert!((hi.x - lo.x - 5.0 * c.ratio()).abs() < 1e-9, "{c}: length {}", hi.x - lo.x);
            assert!((hi.z - lo.z - 5.0 * 0.593).abs() < 1e-9, "{c}: total depth 59.3 %");
        }
    }

    #[test]
    fn tolkowsky_angles_follow_from_the_percentages() {
        let crown = (CROWN / ((1.0 - TABLE) / 2.0)).atan().to_degrees();
        let pavilion = (PAVILION / 0.5).atan().to_degrees();
        assert!((crown - 34.5).abs() < 0.2, "crown angle {crown}");
        assert!((pavilion - 40.75).abs() < 0.05, "pavilion angle {pavilion}");
    }

    #[test]
    fn a_one_carat_round_is_six_and_a_half_millimetres() {
        let g = Gem::with_carat(Cut::Round, 1.0, 3.52).unwrap();
        assert!((g.width_mm - 6.5).abs() < 0.05, "{}", g.width_mm);
        // Fancy shapes by volume: twice the carats, 2^(1/3) the size.
        let a = Gem::with_carat(Cut::Oval, 0.5, 3.52).unwrap();
        let b = Gem::with_carat(Cut::Oval, 1.0, 3.52).unwrap();
        assert!((b.width_mm / a.width_mm - 2f64.cbrt()).abs() < 1e-9);
        let ct = b.mesh.volume() * 3.52 / 1000.0 / 0.2;
        assert!((ct - 1.0).abs() < 1e-9, "{ct}");
        assert!(Gem::with_carat(Cut::Round, 0.0, 3.52).unwrap_err().to_string().contains("0.005"));
    }
}
