//! Certificates of authenticity as W3C Verifiable Credentials (Data Model 2.0) with a Data
//! Integrity proof, cryptosuite `eddsa-jcs-2022` (W3C Recommendation, May 2025):
//! SHA-256(JCS(proof options)) ‖ SHA-256(JCS(document without its proof)), signed with Ed25519,
//! `proofValue` = `z` + base58btc(signature). Keys are multibase multicodec (did:key); a brand's
//! did:web names the same key.

use crate::{Error, Result};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

/// Multicodec prefixes (varint): ed25519-pub 0xed, ed25519-priv 0x1300.
const PUB: [u8; 2] = [0xed, 0x01];
const PRIV: [u8; 2] = [0x80, 0x26];

fn invalid(what: &'static str, rule: &'static str, got: impl Into<String>) -> Error {
    Error::Invalid { what, rule, got: got.into() }
}

/// A brand's signing key.
#[derive(Clone)]
pub struct Keys(SigningKey);

impl Keys {
    pub fn generate() -> Keys {
        Keys(SigningKey::generate(&mut rand::rngs::OsRng))
    }

    /// From `privateKeyMultibase` (z + base58btc of 0x8026 ‖ the 32-byte seed).
    pub fn from_multibase(s: &str) -> Result<Keys> {
        let b = multibase(s, &PRIV).ok_or_else(|| {
            invalid("the private key", "a multibase Ed25519 private key (z…)", s.get(..4).unwrap_or(s))
        })?;
        Ok(Keys(SigningKey::from_bytes(&b)))
    }

    pub fn private_multibase(&self) -> String {
        to_multibase(&PRIV, &self.0.to_bytes())
    }

    pub fn public_multibase(&self) -> String {
        to_multibase(&PUB, self.0.verifying_key().as_bytes())
    }

    /// `did:key:z6Mk…#z6Mk…`: the verification method that carries its own public key.
    pub fn did_key_method(&self) -> String {
        let m = self.public_multibase();
        format!("did:key:{m}#{m}")
    }
}

fn to_multibase(prefix: &[u8; 2], key: &[u8; 32]) -> String {
    let mut b = prefix.to_vec();
    b.extend_from_slice(key);
    format!("z{}", bs58::encode(b).into_string())
}

fn multibase(s: &str, prefix: &[u8; 2]) -> Option<[u8; 32]> {
    let b = bs58::decode(s.strip_prefix('z')?).into_vec().ok()?;
    if b.len() != 34 || b[..2] != prefix[..] {
        return None;
    }
    b[2..].try_into().ok()
}

/// The public key a `did:key` verification method names (other methods need resolving first).
pub fn did_key_public(method: &str) -> Result<VerifyingKey> {
    let id = method
        .strip_prefix("did:key:")
        .ok_or_else(|| invalid("the verification method", "a did:key (did:web needs its DID document)", method))?;
    let m = id.split('#').next().unwrap_or(id);
    let b = multibase(m, &PUB)
        .ok_or_else(|| invalid("the verification method", "a did:key of an Ed25519 key (z6Mk…)", method))?;
    VerifyingKey::from_bytes(&b).map_err(|_| invalid("the verification method", "a valid Ed25519 public key", method))
}

fn jcs(v: &Value) -> Vec<u8> {
    serde_jcs::to_vec(v).expect("JSON values canonicalise")
}

/// SHA-256(JCS(proof options)) ‖ SHA-256(JCS(document)), the bytes eddsa-jcs-2022 signs.
pub fn hash_data(document: &Value, proof_options: &Value) -> Vec<u8> {
    let mut out = Sha256::digest(jcs(proof_options)).to_vec();
    out.extend_from_slice(&Sha256::digest(jcs(document)));
    out
}

/// Signs `document` (an object without a proof): adds the proof with `created` (an XML date-time)
/// and the did:key verification method.
pub fn issue(document: &Value, keys: &Keys, created: &str) -> Result<Value> {
    issue_as(document, keys, created, &keys.did_key_method())
}

/// Signs `document` naming another verification method for the same key: the brand's did:web
/// method (`did:web:brand.example#key-1`), which verifiers resolve to [`did_web_document`].
pub fn issue_as(document: &Value, keys: &Keys, created: &str, method: &str) -> Result<Value> {
    let Value::Object(doc) = document else { return Err(invalid("the credential", "a JSON object", "another value")) };
    if doc.contains_key("proof") {
        return Err(invalid("the credential", "unsigned (no proof yet)", "a proof"));
    }
    let mut options = json!({
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-jcs-2022",
        "created": created,
        "verificationMethod": method,
        "proofPurpose": "assertionMethod",
    });
    if let Some(ctx) = doc.get("@context") {
        options["@context"] = ctx.clone();
    }
    let sig = keys.0.sign(&hash_data(document, &options));
    options["proofValue"] = Value::String(format!("z{}", bs58::encode(sig.to_bytes()).into_string()));
    let mut signed = doc.clone();
    signed.insert("proof".into(), options);
    Ok(Value::Object(signed))
}

/// Why a credential does not verify.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum VerifyError {
    #[error("{0}")]
    Malformed(String),
    #[error("the signature does not match the credential: it was altered, or not signed by {0}")]
    BadSignature(String),
}

/// Verifies an eddsa-jcs-2022 credential offline (did:key), returning the verification method.
pub fn verify(signed: &Value) -> std::result::Result<String, VerifyError> {
    verify_with(signed, None)
}

/// The did:web identifier of a host (and port): `did:web:brand.example`, `did:web:localhost%3A8080`.
pub fn did_web(host: &str) -> String {
    format!("did:web:{}", host.trim_end_matches('/').replace(':', "%3A").replace('/', ":"))
}

/// The DID document a brand publishes at `https://HOST/.well-known/did.json` for its did:web:
/// one Ed25519 `Multikey` (`#key-1`) for assertions, and the did:key of the same key.
pub fn did_web_document(did: &str, keys: &Keys) -> Value {
    let method = format!("{did}#key-1");
    json!({
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "alsoKnownAs": [format!("did:key:{}", keys.public_multibase())],
        "verificationMethod": [{
            "id": method,
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": keys.public_multibase(),
        }],
        "assertionMethod": [method],
    })
}

/// The public key a did:web verification method names in its DID document (already fetched by
/// the caller: this crate does no I/O). The method must be listed for assertions.
pub fn did_web_public(method: &str, document: &Value) -> Result<VerifyingKey> {
    let did = method.split('#').next().unwrap_or(method);
    if !method.starts_with("did:web:") || document.get("id").and_then(Value::as_str) != Some(did) {
        return Err(invalid("the verification method", "a did:web method of the DID document given", method));
    }
    let listed = document["assertionMethod"].as_array().is_some_and(|a| a.iter().any(|m| m.as_str() == Some(method)));
    let vm =
        document["verificationMethod"].as_array().and_then(|a| a.iter().find(|m| m["id"].as_str() == Some(method)));
    let key = vm.and_then(|m| m["publicKeyMultibase"].as_str()).and_then(|k| multibase(k, &PUB));
    match (listed, key) {
        (true, Some(b)) => VerifyingKey::from_bytes(&b)
            .map_err(|_| invalid("the verification method", "a valid Ed25519 public key", method)),
        _ => Err(invalid(
            "the verification method",
            "an Ed25519 Multikey listed for assertions in the DID document",
            method,
        )),
    }
}

/// Verifies a credential signed by a did:key method, or by a did:web method whose DID document
/// is given; returns the verification method.
pub fn verify_with(signed: &Value, did_document: Option<&Value>) -> std::result::Result<String, VerifyError> {
    let bad = |m: &str| VerifyError::Malformed(m.to_string());
    let Value::Object(all) = signed else { return Err(bad("a credential is a JSON object")) };
    let mut doc: Map<String, Value> = all.clone();
    let Some(Value::Object(mut proof)) = doc.remove("proof") else { return Err(bad("the credential has no proof")) };
    if proof.get("type") != Some(&json!("DataIntegrityProof"))
        || proof.get("cryptosuite") != Some(&json!("eddsa-jcs-2022"))
    {
        return Err(bad("the proof is not a DataIntegrityProof with cryptosuite eddsa-jcs-2022"));
    }
    let value = match proof.remove("proofValue") {
        Some(Value::String(s)) => s,
        _ => return Err(bad("the proof has no proofValue")),
    };
    let sig = value
        .strip_prefix('z')
        .and_then(|v| bs58::decode(v).into_vec().ok())
        .and_then(|b| <[u8; 64]>::try_from(b).ok())
        .ok_or_else(|| bad("proofValue is not a multibase (z…) 64-byte signature"))?;
    // The proof's @context, when present, must be the document's.
    if let Some(ctx) = proof.get("@context") {
        if doc.get("@context") != Some(ctx) {
            return Err(bad("the proof's @context differs from the credential's"));
        }
    }
    let method = proof
        .get("verificationMethod")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("the proof has no verificationMethod"))?
        .to_string();
    let key = match did_document {
        Some(d) if method.starts_with("did:web:") => did_web_public(&method, d),
        _ => did_key_public(&method),
    }
    .map_err(|e| VerifyError::Malformed(e.to_string()))?;
    let data = hash_data(&Value::Object(doc), &Value::Object(proof));
    key.verify(&data, &Signature::from_bytes(&sig)).map_err(|_| VerifyError::BadSignature(method.clone()))?;
    Ok(method)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vector(name: &str) -> String {
        std::fs::read_to_string(format!("{}/tests/vectors/vc-di-eddsa/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    #[test]
    fn the_w3c_vector_verifies_and_altered_copies_do_not() {
        let signed: Value = serde_json::from_str(&vector("eddsa-jcs-2022_signedJCS.json")).unwrap();
        assert_eq!(
            verify(&signed).unwrap(),
            "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
        );
        // The combined hash is the specification's.
        let mut doc = signed.as_object().unwrap().clone();
        let mut proof = doc.remove("proof").unwrap().as_object().unwrap().clone();
        proof.remove("proofValue");
        let h = hash_data(&Value::Object(doc), &Value::Object(proof));
        assert_eq!(hex::encode(h), vector("eddsa-jcs-2022_combinedHashJCS.txt").trim());
        // Altered: a subject's field, the issuer, the date in the proof, one character of the signature.
        for (path, value) in [
            ("/credentialSubject/alumniOf", json!("The School of Forgeries")),
            ("/issuer", json!("https://vc.example/issuers/0000")),
            ("/proof/created", json!("2024-02-24T23:36:38Z")),
        ] {
            let mut v = signed.clone();
            *v.pointer_mut(path).unwrap() = value;
            assert!(matches!(verify(&v), Err(VerifyError::BadSignature(_))), "{path}");
        }
        let mut v = signed.clone();
        let pv = v["proof"]["proofValue"].as_str().unwrap().to_string();
        let flipped = format!("{}{}", &pv[..10], if &pv[10..11] == "a" { "b" } else { "a" }) + &pv[11..];
        v["proof"]["proofValue"] = json!(flipped);
        assert!(verify(&v).is_err());
    }

    #[test]
    fn the_rdfc_vector_is_refused_as_another_cryptosuite() {
        // The same credential and key under eddsa-rdfc-2022 (RDF canonicalization): a valid proof
        // of a suite we do not verify is reported as such, never checked as if it were JCS.
        let signed: Value = serde_json::from_str(&vector("eddsa-rdfc-2022_signedDataInt.json")).unwrap();
        let e = verify(&signed).unwrap_err();
        assert!(matches!(&e, VerifyError::Malformed(m) if m.contains("eddsa-jcs-2022")), "{e}");
    }

    #[test]
    fn signing_the_vector_again_gives_its_proof() {
        let pair: Value = serde_json::from_str(&vector("keyPair.json")).unwrap();
        let keys = Keys::from_multibase(pair["privateKeyMultibase"].as_str().unwrap()).unwrap();
        assert_eq!(keys.public_multibase(), pair["publicKeyMultibase"]);
        let signed: Value = serde_json::from_str(&vector("eddsa-jcs-2022_signedJCS.json")).unwrap();
        let mut doc = signed.clone();
        doc.as_object_mut().unwrap().remove("proof");
        let again = issue(&doc, &keys, "2023-02-24T23:36:38Z").unwrap();
        assert_eq!(again["proof"]["proofValue"], signed["proof"]["proofValue"], "Ed25519 is deterministic");
        assert_eq!(again, signed);
    }

    #[test]
    fn malformed_credentials_say_why() {
        let keys = Keys::generate();
        let signed = issue(
            &json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "id": "urn:x"}),
            &keys,
            "2026-11-24T00:00:00Z",
        )
        .unwrap();
        assert!(verify(&signed).is_ok());
        let mut no_proof = signed.clone();
        no_proof.as_object_mut().unwrap().remove("proof");
        assert!(verify(&no_proof).unwrap_err().to_string().contains("no proof"));
        let mut web = signed.clone();
        web["proof"]["verificationMethod"] = json!("did:web:lumen.example#key-1");
        assert!(verify(&web).unwrap_err().to_string().contains("did:web needs its DID document"));
        assert!(issue(&signed, &keys, "2026-11-24T00:00:00Z").is_err(), "a signed credential is not signed again");
    }

    #[test]
    fn a_did_web_proof_verifies_against_the_brands_document_only() {
        let keys = Keys::generate();
        let did = did_web("lumen.example:8443");
        assert_eq!(did, "did:web:lumen.example%3A8443");
        let doc = did_web_document(&did, &keys);
        let cred = json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],
            "issuer": did, "credentialSubject": {"serial": "S1"}});
        let signed = issue_as(&cred, &keys, "2026-11-24T00:00:00Z", &format!("{did}#key-1")).unwrap();
        assert_eq!(verify_with(&signed, Some(&doc)).unwrap(), format!("{did}#key-1"));
        // Offline, a did:web proof cannot be checked: it says so rather than guessing.
        assert!(matches!(verify(&signed), Err(VerifyError::Malformed(m)) if m.contains("did:web")));
        // Another brand's document with the same DID but another key: the signature fails.
        let other = did_web_document(&did, &Keys::generate());
        assert!(matches!(verify_with(&signed, Some(&other)), Err(VerifyError::BadSignature(_))));
        // A document that does not list the key for assertions is refused.
        let mut unlisted = doc.clone();
        unlisted["assertionMethod"] = json!([]);
        assert!(matches!(verify_with(&signed, Some(&unlisted)), Err(VerifyError::Malformed(_))));
    }
}
