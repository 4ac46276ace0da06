//! The availability-zones lookup.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{AvailabilityZoneState, Filter};
use aws_sdk_ec2::Client;

use crate::model::Value;
use crate::provider::aws::api_error;
use crate::provider::ProviderError;

/// The lookup type's name.
pub(crate) const TYPE_NAME: &str = "aws_ec2_availability_zones";

/// The names of the region's available zones, sorted, so that `names[0]` is
/// stable from one plan to the next.
pub(crate) async fn read(client: &Client) -> Result<BTreeMap<String, Value>, ProviderError> {
    let output = client
        .describe_availability_zones()
        .filters(Filter::builder().name("state").values("available").build())
        .send()
        .await
        .map_err(|err| api_error("DescribeAvailabilityZones", err))?;
    let mut names: Vec<String> = output
        .availability_zones()
        .iter()
        .filter(|zone| zone.state() == Some(&AvailabilityZoneState::Available))
        .filter_map(|zone| zone.zone_name().map(str::to_owned))
        .collect();
    names.sort();
    Ok(BTreeMap::from([(
        "names".to_owned(),
        Value::Array(names.into_iter().map(Value::from).collect()),
    )]))
}
