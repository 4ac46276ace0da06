//! The life of a NAT-and-ACL stack against moto: a VPC, a subnet, an internet
//! gateway attached to the VPC, an Elastic IP, a NAT gateway in the subnet, and
//! a network ACL on the subnet with an ingress and an egress entry. Apply
//! creates them (read back through the SDK), a second plan is empty, a CIDR
//! change on an entry is an in-place update, and destroy leaves nothing.

mod common;

use common::tag_filter;

use aws_sdk_ec2::types::NatGatewayState;
use infra::provider::aws::AwsProvider;
use infra::{Action, Engine, LocalState, Stack};

const REGION: &str = "eu-west-2";

/// The stack; `changed` narrows the ingress entry's CIDR block.
fn stack(changed: bool) -> Stack {
    if changed {
        infra::stack! {
            name = "nat-acl";
            region = "eu-west-2";
            let vpc = ec2::Vpc { cidr_block: "10.50.0.0/16" };
            let public = ec2::Subnet {
                vpc_id: vpc.id,
                cidr_block: "10.50.1.0/24",
                availability_zone: "eu-west-2a",
            };
            let igw = ec2::InternetGateway {};
            let igw_attachment = ec2::InternetGatewayAttachment {
                internet_gateway_id: igw.id,
                vpc_id: vpc.id,
            };
            let nat_ip = ec2::ElasticIp {};
            let nat = ec2::NatGateway {
                subnet_id: public.id,
                allocation_id: nat_ip.id,
                depends_on: [igw_attachment],
            };
            let acl = ec2::NetworkAcl {
                vpc_id: vpc.id,
                subnet_ids: [public.id],
            };
            let https_in = ec2::NetworkAclEntry {
                network_acl_id: acl.id,
                rule_number: 100,
                protocol: Tcp,
                rule_action: Allow,
                cidr_block: "10.0.0.0/8",
                from_port: 443,
                to_port: 443,
            };
            let all_out = ec2::NetworkAclEntry {
                network_acl_id: acl.id,
                rule_number: 100,
                egress: true,
                protocol: All,
                rule_action: Allow,
                cidr_block: "0.0.0.0/0",
            };
        }
    } else {
        infra::stack! {
            name = "nat-acl";
            region = "eu-west-2";
            let vpc = ec2::Vpc { cidr_block: "10.50.0.0/16" };
            let public = ec2::Subnet {
                vpc_id: vpc.id,
                cidr_block: "10.50.1.0/24",
                availability_zone: "eu-west-2a",
            };
            let igw = ec2::InternetGateway {};
            let igw_attachment = ec2::InternetGatewayAttachment {
                internet_gateway_id: igw.id,
                vpc_id: vpc.id,
            };
            let nat_ip = ec2::ElasticIp {};
            let nat = ec2::NatGateway {
                subnet_id: public.id,
                allocation_id: nat_ip.id,
                depends_on: [igw_attachment],
            };
            let acl = ec2::NetworkAcl {
                vpc_id: vpc.id,
                subnet_ids: [public.id],
            };
            let https_in = ec2::NetworkAclEntry {
                network_acl_id: acl.id,
                rule_number: 100,
                protocol: Tcp,
                rule_action: Allow,
                cidr_block: "0.0.0.0/0",
                from_port: 443,
                to_port: 443,
            };
            let all_out = ec2::NetworkAclEntry {
                network_acl_id: acl.id,
                rule_number: 100,
                egress: true,
                protocol: All,
                rule_action: Allow,
                cidr_block: "0.0.0.0/0",
            };
        }
    }
}

/// The ACL `id`'s non-default entries as `(egress, number, protocol, cidr)`.
async fn entries(ec2: &aws_sdk_ec2::Client, id: &str) -> Vec<(bool, i32, String, String)> {
    let acls = ec2
        .describe_network_acls()
        .network_acl_ids(id)
        .send()
        .await
        .expect("describe network acls");
    let mut entries: Vec<_> = acls.network_acls()[0]
        .entries()
        .iter()
        .filter(|e| e.rule_number() != Some(32_767))
        .map(|e| {
            (
                e.egress().unwrap_or_default(),
                e.rule_number().unwrap_or_default(),
                e.protocol().unwrap_or_default().to_owned(),
                e.cidr_block().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    entries.sort();
    entries
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nat_acl_round_trip() {
    let moto = common::shared();
    let config = common::sdk_config(&moto.endpoint(), REGION).await;
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = LocalState::new(dir.path().join("state.json"));
    let engine = |stack| Engine::new(stack, AwsProvider::from_config(&config), backend.clone());
    let stack_filter = tag_filter("infra:stack", "nat-acl");

    // 1. Apply creates the nine resources.
    let first = engine(stack(false));
    let plan = first.plan().await.expect("plans");
    assert_eq!(plan.summary().to_add, 9, "{}", plan.render());
    let report = first.apply(&plan, &|_| {}).await.expect("applies");
    assert_eq!(report.done.len(), 9);
    let state = first.state().await.expect("state");
    let recorded = |name: &str| {
        state
            .resources
            .get(name)
            .unwrap_or_else(|| panic!("{name} is in the state"))
            .id
            .clone()
    };
    let subnet_id = recorded("public");
    let vpc_id = recorded("vpc");

    // The NAT gateway, available in the subnet with the Elastic IP.
    let nats = ec2
        .describe_nat_gateways()
        .filter(stack_filter.clone())
        .send()
        .await
        .expect("describe nat gateways");
    let [nat] = nats.nat_gateways() else {
        panic!("one NAT gateway, found {:?}", nats.nat_gateways())
    };
    let nat_id = nat.nat_gateway_id().expect("nat id");
    assert!(nat_id.starts_with("nat-"), "{nat_id}");
    assert_eq!(nat_id, recorded("nat"));
    assert_eq!(nat.state(), Some(&NatGatewayState::Available));
    assert_eq!(nat.subnet_id(), Some(subnet_id.as_str()));
    assert_eq!(
        nat.nat_gateway_addresses()[0].allocation_id(),
        Some(recorded("nat_ip").as_str())
    );

    // The network ACL, on the subnet, with its two entries.
    let acls = ec2
        .describe_network_acls()
        .filters(stack_filter.clone())
        .send()
        .await
        .expect("describe network acls");
    let [acl] = acls.network_acls() else {
        panic!("one network ACL, found {:?}", acls.network_acls())
    };
    let acl_id = acl.network_acl_id().expect("acl id").to_owned();
    assert!(acl_id.starts_with("acl-"), "{acl_id}");
    assert_eq!(acl.vpc_id(), Some(vpc_id.as_str()));
    let subnets: Vec<_> = acl
        .associations()
        .iter()
        .filter_map(|a| a.subnet_id())
        .collect();
    assert_eq!(subnets, [subnet_id.as_str()]);
    assert_eq!(
        entries(&ec2, &acl_id).await,
        [
            (false, 100, "6".to_owned(), "0.0.0.0/0".to_owned()),
            (true, 100, "-1".to_owned(), "0.0.0.0/0".to_owned()),
        ]
    );
    assert_eq!(recorded("https_in"), format!("{acl_id}:ingress:100"));
    assert_eq!(recorded("all_out"), format!("{acl_id}:egress:100"));

    // 2. A second plan has no changes.
    let plan = first.plan().await.expect("plans");
    assert!(!plan.has_changes(), "{}", plan.render());

    // 3. A CIDR change on the ingress entry is an in-place update.
    let second = engine(stack(true));
    let plan = second.plan().await.expect("plans");
    let changed: Vec<_> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .map(|c| (c.name.as_str(), c.action))
        .collect();
    assert_eq!(changed, [("https_in", Action::Update)], "{}", plan.render());
    second.apply(&plan, &|_| {}).await.expect("applies");
    assert_eq!(
        entries(&ec2, &acl_id).await,
        [
            (false, 100, "6".to_owned(), "10.0.0.0/8".to_owned()),
            (true, 100, "-1".to_owned(), "0.0.0.0/0".to_owned()),
        ]
    );
    let plan = second.plan().await.expect("plans");
    assert!(!plan.has_changes(), "{}", plan.render());

    // 4. Destroy leaves nothing.
    let plan = second.plan_destroy().await.expect("plans");
    assert_eq!(plan.summary().to_destroy, 9, "{}", plan.render());
    second.apply(&plan, &|_| {}).await.expect("destroys");
    let nats = ec2
        .describe_nat_gateways()
        .filter(stack_filter.clone())
        .send()
        .await
        .expect("describe nat gateways");
    assert!(
        nats.nat_gateways()
            .iter()
            .all(|n| n.state() == Some(&NatGatewayState::Deleted)),
        "{:?}",
        nats.nat_gateways()
    );
    let acls = ec2
        .describe_network_acls()
        .filters(stack_filter.clone())
        .send()
        .await
        .expect("describe network acls");
    assert!(acls.network_acls().is_empty(), "{:?}", acls.network_acls());
    let vpcs = ec2
        .describe_vpcs()
        .filters(stack_filter.clone())
        .send()
        .await
        .expect("describe vpcs");
    assert!(vpcs.vpcs().is_empty(), "{:?}", vpcs.vpcs());
    let addresses = ec2
        .describe_addresses()
        .filters(stack_filter)
        .send()
        .await
        .expect("describe addresses");
    assert!(
        addresses.addresses().is_empty(),
        "{:?}",
        addresses.addresses()
    );
    assert!(second.state().await.expect("state").resources.is_empty());
}
