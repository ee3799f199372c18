//! `orfevre model ring|pendant`: parametric 3D pieces as GLB, STL or 3MF, with the figures their
//! price is made from. The price is the engine's, on the catalog's ring or pendant base, with
//! the size and the metal volume taken from the geometry.

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use orfevre_catalog::{Catalog, MountSpec, Size};
use orfevre_engine::{Design, Engine};
use orfevre_model::export::{self, GemLook, MetalLook};
use orfevre_model::{Band, Cut, PendantSpec, Piece, Profile, RingSize, RingSpec, Setting, StoneSize, StoneSpec};
use rust_decimal::Decimal;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum ModelCmd {
    /// A ring: the band swept at the exact inner size, with an optional stone in a head. Writes
    /// the file and prints JSON (volume_mm3, weight_g, triangles, price). Exit 0 written and
    /// makeable, 1 written with manufacturing problems, 2 bad input.
    Ring(RingArgs),
    /// An engravable disc pendant with a bail. Same output; exit 0 written and makeable, 1 written
    /// with manufacturing problems, 2 bad input.
    Pendant(PendantArgs),
}

#[derive(Args)]
pub struct Output {
    /// glb (the viewer's, with PBR metal and refracting stones), stl or 3mf (metal only, for
    /// casting or printing).
    #[arg(long, default_value = "glb")]
    pub format: String,
    /// The file to write.
    #[arg(short = 'o', long)]
    pub out: PathBuf,
    /// The catalog whose metal, stone and making prices apply.
    #[arg(long, default_value = "catalogs/demo", env = "ORFEVRE_CATALOG")]
    pub catalog: PathBuf,
}

#[derive(Args)]
pub struct RingArgs {
    /// Ring size: US7, US7.25, UKN½, EU54, IT14, JP14.
    #[arg(long, default_value = "US7")]
    pub size: String,
    /// flat, d-shape, comfort, court, knife-edge.
    #[arg(long, default_value = "d-shape")]
    pub profile: String,
    /// Band width, mm.
    #[arg(long, default_value_t = 2.2)]
    pub width: f64,
    /// Band thickness at the middle, mm.
    #[arg(long, default_value_t = 1.6)]
    pub thickness: f64,
    /// The catalog's metal id.
    #[arg(long, default_value = "18k-yellow")]
    pub metal: String,
    /// The catalog's stone id or species (diamond-lab, diamond, sapphire…); none for a plain band.
    #[arg(long)]
    pub stone: Option<String>,
    /// round, princess, oval, emerald, pear, cushion, marquise.
    #[arg(long, default_value = "round")]
    pub cut: String,
    /// The stone's weight in carats…
    #[arg(long, conflicts_with = "stone_mm")]
    pub carat: Option<f64>,
    /// …or its width in mm.
    #[arg(long)]
    pub stone_mm: Option<f64>,
    /// 4-prong, 6-prong, bezel, halo.
    #[arg(long, default_value = "4-prong")]
    pub setting: String,
    /// A row of small stones (of --stone's species, or lab diamonds) across the band's top third.
    #[arg(long)]
    pub pave: bool,
    /// A signet's table instead of a stone: SHAPE:WIDTHxLENGTHxTHICKNESS in mm, e.g. oval:10x12x2
    /// (round, oval or cushion; width across the finger, length along it).
    #[arg(long, conflicts_with = "stone")]
    pub signet: Option<String>,
    /// The catalog's ring base to price on (default: `wedding-band` for a plain band,
    /// `solitaire-ring` with --stone).
    #[arg(long)]
    pub base: Option<String>,
    #[command(flatten)]
    pub output: Output,
}

#[derive(Args)]
pub struct PendantArgs {
    /// Disc diameter, mm.
    #[arg(long, default_value_t = 20.0)]
    pub diameter: f64,
    /// Disc thickness, mm.
    #[arg(long, default_value_t = 0.8)]
    pub thickness: f64,
    /// The bail's wire, mm.
    #[arg(long, default_value_t = 0.8)]
    pub bail_wire: f64,
    /// The catalog's metal id.
    #[arg(long, default_value = "silver-925")]
    pub metal: String,
    /// The catalog's pendant base to price on.
    #[arg(long, default_value = "engraved-pendant")]
    pub base: String,
    #[command(flatten)]
    pub output: Output,
}

/// Bad input: exit 2 with the message.
fn input(msg: String) -> anyhow::Error {
    anyhow::anyhow!(msg)
}

/// A length for the catalog, to the micrometre.
fn mm_of(v: f64) -> Option<orfevre_catalog::Mm> {
    orfevre_catalog::Mm::from_decimal(Decimal::from_f64_retain(v)?.round_dp(3))
}

fn f64_of(d: Decimal) -> f64 {
    d.to_string().parse().unwrap_or(f64::NAN)
}

pub fn run(cmd: ModelCmd) -> Result<u8> {
    match cmd {
        ModelCmd::Ring(a) => ring(a),
        ModelCmd::Pendant(a) => pendant(a),
    }
}

fn load(dir: &std::path::Path) -> Result<Catalog> {
    let loaded = orfevre_catalog::load_dir(dir).with_context(|| format!("cannot read catalog {}", dir.display()))?;
    match loaded.catalog {
        Some(c) => Ok(c),
        None => bail!("the catalog {} has errors; run `orfevre catalog check {}`", dir.display(), dir.display()),
    }
}

fn metal_index(cat: &Catalog, id: &str) -> Result<usize> {
    cat.metals.iter().position(|m| m.id == id).ok_or_else(|| {
        let ids: Vec<&str> = cat.metals.iter().map(|m| m.id.as_str()).collect();
        input(format!("--metal {id:?} is not in the catalog; choose one of {}", ids.join(", ")))
    })
}

fn ring(a: RingArgs) -> Result<u8> {
    let mut cat = load(&a.output.catalog)?;
    let size = RingSize::parse(&a.size).map_err(|e| input(format!("--size: {e}")))?;
    let profile: Profile = a.profile.parse().map_err(|e| input(format!("--profile: {e}")))?;
    let mi = metal_index(&cat, &a.metal)?;
    let stone = match &a.stone {
        None => None,
        Some(s) => {
            let si = cat.stones.iter().position(|x| x.id == *s || x.species == *s).ok_or_else(|| {
                let ids: Vec<&str> = cat.stones.iter().map(|x| x.id.as_str()).collect();
                input(format!(
                    "--stone {s:?} is neither a stone id nor a species of the catalog; choose one of {}",
                    ids.join(", ")
                ))
            })?;
            let cut: Cut = a.cut.parse().map_err(|e| input(format!("--cut: {e}")))?;
            let setting: Setting = a.setting.parse().map_err(|e| input(format!("--setting: {e}")))?;
            let size = match (a.carat, a.stone_mm) {
                (Some(c), _) => StoneSize::Carat(c),
                (None, Some(w)) => StoneSize::WidthMm(w),
                (None, None) => StoneSize::Carat(0.5),
            };
            Some((si, StoneSpec { cut, size, specific_gravity: f64_of(cat.stones[si].specific_gravity), setting }))
        }
    };
    let metal = cat.metals[mi].clone();
    let spec = RingSpec {
        band: Band {
            inner_circumference_mm: size.circumference_mm(),
            width_mm: a.width,
            thickness_mm: a.thickness,
            profile,
        },
        stone: stone.map(|s| s.1),
        pave: a.pave,
        top: a.signet.as_deref().map(signet).transpose()?,
        min_wall_mm: metal.min_wall.map(|m| m.as_f64()).unwrap_or(0.0),
    };
    let piece = orfevre_model::ring(&spec).map_err(|e| input(e.to_string()))?;
    let gem = stone
        .map(|(si, _)| GemLook::for_species(&cat.stones[si].species, f64_of(cat.stones[si].refractive_index) as f32))
        .unwrap_or_else(|| GemLook::for_species("diamond", 2.417));
    let bytes = write(&a.output, &piece, &MetalLook::for_metal(&metal.id), &gem)?;
    // The engine's price on the catalog's ring base, at this exact size.
    let mut params = serde_json::json!({
        "metal": a.metal, "profile": profile.as_str(),
        "width_mm": a.width.to_string(), "thickness_mm": a.thickness.to_string(),
    });
    if let Some((si, s)) = stone {
        params["stone"] = cat.stones[si].id.clone().into();
        params["cut"] = a.cut.clone().into();
        params["setting"] = a.setting.clone().into();
        // The centre stone's carats (a halo's melee are the engine's to add).
        let centre = match s.size {
            StoneSize::Carat(c) => c,
            StoneSize::WidthMm(_) => piece.gems[0].carats(s.specific_gravity),
        };
        params["carat"] = format!("{centre:.2}").into();
    }
    let base = a.base.clone().unwrap_or_else(|| {
        if stone.is_some() {
            "solitaire-ring"
        } else if a.signet.is_some() {
            "signet-ring"
        } else {
            "wedding-band"
        }
        .into()
    });
    // The catalog's signet table, replaced by the one asked for, so the price weighs this table.
    if let (Some(t), Some(b)) = (spec.top, cat.bases.iter_mut().find(|b| b.id == base)) {
        for m in &mut b.mounts {
            if let (MountSpec::Parametric(p), Some(width), Some(length), Some(thickness)) =
                (&mut m.spec, mm_of(t.width_mm), mm_of(t.length_mm), mm_of(t.thickness_mm))
            {
                let shape =
                    orfevre_catalog::TopShape::parse(t.shape.as_str()).unwrap_or(orfevre_catalog::TopShape::Oval);
                p.top = Some(orfevre_catalog::Top { shape, width, length, thickness });
            }
        }
    }
    let price = price_on(&mut cat, &base, Some(size.circumference_mm()), None, params);
    let density = f64_of(metal.density);
    report(
        "ring",
        &piece,
        density,
        bytes,
        &a.output,
        price,
        serde_json::json!({
            "size": size.to_string(),
            "inner_circumference_mm": round(size.circumference_mm(), 3),
            "inner_diameter_mm": round(size.diameter_mm(), 3),
            "stone_width_mm": piece.gems.first().map(|g| round(g.width_mm, 2)),
        }),
    )
}

fn pendant(a: PendantArgs) -> Result<u8> {
    let mut cat = load(&a.output.catalog)?;
    let mi = metal_index(&cat, &a.metal)?;
    let metal = cat.metals[mi].clone();
    let spec = PendantSpec {
        diameter_mm: a.diameter,
        thickness_mm: a.thickness,
        bail_wire_mm: a.bail_wire,
        min_wall_mm: metal.min_wall.map(|m| m.as_f64()).unwrap_or(0.0),
    };
    let piece = orfevre_model::pendant(&spec).map_err(|e| input(e.to_string()))?;
    let bytes = write(&a.output, &piece, &MetalLook::for_metal(&metal.id), &GemLook::for_species("", 1.5))?;
    let density = f64_of(metal.density);
    let price =
        price_on(&mut cat, &a.base, None, Some(piece.metal_volume_mm3), serde_json::json!({ "metal": a.metal }));
    report(
        "pendant",
        &piece,
        density,
        bytes,
        &a.output,
        price,
        serde_json::json!({
            "engrave_diameter_mm": round(spec.engrave_diameter_mm(), 2),
        }),
    )
}

/// Parses `--signet oval:10x12x2`.
fn signet(s: &str) -> Result<orfevre_model::Top> {
    let bad = || input(format!("--signet {s:?}: expected SHAPE:WIDTHxLENGTHxTHICKNESS in mm, e.g. oval:10x12x2"));
    let (shape, dims) = s.split_once(':').ok_or_else(bad)?;
    let shape: Cut = shape.parse().map_err(|_| bad())?;
    let n: Vec<f64> =
        dims.split('x').map(|v| v.trim().parse::<f64>()).collect::<std::result::Result<_, _>>().map_err(|_| bad())?;
    let [width_mm, length_mm, thickness_mm] = n[..] else { return Err(bad()) };
    Ok(orfevre_model::Top { shape, width_mm, length_mm, thickness_mm })
}

fn write(o: &Output, piece: &Piece, metal: &MetalLook, gem: &GemLook) -> Result<usize> {
    let bytes = match o.format.as_str() {
        "glb" => export::glb(piece, metal, gem),
        "stl" => export::stl(piece),
        "3mf" => export::threemf(piece),
        f => return Err(input(format!("--format {f:?}: choose glb, stl or 3mf"))),
    };
    std::fs::write(&o.out, &bytes).with_context(|| format!("cannot write {}", o.out.display()))?;
    Ok(bytes.len())
}

fn round(v: f64, places: i32) -> f64 {
    let k = 10f64.powi(places);
    (v * k).round() / k
}

/// The engine's evaluation of the catalog's base with these parameters: the size added to the
/// base's list when it is not there, and a fixed model's metal volume replaced by the geometry's.
fn price_on(
    cat: &mut Catalog,
    base: &str,
    circumference: Option<f64>,
    volume: Option<f64>,
    params: serde_json::Value,
) -> serde_json::Value {
    let Some(bi) = cat.bases.iter().position(|b| b.id == base) else {
        return serde_json::json!({ "error": format!("the catalog has no base {base:?}") });
    };
    let b = &mut cat.bases[bi];
    let Some(mount) = b.mounts.iter_mut().find(|m| matches!(m.spec, MountSpec::Parametric(_))) else {
        return serde_json::json!({ "error": format!("base {base} has no parametric mount") });
    };
    if let (Some(v), MountSpec::Parametric(p)) = (volume, &mut mount.spec) {
        p.metal_volume_mm3 = Decimal::from_f64_retain(v).map(|d| d.round_dp(3));
    }
    let mount_id = mount.id.clone();
    let size_id = match circumference {
        Some(c) => {
            b.sizes.push(Size {
                id: "model-size".into(),
                label: "model size".into(),
                length: None,
                circumference: mm_of(c),
            });
            Some("model-size".to_string())
        }
        None => b.sizes.first().map(|s| s.id.clone()),
    };
    let design = serde_json::json!({
        "catalog": { "id": cat.brand.id, "version": cat.brand.version },
        "base": base,
        "size": size_id,
        "mounts": { mount_id: { "params": params } },
    });
    let engine = Engine::new(cat.clone());
    let design = match Design::from_json(design.to_string().as_bytes()) {
        Ok(d) => d,
        Err(e) => return serde_json::json!({ "error": e.to_string() }),
    };
    let ev = engine.evaluate(&design);
    serde_json::json!({
        "total": ev.price.total.amount_string(),
        "currency": ev.price.currency.to_string(),
        "base": base,
        "valid": ev.valid,
        "violations": ev.violations.iter().map(|v| &v.message).collect::<Vec<_>>(),
    })
}

fn report(
    piece_kind: &str,
    piece: &Piece,
    density: f64,
    bytes: usize,
    o: &Output,
    price: serde_json::Value,
    extra: serde_json::Value,
) -> Result<u8> {
    let metal_g = piece.metal_volume_mm3 * density / 1000.0;
    let mut out = serde_json::json!({
        "piece": piece_kind,
        "file": o.out.display().to_string(),
        "format": o.format,
        "bytes": bytes,
        "volume_mm3": round(piece.metal_volume_mm3, 2),
        "metal_weight_g": round(metal_g, 3),
        "carats": round(piece.carats, 3),
        "weight_g": round(metal_g + piece.carats * 0.2, 3),
        "triangles": piece.triangles(),
        "price": price,
        "problems": piece.problems,
    });
    if let (Some(o), Some(e)) = (out.as_object_mut(), extra.as_object()) {
        o.extend(e.clone());
    }
    outln!("{}", serde_json::to_string_pretty(&out)?);
    Ok(if piece.problems.is_empty() { 0 } else { 1 })
}
