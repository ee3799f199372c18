//! Edits a merchandiser makes from the back office, applied to the catalog's TOML sources so that
//! the result stays a reviewable catalog: formatting and comments are kept (`toml_edit`), only the
//! values asked for change, and the outcome is a new version to check and publish like any other.

use crate::load::SourceSet;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::str::FromStr;

/// Why an edit could not be applied; `key` names the input at fault (a metal id, `version`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {message}")]
pub struct EditError {
    pub key: String,
    pub message: String,
}

fn err(key: impl Into<String>, message: impl Into<String>) -> EditError {
    EditError { key: key.into(), message: message.into() }
}

/// A copy of `set` as catalog `version`, with each metal's `price_per_gram` replaced.
///
/// Prices are decimal strings in the brand's currency, positive, with at most 4 decimals (the
/// catalog's own rule for prices). Every metal id must exist in the sources.
pub fn set_metal_prices(
    set: &SourceSet,
    version: &str,
    prices: &BTreeMap<String, String>,
) -> Result<SourceSet, EditError> {
    let version = version.trim();
    if version.is_empty() || version.len() > 64 || version.chars().any(|c| c.is_control() || c == '"') {
        return Err(err("version", "a version is 1 to 64 printable characters"));
    }
    let mut parsed = BTreeMap::new();
    for (id, text) in prices {
        let p = Decimal::from_str(text.trim())
            .map_err(|_| err(id, format!("{text:?} is not a decimal price (e.g. \"52.00\")")))?;
        if p <= Decimal::ZERO {
            return Err(err(id, format!("a price per gram must be positive (got {p})")));
        }
        if p.normalize().scale() > 4 {
            return Err(err(id, format!("price {p} has more than 4 decimals")));
        }
        parsed.insert(id.as_str(), p);
    }
    let mut out = set.clone();
    let mut found: BTreeMap<&str, bool> = parsed.keys().map(|k| (*k, false)).collect();
    let mut brand_seen = false;
    for (path, bytes) in out.files.iter_mut().filter(|(p, _)| p.ends_with(".toml")) {
        let Ok(text) = std::str::from_utf8(bytes) else { continue };
        let Ok(mut doc) = text.parse::<toml_edit::DocumentMut>() else { continue };
        let mut changed = false;
        if path == "brand.toml" {
            let brand = doc.get_mut("brand").and_then(|b| b.as_table_like_mut());
            let slot = match brand {
                Some(b) if b.contains_key("version") => b.get_mut("version"),
                _ => doc.get_mut("version"),
            };
            let Some(slot) = slot else { return Err(err("version", "brand.toml has no version to replace")) };
            *slot = toml_edit::value(version);
            brand_seen = true;
            changed = true;
        }
        if let Some(metals) = doc.get_mut("metal").and_then(|m| m.as_array_of_tables_mut()) {
            for m in metals.iter_mut() {
                let id = m.get("id").and_then(|v| v.as_str()).map(str::to_string);
                if let Some(p) = id.as_deref().and_then(|id| parsed.get(id)) {
                    let mut value = toml_edit::value(p.to_string());
                    if let (Some(old), Some(new)) = (m.get("price_per_gram"), value.as_value_mut()) {
                        // Keep the line's trailing comment.
                        if let Some(d) = old.as_value().map(|v| v.decor().clone()) {
                            *new.decor_mut() = d;
                        }
                    }
                    m.insert("price_per_gram", value);
                    if let Some(f) = id.as_deref().and_then(|id| found.get_mut(id)) {
                        *f = true;
                    }
                    changed = true;
                }
            }
        }
        if changed {
            *bytes = doc.to_string().into_bytes();
        }
    }
    if !brand_seen {
        return Err(err("version", "the catalog has no brand.toml"));
    }
    if let Some((id, _)) = found.iter().find(|(_, f)| !**f) {
        return Err(err(*id, format!("there is no metal {id:?} in the catalog")));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> SourceSet {
        SourceSet::from_dir(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../catalogs/demo"))).unwrap()
    }

    fn prices(p: &[(&str, &str)]) -> BTreeMap<String, String> {
        p.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn new_prices_load_and_nothing_else_changes() {
        let set = demo();
        let out =
            set_metal_prices(&set, "2026.11.2", &prices(&[("18k-yellow", "71.5"), ("silver-925", "1.95")])).unwrap();
        let c = crate::load(&out).catalog.expect("the edited catalog loads");
        assert_eq!(c.brand.version, "2026.11.2");
        let metal = |id: &str| c.metals.iter().find(|m| m.id == id).unwrap().price_per_gram;
        assert_eq!(metal("18k-yellow"), Decimal::from_str("71.5").unwrap());
        assert_eq!(metal("silver-925"), Decimal::from_str("1.95").unwrap());
        assert_eq!(metal("18k-rose"), Decimal::from_str("68.00").unwrap());
        // Only the edited lines differ: comments and layout survive.
        for (path, before) in &set.files {
            let after = &out.files[path];
            let (b, a) = (String::from_utf8_lossy(before), String::from_utf8_lossy(after));
            let changed: Vec<(&str, &str)> = b.lines().zip(a.lines()).filter(|(x, y)| x != y).collect();
            assert_eq!(b.lines().count(), a.lines().count(), "{path}");
            let expected = match path.as_str() {
                "brand.toml" => 1,
                "materials.toml" => 2,
                _ => 0,
            };
            assert_eq!(changed.len(), expected, "{path}: {changed:?}");
        }
    }

    #[test]
    fn mistakes_name_their_input() {
        let set = demo();
        let e = set_metal_prices(&set, "v2", &prices(&[("unobtainium", "1")])).unwrap_err();
        assert_eq!(e.key, "unobtainium");
        for bad in ["-1", "0", "abc", "1.00001"] {
            let e = set_metal_prices(&set, "v2", &prices(&[("18k-yellow", bad)])).unwrap_err();
            assert_eq!(e.key, "18k-yellow", "{bad}: {e}");
        }
        assert_eq!(set_metal_prices(&set, " ", &prices(&[])).unwrap_err().key, "version");
        assert_eq!(set_metal_prices(&SourceSet::new(), "v2", &prices(&[])).unwrap_err().key, "version");
    }
}
