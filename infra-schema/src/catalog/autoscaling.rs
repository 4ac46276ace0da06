//! EC2 Auto Scaling: groups of instances and the policies that resize them.

use super::TAGS;
use crate::{
    AttributeSchema, EnumSchema, FieldSchema, Literal, NameRule, Presence, ResourceSchema, Rule,
    ValueType,
};

/// The names AWS allows for Auto Scaling groups and policies.
const fn autoscaling_name(what: &'static str) -> NameRule {
    NameRule {
        what,
        min_len: 1,
        max_len: 255,
        extra_chars: " ._-:/()#,@[]+=&;{}!$*",
        lowercase_only: false,
    }
}

/// `autoscaling::Group`.
pub static AUTOSCALING_GROUP: ResourceSchema = ResourceSchema {
    path: "autoscaling::Group",
    type_name: "aws_autoscaling_group",
    taggable: true,
    doc: "An EC2 Auto Scaling group, launching instances from a launch template.",
    fields: &[
        FieldSchema {
            name: "name",
            ty: ValueType::Name(autoscaling_name("Auto Scaling group name")),
            presence: Presence::Required,
            forces_replacement: true,
            doc: "The group name, unique in the account and region.",
        },
        FieldSchema {
            name: "launch_template_id",
            ty: ValueType::Id("ec2::LaunchTemplateId"),
            presence: Presence::Required,
            forces_replacement: false,
            doc: "The launch template new instances are launched from.",
        },
        FieldSchema {
            name: "launch_template_version",
            ty: ValueType::String,
            presence: Presence::Default(Literal::Str("$Latest")),
            forces_replacement: false,
            doc: "The template version: a number, `$Latest` or `$Default`.",
        },
        FieldSchema {
            name: "subnet_ids",
            ty: ValueType::Set(&ValueType::Id("ec2::SubnetId")),
            presence: Presence::Required,
            forces_replacement: false,
            doc: "The subnets instances are launched in.",
        },
        FieldSchema {
            name: "min_size",
            ty: ValueType::Int { min: 0, max: 1000 },
            presence: Presence::Required,
            forces_replacement: false,
            doc: "The fewest instances the group keeps.",
        },
        FieldSchema {
            name: "max_size",
            ty: ValueType::Int { min: 0, max: 1000 },
            presence: Presence::Required,
            forces_replacement: false,
            doc: "The most instances the group may have.",
        },
        FieldSchema {
            name: "desired_capacity",
            ty: ValueType::Int { min: 0, max: 1000 },
            presence: Presence::Optional,
            forces_replacement: false,
            doc: "The instances wanted, between `min_size` and `max_size`; left to \
                  scaling when absent.",
        },
        FieldSchema {
            name: "health_check_grace_period",
            ty: ValueType::Int { min: 0, max: 7200 },
            presence: Presence::Default(Literal::Int(300)),
            forces_replacement: false,
            doc: "Seconds after launch before an instance's health is checked.",
        },
        FieldSchema {
            name: "protect_from_scale_in",
            ty: ValueType::Bool,
            presence: Presence::Default(Literal::Bool(false)),
            forces_replacement: false,
            doc: "Whether new instances are protected from termination on scale-in \
                  (ECS managed termination protection needs it).",
        },
        TAGS,
    ],
    rules: &[Rule::Ordered {
        from: "min_size",
        to: "max_size",
    }],
    attributes: &[
        AttributeSchema {
            name: "id",
            ty: ValueType::String,
            doc: "The group name, which is how AWS identifies it.",
        },
        AttributeSchema {
            name: "arn",
            ty: ValueType::String,
            doc: "The group's ARN.",
        },
    ],
};

/// The kinds of Auto Scaling policy.
pub static AUTOSCALING_POLICY_TYPE: EnumSchema = EnumSchema {
    rust_path: "autoscaling::PolicyType",
    variants: &[
        ("SimpleScaling", "SimpleScaling"),
        ("TargetTrackingScaling", "TargetTrackingScaling"),
    ],
};

/// How a simple scaling policy's adjustment is read.
pub static AUTOSCALING_ADJUSTMENT_TYPE: EnumSchema = EnumSchema {
    rust_path: "autoscaling::AdjustmentType",
    variants: &[
        ("ChangeInCapacity", "ChangeInCapacity"),
        ("ExactCapacity", "ExactCapacity"),
        ("PercentChangeInCapacity", "PercentChangeInCapacity"),
    ],
};

/// `autoscaling::Policy`.
pub static AUTOSCALING_POLICY: ResourceSchema = ResourceSchema {
    path: "autoscaling::Policy",
    type_name: "aws_autoscaling_policy",
    taggable: false,
    doc: "A scaling policy of an Auto Scaling group.",
    fields: &[
        FieldSchema {
            name: "name",
            ty: ValueType::Name(autoscaling_name("Auto Scaling policy name")),
            presence: Presence::Required,
            forces_replacement: true,
            doc: "The policy name, unique in its group.",
        },
        FieldSchema {
            name: "group_name",
            ty: ValueType::String,
            presence: Presence::Required,
            forces_replacement: true,
            doc: "The name of the Auto Scaling group the policy resizes.",
        },
        FieldSchema {
            name: "policy_type",
            ty: ValueType::Enum(&AUTOSCALING_POLICY_TYPE),
            presence: Presence::Default(Literal::Str("SimpleScaling")),
            forces_replacement: false,
            doc: "`SimpleScaling` or `TargetTrackingScaling`.",
        },
        FieldSchema {
            name: "adjustment_type",
            ty: ValueType::Enum(&AUTOSCALING_ADJUSTMENT_TYPE),
            presence: Presence::Default(Literal::Str("ChangeInCapacity")),
            forces_replacement: false,
            doc: "`ChangeInCapacity`, `ExactCapacity` or `PercentChangeInCapacity`.",
        },
        FieldSchema {
            name: "scaling_adjustment",
            ty: ValueType::Int {
                min: -2_147_483_648,
                max: 2_147_483_647,
            },
            presence: Presence::Optional,
            forces_replacement: false,
            doc: "The change in capacity a simple scaling policy makes (negative to scale in).",
        },
        FieldSchema {
            name: "cooldown",
            ty: ValueType::Int {
                min: 0,
                max: 86_400,
            },
            presence: Presence::Default(Literal::Int(300)),
            forces_replacement: false,
            doc: "Seconds after a scaling activity before another may start.",
        },
    ],
    rules: &[],
    attributes: &[
        AttributeSchema {
            name: "id",
            ty: ValueType::String,
            doc: "The policy's ARN, which is how AWS identifies it.",
        },
        AttributeSchema {
            name: "arn",
            ty: ValueType::String,
            doc: "The policy's ARN, for alarm actions.",
        },
    ],
};
