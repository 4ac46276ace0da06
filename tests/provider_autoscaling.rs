//! The life of an Auto Scaling group and its scaling policy against moto: a
//! VPC, two subnets and a launch template, a group launching from it with
//! scale-in protection and tags, and a simple scale-out policy. Apply creates
//! them (read back through the SDK), a second plan is empty, a fresh state
//! adopts them instead of making copies, changed fields are updated in place,
//! a new group name replaces the group and its policy, and destroy leaves
//! nothing — the group's instances terminated too.

mod common;

use common::{no_events, tag_filter};

use aws_sdk_autoscaling::types::AutoScalingGroup;
use aws_sdk_autoscaling::Client as AutoScalingClient;
use infra::provider::aws::AwsProvider;
use infra::{Action, Engine, LocalState, Stack};

const REGION: &str = "eu-west-2";
const STACK: &str = "asg-life";
const GROUP: &str = "asg-life-group";
const RENAMED_GROUP: &str = "asg-life-group-renamed";
const POLICY: &str = "asg-life-scale-out";

/// The stack at each step: 0 as first declared; 1 with the group's and the
/// policy's fields changed in place (one subnet, version 1, new sizes, no
/// scale-in protection, other tags; another adjustment and cooldown); 2 with
/// the group renamed, which replaces it and its policy.
fn stack(step: u8) -> Stack {
    match step {
        0 => infra::stack! {
            name = "asg-life";
            region = "eu-west-2";
            let vpc = ec2::Vpc { cidr_block: "10.71.0.0/16" };
            let subnet_a = ec2::Subnet { vpc_id: vpc.id, cidr_block: "10.71.1.0/24", availability_zone: "eu-west-2a" };
            let subnet_b = ec2::Subnet { vpc_id: vpc.id, cidr_block: "10.71.2.0/24", availability_zone: "eu-west-2b" };
            let lt = ec2::LaunchTemplate { name: "asg-life-lt", image_id: "ami-12c6146b", instance_type: "t3.micro" };
            let asg = autoscaling::Group {
                name: "asg-life-group",
                launch_template_id: lt.id,
                subnet_ids: [subnet_a.id, subnet_b.id],
                min_size: 1, desired_capacity: 1, max_size: 3,
                protect_from_scale_in: true,
                tags: { "team": "platform" },
            };
            let scale_out = autoscaling::Policy { name: "asg-life-scale-out", group_name: asg.id, scaling_adjustment: 1 };
        },
        1 => infra::stack! {
            name = "asg-life";
            region = "eu-west-2";
            let vpc = ec2::Vpc { cidr_block: "10.71.0.0/16" };
            let subnet_a = ec2::Subnet { vpc_id: vpc.id, cidr_block: "10.71.1.0/24", availability_zone: "eu-west-2a" };
            let subnet_b = ec2::Subnet { vpc_id: vpc.id, cidr_block: "10.71.2.0/24", availability_zone: "eu-west-2b" };
            let lt = ec2::LaunchTemplate { name: "asg-life-lt", image_id: "ami-12c6146b", instance_type: "t3.micro" };
            let asg = autoscaling::Group {
                name: "asg-life-group",
                launch_template_id: lt.id,
                launch_template_version: "1",
                subnet_ids: [subnet_b.id],
                min_size: 0, desired_capacity: 2, max_size: 4,
                health_check_grace_period: 120,
                protect_from_scale_in: false,
                tags: { "team": "core", "env": "dev" },
            };
            let scale_out = autoscaling::Policy {
                name: "asg-life-scale-out", group_name: asg.id,
                adjustment_type: ExactCapacity, scaling_adjustment: 3, cooldown: 60,
            };
        },
        _ => infra::stack! {
            name = "asg-life";
            region = "eu-west-2";
            let vpc = ec2::Vpc { cidr_block: "10.71.0.0/16" };
            let subnet_a = ec2::Subnet { vpc_id: vpc.id, cidr_block: "10.71.1.0/24", availability_zone: "eu-west-2a" };
            let subnet_b = ec2::Subnet { vpc_id: vpc.id, cidr_block: "10.71.2.0/24", availability_zone: "eu-west-2b" };
            let lt = ec2::LaunchTemplate { name: "asg-life-lt", image_id: "ami-12c6146b", instance_type: "t3.micro" };
            let asg = autoscaling::Group {
                name: "asg-life-group-renamed",
                launch_template_id: lt.id,
                launch_template_version: "1",
                subnet_ids: [subnet_b.id],
                min_size: 0, desired_capacity: 2, max_size: 4,
                health_check_grace_period: 120,
                protect_from_scale_in: false,
                tags: { "team": "core", "env": "dev" },
            };
            let scale_out = autoscaling::Policy {
                name: "asg-life-scale-out", group_name: asg.id,
                adjustment_type: ExactCapacity, scaling_adjustment: 3, cooldown: 60,
            };
        },
    }
}

/// The group `name` as the SDK reports it, or `None`.
async fn group(client: &AutoScalingClient, name: &str) -> Option<AutoScalingGroup> {
    let output = client
        .describe_auto_scaling_groups()
        .auto_scaling_group_names(name)
        .send()
        .await
        .expect("describe Auto Scaling groups");
    match output.auto_scaling_groups() {
        [] => None,
        [group] => Some(group.clone()),
        more => panic!("one group named {name}, found {more:?}"),
    }
}

/// The group's tags as sorted `(key, value, propagate at launch)`.
fn group_tags(group: &AutoScalingGroup) -> Vec<(String, String, bool)> {
    let mut tags: Vec<_> = group
        .tags()
        .iter()
        .map(|tag| {
            (
                tag.key().unwrap_or_default().to_owned(),
                tag.value().unwrap_or_default().to_owned(),
                tag.propagate_at_launch().unwrap_or_default(),
            )
        })
        .collect();
    tags.sort();
    tags
}

/// `(key, value, true)` triples, sorted.
fn propagated(tags: &[(&str, &str)]) -> Vec<(String, String, bool)> {
    let mut tags: Vec<_> = tags
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned(), true))
        .collect();
    tags.sort();
    tags
}

/// The policy `POLICY` of the group `group` as `(type, adjustment type,
/// adjustment, cooldown, ARN)`, or `None`.
async fn policy(
    client: &AutoScalingClient,
    group: &str,
) -> Option<(String, String, i32, i32, String)> {
    let output = client
        .describe_policies()
        .auto_scaling_group_name(group)
        .policy_names(POLICY)
        .send()
        .await
        .expect("describe policies");
    let policy = output
        .scaling_policies()
        .iter()
        .find(|p| p.auto_scaling_group_name() == Some(group))?;
    Some((
        policy.policy_type().unwrap_or_default().to_owned(),
        policy.adjustment_type().unwrap_or_default().to_owned(),
        policy.scaling_adjustment().expect("scaling adjustment"),
        policy.cooldown().expect("cooldown"),
        policy.policy_arn().expect("arn").to_owned(),
    ))
}

/// The states of the EC2 instances the group `name` launched.
async fn instance_states(ec2: &aws_sdk_ec2::Client, name: &str) -> Vec<String> {
    let output = ec2
        .describe_instances()
        .filters(tag_filter("aws:autoscaling:groupName", name))
        .send()
        .await
        .expect("describe instances");
    output
        .reservations()
        .iter()
        .flat_map(|r| r.instances())
        .map(|i| {
            i.state()
                .and_then(|s| s.name())
                .map(|n| n.as_str().to_owned())
                .unwrap_or_default()
        })
        .collect()
}

/// How many VPCs the stack's ownership tags name.
async fn stack_vpcs(ec2: &aws_sdk_ec2::Client) -> usize {
    ec2.describe_vpcs()
        .filters(tag_filter("infra:stack", STACK))
        .send()
        .await
        .expect("describe VPCs")
        .vpcs()
        .len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autoscaling_group_and_policy_round_trip() {
    let moto = common::shared();
    let config = common::sdk_config(&moto.endpoint(), REGION).await;
    let autoscaling = AutoScalingClient::new(&config);
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = LocalState::new(dir.path().join("state.json"));
    let engine = |stack| Engine::new(stack, AwsProvider::from_config(&config), backend.clone());

    // 1. Apply creates everything.
    let first = engine(stack(0));
    let plan = first.plan().await.expect("plans");
    assert_eq!(plan.summary().to_add, 6, "{}", plan.render());
    first.apply(&plan, &no_events).await.expect("applies");

    let state = first.state().await.expect("state");
    let subnet_a = state.resources["subnet_a"].id.clone();
    let subnet_b = state.resources["subnet_b"].id.clone();
    let lt_id = state.resources["lt"].id.clone();
    assert_eq!(state.resources["asg"].id, GROUP);
    assert_eq!(state.resources["asg"].attributes["id"], GROUP);

    let live = group(&autoscaling, GROUP).await.expect("the group exists");
    let template = live.launch_template().expect("a launch template");
    assert_eq!(template.launch_template_id(), Some(lt_id.as_str()));
    assert_eq!(template.version(), Some("$Latest"));
    assert_eq!(
        live.vpc_zone_identifier(),
        Some(format!("{subnet_a},{subnet_b}").as_str())
    );
    assert_eq!(
        (live.min_size(), live.desired_capacity(), live.max_size()),
        (Some(1), Some(1), Some(3))
    );
    assert_eq!(live.health_check_grace_period(), Some(300));
    assert_eq!(live.new_instances_protected_from_scale_in(), Some(true));
    assert_eq!(
        group_tags(&live),
        propagated(&[
            ("infra:resource", "asg"),
            ("infra:stack", STACK),
            ("team", "platform"),
        ])
    );
    let arn = live.auto_scaling_group_arn().expect("arn");
    assert_eq!(state.resources["asg"].attributes["arn"], arn);

    let (kind, adjustment_type, adjustment, cooldown, policy_arn) = policy(&autoscaling, GROUP)
        .await
        .expect("the policy exists");
    assert_eq!(
        (
            kind.as_str(),
            adjustment_type.as_str(),
            adjustment,
            cooldown
        ),
        ("SimpleScaling", "ChangeInCapacity", 1, 300)
    );
    let recorded = &state.resources["scale_out"];
    assert_eq!(recorded.id, format!("{GROUP}|{POLICY}"));
    assert_eq!(recorded.attributes["arn"], policy_arn.as_str());

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
    assert_eq!(plan.summary().to_add, 6, "{}", plan.render());
    fresh.apply(&plan, &no_events).await.expect("adopts");
    let adopted = fresh.state().await.expect("state");
    assert_eq!(adopted.resources["asg"].id, GROUP);
    assert_eq!(adopted.resources["lt"].id, lt_id);
    assert_eq!(stack_vpcs(&ec2).await, 1, "one VPC");
    let groups = autoscaling
        .describe_auto_scaling_groups()
        .send()
        .await
        .expect("describe groups");
    let named = groups
        .auto_scaling_groups()
        .iter()
        .filter(|g| g.auto_scaling_group_name() == Some(GROUP))
        .count();
    assert_eq!(named, 1, "one group");
    let plan = fresh.plan().await.expect("plans");
    assert!(!plan.has_changes(), "{}", plan.render());

    // 4. Changed fields are updated in place.
    let second = engine(stack(1));
    let plan = second.plan().await.expect("plans");
    let changed: Vec<_> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .map(|c| (c.name.as_str(), c.action))
        .collect();
    assert_eq!(
        changed,
        [("asg", Action::Update), ("scale_out", Action::Update)],
        "{}",
        plan.render()
    );
    second.apply(&plan, &no_events).await.expect("applies");
    let live = group(&autoscaling, GROUP).await.expect("the group exists");
    assert_eq!(live.launch_template().and_then(|t| t.version()), Some("1"));
    assert_eq!(live.vpc_zone_identifier(), Some(subnet_b.as_str()));
    assert_eq!(
        (live.min_size(), live.desired_capacity(), live.max_size()),
        (Some(0), Some(2), Some(4))
    );
    assert_eq!(live.health_check_grace_period(), Some(120));
    assert_eq!(live.new_instances_protected_from_scale_in(), Some(false));
    assert_eq!(
        group_tags(&live),
        propagated(&[
            ("env", "dev"),
            ("infra:resource", "asg"),
            ("infra:stack", STACK),
            ("team", "core"),
        ])
    );
    let (_, adjustment_type, adjustment, cooldown, _) = policy(&autoscaling, GROUP)
        .await
        .expect("the policy exists");
    assert_eq!(
        (adjustment_type.as_str(), adjustment, cooldown),
        ("ExactCapacity", 3, 60)
    );
    let plan = second.plan().await.expect("plans");
    assert!(!plan.has_changes(), "{}", plan.render());

    // 5. A new group name replaces the group, and its policy with it.
    let third = engine(stack(2));
    let plan = third.plan().await.expect("plans");
    let changed: Vec<_> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .map(|c| (c.name.as_str(), c.action))
        .collect();
    assert_eq!(
        changed,
        [("asg", Action::Replace), ("scale_out", Action::Replace)],
        "{}",
        plan.render()
    );
    third.apply(&plan, &no_events).await.expect("applies");
    assert!(
        group(&autoscaling, GROUP).await.is_none(),
        "the old group is gone"
    );
    assert!(
        instance_states(&ec2, GROUP)
            .await
            .iter()
            .all(|s| s == "terminated"),
        "the old group's instances, protected ones included, are terminated"
    );
    assert!(policy(&autoscaling, GROUP).await.is_none());
    let live = group(&autoscaling, RENAMED_GROUP)
        .await
        .expect("the new group exists");
    assert_eq!(live.desired_capacity(), Some(2));
    assert!(policy(&autoscaling, RENAMED_GROUP).await.is_some());
    let plan = third.plan().await.expect("plans");
    assert!(!plan.has_changes(), "{}", plan.render());

    // 6. Destroy leaves nothing, and no instance running.
    let plan = third.plan_destroy().await.expect("plans");
    assert_eq!(plan.summary().to_destroy, 6, "{}", plan.render());
    third.apply(&plan, &no_events).await.expect("destroys");
    assert!(group(&autoscaling, RENAMED_GROUP).await.is_none());
    assert!(policy(&autoscaling, RENAMED_GROUP).await.is_none());
    let states = instance_states(&ec2, RENAMED_GROUP).await;
    assert!(!states.is_empty(), "the group had launched instances");
    assert!(states.iter().all(|s| s == "terminated"), "{states:?}");
    assert_eq!(stack_vpcs(&ec2).await, 0);
    assert!(third.state().await.expect("state").resources.is_empty());
}
