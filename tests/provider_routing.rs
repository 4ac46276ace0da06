//! The life of a public-routing stack against moto: a VPC, a public subnet, an
//! internet gateway attached to the VPC, an Elastic IP, a route table with a
//! default route through the gateway, associated with the subnet. Apply creates
//! them (read back through the SDK), a second plan is empty, a tag change on the
//! route table is an in-place update, and destroy — in the engine's order, which
//! moto enforces (no VPC delete with an attached gateway, no route-table delete
//! with associations) — leaves nothing.

mod common;

use common::{tag_filter, tags_of};

use infra::provider::aws::AwsProvider;
use infra::{Action, Engine, LocalState, Stack};

const REGION: &str = "eu-west-2";

/// The routing stack; `changed` adds a tag to the route table.
fn stack(changed: bool) -> Stack {
    if changed {
        infra::stack! {
            name = "routing";
            region = "eu-west-2";
            let vpc = ec2::Vpc { cidr_block: "10.40.0.0/16" };
            let public = ec2::Subnet {
                vpc_id: vpc.id,
                cidr_block: "10.40.1.0/24",
                availability_zone: "eu-west-2a",
                map_public_ip_on_launch: true,
            };
            let igw = ec2::InternetGateway {};
            let igw_attachment = ec2::InternetGatewayAttachment {
                internet_gateway_id: igw.id,
                vpc_id: vpc.id,
            };
            let nat_ip = ec2::ElasticIp {};
            let public_rt = ec2::RouteTable {
                vpc_id: vpc.id,
                tags: { "tier": "public" },
            };
            let default_route = ec2::Route {
                route_table_id: public_rt.id,
                destination_cidr_block: "0.0.0.0/0",
                gateway_id: igw.id,
            };
            let public_assoc = ec2::RouteTableAssociation {
                route_table_id: public_rt.id,
                subnet_id: public.id,
            };
        }
    } else {
        infra::stack! {
            name = "routing";
            region = "eu-west-2";
            let vpc = ec2::Vpc { cidr_block: "10.40.0.0/16" };
            let public = ec2::Subnet {
                vpc_id: vpc.id,
                cidr_block: "10.40.1.0/24",
                availability_zone: "eu-west-2a",
                map_public_ip_on_launch: true,
            };
            let igw = ec2::InternetGateway {};
            let igw_attachment = ec2::InternetGatewayAttachment {
                internet_gateway_id: igw.id,
                vpc_id: vpc.id,
            };
            let nat_ip = ec2::ElasticIp {};
            let public_rt = ec2::RouteTable { vpc_id: vpc.id };
            let default_route = ec2::Route {
                route_table_id: public_rt.id,
                destination_cidr_block: "0.0.0.0/0",
                gateway_id: igw.id,
            };
            let public_assoc = ec2::RouteTableAssociation {
                route_table_id: public_rt.id,
                subnet_id: public.id,
            };
        }
    }
}

/// The `infra:*` tags the engine puts on resource `name` of the stack.
fn engine_tags(name: &str) -> Vec<(String, String)> {
    vec![
        ("infra:resource".to_owned(), name.to_owned()),
        ("infra:stack".to_owned(), "routing".to_owned()),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routing_round_trip() {
    let moto = common::shared();
    let config = common::sdk_config(&moto.endpoint(), REGION).await;
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = LocalState::new(dir.path().join("state.json"));
    let engine = |stack| Engine::new(stack, AwsProvider::from_config(&config), backend.clone());
    let stack_filter = tag_filter("infra:stack", "routing");

    // 1. Apply creates the eight resources.
    let first = engine(stack(false));
    let plan = first.plan().await.expect("plans");
    assert_eq!(plan.summary().to_add, 8, "{}", plan.render());
    let report = first.apply(&plan, &|_| {}).await.expect("applies");
    assert_eq!(report.done.len(), 8);

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
    let subnets = ec2
        .describe_subnets()
        .filters(stack_filter.clone())
        .send()
        .await
        .expect("describe subnets");
    let [subnet] = subnets.subnets() else {
        panic!("one subnet, found {:?}", subnets.subnets())
    };
    let subnet_id = subnet.subnet_id().expect("subnet id").to_owned();

    // The internet gateway, attached to the VPC.
    let igws = ec2
        .describe_internet_gateways()
        .filters(stack_filter.clone())
        .send()
        .await
        .expect("describe internet gateways");
    let [igw] = igws.internet_gateways() else {
        panic!("one internet gateway, found {:?}", igws.internet_gateways())
    };
    let igw_id = igw.internet_gateway_id().expect("igw id").to_owned();
    assert!(igw_id.starts_with("igw-"), "{igw_id}");
    assert_eq!(tags_of(igw.tags()), engine_tags("igw"));
    let attached: Vec<_> = igw
        .attachments()
        .iter()
        .filter_map(|a| a.vpc_id())
        .collect();
    assert_eq!(attached, [vpc_id.as_str()]);

    // The Elastic IP.
    let addresses = ec2
        .describe_addresses()
        .filters(stack_filter.clone())
        .send()
        .await
        .expect("describe addresses");
    let [address] = addresses.addresses() else {
        panic!("one Elastic IP, found {:?}", addresses.addresses())
    };
    assert!(address
        .allocation_id()
        .is_some_and(|id| id.starts_with("eipalloc-")));
    assert!(address.public_ip().is_some());
    assert_eq!(tags_of(address.tags()), engine_tags("nat_ip"));
    let state = first.state().await.expect("state");
    let recorded = |name: &str| {
        state
            .resources
            .get(name)
            .unwrap_or_else(|| panic!("{name} is in the state"))
            .clone()
    };
    let eip = recorded("nat_ip");
    assert_eq!(Some(eip.id.as_str()), address.allocation_id());

    // The route table, its default route through the gateway, its association.
    let tables = ec2
        .describe_route_tables()
        .filters(stack_filter.clone())
        .send()
        .await
        .expect("describe route tables");
    let [table] = tables.route_tables() else {
        panic!("one route table, found {:?}", tables.route_tables())
    };
    let table_id = table.route_table_id().expect("rtb id").to_owned();
    assert_eq!(table.vpc_id(), Some(vpc_id.as_str()));
    assert_eq!(tags_of(table.tags()), engine_tags("public_rt"));
    let route = table
        .routes()
        .iter()
        .find(|r| r.destination_cidr_block() == Some("0.0.0.0/0"))
        .expect("the default route");
    assert_eq!(route.gateway_id(), Some(igw_id.as_str()));
    assert_eq!(
        recorded("default_route").id,
        format!("{table_id}_0.0.0.0/0")
    );
    let associations: Vec<_> = table
        .associations()
        .iter()
        .filter(|a| a.main() != Some(true))
        .collect();
    let [association] = associations.as_slice() else {
        panic!("one subnet association, found {associations:?}")
    };
    assert_eq!(association.subnet_id(), Some(subnet_id.as_str()));
    assert_eq!(
        association.route_table_association_id(),
        Some(recorded("public_assoc").id.as_str())
    );
    assert_eq!(recorded("igw_attachment").id, format!("{igw_id}:{vpc_id}"));

    // 2. A second plan has no changes.
    let plan = first.plan().await.expect("plans");
    assert!(!plan.has_changes(), "{}", plan.render());

    // 3. A tag change on the route table is an in-place update.
    let second = engine(stack(true));
    let plan = second.plan().await.expect("plans");
    let changed: Vec<_> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .map(|c| (c.name.as_str(), c.action))
        .collect();
    assert_eq!(
        changed,
        [("public_rt", Action::Update)],
        "{}",
        plan.render()
    );
    second.apply(&plan, &|_| {}).await.expect("applies");
    let tables = ec2
        .describe_route_tables()
        .route_table_ids(&table_id)
        .send()
        .await
        .expect("the same route table still exists");
    assert!(tags_of(tables.route_tables()[0].tags())
        .contains(&("tier".to_owned(), "public".to_owned())));
    let plan = second.plan().await.expect("plans");
    assert!(!plan.has_changes(), "{}", plan.render());

    // 4. Destroy, in the engine's order, leaves nothing.
    let plan = second.plan_destroy().await.expect("plans");
    assert_eq!(plan.summary().to_destroy, 8, "{}", plan.render());
    second.apply(&plan, &|_| {}).await.expect("destroys");
    let vpcs = ec2
        .describe_vpcs()
        .filters(stack_filter.clone())
        .send()
        .await
        .expect("describe vpcs");
    assert!(vpcs.vpcs().is_empty(), "{:?}", vpcs.vpcs());
    let igws = ec2
        .describe_internet_gateways()
        .filters(stack_filter.clone())
        .send()
        .await
        .expect("describe internet gateways");
    assert!(
        igws.internet_gateways().is_empty(),
        "{:?}",
        igws.internet_gateways()
    );
    let addresses = ec2
        .describe_addresses()
        .filters(stack_filter.clone())
        .send()
        .await
        .expect("describe addresses");
    assert!(
        addresses.addresses().is_empty(),
        "{:?}",
        addresses.addresses()
    );
    let tables = ec2
        .describe_route_tables()
        .filters(stack_filter.clone())
        .send()
        .await
        .expect("describe route tables");
    assert!(
        tables.route_tables().is_empty(),
        "{:?}",
        tables.route_tables()
    );
    let subnets = ec2
        .describe_subnets()
        .filters(stack_filter)
        .send()
        .await
        .expect("describe subnets");
    assert!(subnets.subnets().is_empty(), "{:?}", subnets.subnets());
    assert!(second.state().await.expect("state").resources.is_empty());
}
