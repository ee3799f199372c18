//! `orfevre`: the command line over the catalog and engine crates.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use orfevre_catalog::{Currency, Severity};
use orfevre_engine::{Design, Engine};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `println!` for a command's output that ends quietly, with exit 0, when the reader has gone
/// (`orfevre design eval … | head`): a closed pipe is the reader's choice, not an error.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout().lock(), $($arg)*) {
            $crate::output_failed(e);
        }
    }};
}

/// Stops on a failed write to standard output: quietly with 0 when the pipe was closed, else 2.
pub(crate) fn output_failed(e: std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    eprintln!("error: cannot write the output: {e}");
    std::process::exit(2);
}

mod engrave;
mod model;
mod production;
mod serve;
mod twin;

#[derive(Parser)]
#[command(
    name = "orfevre",
    version,
    about = "Orfèvre: jewelry personalization — catalogs, designs, evaluation",
    after_help = EXIT_CODES
)]
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
    /// Production: the job bag of a design for the workshop.
    Production {
        #[command(subcommand)]
        cmd: production::ProductionCmd,
    },
    /// NFC tags: the NDEF record to write, and the check of an NTAG 424 DNA tap.
    Nfc {
        #[command(subcommand)]
        cmd: twin::NfcCmd,
    },
    /// A QR code (error correction Q) as SVG or PNG. Exit 0 written, 2 bad input.
    Qr(twin::QrArgs),
    /// Certificates of authenticity: the brand's key, issuing, verifying offline.
    Passport {
        #[command(subcommand)]
        cmd: twin::PassportCmd,
    },
    /// Serve the API (and the web UI) for the brand. Settings come from the command line, then
    /// ORFEVRE_* environment variables, then the --config file, then the defaults shown.
    /// Exit 0 after SIGTERM or Ctrl-C, 2 bad settings or a catalog refused (errors, or changed
    /// under a version already stored).
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

/// Every command's exit codes (also in each command's --help and in the README).
const EXIT_CODES: &str = "Exit codes:
  catalog check   0 clean (warnings allowed), 1 errors, 2 not a catalog directory
  design eval     0 valid, 1 invalid, 2 malformed design or catalog with errors
  design spell    0 spelled and valid, 1 letters or the word to resolve, 2 bad input
  design hash     0 printed, 2 malformed design
  engrave         0 written, 1 cannot be engraved, 2 bad input
  model           0 written and makeable, 1 written with manufacturing problems, 2 bad input
  production job  0 written, 1 the job cannot be made (the reason is printed), 2 bad input
  production plate 0 written, every part placed; 1 parts left off (listed) or none; 2 bad input
  nfc verify      0 genuine, 1 not genuine, 2 malformed
  passport verify 0 valid, 1 invalid, 2 unreadable
  nfc ndef, qr, passport keygen|issue, user, token: 0 done, 2 bad input
  serve           0 after SIGTERM or Ctrl-C, 2 bad settings or the catalog refused
Output piped into a reader that stops early (| head) ends quietly with 0.";

#[derive(Subcommand)]
enum CatalogCmd {
    /// Check a catalog directory and report every problem.
    /// Exit 0 clean (warnings allowed), 1 errors, 2 the directory cannot be read.
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
    /// Evaluate a design. Exit 0 valid, 1 invalid, 2 malformed design (the JSON pointer is named)
    /// or a catalog with errors.
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
    /// Spell a word in letter beads: prints the design; each letter missing or out of stock (with
    /// its fallback) and why the word as a whole does not fit go to standard error. Exit 0 spelled
    /// and valid, 1 letters or the word to resolve, 2 bad input.
    Spell {
        #[arg(long, default_value = "catalogs/demo", env = "ORFEVRE_CATALOG")]
        catalog: PathBuf,
        #[arg(long, default_value = "name-bracelet")]
        base: String,
        #[arg(long, default_value = "strand")]
        mount: String,
        /// The size to spell at (default: the base's default size).
        #[arg(long)]
        size: Option<String>,
        text: String,
    },
    /// Print a design's content address (SHA-256 of its canonical JSON). Exit 0 printed, 2 malformed.
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
        Cmd::Production { cmd } => production::run(cmd),
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
                outln!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                for d in &loaded.diagnostics {
                    outln!("{}/{d}", dir.display());
                }
                match &loaded.catalog {
                    Some(c) => outln!(
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
                        outln!("{}: {} error(s), {} warning(s)", dir.display(), loaded.errors(), loaded.warnings())
                    }
                }
            }
            Ok(if loaded.errors() == 0 { 0 } else { 1 })
        }
        Cmd::Design { cmd: DesignCmd::Spell { catalog, base, mount, size, text } } => {
            let engine = match load_engine(&catalog)? {
                Ok(e) => e,
                Err(code) => return Ok(code),
            };
            let s = engine.spell(&base, &mount, size.as_deref(), &text);
            for i in &s.issues {
                let alt = if i.alternatives.is_empty() {
                    String::new()
                } else {
                    format!(" — fallback: {}", i.alternatives.join(", "))
                };
                let problem = serde_json::to_value(&i.problem)?;
                eprintln!("letter {} '{}': {}{alt}", i.index + 1, i.character, problem.as_str().unwrap_or_default());
            }
            for p in &s.problems {
                let v = serde_json::to_value(p)?;
                eprintln!(
                    "{}: {}",
                    v["problem"].as_str().unwrap_or_default(),
                    v["message"].as_str().unwrap_or_default()
                );
            }
            match &s.design {
                Some(d) => outln!("{}", serde_json::to_string_pretty(d)?),
                None => anyhow::bail!("base {base} has no strand mount {mount}"),
            }
            Ok(if s.issues.is_empty() && s.problems.is_empty() { 0 } else { 1 })
        }
        Cmd::Design { cmd: DesignCmd::Hash { design, canonical } } => {
            let bytes = read_input(&design)?;
            match Design::from_json(&bytes) {
                Ok(d) => {
                    if canonical {
                        outln!("{}", d.canonical_json());
                    }
                    outln!("{}", d.hash());
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
                Err(e) => return Ok(malformed(json, &design, &e)),
            };
            let engine = match load_engine(&catalog)? {
                Ok(e) => e,
                Err(code) => return Ok(code),
            };
            if let Err(e) = engine.check_shape(&d) {
                return Ok(malformed(json, &design, &e));
            }
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
                outln!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                print_human(&engine, &d, &ev, &choices);
            }
            Ok(if ev.valid { 0 } else { 1 })
        }
    }
}

/// A malformed design: said on stderr (and as JSON with `--json`), exit 2.
fn malformed(json: bool, path: &Path, e: &orfevre_engine::DesignError) -> u8 {
    if json {
        outln!("{}", serde_json::json!({"error": "malformed-design", "pointer": e.pointer, "message": e.message}));
    }
    eprintln!("{}: malformed design at {e}", path.display());
    2
}

fn print_human(engine: &Engine, d: &Design, ev: &orfevre_engine::Evaluation, choices: &[orfevre_engine::ChoiceReport]) {
    let base =
        engine.catalog.base(&d.base).map(|b| engine.catalog.bases[b as usize].name.clone()).unwrap_or(d.base.clone());
    outln!("{base} — design {}", &ev.design_hash[..16]);
    if ev.valid {
        outln!("valid");
    } else {
        outln!("INVALID: {} problem(s)", ev.violations.len());
        for v in &ev.violations {
            outln!("  ✗ [{}] {}", v.rule, v.message);
        }
    }
    outln!("price:");
    for l in &ev.price.lines {
        outln!("  {:>3} × {:<48} {:>12}", l.qty, l.label, l.amount.to_string());
    }
    if !ev.price.rounding.amount.is_zero() {
        outln!("        {:<48} {:>12}", "price-point rounding", ev.price.rounding.to_string());
    }
    outln!("  total {:>60}", ev.price.total.to_string());
    outln!("weight: {}   lead time: {} day(s)", ev.weight, ev.lead_time_days);
    for c in choices {
        let ok = c.candidates.iter().filter(|x| x.feasible).count();
        outln!("choice {}: {ok} of {} candidates feasible", c.label, c.candidates.len());
        for x in c.candidates.iter().filter(|x| !x.feasible).take(3) {
            let repair = x.repair.as_ref().map(|r| format!(" — repair: {}", r.description)).unwrap_or_default();
            outln!("    {} ✗ {}{repair}", x.option, x.reasons.first().cloned().unwrap_or_default());
        }
    }
}
