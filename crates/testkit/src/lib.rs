//! # orfevre-testkit
//!
//! What the test suites share to run the independent checkers (ezdxf, gcodeparser, trimesh,
//! ndeflib, cryptography, rfc8785, pdfplumber — the `tests/check/requirements.txt` of engrave, model, production and
//! twin):
//!
//! - [`python`]: a Python with all of them, in a virtual environment under the target directory
//!   (`target/orfevre-py`), made on first use from the requirements files and remade when they
//!   change. It sees the system's packages, so a checker already installed at the pinned version
//!   is not fetched again. Test binaries run in parallel: a file lock makes the first one build it and the
//!   others wait for it.
//! - [`skip`]: a check that cannot run says so on the terminal even when its test passes
//!   (`cargo test` captures a passing test's output, so a plain `eprintln!` would be seen by
//!   nobody), and logs itself in `target/orfevre-checks/skipped.txt` (Unix time, process id,
//!   what). Under
//!   `ORFEVRE_TEST_STRICT=1` (CI) a skip is a failure.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The requirements files, relative to the workspace root, in one environment.
pub const REQUIREMENTS: &[&str] = &[
    "crates/engrave/tests/check/requirements.txt",
    "crates/model/tests/check/requirements.txt",
    "crates/twin/tests/check/requirements.txt",
    "crates/production/tests/check/requirements.txt",
];

/// Whether a check that cannot run must fail (CI) rather than skip.
pub fn strict() -> bool {
    std::env::var("ORFEVRE_TEST_STRICT").is_ok_and(|v| v == "1")
}

/// The workspace's root directory.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("the workspace root")
}

/// Cargo's target directory (`CARGO_TARGET_DIR`, or `target/` in the workspace).
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) if Path::new(&d).is_absolute() => PathBuf::from(d),
        Some(d) => workspace().join(d),
        None => workspace().join("target"),
    }
}

/// A line on the terminal that `cargo test`'s capture does not swallow: written to the process's
/// standard error file itself, not through `eprintln!` (which a passing test's capture hides).
pub fn visible(line: &str) {
    match OpenOptions::new().write(true).open("/dev/stderr") {
        Ok(mut tty) => {
            let _ = writeln!(tty, "{line}");
        }
        Err(_) => eprintln!("{line}"),
    }
}

/// A check that cannot run: a failure under `ORFEVRE_TEST_STRICT=1`, otherwise a line every run
/// shows (`orfevre-tests: SKIPPED …`) and an entry in `target/orfevre-checks/skipped.txt`.
pub fn skip(what: &str) {
    assert!(!strict(), "ORFEVRE_TEST_STRICT=1 and {what}");
    visible(&format!("orfevre-tests: SKIPPED {what} (set ORFEVRE_TEST_STRICT=1 to make this a failure)"));
    let dir = target_dir().join("orfevre-checks");
    if std::fs::create_dir_all(&dir).is_ok() {
        if let Ok(mut f) = OpenOptions::new().create(true).append(true).open(dir.join("skipped.txt")) {
            let _ = f.lock();
            let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
            let _ = writeln!(f, "{secs} {} {what}", std::process::id());
        }
    }
}

/// The Python interpreter the checkers run in: the environment's, made on first use; the
/// system's `python3` if the environment cannot be made (no `venv` module, no network) — then
/// [`python_has`] says what is missing and the checks skip, visibly.
pub fn python() -> Command {
    Command::new(interpreter())
}

/// Whether the checkers' Python imports `module`.
pub fn python_has(module: &str) -> bool {
    python().args(["-c", &format!("import {module}")]).output().is_ok_and(|o| o.status.success())
}

fn interpreter() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| match environment() {
        Ok(p) => p,
        Err(why) => {
            visible(&format!(
                "orfevre-tests: no Python environment for the checkers ({why}); using the system's python3"
            ));
            PathBuf::from("python3")
        }
    })
}

/// The requirements' combined text: the environment is remade when it changes.
fn requirements() -> Result<String, String> {
    let mut all = String::new();
    for r in REQUIREMENTS {
        let text = std::fs::read_to_string(workspace().join(r)).map_err(|e| format!("{r}: {e}"))?;
        all.push_str(&text);
        all.push('\n');
    }
    Ok(all)
}

/// Makes (once, under a lock shared by every test process) the virtual environment and returns
/// its interpreter.
fn environment() -> Result<PathBuf, String> {
    let target = target_dir();
    std::fs::create_dir_all(&target).map_err(|e| e.to_string())?;
    let venv = target.join("orfevre-py");
    let bin = if cfg!(windows) { venv.join("Scripts").join("python.exe") } else { venv.join("bin").join("python") };
    let stamp = venv.join("orfevre-requirements.txt");
    let wanted = requirements()?;
    let lock = File::create(target.join("orfevre-py.lock")).map_err(|e| e.to_string())?;
    lock.lock().map_err(|e| e.to_string())?;
    if bin.exists() && std::fs::read_to_string(&stamp).is_ok_and(|s| s == wanted) {
        return Ok(bin);
    }
    visible("orfevre-tests: making the checkers' Python environment in target/orfevre-py (once)");
    let _ = std::fs::remove_dir_all(&venv);
    // The system's packages stay visible: a checker already installed at the pinned version is not
    // downloaded again; what is missing or at another version is installed in the environment.
    let made = Command::new("python3")
        .args(["-m", "venv", "--system-site-packages"])
        .arg(&venv)
        .output()
        .map_err(|e| format!("python3: {e}"))?;
    if !made.status.success() {
        return Err(format!("python3 -m venv failed: {}", String::from_utf8_lossy(&made.stderr).trim()));
    }
    let mut pip = Command::new(&bin);
    pip.args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"]);
    for r in REQUIREMENTS {
        pip.arg("-r").arg(workspace().join(r));
    }
    let installed = pip.output().map_err(|e| format!("pip: {e}"))?;
    if !installed.status.success() {
        let _ = std::fs::remove_dir_all(&venv);
        return Err(format!("pip install failed: {}", String::from_utf8_lossy(&installed.stderr).trim()));
    }
    std::fs::write(&stamp, wanted).map_err(|e| e.to_string())?;
    Ok(bin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_requirements_files_exist_and_pin_the_checkers() {
        let all = requirements().unwrap();
        for module in ["ezdxf", "gcodeparser", "trimesh", "ndeflib", "cryptography", "rfc8785"] {
            assert!(all.contains(module), "{module} is not in {REQUIREMENTS:?}");
        }
    }

    #[test]
    fn the_target_directory_is_the_workspaces_unless_cargo_says_otherwise() {
        if std::env::var_os("CARGO_TARGET_DIR").is_none() {
            assert_eq!(target_dir(), workspace().join("target"));
        }
        assert!(workspace().join("Cargo.toml").exists());
    }
}
