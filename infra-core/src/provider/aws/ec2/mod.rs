//! EC2 resource types: VPCs and subnets, and the tag handling they share; and
//! the availability-zones lookup.

pub(crate) mod availability_zones;
pub(crate) mod elastic_ip;
pub(crate) mod internet_gateway;
pub(crate) mod internet_gateway_attachment;
pub(crate) mod launch_template;
pub(crate) mod nat_gateway;
pub(crate) mod network_acl;
pub(crate) mod network_acl_entry;
mod read_back;
pub(crate) mod route;
pub(crate) mod route_table;
pub(crate) mod route_table_association;
pub(crate) mod security_group;
pub(crate) mod security_group_rule;
pub(crate) mod subnet;
pub(crate) mod vpc;

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification};
use aws_sdk_ec2::Client;

use super::{api_error, tag_changes, user_tags};
use crate::model::Value;
use crate::provider::{ProviderError, ResourceRequest, RESOURCE_TAG, STACK_TAG};

/// How long a new VPC or subnet may take to become `available`.
pub(crate) const AVAILABLE_TIMEOUT: Duration = Duration::from_secs(300);

/// The tag specification that tags a new resource at creation; `None` without
/// tags, since EC2 rejects a specification with no tag.
pub(crate) fn tag_specification(
    resource_type: ResourceType,
    tags: &BTreeMap<String, String>,
) -> Option<TagSpecification> {
    if tags.is_empty() {
        return None;
    }
    Some(
        TagSpecification::builder()
            .resource_type(resource_type)
            .set_tags(Some(
                tags.iter()
                    .map(|(key, value)| Tag::builder().key(key).value(value).build())
                    .collect(),
            ))
            .build(),
    )
}

/// The ids of the EC2 resources whose id starts with `id_prefix` (`vpc-`,
/// `eipalloc-`, …) that carry the request's ownership tags: those an interrupted
/// apply made for it. Two `DescribeTags` calls, whatever the number of resources
/// in the account. By id prefix rather than the `resource-type` filter, whose
/// names differ between AWS and moto (`elastic-ip` / `vpc-elastic-ip`).
pub(crate) async fn tagged(
    client: &Client,
    request: &ResourceRequest<'_>,
    id_prefix: &str,
) -> Result<Vec<String>, ProviderError> {
    let with_tag = |key: &str, value: &str, ids: Option<Vec<String>>| {
        let mut filters = vec![
            Filter::builder().name("key").values(key).build(),
            Filter::builder().name("value").values(value).build(),
        ];
        if let Some(ids) = ids {
            filters.push(
                Filter::builder()
                    .name("resource-id")
                    .set_values(Some(ids))
                    .build(),
            );
        }
        client.describe_tags().set_filters(Some(filters)).send()
    };
    let ids = |output: aws_sdk_ec2::operation::describe_tags::DescribeTagsOutput| -> Vec<String> {
        output
            .tags()
            .iter()
            .filter_map(|tag| tag.resource_id())
            .filter(|id| id.starts_with(id_prefix) && Some(*id) != request.superseded)
            .map(str::to_owned)
            .collect()
    };
    let named = ids(with_tag(RESOURCE_TAG, request.name, None)
        .await
        .map_err(|err| api_error("DescribeTags", err))?);
    if named.is_empty() {
        return Ok(named);
    }
    Ok(ids(with_tag(STACK_TAG, request.stack, Some(named))
        .await
        .map_err(|err| api_error("DescribeTags", err))?))
}

/// The `tags` input of a resource from the tags EC2 reports on it.
pub(crate) fn observed_tags(tags: &[Tag]) -> Value {
    user_tags(
        tags.iter()
            .filter_map(|tag| Some((tag.key()?, tag.value().unwrap_or_default()))),
    )
}

/// Brings the tags of resource `id` from the live `current` inputs to the
/// request's: `CreateTags` for added or changed tags, `DeleteTags` for removed
/// keys, nothing when they already match.
pub(crate) async fn update_tags(
    client: &Client,
    id: &str,
    current: &BTreeMap<String, Value>,
    request: &ResourceRequest<'_>,
) -> Result<(), ProviderError> {
    let changes = tag_changes(current, request);
    if !changes.set.is_empty() {
        client
            .create_tags()
            .resources(id)
            .set_tags(Some(
                changes
                    .set
                    .iter()
                    .map(|(key, value)| Tag::builder().key(key).value(value).build())
                    .collect(),
            ))
            .send()
            .await
            .map_err(|err| api_error("CreateTags", err))?;
    }
    if !changes.remove.is_empty() {
        // A tag with a key and no value deletes that key whatever its value.
        client
            .delete_tags()
            .resources(id)
            .set_tags(Some(
                changes
                    .remove
                    .iter()
                    .map(|key| Tag::builder().key(key).build())
                    .collect(),
            ))
            .send()
            .await
            .map_err(|err| api_error("DeleteTags", err))?;
    }
    Ok(())
}

/// The region the client calls, for the ARNs EC2 does not report.
pub(crate) fn region(client: &Client) -> Result<String, ProviderError> {
    client
        .config()
        .region()
        .map(|region| region.as_ref().to_owned())
        .ok_or_else(|| ProviderError::Invalid {
            message: "no AWS region is configured".to_owned(),
        })
}
