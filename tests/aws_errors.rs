//! An error AWS returns reaches the user with the resource's name in the stack,
//! its type, the AWS operation, error code and message; what does not depend on
//! the failed resource is still applied and recorded, and once the value is
//! fixed the next apply finishes the job.

mod common;

use common::no_events;

use infra::provider::aws::AwsProvider;
use infra::{ApplyError, EngineError, LocalState, ProviderError};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_errors_name_the_resource_code_and_message() {
    let moto = common::shared();
    let config = common::sdk_config(&moto.endpoint(), "eu-west-2").await;
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = LocalState::new(dir.path().join("state.json"));
    let stack = infra::stack! {
        name = "aws-errors";
        region = "eu-west-2";
        let vpc = ec2::Vpc { cidr_block: "10.70.0.0/16" };
        // No such zone: AWS (and moto) refuse the subnet.
        let nowhere = ec2::Subnet { vpc_id: vpc.id, cidr_block: "10.70.1.0/24", availability_zone: "eu-west-2z" };
        let logs = logs::LogGroup { name: "aws-errors", retention_in_days: 7 };
    };
    let engine = infra::Engine::new(stack, AwsProvider::from_config(&config), backend.clone());
    let plan = engine.plan().await.expect("plans");
    let error = engine
        .apply(&plan, &no_events)
        .await
        .expect_err("the subnet is refused");

    let EngineError::Apply(ApplyError::Failed { failures, report }) = &error else {
        panic!("a resource failure, got {error:?}");
    };
    let [failure] = failures.as_slice() else {
        panic!("one failure, got {failures:?}");
    };
    assert_eq!(failure.resource, "nowhere");
    let ProviderError::Api {
        operation, code, ..
    } = &failure.error
    else {
        panic!("an AWS error, got {:?}", failure.error);
    };
    assert_eq!(*operation, "CreateSubnet");
    assert!(!code.is_empty());
    let message = error.to_string();
    assert!(
        message.contains("creating `nowhere` (aws_ec2_subnet): CreateSubnet failed: ")
            && message.contains("eu-west-2z"),
        "{message}"
    );

    // The other branches completed and are recorded.
    assert_eq!(report.done.len(), 2, "{:?}", report.done);
    let state = backend.load(&plan_stack()).expect("state loads");
    assert!(state.resources.contains_key("vpc") && state.resources.contains_key("logs"));
    assert!(!state.resources.contains_key("nowhere"));

    // A destroy of the half-created stack would remove exactly what exists.
    let half = engine.plan_destroy().await.expect("plans destroy");
    let mut doomed: Vec<_> = half.changes.iter().map(|c| c.name.as_str()).collect();
    doomed.sort_unstable();
    assert_eq!(doomed, ["logs", "vpc"], "{}", half.render());

    // With the value fixed, the next apply finishes the job: only the subnet
    // is left to create.
    let fixed = infra::stack! {
        name = "aws-errors";
        region = "eu-west-2";
        let vpc = ec2::Vpc { cidr_block: "10.70.0.0/16" };
        let nowhere = ec2::Subnet { vpc_id: vpc.id, cidr_block: "10.70.1.0/24", availability_zone: "eu-west-2a" };
        let logs = logs::LogGroup { name: "aws-errors", retention_in_days: 7 };
    };
    let engine = infra::Engine::new(fixed, AwsProvider::from_config(&config), backend.clone());
    let plan = engine.plan().await.expect("plans");
    assert_eq!(plan.summary().to_add, 1, "{}", plan.render());
    engine.apply(&plan, &no_events).await.expect("applies");
    assert!(!engine.plan().await.expect("plans").has_changes());

    let plan = engine.plan_destroy().await.expect("plans destroy");
    engine.apply(&plan, &no_events).await.expect("destroys");
}

/// The stack's name and region, for loading its state.
fn plan_stack() -> infra::Stack {
    infra::stack! {
        name = "aws-errors";
        region = "eu-west-2";
    }
}
