//! `aws_ec2_security_group_rule`: one ingress or egress rule of a security group,
//! from an IPv4 range or from another group, with its description and tags.
//!
//! `allow_public_ingress` is a compile-time opt-out only: it is never sent to AWS
//! and never read back (the engine keeps its recorded value).

use std::collections::BTreeMap;

use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_sdk_ec2::types::{
    IpPermission, IpRange, ResourceType, SecurityGroupRule, SecurityGroupRuleRequest,
    SecurityGroupRuleUpdate, UserIdGroupPair,
};
use aws_sdk_ec2::Client;

use super::{observed_tags, region, tag_specification, update_tags};
use crate::model::Value;
use crate::provider::aws::{api_error, creation_tags, has_code, malformed, vanished};
use crate::provider::{Observed, ProviderError, ResourceRequest};

/// The resource type's name.
pub(crate) const TYPE_NAME: &str = "aws_ec2_security_group_rule";

/// The error code of a rule id that does not exist.
const NOT_FOUND: &str = "InvalidSecurityGroupRuleId.NotFound";

/// The error code of a revoke whose rule is not in the group (what moto answers
/// for an unknown rule id).
const PERMISSION_NOT_FOUND: &str = "InvalidPermission.NotFound";

/// The error code of a security group that does not exist.
const GROUP_NOT_FOUND: &str = "InvalidGroup.NotFound";

/// The compile-time opt-out field, never sent to AWS.
const ALLOW_PUBLIC_INGRESS: &str = "allow_public_ingress";

/// The `direction` of an egress rule; anything else is `ingress`.
const EGRESS: &str = "egress";

/// The `direction` of an ingress rule.
const INGRESS: &str = "ingress";

/// The protocol that means every protocol and every port; AWS then reports the
/// ports as `-1` whatever was given.
const ALL_PROTOCOLS: &str = "-1";

/// What a rule lets traffic come from (or go to).
#[derive(Debug, Clone, Copy)]
enum Peer<'a> {
    /// An IPv4 range.
    Cidr(&'a str),
    /// The members of a security group.
    Group(&'a str),
}

/// The fields of a rule that shape its AWS permission, checked.
#[derive(Debug, Clone, Copy)]
struct Spec<'a> {
    group_id: &'a str,
    egress: bool,
    protocol: &'a str,
    from_port: i32,
    to_port: i32,
    peer: Peer<'a>,
    description: Option<&'a str>,
}

impl<'a> Spec<'a> {
    /// The rule the request describes.
    fn of(request: &'a ResourceRequest<'_>) -> Result<Self, ProviderError> {
        let egress = match request.required_str("direction")? {
            EGRESS => true,
            INGRESS => false,
            other => {
                return Err(ProviderError::Invalid {
                    message: format!("`direction` must be {INGRESS} or {EGRESS}, not `{other}`"),
                })
            }
        };
        let peer = match (
            request.str("cidr_ipv4"),
            request.str("source_security_group_id"),
        ) {
            (Some(cidr), None) => Peer::Cidr(cidr),
            (None, Some(group)) => Peer::Group(group),
            _ => {
                return Err(ProviderError::Invalid {
                    message: "a security group rule needs exactly one of `cidr_ipv4` and \
                              `source_security_group_id`"
                        .to_owned(),
                })
            }
        };
        Ok(Self {
            group_id: request.required_str("security_group_id")?,
            egress,
            protocol: request.str("protocol").unwrap_or("tcp"),
            from_port: port(request, "from_port")?,
            to_port: port(request, "to_port")?,
            peer,
            description: request.str("description"),
        })
    }

    /// The permission to authorize.
    fn permission(&self) -> IpPermission {
        let permission = IpPermission::builder()
            .ip_protocol(self.protocol)
            .from_port(self.from_port)
            .to_port(self.to_port);
        match self.peer {
            Peer::Cidr(cidr) => permission.ip_ranges(
                IpRange::builder()
                    .cidr_ip(cidr)
                    .set_description(self.description.map(str::to_owned))
                    .build(),
            ),
            Peer::Group(group) => permission.user_id_group_pairs(
                UserIdGroupPair::builder()
                    .group_id(group)
                    .set_description(self.description.map(str::to_owned))
                    .build(),
            ),
        }
        .build()
    }

    /// The whole rule for `ModifySecurityGroupRules`, which replaces it.
    fn rule_request(&self) -> SecurityGroupRuleRequest {
        let rule = SecurityGroupRuleRequest::builder()
            .ip_protocol(self.protocol)
            .from_port(self.from_port)
            .to_port(self.to_port)
            // No description clears it.
            .description(self.description.unwrap_or_default());
        match self.peer {
            Peer::Cidr(cidr) => rule.cidr_ipv4(cidr),
            Peer::Group(group) => rule.referenced_group_id(group),
        }
        .build()
    }
}

/// The port field `name` of the request, checked.
fn port(request: &ResourceRequest<'_>, name: &str) -> Result<i32, ProviderError> {
    let value = request.int(name).ok_or_else(|| ProviderError::Invalid {
        message: format!("field `{name}` must be an integer and is missing"),
    })?;
    i32::try_from(value).map_err(|_| ProviderError::Invalid {
        message: format!("field `{name}` is out of range: {value}"),
    })
}

/// Authorizes the rule tagged and returns it as read back.
pub(crate) async fn create(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    let spec = Spec::of(&request)?;
    let tags = tag_specification(ResourceType::SecurityGroupRule, &creation_tags(&request))
        .map(|spec| vec![spec]);
    let rules = if spec.egress {
        client
            .authorize_security_group_egress()
            .group_id(spec.group_id)
            .ip_permissions(spec.permission())
            .set_tag_specifications(tags)
            .send()
            .await
            .map_err(|err| api_error("AuthorizeSecurityGroupEgress", err))?
            .security_group_rules
    } else {
        client
            .authorize_security_group_ingress()
            .group_id(spec.group_id)
            .ip_permissions(spec.permission())
            .set_tag_specifications(tags)
            .send()
            .await
            .map_err(|err| api_error("AuthorizeSecurityGroupIngress", err))?
            .security_group_rules
    };
    let operation = if spec.egress {
        "AuthorizeSecurityGroupEgress"
    } else {
        "AuthorizeSecurityGroupIngress"
    };
    let id = rules
        .unwrap_or_default()
        .into_iter()
        .find_map(|rule| rule.security_group_rule_id)
        .ok_or_else(|| malformed(operation, "security group rule id"))?;
    tracing::debug!(rule = id, "created security group rule");

    match finish_create(client, &id, &spec).await {
        Ok(observed) => Ok(with_opt_out(observed, &request)),
        Err(err) => {
            // Nothing records a rule whose create failed: revoke it rather than
            // leave a duplicate that would make the next create fail.
            if let Err(cleanup) = delete(client, &id).await {
                tracing::warn!(rule = id, error = %cleanup, "could not delete the half-created security group rule");
            }
            Err(err)
        }
    }
}

/// The step after the authorize call: read back, and set the description when
/// it did not take (moto drops the description of a rule from a group).
async fn finish_create(
    client: &Client,
    id: &str,
    spec: &Spec<'_>,
) -> Result<Observed, ProviderError> {
    let observed = read(client, id)
        .await?
        .ok_or_else(|| vanished("DescribeSecurityGroupRules", "security group rule", id))?;
    if observed.inputs.get("description").and_then(Value::as_str) == spec.description {
        return Ok(observed);
    }
    modify(client, id, spec).await?;
    read(client, id)
        .await?
        .ok_or_else(|| vanished("DescribeSecurityGroupRules", "security group rule", id))
}

/// Reads the rule: its group, direction, protocol, ports, peer, description and
/// tags. Only describe calls. The ports of an all-protocols rule are not
/// reported (AWS says `-1` whatever was given): they keep their recorded values.
pub(crate) async fn read(client: &Client, id: &str) -> Result<Option<Observed>, ProviderError> {
    let Some(rule) = describe(client, id).await? else {
        return Ok(None);
    };
    let group_id = rule
        .group_id()
        .ok_or_else(|| malformed("DescribeSecurityGroupRules", "rule group id"))?;
    let protocol = rule
        .ip_protocol()
        .ok_or_else(|| malformed("DescribeSecurityGroupRules", "rule protocol"))?;
    let direction = if rule.is_egress().unwrap_or(false) {
        EGRESS
    } else {
        INGRESS
    };
    let optional = |value: Option<&str>| {
        value
            .filter(|value| !value.is_empty())
            .map_or(Value::Null, Value::from)
    };

    let mut inputs = BTreeMap::from([
        ("security_group_id".to_owned(), Value::from(group_id)),
        ("direction".to_owned(), Value::from(direction)),
        ("protocol".to_owned(), Value::from(protocol)),
        ("cidr_ipv4".to_owned(), optional(rule.cidr_ipv4())),
        (
            "source_security_group_id".to_owned(),
            optional(
                rule.referenced_group_info()
                    .and_then(|group| group.group_id()),
            ),
        ),
        ("description".to_owned(), optional(rule.description())),
        ("tags".to_owned(), observed_tags(rule.tags())),
    ]);
    if protocol != ALL_PROTOCOLS {
        if let (Some(from), Some(to)) = (rule.from_port(), rule.to_port()) {
            inputs.insert("from_port".to_owned(), Value::from(from));
            inputs.insert("to_port".to_owned(), Value::from(to));
        }
    }
    let arn = match rule.security_group_rule_arn() {
        Some(arn) => arn.to_owned(),
        None => {
            let owner_id = match rule.group_owner_id() {
                Some(owner_id) => owner_id.to_owned(),
                None => group_owner(client, group_id).await?,
            };
            format!(
                "arn:aws:ec2:{}:{owner_id}:security-group-rule/{id}",
                region(client)?
            )
        }
    };
    let attributes = BTreeMap::from([
        ("id".to_owned(), Value::from(id)),
        ("arn".to_owned(), Value::from(arn)),
    ]);
    Ok(Some(Observed {
        id: id.to_owned(),
        inputs,
        attributes,
    }))
}

/// Changes the description (`ModifySecurityGroupRules`) and the tags that differ
/// from `current`; every other field forces replacement.
pub(crate) async fn update(
    client: &Client,
    id: &str,
    current: &BTreeMap<String, Value>,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    let spec = Spec::of(&request)?;
    if current.get("description").and_then(Value::as_str) != spec.description {
        modify(client, id, &spec).await?;
    }
    update_tags(client, id, current, &request).await?;
    read(client, id)
        .await?
        .map(|observed| with_opt_out(observed, &request))
        .ok_or_else(|| vanished("DescribeSecurityGroupRules", "security group rule", id))
}

/// `observed` with the request's `allow_public_ingress`, which AWS never sees:
/// returned by create and update so that the engine records it, and kept from
/// then on since `read` does not report it.
fn with_opt_out(mut observed: Observed, request: &ResourceRequest<'_>) -> Observed {
    if let Some(value) = request.get(ALLOW_PUBLIC_INGRESS) {
        observed
            .inputs
            .insert(ALLOW_PUBLIC_INGRESS.to_owned(), value.clone());
    }
    observed
}

/// Finds the resource an interrupted apply made for this request, by its
/// ownership tags; the first that still exists.
pub(crate) async fn find(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Option<Observed>, ProviderError> {
    for id in super::tagged(client, &request, "sgr-").await? {
        if let Some(found) = read(client, &id).await? {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

/// Revokes the rule; one already gone (or whose group is gone) is success.
pub(crate) async fn delete(client: &Client, id: &str) -> Result<(), ProviderError> {
    // Revoking by rule id still needs the group and the direction.
    let Some(rule) = describe(client, id).await? else {
        return Ok(());
    };
    let group_id = rule
        .group_id()
        .ok_or_else(|| malformed("DescribeSecurityGroupRules", "rule group id"))?;
    let gone = |code: Option<&str>| {
        matches!(
            code,
            Some(NOT_FOUND | PERMISSION_NOT_FOUND | GROUP_NOT_FOUND)
        )
    };
    if rule.is_egress().unwrap_or(false) {
        match client
            .revoke_security_group_egress()
            .group_id(group_id)
            .security_group_rule_ids(id)
            .send()
            .await
        {
            Ok(_) => {}
            Err(err) if gone(err.code()) => {}
            Err(err) => return Err(api_error("RevokeSecurityGroupEgress", err)),
        }
    } else {
        match client
            .revoke_security_group_ingress()
            .group_id(group_id)
            .security_group_rule_ids(id)
            .send()
            .await
        {
            Ok(_) => {}
            Err(err) if gone(err.code()) => {}
            Err(err) => return Err(api_error("RevokeSecurityGroupIngress", err)),
        }
    }
    tracing::debug!(rule = id, "deleted security group rule");
    Ok(())
}

/// Replaces rule `id` with `spec` (`ModifySecurityGroupRules`), which is how EC2
/// changes a rule's description.
async fn modify(client: &Client, id: &str, spec: &Spec<'_>) -> Result<(), ProviderError> {
    client
        .modify_security_group_rules()
        .group_id(spec.group_id)
        .security_group_rules(
            SecurityGroupRuleUpdate::builder()
                .security_group_rule_id(id)
                .security_group_rule(spec.rule_request())
                .build(),
        )
        .send()
        .await
        .map_err(|err| api_error("ModifySecurityGroupRules", err))?;
    Ok(())
}

/// The rule `id`, or `None` when EC2 does not know it.
async fn describe(client: &Client, id: &str) -> Result<Option<SecurityGroupRule>, ProviderError> {
    match client
        .describe_security_group_rules()
        .security_group_rule_ids(id)
        .send()
        .await
    {
        Ok(output) => Ok(output
            .security_group_rules
            .unwrap_or_default()
            .into_iter()
            .find(|rule| rule.security_group_rule_id() == Some(id))),
        Err(err) if has_code(&err, NOT_FOUND) => Ok(None),
        Err(err) => Err(api_error("DescribeSecurityGroupRules", err)),
    }
}

/// The account that owns group `group_id`, for a rule whose owner EC2 does not
/// report (moto does not).
async fn group_owner(client: &Client, group_id: &str) -> Result<String, ProviderError> {
    client
        .describe_security_groups()
        .group_ids(group_id)
        .send()
        .await
        .map_err(|err| api_error("DescribeSecurityGroups", err))?
        .security_groups()
        .iter()
        .find(|group| group.group_id() == Some(group_id))
        .and_then(|group| group.owner_id())
        .map(str::to_owned)
        .ok_or_else(|| malformed("DescribeSecurityGroups", "group owner id"))
}
