//! The workspace's binaries the tests run as a user would: the example stack's
//! CLI and the backend service.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The example `name`, built when missing or older than a source file (`cargo
/// test` builds examples, `cargo test --test X` alone does not).
pub(crate) fn example(name: &str) -> PathBuf {
    built(Path::new("examples").join(name), &["--example", name])
}

/// The example stack's CLI as a user without AWS configuration runs it: in
/// `dir`, no terminal, no profile, credentials file or instance metadata, AWS
/// at `endpoint` (CloudWatch at `cloudwatch`, moto's CBOR proxy), dummy
/// credentials only when `credentials`, no colours.
pub(crate) fn example_stack(
    dir: &Path,
    endpoint: &str,
    cloudwatch: &str,
    credentials: bool,
) -> Command {
    let mut command = Command::new(example("backend_stack"));
    command
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_REGION")
        .env_remove("INFRA_STATE")
        .env_remove("INFRA_BACKEND")
        .env("AWS_CONFIG_FILE", dir.join("no-aws-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            dir.join("no-aws-credentials"),
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ENDPOINT_URL_CLOUDWATCH", cloudwatch)
        .env("NO_COLOR", "1");
    if credentials {
        command
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test");
    }
    command
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
