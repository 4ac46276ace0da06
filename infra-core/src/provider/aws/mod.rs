//! The AWS provider: one SDK client per enabled service, and the resource types
//! each service module manages.
//!
//! Each resource type lives in its own module (`ec2::vpc`, `ec2::subnet`,
//! `dynamodb::table`) with the same four functions as [`Provider`]; this module
//! only dispatches on the type name and holds what they share: mapping SDK errors
//! to [`ProviderError`], bounded polling, and tag bookkeeping.

use async_trait::async_trait;
use std::collections::BTreeMap;

use crate::model::Value;
use crate::provider::{Observed, Provider, ProviderError, ResourceRequest};

#[cfg(feature = "applicationautoscaling")]
pub(crate) mod applicationautoscaling;
#[cfg(feature = "autoscaling")]
pub(crate) mod autoscaling;
#[cfg(feature = "cloudwatch")]
pub(crate) mod cloudwatch;
#[cfg(feature = "dynamodb")]
pub(crate) mod dynamodb;
#[cfg(feature = "ec2")]
pub(crate) mod ec2;
#[cfg(feature = "ecr")]
pub(crate) mod ecr;
#[cfg(feature = "ecs")]
pub(crate) mod ecs;
#[cfg(feature = "elbv2")]
pub(crate) mod elbv2;
#[cfg(feature = "iam")]
pub(crate) mod iam;
#[cfg(feature = "logs")]
pub(crate) mod logs;
#[cfg(feature = "ssm")]
pub(crate) mod ssm;
#[cfg(feature = "sts")]
pub(crate) mod sts;

// Some helpers serve only some services: unused with only some features on.
#[cfg_attr(not(all(feature = "ec2", feature = "dynamodb")), allow(unused_imports))]
pub(crate) use shared::{
    api_error, creation_tags, has_code, malformed, retry_eventual, tag_changes, user_tags,
    vanished, wait_until, EVENTUAL_CONSISTENCY_TIMEOUT,
};

/// The AWS provider: manages the resource types of every enabled service feature
/// (`ec2`, `dynamodb`) in one region.
#[derive(Debug, Clone)]
pub struct AwsProvider {
    #[cfg(feature = "ec2")]
    ec2: aws_sdk_ec2::Client,
    #[cfg(feature = "dynamodb")]
    dynamodb: aws_sdk_dynamodb::Client,
    #[cfg(feature = "ecr")]
    ecr: aws_sdk_ecr::Client,
    #[cfg(feature = "logs")]
    logs: aws_sdk_cloudwatchlogs::Client,
    #[cfg(feature = "sts")]
    sts: aws_sdk_sts::Client,
    #[cfg(feature = "ssm")]
    ssm: aws_sdk_ssm::Client,
    #[cfg(feature = "iam")]
    iam: aws_sdk_iam::Client,
    #[cfg(feature = "autoscaling")]
    autoscaling: aws_sdk_autoscaling::Client,
    #[cfg(feature = "ecs")]
    ecs: aws_sdk_ecs::Client,
    #[cfg(feature = "elbv2")]
    elbv2: aws_sdk_elasticloadbalancingv2::Client,
    #[cfg(feature = "cloudwatch")]
    cloudwatch: aws_sdk_cloudwatch::Client,
    #[cfg(feature = "applicationautoscaling")]
    applicationautoscaling: aws_sdk_applicationautoscaling::Client,
    region: String,
}

impl AwsProvider {
    /// A provider for `region`, configured the way the AWS CLI is: credentials from
    /// the usual chain (environment, profile, SSO, instance role…), and
    /// `AWS_ENDPOINT_URL` and profile settings honoured. Throttled and transient
    /// failures are retried up to 5 attempts.
    pub async fn from_env(region: &str) -> Self {
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new(region.to_owned()))
            .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(5))
            .load()
            .await;
        Self::from_config(&config)
    }

    /// A provider using an already loaded SDK configuration; its region is the
    /// configuration's (empty when it has none, and every call will then fail).
    pub fn from_config(config: &aws_types::SdkConfig) -> Self {
        Self {
            #[cfg(feature = "ec2")]
            ec2: aws_sdk_ec2::Client::new(config),
            #[cfg(feature = "dynamodb")]
            dynamodb: aws_sdk_dynamodb::Client::new(config),
            #[cfg(feature = "ecr")]
            ecr: aws_sdk_ecr::Client::new(config),
            #[cfg(feature = "logs")]
            logs: aws_sdk_cloudwatchlogs::Client::new(config),
            #[cfg(feature = "sts")]
            sts: aws_sdk_sts::Client::new(config),
            #[cfg(feature = "ssm")]
            ssm: aws_sdk_ssm::Client::new(config),
            #[cfg(feature = "iam")]
            iam: aws_sdk_iam::Client::new(config),
            #[cfg(feature = "autoscaling")]
            autoscaling: aws_sdk_autoscaling::Client::new(config),
            #[cfg(feature = "ecs")]
            ecs: aws_sdk_ecs::Client::new(config),
            #[cfg(feature = "elbv2")]
            elbv2: aws_sdk_elasticloadbalancingv2::Client::new(config),
            #[cfg(feature = "cloudwatch")]
            cloudwatch: aws_sdk_cloudwatch::Client::new(config),
            #[cfg(feature = "applicationautoscaling")]
            applicationautoscaling: aws_sdk_applicationautoscaling::Client::new(config),
            region: config
                .region()
                .map(|region| region.as_ref().to_owned())
                .unwrap_or_default(),
        }
    }

    /// The region the provider manages resources in.
    pub fn region(&self) -> &str {
        &self.region
    }
}

/// The resource types each service feature manages, and the client field of
/// [`AwsProvider`] they use. Every module listed has the same five functions:
/// `create`, `read`, `update`, `delete` (those of [`Provider`]) and `find`, and a
/// `TYPE_NAME`; a new type is a module and one line here.
macro_rules! resource_types {
    ($( $feature:literal => $client:ident: [$( $($module:ident)::+ ),+ $(,)?] )*) => {
        #[async_trait]
        impl Provider for AwsProvider {
            async fn create(&self, request: ResourceRequest<'_>) -> Result<Observed, ProviderError> {
                match request.type_name {
                    $($(
                        #[cfg(feature = $feature)]
                        $($module)::+::TYPE_NAME => $($module)::+::create(&self.$client, request).await,
                    )+)*
                    other => Err(ProviderError::Unsupported(other.to_owned())),
                }
            }

            async fn read(&self, type_name: &str, id: &str) -> Result<Option<Observed>, ProviderError> {
                let _ = id; // Unused when every service feature is off.
                match type_name {
                    $($(
                        #[cfg(feature = $feature)]
                        $($module)::+::TYPE_NAME => $($module)::+::read(&self.$client, id).await,
                    )+)*
                    other => Err(ProviderError::Unsupported(other.to_owned())),
                }
            }

            async fn update(
                &self,
                id: &str,
                current: &BTreeMap<String, Value>,
                request: ResourceRequest<'_>,
            ) -> Result<Observed, ProviderError> {
                let _ = (id, current); // Unused when every service feature is off.
                match request.type_name {
                    $($(
                        #[cfg(feature = $feature)]
                        $($module)::+::TYPE_NAME => {
                            $($module)::+::update(&self.$client, id, current, request).await
                        }
                    )+)*
                    other => Err(ProviderError::Unsupported(other.to_owned())),
                }
            }

            async fn delete(&self, type_name: &str, id: &str) -> Result<(), ProviderError> {
                let _ = id; // Unused when every service feature is off.
                match type_name {
                    $($(
                        #[cfg(feature = $feature)]
                        $($module)::+::TYPE_NAME => $($module)::+::delete(&self.$client, id).await,
                    )+)*
                    other => Err(ProviderError::Unsupported(other.to_owned())),
                }
            }

            async fn find(&self, request: ResourceRequest<'_>) -> Result<Option<Observed>, ProviderError> {
                match request.type_name {
                    $($(
                        #[cfg(feature = $feature)]
                        $($module)::+::TYPE_NAME => $($module)::+::find(&self.$client, request).await,
                    )+)*
                    other => Err(ProviderError::Unsupported(other.to_owned())),
                }
            }

            async fn lookup(
                &self,
                type_name: &str,
                inputs: &BTreeMap<String, Value>,
            ) -> Result<BTreeMap<String, Value>, ProviderError> {
                self.read_lookup(type_name, inputs).await
            }
        }
    };
}

resource_types! {
    "ec2" => ec2: [
        ec2::vpc,
        ec2::subnet,
        ec2::internet_gateway,
        ec2::internet_gateway_attachment,
        ec2::elastic_ip,
        ec2::nat_gateway,
        ec2::route_table,
        ec2::route,
        ec2::route_table_association,
        ec2::network_acl,
        ec2::network_acl_entry,
        ec2::security_group,
        ec2::security_group_rule,
        ec2::launch_template,
    ]
    "dynamodb" => dynamodb: [dynamodb::table]
    "ecr" => ecr: [ecr]
    "logs" => logs: [logs]
    "ecs" => ecs: [
        ecs::cluster,
        ecs::capacity_provider,
        ecs::cluster_capacity_providers,
        ecs::task_definition,
        ecs::service,
    ]
    "autoscaling" => autoscaling: [autoscaling::group, autoscaling::policy]
    "cloudwatch" => cloudwatch: [cloudwatch]
    "applicationautoscaling" => applicationautoscaling: [
        applicationautoscaling::scalable_target,
        applicationautoscaling::target_tracking_policy,
    ]
    "iam" => iam: [iam::role, iam::instance_profile]
    "elbv2" => elbv2: [elbv2::load_balancer, elbv2::target_group, elbv2::listener]
}

impl AwsProvider {
    /// Reads the lookup `type_name` (see [`Provider::lookup`]).
    async fn read_lookup(
        &self,
        type_name: &str,
        inputs: &BTreeMap<String, Value>,
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        let _ = inputs; // Unused when every service feature is off.
        match type_name {
            #[cfg(feature = "sts")]
            sts::CALLER_IDENTITY => sts::caller_identity(&self.sts).await,
            #[cfg(feature = "ssm")]
            ssm::PARAMETER => ssm::parameter(&self.ssm, inputs).await,
            #[cfg(feature = "ec2")]
            ec2::availability_zones::TYPE_NAME => ec2::availability_zones::read(&self.ec2).await,
            other => Err(ProviderError::Unsupported(other.to_owned())),
        }
    }
}

/// What the service modules share. Only built with at least one service, since
/// the SDK error types come from the service crates.
#[cfg_attr(not(all(feature = "ec2", feature = "dynamodb")), allow(dead_code))]
mod shared {
    use std::collections::BTreeMap;
    use std::fmt;
    use std::future::Future;
    use std::time::Duration;

    // Every SDK crate re-exports these `aws-smithy-*` types.
    use aws_smithy_runtime_api::client::result::SdkError;
    use aws_smithy_types::error::metadata::ProvideErrorMetadata;

    use crate::model::Value;
    use crate::provider::{tags_of, ProviderError, ResourceRequest};

    /// `err` as a [`ProviderError::Api`] of `operation`: the service's error code
    /// and message when AWS answered, else the kind of failure (`DispatchFailure`,
    /// `TimeoutError`, …) and the whole error chain, which is where the useful
    /// part (connection refused, no credentials) is.
    pub(crate) fn api_error<E, R>(operation: &'static str, err: SdkError<E, R>) -> ProviderError
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: fmt::Debug + 'static,
    {
        let code = err.code().map(str::to_owned);
        let message = match (&code, err.message()) {
            (Some(_), Some(message)) => message.to_owned(),
            _ => error_chain(&err),
        };
        let code = code.unwrap_or_else(|| failure_kind(&err).to_owned());
        ProviderError::Api {
            operation,
            code,
            message,
        }
    }

    /// Every message of `err`'s chain of causes, joined: where the useful part
    /// is ("connection refused", "no credentials found in chain"). Display only:
    /// the `Debug` form ends with the whole raw response.
    fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
        let mut parts: Vec<String> = vec![err.to_string()];
        let mut source = err.source();
        while let Some(cause) = source {
            let text = cause.to_string();
            if parts.last() != Some(&text) {
                parts.push(text);
            }
            source = cause.source();
        }
        parts.join(": ")
    }

    /// The kind of an SDK failure that carries no service error code.
    fn failure_kind<E, R>(err: &SdkError<E, R>) -> &'static str {
        match err {
            SdkError::ConstructionFailure(_) => "ConstructionFailure",
            SdkError::TimeoutError(_) => "TimeoutError",
            SdkError::DispatchFailure(_) => "DispatchFailure",
            SdkError::ResponseError(_) => "ResponseError",
            SdkError::ServiceError(_) => "ServiceError",
            _ => "SdkError",
        }
    }

    /// Whether AWS answered `err` with the error code `code`
    /// (`InvalidVpcID.NotFound`, `ResourceNotFoundException`, …).
    pub(crate) fn has_code<E, R>(err: &SdkError<E, R>, code: &str) -> bool
    where
        E: ProvideErrorMetadata,
    {
        err.code() == Some(code)
    }

    /// A response of `operation` that lacks `what`, which AWS always sends.
    pub(crate) fn malformed(operation: &'static str, what: &str) -> ProviderError {
        ProviderError::Api {
            operation,
            code: "MalformedResponse".to_owned(),
            message: format!("the response has no {what}"),
        }
    }

    /// A resource that was just created or changed and then could not be read.
    pub(crate) fn vanished(operation: &'static str, what: &str, id: &str) -> ProviderError {
        ProviderError::Api {
            operation,
            code: "NotFound".to_owned(),
            message: format!("{what} `{id}` was not found right after it was created or changed"),
        }
    }

    /// Polls `ready` until it says yes, with a growing delay (0.5 s up to 10 s),
    /// for at most `timeout`; [`ProviderError::Timeout`] naming `what` after that.
    pub(crate) async fn wait_until<F, Fut>(
        what: &str,
        timeout: Duration,
        mut ready: F,
    ) -> Result<(), ProviderError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<bool, ProviderError>>,
    {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut delay = Duration::from_millis(500);
        loop {
            if ready().await? {
                return Ok(());
            }
            if tokio::time::Instant::now() + delay > deadline {
                return Err(ProviderError::Timeout {
                    what: what.to_owned(),
                    seconds: timeout.as_secs(),
                });
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(10));
        }
    }

    /// How long a call is retried while AWS has not yet propagated what it
    /// depends on (an IAM role or instance profile just made, which EC2, ECS or
    /// Auto Scaling cannot see for some seconds). Terraform waits up to 2 minutes.
    pub(crate) const EVENTUAL_CONSISTENCY_TIMEOUT: Duration = Duration::from_secs(120);

    /// Calls `attempt` until it succeeds or fails with an error `transient` does
    /// not accept, waiting a growing delay (1 s up to 10 s) between attempts, for
    /// at most `timeout`; then returns the last error. For AWS's eventual
    /// consistency: "Invalid IamInstanceProfile", "Unable to assume role", which
    /// a few seconds cure. Never unbounded.
    pub(crate) async fn retry_eventual<T, F, Fut>(
        timeout: Duration,
        transient: impl Fn(&ProviderError) -> bool,
        mut attempt: F,
    ) -> Result<T, ProviderError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ProviderError>>,
    {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut delay = Duration::from_secs(1);
        loop {
            match attempt().await {
                Err(err) if transient(&err) && tokio::time::Instant::now() + delay <= deadline => {
                    tracing::debug!(error = %err, "not yet consistent, retrying");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(10));
                }
                result => return result,
            }
        }
    }

    /// Whether AWS reserves the tag key: `aws:` tags are AWS's own (CloudFormation,
    /// Service Catalog…), cannot be set or removed, and are never reported.
    fn is_reserved(key: &str) -> bool {
        key.get(..4)
            .is_some_and(|prefix| prefix.eq_ignore_ascii_case("aws:"))
    }

    /// The `tags` input value of a resource: every tag AWS reports but its own.
    pub(crate) fn user_tags<'a>(tags: impl IntoIterator<Item = (&'a str, &'a str)>) -> Value {
        Value::Object(
            tags.into_iter()
                .filter(|(key, _)| !is_reserved(key))
                .map(|(key, value)| (key.to_owned(), Value::String(value.to_owned())))
                .collect(),
        )
    }

    /// The tags to change to go from the live `current` inputs to the request's.
    #[derive(Debug, Default)]
    pub(crate) struct TagChanges {
        /// Tags to add or whose value changes.
        pub(crate) set: BTreeMap<String, String>,
        /// Keys to remove.
        pub(crate) remove: Vec<String>,
    }

    /// The tag diff between the live inputs and the request, `aws:` tags left out.
    pub(crate) fn tag_changes(
        current: &BTreeMap<String, Value>,
        request: &ResourceRequest<'_>,
    ) -> TagChanges {
        let current = tags_of(current.get("tags"));
        let desired = request.tags();
        TagChanges {
            set: desired
                .iter()
                .filter(|(key, value)| !is_reserved(key) && current.get(*key) != Some(*value))
                .map(|(key, value)| (key.clone(), value.clone()))
                .collect(),
            remove: current
                .keys()
                .filter(|key| !is_reserved(key) && !desired.contains_key(*key))
                .cloned()
                .collect(),
        }
    }

    /// The request's tags, `aws:` ones left out, for the create call.
    pub(crate) fn creation_tags(request: &ResourceRequest<'_>) -> BTreeMap<String, String> {
        let mut tags = request.tags();
        tags.retain(|key, _| !is_reserved(key));
        tags
    }
}
