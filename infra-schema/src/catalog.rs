//! Every resource type the engine knows, one constant each.
//!
//! The constants live in one module per AWS service and are all re-exported
//! here: generated code names them `catalog::<static_name(path)>`, such as
//! `catalog::EC2_SECURITY_GROUP` for `ec2::SecurityGroup`.

mod applicationautoscaling;
mod autoscaling;
mod cloudwatch;
mod dynamodb;
mod ec2;
mod ecr;
mod ecs;
mod elbv2;
mod hidden;
mod iam;
mod logs;
/// Lookups, apart from resources: `catalog::lookup::SSM_PARAMETER`.
pub mod lookup;
mod replacement;

pub use applicationautoscaling::*;
pub use autoscaling::*;
pub use cloudwatch::*;
pub use dynamodb::*;
pub use ec2::*;
pub use ecr::*;
pub use ecs::*;
pub use elbv2::*;
pub use hidden::{HiddenDependency, HIDDEN_DEPENDENCIES};
pub use iam::*;
pub use logs::*;
pub use replacement::{replacement, Replacement, REPLACEMENTS};

use crate::{FieldSchema, Presence, ResourceSchema, ValueType};

/// Every resource type of the catalog.
pub static CATALOG: &[&ResourceSchema] = &[
    &EC2_VPC,
    &EC2_SUBNET,
    &DYNAMODB_TABLE,
    &EC2_SECURITY_GROUP,
    &EC2_SECURITY_GROUP_RULE,
    &IAM_ROLE,
    &ECR_REPOSITORY,
    &LOGS_LOG_GROUP,
    &CLOUDWATCH_METRIC_ALARM,
    &ELBV2_LOAD_BALANCER,
    &ELBV2_TARGET_GROUP,
    &EC2_INTERNET_GATEWAY,
    &EC2_INTERNET_GATEWAY_ATTACHMENT,
    &EC2_ELASTIC_IP,
    &EC2_NAT_GATEWAY,
    &EC2_ROUTE_TABLE,
    &EC2_ROUTE,
    &EC2_ROUTE_TABLE_ASSOCIATION,
    &EC2_NETWORK_ACL,
    &EC2_NETWORK_ACL_ENTRY,
    &EC2_LAUNCH_TEMPLATE,
    &IAM_INSTANCE_PROFILE,
    &AUTOSCALING_GROUP,
    &AUTOSCALING_POLICY,
    &ECS_CLUSTER,
    &ECS_CAPACITY_PROVIDER,
    &ECS_CLUSTER_CAPACITY_PROVIDERS,
    &ECS_TASK_DEFINITION,
    &ECS_SERVICE,
    &ELBV2_LISTENER,
    &APPLICATIONAUTOSCALING_SCALABLE_TARGET,
    &APPLICATIONAUTOSCALING_TARGET_TRACKING_POLICY,
];

/// The `tags` field of every taggable resource type.
const TAGS: FieldSchema = FieldSchema {
    name: "tags",
    ty: ValueType::Tags,
    presence: Presence::Optional,
    forces_replacement: false,
    doc: "Tags besides the stack's default tags and the ownership tags.",
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{iam_action_problem, static_name, BlockSchema, EnumSchema, Literal, Rule};

    /// Each catalog static with the identifier it is declared under.
    macro_rules! named {
        ($($name:ident),* $(,)?) => {
            [$((stringify!($name), &$name)),*]
        };
    }

    const NAMED: [(&str, &ResourceSchema); 32] = named![
        EC2_VPC,
        EC2_SUBNET,
        DYNAMODB_TABLE,
        EC2_SECURITY_GROUP,
        EC2_SECURITY_GROUP_RULE,
        IAM_ROLE,
        ECR_REPOSITORY,
        LOGS_LOG_GROUP,
        CLOUDWATCH_METRIC_ALARM,
        ELBV2_LOAD_BALANCER,
        ELBV2_TARGET_GROUP,
        EC2_INTERNET_GATEWAY,
        EC2_INTERNET_GATEWAY_ATTACHMENT,
        EC2_ELASTIC_IP,
        EC2_NAT_GATEWAY,
        EC2_ROUTE_TABLE,
        EC2_ROUTE,
        EC2_ROUTE_TABLE_ASSOCIATION,
        EC2_NETWORK_ACL,
        EC2_NETWORK_ACL_ENTRY,
        EC2_LAUNCH_TEMPLATE,
        IAM_INSTANCE_PROFILE,
        AUTOSCALING_GROUP,
        AUTOSCALING_POLICY,
        ECS_CLUSTER,
        ECS_CAPACITY_PROVIDER,
        ECS_CLUSTER_CAPACITY_PROVIDERS,
        ECS_TASK_DEFINITION,
        ECS_SERVICE,
        ELBV2_LISTENER,
        APPLICATIONAUTOSCALING_SCALABLE_TARGET,
        APPLICATIONAUTOSCALING_TARGET_TRACKING_POLICY,
    ];

    /// A list of fields (a resource's or a block's), where it is, and its rules.
    type FieldList = (String, &'static [FieldSchema], &'static [Rule]);

    /// Pushes `fields`, and the fields of the blocks inside them at any depth, to
    /// `lists`, each with where it is (`iam::Role.assume_role_policy (…)`).
    fn push_fields(
        lists: &mut Vec<FieldList>,
        at: &str,
        fields: &'static [FieldSchema],
        rules: &'static [Rule],
    ) {
        lists.push((at.to_owned(), fields, rules));
        for field in fields {
            if let Some(block) = block_of(&field.ty) {
                let at = format!("{at}.{} ({})", field.name, block.name);
                push_fields(lists, &at, block.fields, block.rules);
            }
        }
    }

    fn block_of(ty: &ValueType) -> Option<&'static BlockSchema> {
        match *ty {
            ValueType::Block(block) => Some(block),
            ValueType::List(item) => block_of(item),
            _ => None,
        }
    }

    fn enum_of(ty: &ValueType) -> Option<&'static EnumSchema> {
        match *ty {
            ValueType::Enum(schema) => Some(schema),
            ValueType::List(item) => enum_of(item),
            _ => None,
        }
    }

    /// Every field list of the catalog, at any depth.
    fn all_field_lists() -> Vec<FieldList> {
        let mut lists = Vec::new();
        for schema in CATALOG {
            push_fields(&mut lists, schema.path, schema.fields, schema.rules);
        }
        lists
    }

    #[test]
    fn paths_and_type_names_are_unique() {
        for (i, a) in CATALOG.iter().enumerate() {
            for b in &CATALOG[i + 1..] {
                assert_ne!(a.path, b.path);
                assert_ne!(a.type_name, b.type_name);
            }
        }
    }

    #[test]
    fn statics_are_named_after_their_paths_and_all_listed() {
        assert_eq!(NAMED.len(), CATALOG.len(), "a static is missing from NAMED");
        for (name, schema) in NAMED {
            assert_eq!(
                name,
                static_name(schema.path),
                "{} is misnamed",
                schema.path
            );
            assert!(
                CATALOG.iter().any(|listed| std::ptr::eq(*listed, schema)),
                "{name} is not in CATALOG"
            );
        }
    }

    #[test]
    fn type_names_follow_the_paths() {
        for schema in CATALOG {
            assert_eq!(
                schema.type_name,
                format!("aws_{}", static_name(schema.path).to_ascii_lowercase()),
                "{} has an unexpected type name",
                schema.path
            );
        }
    }

    #[test]
    fn taggable_types_and_only_they_have_tags() {
        for schema in CATALOG {
            assert_eq!(
                schema.taggable,
                schema.field("tags") == Some(&TAGS),
                "{}: `taggable` and the `tags` field disagree",
                schema.path
            );
        }
    }

    #[test]
    fn every_resource_has_an_id_and_enum_defaults_are_variants() {
        for schema in CATALOG {
            assert!(
                schema.attribute("id").is_some(),
                "{} has no id",
                schema.path
            );
        }
        for (at, fields, _) in all_field_lists() {
            for field in fields {
                if let (ValueType::Enum(e), Presence::Default(Literal::Str(default))) =
                    (&field.ty, &field.presence)
                {
                    assert!(
                        e.variants.iter().any(|(_, aws)| aws == default),
                        "{at}.{} defaults to an unknown variant",
                        field.name
                    );
                }
            }
        }
    }

    #[test]
    fn defaults_fit_their_types() {
        for (at, fields, _) in all_field_lists() {
            for field in fields {
                let Presence::Default(default) = field.presence else {
                    continue;
                };
                let fits = match (&field.ty, default) {
                    (ValueType::Bool, Literal::Bool(_)) => true,
                    (ValueType::Int { min, max }, Literal::Int(n)) => (*min..=*max).contains(&n),
                    (ValueType::Port, Literal::Int(n)) => (1..=65_535).contains(&n),
                    (ValueType::OneOf(allowed), Literal::Int(n)) => allowed.contains(&n),
                    (ValueType::String, Literal::Str(_)) => true,
                    (ValueType::Name(rule), Literal::Str(s)) => rule.violation(s).is_none(),
                    (ValueType::Enum(e), Literal::Str(s)) => {
                        e.variants.iter().any(|(_, aws)| *aws == s)
                    }
                    _ => false,
                };
                assert!(
                    fits,
                    "{at}.{}: the default {default:?} does not fit",
                    field.name
                );
            }
        }
    }

    #[test]
    fn field_names_are_unique() {
        for (at, fields, _) in all_field_lists() {
            for (i, a) in fields.iter().enumerate() {
                assert!(
                    fields[i + 1..].iter().all(|b| b.name != a.name),
                    "{at} has two fields `{}`",
                    a.name
                );
            }
        }
        for schema in CATALOG {
            for (i, a) in schema.attributes.iter().enumerate() {
                assert!(
                    schema.attributes[i + 1..].iter().all(|b| b.name != a.name),
                    "{} has two attributes `{}`",
                    schema.path,
                    a.name
                );
            }
        }
    }

    #[test]
    fn rules_name_fields_of_the_right_types() {
        for (at, fields, rules) in all_field_lists() {
            let ty = |name: &str| {
                fields
                    .iter()
                    .find(|field| field.name == name)
                    .unwrap_or_else(|| panic!("{at}: a rule names `{name}`, which is no field"))
            };
            let is_int = |name: &str| {
                matches!(
                    ty(name).ty,
                    ValueType::Int { .. } | ValueType::Port | ValueType::OneOf(_)
                )
            };
            // An opt-out is off unless written, so that opting out is always visible.
            let is_opt_out = |name: &str| {
                let field = ty(name);
                field.ty == ValueType::Bool
                    && field.presence == Presence::Default(Literal::Bool(false))
            };
            for rule in rules {
                let ok = match *rule {
                    Rule::Ordered { from, to } => is_int(from) && is_int(to),
                    Rule::PublicIngress {
                        cidr,
                        from,
                        to,
                        opt_out,
                    } => {
                        matches!(ty(cidr).ty, ValueType::String | ValueType::Cidr)
                            && is_int(from)
                            && is_int(to)
                            && is_opt_out(opt_out)
                    }
                    Rule::NoWildcardAllow {
                        effect,
                        actions,
                        opt_out,
                    } => {
                        enum_of(&ty(effect).ty)
                            .is_some_and(|e| e.variants.iter().any(|(v, _)| *v == "Deny"))
                            && ty(actions).ty == ValueType::List(&ValueType::IamAction)
                            && is_opt_out(opt_out)
                    }
                };
                assert!(ok, "{at}: {rule:?} names fields of the wrong types");
            }
        }
    }

    #[test]
    fn enums_and_blocks_are_named_once() {
        let mut enums: Vec<&'static EnumSchema> = Vec::new();
        let mut blocks: Vec<&'static BlockSchema> = Vec::new();
        for (_, fields, _) in all_field_lists() {
            for field in fields {
                if let Some(e) = enum_of(&field.ty) {
                    enums.push(e);
                }
                if let Some(b) = block_of(&field.ty) {
                    blocks.push(b);
                }
            }
        }
        for (i, a) in enums.iter().enumerate() {
            for b in &enums[i + 1..] {
                assert!(
                    a.rust_path != b.rust_path || std::ptr::eq(*a, *b),
                    "two enums are called {}",
                    a.rust_path
                );
            }
            for (j, (ident, aws)) in a.variants.iter().enumerate() {
                assert!(
                    ident.starts_with(|c: char| c.is_ascii_uppercase()),
                    "{}::{ident} is not a Rust type-style identifier",
                    a.rust_path
                );
                assert!(
                    a.variants[j + 1..]
                        .iter()
                        .all(|(i2, a2)| i2 != ident && a2 != aws),
                    "{} repeats {ident}",
                    a.rust_path
                );
            }
        }
        for (i, a) in blocks.iter().enumerate() {
            for b in &blocks[i + 1..] {
                assert!(
                    a.name != b.name || std::ptr::eq(*a, *b),
                    "two blocks are called {}",
                    a.name
                );
            }
        }
    }

    #[test]
    fn iam_actions() {
        for good in ["ecr:GetAuthorizationToken", "logs:*", "*", "ecr:Get*"] {
            assert_eq!(iam_action_problem(good), None, "{good} is refused");
        }
        for bad in [
            "GetItem",
            "s3:",
            ":GetItem",
            "S3:GetObject",
            "s3:Get Object",
        ] {
            assert!(iam_action_problem(bad).is_some(), "{bad} is accepted");
        }
    }

    #[test]
    fn reference_stack_values_are_accepted() {
        let name = |schema: &ResourceSchema, value: &str| match schema.field("name") {
            Some(FieldSchema {
                ty: ValueType::Name(rule),
                ..
            }) => rule.violation(value),
            other => panic!("{}: name is {other:?}", schema.path),
        };
        assert_eq!(name(&ECR_REPOSITORY, "identity-e2e-backend"), None);
        assert!(name(&ECR_REPOSITORY, "Backend").is_some());
        assert_eq!(name(&LOGS_LOG_GROUP, "ecs-logs"), None);
        assert_eq!(name(&LOGS_LOG_GROUP, "/ecs/backend"), None);
        assert_eq!(name(&ELBV2_LOAD_BALANCER, "backend-alb"), None);
        assert!(name(&ELBV2_LOAD_BALANCER, "backend_alb").is_some());
        assert!(name(&ELBV2_TARGET_GROUP, &"t".repeat(33)).is_some());
        assert_eq!(name(&IAM_ROLE, "ecs-instance-role"), None);
        assert_eq!(name(&EC2_SECURITY_GROUP, "alb (public) #1"), None);
        assert_eq!(name(&CLOUDWATCH_METRIC_ALARM, "ECS CPU > 50%"), None);
        assert!(matches!(
            LOGS_LOG_GROUP.field("retention_in_days").map(|f| f.ty),
            Some(ValueType::OneOf(days)) if days.contains(&14) && !days.contains(&15)
        ));
    }
}
