//! CloudWatch Logs resource types: `aws_logs_log_group`, a log group with its
//! retention and tags.

use std::collections::BTreeMap;

use aws_sdk_cloudwatchlogs::types::LogGroup;
use aws_sdk_cloudwatchlogs::Client;

use crate::model::Value;
use crate::provider::aws::{
    api_error, creation_tags, has_code, malformed, tag_changes, user_tags, vanished,
};
use crate::provider::{owned, Observed, ProviderError, ResourceRequest};

/// The resource type's name.
pub(crate) const TYPE_NAME: &str = "aws_logs_log_group";

/// The error code of a log group that does not exist.
const NOT_FOUND: &str = "ResourceNotFoundException";

/// Creates the log group with its tags, sets its retention, and returns it as
/// read back.
pub(crate) async fn create(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    let name = request.required_str("name")?;
    let retention = request.int("retention_in_days").map(days).transpose()?;
    let tags = creation_tags(&request);

    client
        .create_log_group()
        .log_group_name(name)
        .set_tags((!tags.is_empty()).then(|| tags.into_iter().collect()))
        .send()
        .await
        .map_err(|err| api_error("CreateLogGroup", err))?;
    tracing::debug!(log_group = name, "created log group");

    if let Some(days) = retention {
        if let Err(err) = put_retention(client, name, days).await {
            // Nothing records a log group whose create failed: delete it rather
            // than leave one in the way of the next apply.
            if let Err(cleanup) = delete(client, name).await {
                tracing::warn!(log_group = name, error = %cleanup, "could not delete the half-created log group");
            }
            return Err(err);
        }
    }

    read(client, name)
        .await?
        .ok_or_else(|| vanished("DescribeLogGroups", "log group", name))
}

/// Reads the log group: retention and every tag but AWS's own. Only describe and
/// list calls.
pub(crate) async fn read(client: &Client, id: &str) -> Result<Option<Observed>, ProviderError> {
    let Some(group) = describe(client, id).await? else {
        return Ok(None);
    };
    let arn = arn_of(&group)?;
    let mut inputs = BTreeMap::from([
        ("name".to_owned(), Value::from(id)),
        ("tags".to_owned(), list_tags(client, &arn).await?),
    ]);
    // A group without a retention policy keeps its events forever: the field is
    // then absent.
    if let Some(days) = group.retention_in_days() {
        inputs.insert("retention_in_days".to_owned(), Value::from(i64::from(days)));
    }
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

/// Changes the retention and tags that differ from `current`; the name forces
/// replacement and is never changed here.
pub(crate) async fn update(
    client: &Client,
    id: &str,
    current: &BTreeMap<String, Value>,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    let wanted = request.int("retention_in_days");
    let live = current.get("retention_in_days").and_then(Value::as_i64);
    if wanted != live {
        match wanted {
            Some(wanted) => put_retention(client, id, days(wanted)?).await?,
            None => {
                client
                    .delete_retention_policy()
                    .log_group_name(id)
                    .send()
                    .await
                    .map_err(|err| api_error("DeleteRetentionPolicy", err))?;
            }
        }
    }

    let changes = tag_changes(current, &request);
    if !changes.set.is_empty() || !changes.remove.is_empty() {
        // Tagging takes the log group's ARN, not its name.
        let group = describe(client, id)
            .await?
            .ok_or_else(|| vanished("DescribeLogGroups", "log group", id))?;
        let arn = arn_of(&group)?;
        if !changes.set.is_empty() {
            client
                .tag_resource()
                .resource_arn(&arn)
                .set_tags(Some(changes.set.into_iter().collect()))
                .send()
                .await
                .map_err(|err| api_error("TagResource", err))?;
        }
        if !changes.remove.is_empty() {
            client
                .untag_resource()
                .resource_arn(&arn)
                .set_tag_keys(Some(changes.remove))
                .send()
                .await
                .map_err(|err| api_error("UntagResource", err))?;
        }
    }

    read(client, id)
        .await?
        .ok_or_else(|| vanished("DescribeLogGroups", "log group", id))
}

/// Finds the log group by its name, adopted when its tags say it is this stack
/// resource's.
pub(crate) async fn find(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Option<Observed>, ProviderError> {
    let name = request.required_str("name")?;
    owned("log group", read(client, name).await?, &request)
}

/// Deletes the log group and its events; one already gone is success.
pub(crate) async fn delete(client: &Client, id: &str) -> Result<(), ProviderError> {
    match client.delete_log_group().log_group_name(id).send().await {
        Ok(_) => {
            tracing::debug!(log_group = id, "deleted log group");
            Ok(())
        }
        Err(err) if has_code(&err, NOT_FOUND) => Ok(()),
        Err(err) => Err(api_error("DeleteLogGroup", err)),
    }
}

/// Sets the log group's retention to `days`.
async fn put_retention(client: &Client, name: &str, days: i32) -> Result<(), ProviderError> {
    client
        .put_retention_policy()
        .log_group_name(name)
        .retention_in_days(days)
        .send()
        .await
        .map_err(|err| api_error("PutRetentionPolicy", err))?;
    Ok(())
}

/// The log group named exactly `name`, or `None`: DescribeLogGroups only filters
/// by prefix, so every page of groups starting with `name` is searched.
async fn describe(client: &Client, name: &str) -> Result<Option<LogGroup>, ProviderError> {
    let mut next_token: Option<String> = None;
    loop {
        let output = client
            .describe_log_groups()
            .log_group_name_prefix(name)
            .set_next_token(next_token.clone())
            .send()
            .await;
        let output = match output {
            Ok(output) => output,
            Err(err) if has_code(&err, NOT_FOUND) => return Ok(None),
            Err(err) => return Err(api_error("DescribeLogGroups", err)),
        };
        if let Some(group) = output
            .log_groups
            .unwrap_or_default()
            .into_iter()
            .find(|group| group.log_group_name() == Some(name))
        {
            return Ok(Some(group));
        }
        match output.next_token {
            // Stop on a token that does not move, rather than loop forever.
            Some(token) if Some(&token) != next_token.as_ref() => next_token = Some(token),
            _ => return Ok(None),
        }
    }
}

/// The log group's ARN, without the `:*` that `DescribeLogGroups` appends to
/// its `arn` (the tagging calls take the ARN without it).
fn arn_of(group: &LogGroup) -> Result<String, ProviderError> {
    let arn = group
        .log_group_arn()
        .or(group.arn())
        .ok_or_else(|| malformed("DescribeLogGroups", "log group ARN"))?;
    Ok(arn.strip_suffix(":*").unwrap_or(arn).to_owned())
}

/// Every tag of the log group `arn` but AWS's own.
async fn list_tags(client: &Client, arn: &str) -> Result<Value, ProviderError> {
    let output = client
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .map_err(|err| api_error("ListTagsForResource", err))?;
    Ok(user_tags(
        output
            .tags()
            .into_iter()
            .flatten()
            .map(|(key, value)| (key.as_str(), value.as_str())),
    ))
}

/// A retention period in days, as the API takes it.
fn days(days: i64) -> Result<i32, ProviderError> {
    i32::try_from(days).map_err(|_| ProviderError::Invalid {
        message: format!("`retention_in_days` {days} is out of range"),
    })
}
