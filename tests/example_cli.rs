//! The main job as a user runs it: the `backend_stack` example binary, the
//! whole reference stack (56 resources), offline first, then against moto
//! through `AWS_ENDPOINT_URL`: apply creates every resource (each found by an
//! independent SDK read with its declared values and the stack's tags), a second
//! plan is empty, a changed input is one in-place update, a saved plan is
//! applied exactly once, and destroy leaves nothing.

mod common;

use std::path::Path;
use std::process::Output;

use std::time::Instant;

use aws_sdk_ec2::types::Filter;
use common::CborProxy;

/// The stack's name, carried by every resource in the `infra:stack` tag.
const STACK: &str = "identity-e2e-backend";
const REGION: &str = "eu-west-2";

/// Where the example's AWS calls go.
struct Endpoints {
    /// Every service: moto, or a closed port for offline runs.
    all: String,
    /// CloudWatch, whose SDK client speaks CBOR: the translating proxy.
    cloudwatch: String,
}

/// Runs the example in `dir` with `args`, AWS pointed at `endpoints`, no
/// credentials but the ones given, no terminal.
fn run(dir: &Path, endpoints: &Endpoints, credentials: bool, args: &[&str]) -> Output {
    common::binaries::example_stack(dir, &endpoints.all, &endpoints.cloudwatch, credentials)
        .args(args)
        .output()
        .expect("the example runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Asserts the command exited with `code`, showing its output otherwise.
fn assert_exit(output: &Output, code: i32) -> String {
    let stdout = text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(code),
        "{stdout}{}",
        text(&output.stderr)
    );
    stdout
}

#[test]
fn the_reference_stack_offline_then_against_moto() {
    let dir = tempfile::tempdir().expect("temp dir");

    // 1. Offline, no account: AWS at a closed loopback port. The plan says what
    // apply would do, lookups unknown; validate and graph need no AWS at all.
    let closed = Endpoints {
        all: "http://127.0.0.1:9".to_owned(),
        cloudwatch: "http://127.0.0.1:9".to_owned(),
    };
    let offline = run(dir.path(), &closed, false, &[]);
    let stdout = assert_exit(&offline, 0);
    assert!(text(&offline.stderr).contains("State: identity-e2e-backend.infra-state.json"));
    assert!(text(&offline.stderr).contains("no AWS credentials found"));
    for expected in [
        "+ resource \"aws_ecs_service\" \"service\"",
        "+ resource \"aws_elbv2_load_balancer\" \"alb\"",
        "image_id                 = (known after apply)",
        "Plan: 56 to add, 0 to change, 0 to destroy.",
    ] {
        assert!(stdout.contains(expected), "{expected} in\n{stdout}");
    }
    let detailed = run(dir.path(), &closed, false, &["plan", "--detailed-exitcode"]);
    assert_exit(&detailed, 2);
    let validate = run(dir.path(), &closed, false, &["validate"]);
    assert!(
        assert_exit(&validate, 0).contains("is valid: 56 resources of 32 types, 3 lookups"),
        "{}",
        text(&validate.stdout)
    );
    let bad_var = run(
        dir.path(),
        &closed,
        false,
        &["validate", "--var", "desired_count=two"],
    );
    assert_exit(&bad_var, 1);
    assert!(
        text(&bad_var.stderr).contains("desired_count"),
        "{}",
        text(&bad_var.stderr)
    );
    let graph = run(
        dir.path(),
        &closed,
        false,
        &["graph", "--format", "mermaid"],
    );
    let mermaid = assert_exit(&graph, 0);
    assert!(mermaid.starts_with("flowchart RL\n"), "{mermaid}");
    // AWS's hidden ordering, dashed: the service waits for the listener.
    assert!(mermaid.contains("service -.-> listener"), "{mermaid}");
    // The picture in the README and docs/ is this graph, not an older one.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let regenerate = "regenerate: cargo run --example backend_stack -- graph --format mermaid > docs/stack.mmd, and paste it into README.md";
    assert_eq!(
        std::fs::read_to_string(root.join("docs/stack.mmd")).expect("docs/stack.mmd"),
        mermaid,
        "{regenerate}"
    );
    assert!(
        std::fs::read_to_string(root.join("README.md"))
            .expect("README.md")
            .contains(&format!("```mermaid\n{mermaid}```")),
        "{regenerate}"
    );

    // 2. Against moto.
    let moto = common::shared();
    let cbor = CborProxy::start(&moto.endpoint());
    let endpoints = Endpoints {
        all: moto.endpoint(),
        cloudwatch: cbor.endpoint(),
    };
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let aws = runtime.block_on(Aws::new(&endpoints));
    let state = ["--state", "states/backend.json"];
    // Without a terminal to ask on, apply refuses rather than hangs.
    let refused = run(dir.path(), &endpoints, true, &["apply", state[0], state[1]]);
    assert_exit(&refused, 1);
    assert!(
        text(&refused.stderr).contains("no terminal is attached; pass --auto-approve"),
        "{}",
        text(&refused.stderr)
    );
    let started = Instant::now();
    let apply = run(
        dir.path(),
        &endpoints,
        true,
        &["apply", "--auto-approve", state[0], state[1]],
    );
    let apply_time = started.elapsed();
    let stdout = assert_exit(&apply, 0);
    assert!(
        stdout.contains("Apply complete! Resources: 56 added, 0 changed, 0 destroyed."),
        "{stdout}"
    );
    assert!(stdout.contains("alb_dns_name   = "), "{stdout}");
    let recorded: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("states/backend.json")).expect("state file"),
    )
    .expect("state is JSON");
    assert_eq!(
        recorded["resources"].as_object().expect("resources").len(),
        56
    );
    runtime.block_on(aws.assert_deployed(2));

    let output = run(
        dir.path(),
        &endpoints,
        true,
        &["output", "alb_dns_name", state[0], state[1]],
    );
    let dns_name = runtime.block_on(aws.alb_dns_name());
    assert_eq!(assert_exit(&output, 0).trim(), dns_name);

    // 3. Nothing left to do; a changed input is exactly one in-place update.
    let again = run(
        dir.path(),
        &endpoints,
        true,
        &["plan", "--detailed-exitcode", state[0], state[1]],
    );
    assert!(assert_exit(&again, 0).contains("No changes."));
    let scaled = ["--var", "desired_count=3", state[0], state[1]];
    let plan = run(
        dir.path(),
        &endpoints,
        true,
        &[&["plan", "--json"][..], &scaled[..]].concat(),
    );
    let document: serde_json::Value =
        serde_json::from_slice(&plan.stdout).expect("plan --json prints JSON");
    assert_eq!(document["format_version"], 1);
    assert_eq!(
        document["summary"],
        serde_json::json!({ "to_add": 0, "to_change": 1, "to_destroy": 0 })
    );
    let changed: Vec<_> = document["plan"]["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter(|c| c["action"] != "no_op")
        .map(|c| (c["name"].clone(), c["action"].clone()))
        .collect();
    assert_eq!(
        changed,
        [(serde_json::json!("service"), serde_json::json!("update"))]
    );
    let update = run(
        dir.path(),
        &endpoints,
        true,
        &[&["apply", "--auto-approve"][..], &scaled[..]].concat(),
    );
    assert!(
        assert_exit(&update, 0).contains("Resources: 0 added, 1 changed, 0 destroyed."),
        "{}",
        text(&update.stdout)
    );
    assert_eq!(runtime.block_on(aws.desired_count()), 3);

    // 4. Destroy leaves nothing of the stack.
    let started = Instant::now();
    let destroy = run(
        dir.path(),
        &endpoints,
        true,
        &[&["destroy", "--auto-approve"][..], &scaled[..]].concat(),
    );
    let destroy_time = started.elapsed();
    assert!(
        assert_exit(&destroy, 0)
            .contains("Destroy complete! Resources: 0 added, 0 changed, 56 destroyed."),
        "{}",
        text(&destroy.stdout)
    );
    runtime.block_on(aws.assert_gone());
    eprintln!(
        "reference stack against moto: apply {:.1} s, destroy {:.1} s",
        apply_time.as_secs_f64(),
        destroy_time.as_secs_f64()
    );

    // 5. A saved plan: `plan --out`, then `apply FILE` does exactly that, once.
    let saved = run(
        dir.path(),
        &endpoints,
        true,
        &["plan", "--out", "saved.plan.json", state[0], state[1]],
    );
    assert_exit(&saved, 0);
    assert!(
        text(&saved.stderr).contains("apply saved.plan.json"),
        "{}",
        text(&saved.stderr)
    );
    let applied = run(
        dir.path(),
        &endpoints,
        true,
        &["apply", "saved.plan.json", state[0], state[1]],
    );
    assert_exit(&applied, 0);
    let stale = run(
        dir.path(),
        &endpoints,
        true,
        &["apply", "saved.plan.json", state[0], state[1]],
    );
    assert_exit(&stale, 1);
    assert!(
        text(&stale.stderr).contains("the plan is stale"),
        "{}",
        text(&stale.stderr)
    );
    assert_eq!(
        runtime.block_on(aws.vpcs()),
        1,
        "the stale plan created nothing more"
    );
    let destroy = run(
        dir.path(),
        &endpoints,
        true,
        &["destroy", "--auto-approve", state[0], state[1]],
    );
    assert_exit(&destroy, 0);
    runtime.block_on(aws.assert_gone());
}

/// Independent SDK clients on moto, to check what the example did.
struct Aws {
    ec2: aws_sdk_ec2::Client,
    ecr: aws_sdk_ecr::Client,
    iam: aws_sdk_iam::Client,
    dynamodb: aws_sdk_dynamodb::Client,
    logs: aws_sdk_cloudwatchlogs::Client,
    cloudwatch: aws_sdk_cloudwatch::Client,
    ecs: aws_sdk_ecs::Client,
    elbv2: aws_sdk_elasticloadbalancingv2::Client,
    autoscaling: aws_sdk_autoscaling::Client,
    appscaling: aws_sdk_applicationautoscaling::Client,
}

fn ours() -> Filter {
    Filter::builder()
        .name("tag:infra:stack")
        .values(STACK)
        .build()
}

/// Whether `tags` (as key/value pairs) carry the stack's ownership tags and
/// the default tags.
fn owned<'a>(tags: impl IntoIterator<Item = (&'a str, &'a str)>) -> bool {
    let tags: Vec<_> = tags.into_iter().collect();
    tags.contains(&("infra:stack", STACK))
        && tags.iter().any(|(k, _)| *k == "infra:resource")
        && tags.contains(&("project", "identity-e2e"))
}

fn ec2_owned(tags: &[aws_sdk_ec2::types::Tag]) -> bool {
    owned(
        tags.iter()
            .map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default())),
    )
}

impl Aws {
    async fn new(endpoints: &Endpoints) -> Aws {
        let config = common::sdk_config(&endpoints.all, REGION).await;
        let cloudwatch = common::sdk_config(&endpoints.cloudwatch, REGION).await;
        Aws {
            ec2: aws_sdk_ec2::Client::new(&config),
            ecr: aws_sdk_ecr::Client::new(&config),
            iam: aws_sdk_iam::Client::new(&config),
            dynamodb: aws_sdk_dynamodb::Client::new(&config),
            logs: aws_sdk_cloudwatchlogs::Client::new(&config),
            cloudwatch: aws_sdk_cloudwatch::Client::new(&cloudwatch),
            ecs: aws_sdk_ecs::Client::new(&config),
            elbv2: aws_sdk_elasticloadbalancingv2::Client::new(&config),
            autoscaling: aws_sdk_autoscaling::Client::new(&config),
            appscaling: aws_sdk_applicationautoscaling::Client::new(&config),
        }
    }

    async fn vpcs(&self) -> usize {
        self.ec2
            .describe_vpcs()
            .filters(ours())
            .send()
            .await
            .expect("vpcs")
            .vpcs()
            .len()
    }

    async fn alb_dns_name(&self) -> String {
        let balancers = self
            .elbv2
            .describe_load_balancers()
            .names(STACK)
            .send()
            .await
            .expect("load balancers");
        let [alb] = balancers.load_balancers() else {
            panic!("one load balancer: {balancers:?}")
        };
        alb.dns_name().expect("DNS name").to_owned()
    }

    async fn desired_count(&self) -> i32 {
        let services = self
            .ecs
            .describe_services()
            .cluster(STACK)
            .services(STACK)
            .send()
            .await
            .expect("services");
        services.services()[0].desired_count()
    }

    /// Every type of the stack, read back with its declared values and tags.
    async fn assert_deployed(&self, desired_count: i32) {
        // Network.
        let vpcs = self
            .ec2
            .describe_vpcs()
            .filters(ours())
            .send()
            .await
            .expect("vpcs");
        let [vpc] = vpcs.vpcs() else {
            panic!("one VPC: {vpcs:?}")
        };
        assert_eq!(vpc.cidr_block(), Some("10.0.0.0/16"));
        assert!(ec2_owned(vpc.tags()));
        let vpc_id = vpc.vpc_id().expect("id");
        let subnets = self
            .ec2
            .describe_subnets()
            .filters(ours())
            .send()
            .await
            .expect("subnets");
        let mut cidrs: Vec<_> = subnets
            .subnets()
            .iter()
            .filter_map(|s| s.cidr_block())
            .collect();
        cidrs.sort_unstable();
        assert_eq!(
            cidrs,
            ["10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24", "10.0.4.0/24"]
        );
        let gateways = self
            .ec2
            .describe_internet_gateways()
            .filters(ours())
            .send()
            .await
            .expect("igw");
        let [igw] = gateways.internet_gateways() else {
            panic!("one IGW")
        };
        assert_eq!(igw.attachments()[0].vpc_id(), Some(vpc_id));
        let addresses = self
            .ec2
            .describe_addresses()
            .filters(ours())
            .send()
            .await
            .expect("eips");
        assert_eq!(addresses.addresses().len(), 2);
        let nats = self
            .ec2
            .describe_nat_gateways()
            .filter(ours())
            .send()
            .await
            .expect("nats");
        assert_eq!(
            nats.nat_gateways()
                .iter()
                .filter(|n| n.state() == Some(&aws_sdk_ec2::types::NatGatewayState::Available))
                .count(),
            2
        );
        let tables = self
            .ec2
            .describe_route_tables()
            .filters(ours())
            .send()
            .await
            .expect("route tables");
        assert_eq!(tables.route_tables().len(), 3);
        let defaults = tables
            .route_tables()
            .iter()
            .flat_map(|t| t.routes())
            .filter(|r| r.destination_cidr_block() == Some("0.0.0.0/0"))
            .count();
        assert_eq!(defaults, 3, "one default route per table");
        let associations = tables
            .route_tables()
            .iter()
            .flat_map(|t| t.associations())
            .filter(|a| a.subnet_id().is_some())
            .count();
        assert_eq!(associations, 4);
        let acls = self
            .ec2
            .describe_network_acls()
            .filters(ours())
            .send()
            .await
            .expect("acls");
        assert_eq!(acls.network_acls().len(), 2);
        let rules: usize = acls
            .network_acls()
            .iter()
            .map(|a| {
                a.entries()
                    .iter()
                    .filter(|e| e.rule_number() != Some(32767))
                    .count()
            })
            .sum();
        assert_eq!(rules, 5);
        let groups = self
            .ec2
            .describe_security_groups()
            .filters(ours())
            .send()
            .await
            .expect("groups");
        assert_eq!(groups.security_groups().len(), 2);
        let instances = groups
            .security_groups()
            .iter()
            .find(|g| g.group_name() == Some("identity-e2e-backend-instances"))
            .expect("instances group");
        let [from_alb] = instances.ip_permissions() else {
            panic!("one ingress rule: {instances:?}")
        };
        assert!(
            from_alb.ip_ranges().is_empty(),
            "the instances are not open to any CIDR"
        );
        assert_eq!(from_alb.user_id_group_pairs().len(), 1);
        let templates = self
            .ec2
            .describe_launch_templates()
            .launch_template_names(STACK)
            .send()
            .await
            .expect("templates");
        assert!(ec2_owned(templates.launch_templates()[0].tags()));

        // Registry, data, logs.
        let repos = self
            .ecr
            .describe_repositories()
            .repository_names(STACK)
            .send()
            .await
            .expect("repos");
        let repo = &repos.repositories()[0];
        assert_eq!(
            repo.image_tag_mutability(),
            Some(&aws_sdk_ecr::types::ImageTagMutability::Immutable)
        );
        assert!(repo
            .image_scanning_configuration()
            .is_some_and(|c| c.scan_on_push()));
        let tags = self
            .ecr
            .list_tags_for_resource()
            .resource_arn(repo.repository_arn().expect("arn"))
            .send()
            .await
            .expect("tags");
        assert!(owned(tags.tags().iter().map(|t| (t.key(), t.value()))));
        let table = self
            .dynamodb
            .describe_table()
            .table_name(STACK)
            .send()
            .await
            .expect("table");
        let table = table.table().expect("table");
        assert_eq!(table.key_schema()[0].attribute_name(), "id");
        assert_eq!(
            table.sse_description().and_then(|d| d.sse_type()),
            Some(&aws_sdk_dynamodb::types::SseType::Kms)
        );
        let backups = self
            .dynamodb
            .describe_continuous_backups()
            .table_name(STACK)
            .send()
            .await
            .expect("backups");
        assert_eq!(
            backups
                .continuous_backups_description()
                .and_then(|d| d.point_in_time_recovery_description())
                .and_then(|p| p.point_in_time_recovery_status()),
            Some(&aws_sdk_dynamodb::types::PointInTimeRecoveryStatus::Enabled)
        );
        let tags = self
            .dynamodb
            .list_tags_of_resource()
            .resource_arn(table.table_arn().expect("arn"))
            .send()
            .await
            .expect("tags");
        assert!(owned(tags.tags().iter().map(|t| (t.key(), t.value()))));
        let groups = self
            .logs
            .describe_log_groups()
            .log_group_name_prefix("ecs-logs")
            .send()
            .await
            .expect("log groups");
        assert_eq!(groups.log_groups()[0].retention_in_days(), Some(14));

        // Identity.
        for role in [
            "identity-e2e-backend-instance",
            "identity-e2e-backend-ecs-service",
            "identity-e2e-backend-app-autoscaling",
        ] {
            let tags = self
                .iam
                .list_role_tags()
                .role_name(role)
                .send()
                .await
                .expect("role tags");
            assert!(
                owned(tags.tags().iter().map(|t| (t.key(), t.value()))),
                "{role}"
            );
        }
        let profile = self
            .iam
            .get_instance_profile()
            .instance_profile_name("identity-e2e-backend-instance")
            .send()
            .await
            .expect("profile");
        assert_eq!(
            profile.instance_profile().expect("profile").roles()[0].role_name(),
            "identity-e2e-backend-instance"
        );

        // Compute and containers.
        let asgs = self
            .autoscaling
            .describe_auto_scaling_groups()
            .auto_scaling_group_names(STACK)
            .send()
            .await
            .expect("asg");
        let asg = &asgs.auto_scaling_groups()[0];
        assert_eq!(
            (asg.min_size(), asg.desired_capacity(), asg.max_size()),
            (Some(1), Some(1), Some(5))
        );
        assert!(asg
            .tags()
            .iter()
            .any(|t| t.key() == Some("infra:stack") && t.value() == Some(STACK)));
        let policies = self
            .autoscaling
            .describe_policies()
            .auto_scaling_group_name(STACK)
            .send()
            .await
            .expect("policies");
        assert_eq!(policies.scaling_policies().len(), 1);
        let clusters = self
            .ecs
            .describe_clusters()
            .clusters(STACK)
            .send()
            .await
            .expect("clusters");
        assert_eq!(clusters.clusters()[0].status(), Some("ACTIVE"));
        assert_eq!(clusters.clusters()[0].capacity_providers(), [STACK]);
        let services = self
            .ecs
            .describe_services()
            .cluster(STACK)
            .services(STACK)
            .send()
            .await
            .expect("services");
        let service = &services.services()[0];
        assert_eq!(service.desired_count(), desired_count);
        assert_eq!(
            service.load_balancers()[0].container_port(),
            Some(i32::from(backend_service::PORT))
        );
        let task = self
            .ecs
            .describe_task_definition()
            .task_definition(service.task_definition().expect("task"))
            .send()
            .await
            .expect("task");
        let container = &task
            .task_definition()
            .expect("task")
            .container_definitions()[0];
        assert_eq!(
            container.port_mappings()[0].container_port(),
            Some(i32::from(backend_service::PORT))
        );
        assert!(
            container
                .image()
                .is_some_and(|i| i.ends_with("/identity-e2e-backend:latest")),
            "{container:?}"
        );
        let targets = self
            .appscaling
            .describe_scalable_targets()
            .service_namespace(aws_sdk_applicationautoscaling::types::ServiceNamespace::Ecs)
            .send()
            .await
            .expect("targets");
        let target = targets
            .scalable_targets()
            .iter()
            .find(|t| t.resource_id() == "service/identity-e2e-backend/identity-e2e-backend")
            .expect("scalable target");
        assert_eq!((target.min_capacity(), target.max_capacity()), (2, 5));
        let policies = self
            .appscaling
            .describe_scaling_policies()
            .service_namespace(aws_sdk_applicationautoscaling::types::ServiceNamespace::Ecs)
            .resource_id("service/identity-e2e-backend/identity-e2e-backend")
            .send()
            .await
            .expect("policies");
        assert_eq!(policies.scaling_policies().len(), 2);

        // Load balancing and alarms.
        let balancers = self
            .elbv2
            .describe_load_balancers()
            .names(STACK)
            .send()
            .await
            .expect("albs");
        let alb = &balancers.load_balancers()[0];
        let tags = self
            .elbv2
            .describe_tags()
            .resource_arns(alb.load_balancer_arn().expect("arn"))
            .send()
            .await
            .expect("tags");
        assert!(owned(tags.tag_descriptions()[0].tags().iter().map(|t| (
            t.key().unwrap_or_default(),
            t.value().unwrap_or_default()
        ))));
        let groups = self
            .elbv2
            .describe_target_groups()
            .names(STACK)
            .send()
            .await
            .expect("target groups");
        let tg = &groups.target_groups()[0];
        assert_eq!(tg.port(), Some(i32::from(backend_service::PORT)));
        assert_eq!(tg.health_check_path(), Some(backend_service::HEALTH_PATH));
        let listeners = self
            .elbv2
            .describe_listeners()
            .load_balancer_arn(alb.load_balancer_arn().expect("arn"))
            .send()
            .await
            .expect("listeners");
        assert_eq!(listeners.listeners()[0].port(), Some(80));
        let alarms = self
            .cloudwatch
            .describe_alarms()
            .alarm_name_prefix(STACK)
            .send()
            .await
            .expect("alarms");
        assert_eq!(alarms.metric_alarms().len(), 2);

        // The stack's tags on the other services' resources too.
        let cluster_arn = clusters.clusters()[0].cluster_arn().expect("cluster ARN");
        for arn in [cluster_arn, service.service_arn().expect("service ARN")] {
            let tags = self
                .ecs
                .list_tags_for_resource()
                .resource_arn(arn)
                .send()
                .await
                .expect("ECS tags");
            assert!(
                owned(
                    tags.tags()
                        .iter()
                        .map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default()))
                ),
                "{arn}"
            );
        }
        let tags = self
            .elbv2
            .describe_tags()
            .resource_arns(tg.target_group_arn().expect("arn"))
            .send()
            .await
            .expect("tags");
        assert!(owned(tags.tag_descriptions()[0].tags().iter().map(|t| (
            t.key().unwrap_or_default(),
            t.value().unwrap_or_default()
        ))));
        let log_group = self
            .logs
            .describe_log_groups()
            .log_group_name_prefix("ecs-logs")
            .send()
            .await
            .expect("log groups");
        let arn = log_group.log_groups()[0].arn().expect("arn");
        let tags = self
            .logs
            .list_tags_for_resource()
            .resource_arn(arn.strip_suffix(":*").unwrap_or(arn))
            .send()
            .await
            .expect("tags");
        assert!(owned(
            tags.tags()
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.as_str(), v.as_str()))
        ));
        for alarm in alarms.metric_alarms() {
            let tags = self
                .cloudwatch
                .list_tags_for_resource()
                .resource_arn(alarm.alarm_arn().expect("arn"))
                .send()
                .await
                .expect("alarm tags");
            assert!(
                owned(
                    tags.tags()
                        .iter()
                        .map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default()))
                ),
                "{alarm:?}"
            );
        }
    }

    /// Nothing of the stack is left: every type's listing, by tags or names.
    async fn assert_gone(&self) {
        assert_eq!(self.vpcs().await, 0);
        let subnets = self
            .ec2
            .describe_subnets()
            .filters(ours())
            .send()
            .await
            .expect("subnets");
        assert!(subnets.subnets().is_empty());
        let gateways = self
            .ec2
            .describe_internet_gateways()
            .filters(ours())
            .send()
            .await
            .expect("igw");
        assert!(gateways.internet_gateways().is_empty());
        let addresses = self
            .ec2
            .describe_addresses()
            .filters(ours())
            .send()
            .await
            .expect("eips");
        assert!(addresses.addresses().is_empty());
        let nats = self
            .ec2
            .describe_nat_gateways()
            .filter(ours())
            .send()
            .await
            .expect("nats");
        assert!(nats
            .nat_gateways()
            .iter()
            .all(|n| n.state() == Some(&aws_sdk_ec2::types::NatGatewayState::Deleted)));
        let groups = self
            .ec2
            .describe_security_groups()
            .filters(ours())
            .send()
            .await
            .expect("groups");
        assert!(groups.security_groups().is_empty());
        let templates = self
            .ec2
            .describe_launch_templates()
            .filters(ours())
            .send()
            .await
            .expect("templates");
        assert!(templates.launch_templates().is_empty());
        assert!(self
            .ecr
            .describe_repositories()
            .send()
            .await
            .expect("repos")
            .repositories()
            .iter()
            .all(|r| r.repository_name() != Some(STACK)));
        assert!(self
            .dynamodb
            .list_tables()
            .send()
            .await
            .expect("tables")
            .table_names()
            .iter()
            .all(|t| t != STACK));
        assert!(self
            .logs
            .describe_log_groups()
            .log_group_name_prefix("ecs-logs")
            .send()
            .await
            .expect("logs")
            .log_groups()
            .is_empty());
        let roles = self.iam.list_roles().send().await.expect("roles");
        assert!(roles
            .roles()
            .iter()
            .all(|r| !r.role_name().starts_with(STACK)));
        let profiles = self
            .iam
            .list_instance_profiles()
            .send()
            .await
            .expect("profiles");
        assert!(profiles
            .instance_profiles()
            .iter()
            .all(|p| !p.instance_profile_name().starts_with(STACK)));
        let asgs = self
            .autoscaling
            .describe_auto_scaling_groups()
            .send()
            .await
            .expect("asgs");
        assert!(asgs
            .auto_scaling_groups()
            .iter()
            .all(|g| g.auto_scaling_group_name() != Some(STACK)));
        let clusters = self
            .ecs
            .describe_clusters()
            .clusters(STACK)
            .send()
            .await
            .expect("clusters");
        assert!(clusters
            .clusters()
            .iter()
            .all(|c| c.status() == Some("INACTIVE")));
        let balancers = self
            .elbv2
            .describe_load_balancers()
            .send()
            .await
            .expect("albs");
        assert!(balancers
            .load_balancers()
            .iter()
            .all(|b| b.load_balancer_name() != Some(STACK)));
        let groups = self
            .elbv2
            .describe_target_groups()
            .send()
            .await
            .expect("tgs");
        assert!(groups
            .target_groups()
            .iter()
            .all(|g| g.target_group_name() != Some(STACK)));
        let alarms = self
            .cloudwatch
            .describe_alarms()
            .alarm_name_prefix(STACK)
            .send()
            .await
            .expect("alarms");
        assert!(alarms.metric_alarms().is_empty());
        let targets = self
            .appscaling
            .describe_scalable_targets()
            .service_namespace(aws_sdk_applicationautoscaling::types::ServiceNamespace::Ecs)
            .send()
            .await
            .expect("targets");
        assert!(targets
            .scalable_targets()
            .iter()
            .all(|t| !t.resource_id().contains(STACK)));
    }
}
