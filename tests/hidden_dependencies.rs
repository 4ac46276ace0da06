//! AWS's hidden dependencies come from the graph itself: in the whole reference
//! stack, with no `depends_on` written, the engine creates a listener before the
//! ECS service that uses its target group, the capacity-provider association
//! before the service, the internet gateway attachment before the routes and NAT
//! gateways that need it — and destroys in exactly the reverse order, even with
//! 16 operations at once.
//!
//! moto does not enforce most of these orderings (see `MOTO.md`), so this test
//! runs the engine against a provider that only records; each provider module's
//! own preconditions (a service scaled to 0, an Auto Scaling group emptied) are
//! proven against moto in the `provider_*` tests.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use infra::{
    Action, Engine, Event, LocalState, Observed, Provider, ProviderError, ResourceRequest, Stack,
    Value,
};

/// The reference stack, lookups replaced by literals (no cloud to read them
/// from) and not one `depends_on`.
fn reference_stack() -> Stack {
    infra::stack! {
        name = "hidden-deps";
        region = "eu-west-2";

        let repo = ecr::Repository { name: "hidden-deps" };
        let vpc = ec2::Vpc { cidr_block: "10.0.0.0/16" };
        let igw = ec2::InternetGateway {};
        let igw_attachment = ec2::InternetGatewayAttachment { internet_gateway_id: igw.id, vpc_id: vpc.id };
        let public_a = ec2::Subnet { vpc_id: vpc.id, cidr_block: "10.0.1.0/24", availability_zone: "eu-west-2a" };
        let public_b = ec2::Subnet { vpc_id: vpc.id, cidr_block: "10.0.2.0/24", availability_zone: "eu-west-2b" };
        let private_a = ec2::Subnet { vpc_id: vpc.id, cidr_block: "10.0.3.0/24", availability_zone: "eu-west-2a" };
        let eip_a = ec2::ElasticIp {};
        let nat_a = ec2::NatGateway { subnet_id: public_a.id, allocation_id: eip_a.id };
        let public_routes = ec2::RouteTable { vpc_id: vpc.id };
        let public_default = ec2::Route { route_table_id: public_routes.id, destination_cidr_block: "0.0.0.0/0", gateway_id: igw.id };
        let private_table = ec2::RouteTable { vpc_id: vpc.id };
        let private_default = ec2::Route { route_table_id: private_table.id, destination_cidr_block: "0.0.0.0/0", nat_gateway_id: nat_a.id };
        let alb_sg = ec2::SecurityGroup { name: "hidden-deps-alb", vpc_id: vpc.id };
        let instances_sg = ec2::SecurityGroup { name: "hidden-deps-instances", vpc_id: vpc.id };
        let from_alb = ec2::SecurityGroupRule { security_group_id: instances_sg.id, direction: Ingress, from_port: 32768, to_port: 65535, source_security_group_id: alb_sg.id };
        let role = iam::Role {
            name: "hidden-deps-instance",
            assume_role_policy: { statements: [{ actions: ["sts:AssumeRole"], principals: { service: ["ec2.amazonaws.com"] } }] },
        };
        let profile = iam::InstanceProfile { name: "hidden-deps-instance", role_name: role.id };
        let cluster = ecs::Cluster { name: "hidden-deps" };
        let launch_template = ec2::LaunchTemplate {
            name: "hidden-deps",
            image_id: "ami-087cbd24c8acc585e",
            instance_type: "t3.micro",
            iam_instance_profile_arn: profile.arn,
            security_group_ids: [instances_sg.id],
            user_data: format!("#!/bin/bash\necho ECS_CLUSTER={} >> /etc/ecs/ecs.config", cluster.name),
        };
        let asg = autoscaling::Group { name: "hidden-deps", launch_template_id: launch_template.id, subnet_ids: [private_a.id], min_size: 1, max_size: 2 };
        let capacity = ecs::CapacityProvider { name: "hidden-deps", auto_scaling_group_arn: asg.arn };
        let cluster_capacity = ecs::ClusterCapacityProviders { cluster_name: cluster.name, capacity_providers: [capacity.name], default_provider: capacity.name };
        let alb = elbv2::LoadBalancer { name: "hidden-deps", subnet_ids: [public_a.id, public_b.id], security_group_ids: [alb_sg.id] };
        let tg = elbv2::TargetGroup { name: "hidden-deps", port: 5000, vpc_id: vpc.id };
        let listener = elbv2::Listener { load_balancer_arn: alb.arn, port: 80, default_action: { forward_target_group_arn: tg.arn } };
        let task = ecs::TaskDefinition {
            family: "hidden-deps",
            container_definitions: [{ name: "backend", image: format!("{}:latest", repo.repository_url), memory: 300, port_mappings: [{ container_port: 5000 }] }],
        };
        let service = ecs::Service {
            name: "hidden-deps", cluster: cluster.arn, task_definition: task.arn, capacity_provider: capacity.name,
            load_balancers: [{ target_group_arn: tg.arn, container_name: "backend", container_port: 5000 }],
        };
    }
}

/// `(dependency, dependent)`: AWS needs the first to exist before the second is
/// made, and the second gone before the first is deleted.
const HIDDEN: &[(&str, &str)] = &[
    ("listener", "service"),
    ("cluster_capacity", "service"),
    ("igw_attachment", "public_default"),
    ("igw_attachment", "nat_a"),
];

/// Orderings that references already give, which the hidden ones must not
/// break: a rule before its groups go, the gateway detached before it is deleted,
/// the Auto Scaling group (and its instances) gone before the cluster.
const REFERENCED: &[(&str, &str)] = &[
    ("instances_sg", "from_alb"),
    ("alb_sg", "from_alb"),
    ("igw", "igw_attachment"),
    ("tg", "listener"),
    ("capacity", "cluster_capacity"),
    ("asg", "capacity"),
    ("launch_template", "asg"),
    ("cluster", "launch_template"),
    ("role", "profile"),
];

#[test]
fn hidden_dependencies_are_edges_of_the_graph() {
    let stack = reference_stack();
    for (dependency, dependent) in HIDDEN {
        let resource = stack.resource(dependent).expect("declared");
        assert!(
            resource.hidden_dependencies().contains(*dependency),
            "{dependent} should wait for {dependency}: {:?}",
            resource.hidden_dependencies()
        );
    }
    // Only those: a hidden edge where AWS needs none would slow every apply.
    let hidden: usize = stack
        .resources()
        .iter()
        .map(|r| r.hidden_dependencies().len())
        .sum();
    assert_eq!(hidden, HIDDEN.len());
    let dot = infra::graph::to_dot(&stack);
    assert!(
        dot.contains("\"service\" -> \"listener\" [style = dashed];"),
        "{dot}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_and_destroy_respect_hidden_dependencies() {
    let stack = reference_stack();
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = LocalState::new(dir.path().join("state.json"));
    let attributes: BTreeMap<String, Vec<&'static str>> = stack
        .resources()
        .iter()
        .map(|r| {
            (
                r.schema().type_name.to_owned(),
                r.schema().attributes.iter().map(|a| a.name).collect(),
            )
        })
        .collect();
    // Nothing to read back: plans compare with the state alone.
    let engine = Engine::new(stack, Recorder { attributes }, backend)
        .with_concurrency(16)
        .with_refresh(false);
    let events = Mutex::new(Vec::new());
    let record = |event: &Event| events.lock().expect("events").push(event.clone());

    let plan = engine.plan().await.expect("plans");
    engine.apply(&plan, &record).await.expect("applies");
    let created = std::mem::take(&mut *events.lock().expect("events"));
    for (dependency, dependent) in HIDDEN.iter().chain(REFERENCED) {
        assert!(
            finished_before_started(&created, dependency, dependent),
            "{dependency} must be created before {dependent} starts: {created:#?}"
        );
    }

    let plan = engine.plan_destroy().await.expect("plans destroy");
    assert!(plan.changes.iter().all(|c| c.action == Action::Delete));
    engine.apply(&plan, &record).await.expect("destroys");
    let destroyed = std::mem::take(&mut *events.lock().expect("events"));
    for (dependency, dependent) in HIDDEN.iter().chain(REFERENCED) {
        assert!(
            finished_before_started(&destroyed, dependent, dependency),
            "{dependent} must be gone before {dependency} is deleted: {destroyed:#?}"
        );
    }
}

/// Whether `first` finished before `second` started, per the engine's events.
fn finished_before_started(events: &[Event], first: &str, second: &str) -> bool {
    let finished = events
        .iter()
        .position(|e| matches!(e, Event::Finished { resource, .. } if resource == first));
    let started = events
        .iter()
        .position(|e| matches!(e, Event::Started { resource, .. } if resource == second));
    matches!((finished, started), (Some(f), Some(s)) if f < s)
}

/// A provider that makes nothing: every create answers at once with made-up
/// attributes after a short, varying delay, so that independent operations
/// overlap and only the graph orders them.
#[derive(Debug)]
struct Recorder {
    attributes: BTreeMap<String, Vec<&'static str>>,
}

impl Recorder {
    fn observed(&self, request: &ResourceRequest<'_>) -> Observed {
        let attributes = self
            .attributes
            .get(request.type_name)
            .into_iter()
            .flatten()
            .map(|name| {
                (
                    (*name).to_owned(),
                    Value::from(format!("{}-{name}", request.name)),
                )
            })
            .collect();
        Observed {
            id: format!("{}-id", request.name),
            inputs: request.inputs.clone(),
            attributes,
        }
    }
}

async fn pause(name: &str) {
    let millis = 5 + name.len() as u64 % 7 * 3;
    tokio::time::sleep(Duration::from_millis(millis)).await;
}

#[async_trait]
impl Provider for Recorder {
    async fn create(&self, request: ResourceRequest<'_>) -> Result<Observed, ProviderError> {
        pause(request.name).await;
        Ok(self.observed(&request))
    }

    async fn read(&self, _type_name: &str, _id: &str) -> Result<Option<Observed>, ProviderError> {
        Err(ProviderError::Unsupported("read".to_owned()))
    }

    async fn update(
        &self,
        _id: &str,
        _current: &BTreeMap<String, Value>,
        request: ResourceRequest<'_>,
    ) -> Result<Observed, ProviderError> {
        Ok(self.observed(&request))
    }

    async fn delete(&self, _type_name: &str, id: &str) -> Result<(), ProviderError> {
        pause(id).await;
        Ok(())
    }
}
