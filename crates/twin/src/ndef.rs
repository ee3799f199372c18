//! NDEF (NFC Forum) URI records: the bytes written to a tag so that a phone opens the piece's page.

use crate::{Error, Result};

/// The URI identifier codes the NFC Forum URI RTD abbreviates (the longest match wins).
const PREFIXES: [(u8, &str); 4] =
    [(0x04, "https://"), (0x03, "http://"), (0x02, "https://www."), (0x01, "http://www.")];

/// An NDEF message of one URI record (short record when the payload fits 255 bytes).
pub fn uri_message(uri: &str) -> Result<Vec<u8>> {
    if uri.is_empty() || uri.len() > 2048 || uri.chars().any(|c| c.is_control() || c == ' ') {
        return Err(Error::Invalid {
            what: "the URL",
            rule: "1–2,048 characters without spaces or controls",
            got: format!("{} characters", uri.len()),
        });
    }
    let (code, rest) = PREFIXES
        .iter()
        .filter(|(_, p)| uri.starts_with(p))
        .max_by_key(|(_, p)| p.len())
        .map(|(c, p)| (*c, &uri[p.len()..]))
        .unwrap_or((0x00, uri));
    let mut payload = vec![code];
    payload.extend_from_slice(rest.as_bytes());
    let mut out = Vec::with_capacity(payload.len() + 7);
    if payload.len() <= 255 {
        // MB | ME | SR, TNF 1 (well-known).
        out.extend_from_slice(&[0xd1, 0x01, payload.len() as u8]);
    } else {
        out.extend_from_slice(&[0xc1, 0x01]);
        out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    }
    out.push(b'U');
    out.extend_from_slice(&payload);
    Ok(out)
}

/// The NDEF file of a Type 4 tag (NTAG 424 DNA): the message behind its 2-byte length.
pub fn type4_file(message: &[u8]) -> Vec<u8> {
    let mut out = (message.len() as u16).to_be_bytes().to_vec();
    out.extend_from_slice(message);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_https_record() {
        let m = uri_message("https://lumen.example/p/ABC123").unwrap();
        assert_eq!(m[..4], [0xd1, 0x01, 23, b'U'], "header, type length, payload length (code + 22), type");
        assert_eq!(m[4], 0x04, "https:// abbreviated");
        assert_eq!(&m[5..], b"lumen.example/p/ABC123");
        assert_eq!(uri_message("https://www.x.test").unwrap()[4], 0x02, "the longest prefix wins");
        assert_eq!(type4_file(&m)[..2], [0, m.len() as u8]);
    }

    #[test]
    fn long_urls_use_a_long_record_and_bad_ones_are_refused() {
        let long = format!("https://x.test/{}", "a".repeat(300));
        let m = uri_message(&long).unwrap();
        assert_eq!(m[0], 0xc1);
        assert_eq!(u32::from_be_bytes(m[2..6].try_into().unwrap()) as usize, m.len() - 7);
        assert!(uri_message("https://x.test/a b").is_err());
        assert!(uri_message("").is_err());
    }
}
