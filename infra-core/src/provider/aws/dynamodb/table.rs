//! `aws_dynamodb_table`: a DynamoDB table with a hash key, its billing mode,
//! capacity, encryption at rest, point-in-time recovery and tags.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_dynamodb::error::BuildError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, PointInTimeRecoverySpecification,
    PointInTimeRecoveryStatus, ProvisionedThroughput, ScalarAttributeType, SseSpecification,
    SseStatus, SseType, TableDescription, TableStatus, Tag,
};
use aws_sdk_dynamodb::Client;

use crate::model::Value;
use crate::provider::aws::{
    api_error, creation_tags, has_code, malformed, retry_eventual, tag_changes, user_tags,
    vanished, wait_until,
};
use crate::provider::{owned, Observed, ProviderError, ResourceRequest};

/// The resource type's name.
pub(crate) const TYPE_NAME: &str = "aws_dynamodb_table";

/// How long a table may take to become `ACTIVE`, or to go.
const TIMEOUT: Duration = Duration::from_secs(300);

/// The error code of a table that does not exist.
const NOT_FOUND: &str = "ResourceNotFoundException";

/// The error code of a table being created, updated or deleted.
const IN_USE: &str = "ResourceInUseException";

/// On-demand billing, the schema's default.
const PAY_PER_REQUEST: &str = "PAY_PER_REQUEST";

/// Provisioned capacity billing.
const PROVISIONED: &str = "PROVISIONED";

/// Encryption with the AWS-managed KMS key `alias/aws/dynamodb`, the schema's
/// default.
const KMS: &str = "KMS";

/// Encryption with DynamoDB's own key: what a table without SSE reports.
const AWS_OWNED: &str = "AWS_OWNED";

/// The error code of continuous-backup calls on a table that does not exist.
const TABLE_NOT_FOUND: &str = "TableNotFoundException";

/// The error code of `UpdateContinuousBackups` on a table whose backups are not
/// enabled yet, for a while after it is created.
const BACKUPS_UNAVAILABLE: &str = "ContinuousBackupsUnavailableException";

/// Creates the table with its key, billing mode and tags, waits until it is
/// `ACTIVE`, and returns it as read back.
pub(crate) async fn create(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    let name = request.required_str("name")?;
    let hash_key = request.required_str("hash_key")?;
    let hash_key_type = request.str("hash_key_type").unwrap_or("S");
    if !ScalarAttributeType::values().contains(&hash_key_type) {
        return Err(ProviderError::Invalid {
            message: format!("`hash_key_type` must be S, N or B, not `{hash_key_type}`"),
        });
    }
    let billing_mode = billing_mode(request.str("billing_mode").unwrap_or(PAY_PER_REQUEST))?;
    let encryption = encryption(request.str("encryption").unwrap_or(KMS))?;
    let point_in_time_recovery = request.bool("point_in_time_recovery").unwrap_or(true);

    let mut call = client
        .create_table()
        .table_name(name)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(hash_key)
                .attribute_type(ScalarAttributeType::from(hash_key_type))
                .build()
                .map_err(invalid)?,
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name(hash_key)
                .key_type(KeyType::Hash)
                .build()
                .map_err(invalid)?,
        )
        .billing_mode(BillingMode::from(billing_mode));
    if billing_mode == PROVISIONED {
        call = call.provisioned_throughput(throughput(
            request.int("read_capacity"),
            request.int("write_capacity"),
        )?);
    }
    // Without an SSE specification DynamoDB encrypts with its own key.
    if encryption == KMS {
        call = call.sse_specification(sse(KMS));
    }
    for (key, value) in creation_tags(&request) {
        call = call.tags(
            Tag::builder()
                .key(key)
                .value(value)
                .build()
                .map_err(invalid)?,
        );
    }
    call.send()
        .await
        .map_err(|err| api_error("CreateTable", err))?;
    tracing::debug!(table = name, "created DynamoDB table");

    match finish(client, name, point_in_time_recovery).await {
        Ok(observed) => Ok(observed),
        Err(err) => {
            // Nothing records a table whose create failed: delete it rather than
            // leave one in the way of the next apply.
            if let Err(cleanup) = delete(client, name).await {
                tracing::warn!(table = name, error = %cleanup, "could not delete the half-created table");
            }
            Err(err)
        }
    }
}

/// Reads the table: key, billing mode, capacity when provisioned, encryption,
/// point-in-time recovery and every tag. Only describe and list calls.
pub(crate) async fn read(client: &Client, id: &str) -> Result<Option<Observed>, ProviderError> {
    let Some(table) = describe(client, id).await? else {
        return Ok(None);
    };
    // A table being deleted is as good as gone: recreating it is what the
    // declaration needs.
    if table.table_status() == Some(&TableStatus::Deleting) {
        return Ok(None);
    }
    let name = table
        .table_name()
        .ok_or_else(|| malformed("DescribeTable", "table name"))?;
    let arn = table
        .table_arn()
        .ok_or_else(|| malformed("DescribeTable", "table ARN"))?;
    let hash_key = table
        .key_schema()
        .iter()
        .find(|key| key.key_type() == &KeyType::Hash)
        .map(KeySchemaElement::attribute_name)
        .ok_or_else(|| malformed("DescribeTable", "HASH key"))?;
    let hash_key_type = table
        .attribute_definitions()
        .iter()
        .find(|attribute| attribute.attribute_name() == hash_key)
        .map(|attribute| attribute.attribute_type().as_str())
        .ok_or_else(|| malformed("DescribeTable", "definition of the HASH key attribute"))?;
    let capacity = table.provisioned_throughput();
    let read_capacity = capacity.and_then(|c| c.read_capacity_units());
    let write_capacity = capacity.and_then(|c| c.write_capacity_units());
    let billing_mode = match table.billing_mode_summary().and_then(|s| s.billing_mode()) {
        Some(mode) => mode.as_str(),
        // AWS (and emulators) leave the summary out for tables that were always
        // provisioned; on-demand tables report a zero throughput.
        None if read_capacity.unwrap_or(0) > 0 || write_capacity.unwrap_or(0) > 0 => PROVISIONED,
        None => PAY_PER_REQUEST,
    };
    let encryption = table.sse_description().map_or(AWS_OWNED, |sse| {
        // A change under way reads as where it is going, so a second plan right
        // after an update is empty.
        let on = matches!(
            sse.status(),
            Some(SseStatus::Enabled | SseStatus::Enabling | SseStatus::Updating)
        );
        if on && sse.sse_type() == Some(&SseType::Kms) {
            KMS
        } else {
            AWS_OWNED
        }
    });
    let Some(point_in_time_recovery) = point_in_time_recovery(client, name).await? else {
        // Deleted between the two calls.
        return Ok(None);
    };

    let mut inputs = BTreeMap::from([
        ("name".to_owned(), Value::from(name)),
        ("hash_key".to_owned(), Value::from(hash_key)),
        ("hash_key_type".to_owned(), Value::from(hash_key_type)),
        ("billing_mode".to_owned(), Value::from(billing_mode)),
        ("encryption".to_owned(), Value::from(encryption)),
        (
            "point_in_time_recovery".to_owned(),
            Value::Bool(point_in_time_recovery),
        ),
        ("tags".to_owned(), list_tags(client, arn).await?),
    ]);
    if billing_mode == PROVISIONED {
        if let Some(units) = read_capacity {
            inputs.insert("read_capacity".to_owned(), Value::from(units));
        }
        if let Some(units) = write_capacity {
            inputs.insert("write_capacity".to_owned(), Value::from(units));
        }
    }
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

/// Changes the billing mode, capacity, encryption, point-in-time recovery and
/// tags that differ from `current`; the name and key force replacement and are
/// never changed here.
pub(crate) async fn update(
    client: &Client,
    id: &str,
    current: &BTreeMap<String, Value>,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    let current_mode = current
        .get("billing_mode")
        .and_then(Value::as_str)
        .unwrap_or(PAY_PER_REQUEST);
    let mode = match request.str("billing_mode") {
        Some(mode) => billing_mode(mode)?,
        None => current_mode,
    };
    let capacity_of = |field: &str| current.get(field).and_then(Value::as_i64);

    let call = if mode != current_mode {
        let call = client
            .update_table()
            .table_name(id)
            .billing_mode(BillingMode::from(mode));
        if mode == PROVISIONED {
            Some(call.provisioned_throughput(throughput(
                request.int("read_capacity"),
                request.int("write_capacity"),
            )?))
        } else {
            Some(call)
        }
    } else if mode == PROVISIONED {
        // UpdateTable takes both capacities, and fails when neither changes.
        let live = (capacity_of("read_capacity"), capacity_of("write_capacity"));
        let wanted = (
            request.int("read_capacity").or(live.0),
            request.int("write_capacity").or(live.1),
        );
        if wanted == live {
            None
        } else {
            Some(
                client
                    .update_table()
                    .table_name(id)
                    .provisioned_throughput(throughput(wanted.0, wanted.1)?),
            )
        }
    } else {
        None
    };
    if let Some(call) = call {
        call.send()
            .await
            .map_err(|err| api_error("UpdateTable", err))?;
        wait_active(client, id).await?;
    }

    // A separate UpdateTable: DynamoDB takes one kind of change per call.
    if let Some(wanted) = request.str("encryption") {
        let wanted = encryption(wanted)?;
        if current.get("encryption").and_then(Value::as_str) != Some(wanted) {
            client
                .update_table()
                .table_name(id)
                .sse_specification(sse(wanted))
                .send()
                .await
                .map_err(|err| api_error("UpdateTable", err))?;
            wait_active(client, id).await?;
        }
    }

    if let Some(wanted) = request.bool("point_in_time_recovery") {
        if current
            .get("point_in_time_recovery")
            .and_then(Value::as_bool)
            != Some(wanted)
        {
            set_point_in_time_recovery(client, id, wanted).await?;
        }
    }

    let changes = tag_changes(current, &request);
    if !changes.set.is_empty() || !changes.remove.is_empty() {
        // Tagging takes the table's ARN, not its name.
        let table = describe(client, id)
            .await?
            .ok_or_else(|| vanished("DescribeTable", "table", id))?;
        let arn = table
            .table_arn()
            .ok_or_else(|| malformed("DescribeTable", "table ARN"))?;
        if !changes.set.is_empty() {
            let tags = changes
                .set
                .into_iter()
                .map(|(key, value)| Tag::builder().key(key).value(value).build())
                .collect::<Result<Vec<_>, _>>()
                .map_err(invalid)?;
            client
                .tag_resource()
                .resource_arn(arn)
                .set_tags(Some(tags))
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
    }

    read(client, id)
        .await?
        .ok_or_else(|| vanished("DescribeTable", "table", id))
}

/// Finds the table by its name, adopted when its tags say it is this stack
/// resource's.
pub(crate) async fn find(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Option<Observed>, ProviderError> {
    let name = request.required_str("name")?;
    owned("DynamoDB table", read(client, name).await?, &request)
}

/// Deletes the table and waits until it is gone; one already gone is success.
pub(crate) async fn delete(client: &Client, id: &str) -> Result<(), ProviderError> {
    // A table still being created or updated refuses deletion: retry until it
    // settles. One already being deleted refuses too, until it is gone.
    wait_until(
        &format!("table {id} to accept deletion"),
        TIMEOUT,
        || async move {
            match client.delete_table().table_name(id).send().await {
                Ok(_) => Ok(true),
                Err(err) if has_code(&err, NOT_FOUND) => Ok(true),
                Err(err) if has_code(&err, IN_USE) => Ok(false),
                Err(err) => Err(api_error("DeleteTable", err)),
            }
        },
    )
    .await?;
    wait_until(
        &format!("table {id} to be deleted"),
        TIMEOUT,
        || async move { Ok(describe(client, id).await?.is_none()) },
    )
    .await?;
    tracing::debug!(table = id, "deleted DynamoDB table");
    Ok(())
}

/// After `CreateTable`: waits until the table is `ACTIVE`, turns point-in-time
/// recovery on when `point_in_time_recovery` (it only can be once the table
/// exists) and reads the table back.
async fn finish(
    client: &Client,
    name: &str,
    point_in_time_recovery: bool,
) -> Result<Observed, ProviderError> {
    wait_active(client, name).await?;
    if point_in_time_recovery {
        set_point_in_time_recovery(client, name, true).await?;
    }
    read(client, name)
        .await?
        .ok_or_else(|| vanished("DescribeTable", "table", name))
}

/// Waits until the table is `ACTIVE`, at most [`TIMEOUT`].
async fn wait_active(client: &Client, name: &str) -> Result<(), ProviderError> {
    wait_until(
        &format!("table {name} to be ACTIVE"),
        TIMEOUT,
        || async move {
            // Right after creation the table may not be visible yet: keep polling.
            Ok(describe(client, name)
                .await?
                .is_some_and(|table| table.table_status() == Some(&TableStatus::Active)))
        },
    )
    .await
}

/// The table `name`, or `None` when DynamoDB does not know it.
async fn describe(client: &Client, name: &str) -> Result<Option<TableDescription>, ProviderError> {
    match client.describe_table().table_name(name).send().await {
        Ok(output) => Ok(output.table),
        Err(err) if has_code(&err, NOT_FOUND) => Ok(None),
        Err(err) => Err(api_error("DescribeTable", err)),
    }
}

/// Whether point-in-time recovery is on for the table `name`, or `None` when
/// DynamoDB does not know the table.
async fn point_in_time_recovery(
    client: &Client,
    name: &str,
) -> Result<Option<bool>, ProviderError> {
    match client
        .describe_continuous_backups()
        .table_name(name)
        .send()
        .await
    {
        Ok(output) => Ok(Some(
            output
                .continuous_backups_description()
                .and_then(|backups| backups.point_in_time_recovery_description())
                .and_then(|pitr| pitr.point_in_time_recovery_status())
                == Some(&PointInTimeRecoveryStatus::Enabled),
        )),
        Err(err) if has_code(&err, TABLE_NOT_FOUND) || has_code(&err, NOT_FOUND) => Ok(None),
        Err(err) => Err(api_error("DescribeContinuousBackups", err)),
    }
}

/// Turns point-in-time recovery of the table `name` on or off. Right after the
/// table is created its continuous backups may not be available yet: retried,
/// at most [`TIMEOUT`].
async fn set_point_in_time_recovery(
    client: &Client,
    name: &str,
    enabled: bool,
) -> Result<(), ProviderError> {
    let specification = PointInTimeRecoverySpecification::builder()
        .point_in_time_recovery_enabled(enabled)
        .build()
        .map_err(invalid)?;
    retry_eventual(
        TIMEOUT,
        |err| matches!(err, ProviderError::Api { code, .. } if code == BACKUPS_UNAVAILABLE),
        || async {
            client
                .update_continuous_backups()
                .table_name(name)
                .point_in_time_recovery_specification(specification.clone())
                .send()
                .await
                .map_err(|err| api_error("UpdateContinuousBackups", err))
        },
    )
    .await?;
    tracing::debug!(table = name, enabled, "set DynamoDB point-in-time recovery");
    Ok(())
}

/// Every tag of the table `arn` but AWS's own, across all pages.
async fn list_tags(client: &Client, arn: &str) -> Result<Value, ProviderError> {
    let mut tags = Vec::new();
    let mut next_token: Option<String> = None;
    loop {
        let output = client
            .list_tags_of_resource()
            .resource_arn(arn)
            .set_next_token(next_token.clone())
            .send()
            .await
            .map_err(|err| api_error("ListTagsOfResource", err))?;
        tags.extend(output.tags.unwrap_or_default());
        match output.next_token {
            // Stop on a token that does not move, rather than loop forever.
            Some(token) if Some(&token) != next_token.as_ref() => next_token = Some(token),
            _ => break,
        }
    }
    Ok(user_tags(tags.iter().map(|tag| (tag.key(), tag.value()))))
}

/// The billing mode `mode`, checked.
fn billing_mode(mode: &str) -> Result<&'static str, ProviderError> {
    match mode {
        PAY_PER_REQUEST => Ok(PAY_PER_REQUEST),
        PROVISIONED => Ok(PROVISIONED),
        other => Err(ProviderError::Invalid {
            message: format!(
                "`billing_mode` must be {PAY_PER_REQUEST} or {PROVISIONED}, not `{other}`"
            ),
        }),
    }
}

/// The encryption `value`, checked.
fn encryption(value: &str) -> Result<&'static str, ProviderError> {
    match value {
        KMS => Ok(KMS),
        AWS_OWNED => Ok(AWS_OWNED),
        other => Err(ProviderError::Invalid {
            message: format!("`encryption` must be {KMS} or {AWS_OWNED}, not `{other}`"),
        }),
    }
}

/// The SSE specification of `encryption` (checked): the AWS-managed KMS key,
/// or SSE off, which is DynamoDB's own key.
fn sse(encryption: &str) -> SseSpecification {
    let builder = SseSpecification::builder().enabled(encryption == KMS);
    if encryption == KMS {
        builder.sse_type(SseType::Kms).build()
    } else {
        builder.build()
    }
}

/// The provisioned throughput of a `PROVISIONED` table, which needs both
/// capacities.
fn throughput(
    read_capacity: Option<i64>,
    write_capacity: Option<i64>,
) -> Result<ProvisionedThroughput, ProviderError> {
    let (Some(read), Some(write)) = (read_capacity, write_capacity) else {
        return Err(ProviderError::Invalid {
            message: format!(
                "`billing_mode: {PROVISIONED}` needs both `read_capacity` and `write_capacity`"
            ),
        });
    };
    ProvisionedThroughput::builder()
        .read_capacity_units(read)
        .write_capacity_units(write)
        .build()
        .map_err(invalid)
}

/// A request the SDK refuses to build: a required member is missing.
fn invalid(err: BuildError) -> ProviderError {
    ProviderError::Invalid {
        message: err.to_string(),
    }
}
