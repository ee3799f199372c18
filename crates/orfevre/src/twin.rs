//! `orfevre nfc` and `orfevre qr`: the bytes written to a piece's tag, the check of a tap, and
//! the QR codes printed on packaging or engraved.

use anyhow::{anyhow, Context, Result};
use clap::{Args, Subcommand};
use orfevre_twin::{ndef, qr, sun};
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum NfcCmd {
    /// The NDEF message of one URI record, to write to a tag (`--type4` prefixes the 2-byte
    /// length of a Type 4 tag's NDEF file, as on NTAG 424 DNA). Exit 0 written, 2 bad input.
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
            outln!("{}", serde_json::json!({ "file": out.display().to_string(), "bytes": bytes.len() }));
            Ok(0)
        }
        NfcCmd::Verify { url, meta_key, file_key } => {
            let mk = sun::key_from_hex(&meta_key).map_err(|e| anyhow!("--meta-key: {e}"))?;
            let fk = sun::key_from_hex(&file_key).map_err(|e| anyhow!("--file-key: {e}"))?;
            match sun::verify_url(&url, &mk, &fk) {
                Ok(tap) => {
                    outln!(
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
                    outln!("{}", serde_json::json!({ "valid": false, "reason": sun::SunError::Forged.to_string() }));
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

#[derive(Subcommand)]
pub enum PassportCmd {
    /// A new Ed25519 signing key for the brand: DIR/key.json (multibase, did:key), mode 0600.
    /// Exit 0 written, 2 bad input.
    Keygen {
        #[arg(long)]
        out: PathBuf,
    },
    /// A certificate of authenticity for a piece: a W3C Verifiable Credential signed with
    /// eddsa-jcs-2022. Exit 0 written, 2 bad input.
    Issue {
        /// The directory `keygen` wrote.
        #[arg(long)]
        key: PathBuf,
        #[arg(long)]
        serial: String,
        /// The design's content address (64 hexadecimal digits).
        #[arg(long)]
        design: String,
        /// The issuer (the brand's did:web, or its did:key by default).
        #[arg(long)]
        issuer: Option<String>,
        #[arg(short = 'o', long)]
        out: PathBuf,
    },
    /// Verifies a certificate offline (did:key), or against the brand's DID document for a did:web
    /// proof (the brand's /.well-known/did.json, fetched beforehand): exit 0 valid, 1 invalid,
    /// 2 unreadable.
    Verify {
        cert: PathBuf,
        #[arg(long)]
        did_document: Option<PathBuf>,
    },
}

pub fn passport(cmd: PassportCmd) -> Result<u8> {
    use orfevre_twin::credential::{self, Keys};
    match cmd {
        PassportCmd::Keygen { out } => {
            std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
            let keys = Keys::generate();
            let body = serde_json::json!({
                "privateKeyMultibase": keys.private_multibase(),
                "publicKeyMultibase": keys.public_multibase(),
                "verificationMethod": keys.did_key_method(),
            });
            let path = out.join("key.json");
            write_private(&path, &serde_json::to_vec_pretty(&body)?)?;
            outln!(
                "{}",
                serde_json::json!({ "key": path.display().to_string(), "verificationMethod": keys.did_key_method() })
            );
            Ok(0)
        }
        PassportCmd::Issue { key, serial, design, issuer, out } => {
            let path = key.join("key.json");
            let k: serde_json::Value = serde_json::from_slice(
                &std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?,
            )
            .with_context(|| format!("{} is not JSON", path.display()))?;
            let keys = Keys::from_multibase(k["privateKeyMultibase"].as_str().unwrap_or_default())
                .map_err(|e| anyhow!("{}: {e}", path.display()))?;
            if design.len() != 64 || !design.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
                return Err(anyhow!("--design: a design hash is 64 lowercase hexadecimal digits"));
            }
            if serial.is_empty() || serial.len() > 64 || !serial.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            {
                return Err(anyhow!("--serial: 1–64 letters, digits and hyphens"));
            }
            let now = time::OffsetDateTime::now_utc().replace_nanosecond(0).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
            let created = now.format(&time::format_description::well_known::Rfc3339)?;
            let doc = serde_json::json!({
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": ["VerifiableCredential", "CertificateOfAuthenticity"],
                "issuer": issuer.unwrap_or_else(|| keys.did_key_method().split('#').next().unwrap_or_default().to_string()),
                "validFrom": created,
                "credentialSubject": { "serial": serial, "design": design },
            });
            let signed = credential::issue(&doc, &keys, &created).map_err(|e| anyhow!("{e}"))?;
            std::fs::write(&out, serde_json::to_vec_pretty(&signed)?)
                .with_context(|| format!("cannot write {}", out.display()))?;
            Ok(0)
        }
        PassportCmd::Verify { cert, did_document } => {
            let doc: Option<serde_json::Value> = match &did_document {
                Some(p) => Some(
                    serde_json::from_slice(&std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?)
                        .with_context(|| format!("{} is not JSON", p.display()))?,
                ),
                None => None,
            };
            let v: serde_json::Value = serde_json::from_slice(
                &std::fs::read(&cert).with_context(|| format!("cannot read {}", cert.display()))?,
            )
            .with_context(|| format!("{} is not JSON", cert.display()))?;
            match credential::verify_with(&v, doc.as_ref()) {
                Ok(method) => {
                    outln!("{}", serde_json::json!({ "valid": true, "verificationMethod": method }));
                    Ok(0)
                }
                Err(e) => {
                    outln!("{}", serde_json::json!({ "valid": false, "reason": e.to_string() }));
                    Ok(1)
                }
            }
        }
    }
}

/// Writes a secret readable by its owner only.
fn write_private(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write as _;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let mut f = o.open(path).with_context(|| format!("cannot create {} (is there a key already?)", path.display()))?;
    f.write_all(bytes)?;
    Ok(())
}
