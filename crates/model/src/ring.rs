//! A ring: a band, optionally a head (prongs or a bezel) holding a stone, the manufacturing
//! checks, and the figures the price is made from.

use crate::band::Band;
use crate::gem::{Cut, Gem};
use crate::mesh::Mesh;
use crate::{Error, Result};
use glam::{DAffine3, DQuat, DVec3};
use std::f64::consts::PI;

/// Metal lost to polishing, mm (domain.md: allow up to 0.25 mm).
pub const POLISH_MM: f64 = 0.25;
/// The thinnest prong that survives casting (domain.md: prongs ≥ 0.6 mm).
pub const MIN_PRONG_MM: f64 = 0.6;
/// How deep a head's parts reach into the band, mm, so the shells overlap and cast as one.
const SEAT_MM: f64 = 0.2;
/// The culet's clearance above the band, mm.
const CLEARANCE_MM: f64 = 0.3;
/// Bezel wall, and its lip over the crown, mm.
const BEZEL_WALL_MM: f64 = 0.8;
const BEZEL_LIP_MM: f64 = 0.3;

crate::named!(
    /// How the centre stone is held.
    Setting, "the setting" {
        FourProng = "4-prong",
        SixProng = "6-prong",
        Bezel = "bezel",
        /// Four prongs inside a frame of small round stones that follows the girdle.
        Halo = "halo",
    }
);

/// A signet's table: its outline (round, oval or cushion, as the cuts draw them), its width
/// across the finger, its length along it, and its thickness above the band. Its flat face is
/// where a crest or initials are engraved.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Top {
    pub shape: Cut,
    pub width_mm: f64,
    pub length_mm: f64,
    pub thickness_mm: f64,
}

/// The stone of a ring: its cut, its size (carats, or the width in mm) and its material's
/// specific gravity (for fancy shapes sized by carat).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StoneSpec {
    pub cut: Cut,
    pub size: StoneSize,
    pub specific_gravity: f64,
    pub setting: Setting,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StoneSize {
    Carat(f64),
    WidthMm(f64),
}

#[derive(Debug, Clone, PartialEq)]
pub struct RingSpec {
    pub band: Band,
    pub stone: Option<StoneSpec>,
    /// A row of small round stones set in the band's top third (the head's place excepted).
    pub pave: bool,
    /// A signet's table on top of the band (instead of a stone).
    pub top: Option<Top>,
    /// The metal's minimum cast wall, mm (the catalog's `min_wall_mm`; domain.md: ≥ 0.8).
    pub min_wall_mm: f64,
}

/// A manufacturing problem, in plain words, with the parameter to change.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Problem {
    pub code: &'static str,
    pub parameter: &'static str,
    pub message: String,
}

/// A stone placed in the model: which gem mesh, where.
#[derive(Debug, Clone)]
pub struct Placed {
    pub gem: usize,
    pub transform: DAffine3,
}

/// A generated piece (a ring, a pendant): metal shells and placed stones.
#[derive(Debug, Clone)]
pub struct Piece {
    /// Band and head: closed shells that overlap where the head is seated in the band.
    pub metal: Mesh,
    /// Distinct stone meshes (one per cut and size) and their placements.
    pub gems: Vec<Gem>,
    pub stones: Vec<Placed>,
    /// The volume of the metal mesh as written to the files, mm³ (the sum of its shells).
    pub mesh_volume_mm3: f64,
    /// The metal's volume, mm³: the mesh's, less the seats drilled for flush-set stones (halo,
    /// pavé), which the files do not cut (the setter drills them). Where the head is seated in the band
    /// (`SEAT_MM` = 0.2 mm deep, so the parts cast as one) the overlap counts twice: at most the
    /// head's footprint on the band × 0.2 mm, which the tests bound.
    pub metal_volume_mm3: f64,
    /// Carats of all stones.
    pub carats: f64,
    pub problems: Vec<Problem>,
}

impl Piece {
    /// Triangles of the metal and of every placed stone.
    pub fn triangles(&self) -> usize {
        self.metal.triangles.len() + self.stones.iter().map(|s| self.gems[s.gem].mesh.triangles.len()).sum::<usize>()
    }
}

/// Builds the ring and checks it. Bad numbers (a size out of every table, a negative width) are
/// errors; a makeable-or-not question (a wall too thin for the metal) is a [`Problem`].
pub fn ring(spec: &RingSpec) -> Result<Piece> {
    build(spec, true)
}

/// The figures a price is made from, without building the band's mesh (its volume is exact by
/// Pappus' theorem for the swept polygon): what the engine calls for every candidate.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Figures {
    pub metal_volume_mm3: f64,
    pub carats: f64,
    pub problems: Vec<Problem>,
}

pub fn figures(spec: &RingSpec) -> Result<Figures> {
    let r = build(spec, false)?;
    Ok(Figures { metal_volume_mm3: r.metal_volume_mm3, carats: r.carats, problems: r.problems })
}

fn build(spec: &RingSpec, band_mesh: bool) -> Result<Piece> {
    let b = spec.band;
    b.validate()?;
    let mut problems = Vec::new();
    // The wall is the band's thickness, measured in the middle as the trade specifies it; a
    // domed profile's rounded rims are thinner by design.
    if b.thickness_mm + 1e-9 < spec.min_wall_mm {
        problems.push(Problem {
            code: "wall",
            parameter: "thickness_mm",
            message: format!(
                "a band {:.2} mm thick is too thin to cast in this metal, which needs walls of at least {} mm — make it {:.2} mm thick or more",
                b.thickness_mm, spec.min_wall_mm, spec.min_wall_mm
            ),
        });
    }
    let (mut metal, mut metal_volume) = if band_mesh {
        let m = b.mesh();
        let v = m.volume();
        (m, v)
    } else {
        (Mesh::default(), b.mesh_volume())
    };
    let (mut gems, mut stones, mut carats) = (Vec::new(), Vec::new(), 0.0);
    if let Some(t) = spec.top {
        if spec.stone.is_some() {
            return Err(Error::Invalid {
                what: "the ring's top".into(),
                rule: "either a signet table or a stone's head".into(),
                got: "both".into(),
            });
        }
        let ok = |v: f64, hi: f64| v.is_finite() && v > 0.0 && v <= hi;
        if !(matches!(t.shape, Cut::Round | Cut::Oval | Cut::Cushion)
            && ok(t.width_mm, 40.0)
            && ok(t.length_mm, 40.0)
            && ok(t.thickness_mm, 10.0))
        {
            return Err(Error::Invalid {
                what: "the signet table".into(),
                rule: "round, oval or cushion, 0–40 mm wide and long, 0–10 mm thick".into(),
                got: format!("{} {}×{}×{} mm", t.shape, t.width_mm, t.length_mm, t.thickness_mm),
            });
        }
        if t.thickness_mm + 1e-9 < spec.min_wall_mm {
            problems.push(Problem {
                code: "wall",
                parameter: "top",
                message: format!(
                    "a signet table {:.2} mm thick is too thin to cast in this metal, which needs at least {} mm",
                    t.thickness_mm, spec.min_wall_mm
                ),
            });
        }
        let plate = signet(&b, &t);
        metal_volume += plate.volume();
        metal.append(&plate);
    }
    if let Some(s) = spec.stone {
        let gem = match s.size {
            StoneSize::Carat(ct) => Gem::with_carat(s.cut, ct, s.specific_gravity)?,
            StoneSize::WidthMm(w) if w.is_finite() && (0.8..=25.0).contains(&w) => Gem::with_width(s.cut, w),
            StoneSize::WidthMm(w) => {
                return Err(Error::Invalid {
                    what: "the stone".into(),
                    rule: "between 0.8 and 25 mm wide".into(),
                    got: format!("{w} mm"),
                })
            }
        };
        carats += match s.size {
            StoneSize::Carat(ct) => ct,
            StoneSize::WidthMm(_) => gem.carats(s.specific_gravity),
        };
        let top = b.outer_radius();
        // The girdle plane, above the band by the pavilion and a clearance; the stone's length
        // runs across the finger (along Z), as solitaires are set.
        let girdle_y = top + gem.pavilion_mm + CLEARANCE_MM;
        let place = DAffine3::from_translation(DVec3::new(0.0, girdle_y, 0.0))
            * DAffine3::from_quat(DQuat::from_rotation_arc(DVec3::Z, DVec3::Y))
            * DAffine3::from_quat(DQuat::from_rotation_z(PI / 2.0));
        // Where the band's surface is under a point of the head: the band is a circle of radius
        // `top` in the XY plane.
        let surface = |x: f64| (top * top - x * x).max(0.0).sqrt();
        let head = match s.setting {
            Setting::FourProng | Setting::SixProng | Setting::Halo => {
                let n = if s.setting == Setting::SixProng { 6 } else { 4 };
                let d = (0.12 * gem.width_mm).max(MIN_PRONG_MM + POLISH_MM);
                if d - POLISH_MM < MIN_PRONG_MM {
                    problems.push(Problem {
                        code: "prong",
                        parameter: "carat",
                        message: format!("prongs of {d:.2} mm are under {MIN_PRONG_MM} mm after polishing"),
                    });
                }
                // The feet stand on the band: their spread along the finger is narrowed to the
                // band's width (less a prong and 0.1 mm).
                let natural = 0.4 * gem.length_mm / 2.0;
                let room = b.width_mm / 2.0 - d / 2.0 - 0.1;
                let foot = (room / natural).min(1.0);
                if room < MIN_FOOT * gem.length_mm / 2.0 {
                    problems.push(wider_than_band(
                        &gem,
                        b.width_mm,
                        2.0 * (MIN_FOOT * gem.length_mm / 2.0 + d / 2.0 + 0.1),
                    ));
                }
                let mut head = Mesh::default();
                for k in 0..n {
                    let a = PI / n as f64 + 2.0 * PI * k as f64 / n as f64;
                    let dir = (a.cos(), a.sin());
                    let r = gem.reach(dir);
                    let (gx, gz) = (dir.0 * (r + d / 2.0), dir.1 * (r + d / 2.0));
                    // In the ring's frame: the stone's X (length) is the ring's Z, its Y the ring's X.
                    let tip = DVec3::new(gz, girdle_y + 0.1 * gem.width_mm, gx);
                    let bend = DVec3::new(gz, girdle_y - 0.25 * gem.pavilion_mm, gx);
                    let bx = dir.1 * 0.4 * r;
                    let base = DVec3::new(bx, surface(bx) - SEAT_MM, dir.0 * 0.4 * r * foot.max(0.0));
                    head.append(&tube(&[base, bend, tip], d / 2.0));
                }
                head
            }
            Setting::Bezel => {
                let normals = outline_normals(&gem.girdle);
                // The cup tapers to a foot that stands on the band: along the finger it is
                // narrowed to the band's width less the wall. Above the pavilion everywhere,
                // since the cup is deeper than the pavilion and both narrow linearly.
                let room = b.width_mm / 2.0 - BEZEL_WALL_MM;
                let taper = (room / (gem.length_mm / 2.0)).clamp(0.05, 1.0);
                let cup = gem.length_mm / 2.0 + BEZEL_WALL_MM;
                if b.width_mm / 2.0 < MIN_FOOT * cup {
                    problems.push(wider_than_band(&gem, b.width_mm, 2.0 * MIN_FOOT * cup));
                }
                let ring_at = |offset: f64, y: Option<f64>| -> Vec<DVec3> {
                    gem.girdle
                        .iter()
                        .zip(&normals)
                        .map(|(&(x, z), &(nx, nz))| {
                            let x = if y.is_none() { x * taper } else { x };
                            let (sx, sz) = (x + nx * offset, z + nz * offset);
                            // Ring frame: stone X → ring Z, stone Y → ring X.
                            DVec3::new(sz, y.unwrap_or_else(|| surface(sz) - SEAT_MM), sx)
                        })
                        .collect()
                };
                let lip_y = girdle_y + BEZEL_LIP_MM * (CROWN_SLOPE);
                let rings = [
                    ring_at(0.0, None),
                    ring_at(0.0, Some(girdle_y)),
                    ring_at(-BEZEL_LIP_MM, Some(lip_y)),
                    ring_at(BEZEL_WALL_MM, Some(lip_y)),
                    ring_at(BEZEL_WALL_MM, None),
                ];
                loft(&rings)
            }
        };
        metal_volume += head.volume();
        metal.append(&head);
        if s.setting == Setting::Halo {
            // Melee a fifth of the centre's width (0.9–1.5 mm), girdles just under the centre's,
            // on a frame whose top seats them; each seat (the melee's pavilion) is drilled out.
            let m = (0.18 * gem.width_mm).clamp(0.9, 1.5);
            let melee = Gem::with_width(Cut::Round, m);
            let normals = outline_normals(&gem.girdle);
            let (gap, wall) = (0.25, 0.3);
            let y_top = girdle_y - 0.05;
            let y_bottom = y_top - melee.pavilion_mm - wall;
            let at = |offset: f64, y: f64| -> Vec<DVec3> {
                gem.girdle
                    .iter()
                    .zip(&normals)
                    .map(|(&(x, z), &(nx, nz))| DVec3::new(z + nz * offset, y, x + nx * offset))
                    .collect()
            };
            let inner = gap;
            let outer = gap + m + 2.0 * 0.15;
            let frame = loft(&[at(inner, y_bottom), at(outer, y_bottom), at(outer, y_top), at(inner, y_top)]);
            metal_volume += frame.volume();
            metal.append(&frame);
            let centre_line = at(gap + 0.15 + m / 2.0, y_top);
            let spots = along(&centre_line, m + 0.1);
            let mi = gems.len() + 1;
            for p in &spots {
                stones.push(Placed {
                    gem: mi,
                    transform: DAffine3::from_translation(*p)
                        * DAffine3::from_quat(DQuat::from_rotation_arc(DVec3::Z, DVec3::Y)),
                });
            }
            metal_volume -= spots.len() as f64 * melee.pavilion_volume();
            carats += spots.len() as f64 * round_carats(m);
            gems.push(gem);
            gems.push(melee);
        } else {
            gems.push(gem);
        }
        stones.insert(0, Placed { gem: 0, transform: place });
    }
    if spec.pave {
        // Melee as large as the band allows with a 0.6 mm bead of metal each side (domain.md's
        // smallest prong), at most 1.5 mm, across the top third of the ring; the head's place
        // is left to the head.
        let m = (b.width_mm - 2.0 * MIN_PRONG_MM).min(1.5);
        if m < 0.8 {
            problems.push(Problem {
                code: "stone-wider-than-band",
                parameter: "width_mm",
                message: format!(
                    "a pavé row needs stones of at least 0.8 mm with 0.6 mm of metal each side: make the band {:.1} mm wide or more",
                    0.8 + 2.0 * MIN_PRONG_MM
                ),
            });
        } else {
            let melee = Gem::with_width(Cut::Round, m);
            let r = b.outer_radius();
            let step = (m + 0.15) / r;
            let head_half = match spec.stone {
                Some(_) => gems.first().map(|g: &Gem| (g.width_mm / 2.0 + 0.6 + m / 2.0) / r).unwrap_or(0.0),
                None => 0.0,
            };
            let third = PI / 3.0;
            let mut angles = Vec::new();
            let mut a = if head_half > 0.0 { head_half } else { 0.0 };
            while a <= third {
                angles.push(a);
                if a > 0.0 {
                    angles.push(-a);
                }
                a += step;
            }
            let mi = gems.len();
            for a in &angles {
                let t = PI / 2.0 + a;
                let dir = DVec3::new(t.cos(), t.sin(), 0.0);
                // The table out along the radius, the girdle on the band's surface.
                let transform =
                    DAffine3::from_translation(dir * r) * DAffine3::from_quat(DQuat::from_rotation_arc(DVec3::Z, dir));
                stones.push(Placed { gem: mi, transform });
            }
            metal_volume -= angles.len() as f64 * melee.pavilion_volume();
            carats += angles.len() as f64 * round_carats(m);
            gems.push(melee);
        }
    }
    let mesh_volume_mm3 = if band_mesh { metal.volume() } else { 0.0 };
    Ok(Piece { metal, gems, stones, mesh_volume_mm3, metal_volume_mm3: metal_volume, carats, problems })
}

/// A signet's table: the outline extruded from the band's surface (its foot narrowed to the
/// band's width along the finger, sunk `SEAT_MM` into it) up to a flat face `thickness` above the
/// band's top. Closed by a fan on each face.
fn signet(b: &Band, t: &Top) -> Mesh {
    let unit = t.shape.outline();
    let ratio = t.shape.ratio();
    let top = b.outer_radius();
    let surface = |x: f64| (top * top - x * x).max(0.0).sqrt();
    let taper = ((b.width_mm / 2.0) / (t.length_mm / 2.0)).min(1.0);
    // Outline x (length) → ring Z, y (width) → ring X.
    let face_y = top + t.thickness_mm;
    let ring_at = |foot: bool| -> Vec<DVec3> {
        unit.iter()
            .map(|&(x, y)| {
                let (z, x) = (x / ratio * t.length_mm, y * t.width_mm);
                if foot {
                    DVec3::new(x, surface(x) - SEAT_MM, z * taper)
                } else {
                    DVec3::new(x, face_y, z)
                }
            })
            .collect()
    };
    let (foot, face) = (ring_at(true), ring_at(false));
    let n = foot.len() as u32;
    let mut positions = foot;
    positions.extend(face);
    positions.push(DVec3::new(0.0, top - SEAT_MM, 0.0));
    positions.push(DVec3::new(0.0, face_y, 0.0));
    let (foot_c, face_c) = (2 * n, 2 * n + 1);
    let mut triangles = Vec::new();
    for i in 0..n {
        let j = (i + 1) % n;
        triangles.push([i, j, n + j]);
        triangles.push([i, n + j, n + i]);
        triangles.push([foot_c, j, i]);
        triangles.push([face_c, n + i, n + j]);
    }
    Mesh { positions, triangles }.orient_outward()
}

/// The narrowest foot a head may have, as a fraction of the stone's length along the finger:
/// below it the head stands on a needle. A drawing rule of ours, not a trade figure.
const MIN_FOOT: f64 = 0.1;

fn wider_than_band(gem: &Gem, band: f64, needed: f64) -> Problem {
    Problem {
        code: "stone-wider-than-band",
        parameter: "width_mm",
        message: format!(
            "a {:.1} mm {} is too long for a {band:.1} mm band: its head cannot stand on it — make the band {:.1} mm wide or more, or choose a smaller stone",
            gem.length_mm,
            gem.cut,
            // Rounded up to the tenth, so the advice always suffices.
            (needed * 10.0 - 1e-9).ceil() / 10.0
        ),
    }
}

/// The carats of a round brilliant `d` mm wide (domain.md: D² × depth × 0.0061, depth 59.3 %).
fn round_carats(d: f64) -> f64 {
    Gem::with_width(Cut::Round, d).carats(3.52)
}

/// Points every `step` mm along a closed polyline, as many as fit evenly.
fn along(loop_: &[DVec3], step: f64) -> Vec<DVec3> {
    let n = loop_.len();
    let lens: Vec<f64> = (0..n).map(|i| (loop_[(i + 1) % n] - loop_[i]).length()).collect();
    let total: f64 = lens.iter().sum();
    let count = (total / step).floor().max(1.0) as usize;
    let step = total / count as f64;
    let mut out = Vec::with_capacity(count);
    // Walk the segments once: `start` is the length along the loop where segment `seg` begins.
    let (mut seg, mut start) = (0usize, 0.0);
    for k in 0..count {
        let want = k as f64 * step;
        while start + lens[seg] < want && seg + 1 < n {
            start += lens[seg];
            seg += 1;
        }
        let t = (want - start) / lens[seg].max(1e-12);
        out.push(loop_[seg].lerp(loop_[(seg + 1) % n], t));
    }
    out
}

/// tan(34.5°): the crown's slope, so a lip of 0.3 mm over it rises by 0.3 × this.
const CROWN_SLOPE: f64 = 0.687;

/// Outward unit normals at each vertex of a counter-clockwise outline.
fn outline_normals(p: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let n = p.len();
    (0..n)
        .map(|i| {
            let (a, c) = (p[(i + n - 1) % n], p[(i + 1) % n]);
            let (tx, ty) = (c.0 - a.0, c.1 - a.1);
            let l = tx.hypot(ty).max(1e-12);
            (ty / l, -tx / l)
        })
        .collect()
}

/// A closed shell through rings of equal length, each ring a closed loop; the rings themselves
/// form a closed loop of sections (a torus-like tube, as a bezel's wall).
fn loft(rings: &[Vec<DVec3>]) -> Mesh {
    let (m, n) = (rings.len(), rings[0].len());
    let positions: Vec<DVec3> = rings.iter().flatten().copied().collect();
    let mut triangles = Vec::with_capacity(2 * m * n);
    for r in 0..m {
        let s = (r + 1) % m;
        for i in 0..n {
            let j = (i + 1) % n;
            let (a, b, c, d) = ((r * n + i) as u32, (r * n + j) as u32, (s * n + j) as u32, (s * n + i) as u32);
            triangles.push([a, b, c]);
            triangles.push([a, c, d]);
        }
    }
    Mesh { positions, triangles }.orient_outward()
}

/// A closed round tube of `radius` along a polyline, capped flat at the start and with a cone
/// at the end (a prong's tip).
fn tube(path: &[DVec3], radius: f64) -> Mesh {
    const SIDES: usize = 10;
    let mut positions = Vec::new();
    for (k, &p) in path.iter().enumerate() {
        let dir = if k == 0 {
            path[1] - path[0]
        } else if k == path.len() - 1 {
            path[k] - path[k - 1]
        } else {
            (path[k + 1] - path[k]).normalize() + (path[k] - path[k - 1]).normalize()
        }
        .normalize();
        let u = dir.any_orthonormal_vector();
        let v = dir.cross(u);
        for i in 0..SIDES {
            let a = 2.0 * PI * i as f64 / SIDES as f64;
            positions.push(p + radius * (a.cos() * u + a.sin() * v));
        }
    }
    let last = *path.last().unwrap();
    let end_dir = (last - path[path.len() - 2]).normalize();
    positions.push(path[0]);
    positions.push(last + end_dir * radius);
    let (start, end) = ((positions.len() - 2) as u32, (positions.len() - 1) as u32);
    let mut triangles = Vec::new();
    let n = SIDES as u32;
    for r in 0..path.len() as u32 - 1 {
        for i in 0..n {
            let j = (i + 1) % n;
            let (a, b, c, d) = (r * n + i, r * n + j, (r + 1) * n + j, (r + 1) * n + i);
            triangles.push([a, b, c]);
            triangles.push([a, c, d]);
        }
    }
    let top = (path.len() as u32 - 1) * n;
    for i in 0..n {
        let j = (i + 1) % n;
        triangles.push([start, j, i]);
        triangles.push([end, top + i, top + j]);
    }
    Mesh { positions, triangles }.orient_outward()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::band::Profile;

    fn spec(setting: Setting, cut: Cut) -> RingSpec {
        RingSpec {
            band: Band { inner_circumference_mm: 54.42, width_mm: 2.2, thickness_mm: 1.6, profile: Profile::DShape },
            stone: Some(StoneSpec { cut, size: StoneSize::Carat(0.5), specific_gravity: 3.52, setting }),
            pave: false,
            top: None,
            min_wall_mm: 0.6,
        }
    }

    #[test]
    fn every_setting_and_cut_gives_closed_shells() {
        for &s in Setting::ALL {
            for &c in Cut::ALL {
                let r = ring(&spec(s, c)).unwrap();
                assert_eq!(r.metal.check_closed(), Ok(()), "{s} {c}");
                let seats = r.metal.volume() - r.metal_volume_mm3;
                if s == Setting::Halo {
                    // The frame's melee: instances of one mesh, their seats drilled out.
                    assert!(r.stones.len() > 10 && r.gems.len() == 2, "{s} {c}: {} stones", r.stones.len());
                    assert!(r.stones[1..].iter().all(|p| p.gem == 1));
                    let per = r.gems[1].pavilion_volume();
                    assert!((seats - per * (r.stones.len() - 1) as f64).abs() < 1e-9, "{s} {c}");
                    assert!(r.carats > 0.5 + 0.02, "{s} {c}: melee carats count ({})", r.carats);
                } else {
                    assert_eq!(r.stones.len(), 1);
                    assert!(seats.abs() < 1e-9 && (r.carats - 0.5).abs() < 1e-12, "{s} {c}");
                }
                assert_eq!(r.stones[0].gem, 0, "the centre stone comes first");
            }
        }
    }

    #[test]
    fn the_stone_sits_above_the_band_and_in_the_prongs() {
        let r = ring(&spec(Setting::FourProng, Cut::Round)).unwrap();
        let band_top = 54.42 / (2.0 * PI) + 1.6;
        let stone = r.gems[0].mesh.map(|p| r.stones[0].transform.transform_point3(p));
        let (lo, hi) = stone.bounds();
        assert!(lo.y > band_top, "the culet clears the band: {} > {band_top}", lo.y);
        let (_, metal_hi) = r.metal.bounds();
        assert!(metal_hi.y > hi.y - r.gems[0].crown_mm, "prongs reach over the girdle");
    }

    #[test]
    fn a_stone_too_long_for_the_band_is_reported() {
        for &setting in Setting::ALL {
            let mut s = spec(setting, Cut::Marquise);
            s.stone.as_mut().unwrap().size = StoneSize::Carat(3.0);
            s.band.width_mm = 1.2;
            let r = ring(&s).unwrap();
            let p = r.problems.iter().find(|p| p.code == "stone-wider-than-band").expect("reported");
            assert_eq!(p.parameter, "width_mm");
            assert!(p.message.contains("too long for a 1.2 mm band"), "{}", p.message);
            // The default solitaire is fine, and every head stands inside the band's width
            // (its lowest points are its feet).
            let ok = ring(&spec(setting, Cut::Round)).unwrap();
            assert!(ok.problems.is_empty(), "{:?}", ok.problems);
            let band_top = 54.42 / (2.0 * PI) + 1.6;
            for p in ok.metal.positions.iter().filter(|p| p.y > band_top - 0.5 && p.y < band_top) {
                assert!(p.z.abs() <= 1.1 + 1e-9, "{setting}: a foot at z = {}", p.z);
            }
        }
    }

    #[test]
    fn a_pave_row_sits_in_the_band_around_the_head() {
        let mut s = spec(Setting::FourProng, Cut::Round);
        s.pave = true;
        let r = ring(&s).unwrap();
        let row: Vec<_> = r.stones.iter().filter(|p| p.gem == 1).collect();
        assert!(row.len() >= 10, "{} stones", row.len());
        let m = r.gems[1].width_mm;
        assert!((m - 1.0).abs() < 1e-9, "2.2 mm band less 0.6 mm each side: {m}");
        let top = 54.42 / (2.0 * PI) + 1.6;
        for p in &row {
            let c = p.transform.transform_point3(DVec3::ZERO);
            assert!((c.truncate().length() - top).abs() < 1e-9, "girdles on the band's surface");
            assert!(c.y > top * 0.45, "in the top third");
            assert!(c.x.abs() > r.gems[0].width_mm / 2.0, "clear of the head");
        }
        assert!((r.metal.volume() - r.metal_volume_mm3 - row.len() as f64 * r.gems[1].pavilion_volume()).abs() < 1e-9);
        // Too narrow a band for a row: reported.
        s.band.width_mm = 1.8;
        let narrow = ring(&s).unwrap();
        assert!(narrow.problems.iter().any(|p| p.code == "stone-wider-than-band" && p.message.contains("pavé")));
    }

    #[test]
    fn a_signet_table_is_closed_and_stands_on_the_band() {
        for shape in [Cut::Round, Cut::Oval, Cut::Cushion] {
            let mut s = spec(Setting::FourProng, Cut::Round);
            s.stone = None;
            s.band.width_mm = 4.0;
            s.top = Some(Top { shape, width_mm: 10.0, length_mm: 12.0, thickness_mm: 2.0 });
            let r = ring(&s).unwrap();
            assert_eq!(r.metal.check_closed(), Ok(()), "{shape}");
            let band = ring(&RingSpec { top: None, ..s.clone() }).unwrap();
            let table = r.metal_volume_mm3 - band.metal_volume_mm3;
            // Roughly the outline's area × (thickness + the band's curvature under it).
            let area = match shape {
                Cut::Round | Cut::Oval => PI / 4.0 * 10.0 * 12.0,
                _ => 10.0 * 12.0 * 0.9,
            };
            assert!(table > area * 2.0 * 0.7 && table < area * 2.8, "{shape}: {table} mm³ for {area} mm² × 2 mm");
            let top_y = 54.42 / (2.0 * PI) + 1.6 + 2.0;
            let (_, hi) = r.metal.bounds();
            assert!((hi.y - top_y).abs() < 1e-9, "a flat face 2 mm above the band");
        }
        let mut both = spec(Setting::FourProng, Cut::Round);
        both.top = Some(Top { shape: Cut::Oval, width_mm: 10.0, length_mm: 12.0, thickness_mm: 2.0 });
        assert!(ring(&both).unwrap_err().to_string().contains("either a signet table or a stone's head"));
    }

    #[test]
    fn points_along_a_loop_are_evenly_spaced() {
        // A 4 × 4 square: 16 mm round; a 1.1 mm step fits 14 points, 16/14 mm apart.
        let sq = [DVec3::ZERO, DVec3::new(4.0, 0.0, 0.0), DVec3::new(4.0, 4.0, 0.0), DVec3::new(0.0, 4.0, 0.0)];
        let p = along(&sq, 1.1);
        assert_eq!(p.len(), 14);
        let gap = 16.0 / 14.0;
        for w in p.windows(2) {
            let d = (w[1] - w[0]).length();
            // Across a corner the chord is shorter than the path.
            assert!(d <= gap + 1e-9 && d > gap / 2f64.sqrt() - 1e-9, "{d}");
        }
        assert_eq!(p[0], DVec3::ZERO);
        assert!((p[7] - DVec3::new(4.0, 4.0, 0.0)).length() < 1e-9, "halfway round is the opposite corner");
    }

    #[test]
    fn thin_walls_are_reported_with_the_thickness_to_choose() {
        let mut s = spec(Setting::Bezel, Cut::Round);
        s.band.thickness_mm = 0.9;
        s.min_wall_mm = 1.0;
        let r = ring(&s).unwrap();
        let p = r.problems.iter().find(|p| p.code == "wall").expect("a wall problem");
        assert_eq!(p.parameter, "thickness_mm");
        assert!(p.message.contains("1.00 mm thick or more"), "{}", p.message);
        let f = figures(&s).unwrap();
        assert_eq!(f.problems, r.problems);
        assert!(
            (f.metal_volume_mm3 - r.metal_volume_mm3).abs() < 1e-9 * r.metal_volume_mm3,
            "figures without the band mesh are the mesh's"
        );
    }
}
