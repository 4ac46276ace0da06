//! CloudWatch resource types: `aws_cloudwatch_metric_alarm`, an alarm on one
//! metric with its statistic, threshold, periods, dimensions, actions and tags.
//!
//! AWS identifies an alarm by its name, which is the resource's id.
//! `PutMetricAlarm` both creates an alarm and replaces all its settings; the
//! tags it takes count only when it creates, so tags change through
//! `TagResource` and `UntagResource` on the alarm's ARN.

use std::collections::BTreeMap;

use aws_sdk_cloudwatch::operation::put_metric_alarm::builders::PutMetricAlarmFluentBuilder;
use aws_sdk_cloudwatch::types::{
    AlarmType, ComparisonOperator, Dimension, MetricAlarm, Statistic, Tag,
};
use aws_sdk_cloudwatch::Client;

use crate::model::Value;
use crate::provider::aws::{
    api_error, creation_tags, has_code, malformed, tag_changes, user_tags, vanished,
};
use crate::provider::{owned, Observed, ProviderError, ResourceRequest};

/// The resource type's name.
pub(crate) const TYPE_NAME: &str = "aws_cloudwatch_metric_alarm";

/// The error code `DeleteAlarms` answers for an unknown alarm.
const NOT_FOUND: &str = "ResourceNotFound";

/// The error code the tagging calls answer for an unknown alarm.
const TAGS_NOT_FOUND: &str = "ResourceNotFoundException";

/// The schema's default period, in seconds.
const DEFAULT_PERIOD: i64 = 60;

/// The schema's default number of evaluation periods.
const DEFAULT_EVALUATION_PERIODS: i64 = 2;

/// The fields `PutMetricAlarm` sets: a change of any of them puts the alarm
/// again, with all of them.
const ALARM_FIELDS: [&str; 10] = [
    "description",
    "namespace",
    "metric_name",
    "statistic",
    "comparison_operator",
    "threshold",
    "period",
    "evaluation_periods",
    "dimensions",
    "alarm_actions",
];

/// Creates the alarm with its tags and returns it as read back.
pub(crate) async fn create(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    let name = request.required_str("name")?;
    let tags: Vec<Tag> = creation_tags(&request)
        .into_iter()
        .map(|(key, value)| Tag::builder().key(key).value(value).build())
        .collect();
    put_alarm(client, &request)?
        .set_tags((!tags.is_empty()).then_some(tags))
        .send()
        .await
        .map_err(|err| api_error("PutMetricAlarm", err))?;
    tracing::debug!(alarm = name, "created metric alarm");
    read(client, name)
        .await?
        .ok_or_else(|| vanished("DescribeAlarms", "metric alarm", name))
}

/// Reads the alarm: its metric, statistic, threshold, periods, dimensions,
/// actions and every tag but AWS's own. Only describe and list calls.
pub(crate) async fn read(client: &Client, id: &str) -> Result<Option<Observed>, ProviderError> {
    let Some(alarm) = describe(client, id).await? else {
        return Ok(None);
    };
    let arn = alarm
        .alarm_arn()
        .ok_or_else(|| malformed("DescribeAlarms", "alarm ARN"))?;
    let Some(tags) = list_tags(client, arn).await? else {
        return Ok(None);
    };

    let mut inputs = BTreeMap::from([
        ("name".to_owned(), Value::from(id)),
        (
            "namespace".to_owned(),
            Value::from(alarm.namespace().unwrap_or_default()),
        ),
        (
            "metric_name".to_owned(),
            Value::from(alarm.metric_name().unwrap_or_default()),
        ),
        (
            // The threshold is a double to AWS and a whole number here.
            "threshold".to_owned(),
            Value::from(alarm.threshold().unwrap_or_default().round() as i64),
        ),
        (
            "period".to_owned(),
            Value::from(i64::from(alarm.period().unwrap_or_default())),
        ),
        (
            "evaluation_periods".to_owned(),
            Value::from(i64::from(alarm.evaluation_periods().unwrap_or_default())),
        ),
        (
            // A map, so that the order AWS lists the dimensions in does not matter.
            "dimensions".to_owned(),
            Value::Object(
                alarm
                    .dimensions()
                    .iter()
                    .filter_map(|dimension| {
                        Some((
                            dimension.name()?.to_owned(),
                            Value::from(dimension.value().unwrap_or_default()),
                        ))
                    })
                    .collect(),
            ),
        ),
        (
            "alarm_actions".to_owned(),
            Value::Array(
                alarm
                    .alarm_actions()
                    .iter()
                    .map(|action| Value::from(action.as_str()))
                    .collect(),
            ),
        ),
        ("tags".to_owned(), tags),
    ]);
    if let Some(statistic) = alarm.statistic() {
        inputs.insert("statistic".to_owned(), Value::from(statistic.as_str()));
    }
    if let Some(operator) = alarm.comparison_operator() {
        inputs.insert(
            "comparison_operator".to_owned(),
            Value::from(operator.as_str()),
        );
    }
    if let Some(description) = alarm.alarm_description().filter(|text| !text.is_empty()) {
        inputs.insert("description".to_owned(), Value::from(description));
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

/// Puts the alarm again with every setting when any differs from `current`,
/// then changes the tags that differ; the name forces replacement and is
/// never changed here.
pub(crate) async fn update(
    client: &Client,
    id: &str,
    current: &BTreeMap<String, Value>,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    let settings_changed = ALARM_FIELDS
        .iter()
        .any(|field| !same(current.get(*field), request.get(field)));
    if settings_changed {
        put_alarm(client, &request)?
            .send()
            .await
            .map_err(|err| api_error("PutMetricAlarm", err))?;
        tracing::debug!(alarm = id, "updated metric alarm");
    }

    let changes = tag_changes(current, &request);
    if !changes.set.is_empty() || !changes.remove.is_empty() {
        let alarm = describe(client, id)
            .await?
            .ok_or_else(|| vanished("DescribeAlarms", "metric alarm", id))?;
        let arn = alarm
            .alarm_arn()
            .ok_or_else(|| malformed("DescribeAlarms", "alarm ARN"))?;
        if !changes.set.is_empty() {
            client
                .tag_resource()
                .resource_arn(arn)
                .set_tags(Some(
                    changes
                        .set
                        .into_iter()
                        .map(|(key, value)| Tag::builder().key(key).value(value).build())
                        .collect(),
                ))
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
        .ok_or_else(|| vanished("DescribeAlarms", "metric alarm", id))
}

/// Finds the alarm by its name, adopted when its tags say it is this stack
/// resource's.
pub(crate) async fn find(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Option<Observed>, ProviderError> {
    let name = request.required_str("name")?;
    owned("CloudWatch alarm", read(client, name).await?, &request)
}

/// Deletes the alarm; one already gone is success.
pub(crate) async fn delete(client: &Client, id: &str) -> Result<(), ProviderError> {
    match client.delete_alarms().alarm_names(id).send().await {
        Ok(_) => {
            tracing::debug!(alarm = id, "deleted metric alarm");
            Ok(())
        }
        Err(err) if has_code(&err, NOT_FOUND) => Ok(()),
        Err(err) => Err(api_error("DeleteAlarms", err)),
    }
}

/// The `PutMetricAlarm` call of every setting the request declares, tags
/// aside.
fn put_alarm(
    client: &Client,
    request: &ResourceRequest<'_>,
) -> Result<PutMetricAlarmFluentBuilder, ProviderError> {
    let statistic = request.required_str("statistic")?;
    if !Statistic::values().contains(&statistic) {
        return Err(ProviderError::Invalid {
            message: format!("`statistic` {statistic} is not a CloudWatch statistic"),
        });
    }
    let operator = request.required_str("comparison_operator")?;
    if !ComparisonOperator::values().contains(&operator) {
        return Err(ProviderError::Invalid {
            message: format!("`comparison_operator` {operator} is not a comparison operator"),
        });
    }
    let threshold = request
        .int("threshold")
        .ok_or_else(|| ProviderError::Invalid {
            message: "field `threshold` is required and is missing".to_owned(),
        })?;
    let dimensions: Vec<Dimension> = match request.get("dimensions") {
        None => Vec::new(),
        Some(value) => value
            .as_object()
            .ok_or_else(|| ProviderError::Invalid {
                message: "field `dimensions` must be a map of names to values".to_owned(),
            })?
            .iter()
            .map(|(name, value)| {
                value
                    .as_str()
                    .map(|value| Dimension::builder().name(name).value(value).build())
                    .ok_or_else(|| ProviderError::Invalid {
                        message: format!("dimension `{name}` must be a string"),
                    })
            })
            .collect::<Result<_, _>>()?,
    };
    let actions: Vec<String> = match request.get("alarm_actions") {
        None => Vec::new(),
        Some(value) => value
            .as_array()
            .and_then(|items| {
                items
                    .iter()
                    .map(|item| item.as_str().map(str::to_owned))
                    .collect::<Option<_>>()
            })
            .ok_or_else(|| ProviderError::Invalid {
                message: "field `alarm_actions` must be a list of strings".to_owned(),
            })?,
    };

    Ok(client
        .put_metric_alarm()
        .alarm_name(request.required_str("name")?)
        .set_alarm_description(request.str("description").map(str::to_owned))
        .namespace(request.required_str("namespace")?)
        .metric_name(request.required_str("metric_name")?)
        .statistic(Statistic::from(statistic))
        .comparison_operator(ComparisonOperator::from(operator))
        // Alarm thresholds are far below 2^53: the conversion is exact.
        .threshold(threshold as f64)
        .period(int32(
            "period",
            request.int("period").unwrap_or(DEFAULT_PERIOD),
        )?)
        .evaluation_periods(int32(
            "evaluation_periods",
            request
                .int("evaluation_periods")
                .unwrap_or(DEFAULT_EVALUATION_PERIODS),
        )?)
        .set_dimensions(Some(dimensions))
        .set_alarm_actions(Some(actions)))
}

/// The metric alarm `name`, or `None` when CloudWatch does not know it.
async fn describe(client: &Client, name: &str) -> Result<Option<MetricAlarm>, ProviderError> {
    let output = client
        .describe_alarms()
        .alarm_names(name)
        .alarm_types(AlarmType::MetricAlarm)
        .send()
        .await
        .map_err(|err| api_error("DescribeAlarms", err))?;
    Ok(output
        .metric_alarms
        .unwrap_or_default()
        .into_iter()
        .find(|alarm| alarm.alarm_name() == Some(name)))
}

/// Every tag of the alarm `arn` but AWS's own; `None` when the alarm went in
/// between.
async fn list_tags(client: &Client, arn: &str) -> Result<Option<Value>, ProviderError> {
    match client
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
    {
        Ok(output) => {
            Ok(Some(user_tags(output.tags().iter().filter_map(|tag| {
                Some((tag.key()?, tag.value().unwrap_or_default()))
            }))))
        }
        Err(err) if has_code(&err, TAGS_NOT_FOUND) => Ok(None),
        Err(err) => Err(api_error("ListTagsForResource", err)),
    }
}

/// Whether a live value and a declared one mean the same: no dimensions, no
/// actions and no description are one whether absent or empty.
fn same(live: Option<&Value>, declared: Option<&Value>) -> bool {
    let empty = |value: Option<&Value>| match value {
        None | Some(Value::Null) => true,
        Some(Value::Array(items)) => items.is_empty(),
        Some(Value::Object(map)) => map.is_empty(),
        Some(Value::String(text)) => text.is_empty(),
        Some(_) => false,
    };
    live == declared || (empty(live) && empty(declared))
}

/// `value` of `field` as AWS's 32-bit integer, checked.
fn int32(field: &str, value: i64) -> Result<i32, ProviderError> {
    i32::try_from(value).map_err(|_| ProviderError::Invalid {
        message: format!("field `{field}` is out of range: {value}"),
    })
}
