//! ECS resource types: clusters, capacity providers and the set a cluster may
//! use, task definitions and services; and what they share: tags by ARN, the
//! cluster lookup, and reading error codes back from a [`ProviderError`].

pub(crate) mod capacity_provider;
pub(crate) mod cluster;
pub(crate) mod cluster_capacity_providers;
pub(crate) mod service;
pub(crate) mod task_definition;

use std::collections::BTreeMap;

use aws_sdk_ecs::types::{Cluster, ClusterField, Tag};
use aws_sdk_ecs::Client;

use crate::model::Value;
use crate::provider::aws::{api_error, has_code, tag_changes, user_tags};
use crate::provider::{ProviderError, ResourceRequest};

/// The error code of a cluster ECS does not know.
const CLUSTER_NOT_FOUND: &str = "ClusterNotFoundException";

/// The status of a deleted cluster, capacity provider, service or task
/// definition revision, which ECS keeps listing for a while: gone for us.
const INACTIVE: &str = "INACTIVE";

/// ECS tags from a tag map.
fn ecs_tags(tags: BTreeMap<String, String>) -> Vec<Tag> {
    tags.into_iter()
        .map(|(key, value)| Tag::builder().key(key).value(value).build())
        .collect()
}

/// The `tags` input value from ECS tags: every tag but AWS's own.
fn observed_tags(tags: &[Tag]) -> Value {
    user_tags(
        tags.iter()
            .filter_map(|tag| Some((tag.key()?, tag.value().unwrap_or_default()))),
    )
}

/// Tags and untags the resource `arn` (ECS tags by ARN) from the live `current`
/// inputs to the request's tags; only what differs.
async fn update_tags(
    client: &Client,
    arn: &str,
    current: &BTreeMap<String, Value>,
    request: &ResourceRequest<'_>,
) -> Result<(), ProviderError> {
    let changes = tag_changes(current, request);
    if !changes.set.is_empty() {
        client
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(ecs_tags(changes.set)))
            .send()
            .await
            .map_err(|err| api_error("TagResource", err))?;
    }
    if !changes.remove.is_empty() {
        client
            .untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(changes.remove))
            .send()
            .await
            .map_err(|err| api_error("UntagResource", err))?;
    }
    Ok(())
}

/// The cluster `name` (or ARN) with its settings and tags; `None` when ECS does
/// not know it or it is `INACTIVE` (deleted: ECS lists those for a while).
async fn describe_cluster(client: &Client, name: &str) -> Result<Option<Cluster>, ProviderError> {
    let output = match client
        .describe_clusters()
        .clusters(name)
        .include(ClusterField::Settings)
        .include(ClusterField::Tags)
        .send()
        .await
    {
        Ok(output) => output,
        Err(err) if has_code(&err, CLUSTER_NOT_FOUND) => return Ok(None),
        Err(err) => return Err(api_error("DescribeClusters", err)),
    };
    Ok(output
        .clusters
        .unwrap_or_default()
        .into_iter()
        .find(|cluster| {
            cluster.status() != Some(INACTIVE)
                && (cluster.cluster_name() == Some(name) || cluster.cluster_arn() == Some(name))
        }))
}

/// Whether `err` is an AWS answer with the error code `code`.
fn is_code(err: &ProviderError, code: &str) -> bool {
    matches!(err, ProviderError::Api { code: actual, .. } if actual == code)
}

/// Whether `err` is an AWS answer with the error code `code` and a message
/// containing `fragment` (compared in lower case).
fn is_code_saying(err: &ProviderError, code: &str, fragment: &str) -> bool {
    matches!(
        err,
        ProviderError::Api { code: actual, message, .. }
            if actual == code && message.to_lowercase().contains(fragment)
    )
}

/// The integer `value` as the `i32` the ECS API takes; `field` names it in the
/// error.
fn to_i32(value: i64, field: &str) -> Result<i32, ProviderError> {
    i32::try_from(value).map_err(|_| ProviderError::Invalid {
        message: format!("field `{field}` is out of range: {value}"),
    })
}

/// A request the SDK refuses to build: a required member is missing.
fn invalid(err: aws_sdk_ecs::error::BuildError) -> ProviderError {
    ProviderError::Invalid {
        message: err.to_string(),
    }
}
