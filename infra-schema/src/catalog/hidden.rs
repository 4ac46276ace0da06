//! The orderings AWS requires that no reference in a declaration shows.
//!
//! A listener and an ECS service both name the target group; nothing in either
//! names the other, yet AWS refuses a service whose target group no load balancer
//! uses yet. Such rules are data here, and the engine adds the edges to every
//! stack's graph, so users never write `depends_on` for AWS's sake.

/// One hidden ordering: a resource of type `dependent` waits for every resource
/// of type `dependency` that points at the same resource as it does.
///
/// A path names a field, then fields of the blocks inside it, separated by `.`
/// (lists are walked item by item); `>` follows the reference found so far into
/// the referenced resource's own fields: `subnet_id>vpc_id` is the VPC of the
/// subnet the resource is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HiddenDependency {
    /// The resource type that must wait: `aws_ecs_service`.
    pub dependent: &'static str,
    /// Where the dependent points at the shared resource: `load_balancers.target_group_arn`.
    pub dependent_path: &'static str,
    /// The resource type it must wait for: `aws_elbv2_listener`.
    pub dependency: &'static str,
    /// Where the dependency points at the shared resource: `default_action.forward_target_group_arn`.
    pub dependency_path: &'static str,
    /// What AWS does otherwise, for documentation and the graph.
    pub why: &'static str,
}

/// Every hidden ordering the engine knows.
pub static HIDDEN_DEPENDENCIES: &[HiddenDependency] = &[
    HiddenDependency {
        dependent: "aws_ecs_service",
        dependent_path: "load_balancers.target_group_arn",
        dependency: "aws_elbv2_listener",
        dependency_path: "default_action.forward_target_group_arn",
        why: "ECS refuses a service whose target group is not yet used by a load \
              balancer's listener, and the listener cannot go while the service still \
              registers targets",
    },
    HiddenDependency {
        dependent: "aws_ecs_service",
        dependent_path: "cluster",
        dependency: "aws_ecs_cluster_capacity_providers",
        dependency_path: "cluster_name",
        why: "a service placed by a capacity provider needs the provider associated \
              with its cluster first, and the association cannot be removed while the \
              service uses it",
    },
    HiddenDependency {
        dependent: "aws_ec2_route",
        dependent_path: "gateway_id",
        dependency: "aws_ec2_internet_gateway_attachment",
        dependency_path: "internet_gateway_id",
        why: "a route to an internet gateway needs the gateway attached to the VPC, and \
              the gateway cannot be detached while routes use it",
    },
    HiddenDependency {
        dependent: "aws_ec2_nat_gateway",
        dependent_path: "subnet_id>vpc_id",
        dependency: "aws_ec2_internet_gateway_attachment",
        dependency_path: "vpc_id",
        why: "a public NAT gateway needs an internet gateway attached to its VPC, and the \
              gateway cannot be detached while a NAT gateway has a public address in it",
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::CATALOG;

    /// Every path starts at a field of its type, so a renamed field cannot leave a
    /// rule silently matching nothing.
    #[test]
    fn rules_name_real_types_and_fields() {
        let field_exists = |type_name: &str, path: &str| {
            let schema = CATALOG
                .iter()
                .find(|schema| schema.type_name == type_name)
                .unwrap_or_else(|| panic!("no type {type_name}"));
            let first = path.split(['.', '>']).next().unwrap_or_default();
            assert!(
                schema.field(first).is_some(),
                "{type_name} has no field {first}"
            );
        };
        for rule in HIDDEN_DEPENDENCIES {
            field_exists(rule.dependent, rule.dependent_path);
            field_exists(rule.dependency, rule.dependency_path);
        }
    }
}
