//! `aws_ec2_network_acl`: a VPC network ACL, the subnets it applies to, and its
//! tags. Its entries are resources of their own (`aws_ec2_network_acl_entry`).
//! Every subnet always has exactly one network ACL, so associating a subnet
//! replaces its current association, and a subnet left out goes back to the
//! VPC's default ACL.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ec2::types::{Filter, NetworkAcl, ResourceType};
use aws_sdk_ec2::Client;

use super::read_back::read_back;
use super::{observed_tags, tag_specification, update_tags};
use crate::model::Value;
use crate::provider::aws::{api_error, creation_tags, has_code, malformed};
use crate::provider::{Observed, ProviderError, ResourceRequest};

/// The resource type's name.
pub(crate) const TYPE_NAME: &str = "aws_ec2_network_acl";

/// The error code of a network ACL that does not exist.
pub(crate) const NOT_FOUND: &str = "InvalidNetworkAclID.NotFound";

/// What moto 5 answers for a network ACL that does not exist (a route table's
/// code, a bug of its own): not found all the same.
const MOTO_NOT_FOUND: &str = "InvalidRouteTableID.NotFound";

/// The field listing the subnets the ACL applies to.
const SUBNET_IDS: &str = "subnet_ids";

/// Creates the network ACL tagged, associates it with the requested subnets and
/// returns it as read back.
pub(crate) async fn create(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    let output = client
        .create_network_acl()
        .vpc_id(request.required_str("vpc_id")?)
        .set_tag_specifications(
            tag_specification(ResourceType::NetworkAcl, &creation_tags(&request))
                .map(|spec| vec![spec]),
        )
        .send()
        .await
        .map_err(|err| api_error("CreateNetworkAcl", err))?;
    let id = output
        .network_acl()
        .and_then(NetworkAcl::network_acl_id)
        .ok_or_else(|| malformed("CreateNetworkAcl", "network ACL id"))?;
    tracing::debug!(network_acl = id, "created network ACL");
    for subnet_id in requested_subnets(&request)? {
        associate(client, &subnet_id, id).await?;
    }
    read_back("DescribeNetworkAcls", "network ACL", id, || {
        read(client, id)
    })
    .await
}

/// Reads the network ACL's VPC, subnets (sorted) and tags, with one describe
/// call.
pub(crate) async fn read(client: &Client, id: &str) -> Result<Option<Observed>, ProviderError> {
    let Some(acl) = describe(client, id).await? else {
        return Ok(None);
    };
    let vpc_id = acl
        .vpc_id()
        .ok_or_else(|| malformed("DescribeNetworkAcls", "network ACL VPC id"))?;
    let subnet_ids: BTreeSet<&str> = acl
        .associations()
        .iter()
        .filter_map(|association| association.subnet_id())
        .collect();
    Ok(Some(Observed {
        id: id.to_owned(),
        inputs: BTreeMap::from([
            ("vpc_id".to_owned(), Value::from(vpc_id)),
            (
                SUBNET_IDS.to_owned(),
                Value::Array(subnet_ids.into_iter().map(Value::from).collect()),
            ),
            ("tags".to_owned(), observed_tags(acl.tags())),
        ]),
        attributes: BTreeMap::from([("id".to_owned(), Value::from(id))]),
    }))
}

/// Associates the subnets added to `subnet_ids`, moves the ones removed back
/// to the VPC's default ACL, and changes the tags; the VPC forces replacement.
pub(crate) async fn update(
    client: &Client,
    id: &str,
    current: &BTreeMap<String, Value>,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    let desired = requested_subnets(&request)?;
    let live = subnets_of(current.get(SUBNET_IDS));
    for subnet_id in desired.difference(&live) {
        associate(client, subnet_id, id).await?;
    }
    let removed: Vec<&String> = live.difference(&desired).collect();
    if !removed.is_empty() {
        let vpc_id = request.required_str("vpc_id")?;
        let default_id = default_acl(client, vpc_id).await?;
        for subnet_id in removed {
            associate(client, subnet_id, &default_id).await?;
        }
    }
    update_tags(client, id, current, &request).await?;
    read_back("DescribeNetworkAcls", "network ACL", id, || {
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
    for id in super::tagged(client, &request, "acl-").await? {
        if let Some(found) = read(client, &id).await? {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

/// Moves the ACL's subnets back to the VPC's default ACL, then deletes it; one
/// already gone is success.
pub(crate) async fn delete(client: &Client, id: &str) -> Result<(), ProviderError> {
    let Some(acl) = describe(client, id).await? else {
        return Ok(());
    };
    let subnet_ids: Vec<&str> = acl
        .associations()
        .iter()
        .filter_map(|association| association.subnet_id())
        .collect();
    if !subnet_ids.is_empty() {
        let vpc_id = acl
            .vpc_id()
            .ok_or_else(|| malformed("DescribeNetworkAcls", "network ACL VPC id"))?;
        let default_id = default_acl(client, vpc_id).await?;
        for subnet_id in subnet_ids {
            associate(client, subnet_id, &default_id).await?;
        }
    }
    match client.delete_network_acl().network_acl_id(id).send().await {
        Ok(_) => {
            tracing::debug!(network_acl = id, "deleted network ACL");
            Ok(())
        }
        Err(err) if has_code(&err, NOT_FOUND) => Ok(()),
        Err(err) => Err(api_error("DeleteNetworkAcl", err)),
    }
}

/// The network ACL `id`, or `None` when EC2 does not know it.
pub(crate) async fn describe(
    client: &Client,
    id: &str,
) -> Result<Option<NetworkAcl>, ProviderError> {
    match client
        .describe_network_acls()
        .network_acl_ids(id)
        .send()
        .await
    {
        Ok(output) => Ok(output
            .network_acls
            .unwrap_or_default()
            .into_iter()
            .find(|acl| acl.network_acl_id() == Some(id))),
        Err(err) if has_code(&err, NOT_FOUND) || has_code(&err, MOTO_NOT_FOUND) => Ok(None),
        Err(err) => Err(api_error("DescribeNetworkAcls", err)),
    }
}

/// Makes `acl_id` the network ACL of the subnet, by replacing the subnet's
/// current association; nothing when it already is.
async fn associate(client: &Client, subnet_id: &str, acl_id: &str) -> Result<(), ProviderError> {
    let output = client
        .describe_network_acls()
        .filters(
            Filter::builder()
                .name("association.subnet-id")
                .values(subnet_id)
                .build(),
        )
        .send()
        .await
        .map_err(|err| api_error("DescribeNetworkAcls", err))?;
    let (current_acl, association_id) = output
        .network_acls()
        .iter()
        .find_map(|acl| {
            acl.associations()
                .iter()
                .find(|association| association.subnet_id() == Some(subnet_id))
                .and_then(|association| association.network_acl_association_id())
                .map(|association_id| (acl.network_acl_id(), association_id))
        })
        .ok_or_else(|| ProviderError::Invalid {
            message: format!("subnet `{subnet_id}` has no network ACL association"),
        })?;
    if current_acl == Some(acl_id) {
        return Ok(());
    }
    client
        .replace_network_acl_association()
        .association_id(association_id)
        .network_acl_id(acl_id)
        .send()
        .await
        .map_err(|err| api_error("ReplaceNetworkAclAssociation", err))?;
    tracing::debug!(
        subnet = subnet_id,
        network_acl = acl_id,
        "associated network ACL"
    );
    Ok(())
}

/// The id of the default network ACL of the VPC.
async fn default_acl(client: &Client, vpc_id: &str) -> Result<String, ProviderError> {
    let output = client
        .describe_network_acls()
        .filters(Filter::builder().name("default").values("true").build())
        .filters(Filter::builder().name("vpc-id").values(vpc_id).build())
        .send()
        .await
        .map_err(|err| api_error("DescribeNetworkAcls", err))?;
    output
        .network_acls()
        .iter()
        .find(|acl| acl.is_default() == Some(true) && acl.vpc_id() == Some(vpc_id))
        .and_then(NetworkAcl::network_acl_id)
        .map(str::to_owned)
        .ok_or_else(|| malformed("DescribeNetworkAcls", "default network ACL of the VPC"))
}

/// The requested subnets; an unset list is none.
fn requested_subnets(request: &ResourceRequest<'_>) -> Result<BTreeSet<String>, ProviderError> {
    let Some(value) = request.get(SUBNET_IDS) else {
        return Ok(BTreeSet::new());
    };
    value
        .as_array()
        .and_then(|items| {
            items
                .iter()
                .map(|item| item.as_str().map(str::to_owned))
                .collect()
        })
        .ok_or_else(|| ProviderError::Invalid {
            message: format!("field `{SUBNET_IDS}` must be a list of subnet ids"),
        })
}

/// The subnets of a live `subnet_ids` value.
fn subnets_of(value: Option<&Value>) -> BTreeSet<String> {
    value
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|item| item.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}
