//! `orfevre engrave`: text → engraving files for the workshop.

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use orfevre_engrave::text::ArcSpec;
use orfevre_engrave::toolpath::Hatch;
use orfevre_engrave::{image, order, output, text, toolpath, EngraveError, Font, Layer, Mode, TextSpec, Zone};
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum EngraveCmd {
    /// Engrave text: laid out in the zone (shrunk to fit, down to --min-cap-height), toolpath,
    /// ordered for short travel, written as SVG, DXF, G-code or a PNG preview.
    /// Exit 0 written, 1 the text cannot be engraved (missing glyph, does not fit), 2 bad input.
    Text(TextArgs),
    /// Engrave an image (PNG): a drawing traced as outlines and filled, or handwriting / a
    /// signature traced along its centre line; cropped to its ink and fitted into the zone.
    /// Exit 0 written, 1 nothing engravable, 2 bad input (not a PNG, over the limits).
    Image(ImageArgs),
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
pub enum KindArg {
    Drawing,
    Handwriting,
    /// Dithered dots burnt row by row at --spacing.
    Photo,
    /// Ridges enhanced (oriented Gabor filtering, Hong, Wan and Jain 1998), engraved as centre lines.
    Fingerprint,
}

#[derive(Args)]
pub struct ImageArgs {
    /// The PNG image (at most 20 MiB and 4096 × 4096 pixels).
    pub input: PathBuf,
    #[arg(long, value_enum, default_value = "drawing")]
    pub kind: KindArg,
    /// The engraving zone, WIDTHxHEIGHT in mm.
    #[arg(long)]
    pub zone: String,
    /// Ink below this grey level (0–255; default: Otsu's threshold).
    #[arg(long, conflicts_with = "adaptive")]
    pub threshold: Option<u8>,
    /// A photographed sketch (uneven light): ink is what is darker than its 41-pixel
    /// neighbourhood, instead of one threshold for the whole image.
    #[arg(long)]
    pub adaptive: bool,
    /// Specks (and pin-holes) smaller than this many pixels are dropped.
    #[arg(long, default_value_t = 16)]
    pub min_speck: usize,
    /// Simplification tolerance, pixels (default 0.7 for drawings, 1.5 for handwriting).
    #[arg(long)]
    pub tolerance: Option<f64>,
    /// Photo: mid-tone correction (> 1 lightens, as laser marking burns dark).
    #[arg(long, default_value_t = 1.0)]
    pub gamma: f64,
    #[command(flatten)]
    pub out: OutArgs,
}

/// Laser settings and output, shared by text and image.
#[derive(Args)]
pub struct OutArgs {
    /// Default: fill for drawings and outline fonts, single-line for strokes.
    #[arg(long, value_enum)]
    pub mode: Option<ModeArg>,
    /// Hatch angle, degrees.
    #[arg(long, default_value_t = 0.0)]
    pub angle: f64,
    /// Hatch spacing, mm (about the laser's spot size).
    #[arg(long, default_value_t = 0.025)]
    pub spacing: f64,
    /// Cross-hatch (a second hatch at +90°).
    #[arg(long)]
    pub cross: bool,
    /// Engrave hatch lines one way only.
    #[arg(long)]
    pub unidirectional: bool,
    /// Laser-off run-up at both ends of hatch lines, mm.
    #[arg(long, default_value_t = 0.0)]
    pub overscan: f64,
    /// The laser's burn width, mm: outlines move inwards by half of it.
    #[arg(long, default_value_t = 0.0)]
    pub kerf: f64,
    /// The material's minimum feature, mm (e.g. 0.3 on cast relief): a design with more than 3 %
    /// of its area thinner is refused. 0: not checked.
    #[arg(long, default_value_t = 0.0)]
    pub min_feature: f64,
    /// Grow outlines by this much (mm, total stroke width added) before checking and engraving.
    #[arg(long, default_value_t = 0.0)]
    pub thicken: f64,
    /// Laser power, S 0–1000.
    #[arg(long, default_value_t = 800)]
    pub power: u32,
    /// Engraving speed, mm/min.
    #[arg(long, default_value_t = 1200.0)]
    pub speed: f64,
    #[arg(long, default_value_t = 1)]
    pub passes: u32,
    /// Output format (default: from the -o extension).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// The file to write.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Print a JSON summary (bounds, path and travel lengths, estimated time).
    #[arg(long)]
    pub json: bool,
    /// PNG preview resolution, pixels per mm.
    #[arg(long, default_value_t = 40.0)]
    pub px_per_mm: f64,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
pub enum Format {
    Svg,
    Dxf,
    Gcode,
    Png,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
pub enum ModeArg {
    Line,
    Fill,
    SingleLine,
    /// Concentric outlines inwards, --spacing apart.
    OffsetFill,
}

#[derive(Args)]
pub struct TextArgs {
    /// The text; `\n` separates lines.
    pub text: String,
    /// `sans` (default), `serif`, `script`, `simplex`, or a .ttf/.otf/.jhf file.
    #[arg(long, default_value = orfevre_engrave::font::DEFAULT_FONT)]
    pub font: String,
    /// The engraving zone, WIDTHxHEIGHT in mm. For a ring band see --ring-size.
    #[arg(long)]
    pub zone: Option<String>,
    /// Ring band: the ring size (US7, UKN½, EU54, IT14, JP14); the zone becomes the unrolled
    /// band, its length the circumference where the laser writes.
    #[arg(long, requires = "band_width", conflicts_with = "ring_diameter")]
    pub ring_size: Option<String>,
    /// Ring band: the inner diameter in mm, instead of --ring-size.
    #[arg(long, requires = "band_width")]
    pub ring_diameter: Option<f64>,
    /// Ring band: width of the band, mm.
    #[arg(long)]
    pub band_width: Option<f64>,
    /// Ring band: thickness, mm (for --side outside).
    #[arg(long, default_value_t = 1.6)]
    pub ring_thickness: f64,
    /// Ring band: engrave the inside or the outside.
    #[arg(long, default_value = "inside", value_parser = ["inside", "outside"])]
    pub side: String,
    #[arg(long, default_value = "centre", value_parser = ["left", "centre", "center", "right"])]
    pub align: String,
    /// The cap height wanted, mm (default: as large as fits).
    #[arg(long)]
    pub cap_height: Option<f64>,
    /// The smallest cap height accepted, mm.
    #[arg(long, default_value_t = 0.8)]
    pub min_cap_height: f64,
    /// Bend the text along a circle of this radius, mm, centred in the zone (a pendant's rim).
    #[arg(long)]
    pub arc_radius: Option<f64>,
    #[command(flatten)]
    pub out: OutArgs,
}

/// Runs an engrave command: Ok(exit code).
pub fn run(cmd: EngraveCmd) -> Result<u8> {
    match cmd {
        EngraveCmd::Text(a) => {
            let diameter = match (&a.ring_size, a.ring_diameter) {
                (Some(s), _) => Some(
                    orfevre_model::RingSize::parse(s).map_err(|e| anyhow::anyhow!("--ring-size: {e}"))?.diameter_mm(),
                ),
                (None, d) => d,
            };
            let zone = match (&a.zone, diameter) {
                (Some(z), None) => Zone::parse(z),
                (None, Some(d)) => {
                    Zone::ring_band(d, a.ring_thickness, a.band_width.unwrap_or_default(), a.side == "outside")
                }
                _ => bail!("give either --zone WIDTHxHEIGHT or --ring-size (or --ring-diameter) with --band-width"),
            };
            let zone = zone.map_err(|e| anyhow::anyhow!("{e}"))?;
            let font = Font::named(&a.font).map_err(|e| anyhow::anyhow!("--font: {e}"))?;
            let spec = TextSpec {
                align: a.align.parse().map_err(|e: EngraveError| anyhow::anyhow!("{e}"))?,
                cap_height: a.cap_height,
                min_cap_height: a.min_cap_height,
                arc: a.arc_radius.map(|radius| ArcSpec { radius, max_sweep_deg: 180.0 }),
                ..TextSpec::new(a.text.replace("\\n", "\n"))
            };
            let shapes = match text::layout(&font, &spec, &zone) {
                Ok(s) => s,
                Err(e) => return fail(e),
            };
            let notes = if font.is_single_line() {
                vec![orfevre_engrave::font::HERSHEY_ACKNOWLEDGEMENT.to_string()]
            } else {
                Vec::new()
            };
            let extra = serde_json::json!({"font": font.name});
            write(&a.out, &shapes, zone, font.is_single_line(), notes, extra)
        }
        EngraveCmd::Image(a) => {
            let zone = Zone::parse(&a.zone).map_err(|e| anyhow::anyhow!("{e}"))?;
            let bytes = std::fs::read(&a.input).with_context(|| format!("cannot read {}", a.input.display()))?;
            let (w, h, grey) = image::decode_png(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", a.input.display()))?;
            if a.kind == KindArg::Photo {
                let shapes = match image::dither(w, h, &grey, zone, a.out.spacing, a.gamma) {
                    Ok(s) => s,
                    Err(e) => return fail(e),
                };
                let extra = serde_json::json!({"pixels": [w, h]});
                return write(&a.out, &shapes, zone, true, Vec::new(), extra);
            }
            let (grey, threshold) = if a.kind == KindArg::Fingerprint {
                let ridges = orfevre_engrave::fingerprint::enhance(w, h, &grey).map_err(|e| anyhow::anyhow!("{e}"))?;
                (ridges.ink.iter().map(|r| if *r { 0 } else { 255 }).collect(), 128)
            } else if a.adaptive {
                (image::adaptive(w, h, &grey, 41, 20), 128)
            } else {
                let t = a.threshold.unwrap_or_else(|| image::otsu(&grey));
                (grey, t)
            };
            let bitmap = match image::binarise(w, h, &grey, threshold, a.min_speck) {
                Ok(b) => b,
                Err(e) => {
                    eprintln!("error: {}: {e}", a.input.display());
                    return Ok(1);
                }
            };
            let (kind, tol) = match a.kind {
                KindArg::Drawing => (image::Kind::Drawing, 0.7),
                KindArg::Handwriting | KindArg::Photo => (image::Kind::Handwriting, 1.5),
                KindArg::Fingerprint => (image::Kind::Handwriting, 1.0),
            };
            let shapes = match image::trace(&bitmap, kind, zone, a.tolerance.unwrap_or(tol)) {
                Ok(s) => s,
                Err(e) => return fail(e),
            };
            let extra = serde_json::json!({"threshold": threshold, "pixels": [bitmap.w, bitmap.h]});
            write(&a.out, &shapes, zone, kind == image::Kind::Handwriting, Vec::new(), extra)
        }
    }
}

/// An engraving error as the exit status: bad input is exit 2 (through `Err`), a design that cannot
/// be engraved exit 1.
fn fail(e: EngraveError) -> Result<u8> {
    match e {
        e @ EngraveError::Invalid { .. } => bail!("{e}"),
        e => {
            eprintln!("error: {e}");
            Ok(1)
        }
    }
}

/// Toolpath, order, write the file, print the summary.
fn write(
    a: &OutArgs,
    shapes: &[orfevre_engrave::Shape],
    zone: Zone,
    strokes: bool,
    notes: Vec<String>,
    extra: serde_json::Value,
) -> Result<u8> {
    let format = match a.format {
        Some(f) => f,
        None => match a.output.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("svg") => Format::Svg,
            Some("dxf") => Format::Dxf,
            Some("gcode" | "nc" | "gc") => Format::Gcode,
            Some("png") => Format::Png,
            _ => bail!("--format: give svg, dxf, gcode or png (or an -o file with one of those extensions)"),
        },
    };
    let mode = match a.mode.unwrap_or(if strokes { ModeArg::SingleLine } else { ModeArg::Fill }) {
        ModeArg::Line => Mode::Line,
        ModeArg::SingleLine => Mode::SingleLine,
        ModeArg::OffsetFill => Mode::OffsetFill { spacing: a.spacing },
        ModeArg::Fill => Mode::Fill(Hatch {
            angle_deg: a.angle,
            spacing: a.spacing,
            cross: a.cross,
            bidirectional: !a.unidirectional,
            overscan: a.overscan,
        }),
    };
    let layer = Layer { mode, power: a.power, speed: a.speed, passes: a.passes, kerf: a.kerf };
    let shapes = match orfevre_engrave::min_feature(shapes.to_vec(), a.min_feature, a.thicken) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let mut tp = match toolpath::toolpath(&shapes, zone, layer) {
        Ok(tp) => tp,
        Err(e) => return fail(e),
    };
    tp.notes = notes;
    order::order(&mut tp, order::TwoOpt::default());
    let bytes = match format {
        Format::Svg => output::svg(&tp).into_bytes(),
        Format::Dxf => output::dxf(&tp),
        Format::Gcode => output::gcode(&tp).into_bytes(),
        Format::Png => output::png(&tp, a.px_per_mm),
    };
    std::fs::write(&a.output, bytes).with_context(|| format!("cannot write {}", a.output.display()))?;
    if a.json {
        let mut v = serde_json::to_value(output::summary(&tp))?;
        v["zone"] = serde_json::json!([zone.width(), zone.height()]);
        if let (Some(v), Some(extra)) = (v.as_object_mut(), extra.as_object()) {
            v.extend(extra.clone());
        }
        outln!("{}", serde_json::to_string_pretty(&v)?);
    }
    Ok(0)
}
