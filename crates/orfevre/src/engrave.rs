//! `orfevre engrave`: text → engraving files for the workshop.

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use orfevre_engrave::text::ArcSpec;
use orfevre_engrave::toolpath::Hatch;
use orfevre_engrave::{order, output, text, toolpath, EngraveError, Font, Layer, Mode, TextSpec, Zone};
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum EngraveCmd {
    /// Engrave text: laid out in the zone (shrunk to fit, down to --min-cap-height), toolpath,
    /// ordered for short travel, written as SVG, DXF, G-code or a PNG preview.
    /// Exit 0 written, 1 the text cannot be engraved (missing glyph, does not fit), 2 bad input.
    Text(TextArgs),
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
}

#[derive(Args)]
pub struct TextArgs {
    /// The text; `\n` separates lines.
    pub text: String,
    /// `sans` (default), `serif`, `script`, `simplex`, or a .ttf/.otf/.jhf file.
    #[arg(long, default_value = orfevre_engrave::font::DEFAULT_FONT)]
    pub font: String,
    /// The engraving zone, WIDTHxHEIGHT in mm. For a ring band see --ring-diameter.
    #[arg(long)]
    pub zone: Option<String>,
    /// Ring band: inner diameter, mm (the zone becomes the unrolled band: π × diameter long).
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
    /// Default: fill for outline fonts, single-line for single-line fonts.
    #[arg(long, value_enum)]
    pub mode: Option<ModeArg>,
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

/// Runs an engrave command: Ok(exit code).
pub fn run(cmd: EngraveCmd) -> Result<u8> {
    let EngraveCmd::Text(a) = cmd;
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
    let zone = match (&a.zone, a.ring_diameter) {
        (Some(z), None) => Zone::parse(z),
        (None, Some(d)) => Zone::ring_band(d, a.ring_thickness, a.band_width.unwrap_or_default(), a.side == "outside"),
        _ => bail!("give either --zone WIDTHxHEIGHT or --ring-diameter with --band-width"),
    };
    let zone = zone.map_err(|e| anyhow::anyhow!("{e}"))?;
    let font = Font::named(&a.font).map_err(|e| anyhow::anyhow!("--font: {e}"))?;
    let mode = match a.mode.unwrap_or(if font.is_single_line() { ModeArg::SingleLine } else { ModeArg::Fill }) {
        ModeArg::Line => Mode::Line,
        ModeArg::SingleLine => Mode::SingleLine,
        ModeArg::Fill => Mode::Fill(Hatch {
            angle_deg: a.angle,
            spacing: a.spacing,
            cross: a.cross,
            bidirectional: !a.unidirectional,
            overscan: a.overscan,
        }),
    };
    let spec = TextSpec {
        align: a.align.parse().map_err(|e: EngraveError| anyhow::anyhow!("{e}"))?,
        cap_height: a.cap_height,
        min_cap_height: a.min_cap_height,
        arc: a.arc_radius.map(|radius| ArcSpec { radius, max_sweep_deg: 180.0 }),
        ..TextSpec::new(a.text.replace("\\n", "\n"))
    };
    let layer = Layer { mode, power: a.power, speed: a.speed, passes: a.passes };
    let result = text::layout(&font, &spec, &zone).and_then(|shapes| toolpath::toolpath(&shapes, zone, layer));
    let mut tp = match result {
        Ok(tp) => tp,
        Err(e @ EngraveError::Invalid { .. }) => bail!("{e}"),
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(1);
        }
    };
    if font.is_single_line() {
        tp.notes.push(orfevre_engrave::font::HERSHEY_ACKNOWLEDGEMENT.into());
    }
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
        v["font"] = serde_json::json!(font.name);
        println!("{}", serde_json::to_string_pretty(&v)?);
    }
    Ok(0)
}
