//! Files: GLB for the viewer, STL and 3MF for casting and printing.
//!
//! **GLB** (glTF 2.0, binary): Y up, metres are *not* used — one unit is one millimetre, and the
//! root node scales by 0.001 so viewers that assume metres show the true size. Attributes are
//! quantised (`KHR_mesh_quantization`: positions as 16-bit integers dequantised by their node's
//! scale and translation, normals as 8-bit normalised), and each stone mesh is stored once and
//! instanced by nodes, so a row of stones costs a node each. Metals are PBR with metallic 1;
//! stones use `KHR_materials_transmission`, `_volume`, `_ior` and `_dispersion`.
//!
//! **STL** (binary) and **3MF** (core, millimetres) hold the metal only: stones are set after
//! casting. Both are in the ring's frame (mm, finger axis Z, top +Y).

use crate::mesh::{Mesh, RenderMesh};
use crate::ring::Piece;
use gltf_json as json;
use json::validation::Checked::Valid;
use json::validation::USize64;
use std::collections::BTreeMap;
use std::io::Cursor;

/// How a metal looks: linear RGB reflectance at normal incidence and roughness.
#[derive(Debug, Clone, PartialEq)]
pub struct MetalLook {
    pub name: String,
    pub base_color: [f32; 3],
    pub roughness: f32,
}

/// How a stone looks.
#[derive(Debug, Clone, PartialEq)]
pub struct GemLook {
    pub name: String,
    pub ior: f32,
    /// `KHR_materials_dispersion`'s value (20 / Abbe number), where known.
    pub dispersion: Option<f32>,
    /// The colour light takes after travelling `attenuation_mm` through the stone (sapphire
    /// blue, ruby red); `None` for a colourless stone.
    pub attenuation: Option<([f32; 3], f32)>,
}

impl MetalLook {
    /// The look of a metal from its catalog id: measured reflectances from domain.md for gold,
    /// silver and platinum; white and rose gold have no measured source and are blends (white:
    /// ¾ platinum ¼ gold, as rhodium-plated white gold reads; rose: ⅗ gold ⅖ copper).
    pub fn for_metal(id: &str) -> MetalLook {
        const GOLD: [f32; 3] = [1.000, 0.710, 0.315];
        const SILVER: [f32; 3] = [0.987, 0.983, 0.967];
        const PLATINUM: [f32; 3] = [0.960, 0.932, 0.826];
        const COPPER: [f32; 3] = [1.000, 0.650, 0.527];
        let mix = |a: [f32; 3], b: [f32; 3], t: f32| {
            [a[0] * (1.0 - t) + b[0] * t, a[1] * (1.0 - t) + b[1] * t, a[2] * (1.0 - t) + b[2] * t]
        };
        let base_color = if id.contains("white") {
            mix(PLATINUM, GOLD, 0.25)
        } else if id.contains("rose") {
            mix(GOLD, COPPER, 0.4)
        } else if id.contains("silver") {
            SILVER
        } else if id.contains("platinum") {
            PLATINUM
        } else {
            GOLD
        };
        MetalLook { name: id.to_string(), base_color, roughness: 0.12 }
    }
}

impl GemLook {
    /// The look of a stone from its species and refractive index (domain.md: diamond's
    /// dispersion 0.36 in glTF's terms; moissanite's 0.104 B–G dispersion is 2.4 × diamond's, so
    /// 0.85; coloured corundum and emerald tint through the volume).
    pub fn for_species(species: &str, ior: f32) -> GemLook {
        let (dispersion, attenuation) = match species {
            "diamond" => (Some(0.36), None),
            "moissanite" => (Some(0.36 * 0.104 / 0.044), None),
            "sapphire" => (None, Some(([0.15, 0.3, 0.9], 3.0))),
            "ruby" => (None, Some(([0.9, 0.1, 0.2], 3.0))),
            "emerald" => (None, Some(([0.1, 0.8, 0.35], 3.0))),
            _ => (None, None),
        };
        GemLook { name: species.to_string(), ior, dispersion, attenuation }
    }
}

/// Builds the GLB bytes of a ring.
pub fn glb(ring: &Piece, metal: &MetalLook, gem: &GemLook) -> Vec<u8> {
    let mut root = json::Root {
        asset: json::Asset { generator: Some("orfevre-model".into()), version: "2.0".into(), ..Default::default() },
        extensions_used: vec!["KHR_mesh_quantization".into()],
        extensions_required: vec!["KHR_mesh_quantization".into()],
        ..Default::default()
    };
    let mut bin: Vec<u8> = Vec::new();

    let metal_mat = root.push(json::Material {
        name: Some(metal.name.clone()),
        pbr_metallic_roughness: json::material::PbrMetallicRoughness {
            base_color_factor: json::material::PbrBaseColorFactor([
                metal.base_color[0],
                metal.base_color[1],
                metal.base_color[2],
                1.0,
            ]),
            metallic_factor: json::material::StrengthFactor(1.0),
            roughness_factor: json::material::StrengthFactor(metal.roughness),
            ..Default::default()
        },
        ..Default::default()
    });
    // The metal, then each distinct stone mesh once.
    let metal_mesh = push_mesh(&mut root, &mut bin, "metal", &ring.metal, 40.0, metal_mat);
    let gem_mat = if ring.gems.is_empty() { None } else { Some(gem_material(&mut root, ring, gem)) };
    let gem_meshes: Vec<_> = ring
        .gems
        .iter()
        .enumerate()
        .map(|(i, g)| {
            push_mesh(&mut root, &mut bin, &format!("stone {i}"), &g.mesh, 0.0, gem_mat.expect("a stone material"))
        })
        .collect();

    // Each node draws a mesh through its dequantisation (translation + uniform scale); a stone's
    // node composes it with the stone's placement, so a row of stones shares one mesh.
    let dequant = |centre: [f32; 3], step: f32| {
        glam::DMat4::from_scale_rotation_translation(
            glam::DVec3::splat(step as f64),
            glam::DQuat::IDENTITY,
            glam::Vec3::from(centre).as_dvec3(),
        )
    };
    let metal_node = root.push(json::Node {
        name: Some("metal".into()),
        mesh: Some(metal_mesh.0),
        translation: Some(metal_mesh.1),
        scale: Some([metal_mesh.2; 3]),
        ..Default::default()
    });
    let mut children = vec![metal_node];
    for (k, s) in ring.stones.iter().enumerate() {
        let (mesh, centre, step) = gem_meshes[s.gem];
        let m = (glam::DMat4::from(s.transform) * dequant(centre, step)).as_mat4().to_cols_array();
        let node = root.push(json::Node {
            name: Some(format!("stone {k}")),
            matrix: Some(m),
            mesh: Some(mesh),
            ..Default::default()
        });
        children.push(node);
    }
    let top = root.push(json::Node {
        name: Some("ring".into()),
        scale: Some([0.001; 3]),
        children: Some(children),
        ..Default::default()
    });
    let scene = root.push(json::Scene { nodes: vec![top], name: None, extensions: None, extras: Default::default() });
    root.scene = Some(scene);

    while bin.len() % 4 != 0 {
        bin.push(0);
    }
    root.buffers.push(json::Buffer {
        byte_length: USize64(bin.len() as u64),
        name: None,
        uri: None,
        extensions: None,
        extras: Default::default(),
    });
    let mut text = root.to_vec().expect("glTF JSON");
    while text.len() % 4 != 0 {
        text.push(b' ');
    }
    let total = 12 + 8 + text.len() + 8 + bin.len();
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(b"glTF");
    out.extend_from_slice(&2u32.to_le_bytes());
    out.extend_from_slice(&(total as u32).to_le_bytes());
    out.extend_from_slice(&(text.len() as u32).to_le_bytes());
    out.extend_from_slice(b"JSON");
    out.extend_from_slice(&text);
    out.extend_from_slice(&(bin.len() as u32).to_le_bytes());
    out.extend_from_slice(b"BIN\0");
    out.extend_from_slice(&bin);
    out
}

/// Adds a quantised mesh; returns its index and its dequantisation (translation, uniform scale).
fn push_mesh(
    root: &mut json::Root,
    bin: &mut Vec<u8>,
    name: &str,
    mesh: &Mesh,
    crease_deg: f64,
    material: json::Index<json::Material>,
) -> (json::Index<json::Mesh>, [f32; 3], f32) {
    let r = RenderMesh::new(mesh, crease_deg);
    let (mut lo, mut hi) = ([f32::INFINITY; 3], [f32::NEG_INFINITY; 3]);
    for p in &r.positions {
        for k in 0..3 {
            lo[k] = lo[k].min(p[k]);
            hi[k] = hi[k].max(p[k]);
        }
    }
    let centre: [f32; 3] = std::array::from_fn(|k| (lo[k] + hi[k]) / 2.0);
    // One step for all axes keeps the dequantisation a uniform scale.
    let step = (0..3).map(|k| (hi[k] - lo[k]) / 2.0).fold(1e-6f32, f32::max) / 32767.0;
    let view = |root: &mut json::Root, bin: &mut Vec<u8>, bytes: &[u8], stride: Option<usize>, target| {
        while bin.len() % 4 != 0 {
            bin.push(0);
        }
        let offset = bin.len();
        bin.extend_from_slice(bytes);
        root.push(json::buffer::View {
            buffer: json::Index::new(0),
            byte_length: USize64(bytes.len() as u64),
            byte_offset: Some(USize64(offset as u64)),
            byte_stride: stride.map(json::buffer::Stride),
            name: None,
            target: Some(Valid(target)),
            extensions: None,
            extras: Default::default(),
        })
    };
    let (mut qmin, mut qmax) = ([i16::MAX; 3], [i16::MIN; 3]);
    let mut pos = Vec::with_capacity(r.positions.len() * 8);
    for p in &r.positions {
        for k in 0..3 {
            let q = ((p[k] - centre[k]) / step).round().clamp(-32767.0, 32767.0) as i16;
            qmin[k] = qmin[k].min(q);
            qmax[k] = qmax[k].max(q);
            pos.extend_from_slice(&q.to_le_bytes());
        }
        pos.extend_from_slice(&[0, 0]);
    }
    let mut nor = Vec::with_capacity(r.normals.len() * 4);
    for n in &r.normals {
        for c in n {
            nor.push((c * 127.0).round().clamp(-127.0, 127.0) as i8 as u8);
        }
        nor.push(0);
    }
    let wide = r.positions.len() > u16::MAX as usize;
    let idx: Vec<u8> = if wide {
        r.indices.iter().flat_map(|i| i.to_le_bytes()).collect()
    } else {
        r.indices.iter().flat_map(|i| (*i as u16).to_le_bytes()).collect()
    };
    let pv = view(root, bin, &pos, Some(8), json::buffer::Target::ArrayBuffer);
    let nv = view(root, bin, &nor, Some(4), json::buffer::Target::ArrayBuffer);
    let iv = view(root, bin, &idx, None, json::buffer::Target::ElementArrayBuffer);
    let accessor = |root: &mut json::Root, v, count: usize, ct, ty, normalized, min: Option<serde_json::Value>, max| {
        root.push(json::Accessor {
            buffer_view: Some(v),
            byte_offset: None,
            count: USize64(count as u64),
            component_type: Valid(json::accessor::GenericComponentType(ct)),
            extensions: None,
            extras: Default::default(),
            type_: Valid(ty),
            min,
            max,
            name: None,
            normalized,
            sparse: None,
        })
    };
    use json::accessor::{ComponentType as C, Type as T};
    let pa = accessor(
        root,
        pv,
        r.positions.len(),
        C::I16,
        T::Vec3,
        false,
        Some(serde_json::json!(qmin)),
        Some(serde_json::json!(qmax)),
    );
    let na = accessor(root, nv, r.normals.len(), C::I8, T::Vec3, true, None, None);
    let ia = accessor(root, iv, r.indices.len(), if wide { C::U32 } else { C::U16 }, T::Scalar, false, None, None);
    let mut attributes = BTreeMap::new();
    attributes.insert(Valid(json::mesh::Semantic::Positions), pa);
    attributes.insert(Valid(json::mesh::Semantic::Normals), na);
    let m = root.push(json::Mesh {
        name: Some(name.into()),
        primitives: vec![json::mesh::Primitive {
            attributes,
            extensions: None,
            extras: Default::default(),
            indices: Some(ia),
            material: Some(material),
            mode: Valid(json::mesh::Mode::Triangles),
            targets: None,
        }],
        weights: None,
        extensions: None,
        extras: Default::default(),
    });
    (m, centre, step)
}

/// Binary STL of the metal.
pub fn stl(ring: &Piece) -> Vec<u8> {
    let m = &ring.metal;
    let tris: Vec<stl_io::Triangle> = (0..m.triangles.len())
        .map(|i| {
            let n = m.face_normal(i).as_vec3();
            let t = m.triangles[i];
            let v = |k: usize| {
                let p = m.positions[t[k] as usize].as_vec3();
                stl_io::Vector::new([p.x, p.y, p.z])
            };
            stl_io::Triangle { normal: stl_io::Vector::new([n.x, n.y, n.z]), vertices: [v(0), v(1), v(2)] }
        })
        .collect();
    let mut out = Vec::with_capacity(84 + 50 * tris.len());
    stl_io::write_stl(&mut out, tris.iter()).expect("writing to memory");
    out
}

/// 3MF (core specification, unit millimetre) of the metal: one object, its shells as one mesh.
pub fn threemf(ring: &Piece) -> Vec<u8> {
    threemf_part(ring, None)
}

/// 3MF of the metal with a part number on the object and its build item (a workshop's job), so
/// the printer's or caster's queue names the job the part belongs to.
pub fn threemf_part(ring: &Piece, partnumber: Option<&str>) -> Vec<u8> {
    let m = &ring.metal;
    let mesh = threemf::Mesh {
        vertices: threemf::model::Vertices {
            vertex: m.positions.iter().map(|p| threemf::model::Vertex { x: p.x, y: p.y, z: p.z }).collect(),
        },
        triangles: threemf::model::Triangles {
            triangle: m
                .triangles
                .iter()
                .map(|t| threemf::model::Triangle { v1: t[0] as usize, v2: t[1] as usize, v3: t[2] as usize })
                .collect(),
        },
    };
    let mut model: threemf::model::Model = mesh.into();
    if let Some(p) = partnumber {
        for o in &mut model.resources.object {
            o.partnumber = Some(p.to_string());
        }
        for i in &mut model.build.item {
            i.partnumber = Some(p.to_string());
        }
    }
    let mut out = Cursor::new(Vec::new());
    threemf::write(&mut out, model).expect("writing to memory");
    out.into_inner()
}

/// The stone material and the extensions it uses.
fn gem_material(root: &mut json::Root, ring: &Piece, gem: &GemLook) -> json::Index<json::Material> {
    let mut gem_ext = json::extensions::material::Material {
        transmission: Some(json::extensions::material::Transmission {
            transmission_factor: json::extensions::material::TransmissionFactor(1.0),
            transmission_texture: None,
            extras: Default::default(),
        }),
        ior: Some(json::extensions::material::Ior {
            ior: json::extensions::material::IndexOfRefraction(gem.ior),
            extras: Default::default(),
        }),
        volume: Some(json::extensions::material::Volume {
            thickness_factor: json::extensions::material::ThicknessFactor(
                ring.gems.first().map(|g| (g.crown_mm + g.pavilion_mm) as f32).unwrap_or(1.0),
            ),
            thickness_texture: None,
            attenuation_distance: json::extensions::material::AttenuationDistance(
                // JSON has no infinity: a colourless stone absorbs nothing over a metre.
                gem.attenuation.map(|a| a.1).unwrap_or(1000.0),
            ),
            attenuation_color: json::extensions::material::AttenuationColor(
                gem.attenuation.map(|a| a.0).unwrap_or([1.0; 3]),
            ),
            extras: Default::default(),
        }),
        ..Default::default()
    };
    let mut used = vec!["KHR_materials_transmission", "KHR_materials_ior", "KHR_materials_volume"];
    if let Some(d) = gem.dispersion {
        gem_ext.others.insert("KHR_materials_dispersion".into(), serde_json::json!({ "dispersion": d }));
        used.push("KHR_materials_dispersion");
    }
    let gem_mat = root.push(json::Material {
        name: Some(gem.name.clone()),
        pbr_metallic_roughness: json::material::PbrMetallicRoughness {
            base_color_factor: json::material::PbrBaseColorFactor([1.0, 1.0, 1.0, 1.0]),
            metallic_factor: json::material::StrengthFactor(0.0),
            roughness_factor: json::material::StrengthFactor(0.0),
            ..Default::default()
        },
        extensions: Some(gem_ext),
        ..Default::default()
    });
    root.extensions_used.extend(used.iter().map(|s| s.to_string()));
    gem_mat
}
