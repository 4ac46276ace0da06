//! The workspace's binaries the tests run as a user would: the example stack's
//! CLI and the backend service.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The example `name`, built when missing or older than a source file (`cargo
/// test` builds examples, `cargo test --test X` alone does not).
pub(crate) fn example(name: &str) -> PathBuf {
    built(Path::new("examples").join(name), &["--example", name])
}

/// The backend service's binary, built when missing or stale.
pub(crate) fn service() -> PathBuf {
    built(
        PathBuf::from("backend-service"),
        &["-p", "backend-service", "--bin", "backend-service"],
    )
}

/// `relative` under `target/<profile>/`, built by `cargo build <args>` unless
/// it is newer than every source file.
fn built(relative: PathBuf, args: &[&str]) -> PathBuf {
    // This test binary is target/<profile>/deps/<test>-<hash>.
    let exe = std::env::current_exe().expect("test binary path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps");
    let binary = profile_dir.join(relative);
    let built = std::fs::metadata(&binary).and_then(|m| m.modified()).ok();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sources = [
        "src",
        "examples",
        "infra-core/src",
        "infra-macros/src",
        "infra-schema/src",
        "service/src",
    ];
    let newest_source = sources
        .iter()
        .filter_map(|dir| newest(&root.join(dir)))
        .max();
    if built.is_some() && built >= newest_source {
        return binary;
    }

    let mut cargo = Command::new(env!("CARGO"));
    cargo
        .args(["build", "--quiet"])
        .args(args)
        .arg("--manifest-path")
        .arg(root.join("Cargo.toml"));
    // Cargo gives this test the package's variables (CARGO_PKG_NAME, OUT_DIR,
    // ...); some build scripts (aws-lc-sys) rerun when those change, which
    // would rebuild the whole AWS SDK here and again in the next `cargo test`.
    // Build as from a plain shell.
    const KEEP: [&str; 7] = [
        "CARGO_HOME",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_",
        "CARGO_TERM_",
        "CARGO_NET_",
        "CARGO_PROFILE_",
        "CARGO_INCREMENTAL",
    ];
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        if (key.starts_with("CARGO_") && !KEEP.iter().any(|k| key.starts_with(k)))
            || key == "OUT_DIR"
        {
            cargo.env_remove(key.as_ref());
        }
    }
    let status = cargo.status().expect("cargo runs");
    assert!(status.success(), "cargo build {args:?} failed");
    binary
}

/// The latest modification time of any file under `dir`.
fn newest(dir: &Path) -> Option<std::time::SystemTime> {
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let path = entry.path();
            if path.is_dir() {
                newest(&path)
            } else {
                entry.metadata().and_then(|m| m.modified()).ok()
            }
        })
        .max()
}
