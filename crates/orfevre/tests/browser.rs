//! The web UI in real headless Chromium: `web/e2e/configurator.mjs` (playwright-core) drives
//! Debian's /usr/bin/chromium against the real server. Screenshots are kept in
//! `target/tmp/e2e-screenshots/`. Without Chromium or Node.js the suite says loudly that it skips;
//! under ORFEVRE_TEST_STRICT=1 that is a failure.

mod common;

use common::*;
use std::path::Path;
use std::process::Command;

#[test]
fn web_ui_in_chromium() {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web");
    let node = Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success());
    let deps = web.join("node_modules/playwright-core").is_dir();
    if !Path::new(&chromium).exists() || !node || !deps {
        let why = format!(
            "chromium at {chromium}: {}, node: {node}, web/node_modules: {deps}",
            Path::new(&chromium).exists()
        );
        orfevre_testkit::skip(&format!("the browser suite ({why}): install chromium and Node.js"));
        return;
    }
    let db = Db::sqlite();
    add_user(&db, "admin@lumen.test", "admin");
    let s = Server::start(&db, &[]);
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("e2e-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let out = Command::new("node")
        .arg("e2e/configurator.mjs")
        .args([s.url.as_str(), shots.to_str().unwrap(), "admin@lumen.test", PASSWORD])
        .env("CHROMIUM", &chromium)
        .current_dir(&web)
        .output()
        .expect("node");
    let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    println!("{log}");
    assert!(out.status.success(), "browser checks failed (screenshots in {}):\n{log}", shots.display());
    assert!(log.contains("all browser checks passed"), "{log}");
    for name in [
        "storefront",
        "compose-price-changes",
        "capacity-repair",
        "keyboard-only",
        "order-to-back-office",
        "workshop-job",
        "workshop-job-1280",
        "piece-vault",
        "piece-workshop",
        "back-office-catalog",
        "viewer-3d-ring",
        "viewer-3d-worn",
        "viewer-3d-engraved",
        "viewer-3d-traced",
        "viewer-3d-signet",
    ] {
        assert!(shots.join(format!("{name}.png")).is_file(), "screenshot {name}");
    }
}
