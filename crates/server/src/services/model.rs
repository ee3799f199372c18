//! The viewer's 3D model of a design: a GLB built by `orfevre-model` from the geometry the
//! engine resolved (the band at the exact size, the stone, the head), with the catalog's metal
//! and stone looks.

use orfevre_engine::{Design, Engine};
use orfevre_model::export::{self, GemLook, MetalLook};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The base has no 3D model, or its geometry cannot be built.
    #[error("{0}")]
    NoModel(String),
    #[error("the model builder failed: {0}")]
    Broken(String),
}

/// A built model: the GLB, the metal's volume (mm³) and the mesh's triangle count.
pub struct Model {
    pub glb: Vec<u8>,
    pub metal_volume_mm3: f64,
    pub triangles: usize,
}

/// The GLB of a design and its figures, off the async workers (a ring takes a few ms).
pub async fn build(e: Arc<Engine>, d: Design) -> Result<Model, ModelError> {
    tokio::task::spawn_blocking(move || {
        let ev = e.evaluate(&d);
        let Some(g) = ev.geometry else {
            return Err(ModelError::NoModel(format!(
                "base {} has no 3D model: the viewer shows rings built from a band",
                d.base
            )));
        };
        let piece = orfevre_model::ring(&g.ring).map_err(|err| ModelError::NoModel(err.to_string()))?;
        let gem = match &g.stone {
            Some((_, species, ior)) => GemLook::for_species(species, ior.to_string().parse().unwrap_or(1.5)),
            None => GemLook::for_species("", 1.5),
        };
        let glb = export::glb(&piece, &MetalLook::for_metal(&g.metal), &gem);
        Ok(Model { glb, metal_volume_mm3: piece.metal_volume_mm3, triangles: piece.triangles() })
    })
    .await
    .map_err(|e| ModelError::Broken(e.to_string()))?
}
