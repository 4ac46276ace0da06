//! The life of a CloudWatch metric alarm, an Application Auto Scaling
//! scalable target and a target tracking policy against moto. The ECS
//! services they scale are made through the SDK beforehand (moto checks that
//! a scalable ECS service exists). Apply creates them (read back through the
//! SDK), a second plan is empty, a fresh state adopts them instead of making
//! copies, changed fields are updated in place, a new alarm name and a new
//! scaled service replace them, and destroy leaves nothing.

mod common;

use common::no_events;

use aws_sdk_applicationautoscaling::types::{
    ScalableDimension, ScalableTarget, ScalingPolicy, ServiceNamespace,
};
use aws_sdk_applicationautoscaling::Client as AppScalingClient;
use aws_sdk_cloudwatch::types::MetricAlarm;
use aws_sdk_cloudwatch::Client as CloudWatchClient;
use aws_sdk_ecs::types::ContainerDefinition;
use infra::provider::aws::AwsProvider;
use infra::{Action, Engine, LocalState, Stack};

const REGION: &str = "eu-west-2";
const STACK: &str = "cw-aas";
const CLUSTER: &str = "cw-aas-cluster";
const SERVICE: &str = "service/cw-aas-cluster/cw-aas-web";
const OTHER_SERVICE: &str = "service/cw-aas-cluster/cw-aas-worker";
const ALARM: &str = "cw-aas-cpu-high";
const RENAMED_ALARM: &str = "cw-aas-cpu-too-high";
const POLICY: &str = "cw-aas-cpu";

/// The stack at each step: 0 as first declared; 1 with the alarm's, the
/// target's and the policy's fields changed in place; 2 with the alarm
/// renamed and the target moved to another service, replacing all three.
fn stack(step: u8) -> Stack {
    match step {
        0 => infra::stack! {
            name = "cw-aas";
            region = "eu-west-2";
            let target = applicationautoscaling::ScalableTarget {
                resource_id: "service/cw-aas-cluster/cw-aas-web",
                min_capacity: 1, max_capacity: 4,
            };
            let cpu = applicationautoscaling::TargetTrackingPolicy {
                name: "cw-aas-cpu", resource_id: target.resource_id,
                predefined_metric: EcsServiceAverageCpuUtilization, target_value: 50,
            };
            let alarm = cloudwatch::MetricAlarm {
                name: "cw-aas-cpu-high", description: "The web service is busy",
                namespace: "AWS/ECS", metric_name: "CPUUtilization",
                statistic: Average, comparison_operator: GreaterThanThreshold, threshold: 50,
                dimensions: { "ClusterName": "cw-aas-cluster", "ServiceName": "cw-aas-web" },
                alarm_actions: [cpu.arn],
                tags: { "team": "platform" },
            };
        },
        1 => infra::stack! {
            name = "cw-aas";
            region = "eu-west-2";
            let target = applicationautoscaling::ScalableTarget {
                resource_id: "service/cw-aas-cluster/cw-aas-web",
                min_capacity: 2, max_capacity: 6,
            };
            let cpu = applicationautoscaling::TargetTrackingPolicy {
                name: "cw-aas-cpu", resource_id: target.resource_id,
                predefined_metric: EcsServiceAverageMemoryUtilization, target_value: 60,
                scale_in_cooldown: 120, scale_out_cooldown: 30,
            };
            let alarm = cloudwatch::MetricAlarm {
                name: "cw-aas-cpu-high", description: "The web service is very busy",
                namespace: "AWS/ECS", metric_name: "CPUUtilization",
                statistic: Maximum, comparison_operator: GreaterThanOrEqualToThreshold, threshold: 70,
                period: 120, evaluation_periods: 3,
                dimensions: { "ClusterName": "cw-aas-cluster" },
                alarm_actions: [cpu.arn],
                tags: { "team": "core", "env": "dev" },
            };
        },
        _ => infra::stack! {
            name = "cw-aas";
            region = "eu-west-2";
            let target = applicationautoscaling::ScalableTarget {
                resource_id: "service/cw-aas-cluster/cw-aas-worker",
                min_capacity: 2, max_capacity: 6,
            };
            let cpu = applicationautoscaling::TargetTrackingPolicy {
                name: "cw-aas-cpu", resource_id: target.resource_id,
                predefined_metric: EcsServiceAverageMemoryUtilization, target_value: 60,
                scale_in_cooldown: 120, scale_out_cooldown: 30,
            };
            let alarm = cloudwatch::MetricAlarm {
                name: "cw-aas-cpu-too-high", description: "The web service is very busy",
                namespace: "AWS/ECS", metric_name: "CPUUtilization",
                statistic: Maximum, comparison_operator: GreaterThanOrEqualToThreshold, threshold: 70,
                period: 120, evaluation_periods: 3,
                dimensions: { "ClusterName": "cw-aas-cluster" },
                alarm_actions: [cpu.arn],
                tags: { "team": "core", "env": "dev" },
            };
        },
    }
}

/// Makes the ECS cluster and the two services the targets scale, through the
/// SDK: this test is about Application Auto Scaling, not ECS.
async fn ecs_services(config: &aws_config::SdkConfig) {
    let ecs = aws_sdk_ecs::Client::new(config);
    ecs.create_cluster()
        .cluster_name(CLUSTER)
        .send()
        .await
        .expect("create cluster");
    ecs.register_task_definition()
        .family("cw-aas")
        .container_definitions(
            ContainerDefinition::builder()
                .name("app")
                .image("nginx")
                .memory(128)
                .build(),
        )
        .send()
        .await
        .expect("register task definition");
    for service in ["cw-aas-web", "cw-aas-worker"] {
        ecs.create_service()
            .cluster(CLUSTER)
            .service_name(service)
            .task_definition("cw-aas")
            .desired_count(1)
            .send()
            .await
            .expect("create service");
    }
}

/// The alarm `name` and its tags (sorted), or `None`.
async fn alarm(
    cloudwatch: &CloudWatchClient,
    name: &str,
) -> Option<(MetricAlarm, Vec<(String, String)>)> {
    let output = cloudwatch
        .describe_alarms()
        .alarm_names(name)
        .send()
        .await
        .expect("describe alarms");
    let alarm = match output.metric_alarms() {
        [] => return None,
        [alarm] => alarm.clone(),
        more => panic!("one alarm named {name}, found {more:?}"),
    };
    let tags = cloudwatch
        .list_tags_for_resource()
        .resource_arn(alarm.alarm_arn().expect("alarm ARN"))
        .send()
        .await
        .expect("list tags");
    let mut tags: Vec<_> = tags
        .tags()
        .iter()
        .map(|t| {
            (
                t.key().unwrap_or_default().to_owned(),
                t.value().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    tags.sort();
    Some((alarm, tags))
}

/// The alarm's dimensions, sorted.
fn dimensions(alarm: &MetricAlarm) -> Vec<(String, String)> {
    let mut dimensions: Vec<_> = alarm
        .dimensions()
        .iter()
        .map(|d| {
            (
                d.name().unwrap_or_default().to_owned(),
                d.value().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    dimensions.sort();
    dimensions
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut items: Vec<_> = items
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    items.sort();
    items
}

/// The ECS desired-count targets registered for `resource_id`.
async fn targets(client: &AppScalingClient, resource_id: &str) -> Vec<ScalableTarget> {
    client
        .describe_scalable_targets()
        .service_namespace(ServiceNamespace::Ecs)
        .resource_ids(resource_id)
        .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
        .send()
        .await
        .expect("describe scalable targets")
        .scalable_targets()
        .iter()
        .filter(|t| t.resource_id() == resource_id)
        .cloned()
        .collect()
}

/// The scaling policies named `POLICY` of `resource_id`.
async fn policies(client: &AppScalingClient, resource_id: &str) -> Vec<ScalingPolicy> {
    client
        .describe_scaling_policies()
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(resource_id)
        .policy_names(POLICY)
        .send()
        .await
        .expect("describe scaling policies")
        .scaling_policies()
        .iter()
        .filter(|p| p.resource_id() == resource_id && p.policy_name() == POLICY)
        .cloned()
        .collect()
}

/// The target tracking settings of a policy: (metric, target, scale-in
/// cooldown, scale-out cooldown).
fn tracking(policy: &ScalingPolicy) -> (String, f64, Option<i32>, Option<i32>) {
    let config = policy
        .target_tracking_scaling_policy_configuration()
        .expect("a target tracking configuration");
    (
        config
            .predefined_metric_specification()
            .expect("a predefined metric")
            .predefined_metric_type()
            .as_str()
            .to_owned(),
        config.target_value(),
        config.scale_in_cooldown(),
        config.scale_out_cooldown(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alarm_scalable_target_and_policy_round_trip() {
    let moto = common::shared();
    // The SDK speaks CBOR to CloudWatch, which moto does not: the proxy
    // translates to JSON (and passes every other call through).
    let proxy = common::CborProxy::start(&moto.endpoint());
    let config = common::sdk_config(&proxy.endpoint(), REGION).await;
    let cloudwatch = CloudWatchClient::new(&config);
    let appscaling = AppScalingClient::new(&config);
    ecs_services(&config).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = LocalState::new(dir.path().join("state.json"));
    let engine = |stack| Engine::new(stack, AwsProvider::from_config(&config), backend.clone());

    // 1. Apply creates all three.
    let first = engine(stack(0));
    let plan = first.plan().await.expect("plans");
    assert_eq!(plan.summary().to_add, 3, "{}", plan.render());
    first.apply(&plan, &no_events).await.expect("applies");
    let state = first.state().await.expect("state");

    let [target] = targets(&appscaling, SERVICE)
        .await
        .try_into()
        .expect("one target");
    assert_eq!((target.min_capacity(), target.max_capacity()), (1, 4));
    assert_eq!(
        state.resources["target"].id,
        format!("ecs|{SERVICE}|ecs:service:DesiredCount")
    );
    assert_eq!(state.resources["target"].attributes["id"], SERVICE);

    let [policy] = policies(&appscaling, SERVICE)
        .await
        .try_into()
        .expect("one policy");
    assert_eq!(
        tracking(&policy),
        (
            "ECSServiceAverageCPUUtilization".to_owned(),
            50.0,
            Some(300),
            Some(300)
        )
    );
    let policy_arn = policy.policy_arn().to_owned();
    assert_eq!(
        state.resources["cpu"].id,
        format!("ecs|{SERVICE}|ecs:service:DesiredCount|{POLICY}")
    );
    assert_eq!(
        state.resources["cpu"].attributes["arn"],
        policy_arn.as_str()
    );

    let (live, tags) = alarm(&cloudwatch, ALARM).await.expect("the alarm exists");
    assert_eq!(live.alarm_description(), Some("The web service is busy"));
    assert_eq!(live.namespace(), Some("AWS/ECS"));
    assert_eq!(live.metric_name(), Some("CPUUtilization"));
    assert_eq!(live.statistic().map(|s| s.as_str()), Some("Average"));
    assert_eq!(
        live.comparison_operator().map(|o| o.as_str()),
        Some("GreaterThanThreshold")
    );
    assert_eq!(live.threshold(), Some(50.0));
    assert_eq!(live.period(), Some(60));
    assert_eq!(live.evaluation_periods(), Some(2));
    assert_eq!(
        dimensions(&live),
        pairs(&[("ClusterName", CLUSTER), ("ServiceName", "cw-aas-web")])
    );
    assert_eq!(live.alarm_actions(), std::slice::from_ref(&policy_arn));
    assert_eq!(
        tags,
        pairs(&[
            ("infra:resource", "alarm"),
            ("infra:stack", STACK),
            ("team", "platform"),
        ])
    );
    assert_eq!(
        state.resources["alarm"].attributes["arn"],
        live.alarm_arn().expect("alarm ARN")
    );

    // 2. A second plan has no changes.
    let plan = first.plan().await.expect("plans");
    assert!(!plan.has_changes(), "{}", plan.render());

    // 3. A fresh state adopts what exists rather than making copies.
    let other_dir = tempfile::tempdir().expect("temp dir");
    let fresh = Engine::new(
        stack(0),
        AwsProvider::from_config(&config),
        LocalState::new(other_dir.path().join("state.json")),
    );
    let plan = fresh.plan().await.expect("plans");
    assert_eq!(plan.summary().to_add, 3, "{}", plan.render());
    fresh.apply(&plan, &no_events).await.expect("adopts");
    assert_eq!(targets(&appscaling, SERVICE).await.len(), 1);
    let adopted = policies(&appscaling, SERVICE).await;
    assert_eq!(adopted.len(), 1);
    assert_eq!(adopted[0].policy_arn(), policy_arn, "the same policy");
    let all_alarms = cloudwatch
        .describe_alarms()
        .alarm_name_prefix(ALARM)
        .send()
        .await
        .expect("describe alarms");
    assert_eq!(all_alarms.metric_alarms().len(), 1, "one alarm");
    let plan = fresh.plan().await.expect("plans");
    assert!(!plan.has_changes(), "{}", plan.render());

    // 4. Changed fields are updated in place.
    let second = engine(stack(1));
    let plan = second.plan().await.expect("plans");
    let actions: Vec<_> = plan
        .changes
        .iter()
        .map(|c| (c.name.as_str(), c.action))
        .collect();
    assert_eq!(
        actions,
        [
            ("target", Action::Update),
            ("cpu", Action::Update),
            ("alarm", Action::Update),
        ],
        "{}",
        plan.render()
    );
    second.apply(&plan, &no_events).await.expect("applies");
    let [target] = targets(&appscaling, SERVICE)
        .await
        .try_into()
        .expect("one target");
    assert_eq!((target.min_capacity(), target.max_capacity()), (2, 6));
    let [policy] = policies(&appscaling, SERVICE)
        .await
        .try_into()
        .expect("one policy");
    assert_eq!(
        tracking(&policy),
        (
            "ECSServiceAverageMemoryUtilization".to_owned(),
            60.0,
            Some(120),
            Some(30)
        )
    );
    let (live, tags) = alarm(&cloudwatch, ALARM).await.expect("the alarm exists");
    assert_eq!(
        live.alarm_description(),
        Some("The web service is very busy")
    );
    assert_eq!(live.statistic().map(|s| s.as_str()), Some("Maximum"));
    assert_eq!(
        live.comparison_operator().map(|o| o.as_str()),
        Some("GreaterThanOrEqualToThreshold")
    );
    assert_eq!(live.threshold(), Some(70.0));
    assert_eq!(live.period(), Some(120));
    assert_eq!(live.evaluation_periods(), Some(3));
    assert_eq!(dimensions(&live), pairs(&[("ClusterName", CLUSTER)]));
    assert_eq!(live.alarm_actions(), [policy.policy_arn().to_owned()]);
    assert_eq!(
        tags,
        pairs(&[
            ("env", "dev"),
            ("infra:resource", "alarm"),
            ("infra:stack", STACK),
            ("team", "core"),
        ])
    );
    let plan = second.plan().await.expect("plans");
    assert!(!plan.has_changes(), "{}", plan.render());

    // 5. Another scaled service replaces the target and its policy, a new
    // name the alarm.
    let third = engine(stack(2));
    let plan = third.plan().await.expect("plans");
    let actions: Vec<_> = plan
        .changes
        .iter()
        .map(|c| (c.name.as_str(), c.action))
        .collect();
    assert_eq!(
        actions,
        [
            ("target", Action::Replace),
            ("cpu", Action::Replace),
            ("alarm", Action::Replace),
        ],
        "{}",
        plan.render()
    );
    third.apply(&plan, &no_events).await.expect("applies");
    assert!(
        targets(&appscaling, SERVICE).await.is_empty(),
        "old target gone"
    );
    assert!(
        policies(&appscaling, SERVICE).await.is_empty(),
        "old policy gone"
    );
    assert!(alarm(&cloudwatch, ALARM).await.is_none(), "old alarm gone");
    let [target] = targets(&appscaling, OTHER_SERVICE)
        .await
        .try_into()
        .expect("one new target");
    assert_eq!((target.min_capacity(), target.max_capacity()), (2, 6));
    let [policy] = policies(&appscaling, OTHER_SERVICE)
        .await
        .try_into()
        .expect("one new policy");
    let (live, tags) = alarm(&cloudwatch, RENAMED_ALARM)
        .await
        .expect("the new alarm exists");
    assert_eq!(live.alarm_actions(), [policy.policy_arn().to_owned()]);
    assert!(tags.contains(&("env".to_owned(), "dev".to_owned())));
    let plan = third.plan().await.expect("plans");
    assert!(!plan.has_changes(), "{}", plan.render());

    // 6. Destroy leaves nothing.
    let plan = third.plan_destroy().await.expect("plans");
    assert_eq!(plan.summary().to_destroy, 3, "{}", plan.render());
    third.apply(&plan, &no_events).await.expect("destroys");
    assert!(targets(&appscaling, OTHER_SERVICE).await.is_empty());
    assert!(policies(&appscaling, OTHER_SERVICE).await.is_empty());
    assert!(alarm(&cloudwatch, RENAMED_ALARM).await.is_none());
    assert!(third.state().await.expect("state").resources.is_empty());
}
