//! The life of a launch template against moto: a VPC, a security group, an AMI
//! looked up in SSM, and a launch template using them with user data and IMDSv2
//! required. Apply creates it (read back through the SDK), a second plan is
//! empty, an instance type change is an in-place update making version 2 the
//! default, and destroy leaves nothing.

mod common;

use common::{no_events, tags_of};

use aws_sdk_ec2::types::{LaunchTemplateHttpTokensState, ResponseLaunchTemplateData};
use infra::provider::aws::AwsProvider;
use infra::{Action, Engine, LocalState, Stack};

const REGION: &str = "eu-west-2";
const STACK: &str = "launch-template";

/// The launch-template stack; `changed` makes the instance type `t3.small`.
fn stack(changed: bool) -> Stack {
    if changed {
        infra::stack! {
            name = "launch-template";
            region = "eu-west-2";
            lookup ami = ssm::Parameter { name: "/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id" };
            let vpc = ec2::Vpc { cidr_block: "10.60.0.0/16" };
            let sg = ec2::SecurityGroup { name: "lt-instances", vpc_id: vpc.id };
            let lt = ec2::LaunchTemplate {
                name: "lt-test",
                image_id: ami.value,
                instance_type: "t3.small",
                security_group_ids: [sg.id],
                user_data: format!("#!/bin/bash\necho ECS_CLUSTER={} >> /etc/ecs/ecs.config", vpc.id),
                require_imdsv2: true,
            };
        }
    } else {
        infra::stack! {
            name = "launch-template";
            region = "eu-west-2";
            lookup ami = ssm::Parameter { name: "/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id" };
            let vpc = ec2::Vpc { cidr_block: "10.60.0.0/16" };
            let sg = ec2::SecurityGroup { name: "lt-instances", vpc_id: vpc.id };
            let lt = ec2::LaunchTemplate {
                name: "lt-test",
                image_id: ami.value,
                instance_type: "t3.micro",
                security_group_ids: [sg.id],
                user_data: format!("#!/bin/bash\necho ECS_CLUSTER={} >> /etc/ecs/ecs.config", vpc.id),
                require_imdsv2: true,
            };
        }
    }
}

/// The data of the template's default version, and its number.
async fn default_version(ec2: &aws_sdk_ec2::Client, id: &str) -> (i64, ResponseLaunchTemplateData) {
    let versions = ec2
        .describe_launch_template_versions()
        .launch_template_id(id)
        .versions("$Default")
        .send()
        .await
        .expect("describe launch template versions");
    let [version] = versions.launch_template_versions() else {
        panic!(
            "one default version, found {:?}",
            versions.launch_template_versions()
        )
    };
    (
        version.version_number().expect("version number"),
        version
            .launch_template_data()
            .expect("template data")
            .clone(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn launch_template_round_trip() {
    let moto = common::shared();
    let config = common::sdk_config(&moto.endpoint(), REGION).await;
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = LocalState::new(dir.path().join("state.json"));
    let engine = |stack| Engine::new(stack, AwsProvider::from_config(&config), backend.clone());

    // 1. Apply creates the VPC, the group and the template.
    let first = engine(stack(false));
    let plan = first.plan().await.expect("plans");
    assert_eq!(plan.summary().to_add, 3, "{}", plan.render());
    let ami = plan.lookups["ami"]["value"]
        .as_str()
        .expect("the AMI id is a string")
        .to_owned();
    assert!(ami.starts_with("ami-"), "{ami}");
    first.apply(&plan, &no_events).await.expect("applies");

    let state = first.state().await.expect("state");
    let recorded = |name: &str| {
        state
            .resources
            .get(name)
            .unwrap_or_else(|| panic!("{name} is in the state"))
            .clone()
    };
    let vpc_id = recorded("vpc").id;
    let sg_id = recorded("sg").id;
    let lt_id = recorded("lt").id;
    assert!(lt_id.starts_with("lt-"), "{lt_id}");

    let templates = ec2
        .describe_launch_templates()
        .launch_template_ids(&lt_id)
        .send()
        .await
        .expect("describe launch templates");
    let [template] = templates.launch_templates() else {
        panic!("one template, found {:?}", templates.launch_templates())
    };
    assert_eq!(template.launch_template_name(), Some("lt-test"));
    assert_eq!(template.latest_version_number(), Some(1));
    assert_eq!(
        tags_of(template.tags()),
        [
            ("infra:resource".to_owned(), "lt".to_owned()),
            ("infra:stack".to_owned(), STACK.to_owned()),
        ]
    );
    let (number, data) = default_version(&ec2, &lt_id).await;
    assert_eq!(number, 1);
    assert_eq!(data.image_id(), Some(ami.as_str()));
    assert_eq!(data.instance_type().map(|t| t.as_str()), Some("t3.micro"));
    assert_eq!(data.security_group_ids(), [sg_id.as_str()]);
    assert_eq!(
        data.metadata_options().and_then(|o| o.http_tokens()),
        Some(&LaunchTemplateHttpTokensState::Required)
    );
    // Containers in bridge mode are one hop further: they reach IMDSv2 too.
    assert_eq!(
        data.metadata_options()
            .and_then(|o| o.http_put_response_hop_limit()),
        Some(2)
    );
    let user_data = aws_smithy_types::base64::decode(data.user_data().expect("user data"))
        .expect("base64 user data");
    assert_eq!(
        String::from_utf8(user_data).expect("UTF-8 user data"),
        format!("#!/bin/bash\necho ECS_CLUSTER={vpc_id} >> /etc/ecs/ecs.config")
    );

    // 2. A second plan has no changes.
    let plan = first.plan().await.expect("plans");
    assert!(!plan.has_changes(), "{}", plan.render());

    // 3. A new instance type is an in-place update: version 2, the default.
    let second = engine(stack(true));
    let plan = second.plan().await.expect("plans");
    let changed: Vec<_> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .map(|c| (c.name.as_str(), c.action))
        .collect();
    assert_eq!(changed, [("lt", Action::Update)], "{}", plan.render());
    second.apply(&plan, &no_events).await.expect("applies");
    let templates = ec2
        .describe_launch_templates()
        .launch_template_ids(&lt_id)
        .send()
        .await
        .expect("the same template still exists");
    let template = &templates.launch_templates()[0];
    assert_eq!(template.latest_version_number(), Some(2));
    assert_eq!(template.default_version_number(), Some(2));
    let (number, data) = default_version(&ec2, &lt_id).await;
    assert_eq!(number, 2);
    assert_eq!(data.instance_type().map(|t| t.as_str()), Some("t3.small"));
    assert_eq!(data.image_id(), Some(ami.as_str()));
    assert_eq!(
        second.state().await.expect("state").resources["lt"].attributes["latest_version"],
        2
    );
    let plan = second.plan().await.expect("plans");
    assert!(!plan.has_changes(), "{}", plan.render());

    // 4. Destroy leaves nothing.
    let plan = second.plan_destroy().await.expect("plans");
    assert_eq!(plan.summary().to_destroy, 3, "{}", plan.render());
    second.apply(&plan, &no_events).await.expect("destroys");
    let gone = ec2
        .describe_launch_templates()
        .launch_template_ids(&lt_id)
        .send()
        .await;
    match gone {
        Ok(output) => assert!(
            output.launch_templates().is_empty(),
            "{:?}",
            output.launch_templates()
        ),
        Err(err) => {
            let code = aws_sdk_ec2::error::ProvideErrorMetadata::code(&err);
            assert_eq!(code, Some("InvalidLaunchTemplateId.NotFound"), "{err:?}");
        }
    }
    assert!(second.state().await.expect("state").resources.is_empty());
}
