//! Secure Unique NFC (SUN) messages of NTAG 424 DNA tags, after NXP AN12196 in AES mode.
//!
//! A tap opens a URL whose parameters the tag computed for this read: the PICC data (the tag's
//! UID and its read counter, encrypted with the meta-read key), optionally the encrypted file data,
//! and a CMAC truncated to 8 bytes made with a session key derived from the file-read key, the UID
//! and the counter. Copying the URL to a blank tag gives a URL whose counter never moves: the
//! caller rejects a counter that is not above the last one seen for that tag.
//!
//! Both URL conventions are read: `e=` (PICC data) and `c=` (CMAC), and
//! `picc_data=`, `enc=`, `cmac=`.

use crate::{Error, Result};
use aes::cipher::{BlockDecrypt, BlockDecryptMut, BlockEncrypt, KeyInit, KeyIvInit};
use aes::Aes128;
use cmac::{Cmac, Mac};
use subtle::ConstantTimeEq;

/// An AES-128 key.
pub type Key = [u8; 16];

/// What a verified tap says.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Tap {
    /// The tag's 7-byte UID, upper-case hex.
    pub uid: String,
    /// The tag's SUN read counter (24 bits).
    pub counter: u32,
    /// The decrypted file data, when the tag mirrors it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_data: Option<Vec<u8>>,
}

/// Why a tap is refused. `Forged` is the one to log: a MAC that does not match.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum SunError {
    #[error("{0}")]
    Malformed(String),
    #[error("the tag's signature does not match: not a genuine tap of this tag (or the wrong keys)")]
    Forged,
}

/// The SUN parameters of a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SunParams {
    pub picc: [u8; 16],
    pub enc: Option<Vec<u8>>,
    pub cmac: [u8; 8],
    /// The bytes the CMAC covers: from the start of the `enc` value up to the `cmac` value (the
    /// tag's SDMMACInputOffset to SDMMACOffset), empty without file data.
    pub mac_input: Vec<u8>,
}

fn malformed(m: impl Into<String>) -> SunError {
    SunError::Malformed(m.into())
}

fn hex_param<const N: usize>(name: &str, v: &str) -> std::result::Result<[u8; N], SunError> {
    let b = hex::decode(v).map_err(|_| malformed(format!("`{name}` is not hexadecimal")))?;
    b.try_into().map_err(|_| malformed(format!("`{name}` must be {} hexadecimal digits", 2 * N)))
}

/// Reads the SUN parameters of a tap URL, in either convention.
pub fn parse_url(url: &str) -> std::result::Result<SunParams, SunError> {
    let query = url.split_once('?').map(|(_, q)| q).ok_or_else(|| malformed("the URL has no query"))?;
    let query = query.split('#').next().unwrap_or("");
    // (name, value, offset of the value in the URL)
    let base = url.len() - url.split_once('?').map(|(_, q)| q.len()).unwrap_or(0);
    let mut params = Vec::new();
    let mut at = base;
    for pair in query.split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        params.push((k, v, at + k.len() + 1));
        at += pair.len() + 1;
    }
    let get = |names: &[&str]| params.iter().find(|(k, _, _)| names.contains(k)).copied();
    let (pn, picc, _) = get(&["picc_data", "e"]).ok_or_else(|| malformed("no PICC data (`e=` or `picc_data=`)"))?;
    let (cn, cmac, cmac_at) = get(&["cmac", "c"]).ok_or_else(|| malformed("no CMAC (`c=` or `cmac=`)"))?;
    let enc = get(&["enc"]);
    // The MAC runs from the `enc` value up to the CMAC's value, "…&cmac=" included, as the URL
    // spells it.
    let mac_input = match enc {
        Some((_, _, enc_at)) if enc_at < cmac_at => url.as_bytes()[enc_at..cmac_at].to_vec(),
        Some(_) => return Err(malformed("`enc` must come before the CMAC")),
        None => Vec::new(),
    };
    let enc = match enc {
        Some((_, v, _)) => {
            let b = hex::decode(v).map_err(|_| malformed("`enc` is not hexadecimal"))?;
            if b.is_empty() || b.len() % 16 != 0 {
                return Err(malformed("`enc` must be whole 16-byte blocks"));
            }
            Some(b)
        }
        None => None,
    };
    Ok(SunParams { picc: hex_param(pn, picc)?, enc, cmac: hex_param(cn, cmac)?, mac_input })
}

/// Verifies a tap URL with the tag's meta-read key (PICC data) and file-read key (CMAC, file
/// data). The CMAC is compared in constant time.
pub fn verify_url(url: &str, meta_key: &Key, file_key: &Key) -> std::result::Result<Tap, SunError> {
    verify(&parse_url(url)?, meta_key, file_key)
}

pub fn verify(p: &SunParams, meta_key: &Key, file_key: &Key) -> std::result::Result<Tap, SunError> {
    verify_keyed(p, meta_key, |_| Ok(*file_key))
}

/// Verifies a tap whose file-read key depends on the tag: `file_key` gets the UID read from the
/// PICC data (decrypted with the brand-wide meta-read key) and answers that tag's own key (a
/// diversified key, say), or an error for a tag the caller does not know.
pub fn verify_keyed(
    p: &SunParams,
    meta_key: &Key,
    file_key: impl FnOnce(&[u8; 7]) -> std::result::Result<Key, SunError>,
) -> std::result::Result<Tap, SunError> {
    // PICC data: one AES block, CBC with a zero IV, i.e. a plain block decryption.
    let mut block = aes::Block::clone_from_slice(&p.picc);
    Aes128::new(meta_key.into()).decrypt_block(&mut block);
    let tag = block[0];
    let (has_uid, has_ctr, uid_len) = (tag & 0x80 != 0, tag & 0x40 != 0, (tag & 0x0f) as usize);
    if !has_uid || !has_ctr || uid_len != 7 {
        // A wrong meta-read key gives noise here: as unknown as a forged tap.
        return Err(SunError::Forged);
    }
    let uid: [u8; 7] = block[1..8].try_into().expect("7 bytes");
    let ctr: [u8; 3] = block[8..11].try_into().expect("3 bytes");
    let counter = u32::from_le_bytes([ctr[0], ctr[1], ctr[2], 0]);
    let file_key = file_key(&uid)?;
    let (mac_key, enc_key) = session_keys(&file_key, &uid, &ctr);
    let mut mac = <Cmac<Aes128> as Mac>::new_from_slice(&mac_key).expect("16-byte key");
    mac.update(&p.mac_input);
    let full = mac.finalize().into_bytes();
    // The truncated MAC is the odd-indexed bytes (AN12196: S14, S12, … S0 of the MAC).
    let truncated: Vec<u8> = (1..16).step_by(2).map(|i| full[i]).collect();
    if !bool::from(truncated.ct_eq(&p.cmac)) {
        return Err(SunError::Forged);
    }
    let file_data = p.enc.as_ref().map(|enc| {
        // IV = E(K_SesSDMFileReadENC, SDMReadCtr || 0^13), then CBC.
        let mut iv = aes::Block::default();
        iv[..3].copy_from_slice(&ctr);
        Aes128::new((&enc_key).into()).encrypt_block(&mut iv);
        let mut data = enc.clone();
        let mut dec = cbc::Decryptor::<Aes128>::new((&enc_key).into(), &iv);
        for chunk in data.chunks_mut(16) {
            dec.decrypt_block_mut(aes::Block::from_mut_slice(chunk));
        }
        data
    });
    Ok(Tap { uid: hex::encode_upper(uid), counter, file_data })
}

/// The SDM session keys (MAC, ENC) from the file-read key, the UID and the counter: CMAC over
/// SV2 = 3CC3 0001 0080 ‖ UID ‖ SDMReadCtr, and SV1 = C33C 0001 0080 ‖ UID ‖ SDMReadCtr.
pub fn session_keys(file_key: &Key, uid: &[u8; 7], ctr: &[u8; 3]) -> (Key, Key) {
    let derive = |prefix: [u8; 2]| -> Key {
        let mut sv = [0u8; 16];
        sv[..6].copy_from_slice(&[prefix[0], prefix[1], 0x00, 0x01, 0x00, 0x80]);
        sv[6..13].copy_from_slice(uid);
        sv[13..16].copy_from_slice(ctr);
        let mut mac = <Cmac<Aes128> as Mac>::new_from_slice(file_key).expect("16-byte key");
        mac.update(&sv);
        mac.finalize().into_bytes().into()
    };
    (derive([0x3c, 0xc3]), derive([0xc3, 0x3c]))
}

/// A tag's own key, diversified from a master key after NXP AN10922 (AES-128): CMAC-like over
/// 0x01 ‖ M, where M is the tag's UID ‖ `system` (a brand's identifier and key slot). A key read
/// out of one tag opens no other.
pub fn diversify(master: &Key, uid: &[u8; 7], system: &[u8]) -> Result<Key> {
    if system.len() > 31 - 7 {
        return Err(Error::Invalid {
            what: "the diversification input",
            rule: "at most 24 bytes after the UID",
            got: format!("{} bytes", system.len()),
        });
    }
    let aes = Aes128::new(master.into());
    let (k1, k2) = subkeys(&aes);
    let mut d = vec![0x01];
    d.extend_from_slice(uid);
    d.extend_from_slice(system);
    // Padded to 32 bytes with 80 00…: then the last block takes K2; exactly 32: K1.
    let last_key = if d.len() < 32 {
        d.push(0x80);
        d.resize(32, 0);
        k2
    } else {
        k1
    };
    let mut x = aes::Block::default();
    for (i, chunk) in d.chunks(16).enumerate() {
        for (j, b) in chunk.iter().enumerate() {
            x[j] ^= b ^ if i == 1 { last_key[j] } else { 0 };
        }
        aes.encrypt_block(&mut x);
    }
    Ok(x.into())
}

/// CMAC subkeys K1 and K2 (NIST SP 800-38B): doublings of E(K, 0) in GF(2¹²⁸).
fn subkeys(aes: &Aes128) -> (Key, Key) {
    let dbl = |b: Key| -> Key {
        let mut out = [0u8; 16];
        let carry = b[0] >> 7;
        for i in 0..16 {
            out[i] = (b[i] << 1) | if i < 15 { b[i + 1] >> 7 } else { 0 };
        }
        out[15] ^= 0x87 * carry;
        out
    };
    let mut l = aes::Block::default();
    aes.encrypt_block(&mut l);
    let k1 = dbl(l.into());
    (k1, dbl(k1))
}

/// Parses a 16-byte key written as 32 hexadecimal digits.
pub fn key_from_hex(s: &str) -> Result<Key> {
    let bad = || Error::Invalid {
        what: "a key",
        rule: "32 hexadecimal digits (AES-128)",
        got: format!("{} characters", s.len()),
    };
    hex::decode(s.trim()).map_err(|_| bad())?.try_into().map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ZERO: Key = [0; 16];

    /// AN12196's own example: all-zero keys.
    #[test]
    fn an12196_example_verifies() {
        let url = "https://ntag.nxp.com/424?e=EF963FF7828658A599F3041510671E88&c=94EED9EE65337086";
        let tap = verify_url(url, &ZERO, &ZERO).unwrap();
        assert_eq!(tap.uid, "04DE5F1EACC040");
        assert_eq!(tap.counter, 61);
        assert_eq!(tap.file_data, None);
    }

    /// AN12196's example with mirrored file data (picc_data / enc / cmac convention).
    #[test]
    fn an12196_file_data_example_verifies() {
        let url = "https://my424dna.com/?picc_data=FDE4AFA99B5C820A2C1BB0F1C792D0EB&enc=94592FDE69FA06E8E3B6CA686A22842B&cmac=C48B89C17A233B2C";
        let tap = verify_url(url, &ZERO, &ZERO).unwrap();
        assert_eq!((tap.uid.as_str(), tap.counter), ("04958CAA5C5E80", 1));
        assert_eq!(tap.file_data.as_deref(), Some(&b"xxxxxxxxxxxxxxxx"[..]));
        let (_, enc) = session_keys(&ZERO, &[0x04, 0x95, 0x8c, 0xaa, 0x5c, 0x5e, 0x80], &[1, 0, 0]);
        assert_eq!(hex::encode_upper(enc), "8097D73344D53F963B09E23E03B62336");
        // The CMAC covers the encrypted data: change one digit of it and the tap is forged.
        let bad = url.replace("enc=9459", "enc=9458");
        assert_eq!(verify_url(&bad, &ZERO, &ZERO), Err(SunError::Forged));
    }

    #[test]
    fn tampered_and_wrongly_keyed_taps_are_forged() {
        let good = "https://ntag.nxp.com/424?e=EF963FF7828658A599F3041510671E88&c=94EED9EE65337086";
        // One bit of the CMAC, one bit of the PICC data, the wrong keys.
        for bad in [good.replace("c=94EED9EE65337086", "c=94EED9EE65337087"), good.replace("e=EF96", "e=EF97")] {
            assert_eq!(verify_url(&bad, &ZERO, &ZERO), Err(SunError::Forged), "{bad}");
        }
        let mut other = ZERO;
        other[15] = 1;
        assert_eq!(verify_url(good, &ZERO, &other), Err(SunError::Forged));
        assert_eq!(verify_url(good, &other, &ZERO), Err(SunError::Forged));
    }

    #[test]
    fn malformed_urls_say_what_is_missing() {
        for (url, says) in [
            ("https://x.test/p", "no query"),
            ("https://x.test/p?c=94EED9EE65337086", "no PICC data"),
            ("https://x.test/p?e=EF963FF7828658A599F3041510671E88", "no CMAC"),
            ("https://x.test/p?e=EF96&c=94EED9EE65337086", "32 hexadecimal digits"),
            ("https://x.test/p?e=ZZ963FF7828658A599F3041510671E88&c=94EED9EE65337086", "not hexadecimal"),
        ] {
            let e = verify_url(url, &ZERO, &ZERO).unwrap_err().to_string();
            assert!(e.contains(says), "{url}: {e}");
        }
    }

    /// NIST SP 800-38B's AES-128 subkeys (key 2b7e1516 28aed2a6 abf71588 09cf4f3c).
    #[test]
    fn cmac_subkeys_match_sp800_38b() {
        let k = key_from_hex("2b7e151628aed2a6abf7158809cf4f3c").unwrap();
        let (k1, k2) = subkeys(&Aes128::new((&k).into()));
        assert_eq!(hex::encode(k1), "fbeed618357133667c85e08f7236a8de");
        assert_eq!(hex::encode(k2), "f7ddac306ae266ccf90bc11ee46d513b");
    }

    #[test]
    fn diversified_keys_differ_per_tag() {
        let master = key_from_hex("00112233445566778899aabbccddeeff").unwrap();
        let a = diversify(&master, &[4, 0xde, 0x5f, 0x1e, 0xac, 0xc0, 0x40], b"lumen-1").unwrap();
        let b = diversify(&master, &[4, 0xde, 0x5f, 0x1e, 0xac, 0xc0, 0x41], b"lumen-1").unwrap();
        let c = diversify(&master, &[4, 0xde, 0x5f, 0x1e, 0xac, 0xc0, 0x40], b"lumen-2").unwrap();
        assert!(a != b && a != c && b != c);
        assert_eq!(a, diversify(&master, &[4, 0xde, 0x5f, 0x1e, 0xac, 0xc0, 0x40], b"lumen-1").unwrap());
        assert!(diversify(&master, &[0; 7], &[0; 25]).is_err());
    }

    /// AN10922's AES-128 example: master 00112233…EEFF, M = UID 04782E21801D80 ‖ AID 3042F5 ‖
    /// system identifier "NXP Abu".
    #[test]
    fn an10922_example() {
        let master = key_from_hex("00112233445566778899aabbccddeeff").unwrap();
        let uid = [0x04, 0x78, 0x2e, 0x21, 0x80, 0x1d, 0x80];
        let mut system = vec![0x30, 0x42, 0xf5];
        system.extend_from_slice(b"NXP Abu");
        let k = diversify(&master, &uid, &system).unwrap();
        assert_eq!(hex::encode_upper(k), "A8DD63A3B89D54B37CA802473FDA9175");
    }
}
