//! `aws_ecs_service`: an ECS service keeping a number of tasks of a task
//! definition revision running, with its placement (launch type or capacity
//! provider), load balancers, deployment settings and tags.
//!
//! The id is the service's ARN, in the long format AWS uses for every new
//! service (`…:service/<cluster>/<name>`), which names the cluster too.
//!
//! The cluster is given by its ARN (`cluster.arn`), the form AWS reports it
//! in: a cluster name would read back as an ARN, a difference that forces
//! replacement at every plan, so create refuses it.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use aws_sdk_ecs::types::{
    CapacityProviderStrategyItem, DeploymentConfiguration, DeploymentRolloutState, LaunchType,
    LoadBalancer, Service, ServiceField,
};
use aws_sdk_ecs::Client;
use aws_smithy_types::DateTime;

use super::{ecs_tags, invalid, is_code, is_code_saying, observed_tags, to_i32, update_tags};
use super::{CLUSTER_NOT_FOUND, INACTIVE};
use crate::model::Value;
use crate::provider::aws::{
    api_error, creation_tags, malformed, retry_eventual, vanished, wait_until,
    EVENTUAL_CONSISTENCY_TIMEOUT,
};
use crate::provider::{owned, Observed, ProviderError, ResourceRequest};

/// The resource type's name.
pub(crate) const TYPE_NAME: &str = "aws_ecs_service";

/// How long a deployment may take to become stable (tasks placed, started and
/// healthy; instances may have to be launched first).
const STABLE_TIMEOUT: Duration = Duration::from_secs(900);

/// How long a deleted service may take to drain its tasks and become
/// `INACTIVE`.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(900);

/// The status of a service that is running (not draining, not deleted).
const ACTIVE: &str = "ACTIVE";

/// The error codes of a service that is gone or going.
const GONE: [&str; 3] = [
    "ServiceNotFoundException",
    "ServiceNotActiveException",
    CLUSTER_NOT_FOUND,
];

/// The schema's default `desired_count`.
const DEFAULT_DESIRED_COUNT: i64 = 1;

/// The schema's default `deployment_minimum_healthy_percent`, AWS's too.
const DEFAULT_MINIMUM_HEALTHY_PERCENT: i64 = 100;

/// The schema's default `deployment_maximum_percent`, AWS's too.
const DEFAULT_MAXIMUM_PERCENT: i64 = 200;

/// What service events say when ECS gave up a deployment (the deployment
/// circuit breaker), in lower case: waiting longer cannot help then.
const FAILURE_EVENTS: [&str; 2] = ["deployment failed", "rolling back"];

/// Creates the service, retried while IAM or the load balancer it needs has not
/// propagated yet; brings the fields AWS did not take at creation to the
/// request; waits until the service is stable; returns it as read back.
pub(crate) async fn create(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    let cluster = cluster_arn(&request)?;
    let name = request.required_str("name")?;
    let tags = ecs_tags(creation_tags(&request));
    let call = client
        .create_service()
        .cluster(cluster)
        .service_name(name)
        .task_definition(task_definition_arn(&request)?)
        .desired_count(desired_count(&request)?)
        .set_launch_type(request.str("launch_type").map(LaunchType::from))
        .set_capacity_provider_strategy(strategy(&request)?)
        .set_load_balancers(Some(load_balancers(&request)?).filter(|lbs| !lbs.is_empty()))
        .set_health_check_grace_period_seconds(grace_period(&request)?)
        .deployment_configuration(deployment_configuration(&request)?)
        .set_tags((!tags.is_empty()).then_some(tags));
    let output = retry_eventual(
        EVENTUAL_CONSISTENCY_TIMEOUT,
        // A role or target group made moments ago: ECS cannot assume the role
        // yet, or does not yet see the listener that ties the target group to
        // its load balancer.
        |err| {
            is_code_saying(err, "InvalidParameterException", "unable to assume role")
                || is_code_saying(
                    err,
                    "InvalidParameterException",
                    "does not have an associated load balancer",
                )
        },
        || {
            let call = call.clone();
            async move {
                call.send()
                    .await
                    .map_err(|err| api_error("CreateService", err))
            }
        },
    )
    .await?;
    let arn = output
        .service()
        .and_then(Service::service_arn)
        .ok_or_else(|| malformed("CreateService", "service ARN"))?
        .to_owned();
    tracing::debug!(service = %arn, "created ECS service");
    wait_stable(client, &arn).await?;

    // moto drops `capacityProviderStrategy`, `deploymentConfiguration` and
    // `healthCheckGracePeriodSeconds` from CreateService (but keeps them from
    // UpdateService): the read would then lack the capacity provider and show
    // it as a change at every plan. So update brings whatever the read shows
    // different from the request, with one UpdateService; against AWS, which
    // keeps them at creation, nothing differs and no call is made.
    let created = read(client, &arn)
        .await?
        .ok_or_else(|| vanished("DescribeServices", "ECS service", &arn))?;
    update(client, &arn, &created.inputs, request).await
}

/// Reads the service `id` (its ARN) with its tags; `None` once it is draining
/// or `INACTIVE`. One describe call.
pub(crate) async fn read(client: &Client, id: &str) -> Result<Option<Observed>, ProviderError> {
    let (cluster, _) = cluster_and_name(id)?;
    match describe(client, cluster, id).await? {
        Some(service) if service.status() == Some(ACTIVE) => observe(&service).map(Some),
        _ => Ok(None),
    }
}

/// Changes the task definition, desired count, capacity provider, health check
/// grace period and deployment percentages that differ from `current` (one
/// `UpdateService`, then waits until the service is stable), and the tags. The
/// name, cluster, launch type and load balancers force replacement and are
/// never changed here.
pub(crate) async fn update(
    client: &Client,
    id: &str,
    current: &BTreeMap<String, Value>,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    let (cluster, _) = cluster_and_name(id)?;
    let differs = |field: &str| {
        request
            .get(field)
            .is_some_and(|wanted| current.get(field) != Some(wanted))
    };
    let mut call = client.update_service().cluster(cluster).service(id);
    let mut changed = false;
    if differs("task_definition") {
        call = call.task_definition(task_definition_arn(&request)?);
        changed = true;
    }
    if differs("desired_count") {
        call = call.desired_count(desired_count(&request)?);
        changed = true;
    }
    if differs("capacity_provider") {
        // A new strategy only applies to new tasks: start a deployment, as
        // AWS requires when the strategy changes.
        call = call
            .set_capacity_provider_strategy(strategy(&request)?)
            .force_new_deployment(true);
        changed = true;
    }
    if differs("health_check_grace_period") {
        call = call.set_health_check_grace_period_seconds(grace_period(&request)?);
        changed = true;
    }
    if differs("deployment_minimum_healthy_percent") || differs("deployment_maximum_percent") {
        call = call.deployment_configuration(deployment_configuration(&request)?);
        changed = true;
    }
    if changed {
        call.send()
            .await
            .map_err(|err| api_error("UpdateService", err))?;
        tracing::debug!(service = id, "updated ECS service");
        wait_stable(client, id).await?;
    }
    update_tags(client, id, current, &request).await?;

    read(client, id)
        .await?
        .ok_or_else(|| vanished("DescribeServices", "ECS service", id))
}

/// Finds the `ACTIVE` service of that name in the cluster, adopted when its
/// tags say it is this stack resource's. This is what keeps a retried create
/// from making a second one: moto silently overwrites a service of the same
/// name, and AWS refuses it.
pub(crate) async fn find(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Option<Observed>, ProviderError> {
    let cluster = cluster_arn(&request)?;
    let name = request.required_str("name")?;
    let found = match describe(client, cluster, name).await? {
        Some(service) if service.status() == Some(ACTIVE) => Some(observe(&service)?),
        _ => None,
    };
    owned("ECS service", found, &request)
}

/// Scales the service to 0 (AWS refuses to delete a service with tasks
/// wanted), deletes it, and waits until its tasks are drained and it is
/// `INACTIVE`; one already gone is success.
pub(crate) async fn delete(client: &Client, id: &str) -> Result<(), ProviderError> {
    let (cluster, _) = cluster_and_name(id)?;
    let Some(service) = describe(client, cluster, id).await? else {
        return Ok(());
    };
    let gone = |err: &ProviderError| GONE.iter().any(|code| is_code(err, code));
    if service.status() == Some(ACTIVE) {
        if service.desired_count() > 0 {
            match client
                .update_service()
                .cluster(cluster)
                .service(id)
                .desired_count(0)
                .send()
                .await
                .map_err(|err| api_error("UpdateService", err))
            {
                Ok(_) => {}
                Err(err) if gone(&err) => return Ok(()),
                Err(err) => return Err(err),
            }
        }
        match client
            .delete_service()
            .cluster(cluster)
            .service(id)
            .send()
            .await
            .map_err(|err| api_error("DeleteService", err))
        {
            Ok(_) => {}
            Err(err) if gone(&err) => return Ok(()),
            Err(err) => return Err(err),
        }
    }
    wait_until(
        &format!("ECS service `{id}` to drain and become INACTIVE"),
        DRAIN_TIMEOUT,
        || async {
            Ok(describe(client, cluster, id)
                .await?
                .is_none_or(|service| service.status() == Some(INACTIVE)))
        },
    )
    .await?;
    tracing::debug!(service = id, "deleted ECS service");
    Ok(())
}

/// Waits until the service is stable: its only deployment's rollout is
/// `COMPLETED` (when ECS reports one) and as many tasks run as are wanted.
/// Fails at once, with ECS's reason, when the rollout has `FAILED` or the
/// service events say the deployment failed.
async fn wait_stable(client: &Client, id: &str) -> Result<(), ProviderError> {
    let (cluster, _) = cluster_and_name(id)?;
    // When the deployment awaited started, as ECS dates it: the primary
    // deployment first seen. Events since then are about it; older ones may
    // tell of a failure since fixed. Kept across polls because a circuit
    // breaker's rollback makes a newer deployment primary.
    let since: Mutex<Option<DateTime>> = Mutex::new(None);
    wait_until(
        &format!("ECS service `{id}` to be stable"),
        STABLE_TIMEOUT,
        || async {
            let service = describe(client, cluster, id)
                .await?
                .ok_or_else(|| vanished("DescribeServices", "ECS service", id))?;
            if service.status() != Some(ACTIVE) {
                return Err(deployment_failed(format!(
                    "the service became {} while deploying",
                    service.status().unwrap_or("unknown")
                )));
            }
            let deployments = service.deployments();
            let primary = deployments
                .iter()
                .find(|deployment| deployment.status() == Some("PRIMARY"));
            if let Some(primary) = primary {
                if primary.rollout_state() == Some(&DeploymentRolloutState::Failed) {
                    return Err(deployment_failed(
                        primary
                            .rollout_state_reason()
                            .unwrap_or("the deployment failed")
                            .to_owned(),
                    ));
                }
                if let Some(created) = primary.created_at() {
                    let started = *since
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .get_or_insert(*created);
                    let failure = service.events().iter().find(|event| {
                        event.created_at().is_some_and(|at| *at >= started)
                            && event.message().is_some_and(|message| {
                                let message = message.to_lowercase();
                                FAILURE_EVENTS.iter().any(|words| message.contains(words))
                            })
                    });
                    if let Some(event) = failure {
                        return Err(deployment_failed(
                            event.message().unwrap_or_default().to_owned(),
                        ));
                    }
                }
            }
            let rolled_out = primary.is_none_or(|primary| {
                primary
                    .rollout_state()
                    .is_none_or(|state| state == &DeploymentRolloutState::Completed)
            });
            Ok(deployments.len() <= 1
                && rolled_out
                && service.running_count() == service.desired_count())
        },
    )
    .await
}

/// The error of a deployment ECS gave up.
fn deployment_failed(message: String) -> ProviderError {
    ProviderError::Api {
        operation: "DescribeServices",
        code: "DeploymentFailed".to_owned(),
        message,
    }
}

/// The service as the schema's fields: what AWS did not set given its
/// default (the deployment percentages), the capacity provider as the first
/// item of its strategy.
fn observe(service: &Service) -> Result<Observed, ProviderError> {
    let arn = service
        .service_arn()
        .ok_or_else(|| malformed("DescribeServices", "service ARN"))?;
    let name = service
        .service_name()
        .ok_or_else(|| malformed("DescribeServices", "service name"))?;
    let cluster = service
        .cluster_arn()
        .ok_or_else(|| malformed("DescribeServices", "cluster ARN"))?;
    let task_definition = service
        .task_definition()
        .ok_or_else(|| malformed("DescribeServices", "task definition"))?;
    let deployment = service.deployment_configuration();
    let minimum = deployment
        .and_then(DeploymentConfiguration::minimum_healthy_percent)
        .map_or(DEFAULT_MINIMUM_HEALTHY_PERCENT, i64::from);
    let maximum = deployment
        .and_then(DeploymentConfiguration::maximum_percent)
        .map_or(DEFAULT_MAXIMUM_PERCENT, i64::from);
    let load_balancers = service
        .load_balancers()
        .iter()
        .map(|lb| {
            Value::Object(
                [
                    (
                        "target_group_arn".to_owned(),
                        Value::from(lb.target_group_arn().unwrap_or_default()),
                    ),
                    (
                        "container_name".to_owned(),
                        Value::from(lb.container_name().unwrap_or_default()),
                    ),
                    (
                        "container_port".to_owned(),
                        Value::from(lb.container_port().unwrap_or_default()),
                    ),
                ]
                .into_iter()
                .collect(),
            )
        })
        .collect();

    let mut inputs = BTreeMap::from([
        ("name".to_owned(), Value::from(name)),
        ("cluster".to_owned(), Value::from(cluster)),
        ("task_definition".to_owned(), Value::from(task_definition)),
        (
            "desired_count".to_owned(),
            Value::from(service.desired_count()),
        ),
        ("load_balancers".to_owned(), Value::Array(load_balancers)),
        (
            "deployment_minimum_healthy_percent".to_owned(),
            Value::from(minimum),
        ),
        (
            "deployment_maximum_percent".to_owned(),
            Value::from(maximum),
        ),
        ("tags".to_owned(), observed_tags(service.tags())),
    ]);
    if let Some(launch_type) = service.launch_type() {
        inputs.insert("launch_type".to_owned(), Value::from(launch_type.as_str()));
    }
    if let Some(item) = service.capacity_provider_strategy().first() {
        inputs.insert(
            "capacity_provider".to_owned(),
            Value::from(item.capacity_provider()),
        );
    }
    if let Some(seconds) = service.health_check_grace_period_seconds() {
        inputs.insert("health_check_grace_period".to_owned(), Value::from(seconds));
    }
    let attributes = BTreeMap::from([
        ("id".to_owned(), Value::from(arn)),
        ("arn".to_owned(), Value::from(arn)),
        ("name".to_owned(), Value::from(name)),
    ]);
    Ok(Observed {
        id: arn.to_owned(),
        inputs,
        attributes,
    })
}

/// The service `service` (name or ARN) of `cluster` with its tags, whatever its
/// status; `None` when ECS does not know it or the cluster.
async fn describe(
    client: &Client,
    cluster: &str,
    service: &str,
) -> Result<Option<Service>, ProviderError> {
    let output = match client
        .describe_services()
        .cluster(cluster)
        .services(service)
        .include(ServiceField::Tags)
        .send()
        .await
    {
        Ok(output) => output,
        Err(err) => {
            let err = api_error("DescribeServices", err);
            return if is_code(&err, CLUSTER_NOT_FOUND) {
                Ok(None)
            } else {
                Err(err)
            };
        }
    };
    Ok(output
        .services
        .unwrap_or_default()
        .into_iter()
        .find(|found| {
            found.service_arn() == Some(service) || found.service_name() == Some(service)
        }))
}

/// The cluster name and service name in a service ARN of the long format,
/// `arn:aws:ecs:<region>:<account>:service/<cluster>/<name>`.
fn cluster_and_name(arn: &str) -> Result<(&str, &str), ProviderError> {
    arn.split_once(":service/")
        .and_then(|(_, path)| path.split_once('/'))
        .filter(|(cluster, name)| !cluster.is_empty() && !name.is_empty() && !name.contains('/'))
        .ok_or_else(|| ProviderError::Invalid {
            message: format!(
                "`{arn}` is not an ECS service ARN of the long format \
                 (…:service/<cluster>/<name>); opt the account in to it \
                 (`serviceLongArnFormat`) and recreate the service"
            ),
        })
}

/// The request's cluster, which must be an ARN (see the module doc).
fn cluster_arn<'r>(request: &'r ResourceRequest<'_>) -> Result<&'r str, ProviderError> {
    let cluster = request.required_str("cluster")?;
    if is_arn(cluster, ":cluster/") {
        Ok(cluster)
    } else {
        Err(ProviderError::Invalid {
            message: format!(
                "field `cluster` must be the cluster's ARN (`cluster.arn`), not `{cluster}`: \
                 AWS reports the ARN, and a name would differ from it at every plan"
            ),
        })
    }
}

/// The request's task definition, which must be a revision's ARN: AWS reports
/// the ARN, and a family name would differ from it at every plan.
fn task_definition_arn<'r>(request: &'r ResourceRequest<'_>) -> Result<&'r str, ProviderError> {
    let revision = request.required_str("task_definition")?;
    if is_arn(revision, ":task-definition/") {
        Ok(revision)
    } else {
        Err(ProviderError::Invalid {
            message: format!(
                "field `task_definition` must be the revision's ARN (`task.arn`), not \
                 `{revision}`: AWS reports the ARN, and another form would differ from it \
                 at every plan"
            ),
        })
    }
}

/// Whether `value` is an ECS ARN of the resource kind `kind` (`:cluster/`).
fn is_arn(value: &str, kind: &str) -> bool {
    value.starts_with("arn:") && value.contains(":ecs:") && value.contains(kind)
}

/// The request's desired count, the schema's default when absent.
fn desired_count(request: &ResourceRequest<'_>) -> Result<i32, ProviderError> {
    to_i32(
        request
            .int("desired_count")
            .unwrap_or(DEFAULT_DESIRED_COUNT),
        "desired_count",
    )
}

/// The request's health check grace period, if set.
fn grace_period(request: &ResourceRequest<'_>) -> Result<Option<i32>, ProviderError> {
    request
        .int("health_check_grace_period")
        .map(|seconds| to_i32(seconds, "health_check_grace_period"))
        .transpose()
}

/// The capacity provider strategy of the request's `capacity_provider`: the
/// one provider, weight 1; `None` when absent (the cluster's default applies).
fn strategy(
    request: &ResourceRequest<'_>,
) -> Result<Option<Vec<CapacityProviderStrategyItem>>, ProviderError> {
    request
        .str("capacity_provider")
        .map(|provider| {
            CapacityProviderStrategyItem::builder()
                .capacity_provider(provider)
                .weight(1)
                .base(0)
                .build()
                .map(|item| vec![item])
                .map_err(invalid)
        })
        .transpose()
}

/// The request's deployment percentages, the schema's defaults when absent.
fn deployment_configuration(
    request: &ResourceRequest<'_>,
) -> Result<DeploymentConfiguration, ProviderError> {
    Ok(DeploymentConfiguration::builder()
        .minimum_healthy_percent(to_i32(
            request
                .int("deployment_minimum_healthy_percent")
                .unwrap_or(DEFAULT_MINIMUM_HEALTHY_PERCENT),
            "deployment_minimum_healthy_percent",
        )?)
        .maximum_percent(to_i32(
            request
                .int("deployment_maximum_percent")
                .unwrap_or(DEFAULT_MAXIMUM_PERCENT),
            "deployment_maximum_percent",
        )?)
        .build())
}

/// The request's load balancers blocks.
fn load_balancers(request: &ResourceRequest<'_>) -> Result<Vec<LoadBalancer>, ProviderError> {
    let Some(value) = request.get("load_balancers") else {
        return Ok(Vec::new());
    };
    let wrong = || ProviderError::Invalid {
        message: "field `load_balancers` must be a list of blocks with `target_group_arn`, \
                  `container_name` and `container_port`"
            .to_owned(),
    };
    value
        .as_array()
        .ok_or_else(wrong)?
        .iter()
        .map(|block| {
            let field = |name: &str| block.get(name).filter(|value| !value.is_null());
            let port = field("container_port")
                .and_then(Value::as_i64)
                .ok_or_else(wrong)?;
            Ok(LoadBalancer::builder()
                .target_group_arn(
                    field("target_group_arn")
                        .and_then(Value::as_str)
                        .ok_or_else(wrong)?,
                )
                .container_name(
                    field("container_name")
                        .and_then(Value::as_str)
                        .ok_or_else(wrong)?,
                )
                .container_port(to_i32(port, "container_port")?)
                .build())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cluster_comes_from_a_long_service_arn() {
        assert_eq!(
            cluster_and_name("arn:aws:ecs:eu-west-2:123456789012:service/web/api").ok(),
            Some(("web", "api"))
        );
        assert!(cluster_and_name("arn:aws:ecs:eu-west-2:123456789012:service/api").is_err());
    }

    #[test]
    fn cluster_and_task_definition_must_be_arns() {
        let inputs = BTreeMap::from([
            ("cluster".to_owned(), Value::from("web")),
            ("task_definition".to_owned(), Value::from("api:3")),
        ]);
        let request = ResourceRequest {
            stack: "s",
            name: "service",
            type_name: TYPE_NAME,
            inputs: &inputs,
            superseded: None,
        };
        assert!(cluster_arn(&request).is_err());
        assert!(task_definition_arn(&request).is_err());
        let inputs = BTreeMap::from([
            (
                "cluster".to_owned(),
                Value::from("arn:aws:ecs:eu-west-2:123456789012:cluster/web"),
            ),
            (
                "task_definition".to_owned(),
                Value::from("arn:aws:ecs:eu-west-2:123456789012:task-definition/api:3"),
            ),
        ]);
        let request = ResourceRequest {
            inputs: &inputs,
            ..request
        };
        assert!(cluster_arn(&request).is_ok());
        assert!(task_definition_arn(&request).is_ok());
    }
}
