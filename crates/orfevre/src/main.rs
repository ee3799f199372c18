//! `orfevre`: the command line over the catalog and engine crates.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use orfevre_catalog::{Currency, Severity};
use orfevre_engine::{Design, Engine};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod engrave;
mod model;
mod serve;
mod twin;

#[derive(Parser)]
#[command(name = "orfevre", version, about = "Orfèvre: jewelry personalization — catalogs, designs, evaluation")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Catalog commands.
    Catalog {
        #[command(subcommand)]
        cmd: CatalogCmd,
    },
    /// Design commands.
    Design {
        #[command(subcommand)]
        cmd: DesignCmd,
    },
    /// Engraving files for the workshop: SVG, DXF, G-code, PNG preview.
    Engrave {
        #[command(subcommand)]
        cmd: engrave::EngraveCmd,
    },
    /// 3D pieces: parametric rings and pendants as GLB, STL or 3MF, with weight and price.
    Model {
        #[command(subcommand)]
        cmd: model::ModelCmd,
    },
    /// NFC tags: the NDEF record to write, and the check of an NTAG 424 DNA tap.
    Nfc {
        #[command(subcommand)]
        cmd: twin::NfcCmd,
    },
    /// A QR code (error correction Q) as SVG or PNG.
    Qr(twin::QrArgs),
    /// Certificates of authenticity: the brand's key, issuing, verifying offline.
    Passport {
        #[command(subcommand)]
        cmd: twin::PassportCmd,
    },
    /// Serve the API (and the web UI) for the brand. Settings come from the command line, then
    /// ORFEVRE_* environment variables, then the --config file, then the defaults shown.
    Serve(serve::ServeArgs),
    /// Accounts: create a staff member or a shopper (bootstraps the first admin).
    User {
        #[command(subcommand)]
        cmd: serve::UserCmd,
    },
    /// API tokens for shop integrations.
    Token {
        #[command(subcommand)]
        cmd: serve::TokenCmd,
    },
}

#[derive(Subcommand)]
enum CatalogCmd {
    /// Check a catalog directory and report every problem (exit 0 clean, 1 errors).
    Check {
        #[arg(default_value = "catalogs/demo")]
        dir: PathBuf,
        /// Print diagnostics as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum DesignCmd {
    /// Evaluate a design (exit 0 valid, 1 invalid, 2 malformed input).
    Eval {
        /// The catalog directory.
        #[arg(long, default_value = "catalogs/demo", env = "ORFEVRE_CATALOG")]
        catalog: PathBuf,
        /// The design JSON file (`-` for standard input).
        design: PathBuf,
        /// Price in another of the brand's currencies.
        #[arg(long)]
        currency: Option<String>,
        /// Leave out the candidates of open choices.
        #[arg(long)]
        no_choices: bool,
        /// Print the evaluation as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Spell a word in letter beads: prints the design, and each letter missing or out of stock
    /// with its fallback (exit 0 spelled, 1 letters to resolve).
    Spell {
        #[arg(long, default_value = "catalogs/demo", env = "ORFEVRE_CATALOG")]
        catalog: PathBuf,
        #[arg(long, default_value = "name-bracelet")]
        base: String,
        #[arg(long, default_value = "strand")]
        mount: String,
        text: String,
    },
    /// Print a design's content address (SHA-256 of its canonical JSON).
    Hash {
        design: PathBuf,
        /// Also print the canonical JSON.
        #[arg(long)]
        canonical: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn read_input(p: &Path) -> Result<Vec<u8>> {
    if p == Path::new("-") {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut v)?;
        return Ok(v);
    }
    let meta = std::fs::metadata(p).with_context(|| format!("cannot read {}", p.display()))?;
    if meta.len() as usize > orfevre_engine::design::MAX_DESIGN_BYTES {
        anyhow::bail!(
            "{}: {} bytes; designs are limited to {} bytes",
            p.display(),
            meta.len(),
            orfevre_engine::design::MAX_DESIGN_BYTES
        );
    }
    std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))
}

fn load_engine(dir: &Path) -> Result<std::result::Result<Engine, u8>> {
    let loaded = orfevre_catalog::load_dir(dir).with_context(|| format!("cannot read catalog {}", dir.display()))?;
    match loaded.catalog {
        Some(c) => Ok(Ok(Engine::new(c))),
        None => {
            for d in loaded.diagnostics.iter().filter(|d| d.severity == Severity::Error) {
                eprintln!("{}/{d}", dir.display());
            }
            eprintln!(
                "error: the catalog has {} error(s); run `orfevre catalog check {}`",
                loaded.errors(),
                dir.display()
            );
            Ok(Err(2))
        }
    }
}

fn run(cli: Cli) -> Result<u8> {
    match cli.cmd {
        Cmd::Engrave { cmd } => engrave::run(cmd),
        Cmd::Model { cmd } => model::run(cmd),
        Cmd::Nfc { cmd } => twin::nfc(cmd),
        Cmd::Qr(a) => twin::qr(a),
        Cmd::Passport { cmd } => twin::passport(cmd),
        Cmd::Serve(args) => serve::serve(args),
        Cmd::User { cmd } => serve::user(cmd),
        Cmd::Token { cmd } => serve::token(cmd),
        Cmd::Catalog { cmd: CatalogCmd::Check { dir, json } } => {
            let loaded =
                orfevre_catalog::load_dir(&dir).with_context(|| format!("cannot read catalog {}", dir.display()))?;
            if json {
                let out = serde_json::json!({
                    "ok": loaded.errors() == 0,
                    "errors": loaded.errors(),
                    "warnings": loaded.warnings(),
                    "diagnostics": loaded.diagnostics,
                });
                println!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                for d in &loaded.diagnostics {
                    println!("{}/{d}", dir.display());
                }
                match &loaded.catalog {
                    Some(c) => println!(
                        "{}: {} {} — {} components, {} bases, {} rules: {} error(s), {} warning(s)",
                        dir.display(),
                        c.brand.name,
                        c.brand.version,
                        c.components.len(),
                        c.bases.len(),
                        c.rules.len(),
                        loaded.errors(),
                        loaded.warnings()
                    ),
                    None => {
                        println!("{}: {} error(s), {} warning(s)", dir.display(), loaded.errors(), loaded.warnings())
                    }
                }
            }
            Ok(if loaded.errors() == 0 { 0 } else { 1 })
        }
        Cmd::Design { cmd: DesignCmd::Spell { catalog, base, mount, text } } => {
            let engine = match load_engine(&catalog)? {
                Ok(e) => e,
                Err(code) => return Ok(code),
            };
            let s = engine.spell(&base, &mount, &text);
            for i in &s.issues {
                let alt = if i.alternatives.is_empty() {
                    String::new()
                } else {
                    format!(" — fallback: {}", i.alternatives.join(", "))
                };
                eprintln!("letter {} '{}': {:?}{alt}", i.index + 1, i.character, i.problem);
            }
            match &s.design {
                Some(d) => println!("{}", serde_json::to_string_pretty(d)?),
                None => anyhow::bail!("base {base} has no strand mount {mount}"),
            }
            Ok(if s.issues.is_empty() { 0 } else { 1 })
        }
        Cmd::Design { cmd: DesignCmd::Hash { design, canonical } } => {
            let bytes = read_input(&design)?;
            match Design::from_json(&bytes) {
                Ok(d) => {
                    if canonical {
                        println!("{}", d.canonical_json());
                    }
                    println!("{}", d.hash());
                    Ok(0)
                }
                Err(e) => {
                    eprintln!("{}: malformed design at {e}", design.display());
                    Ok(2)
                }
            }
        }
        Cmd::Design { cmd: DesignCmd::Eval { catalog, design, currency, no_choices, json } } => {
            let bytes = read_input(&design)?;
            let d = match Design::from_json(&bytes) {
                Ok(d) => d,
                Err(e) => {
                    if json {
                        println!(
                            "{}",
                            serde_json::json!({"error": "malformed-design", "pointer": e.pointer, "message": e.message})
                        );
                    }
                    eprintln!("{}: malformed design at {e}", design.display());
                    return Ok(2);
                }
            };
            let engine = match load_engine(&catalog)? {
                Ok(e) => e,
                Err(code) => return Ok(code),
            };
            let cur = match currency {
                Some(c) => {
                    let c: Currency = c.parse().map_err(anyhow::Error::msg)?;
                    let b = &engine.catalog.brand;
                    if c != b.currency && !b.currencies.iter().any(|a| a.code == c) {
                        anyhow::bail!("{} does not sell in {c}", b.name);
                    }
                    Some(c)
                }
                None => None,
            };
            let ev = engine.evaluate_in(&d, cur);
            let choices = if no_choices { Vec::new() } else { engine.all_choices(&d) };
            if json {
                let out = serde_json::json!({ "evaluation": ev, "choices": choices });
                println!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                print_human(&engine, &d, &ev, &choices);
            }
            Ok(if ev.valid { 0 } else { 1 })
        }
    }
}

fn print_human(engine: &Engine, d: &Design, ev: &orfevre_engine::Evaluation, choices: &[orfevre_engine::ChoiceReport]) {
    let base =
        engine.catalog.base(&d.base).map(|b| engine.catalog.bases[b as usize].name.clone()).unwrap_or(d.base.clone());
    println!("{base} — design {}", &ev.design_hash[..16]);
    if ev.valid {
        println!("valid");
    } else {
        println!("INVALID: {} problem(s)", ev.violations.len());
        for v in &ev.violations {
            println!("  ✗ [{}] {}", v.rule, v.message);
        }
    }
    println!("price:");
    for l in &ev.price.lines {
        println!("  {:>3} × {:<48} {:>12}", l.qty, l.label, l.amount.to_string());
    }
    if !ev.price.rounding.amount.is_zero() {
        println!("        {:<48} {:>12}", "price-point rounding", ev.price.rounding.to_string());
    }
    println!("  total {:>60}", ev.price.total.to_string());
    println!("weight: {}   lead time: {} day(s)", ev.weight, ev.lead_time_days);
    for c in choices {
        let ok = c.candidates.iter().filter(|x| x.feasible).count();
        println!("choice {}: {ok} of {} candidates feasible", c.label, c.candidates.len());
        for x in c.candidates.iter().filter(|x| !x.feasible).take(3) {
            let repair = x.repair.as_ref().map(|r| format!(" — repair: {}", r.description)).unwrap_or_default();
            println!("    {} ✗ {}{repair}", x.option, x.reasons.first().cloned().unwrap_or_default());
        }
    }
}
