//! The life of an ECS stack against moto: a cluster, capacity providers, the
//! cluster's set of them, a task definition and a service. Apply creates them
//! (read back through the SDK with their values and tags), a second plan is
//! empty, changed fields are updated in place, a new image registers a new
//! revision, a renamed cluster and a new Auto Scaling group replace what hangs
//! on them, a fresh state adopts what exists instead of creating it again, and
//! destroy leaves nothing.
//!
//! moto does not check the Auto Scaling group and target group ARNs it is
//! given, so they are literals here. `MOTO_ECS_SERVICE_RUNNING=2` (set by
//! `common`) makes a new service report 2 running tasks and a completed
//! deployment, so the service is created with 2 wanted tasks, the replacing
//! one too: the "services stable" waiter would wait for any other count in
//! vain. A desired count changed by UpdateService is reported running at once,
//! so the in-place update goes to 3.

mod common;

use std::collections::BTreeMap;

use common::{no_events, RecordingProxy};

use aws_sdk_ecs::types::{
    CapacityProviderField, ClusterField, ManagedScalingStatus, ManagedTerminationProtection,
    Service, ServiceField, TaskDefinition, TaskDefinitionField, TaskDefinitionStatus,
};
use aws_sdk_ecs::Client as EcsClient;
use infra::provider::aws::AwsProvider;
use infra::{Action, Engine, LocalState, Stack};

const REGION: &str = "eu-west-2";
const CLUSTER: &str = "ctr-life-cluster";
const RENAMED_CLUSTER: &str = "ctr-life-cluster-b";
const PROVIDER: &str = "ctr-life-cp";
const SECOND_PROVIDER: &str = "ctr-life-cp2";
const FAMILY: &str = "ctr-life-task";
const SERVICE: &str = "ctr-life-svc";
const GROUP_A: &str = "arn:aws:autoscaling:eu-west-2:123456789012:autoScalingGroup:\
                       11111111-2222-3333-4444-555555555555:autoScalingGroupName/ctr-life-a";
const GROUP_B: &str = "arn:aws:autoscaling:eu-west-2:123456789012:autoScalingGroup:\
                       66666666-7777-8888-9999-000000000000:autoScalingGroupName/ctr-life-b";
const TARGET_GROUP_A: &str =
    "arn:aws:elasticloadbalancing:eu-west-2:123456789012:targetgroup/ctr-life-a/0123456789abcdef";
const TARGET_GROUP_B: &str =
    "arn:aws:elasticloadbalancing:eu-west-2:123456789012:targetgroup/ctr-life-b/fedcba9876543210";

/// The stack at each step: 0 as first declared; 1 with fields changed in place
/// and a second capacity provider; 2 with a new image (a new task definition
/// revision, the service updated to it); 3 with the cluster renamed, the first
/// capacity provider on another group and the service on another target group
/// (replacements; the new service wants 2 tasks again, see above).
fn stack(step: u8) -> Stack {
    match step {
        0 => infra::stack! {
            name = "ctr-life";
            region = "eu-west-2";
            let cluster = ecs::Cluster {
                name: "ctr-life-cluster",
                container_insights: false,
                tags: { "team": "platform" },
            };
            let capacity = ecs::CapacityProvider {
                name: "ctr-life-cp",
                auto_scaling_group_arn: "arn:aws:autoscaling:eu-west-2:123456789012:autoScalingGroup:11111111-2222-3333-4444-555555555555:autoScalingGroupName/ctr-life-a",
                target_capacity: 90,
                tags: { "team": "platform" },
            };
            let cluster_capacity = ecs::ClusterCapacityProviders {
                cluster_name: cluster.name,
                capacity_providers: [capacity.name],
                default_provider: capacity.name,
            };
            let task = ecs::TaskDefinition {
                family: "ctr-life-task",
                container_definitions: [
                    {
                        name: "web", image: "nginx:1.25", memory: 128,
                        port_mappings: [{ container_port: 80 }],
                        environment: { "MODE": "demo", "PORT": "80" },
                        log_group: "ctr-life-logs", log_stream_prefix: "web",
                    },
                    {
                        name: "sidecar", image: "busybox:1.36", memory_reservation: 32,
                        essential: false,
                        log_group: "ctr-life-logs", log_region: "eu-west-2",
                    },
                ],
                tags: { "team": "platform" },
            };
            let service = ecs::Service {
                name: "ctr-life-svc",
                cluster: cluster.arn,
                task_definition: task.arn,
                desired_count: 2,
                capacity_provider: capacity.name,
                load_balancers: [{
                    target_group_arn: "arn:aws:elasticloadbalancing:eu-west-2:123456789012:targetgroup/ctr-life-a/0123456789abcdef",
                    container_name: "web",
                    container_port: 80,
                }],
                health_check_grace_period: 30,
                deployment_minimum_healthy_percent: 50,
                tags: { "team": "platform" },
                depends_on: [cluster_capacity],
            };
        },
        1 => infra::stack! {
            name = "ctr-life";
            region = "eu-west-2";
            let cluster = ecs::Cluster {
                name: "ctr-life-cluster",
                container_insights: true,
                tags: { "team": "core", "env": "dev" },
            };
            let capacity = ecs::CapacityProvider {
                name: "ctr-life-cp",
                auto_scaling_group_arn: "arn:aws:autoscaling:eu-west-2:123456789012:autoScalingGroup:11111111-2222-3333-4444-555555555555:autoScalingGroupName/ctr-life-a",
                target_capacity: 75,
                managed_termination_protection: true,
                tags: { "team": "core" },
            };
            let capacity2 = ecs::CapacityProvider {
                name: "ctr-life-cp2",
                auto_scaling_group_arn: "arn:aws:autoscaling:eu-west-2:123456789012:autoScalingGroup:66666666-7777-8888-9999-000000000000:autoScalingGroupName/ctr-life-b",
                managed_scaling: false,
            };
            let cluster_capacity = ecs::ClusterCapacityProviders {
                cluster_name: cluster.name,
                capacity_providers: [capacity.name, capacity2.name],
                default_provider: capacity2.name,
            };
            let task = ecs::TaskDefinition {
                family: "ctr-life-task",
                container_definitions: [
                    {
                        name: "web", image: "nginx:1.25", memory: 128,
                        port_mappings: [{ container_port: 80 }],
                        environment: { "MODE": "demo", "PORT": "80" },
                        log_group: "ctr-life-logs", log_stream_prefix: "web",
                    },
                    {
                        name: "sidecar", image: "busybox:1.36", memory_reservation: 32,
                        essential: false,
                        log_group: "ctr-life-logs", log_region: "eu-west-2",
                    },
                ],
                tags: { "team": "core" },
            };
            let service = ecs::Service {
                name: "ctr-life-svc",
                cluster: cluster.arn,
                task_definition: task.arn,
                desired_count: 3,
                capacity_provider: capacity2.name,
                load_balancers: [{
                    target_group_arn: "arn:aws:elasticloadbalancing:eu-west-2:123456789012:targetgroup/ctr-life-a/0123456789abcdef",
                    container_name: "web",
                    container_port: 80,
                }],
                health_check_grace_period: 60,
                deployment_minimum_healthy_percent: 50,
                deployment_maximum_percent: 150,
                tags: { "team": "core", "env": "dev" },
                depends_on: [cluster_capacity],
            };
        },
        2 => infra::stack! {
            name = "ctr-life";
            region = "eu-west-2";
            let cluster = ecs::Cluster {
                name: "ctr-life-cluster",
                container_insights: true,
                tags: { "team": "core", "env": "dev" },
            };
            let capacity = ecs::CapacityProvider {
                name: "ctr-life-cp",
                auto_scaling_group_arn: "arn:aws:autoscaling:eu-west-2:123456789012:autoScalingGroup:11111111-2222-3333-4444-555555555555:autoScalingGroupName/ctr-life-a",
                target_capacity: 75,
                managed_termination_protection: true,
                tags: { "team": "core" },
            };
            let capacity2 = ecs::CapacityProvider {
                name: "ctr-life-cp2",
                auto_scaling_group_arn: "arn:aws:autoscaling:eu-west-2:123456789012:autoScalingGroup:66666666-7777-8888-9999-000000000000:autoScalingGroupName/ctr-life-b",
                managed_scaling: false,
            };
            let cluster_capacity = ecs::ClusterCapacityProviders {
                cluster_name: cluster.name,
                capacity_providers: [capacity.name, capacity2.name],
                default_provider: capacity2.name,
            };
            let task = ecs::TaskDefinition {
                family: "ctr-life-task",
                container_definitions: [
                    {
                        name: "web", image: "nginx:1.27", memory: 128,
                        port_mappings: [{ container_port: 80 }],
                        environment: { "MODE": "demo", "PORT": "80" },
                        log_group: "ctr-life-logs", log_stream_prefix: "web",
                    },
                    {
                        name: "sidecar", image: "busybox:1.36", memory_reservation: 32,
                        essential: false,
                        log_group: "ctr-life-logs", log_region: "eu-west-2",
                    },
                ],
                tags: { "team": "core" },
            };
            let service = ecs::Service {
                name: "ctr-life-svc",
                cluster: cluster.arn,
                task_definition: task.arn,
                desired_count: 3,
                capacity_provider: capacity2.name,
                load_balancers: [{
                    target_group_arn: "arn:aws:elasticloadbalancing:eu-west-2:123456789012:targetgroup/ctr-life-a/0123456789abcdef",
                    container_name: "web",
                    container_port: 80,
                }],
                health_check_grace_period: 60,
                deployment_minimum_healthy_percent: 50,
                deployment_maximum_percent: 150,
                tags: { "team": "core", "env": "dev" },
                depends_on: [cluster_capacity],
            };
        },
        _ => infra::stack! {
            name = "ctr-life";
            region = "eu-west-2";
            let cluster = ecs::Cluster {
                name: "ctr-life-cluster-b",
                container_insights: true,
                tags: { "team": "core", "env": "dev" },
            };
            let capacity = ecs::CapacityProvider {
                name: "ctr-life-cp",
                auto_scaling_group_arn: "arn:aws:autoscaling:eu-west-2:123456789012:autoScalingGroup:66666666-7777-8888-9999-000000000000:autoScalingGroupName/ctr-life-b",
                target_capacity: 75,
                managed_termination_protection: true,
                tags: { "team": "core" },
            };
            let capacity2 = ecs::CapacityProvider {
                name: "ctr-life-cp2",
                auto_scaling_group_arn: "arn:aws:autoscaling:eu-west-2:123456789012:autoScalingGroup:66666666-7777-8888-9999-000000000000:autoScalingGroupName/ctr-life-b",
                managed_scaling: false,
            };
            let cluster_capacity = ecs::ClusterCapacityProviders {
                cluster_name: cluster.name,
                capacity_providers: [capacity.name, capacity2.name],
                default_provider: capacity2.name,
            };
            let task = ecs::TaskDefinition {
                family: "ctr-life-task",
                container_definitions: [
                    {
                        name: "web", image: "nginx:1.27", memory: 128,
                        port_mappings: [{ container_port: 80 }],
                        environment: { "MODE": "demo", "PORT": "80" },
                        log_group: "ctr-life-logs", log_stream_prefix: "web",
                    },
                    {
                        name: "sidecar", image: "busybox:1.36", memory_reservation: 32,
                        essential: false,
                        log_group: "ctr-life-logs", log_region: "eu-west-2",
                    },
                ],
                tags: { "team": "core" },
            };
            let service = ecs::Service {
                name: "ctr-life-svc",
                cluster: cluster.arn,
                task_definition: task.arn,
                desired_count: 2,
                capacity_provider: capacity2.name,
                load_balancers: [{
                    target_group_arn: "arn:aws:elasticloadbalancing:eu-west-2:123456789012:targetgroup/ctr-life-b/fedcba9876543210",
                    container_name: "web",
                    container_port: 80,
                }],
                health_check_grace_period: 60,
                deployment_minimum_healthy_percent: 50,
                deployment_maximum_percent: 150,
                tags: { "team": "core", "env": "dev" },
                depends_on: [cluster_capacity],
            };
        },
    }
}

type Tags = Vec<(String, String)>;

fn sorted(tags: impl IntoIterator<Item = (String, String)>) -> Tags {
    let mut tags: Tags = tags.into_iter().collect();
    tags.sort();
    tags
}

fn pairs(tags: &[(&str, &str)]) -> Tags {
    sorted(tags.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())))
}

/// ECS tags as sorted pairs.
fn ecs_tags(tags: &[aws_sdk_ecs::types::Tag]) -> Tags {
    sorted(tags.iter().map(|t| {
        (
            t.key().unwrap_or_default().to_owned(),
            t.value().unwrap_or_default().to_owned(),
        )
    }))
}

/// The ownership tags of `resource` and `extra`.
fn owned_tags(resource: &str, extra: &[(&str, &str)]) -> Tags {
    let mut tags = pairs(extra);
    tags.extend(pairs(&[
        ("infra:resource", resource),
        ("infra:stack", "ctr-life"),
    ]));
    tags.sort();
    tags
}

/// What the SDK reports about an `ACTIVE` cluster: Container Insights
/// setting, capacity providers, default strategy's providers and tags.
#[derive(Debug, PartialEq)]
struct ClusterView {
    insights: String,
    providers: Vec<String>,
    default: Vec<String>,
    tags: Tags,
}

async fn cluster(ecs: &EcsClient, name: &str) -> Option<ClusterView> {
    let output = ecs
        .describe_clusters()
        .clusters(name)
        .include(ClusterField::Tags)
        .include(ClusterField::Settings)
        .send()
        .await
        .expect("describe clusters");
    let cluster = output
        .clusters()
        .iter()
        .find(|c| c.cluster_name() == Some(name) && c.status() == Some("ACTIVE"))?;
    Some(ClusterView {
        insights: cluster
            .settings()
            .iter()
            .find_map(|s| s.value())
            .unwrap_or_default()
            .to_owned(),
        providers: cluster.capacity_providers().to_vec(),
        default: cluster
            .default_capacity_provider_strategy()
            .iter()
            .map(|item| item.capacity_provider().to_owned())
            .collect(),
        tags: ecs_tags(cluster.tags()),
    })
}

/// What the SDK reports about a capacity provider that exists: group, managed
/// scaling, target capacity, termination protection and tags.
#[derive(Debug, PartialEq)]
struct ProviderView {
    group: String,
    scaling: ManagedScalingStatus,
    target: i32,
    protection: ManagedTerminationProtection,
    tags: Tags,
}

async fn capacity_provider(ecs: &EcsClient, name: &str) -> Option<ProviderView> {
    let output = ecs
        .describe_capacity_providers()
        .capacity_providers(name)
        .include(CapacityProviderField::Tags)
        .send()
        .await
        .expect("describe capacity providers");
    let provider = output
        .capacity_providers()
        .iter()
        .find(|p| p.name() == Some(name))?;
    let group = provider.auto_scaling_group_provider().expect("group");
    let scaling = group.managed_scaling().expect("managed scaling");
    Some(ProviderView {
        group: group.auto_scaling_group_arn().to_owned(),
        scaling: scaling.status().expect("status").clone(),
        target: scaling.target_capacity().expect("target"),
        protection: group
            .managed_termination_protection()
            .expect("protection")
            .clone(),
        tags: ecs_tags(provider.tags()),
    })
}

/// The `ACTIVE` revisions of the family.
async fn active_revisions(ecs: &EcsClient) -> Vec<String> {
    ecs.list_task_definitions()
        .family_prefix(FAMILY)
        .status(TaskDefinitionStatus::Active)
        .send()
        .await
        .expect("list task definitions")
        .task_definition_arns()
        .to_vec()
}

/// The revision `arn` and its tags.
async fn task_definition(ecs: &EcsClient, arn: &str) -> (TaskDefinition, Tags) {
    let output = ecs
        .describe_task_definition()
        .task_definition(arn)
        .include(TaskDefinitionField::Tags)
        .send()
        .await
        .expect("describe task definition");
    (
        output.task_definition().expect("task definition").clone(),
        ecs_tags(output.tags()),
    )
}

/// The `ACTIVE` service of the cluster, with its tags.
async fn service(ecs: &EcsClient, cluster: &str) -> Option<Service> {
    let output = ecs
        .describe_services()
        .cluster(cluster)
        .services(SERVICE)
        .include(ServiceField::Tags)
        .send()
        .await
        .ok()?;
    output
        .services()
        .iter()
        .find(|s| s.status() == Some("ACTIVE"))
        .cloned()
}

/// The plan's action for each resource.
fn actions(plan: &infra::Plan) -> BTreeMap<&str, Action> {
    plan.changes
        .iter()
        .map(|c| (c.name.as_str(), c.action))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ecs_cluster_capacity_task_definition_and_service_round_trip() {
    let moto = common::shared();
    let config = common::sdk_config(&moto.endpoint(), REGION).await;
    let ecs = EcsClient::new(&config);
    // The engine talks to moto through a recording proxy, to tell an adoption
    // from a second create.
    let proxy = RecordingProxy::start(&moto.endpoint());
    let engine_config = common::sdk_config(&proxy.endpoint(), REGION).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = LocalState::new(dir.path().join("state.json"));
    let engine = |stack| {
        Engine::new(
            stack,
            AwsProvider::from_config(&engine_config),
            backend.clone(),
        )
    };

    // 1. Apply creates all five.
    let first = engine(stack(0));
    let plan = first.plan().await.expect("plans");
    assert_eq!(plan.summary().to_add, 5, "{}", plan.render());
    first.apply(&plan, &no_events).await.expect("applies");

    let view = cluster(&ecs, CLUSTER).await.expect("the cluster exists");
    assert_eq!(
        view,
        ClusterView {
            insights: "disabled".to_owned(),
            providers: vec![PROVIDER.to_owned()],
            default: vec![PROVIDER.to_owned()],
            tags: owned_tags("cluster", &[("team", "platform")]),
        }
    );
    assert_eq!(
        capacity_provider(&ecs, PROVIDER).await,
        Some(ProviderView {
            group: GROUP_A.to_owned(),
            scaling: ManagedScalingStatus::Enabled,
            target: 90,
            protection: ManagedTerminationProtection::Disabled,
            tags: owned_tags("capacity", &[("team", "platform")]),
        })
    );
    let revisions = active_revisions(&ecs).await;
    let [revision] = revisions.as_slice() else {
        panic!("one active revision, found {revisions:?}")
    };
    let (definition, tags) = task_definition(&ecs, revision).await;
    assert_eq!(tags, owned_tags("task", &[("team", "platform")]));
    assert_eq!(
        definition.network_mode().map(|m| m.as_str()),
        Some("bridge")
    );
    let [web, sidecar] = definition.container_definitions() else {
        panic!("two containers: {definition:?}")
    };
    assert_eq!(
        (web.name(), web.image(), web.memory(), web.essential()),
        (Some("web"), Some("nginx:1.25"), Some(128), Some(true))
    );
    let [mapping] = web.port_mappings() else {
        panic!("one port mapping: {web:?}")
    };
    assert_eq!(mapping.container_port(), Some(80));
    let mut environment: Vec<_> = web
        .environment()
        .iter()
        .map(|pair| {
            (
                pair.name().unwrap_or_default(),
                pair.value().unwrap_or_default(),
            )
        })
        .collect();
    environment.sort_unstable();
    assert_eq!(environment, [("MODE", "demo"), ("PORT", "80")]);
    let options = web
        .log_configuration()
        .and_then(|config| config.options())
        .expect("web logs");
    assert_eq!(
        options.get("awslogs-group").map(String::as_str),
        Some("ctr-life-logs")
    );
    assert_eq!(
        options.get("awslogs-stream-prefix").map(String::as_str),
        Some("web")
    );
    // Left out in the declaration: the stack's region is sent.
    assert_eq!(
        options.get("awslogs-region").map(String::as_str),
        Some(REGION)
    );
    assert_eq!(
        (
            sidecar.name(),
            sidecar.image(),
            sidecar.memory_reservation(),
            sidecar.essential()
        ),
        (Some("sidecar"), Some("busybox:1.36"), Some(32), Some(false))
    );
    let svc = service(&ecs, CLUSTER).await.expect("the service exists");
    assert_eq!(svc.task_definition(), Some(revision.as_str()));
    assert_eq!((svc.desired_count(), svc.running_count()), (2, 2));
    assert_eq!(
        svc.capacity_provider_strategy()
            .iter()
            .map(|item| item.capacity_provider())
            .collect::<Vec<_>>(),
        [PROVIDER]
    );
    let [lb] = svc.load_balancers() else {
        panic!("one load balancer: {svc:?}")
    };
    assert_eq!(
        (
            lb.target_group_arn(),
            lb.container_name(),
            lb.container_port()
        ),
        (Some(TARGET_GROUP_A), Some("web"), Some(80))
    );
    assert_eq!(svc.health_check_grace_period_seconds(), Some(30));
    let deployment = svc.deployment_configuration().expect("deployment config");
    assert_eq!(
        (
            deployment.minimum_healthy_percent(),
            deployment.maximum_percent()
        ),
        (Some(50), Some(200))
    );
    assert_eq!(
        ecs_tags(svc.tags()),
        owned_tags("service", &[("team", "platform")])
    );

    // 2. A second plan has no changes.
    let plan = first.plan().await.expect("plans");
    assert!(!plan.has_changes(), "{}", plan.render());

    // 3. Changed fields are updated in place; a second provider is added.
    let second = engine(stack(1));
    let plan = second.plan().await.expect("plans");
    assert_eq!(
        actions(&plan),
        BTreeMap::from([
            ("cluster", Action::Update),
            ("capacity", Action::Update),
            ("capacity2", Action::Create),
            ("cluster_capacity", Action::Update),
            ("task", Action::Update),
            ("service", Action::Update),
        ]),
        "{}",
        plan.render()
    );
    second.apply(&plan, &no_events).await.expect("applies");
    let view = cluster(&ecs, CLUSTER).await.expect("the cluster exists");
    assert_eq!(
        view,
        ClusterView {
            insights: "enabled".to_owned(),
            providers: vec![PROVIDER.to_owned(), SECOND_PROVIDER.to_owned()],
            default: vec![SECOND_PROVIDER.to_owned()],
            tags: owned_tags("cluster", &[("env", "dev"), ("team", "core")]),
        }
    );
    assert_eq!(
        capacity_provider(&ecs, PROVIDER).await,
        Some(ProviderView {
            group: GROUP_A.to_owned(),
            scaling: ManagedScalingStatus::Enabled,
            target: 75,
            protection: ManagedTerminationProtection::Enabled,
            tags: owned_tags("capacity", &[("team", "core")]),
        })
    );
    let second_provider = capacity_provider(&ecs, SECOND_PROVIDER)
        .await
        .expect("the second provider exists");
    assert_eq!(second_provider.scaling, ManagedScalingStatus::Disabled);
    assert_eq!(
        active_revisions(&ecs).await,
        std::slice::from_ref(revision),
        "tags change in place"
    );
    assert_eq!(
        task_definition(&ecs, revision).await.1,
        owned_tags("task", &[("team", "core")])
    );
    let svc = service(&ecs, CLUSTER).await.expect("the service exists");
    assert_eq!((svc.desired_count(), svc.running_count()), (3, 3));
    assert_eq!(svc.health_check_grace_period_seconds(), Some(60));
    let deployment = svc.deployment_configuration().expect("deployment config");
    assert_eq!(
        (
            deployment.minimum_healthy_percent(),
            deployment.maximum_percent()
        ),
        (Some(50), Some(150))
    );
    assert_eq!(
        svc.capacity_provider_strategy()
            .iter()
            .map(|item| item.capacity_provider())
            .collect::<Vec<_>>(),
        [SECOND_PROVIDER]
    );
    assert_eq!(
        ecs_tags(svc.tags()),
        owned_tags("service", &[("env", "dev"), ("team", "core")])
    );
    let plan = second.plan().await.expect("plans");
    assert!(!plan.has_changes(), "{}", plan.render());

    // 4. A new image registers a new revision, and the service moves to it.
    let third = engine(stack(2));
    let plan = third.plan().await.expect("plans");
    let planned = actions(&plan);
    assert_eq!(
        planned.get("task"),
        Some(&Action::Replace),
        "{}",
        plan.render()
    );
    assert_eq!(
        planned.get("service"),
        Some(&Action::Update),
        "{}",
        plan.render()
    );
    assert_eq!(
        planned.values().filter(|a| **a == Action::NoOp).count(),
        4,
        "{}",
        plan.render()
    );
    third.apply(&plan, &no_events).await.expect("applies");
    let revisions = active_revisions(&ecs).await;
    let [new_revision] = revisions.as_slice() else {
        panic!("one active revision, found {revisions:?}")
    };
    let (definition, _) = task_definition(&ecs, new_revision).await;
    assert_eq!(
        definition.container_definitions()[0].image(),
        Some("nginx:1.27")
    );
    let svc = service(&ecs, CLUSTER).await.expect("the service exists");
    assert_eq!(svc.task_definition(), Some(new_revision.as_str()));
    let plan = third.plan().await.expect("plans");
    assert!(!plan.has_changes(), "{}", plan.render());

    // 5. A renamed cluster replaces it and what hangs on it; a new group
    //    replaces the first capacity provider.
    let fourth = engine(stack(3));
    let plan = fourth.plan().await.expect("plans");
    assert_eq!(
        actions(&plan),
        BTreeMap::from([
            ("cluster", Action::Replace),
            ("capacity", Action::Replace),
            ("capacity2", Action::NoOp),
            ("cluster_capacity", Action::Replace),
            ("task", Action::NoOp),
            ("service", Action::Replace),
        ]),
        "{}",
        plan.render()
    );
    fourth.apply(&plan, &no_events).await.expect("applies");
    assert_eq!(
        cluster(&ecs, CLUSTER).await,
        None,
        "the old cluster is gone"
    );
    assert!(
        service(&ecs, CLUSTER).await.is_none(),
        "the old service is gone"
    );
    let view = cluster(&ecs, RENAMED_CLUSTER)
        .await
        .expect("the new cluster exists");
    assert_eq!(
        view.providers,
        [PROVIDER.to_owned(), SECOND_PROVIDER.to_owned()]
    );
    assert_eq!(
        capacity_provider(&ecs, PROVIDER)
            .await
            .expect("the provider exists")
            .group,
        GROUP_B
    );
    let svc = service(&ecs, RENAMED_CLUSTER)
        .await
        .expect("the new service exists");
    assert_eq!(
        svc.load_balancers()[0].target_group_arn(),
        Some(TARGET_GROUP_B)
    );
    assert_eq!((svc.desired_count(), svc.running_count()), (2, 2));
    let plan = fourth.plan().await.expect("plans");
    assert!(!plan.has_changes(), "{}", plan.render());

    // 6. A fresh state adopts every resource rather than making it again.
    let deployment_before = svc.deployments()[0].id().map(str::to_owned);
    let other_dir = tempfile::tempdir().expect("temp dir");
    let adopting = Engine::new(
        stack(3),
        AwsProvider::from_config(&engine_config),
        LocalState::new(other_dir.path().join("state.json")),
    );
    let plan = adopting.plan().await.expect("plans");
    assert_eq!(plan.summary().to_add, 6, "{}", plan.render());
    proxy.clear();
    adopting.apply(&plan, &no_events).await.expect("adopts");
    let mutating = proxy.mutating_operations();
    for create in [
        "CreateCluster",
        "CreateCapacityProvider",
        "PutClusterCapacityProviders",
        "RegisterTaskDefinition",
        "CreateService",
        "UpdateService",
    ] {
        assert!(
            !mutating.iter().any(|op| op == create),
            "adoption called {create}: {mutating:?}"
        );
    }
    assert_eq!(active_revisions(&ecs).await.len(), 1);
    let svc = service(&ecs, RENAMED_CLUSTER)
        .await
        .expect("the service exists");
    assert_eq!(
        svc.deployments()[0].id().map(str::to_owned),
        deployment_before,
        "the same service"
    );
    let plan = adopting.plan().await.expect("plans");
    assert!(!plan.has_changes(), "{}", plan.render());

    // 7. Destroy leaves nothing.
    let plan = adopting.plan_destroy().await.expect("plans");
    assert_eq!(plan.summary().to_destroy, 6);
    adopting.apply(&plan, &no_events).await.expect("destroys");
    assert!(service(&ecs, RENAMED_CLUSTER).await.is_none());
    assert_eq!(cluster(&ecs, RENAMED_CLUSTER).await, None);
    assert_eq!(capacity_provider(&ecs, PROVIDER).await, None);
    assert_eq!(capacity_provider(&ecs, SECOND_PROVIDER).await, None);
    assert!(active_revisions(&ecs).await.is_empty());
    assert!(adopting.state().await.expect("state").resources.is_empty());
}
