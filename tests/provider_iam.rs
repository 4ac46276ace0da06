//! The life of IAM roles and an instance profile against moto: apply creates
//! them (read back through the SDK: trust policy, managed and inline policies,
//! description, session length, profile role, tags), a second plan is empty,
//! changed fields are updated in place, drift made outside is undone, a changed
//! path replaces a role (taken out of the profile that holds it, then put back),
//! a changed name replaces the profile, a fresh state adopts what exists, and
//! destroy leaves nothing.

mod common;

use std::collections::BTreeMap;

use aws_sdk_iam::Client as IamClient;
use common::no_events;
use infra::provider::aws::AwsProvider;
use infra::{Action, Engine, LocalState, Stack};
use serde_json::{json, Value};

const REGION: &str = "eu-west-2";
const APP: &str = "iam-life-app";
const OTHER: &str = "iam-life-other";
const PROFILE: &str = "iam-life-profile";
const RENAMED_PROFILE: &str = "iam-life-profile-2";
const EXECUTION: &str = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy";
const EC2_ROLE: &str = "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role";
const S3_READ: &str = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";

/// The stack at each step: 0 as first declared; 1 with every in-place field of
/// the role `app` and the profile changed (the profile now holds `other`); 2
/// with `other` under a new path (a replacement); 3 with the profile renamed (a
/// replacement).
fn stack(step: u8) -> Stack {
    match step {
        0 => infra::stack! {
            name = "iam-life";
            region = "eu-west-2";
            let app = iam::Role {
                name: "iam-life-app",
                description: "the app",
                assume_role_policy: { statements: [{ actions: ["sts:AssumeRole"], principals: { service: ["ecs-tasks.amazonaws.com"] } }] },
                managed_policy_arns: ["arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"],
                inline_policies: [{ name: "data", policy: { statements: [
                    { actions: ["dynamodb:GetItem"], resources: ["arn:aws:dynamodb:eu-west-2:123456789012:table/iam-life"] },
                ] } }],
                tags: { "team": "platform" },
            };
            let other = iam::Role {
                name: "iam-life-other",
                assume_role_policy: { statements: [{ actions: ["sts:AssumeRole"], principals: { service: ["ec2.amazonaws.com"] } }] },
            };
            let profile = iam::InstanceProfile {
                name: "iam-life-profile",
                role_name: app.id,
                tags: { "team": "platform" },
            };
        },
        1 => infra::stack! {
            name = "iam-life";
            region = "eu-west-2";
            let app = iam::Role {
                name: "iam-life-app",
                description: "the app, v2",
                assume_role_policy: { statements: [
                    { actions: ["sts:AssumeRole"], principals: { service: ["ecs-tasks.amazonaws.com", "ec2.amazonaws.com"] } },
                    { sid: "Account", actions: ["sts:AssumeRole"], principals: { aws: ["arn:aws:iam::123456789012:root"] } },
                ] },
                managed_policy_arns: [
                    "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role",
                    "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
                ],
                inline_policies: [
                    { name: "data", policy: { statements: [
                        { actions: ["dynamodb:GetItem", "dynamodb:Query"], resources: ["arn:aws:dynamodb:eu-west-2:123456789012:table/iam-life"] },
                    ] } },
                    { name: "logs", policy: { statements: [
                        { effect: Deny, actions: ["logs:DeleteLogGroup"], resources: ["*"] },
                    ] } },
                ],
                max_session_duration: 7200,
                tags: { "team": "core", "env": "dev" },
            };
            let other = iam::Role {
                name: "iam-life-other",
                assume_role_policy: { statements: [{ actions: ["sts:AssumeRole"], principals: { service: ["ec2.amazonaws.com"] } }] },
            };
            let profile = iam::InstanceProfile {
                name: "iam-life-profile",
                role_name: other.id,
                tags: { "env": "dev" },
            };
        },
        2 => infra::stack! {
            name = "iam-life";
            region = "eu-west-2";
            let app = iam::Role {
                name: "iam-life-app",
                description: "the app, v2",
                assume_role_policy: { statements: [
                    { actions: ["sts:AssumeRole"], principals: { service: ["ecs-tasks.amazonaws.com", "ec2.amazonaws.com"] } },
                    { sid: "Account", actions: ["sts:AssumeRole"], principals: { aws: ["arn:aws:iam::123456789012:root"] } },
                ] },
                managed_policy_arns: [
                    "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role",
                    "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
                ],
                inline_policies: [
                    { name: "data", policy: { statements: [
                        { actions: ["dynamodb:GetItem", "dynamodb:Query"], resources: ["arn:aws:dynamodb:eu-west-2:123456789012:table/iam-life"] },
                    ] } },
                    { name: "logs", policy: { statements: [
                        { effect: Deny, actions: ["logs:DeleteLogGroup"], resources: ["*"] },
                    ] } },
                ],
                max_session_duration: 7200,
                tags: { "team": "core", "env": "dev" },
            };
            let other = iam::Role {
                name: "iam-life-other",
                path: "/svc/",
                assume_role_policy: { statements: [{ actions: ["sts:AssumeRole"], principals: { service: ["ec2.amazonaws.com"] } }] },
            };
            let profile = iam::InstanceProfile {
                name: "iam-life-profile",
                role_name: other.id,
                tags: { "env": "dev" },
            };
        },
        _ => infra::stack! {
            name = "iam-life";
            region = "eu-west-2";
            let app = iam::Role {
                name: "iam-life-app",
                description: "the app, v2",
                assume_role_policy: { statements: [
                    { actions: ["sts:AssumeRole"], principals: { service: ["ecs-tasks.amazonaws.com", "ec2.amazonaws.com"] } },
                    { sid: "Account", actions: ["sts:AssumeRole"], principals: { aws: ["arn:aws:iam::123456789012:root"] } },
                ] },
                managed_policy_arns: [
                    "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role",
                    "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
                ],
                inline_policies: [
                    { name: "data", policy: { statements: [
                        { actions: ["dynamodb:GetItem", "dynamodb:Query"], resources: ["arn:aws:dynamodb:eu-west-2:123456789012:table/iam-life"] },
                    ] } },
                    { name: "logs", policy: { statements: [
                        { effect: Deny, actions: ["logs:DeleteLogGroup"], resources: ["*"] },
                    ] } },
                ],
                max_session_duration: 7200,
                tags: { "team": "core", "env": "dev" },
            };
            let other = iam::Role {
                name: "iam-life-other",
                path: "/svc/",
                assume_role_policy: { statements: [{ actions: ["sts:AssumeRole"], principals: { service: ["ec2.amazonaws.com"] } }] },
            };
            let profile = iam::InstanceProfile {
                name: "iam-life-profile-2",
                role_name: other.id,
                tags: { "env": "dev" },
            };
        },
    }
}

/// Tag pairs, sorted, for comparisons.
fn pairs(tags: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut tags: Vec<_> = tags
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    tags.sort();
    tags
}

/// `text` with its `%XX` escapes decoded: IAM returns policy documents so.
fn url_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("ASCII escape");
            out.push(u8::from_str_radix(hex, 16).expect("hex escape"));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("UTF-8")
}

/// A policy document as IAM returns it, parsed.
fn document(text: &str) -> Value {
    serde_json::from_str(&url_decode(text)).expect("policy JSON")
}

/// What the SDK reports about a role.
#[derive(Debug, PartialEq)]
struct RoleView {
    path: String,
    description: Option<String>,
    max_session: Option<i32>,
    trust: Value,
    managed: Vec<String>,
    inline: BTreeMap<String, Value>,
    tags: Vec<(String, String)>,
}

/// The role `name` as the SDK reports it; `None` when it does not exist.
async fn role(iam: &IamClient, name: &str) -> Option<RoleView> {
    let role = match iam.get_role().role_name(name).send().await {
        Ok(output) => output.role.expect("role"),
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_no_such_entity_exception()) =>
        {
            return None
        }
        Err(err) => panic!("get role: {err:?}"),
    };
    let attached = iam
        .list_attached_role_policies()
        .role_name(name)
        .send()
        .await
        .expect("list attached policies");
    let mut managed: Vec<String> = attached
        .attached_policies()
        .iter()
        .map(|p| p.policy_arn().expect("arn").to_owned())
        .collect();
    managed.sort();
    let names = iam
        .list_role_policies()
        .role_name(name)
        .send()
        .await
        .expect("list role policies");
    let mut inline = BTreeMap::new();
    for policy in names.policy_names() {
        let output = iam
            .get_role_policy()
            .role_name(name)
            .policy_name(policy)
            .send()
            .await
            .expect("get role policy");
        inline.insert(policy.clone(), document(output.policy_document()));
    }
    let tags = iam
        .list_role_tags()
        .role_name(name)
        .send()
        .await
        .expect("list role tags");
    let mut tags: Vec<_> = tags
        .tags()
        .iter()
        .map(|t| (t.key().to_owned(), t.value().to_owned()))
        .collect();
    tags.sort();
    Some(RoleView {
        path: role.path().to_owned(),
        description: role.description().map(str::to_owned),
        max_session: role.max_session_duration(),
        trust: document(role.assume_role_policy_document().expect("trust policy")),
        managed,
        inline,
        tags,
    })
}

/// The roles (name, path) and tags of the instance profile `name`; `None` when
/// it does not exist.
async fn profile(
    iam: &IamClient,
    name: &str,
) -> Option<(Vec<(String, String)>, Vec<(String, String)>)> {
    let profile = match iam
        .get_instance_profile()
        .instance_profile_name(name)
        .send()
        .await
    {
        Ok(output) => output.instance_profile.expect("instance profile"),
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_no_such_entity_exception()) =>
        {
            return None
        }
        Err(err) => panic!("get instance profile: {err:?}"),
    };
    let roles = profile
        .roles()
        .iter()
        .map(|r| (r.role_name().to_owned(), r.path().to_owned()))
        .collect();
    let mut tags: Vec<_> = profile
        .tags()
        .iter()
        .map(|t| (t.key().to_owned(), t.value().to_owned()))
        .collect();
    tags.sort();
    Some((roles, tags))
}

/// How many roles and instance profiles of this test exist.
async fn counts(iam: &IamClient) -> (usize, usize) {
    let roles = iam.list_roles().send().await.expect("list roles");
    let profiles = iam
        .list_instance_profiles()
        .send()
        .await
        .expect("list instance profiles");
    (
        roles
            .roles()
            .iter()
            .filter(|r| r.role_name().starts_with("iam-life-"))
            .count(),
        profiles
            .instance_profiles()
            .iter()
            .filter(|p| p.instance_profile_name().starts_with("iam-life-"))
            .count(),
    )
}

/// The plan's action per resource.
fn actions(plan: &infra::Plan) -> BTreeMap<&str, Action> {
    plan.changes
        .iter()
        .map(|c| (c.name.as_str(), c.action))
        .collect()
}

/// The trust policy IAM should hold for a role that `services` may assume.
fn trust(services: &[&str]) -> Value {
    json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["sts:AssumeRole"], "Principal": {"Service": services}},
    ]})
}

/// Create, read back, no-op plan, update in place, drift, replacements,
/// adoption and destroy of two roles and an instance profile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iam_roles_and_instance_profile_round_trip() {
    let moto = common::shared();
    let config = common::sdk_config(&moto.endpoint(), REGION).await;
    let iam = IamClient::new(&config);
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = LocalState::new(dir.path().join("state.json"));
    let engine = |stack| Engine::new(stack, AwsProvider::from_config(&config), backend.clone());

    // 1. Apply creates both roles and the profile.
    let first = engine(stack(0));
    let plan = first.plan().await.expect("plans");
    assert_eq!(plan.summary().to_add, 3, "{}", plan.render());
    first.apply(&plan, &no_events).await.expect("applies");

    let app = role(&iam, APP).await.expect("app role exists");
    assert_eq!(
        app,
        RoleView {
            path: "/".to_owned(),
            description: Some("the app".to_owned()),
            max_session: Some(3600),
            trust: trust(&["ecs-tasks.amazonaws.com"]),
            managed: vec![EXECUTION.to_owned()],
            inline: BTreeMap::from([(
                "data".to_owned(),
                json!({"Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow",
                    "Action": ["dynamodb:GetItem"],
                    "Resource": ["arn:aws:dynamodb:eu-west-2:123456789012:table/iam-life"],
                }]}),
            )]),
            tags: pairs(&[
                ("infra:resource", "app"),
                ("infra:stack", "iam-life"),
                ("team", "platform"),
            ]),
        }
    );
    let other = role(&iam, OTHER).await.expect("other role exists");
    assert_eq!(other.trust, trust(&["ec2.amazonaws.com"]));
    assert_eq!(other.description, None);
    assert!(other.managed.is_empty() && other.inline.is_empty());
    assert_eq!(
        other.tags,
        pairs(&[("infra:resource", "other"), ("infra:stack", "iam-life")])
    );
    assert_eq!(
        profile(&iam, PROFILE).await.expect("profile exists"),
        (
            vec![(APP.to_owned(), "/".to_owned())],
            pairs(&[
                ("infra:resource", "profile"),
                ("infra:stack", "iam-life"),
                ("team", "platform"),
            ])
        )
    );
    let state = first.state().await.expect("state");
    let attributes = &state.resources.get("app").expect("app in state").attributes;
    assert_eq!(attributes.get("id").and_then(Value::as_str), Some(APP));
    assert_eq!(
        attributes.get("arn").and_then(Value::as_str),
        Some("arn:aws:iam::123456789012:role/iam-life-app")
    );
    assert!(attributes
        .get("unique_id")
        .and_then(Value::as_str)
        .is_some_and(|id| id.starts_with("AROA")));
    let attributes = &state
        .resources
        .get("profile")
        .expect("profile in state")
        .attributes;
    assert_eq!(
        attributes.get("arn").and_then(Value::as_str),
        Some("arn:aws:iam::123456789012:instance-profile/iam-life-profile")
    );

    // 2. A second plan has no changes.
    let plan = first.plan().await.expect("plans");
    assert!(!plan.has_changes(), "{}", plan.render());

    // 3. Changed fields are updated in place.
    let second = engine(stack(1));
    let plan = second.plan().await.expect("plans");
    assert_eq!(
        actions(&plan),
        BTreeMap::from([
            ("app", Action::Update),
            ("other", Action::NoOp),
            ("profile", Action::Update)
        ]),
        "{}",
        plan.render()
    );
    second.apply(&plan, &no_events).await.expect("applies");
    let updated = RoleView {
        path: "/".to_owned(),
        description: Some("the app, v2".to_owned()),
        max_session: Some(7200),
        trust: json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["sts:AssumeRole"],
             "Principal": {"Service": ["ecs-tasks.amazonaws.com", "ec2.amazonaws.com"]}},
            {"Sid": "Account", "Effect": "Allow", "Action": ["sts:AssumeRole"],
             "Principal": {"AWS": ["arn:aws:iam::123456789012:root"]}},
        ]}),
        managed: vec![EC2_ROLE.to_owned(), EXECUTION.to_owned()],
        inline: BTreeMap::from([
            (
                "data".to_owned(),
                json!({"Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow",
                    "Action": ["dynamodb:GetItem", "dynamodb:Query"],
                    "Resource": ["arn:aws:dynamodb:eu-west-2:123456789012:table/iam-life"],
                }]}),
            ),
            (
                "logs".to_owned(),
                json!({"Version": "2012-10-17", "Statement": [{
                    "Effect": "Deny",
                    "Action": ["logs:DeleteLogGroup"],
                    "Resource": ["*"],
                }]}),
            ),
        ]),
        tags: pairs(&[
            ("env", "dev"),
            ("infra:resource", "app"),
            ("infra:stack", "iam-life"),
            ("team", "core"),
        ]),
    };
    assert_eq!(role(&iam, APP).await.expect("app role exists"), updated);
    assert_eq!(
        profile(&iam, PROFILE).await.expect("profile exists"),
        (
            vec![(OTHER.to_owned(), "/".to_owned())],
            pairs(&[
                ("env", "dev"),
                ("infra:resource", "profile"),
                ("infra:stack", "iam-life"),
            ])
        )
    );
    let plan = second.plan().await.expect("plans");
    assert!(!plan.has_changes(), "{}", plan.render());

    // 4. Drift made outside (a policy attached, an inline policy deleted, the
    // description changed) is seen and undone.
    iam.attach_role_policy()
        .role_name(APP)
        .policy_arn(S3_READ)
        .send()
        .await
        .expect("attach");
    iam.delete_role_policy()
        .role_name(APP)
        .policy_name("logs")
        .send()
        .await
        .expect("delete inline policy");
    iam.update_role_description()
        .role_name(APP)
        .description("changed by hand")
        .send()
        .await
        .expect("update description");
    let plan = second.plan().await.expect("plans");
    assert_eq!(
        actions(&plan).get("app"),
        Some(&Action::Update),
        "{}",
        plan.render()
    );
    second.apply(&plan, &no_events).await.expect("applies");
    assert_eq!(role(&iam, APP).await.expect("app role exists"), updated);

    // 5. A new path replaces `other`: deleting the old one takes it out of the
    // profile, which then gets the new one.
    let third = engine(stack(2));
    let plan = third.plan().await.expect("plans");
    assert_eq!(
        actions(&plan),
        BTreeMap::from([
            ("app", Action::NoOp),
            ("other", Action::Replace),
            ("profile", Action::Update)
        ]),
        "{}",
        plan.render()
    );
    third.apply(&plan, &no_events).await.expect("applies");
    assert_eq!(
        role(&iam, OTHER).await.expect("other role exists").path,
        "/svc/"
    );
    assert_eq!(
        profile(&iam, PROFILE).await.expect("profile exists").0,
        [(OTHER.to_owned(), "/svc/".to_owned())]
    );
    let plan = third.plan().await.expect("plans");
    assert!(!plan.has_changes(), "{}", plan.render());

    // 6. A new name replaces the profile.
    let fourth = engine(stack(3));
    let plan = fourth.plan().await.expect("plans");
    assert_eq!(
        actions(&plan),
        BTreeMap::from([
            ("app", Action::NoOp),
            ("other", Action::NoOp),
            ("profile", Action::Replace)
        ]),
        "{}",
        plan.render()
    );
    fourth.apply(&plan, &no_events).await.expect("applies");
    assert_eq!(
        profile(&iam, PROFILE).await,
        None,
        "the old profile is gone"
    );
    let (roles, tags) = profile(&iam, RENAMED_PROFILE)
        .await
        .expect("the new profile exists");
    assert_eq!(roles, [(OTHER.to_owned(), "/svc/".to_owned())]);
    assert!(tags.contains(&("env".to_owned(), "dev".to_owned())));
    let plan = fourth.plan().await.expect("plans");
    assert!(!plan.has_changes(), "{}", plan.render());
    assert_eq!(counts(&iam).await, (2, 1));

    // 7. A fresh, empty state adopts what exists instead of making more.
    let fresh_dir = tempfile::tempdir().expect("temp dir");
    let adopting = Engine::new(
        stack(3),
        AwsProvider::from_config(&config),
        LocalState::new(fresh_dir.path().join("state.json")),
    );
    let plan = adopting.plan().await.expect("plans");
    assert_eq!(plan.summary().to_add, 3, "{}", plan.render());
    adopting.apply(&plan, &no_events).await.expect("adopts");
    assert_eq!(counts(&iam).await, (2, 1), "nothing new was made");
    assert_eq!(adopting.state().await.expect("state").resources.len(), 3);
    let plan = adopting.plan().await.expect("plans");
    assert!(!plan.has_changes(), "{}", plan.render());

    // 8. Destroy leaves nothing: the roles lose their policies and profile first.
    let plan = adopting.plan_destroy().await.expect("plans");
    assert_eq!(plan.summary().to_destroy, 3);
    adopting.apply(&plan, &no_events).await.expect("destroys");
    assert_eq!(role(&iam, APP).await, None);
    assert_eq!(role(&iam, OTHER).await, None);
    assert_eq!(profile(&iam, RENAMED_PROFILE).await, None);
    assert_eq!(counts(&iam).await, (0, 0));
    assert!(adopting.state().await.expect("state").resources.is_empty());
}

/// Deleting a role that is in an instance profile and has policies, the way a
/// replacement or a destroy out of order would, succeeds: those hidden
/// preconditions are met first. Deleting it again succeeds too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn role_delete_meets_its_preconditions() {
    use infra::provider::Provider;

    let moto = common::shared();
    let config = common::sdk_config(&moto.endpoint(), REGION).await;
    let iam = IamClient::new(&config);
    let name = "iam-pre-role";
    iam.create_role()
        .role_name(name)
        .assume_role_policy_document(trust(&["ec2.amazonaws.com"]).to_string())
        .send()
        .await
        .expect("create role");
    iam.attach_role_policy()
        .role_name(name)
        .policy_arn(S3_READ)
        .send()
        .await
        .expect("attach");
    iam.put_role_policy()
        .role_name(name)
        .policy_name("inline")
        .policy_document(
            json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}})
                .to_string(),
        )
        .send()
        .await
        .expect("put role policy");
    iam.create_instance_profile()
        .instance_profile_name("iam-pre-profile")
        .send()
        .await
        .expect("create profile");
    iam.add_role_to_instance_profile()
        .instance_profile_name("iam-pre-profile")
        .role_name(name)
        .send()
        .await
        .expect("add role");

    let provider = AwsProvider::from_config(&config);
    // Read by meaning: one string and a one-element list are the same.
    let read = provider
        .read("aws_iam_role", name)
        .await
        .expect("reads")
        .expect("exists");
    assert_eq!(
        read.inputs.get("inline_policies"),
        Some(&json!([{"name": "inline", "policy": {"statements": [{
            "effect": "Allow", "actions": ["s3:GetObject"], "resources": ["*"], "allow_wildcard": false,
        }]}}]))
    );
    provider
        .delete("aws_iam_role", name)
        .await
        .expect("deletes");
    assert_eq!(role(&iam, name).await, None);
    assert_eq!(
        profile(&iam, "iam-pre-profile")
            .await
            .expect("profile kept")
            .0,
        []
    );
    provider
        .delete("aws_iam_role", name)
        .await
        .expect("deleting again succeeds");
    provider
        .delete("aws_iam_instance_profile", "iam-pre-profile")
        .await
        .expect("deletes the profile");
    assert_eq!(profile(&iam, "iam-pre-profile").await, None);
}
