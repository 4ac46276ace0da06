//! `aws_ec2_internet_gateway_attachment`: the attachment of an internet gateway
//! to a VPC. Its id is `<igw-id>:<vpc-id>`; both fields force replacement.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::AttachmentStatus;
use aws_sdk_ec2::Client;

use super::internet_gateway::{self, describe};
use super::read_back::read_back;
use crate::model::Value;
use crate::provider::aws::{api_error, has_code};
use crate::provider::{Observed, ProviderError, ResourceRequest};

/// The resource type's name.
pub(crate) const TYPE_NAME: &str = "aws_ec2_internet_gateway_attachment";

/// The error code of detaching a gateway that is not attached to the VPC.
const NOT_ATTACHED: &str = "Gateway.NotAttached";

/// The error code of a VPC that does not exist.
const VPC_NOT_FOUND: &str = "InvalidVpcID.NotFound";

/// Attaches the internet gateway to the VPC and returns the attachment as read
/// back.
pub(crate) async fn create(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    let gateway_id = request.required_str("internet_gateway_id")?;
    let vpc_id = request.required_str("vpc_id")?;
    client
        .attach_internet_gateway()
        .internet_gateway_id(gateway_id)
        .vpc_id(vpc_id)
        .send()
        .await
        .map_err(|err| api_error("AttachInternetGateway", err))?;
    let id = format!("{gateway_id}:{vpc_id}");
    tracing::debug!(attachment = id, "attached internet gateway");
    read_back(
        "DescribeInternetGateways",
        "internet gateway attachment",
        &id,
        || read(client, &id),
    )
    .await
}

/// Reads the attachment from the gateway's attachments, with one describe call;
/// `None` when the gateway is gone or no longer attached to the VPC.
pub(crate) async fn read(client: &Client, id: &str) -> Result<Option<Observed>, ProviderError> {
    let (gateway_id, vpc_id) = split_id(id)?;
    let Some(gateway) = describe(client, gateway_id).await? else {
        return Ok(None);
    };
    let attached = gateway.attachments().iter().any(|attachment| {
        attachment.vpc_id() == Some(vpc_id)
            && !matches!(
                attachment.state(),
                Some(AttachmentStatus::Detached | AttachmentStatus::Detaching)
            )
    });
    if !attached {
        return Ok(None);
    }
    Ok(Some(Observed {
        id: id.to_owned(),
        inputs: BTreeMap::from([
            ("internet_gateway_id".to_owned(), Value::from(gateway_id)),
            ("vpc_id".to_owned(), Value::from(vpc_id)),
        ]),
        attributes: BTreeMap::from([("id".to_owned(), Value::from(id))]),
    }))
}

/// Every field forces replacement, so there is nothing to change in place:
/// returns the attachment as read.
pub(crate) async fn update(
    client: &Client,
    id: &str,
    _current: &BTreeMap<String, Value>,
    _request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    read_back(
        "DescribeInternetGateways",
        "internet gateway attachment",
        id,
        || read(client, id),
    )
    .await
}

/// Finds the attachment an interrupted apply made: a gateway and a VPC attach
/// once, so the pair is the identity.
pub(crate) async fn find(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Option<Observed>, ProviderError> {
    let gateway_id = request.required_str("internet_gateway_id")?;
    let vpc_id = request.required_str("vpc_id")?;
    read(client, &format!("{gateway_id}:{vpc_id}")).await
}

/// Detaches the gateway from the VPC; an attachment already gone (gateway or VPC
/// deleted, or not attached) is success.
pub(crate) async fn delete(client: &Client, id: &str) -> Result<(), ProviderError> {
    let (gateway_id, vpc_id) = split_id(id)?;
    match client
        .detach_internet_gateway()
        .internet_gateway_id(gateway_id)
        .vpc_id(vpc_id)
        .send()
        .await
    {
        Ok(_) => {
            tracing::debug!(attachment = id, "detached internet gateway");
            Ok(())
        }
        Err(err)
            if has_code(&err, NOT_ATTACHED)
                || has_code(&err, internet_gateway::NOT_FOUND)
                || has_code(&err, VPC_NOT_FOUND) =>
        {
            Ok(())
        }
        Err(err) => Err(api_error("DetachInternetGateway", err)),
    }
}

/// The gateway id and the VPC id of an attachment id.
fn split_id(id: &str) -> Result<(&str, &str), ProviderError> {
    id.split_once(':')
        .filter(|(gateway_id, vpc_id)| !gateway_id.is_empty() && !vpc_id.is_empty())
        .ok_or_else(|| ProviderError::Invalid {
            message: format!(
                "internet gateway attachment id `{id}` is not of the form `<igw-id>:<vpc-id>`"
            ),
        })
}
