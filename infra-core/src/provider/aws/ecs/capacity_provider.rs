//! `aws_ecs_capacity_provider`: an ECS capacity provider backed by an Auto
//! Scaling group, with its managed scaling, target capacity, managed
//! termination protection and tags.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_ecs::types::{
    AutoScalingGroupProvider, AutoScalingGroupProviderUpdate, CapacityProvider,
    CapacityProviderField, CapacityProviderStatus, CapacityProviderUpdateStatus, ManagedScaling,
    ManagedScalingStatus, ManagedTerminationProtection,
};
use aws_sdk_ecs::Client;

use super::{ecs_tags, invalid, is_code, observed_tags, to_i32, update_tags};
use crate::model::Value;
use crate::provider::aws::{
    api_error, creation_tags, malformed, retry_eventual, vanished, wait_until,
};
use crate::provider::{owned, Observed, ProviderError, ResourceRequest};

/// The resource type's name.
pub(crate) const TYPE_NAME: &str = "aws_ecs_capacity_provider";

/// How long an update or a delete may take to complete, and how long a delete
/// is retried while a cluster still uses the capacity provider (its
/// association was just removed, and tasks may still be draining).
const TIMEOUT: Duration = Duration::from_secs(600);

/// The schema's default target capacity, and what AWS reports without one.
const DEFAULT_TARGET_CAPACITY: i64 = 100;

/// Creates the capacity provider with its scaling settings and tags, and
/// returns it as read back.
pub(crate) async fn create(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    let name = request.required_str("name")?;
    let (scaling, protection) = settings(&request)?;
    let provider = AutoScalingGroupProvider::builder()
        .auto_scaling_group_arn(request.required_str("auto_scaling_group_arn")?)
        .managed_scaling(scaling)
        .managed_termination_protection(protection)
        .build()
        .map_err(invalid)?;
    let tags = ecs_tags(creation_tags(&request));
    client
        .create_capacity_provider()
        .name(name)
        .auto_scaling_group_provider(provider)
        .set_tags((!tags.is_empty()).then_some(tags))
        .send()
        .await
        .map_err(|err| api_error("CreateCapacityProvider", err))?;
    tracing::debug!(capacity_provider = name, "created ECS capacity provider");
    read(client, name)
        .await?
        .ok_or_else(|| vanished("DescribeCapacityProviders", "capacity provider", name))
}

/// Reads the capacity provider: its group, scaling settings and tags; `None`
/// once it is `INACTIVE` or being deleted. One describe call.
pub(crate) async fn read(client: &Client, id: &str) -> Result<Option<Observed>, ProviderError> {
    let Some(provider) = describe(client, id).await? else {
        return Ok(None);
    };
    if is_going(&provider) {
        return Ok(None);
    }
    let name = provider
        .name()
        .ok_or_else(|| malformed("DescribeCapacityProviders", "capacity provider name"))?;
    let arn = provider
        .capacity_provider_arn()
        .ok_or_else(|| malformed("DescribeCapacityProviders", "capacity provider ARN"))?;
    let group = provider
        .auto_scaling_group_provider()
        .ok_or_else(|| malformed("DescribeCapacityProviders", "Auto Scaling group provider"))?;
    let scaling = group.managed_scaling();
    let managed_scaling =
        scaling.and_then(ManagedScaling::status) == Some(&ManagedScalingStatus::Enabled);
    let target_capacity = scaling
        .and_then(ManagedScaling::target_capacity)
        .map_or(DEFAULT_TARGET_CAPACITY, i64::from);
    let protection =
        group.managed_termination_protection() == Some(&ManagedTerminationProtection::Enabled);

    let inputs = BTreeMap::from([
        ("name".to_owned(), Value::from(name)),
        (
            "auto_scaling_group_arn".to_owned(),
            Value::from(group.auto_scaling_group_arn()),
        ),
        ("managed_scaling".to_owned(), Value::Bool(managed_scaling)),
        ("target_capacity".to_owned(), Value::from(target_capacity)),
        (
            "managed_termination_protection".to_owned(),
            Value::Bool(protection),
        ),
        ("tags".to_owned(), observed_tags(provider.tags())),
    ]);
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

/// Changes the scaling settings (one `UpdateCapacityProvider`, then waits for
/// it to complete) and the tags that differ from `current`; the name and the
/// group force replacement and are never changed here.
pub(crate) async fn update(
    client: &Client,
    id: &str,
    current: &BTreeMap<String, Value>,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    let differs = [
        "managed_scaling",
        "target_capacity",
        "managed_termination_protection",
    ]
    .iter()
    .any(|field| {
        request
            .get(field)
            .is_some_and(|wanted| current.get(*field) != Some(wanted))
    });
    if differs {
        let (scaling, protection) = settings(&request)?;
        client
            .update_capacity_provider()
            .name(id)
            .auto_scaling_group_provider(
                AutoScalingGroupProviderUpdate::builder()
                    .managed_scaling(scaling)
                    .managed_termination_protection(protection)
                    .build(),
            )
            .send()
            .await
            .map_err(|err| api_error("UpdateCapacityProvider", err))?;
        wait_until(
            &format!("capacity provider `{id}` to finish updating"),
            TIMEOUT,
            || async {
                let provider = describe(client, id).await?.ok_or_else(|| {
                    vanished("DescribeCapacityProviders", "capacity provider", id)
                })?;
                match provider.update_status() {
                    Some(CapacityProviderUpdateStatus::UpdateInProgress) => Ok(false),
                    Some(CapacityProviderUpdateStatus::UpdateFailed) => Err(ProviderError::Api {
                        operation: "UpdateCapacityProvider",
                        code: "UPDATE_FAILED".to_owned(),
                        message: provider
                            .update_status_reason()
                            .unwrap_or("no reason given")
                            .to_owned(),
                    }),
                    _ => Ok(true),
                }
            },
        )
        .await?;
    }

    if current.get("tags") != request.get("tags") {
        // Tagging takes the capacity provider's ARN, not its name.
        let provider = describe(client, id)
            .await?
            .ok_or_else(|| vanished("DescribeCapacityProviders", "capacity provider", id))?;
        let arn = provider
            .capacity_provider_arn()
            .ok_or_else(|| malformed("DescribeCapacityProviders", "capacity provider ARN"))?;
        update_tags(client, arn, current, &request).await?;
    }
    read(client, id)
        .await?
        .ok_or_else(|| vanished("DescribeCapacityProviders", "capacity provider", id))
}

/// Finds the capacity provider by its name, adopted when its tags say it is
/// this stack resource's.
pub(crate) async fn find(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Option<Observed>, ProviderError> {
    let name = request.required_str("name")?;
    owned("ECS capacity provider", read(client, name).await?, &request)
}

/// Deletes the capacity provider and waits until ECS reports it gone or
/// `INACTIVE`, so the Auto Scaling group behind it can go next; one already
/// gone is success. Retried while a cluster still uses it: AWS removes a
/// cluster's association asynchronously.
pub(crate) async fn delete(client: &Client, id: &str) -> Result<(), ProviderError> {
    // Describe first: DeleteCapacityProvider of an unknown name is an error
    // whose code differs between AWS and moto.
    match describe(client, id).await? {
        None => return Ok(()),
        Some(provider) if is_going(&provider) => {}
        Some(_) => {
            retry_eventual(
                TIMEOUT,
                |err| {
                    is_code(err, "ResourceInUseException")
                        || is_code(err, "UpdateInProgressException")
                },
                || async {
                    client
                        .delete_capacity_provider()
                        .capacity_provider(id)
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(|err| api_error("DeleteCapacityProvider", err))
                },
            )
            .await?;
        }
    }
    wait_until(
        &format!("capacity provider `{id}` to be deleted"),
        TIMEOUT,
        || async {
            let Some(provider) = describe(client, id).await? else {
                return Ok(true);
            };
            match provider.update_status() {
                Some(CapacityProviderUpdateStatus::DeleteFailed) => Err(ProviderError::Api {
                    operation: "DeleteCapacityProvider",
                    code: "DELETE_FAILED".to_owned(),
                    message: provider
                        .update_status_reason()
                        .unwrap_or("no reason given")
                        .to_owned(),
                }),
                Some(CapacityProviderUpdateStatus::DeleteComplete) => Ok(true),
                _ => Ok(provider.status() == Some(&CapacityProviderStatus::Inactive)),
            }
        },
    )
    .await?;
    tracing::debug!(capacity_provider = id, "deleted ECS capacity provider");
    Ok(())
}

/// Whether the capacity provider is deleted or being deleted.
fn is_going(provider: &CapacityProvider) -> bool {
    provider.status() == Some(&CapacityProviderStatus::Inactive)
        || matches!(
            provider.update_status(),
            Some(
                CapacityProviderUpdateStatus::DeleteInProgress
                    | CapacityProviderUpdateStatus::DeleteComplete
            )
        )
}

/// The capacity provider `name` with its tags, in whatever status; `None` when
/// ECS does not know it.
async fn describe(client: &Client, name: &str) -> Result<Option<CapacityProvider>, ProviderError> {
    let output = client
        .describe_capacity_providers()
        .capacity_providers(name)
        .include(CapacityProviderField::Tags)
        .send()
        .await
        .map_err(|err| api_error("DescribeCapacityProviders", err))?;
    Ok(output
        .capacity_providers
        .unwrap_or_default()
        .into_iter()
        .find(|provider| {
            provider.name() == Some(name) || provider.capacity_provider_arn() == Some(name)
        }))
}

/// The request's managed scaling and managed termination protection.
fn settings(
    request: &ResourceRequest<'_>,
) -> Result<(ManagedScaling, ManagedTerminationProtection), ProviderError> {
    let status = if request.bool("managed_scaling").unwrap_or(true) {
        ManagedScalingStatus::Enabled
    } else {
        ManagedScalingStatus::Disabled
    };
    let target = request
        .int("target_capacity")
        .unwrap_or(DEFAULT_TARGET_CAPACITY);
    let scaling = ManagedScaling::builder()
        .status(status)
        .target_capacity(to_i32(target, "target_capacity")?)
        .build();
    let protection = if request
        .bool("managed_termination_protection")
        .unwrap_or(false)
    {
        ManagedTerminationProtection::Enabled
    } else {
        ManagedTerminationProtection::Disabled
    };
    Ok((scaling, protection))
}
