//! `orfevre production`: a job bag from a design file, offline.

use anyhow::{bail, Context, Result};
use clap::Subcommand;
use orfevre_engine::Design;
use orfevre_production::plate::Bed;
use orfevre_production::{Assets, JobRequest, Paper};
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub enum ProductionCmd {
    /// The job bag of a design: assembly sheet (PDF), pick list, engraving files at each field's
    /// machine settings, 3D files for parametric pieces, quality checklist and a manifest of
    /// SHA-256, in one zip. Exit 0 written, 1 the job cannot be made (the reason is printed),
    /// 2 bad input.
    Job {
        /// The catalog directory the design was made against.
        #[arg(long, default_value = "catalogs/demo", env = "ORFEVRE_CATALOG")]
        catalog: PathBuf,
        /// The design JSON file (`-` for standard input).
        #[arg(long)]
        design: PathBuf,
        /// The order the job belongs to.
        #[arg(long)]
        order: Option<String>,
        /// The made piece's serial.
        #[arg(long)]
        serial: Option<String>,
        /// a4 or letter.
        #[arg(long, default_value = "a4")]
        paper: String,
        /// The workshop board's address; the sheet's QR code opens the job there.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        board: String,
        /// The zip to write.
        #[arg(short, long)]
        output: PathBuf,
        /// Print the manifest as JSON.
        #[arg(long)]
        json: bool,
    },
    /// A laser plate: the engravings of several designs for one machine, each in a slot of a jig
    /// (`--jig`) or in rows on the machine's free bed (`--machine`), as one G-code program and one
    /// SVG and DXF with every part labelled. Parts that do not fit are listed with the reason.
    /// Exit 0 written (every part placed), 1 written with parts left off or nothing to place,
    /// 2 bad input.
    Plate {
        #[arg(long, default_value = "catalogs/demo", env = "ORFEVRE_CATALOG")]
        catalog: PathBuf,
        /// A jig of the catalog.
        #[arg(long, conflicts_with = "machine")]
        jig: Option<String>,
        /// A machine of the catalog, to fill its free bed.
        #[arg(long)]
        machine: Option<String>,
        /// Distance between parts on a free bed, mm.
        #[arg(long, default_value = "2")]
        gap: String,
        /// A design file, as many as there are parts; `FILE=JOB` names its job.
        #[arg(long = "design", required = true)]
        designs: Vec<String>,
        /// The zip to write (plate.gcode, plate.svg, plate.dxf, plate.json).
        #[arg(short, long)]
        output: PathBuf,
    },
}

/// Fonts from the files the catalog names; art from the catalog directory.
pub struct DirAssets<'a>(pub &'a Path);

impl Assets for DirAssets<'_> {
    fn font_file(&self, path: &str) -> std::result::Result<Vec<u8>, String> {
        std::fs::read(path).map_err(|e| format!("{path}: {e}"))
    }
    fn art(&self, path: &str) -> Option<Vec<u8>> {
        if path.contains("..") {
            return None;
        }
        std::fs::read(self.0.join(path)).ok()
    }
}

pub fn run(cmd: ProductionCmd) -> Result<u8> {
    match cmd {
        ProductionCmd::Job { catalog, design, order, serial, paper, board, output, json } => {
            let Some(paper) = Paper::parse(&paper) else { bail!("--paper: a4 or letter, not {paper:?}") };
            let engine = match crate::load_engine(&catalog)? {
                Ok(e) => e,
                Err(code) => return Ok(code),
            };
            let bytes = crate::read_input(&design)?;
            let d = Design::from_json(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", design.display()))?;
            let id = orfevre_production::bag::job_id(order.as_deref(), &d.hash());
            let board_url = format!("{}/workshop/jobs/{id}", board.trim_end_matches('/'));
            let assets = DirAssets(&catalog);
            let req = JobRequest {
                engine: &engine,
                design: &d,
                order: order.as_deref(),
                serial: serial.as_deref(),
                board_url: &board_url,
                paper,
                certificate: None,
                assets: &assets,
            };
            let job = match orfevre_production::build(&req) {
                Ok(j) => j,
                Err(e) => {
                    eprintln!("error: {e}");
                    return Ok(1);
                }
            };
            std::fs::write(&output, &job.zip).with_context(|| format!("cannot write {}", output.display()))?;
            if json {
                outln!("{}", serde_json::to_string_pretty(&job.manifest)?);
            } else {
                outln!("{}: job {} — {} files", output.display(), job.id, job.files.len());
            }
            Ok(0)
        }
        ProductionCmd::Plate { catalog, jig, machine, gap, designs, output } => {
            let engine = match crate::load_engine(&catalog)? {
                Ok(e) => e,
                Err(code) => return Ok(code),
            };
            let cat = &engine.catalog;
            let (m, bed) = match (jig, machine) {
                (Some(j), _) => {
                    let Some(jig) = cat.jigs.iter().find(|x| x.id == j) else {
                        bail!("--jig: the catalog has no jig {j:?} (it has: {})", names(cat.jigs.iter().map(|x| &x.id)))
                    };
                    (cat.machines[jig.machine as usize].clone(), Bed::Jig(jig.clone()))
                }
                (None, Some(id)) => {
                    let Some(m) = cat.machine(&id).map(|i| cat.machines[i as usize].clone()) else {
                        bail!(
                            "--machine: the catalog has no machine {id:?} (it has: {})",
                            names(cat.machines.iter().map(|x| &x.id))
                        )
                    };
                    let Some((width, height)) = m.bed else {
                        bail!("--machine: {} has no bed size in the catalog", m.name)
                    };
                    let gap = orfevre_catalog::Mm::from_decimal(gap.parse().context("--gap: a number of mm")?)
                        .context("--gap: a number of mm")?;
                    (m, Bed::Free { width, height, gap })
                }
                (None, None) => bail!("give --jig or --machine"),
            };
            let assets = DirAssets(&catalog);
            let mut parts = Vec::new();
            for spec in &designs {
                let (file, job) = match spec.split_once('=') {
                    Some((f, j)) => (PathBuf::from(f), Some(j.to_string())),
                    None => (PathBuf::from(spec), None),
                };
                let d = Design::from_json(&crate::read_input(&file)?)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
                let job = job.unwrap_or_else(|| orfevre_production::bag::job_id(None, &d.hash()));
                match orfevre_production::plate::parts(cat, &d, &job, &assets) {
                    Ok(p) => parts.extend(p),
                    Err(e) => {
                        eprintln!("error: {}: {e}", file.display());
                        return Ok(1);
                    }
                }
            }
            let plate = match orfevre_production::plate::plate(cat, &m, &bed, parts) {
                Ok(p) => p,
                Err(e) => {
                    eprintln!("error: {e}");
                    return Ok(1);
                }
            };
            std::fs::write(&output, orfevre_production::plate::zip(&plate))
                .with_context(|| format!("cannot write {}", output.display()))?;
            outln!(
                "{}: {} part(s) placed on {}, {} left off",
                output.display(),
                plate.placed.len(),
                m.name,
                plate.left.len()
            );
            for l in &plate.left {
                eprintln!("left off: {} {}: {}", l.job, l.field, l.reason);
            }
            Ok(if plate.left.is_empty() && !plate.placed.is_empty() { 0 } else { 1 })
        }
    }
}

fn names<'a>(it: impl Iterator<Item = &'a String>) -> String {
    let v: Vec<&str> = it.map(String::as_str).collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}
