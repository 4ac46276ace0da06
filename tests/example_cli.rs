//! The main job as a user runs it: the `backend_stack` example binary, offline
//! first, then against moto through `AWS_ENDPOINT_URL`.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use aws_sdk_ec2::types::Filter;

/// The example binary. `cargo test` builds it beside this test; when it is
/// missing or older than a source file (`cargo test --test example_cli` alone
/// does not build examples), it is built here.
fn example_binary() -> PathBuf {
    // This test binary is target/<profile>/deps/example_cli-<hash>.
    let exe = std::env::current_exe().expect("test binary path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps");
    let binary = profile_dir.join("examples").join("backend_stack");
    let built = std::fs::metadata(&binary).and_then(|m| m.modified()).ok();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sources = [
        "src",
        "examples",
        "infra-core/src",
        "infra-macros/src",
        "infra-schema/src",
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
        .args([
            "build",
            "--quiet",
            "--example",
            "backend_stack",
            "--manifest-path",
        ])
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
    assert!(status.success(), "building the example failed");
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

/// Runs the example in `dir` with `args`, AWS pointed at `endpoint`, no
/// credentials but the ones given, no terminal.
fn run(binary: &Path, dir: &Path, endpoint: &str, credentials: bool, args: &[&str]) -> Output {
    let mut command = Command::new(binary);
    command
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_REGION")
        .env_remove("INFRA_STATE")
        .env("AWS_CONFIG_FILE", dir.join("no-aws-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            dir.join("no-aws-credentials"),
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("NO_COLOR", "1");
    if credentials {
        command
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test");
    }
    command.output().expect("the example runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn plans_offline_then_applies_and_destroys_against_moto() {
    let binary = example_binary();
    let dir = tempfile::tempdir().expect("temp dir");

    // Offline, no account: AWS points at a closed loopback port, and the plan of a
    // fresh state needs no call at all.
    let closed = "http://127.0.0.1:9";
    let offline = run(&binary, dir.path(), closed, false, &[]);
    let stdout = text(&offline.stdout);
    assert_eq!(
        offline.status.code(),
        Some(0),
        "{stdout}{}",
        text(&offline.stderr)
    );
    assert!(text(&offline.stderr).contains("State: identity-e2e-backend.infra-state.json"));
    assert!(
        stdout.contains("+ resource \"aws_ec2_vpc\" \"vpc\""),
        "{stdout}"
    );
    assert!(
        stdout.contains("vpc_id                  = (known after apply)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Plan: 4 to add, 0 to change, 0 to destroy."),
        "{stdout}"
    );
    let detailed = run(
        &binary,
        dir.path(),
        closed,
        false,
        &["plan", "--detailed-exitcode"],
    );
    assert_eq!(detailed.status.code(), Some(2), "changes pending");
    let unknown = run(
        &binary,
        dir.path(),
        closed,
        false,
        &["plan", "--var", "nope=1"],
    );
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        text(&unknown.stderr).contains("the stack has no input `nope`"),
        "{}",
        text(&unknown.stderr)
    );
    let graph = run(
        &binary,
        dir.path(),
        closed,
        false,
        &["graph", "--format", "mermaid"],
    );
    let mermaid = text(&graph.stdout);
    assert_eq!(graph.status.code(), Some(0), "{mermaid}");
    assert!(mermaid.starts_with("flowchart RL\n"), "{mermaid}");
    assert!(mermaid.contains("  public_subnet_a --> vpc\n"), "{mermaid}");
    let dot = text(&run(&binary, dir.path(), closed, false, &["graph"]).stdout);
    assert!(dot.contains("\"public_subnet_b\" -> \"vpc\";"), "{dot}");
    let refused = run(&binary, dir.path(), closed, false, &["apply"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        text(&refused.stderr).contains("--auto-approve"),
        "{}",
        text(&refused.stderr)
    );
    assert!(
        !dir.path()
            .join("identity-e2e-backend.infra-state.json")
            .exists(),
        "plan writes no state"
    );

    // Against moto, with the state somewhere else.
    let moto = common::Moto::start();
    let endpoint = moto.endpoint();
    let state = ["--state", "states/backend.json"];
    let apply = run(
        &binary,
        dir.path(),
        &endpoint,
        true,
        &["apply", "--auto-approve", state[0], state[1]],
    );
    let stdout = text(&apply.stdout);
    assert_eq!(
        apply.status.code(),
        Some(0),
        "{stdout}{}",
        text(&apply.stderr)
    );
    assert!(text(&apply.stderr).contains("State: states/backend.json"));
    assert!(
        stdout.contains("Apply complete! Resources: 4 added, 0 changed, 0 destroyed."),
        "{stdout}"
    );
    assert!(dir.path().join("states/backend.json").exists());

    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (vpcs, subnets, tables) = runtime.block_on(stack_resources(&endpoint));
    assert_eq!(vpcs, 1);
    assert_eq!(subnets, 2);
    assert_eq!(tables, ["identity-e2e-backend"]);

    let output = run(
        &binary,
        dir.path(),
        &endpoint,
        true,
        &["output", "table_name", state[0], state[1]],
    );
    assert_eq!(
        text(&output.stdout),
        "identity-e2e-backend\n",
        "{}",
        text(&output.stderr)
    );
    let outputs = run(
        &binary,
        dir.path(),
        &endpoint,
        true,
        &["output", "--json", state[0], state[1]],
    );
    let outputs: serde_json::Value = serde_json::from_slice(&outputs.stdout).expect("JSON outputs");
    assert!(
        outputs["vpc_id"]
            .as_str()
            .is_some_and(|id| id.starts_with("vpc-")),
        "{outputs}"
    );
    let missing = run(
        &binary,
        dir.path(),
        &endpoint,
        true,
        &["output", "nope", state[0], state[1]],
    );
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        text(&missing.stderr).contains("no output `nope`"),
        "{}",
        text(&missing.stderr)
    );

    let again = run(
        &binary,
        dir.path(),
        &endpoint,
        true,
        &["plan", "--detailed-exitcode", state[0], state[1]],
    );
    assert_eq!(
        again.status.code(),
        Some(0),
        "{}{}",
        text(&again.stdout),
        text(&again.stderr)
    );
    assert!(text(&again.stdout).contains("No changes."));

    let destroy = run(
        &binary,
        dir.path(),
        &endpoint,
        true,
        &["destroy", "--auto-approve", state[0], state[1]],
    );
    let stdout = text(&destroy.stdout);
    assert_eq!(
        destroy.status.code(),
        Some(0),
        "{stdout}{}",
        text(&destroy.stderr)
    );
    assert!(
        stdout.contains("Destroy complete! Resources: 0 added, 0 changed, 4 destroyed."),
        "{stdout}"
    );

    // moto's data.json keeps deleted objects, so ask the APIs themselves.
    let (vpcs, subnets, tables) = runtime.block_on(stack_resources(&endpoint));
    assert_eq!(
        (vpcs, subnets, tables.len()),
        (0, 0, 0),
        "left after destroy: {tables:?}"
    );

    // A saved plan: `plan --out`, then `apply FILE` does exactly that, once.
    let saved = run(
        &binary,
        dir.path(),
        &endpoint,
        true,
        &["plan", "--out", "saved.plan.json", state[0], state[1]],
    );
    assert_eq!(saved.status.code(), Some(0), "{}", text(&saved.stderr));
    assert!(
        text(&saved.stderr).contains("apply saved.plan.json"),
        "{}",
        text(&saved.stderr)
    );
    let json = run(
        &binary,
        dir.path(),
        &endpoint,
        true,
        &["plan", "--json", state[0], state[1]],
    );
    let document: serde_json::Value =
        serde_json::from_slice(&json.stdout).expect("plan --json prints JSON");
    assert_eq!(document["format_version"], 1);
    assert_eq!(document["summary"]["to_add"], 4);
    let applied = run(
        &binary,
        dir.path(),
        &endpoint,
        true,
        &["apply", "saved.plan.json", state[0], state[1]],
    );
    assert_eq!(
        applied.status.code(),
        Some(0),
        "{}{}",
        text(&applied.stdout),
        text(&applied.stderr)
    );
    let stale = run(
        &binary,
        dir.path(),
        &endpoint,
        true,
        &["apply", "saved.plan.json", state[0], state[1]],
    );
    assert_eq!(stale.status.code(), Some(1));
    assert!(
        text(&stale.stderr).contains("the plan is stale"),
        "{}",
        text(&stale.stderr)
    );
    let (vpcs, _, _) = runtime.block_on(stack_resources(&endpoint));
    assert_eq!(vpcs, 1, "the stale plan created nothing more");
    let destroy = run(
        &binary,
        dir.path(),
        &endpoint,
        true,
        &["destroy", "--auto-approve", state[0], state[1]],
    );
    assert_eq!(destroy.status.code(), Some(0), "{}", text(&destroy.stderr));
}

/// How many VPCs and subnets carry the stack's ownership tag, and which tables exist.
async fn stack_resources(endpoint: &str) -> (usize, usize, Vec<String>) {
    let config = common::sdk_config(endpoint, "eu-west-2").await;
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let ours = Filter::builder()
        .name("tag:infra:stack")
        .values("identity-e2e-backend")
        .build();
    let vpcs = ec2
        .describe_vpcs()
        .filters(ours.clone())
        .send()
        .await
        .expect("vpcs");
    let subnets = ec2
        .describe_subnets()
        .filters(ours)
        .send()
        .await
        .expect("subnets");
    let tables = aws_sdk_dynamodb::Client::new(&config)
        .list_tables()
        .send()
        .await
        .expect("tables");
    (
        vpcs.vpcs().len(),
        subnets.subnets().len(),
        tables.table_names().to_vec(),
    )
}
