//! `aws_elbv2_load_balancer`: an Application Load Balancer, its subnets,
//! security groups, scheme, idle timeout and tags.
//!
//! The name is unique in the account and region, and AWS answers a second
//! `CreateLoadBalancer` of the same name with the existing balancer; moto makes
//! a second one instead. Either way `find` looks the name up first, so a create
//! retried after an interrupted apply never makes a second balancer.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use aws_sdk_elasticloadbalancingv2::types::{
    LoadBalancer, LoadBalancerAttribute, LoadBalancerSchemeEnum, LoadBalancerStateEnum,
    LoadBalancerTypeEnum,
};
use aws_sdk_elasticloadbalancingv2::Client;

use super::{describe_tags, int32, string_list, tag_list, update_tags, LOAD_BALANCER_NOT_FOUND};
use crate::model::Value;
use crate::provider::aws::{api_error, creation_tags, has_code, malformed, vanished, wait_until};
use crate::provider::{owned, Observed, ProviderError, ResourceRequest};

/// The resource type's name.
pub(crate) const TYPE_NAME: &str = "aws_elbv2_load_balancer";

/// How long a new load balancer may take to become `active` (AWS takes a few
/// minutes), or a deleted one to disappear.
const TIMEOUT: Duration = Duration::from_secs(600);

/// The attribute key of the idle timeout.
const IDLE_TIMEOUT: &str = "idle_timeout.timeout_seconds";

/// AWS's idle timeout, reported when the attribute is absent (moto leaves it
/// out until it is set).
const DEFAULT_IDLE_TIMEOUT: i64 = 60;

/// Creates the load balancer, tagged, in the request's subnets with its
/// security groups and scheme, waits until it is `active`, sets its idle
/// timeout, and returns it as read back.
pub(crate) async fn create(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    let name = request.required_str("name")?;
    let subnets = string_list(&request, "subnet_ids")?.ok_or_else(|| ProviderError::Invalid {
        message: "field `subnet_ids` must list subnets and is missing".to_owned(),
    })?;
    let tags = creation_tags(&request);
    let output = client
        .create_load_balancer()
        .name(name)
        .r#type(LoadBalancerTypeEnum::Application)
        .scheme(scheme(request.bool("internal").unwrap_or(false)))
        .set_subnets(Some(subnets))
        .set_security_groups(string_list(&request, "security_group_ids")?)
        .set_tags((!tags.is_empty()).then(|| tag_list(tags)))
        .send()
        .await
        .map_err(|err| api_error("CreateLoadBalancer", err))?;
    let arn = output
        .load_balancers()
        .first()
        .and_then(LoadBalancer::load_balancer_arn)
        .ok_or_else(|| malformed("CreateLoadBalancer", "load balancer ARN"))?;
    tracing::debug!(load_balancer = arn, "created load balancer");

    // A failure from here leaves a tagged balancer that the next apply's `find`
    // adopts and updates: no clean-up, which would take minutes.
    wait_active(client, arn).await?;
    if let Some(seconds) = request.int("idle_timeout") {
        set_idle_timeout(client, arn, seconds).await?;
    }
    read(client, arn)
        .await?
        .ok_or_else(|| vanished("DescribeLoadBalancers", "load balancer", arn))
}

/// Reads the load balancer: name, scheme, subnets (in the order of their
/// availability zones), security groups (sorted), idle timeout and every tag
/// but AWS's own. Only describe calls.
pub(crate) async fn read(client: &Client, id: &str) -> Result<Option<Observed>, ProviderError> {
    let Some(balancer) = describe(client, id).await? else {
        return Ok(None);
    };
    let name = balancer
        .load_balancer_name()
        .ok_or_else(|| malformed("DescribeLoadBalancers", "load balancer name"))?;
    let internal = balancer.scheme() == Some(&LoadBalancerSchemeEnum::Internal);
    // AWS keeps one subnet per zone and reports them in no promised order: the
    // zone order is stable, and the one a declaration naturally lists them in.
    let mut zones: Vec<(&str, &str)> = balancer
        .availability_zones()
        .iter()
        .filter_map(|zone| Some((zone.zone_name().unwrap_or_default(), zone.subnet_id()?)))
        .collect();
    zones.sort_unstable();
    let security_groups: BTreeSet<&str> = balancer
        .security_groups()
        .iter()
        .map(String::as_str)
        .collect();
    // Deleted between the two calls: as gone as if the first had not found it.
    let Some(idle_timeout) = idle_timeout(client, id).await? else {
        return Ok(None);
    };

    let inputs = BTreeMap::from([
        ("name".to_owned(), Value::from(name)),
        ("internal".to_owned(), Value::Bool(internal)),
        (
            "subnet_ids".to_owned(),
            Value::Array(zones.into_iter().map(|(_, id)| Value::from(id)).collect()),
        ),
        (
            "security_group_ids".to_owned(),
            Value::Array(security_groups.into_iter().map(Value::from).collect()),
        ),
        ("idle_timeout".to_owned(), Value::from(idle_timeout)),
        ("tags".to_owned(), describe_tags(client, id).await?),
    ]);
    let attribute = |value: Option<&str>| Value::from(value.unwrap_or_default());
    let attributes = BTreeMap::from([
        ("id".to_owned(), Value::from(id)),
        ("arn".to_owned(), Value::from(id)),
        ("dns_name".to_owned(), attribute(balancer.dns_name())),
        (
            "zone_id".to_owned(),
            attribute(balancer.canonical_hosted_zone_id()),
        ),
    ]);
    Ok(Some(Observed {
        id: id.to_owned(),
        inputs,
        attributes,
    }))
}

/// Changes the subnets and security groups (compared as sets), the idle timeout
/// and the tags that differ from `current`; the name and scheme force
/// replacement and are never changed here.
pub(crate) async fn update(
    client: &Client,
    id: &str,
    current: &BTreeMap<String, Value>,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    if let Some(subnets) = string_list(&request, "subnet_ids")? {
        if set_of(current.get("subnet_ids")) != subnets.iter().map(String::as_str).collect() {
            client
                .set_subnets()
                .load_balancer_arn(id)
                .set_subnets(Some(subnets))
                .send()
                .await
                .map_err(|err| api_error("SetSubnets", err))?;
        }
    }
    if let Some(groups) = string_list(&request, "security_group_ids")? {
        if set_of(current.get("security_group_ids")) != groups.iter().map(String::as_str).collect()
        {
            client
                .set_security_groups()
                .load_balancer_arn(id)
                .set_security_groups(Some(groups))
                .send()
                .await
                .map_err(|err| api_error("SetSecurityGroups", err))?;
        }
    }
    if let Some(seconds) = request.int("idle_timeout") {
        if current.get("idle_timeout").and_then(Value::as_i64) != Some(seconds) {
            set_idle_timeout(client, id, seconds).await?;
        }
    }
    update_tags(client, id, current, &request).await?;
    read(client, id)
        .await?
        .ok_or_else(|| vanished("DescribeLoadBalancers", "load balancer", id))
}

/// Finds the load balancer by its name, adopted when its tags say it is this
/// stack resource's.
pub(crate) async fn find(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Option<Observed>, ProviderError> {
    let name = request.required_str("name")?;
    let found = match client.describe_load_balancers().names(name).send().await {
        Ok(output) => output
            .load_balancers()
            .iter()
            .find(|balancer| balancer.load_balancer_name() == Some(name))
            .and_then(LoadBalancer::load_balancer_arn)
            .map(str::to_owned),
        Err(err) if has_code(&err, LOAD_BALANCER_NOT_FOUND) => None,
        Err(err) => return Err(api_error("DescribeLoadBalancers", err)),
    };
    let observed = match found {
        Some(arn) => read(client, &arn).await?,
        None => None,
    };
    owned("load balancer", observed, &request)
}

/// Deletes the load balancer (and its listeners with it) and waits until
/// `DescribeLoadBalancers` no longer finds it, so that what it stood in (its
/// subnets, security groups, target groups) can go next; one already gone is
/// success.
pub(crate) async fn delete(client: &Client, id: &str) -> Result<(), ProviderError> {
    match client
        .delete_load_balancer()
        .load_balancer_arn(id)
        .send()
        .await
    {
        Ok(_) => {}
        Err(err) if has_code(&err, LOAD_BALANCER_NOT_FOUND) => return Ok(()),
        Err(err) => return Err(api_error("DeleteLoadBalancer", err)),
    }
    wait_until(
        &format!("load balancer {id} to be deleted"),
        TIMEOUT,
        || async move { Ok(describe(client, id).await?.is_none()) },
    )
    .await?;
    tracing::debug!(load_balancer = id, "deleted load balancer");
    Ok(())
}

/// The scheme of an internal balancer or not.
fn scheme(internal: bool) -> LoadBalancerSchemeEnum {
    if internal {
        LoadBalancerSchemeEnum::Internal
    } else {
        LoadBalancerSchemeEnum::InternetFacing
    }
}

/// The strings of a live list value, as a set.
fn set_of(value: Option<&Value>) -> BTreeSet<&str> {
    value
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// Waits until the load balancer is `active` (or `active_impaired`: serving,
/// though not in every zone), at most [`TIMEOUT`]; an error when it failed.
async fn wait_active(client: &Client, arn: &str) -> Result<(), ProviderError> {
    wait_until(
        &format!("load balancer {arn} to be active"),
        TIMEOUT,
        || async move {
            let balancer = describe(client, arn)
                .await?
                .ok_or_else(|| vanished("DescribeLoadBalancers", "load balancer", arn))?;
            let state = balancer.state();
            match state.and_then(|state| state.code()) {
                Some(LoadBalancerStateEnum::Active | LoadBalancerStateEnum::ActiveImpaired) => {
                    Ok(true)
                }
                Some(LoadBalancerStateEnum::Failed) => Err(ProviderError::Api {
                    operation: "DescribeLoadBalancers",
                    code: "LoadBalancerFailed".to_owned(),
                    message: format!(
                        "load balancer `{arn}` failed to provision: {}",
                        state
                            .and_then(|state| state.reason())
                            .unwrap_or("no reason given")
                    ),
                }),
                _ => Ok(false),
            }
        },
    )
    .await
}

/// Sets the load balancer's idle timeout.
async fn set_idle_timeout(client: &Client, arn: &str, seconds: i64) -> Result<(), ProviderError> {
    client
        .modify_load_balancer_attributes()
        .load_balancer_arn(arn)
        .attributes(
            LoadBalancerAttribute::builder()
                .key(IDLE_TIMEOUT)
                .value(int32("idle_timeout", seconds)?.to_string())
                .build(),
        )
        .send()
        .await
        .map_err(|err| api_error("ModifyLoadBalancerAttributes", err))?;
    Ok(())
}

/// The load balancer's idle timeout, AWS's default when it reports none;
/// `None` when the balancer is gone.
async fn idle_timeout(client: &Client, arn: &str) -> Result<Option<i64>, ProviderError> {
    let output = match client
        .describe_load_balancer_attributes()
        .load_balancer_arn(arn)
        .send()
        .await
    {
        Ok(output) => output,
        Err(err) if has_code(&err, LOAD_BALANCER_NOT_FOUND) => return Ok(None),
        Err(err) => return Err(api_error("DescribeLoadBalancerAttributes", err)),
    };
    let seconds = match output
        .attributes()
        .iter()
        .find(|attribute| attribute.key() == Some(IDLE_TIMEOUT))
        .and_then(LoadBalancerAttribute::value)
    {
        Some(value) => value
            .parse()
            .map_err(|_| malformed("DescribeLoadBalancerAttributes", "numeric idle timeout"))?,
        None => DEFAULT_IDLE_TIMEOUT,
    };
    Ok(Some(seconds))
}

/// The load balancer `arn`, or `None` when ELB does not know it.
async fn describe(client: &Client, arn: &str) -> Result<Option<LoadBalancer>, ProviderError> {
    match client
        .describe_load_balancers()
        .load_balancer_arns(arn)
        .send()
        .await
    {
        Ok(output) => Ok(output
            .load_balancers
            .unwrap_or_default()
            .into_iter()
            .find(|balancer| balancer.load_balancer_arn() == Some(arn))),
        Err(err) if has_code(&err, LOAD_BALANCER_NOT_FOUND) => Ok(None),
        Err(err) => Err(api_error("DescribeLoadBalancers", err)),
    }
}
