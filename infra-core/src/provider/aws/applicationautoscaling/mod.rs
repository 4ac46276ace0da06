//! Application Auto Scaling resource types: `aws_applicationautoscaling_scalable_target`,
//! a resource (an ECS service's desired count) registered for scaling, and
//! `aws_applicationautoscaling_target_tracking_policy`, a policy keeping a
//! metric of it near a target.
//!
//! Neither has tags: a scalable target is known by its service namespace,
//! resource id and scalable dimension, a policy by those and its name. Their
//! ids join these with `|`, which none of them holds.

pub(crate) mod scalable_target;
pub(crate) mod target_tracking_policy;

use aws_sdk_applicationautoscaling::types::{ScalableDimension, ServiceNamespace};

use crate::provider::{ProviderError, ResourceRequest};

/// What separates the parts of an id.
const SEPARATOR: char = '|';

/// The schema's default service namespace.
const DEFAULT_NAMESPACE: &str = "ecs";

/// The schema's default scalable dimension.
const DEFAULT_DIMENSION: &str = "ecs:service:DesiredCount";

/// The error code of a target or policy Application Auto Scaling does not know.
const NOT_FOUND: &str = "ObjectNotFoundException";

/// The error code of a refused request.
const VALIDATION: &str = "ValidationException";

/// A scalable target's identity.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Target {
    /// The service namespace: `ecs`.
    namespace: String,
    /// The resource: `service/<cluster>/<service>`.
    resource_id: String,
    /// What is scaled: `ecs:service:DesiredCount`.
    dimension: String,
}

impl Target {
    /// The target the request names, its namespace and dimension checked.
    fn of(request: &ResourceRequest<'_>) -> Result<Self, ProviderError> {
        let target = Self {
            namespace: request
                .str("service_namespace")
                .unwrap_or(DEFAULT_NAMESPACE)
                .to_owned(),
            resource_id: request.required_str("resource_id")?.to_owned(),
            dimension: request
                .str("scalable_dimension")
                .unwrap_or(DEFAULT_DIMENSION)
                .to_owned(),
        };
        target.check()?;
        Ok(target)
    }

    /// The target of the id `<namespace>|<resource id>|<dimension>`.
    fn parse(id: &str) -> Option<Self> {
        let (namespace, rest) = id.split_once(SEPARATOR)?;
        let (resource_id, dimension) = rest.rsplit_once(SEPARATOR)?;
        let target = Self {
            namespace: namespace.to_owned(),
            resource_id: resource_id.to_owned(),
            dimension: dimension.to_owned(),
        };
        target.check().ok().map(|()| target)
    }

    /// The target's id.
    fn id(&self) -> String {
        format!(
            "{}{SEPARATOR}{}{SEPARATOR}{}",
            self.namespace, self.resource_id, self.dimension
        )
    }

    /// An error unless the namespace and dimension are ones AWS knows, and
    /// the resource id is set and holds no separator.
    fn check(&self) -> Result<(), ProviderError> {
        if !ServiceNamespace::values().contains(&self.namespace.as_str()) {
            return Err(ProviderError::Invalid {
                message: format!("`{}` is not a service namespace", self.namespace),
            });
        }
        if !ScalableDimension::values().contains(&self.dimension.as_str()) {
            return Err(ProviderError::Invalid {
                message: format!("`{}` is not a scalable dimension", self.dimension),
            });
        }
        if self.resource_id.is_empty() || self.resource_id.contains(SEPARATOR) {
            return Err(ProviderError::Invalid {
                message: format!("`{}` is not a scalable resource id", self.resource_id),
            });
        }
        Ok(())
    }

    /// The namespace as the SDK takes it.
    fn namespace(&self) -> ServiceNamespace {
        ServiceNamespace::from(self.namespace.as_str())
    }

    /// The dimension as the SDK takes it.
    fn dimension(&self) -> ScalableDimension {
        ScalableDimension::from(self.dimension.as_str())
    }
}

/// Whether `err` (a [`ProviderError::Api`]) has the code `code` and a message
/// holding `fragment`.
fn api_error_is(err: &ProviderError, code: &str, fragment: &str) -> bool {
    matches!(
        err,
        ProviderError::Api { code: found, message, .. }
            if found == code && message.contains(fragment)
    )
}

/// An error for an id that is not of the form `what` says.
fn bad_id(id: &str, form: &str) -> ProviderError {
    ProviderError::Invalid {
        message: format!("`{id}` is not an id of the form `{form}`"),
    }
}
