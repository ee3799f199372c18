//! The binary's contract: exit codes, output shapes and located errors.

#[path = "../../engrave/tests/support/drawings.rs"]
mod drawings;

use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn orfevre(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_orfevre")).current_dir(root()).args(args).output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn catalog_check_exit_codes() {
    let (code, out, _) = orfevre(&["catalog", "check", "catalogs/demo"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("0 error(s)"));
    let (code, out, _) = orfevre(&["catalog", "check", "crates/catalog/tests/broken/duplicate-sku"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("crates/catalog/tests/broken/duplicate-sku/components.toml:13:7: error[duplicate-sku]"),
        "{out}"
    );
    let (code, out, _) = orfevre(&["catalog", "check", "--json", "crates/catalog/tests/broken/rule-cycle"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["diagnostics"][0]["code"], "rule-cycle");
    assert_eq!(v["diagnostics"][0]["line"], 2);
    let (code, _, err) = orfevre(&["catalog", "check", "catalogs/no-such-brand"]);
    assert_eq!(code, 2, "a folder that is not there is not a catalog: {err}");
    assert!(err.contains("catalogs/no-such-brand"), "{err}");
    let (code, out, _) = orfevre(&["catalog", "check", "catalogs/atelier-sable"]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn design_eval_exit_codes() {
    let (code, out, _) = orfevre(&["design", "eval", "catalogs/demo/examples/valid-moments-bracelet.json"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("valid") && out.contains("total"), "{out}");
    let (code, out, _) = orfevre(&["design", "eval", "--json", "catalogs/demo/examples/invalid-capacity.json"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["evaluation"]["violations"][0]["rule"], "capacity");
    let bad = std::env::temp_dir().join(format!("orfevre-bad-{}.json", std::process::id()));
    std::fs::write(
        &bad,
        r#"{"catalog":{"id":"maison-lumen","version":"2026.12.0"},"base":"locket","mounts":{"capsule":{"items":[1]}}}"#,
    )
    .unwrap();
    let (code, out, err) = orfevre(&["design", "eval", "--json", bad.to_str().unwrap()]);
    std::fs::remove_file(&bad).ok();
    assert_eq!(code, 2);
    assert!(err.contains("/mounts/capsule/items/0"), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["pointer"], "/mounts/capsule/items/0");
}

#[test]
fn design_hash_is_the_content_address() {
    let (code, out, _) = orfevre(&["design", "hash", "catalogs/demo/examples/valid-locket.json"]);
    assert_eq!(code, 0);
    let h = out.trim();
    assert_eq!(h.len(), 64);
    let (_, json, _) =
        orfevre(&["design", "eval", "--json", "--no-choices", "catalogs/demo/examples/valid-locket.json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["evaluation"]["design_hash"], h);
}

#[test]
fn design_spell_flags_missing_letters() {
    let (code, out, _) = orfevre(&["design", "spell", "Léa"]);
    assert_eq!(code, 0);
    assert!(out.contains("AB-E-ACUTE"), "{out}");
    let (code, _, err) = orfevre(&["design", "spell", "Zoê"]);
    assert_eq!(code, 1);
    assert!(err.contains("'ê': missing — fallback: AB-E"), "{err}");
}

#[test]
fn serve_config_file_errors_are_located() {
    let dir = std::env::temp_dir().join(format!("orfevre-cfg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("orfevre.toml");
    std::fs::write(&cfg, "addr = \"127.0.0.1:0\"\nlisten = \"everywhere\"\n").unwrap();
    let (code, _, err) = orfevre(&["serve", "--config", cfg.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains(&format!("{}:2:1: unknown field `listen`", cfg.display())), "{err}");
    std::fs::write(&cfg, "addr = \"nowhere\"\n").unwrap();
    let (code, _, err) = orfevre(&["serve", "--config", cfg.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains(&format!("{}:1:8:", cfg.display())), "{err}");
    let (code, _, err) = orfevre(&["user", "add", "--email", "nope", "--data", dir.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("--email"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// SIGTERM: the server stops accepting, finishes what is in flight and exits 0.
#[cfg(unix)]
#[test]
fn serve_stops_gracefully_on_sigterm() {
    use std::io::{BufRead, BufReader};
    let dir = std::env::temp_dir().join(format!("orfevre-term-{}", std::process::id()));
    let mut child = Command::new(env!("CARGO_BIN_EXE_orfevre"))
        .args(["serve", "--addr", "127.0.0.1:0", "--data", dir.to_str().unwrap(), "--log-format", "json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert!(line.starts_with("orfevre listening on http://127.0.0.1:"), "{line}");
    let st = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(st.success());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "exit {:?}", out.status);
    let log = String::from_utf8_lossy(&out.stderr);
    // JSON logs: one object per line, the last says it stopped.
    let last: serde_json::Value = serde_json::from_str(log.lines().last().unwrap()).unwrap();
    assert_eq!(last["fields"]["message"], "stopped", "{log}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn engrave_text_writes_every_format() {
    if !std::path::Path::new("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf").exists() {
        orfevre_testkit::skip("the engrave CLI test: DejaVu Sans (fonts-dejavu-core) is missing");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for ext in ["svg", "dxf", "gcode", "png"] {
        let out = dir.path().join(format!("zoe.{ext}"));
        let (code, stdout, err) =
            orfevre(&["engrave", "text", "--zone", "16x8", "--json", "-o", out.to_str().unwrap(), "Zoë"]);
        assert_eq!(code, 0, "{err}");
        let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(v["mode"], "fill");
        assert!(v["cut_length_mm"].as_f64().unwrap() > 10.0 && v["estimated_seconds"].as_f64().unwrap() > 0.0, "{v}");
        let b: Vec<f64> = v["bounds"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
        assert!(b[0] >= 0.0 && b[1] >= 0.0 && b[2] <= 16.0 && b[3] <= 8.0, "{v}");
        let bytes = std::fs::read(&out).unwrap();
        let head = String::from_utf8_lossy(&bytes[..8.min(bytes.len())]).into_owned();
        let expected = match ext {
            "svg" => "<svg",
            "dxf" => "  0",
            "gcode" => "; Orfevr",
            _ => "\u{fffd}PNG",
        };
        assert!(head.starts_with(expected), "{ext}: {head:?}");
    }
    // The text cannot be engraved: exit 1 with the reason.
    let out = dir.path().join("x.svg");
    let (code, _, err) = orfevre(&["engrave", "text", "--zone", "16x8", "-o", out.to_str().unwrap(), "漢字"]);
    assert_eq!(code, 1);
    assert!(err.contains("no glyph for '漢', '字'"), "{err}");
    let long = "Pour toujours et à jamais ".repeat(4);
    let (code, _, err) = orfevre(&["engrave", "text", "--zone", "16x8", "-o", out.to_str().unwrap(), &long]);
    assert_eq!(code, 1);
    assert!(err.contains("does not fit the 16×8 mm zone"), "{err}");
    // Bad input: exit 2 naming it.
    let (code, _, err) = orfevre(&["engrave", "text", "--zone", "16 by 8", "-o", out.to_str().unwrap(), "Zoë"]);
    assert_eq!(code, 2);
    assert!(err.contains("WIDTHxHEIGHT"), "{err}");
    let (code, _, err) =
        orfevre(&["engrave", "text", "--zone", "16x8", "--power", "2000", "-o", out.to_str().unwrap(), "Zoë"]);
    assert_eq!(code, 2);
    assert!(err.contains("power"), "{err}");

    // A ring band from its size: the zone is the unrolled inside, π × 17.32 mm long for a US 7.
    let (code, stdout, err) = orfevre(&[
        "engrave",
        "text",
        "--ring-size",
        "US7",
        "--band-width",
        "2.5",
        "--json",
        "-o",
        out.to_str().unwrap(),
        "Zoë & Léo",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let zone: Vec<f64> = v["zone"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
    assert!((zone[0] - 54.42).abs() < 0.01 && (zone[1] - 2.5).abs() < 1e-9, "{v}");
    let (code, _, err) = orfevre(&[
        "engrave",
        "text",
        "--ring-size",
        "US 17",
        "--band-width",
        "2.5",
        "-o",
        out.to_str().unwrap(),
        "Zoë",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("--ring-size") && err.contains("0 to 16"), "{err}");

    // The material's minimum feature: hairlines refused (exit 1), accepted once thickened.
    let small = ["engrave", "text", "--font", "serif", "--zone", "30x3", "--min-feature", "0.3", "-o"];
    let (code, _, err) = orfevre(&[&small[..], &[out.to_str().unwrap(), "Pour toujours, Léa"]].concat());
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("thinner than the material's 0.3 mm"), "{err}");
    let (code, _, err) = orfevre(
        &[&small[..], &[out.to_str().unwrap(), "--thicken", "0.3", "--kerf", "0.05", "Pour toujours, Léa"]].concat(),
    );
    assert_eq!(code, 0, "{err}");

    // An image: the PNG preview of an engraving, traced back as a drawing and as handwriting.
    let png = dir.path().join("zoe.png");
    let (code, _, err) = orfevre(&[
        "engrave",
        "image",
        "--adaptive",
        "--zone",
        "20x10",
        "--spacing",
        "0.1",
        "-o",
        out.to_str().unwrap(),
        png.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "--adaptive: {err}");
    for kind in ["drawing", "handwriting", "photo"] {
        let gcode = dir.path().join(format!("traced-{kind}.gcode"));
        let (code, stdout, err) = orfevre(&[
            "engrave",
            "image",
            "--kind",
            kind,
            "--zone",
            "20x10",
            "--spacing",
            "0.1",
            "--json",
            "-o",
            gcode.to_str().unwrap(),
            png.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{kind}: {err}");
        let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        let mode = if kind == "drawing" { "fill" } else { "single-line" };
        if kind == "photo" {
            assert!(v["cuts"].as_u64().unwrap() > 100, "dots burnt row by row: {v}");
        }
        assert_eq!(v["mode"], mode, "{v}");
        assert!(v["cuts"].as_u64().unwrap() >= 3 && v["pixels"][0].as_u64().unwrap() > 100, "{v}");
    }
    // A fingerprint: ridges enhanced, engraved as centre lines.
    let (_, _, grey, _) = drawings::fingerprints().remove(0);
    let mut pm = tiny_skia::Pixmap::new(400, 500).unwrap();
    for (px, g) in pm.pixels_mut().iter_mut().zip(&grey) {
        *px = tiny_skia::PremultipliedColorU8::from_rgba(*g, *g, *g, 255).unwrap();
    }
    let finger = dir.path().join("finger.png");
    pm.save_png(&finger).unwrap();
    let svg = dir.path().join("finger.svg");
    let (code, stdout, err) = orfevre(&[
        "engrave",
        "image",
        "--kind",
        "fingerprint",
        "--zone",
        "12x15",
        "--json",
        "-o",
        svg.to_str().unwrap(),
        finger.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["mode"], "single-line");
    assert!(v["cuts"].as_u64().unwrap() > 20, "ridge lines: {v}");
    let gcode = dir.path().join("zoe.gcode");
    let (code, _, err) =
        orfevre(&["engrave", "image", "--zone", "20x10", "-o", out.to_str().unwrap(), gcode.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("not a PNG"), "{err}");
}

#[test]
fn model_ring_and_pendant_print_figures_and_price() {
    let dir = std::env::temp_dir().join(format!("orfevre-model-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let catalog = root().join("catalogs/demo");
    let catalog = catalog.to_str().unwrap();
    let glb = dir.join("solitaire.glb");
    let (code, out, err) = orfevre(&[
        "model",
        "ring",
        "--catalog",
        catalog,
        "--size",
        "US7",
        "--profile",
        "d-shape",
        "--width",
        "2.2",
        "--stone",
        "diamond-lab",
        "--cut",
        "round",
        "--carat",
        "0.5",
        "--setting",
        "4-prong",
        "-o",
        glb.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let bytes = std::fs::read(&glb).unwrap();
    assert_eq!(&bytes[..4], b"glTF");
    assert_eq!(v["bytes"].as_u64().unwrap() as usize, bytes.len());
    assert!((v["inner_circumference_mm"].as_f64().unwrap() - 54.421).abs() < 1e-3);
    // 18k yellow (15.58 g/cm³): weight follows volume, plus 0.2 g per carat.
    let (vol, w) = (v["volume_mm3"].as_f64().unwrap(), v["weight_g"].as_f64().unwrap());
    assert!((w - (vol * 15.58 / 1000.0 + 0.1)).abs() < 0.002, "{v}");
    assert!(v["triangles"].as_u64().unwrap() > 1000);
    assert_eq!(v["price"]["valid"], true, "{v}");
    assert_eq!(v["price"]["currency"], "EUR");
    // The engine's price for the demo's example solitaire at the same size and parameters.
    let total: f64 = v["price"]["total"].as_str().unwrap().parse().unwrap();
    assert!(total > 1000.0, "{v}");

    // A thicker band weighs more and costs more.
    let (code, out2, _) = orfevre(&[
        "model",
        "ring",
        "--catalog",
        catalog,
        "--size",
        "US7",
        "--thickness",
        "2.0",
        "--stone",
        "diamond-lab",
        "--carat",
        "0.5",
        "-o",
        glb.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    let v2: serde_json::Value = serde_json::from_str(&out2).unwrap();
    assert!(v2["weight_g"].as_f64().unwrap() > w);
    let total2: f64 = v2["price"]["total"].as_str().unwrap().parse().unwrap();
    assert!(total2 > total, "{total2} > {total}");

    // STL and 3MF of a plain band; a pendant.
    for fmt in ["stl", "3mf"] {
        let f = dir.join(format!("band.{fmt}"));
        let (code, out, err) = orfevre(&[
            "model",
            "ring",
            "--catalog",
            catalog,
            "--size",
            "UKN½",
            "--format",
            fmt,
            "-o",
            f.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let bytes = std::fs::read(&f).unwrap();
        if fmt == "stl" {
            // Binary STL: 80-byte header, a triangle count, 50 bytes a triangle.
            let n = u32::from_le_bytes(bytes[80..84].try_into().unwrap()) as usize;
            assert_eq!(n, v["triangles"].as_u64().unwrap() as usize);
            assert_eq!(bytes.len(), 84 + 50 * n);
        } else {
            assert!(bytes.starts_with(b"PK"), "3MF is a zip package");
        }
    }
    // A plain band is priced on the wedding band base, at its exact size.
    let (code, out, err) = orfevre(&[
        "model",
        "ring",
        "--catalog",
        catalog,
        "--size",
        "UKN½",
        "--width",
        "4",
        "--profile",
        "court",
        "-o",
        glb.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let band: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(band["price"]["base"], "wedding-band", "{band}");
    assert_eq!(band["price"]["valid"], true, "{band}");
    assert_eq!(band["carats"], 0.0);
    let (code, out, err) = orfevre(&[
        "model",
        "pendant",
        "--catalog",
        catalog,
        "--diameter",
        "15",
        "--thickness",
        "1.2",
        "-o",
        dir.join("p.glb").to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let p: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(p["price"]["valid"], true, "{p}");
    assert!((p["engrave_diameter_mm"].as_f64().unwrap() - 12.8).abs() < 1e-9);

    // Manufacturing problems: written, exit 1, the problem named.
    let (code, out, _) = orfevre(&[
        "model",
        "ring",
        "--catalog",
        catalog,
        "--thickness",
        "0.9",
        "--metal",
        "18k-yellow",
        "-o",
        glb.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(out.contains("\"code\": \"wall\""), "{out}");
    // Bad input: exit 2 and the flag named.
    for (args, says) in [
        (vec!["--size", "US17"], "--size"),
        (vec!["--profile", "oval"], "--profile"),
        (vec!["--metal", "tin"], "--metal \"tin\""),
        (vec!["--stone", "ruby"], "--stone \"ruby\""),
        (vec!["--format", "obj"], "--format"),
    ] {
        let mut all = vec!["model", "ring", "--catalog", catalog, "-o", "/dev/null"];
        all.extend(args.iter());
        let (code, _, err) = orfevre(&all);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn nfc_and_qr_commands() {
    let zero = "00000000000000000000000000000000";
    let an12196 = "https://ntag.nxp.com/424?e=EF963FF7828658A599F3041510671E88&c=94EED9EE65337086";
    let (code, out, err) = orfevre(&["nfc", "verify", "--url", an12196, "--meta-key", zero, "--file-key", zero]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (v["valid"].as_bool(), v["uid"].as_str(), v["counter"].as_u64()),
        (Some(true), Some("04DE5F1EACC040"), Some(61))
    );
    let forged = an12196.replace("c=94EED9EE65337086", "c=94EED9EE65337087");
    let (code, out, _) = orfevre(&["nfc", "verify", "--url", &forged, "--meta-key", zero, "--file-key", zero]);
    assert_eq!(code, 1);
    assert!(out.contains("\"valid\":false"), "{out}");
    let (code, _, err) =
        orfevre(&["nfc", "verify", "--url", "https://x.test/p", "--meta-key", zero, "--file-key", zero]);
    assert_eq!(code, 2);
    assert!(err.contains("--url") && err.contains("no query"), "{err}");
    let (code, _, err) = orfevre(&["nfc", "verify", "--url", an12196, "--meta-key", "00", "--file-key", zero]);
    assert_eq!(code, 2);
    assert!(err.contains("--meta-key") && err.contains("32 hexadecimal digits"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("tag.bin");
    let (code, _, err) =
        orfevre(&["nfc", "ndef", "--type4", "--url", "https://lumen.example/p/LUM-7Q3X", "-o", bin.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let b = std::fs::read(&bin).unwrap();
    assert_eq!(u16::from_be_bytes([b[0], b[1]]) as usize, b.len() - 2, "Type 4 NDEF file: NLEN then the message");
    assert_eq!(&b[2..6], &[0xd1, 0x01, 25, b'U'], "a short URI record: the https:// code and 24 bytes");
    for ext in ["svg", "png"] {
        let f = dir.path().join(format!("qr.{ext}"));
        let (code, _, err) = orfevre(&["qr", "--text", "https://lumen.example/p/LUM-7Q3X", "-o", f.to_str().unwrap()]);
        assert_eq!(code, 0, "{err}");
        let head = std::fs::read(&f).unwrap();
        assert!(if ext == "svg" { head.starts_with(b"<svg") } else { head.starts_with(b"\x89PNG") });
    }
    let (code, _, err) = orfevre(&["qr", "--text", "x", "-o", dir.path().join("qr.gif").to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains(".svg or .png"), "{err}");
}

#[test]
fn passport_keygen_issue_verify() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("brand-key");
    let (code, out, err) = orfevre(&["passport", "keygen", "--out", key.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("did:key:z6Mk"), "{out}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(key.join("key.json")).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the private key is readable by its owner only");
    }
    // A second keygen never overwrites a brand's key.
    let (code, _, err) = orfevre(&["passport", "keygen", "--out", key.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("is there a key already"), "{err}");
    let cert = dir.path().join("cert.json");
    let design = "9ec607e06a98c7563f0c2cb4b7e4bc8b9f2d0a1e8e6d3c2b1a09f8e7d6c5b4a3";
    let (code, _, err) = orfevre(&[
        "passport",
        "issue",
        "--key",
        key.to_str().unwrap(),
        "--serial",
        "LUM-000042",
        "--design",
        design,
        "--issuer",
        "did:web:lumen.example",
        "-o",
        cert.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let c: serde_json::Value = serde_json::from_slice(&std::fs::read(&cert).unwrap()).unwrap();
    assert_eq!(c["credentialSubject"]["serial"], "LUM-000042");
    assert_eq!(c["proof"]["cryptosuite"], "eddsa-jcs-2022");
    let (code, out, _) = orfevre(&["passport", "verify", cert.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    // Altered: exit 1 with the reason.
    let altered = std::fs::read_to_string(&cert).unwrap().replace("LUM-000042", "LUM-000043");
    std::fs::write(&cert, altered).unwrap();
    let (code, out, _) = orfevre(&["passport", "verify", cert.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(out.contains("altered"), "{out}");
    let (code, _, err) = orfevre(&[
        "passport",
        "issue",
        "--key",
        key.to_str().unwrap(),
        "--serial",
        "LUM 42",
        "--design",
        design,
        "-o",
        cert.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("--serial"), "{err}");
}

#[test]
fn every_command_names_its_exit_codes_in_its_help() {
    let commands: &[&[&str]] = &[
        &["catalog", "check"],
        &["design", "eval"],
        &["design", "spell"],
        &["design", "hash"],
        &["engrave", "text"],
        &["engrave", "image"],
        &["model", "ring"],
        &["model", "pendant"],
        &["nfc", "ndef"],
        &["nfc", "verify"],
        &["qr"],
        &["passport", "keygen"],
        &["passport", "issue"],
        &["passport", "verify"],
        &["serve"],
        &["user", "add"],
        &["token", "create"],
    ];
    for c in commands {
        let mut args = c.to_vec();
        args.push("--help");
        let (code, out, _) = orfevre(&args);
        assert_eq!(code, 0, "{c:?}");
        let flat = out.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
        assert!(flat.contains("exit 0") && flat.contains(" 2 "), "{c:?} --help does not name its exit codes:\n{out}");
    }
    let (_, out, _) = orfevre(&["--help"]);
    assert!(out.contains("Exit codes:"), "{out}");
}

#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    use std::io::Read;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_orfevre"))
        .args(["design", "eval", "catalogs/demo/examples/valid-moments-bracelet.json"])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Hang up before it writes (it reads the catalog first): every write meets a closed pipe, as
    // behind `| head` once head has what it wants.
    drop(child.stdout.take().unwrap());
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}
