//! `aws_ec2_network_acl_entry`: one numbered ingress or egress entry of a
//! network ACL. Its id is `<acl-id>:<ingress|egress>:<rule number>`; the ACL,
//! the number and the direction force replacement, the rest changes in place
//! with `ReplaceNetworkAclEntry`.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{IcmpTypeCode, NetworkAclEntry, PortRange, RuleAction};
use aws_sdk_ec2::Client;

use super::network_acl::{self, describe};
use super::read_back::read_back;
use crate::model::Value;
use crate::provider::aws::{api_error, has_code, malformed};
use crate::provider::{Observed, ProviderError, ResourceRequest};

/// The resource type's name.
pub(crate) const TYPE_NAME: &str = "aws_ec2_network_acl_entry";

/// The error code of an entry that does not exist.
const NOT_FOUND: &str = "InvalidNetworkAclEntry.NotFound";

/// Our protocol names and AWS's protocol numbers.
const PROTOCOLS: [(&str, &str); 4] = [("tcp", "6"), ("udp", "17"), ("icmp", "1"), ("-1", "-1")];

/// The entry's fields as requested.
struct Entry<'a> {
    /// The protocol, as AWS numbers it.
    protocol: &'static str,
    /// Allow or deny.
    rule_action: RuleAction,
    /// The IPv4 range matched.
    cidr_block: &'a str,
    /// The port range, for protocols with ports.
    ports: Option<PortRange>,
    /// Every ICMP type and code, for ICMP, which AWS requires.
    icmp: Option<IcmpTypeCode>,
}

/// Creates the entry and returns it as read back.
pub(crate) async fn create(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    let acl_id = request.required_str("network_acl_id")?;
    let rule_number = rule_number(&request)?;
    let egress = request.bool("egress").unwrap_or(false);
    let entry = entry(&request)?;
    client
        .create_network_acl_entry()
        .network_acl_id(acl_id)
        .rule_number(rule_number)
        .egress(egress)
        .protocol(entry.protocol)
        .rule_action(entry.rule_action)
        .cidr_block(entry.cidr_block)
        .set_port_range(entry.ports)
        .set_icmp_type_code(entry.icmp)
        .send()
        .await
        .map_err(|err| api_error("CreateNetworkAclEntry", err))?;
    let id = format!("{acl_id}:{}:{rule_number}", direction(egress));
    tracing::debug!(entry = id, "created network ACL entry");
    read_back("DescribeNetworkAcls", "network ACL entry", &id, || {
        read(client, &id)
    })
    .await
}

/// Reads the entry from its ACL's entries, with one describe call; `None` when
/// the ACL is gone or has no such entry. Ports are reported only for protocols
/// that have them.
pub(crate) async fn read(client: &Client, id: &str) -> Result<Option<Observed>, ProviderError> {
    let (acl_id, egress, rule_number) = split_id(id)?;
    let Some(acl) = describe(client, acl_id).await? else {
        return Ok(None);
    };
    let Some(entry) = acl
        .entries()
        .iter()
        .find(|entry| entry.rule_number() == Some(rule_number) && entry.egress() == Some(egress))
    else {
        return Ok(None);
    };
    Ok(Some(observed(id, acl_id, egress, rule_number, entry)?))
}

/// Replaces the entry's protocol, action, range and ports when they differ
/// from `current`; the ACL, the number and the direction force replacement.
pub(crate) async fn update(
    client: &Client,
    id: &str,
    current: &BTreeMap<String, Value>,
    request: ResourceRequest<'_>,
) -> Result<Observed, ProviderError> {
    let (acl_id, egress, rule_number) = split_id(id)?;
    let unchanged = [
        "protocol",
        "rule_action",
        "cidr_block",
        "from_port",
        "to_port",
    ]
    .iter()
    .all(|field| current.get(*field).filter(|v| !v.is_null()) == request.get(field));
    if !unchanged {
        let entry = entry(&request)?;
        client
            .replace_network_acl_entry()
            .network_acl_id(acl_id)
            .rule_number(rule_number)
            .egress(egress)
            .protocol(entry.protocol)
            .rule_action(entry.rule_action)
            .cidr_block(entry.cidr_block)
            .set_port_range(entry.ports)
            .set_icmp_type_code(entry.icmp)
            .send()
            .await
            .map_err(|err| api_error("ReplaceNetworkAclEntry", err))?;
        tracing::debug!(entry = id, "replaced network ACL entry");
    }
    read_back("DescribeNetworkAcls", "network ACL entry", id, || {
        read(client, id)
    })
    .await
}

/// Finds the entry an interrupted apply made: an ACL has one entry per
/// direction and rule number, so the slot is the identity.
pub(crate) async fn find(
    client: &Client,
    request: ResourceRequest<'_>,
) -> Result<Option<Observed>, ProviderError> {
    let acl_id = request.required_str("network_acl_id")?;
    let rule_number = rule_number(&request)?;
    let egress = request.bool("egress").unwrap_or(false);
    read(
        client,
        &format!("{acl_id}:{}:{rule_number}", direction(egress)),
    )
    .await
}

/// Deletes the entry; one already gone, or whose ACL is gone, is success.
pub(crate) async fn delete(client: &Client, id: &str) -> Result<(), ProviderError> {
    let (acl_id, egress, rule_number) = split_id(id)?;
    match client
        .delete_network_acl_entry()
        .network_acl_id(acl_id)
        .rule_number(rule_number)
        .egress(egress)
        .send()
        .await
    {
        Ok(_) => {
            tracing::debug!(entry = id, "deleted network ACL entry");
            Ok(())
        }
        Err(err) if has_code(&err, NOT_FOUND) || has_code(&err, network_acl::NOT_FOUND) => Ok(()),
        Err(err) => Err(api_error("DeleteNetworkAclEntry", err)),
    }
}

/// The entry as observed: the protocol in our spelling.
fn observed(
    id: &str,
    acl_id: &str,
    egress: bool,
    rule_number: i32,
    entry: &NetworkAclEntry,
) -> Result<Observed, ProviderError> {
    let number = entry
        .protocol()
        .ok_or_else(|| malformed("DescribeNetworkAcls", "network ACL entry protocol"))?;
    let protocol = PROTOCOLS
        .iter()
        .find(|(_, aws)| *aws == number)
        .map_or(number, |(ours, _)| *ours);
    let rule_action = match entry.rule_action() {
        Some(RuleAction::Allow) => "allow",
        Some(RuleAction::Deny) => "deny",
        _ => return Err(malformed("DescribeNetworkAcls", "network ACL entry action")),
    };
    let cidr_block = entry
        .cidr_block()
        .ok_or_else(|| malformed("DescribeNetworkAcls", "network ACL entry CIDR block"))?;
    let mut inputs = BTreeMap::from([
        ("network_acl_id".to_owned(), Value::from(acl_id)),
        ("rule_number".to_owned(), Value::from(rule_number)),
        ("egress".to_owned(), Value::from(egress)),
        ("protocol".to_owned(), Value::from(protocol)),
        ("rule_action".to_owned(), Value::from(rule_action)),
        ("cidr_block".to_owned(), Value::from(cidr_block)),
    ]);
    if has_ports(protocol) {
        if let Some(range) = entry.port_range() {
            if let Some(from) = range.from() {
                inputs.insert("from_port".to_owned(), Value::from(from));
            }
            if let Some(to) = range.to() {
                inputs.insert("to_port".to_owned(), Value::from(to));
            }
        }
    }
    Ok(Observed {
        id: id.to_owned(),
        inputs,
        attributes: BTreeMap::from([("id".to_owned(), Value::from(id))]),
    })
}

/// The requested protocol, action, range and ports.
fn entry<'a>(request: &'a ResourceRequest<'_>) -> Result<Entry<'a>, ProviderError> {
    let ours = request.str("protocol").unwrap_or("tcp");
    let protocol = PROTOCOLS
        .iter()
        .find(|(name, _)| *name == ours)
        .map(|(_, aws)| *aws)
        .ok_or_else(|| ProviderError::Invalid {
            message: format!("protocol `{ours}` is not one of tcp, udp, icmp, -1"),
        })?;
    let rule_action = match request.required_str("rule_action")? {
        "allow" => RuleAction::Allow,
        "deny" => RuleAction::Deny,
        other => {
            return Err(ProviderError::Invalid {
                message: format!("rule action `{other}` is not `allow` or `deny`"),
            })
        }
    };
    let ports = if has_ports(ours) {
        let from = port(request, "from_port")?;
        let to = port(request, "to_port")?;
        Some(PortRange::builder().set_from(from).set_to(to).build())
    } else {
        None
    };
    let icmp = (ours == "icmp").then(|| IcmpTypeCode::builder().r#type(-1).code(-1).build());
    Ok(Entry {
        protocol,
        rule_action,
        cidr_block: request.required_str("cidr_block")?,
        ports,
        icmp,
    })
}

/// Whether the protocol (in our spelling) has ports.
fn has_ports(protocol: &str) -> bool {
    matches!(protocol, "tcp" | "udp")
}

/// The port field `name`, if set.
fn port(request: &ResourceRequest<'_>, name: &str) -> Result<Option<i32>, ProviderError> {
    request
        .int(name)
        .map(|port| {
            i32::try_from(port).map_err(|_| ProviderError::Invalid {
                message: format!("field `{name}` is not a port: {port}"),
            })
        })
        .transpose()
}

/// The requested rule number.
fn rule_number(request: &ResourceRequest<'_>) -> Result<i32, ProviderError> {
    let number = request
        .int("rule_number")
        .ok_or_else(|| ProviderError::Invalid {
            message: "field `rule_number` must be an integer and is missing".to_owned(),
        })?;
    i32::try_from(number).map_err(|_| ProviderError::Invalid {
        message: format!("rule number {number} is out of range"),
    })
}

/// The direction part of an entry id.
fn direction(egress: bool) -> &'static str {
    if egress {
        "egress"
    } else {
        "ingress"
    }
}

/// The ACL id, whether it is egress, and the rule number of an entry id.
fn split_id(id: &str) -> Result<(&str, bool, i32), ProviderError> {
    let invalid = || ProviderError::Invalid {
        message: format!(
            "network ACL entry id `{id}` is not of the form `<acl-id>:<ingress|egress>:<number>`"
        ),
    };
    let mut parts = id.splitn(3, ':');
    let (Some(acl_id), Some(direction), Some(number)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid());
    };
    let egress = match direction {
        "ingress" => false,
        "egress" => true,
        _ => return Err(invalid()),
    };
    let number = number.parse().map_err(|_| invalid())?;
    if acl_id.is_empty() {
        return Err(invalid());
    }
    Ok((acl_id, egress, number))
}
