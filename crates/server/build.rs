//! Builds the web UI (`web/`, TypeScript + Vite) into OUT_DIR/web, which the server embeds, and
//! tells cargo to rebuild when the demo catalog (also embedded) or the web sources change.
//! Needs Node.js and npm; `ORFEVRE_SKIP_WEB=1` builds an API-only server (a page says so).
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=../../catalogs/demo");
    // The web UI's API types are generated from the OpenAPI document's golden copy.
    println!("cargo:rerun-if-changed=tests/golden/openapi.json");
    println!("cargo:rerun-if-env-changed=ORFEVRE_SKIP_WEB");
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let web = manifest.join("../../web");
    for f in
        ["src", "index.html", "embed-demo.html", "package.json", "package-lock.json", "vite.config.ts", "tsconfig.json"]
    {
        println!("cargo:rerun-if-changed={}", web.join(f).display());
    }
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("web");
    std::fs::create_dir_all(&out).unwrap();
    if std::env::var("ORFEVRE_SKIP_WEB").is_ok_and(|v| v == "1") {
        std::fs::write(
            out.join("index.html"),
            "<!doctype html><meta charset=utf-8><title>Orfèvre</title><p>This server was built with ORFEVRE_SKIP_WEB=1: \
             the API is at <a href=/api/v1/openapi.json>/api/v1/openapi.json</a>, the web UI is not built in.",
        )
        .unwrap();
        return;
    }
    let stamp = web.join("node_modules/.package-lock.json");
    if newer(&web.join("package-lock.json"), &stamp) {
        npm(&web, &["ci", "--no-audit", "--no-fund"], &out);
    }
    npm(&web, &["run", "build"], &out);
}

fn newer(a: &Path, b: &Path) -> bool {
    let m = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    match (m(a), m(b)) {
        (Some(x), Some(y)) => x > y,
        _ => true,
    }
}

fn npm(dir: &Path, args: &[&str], out: &Path) {
    let status = Command::new("npm").args(args).current_dir(dir).env("ORFEVRE_WEB_OUT", out).status();
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => panic!("`npm {}` in {} failed ({s}); the web UI cannot be built", args.join(" "), dir.display()),
        Err(e) => panic!(
            "cannot run npm ({e}): building Orfèvre's web UI needs Node.js 20+ and npm. \
             Install them, or set ORFEVRE_SKIP_WEB=1 for an API-only build."
        ),
    }
}
