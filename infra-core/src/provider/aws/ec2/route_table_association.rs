//! `aws_ec2_route_table_association`: the association of a route table with a
//! subnet. Its id is the association id, `rtbassoc-…`; both fields force
//! replacement.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{Filter, RouteTableAssociationStateCode};
use aws_sdk_ec2::Client;

use super::read_back::read_back;
use crate::model::Value;
use crate::provider::aws::{api_error, has_code, malformed};
use crate::provider::{Observed, ProviderError, ResourceRequest};

/// The resource type's name.
pub(crate) const TYPE_NAME: &str = "aws_ec2_route_table_association";

/// The error code of an association that does not exist.
const NOT_FOUND: &str = "InvalidAssociationID.NotFound";

/// Associates the route table with the subnet and returns the association as
/// read back.
pub(crate) async fn create(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    let output = client
        .associate_route_table()
        .route_table_id(request.required_str("route_table_id")?)
        .subnet_id(request.required_str("subnet_id")?)
        .send()
        .await
        .map_err(|err| api_error("AssociateRouteTable", err))?;
    let id = output
        .association_id()
        .ok_or_else(|| malformed("AssociateRouteTable", "association id"))?;
    tracing::debug!(association = id, "associated route table");
    read_back("DescribeRouteTables", "route table association", id, || {
        read(client, id)
    })
    .await
}

/// Reads the association from the route table that holds it, with one describe
/// call; `None` when no table holds it any more.
pub(crate) async fn read(client: &Client, id: &str) -> Result<Option<Observed>, ProviderError> {
    let output = client
        .describe_route_tables()
        .filters(
            Filter::builder()
                .name("association.route-table-association-id")
                .values(id)
                .build(),
        )
        .send()
        .await
        .map_err(|err| api_error("DescribeRouteTables", err))?;
    let Some(association) = output
        .route_tables()
        .iter()
        .flat_map(|table| table.associations())
        .find(|association| {
            association.route_table_association_id() == Some(id)
                && !matches!(
                    association
                        .association_state()
                        .and_then(|state| state.state()),
                    Some(
                        RouteTableAssociationStateCode::Disassociated
                            | RouteTableAssociationStateCode::Disassociating
                    )
                )
        })
    else {
        return Ok(None);
    };
    let table_id = association
        .route_table_id()
        .ok_or_else(|| malformed("DescribeRouteTables", "association route table id"))?;
    let mut inputs = BTreeMap::from([("route_table_id".to_owned(), Value::from(table_id))]);
    if let Some(subnet_id) = association.subnet_id() {
        inputs.insert("subnet_id".to_owned(), Value::from(subnet_id));
    }
    Ok(Some(Observed {
        id: id.to_owned(),
        inputs,
        attributes: BTreeMap::from([("id".to_owned(), Value::from(id))]),
    }))
}

/// Every field forces replacement, so there is nothing to change in place:
/// returns the association as read.
pub(crate) async fn update(
    client: &Client,
    id: &str,
    _current: &BTreeMap<String, Value>,
    _request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    read_back("DescribeRouteTables", "route table association", id, || {
        read(client, id)
    })
    .await
}

/// Finds the association an interrupted apply made: a subnet has one route
/// table association, adopted when it is to the requested table.
pub(crate) async fn find(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Option<Observed>, ProviderError> {
    let table_id = request.required_str("route_table_id")?;
    let subnet_id = request.required_str("subnet_id")?;
    let output = client
        .describe_route_tables()
        .filters(
            Filter::builder()
                .name("association.subnet-id")
                .values(subnet_id)
                .build(),
        )
        .send()
        .await
        .map_err(|err| api_error("DescribeRouteTables", err))?;
    let Some(id) = output
        .route_tables()
        .iter()
        .filter(|table| table.route_table_id() == Some(table_id))
        .flat_map(|table| table.associations())
        .find(|association| association.subnet_id() == Some(subnet_id))
        .and_then(|association| association.route_table_association_id())
    else {
        return Ok(None);
    };
    read(client, id).await
}

/// Disassociates the route table from the subnet; an association already gone
/// is success.
pub(crate) async fn delete(client: &Client, id: &str) -> Result<(), ProviderError> {
    match client
        .disassociate_route_table()
        .association_id(id)
        .send()
        .await
    {
        Ok(_) => {
            tracing::debug!(association = id, "disassociated route table");
            Ok(())
        }
        Err(err) if has_code(&err, NOT_FOUND) => Ok(()),
        Err(err) => Err(api_error("DisassociateRouteTable", err)),
    }
}
