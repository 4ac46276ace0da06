//! `aws_ec2_security_group`: a VPC security group, its name, description and
//! tags. Its rules are `aws_ec2_security_group_rule`s of their own.
//!
//! AWS gives every new VPC group a default egress rule allowing all outbound
//! traffic (`-1` to `0.0.0.0/0`). It is left in place: the group's rules are
//! managed as separate resources, and this module never reads nor changes them.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_ec2::types::{ResourceType, SecurityGroup};
use aws_sdk_ec2::Client;

use super::{observed_tags, region, tag_specification, update_tags};
use crate::model::Value;
use crate::provider::aws::{api_error, creation_tags, has_code, malformed, vanished, wait_until};
use crate::provider::{Observed, ProviderError, ResourceRequest};

/// The resource type's name.
pub(crate) const TYPE_NAME: &str = "aws_ec2_security_group";

/// The error code of a security group that does not exist.
const NOT_FOUND: &str = "InvalidGroup.NotFound";

/// The error code of a group that something still references (another group's
/// rule, a network interface).
const DEPENDENCY_VIOLATION: &str = "DependencyViolation";

/// How long a delete waits for the references to the group to go: the engine
/// deletes the rules that reference it first, but EC2 may take a moment to see it.
const DELETE_TIMEOUT: Duration = Duration::from_secs(120);

/// How long a new group may take to be readable.
const VISIBLE_TIMEOUT: Duration = Duration::from_secs(60);

/// The description AWS requires when the request has none (the schema's default).
const DEFAULT_DESCRIPTION: &str = "Managed by infra";

/// Creates the group tagged in its VPC and returns it as read back. AWS's
/// default allow-all egress rule is left on it.
pub(crate) async fn create(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    let output = client
        .create_security_group()
        .group_name(request.required_str("name")?)
        .description(request.str("description").unwrap_or(DEFAULT_DESCRIPTION))
        .vpc_id(request.required_str("vpc_id")?)
        .set_tag_specifications(
            tag_specification(ResourceType::SecurityGroup, &creation_tags(&request))
                .map(|spec| vec![spec]),
        )
        .send()
        .await
        .map_err(|err| api_error("CreateSecurityGroup", err))?;
    let id = output
        .group_id()
        .ok_or_else(|| malformed("CreateSecurityGroup", "security group id"))?;
    tracing::debug!(security_group = id, "created security group");

    match finish_create(client, id).await {
        Ok(observed) => Ok(observed),
        Err(err) => {
            // Nothing records a group whose create failed: delete it rather than
            // leave an orphan whose name would block the next apply.
            if let Err(cleanup) = delete(client, id).await {
                tracing::warn!(security_group = id, error = %cleanup, "could not delete the half-created security group");
            }
            Err(err)
        }
    }
}

/// The step after `CreateSecurityGroup`: wait until EC2 knows the id, read back.
async fn finish_create(client: &Client, id: &str) -> Result<Observed, ProviderError> {
    wait_until(
        &format!("security group {id} to be visible"),
        VISIBLE_TIMEOUT,
        || async move { Ok(describe(client, id).await?.is_some()) },
    )
    .await?;
    read(client, id)
        .await?
        .ok_or_else(|| vanished("DescribeSecurityGroups", "security group", id))
}

/// Reads the group: its name, description, VPC and tags. Only describe calls.
pub(crate) async fn read(client: &Client, id: &str) -> Result<Option<Observed>, ProviderError> {
    let Some(group) = describe(client, id).await? else {
        return Ok(None);
    };
    let name = group
        .group_name()
        .ok_or_else(|| malformed("DescribeSecurityGroups", "group name"))?;
    let description = group.description().unwrap_or_default();
    let vpc_id = group
        .vpc_id()
        .ok_or_else(|| malformed("DescribeSecurityGroups", "group VPC id"))?;
    let owner_id = group
        .owner_id()
        .ok_or_else(|| malformed("DescribeSecurityGroups", "group owner id"))?;

    let inputs = BTreeMap::from([
        ("name".to_owned(), Value::from(name)),
        ("description".to_owned(), Value::from(description)),
        ("vpc_id".to_owned(), Value::from(vpc_id)),
        ("tags".to_owned(), observed_tags(group.tags())),
    ]);
    let arn = match group.security_group_arn() {
        Some(arn) => arn.to_owned(),
        None => format!(
            "arn:aws:ec2:{}:{owner_id}:security-group/{id}",
            region(client)?
        ),
    };
    let attributes = BTreeMap::from([
        ("id".to_owned(), Value::from(id)),
        ("arn".to_owned(), Value::from(arn)),
    ]);
    Ok(Some(Observed {
        id: id.to_owned(),
        inputs,
        attributes,
    }))
}

/// Changes the tags that differ from `current`; every other field forces
/// replacement and is never changed here.
pub(crate) async fn update(
    client: &Client,
    id: &str,
    current: &BTreeMap<String, Value>,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    update_tags(client, id, current, &request).await?;
    read(client, id)
        .await?
        .ok_or_else(|| vanished("DescribeSecurityGroups", "security group", id))
}

/// Finds the resource an interrupted apply made for this request, by its
/// ownership tags; the first that still exists.
pub(crate) async fn find(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Option<Observed>, ProviderError> {
    for id in super::tagged(client, &request, "sg-").await? {
        if let Some(found) = read(client, &id).await? {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

/// Deletes the group; one already gone is success. While another group's rule
/// still references it AWS refuses (`DependencyViolation`): retried for up to
/// two minutes, since the engine deletes the referencing rules first.
pub(crate) async fn delete(client: &Client, id: &str) -> Result<(), ProviderError> {
    wait_until(
        &format!("security group {id} to be deletable"),
        DELETE_TIMEOUT,
        || async move {
            match client.delete_security_group().group_id(id).send().await {
                Ok(_) => {
                    tracing::debug!(security_group = id, "deleted security group");
                    Ok(true)
                }
                Err(err) if has_code(&err, NOT_FOUND) => Ok(true),
                Err(err) if has_code(&err, DEPENDENCY_VIOLATION) => {
                    tracing::debug!(security_group = id, "security group still referenced");
                    Ok(false)
                }
                Err(err) => Err(api_error("DeleteSecurityGroup", err)),
            }
        },
    )
    .await
}

/// The group `id`, or `None` when EC2 does not know it.
async fn describe(client: &Client, id: &str) -> Result<Option<SecurityGroup>, ProviderError> {
    match client.describe_security_groups().group_ids(id).send().await {
        Ok(output) => Ok(output
            .security_groups
            .unwrap_or_default()
            .into_iter()
            .find(|group| group.group_id() == Some(id))),
        Err(err) if has_code(&err, NOT_FOUND) => Ok(None),
        Err(err) => Err(api_error("DescribeSecurityGroups", err)),
    }
}
