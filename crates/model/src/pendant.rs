//! Engravable pendant discs with a soldered bail.
//!
//! Frame: millimetres; the disc lies in the XY plane with its engraved face towards +Z, the bail
//! at +Y (the pendant hangs as the viewer shows it).

use crate::band::revolve;
use crate::mesh::Mesh;
use crate::ring::{Piece, Problem};
use crate::{Error, Result};
use glam::{DQuat, DVec3};
use std::f64::consts::PI;

/// Segments around the disc.
const SEGMENTS: usize = 96;
/// Margin between the engraving zone and the rounded rim, mm.
const ZONE_MARGIN_MM: f64 = 0.5;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PendantSpec {
    pub diameter_mm: f64,
    pub thickness_mm: f64,
    /// The bail's wire, mm (its inner opening is 4 × the wire, room for most chains).
    pub bail_wire_mm: f64,
    pub min_wall_mm: f64,
}

impl PendantSpec {
    /// The diameter of the flat face that can be engraved: the disc less its rounded rim and a
    /// margin.
    pub fn engrave_diameter_mm(&self) -> f64 {
        self.diameter_mm - self.thickness_mm - 2.0 * ZONE_MARGIN_MM
    }
}

/// A disc pendant: a coin with a fully rounded rim, and a round-wire bail overlapping its top.
pub fn pendant(spec: &PendantSpec) -> Result<Piece> {
    let range = |what: &str, v: f64, lo: f64, hi: f64| {
        if v.is_finite() && (lo..=hi).contains(&v) {
            Ok(())
        } else {
            Err(Error::Invalid { what: what.into(), rule: format!("between {lo} and {hi} mm"), got: format!("{v} mm") })
        }
    };
    range("the pendant's diameter", spec.diameter_mm, 6.0, 60.0)?;
    range("the pendant's thickness", spec.thickness_mm, 0.4, 5.0)?;
    range("the bail's wire", spec.bail_wire_mm, 0.4, 3.0)?;
    let mut problems = Vec::new();
    if spec.thickness_mm + 1e-9 < spec.min_wall_mm {
        problems.push(Problem {
            code: "wall",
            parameter: "thickness_mm",
            message: format!(
                "a disc {:.2} mm thick is too thin to cast in this metal, which needs at least {} mm — make it {:.2} mm thick or more",
                spec.thickness_mm, spec.min_wall_mm, spec.min_wall_mm
            ),
        });
    }
    let (r, h) = (spec.diameter_mm / 2.0, spec.thickness_mm / 2.0);
    // The profile from the front pole, out along the face, round the rim, back along the back.
    let mut profile = vec![(0.0, h), (r - h, h)];
    for k in 1..12 {
        let a = PI / 2.0 - PI * k as f64 / 12.0;
        profile.push((r - h + h * a.cos(), h * a.sin()));
    }
    profile.push((r - h, -h));
    profile.push((0.0, -h));
    let mut metal = lathe(&profile, SEGMENTS);
    // The bail: a torus around X (the chain runs through it along X), its lower part sunk into
    // the disc's top by the wire's radius.
    let wire = spec.bail_wire_mm / 2.0;
    let major = 2.0 * spec.bail_wire_mm + wire;
    let circle: Vec<(f64, f64)> = (0..16)
        .map(|k| {
            let a = 2.0 * PI * k as f64 / 16.0;
            (wire - wire * a.cos(), -wire * a.sin())
        })
        .collect();
    let torus = revolve(&circle, major - wire, 48);
    debug_assert!(torus.volume() > 0.0, "the bail's circle must run counter-clockwise");
    let turn = DQuat::from_rotation_arc(DVec3::Z, DVec3::X);
    let centre = DVec3::new(0.0, r + major - 2.0 * wire, 0.0);
    metal.append(&torus.map(|p| centre + turn * p));
    let volume = metal.volume();
    Ok(Piece {
        metal,
        gems: Vec::new(),
        stones: Vec::new(),
        mesh_volume_mm3: volume,
        metal_volume_mm3: volume,
        carats: 0.0,
        problems,
    })
}

/// Revolves a profile around Z whose first and last points lie on the axis (r = 0): a closed
/// shell with a single vertex at each pole.
fn lathe(profile: &[(f64, f64)], segments: usize) -> Mesh {
    let inner = &profile[1..profile.len() - 1];
    let m = inner.len();
    let mut positions = Vec::with_capacity(segments * m + 2);
    for i in 0..segments {
        let a = 2.0 * PI * i as f64 / segments as f64;
        for &(r, z) in inner {
            positions.push(DVec3::new(r * a.cos(), r * a.sin(), z));
        }
    }
    positions.push(DVec3::new(0.0, 0.0, profile[0].1));
    positions.push(DVec3::new(0.0, 0.0, profile[profile.len() - 1].1));
    let (top, bottom) = ((segments * m) as u32, (segments * m + 1) as u32);
    let mut triangles = Vec::new();
    for i in 0..segments {
        let j = (i + 1) % segments;
        let at = |s: usize, k: usize| (s * m + k) as u32;
        triangles.push([top, at(i, 0), at(j, 0)]);
        for k in 0..m - 1 {
            triangles.push([at(i, k), at(i, k + 1), at(j, k + 1)]);
            triangles.push([at(i, k), at(j, k + 1), at(j, k)]);
        }
        triangles.push([bottom, at(j, m - 1), at(i, m - 1)]);
    }
    Mesh { positions, triangles }.orient_outward()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> PendantSpec {
        PendantSpec { diameter_mm: 15.0, thickness_mm: 1.2, bail_wire_mm: 0.8, min_wall_mm: 0.8 }
    }

    #[test]
    fn a_disc_pendant_is_closed_and_weighs_what_a_coin_does() {
        let p = pendant(&spec()).unwrap();
        assert_eq!(p.metal.check_closed(), Ok(()));
        // The disc alone: a cylinder of the face's radius plus the round rim (Pappus), less the
        // 96-gon's deficit; the bail adds a little.
        let (r, h) = (7.5, 0.6);
        let core = PI * (r - h) * (r - h) * 2.0 * h;
        let rim = (PI * h * h / 2.0) * 2.0 * PI * (r - h + 4.0 * h / (3.0 * PI));
        let disc = core + rim;
        let bail = 2.0 * PI * (2.0 * 0.8 + 0.4 - 0.4 + 0.4) * PI * 0.4 * 0.4;
        let got = p.metal_volume_mm3;
        assert!(got > (disc + bail * 0.8) * 0.995 && got < (disc + bail) * 1.001, "{got} vs disc {disc} + bail {bail}");
        let (lo, hi) = p.metal.bounds();
        assert!((lo.y + 7.5).abs() < 1e-9 && hi.y > 7.5 + 2.0, "the bail stands above the disc");
        let _ = hi;
        assert!(p.metal.positions.contains(&DVec3::new(0.0, 0.0, 0.6)), "the face's centre is at +Z");
        assert!((spec().engrave_diameter_mm() - 12.8).abs() < 1e-9);
    }

    #[test]
    fn bad_sizes_and_thin_discs_are_explained() {
        let e = pendant(&PendantSpec { diameter_mm: 80.0, ..spec() }).unwrap_err().to_string();
        assert!(e.contains("diameter") && e.contains("between 6 and 60 mm") && e.contains("80 mm"), "{e}");
        let thin = pendant(&PendantSpec { thickness_mm: 0.6, ..spec() }).unwrap();
        assert_eq!(thin.problems[0].code, "wall");
        assert!(thin.problems[0].message.contains("0.80 mm thick or more"), "{}", thin.problems[0].message);
    }
}
