//! The OpenAPI document is a contract: reorganising the service must not change it. The golden
//! file is the document as served; a deliberate change re-blesses it with `ORFEVRE_BLESS=1 cargo
//! test -p orfevre-server --test it openapi` and shows up in review as a diff of that file.
//!
//! Only order is ignored (object keys, and the order of array elements), so that moving a handler
//! from one module to another, which reorders utoipa's output, is not a change.

use serde_json::Value;

const GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/openapi.json");

/// Keys sorted (serde_json's map) and arrays sorted by their elements' canonical text.
fn canonical(v: Value) -> Value {
    match v {
        Value::Array(items) => {
            let mut items: Vec<Value> = items.into_iter().map(canonical).collect();
            items.sort_by_cached_key(|i| i.to_string());
            Value::Array(items)
        }
        Value::Object(m) => {
            let sorted: std::collections::BTreeMap<String, Value> =
                m.into_iter().map(|(k, v)| (k, canonical(v))).collect();
            Value::Object(sorted.into_iter().collect())
        }
        other => other,
    }
}

/// Every JSON pointer where the two documents differ (at most 40).
fn differences(a: &Value, b: &Value, at: String, out: &mut Vec<String>) {
    if out.len() >= 40 {
        return;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                match (x.get(k), y.get(k)) {
                    (Some(l), Some(r)) => differences(l, r, p, out),
                    (Some(_), None) => out.push(format!("{p}: only in the document served")),
                    (None, _) => out.push(format!("{p}: only in the golden file")),
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (l, r)) in x.iter().zip(y).enumerate() {
                differences(l, r, format!("{at}/{i}"), out);
            }
        }
        _ if a != b => out.push(format!("{at}: {a} ≠ {b}")),
        _ => {}
    }
}

#[test]
fn the_openapi_document_is_the_golden_one_apart_from_ordering() {
    let served = canonical(serde_json::to_value(orfevre_server::routes::document()).unwrap());
    if std::env::var_os("ORFEVRE_BLESS").is_some() {
        std::fs::write(GOLDEN, serde_json::to_string_pretty(&served).unwrap() + "\n").unwrap();
    }
    let golden: Value = serde_json::from_str(&std::fs::read_to_string(GOLDEN).unwrap()).unwrap();
    let golden = canonical(golden);
    let mut diff = Vec::new();
    differences(&served, &golden, String::new(), &mut diff);
    assert!(
        diff.is_empty(),
        "the OpenAPI document changed (re-bless with ORFEVRE_BLESS=1 if that is meant):\n{}",
        diff.join("\n")
    );
}

#[test]
fn the_canonical_form_ignores_order_but_not_content() {
    let a: Value = serde_json::json!({"b": [2, 1], "a": {"y": 1, "x": [{"k": 2}, {"k": 1}]}});
    let b: Value = serde_json::json!({"a": {"x": [{"k": 1}, {"k": 2}], "y": 1}, "b": [1, 2]});
    assert_eq!(canonical(a.clone()), canonical(b));
    let c: Value = serde_json::json!({"a": {"x": [{"k": 1}, {"k": 3}], "y": 1}, "b": [1, 2]});
    let mut diff = Vec::new();
    differences(&canonical(a), &canonical(c), String::new(), &mut diff);
    assert_eq!(diff, vec!["/a/x/1/k: 2 ≠ 3".to_string()]);
}
