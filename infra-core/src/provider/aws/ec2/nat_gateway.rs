//! `aws_ec2_nat_gateway`: a public NAT gateway in a subnet, leaving through an
//! Elastic IP. Creation and deletion wait (bounded) for the gateway to be
//! `available` and `deleted`; the subnet and the address force replacement,
//! the tags change in place.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_ec2::types::{NatGateway, NatGatewayState, ResourceType};
use aws_sdk_ec2::Client;

use super::read_back::read_back;
use super::{observed_tags, tag_specification, update_tags};
use crate::model::Value;
use crate::provider::aws::{api_error, creation_tags, has_code, malformed, wait_until};
use crate::provider::{Observed, ProviderError, ResourceRequest};

/// The resource type's name.
pub(crate) const TYPE_NAME: &str = "aws_ec2_nat_gateway";

/// The error code of a NAT gateway that does not exist.
const NOT_FOUND: &str = "NatGatewayNotFound";

/// How long a NAT gateway may take to become `available` or `deleted`.
const STATE_TIMEOUT: Duration = Duration::from_secs(600);

/// Creates the NAT gateway tagged, waits until it is `available` and returns it
/// as read back; a gateway that ends `failed` is an error with AWS's reason.
pub(crate) async fn create(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    let output = client
        .create_nat_gateway()
        .subnet_id(request.required_str("subnet_id")?)
        .allocation_id(request.required_str("allocation_id")?)
        .set_tag_specifications(
            tag_specification(ResourceType::Natgateway, &creation_tags(&request))
                .map(|spec| vec![spec]),
        )
        .send()
        .await
        .map_err(|err| api_error("CreateNatGateway", err))?;
    let id = output
        .nat_gateway()
        .and_then(NatGateway::nat_gateway_id)
        .ok_or_else(|| malformed("CreateNatGateway", "NAT gateway id"))?;
    tracing::debug!(nat_gateway = id, "created NAT gateway");
    wait_until(
        &format!("NAT gateway `{id}` to be available"),
        STATE_TIMEOUT,
        || async move {
            let Some(gateway) = describe(client, id).await? else {
                // Not visible yet: EC2 is eventually consistent.
                return Ok(false);
            };
            match gateway.state() {
                Some(NatGatewayState::Available) => Ok(true),
                Some(NatGatewayState::Failed) => Err(ProviderError::Api {
                    operation: "CreateNatGateway",
                    code: gateway
                        .failure_code()
                        .unwrap_or("NatGatewayFailed")
                        .to_owned(),
                    message: gateway
                        .failure_message()
                        .unwrap_or("the NAT gateway failed")
                        .to_owned(),
                }),
                _ => Ok(false),
            }
        },
    )
    .await?;
    read_back("DescribeNatGateways", "NAT gateway", id, || {
        read(client, id)
    })
    .await
}

/// Reads the NAT gateway's subnet, address and tags, with one describe call;
/// `None` when it is gone, `deleting` or `deleted`.
pub(crate) async fn read(client: &Client, id: &str) -> Result<Option<Observed>, ProviderError> {
    let Some(gateway) = describe(client, id).await? else {
        return Ok(None);
    };
    if matches!(
        gateway.state(),
        Some(NatGatewayState::Deleted | NatGatewayState::Deleting)
    ) {
        return Ok(None);
    }
    let subnet_id = gateway
        .subnet_id()
        .ok_or_else(|| malformed("DescribeNatGateways", "NAT gateway subnet id"))?;
    let allocation_id = gateway
        .nat_gateway_addresses()
        .iter()
        .find_map(|address| address.allocation_id())
        .ok_or_else(|| malformed("DescribeNatGateways", "NAT gateway allocation id"))?;
    Ok(Some(Observed {
        id: id.to_owned(),
        inputs: BTreeMap::from([
            ("subnet_id".to_owned(), Value::from(subnet_id)),
            ("allocation_id".to_owned(), Value::from(allocation_id)),
            ("tags".to_owned(), observed_tags(gateway.tags())),
        ]),
        attributes: BTreeMap::from([("id".to_owned(), Value::from(id))]),
    }))
}

/// Changes the tags when they differ from `current`; the subnet and the address
/// force replacement and are never changed here.
pub(crate) async fn update(
    client: &Client,
    id: &str,
    current: &BTreeMap<String, Value>,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    update_tags(client, id, current, &request).await?;
    read_back("DescribeNatGateways", "NAT gateway", id, || {
        read(client, id)
    })
    .await
}

/// Finds the resource an interrupted apply made for this request, by its
/// ownership tags; the first that still exists.
pub(crate) async fn find(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Option<Observed>, ProviderError> {
    for id in super::tagged(client, &request, "nat-").await? {
        if let Some(found) = read(client, &id).await? {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

/// Deletes the NAT gateway and waits until it is `deleted` (its address is
/// only released then); one already gone is success.
pub(crate) async fn delete(client: &Client, id: &str) -> Result<(), ProviderError> {
    match client.delete_nat_gateway().nat_gateway_id(id).send().await {
        Ok(_) => tracing::debug!(nat_gateway = id, "deleting NAT gateway"),
        Err(err) if has_code(&err, NOT_FOUND) => return Ok(()),
        Err(err) => return Err(api_error("DeleteNatGateway", err)),
    }
    wait_until(
        &format!("NAT gateway `{id}` to be deleted"),
        STATE_TIMEOUT,
        || async move {
            Ok(describe(client, id)
                .await?
                .is_none_or(|gateway| gateway.state() == Some(&NatGatewayState::Deleted)))
        },
    )
    .await
}

/// The NAT gateway `id` in whatever state, or `None` when EC2 does not know it.
async fn describe(client: &Client, id: &str) -> Result<Option<NatGateway>, ProviderError> {
    match client
        .describe_nat_gateways()
        .nat_gateway_ids(id)
        .send()
        .await
    {
        Ok(output) => Ok(output
            .nat_gateways
            .unwrap_or_default()
            .into_iter()
            .find(|gateway| gateway.nat_gateway_id() == Some(id))),
        Err(err) if has_code(&err, NOT_FOUND) => Ok(None),
        Err(err) => Err(api_error("DescribeNatGateways", err)),
    }
}
