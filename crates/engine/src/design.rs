//! Designs: what a shopper composed, as documented JSON (docs/design.md).
//!
//! A design is parsed strictly (unknown fields refused, limits enforced, every error located by its
//! JSON pointer), then normalised: text in Unicode NFC, decimals without trailing zeros. Its
//! content address is the SHA-256 of its canonical JSON (RFC 8785 JCS: sorted keys, no
//! whitespace; a design holds only strings, integers, arrays and objects, for which serde_json's
//! compact output with sorted maps is exactly JCS).

use rust_decimal::Decimal;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use unicode_normalization::UnicodeNormalization;

/// Largest design document accepted, in bytes.
pub const MAX_DESIGN_BYTES: usize = 256 * 1024;
/// Most components in one design.
pub const MAX_PLACEMENTS: usize = 500;
/// Longest text value (engraving, message) before the catalog's own limits apply.
pub const MAX_TEXT_CHARS: usize = 1000;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogRef {
    pub id: String,
    pub version: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MountDesign {
    /// Strand: the components of each section, in order along the strand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sections: Option<Vec<Vec<String>>>,
    /// Strand: the clip on each station (`null` = empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stations: Option<Vec<Option<String>>>,
    /// Slot row: the link in each slot (`null` or missing = the default plain link).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slots: Option<Vec<Option<String>>>,
    /// Socket: the insert.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    /// Container: loose pieces, unordered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<String>>,
    /// Parametric: parameter values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<BTreeMap<String, ParamValue>>,
}

/// A parameter value: a choice id or a decimal, written as a JSON string or number.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct ParamValue(pub String);

impl ParamValue {
    pub fn decimal(&self) -> Option<Decimal> {
        Decimal::from_str(&self.0).ok()
    }
}

impl<'de> Deserialize<'de> for ParamValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ParamValue, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ParamValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a number")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ParamValue, E> {
                Ok(ParamValue(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ParamValue, E> {
                Ok(ParamValue(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ParamValue, E> {
                Ok(ParamValue(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<ParamValue, E> {
                if !v.is_finite() {
                    return Err(E::custom("a parameter must be a finite number"));
                }
                Ok(ParamValue(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// A personalization value.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldValue {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub font: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choice: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Design {
    pub catalog: CatalogRef,
    pub base: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub mounts: BTreeMap<String, MountDesign>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, FieldValue>,
}

/// Why a design document could not be read, and where (a JSON pointer, RFC 6901).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DesignError {
    pub pointer: String,
    pub message: String,
}

impl fmt::Display for DesignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = if self.pointer.is_empty() { "(document)" } else { &self.pointer };
        write!(f, "{at}: {}", self.message)
    }
}

impl std::error::Error for DesignError {}

/// The RFC 6901 JSON pointer of a serde path (`/mounts/strand/sections/0/2`).
pub fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut s = String::new();
    for seg in path.iter() {
        s.push('/');
        match seg {
            Segment::Seq { index } => s.push_str(&index.to_string()),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                s.push_str(&key.replace('~', "~0").replace('/', "~1"))
            }
            Segment::Unknown => s.push('?'),
        }
    }
    s
}

impl Design {
    /// Parses a design document, enforcing the limits, and normalises it.
    pub fn from_json(bytes: &[u8]) -> Result<Design, DesignError> {
        if bytes.len() > MAX_DESIGN_BYTES {
            return Err(DesignError {
                pointer: String::new(),
                message: format!("the design is {} bytes; the limit is {MAX_DESIGN_BYTES}", bytes.len()),
            });
        }
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let design: Design = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let pointer = pointer_of(e.path());
            let inner = e.into_inner();
            let msg = inner.to_string();
            // serde_json appends " at line L column C"; the pointer says where more usefully.
            let msg = msg.rsplit_once(" at line ").map(|(m, _)| m.to_string()).unwrap_or(msg);
            DesignError { pointer, message: msg }
        })?;
        de.end().map_err(|e| DesignError { pointer: String::new(), message: format!("trailing data: {e}") })?;
        design.validate()?;
        Ok(design.normalized())
    }

    /// Structural limits that hold whatever the catalog.
    pub fn validate(&self) -> Result<(), DesignError> {
        let mut count = 0usize;
        for (mid, m) in &self.mounts {
            let p = |rest: &str| format!("/mounts/{}{rest}", mid.replace('~', "~0").replace('/', "~1"));
            count += m.sections.iter().flatten().map(|s| s.len()).sum::<usize>();
            count += m.stations.iter().flatten().count() + m.slots.iter().flatten().count();
            count += m.items.iter().flatten().count() + m.item.is_some() as usize;
            let shapes = [
                m.sections.is_some() || m.stations.is_some(),
                m.slots.is_some(),
                m.item.is_some(),
                m.items.is_some(),
                m.params.is_some(),
            ];
            if shapes.iter().filter(|s| **s).count() > 1 {
                return Err(DesignError {
                    pointer: p(""),
                    message: "a mount holds one of: sections (+ stations), slots, item, items or params".into(),
                });
            }
            if let Some(params) = &m.params {
                for (k, v) in params {
                    if v.0.chars().count() > 64 {
                        return Err(DesignError {
                            pointer: p(&format!("/params/{k}")),
                            message: "a parameter value is limited to 64 characters".into(),
                        });
                    }
                }
            }
        }
        if count > MAX_PLACEMENTS {
            return Err(DesignError {
                pointer: "/mounts".into(),
                message: format!("the design places {count} components; the limit is {MAX_PLACEMENTS}"),
            });
        }
        for (fid, v) in &self.fields {
            if let Some(t) = &v.text {
                if t.chars().count() > MAX_TEXT_CHARS {
                    return Err(DesignError {
                        pointer: format!("/fields/{fid}/text"),
                        message: format!("text is limited to {MAX_TEXT_CHARS} characters"),
                    });
                }
            }
        }
        Ok(())
    }

    /// NFC text, canonical decimals; blank text is no text (a field left with only its blank text
    /// is left out), so "   " and an absent value are one design with one hash.
    pub fn normalized(mut self) -> Design {
        for f in self.fields.values_mut() {
            if let Some(t) = &mut f.text {
                *t = t.nfc().collect();
            }
            if f.text.as_deref().is_some_and(|t| t.trim().is_empty()) {
                f.text = None;
            }
        }
        self.fields.retain(|_, f| *f != FieldValue::default());
        for m in self.mounts.values_mut() {
            if let Some(params) = &mut m.params {
                for v in params.values_mut() {
                    if let Some(d) = v.decimal() {
                        if v.0.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b'-') {
                            v.0 = d.normalize().to_string();
                        }
                    }
                }
            }
        }
        self
    }

    /// The canonical JSON text (RFC 8785) the hash is taken over.
    pub fn canonical_json(&self) -> String {
        let v = serde_json::to_value(self).expect("a design always serialises");
        serde_json::to_string(&v).expect("a JSON value always serialises")
    }

    /// The content address: lowercase hex SHA-256 of the canonical JSON.
    pub fn hash(&self) -> String {
        hex::encode(Sha256::digest(self.canonical_json().as_bytes()))
    }

    /// The design's mount, created empty when absent.
    pub fn mount_mut(&mut self, id: &str) -> &mut MountDesign {
        self.mounts.entry(id.to_string()).or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = r#"{"catalog":{"id":"b","version":"1"},"base":"x","size":"17",
        "mounts":{"strand":{"sections":[["A","B"],[]]}},"fields":{"engraving":{"text":"Zoe\u0301"}}}"#;

    #[test]
    fn hash_is_stable_under_key_order_whitespace_and_unicode_form() {
        let a = Design::from_json(D.as_bytes()).unwrap();
        let b = Design::from_json(
            r#"{ "fields": {"engraving": {"text": "Zoé"}}, "size": "17", "base": "x",
                 "mounts": {"strand": {"sections": [["A", "B"], []]}}, "catalog": {"version": "1", "id": "b"} }"#
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(a.hash(), b.hash());
        assert_eq!(a.fields["engraving"].text.as_deref(), Some("Zoé"));
        let c = Design::from_json(D.replace("\"17\"", "\"18\"").as_bytes()).unwrap();
        assert_ne!(a.hash(), c.hash());
    }

    #[test]
    fn canonical_json_sorts_keys() {
        let a = Design::from_json(D.as_bytes()).unwrap();
        let j = a.canonical_json();
        assert!(j.starts_with(r#"{"base":"x","catalog":{"id":"b","version":"1"},"fields":"#), "{j}");
        assert!(!j.contains(' '));
    }

    #[test]
    fn errors_carry_json_pointers() {
        let e = Design::from_json(
            br#"{"catalog":{"id":"b","version":"1"},"base":"x","mounts":{"s":{"sections":[["A",3]]}}}"#,
        )
        .unwrap_err();
        assert_eq!(e.pointer, "/mounts/s/sections/0/1");
        assert!(e.message.contains("expected a string"), "{}", e.message);
        let e = Design::from_json(br#"{"catalog":{"id":"b","version":"1"},"base":"x","colour":"red"}"#).unwrap_err();
        assert!(e.message.contains("unknown field `colour`"), "{}", e.message);
        let e = Design::from_json(b"{\"catalog\":").unwrap_err();
        assert_eq!(e.pointer, "/catalog");
    }

    #[test]
    fn limits_are_enforced() {
        let big = format!(
            r#"{{"catalog":{{"id":"b","version":"1"}},"base":"x","mounts":{{"s":{{"sections":[[{}]]}}}}}}"#,
            vec!["\"A\""; MAX_PLACEMENTS + 1].join(",")
        );
        let e = Design::from_json(big.as_bytes()).unwrap_err();
        assert_eq!(e.pointer, "/mounts");
        let huge = vec![b' '; MAX_DESIGN_BYTES + 1];
        assert!(Design::from_json(&huge).unwrap_err().message.contains("limit"));
        let text = format!(
            r#"{{"catalog":{{"id":"b","version":"1"}},"base":"x","fields":{{"m":{{"text":"{}"}}}}}}"#,
            "a".repeat(MAX_TEXT_CHARS + 1)
        );
        assert_eq!(Design::from_json(text.as_bytes()).unwrap_err().pointer, "/fields/m/text");
    }

    #[test]
    fn params_normalise_numbers() {
        let a = Design::from_json(
            br#"{"catalog":{"id":"b","version":"1"},"base":"r","mounts":{"ring":{"params":{"carat":0.50,"width_mm":"4.0"}}}}"#,
        )
        .unwrap();
        let p = a.mounts["ring"].params.as_ref().unwrap();
        assert_eq!(p["carat"].0, "0.5");
        assert_eq!(p["width_mm"].0, "4");
    }
}
