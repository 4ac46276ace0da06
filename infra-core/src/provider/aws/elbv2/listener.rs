//! `aws_elbv2_listener`: a listener of a load balancer, its port, protocol and
//! default action (forward to a target group), and its tags.

use std::collections::BTreeMap;

use aws_sdk_elasticloadbalancingv2::types::{Action, ActionTypeEnum, Listener};
use aws_sdk_elasticloadbalancingv2::Client;

use super::{
    describe_tags, port, protocol, tag_list, update_tags, HTTP, LISTENER_NOT_FOUND,
    LOAD_BALANCER_NOT_FOUND,
};
use crate::model::Value;
use crate::provider::aws::{api_error, creation_tags, has_code, malformed, vanished};
use crate::provider::{owned, Observed, ProviderError, ResourceRequest};

/// The resource type's name.
pub(crate) const TYPE_NAME: &str = "aws_elbv2_listener";

/// The field of the `default_action` block naming the target group.
const FORWARD_TARGET_GROUP_ARN: &str = "forward_target_group_arn";

/// Creates the listener, tagged, on its load balancer, and returns it as read
/// back.
pub(crate) async fn create(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    let tags = creation_tags(&request);
    let output = client
        .create_listener()
        .load_balancer_arn(request.required_str("load_balancer_arn")?)
        .port(port(&request, "port")?)
        .protocol(protocol(
            "protocol",
            request.str("protocol").unwrap_or(HTTP),
        )?)
        .default_actions(default_action(&request)?)
        .set_tags((!tags.is_empty()).then(|| tag_list(tags)))
        .send()
        .await
        .map_err(|err| api_error("CreateListener", err))?;
    let arn = output
        .listeners()
        .first()
        .and_then(Listener::listener_arn)
        .ok_or_else(|| malformed("CreateListener", "listener ARN"))?;
    tracing::debug!(listener = arn, "created listener");
    read(client, arn)
        .await?
        .ok_or_else(|| vanished("DescribeListeners", "listener", arn))
}

/// Reads the listener: its load balancer, port, protocol, the target group its
/// default action forwards to, and every tag but AWS's own. Only describe
/// calls.
pub(crate) async fn read(client: &Client, id: &str) -> Result<Option<Observed>, ProviderError> {
    let listener = match client.describe_listeners().listener_arns(id).send().await {
        Ok(output) => output
            .listeners
            .unwrap_or_default()
            .into_iter()
            .find(|listener| listener.listener_arn() == Some(id)),
        // A listener goes with its load balancer.
        Err(err)
            if has_code(&err, LISTENER_NOT_FOUND) || has_code(&err, LOAD_BALANCER_NOT_FOUND) =>
        {
            None
        }
        Err(err) => return Err(api_error("DescribeListeners", err)),
    };
    match listener {
        Some(listener) => observe(client, id, &listener).await.map(Some),
        None => Ok(None),
    }
}

/// Changes the port, protocol and default action (in one `ModifyListener`) and
/// the tags that differ from `current`; the load balancer forces replacement
/// and is never changed here.
pub(crate) async fn update(
    client: &Client,
    id: &str,
    current: &BTreeMap<String, Value>,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    let port = port(&request, "port")?;
    let protocol_name = request.str("protocol").unwrap_or(HTTP);
    let target_group = forward_target_group(&request)?;
    let live_target_group = current
        .get("default_action")
        .and_then(|action| action.get(FORWARD_TARGET_GROUP_ARN))
        .and_then(Value::as_str);
    if current.get("port").and_then(Value::as_i64) != Some(i64::from(port))
        || current.get("protocol").and_then(Value::as_str) != Some(protocol_name)
        || live_target_group != Some(target_group)
    {
        client
            .modify_listener()
            .listener_arn(id)
            .port(port)
            .protocol(protocol("protocol", protocol_name)?)
            .default_actions(default_action(&request)?)
            .send()
            .await
            .map_err(|err| api_error("ModifyListener", err))?;
    }
    update_tags(client, id, current, &request).await?;
    read(client, id)
        .await?
        .ok_or_else(|| vanished("DescribeListeners", "listener", id))
}

/// Finds the listener on the requested port of the requested load balancer,
/// adopted when its tags say it is this stack resource's: a port has one
/// listener at most.
pub(crate) async fn find(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Option<Observed>, ProviderError> {
    let load_balancer = request.required_str("load_balancer_arn")?;
    let wanted_port = port(&request, "port")?;
    let mut marker: Option<String> = None;
    let found = loop {
        let output = match client
            .describe_listeners()
            .load_balancer_arn(load_balancer)
            .set_marker(marker.clone())
            .send()
            .await
        {
            Ok(output) => output,
            Err(err) if has_code(&err, LOAD_BALANCER_NOT_FOUND) => break None,
            Err(err) => return Err(api_error("DescribeListeners", err)),
        };
        if let Some(listener) = output
            .listeners()
            .iter()
            .find(|listener| listener.port() == Some(wanted_port))
        {
            break Some(listener.clone());
        }
        match output.next_marker {
            // Stop on a marker that does not move, rather than loop forever.
            Some(next) if Some(&next) != marker.as_ref() => marker = Some(next),
            _ => break None,
        }
    };
    let observed = match &found {
        Some(listener) => {
            let arn = listener
                .listener_arn()
                .ok_or_else(|| malformed("DescribeListeners", "listener ARN"))?;
            Some(observe(client, arn, listener).await?)
        }
        None => None,
    };
    owned("listener", observed, &request)
}

/// Deletes the listener; one already gone (with its load balancer, say) is
/// success.
pub(crate) async fn delete(client: &Client, id: &str) -> Result<(), ProviderError> {
    match client.delete_listener().listener_arn(id).send().await {
        Ok(_) => {
            tracing::debug!(listener = id, "deleted listener");
            Ok(())
        }
        Err(err)
            if has_code(&err, LISTENER_NOT_FOUND) || has_code(&err, LOAD_BALANCER_NOT_FOUND) =>
        {
            Ok(())
        }
        Err(err) => Err(api_error("DeleteListener", err)),
    }
}

/// The target group ARN of the request's `default_action`.
fn forward_target_group<'a>(request: &'a ResourceRequest<'_>) -> Result<&'a str, ProviderError> {
    request
        .get("default_action")
        .and_then(|action| action.get(FORWARD_TARGET_GROUP_ARN))
        .and_then(Value::as_str)
        .ok_or_else(|| ProviderError::Invalid {
            message: format!(
                "field `default_action` must be a block with `{FORWARD_TARGET_GROUP_ARN}`"
            ),
        })
}

/// The request's default action: forward to its target group.
fn default_action(request: &ResourceRequest<'_>) -> Result<Action, ProviderError> {
    Ok(Action::builder()
        .r#type(ActionTypeEnum::Forward)
        .target_group_arn(forward_target_group(request)?)
        .build())
}

/// The `default_action` input value of a listener's actions: the target group
/// of its forward action, which AWS reports as `TargetGroupArn` or as the one
/// group of a `ForwardConfig`; an empty block when it does not forward (so the
/// declaration shows as a change).
fn observed_default_action(actions: &[Action]) -> Value {
    let target_group = actions
        .iter()
        .filter(|action| action.r#type() == Some(&ActionTypeEnum::Forward))
        .find_map(|action| {
            action.target_group_arn().or_else(|| {
                match action.forward_config().map(|config| config.target_groups()) {
                    Some([single]) => single.target_group_arn(),
                    _ => None,
                }
            })
        });
    Value::Object(
        target_group
            .map(|arn| (FORWARD_TARGET_GROUP_ARN.to_owned(), Value::from(arn)))
            .into_iter()
            .collect(),
    )
}

/// The listener `listener` (whose ARN is `arn`) as observed, its tags read.
async fn observe(
    client: &Client,
    arn: &str,
    listener: &Listener,
) -> Result<Observed, ProviderError> {
    let load_balancer = listener
        .load_balancer_arn()
        .ok_or_else(|| malformed("DescribeListeners", "load balancer ARN"))?;
    let port = listener
        .port()
        .ok_or_else(|| malformed("DescribeListeners", "listener port"))?;
    let protocol = listener
        .protocol()
        .ok_or_else(|| malformed("DescribeListeners", "listener protocol"))?;
    let inputs = BTreeMap::from([
        ("load_balancer_arn".to_owned(), Value::from(load_balancer)),
        ("port".to_owned(), Value::from(port)),
        ("protocol".to_owned(), Value::from(protocol.as_str())),
        (
            "default_action".to_owned(),
            observed_default_action(listener.default_actions()),
        ),
        ("tags".to_owned(), describe_tags(client, arn).await?),
    ]);
    let attributes = BTreeMap::from([
        ("id".to_owned(), Value::from(arn)),
        ("arn".to_owned(), Value::from(arn)),
    ]);
    Ok(Observed {
        id: arn.to_owned(),
        inputs,
        attributes,
    })
}
