//! The life of security groups and their rules against moto: apply creates the
//! groups and rules (read back through the SDK with their values and tags), a
//! second plan is empty, a rule's description and tags change in place, a
//! changed port replaces the rule, destroy leaves nothing.

mod common;

use common::{no_events, tag_filter, tags_of};

use aws_sdk_ec2::types::SecurityGroupRule;
use infra::provider::aws::AwsProvider;
use infra::{Action, Engine, LocalState, Stack};

const REGION: &str = "eu-west-2";
const STACK: &str = "security-groups";

/// The stack; `step` 1 changes `http_in`'s description and a tag, step 2 also
/// `from_alb`'s lowest port.
fn stack(step: u8) -> Stack {
    match step {
        0 => infra::stack! {
            name = "security-groups";
            region = "eu-west-2";
            let vpc = ec2::Vpc { cidr_block: "10.20.0.0/16" };
            let alb = ec2::SecurityGroup {
                name: "sg-test-alb",
                description: "Load balancer",
                vpc_id: vpc.id,
                tags: { "tier": "edge" },
            };
            let instances = ec2::SecurityGroup {
                name: "sg-test-instances",
                vpc_id: vpc.id,
            };
            let http_in = ec2::SecurityGroupRule {
                security_group_id: alb.id,
                direction: Ingress,
                protocol: Tcp,
                from_port: 80,
                to_port: 80,
                cidr_ipv4: "0.0.0.0/0",
                description: "HTTP from anywhere",
                tags: { "purpose": "web" },
            };
            let from_alb = ec2::SecurityGroupRule {
                security_group_id: instances.id,
                direction: Ingress,
                from_port: 32768,
                to_port: 65535,
                source_security_group_id: alb.id,
                description: "Ephemeral ports from the load balancer",
            };
        },
        1 => infra::stack! {
            name = "security-groups";
            region = "eu-west-2";
            let vpc = ec2::Vpc { cidr_block: "10.20.0.0/16" };
            let alb = ec2::SecurityGroup {
                name: "sg-test-alb",
                description: "Load balancer",
                vpc_id: vpc.id,
                tags: { "tier": "edge" },
            };
            let instances = ec2::SecurityGroup {
                name: "sg-test-instances",
                vpc_id: vpc.id,
            };
            let http_in = ec2::SecurityGroupRule {
                security_group_id: alb.id,
                direction: Ingress,
                protocol: Tcp,
                from_port: 80,
                to_port: 80,
                cidr_ipv4: "0.0.0.0/0",
                description: "Plain HTTP from anywhere",
                tags: { "purpose": "redirect" },
            };
            let from_alb = ec2::SecurityGroupRule {
                security_group_id: instances.id,
                direction: Ingress,
                from_port: 32768,
                to_port: 65535,
                source_security_group_id: alb.id,
                description: "Ephemeral ports from the load balancer",
            };
        },
        _ => infra::stack! {
            name = "security-groups";
            region = "eu-west-2";
            let vpc = ec2::Vpc { cidr_block: "10.20.0.0/16" };
            let alb = ec2::SecurityGroup {
                name: "sg-test-alb",
                description: "Load balancer",
                vpc_id: vpc.id,
                tags: { "tier": "edge" },
            };
            let instances = ec2::SecurityGroup {
                name: "sg-test-instances",
                vpc_id: vpc.id,
            };
            let http_in = ec2::SecurityGroupRule {
                security_group_id: alb.id,
                direction: Ingress,
                protocol: Tcp,
                from_port: 80,
                to_port: 80,
                cidr_ipv4: "0.0.0.0/0",
                description: "Plain HTTP from anywhere",
                tags: { "purpose": "redirect" },
            };
            let from_alb = ec2::SecurityGroupRule {
                security_group_id: instances.id,
                direction: Ingress,
                from_port: 1024,
                to_port: 65535,
                source_security_group_id: alb.id,
                description: "Ephemeral ports from the load balancer",
            };
        },
    }
}

fn pair(key: &str, value: &str) -> (String, String) {
    (key.to_owned(), value.to_owned())
}

/// The rule `id` as EC2 reports it, `None` when it is gone.
async fn rule(ec2: &aws_sdk_ec2::Client, id: &str) -> Option<SecurityGroupRule> {
    match ec2
        .describe_security_group_rules()
        .security_group_rule_ids(id)
        .send()
        .await
    {
        Ok(output) => output.security_group_rules().first().cloned(),
        Err(err) => {
            let code = err
                .as_service_error()
                .and_then(|e| aws_sdk_ec2::error::ProvideErrorMetadata::code(e).map(str::to_owned));
            assert_eq!(
                code.as_deref(),
                Some("InvalidSecurityGroupRuleId.NotFound"),
                "{err:?}"
            );
            None
        }
    }
}

/// The recorded id of resource `name`.
async fn id_of(engine: &Engine, name: &str) -> String {
    engine
        .state()
        .await
        .expect("state")
        .resources
        .get(name)
        .unwrap_or_else(|| panic!("{name} is recorded"))
        .id
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_groups_and_rules_round_trip() {
    let moto = common::shared();
    let config = common::sdk_config(&moto.endpoint(), REGION).await;
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = LocalState::new(dir.path().join("state.json"));
    let engine = |stack| Engine::new(stack, AwsProvider::from_config(&config), backend.clone());

    // 1. Apply creates the VPC, both groups and both rules.
    let first = engine(stack(0));
    let plan = first.plan().await.expect("plans");
    assert_eq!(plan.summary().to_add, 5, "{}", plan.render());
    let report = first.apply(&plan, &no_events).await.expect("applies");
    assert_eq!(report.done.len(), 5);

    let groups = ec2
        .describe_security_groups()
        .filters(tag_filter("infra:stack", STACK))
        .send()
        .await
        .expect("describe security groups");
    let mut groups: Vec<_> = groups.security_groups().iter().collect();
    groups.sort_by_key(|g| g.group_name().map(str::to_owned));
    assert_eq!(groups.len(), 2, "{groups:?}");
    let vpc_id = id_of(&first, "vpc").await;
    let (alb, instances) = (groups[0], groups[1]);
    assert_eq!(alb.group_name(), Some("sg-test-alb"));
    assert_eq!(alb.description(), Some("Load balancer"));
    assert_eq!(alb.vpc_id(), Some(vpc_id.as_str()));
    assert_eq!(
        tags_of(alb.tags()),
        [
            pair("infra:resource", "alb"),
            pair("infra:stack", STACK),
            pair("tier", "edge"),
        ]
    );
    assert_eq!(instances.group_name(), Some("sg-test-instances"));
    assert_eq!(instances.description(), Some("Managed by infra"));
    assert_eq!(
        tags_of(instances.tags()),
        [
            pair("infra:resource", "instances"),
            pair("infra:stack", STACK)
        ]
    );
    let alb_id = alb.group_id().expect("group id").to_owned();
    let instances_id = instances.group_id().expect("group id").to_owned();
    assert_eq!(id_of(&first, "alb").await, alb_id);
    assert_eq!(id_of(&first, "instances").await, instances_id);

    let http_in_id = id_of(&first, "http_in").await;
    assert!(http_in_id.starts_with("sgr-"), "{http_in_id}");
    let http_in = rule(&ec2, &http_in_id).await.expect("http_in exists");
    assert_eq!(http_in.group_id(), Some(alb_id.as_str()));
    assert_eq!(http_in.is_egress(), Some(false));
    assert_eq!(http_in.ip_protocol(), Some("tcp"));
    assert_eq!(
        (http_in.from_port(), http_in.to_port()),
        (Some(80), Some(80))
    );
    assert_eq!(http_in.cidr_ipv4(), Some("0.0.0.0/0"));
    assert_eq!(http_in.description(), Some("HTTP from anywhere"));
    assert_eq!(
        tags_of(http_in.tags()),
        [
            pair("infra:resource", "http_in"),
            pair("infra:stack", STACK),
            pair("purpose", "web"),
        ]
    );
    let from_alb_id = id_of(&first, "from_alb").await;
    let from_alb = rule(&ec2, &from_alb_id).await.expect("from_alb exists");
    assert_eq!(from_alb.group_id(), Some(instances_id.as_str()));
    assert_eq!(from_alb.is_egress(), Some(false));
    assert_eq!(from_alb.ip_protocol(), Some("tcp"));
    assert_eq!(
        (from_alb.from_port(), from_alb.to_port()),
        (Some(32768), Some(65535))
    );
    assert_eq!(
        from_alb.referenced_group_info().and_then(|g| g.group_id()),
        Some(alb_id.as_str())
    );
    assert_eq!(
        from_alb.description(),
        Some("Ephemeral ports from the load balancer")
    );
    assert_eq!(
        tags_of(from_alb.tags()),
        [
            pair("infra:resource", "from_alb"),
            pair("infra:stack", STACK)
        ]
    );

    // 2. A second plan has no changes.
    let plan = first.plan().await.expect("plans");
    assert!(!plan.has_changes(), "{}", plan.render());

    // 3. A rule's description and tag change in place.
    let second = engine(stack(1));
    let plan = second.plan().await.expect("plans");
    let actions: Vec<_> = plan
        .changes
        .iter()
        .map(|c| (c.name.as_str(), c.action))
        .collect();
    assert!(
        actions.contains(&("http_in", Action::Update)),
        "{}",
        plan.render()
    );
    assert!(
        actions
            .iter()
            .all(|(name, action)| *name == "http_in" || *action == Action::NoOp),
        "{}",
        plan.render()
    );
    second.apply(&plan, &no_events).await.expect("applies");
    assert_eq!(
        id_of(&second, "http_in").await,
        http_in_id,
        "updated in place"
    );
    let http_in = rule(&ec2, &http_in_id).await.expect("http_in still exists");
    assert_eq!(http_in.description(), Some("Plain HTTP from anywhere"));
    assert!(tags_of(http_in.tags()).contains(&pair("purpose", "redirect")));
    assert_eq!(http_in.cidr_ipv4(), Some("0.0.0.0/0"));
    let plan = second.plan().await.expect("plans");
    assert!(!plan.has_changes(), "{}", plan.render());

    // 4. A changed port replaces the rule.
    let third = engine(stack(2));
    let plan = third.plan().await.expect("plans");
    assert_eq!(
        plan.change("from_alb").expect("planned").action,
        Action::Replace,
        "{}",
        plan.render()
    );
    third.apply(&plan, &no_events).await.expect("applies");
    assert!(
        rule(&ec2, &from_alb_id).await.is_none(),
        "the old rule is gone"
    );
    let new_id = id_of(&third, "from_alb").await;
    assert_ne!(new_id, from_alb_id);
    let from_alb = rule(&ec2, &new_id).await.expect("the new rule exists");
    assert_eq!(
        (from_alb.from_port(), from_alb.to_port()),
        (Some(1024), Some(65535))
    );
    assert_eq!(
        from_alb.referenced_group_info().and_then(|g| g.group_id()),
        Some(alb_id.as_str())
    );
    let plan = third.plan().await.expect("plans");
    assert!(!plan.has_changes(), "{}", plan.render());

    // 5. Destroy deletes the rules before the groups, and leaves nothing.
    let plan = third.plan_destroy().await.expect("plans");
    assert_eq!(plan.summary().to_destroy, 5, "{}", plan.render());
    third.apply(&plan, &no_events).await.expect("destroys");
    for id in [&http_in_id, &new_id] {
        assert!(rule(&ec2, id).await.is_none(), "rule {id} is gone");
    }
    let groups = ec2
        .describe_security_groups()
        .filters(tag_filter("infra:stack", STACK))
        .send()
        .await
        .expect("describe security groups");
    assert!(
        groups.security_groups().is_empty(),
        "{:?}",
        groups.security_groups()
    );
    assert!(third.state().await.expect("state").resources.is_empty());
}
