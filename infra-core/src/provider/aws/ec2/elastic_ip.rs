//! `aws_ec2_elastic_ip`: an Elastic IP address allocated for use in a VPC, and
//! its tags.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{Address, DomainType, ResourceType};
use aws_sdk_ec2::Client;

use super::read_back::read_back;
use super::{observed_tags, tag_specification, update_tags};
use crate::model::Value;
use crate::provider::aws::{api_error, creation_tags, has_code, malformed};
use crate::provider::{Observed, ProviderError, ResourceRequest};

/// The resource type's name.
pub(crate) const TYPE_NAME: &str = "aws_ec2_elastic_ip";

/// The error code of an allocation id that does not exist.
const NOT_FOUND: &str = "InvalidAllocationID.NotFound";

/// The error code some EC2 implementations give an unknown address instead.
const ADDRESS_NOT_FOUND: &str = "InvalidAddress.NotFound";

/// Allocates a VPC address tagged and returns it as read back.
pub(crate) async fn create(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    let output = client
        .allocate_address()
        .domain(DomainType::Vpc)
        .set_tag_specifications(
            tag_specification(ResourceType::ElasticIp, &creation_tags(&request))
                .map(|spec| vec![spec]),
        )
        .send()
        .await
        .map_err(|err| api_error("AllocateAddress", err))?;
    let id = output
        .allocation_id()
        .ok_or_else(|| malformed("AllocateAddress", "allocation id"))?;
    tracing::debug!(allocation = id, "allocated Elastic IP");
    read_back("DescribeAddresses", "Elastic IP", id, || read(client, id)).await
}

/// Reads the address's public IP and tags, with one describe call.
pub(crate) async fn read(client: &Client, id: &str) -> Result<Option<Observed>, ProviderError> {
    let Some(address) = describe(client, id).await? else {
        return Ok(None);
    };
    let public_ip = address
        .public_ip()
        .ok_or_else(|| malformed("DescribeAddresses", "public IP"))?;
    Ok(Some(Observed {
        id: id.to_owned(),
        inputs: BTreeMap::from([("tags".to_owned(), observed_tags(address.tags()))]),
        attributes: BTreeMap::from([
            ("id".to_owned(), Value::from(id)),
            ("public_ip".to_owned(), Value::from(public_ip)),
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
    read_back("DescribeAddresses", "Elastic IP", id, || read(client, id)).await
}

/// Finds the resource an interrupted apply made for this request, by its
/// ownership tags; the first that still exists.
pub(crate) async fn find(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Option<Observed>, ProviderError> {
    for id in super::tagged(client, &request, "eipalloc-").await? {
        if let Some(found) = read(client, &id).await? {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

/// Releases the address; one already released is success.
pub(crate) async fn delete(client: &Client, id: &str) -> Result<(), ProviderError> {
    match client.release_address().allocation_id(id).send().await {
        Ok(_) => {
            tracing::debug!(allocation = id, "released Elastic IP");
            Ok(())
        }
        Err(err) if has_code(&err, NOT_FOUND) || has_code(&err, ADDRESS_NOT_FOUND) => Ok(()),
        Err(err) => Err(api_error("ReleaseAddress", err)),
    }
}

/// The address of allocation `id`, or `None` when EC2 does not know it.
async fn describe(client: &Client, id: &str) -> Result<Option<Address>, ProviderError> {
    match client.describe_addresses().allocation_ids(id).send().await {
        Ok(output) => Ok(output
            .addresses
            .unwrap_or_default()
            .into_iter()
            .find(|address| address.allocation_id() == Some(id))),
        Err(err) if has_code(&err, NOT_FOUND) || has_code(&err, ADDRESS_NOT_FOUND) => Ok(None),
        Err(err) => Err(api_error("DescribeAddresses", err)),
    }
}
