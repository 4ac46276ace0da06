//! CloudWatch: alarms on metrics.

use super::TAGS;
use crate::{
    AttributeSchema, EnumSchema, FieldSchema, Literal, NameRule, Presence, ResourceSchema,
    ValueType,
};

/// The statistic an alarm applies to its metric.
pub static CLOUDWATCH_STATISTIC: EnumSchema = EnumSchema {
    rust_path: "cloudwatch::Statistic",
    variants: &[
        ("Average", "Average"),
        ("Sum", "Sum"),
        ("Minimum", "Minimum"),
        ("Maximum", "Maximum"),
        ("SampleCount", "SampleCount"),
    ],
};

/// How an alarm compares its statistic to the threshold.
pub static CLOUDWATCH_COMPARISON_OPERATOR: EnumSchema = EnumSchema {
    rust_path: "cloudwatch::ComparisonOperator",
    variants: &[
        (
            "GreaterThanOrEqualToThreshold",
            "GreaterThanOrEqualToThreshold",
        ),
        ("GreaterThanThreshold", "GreaterThanThreshold"),
        ("LessThanThreshold", "LessThanThreshold"),
        ("LessThanOrEqualToThreshold", "LessThanOrEqualToThreshold"),
    ],
};

/// `cloudwatch::MetricAlarm`.
pub static CLOUDWATCH_METRIC_ALARM: ResourceSchema = ResourceSchema {
    path: "cloudwatch::MetricAlarm",
    type_name: "aws_cloudwatch_metric_alarm",
    taggable: true,
    doc: "A CloudWatch alarm on one metric.",
    fields: &[
        FieldSchema {
            name: "name",
            ty: ValueType::Name(NameRule {
                what: "CloudWatch alarm name",
                min_len: 1,
                max_len: 255,
                extra_chars: " !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
                lowercase_only: false,
            }),
            presence: Presence::Required,
            forces_replacement: true,
            doc: "The alarm name, unique in the account and region.",
        },
        FieldSchema {
            name: "description",
            ty: ValueType::String,
            presence: Presence::Optional,
            forces_replacement: false,
            doc: "What the alarm watches for, up to 1024 characters.",
        },
        FieldSchema {
            name: "namespace",
            ty: ValueType::String,
            presence: Presence::Required,
            forces_replacement: false,
            doc: "The metric's namespace, such as `AWS/ECS`.",
        },
        FieldSchema {
            name: "metric_name",
            ty: ValueType::String,
            presence: Presence::Required,
            forces_replacement: false,
            doc: "The metric's name, such as `CPUUtilization`.",
        },
        FieldSchema {
            name: "statistic",
            ty: ValueType::Enum(&CLOUDWATCH_STATISTIC),
            presence: Presence::Required,
            forces_replacement: false,
            doc: "`Average`, `Sum`, `Minimum`, `Maximum` or `SampleCount`, over each period.",
        },
        FieldSchema {
            name: "comparison_operator",
            ty: ValueType::Enum(&CLOUDWATCH_COMPARISON_OPERATOR),
            presence: Presence::Required,
            forces_replacement: false,
            doc: "How the statistic is compared to the threshold, such as `GreaterThanThreshold`.",
        },
        FieldSchema {
            name: "threshold",
            ty: ValueType::Int {
                min: i64::MIN,
                max: i64::MAX,
            },
            presence: Presence::Required,
            forces_replacement: false,
            doc: "The value the statistic is compared to.",
        },
        FieldSchema {
            name: "period",
            ty: ValueType::Int {
                min: 10,
                max: 86_400,
            },
            presence: Presence::Default(Literal::Int(60)),
            forces_replacement: false,
            doc: "The seconds over which the statistic is taken: 10, 20, 30 or a multiple of 60.",
        },
        FieldSchema {
            name: "evaluation_periods",
            ty: ValueType::Int { min: 1, max: 100 },
            presence: Presence::Default(Literal::Int(2)),
            forces_replacement: false,
            doc: "How many periods in a row must breach before the alarm fires.",
        },
        FieldSchema {
            name: "dimensions",
            ty: ValueType::Tags,
            presence: Presence::Optional,
            forces_replacement: false,
            doc: "The metric's dimensions, name to value, such as `{ \"ClusterName\": \"main\" }`.",
        },
        FieldSchema {
            name: "alarm_actions",
            ty: ValueType::Set(&ValueType::String),
            presence: Presence::Optional,
            forces_replacement: false,
            doc: "The ARNs to notify or run when the alarm fires (a scaling policy, a topic).",
        },
        TAGS,
    ],
    rules: &[],
    attributes: &[
        AttributeSchema {
            name: "id",
            ty: ValueType::String,
            doc: "The alarm name, as AWS knows it.",
        },
        AttributeSchema {
            name: "arn",
            ty: ValueType::String,
            doc: "The alarm's ARN.",
        },
    ],
};
