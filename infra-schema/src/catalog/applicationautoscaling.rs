//! Application Auto Scaling: scaling ECS services (and other resources) by metrics.

use crate::{
    AttributeSchema, EnumSchema, FieldSchema, Literal, NameRule, Presence, ResourceSchema, Rule,
    ValueType,
};

/// The services whose resources Application Auto Scaling scales.
pub static APPLICATIONAUTOSCALING_SERVICE_NAMESPACE: EnumSchema = EnumSchema {
    rust_path: "applicationautoscaling::ServiceNamespace",
    variants: &[("Ecs", "ecs"), ("Dynamodb", "dynamodb")],
};

/// The predefined metrics a target tracking policy can follow.
pub static APPLICATIONAUTOSCALING_PREDEFINED_METRIC: EnumSchema = EnumSchema {
    rust_path: "applicationautoscaling::PredefinedMetric",
    variants: &[
        (
            "EcsServiceAverageCpuUtilization",
            "ECSServiceAverageCPUUtilization",
        ),
        (
            "EcsServiceAverageMemoryUtilization",
            "ECSServiceAverageMemoryUtilization",
        ),
    ],
};

/// `applicationautoscaling::ScalableTarget`.
pub static APPLICATIONAUTOSCALING_SCALABLE_TARGET: ResourceSchema = ResourceSchema {
    path: "applicationautoscaling::ScalableTarget",
    type_name: "aws_applicationautoscaling_scalable_target",
    taggable: false,
    doc: "A resource registered with Application Auto Scaling, such as an ECS service's \
          desired count.",
    fields: &[
        FieldSchema {
            name: "service_namespace",
            ty: ValueType::Enum(&APPLICATIONAUTOSCALING_SERVICE_NAMESPACE),
            presence: Presence::Default(Literal::Str("ecs")),
            forces_replacement: true,
            doc: "The service the resource belongs to: `Ecs` or `Dynamodb`.",
        },
        FieldSchema {
            name: "resource_id",
            ty: ValueType::String,
            presence: Presence::Required,
            forces_replacement: true,
            doc: "The resource scaled, such as `service/<cluster>/<service>`.",
        },
        FieldSchema {
            name: "scalable_dimension",
            ty: ValueType::String,
            presence: Presence::Default(Literal::Str("ecs:service:DesiredCount")),
            forces_replacement: true,
            doc: "What is scaled, such as `ecs:service:DesiredCount`.",
        },
        FieldSchema {
            name: "min_capacity",
            ty: ValueType::Int {
                min: 0,
                max: 10_000,
            },
            presence: Presence::Required,
            forces_replacement: false,
            doc: "The smallest capacity scaling may set.",
        },
        FieldSchema {
            name: "max_capacity",
            ty: ValueType::Int {
                min: 0,
                max: 10_000,
            },
            presence: Presence::Required,
            forces_replacement: false,
            doc: "The largest capacity scaling may set.",
        },
        FieldSchema {
            name: "role_arn",
            ty: ValueType::String,
            presence: Presence::Optional,
            forces_replacement: false,
            doc: "The role Application Auto Scaling acts as; its service-linked role when absent.",
        },
    ],
    rules: &[Rule::Ordered {
        from: "min_capacity",
        to: "max_capacity",
    }],
    attributes: &[AttributeSchema {
        name: "id",
        ty: ValueType::String,
        doc: "The resource id, which with the namespace and dimension identifies the target.",
    }],
};

/// `applicationautoscaling::TargetTrackingPolicy`.
pub static APPLICATIONAUTOSCALING_TARGET_TRACKING_POLICY: ResourceSchema = ResourceSchema {
    path: "applicationautoscaling::TargetTrackingPolicy",
    type_name: "aws_applicationautoscaling_target_tracking_policy",
    taggable: false,
    doc: "A target tracking scaling policy: keeps a predefined metric near a target value.",
    fields: &[
        FieldSchema {
            name: "name",
            ty: ValueType::Name(NameRule {
                what: "scaling policy name",
                min_len: 1,
                max_len: 256,
                extra_chars: " ._-:/()#,@[]+=&;{}!$*",
                lowercase_only: false,
            }),
            presence: Presence::Required,
            forces_replacement: true,
            doc: "The policy name, unique for its scalable target.",
        },
        FieldSchema {
            name: "service_namespace",
            ty: ValueType::Enum(&APPLICATIONAUTOSCALING_SERVICE_NAMESPACE),
            presence: Presence::Default(Literal::Str("ecs")),
            forces_replacement: true,
            doc: "The service the scaled resource belongs to: `Ecs` or `Dynamodb`.",
        },
        FieldSchema {
            name: "resource_id",
            ty: ValueType::String,
            presence: Presence::Required,
            forces_replacement: true,
            doc: "The scalable target's resource, such as `service/<cluster>/<service>`.",
        },
        FieldSchema {
            name: "scalable_dimension",
            ty: ValueType::String,
            presence: Presence::Default(Literal::Str("ecs:service:DesiredCount")),
            forces_replacement: true,
            doc: "The scalable target's dimension, such as `ecs:service:DesiredCount`.",
        },
        FieldSchema {
            name: "predefined_metric",
            ty: ValueType::Enum(&APPLICATIONAUTOSCALING_PREDEFINED_METRIC),
            presence: Presence::Required,
            forces_replacement: false,
            doc: "The metric tracked: `EcsServiceAverageCpuUtilization` or \
                  `EcsServiceAverageMemoryUtilization`.",
        },
        FieldSchema {
            name: "target_value",
            ty: ValueType::Int { min: 1, max: 100 },
            presence: Presence::Required,
            forces_replacement: false,
            doc: "The value, in percent, the metric is kept near.",
        },
        FieldSchema {
            name: "scale_in_cooldown",
            ty: ValueType::Int { min: 0, max: 3600 },
            presence: Presence::Default(Literal::Int(300)),
            forces_replacement: false,
            doc: "Seconds after a scale-in before another scale-in may start.",
        },
        FieldSchema {
            name: "scale_out_cooldown",
            ty: ValueType::Int { min: 0, max: 3600 },
            presence: Presence::Default(Literal::Int(300)),
            forces_replacement: false,
            doc: "Seconds after a scale-out before another scale-out may start.",
        },
    ],
    rules: &[],
    attributes: &[
        AttributeSchema {
            name: "id",
            ty: ValueType::String,
            doc: "The policy's ARN, which is how infra identifies it.",
        },
        AttributeSchema {
            name: "arn",
            ty: ValueType::String,
            doc: "The policy's ARN.",
        },
    ],
};
