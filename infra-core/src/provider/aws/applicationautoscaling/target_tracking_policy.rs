//! `aws_applicationautoscaling_target_tracking_policy`: a target tracking
//! scaling policy of a scalable target, keeping a predefined metric (an ECS
//! service's average CPU or memory use) near a target value.
//!
//! The id is `<namespace>|<resource id>|<dimension>|<policy name>`.
//! `PutScalingPolicy` both creates a policy and replaces its settings.

use std::collections::BTreeMap;

use aws_sdk_applicationautoscaling::error::ProvideErrorMetadata;
use aws_sdk_applicationautoscaling::types::{
    MetricType, PolicyType, PredefinedMetricSpecification, ScalingPolicy,
    TargetTrackingScalingPolicyConfiguration,
};
use aws_sdk_applicationautoscaling::Client;

use super::{api_error_is, bad_id, Target, NOT_FOUND, SEPARATOR, VALIDATION};
use crate::model::Value;
use crate::provider::aws::{
    api_error, has_code, malformed, retry_eventual, vanished, EVENTUAL_CONSISTENCY_TIMEOUT,
};
use crate::provider::{Observed, ProviderError, ResourceRequest};

/// The resource type's name.
pub(crate) const TYPE_NAME: &str = "aws_applicationautoscaling_target_tracking_policy";

/// The form of the id, for errors.
const ID_FORM: &str = "<namespace>|<resource id>|<dimension>|<policy name>";

/// The schema's default cooldowns, in seconds.
const DEFAULT_COOLDOWN: i64 = 300;

/// The fields `PutScalingPolicy` sets.
const SETTINGS: [&str; 4] = [
    "predefined_metric",
    "target_value",
    "scale_in_cooldown",
    "scale_out_cooldown",
];

/// Creates the policy and returns it as read back. Retried while the
/// scalable target, just registered, is not yet visible.
pub(crate) async fn create(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    let (target, name) = identity(&request)?;
    let id = id_of(&target, name);
    put(client, &target, name, &request).await?;
    tracing::debug!(policy = %id, "created target tracking policy");
    read(client, &id)
        .await?
        .ok_or_else(|| vanished("DescribeScalingPolicies", "scaling policy", &id))
}

/// Reads the policy: its metric, target value and cooldowns. Only describe
/// calls.
pub(crate) async fn read(client: &Client, id: &str) -> Result<Option<Observed>, ProviderError> {
    let (target, name) = parse(id)?;
    let Some(policy) = describe(client, &target, name).await? else {
        return Ok(None);
    };
    let mut inputs = BTreeMap::from([
        ("name".to_owned(), Value::from(name)),
        (
            "service_namespace".to_owned(),
            Value::from(target.namespace.as_str()),
        ),
        (
            "resource_id".to_owned(),
            Value::from(target.resource_id.as_str()),
        ),
        (
            "scalable_dimension".to_owned(),
            Value::from(target.dimension.as_str()),
        ),
    ]);
    // A step scaling policy of that name has none of these: each then shows
    // as a change, and the update makes it a target tracking policy.
    if let Some(config) = policy.target_tracking_scaling_policy_configuration() {
        // The target is a double to AWS and a whole percentage here.
        inputs.insert(
            "target_value".to_owned(),
            Value::from(config.target_value().round() as i64),
        );
        if let Some(metric) = config.predefined_metric_specification() {
            inputs.insert(
                "predefined_metric".to_owned(),
                Value::from(metric.predefined_metric_type().as_str()),
            );
        }
        if let Some(cooldown) = config.scale_in_cooldown() {
            inputs.insert(
                "scale_in_cooldown".to_owned(),
                Value::from(i64::from(cooldown)),
            );
        }
        if let Some(cooldown) = config.scale_out_cooldown() {
            inputs.insert(
                "scale_out_cooldown".to_owned(),
                Value::from(i64::from(cooldown)),
            );
        }
    }
    let arn = policy.policy_arn();
    if arn.is_empty() {
        return Err(malformed("DescribeScalingPolicies", "policy ARN"));
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

/// Puts the policy again with every setting when any differs from `current`;
/// the name and the target force replacement and are never changed here.
pub(crate) async fn update(
    client: &Client,
    id: &str,
    current: &BTreeMap<String, Value>,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    let (target, name) = parse(id)?;
    if SETTINGS
        .iter()
        .any(|field| current.get(*field) != request.get(field))
    {
        put(client, &target, name, &request).await?;
        tracing::debug!(policy = id, "updated target tracking policy");
    }
    read(client, id)
        .await?
        .ok_or_else(|| vanished("DescribeScalingPolicies", "scaling policy", id))
}

/// Finds the policy by its name and target: a policy has no tags to tell
/// whose it is.
pub(crate) async fn find(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Option<Observed>, ProviderError> {
    let (target, name) = identity(&request)?;
    read(client, &id_of(&target, name)).await
}

/// Deletes the policy; one already gone, or whose target is gone, is success.
pub(crate) async fn delete(client: &Client, id: &str) -> Result<(), ProviderError> {
    let (target, name) = parse(id)?;
    match client
        .delete_scaling_policy()
        .policy_name(name)
        .service_namespace(target.namespace())
        .resource_id(&target.resource_id)
        .scalable_dimension(target.dimension())
        .send()
        .await
    {
        Ok(_) => {
            tracing::debug!(policy = id, "deleted target tracking policy");
            Ok(())
        }
        // moto answers a ValidationException "No scaling policy found".
        Err(err)
            if has_code(&err, NOT_FOUND)
                || (has_code(&err, VALIDATION)
                    && err
                        .message()
                        .is_some_and(|message| message.contains("No scaling policy found"))) =>
        {
            Ok(())
        }
        Err(err) => Err(api_error("DeleteScalingPolicy", err)),
    }
}

/// Creates or replaces the policy `name` of `target` with the request's
/// settings.
async fn put(
    client: &Client,
    target: &Target,
    name: &str,
    request: &ResourceRequest<'_>,
) -> Result<(), ProviderError> {
    let metric = request.required_str("predefined_metric")?;
    if !MetricType::values().contains(&metric) {
        return Err(ProviderError::Invalid {
            message: format!("`predefined_metric` {metric} is not a predefined metric"),
        });
    }
    let target_value = request
        .int("target_value")
        .ok_or_else(|| ProviderError::Invalid {
            message: "field `target_value` is required and is missing".to_owned(),
        })?;
    let config = TargetTrackingScalingPolicyConfiguration::builder()
        // Percentages: the conversion is exact.
        .target_value(target_value as f64)
        .predefined_metric_specification(
            PredefinedMetricSpecification::builder()
                .predefined_metric_type(MetricType::from(metric))
                .build()
                .map_err(|err| ProviderError::Invalid {
                    message: err.to_string(),
                })?,
        )
        .scale_in_cooldown(cooldown(request, "scale_in_cooldown")?)
        .scale_out_cooldown(cooldown(request, "scale_out_cooldown")?)
        .build()
        .map_err(|err| ProviderError::Invalid {
            message: err.to_string(),
        })?;
    let call = client
        .put_scaling_policy()
        .policy_name(name)
        .service_namespace(target.namespace())
        .resource_id(&target.resource_id)
        .scalable_dimension(target.dimension())
        .policy_type(PolicyType::TargetTrackingScaling)
        .target_tracking_scaling_policy_configuration(config);
    retry_eventual(EVENTUAL_CONSISTENCY_TIMEOUT, target_not_yet_visible, || {
        let call = call.clone();
        async move {
            call.send()
                .await
                .map_err(|err| api_error("PutScalingPolicy", err))
        }
    })
    .await?;
    Ok(())
}

/// Whether `err` is AWS not yet seeing the scalable target just registered.
fn target_not_yet_visible(err: &ProviderError) -> bool {
    api_error_is(err, NOT_FOUND, "No scalable target registered")
}

/// The policy `name` of `target`, or `None`.
async fn describe(
    client: &Client,
    target: &Target,
    name: &str,
) -> Result<Option<ScalingPolicy>, ProviderError> {
    let mut next_token: Option<String> = None;
    loop {
        let output = client
            .describe_scaling_policies()
            .service_namespace(target.namespace())
            .resource_id(&target.resource_id)
            .scalable_dimension(target.dimension())
            .policy_names(name)
            .set_next_token(next_token.take())
            .send()
            .await
            .map_err(|err| api_error("DescribeScalingPolicies", err))?;
        // Filtered here too: moto matches resource ids by substring and
        // ignores the policy names.
        if let Some(policy) = output.scaling_policies().iter().find(|policy| {
            policy.policy_name() == name
                && policy.resource_id() == target.resource_id
                && policy.scalable_dimension().as_str() == target.dimension
                && policy.service_namespace().as_str() == target.namespace
        }) {
            return Ok(Some(policy.clone()));
        }
        match output.next_token() {
            Some(token) if !token.is_empty() => next_token = Some(token.to_owned()),
            _ => return Ok(None),
        }
    }
}

/// The target and policy name the request declares.
fn identity<'a>(request: &'a ResourceRequest<'_>) -> Result<(Target, &'a str), ProviderError> {
    let name = request.required_str("name")?;
    if name.contains(SEPARATOR) {
        return Err(ProviderError::Invalid {
            message: format!("scaling policy name `{name}` must not hold `{SEPARATOR}`"),
        });
    }
    Ok((Target::of(request)?, name))
}

/// The id of the policy `name` of `target`.
fn id_of(target: &Target, name: &str) -> String {
    format!("{}{SEPARATOR}{name}", target.id())
}

/// The target and policy name of the id `id`.
fn parse(id: &str) -> Result<(Target, &str), ProviderError> {
    id.rsplit_once(SEPARATOR)
        .and_then(|(target, name)| Some((Target::parse(target)?, name)))
        .filter(|(_, name)| !name.is_empty())
        .ok_or_else(|| bad_id(id, ID_FORM))
}

/// The cooldown `field`, the schema's default when unset.
fn cooldown(request: &ResourceRequest<'_>, field: &str) -> Result<i32, ProviderError> {
    let value = request.int(field).unwrap_or(DEFAULT_COOLDOWN);
    i32::try_from(value).map_err(|_| ProviderError::Invalid {
        message: format!("field `{field}` is out of range: {value}"),
    })
}
