//! The life of an ECR repository and a log group against moto: apply creates
//! them (read back through the SDK with their values and tags), a second plan is
//! empty, changed fields are updated in place, a changed name replaces the log
//! group, and destroy leaves nothing.

mod common;

use common::no_events;

use aws_sdk_cloudwatchlogs::Client as LogsClient;
use aws_sdk_ecr::types::{EncryptionType, ImageTagMutability};
use aws_sdk_ecr::Client as EcrClient;
use infra::provider::aws::AwsProvider;
use infra::{Action, Engine, LocalState, Stack};

const REGION: &str = "eu-west-2";
const REPOSITORY: &str = "ecr-logs-repo";
const GROUP: &str = "ecr-logs-group";
const RENAMED_GROUP: &str = "ecr-logs-group-renamed";

/// The stack at each step: 0 as first declared, 1 with fields changed in place,
/// 2 with the repository encrypted with KMS and the log group renamed, both
/// replacements.
///
/// `scan_on_push` goes from false to true, not the other way: the SDK leaves a
/// false `scanOnPush` out of `PutImageScanningConfiguration` (false is its
/// default, and AWS reads it so), and moto ignores the empty configuration.
fn stack(step: u8) -> Stack {
    match step {
        0 => infra::stack! {
            name = "ecr-logs";
            region = "eu-west-2";
            let repo = ecr::Repository {
                name: "ecr-logs-repo",
                scan_on_push: false,
                image_tag_mutability: Immutable,
                encryption: Aes256,
                tags: { "team": "platform" },
            };
            let logs = logs::LogGroup {
                name: "ecr-logs-group",
                retention_in_days: 14,
            };
        },
        1 => infra::stack! {
            name = "ecr-logs";
            region = "eu-west-2";
            let repo = ecr::Repository {
                name: "ecr-logs-repo",
                scan_on_push: true,
                image_tag_mutability: Mutable,
                encryption: Aes256,
                tags: { "team": "core", "env": "dev" },
            };
            let logs = logs::LogGroup {
                name: "ecr-logs-group",
                retention_in_days: 30,
                tags: { "env": "dev" },
            };
        },
        _ => infra::stack! {
            name = "ecr-logs";
            region = "eu-west-2";
            let repo = ecr::Repository {
                name: "ecr-logs-repo",
                scan_on_push: true,
                image_tag_mutability: Mutable,
                encryption: Kms,
                tags: { "team": "core", "env": "dev" },
            };
            let logs = logs::LogGroup {
                name: "ecr-logs-group-renamed",
                retention_in_days: 30,
                tags: { "env": "dev" },
            };
        },
    }
}

fn sorted(tags: impl IntoIterator<Item = (String, String)>) -> Vec<(String, String)> {
    let mut tags: Vec<_> = tags.into_iter().collect();
    tags.sort();
    tags
}

fn pairs(tags: &[(&str, &str)]) -> Vec<(String, String)> {
    sorted(tags.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())))
}

/// What the SDK reports about the repository: scan on push, tag mutability,
/// encryption and tags; `None` when it does not exist.
async fn repository(
    ecr: &EcrClient,
) -> Option<(
    bool,
    ImageTagMutability,
    EncryptionType,
    Vec<(String, String)>,
)> {
    let output = match ecr
        .describe_repositories()
        .repository_names(REPOSITORY)
        .send()
        .await
    {
        Ok(output) => output,
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_repository_not_found_exception()) =>
        {
            return None
        }
        Err(err) => panic!("describe repositories: {err:?}"),
    };
    let [repo] = output.repositories() else {
        panic!("one repository, found {:?}", output.repositories())
    };
    let tags = ecr
        .list_tags_for_resource()
        .resource_arn(repo.repository_arn().expect("arn"))
        .send()
        .await
        .expect("list tags");
    Some((
        repo.image_scanning_configuration()
            .expect("scanning")
            .scan_on_push(),
        repo.image_tag_mutability().expect("mutability").clone(),
        repo.encryption_configuration()
            .expect("encryption")
            .encryption_type()
            .clone(),
        sorted(
            tags.tags()
                .iter()
                .map(|t| (t.key().to_owned(), t.value().to_owned())),
        ),
    ))
}

/// What the SDK reports about the log group `name`: retention and tags; `None`
/// when it does not exist.
async fn log_group(logs: &LogsClient, name: &str) -> Option<(Option<i32>, Vec<(String, String)>)> {
    let output = logs
        .describe_log_groups()
        .log_group_name_prefix(name)
        .send()
        .await
        .expect("describe log groups");
    let group = output
        .log_groups()
        .iter()
        .find(|g| g.log_group_name() == Some(name))?;
    let arn = group.arn().expect("arn");
    let tags = logs
        .list_tags_for_resource()
        .resource_arn(arn.strip_suffix(":*").unwrap_or(arn))
        .send()
        .await
        .expect("list tags");
    Some((
        group.retention_in_days(),
        sorted(
            tags.tags()
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.clone(), v.clone())),
        ),
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ecr_repository_and_log_group_round_trip() {
    let moto = common::shared();
    let config = common::sdk_config(&moto.endpoint(), REGION).await;
    let ecr = EcrClient::new(&config);
    let logs = LogsClient::new(&config);
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = LocalState::new(dir.path().join("state.json"));
    let engine = |stack| Engine::new(stack, AwsProvider::from_config(&config), backend.clone());

    // 1. Apply creates both.
    let first = engine(stack(0));
    let plan = first.plan().await.expect("plans");
    assert_eq!(plan.summary().to_add, 2, "{}", plan.render());
    let report = first.apply(&plan, &no_events).await.expect("applies");
    assert_eq!(report.done.len(), 2);

    let (scan, mutability, encryption, tags) = repository(&ecr).await.expect("repository exists");
    assert!(!scan);
    assert_eq!(mutability, ImageTagMutability::Immutable);
    assert_eq!(encryption, EncryptionType::Aes256);
    assert_eq!(
        tags,
        pairs(&[
            ("infra:resource", "repo"),
            ("infra:stack", "ecr-logs"),
            ("team", "platform"),
        ])
    );
    let (retention, tags) = log_group(&logs, GROUP).await.expect("log group exists");
    assert_eq!(retention, Some(14));
    assert_eq!(
        tags,
        pairs(&[("infra:resource", "logs"), ("infra:stack", "ecr-logs")])
    );
    let state = first.state().await.expect("state");
    let repo_state = state.resources.get("repo").expect("repo in state");
    assert_eq!(
        repo_state.attributes.get("id").and_then(|v| v.as_str()),
        Some(REPOSITORY)
    );
    let url = repo_state
        .attributes
        .get("repository_url")
        .and_then(|v| v.as_str())
        .expect("repository_url");
    assert!(url.ends_with("/ecr-logs-repo"), "{url}");
    let group_state = state.resources.get("logs").expect("log group in state");
    let arn = group_state
        .attributes
        .get("arn")
        .and_then(|v| v.as_str())
        .expect("arn");
    assert!(arn.ends_with(":log-group:ecr-logs-group"), "{arn}");

    // 2. A second plan has no changes.
    let plan = first.plan().await.expect("plans");
    assert!(!plan.has_changes(), "{}", plan.render());

    // 3. Changed fields are updated in place.
    let second = engine(stack(1));
    let plan = second.plan().await.expect("plans");
    let actions: Vec<_> = plan
        .changes
        .iter()
        .map(|c| (c.name.as_str(), c.action))
        .collect();
    assert_eq!(
        actions,
        [("repo", Action::Update), ("logs", Action::Update)],
        "{}",
        plan.render()
    );
    second.apply(&plan, &no_events).await.expect("applies");
    let (scan, mutability, _, tags) = repository(&ecr).await.expect("repository exists");
    assert!(scan);
    assert_eq!(mutability, ImageTagMutability::Mutable);
    assert_eq!(
        tags,
        pairs(&[
            ("env", "dev"),
            ("infra:resource", "repo"),
            ("infra:stack", "ecr-logs"),
            ("team", "core"),
        ])
    );
    let (retention, tags) = log_group(&logs, GROUP).await.expect("log group exists");
    assert_eq!(retention, Some(30));
    assert_eq!(
        tags,
        pairs(&[
            ("env", "dev"),
            ("infra:resource", "logs"),
            ("infra:stack", "ecr-logs"),
        ])
    );
    let plan = second.plan().await.expect("plans");
    assert!(!plan.has_changes(), "{}", plan.render());

    // 4. A new encryption replaces the repository, a new name the log group.
    let third = engine(stack(2));
    let plan = third.plan().await.expect("plans");
    let actions: Vec<_> = plan
        .changes
        .iter()
        .map(|c| (c.name.as_str(), c.action))
        .collect();
    assert_eq!(
        actions,
        [("repo", Action::Replace), ("logs", Action::Replace)],
        "{}",
        plan.render()
    );
    third.apply(&plan, &no_events).await.expect("applies");
    let (scan, mutability, encryption, tags) = repository(&ecr).await.expect("repository exists");
    assert_eq!(encryption, EncryptionType::Kms, "a new repository");
    assert!(scan);
    assert_eq!(mutability, ImageTagMutability::Mutable);
    assert!(tags.contains(&("team".to_owned(), "core".to_owned())));
    assert_eq!(log_group(&logs, GROUP).await, None, "the old group is gone");
    let (retention, tags) = log_group(&logs, RENAMED_GROUP)
        .await
        .expect("the new group exists");
    assert_eq!(retention, Some(30));
    assert!(tags.contains(&("env".to_owned(), "dev".to_owned())));
    let plan = third.plan().await.expect("plans");
    assert!(!plan.has_changes(), "{}", plan.render());

    // 5. Destroy leaves neither.
    let plan = third.plan_destroy().await.expect("plans");
    assert_eq!(plan.summary().to_destroy, 2);
    third.apply(&plan, &no_events).await.expect("destroys");
    assert_eq!(repository(&ecr).await, None);
    assert_eq!(log_group(&logs, RENAMED_GROUP).await, None);
    assert!(third.state().await.expect("state").resources.is_empty());
}
