//! `aws_ec2_vpc`: an EC2 VPC, its DNS attributes and tags.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{AttributeBooleanValue, ResourceType, Vpc, VpcAttributeName, VpcState};
use aws_sdk_ec2::Client;

use super::{observed_tags, region, tag_specification, update_tags, AVAILABLE_TIMEOUT};
use crate::model::Value;
use crate::provider::aws::{api_error, creation_tags, has_code, malformed, vanished, wait_until};
use crate::provider::{Observed, ProviderError, ResourceRequest};

/// The resource type's name.
pub(crate) const TYPE_NAME: &str = "aws_ec2_vpc";

/// The error code of a VPC that does not exist.
const NOT_FOUND: &str = "InvalidVpcID.NotFound";

/// Creates the VPC tagged, sets the DNS attributes that differ from AWS's
/// defaults once it is available, and returns it as read back.
pub(crate) async fn create(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    let cidr_block = request.required_str("cidr_block")?;
    let output = client
        .create_vpc()
        .cidr_block(cidr_block)
        .set_tag_specifications(
            tag_specification(ResourceType::Vpc, &creation_tags(&request)).map(|spec| vec![spec]),
        )
        .send()
        .await
        .map_err(|err| api_error("CreateVpc", err))?;
    let id = output
        .vpc()
        .and_then(Vpc::vpc_id)
        .ok_or_else(|| malformed("CreateVpc", "VPC id"))?;
    tracing::debug!(vpc = id, "created VPC");

    match finish_create(client, id, request).await {
        Ok(observed) => Ok(observed),
        Err(err) => {
            // Nothing records a VPC whose create failed: delete it rather than
            // leave an orphan that the next apply would duplicate.
            if let Err(cleanup) = delete(client, id).await {
                tracing::warn!(vpc = id, error = %cleanup, "could not delete the half-created VPC");
            }
            Err(err)
        }
    }
}

/// The steps after `CreateVpc`: wait, set the DNS attributes, read back.
async fn finish_create(
    client: &Client,
    id: &str,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    wait_until(
        &format!("VPC {id} to be available"),
        AVAILABLE_TIMEOUT,
        || async move {
            // Right after creation EC2 may not know the id yet: keep polling.
            Ok(describe(client, id)
                .await?
                .is_some_and(|vpc| vpc.state() == Some(&VpcState::Available)))
        },
    )
    .await?;
    let observed = read(client, id)
        .await?
        .ok_or_else(|| vanished("DescribeVpcs", "VPC", id))?;
    if set_dns_attributes(client, id, &observed.inputs, &request).await? {
        read(client, id)
            .await?
            .ok_or_else(|| vanished("DescribeVpcs", "VPC", id))
    } else {
        Ok(observed)
    }
}

/// Reads the VPC: its CIDR block, DNS attributes and tags. Only describe calls.
pub(crate) async fn read(client: &Client, id: &str) -> Result<Option<Observed>, ProviderError> {
    let Some(vpc) = describe(client, id).await? else {
        return Ok(None);
    };
    let cidr_block = vpc
        .cidr_block()
        .ok_or_else(|| malformed("DescribeVpcs", "VPC CIDR block"))?;
    let owner_id = vpc
        .owner_id()
        .ok_or_else(|| malformed("DescribeVpcs", "VPC owner id"))?;
    // The VPC may go between the calls: then it is gone.
    let Some(enable_dns_support) = attribute(client, id, Dns::Support).await? else {
        return Ok(None);
    };
    let Some(enable_dns_hostnames) = attribute(client, id, Dns::Hostnames).await? else {
        return Ok(None);
    };

    let inputs = BTreeMap::from([
        ("cidr_block".to_owned(), Value::from(cidr_block)),
        (
            Dns::Support.field().to_owned(),
            Value::from(enable_dns_support),
        ),
        (
            Dns::Hostnames.field().to_owned(),
            Value::from(enable_dns_hostnames),
        ),
        ("tags".to_owned(), observed_tags(vpc.tags())),
    ]);
    let arn = format!("arn:aws:ec2:{}:{owner_id}:vpc/{id}", region(client)?);
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

/// Changes the DNS attributes and tags that differ from `current`; the CIDR
/// block forces replacement and is never changed here.
pub(crate) async fn update(
    client: &Client,
    id: &str,
    current: &BTreeMap<String, Value>,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    set_dns_attributes(client, id, current, &request).await?;
    update_tags(client, id, current, &request).await?;
    read(client, id)
        .await?
        .ok_or_else(|| vanished("DescribeVpcs", "VPC", id))
}

/// Finds the resource an interrupted apply made for this request, by its
/// ownership tags; the first that still exists.
pub(crate) async fn find(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Option<Observed>, ProviderError> {
    for id in super::tagged(client, &request, "vpc-").await? {
        if let Some(found) = read(client, &id).await? {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

/// Deletes the VPC; one already gone is success.
pub(crate) async fn delete(client: &Client, id: &str) -> Result<(), ProviderError> {
    match client.delete_vpc().vpc_id(id).send().await {
        Ok(_) => {
            tracing::debug!(vpc = id, "deleted VPC");
            Ok(())
        }
        Err(err) if has_code(&err, NOT_FOUND) => Ok(()),
        Err(err) => Err(api_error("DeleteVpc", err)),
    }
}

/// The VPC `id`, or `None` when EC2 does not know it.
async fn describe(client: &Client, id: &str) -> Result<Option<Vpc>, ProviderError> {
    match client.describe_vpcs().vpc_ids(id).send().await {
        Ok(output) => Ok(output
            .vpcs
            .unwrap_or_default()
            .into_iter()
            .find(|vpc| vpc.vpc_id() == Some(id))),
        Err(err) if has_code(&err, NOT_FOUND) => Ok(None),
        Err(err) => Err(api_error("DescribeVpcs", err)),
    }
}

/// The two DNS attributes of a VPC, which EC2 reads and sets one per call.
#[derive(Debug, Clone, Copy)]
enum Dns {
    Support,
    Hostnames,
}

impl Dns {
    fn name(self) -> VpcAttributeName {
        match self {
            Dns::Support => VpcAttributeName::EnableDnsSupport,
            Dns::Hostnames => VpcAttributeName::EnableDnsHostnames,
        }
    }

    fn field(self) -> &'static str {
        match self {
            Dns::Support => "enable_dns_support",
            Dns::Hostnames => "enable_dns_hostnames",
        }
    }
}

/// One DNS attribute of the VPC; `None` when the VPC is gone.
async fn attribute(client: &Client, id: &str, dns: Dns) -> Result<Option<bool>, ProviderError> {
    let output = match client
        .describe_vpc_attribute()
        .vpc_id(id)
        .attribute(dns.name())
        .send()
        .await
    {
        Ok(output) => output,
        Err(err) if has_code(&err, NOT_FOUND) => return Ok(None),
        Err(err) => return Err(api_error("DescribeVpcAttribute", err)),
    };
    let value = match dns {
        Dns::Support => output.enable_dns_support(),
        Dns::Hostnames => output.enable_dns_hostnames(),
    };
    value
        .and_then(AttributeBooleanValue::value)
        .map(Some)
        .ok_or_else(|| malformed("DescribeVpcAttribute", dns.field()))
}

/// Sets the DNS attributes the request gives that differ from `current`, one
/// `ModifyVpcAttribute` call each (EC2 takes one attribute per call). Returns
/// whether anything changed.
async fn set_dns_attributes(
    client: &Client,
    id: &str,
    current: &BTreeMap<String, Value>,
    request: &ResourceRequest<'_>,
) -> Result<bool, ProviderError> {
    let differs = |dns: Dns| {
        request
            .bool(dns.field())
            .filter(|wanted| current.get(dns.field()).and_then(Value::as_bool) != Some(*wanted))
    };
    let support = differs(Dns::Support);
    let hostnames = differs(Dns::Hostnames);

    // DNS hostnames need DNS support: turn support on before hostnames, and
    // off after them.
    if support == Some(true) {
        modify(client, id, Dns::Support, true).await?;
    }
    if let Some(hostnames) = hostnames {
        modify(client, id, Dns::Hostnames, hostnames).await?;
    }
    if support == Some(false) {
        modify(client, id, Dns::Support, false).await?;
    }
    Ok(support.is_some() || hostnames.is_some())
}

/// Sets one DNS attribute of the VPC.
async fn modify(client: &Client, id: &str, dns: Dns, value: bool) -> Result<(), ProviderError> {
    let value = AttributeBooleanValue::builder().value(value).build();
    let call = client.modify_vpc_attribute().vpc_id(id);
    let call = match dns {
        Dns::Support => call.enable_dns_support(value),
        Dns::Hostnames => call.enable_dns_hostnames(value),
    };
    call.send()
        .await
        .map_err(|err| api_error("ModifyVpcAttribute", err))?;
    Ok(())
}
