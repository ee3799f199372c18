//! Revocation through a W3C Bitstring Status List (v1.0): one bit per certificate, 1 = revoked,
//! published as a signed `BitstringStatusListCredential` whose `encodedList` is `u` +
//! base64url (no padding) of the GZIP of the bitstring. Bit 0 is the most significant bit of the
//! first byte. Lists have at least 131,072 bits (16 KiB) so that one bit says little about whom
//! it belongs to; issuers pick indices at random.

use crate::{Error, Result};
use base64::Engine;
use serde_json::{json, Value};
use std::io::{Read, Write};

/// The smallest list the specification allows (16 KiB of bits).
pub const MIN_BITS: usize = 131_072;

/// The largest list this crate decodes (1 MiB of bits); a bigger `encodedList` is refused
/// before it is inflated.
pub const MAX_BYTES: usize = 1 << 20;

/// `encodedList` for a list of `bits` bits (rounded up to whole bytes) with `set` turned on.
pub fn encode(bits: usize, set: &[u64]) -> Result<String> {
    let mut bytes = vec![0u8; bits.div_ceil(8)];
    for &i in set {
        let i = usize::try_from(i).ok().filter(|&i| i < bits).ok_or_else(|| Error::Invalid {
            what: "a status index",
            rule: "inside the list",
            got: format!("{i} of {bits}"),
        })?;
        bytes[i / 8] |= 0x80 >> (i % 8);
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&bytes).expect("writes to a Vec");
    let packed = gz.finish().expect("writes to a Vec");
    Ok(format!("u{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(packed)))
}

/// The bitstring of an `encodedList`.
pub fn decode(encoded: &str) -> Result<Vec<u8>> {
    let bad =
        |rule: &'static str| Error::Invalid { what: "encodedList", rule, got: encoded.chars().take(12).collect() };
    let b64 = encoded.strip_prefix('u').ok_or_else(|| bad("multibase base64url (u…)"))?;
    let packed = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(b64).map_err(|_| bad("base64url"))?;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(&packed[..])
        .take(MAX_BYTES as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|_| bad("GZIP data"))?;
    if out.len() > MAX_BYTES {
        return Err(bad("at most 1 MiB once inflated"));
    }
    Ok(out)
}

/// Whether bit `index` is set (false beyond the end).
pub fn is_set(bitstring: &[u8], index: u64) -> bool {
    let i = index as usize;
    bitstring.get(i / 8).is_some_and(|b| b & (0x80 >> (i % 8)) != 0)
}

/// The `credentialStatus` entry of a certificate whose bit is `index` in the list at `list_url`.
pub fn entry(list_url: &str, index: u64) -> Value {
    json!({
        "id": format!("{list_url}#{index}"),
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": index.to_string(),
        "statusListCredential": list_url,
    })
}

/// The unsigned status list credential (sign it with [`crate::credential::issue`]).
pub fn list_credential(list_url: &str, issuer: &str, valid_from: &str, encoded: &str) -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": valid_from,
        "credentialSubject": {
            "id": format!("{list_url}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn an_empty_list_of_the_minimum_size_is_small_and_all_zero() {
        let e = encode(MIN_BITS, &[]).unwrap();
        assert!(e.len() < 200, "{} characters", e.len());
        let bits = decode(&e).unwrap();
        assert_eq!(bits.len(), MIN_BITS / 8);
        assert!(bits.iter().all(|b| *b == 0));
    }

    #[test]
    fn bit_zero_is_the_first_bytes_most_significant_bit() {
        let bits = decode(&encode(16, &[0, 9]).unwrap()).unwrap();
        assert_eq!(bits, vec![0b1000_0000, 0b0100_0000]);
    }

    #[test]
    fn bad_lists_are_refused() {
        assert!(encode(8, &[8]).is_err());
        assert!(decode("zabc").is_err());
        assert!(decode("u!!!").is_err());
        assert!(decode("uAAAA").is_err());
        // A GZIP bomb: 2 MiB of zeros packs into a few KiB but is refused once inflated.
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&vec![0u8; 2 << 20]).unwrap();
        let bomb = format!("u{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(gz.finish().unwrap()));
        assert!(decode(&bomb).is_err());
    }

    proptest! {
        #[test]
        fn exactly_the_set_bits_read_back(set in proptest::collection::btree_set(0u64..4096, 0..64)) {
            let v: Vec<u64> = set.iter().copied().collect();
            let bits = decode(&encode(4096, &v).unwrap()).unwrap();
            for i in 0..4096u64 {
                prop_assert_eq!(is_set(&bits, i), set.contains(&i));
            }
        }
    }
}
