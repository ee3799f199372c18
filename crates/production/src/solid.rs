//! The 3D files of a parametric piece, for casting or printing: STL and 3MF of the metal, the
//! 3MF's object and build item carrying the job as their part number.

use crate::JobError;
use orfevre_catalog::Catalog;
use orfevre_engine::Evaluation;
use orfevre_model::export;

/// A parametric piece built from the evaluation's geometry, and its figures.
pub struct Solid {
    pub stl: Vec<u8>,
    pub threemf: Vec<u8>,
    /// The metal's density, g/cm³.
    pub density: f64,
    /// Carats of every stone the piece holds.
    pub carats: f64,
    /// Stones placed (the centre stone and any melee).
    pub stones: usize,
}

/// The solid of a design whose evaluation resolved a geometry (rings); `None` for pieces made of
/// catalog components.
pub fn build(cat: &Catalog, ev: &Evaluation, job: &str) -> Result<Option<Solid>, JobError> {
    let Some(g) = &ev.geometry else { return Ok(None) };
    let piece = orfevre_model::ring(&g.ring).map_err(|e| JobError::Model(e.to_string()))?;
    if let Some(p) = piece.problems.first() {
        return Err(JobError::Model(p.message.clone()));
    }
    let density = cat
        .metal(&g.metal)
        .map(|m| cat.metals[m as usize].density.to_string().parse::<f64>().unwrap_or(0.0))
        .ok_or_else(|| JobError::Model(format!("the metal {} is not in the catalog", g.metal)))?;
    Ok(Some(Solid {
        stl: export::stl(&piece),
        threemf: fixed_dates(&export::threemf_part(&piece, Some(job))),
        density,
        carats: piece.carats,
        stones: piece.stones.len(),
    }))
}

/// The volume enclosed by a binary STL, mm³, read back from its bytes (the divergence theorem
/// over its triangles): what the caster's software will weigh.
pub fn stl_volume(stl: &[u8]) -> Result<f64, String> {
    let mesh = stl_io::read_stl(&mut std::io::Cursor::new(stl)).map_err(|e| format!("the STL does not read: {e}"))?;
    let mut six_v = 0.0_f64;
    for f in &mesh.faces {
        let [a, b, c] = f.vertices.map(|i| mesh.vertices[i].0.map(f64::from));
        six_v += a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0])
            + a[2] * (b[0] * c[1] - b[1] * c[0]);
    }
    Ok(six_v / 6.0)
}

/// A zip's entries rewritten with a fixed date (the 3MF writer stamps the time of day), so the
/// same design gives the same bytes.
fn fixed_dates(zipped: &[u8]) -> Vec<u8> {
    let Ok(mut src) = zip::ZipArchive::new(std::io::Cursor::new(zipped)) else { return zipped.to_vec() };
    let mut files = Vec::with_capacity(src.len());
    for i in 0..src.len() {
        let Ok(mut f) = src.by_index(i) else { return zipped.to_vec() };
        let mut bytes = Vec::new();
        if std::io::Read::read_to_end(&mut f, &mut bytes).is_err() {
            return zipped.to_vec();
        }
        let Ok(name) = f.name().map(|n| n.to_string()) else { return zipped.to_vec() };
        files.push((name, bytes));
    }
    crate::bag::pack(&files)
}
