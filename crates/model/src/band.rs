//! Ring bands: a 2D profile swept around the finger's axis at the exact inner size.
//!
//! Frame: millimetres; the finger's axis is Z, the ring's top (where a head sits) is +Y, so a
//! viewer with Y up shows the ring standing. The profile lives in the (u, v) half-plane: u is
//! the distance outward from the inner radius, v runs across the band along Z.

use crate::mesh::Mesh;
use crate::{Error, Result};
use glam::DVec3;
use std::f64::consts::PI;

/// Segments around the ring. 128 keeps the chord error of the inner circle to 0.003 mm on a
/// 54 mm size (perimeter of the inscribed 128-gon: 2πr·sin(π/128)/(π/128)) and the volume 0.04 %
/// under the smooth band's, at 2 × 128 triangles per profile edge.
pub const SEGMENTS: usize = 128;

/// Points per curved side of a profile.
const CURVE_POINTS: usize = 17;

crate::named!(
    /// A band's cross-section.
    Profile, "the profile" {
        /// Flat inside and out, square edges.
        Flat = "flat",
        /// Flat inside, domed outside (side walls 40 % of the thickness).
        DShape = "d-shape",
        /// Domed inside (a quarter of the thickness), nearly flat outside: slides over the knuckle.
        Comfort = "comfort",
        /// Domed inside and outside.
        Court = "court",
        /// Flat inside, outside rising to a ridge along the middle (side walls 40 %).
        KnifeEdge = "knife-edge",
    }
);

impl Profile {
    /// (inside, outside) offsets from the inner radius at s ∈ [−1, 1] across the band, as fractions
    /// of the thickness; the inside is 0 and the outside 1 at s = 0, so the thickness is measured
    /// in the middle and the inner size at the innermost point (ISO 8653 §4.2: a rounded inside
    /// touches the ring stick in the middle). The edge fractions are drawing choices, not trade
    /// figures.
    fn offsets(self, s: f64) -> (f64, f64) {
        let dome = (1.0 - s * s).max(0.0).sqrt();
        match self {
            Profile::Flat => (0.0, 1.0),
            Profile::DShape => (0.0, 0.4 + 0.6 * dome),
            Profile::Comfort => (0.25 * (1.0 - dome), 0.8 + 0.2 * dome),
            Profile::Court => (0.25 * (1.0 - dome), 0.55 + 0.45 * dome),
            Profile::KnifeEdge => (0.0, 0.4 + 0.6 * (1.0 - s.abs())),
        }
    }

    /// The profile's outline, counter-clockwise in the (u, v) plane (u outward, v along Z):
    /// down the outside, then up the inside.
    pub fn outline(self, width: f64, thickness: f64) -> Vec<(f64, f64)> {
        let n = if self == Profile::Flat { 2 } else { CURVE_POINTS };
        let s = |k: usize| -1.0 + 2.0 * k as f64 / (n - 1) as f64;
        let mut pts = Vec::with_capacity(2 * n);
        // Inside, from v = +w/2 down to −w/2, then the outside back up: counter-clockwise with u
        // to the right and v up.
        for k in (0..n).rev() {
            pts.push((self.offsets(s(k)).0 * thickness, s(k) * width / 2.0));
        }
        for k in 0..n {
            pts.push((self.offsets(s(k)).1 * thickness, s(k) * width / 2.0));
        }
        pts
    }
}

/// A band, fully specified.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Band {
    pub inner_circumference_mm: f64,
    pub width_mm: f64,
    pub thickness_mm: f64,
    pub profile: Profile,
}

impl Band {
    pub fn inner_radius(&self) -> f64 {
        self.inner_circumference_mm / (2.0 * PI)
    }

    /// The outer radius at the top, where a head is set.
    pub fn outer_radius(&self) -> f64 {
        self.inner_radius() + self.thickness_mm
    }

    /// Checks the numbers a band can be made with at all (a catalog narrows them further).
    pub fn validate(&self) -> Result<()> {
        let range = |what: &str, v: f64, lo: f64, hi: f64| {
            if v.is_finite() && (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(Error::Invalid {
                    what: what.into(),
                    rule: format!("between {lo} and {hi} mm"),
                    got: format!("{v} mm"),
                })
            }
        };
        range("the inner circumference", self.inner_circumference_mm, 30.0, 90.0)?;
        range("the band width", self.width_mm, 1.0, 15.0)?;
        range("the band thickness", self.thickness_mm, 0.5, 5.0)
    }

    /// The band's closed mesh.
    pub fn mesh(&self) -> Mesh {
        revolve(&self.profile.outline(self.width_mm, self.thickness_mm), self.inner_radius(), SEGMENTS)
    }

    /// The volume of [`Band::mesh`], mm³, without building it: the smooth volume × sin(x)/x with
    /// x = 2π/[`SEGMENTS`], since every circle of the profile becomes an inscribed polygon.
    pub fn mesh_volume(&self) -> f64 {
        let x = 2.0 * PI / SEGMENTS as f64;
        self.smooth_volume() * x.sin() / x
    }

    /// The smooth band's volume (Pappus: profile area × the path of its centroid), mm³.
    pub fn smooth_volume(&self) -> f64 {
        let (area, u_bar) = area_centroid(&self.profile.outline(self.width_mm, self.thickness_mm));
        area * 2.0 * PI * (self.inner_radius() + u_bar)
    }
}

/// Area and centroid-u of a closed counter-clockwise polygon in (u, v).
pub(crate) fn area_centroid(p: &[(f64, f64)]) -> (f64, f64) {
    let (mut a, mut cu) = (0.0, 0.0);
    for i in 0..p.len() {
        let (u0, v0) = p[i];
        let (u1, v1) = p[(i + 1) % p.len()];
        let cross = u0 * v1 - u1 * v0;
        a += cross;
        cu += (u0 + u1) * cross;
    }
    (a / 2.0, cu / (3.0 * a))
}

/// Sweeps a closed counter-clockwise (u, v) outline around Z at `radius + u`, with `segments`
/// steps, starting at +X. The result is a closed torus-like shell, wound outward.
pub(crate) fn revolve(outline: &[(f64, f64)], radius: f64, segments: usize) -> Mesh {
    let p = outline.len();
    let mut positions = Vec::with_capacity(segments * p);
    for i in 0..segments {
        let a = 2.0 * PI * i as f64 / segments as f64;
        let (s, c) = a.sin_cos();
        for &(u, v) in outline {
            let r = radius + u;
            positions.push(DVec3::new(r * c, r * s, v));
        }
    }
    let mut triangles = Vec::with_capacity(segments * p * 2);
    for i in 0..segments {
        let j = (i + 1) % segments;
        for k in 0..p {
            let l = (k + 1) % p;
            let (a, b, c, d) = ((i * p + k) as u32, (j * p + k) as u32, (j * p + l) as u32, (i * p + l) as u32);
            triangles.push([a, b, c]);
            triangles.push([a, c, d]);
        }
    }
    Mesh { positions, triangles }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn band(profile: Profile) -> Band {
        Band { inner_circumference_mm: 54.42, width_mm: 3.0, thickness_mm: 1.8, profile }
    }

    #[test]
    fn every_profile_sweeps_a_closed_outward_shell() {
        for &p in Profile::ALL {
            let m = band(p).mesh();
            assert_eq!(m.check_closed(), Ok(()), "{p}");
            assert!(m.volume() > 0.0, "{p}: outward winding gives a positive volume");
        }
    }

    #[test]
    fn the_inner_circle_is_the_size() {
        for &p in Profile::ALL {
            let b = band(p);
            let m = b.mesh();
            // The innermost vertices (u = 0) lie on the circle of the size.
            let rmin = m.positions.iter().map(|q| q.truncate().length()).fold(f64::INFINITY, f64::min);
            assert!((2.0 * PI * rmin - 54.42).abs() < 1e-9, "{p}: {}", 2.0 * PI * rmin);
        }
    }

    #[test]
    fn a_flat_band_has_the_textbook_volume() {
        let b = Band { profile: Profile::Flat, ..band(Profile::Flat) };
        let r = b.inner_radius();
        let exact = PI * ((r + 1.8).powi(2) - r * r) * 3.0;
        assert!((b.smooth_volume() - exact).abs() < 1e-9);
    }

    proptest! {
        /// The swept polygon's volume is the smooth one × sin(2π/N)/(2π/N), exactly: every ring of
        /// the profile becomes an N-gon inscribed in its circle.
        #[test]
        fn mesh_volume_follows_pappus(
            c in 40.0f64..75.0, w in 1.5f64..8.0, t in 0.8f64..3.0, pi in 0usize..5,
        ) {
            let b = Band { inner_circumference_mm: c, width_mm: w, thickness_mm: t, profile: Profile::ALL[pi] };
            let expected = b.mesh_volume();
            let got = b.mesh().volume();
            prop_assert!((got - expected).abs() < 1e-9 * expected, "{got} vs {expected}");
            prop_assert!(b.mesh().check_closed().is_ok());
        }
    }
}
