//! `aws_ec2_route`: one IPv4 route of a route table, to an internet gateway or a
//! NAT gateway. Its id is `<rtb-id>_<destination-cidr>`; the table and the
//! destination force replacement, the target changes in place.

use std::collections::BTreeMap;

use aws_sdk_ec2::Client;

use super::read_back::read_back;
use super::route_table::{self, describe};
use crate::model::Value;
use crate::provider::aws::{api_error, has_code};
use crate::provider::{Observed, ProviderError, ResourceRequest};

/// The resource type's name.
pub(crate) const TYPE_NAME: &str = "aws_ec2_route";

/// The error code of a route that does not exist.
const NOT_FOUND: &str = "InvalidRoute.NotFound";

/// The field naming an internet gateway target.
const GATEWAY_ID: &str = "gateway_id";

/// The field naming a NAT gateway target.
const NAT_GATEWAY_ID: &str = "nat_gateway_id";

/// Creates the route and returns it as read back.
pub(crate) async fn create(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    let table_id = request.required_str("route_table_id")?;
    let destination = request.required_str("destination_cidr_block")?;
    let (gateway_id, nat_gateway_id) = target(&request)?;
    client
        .create_route()
        .route_table_id(table_id)
        .destination_cidr_block(destination)
        .set_gateway_id(gateway_id)
        .set_nat_gateway_id(nat_gateway_id)
        .send()
        .await
        .map_err(|err| api_error("CreateRoute", err))?;
    let id = format!("{table_id}_{destination}");
    tracing::debug!(route = id, "created route");
    read_back("DescribeRouteTables", "route", &id, || read(client, &id)).await
}

/// Reads the route from its table's routes, with one describe call; `None` when
/// the table is gone or has no route to the destination. Only the target that
/// is set is reported.
pub(crate) async fn read(client: &Client, id: &str) -> Result<Option<Observed>, ProviderError> {
    let (table_id, destination) = split_id(id)?;
    let Some(table) = describe(client, table_id).await? else {
        return Ok(None);
    };
    let Some(route) = table
        .routes()
        .iter()
        .find(|route| route.destination_cidr_block() == Some(destination))
    else {
        return Ok(None);
    };
    let mut inputs = BTreeMap::from([
        ("route_table_id".to_owned(), Value::from(table_id)),
        (
            "destination_cidr_block".to_owned(),
            Value::from(destination),
        ),
    ]);
    // A blackhole route (its target deleted) still exists and names its target.
    if let Some(gateway_id) = route.gateway_id().filter(|id| !id.is_empty()) {
        inputs.insert(GATEWAY_ID.to_owned(), Value::from(gateway_id));
    }
    if let Some(nat_gateway_id) = route.nat_gateway_id().filter(|id| !id.is_empty()) {
        inputs.insert(NAT_GATEWAY_ID.to_owned(), Value::from(nat_gateway_id));
    }
    Ok(Some(Observed {
        id: id.to_owned(),
        inputs,
        attributes: BTreeMap::from([("id".to_owned(), Value::from(id))]),
    }))
}

/// Points the route at the requested target with `ReplaceRoute` when it differs
/// from `current`; the table and the destination force replacement.
pub(crate) async fn update(
    client: &Client,
    id: &str,
    current: &BTreeMap<String, Value>,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    let (table_id, destination) = split_id(id)?;
    let (gateway_id, nat_gateway_id) = target(&request)?;
    let unchanged = current.get(GATEWAY_ID).and_then(Value::as_str) == gateway_id.as_deref()
        && current.get(NAT_GATEWAY_ID).and_then(Value::as_str) == nat_gateway_id.as_deref();
    if !unchanged {
        client
            .replace_route()
            .route_table_id(table_id)
            .destination_cidr_block(destination)
            .set_gateway_id(gateway_id)
            .set_nat_gateway_id(nat_gateway_id)
            .send()
            .await
            .map_err(|err| api_error("ReplaceRoute", err))?;
        tracing::debug!(route = id, "replaced route target");
    }
    read_back("DescribeRouteTables", "route", id, || read(client, id)).await
}

/// Finds the route an interrupted apply made: a table has one route per
/// destination, so the slot is the identity.
pub(crate) async fn find(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Option<Observed>, ProviderError> {
    let table_id = request.required_str("route_table_id")?;
    let destination = request.required_str("destination_cidr_block")?;
    read(client, &format!("{table_id}_{destination}")).await
}

/// Deletes the route; one already gone, or whose table is gone, is success.
pub(crate) async fn delete(client: &Client, id: &str) -> Result<(), ProviderError> {
    let (table_id, destination) = split_id(id)?;
    match client
        .delete_route()
        .route_table_id(table_id)
        .destination_cidr_block(destination)
        .send()
        .await
    {
        Ok(_) => {
            tracing::debug!(route = id, "deleted route");
            Ok(())
        }
        Err(err) if has_code(&err, NOT_FOUND) || has_code(&err, route_table::NOT_FOUND) => Ok(()),
        Err(err) => Err(api_error("DeleteRoute", err)),
    }
}

/// The requested target, `(gateway_id, nat_gateway_id)`: exactly one is set.
fn target(
    request: &ResourceRequest<'_>,
) -> Result<(Option<String>, Option<String>), ProviderError> {
    let gateway_id = request.str(GATEWAY_ID).map(str::to_owned);
    let nat_gateway_id = request.str(NAT_GATEWAY_ID).map(str::to_owned);
    if gateway_id.is_some() == nat_gateway_id.is_some() {
        return Err(ProviderError::Invalid {
            message: format!(
                "route `{}` must set exactly one of `{GATEWAY_ID}` and `{NAT_GATEWAY_ID}`",
                request.name
            ),
        });
    }
    Ok((gateway_id, nat_gateway_id))
}

/// The route table id and the destination of a route id.
fn split_id(id: &str) -> Result<(&str, &str), ProviderError> {
    id.split_once('_')
        .filter(|(table_id, destination)| !table_id.is_empty() && !destination.is_empty())
        .ok_or_else(|| ProviderError::Invalid {
            message: format!("route id `{id}` is not of the form `<rtb-id>_<destination-cidr>`"),
        })
}
