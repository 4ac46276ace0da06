//! Lookups against moto: the caller's account, the region's zones and an SSM
//! parameter are read at plan time, shown as known after apply offline, and
//! fill the resources that use them.

mod common;

use common::no_events;

use aws_sdk_ec2::types::Filter;
use infra::provider::aws::AwsProvider;
use infra::{Engine, LocalState, Planned, Stack};

fn stack() -> Stack {
    infra::stack! {
        name = "lookups";
        region = "eu-west-2";

        lookup account = sts::CallerIdentity {};
        lookup azs = ec2::AvailabilityZones {};
        lookup ami = ssm::Parameter { name: "/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id" };

        let vpc = ec2::Vpc {
            cidr_block: "10.20.0.0/16",
            tags: { "account": account.account_id, "ami": ami.value },
        };
        let second_zone = ec2::Subnet { vpc_id: vpc.id, cidr_block: "10.20.1.0/24", availability_zone: azs.names[1] };

        /// The account the stack lives in.
        output account_id = account.account_id;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lookups_are_read_at_plan_time_and_fill_resources() {
    let moto = common::shared();
    let config = common::sdk_config(&moto.endpoint(), "eu-west-2").await;
    let dir = tempfile::tempdir().expect("temp dir");
    let engine = Engine::new(
        stack(),
        AwsProvider::from_config(&config),
        LocalState::new(dir.path().join("state.json")),
    );

    // Offline, lookups are not read: what depends on them is known after apply.
    let offline = engine
        .clone()
        .with_refresh(false)
        .plan()
        .await
        .expect("plans offline");
    let zone = offline
        .change("second_zone")
        .and_then(|c| c.fields.iter().find(|f| f.field == "availability_zone"));
    assert_eq!(zone.and_then(|f| f.after.clone()), Some(Planned::Unknown));

    let plan = engine.plan().await.expect("plans");
    let zone = plan
        .change("second_zone")
        .and_then(|c| c.fields.iter().find(|f| f.field == "availability_zone"));
    assert_eq!(
        zone.and_then(|f| f.after.clone()),
        Some(Planned::Known("eu-west-2b".into()))
    );
    assert_eq!(plan.lookups["account"]["account_id"], "123456789012");
    engine.apply(&plan, &no_events).await.expect("applies");

    let ec2 = aws_sdk_ec2::Client::new(&config);
    let ours = Filter::builder()
        .name("tag:infra:stack")
        .values("lookups")
        .build();
    let vpcs = ec2
        .describe_vpcs()
        .filters(ours.clone())
        .send()
        .await
        .expect("vpcs");
    let tags = vpcs.vpcs()[0].tags();
    let tag = |key: &str| {
        tags.iter()
            .find(|t| t.key() == Some(key))
            .and_then(|t| t.value())
            .map(str::to_owned)
    };
    assert_eq!(tag("account").as_deref(), Some("123456789012"));
    assert!(
        tag("ami").is_some_and(|ami| ami.starts_with("ami-")),
        "{tags:?}"
    );
    let subnets = ec2
        .describe_subnets()
        .filters(ours.clone())
        .send()
        .await
        .expect("subnets");
    assert_eq!(subnets.subnets()[0].availability_zone(), Some("eu-west-2b"));
    assert_eq!(
        engine.outputs().await.expect("outputs")["account_id"],
        "123456789012"
    );

    let again = engine.plan().await.expect("plans");
    assert!(!again.has_changes(), "{}", again.render());
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
