//! `aws_ecs_cluster`: an ECS cluster, its Container Insights setting and tags.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_ecs::types::{ClusterSetting, ClusterSettingName};
use aws_sdk_ecs::Client;

use super::{describe_cluster, ecs_tags, is_code, observed_tags, update_tags, CLUSTER_NOT_FOUND};
use crate::model::Value;
use crate::provider::aws::{api_error, creation_tags, malformed, retry_eventual, vanished};
use crate::provider::{owned, Observed, ProviderError, ResourceRequest};

/// The resource type's name.
pub(crate) const TYPE_NAME: &str = "aws_ecs_cluster";

/// How long a delete is retried while the cluster still holds services being
/// drained, tasks, or container instances that are still deregistering (their
/// Auto Scaling group was just deleted).
const DELETE_TIMEOUT: Duration = Duration::from_secs(600);

/// The error codes of a cluster that cannot be deleted yet: what it holds is
/// going away, which only time cures.
const NOT_EMPTY: [&str; 4] = [
    "ClusterContainsContainerInstancesException",
    "ClusterContainsServicesException",
    "ClusterContainsTasksException",
    "UpdateInProgressException",
];

/// Creates the cluster with its Container Insights setting and tags, and
/// returns it as read back.
pub(crate) async fn create(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    let name = request.required_str("name")?;
    let tags = ecs_tags(creation_tags(&request));
    client
        .create_cluster()
        .cluster_name(name)
        .settings(insights(request.bool("container_insights").unwrap_or(true)))
        .set_tags((!tags.is_empty()).then_some(tags))
        .send()
        .await
        .map_err(|err| api_error("CreateCluster", err))?;
    tracing::debug!(cluster = name, "created ECS cluster");
    read(client, name)
        .await?
        .ok_or_else(|| vanished("DescribeClusters", "ECS cluster", name))
}

/// Reads the cluster: its name, Container Insights setting and tags; `None`
/// once it is `INACTIVE`. One describe call.
pub(crate) async fn read(client: &Client, id: &str) -> Result<Option<Observed>, ProviderError> {
    let Some(cluster) = describe_cluster(client, id).await? else {
        return Ok(None);
    };
    let name = cluster
        .cluster_name()
        .ok_or_else(|| malformed("DescribeClusters", "cluster name"))?;
    let arn = cluster
        .cluster_arn()
        .ok_or_else(|| malformed("DescribeClusters", "cluster ARN"))?;
    // `enhanced` is Container Insights with more metrics: still on.
    let insights = cluster
        .settings()
        .iter()
        .find(|setting| setting.name() == Some(&ClusterSettingName::ContainerInsights))
        .and_then(ClusterSetting::value)
        .is_some_and(|value| value == "enabled" || value == "enhanced");
    let inputs = BTreeMap::from([
        ("name".to_owned(), Value::from(name)),
        ("container_insights".to_owned(), Value::Bool(insights)),
        ("tags".to_owned(), observed_tags(cluster.tags())),
    ]);
    let attributes = BTreeMap::from([
        ("id".to_owned(), Value::from(name)),
        ("arn".to_owned(), Value::from(arn)),
    ]);
    Ok(Some(Observed {
        id: name.to_owned(),
        inputs,
        attributes,
    }))
}

/// Changes the Container Insights setting and the tags that differ from
/// `current`; the name forces replacement and is never changed here.
pub(crate) async fn update(
    client: &Client,
    id: &str,
    current: &BTreeMap<String, Value>,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    if let Some(wanted) = request.bool("container_insights") {
        if current.get("container_insights").and_then(Value::as_bool) != Some(wanted) {
            // UpdateCluster rather than UpdateClusterSettings: AWS takes both,
            // and moto only the first.
            client
                .update_cluster()
                .cluster(id)
                .settings(insights(wanted))
                .send()
                .await
                .map_err(|err| api_error("UpdateCluster", err))?;
        }
    }
    // Tagging takes the cluster's ARN, not its name.
    let cluster = describe_cluster(client, id)
        .await?
        .ok_or_else(|| vanished("DescribeClusters", "ECS cluster", id))?;
    let arn = cluster
        .cluster_arn()
        .ok_or_else(|| malformed("DescribeClusters", "cluster ARN"))?;
    update_tags(client, arn, current, &request).await?;
    read(client, id)
        .await?
        .ok_or_else(|| vanished("DescribeClusters", "ECS cluster", id))
}

/// Finds the cluster by its name, adopted when its tags say it is this stack
/// resource's. An `INACTIVE` cluster of that name counts as absent.
pub(crate) async fn find(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Option<Observed>, ProviderError> {
    let name = request.required_str("name")?;
    owned("ECS cluster", read(client, name).await?, &request)
}

/// Deletes the cluster; one already gone (or `INACTIVE`) is success. Retried
/// for a while when it still holds services, tasks or container instances on
/// their way out: the destroy order removed them, ECS has not caught up yet.
pub(crate) async fn delete(client: &Client, id: &str) -> Result<(), ProviderError> {
    let deleted = retry_eventual(
        DELETE_TIMEOUT,
        |err| NOT_EMPTY.iter().any(|code| is_code(err, code)),
        || async {
            client
                .delete_cluster()
                .cluster(id)
                .send()
                .await
                .map(|_| ())
                .map_err(|err| api_error("DeleteCluster", err))
        },
    )
    .await;
    match deleted {
        Ok(()) => {
            tracing::debug!(cluster = id, "deleted ECS cluster");
            Ok(())
        }
        Err(err) if is_code(&err, CLUSTER_NOT_FOUND) => Ok(()),
        Err(err) => Err(err),
    }
}

/// The Container Insights setting, on or off.
fn insights(enabled: bool) -> ClusterSetting {
    ClusterSetting::builder()
        .name(ClusterSettingName::ContainerInsights)
        .value(if enabled { "enabled" } else { "disabled" })
        .build()
}
