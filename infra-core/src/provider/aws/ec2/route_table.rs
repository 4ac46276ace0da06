//! `aws_ec2_route_table`: a VPC route table and its tags. Its routes and subnet
//! associations are resources of their own (`aws_ec2_route`,
//! `aws_ec2_route_table_association`).

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{ResourceType, RouteTable};
use aws_sdk_ec2::Client;

use super::read_back::read_back;
use super::{observed_tags, tag_specification, update_tags};
use crate::model::Value;
use crate::provider::aws::{api_error, creation_tags, has_code, malformed};
use crate::provider::{Observed, ProviderError, ResourceRequest};

/// The resource type's name.
pub(crate) const TYPE_NAME: &str = "aws_ec2_route_table";

/// The error code of a route table that does not exist.
pub(crate) const NOT_FOUND: &str = "InvalidRouteTableID.NotFound";

/// Creates the route table tagged and returns it as read back.
pub(crate) async fn create(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    let output = client
        .create_route_table()
        .vpc_id(request.required_str("vpc_id")?)
        .set_tag_specifications(
            tag_specification(ResourceType::RouteTable, &creation_tags(&request))
                .map(|spec| vec![spec]),
        )
        .send()
        .await
        .map_err(|err| api_error("CreateRouteTable", err))?;
    let id = output
        .route_table()
        .and_then(RouteTable::route_table_id)
        .ok_or_else(|| malformed("CreateRouteTable", "route table id"))?;
    tracing::debug!(route_table = id, "created route table");
    read_back("DescribeRouteTables", "route table", id, || {
        read(client, id)
    })
    .await
}

/// Reads the route table's VPC and tags, with one describe call.
pub(crate) async fn read(client: &Client, id: &str) -> Result<Option<Observed>, ProviderError> {
    let Some(table) = describe(client, id).await? else {
        return Ok(None);
    };
    let vpc_id = table
        .vpc_id()
        .ok_or_else(|| malformed("DescribeRouteTables", "route table VPC id"))?;
    Ok(Some(Observed {
        id: id.to_owned(),
        inputs: BTreeMap::from([
            ("vpc_id".to_owned(), Value::from(vpc_id)),
            ("tags".to_owned(), observed_tags(table.tags())),
        ]),
        attributes: BTreeMap::from([("id".to_owned(), Value::from(id))]),
    }))
}

/// Changes the tags when they differ from `current`; the VPC forces
/// replacement and is never changed here.
pub(crate) async fn update(
    client: &Client,
    id: &str,
    current: &BTreeMap<String, Value>,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    update_tags(client, id, current, &request).await?;
    read_back("DescribeRouteTables", "route table", id, || {
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
    for id in super::tagged(client, &request, "rtb-").await? {
        if let Some(found) = read(client, &id).await? {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

/// Deletes the route table; one already gone is success. Its subnet
/// associations must be gone first.
pub(crate) async fn delete(client: &Client, id: &str) -> Result<(), ProviderError> {
    match client.delete_route_table().route_table_id(id).send().await {
        Ok(_) => {
            tracing::debug!(route_table = id, "deleted route table");
            Ok(())
        }
        Err(err) if has_code(&err, NOT_FOUND) => Ok(()),
        Err(err) => Err(api_error("DeleteRouteTable", err)),
    }
}

/// The route table `id`, or `None` when EC2 does not know it.
pub(crate) async fn describe(
    client: &Client,
    id: &str,
) -> Result<Option<RouteTable>, ProviderError> {
    match client
        .describe_route_tables()
        .route_table_ids(id)
        .send()
        .await
    {
        Ok(output) => Ok(output
            .route_tables
            .unwrap_or_default()
            .into_iter()
            .find(|table| table.route_table_id() == Some(id))),
        Err(err) if has_code(&err, NOT_FOUND) => Ok(None),
        Err(err) => Err(api_error("DescribeRouteTables", err)),
    }
}
