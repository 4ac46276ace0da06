//! `aws_ec2_subnet`: a subnet of a VPC, its public-IP mapping and tags.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{AttributeBooleanValue, ResourceType, Subnet, SubnetState};
use aws_sdk_ec2::Client;

use super::{observed_tags, region, tag_specification, update_tags, AVAILABLE_TIMEOUT};
use crate::model::Value;
use crate::provider::aws::{api_error, creation_tags, has_code, malformed, vanished, wait_until};
use crate::provider::{Observed, ProviderError, ResourceRequest};

/// The resource type's name.
pub(crate) const TYPE_NAME: &str = "aws_ec2_subnet";

/// The error code of a subnet that does not exist.
const NOT_FOUND: &str = "InvalidSubnetID.NotFound";

/// The field `ModifySubnetAttribute` sets after creation, which `CreateSubnet`
/// cannot take.
const MAP_PUBLIC_IP: &str = "map_public_ip_on_launch";

/// Creates the subnet tagged, turns on public-IP mapping once it is available
/// when asked, and returns it as read back.
pub(crate) async fn create(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    let output = client
        .create_subnet()
        .vpc_id(request.required_str("vpc_id")?)
        .cidr_block(request.required_str("cidr_block")?)
        .set_availability_zone(request.str("availability_zone").map(str::to_owned))
        .set_tag_specifications(
            tag_specification(ResourceType::Subnet, &creation_tags(&request))
                .map(|spec| vec![spec]),
        )
        .send()
        .await
        .map_err(|err| api_error("CreateSubnet", err))?;
    let id = output
        .subnet()
        .and_then(Subnet::subnet_id)
        .ok_or_else(|| malformed("CreateSubnet", "subnet id"))?;
    tracing::debug!(subnet = id, "created subnet");

    match finish_create(client, id, request).await {
        Ok(observed) => Ok(observed),
        Err(err) => {
            // Nothing records a subnet whose create failed: delete it rather than
            // leave an orphan that would also block deleting its VPC.
            if let Err(cleanup) = delete(client, id).await {
                tracing::warn!(subnet = id, error = %cleanup, "could not delete the half-created subnet");
            }
            Err(err)
        }
    }
}

/// The steps after `CreateSubnet`: wait, set the public-IP mapping, read back.
async fn finish_create(
    client: &Client,
    id: &str,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    wait_until(
        &format!("subnet {id} to be available"),
        AVAILABLE_TIMEOUT,
        || async move {
            // Right after creation EC2 may not know the id yet: keep polling.
            Ok(describe(client, id)
                .await?
                .is_some_and(|subnet| subnet.state() == Some(&SubnetState::Available)))
        },
    )
    .await?;
    let observed = read(client, id)
        .await?
        .ok_or_else(|| vanished("DescribeSubnets", "subnet", id))?;
    if set_map_public_ip(client, id, &observed.inputs, &request).await? {
        read(client, id)
            .await?
            .ok_or_else(|| vanished("DescribeSubnets", "subnet", id))
    } else {
        Ok(observed)
    }
}

/// Reads the subnet: VPC, CIDR block, zone, public-IP mapping and tags, with one
/// describe call.
pub(crate) async fn read(client: &Client, id: &str) -> Result<Option<Observed>, ProviderError> {
    let Some(subnet) = describe(client, id).await? else {
        return Ok(None);
    };
    let vpc_id = subnet
        .vpc_id()
        .ok_or_else(|| malformed("DescribeSubnets", "subnet VPC id"))?;
    let cidr_block = subnet
        .cidr_block()
        .ok_or_else(|| malformed("DescribeSubnets", "subnet CIDR block"))?;
    let arn = match (subnet.subnet_arn(), subnet.owner_id()) {
        (Some(arn), _) => arn.to_owned(),
        // Older EC2 implementations do not report the ARN: build it like AWS.
        (None, Some(owner_id)) => {
            format!("arn:aws:ec2:{}:{owner_id}:subnet/{id}", region(client)?)
        }
        (None, None) => return Err(malformed("DescribeSubnets", "subnet ARN")),
    };

    let mut inputs = BTreeMap::from([
        ("vpc_id".to_owned(), Value::from(vpc_id)),
        ("cidr_block".to_owned(), Value::from(cidr_block)),
        (
            MAP_PUBLIC_IP.to_owned(),
            // EC2 omits the flag rather than send `false` on some subnets.
            Value::from(subnet.map_public_ip_on_launch().unwrap_or(false)),
        ),
        ("tags".to_owned(), observed_tags(subnet.tags())),
    ]);
    if let Some(zone) = subnet.availability_zone() {
        inputs.insert("availability_zone".to_owned(), Value::from(zone));
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

/// Changes the public-IP mapping and tags when they differ from `current`; the
/// VPC, CIDR block and zone force replacement and are never changed here.
pub(crate) async fn update(
    client: &Client,
    id: &str,
    current: &BTreeMap<String, Value>,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    set_map_public_ip(client, id, current, &request).await?;
    update_tags(client, id, current, &request).await?;
    read(client, id)
        .await?
        .ok_or_else(|| vanished("DescribeSubnets", "subnet", id))
}

/// Finds the resource an interrupted apply made for this request, by its
/// ownership tags; the first that still exists.
pub(crate) async fn find(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Option<Observed>, ProviderError> {
    for id in super::tagged(client, &request, "subnet-").await? {
        if let Some(found) = read(client, &id).await? {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

/// Deletes the subnet; one already gone is success.
pub(crate) async fn delete(client: &Client, id: &str) -> Result<(), ProviderError> {
    match client.delete_subnet().subnet_id(id).send().await {
        Ok(_) => {
            tracing::debug!(subnet = id, "deleted subnet");
            Ok(())
        }
        Err(err) if has_code(&err, NOT_FOUND) => Ok(()),
        Err(err) => Err(api_error("DeleteSubnet", err)),
    }
}

/// The subnet `id`, or `None` when EC2 does not know it.
async fn describe(client: &Client, id: &str) -> Result<Option<Subnet>, ProviderError> {
    match client.describe_subnets().subnet_ids(id).send().await {
        Ok(output) => Ok(output
            .subnets
            .unwrap_or_default()
            .into_iter()
            .find(|subnet| subnet.subnet_id() == Some(id))),
        Err(err) if has_code(&err, NOT_FOUND) => Ok(None),
        Err(err) => Err(api_error("DescribeSubnets", err)),
    }
}

/// Sets `map_public_ip_on_launch` when the request gives a value that differs
/// from `current`. Returns whether it changed.
async fn set_map_public_ip(
    client: &Client,
    id: &str,
    current: &BTreeMap<String, Value>,
    request: &ResourceRequest<'_>,
) -> Result<bool, ProviderError> {
    let Some(wanted) = request
        .bool(MAP_PUBLIC_IP)
        .filter(|wanted| current.get(MAP_PUBLIC_IP).and_then(Value::as_bool) != Some(*wanted))
    else {
        return Ok(false);
    };
    client
        .modify_subnet_attribute()
        .subnet_id(id)
        .map_public_ip_on_launch(AttributeBooleanValue::builder().value(wanted).build())
        .send()
        .await
        .map_err(|err| api_error("ModifySubnetAttribute", err))?;
    Ok(true)
}
