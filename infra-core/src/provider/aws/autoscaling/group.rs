//! `aws_autoscaling_group`: an EC2 Auto Scaling group launching instances from
//! a launch template into a set of subnets, with its sizes, health check grace
//! period, scale-in protection and tags (propagated to the instances).
//!
//! AWS identifies a group by its name, which is the resource's id.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_autoscaling::types::{AutoScalingGroup, LaunchTemplateSpecification, Tag};
use aws_sdk_autoscaling::Client;

use super::{is_not_found, VALIDATION_ERROR};
use crate::model::Value;
use crate::provider::aws::{
    api_error, creation_tags, has_code, malformed, retry_eventual, tag_changes, user_tags,
    vanished, wait_until, EVENTUAL_CONSISTENCY_TIMEOUT,
};
use crate::provider::{owned, Observed, ProviderError, ResourceRequest};

/// The resource type's name.
pub(crate) const TYPE_NAME: &str = "aws_autoscaling_group";

/// The resource type of a group's tags.
const RESOURCE_TYPE: &str = "auto-scaling-group";

/// The status of a group AWS is deleting.
const DELETING: &str = "Delete in progress";

/// The schema's default launch template version.
const LATEST: &str = "$Latest";

/// The version AWS uses when a group names none.
const DEFAULT_VERSION: &str = "$Default";

/// The schema's default health check grace period, in seconds.
const DEFAULT_GRACE_PERIOD: i32 = 300;

/// How long a deleted group may take to terminate its instances and go.
const DELETE_TIMEOUT: Duration = Duration::from_secs(600);

/// How long a delete is retried while a scaling activity is still running.
const SCALING_ACTIVITY_TIMEOUT: Duration = Duration::from_secs(300);

/// The most instance ids one Auto Scaling call takes.
const INSTANCE_BATCH: usize = 50;

/// The group as the request declares it: everything but the name and tags.
struct Spec {
    /// The launch template id.
    launch_template_id: String,
    /// The launch template version selector.
    launch_template_version: String,
    /// The subnets, in the declared order.
    subnet_ids: Vec<String>,
    /// The smallest size.
    min_size: i32,
    /// The largest size.
    max_size: i32,
    /// The wanted size; left to scaling when absent.
    desired_capacity: Option<i32>,
    /// Seconds before a new instance's health is checked.
    health_check_grace_period: i32,
    /// Whether new instances are protected from scale-in.
    protect_from_scale_in: bool,
}

impl Spec {
    /// The request's group settings, checked.
    fn of(request: &ResourceRequest<'_>) -> Result<Self, ProviderError> {
        Ok(Self {
            launch_template_id: request.required_str("launch_template_id")?.to_owned(),
            launch_template_version: request
                .str("launch_template_version")
                .unwrap_or(LATEST)
                .to_owned(),
            subnet_ids: string_list(request, "subnet_ids")?,
            min_size: size(request, "min_size")?.ok_or_else(|| missing("min_size"))?,
            max_size: size(request, "max_size")?.ok_or_else(|| missing("max_size"))?,
            desired_capacity: size(request, "desired_capacity")?,
            health_check_grace_period: size(request, "health_check_grace_period")?
                .unwrap_or(DEFAULT_GRACE_PERIOD),
            protect_from_scale_in: request.bool("protect_from_scale_in").unwrap_or(false),
        })
    }

    /// The launch template the group launches from.
    fn launch_template(&self) -> LaunchTemplateSpecification {
        LaunchTemplateSpecification::builder()
            .launch_template_id(&self.launch_template_id)
            .version(&self.launch_template_version)
            .build()
    }

    /// The subnets as Auto Scaling takes them: one comma-separated string.
    fn vpc_zone_identifier(&self) -> String {
        self.subnet_ids.join(",")
    }
}

/// Creates the group with its launch template, subnets, sizes and tags, and
/// returns it as read back. Retried while the launch template's instance
/// profile, just created, is not yet visible to Auto Scaling.
pub(crate) async fn create(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    let name = request.required_str("name")?;
    let spec = Spec::of(&request)?;
    let tags: Vec<Tag> = creation_tags(&request)
        .into_iter()
        .map(|(key, value)| tag(name, key, value))
        .collect();

    retry_eventual(
        EVENTUAL_CONSISTENCY_TIMEOUT,
        instance_profile_not_ready,
        || async {
            client
                .create_auto_scaling_group()
                .auto_scaling_group_name(name)
                .launch_template(spec.launch_template())
                .vpc_zone_identifier(spec.vpc_zone_identifier())
                .min_size(spec.min_size)
                .max_size(spec.max_size)
                .set_desired_capacity(spec.desired_capacity)
                .health_check_grace_period(spec.health_check_grace_period)
                .new_instances_protected_from_scale_in(spec.protect_from_scale_in)
                .set_tags((!tags.is_empty()).then(|| tags.clone()))
                .send()
                .await
                .map_err(|err| api_error("CreateAutoScalingGroup", err))
        },
    )
    .await?;
    tracing::debug!(group = name, "created Auto Scaling group");

    read(client, name)
        .await?
        .ok_or_else(|| vanished("DescribeAutoScalingGroups", "Auto Scaling group", name))
}

/// Reads the group: launch template, subnets, sizes, grace period, scale-in
/// protection and every tag but AWS's own. Only describe calls.
pub(crate) async fn read(client: &Client, id: &str) -> Result<Option<Observed>, ProviderError> {
    let Some(group) = describe(client, id).await? else {
        return Ok(None);
    };
    let name = group
        .auto_scaling_group_name()
        .ok_or_else(|| malformed("DescribeAutoScalingGroups", "group name"))?;
    let arn = group
        .auto_scaling_group_arn()
        .ok_or_else(|| malformed("DescribeAutoScalingGroups", "group ARN"))?;

    let mut inputs = BTreeMap::from([
        ("name".to_owned(), Value::from(name)),
        (
            "subnet_ids".to_owned(),
            Value::Array(
                group
                    .vpc_zone_identifier()
                    .unwrap_or_default()
                    .split(',')
                    .map(str::trim)
                    .filter(|id| !id.is_empty())
                    .map(Value::from)
                    .collect(),
            ),
        ),
        (
            "min_size".to_owned(),
            Value::from(i64::from(group.min_size().unwrap_or_default())),
        ),
        (
            "max_size".to_owned(),
            Value::from(i64::from(group.max_size().unwrap_or_default())),
        ),
        (
            "desired_capacity".to_owned(),
            Value::from(i64::from(group.desired_capacity().unwrap_or_default())),
        ),
        (
            // AWS leaves the grace period out when it is 0.
            "health_check_grace_period".to_owned(),
            Value::from(i64::from(group.health_check_grace_period().unwrap_or(0))),
        ),
        (
            "protect_from_scale_in".to_owned(),
            Value::Bool(group.new_instances_protected_from_scale_in() == Some(true)),
        ),
        (
            "tags".to_owned(),
            user_tags(
                group
                    .tags()
                    .iter()
                    .filter_map(|tag| Some((tag.key()?, tag.value().unwrap_or_default()))),
            ),
        ),
    ]);
    // A group launching from a launch configuration or a mixed instances policy
    // has no launch template of its own: the field is then absent.
    if let Some(template) = group.launch_template() {
        if let Some(template_id) = template.launch_template_id() {
            inputs.insert("launch_template_id".to_owned(), Value::from(template_id));
        }
        // A group that names no version launches from the default one.
        inputs.insert(
            "launch_template_version".to_owned(),
            Value::from(template.version().unwrap_or(DEFAULT_VERSION)),
        );
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

/// Changes the launch template, subnets, sizes, grace period and scale-in
/// protection that differ from `current` in one `UpdateAutoScalingGroup`, then
/// the tags that differ; the name forces replacement and is never changed here.
pub(crate) async fn update(
    client: &Client,
    id: &str,
    current: &BTreeMap<String, Value>,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    let spec = Spec::of(&request)?;
    let differs = |field: &str| current.get(field) != request.get(field);

    let mut call = client
        .update_auto_scaling_group()
        .auto_scaling_group_name(id);
    let mut changed = false;
    if differs("launch_template_id") || differs("launch_template_version") {
        call = call.launch_template(spec.launch_template());
        changed = true;
    }
    // Sent again when only the order differs, so that the order read back
    // matches the declaration.
    if differs("subnet_ids") {
        call = call.vpc_zone_identifier(spec.vpc_zone_identifier());
        changed = true;
    }
    // The sizes go together: AWS checks min <= desired <= max on the result.
    if differs("min_size")
        || differs("max_size")
        || (spec.desired_capacity.is_some() && differs("desired_capacity"))
    {
        call = call
            .min_size(spec.min_size)
            .max_size(spec.max_size)
            .set_desired_capacity(spec.desired_capacity);
        changed = true;
    }
    if differs("health_check_grace_period") {
        call = call.health_check_grace_period(spec.health_check_grace_period);
        changed = true;
    }
    if differs("protect_from_scale_in") {
        call = call.new_instances_protected_from_scale_in(spec.protect_from_scale_in);
        changed = true;
    }
    if changed {
        retry_eventual(
            EVENTUAL_CONSISTENCY_TIMEOUT,
            instance_profile_not_ready,
            || {
                let call = call.clone();
                async move {
                    call.send()
                        .await
                        .map_err(|err| api_error("UpdateAutoScalingGroup", err))
                }
            },
        )
        .await?;
        tracing::debug!(group = id, "updated Auto Scaling group");
    }

    let changes = tag_changes(current, &request);
    if !changes.set.is_empty() {
        client
            .create_or_update_tags()
            .set_tags(Some(
                changes
                    .set
                    .into_iter()
                    .map(|(key, value)| tag(id, key, value))
                    .collect(),
            ))
            .send()
            .await
            .map_err(|err| api_error("CreateOrUpdateTags", err))?;
    }
    if !changes.remove.is_empty() {
        client
            .delete_tags()
            .set_tags(Some(
                changes
                    .remove
                    .into_iter()
                    .map(|key| {
                        Tag::builder()
                            .resource_id(id)
                            .resource_type(RESOURCE_TYPE)
                            .key(key)
                            .build()
                    })
                    .collect(),
            ))
            .send()
            .await
            .map_err(|err| api_error("DeleteTags", err))?;
    }

    read(client, id)
        .await?
        .ok_or_else(|| vanished("DescribeAutoScalingGroups", "Auto Scaling group", id))
}

/// Finds the group by its name, adopted when its tags say it is this stack
/// resource's.
pub(crate) async fn find(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Option<Observed>, ProviderError> {
    let name = request.required_str("name")?;
    owned("Auto Scaling group", read(client, name).await?, &request)
}

/// Deletes the group and its instances, and waits until both are gone, so
/// that what the instances belong to (an ECS cluster, a capacity provider, the
/// subnets) can be deleted next; one already gone is success.
///
/// The group is first emptied: sizes set to 0 and its instances' scale-in
/// protection lifted, so that it stops launching replacements and every
/// instance may go. Then it is force-deleted, which terminates what is left.
pub(crate) async fn delete(client: &Client, id: &str) -> Result<(), ProviderError> {
    let Some(group) = describe(client, id).await? else {
        return Ok(());
    };
    let instance_ids: Vec<String> = group
        .instances()
        .iter()
        .filter_map(|instance| instance.instance_id().map(str::to_owned))
        .collect();

    if group.status() != Some(DELETING) {
        if !empty(client, &group).await? {
            return Ok(());
        }
        let deleted = retry_eventual(SCALING_ACTIVITY_TIMEOUT, scaling_in_progress, || async {
            match client
                .delete_auto_scaling_group()
                .auto_scaling_group_name(id)
                .force_delete(true)
                .send()
                .await
            {
                Ok(_) => Ok(true),
                Err(err) if is_not_found(&err) => Ok(false),
                Err(err) => Err(api_error("DeleteAutoScalingGroup", err)),
            }
        })
        .await?;
        if !deleted {
            return Ok(());
        }
        tracing::debug!(group = id, "deleting Auto Scaling group");
    }

    wait_until(
        &format!("Auto Scaling group `{id}` and its instances to be deleted"),
        DELETE_TIMEOUT,
        || async {
            if describe(client, id).await?.is_some() {
                return Ok(false);
            }
            Ok(!any_instance_left(client, &instance_ids).await?)
        },
    )
    .await?;
    tracing::debug!(group = id, "deleted Auto Scaling group");
    Ok(())
}

/// Sets the group's sizes to 0 and lifts its instances' scale-in protection;
/// `false` when the group turned out to be gone already.
async fn empty(client: &Client, group: &AutoScalingGroup) -> Result<bool, ProviderError> {
    let name = group
        .auto_scaling_group_name()
        .ok_or_else(|| malformed("DescribeAutoScalingGroups", "group name"))?;
    match client
        .update_auto_scaling_group()
        .auto_scaling_group_name(name)
        .min_size(0)
        .desired_capacity(0)
        .new_instances_protected_from_scale_in(false)
        .send()
        .await
    {
        Ok(_) => {}
        Err(err) if is_not_found(&err) => return Ok(false),
        Err(err) => return Err(api_error("UpdateAutoScalingGroup", err)),
    }
    let protected: Vec<String> = group
        .instances()
        .iter()
        .filter(|instance| instance.protected_from_scale_in() == Some(true))
        .filter_map(|instance| instance.instance_id().map(str::to_owned))
        .collect();
    for batch in protected.chunks(INSTANCE_BATCH) {
        match client
            .set_instance_protection()
            .auto_scaling_group_name(name)
            .set_instance_ids(Some(batch.to_vec()))
            .protected_from_scale_in(false)
            .send()
            .await
        {
            Ok(_) => {}
            Err(err) if is_not_found(&err) => return Ok(false),
            // An instance already terminating refuses; the force delete that
            // follows terminates protected instances anyway.
            Err(err) if has_code(&err, VALIDATION_ERROR) => {
                tracing::debug!(group = name, error = %api_error("SetInstanceProtection", err), "could not lift scale-in protection");
            }
            Err(err) => return Err(api_error("SetInstanceProtection", err)),
        }
    }
    Ok(true)
}

/// Whether Auto Scaling still reports any of `instance_ids` (terminating ones
/// included).
async fn any_instance_left(
    client: &Client,
    instance_ids: &[String],
) -> Result<bool, ProviderError> {
    // Without ids the call would describe every instance of the account.
    for batch in instance_ids.chunks(INSTANCE_BATCH) {
        let output = client
            .describe_auto_scaling_instances()
            .set_instance_ids(Some(batch.to_vec()))
            .send()
            .await
            .map_err(|err| api_error("DescribeAutoScalingInstances", err))?;
        if !output.auto_scaling_instances().is_empty() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The group `name`, or `None` when Auto Scaling does not know it.
async fn describe(client: &Client, name: &str) -> Result<Option<AutoScalingGroup>, ProviderError> {
    let output = client
        .describe_auto_scaling_groups()
        .auto_scaling_group_names(name)
        .send()
        .await
        .map_err(|err| api_error("DescribeAutoScalingGroups", err))?;
    Ok(output
        .auto_scaling_groups
        .unwrap_or_default()
        .into_iter()
        .find(|group| group.auto_scaling_group_name() == Some(name)))
}

/// The group tag `key`, propagated to the instances it launches.
fn tag(group: &str, key: String, value: String) -> Tag {
    Tag::builder()
        .resource_id(group)
        .resource_type(RESOURCE_TYPE)
        .key(key)
        .value(value)
        .propagate_at_launch(true)
        .build()
}

/// Whether `err` is Auto Scaling not yet seeing the instance profile of the
/// launch template, just created: IAM is eventually consistent.
fn instance_profile_not_ready(err: &ProviderError) -> bool {
    matches!(
        err,
        ProviderError::Api { code, message, .. }
            if code == VALIDATION_ERROR && message.contains("Invalid IAM Instance Profile")
    )
}

/// Whether `err` is a delete refused while a scaling activity runs, which
/// ends on its own.
fn scaling_in_progress(err: &ProviderError) -> bool {
    matches!(
        err,
        ProviderError::Api { code, .. }
            if code == "ScalingActivityInProgress" || code == "ResourceInUse"
    )
}

/// The list of strings `field`, checked.
fn string_list(request: &ResourceRequest<'_>, field: &str) -> Result<Vec<String>, ProviderError> {
    let invalid = || ProviderError::Invalid {
        message: format!("field `{field}` must be a list of strings"),
    };
    request
        .get(field)
        .ok_or_else(|| missing(field))?
        .as_array()
        .ok_or_else(invalid)?
        .iter()
        .map(|item| item.as_str().map(str::to_owned).ok_or_else(invalid))
        .collect()
}

/// The size `field`, if set, checked to fit AWS's 32-bit integers.
fn size(request: &ResourceRequest<'_>, field: &str) -> Result<Option<i32>, ProviderError> {
    request
        .int(field)
        .map(|value| {
            i32::try_from(value).map_err(|_| ProviderError::Invalid {
                message: format!("field `{field}` is out of range: {value}"),
            })
        })
        .transpose()
}

/// The error of a required field that is missing.
fn missing(field: &str) -> ProviderError {
    ProviderError::Invalid {
        message: format!("field `{field}` is required and is missing"),
    }
}
