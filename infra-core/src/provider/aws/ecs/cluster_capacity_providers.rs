//! `aws_ecs_cluster_capacity_providers`: the capacity providers a cluster may
//! use and its default one. Not a resource of its own in AWS but part of the
//! cluster: `PutClusterCapacityProviders` sets the whole of it, so create and
//! update are the same call, and delete sets it empty. Its id is the cluster
//! name.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_ecs::types::CapacityProviderStrategyItem;
use aws_sdk_ecs::Client;

use super::{describe_cluster, invalid, is_code, CLUSTER_NOT_FOUND};
use crate::model::Value;
use crate::provider::aws::{api_error, malformed, retry_eventual, vanished, wait_until};
use crate::provider::{Observed, ProviderError, ResourceRequest};

/// The resource type's name.
pub(crate) const TYPE_NAME: &str = "aws_ecs_cluster_capacity_providers";

/// How long a change may take to apply, and how long it is retried while the
/// previous one is in progress or (on delete) a provider is still in use by
/// tasks draining from a service just deleted.
const TIMEOUT: Duration = Duration::from_secs(600);

/// The cluster's attachment status while a change of its providers is applied.
const UPDATE_IN_PROGRESS: &str = "UPDATE_IN_PROGRESS";

/// The cluster's attachment status when a change of its providers failed.
const UPDATE_FAILED: &str = "UPDATE_FAILED";

/// Sets the cluster's capacity providers and default one, and returns them as
/// read back.
pub(crate) async fn create(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    let cluster = cluster_name(&request)?;
    put(
        client,
        cluster,
        providers(&request)?,
        request.str("default_provider"),
    )
    .await?;
    read(client, cluster)
        .await?
        .ok_or_else(|| vanished("DescribeClusters", "ECS cluster", cluster))
}

/// Reads the cluster's capacity providers and default one; `None` when the
/// cluster is gone. One describe call.
pub(crate) async fn read(client: &Client, id: &str) -> Result<Option<Observed>, ProviderError> {
    let Some(cluster) = describe_cluster(client, id).await? else {
        return Ok(None);
    };
    let name = cluster
        .cluster_name()
        .ok_or_else(|| malformed("DescribeClusters", "cluster name"))?;
    let mut inputs = BTreeMap::from([
        ("cluster_name".to_owned(), Value::from(name)),
        (
            "capacity_providers".to_owned(),
            Value::Array(
                cluster
                    .capacity_providers()
                    .iter()
                    .map(|provider| Value::from(provider.as_str()))
                    .collect(),
            ),
        ),
    ]);
    // The schema has one default provider: the strategy it makes has one item.
    if let Some(item) = cluster.default_capacity_provider_strategy().first() {
        inputs.insert(
            "default_provider".to_owned(),
            Value::from(item.capacity_provider()),
        );
    }
    Ok(Some(Observed {
        id: name.to_owned(),
        inputs,
        attributes: BTreeMap::from([("id".to_owned(), Value::from(name))]),
    }))
}

/// Sets the cluster's providers and default one again (the call replaces both)
/// when either differs from `current`.
pub(crate) async fn update(
    client: &Client,
    id: &str,
    current: &BTreeMap<String, Value>,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    let differs = ["capacity_providers", "default_provider"]
        .iter()
        .any(|field| current.get(*field).filter(|value| !value.is_null()) != request.get(field));
    if differs {
        put(
            client,
            id,
            providers(&request)?,
            request.str("default_provider"),
        )
        .await?;
    }
    read(client, id)
        .await?
        .ok_or_else(|| vanished("DescribeClusters", "ECS cluster", id))
}

/// The cluster's association when it already has exactly the requested
/// providers and default one; `None` otherwise (create then sets them, which is
/// idempotent). No ownership tags here: the cluster's own are another
/// resource's.
pub(crate) async fn find(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Option<Observed>, ProviderError> {
    let cluster = cluster_name(&request)?;
    let Some(found) = read(client, cluster).await? else {
        return Ok(None);
    };
    let matches = ["capacity_providers", "default_provider"]
        .iter()
        .all(|field| found.inputs.get(*field) == request.get(field));
    Ok(matches.then_some(found))
}

/// Removes every capacity provider from the cluster, so that they and the
/// cluster can be deleted; a cluster already gone is success.
pub(crate) async fn delete(client: &Client, id: &str) -> Result<(), ProviderError> {
    if describe_cluster(client, id).await?.is_none() {
        return Ok(());
    }
    match put(client, id, Vec::new(), None).await {
        Ok(()) => {
            tracing::debug!(cluster = id, "removed the cluster's capacity providers");
            Ok(())
        }
        Err(err) if is_code(&err, CLUSTER_NOT_FOUND) => Ok(()),
        Err(err) => Err(err),
    }
}

/// Puts `providers` and `default` (one strategy item of weight 1) on the
/// cluster, retried while a previous change is in progress or a provider
/// removed is still in use, then waits until the change is applied.
async fn put(
    client: &Client,
    cluster: &str,
    providers: Vec<String>,
    default: Option<&str>,
) -> Result<(), ProviderError> {
    let strategy = default
        .map(|provider| {
            CapacityProviderStrategyItem::builder()
                .capacity_provider(provider)
                .weight(1)
                .base(0)
                .build()
                .map_err(invalid)
        })
        .transpose()?
        .into_iter()
        .collect::<Vec<_>>();
    let call = client
        .put_cluster_capacity_providers()
        .cluster(cluster)
        .set_capacity_providers(Some(providers))
        .set_default_capacity_provider_strategy(Some(strategy));
    retry_eventual(
        TIMEOUT,
        |err| is_code(err, "UpdateInProgressException") || is_code(err, "ResourceInUseException"),
        || {
            let call = call.clone();
            async move {
                call.send()
                    .await
                    .map(|_| ())
                    .map_err(|err| api_error("PutClusterCapacityProviders", err))
            }
        },
    )
    .await?;
    wait_until(
        &format!("the capacity providers of cluster `{cluster}` to be applied"),
        TIMEOUT,
        || async {
            let cluster = describe_cluster(client, cluster)
                .await?
                .ok_or_else(|| vanished("DescribeClusters", "ECS cluster", cluster))?;
            match cluster.attachments_status() {
                Some(UPDATE_IN_PROGRESS) => Ok(false),
                Some(UPDATE_FAILED) => Err(ProviderError::Api {
                    operation: "PutClusterCapacityProviders",
                    code: UPDATE_FAILED.to_owned(),
                    message: format!(
                        "ECS could not apply the capacity providers of cluster `{}`: {}",
                        cluster.cluster_name().unwrap_or_default(),
                        cluster
                            .attachments()
                            .iter()
                            .filter_map(|attachment| attachment.status())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                }),
                _ => Ok(true),
            }
        },
    )
    .await
}

/// The request's cluster name. Not an ARN: AWS reports the name (the id), and
/// an ARN would differ from it at every plan, each time replacing the
/// association.
fn cluster_name<'r>(request: &'r ResourceRequest<'_>) -> Result<&'r str, ProviderError> {
    let cluster = request.required_str("cluster_name")?;
    if cluster.starts_with("arn:") {
        return Err(ProviderError::Invalid {
            message: format!(
                "field `cluster_name` must be the cluster's name (`cluster.name`), not `{cluster}`"
            ),
        });
    }
    Ok(cluster)
}

/// The request's capacity provider names.
fn providers(request: &ResourceRequest<'_>) -> Result<Vec<String>, ProviderError> {
    let not_names = || ProviderError::Invalid {
        message: "field `capacity_providers` must be a list of names".to_owned(),
    };
    request
        .get("capacity_providers")
        .map_or(Ok(&Vec::new()), |value| {
            value.as_array().ok_or_else(not_names)
        })?
        .iter()
        .map(|name| name.as_str().map(str::to_owned).ok_or_else(not_names))
        .collect()
}
