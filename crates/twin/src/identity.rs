//! A piece's identity URL, printed in its QR code and written to its tag: a GS1 Digital Link
//! (`/01/{GTIN-14}/21/{serial}`) when its base has a GTIN, `/p/{serial}` otherwise.

use crate::{Error, Result};

/// The path of a piece's page. `gtin` is a GTIN-8/12/13/14 the catalog has validated (check digit
/// included); it is written as a GTIN-14, zero-padded, as GS1 Digital Link requires. Serials are
/// 1–20 characters of `A–Z a–z 0–9 -` (within GS1's AI 21 character set, and safe in a URL).
pub fn path(gtin: Option<&str>, serial: &str) -> Result<String> {
    if serial.is_empty() || serial.len() > 20 || !serial.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(Error::Invalid {
            what: "the serial",
            rule: "1–20 letters, digits and hyphens",
            got: serial.to_string(),
        });
    }
    match gtin {
        None => Ok(format!("/p/{serial}")),
        Some(g) if matches!(g.len(), 8 | 12 | 13 | 14) && g.bytes().all(|b| b.is_ascii_digit()) => {
            Ok(format!("/01/{g:0>14}/21/{serial}"))
        }
        Some(g) => Err(Error::Invalid { what: "the GTIN", rule: "8, 12, 13 or 14 digits", got: g.to_string() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digital_link_paths() {
        // GS1's own example GTIN-14, and a GTIN-13 padded.
        assert_eq!(path(Some("09506000134352"), "LUM-42").unwrap(), "/01/09506000134352/21/LUM-42");
        assert_eq!(path(Some("9506000134352"), "LUM-42").unwrap(), "/01/09506000134352/21/LUM-42");
        assert_eq!(path(None, "LUM-42").unwrap(), "/p/LUM-42");
        assert!(path(None, "LUM 42").unwrap_err().to_string().contains("serial"));
        assert!(path(Some("12345"), "LUM-42").unwrap_err().to_string().contains("GTIN"));
    }
}
