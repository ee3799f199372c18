//! The twin's outputs read by independent tools: QR codes by `zbarimg` (Debian zbar-tools), NDEF
//! records by `ndeflib` (PyPI), SUN taps made by an independent AN12196 implementation on PyPI
//! `cryptography`. Without them the checks say loudly that they skip; under
//! ORFEVRE_TEST_STRICT=1 that is a failure.

use orfevre_twin::{ndef, qr, sun};
use std::path::{Path, PathBuf};
use std::process::Command;

use orfevre_testkit::skip;

fn tmp(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn check(script: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/check").join(script)
}

fn python_has(module: &str) -> bool {
    orfevre_testkit::python_has(module)
}

#[test]
fn qr_codes_decode_with_zbarimg() {
    if Command::new("zbarimg").arg("--version").output().is_err() {
        skip("zbarimg is missing (Debian zbar-tools)");
        return;
    }
    let dir = tmp("qr");
    let texts = [
        "https://lumen.example/01/09506000134352/21/LUM-000042".to_string(),
        "https://lumen.example/p/LUM-7Q3X".to_string(),
        format!("https://lumen.example/p/{}", "Z".repeat(200)),
    ];
    for (i, text) in texts.iter().enumerate() {
        // The PNG as written; the SVG rendered by resvg, 8 pixels per SVG unit.
        let png = dir.join(format!("{i}.png"));
        std::fs::write(&png, qr::png(text, 6).unwrap()).unwrap();
        let svg = qr::svg(text, 20.0).unwrap();
        let tree = resvg::usvg::Tree::from_str(&svg, &resvg::usvg::Options::default()).unwrap();
        let side = (tree.size().width() * 8.0) as u32;
        let mut pm = tiny_skia::Pixmap::new(side, side).unwrap();
        resvg::render(&tree, tiny_skia::Transform::from_scale(8.0, 8.0), &mut pm.as_mut());
        let from_svg = dir.join(format!("{i}-svg.png"));
        pm.save_png(&from_svg).unwrap();
        for f in [&png, &from_svg] {
            let out = Command::new("zbarimg").args(["--raw", "-q"]).arg(f).output().unwrap();
            assert!(out.status.success(), "{}: {}", f.display(), String::from_utf8_lossy(&out.stderr));
            assert_eq!(String::from_utf8_lossy(&out.stdout).trim_end(), text, "{}", f.display());
        }
    }
    assert!(qr::png("x", 0).is_err() && qr::svg("", 20.0).is_err() && qr::svg(&"x".repeat(1001), 20.0).is_err());
}

#[test]
fn ndef_records_parse_with_ndeflib() {
    if !python_has("ndef") {
        skip("python3 with ndeflib is missing (pip install -r crates/twin/tests/check/requirements.txt)");
        return;
    }
    let dir = tmp("ndef");
    let urls = [
        "https://lumen.example/p/LUM-7Q3X".to_string(),
        "http://www.lumen.example/x".to_string(),
        format!("https://lumen.example/{}", "a".repeat(400)),
    ];
    let files: Vec<PathBuf> = urls
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let f = dir.join(format!("{i}.bin"));
            std::fs::write(&f, ndef::uri_message(u).unwrap()).unwrap();
            f
        })
        .collect();
    let out = orfevre_testkit::python().arg(check("ndef_check.py")).args(&files).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for (line, url) in String::from_utf8_lossy(&out.stdout).lines().zip(&urls) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["records"], 1);
        assert_eq!(v["uri"].as_str(), Some(url.as_str()));
    }
}

#[test]
fn taps_made_by_an_independent_implementation_verify() {
    if !python_has("cryptography") {
        skip("python3 with cryptography is missing (pip install -r crates/twin/tests/check/requirements.txt)");
        return;
    }
    let meta = "00112233445566778899AABBCCDDEEFF";
    let file = "0F0E0D0C0B0A09080706050403020100";
    // "LUM-000042" padded to a block, and two blocks of "x".
    for (uid, counter, data) in [
        ("04A1B2C3D4E5F6", 1u32, "4C554D2D303030303432000000000000".to_string()),
        ("04010203040506", 70_000, "78".repeat(32)),
    ] {
        let out = orfevre_testkit::python()
            .arg(check("sun_tap.py"))
            .args([meta, file, uid, &counter.to_string(), &data])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let url = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let (mk, fk) = (sun::key_from_hex(meta).unwrap(), sun::key_from_hex(file).unwrap());
        let tap = sun::verify_url(&url, &mk, &fk).unwrap();
        assert_eq!((tap.uid.as_str(), tap.counter), (uid, counter), "{url}");
        assert_eq!(tap.file_data.map(hex::encode_upper), Some(data.clone()));
        // Swapping the keys, or one digit of the encrypted data, is caught.
        assert_eq!(sun::verify_url(&url, &fk, &mk), Err(sun::SunError::Forged));
        let i = url.find("&enc=").unwrap() + 5;
        let flipped = format!("{}{}{}", &url[..i], if &url[i..i + 1] == "0" { "1" } else { "0" }, &url[i + 1..]);
        assert_eq!(sun::verify_url(&flipped, &mk, &fk), Err(sun::SunError::Forged));
    }
}

#[test]
fn our_certificates_verify_with_an_independent_verifier() {
    use orfevre_twin::credential;
    if !python_has("rfc8785") || !python_has("cryptography") {
        skip("python3 with rfc8785 and cryptography is missing (pip install -r crates/twin/tests/check/requirements.txt)");
        return;
    }
    let dir = tmp("vc");
    let keys = credential::Keys::generate();
    let doc = serde_json::json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential", "CertificateOfAuthenticity"],
        "issuer": "did:web:lumen.example",
        "validFrom": "2026-11-24T00:00:00Z",
        "credentialSubject": {
            "id": "https://lumen.example/p/LUM-000042",
            "serial": "LUM-000042",
            "design": "9ec607e06a98c7563f0c2cb4b7e4bc8b9f2d0a1e8e6d3c2b1a09f8e7d6c5b4a3",
            "materials": ["18k white gold", "lab-grown diamond 0.50 ct"],
            "note": "Gravé « Pour toujours » — 1,5 mm",
        },
    });
    let signed = credential::issue(&doc, &keys, "2026-11-24T12:00:00Z").unwrap();
    let good = dir.join("good.json");
    std::fs::write(&good, serde_json::to_vec_pretty(&signed).unwrap()).unwrap();
    let mut altered = signed.clone();
    altered["credentialSubject"]["serial"] = serde_json::json!("LUM-000043");
    let bad = dir.join("altered.json");
    std::fs::write(&bad, serde_json::to_vec(&altered).unwrap()).unwrap();
    let out = orfevre_testkit::python().arg(check("vc_verify.py")).args([&good, &bad]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Vec<serde_json::Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!((v[0]["valid"].as_bool(), v[1]["valid"].as_bool()), (Some(true), Some(false)), "{v:?}");
    // And ours agrees.
    assert!(credential::verify(&signed).is_ok() && credential::verify(&altered).is_err());
}
