//! `aws_applicationautoscaling_scalable_target`: a resource registered with
//! Application Auto Scaling (an ECS service's desired count), with the range
//! scaling may set and the role it acts as.
//!
//! The id is `<namespace>|<resource id>|<dimension>`.
//! `RegisterScalableTarget` both registers a target and changes a registered
//! one.

use std::collections::BTreeMap;

use aws_sdk_applicationautoscaling::error::ProvideErrorMetadata;
use aws_sdk_applicationautoscaling::types::ScalableTarget;
use aws_sdk_applicationautoscaling::Client;

use super::{api_error_is, bad_id, Target, NOT_FOUND, VALIDATION};
use crate::model::Value;
use crate::provider::aws::{
    api_error, has_code, retry_eventual, vanished, EVENTUAL_CONSISTENCY_TIMEOUT,
};
use crate::provider::{Observed, ProviderError, ResourceRequest};

/// The resource type's name.
pub(crate) const TYPE_NAME: &str = "aws_applicationautoscaling_scalable_target";

/// The form of the id, for errors.
const ID_FORM: &str = "<namespace>|<resource id>|<dimension>";

/// Registers the target and returns it as read back. Retried while the role,
/// or the ECS service, just created, is not yet visible to Application Auto
/// Scaling.
pub(crate) async fn create(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    let target = Target::of(&request)?;
    let id = target.id();
    register(client, &target, &request).await?;
    tracing::debug!(target = %id, "registered scalable target");
    read(client, &id)
        .await?
        .ok_or_else(|| vanished("DescribeScalableTargets", "scalable target", &id))
}

/// Reads the target: its capacity range and role. Only describe calls.
pub(crate) async fn read(client: &Client, id: &str) -> Result<Option<Observed>, ProviderError> {
    let target = Target::parse(id).ok_or_else(|| bad_id(id, ID_FORM))?;
    let Some(found) = describe(client, &target).await? else {
        return Ok(None);
    };
    let mut inputs = BTreeMap::from([
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
        (
            "min_capacity".to_owned(),
            Value::from(i64::from(found.min_capacity())),
        ),
        (
            "max_capacity".to_owned(),
            Value::from(i64::from(found.max_capacity())),
        ),
    ]);
    // AWS always reports a role (its service-linked one when none was given);
    // an empty one is a role left unset.
    if !found.role_arn().is_empty() {
        inputs.insert("role_arn".to_owned(), Value::from(found.role_arn()));
    }
    let attributes = BTreeMap::from([("id".to_owned(), Value::from(target.resource_id.as_str()))]);
    Ok(Some(Observed {
        id: id.to_owned(),
        inputs,
        attributes,
    }))
}

/// Registers the target again with the requested capacity range and role
/// when either differs from `current`; the namespace, resource id and
/// dimension force replacement and are never changed here.
pub(crate) async fn update(
    client: &Client,
    id: &str,
    current: &BTreeMap<String, Value>,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    let target = Target::parse(id).ok_or_else(|| bad_id(id, ID_FORM))?;
    let differs = |field: &str| current.get(field) != request.get(field);
    // A role left unset is AWS's to choose (its service-linked role).
    if differs("min_capacity")
        || differs("max_capacity")
        || (request.get("role_arn").is_some() && differs("role_arn"))
    {
        register(client, &target, &request).await?;
        tracing::debug!(target = id, "updated scalable target");
    }
    read(client, id)
        .await?
        .ok_or_else(|| vanished("DescribeScalableTargets", "scalable target", id))
}

/// Finds the target by its identity: a target has no tags to tell whose it is.
pub(crate) async fn find(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Option<Observed>, ProviderError> {
    read(client, &Target::of(&request)?.id()).await
}

/// Deregisters the target, which deletes its scaling policies too; one
/// already gone is success.
pub(crate) async fn delete(client: &Client, id: &str) -> Result<(), ProviderError> {
    let target = Target::parse(id).ok_or_else(|| bad_id(id, ID_FORM))?;
    match client
        .deregister_scalable_target()
        .service_namespace(target.namespace())
        .resource_id(&target.resource_id)
        .scalable_dimension(target.dimension())
        .send()
        .await
    {
        Ok(_) => {
            tracing::debug!(target = id, "deregistered scalable target");
            Ok(())
        }
        // moto answers a ValidationException "No scalable target found".
        Err(err)
            if has_code(&err, NOT_FOUND)
                || (has_code(&err, VALIDATION)
                    && err
                        .message()
                        .is_some_and(|message| message.contains("No scalable target found"))) =>
        {
            Ok(())
        }
        Err(err) => Err(api_error("DeregisterScalableTarget", err)),
    }
}

/// Registers `target` with the request's capacity range and role, retried
/// while what it needs is not yet visible.
async fn register(
    client: &Client,
    target: &Target,
    request: &ResourceRequest<'_>,
) -> Result<(), ProviderError> {
    let min = capacity(request, "min_capacity")?;
    let max = capacity(request, "max_capacity")?;
    let call = client
        .register_scalable_target()
        .service_namespace(target.namespace())
        .resource_id(&target.resource_id)
        .scalable_dimension(target.dimension())
        .min_capacity(min)
        .max_capacity(max)
        .set_role_arn(request.str("role_arn").map(str::to_owned));
    retry_eventual(EVENTUAL_CONSISTENCY_TIMEOUT, not_yet_visible, || {
        let call = call.clone();
        async move {
            call.send()
                .await
                .map_err(|err| api_error("RegisterScalableTarget", err))
        }
    })
    .await?;
    Ok(())
}

/// Whether `err` is AWS not yet seeing what the target needs: the role just
/// created (IAM is eventually consistent), or the ECS service just created.
fn not_yet_visible(err: &ProviderError) -> bool {
    api_error_is(err, VALIDATION, "Unable to assume IAM role")
        || api_error_is(err, VALIDATION, "ECS service doesn't exist")
}

/// The target `target` as Application Auto Scaling reports it, or `None`.
async fn describe(
    client: &Client,
    target: &Target,
) -> Result<Option<ScalableTarget>, ProviderError> {
    let output = client
        .describe_scalable_targets()
        .service_namespace(target.namespace())
        .resource_ids(&target.resource_id)
        .scalable_dimension(target.dimension())
        .send()
        .await
        .map_err(|err| api_error("DescribeScalableTargets", err))?;
    Ok(output
        .scalable_targets
        .unwrap_or_default()
        .into_iter()
        .find(|found| {
            found.resource_id() == target.resource_id
                && found.scalable_dimension().as_str() == target.dimension
                && found.service_namespace().as_str() == target.namespace
        }))
}

/// The capacity `field`, required, checked to fit AWS's 32-bit integers.
fn capacity(request: &ResourceRequest<'_>, field: &str) -> Result<i32, ProviderError> {
    let value = request.int(field).ok_or_else(|| ProviderError::Invalid {
        message: format!("field `{field}` is required and is missing"),
    })?;
    i32::try_from(value).map_err(|_| ProviderError::Invalid {
        message: format!("field `{field}` is out of range: {value}"),
    })
}
