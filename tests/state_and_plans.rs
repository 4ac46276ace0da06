//! Plans users can trust and state a team can share, against moto: drift shows
//! as exactly the changed field and apply restores it; a resource deleted
//! outside is planned again; a saved plan is refused once the state moved on;
//! two applies at once (local file and DynamoDB backends) — one runs, the other
//! fails at once naming the holder; `force-unlock` frees a dead holder's lock;
//! a corrupt state file is refused and its backup is intact; `import` adopts a
//! resource made by hand, and the next plan shows only real differences.

mod common;

use common::no_events;

use aws_sdk_ec2::types::{AttributeBooleanValue, VpcAttributeName};
use infra::provider::aws::AwsProvider;
use infra::state::DynamoDbState;
use infra::{
    Action, ApplyError, Engine, EngineError, LocalState, LockInfo, Plan, StateBackend, StateError,
};

fn stack(tagged: bool) -> infra::Stack {
    if tagged {
        infra::stack! {
            name = "state-and-plans";
            region = "us-east-2";
            let vpc = ec2::Vpc { cidr_block: "10.80.0.0/16", enable_dns_hostnames: false, tags: { "env": "dev" } };
            let subnet = ec2::Subnet { vpc_id: vpc.id, cidr_block: "10.80.1.0/24", availability_zone: "us-east-2a" };
            let logs = logs::LogGroup { name: "state-and-plans", retention_in_days: 7 };
        }
    } else {
        infra::stack! {
            name = "state-and-plans";
            region = "us-east-2";
            let vpc = ec2::Vpc { cidr_block: "10.80.0.0/16", enable_dns_hostnames: false };
            let subnet = ec2::Subnet { vpc_id: vpc.id, cidr_block: "10.80.1.0/24", availability_zone: "us-east-2a" };
            let logs = logs::LogGroup { name: "state-and-plans", retention_in_days: 7 };
        }
    }
}

async fn log_group_exists(logs: &aws_sdk_cloudwatchlogs::Client) -> bool {
    logs.describe_log_groups()
        .log_group_name_prefix("state-and-plans")
        .send()
        .await
        .expect("describe log groups")
        .log_groups()
        .iter()
        .any(|g| g.log_group_name() == Some("state-and-plans"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drift_deleted_resources_and_stale_saved_plans() {
    let moto = common::shared();
    let config = common::sdk_config(&moto.endpoint(), "us-east-2").await;
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let logs = aws_sdk_cloudwatchlogs::Client::new(&config);
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = LocalState::new(dir.path().join("state.json"));
    let engine = |tagged| {
        Engine::new(
            stack(tagged),
            AwsProvider::from_config(&config),
            backend.clone(),
        )
    };

    let plan = engine(false).plan().await.expect("plans");
    engine(false)
        .apply(&plan, &no_events)
        .await
        .expect("applies");
    let vpc_id = engine(false).state().await.expect("state").resources["vpc"]
        .id
        .clone();

    // 1. Drift: DNS hostnames switched on behind the engine's back.
    ec2.modify_vpc_attribute()
        .vpc_id(&vpc_id)
        .enable_dns_hostnames(AttributeBooleanValue::builder().value(true).build())
        .send()
        .await
        .expect("modify");
    let plan = engine(false).plan().await.expect("plans");
    let changed: Vec<_> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .collect();
    assert_eq!(changed.len(), 1, "{}", plan.render());
    assert_eq!(changed[0].name, "vpc");
    assert_eq!(changed[0].action, Action::Update);
    let fields: Vec<_> = changed[0].fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["enable_dns_hostnames"], "{}", plan.render());
    assert!(plan.render().contains("true -> false"), "{}", plan.render());
    engine(false)
        .apply(&plan, &no_events)
        .await
        .expect("applies");
    let attribute = ec2
        .describe_vpc_attribute()
        .vpc_id(&vpc_id)
        .attribute(VpcAttributeName::EnableDnsHostnames)
        .send()
        .await
        .expect("describe attribute");
    assert_eq!(
        attribute.enable_dns_hostnames().and_then(|a| a.value()),
        Some(false)
    );
    assert!(!engine(false).plan().await.expect("plans").has_changes());

    // 2. Deleted outside: planned for creation again.
    logs.delete_log_group()
        .log_group_name("state-and-plans")
        .send()
        .await
        .expect("delete");
    let saved = engine(false).plan().await.expect("plans");
    assert_eq!(
        saved.change("logs").map(|c| c.action),
        Some(Action::Create),
        "{}",
        saved.render()
    );
    // Saved as `plan --out` does, and read back as `apply FILE` does.
    let saved = Plan::from_json(&saved.to_json()).expect("reads back");

    // 3. The state moves on (another apply), and the saved plan is refused.
    let other = engine(true).plan().await.expect("plans");
    engine(true)
        .apply(&other, &no_events)
        .await
        .expect("applies");
    let error = engine(false)
        .apply(&saved, &no_events)
        .await
        .expect_err("stale");
    assert!(
        matches!(error, EngineError::Apply(ApplyError::StalePlan { .. })),
        "{error}"
    );
    assert!(error.to_string().contains("plan again"), "{error}");
    // The other apply recreated the group; the refused plan did nothing more.
    assert!(log_group_exists(&logs).await);

    let plan = engine(true).plan_destroy().await.expect("plans");
    engine(true)
        .apply(&plan, &no_events)
        .await
        .expect("destroys");
}

/// Two applies of one stack at once through `backend_a` and `backend_b` (two
/// handles on the same state): one runs, the other fails at once naming the
/// holder.
async fn one_apply_at_a_time(
    config: &aws_config::SdkConfig,
    backend_a: impl StateBackend + 'static,
    backend_b: impl StateBackend + 'static,
    name: &str,
) {
    let stack = || {
        let mut builder = infra::Stack::builder(name, "us-east-2");
        builder
            .resource("vpc", "ec2::Vpc")
            .expect("in catalog")
            .set("cidr_block", "10.81.0.0/16");
        builder.build().expect("valid")
    };
    let first = Engine::new(stack(), AwsProvider::from_config(config), backend_a);
    let second = Engine::new(stack(), AwsProvider::from_config(config), backend_b);
    let plan = first.plan().await.expect("plans");
    let (a, b) = tokio::join!(
        first.apply(&plan, &no_events),
        second.apply(&plan, &no_events)
    );
    let (winner, error) = match (a, b) {
        (Ok(_), Err(error)) => (&first, error),
        (Err(error), Ok(_)) => (&second, error),
        other => panic!("exactly one apply runs, got {other:?}"),
    };
    let EngineError::State(StateError::Locked { holder, .. }) = &error else {
        panic!("the second apply finds the lock held, got {error}");
    };
    assert_eq!(holder.operation, "apply");
    assert_eq!(holder.pid, std::process::id());
    let message = error.to_string();
    assert!(
        message.contains("is locked by") && message.contains("running `apply`"),
        "{message}"
    );
    let plan = winner.plan_destroy().await.expect("plans destroy");
    winner.apply(&plan, &no_events).await.expect("destroys");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_apply_at_a_time_with_a_local_state() {
    let moto = common::shared();
    let config = common::sdk_config(&moto.endpoint(), "us-east-2").await;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("state.json");
    one_apply_at_a_time(
        &config,
        LocalState::new(&path),
        LocalState::new(&path),
        "lock-local",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_apply_at_a_time_with_a_dynamodb_state_and_force_unlock() {
    let moto = common::shared();
    let config = common::sdk_config(&moto.endpoint(), "us-east-2").await;
    let dynamodb = || aws_sdk_dynamodb::Client::new(&config);
    let shared = || DynamoDbState::new(dynamodb(), "infra-state", "lock-dynamodb");
    one_apply_at_a_time(&config, shared(), shared(), "lock-dynamodb").await;

    // The state is in the table, under the key.
    let item = dynamodb()
        .get_item()
        .table_name("infra-state")
        .key(
            "key",
            aws_sdk_dynamodb::types::AttributeValue::S("lock-dynamodb".into()),
        )
        .key(
            "item",
            aws_sdk_dynamodb::types::AttributeValue::S("state".into()),
        )
        .send()
        .await
        .expect("get item");
    assert!(item.item().is_some(), "the state item exists");

    // A run that died holding the lock: the next one is refused, until
    // force-unlock with the id the error names.
    let stack = || {
        let mut builder = infra::Stack::builder("lock-dynamodb", "us-east-2");
        builder
            .resource("vpc", "ec2::Vpc")
            .expect("in catalog")
            .set("cidr_block", "10.81.0.0/16");
        builder.build().expect("valid")
    };
    let dead = LockInfo::new("apply");
    shared().lock(&stack(), &dead).await.expect("locked");
    let engine = Engine::new(stack(), AwsProvider::from_config(&config), shared());
    let error = engine.plan().await.expect_err("locked");
    assert!(error.to_string().contains(&dead.id), "{error}");
    let wrong = engine
        .force_unlock("not-the-lock")
        .await
        .expect_err("wrong id");
    assert!(wrong.to_string().contains(&dead.id), "{wrong}");
    engine.force_unlock(&dead.id).await.expect("unlocked");
    engine.plan().await.expect("plans once unlocked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_state_is_refused_and_its_backup_is_intact() {
    let moto = common::shared();
    let config = common::sdk_config(&moto.endpoint(), "us-east-2").await;
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = LocalState::new(dir.path().join("state.json"));
    let stack = |retention: i64| {
        let mut builder = infra::Stack::builder("corrupt-state", "us-east-2");
        builder
            .resource("logs", "logs::LogGroup")
            .expect("in catalog")
            .set("name", "corrupt-state")
            .set("retention_in_days", retention);
        builder.build().expect("valid")
    };
    let engine = |retention| {
        Engine::new(
            stack(retention),
            AwsProvider::from_config(&config),
            backend.clone(),
        )
    };
    // Two applies: the second's full write keeps the first's as the backup.
    let plan = engine(7).plan().await.expect("plans");
    engine(7).apply(&plan, &no_events).await.expect("applies");
    let plan = engine(14).plan().await.expect("plans");
    engine(14).apply(&plan, &no_events).await.expect("applies");
    let backup = std::fs::read_to_string(backend.backup_path()).expect("backup kept");
    assert!(backup.contains("\"retention_in_days\": 7"), "{backup}");
    // A run that changes nothing writes nothing: the backup stays the same.
    let plan = engine(14).plan().await.expect("plans");
    engine(14).apply(&plan, &no_events).await.expect("applies");
    assert_eq!(
        std::fs::read_to_string(backend.backup_path()).expect("backup"),
        backup
    );
    let engine = engine(14);

    // Truncated, as a disk-full or a hand edit could leave it.
    let text = std::fs::read_to_string(backend.path()).expect("state");
    std::fs::write(backend.path(), &text[..text.len() / 2]).expect("truncated");
    let error = engine.plan().await.expect_err("refused");
    let message = error.to_string();
    assert!(
        message.contains("is not valid state") && message.contains("backup"),
        "{message}"
    );
    assert_eq!(
        std::fs::read_to_string(backend.backup_path()).expect("backup"),
        backup,
        "the backup is untouched"
    );

    // Restoring the backup makes the stack manageable again.
    std::fs::write(backend.path(), &backup).expect("restored");
    let plan = engine.plan_destroy().await.expect("plans destroy");
    engine.apply(&plan, &no_events).await.expect("destroys");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_adopts_an_existing_resource_and_plans_only_real_differences() {
    let moto = common::shared();
    let config = common::sdk_config(&moto.endpoint(), "us-east-2").await;
    let logs = aws_sdk_cloudwatchlogs::Client::new(&config);
    // Made by hand, before the stack existed: another retention, no tags.
    logs.create_log_group()
        .log_group_name("imported-logs")
        .send()
        .await
        .expect("create");
    logs.put_retention_policy()
        .log_group_name("imported-logs")
        .retention_in_days(3)
        .send()
        .await
        .expect("retention");

    let dir = tempfile::tempdir().expect("temp dir");
    let stack = || {
        infra::stack! {
            name = "import";
            region = "us-east-2";
            let logs = logs::LogGroup { name: "imported-logs", retention_in_days: 7 };
        }
    };
    let engine = Engine::new(
        stack(),
        AwsProvider::from_config(&config),
        LocalState::new(dir.path().join("state.json")),
    );
    let error = engine
        .import("nope", "imported-logs")
        .await
        .expect_err("not declared");
    assert!(
        error.to_string().contains("declares no resource `nope`"),
        "{error}"
    );
    let error = engine
        .import("logs", "no-such-group")
        .await
        .expect_err("not in AWS");
    assert!(error.to_string().contains("no-such-group"), "{error}");

    let record = engine
        .import("logs", "imported-logs")
        .await
        .expect("imports");
    assert_eq!(record.id, "imported-logs");
    // Only what differs: the retention and the ownership tags, in place.
    let plan = engine.plan().await.expect("plans");
    let change = plan.change("logs").expect("planned");
    assert_eq!(change.action, Action::Update, "{}", plan.render());
    let mut fields: Vec<_> = change.fields.iter().map(|f| f.field.as_str()).collect();
    fields.sort_unstable();
    assert_eq!(fields, ["retention_in_days", "tags"], "{}", plan.render());
    engine.apply(&plan, &no_events).await.expect("applies");
    assert!(!engine.plan().await.expect("plans").has_changes());

    let plan = engine.plan_destroy().await.expect("plans destroy");
    engine.apply(&plan, &no_events).await.expect("destroys");
    assert!(logs
        .describe_log_groups()
        .log_group_name_prefix("imported-logs")
        .send()
        .await
        .expect("describe")
        .log_groups()
        .is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replacement_creates_first_where_names_allow() {
    let moto = common::shared();
    let config = common::sdk_config(&moto.endpoint(), "us-east-2").await;
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = LocalState::new(dir.path().join("state.json"));
    let stack = |cidr: &str| {
        // The VPC's CIDR forces its replacement, which cascades to the subnet
        // (its VPC changes) and the security group (likewise); the log group
        // keeps its fixed name and is only updated.
        let mut builder = infra::Stack::builder("create-first", "us-east-2");
        builder
            .resource("vpc", "ec2::Vpc")
            .expect("in catalog")
            .set("cidr_block", cidr);
        builder
            .resource("subnet", "ec2::Subnet")
            .expect("in catalog")
            .set(
                "vpc_id",
                infra::types::Ref::<infra::types::ec2::VpcId>::new("vpc", "id"),
            )
            .set("cidr_block", cidr.replace(".0.0/16", ".1.0/24").as_str());
        builder
            .resource("web", "ec2::SecurityGroup")
            .expect("in catalog")
            .set("name", "create-first-web")
            .set(
                "vpc_id",
                infra::types::Ref::<infra::types::ec2::VpcId>::new("vpc", "id"),
            );
        builder.build().expect("valid")
    };
    let engine = |cidr| {
        Engine::new(
            stack(cidr),
            AwsProvider::from_config(&config),
            backend.clone(),
        )
    };
    let plan = engine("10.82.0.0/16").plan().await.expect("plans");
    engine("10.82.0.0/16")
        .apply(&plan, &no_events)
        .await
        .expect("applies");
    let before = engine("10.82.0.0/16").state().await.expect("state");

    let plan = engine("10.83.0.0/16").plan().await.expect("plans");
    for name in ["vpc", "subnet", "web"] {
        let change = plan.change(name).expect("planned");
        assert_eq!(change.action, Action::Replace, "{}", plan.render());
        assert!(change.create_before_destroy, "{name}: {}", plan.render());
    }
    assert!(
        plan.render()
            .contains("+/- resource \"aws_ec2_vpc\" \"vpc\""),
        "{}",
        plan.render()
    );
    let events = std::sync::Mutex::new(Vec::new());
    let record = |event: &infra::Event| {
        if let infra::Event::Started { resource, action } = event {
            events
                .lock()
                .expect("events")
                .push((resource.clone(), *action));
        }
    };
    // moto refuses to delete a VPC that still holds a subnet or a group: the
    // old ones must go in the right order, after the new ones exist.
    engine("10.83.0.0/16")
        .apply(&plan, &record)
        .await
        .expect("applies");
    let events = events.into_inner().expect("events");
    let position = |resource: &str| {
        events
            .iter()
            .position(|(r, _)| r == resource)
            .unwrap_or_else(|| panic!("{resource} in {events:?}"))
    };
    assert!(position("vpc") < position("subnet (deposed)"));
    assert!(position("subnet") < position("subnet (deposed)"));
    assert!(position("subnet (deposed)") < position("vpc (deposed)"));
    assert!(position("web (deposed)") < position("vpc (deposed)"));

    let after = engine("10.83.0.0/16").state().await.expect("state");
    assert!(after.deposed.is_empty());
    assert_ne!(after.resources["vpc"].id, before.resources["vpc"].id);
    let vpcs = ec2
        .describe_vpcs()
        .filters(common::tag_filter("infra:stack", "create-first"))
        .send()
        .await
        .expect("vpcs");
    let ids: Vec<_> = vpcs.vpcs().iter().filter_map(|v| v.vpc_id()).collect();
    assert_eq!(ids, [after.resources["vpc"].id.as_str()]);
    assert!(!engine("10.83.0.0/16")
        .plan()
        .await
        .expect("plans")
        .has_changes());

    let plan = engine("10.83.0.0/16").plan_destroy().await.expect("plans");
    engine("10.83.0.0/16")
        .apply(&plan, &no_events)
        .await
        .expect("destroys");
}
