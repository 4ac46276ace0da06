//! `aws_elbv2_target_group`: a target group, the port, protocol, VPC and kind
//! of its targets, how their health is checked, and its tags.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_elasticloadbalancingv2::types::{Matcher, TargetGroup, TargetTypeEnum};
use aws_sdk_elasticloadbalancingv2::Client;

use super::{
    describe_tags, int32, port, protocol, tag_list, update_tags, HTTP, TARGET_GROUP_NOT_FOUND,
};
use crate::model::Value;
use crate::provider::aws::{api_error, creation_tags, has_code, malformed, vanished, wait_until};
use crate::provider::{owned, Observed, ProviderError, ResourceRequest};

/// The resource type's name.
pub(crate) const TYPE_NAME: &str = "aws_elbv2_target_group";

/// The error code of a target group a listener, rule or service still uses.
const IN_USE: &str = "ResourceInUse";

/// How long a target group may stay in use once the listener or rule that
/// forwarded to it was deleted: AWS lets go of it eventually, not at once
/// (Terraform waits as long). Bounded, since a listener still forwarding to it
/// keeps it in use for good.
const IN_USE_TIMEOUT: Duration = Duration::from_secs(120);

/// The catalog's default target type.
const INSTANCE: &str = "instance";

/// The health check of a target group, as the catalog's `elbv2::HealthCheck`
/// block describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct HealthCheck {
    /// The HTTP path requested.
    path: String,
    /// Seconds between two checks.
    interval: i64,
    /// Seconds without an answer after which a check fails.
    timeout: i64,
    /// Checks in a row that must pass.
    healthy_threshold: i64,
    /// Checks in a row that must fail.
    unhealthy_threshold: i64,
    /// The HTTP codes of a healthy answer.
    matcher: String,
}

impl HealthCheck {
    /// The catalog's defaults, which are also AWS's for an HTTP or HTTPS target
    /// group of instances or addresses.
    fn defaults() -> Self {
        Self {
            path: "/".to_owned(),
            interval: 30,
            timeout: 5,
            healthy_threshold: 5,
            unhealthy_threshold: 2,
            matcher: "200".to_owned(),
        }
    }

    /// The declared block `value`, the catalog's default for each field unset.
    fn declared(value: &Value) -> Result<Self, ProviderError> {
        let block = value.as_object().ok_or_else(|| ProviderError::Invalid {
            message: "field `health_check` must be a block".to_owned(),
        })?;
        let defaults = Self::defaults();
        let text = |field: &str, default: String| {
            block
                .get(field)
                .and_then(Value::as_str)
                .map_or(default, str::to_owned)
        };
        let int =
            |field: &str, default: i64| block.get(field).and_then(Value::as_i64).unwrap_or(default);
        Ok(Self {
            path: text("path", defaults.path),
            interval: int("interval", defaults.interval),
            timeout: int("timeout", defaults.timeout),
            healthy_threshold: int("healthy_threshold", defaults.healthy_threshold),
            unhealthy_threshold: int("unhealthy_threshold", defaults.unhealthy_threshold),
            matcher: text("matcher", defaults.matcher),
        })
    }

    /// The health check AWS reports for `group`, its default for a field it
    /// leaves out.
    fn live(group: &TargetGroup) -> Self {
        let defaults = Self::defaults();
        let int = |value: Option<i32>, default: i64| value.map_or(default, i64::from);
        Self {
            path: group
                .health_check_path()
                .map_or(defaults.path, str::to_owned),
            interval: int(group.health_check_interval_seconds(), defaults.interval),
            timeout: int(group.health_check_timeout_seconds(), defaults.timeout),
            healthy_threshold: int(group.healthy_threshold_count(), defaults.healthy_threshold),
            unhealthy_threshold: int(
                group.unhealthy_threshold_count(),
                defaults.unhealthy_threshold,
            ),
            matcher: group
                .matcher()
                .and_then(Matcher::http_code)
                .map_or(defaults.matcher, str::to_owned),
        }
    }

    /// The block as an input value.
    fn to_value(&self) -> Value {
        Value::Object(
            [
                ("path", Value::from(self.path.as_str())),
                ("interval", Value::from(self.interval)),
                ("timeout", Value::from(self.timeout)),
                ("healthy_threshold", Value::from(self.healthy_threshold)),
                ("unhealthy_threshold", Value::from(self.unhealthy_threshold)),
                ("matcher", Value::from(self.matcher.as_str())),
            ]
            .into_iter()
            .map(|(key, value)| (key.to_owned(), value))
            .collect(),
        )
    }

    /// The matcher AWS takes.
    fn matcher(&self) -> Matcher {
        Matcher::builder().http_code(&self.matcher).build()
    }
}

/// Creates the target group, tagged, with its health check when one is
/// declared (AWS's defaults otherwise), and returns it as read back.
pub(crate) async fn create(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    let name = request.required_str("name")?;
    let target_type = request.str("target_type").unwrap_or(INSTANCE);
    if !matches!(target_type, INSTANCE | "ip") {
        return Err(ProviderError::Invalid {
            message: format!("`target_type` must be instance or ip, not `{target_type}`"),
        });
    }
    let health_check = request
        .get("health_check")
        .map(HealthCheck::declared)
        .transpose()?;
    let tags = creation_tags(&request);

    let mut call = client
        .create_target_group()
        .name(name)
        .port(port(&request, "port")?)
        .protocol(protocol(
            "protocol",
            request.str("protocol").unwrap_or(HTTP),
        )?)
        .vpc_id(request.required_str("vpc_id")?)
        .target_type(TargetTypeEnum::from(target_type))
        .set_tags((!tags.is_empty()).then(|| tag_list(tags)));
    if let Some(check) = &health_check {
        call = call
            .health_check_path(&check.path)
            .health_check_interval_seconds(int32("health_check.interval", check.interval)?)
            .health_check_timeout_seconds(int32("health_check.timeout", check.timeout)?)
            .healthy_threshold_count(int32(
                "health_check.healthy_threshold",
                check.healthy_threshold,
            )?)
            .unhealthy_threshold_count(int32(
                "health_check.unhealthy_threshold",
                check.unhealthy_threshold,
            )?)
            .matcher(check.matcher());
    }
    let output = call
        .send()
        .await
        .map_err(|err| api_error("CreateTargetGroup", err))?;
    let arn = output
        .target_groups()
        .first()
        .and_then(TargetGroup::target_group_arn)
        .ok_or_else(|| malformed("CreateTargetGroup", "target group ARN"))?;
    tracing::debug!(target_group = arn, "created target group");
    read(client, arn)
        .await?
        .ok_or_else(|| vanished("DescribeTargetGroups", "target group", arn))
}

/// Reads the target group: name, port, protocol, VPC, target type, health
/// check (AWS's defaults filled in) and every tag but AWS's own. Only describe
/// calls.
pub(crate) async fn read(client: &Client, id: &str) -> Result<Option<Observed>, ProviderError> {
    let group = match client
        .describe_target_groups()
        .target_group_arns(id)
        .send()
        .await
    {
        Ok(output) => output
            .target_groups
            .unwrap_or_default()
            .into_iter()
            .find(|group| group.target_group_arn() == Some(id)),
        Err(err) if has_code(&err, TARGET_GROUP_NOT_FOUND) => None,
        Err(err) => return Err(api_error("DescribeTargetGroups", err)),
    };
    let Some(group) = group else {
        return Ok(None);
    };
    observe(client, id, &group).await.map(Some)
}

/// Changes the health check and tags that differ from `current`; the name,
/// port, protocol, VPC and target type force replacement and are never changed
/// here.
pub(crate) async fn update(
    client: &Client,
    id: &str,
    current: &BTreeMap<String, Value>,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    if let Some(declared) = request.get("health_check") {
        let check = HealthCheck::declared(declared)?;
        if current.get("health_check") != Some(&check.to_value()) {
            // Every field at once: AWS checks the timeout against the interval
            // as they will be, not one field at a time.
            client
                .modify_target_group()
                .target_group_arn(id)
                .health_check_path(&check.path)
                .health_check_interval_seconds(int32("health_check.interval", check.interval)?)
                .health_check_timeout_seconds(int32("health_check.timeout", check.timeout)?)
                .healthy_threshold_count(int32(
                    "health_check.healthy_threshold",
                    check.healthy_threshold,
                )?)
                .unhealthy_threshold_count(int32(
                    "health_check.unhealthy_threshold",
                    check.unhealthy_threshold,
                )?)
                .matcher(check.matcher())
                .send()
                .await
                .map_err(|err| api_error("ModifyTargetGroup", err))?;
        }
    }
    update_tags(client, id, current, &request).await?;
    read(client, id)
        .await?
        .ok_or_else(|| vanished("DescribeTargetGroups", "target group", id))
}

/// Finds the target group by its name, adopted when its tags say it is this
/// stack resource's.
pub(crate) async fn find(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Option<Observed>, ProviderError> {
    let name = request.required_str("name")?;
    let group = match client.describe_target_groups().names(name).send().await {
        Ok(output) => output
            .target_groups
            .unwrap_or_default()
            .into_iter()
            .find(|group| group.target_group_name() == Some(name)),
        Err(err) if has_code(&err, TARGET_GROUP_NOT_FOUND) => None,
        Err(err) => return Err(api_error("DescribeTargetGroups", err)),
    };
    let observed = match &group {
        Some(group) => {
            let arn = group
                .target_group_arn()
                .ok_or_else(|| malformed("DescribeTargetGroups", "target group ARN"))?;
            Some(observe(client, arn, group).await?)
        }
        None => None,
    };
    owned("target group", observed, &request)
}

/// Deletes the target group; one already gone is success. A group still in use
/// (by a listener just deleted) is retried until it is free, at most
/// [`IN_USE_TIMEOUT`].
pub(crate) async fn delete(client: &Client, id: &str) -> Result<(), ProviderError> {
    wait_until(
        &format!("target group {id} to be no longer in use"),
        IN_USE_TIMEOUT,
        || async move {
            match client
                .delete_target_group()
                .target_group_arn(id)
                .send()
                .await
            {
                Ok(_) => Ok(true),
                Err(err) if has_code(&err, TARGET_GROUP_NOT_FOUND) => Ok(true),
                Err(err) if has_code(&err, IN_USE) => {
                    tracing::debug!(target_group = id, "target group still in use");
                    Ok(false)
                }
                Err(err) => Err(api_error("DeleteTargetGroup", err)),
            }
        },
    )
    .await?;
    tracing::debug!(target_group = id, "deleted target group");
    Ok(())
}

/// The target group `group` (whose ARN is `arn`) as observed, its tags read.
async fn observe(
    client: &Client,
    arn: &str,
    group: &TargetGroup,
) -> Result<Observed, ProviderError> {
    let name = group
        .target_group_name()
        .ok_or_else(|| malformed("DescribeTargetGroups", "target group name"))?;
    let port = group
        .port()
        .ok_or_else(|| malformed("DescribeTargetGroups", "target group port"))?;
    let protocol = group
        .protocol()
        .ok_or_else(|| malformed("DescribeTargetGroups", "target group protocol"))?;
    let vpc_id = group
        .vpc_id()
        .ok_or_else(|| malformed("DescribeTargetGroups", "target group VPC id"))?;
    let target_type = group.target_type().map_or(INSTANCE, TargetTypeEnum::as_str);
    let inputs = BTreeMap::from([
        ("name".to_owned(), Value::from(name)),
        ("port".to_owned(), Value::from(port)),
        ("protocol".to_owned(), Value::from(protocol.as_str())),
        ("vpc_id".to_owned(), Value::from(vpc_id)),
        ("target_type".to_owned(), Value::from(target_type)),
        (
            "health_check".to_owned(),
            HealthCheck::live(group).to_value(),
        ),
        ("tags".to_owned(), describe_tags(client, arn).await?),
    ]);
    let attributes = BTreeMap::from([
        ("id".to_owned(), Value::from(arn)),
        ("arn".to_owned(), Value::from(arn)),
    ]);
    Ok(Observed {
        id: arn.to_owned(),
        inputs,
        attributes,
    })
}
