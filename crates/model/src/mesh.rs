//! Triangle meshes in millimetres: closed, consistently oriented shells.
//!
//! Positions are `f64` while the geometry is built and measured (volumes to well under a cubic
//! micrometre); the file writers round them to `f32`. Triangles wind counter-clockwise seen from
//! outside, so the signed volume of a closed shell is positive.

use glam::DVec3;
use std::collections::HashMap;

/// A triangle mesh: one or more closed shells.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Mesh {
    pub positions: Vec<DVec3>,
    pub triangles: Vec<[u32; 3]>,
}

/// Why a mesh is not a closed, oriented 2-manifold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Defect {
    /// An edge used by one triangle only: a hole.
    Boundary { a: u32, b: u32 },
    /// An edge used by more than two triangles, or twice in the same direction (a flipped face).
    NonManifold { a: u32, b: u32, uses: usize },
    /// A triangle with no area (two corners the same).
    Degenerate { triangle: usize },
}

impl Mesh {
    /// Appends another mesh's triangles as a separate shell.
    pub fn append(&mut self, other: &Mesh) {
        let base = self.positions.len() as u32;
        self.positions.extend_from_slice(&other.positions);
        self.triangles.extend(other.triangles.iter().map(|t| [t[0] + base, t[1] + base, t[2] + base]));
    }

    /// A copy with every position mapped through `f` (a rigid motion or a uniform scale keeps it
    /// closed and oriented; a mirror would flip it).
    pub fn map(&self, f: impl Fn(DVec3) -> DVec3) -> Mesh {
        Mesh { positions: self.positions.iter().map(|p| f(*p)).collect(), triangles: self.triangles.clone() }
    }

    fn corners(&self, t: [u32; 3]) -> [DVec3; 3] {
        [self.positions[t[0] as usize], self.positions[t[1] as usize], self.positions[t[2] as usize]]
    }

    /// Signed volume in mm³ (divergence theorem: the sum of the tetrahedra from the origin).
    pub fn volume(&self) -> f64 {
        self.triangles
            .iter()
            .map(|&t| {
                let [a, b, c] = self.corners(t);
                a.dot(b.cross(c))
            })
            .sum::<f64>()
            / 6.0
    }

    /// Surface area in mm².
    pub fn area(&self) -> f64 {
        self.triangles
            .iter()
            .map(|&t| {
                let [a, b, c] = self.corners(t);
                (b - a).cross(c - a).length() / 2.0
            })
            .sum()
    }

    /// The axis-aligned bounds, `(min, max)`.
    pub fn bounds(&self) -> (DVec3, DVec3) {
        let mut lo = DVec3::splat(f64::INFINITY);
        let mut hi = DVec3::splat(f64::NEG_INFINITY);
        for p in &self.positions {
            lo = lo.min(*p);
            hi = hi.max(*p);
        }
        (lo, hi)
    }

    /// Checks that every edge is shared by exactly two triangles, once in each direction, and
    /// that no triangle is degenerate: each shell is closed (watertight) and oriented.
    pub fn check_closed(&self) -> Result<(), Defect> {
        let mut uses: HashMap<(u32, u32), (usize, usize)> = HashMap::with_capacity(self.triangles.len() * 3 / 2);
        for (i, t) in self.triangles.iter().enumerate() {
            if t[0] == t[1] || t[1] == t[2] || t[0] == t[2] {
                return Err(Defect::Degenerate { triangle: i });
            }
            for k in 0..3 {
                let (a, b) = (t[k], t[(k + 1) % 3]);
                let e = uses.entry((a.min(b), a.max(b))).or_default();
                if a < b {
                    e.0 += 1;
                } else {
                    e.1 += 1;
                }
            }
        }
        for (&(a, b), &(f, r)) in &uses {
            match (f, r) {
                (1, 1) => {}
                (1, 0) | (0, 1) => return Err(Defect::Boundary { a, b }),
                _ => return Err(Defect::NonManifold { a, b, uses: f + r }),
            }
        }
        Ok(())
    }

    /// Winds the mesh outward: flips every triangle when its signed volume is negative. For a
    /// closed shell built by index arithmetic whose winding depends on the input's orientation.
    pub fn orient_outward(mut self) -> Mesh {
        if self.volume() < 0.0 {
            for t in &mut self.triangles {
                t.swap(1, 2);
            }
        }
        self
    }

    /// Unit face normal of triangle `i` (zero for a degenerate one).
    pub fn face_normal(&self, i: usize) -> DVec3 {
        let [a, b, c] = self.corners(self.triangles[i]);
        (b - a).cross(c - a).normalize_or_zero()
    }
}

/// A mesh ready to draw: vertices split where the surface has a crease, each with a smooth
/// normal averaged over the faces that meet it without a crease.
#[derive(Debug, Clone, Default)]
pub struct RenderMesh {
    pub positions: Vec<[f32; 3]>,
    pub normals: Vec<[f32; 3]>,
    pub indices: Vec<u32>,
}

impl RenderMesh {
    /// Splits `mesh` at edges sharper than `crease_deg` (0 gives faceted shading, as on a cut
    /// stone; 40° keeps a band's sweep smooth and its profile's corners sharp).
    pub fn new(mesh: &Mesh, crease_deg: f64) -> RenderMesh {
        let cos = crease_deg.to_radians().cos();
        let face: Vec<DVec3> = (0..mesh.triangles.len()).map(|i| mesh.face_normal(i)).collect();
        let area: Vec<f64> = mesh
            .triangles
            .iter()
            .map(|t| {
                let [a, b, c] = mesh.corners(*t);
                (b - a).cross(c - a).length()
            })
            .collect();
        let mut around: Vec<Vec<usize>> = vec![Vec::new(); mesh.positions.len()];
        for (i, t) in mesh.triangles.iter().enumerate() {
            for v in t {
                around[*v as usize].push(i);
            }
        }
        let mut out = RenderMesh::default();
        let mut seen: HashMap<(u32, [i32; 3]), u32> = HashMap::new();
        for (i, t) in mesh.triangles.iter().enumerate() {
            for &v in t {
                let mut n = DVec3::ZERO;
                for &j in &around[v as usize] {
                    if face[j].dot(face[i]) >= cos - 1e-9 {
                        n += face[j] * area[j];
                    }
                }
                let n = n.normalize_or(face[i]);
                let key = (v, [(n.x * 1e4) as i32, (n.y * 1e4) as i32, (n.z * 1e4) as i32]);
                let idx = *seen.entry(key).or_insert_with(|| {
                    let p = mesh.positions[v as usize];
                    out.positions.push([p.x as f32, p.y as f32, p.z as f32]);
                    out.normals.push([n.x as f32, n.y as f32, n.z as f32]);
                    out.positions.len() as u32 - 1
                });
                out.indices.push(idx);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A unit cube, outward winding.
    pub(crate) fn cube() -> Mesh {
        let p = (0..8).map(|i| DVec3::new((i & 1) as f64, ((i >> 1) & 1) as f64, ((i >> 2) & 1) as f64)).collect();
        let quads = [[0, 2, 3, 1], [4, 5, 7, 6], [0, 1, 5, 4], [2, 6, 7, 3], [0, 4, 6, 2], [1, 3, 7, 5]];
        let triangles = quads.iter().flat_map(|q| [[q[0], q[1], q[2]], [q[0], q[2], q[3]]]).collect();
        Mesh { positions: p, triangles }
    }

    #[test]
    fn a_cube_is_closed_with_volume_one() {
        let c = cube();
        assert_eq!(c.check_closed(), Ok(()));
        assert!((c.volume() - 1.0).abs() < 1e-12);
        assert!((c.area() - 6.0).abs() < 1e-12);
        let moved = c.map(|p| p * 2.0 + DVec3::new(5.0, -3.0, 1.0));
        assert!((moved.volume() - 8.0).abs() < 1e-9, "volume does not depend on the origin");
    }

    #[test]
    fn defects_are_found() {
        let mut open = cube();
        open.triangles.pop();
        assert!(matches!(open.check_closed(), Err(Defect::Boundary { .. })));
        let mut flipped = cube();
        flipped.triangles[0].swap(1, 2);
        assert!(matches!(flipped.check_closed(), Err(Defect::NonManifold { .. })));
        let mut degenerate = cube();
        degenerate.triangles[0][1] = degenerate.triangles[0][0];
        assert!(matches!(degenerate.check_closed(), Err(Defect::Degenerate { triangle: 0 })));
    }

    #[test]
    fn render_mesh_splits_a_cube_at_its_edges() {
        let r = RenderMesh::new(&cube(), 40.0);
        assert_eq!(r.positions.len(), 24, "each corner split into its three faces");
        assert_eq!(r.indices.len(), 36);
        let smooth = RenderMesh::new(&cube(), 100.0);
        assert_eq!(smooth.positions.len(), 8, "no crease below 100°");
    }
}
