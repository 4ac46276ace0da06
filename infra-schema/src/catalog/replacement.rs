//! How each resource type is replaced: whether the new one can exist beside
//! the old for a moment (created first, so that dependents switch over before
//! the old one goes, as Terraform's `create_before_destroy`), or a fixed name
//! or slot forbids two at once (the old one is deleted first).

/// How a type is replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replacement {
    /// Two can always exist at once: create the new one first.
    CreateFirst,
    /// Two conflict when these fields are equal (a name, a CIDR in its VPC):
    /// create first only when the replacement changes one of them.
    CreateFirstIfChanged(&'static [&'static str]),
    /// The identity is a slot (a route's destination in its table, a rule's
    /// number): delete first.
    DestroyFirst,
}

/// Every type's replacement; a type not listed is deleted first, the safe way.
pub static REPLACEMENTS: &[(&str, Replacement)] = &[
    ("aws_ec2_vpc", Replacement::CreateFirst),
    ("aws_ec2_internet_gateway", Replacement::CreateFirst),
    ("aws_ec2_elastic_ip", Replacement::CreateFirst),
    ("aws_ec2_nat_gateway", Replacement::CreateFirst),
    ("aws_ec2_route_table", Replacement::CreateFirst),
    ("aws_ec2_network_acl", Replacement::CreateFirst),
    // A new revision of the family; the old one is deregistered after.
    ("aws_ecs_task_definition", Replacement::CreateFirst),
    (
        "aws_ec2_subnet",
        Replacement::CreateFirstIfChanged(&["vpc_id", "cidr_block"]),
    ),
    (
        "aws_ec2_security_group",
        Replacement::CreateFirstIfChanged(&["vpc_id", "name"]),
    ),
    (
        "aws_ec2_launch_template",
        Replacement::CreateFirstIfChanged(&["name"]),
    ),
    (
        "aws_ecr_repository",
        Replacement::CreateFirstIfChanged(&["name"]),
    ),
    (
        "aws_logs_log_group",
        Replacement::CreateFirstIfChanged(&["name"]),
    ),
    (
        "aws_dynamodb_table",
        Replacement::CreateFirstIfChanged(&["name"]),
    ),
    ("aws_iam_role", Replacement::CreateFirstIfChanged(&["name"])),
    (
        "aws_iam_instance_profile",
        Replacement::CreateFirstIfChanged(&["name"]),
    ),
    (
        "aws_ecs_cluster",
        Replacement::CreateFirstIfChanged(&["name"]),
    ),
    (
        "aws_ecs_capacity_provider",
        Replacement::CreateFirstIfChanged(&["name"]),
    ),
    (
        "aws_ecs_service",
        Replacement::CreateFirstIfChanged(&["cluster", "name"]),
    ),
    (
        "aws_elbv2_load_balancer",
        Replacement::CreateFirstIfChanged(&["name"]),
    ),
    (
        "aws_elbv2_target_group",
        Replacement::CreateFirstIfChanged(&["name"]),
    ),
    (
        "aws_elbv2_listener",
        Replacement::CreateFirstIfChanged(&["load_balancer_arn", "port"]),
    ),
    (
        "aws_autoscaling_group",
        Replacement::CreateFirstIfChanged(&["name"]),
    ),
    (
        "aws_cloudwatch_metric_alarm",
        Replacement::CreateFirstIfChanged(&["name"]),
    ),
];

/// How resources of `type_name` are replaced.
///
/// ```
/// use infra_schema::catalog::{replacement, Replacement};
/// assert_eq!(replacement("aws_ec2_vpc"), Replacement::CreateFirst);
/// assert_eq!(replacement("aws_ec2_route"), Replacement::DestroyFirst);
/// ```
pub fn replacement(type_name: &str) -> Replacement {
    REPLACEMENTS
        .iter()
        .find(|(name, _)| *name == type_name)
        .map_or(Replacement::DestroyFirst, |(_, replacement)| *replacement)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::CATALOG;

    #[test]
    fn names_real_types_and_fields() {
        for (type_name, replacement) in REPLACEMENTS {
            let schema = CATALOG
                .iter()
                .find(|s| s.type_name == *type_name)
                .unwrap_or_else(|| panic!("no type {type_name}"));
            if let Replacement::CreateFirstIfChanged(fields) = replacement {
                for field in *fields {
                    assert!(schema.field(field).is_some(), "{type_name} has no {field}");
                }
            }
        }
    }
}
