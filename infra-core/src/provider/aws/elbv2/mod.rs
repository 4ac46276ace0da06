//! Elastic Load Balancing (v2) resource types: the application load balancer,
//! its target groups and listeners; and the tag and value handling they share.
//!
//! Every ELBv2 resource is identified by its ARN, and tagged through the same
//! three calls (`AddTags`, `RemoveTags`, `DescribeTags`) whatever its kind.

pub(crate) mod listener;
pub(crate) mod load_balancer;
pub(crate) mod target_group;

use std::collections::BTreeMap;

use aws_sdk_elasticloadbalancingv2::types::{ProtocolEnum, Tag};
use aws_sdk_elasticloadbalancingv2::Client;

use super::{api_error, tag_changes, user_tags};
use crate::model::Value;
use crate::provider::{ProviderError, ResourceRequest};

/// The error code of a load balancer that does not exist.
pub(crate) const LOAD_BALANCER_NOT_FOUND: &str = "LoadBalancerNotFound";

/// The error code of a target group that does not exist.
pub(crate) const TARGET_GROUP_NOT_FOUND: &str = "TargetGroupNotFound";

/// The error code of a listener that does not exist.
pub(crate) const LISTENER_NOT_FOUND: &str = "ListenerNotFound";

/// The catalog's default protocol, of target groups and listeners.
pub(crate) const HTTP: &str = "HTTP";

/// `tags` as ELBv2 tags.
pub(crate) fn tag_list(tags: BTreeMap<String, String>) -> Vec<Tag> {
    tags.into_iter()
        .map(|(key, value)| Tag::builder().key(key).value(value).build())
        .collect()
}

/// Every tag of the resource `arn` but AWS's own, as the `tags` input value.
pub(crate) async fn describe_tags(client: &Client, arn: &str) -> Result<Value, ProviderError> {
    let output = client
        .describe_tags()
        .resource_arns(arn)
        .send()
        .await
        .map_err(|err| api_error("DescribeTags", err))?;
    let tags = output
        .tag_descriptions()
        .iter()
        .filter(|description| description.resource_arn() == Some(arn))
        .flat_map(|description| description.tags())
        .filter_map(|tag| Some((tag.key()?, tag.value().unwrap_or_default())));
    Ok(user_tags(tags))
}

/// Adds the tags that are new or changed and removes those no longer wanted on
/// the resource `arn`, going from the live `current` inputs to the request's.
pub(crate) async fn update_tags(
    client: &Client,
    arn: &str,
    current: &BTreeMap<String, Value>,
    request: &ResourceRequest<'_>,
) -> Result<(), ProviderError> {
    let changes = tag_changes(current, request);
    if !changes.set.is_empty() {
        client
            .add_tags()
            .resource_arns(arn)
            .set_tags(Some(tag_list(changes.set)))
            .send()
            .await
            .map_err(|err| api_error("AddTags", err))?;
    }
    if !changes.remove.is_empty() {
        client
            .remove_tags()
            .resource_arns(arn)
            .set_tag_keys(Some(changes.remove))
            .send()
            .await
            .map_err(|err| api_error("RemoveTags", err))?;
    }
    Ok(())
}

/// The protocol `value` of the field `field`, checked: the catalog allows
/// `HTTP` and `HTTPS`.
pub(crate) fn protocol(field: &str, value: &str) -> Result<ProtocolEnum, ProviderError> {
    match value {
        HTTP => Ok(ProtocolEnum::Http),
        "HTTPS" => Ok(ProtocolEnum::Https),
        other => Err(ProviderError::Invalid {
            message: format!("`{field}` must be HTTP or HTTPS, not `{other}`"),
        }),
    }
}

/// The port field `field` of the request, as the SDK takes it.
pub(crate) fn port(request: &ResourceRequest<'_>, field: &str) -> Result<i32, ProviderError> {
    let value = request.int(field).ok_or_else(|| ProviderError::Invalid {
        message: format!("field `{field}` must be a port and is missing"),
    })?;
    int32(field, value)
}

/// `value` of the field `field` as the SDK's 32-bit integer.
pub(crate) fn int32(field: &str, value: i64) -> Result<i32, ProviderError> {
    i32::try_from(value).map_err(|_| ProviderError::Invalid {
        message: format!("field `{field}` is out of range: {value}"),
    })
}

/// The list of strings in the field `field` of the request; `None` when unset.
pub(crate) fn string_list(
    request: &ResourceRequest<'_>,
    field: &str,
) -> Result<Option<Vec<String>>, ProviderError> {
    let Some(value) = request.get(field) else {
        return Ok(None);
    };
    let not_a_list = || ProviderError::Invalid {
        message: format!("field `{field}` must be a list of strings"),
    };
    value
        .as_array()
        .ok_or_else(not_a_list)?
        .iter()
        .map(|item| item.as_str().map(str::to_owned).ok_or_else(not_a_list))
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}
