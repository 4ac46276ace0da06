//! `aws_ec2_internet_gateway`: an internet gateway and its tags. Attaching it to
//! a VPC is `aws_ec2_internet_gateway_attachment`'s job.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{InternetGateway, ResourceType};
use aws_sdk_ec2::Client;

use super::read_back::read_back;
use super::{observed_tags, region, tag_specification, update_tags};
use crate::model::Value;
use crate::provider::aws::{api_error, creation_tags, has_code, malformed};
use crate::provider::{Observed, ProviderError, ResourceRequest};

/// The resource type's name.
pub(crate) const TYPE_NAME: &str = "aws_ec2_internet_gateway";

/// The error code of an internet gateway that does not exist.
pub(crate) const NOT_FOUND: &str = "InvalidInternetGatewayID.NotFound";

/// Creates the internet gateway tagged and returns it as read back.
pub(crate) async fn create(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    let output = client
        .create_internet_gateway()
        .set_tag_specifications(
            tag_specification(ResourceType::InternetGateway, &creation_tags(&request))
                .map(|spec| vec![spec]),
        )
        .send()
        .await
        .map_err(|err| api_error("CreateInternetGateway", err))?;
    let id = output
        .internet_gateway()
        .and_then(InternetGateway::internet_gateway_id)
        .ok_or_else(|| malformed("CreateInternetGateway", "internet gateway id"))?;
    tracing::debug!(internet_gateway = id, "created internet gateway");
    read_back("DescribeInternetGateways", "internet gateway", id, || {
        read(client, id)
    })
    .await
}

/// Reads the internet gateway's tags, with one describe call.
pub(crate) async fn read(client: &Client, id: &str) -> Result<Option<Observed>, ProviderError> {
    let Some(gateway) = describe(client, id).await? else {
        return Ok(None);
    };
    // EC2 reports no ARN for an internet gateway: build it like AWS.
    let owner_id = gateway
        .owner_id()
        .ok_or_else(|| malformed("DescribeInternetGateways", "internet gateway owner id"))?;
    let arn = format!(
        "arn:aws:ec2:{}:{owner_id}:internet-gateway/{id}",
        region(client)?
    );
    Ok(Some(Observed {
        id: id.to_owned(),
        inputs: BTreeMap::from([("tags".to_owned(), observed_tags(gateway.tags()))]),
        attributes: BTreeMap::from([
            ("id".to_owned(), Value::from(id)),
            ("arn".to_owned(), Value::from(arn)),
        ]),
    }))
}

/// Changes the tags when they differ from `current`.
pub(crate) async fn update(
    client: &Client,
    id: &str,
    current: &BTreeMap<String, Value>,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    update_tags(client, id, current, &request).await?;
    read_back("DescribeInternetGateways", "internet gateway", id, || {
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
    for id in super::tagged(client, &request, "igw-").await? {
        if let Some(found) = read(client, &id).await? {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

/// Deletes the internet gateway; one already gone is success. It must be
/// detached first, which its attachment's delete does.
pub(crate) async fn delete(client: &Client, id: &str) -> Result<(), ProviderError> {
    match client
        .delete_internet_gateway()
        .internet_gateway_id(id)
        .send()
        .await
    {
        Ok(_) => {
            tracing::debug!(internet_gateway = id, "deleted internet gateway");
            Ok(())
        }
        Err(err) if has_code(&err, NOT_FOUND) => Ok(()),
        Err(err) => Err(api_error("DeleteInternetGateway", err)),
    }
}

/// The internet gateway `id`, or `None` when EC2 does not know it.
pub(crate) async fn describe(
    client: &Client,
    id: &str,
) -> Result<Option<InternetGateway>, ProviderError> {
    match client
        .describe_internet_gateways()
        .internet_gateway_ids(id)
        .send()
        .await
    {
        Ok(output) => Ok(output
            .internet_gateways
            .unwrap_or_default()
            .into_iter()
            .find(|gateway| gateway.internet_gateway_id() == Some(id))),
        Err(err) if has_code(&err, NOT_FOUND) => Ok(None),
        Err(err) => Err(api_error("DescribeInternetGateways", err)),
    }
}
