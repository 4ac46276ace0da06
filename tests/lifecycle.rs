//! The whole life of a stack against moto, through the library API: apply
//! creates the resources (read back through the SDK with their values and
//! tags), a second plan is empty and its apply makes no mutating call, a changed
//! field is planned and applied as an in-place update, destroy leaves nothing.

mod common;

use common::{no_events, tag_filter, tags_of};

use aws_sdk_dynamodb::types::{BillingMode, PointInTimeRecoveryStatus, SseStatus, SseType};
use aws_sdk_ec2::types::VpcAttributeName;
use infra::plan::FieldChange;
use infra::provider::aws::AwsProvider;
use infra::{Action, Engine, LocalState, Planned, Stack, Value};

const REGION: &str = "eu-west-2";

/// The walking-skeleton stack; `changed` flips a tag, the table's billing mode
/// and point-in-time recovery, and a subnet's public-IP mapping.
fn stack(changed: bool) -> Stack {
    if changed {
        infra::stack! {
            name = "lifecycle";
            region = "eu-west-2";
            let vpc = ec2::Vpc {
                cidr_block: "10.0.0.0/16",
                enable_dns_hostnames: true,
                tags: { "env": "staging" },
            };
            let public_a = ec2::Subnet {
                vpc_id: vpc.id,
                cidr_block: "10.0.1.0/24",
                availability_zone: "eu-west-2a",
                map_public_ip_on_launch: false,
            };
            let public_b = ec2::Subnet {
                vpc_id: vpc.id,
                cidr_block: "10.0.2.0/24",
                availability_zone: "eu-west-2b",
                map_public_ip_on_launch: true,
            };
            let table = dynamodb::Table {
                name: "lifecycle-items",
                hash_key: "id",
                billing_mode: Provisioned,
                read_capacity: 2,
                write_capacity: 1,
                point_in_time_recovery: false,
            };
        }
    } else {
        infra::stack! {
            name = "lifecycle";
            region = "eu-west-2";
            let vpc = ec2::Vpc {
                cidr_block: "10.0.0.0/16",
                enable_dns_hostnames: true,
                tags: { "env": "dev" },
            };
            let public_a = ec2::Subnet {
                vpc_id: vpc.id,
                cidr_block: "10.0.1.0/24",
                availability_zone: "eu-west-2a",
                map_public_ip_on_launch: true,
            };
            let public_b = ec2::Subnet {
                vpc_id: vpc.id,
                cidr_block: "10.0.2.0/24",
                availability_zone: "eu-west-2b",
                map_public_ip_on_launch: true,
            };
            let table = dynamodb::Table {
                name: "lifecycle-items",
                hash_key: "id",
                billing_mode: PayPerRequest,
            };
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_update_and_destroy_round_trip() {
    let moto = common::shared();
    let proxy = common::RecordingProxy::start(&moto.endpoint());
    let engine_config = common::sdk_config(&proxy.endpoint(), REGION).await;
    let check_config = common::sdk_config(&moto.endpoint(), REGION).await;
    let ec2 = aws_sdk_ec2::Client::new(&check_config);
    let dynamodb = aws_sdk_dynamodb::Client::new(&check_config);
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = LocalState::new(dir.path().join("state.json"));
    let engine = |stack| {
        Engine::new(
            stack,
            AwsProvider::from_config(&engine_config),
            backend.clone(),
        )
    };

    // 1. Apply creates the four resources.
    let first = engine(stack(false));
    let plan = first.plan().await.expect("plans");
    assert_eq!(plan.summary().to_add, 4, "{}", plan.render());
    let report = first.apply(&plan, &no_events).await.expect("applies");
    assert_eq!(report.done.len(), 4);

    let stack_filter = tag_filter("infra:stack", "lifecycle");
    let vpcs = ec2
        .describe_vpcs()
        .filters(stack_filter.clone())
        .send()
        .await
        .expect("describe vpcs");
    let [vpc] = vpcs.vpcs() else {
        panic!("one VPC of the stack, found {:?}", vpcs.vpcs())
    };
    let vpc_id = vpc.vpc_id().expect("vpc id").to_owned();
    assert_eq!(vpc.cidr_block(), Some("10.0.0.0/16"));
    assert_eq!(
        tags_of(vpc.tags()),
        [
            ("env".to_owned(), "dev".to_owned()),
            ("infra:resource".to_owned(), "vpc".to_owned()),
            ("infra:stack".to_owned(), "lifecycle".to_owned()),
        ]
    );
    let hostnames = ec2
        .describe_vpc_attribute()
        .vpc_id(&vpc_id)
        .attribute(VpcAttributeName::EnableDnsHostnames)
        .send()
        .await
        .expect("describe vpc attribute");
    assert_eq!(
        hostnames.enable_dns_hostnames().and_then(|a| a.value()),
        Some(true)
    );

    let subnets = ec2
        .describe_subnets()
        .filters(stack_filter.clone())
        .send()
        .await
        .expect("describe subnets");
    let mut subnets: Vec<_> = subnets.subnets().iter().collect();
    subnets.sort_by_key(|s| s.cidr_block().map(str::to_owned));
    assert_eq!(subnets.len(), 2);
    for (subnet, (cidr, zone, name)) in subnets.iter().zip([
        ("10.0.1.0/24", "eu-west-2a", "public_a"),
        ("10.0.2.0/24", "eu-west-2b", "public_b"),
    ]) {
        assert_eq!(subnet.cidr_block(), Some(cidr));
        assert_eq!(subnet.vpc_id(), Some(vpc_id.as_str()));
        assert_eq!(subnet.availability_zone(), Some(zone));
        assert_eq!(subnet.map_public_ip_on_launch(), Some(true));
        assert!(tags_of(subnet.tags()).contains(&("infra:resource".to_owned(), name.to_owned())));
    }

    let table = dynamodb
        .describe_table()
        .table_name("lifecycle-items")
        .send()
        .await
        .expect("describe table");
    let table = table.table().expect("table");
    assert_eq!(
        table.billing_mode_summary().and_then(|b| b.billing_mode()),
        Some(&BillingMode::PayPerRequest)
    );
    assert_eq!(table.key_schema()[0].attribute_name(), "id");
    // Encrypted with the AWS-managed KMS key and recoverable, by default.
    let sse = table.sse_description().expect("SSE description");
    assert_eq!(
        (sse.status(), sse.sse_type()),
        (Some(&SseStatus::Enabled), Some(&SseType::Kms))
    );
    assert_eq!(
        point_in_time_recovery(&dynamodb, "lifecycle-items").await,
        PointInTimeRecoveryStatus::Enabled
    );
    let table_tags = dynamodb
        .list_tags_of_resource()
        .resource_arn(table.table_arn().expect("arn"))
        .send()
        .await
        .expect("list tags");
    let mut table_tags: Vec<_> = table_tags
        .tags()
        .iter()
        .map(|t| (t.key().to_owned(), t.value().to_owned()))
        .collect();
    table_tags.sort();
    assert_eq!(
        table_tags,
        [
            ("infra:resource".to_owned(), "table".to_owned()),
            ("infra:stack".to_owned(), "lifecycle".to_owned()),
        ]
    );

    // 2. A second plan has no changes, and its apply makes no mutating call.
    proxy.clear();
    let plan = first.plan().await.expect("plans");
    assert!(!plan.has_changes(), "{}", plan.render());
    let report = first.apply(&plan, &no_events).await.expect("applies");
    assert!(report.done.is_empty());
    assert!(
        !proxy.operations().is_empty(),
        "the refresh read through the proxy"
    );
    assert_eq!(proxy.mutating_operations(), Vec::<String>::new());

    // 3. Changed fields are planned and applied as in-place updates.
    let second = engine(stack(true));
    let plan = second.plan().await.expect("plans");
    let actions: Vec<_> = plan
        .changes
        .iter()
        .map(|c| (c.name.as_str(), c.action))
        .collect();
    assert_eq!(
        actions,
        [
            ("vpc", Action::Update),
            ("public_a", Action::Update),
            ("public_b", Action::NoOp),
            ("table", Action::Update),
        ]
    );
    let change = |name| &plan.change(name).expect("planned").fields;
    let known = |v: Value| Some(Planned::Known(v));
    assert_eq!(
        change("public_a"),
        &[FieldChange {
            field: "map_public_ip_on_launch".into(),
            before: Some(Value::Bool(true)),
            after: known(Value::Bool(false)),
            forces_replacement: false,
        }]
    );
    let table_fields: Vec<_> = change("table").iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        table_fields,
        [
            "billing_mode",
            "point_in_time_recovery",
            "read_capacity",
            "write_capacity"
        ]
    );
    assert_eq!(change("vpc").len(), 1, "only the tags change");
    let rendered = plan.render();
    assert!(
        rendered
            .lines()
            .any(|l| l.trim_start().starts_with("~ \"env\"")
                && l.ends_with("= \"dev\" -> \"staging\"")),
        "{rendered}"
    );
    assert_eq!(plan.summary().to_change, 3);

    proxy.clear();
    second.apply(&plan, &no_events).await.expect("applies");
    let mutating = proxy.mutating_operations();
    assert!(
        mutating
            .iter()
            .all(|op| !op.starts_with("Create") || op == "CreateTags"),
        "an update creates nothing: {mutating:?}"
    );
    let subnet_a = ec2
        .describe_subnets()
        .filters(tag_filter("infra:resource", "public_a"))
        .filters(stack_filter.clone())
        .send()
        .await
        .expect("describe subnets");
    assert_eq!(subnet_a.subnets()[0].map_public_ip_on_launch(), Some(false));
    let vpc = ec2
        .describe_vpcs()
        .vpc_ids(&vpc_id)
        .send()
        .await
        .expect("the same VPC still exists");
    assert!(tags_of(vpc.vpcs()[0].tags()).contains(&("env".to_owned(), "staging".to_owned())));
    let table = dynamodb
        .describe_table()
        .table_name("lifecycle-items")
        .send()
        .await
        .expect("describe table");
    let throughput = table
        .table()
        .and_then(|t| t.provisioned_throughput())
        .expect("provisioned throughput");
    assert_eq!(throughput.read_capacity_units(), Some(2));
    assert_eq!(throughput.write_capacity_units(), Some(1));
    assert_eq!(
        point_in_time_recovery(&dynamodb, "lifecycle-items").await,
        PointInTimeRecoveryStatus::Disabled
    );
    let plan = second.plan().await.expect("plans");
    assert!(!plan.has_changes(), "{}", plan.render());

    // 4. Destroy leaves none of them.
    let plan = second.plan_destroy().await.expect("plans");
    assert_eq!(plan.summary().to_destroy, 4);
    second.apply(&plan, &no_events).await.expect("destroys");
    let vpcs = ec2
        .describe_vpcs()
        .filters(stack_filter.clone())
        .send()
        .await
        .expect("describe vpcs");
    assert!(vpcs.vpcs().is_empty(), "{:?}", vpcs.vpcs());
    let subnets = ec2
        .describe_subnets()
        .filters(stack_filter)
        .send()
        .await
        .expect("describe subnets");
    assert!(subnets.subnets().is_empty(), "{:?}", subnets.subnets());
    let gone = dynamodb
        .describe_table()
        .table_name("lifecycle-items")
        .send()
        .await;
    let code = gone
        .as_ref()
        .err()
        .and_then(|e| e.as_service_error())
        .map(|e| e.is_resource_not_found_exception());
    assert_eq!(code, Some(true), "{gone:?}");
    assert!(second.state().await.expect("state").resources.is_empty());
}

/// The point-in-time recovery status of the table `name`, through the SDK.
async fn point_in_time_recovery(
    dynamodb: &aws_sdk_dynamodb::Client,
    name: &str,
) -> PointInTimeRecoveryStatus {
    dynamodb
        .describe_continuous_backups()
        .table_name(name)
        .send()
        .await
        .expect("describe continuous backups")
        .continuous_backups_description()
        .and_then(|b| b.point_in_time_recovery_description())
        .and_then(|p| p.point_in_time_recovery_status())
        .expect("point-in-time recovery status")
        .clone()
}
