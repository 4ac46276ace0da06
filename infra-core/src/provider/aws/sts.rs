//! STS: the caller-identity lookup.

use std::collections::BTreeMap;

use aws_sdk_sts::Client;

use crate::model::Value;
use crate::provider::aws::api_error;
use crate::provider::ProviderError;

/// The lookup type's name.
pub(crate) const CALLER_IDENTITY: &str = "aws_sts_caller_identity";

/// The account, ARN and user id of the credentials in use.
pub(crate) async fn caller_identity(
    client: &Client,
) -> Result<BTreeMap<String, Value>, ProviderError> {
    let identity = client
        .get_caller_identity()
        .send()
        .await
        .map_err(|err| api_error("GetCallerIdentity", err))?;
    let field = |value: Option<&str>| Value::from(value.unwrap_or_default());
    Ok(BTreeMap::from([
        ("account_id".to_owned(), field(identity.account())),
        ("arn".to_owned(), field(identity.arn())),
        ("user_id".to_owned(), field(identity.user_id())),
    ]))
}
