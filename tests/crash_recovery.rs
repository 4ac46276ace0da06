//! `kill -9` during an apply loses nothing: a child process applies a stack
//! against moto, one resource at a time, and is killed once its journal shows
//! a few steps; the next apply finishes the job with no duplicate and no
//! orphan — every resource carrying the stack's tag in moto is in the state,
//! exactly one per declaration — and the plan after it is empty.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{no_events, tag_filter};

use infra::provider::aws::AwsProvider;
use infra::{Engine, LocalState, Stack};

const REGION: &str = "ap-southeast-2";
/// Set in the child process: the moto endpoint and the state path.
const CHILD_ENDPOINT: &str = "INFRA_CRASH_TEST_ENDPOINT";
const CHILD_STATE: &str = "INFRA_CRASH_TEST_STATE";

fn stack() -> Stack {
    infra::stack! {
        name = "crash";
        region = "ap-southeast-2";
        let vpc = ec2::Vpc { cidr_block: "10.90.0.0/16" };
        let igw = ec2::InternetGateway {};
        let igw_attachment = ec2::InternetGatewayAttachment { internet_gateway_id: igw.id, vpc_id: vpc.id };
        let a = ec2::Subnet { vpc_id: vpc.id, cidr_block: "10.90.1.0/24", availability_zone: "ap-southeast-2a" };
        let b = ec2::Subnet { vpc_id: vpc.id, cidr_block: "10.90.2.0/24", availability_zone: "ap-southeast-2b" };
        let c = ec2::Subnet { vpc_id: vpc.id, cidr_block: "10.90.3.0/24", availability_zone: "ap-southeast-2c" };
        let public = ec2::RouteTable { vpc_id: vpc.id };
        let private = ec2::RouteTable { vpc_id: vpc.id };
        let web = ec2::SecurityGroup { name: "crash-web", vpc_id: vpc.id };
        let db = ec2::SecurityGroup { name: "crash-db", vpc_id: vpc.id };
        let address = ec2::ElasticIp {};
        let logs = logs::LogGroup { name: "crash", retention_in_days: 7 };
        let table = dynamodb::Table { name: "crash", hash_key: "id" };
    }
}

/// The process the test kills: applies the stack one resource at a time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by `killed_apply_is_finished_without_duplicates` as the process it kills"]
async fn child_applies_slowly() {
    let endpoint = std::env::var(CHILD_ENDPOINT).expect("run by the crash test");
    let state = std::env::var(CHILD_STATE).expect("run by the crash test");
    let config = common::sdk_config(&endpoint, REGION).await;
    let engine = Engine::new(
        stack(),
        AwsProvider::from_config(&config),
        LocalState::new(state),
    )
    .with_concurrency(1);
    let plan = engine.plan().await.expect("plans");
    engine.apply(&plan, &no_events).await.expect("applies");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_apply_is_finished_without_duplicates() {
    let moto = common::shared();
    let config = common::sdk_config(&moto.endpoint(), REGION).await;
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = LocalState::new(dir.path().join("state.json"));

    // 1. The child applies, and is killed a few steps in.
    let mut child = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            "child_applies_slowly",
            "--ignored",
            "--nocapture",
        ])
        .env(CHILD_ENDPOINT, moto.endpoint())
        .env(CHILD_STATE, backend.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("child starts");
    let deadline = Instant::now() + Duration::from_secs(60);
    let steps = || {
        std::fs::read_to_string(backend.journal_path())
            .map(|text| text.lines().count())
            .unwrap_or(0)
    };
    while steps() < 7 {
        assert!(
            child.try_wait().expect("child status").is_none(),
            "the child finished before it could be killed"
        );
        assert!(Instant::now() < deadline, "the child made no progress");
        std::thread::sleep(Duration::from_millis(1));
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    let interrupted = backend
        .load(&stack())
        .expect("the state reads after a kill");
    eprintln!(
        "killed with {} recorded, {} pending",
        interrupted.resources.len(),
        interrupted.pending.len()
    );
    assert!(
        interrupted.resources.len() >= 2,
        "the journal's steps are in the state: {} recorded",
        interrupted.resources.len()
    );
    assert!(
        interrupted.resources.len() < 13,
        "killed mid-way: {} recorded",
        interrupted.resources.len()
    );

    // 2. The next apply finishes the job.
    let engine = Engine::new(stack(), AwsProvider::from_config(&config), backend.clone());
    let plan = engine.plan().await.expect("plans");
    engine.apply(&plan, &no_events).await.expect("applies");
    let state = engine.state().await.expect("state");
    assert_eq!(state.resources.len(), 13);
    assert!(state.pending.is_empty());
    assert!(!engine.plan().await.expect("plans").has_changes());

    // 3. Nothing twice, nothing orphaned: what moto holds with the stack's tag
    // is exactly what the state records.
    let owned = || tag_filter("infra:stack", "crash");
    let mut tagged: Vec<String> = Vec::new();
    let vpcs = ec2
        .describe_vpcs()
        .filters(owned())
        .send()
        .await
        .expect("vpcs");
    tagged.extend(
        vpcs.vpcs()
            .iter()
            .filter_map(|v| v.vpc_id().map(str::to_owned)),
    );
    let subnets = ec2
        .describe_subnets()
        .filters(owned())
        .send()
        .await
        .expect("subnets");
    tagged.extend(
        subnets
            .subnets()
            .iter()
            .filter_map(|s| s.subnet_id().map(str::to_owned)),
    );
    let gateways = ec2
        .describe_internet_gateways()
        .filters(owned())
        .send()
        .await
        .expect("gateways");
    tagged.extend(
        gateways
            .internet_gateways()
            .iter()
            .filter_map(|g| g.internet_gateway_id().map(str::to_owned)),
    );
    let tables = ec2
        .describe_route_tables()
        .filters(owned())
        .send()
        .await
        .expect("route tables");
    tagged.extend(
        tables
            .route_tables()
            .iter()
            .filter_map(|t| t.route_table_id().map(str::to_owned)),
    );
    let groups = ec2
        .describe_security_groups()
        .filters(owned())
        .send()
        .await
        .expect("groups");
    tagged.extend(
        groups
            .security_groups()
            .iter()
            .filter_map(|g| g.group_id().map(str::to_owned)),
    );
    let addresses = ec2
        .describe_addresses()
        .filters(owned())
        .send()
        .await
        .expect("addresses");
    tagged.extend(
        addresses
            .addresses()
            .iter()
            .filter_map(|a| a.allocation_id().map(str::to_owned)),
    );
    tagged.sort();
    let mut recorded: Vec<String> = state
        .resources
        .values()
        .filter(|r| {
            r.type_name.starts_with("aws_ec2_")
                && r.type_name != "aws_ec2_internet_gateway_attachment"
        })
        .map(|r| r.id.clone())
        .collect();
    recorded.sort();
    assert_eq!(tagged, recorded);

    let plan = engine.plan_destroy().await.expect("plans destroy");
    engine.apply(&plan, &no_events).await.expect("destroys");
}
