//! Systems Manager: the parameter lookup.

use std::collections::BTreeMap;

use aws_sdk_ssm::Client;

use crate::model::Value;
use crate::provider::aws::{api_error, malformed};
use crate::provider::ProviderError;

/// The lookup type's name.
pub(crate) const PARAMETER: &str = "aws_ssm_parameter";

/// The value of the parameter `inputs.name` (decrypted, for secure strings).
pub(crate) async fn parameter(
    client: &Client,
    inputs: &BTreeMap<String, Value>,
) -> Result<BTreeMap<String, Value>, ProviderError> {
    let name =
        inputs
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| ProviderError::Invalid {
                message: "field `name` must be a string".to_owned(),
            })?;
    let output = client
        .get_parameter()
        .name(name)
        .with_decryption(true)
        .send()
        .await
        .map_err(|err| api_error("GetParameter", err))?;
    let value = output
        .parameter()
        .and_then(|p| p.value())
        .ok_or_else(|| malformed("GetParameter", "parameter value"))?;
    Ok(BTreeMap::from([("value".to_owned(), Value::from(value))]))
}
