//! `aws_autoscaling_policy`: a simple scaling policy of an Auto Scaling group,
//! which an alarm runs to change the group's desired capacity.
//!
//! A policy is known by its group and its name: the resource's id is
//! `<group name>|<policy name>` (a policy name never holds `|`). A policy has no
//! tags, so finding one is reading it by that identity.

use std::collections::BTreeMap;

use aws_sdk_autoscaling::types::ScalingPolicy;
use aws_sdk_autoscaling::Client;

use super::is_not_found;
use crate::model::Value;
use crate::provider::aws::{api_error, malformed, vanished};
use crate::provider::{Observed, ProviderError, ResourceRequest};

/// The resource type's name.
pub(crate) const TYPE_NAME: &str = "aws_autoscaling_policy";

/// What separates the group name from the policy name in the id.
const SEPARATOR: char = '|';

/// The schema's default policy type.
const SIMPLE_SCALING: &str = "SimpleScaling";

/// The schema's default adjustment type.
const CHANGE_IN_CAPACITY: &str = "ChangeInCapacity";

/// The schema's default cooldown, in seconds.
const DEFAULT_COOLDOWN: i64 = 300;

/// The fields `PutScalingPolicy` sets.
const SETTINGS: [&str; 4] = [
    "policy_type",
    "adjustment_type",
    "scaling_adjustment",
    "cooldown",
];

/// Creates the policy and returns it as read back.
pub(crate) async fn create(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    let id = identity(&request)?;
    put(client, &request).await?;
    tracing::debug!(policy = %id, "created scaling policy");
    read(client, &id)
        .await?
        .ok_or_else(|| vanished("DescribePolicies", "scaling policy", &id))
}

/// Reads the policy: its type, adjustment and cooldown. Only describe calls.
pub(crate) async fn read(client: &Client, id: &str) -> Result<Option<Observed>, ProviderError> {
    let (group, name) = split(id)?;
    let Some(policy) = describe(client, group, name).await? else {
        return Ok(None);
    };
    let arn = policy
        .policy_arn()
        .ok_or_else(|| malformed("DescribePolicies", "policy ARN"))?;

    let mut inputs = BTreeMap::from([
        ("name".to_owned(), Value::from(name)),
        ("group_name".to_owned(), Value::from(group)),
        (
            "policy_type".to_owned(),
            Value::from(policy.policy_type().unwrap_or(SIMPLE_SCALING)),
        ),
    ]);
    if let Some(adjustment_type) = policy.adjustment_type() {
        inputs.insert("adjustment_type".to_owned(), Value::from(adjustment_type));
    }
    if let Some(adjustment) = policy.scaling_adjustment() {
        inputs.insert(
            "scaling_adjustment".to_owned(),
            Value::from(i64::from(adjustment)),
        );
    }
    if let Some(cooldown) = policy.cooldown() {
        inputs.insert("cooldown".to_owned(), Value::from(i64::from(cooldown)));
    }
    let attributes = BTreeMap::from([
        ("id".to_owned(), Value::from(arn)),
        ("arn".to_owned(), Value::from(arn)),
    ]);
    Ok(Some(Observed {
        id: id.to_owned(),
        inputs,
        attributes,
    }))
}

/// Changes the type, adjustment and cooldown when any differs from `current`:
/// `PutScalingPolicy` again with every field, which replaces the policy's
/// settings. The name and group force replacement and are never changed here.
pub(crate) async fn update(
    client: &Client,
    id: &str,
    current: &BTreeMap<String, Value>,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    if SETTINGS
        .iter()
        .any(|field| current.get(*field) != request.get(field))
    {
        put(client, &request).await?;
        tracing::debug!(policy = id, "updated scaling policy");
    }
    read(client, id)
        .await?
        .ok_or_else(|| vanished("DescribePolicies", "scaling policy", id))
}

/// Finds the policy by its group and name: a policy has no tags to tell whose
/// it is.
pub(crate) async fn find(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Option<Observed>, ProviderError> {
    read(client, &identity(&request)?).await
}

/// Deletes the policy; one already gone, or whose group is gone, is success.
pub(crate) async fn delete(client: &Client, id: &str) -> Result<(), ProviderError> {
    let (group, name) = split(id)?;
    // Checked first: deleting an unknown policy is not an error everywhere
    // (moto deletes any group's policy of that name).
    if describe(client, group, name).await?.is_none() {
        return Ok(());
    }
    match client
        .delete_policy()
        .auto_scaling_group_name(group)
        .policy_name(name)
        .send()
        .await
    {
        Ok(_) => {
            tracing::debug!(policy = id, "deleted scaling policy");
            Ok(())
        }
        Err(err) if is_not_found(&err) => Ok(()),
        Err(err) => Err(api_error("DeletePolicy", err)),
    }
}

/// Creates or replaces the policy the request declares.
async fn put(client: &Client, request: &ResourceRequest<'_>) -> Result<(), ProviderError> {
    let policy_type = request.str("policy_type").unwrap_or(SIMPLE_SCALING);
    if policy_type != SIMPLE_SCALING {
        // A target tracking policy needs a target tracking configuration, which
        // the resource type does not declare.
        return Err(ProviderError::Invalid {
            message: format!(
                "`policy_type` {policy_type} is not supported: only SimpleScaling policies can be declared"
            ),
        });
    }
    let adjustment = request
        .int("scaling_adjustment")
        .ok_or_else(|| ProviderError::Invalid {
            message: "a SimpleScaling policy needs `scaling_adjustment`".to_owned(),
        })?;
    client
        .put_scaling_policy()
        .auto_scaling_group_name(request.required_str("group_name")?)
        .policy_name(request.required_str("name")?)
        .policy_type(policy_type)
        .adjustment_type(request.str("adjustment_type").unwrap_or(CHANGE_IN_CAPACITY))
        .scaling_adjustment(int32("scaling_adjustment", adjustment)?)
        .cooldown(int32(
            "cooldown",
            request.int("cooldown").unwrap_or(DEFAULT_COOLDOWN),
        )?)
        .send()
        .await
        .map_err(|err| api_error("PutScalingPolicy", err))?;
    Ok(())
}

/// The policy `name` of the group `group`, or `None` when either is unknown.
async fn describe(
    client: &Client,
    group: &str,
    name: &str,
) -> Result<Option<ScalingPolicy>, ProviderError> {
    match client
        .describe_policies()
        .auto_scaling_group_name(group)
        .policy_names(name)
        .send()
        .await
    {
        Ok(output) => Ok(output
            .scaling_policies
            .unwrap_or_default()
            .into_iter()
            .find(|policy| {
                policy.policy_name() == Some(name)
                    && policy.auto_scaling_group_name() == Some(group)
            })),
        Err(err) if is_not_found(&err) => Ok(None),
        Err(err) => Err(api_error("DescribePolicies", err)),
    }
}

/// The id of the policy the request declares: `<group>|<name>`.
fn identity(request: &ResourceRequest<'_>) -> Result<String, ProviderError> {
    Ok(format!(
        "{}{SEPARATOR}{}",
        request.required_str("group_name")?,
        request.required_str("name")?
    ))
}

/// The group and policy names in the id `id`.
fn split(id: &str) -> Result<(&str, &str), ProviderError> {
    id.rsplit_once(SEPARATOR)
        .filter(|(group, name)| !group.is_empty() && !name.is_empty())
        .ok_or_else(|| ProviderError::Invalid {
            message: format!("`{id}` is not a scaling policy id (`<group name>|<policy name>`)"),
        })
}

/// `value` of `field` as AWS's 32-bit integer, checked.
fn int32(field: &str, value: i64) -> Result<i32, ProviderError> {
    i32::try_from(value).map_err(|_| ProviderError::Invalid {
        message: format!("field `{field}` is out of range: {value}"),
    })
}
