//! Creates are idempotent: when an apply's state is lost after AWS made the
//! resources (a crash between the create and the state write, a deleted state
//! file), the next apply finds each resource by its name or its ownership tags
//! and adopts it — the same ids, nothing created twice — and the plan after is
//! empty. A name taken by a resource that is not the stack's is refused, never
//! adopted.

mod common;

use std::collections::BTreeMap;

use common::{no_events, tag_filter};

use infra::provider::aws::AwsProvider;
use infra::{Engine, EngineError, LocalState, Provider, ResourceRequest, Stack};

/// A region of its own: the shared moto serves other tests at the same time.
const REGION: &str = "eu-west-1";

fn stack() -> Stack {
    infra::stack! {
        name = "adoption";
        region = "eu-west-1";
        let vpc = ec2::Vpc { cidr_block: "10.60.0.0/16" };
        let subnet = ec2::Subnet { vpc_id: vpc.id, cidr_block: "10.60.1.0/24", availability_zone: "eu-west-1a" };
        let igw = ec2::InternetGateway {};
        let igw_attachment = ec2::InternetGatewayAttachment { internet_gateway_id: igw.id, vpc_id: vpc.id };
        let routes = ec2::RouteTable { vpc_id: vpc.id };
        let default_route = ec2::Route { route_table_id: routes.id, destination_cidr_block: "0.0.0.0/0", gateway_id: igw.id };
        let association = ec2::RouteTableAssociation { route_table_id: routes.id, subnet_id: subnet.id };
        let acl = ec2::NetworkAcl { vpc_id: vpc.id };
        let acl_in = ec2::NetworkAclEntry { network_acl_id: acl.id, rule_number: 100, rule_action: Allow, protocol: Tcp, from_port: 443, to_port: 443, cidr_block: "0.0.0.0/0" };
        let web = ec2::SecurityGroup { name: "adoption-web", vpc_id: vpc.id };
        let https = ec2::SecurityGroupRule { security_group_id: web.id, direction: Ingress, from_port: 443, to_port: 443, cidr_ipv4: "10.0.0.0/8" };
        let address = ec2::ElasticIp {};
        let template = ec2::LaunchTemplate { name: "adoption", image_id: "ami-087cbd24c8acc585e", instance_type: "t3.micro" };
        let table = dynamodb::Table { name: "adoption", hash_key: "id" };
        let logs = logs::LogGroup { name: "adoption", retention_in_days: 7 };
        let repo = ecr::Repository { name: "adoption" };
    }
}

/// A stack of another name that wants the log group name `adoption` too.
fn intruder() -> Stack {
    infra::stack! {
        name = "intruder";
        region = "eu-west-1";
        let logs = logs::LogGroup { name: "adoption", retention_in_days: 7 };
    }
}

/// Every resource's id, as the state at `backend` records it.
fn ids(backend: &LocalState, stack: &Stack) -> BTreeMap<String, String> {
    backend
        .load(stack)
        .expect("state loads")
        .resources
        .into_iter()
        .map(|(name, resource)| (name, resource.id))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_state_is_rebuilt_by_adoption_not_duplication() {
    let moto = common::shared();
    let config = common::sdk_config(&moto.endpoint(), REGION).await;
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = LocalState::new(dir.path().join("state.json"));
    let engine = |stack| Engine::new(stack, AwsProvider::from_config(&config), backend.clone());

    // 1. A first apply creates everything.
    let first = engine(stack());
    let plan = first.plan().await.expect("plans");
    first.apply(&plan, &no_events).await.expect("applies");
    let created = ids(&backend, &stack());
    assert_eq!(created.len(), 16);

    // 2. The state is lost; the next apply plans to create everything again…
    std::fs::remove_file(backend.path()).expect("state removed");
    let second = engine(stack());
    let plan = second.plan().await.expect("plans");
    assert_eq!(plan.summary().to_add, 16, "{}", plan.render());
    second.apply(&plan, &no_events).await.expect("applies");

    // …and adopts what exists instead: the very same ids, one of each in AWS.
    assert_eq!(ids(&backend, &stack()), created);
    let owned = || tag_filter("infra:stack", "adoption");
    let vpcs = ec2
        .describe_vpcs()
        .filters(owned())
        .send()
        .await
        .expect("vpcs");
    assert_eq!(vpcs.vpcs().len(), 1);
    let subnets = ec2
        .describe_subnets()
        .filters(owned())
        .send()
        .await
        .expect("subnets");
    assert_eq!(subnets.subnets().len(), 1);
    let gateways = ec2
        .describe_internet_gateways()
        .filters(owned())
        .send()
        .await
        .expect("gateways");
    assert_eq!(gateways.internet_gateways().len(), 1);
    let addresses = ec2
        .describe_addresses()
        .filters(owned())
        .send()
        .await
        .expect("addresses");
    assert_eq!(addresses.addresses().len(), 1);
    let groups = ec2
        .describe_security_groups()
        .filters(owned())
        .send()
        .await
        .expect("groups");
    assert_eq!(groups.security_groups().len(), 1);

    // The object a new-first replacement supersedes carries the same tags,
    // and is never the answer.
    let provider = AwsProvider::from_config(&config);
    let vpc = &created["vpc"];
    let inputs = second.state().await.expect("state").resources["vpc"]
        .inputs
        .clone();
    let request = |superseded| ResourceRequest {
        stack: "adoption",
        name: "vpc",
        type_name: "aws_ec2_vpc",
        inputs: &inputs,
        superseded,
    };
    let found = provider.find(request(None)).await.expect("finds");
    assert_eq!(found.map(|o| o.id).as_ref(), Some(vpc));
    let found = provider.find(request(Some(vpc))).await.expect("finds");
    assert!(found.is_none(), "{found:?}");

    // 3. Nothing left to do.
    let plan = second.plan().await.expect("plans");
    assert!(!plan.has_changes(), "{}", plan.render());

    // 4. Another stack cannot take the log group by its name.
    let dir_b = tempfile::tempdir().expect("temp dir");
    let other = Engine::new(
        intruder(),
        AwsProvider::from_config(&config),
        LocalState::new(dir_b.path().join("state.json")),
    );
    let plan = other.plan().await.expect("plans");
    let error = other
        .apply(&plan, &no_events)
        .await
        .expect_err("the name is taken");
    let message = match &error {
        EngineError::Apply(failure) => failure.to_string(),
        other => panic!("an apply failure, got {other:?}"),
    };
    assert!(
        message.contains("logs")
            && message.contains("already exists and is not this stack's")
            && message.contains("infra:stack=adoption"),
        "{message}"
    );

    // 5. Destroy leaves nothing.
    let plan = second.plan_destroy().await.expect("plans destroy");
    second.apply(&plan, &no_events).await.expect("destroys");
    let vpcs = ec2
        .describe_vpcs()
        .filters(owned())
        .send()
        .await
        .expect("vpcs");
    assert!(vpcs.vpcs().is_empty());
}
