//! A component used twice in one stack, applied to moto: each instance's
//! resources exist under their own names, wired through the typed handles.

mod common;

use common::no_events;

use aws_sdk_ec2::types::Filter;
use infra::provider::aws::AwsProvider;
use infra::{Engine, LocalState};

infra::component! {
    /// A VPC with one subnet.
    fn network(cidr: Cidr, subnet_cidr: Cidr) -> Network {
        let vpc = ec2::Vpc { cidr_block: param.cidr };
        let subnet = ec2::Subnet { vpc_id: vpc.id, cidr_block: param.subnet_cidr };
        /// The VPC.
        export vpc_id = vpc.id;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_component_used_twice_makes_two_sets_of_resources() {
    let stack = infra::stack! {
        name = "components";
        region = "eu-west-2";
        let blue = use network("10.30.0.0/16", "10.30.1.0/24");
        let green = use network("10.31.0.0/16", "10.31.1.0/24");
        let blue_sg = ec2::SecurityGroup { name: "blue", vpc_id: blue.vpc_id };
        output green_vpc = green.vpc_id;
    };
    let moto = common::shared();
    let config = common::sdk_config(&moto.endpoint(), "eu-west-2").await;
    let dir = tempfile::tempdir().expect("temp dir");
    let engine = Engine::new(
        stack,
        AwsProvider::from_config(&config),
        LocalState::new(dir.path().join("state.json")),
    );
    let plan = engine.plan().await.expect("plans");
    let names: Vec<&str> = plan.changes.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "blue_vpc",
            "blue_subnet",
            "green_vpc",
            "green_subnet",
            "blue_sg"
        ]
    );

    engine.apply(&plan, &no_events).await.expect("applies");

    let ec2 = aws_sdk_ec2::Client::new(&config);
    let ours = Filter::builder()
        .name("tag:infra:stack")
        .values("components")
        .build();
    let vpcs = ec2
        .describe_vpcs()
        .filters(ours.clone())
        .send()
        .await
        .expect("vpcs");
    let mut cidrs: Vec<_> = vpcs.vpcs().iter().filter_map(|v| v.cidr_block()).collect();
    cidrs.sort_unstable();
    assert_eq!(cidrs, ["10.30.0.0/16", "10.31.0.0/16"]);
    let subnets = ec2
        .describe_subnets()
        .filters(ours.clone())
        .send()
        .await
        .expect("subnets");
    assert_eq!(subnets.subnets().len(), 2);
    let state = engine.state().await.expect("state");
    assert_eq!(
        subnets
            .subnets()
            .iter()
            .find(|s| s.cidr_block() == Some("10.31.1.0/24"))
            .and_then(|s| s.vpc_id()),
        state.resources["green_vpc"].attributes["id"].as_str(),
        "each instance's subnet is in its own VPC"
    );
    assert_eq!(
        state.outputs["green_vpc"],
        state.resources["green_vpc"].attributes["id"]
    );

    let destroy = engine.plan_destroy().await.expect("plans");
    engine.apply(&destroy, &no_events).await.expect("destroys");
    let vpcs = ec2
        .describe_vpcs()
        .filters(ours)
        .send()
        .await
        .expect("vpcs");
    assert!(vpcs.vpcs().is_empty());
}
