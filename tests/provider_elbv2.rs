//! The life of an Application Load Balancer, its target groups and a listener
//! against moto, in a stack with their VPC, subnets in three zones and security
//! groups: apply creates them (read back through the SDK with their values and
//! tags), a second plan is empty, subnets, security groups, idle timeout,
//! health checks, the listener's port and target and tags change in place, a
//! changed scheme replaces the load balancer (and the listener on it) and a
//! changed port the target group, and destroy leaves nothing. A second test
//! applies a stack from an empty state over what a first apply made, and
//! checks nothing was made twice: moto, unlike AWS, makes a second load
//! balancer for a repeated name.

mod common;

use std::collections::BTreeSet;

use common::no_events;

use aws_sdk_elasticloadbalancingv2::types::{LoadBalancer, LoadBalancerSchemeEnum, TargetGroup};
use aws_sdk_elasticloadbalancingv2::Client;
use infra::provider::aws::AwsProvider;
use infra::{Action, Engine, LocalState, Stack};

const REGION: &str = "eu-west-2";
const LIFE: &str = "elbv2-life";
const LIFE_OTHER: &str = "elbv2-life-other";
const ADOPT: &str = "elbv2-adopt";

/// The life-cycle stack at each step: 0 as first declared; 1 with the load
/// balancer's subnets, security group, idle timeout and tags changed, both
/// health checks changed (the second one partly declared), and the listener
/// moved to port 8080 and the other target group; 2 with the load balancer
/// internal and the first target group on another port, both replacements.
fn stack(step: u8) -> Stack {
    match step {
        0 => infra::stack! {
            name = "elbv2-life";
            region = "eu-west-2";
            let vpc = ec2::Vpc { cidr_block: "10.70.0.0/16" };
            let subnet_a = ec2::Subnet { vpc_id: vpc.id, cidr_block: "10.70.1.0/24", availability_zone: "eu-west-2a" };
            let subnet_b = ec2::Subnet { vpc_id: vpc.id, cidr_block: "10.70.2.0/24", availability_zone: "eu-west-2b" };
            let subnet_c = ec2::Subnet { vpc_id: vpc.id, cidr_block: "10.70.3.0/24", availability_zone: "eu-west-2c" };
            let sg_a = ec2::SecurityGroup { name: "elbv2-life-a", vpc_id: vpc.id };
            let sg_b = ec2::SecurityGroup { name: "elbv2-life-b", vpc_id: vpc.id };
            let alb = elbv2::LoadBalancer {
                name: "elbv2-life",
                subnet_ids: [subnet_a.id, subnet_b.id],
                security_group_ids: [sg_a.id],
                idle_timeout: 30,
                tags: { "team": "web" },
            };
            let tg = elbv2::TargetGroup {
                name: "elbv2-life",
                port: 5000,
                vpc_id: vpc.id,
                health_check: { path: "/", interval: 10, timeout: 2, healthy_threshold: 2, unhealthy_threshold: 2, matcher: "200" },
            };
            let other = elbv2::TargetGroup {
                name: "elbv2-life-other",
                port: 8080,
                vpc_id: vpc.id,
                target_type: Ip,
            };
            let listener = elbv2::Listener {
                load_balancer_arn: alb.arn,
                port: 80,
                default_action: { forward_target_group_arn: tg.arn },
                tags: { "team": "web" },
            };
        },
        1 => infra::stack! {
            name = "elbv2-life";
            region = "eu-west-2";
            let vpc = ec2::Vpc { cidr_block: "10.70.0.0/16" };
            let subnet_a = ec2::Subnet { vpc_id: vpc.id, cidr_block: "10.70.1.0/24", availability_zone: "eu-west-2a" };
            let subnet_b = ec2::Subnet { vpc_id: vpc.id, cidr_block: "10.70.2.0/24", availability_zone: "eu-west-2b" };
            let subnet_c = ec2::Subnet { vpc_id: vpc.id, cidr_block: "10.70.3.0/24", availability_zone: "eu-west-2c" };
            let sg_a = ec2::SecurityGroup { name: "elbv2-life-a", vpc_id: vpc.id };
            let sg_b = ec2::SecurityGroup { name: "elbv2-life-b", vpc_id: vpc.id };
            let alb = elbv2::LoadBalancer {
                name: "elbv2-life",
                subnet_ids: [subnet_a.id, subnet_c.id],
                security_group_ids: [sg_b.id],
                idle_timeout: 45,
                tags: { "team": "core", "env": "dev" },
            };
            let tg = elbv2::TargetGroup {
                name: "elbv2-life",
                port: 5000,
                vpc_id: vpc.id,
                health_check: { path: "/health", interval: 15, timeout: 3, healthy_threshold: 3, unhealthy_threshold: 4, matcher: "200-299" },
                tags: { "env": "dev" },
            };
            let other = elbv2::TargetGroup {
                name: "elbv2-life-other",
                port: 8080,
                vpc_id: vpc.id,
                target_type: Ip,
                health_check: { path: "/ping" },
            };
            let listener = elbv2::Listener {
                load_balancer_arn: alb.arn,
                port: 8080,
                default_action: { forward_target_group_arn: other.arn },
            };
        },
        _ => infra::stack! {
            name = "elbv2-life";
            region = "eu-west-2";
            let vpc = ec2::Vpc { cidr_block: "10.70.0.0/16" };
            let subnet_a = ec2::Subnet { vpc_id: vpc.id, cidr_block: "10.70.1.0/24", availability_zone: "eu-west-2a" };
            let subnet_b = ec2::Subnet { vpc_id: vpc.id, cidr_block: "10.70.2.0/24", availability_zone: "eu-west-2b" };
            let subnet_c = ec2::Subnet { vpc_id: vpc.id, cidr_block: "10.70.3.0/24", availability_zone: "eu-west-2c" };
            let sg_a = ec2::SecurityGroup { name: "elbv2-life-a", vpc_id: vpc.id };
            let sg_b = ec2::SecurityGroup { name: "elbv2-life-b", vpc_id: vpc.id };
            let alb = elbv2::LoadBalancer {
                name: "elbv2-life",
                internal: true,
                subnet_ids: [subnet_a.id, subnet_c.id],
                security_group_ids: [sg_b.id],
                idle_timeout: 45,
                tags: { "team": "core", "env": "dev" },
            };
            let tg = elbv2::TargetGroup {
                name: "elbv2-life",
                port: 5001,
                vpc_id: vpc.id,
                health_check: { path: "/health", interval: 15, timeout: 3, healthy_threshold: 3, unhealthy_threshold: 4, matcher: "200-299" },
                tags: { "env": "dev" },
            };
            let other = elbv2::TargetGroup {
                name: "elbv2-life-other",
                port: 8080,
                vpc_id: vpc.id,
                target_type: Ip,
                health_check: { path: "/ping" },
            };
            let listener = elbv2::Listener {
                load_balancer_arn: alb.arn,
                port: 8080,
                default_action: { forward_target_group_arn: other.arn },
            };
        },
    }
}

/// The adoption stack: the same shape, other names.
fn adopt_stack() -> Stack {
    infra::stack! {
        name = "elbv2-adopt";
        region = "eu-west-2";
        let vpc = ec2::Vpc { cidr_block: "10.71.0.0/16" };
        let subnet_a = ec2::Subnet { vpc_id: vpc.id, cidr_block: "10.71.1.0/24", availability_zone: "eu-west-2a" };
        let subnet_b = ec2::Subnet { vpc_id: vpc.id, cidr_block: "10.71.2.0/24", availability_zone: "eu-west-2b" };
        let sg = ec2::SecurityGroup { name: "elbv2-adopt", vpc_id: vpc.id };
        let alb = elbv2::LoadBalancer {
            name: "elbv2-adopt",
            subnet_ids: [subnet_a.id, subnet_b.id],
            security_group_ids: [sg.id],
        };
        let tg = elbv2::TargetGroup { name: "elbv2-adopt", port: 80, vpc_id: vpc.id };
        let listener = elbv2::Listener {
            load_balancer_arn: alb.arn,
            port: 80,
            default_action: { forward_target_group_arn: tg.arn },
        };
    }
}

fn pairs(tags: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut tags: Vec<_> = tags
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    tags.sort();
    tags
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|id| (*id).to_owned()).collect()
}

/// The tags of the ELBv2 resource `arn`, sorted.
async fn tags(elb: &Client, arn: &str) -> Vec<(String, String)> {
    let output = elb
        .describe_tags()
        .resource_arns(arn)
        .send()
        .await
        .expect("describe tags");
    let mut tags: Vec<_> = output
        .tag_descriptions()
        .iter()
        .flat_map(|d| d.tags())
        .map(|t| {
            (
                t.key().unwrap_or_default().to_owned(),
                t.value().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    tags.sort();
    tags
}

/// Every load balancer named `name` (moto may hold several).
async fn balancers(elb: &Client, name: &str) -> Vec<LoadBalancer> {
    let output = elb
        .describe_load_balancers()
        .send()
        .await
        .expect("describe load balancers");
    output
        .load_balancers()
        .iter()
        .filter(|b| b.load_balancer_name() == Some(name))
        .cloned()
        .collect()
}

/// The one load balancer named `name`; `None` when there is none.
async fn balancer(elb: &Client, name: &str) -> Option<LoadBalancer> {
    let mut found = balancers(elb, name).await;
    assert!(found.len() <= 1, "one load balancer {name}: {found:?}");
    found.pop()
}

/// The idle timeout attribute of the load balancer `arn`, if set.
async fn idle_timeout(elb: &Client, arn: &str) -> Option<String> {
    let output = elb
        .describe_load_balancer_attributes()
        .load_balancer_arn(arn)
        .send()
        .await
        .expect("describe attributes");
    output
        .attributes()
        .iter()
        .find(|a| a.key() == Some("idle_timeout.timeout_seconds"))
        .and_then(|a| a.value())
        .map(str::to_owned)
}

/// The target group named `name`; `None` when there is none.
async fn target_group(elb: &Client, name: &str) -> Option<TargetGroup> {
    let output = elb
        .describe_target_groups()
        .send()
        .await
        .expect("describe target groups");
    let found: Vec<_> = output
        .target_groups()
        .iter()
        .filter(|g| g.target_group_name() == Some(name))
        .cloned()
        .collect();
    assert!(found.len() <= 1, "one target group {name}: {found:?}");
    found.into_iter().next()
}

/// The health check of `group`: path, interval, timeout, thresholds, matcher.
fn health_check(group: &TargetGroup) -> (String, i32, i32, i32, i32, String) {
    (
        group.health_check_path().unwrap_or_default().to_owned(),
        group.health_check_interval_seconds().unwrap_or_default(),
        group.health_check_timeout_seconds().unwrap_or_default(),
        group.healthy_threshold_count().unwrap_or_default(),
        group.unhealthy_threshold_count().unwrap_or_default(),
        group
            .matcher()
            .and_then(|m| m.http_code())
            .unwrap_or_default()
            .to_owned(),
    )
}

/// The listeners of the load balancer `arn`: port, protocol, forwarded target
/// group ARN and ARN.
async fn listeners(elb: &Client, arn: &str) -> Vec<(i32, String, String, String)> {
    let output = elb
        .describe_listeners()
        .load_balancer_arn(arn)
        .send()
        .await
        .expect("describe listeners");
    output
        .listeners()
        .iter()
        .map(|l| {
            let action = l.default_actions().first().expect("a default action");
            (
                l.port().expect("port"),
                l.protocol().expect("protocol").as_str().to_owned(),
                action.target_group_arn().expect("forwards").to_owned(),
                l.listener_arn().expect("arn").to_owned(),
            )
        })
        .collect()
}

/// The id recorded for resource `name` in `engine`'s state.
async fn recorded_id(engine: &Engine, name: &str) -> String {
    engine
        .state()
        .await
        .expect("state")
        .resources
        .get(name)
        .unwrap_or_else(|| panic!("{name} in state"))
        .id
        .clone()
}

/// The plan's actions on the resources it changes, by resource name.
fn actions(plan: &infra::Plan) -> Vec<(String, Action)> {
    let mut actions: Vec<_> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .map(|c| (c.name.clone(), c.action))
        .collect();
    actions.sort_by(|a, b| a.0.cmp(&b.0));
    actions
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_balancer_target_groups_and_listener_round_trip() {
    let moto = common::shared();
    let config = common::sdk_config(&moto.endpoint(), REGION).await;
    let elb = Client::new(&config);
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = LocalState::new(dir.path().join("state.json"));
    let engine = |stack| Engine::new(stack, AwsProvider::from_config(&config), backend.clone());

    // 1. Apply creates the network and the four ELBv2 resources.
    let first = engine(stack(0));
    let plan = first.plan().await.expect("plans");
    assert_eq!(plan.summary().to_add, 10, "{}", plan.render());
    first.apply(&plan, &no_events).await.expect("applies");
    let subnet_a = recorded_id(&first, "subnet_a").await;
    let subnet_b = recorded_id(&first, "subnet_b").await;
    let subnet_c = recorded_id(&first, "subnet_c").await;
    let sg_a = recorded_id(&first, "sg_a").await;
    let sg_b = recorded_id(&first, "sg_b").await;

    let alb = balancer(&elb, LIFE).await.expect("load balancer exists");
    let alb_arn = alb.load_balancer_arn().expect("arn").to_owned();
    assert_eq!(recorded_id(&first, "alb").await, alb_arn);
    assert_eq!(alb.scheme(), Some(&LoadBalancerSchemeEnum::InternetFacing));
    let subnets: BTreeSet<String> = alb
        .availability_zones()
        .iter()
        .map(|z| z.subnet_id().expect("subnet").to_owned())
        .collect();
    assert_eq!(subnets, set(&[&subnet_a, &subnet_b]));
    assert_eq!(alb.security_groups(), std::slice::from_ref(&sg_a));
    assert_eq!(idle_timeout(&elb, &alb_arn).await.as_deref(), Some("30"));
    assert_eq!(
        tags(&elb, &alb_arn).await,
        pairs(&[
            ("infra:resource", "alb"),
            ("infra:stack", LIFE),
            ("team", "web")
        ])
    );
    let state = first.state().await.expect("state");
    let attributes = &state.resources["alb"].attributes;
    assert_eq!(
        attributes.get("dns_name").and_then(|v| v.as_str()),
        alb.dns_name()
    );
    assert_eq!(
        attributes.get("zone_id").and_then(|v| v.as_str()),
        alb.canonical_hosted_zone_id()
    );
    assert_eq!(
        attributes.get("arn").and_then(|v| v.as_str()),
        Some(alb_arn.as_str())
    );

    let tg = target_group(&elb, LIFE).await.expect("target group exists");
    let tg_arn = tg.target_group_arn().expect("arn").to_owned();
    assert_eq!(tg.port(), Some(5000));
    assert_eq!(tg.protocol().map(|p| p.as_str()), Some("HTTP"));
    assert_eq!(tg.target_type().map(|t| t.as_str()), Some("instance"));
    assert_eq!(tg.vpc_id(), Some(recorded_id(&first, "vpc").await.as_str()));
    assert_eq!(
        health_check(&tg),
        ("/".to_owned(), 10, 2, 2, 2, "200".to_owned())
    );
    assert_eq!(
        tags(&elb, &tg_arn).await,
        pairs(&[("infra:resource", "tg"), ("infra:stack", LIFE)])
    );
    let other = target_group(&elb, LIFE_OTHER)
        .await
        .expect("other target group exists");
    let other_arn = other.target_group_arn().expect("arn").to_owned();
    assert_eq!(other.target_type().map(|t| t.as_str()), Some("ip"));
    assert_eq!(other.port(), Some(8080));

    let [(port, protocol, forwards, listener_arn)] = &listeners(&elb, &alb_arn).await[..] else {
        panic!("one listener");
    };
    assert_eq!((*port, protocol.as_str()), (80, "HTTP"));
    assert_eq!(forwards, &tg_arn);
    assert_eq!(&recorded_id(&first, "listener").await, listener_arn);
    assert_eq!(
        tags(&elb, listener_arn).await,
        pairs(&[
            ("infra:resource", "listener"),
            ("infra:stack", LIFE),
            ("team", "web")
        ])
    );

    // 2. A second plan has no changes.
    let plan = first.plan().await.expect("plans");
    assert!(!plan.has_changes(), "{}", plan.render());

    // 3. Subnets, security groups, idle timeout, health checks, the listener's
    // port and target, and tags change in place.
    let second = engine(stack(1));
    let plan = second.plan().await.expect("plans");
    assert_eq!(
        actions(&plan),
        [
            ("alb".to_owned(), Action::Update),
            ("listener".to_owned(), Action::Update),
            ("other".to_owned(), Action::Update),
            ("tg".to_owned(), Action::Update),
        ],
        "{}",
        plan.render()
    );
    second.apply(&plan, &no_events).await.expect("applies");
    let alb = balancer(&elb, LIFE).await.expect("load balancer exists");
    assert_eq!(
        alb.load_balancer_arn(),
        Some(alb_arn.as_str()),
        "the same one"
    );
    let subnets: BTreeSet<String> = alb
        .availability_zones()
        .iter()
        .map(|z| z.subnet_id().expect("subnet").to_owned())
        .collect();
    assert_eq!(subnets, set(&[&subnet_a, &subnet_c]));
    assert_eq!(alb.security_groups(), std::slice::from_ref(&sg_b));
    assert_eq!(idle_timeout(&elb, &alb_arn).await.as_deref(), Some("45"));
    assert_eq!(
        tags(&elb, &alb_arn).await,
        pairs(&[
            ("env", "dev"),
            ("infra:resource", "alb"),
            ("infra:stack", LIFE),
            ("team", "core"),
        ])
    );
    let tg = target_group(&elb, LIFE).await.expect("target group exists");
    assert_eq!(tg.target_group_arn(), Some(tg_arn.as_str()), "the same one");
    assert_eq!(
        health_check(&tg),
        ("/health".to_owned(), 15, 3, 3, 4, "200-299".to_owned())
    );
    assert_eq!(
        tags(&elb, &tg_arn).await,
        pairs(&[
            ("env", "dev"),
            ("infra:resource", "tg"),
            ("infra:stack", LIFE)
        ])
    );
    let other = target_group(&elb, LIFE_OTHER)
        .await
        .expect("other target group exists");
    assert_eq!(
        health_check(&other),
        ("/ping".to_owned(), 30, 5, 5, 2, "200".to_owned()),
        "the declared path, the catalog's defaults for the rest"
    );
    let [(port, _, forwards, arn)] = &listeners(&elb, &alb_arn).await[..] else {
        panic!("one listener");
    };
    assert_eq!(*port, 8080);
    assert_eq!(forwards, &other_arn);
    assert_eq!(arn, listener_arn, "the same listener");
    assert_eq!(
        tags(&elb, listener_arn).await,
        pairs(&[("infra:resource", "listener"), ("infra:stack", LIFE)])
    );
    let plan = second.plan().await.expect("plans");
    assert!(!plan.has_changes(), "{}", plan.render());

    // 4. An internal scheme replaces the load balancer, and with it the
    // listener on it; a new port replaces the target group.
    let third = engine(stack(2));
    let plan = third.plan().await.expect("plans");
    assert_eq!(
        actions(&plan),
        [
            ("alb".to_owned(), Action::Replace),
            ("listener".to_owned(), Action::Replace),
            ("tg".to_owned(), Action::Replace),
        ],
        "{}",
        plan.render()
    );
    third.apply(&plan, &no_events).await.expect("applies");
    let alb = balancer(&elb, LIFE).await.expect("a new load balancer");
    let new_alb_arn = alb.load_balancer_arn().expect("arn").to_owned();
    assert_ne!(new_alb_arn, alb_arn);
    assert_eq!(alb.scheme(), Some(&LoadBalancerSchemeEnum::Internal));
    assert_eq!(
        idle_timeout(&elb, &new_alb_arn).await.as_deref(),
        Some("45")
    );
    assert!(tags(&elb, &new_alb_arn)
        .await
        .contains(&("team".to_owned(), "core".to_owned())));
    let tg = target_group(&elb, LIFE).await.expect("a new target group");
    assert_ne!(tg.target_group_arn(), Some(tg_arn.as_str()));
    assert_eq!(tg.port(), Some(5001));
    assert_eq!(
        health_check(&tg),
        ("/health".to_owned(), 15, 3, 3, 4, "200-299".to_owned())
    );
    let [(port, _, forwards, _)] = &listeners(&elb, &new_alb_arn).await[..] else {
        panic!("one listener");
    };
    assert_eq!(*port, 8080);
    assert_eq!(forwards, &other_arn);
    let plan = third.plan().await.expect("plans");
    assert!(!plan.has_changes(), "{}", plan.render());

    // 5. Destroy leaves nothing.
    let plan = third.plan_destroy().await.expect("plans");
    assert_eq!(plan.summary().to_destroy, 10);
    third.apply(&plan, &no_events).await.expect("destroys");
    assert!(balancers(&elb, LIFE).await.is_empty());
    assert!(target_group(&elb, LIFE).await.is_none());
    assert!(target_group(&elb, LIFE_OTHER).await.is_none());
    assert!(third.state().await.expect("state").resources.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_apply_from_an_empty_state_adopts_the_load_balancer() {
    let moto = common::shared();
    let config = common::sdk_config(&moto.endpoint(), REGION).await;
    let elb = Client::new(&config);
    let dir = tempfile::tempdir().expect("temp dir");
    let engine = |path: &str| {
        Engine::new(
            adopt_stack(),
            AwsProvider::from_config(&config),
            LocalState::new(dir.path().join(path)),
        )
    };

    let first = engine("first.json");
    let plan = first.plan().await.expect("plans");
    first.apply(&plan, &no_events).await.expect("applies");
    let alb_arn = recorded_id(&first, "alb").await;
    let tg_arn = recorded_id(&first, "tg").await;
    let listener_arn = recorded_id(&first, "listener").await;

    // A fresh state plans every creation; the apply finds each one instead.
    let second = engine("second.json");
    let plan = second.plan().await.expect("plans");
    assert_eq!(plan.summary().to_add, 7, "{}", plan.render());
    second.apply(&plan, &no_events).await.expect("applies");
    assert_eq!(recorded_id(&second, "alb").await, alb_arn);
    assert_eq!(recorded_id(&second, "tg").await, tg_arn);
    assert_eq!(recorded_id(&second, "listener").await, listener_arn);
    assert_eq!(
        balancers(&elb, ADOPT).await.len(),
        1,
        "no second load balancer"
    );
    assert!(target_group(&elb, ADOPT).await.is_some());
    assert_eq!(
        listeners(&elb, &alb_arn).await.len(),
        1,
        "no second listener"
    );
    let plan = second.plan().await.expect("plans");
    assert!(!plan.has_changes(), "{}", plan.render());

    let plan = second.plan_destroy().await.expect("plans");
    second.apply(&plan, &no_events).await.expect("destroys");
    assert!(balancers(&elb, ADOPT).await.is_empty());
    assert!(target_group(&elb, ADOPT).await.is_none());
}
