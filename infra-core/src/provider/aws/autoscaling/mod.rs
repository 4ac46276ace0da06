//! EC2 Auto Scaling resource types: `aws_autoscaling_group`, a group of
//! instances launched from a launch template, and `aws_autoscaling_policy`, a
//! scaling policy of a group.

pub(crate) mod group;
pub(crate) mod policy;

use aws_sdk_autoscaling::error::{ProvideErrorMetadata, SdkError};

use crate::provider::aws::has_code;

/// The error code Auto Scaling answers most refusals with, an unknown group
/// among them: it has no not-found code of its own.
const VALIDATION_ERROR: &str = "ValidationError";

/// Whether `err` says the group or policy named in the call does not exist:
/// a `ValidationError` whose message says "not found".
fn is_not_found<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> bool {
    has_code(err, VALIDATION_ERROR)
        && err
            .message()
            .is_some_and(|message| message.to_ascii_lowercase().contains("not found"))
}
