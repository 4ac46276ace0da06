//! The boundary between the engine and a cloud: create, read, update and delete
//! one resource, given its type and its resolved field values.

use std::collections::BTreeMap;
use std::fmt;

use async_trait::async_trait;

use crate::model::Value;

#[cfg(feature = "aws")]
pub mod aws;

/// What the engine asks a provider to make or change.
#[derive(Debug, Clone, Copy)]
pub struct ResourceRequest<'a> {
    /// The stack's name.
    pub stack: &'a str,
    /// The resource's name in the stack.
    pub name: &'a str,
    /// The resource type's stable name: `aws_ec2_vpc`.
    pub type_name: &'a str,
    /// The managed fields, every reference resolved, tags merged.
    pub inputs: &'a BTreeMap<String, Value>,
    /// The id of the object this create replaces, new first: it carries the
    /// same ownership tags, and `find` must never answer it.
    pub superseded: Option<&'a str>,
}

impl ResourceRequest<'_> {
    /// The field `name`, if set.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.inputs.get(name).filter(|v| !v.is_null())
    }

    /// The string field `name`, if set.
    pub fn str(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(Value::as_str)
    }

    /// The boolean field `name`, if set.
    pub fn bool(&self, name: &str) -> Option<bool> {
        self.get(name).and_then(Value::as_bool)
    }

    /// The integer field `name`, if set.
    pub fn int(&self, name: &str) -> Option<i64> {
        self.get(name).and_then(Value::as_i64)
    }

    /// The tags to put on the resource.
    pub fn tags(&self) -> BTreeMap<String, String> {
        tags_of(self.get("tags"))
    }

    /// The string field `name`, or an error naming it when it is missing.
    pub fn required_str(&self, name: &str) -> Result<&str, ProviderError> {
        self.str(name).ok_or_else(|| ProviderError::Invalid {
            message: format!("field `{name}` must be a string and is missing"),
        })
    }
}

/// A tag map from a `tags` value.
pub fn tags_of(value: Option<&Value>) -> BTreeMap<String, String> {
    value
        .and_then(Value::as_object)
        .map(|tags| {
            tags.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

/// The tag key naming the stack a resource belongs to.
pub const STACK_TAG: &str = "infra:stack";

/// The tag key naming the resource in its stack.
pub const RESOURCE_TAG: &str = "infra:resource";

/// `observed` if its ownership tags say it is `request`'s resource;
/// [`ProviderError::NotOurs`] if they say otherwise, or it has none; `None` when
/// nothing was found. For a resource found by its name, which may be anyone's.
///
/// ```
/// # use std::collections::BTreeMap;
/// use infra_core::provider::{owned, Observed, ResourceRequest};
/// use infra_core::Value;
///
/// let inputs = BTreeMap::new();
/// let request = ResourceRequest { stack: "web", name: "logs", type_name: "aws_logs_log_group", inputs: &inputs, superseded: None };
/// let tags = Value::Object([
///     ("infra:stack".to_owned(), Value::from("web")),
///     ("infra:resource".to_owned(), Value::from("logs")),
/// ].into_iter().collect());
/// let found = Observed { id: "web-logs".into(), inputs: BTreeMap::from([("tags".to_owned(), tags)]), attributes: BTreeMap::new() };
/// assert!(owned("log group", Some(found), &request).unwrap().is_some());
/// ```
pub fn owned(
    what: &'static str,
    observed: Option<Observed>,
    request: &ResourceRequest<'_>,
) -> Result<Option<Observed>, ProviderError> {
    let Some(observed) = observed else {
        return Ok(None);
    };
    let tags = tags_of(observed.inputs.get("tags"));
    let stack = tags.get(STACK_TAG).map(String::as_str);
    let resource = tags.get(RESOURCE_TAG).map(String::as_str);
    if stack == Some(request.stack) && resource == Some(request.name) {
        return Ok(Some(observed));
    }
    let owner = match (stack, resource) {
        (None, None) => "no ownership tags".to_owned(),
        (stack, resource) => format!(
            "{STACK_TAG}={}, {RESOURCE_TAG}={}",
            stack.unwrap_or("-"),
            resource.unwrap_or("-")
        ),
    };
    Err(ProviderError::NotOurs {
        what,
        id: observed.id,
        owner,
    })
}

/// A resource as the cloud reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    /// The id the cloud gave it.
    pub id: String,
    /// The live value of every managed field.
    pub inputs: BTreeMap<String, Value>,
    /// The computed attributes (`id`, `arn`, …).
    pub attributes: BTreeMap<String, Value>,
}

/// Why a provider call failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ProviderError {
    /// The cloud refused or failed the call.
    #[error("{operation} failed: {code}: {message}")]
    Api {
        /// The API operation: `CreateVpc`.
        operation: &'static str,
        /// The error code the cloud returned (`InvalidParameterValue`), or the kind
        /// of failure when no response came back (`DispatchFailure`).
        code: String,
        /// The cloud's message.
        message: String,
    },
    /// The request cannot be made: a field is missing or ill-formed.
    #[error("{message}")]
    Invalid {
        /// What is wrong.
        message: String,
    },
    /// The provider does not manage this resource type (its cargo feature is off).
    #[error("no provider for resource type `{0}` (is its cargo feature enabled?)")]
    Unsupported(String),
    /// The resource to create already exists, and its ownership tags say it is
    /// not this stack resource's: adopting it would take it from its owner.
    #[error("{what} `{id}` already exists and is not this stack's ({owner}); import it, delete it, or choose another name")]
    NotOurs {
        /// What kind of resource: `IAM role`.
        what: &'static str,
        /// Its id or name.
        id: String,
        /// Who owns it, as its tags say (`infra:stack=other, infra:resource=web`),
        /// or `no ownership tags`.
        owner: String,
    },
    /// A waiter ran out of time.
    #[error("timed out after {seconds} s waiting for {what}")]
    Timeout {
        /// What was awaited.
        what: String,
        /// How long.
        seconds: u64,
    },
}

/// A cloud the engine can manage resources in.
#[async_trait]
pub trait Provider: Send + Sync + fmt::Debug {
    /// Creates the resource and returns it as the cloud reports it.
    async fn create(&self, request: ResourceRequest<'_>) -> Result<Observed, ProviderError>;

    /// Reads the resource `id` of type `type_name`; `None` when it no longer exists.
    async fn read(&self, type_name: &str, id: &str) -> Result<Option<Observed>, ProviderError>;

    /// Changes the fields that differ between `current` (the live values) and the
    /// request, in place.
    async fn update(
        &self,
        id: &str,
        current: &BTreeMap<String, Value>,
        request: ResourceRequest<'_>,
    ) -> Result<Observed, ProviderError>;

    /// Deletes the resource; deleting one already gone succeeds.
    async fn delete(&self, type_name: &str, id: &str) -> Result<(), ProviderError>;

    /// Finds the resource `request` describes when it already exists and is this
    /// stack resource's, by its name or its ownership tags (`infra:stack`,
    /// `infra:resource`): one an interrupted apply created and never recorded.
    /// The engine calls it before every create and adopts what it finds, so a
    /// create retried after a crash never makes a second resource. Only read calls;
    /// [`ProviderError::NotOurs`] when the name is taken by a resource that is not
    /// this stack's.
    async fn find(&self, request: ResourceRequest<'_>) -> Result<Option<Observed>, ProviderError> {
        let _ = request;
        Ok(None)
    }

    /// Reads the lookup of type `type_name` with the given fields, and returns
    /// its attributes. Only read calls.
    async fn lookup(
        &self,
        type_name: &str,
        inputs: &BTreeMap<String, Value>,
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        let _ = inputs;
        Err(ProviderError::Unsupported(type_name.to_owned()))
    }
}

/// A shared provider is a provider: one AWS client set for several engines (a
/// stack per environment), or a handle a test keeps to see what was asked.
#[async_trait]
impl<P: Provider + ?Sized> Provider for std::sync::Arc<P> {
    async fn create(&self, request: ResourceRequest<'_>) -> Result<Observed, ProviderError> {
        (**self).create(request).await
    }

    async fn read(&self, type_name: &str, id: &str) -> Result<Option<Observed>, ProviderError> {
        (**self).read(type_name, id).await
    }

    async fn update(
        &self,
        id: &str,
        current: &BTreeMap<String, Value>,
        request: ResourceRequest<'_>,
    ) -> Result<Observed, ProviderError> {
        (**self).update(id, current, request).await
    }

    async fn delete(&self, type_name: &str, id: &str) -> Result<(), ProviderError> {
        (**self).delete(type_name, id).await
    }

    async fn find(&self, request: ResourceRequest<'_>) -> Result<Option<Observed>, ProviderError> {
        (**self).find(request).await
    }

    async fn lookup(
        &self,
        type_name: &str,
        inputs: &BTreeMap<String, Value>,
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        (**self).lookup(type_name, inputs).await
    }
}
