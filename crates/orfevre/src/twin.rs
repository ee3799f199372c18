//! `orfevre nfc` and `orfevre qr`: the bytes written to a piece's tag, the check of a tap, and
//! the QR codes printed on packaging or engraved.

use anyhow::{anyhow, Context, Result};
use clap::{Args, Subcommand};
use orfevre_twin::{ndef, qr, sun};
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum NfcCmd {
    /// The NDEF message of one URI record, to write to a tag (`--type4` prefixes the 2-byte
    /// length of a Type 4 tag's NDEF file, as on NTAG 424 DNA).
    Ndef {
        #[arg(long)]
        url: String,
        #[arg(short = 'o', long)]
        out: PathBuf,
        #[arg(long)]
        type4: bool,
    },
    /// Verifies an NTAG 424 DNA tap URL (AN12196, AES): prints JSON {valid, uid, counter,
    /// file_data}; exit 0 valid, 1 not genuine, 2 malformed. Checking that the counter went up
    /// since the tag's last tap is the server's job (it keeps the counters).
    Verify {
        #[arg(long)]
        url: String,
        /// K_SDMMetaRead, 32 hexadecimal digits.
        #[arg(long)]
        meta_key: String,
        /// K_SDMFileRead, 32 hexadecimal digits.
        #[arg(long)]
        file_key: String,
    },
}

#[derive(Args)]
pub struct QrArgs {
    /// The text (a piece's URL).
    #[arg(long)]
    pub text: String,
    /// The file: .svg (vector, for print and engraving) or .png.
    #[arg(short = 'o', long)]
    pub out: PathBuf,
    /// SVG: the printed width in mm, quiet zone included.
    #[arg(long, default_value_t = 20.0)]
    pub size_mm: f64,
    /// PNG: pixels per module.
    #[arg(long, default_value_t = 8)]
    pub module_px: u32,
}

pub fn nfc(cmd: NfcCmd) -> Result<u8> {
    match cmd {
        NfcCmd::Ndef { url, out, type4 } => {
            let m = ndef::uri_message(&url).map_err(|e| anyhow!("--url: {e}"))?;
            let bytes = if type4 { ndef::type4_file(&m) } else { m };
            std::fs::write(&out, &bytes).with_context(|| format!("cannot write {}", out.display()))?;
            println!("{}", serde_json::json!({ "file": out.display().to_string(), "bytes": bytes.len() }));
            Ok(0)
        }
        NfcCmd::Verify { url, meta_key, file_key } => {
            let mk = sun::key_from_hex(&meta_key).map_err(|e| anyhow!("--meta-key: {e}"))?;
            let fk = sun::key_from_hex(&file_key).map_err(|e| anyhow!("--file-key: {e}"))?;
            match sun::verify_url(&url, &mk, &fk) {
                Ok(tap) => {
                    println!(
                        "{}",
                        serde_json::to_string_pretty(&serde_json::json!({
                            "valid": true,
                            "uid": tap.uid,
                            "counter": tap.counter,
                            "file_data": tap.file_data.as_ref().map(hex::encode_upper),
                        }))?
                    );
                    Ok(0)
                }
                Err(sun::SunError::Forged) => {
                    println!("{}", serde_json::json!({ "valid": false, "reason": sun::SunError::Forged.to_string() }));
                    Ok(1)
                }
                Err(e) => Err(anyhow!("--url: {e}")),
            }
        }
    }
}

pub fn qr(a: QrArgs) -> Result<u8> {
    let ext = a.out.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let bytes = match ext.as_str() {
        "svg" => qr::svg(&a.text, a.size_mm).map(String::into_bytes),
        "png" => qr::png(&a.text, a.module_px),
        _ => return Err(anyhow!("-o {}: the file must end in .svg or .png", a.out.display())),
    }
    .map_err(|e| anyhow!("--text: {e}"))?;
    std::fs::write(&a.out, &bytes).with_context(|| format!("cannot write {}", a.out.display()))?;
    Ok(0)
}
